"""The gate's verdict on planted defects: above a threshold it closes, below it passes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from audit_build import BATCH_TIMES, BUILD, NEWEST_DAY_SALES_THREE_TIMES_OVER, Warehouse

from elt.generate import REVIEW_QUARANTINE_REASONS, SALES_QUARANTINE_REASONS
from elt.quality import GateVerdict

# Where each stream's quarantined records live in the build, as rpt_quarantine_reasons reads them.
QUARANTINE_TABLES = {"sales": "sales_quarantine_delta", "reviews": "stg_parsed__reviews_quarantine"}
DEFECT_CLASSES = [("sales", r) for r in SALES_QUARANTINE_REASONS] + [("reviews", r) for r in REVIEW_QUARANTINE_REASONS]
RECONCILIATION = ("rpt_reconciliation",)


def _checks(items) -> set[str]:
    return {f.check for f in items}


def _quarantine(warehouse: Warehouse, stream: str, reason: str, records: int, batch: int = 2) -> None:
    """Plant ``records`` quarantined records of ``stream`` in ``batch``: they landed, then failed a rule."""
    table = QUARANTINE_TABLES[stream]
    warehouse.plant(
        f"insert into {BUILD}.{table} (quarantine_reason, detail, _airbyte_raw_id, _airbyte_extracted_at)"
        f" select '{reason}', 'planted', 'planted-' || i, timestamptz '{BATCH_TIMES[batch]}' from range({records}) t(i)"
    )


def _valid_in_newest_batch(warehouse: Warehouse, stream: str) -> int:
    return warehouse.scalar(
        f"select records from {BUILD}.stg_elt_meta__landed_files where stream = '{stream}' and batch_id = 2"
    )


def test_a_clean_build_passes_without_warnings_and_writes_this_runs_data_docs(warehouse: Warehouse) -> None:
    verdict = warehouse.validate()

    assert (verdict.passed, verdict.failed, verdict.warnings) == (True, [], [])
    assert verdict.evaluated > 100
    assert verdict.data_docs == warehouse.gx_dir / BUILD / "index.html"
    assert BUILD in verdict.data_docs.read_text()


@pytest.mark.parametrize(("stream", "reason"), DEFECT_CLASSES)
def test_a_defect_class_above_its_threshold_closes_the_gate(warehouse: Warehouse, stream: str, reason: str) -> None:
    valid = _valid_in_newest_batch(warehouse, stream)
    _quarantine(warehouse, stream, reason, records=valid // 5)  # 1 in 6 landed records: above 5%

    verdict = warehouse.validate(tables=RECONCILIATION)

    assert not verdict.passed
    assert [f.description for f in verdict.failed] == [
        f"quarantine rate of {stream} in the newest batch is at most 5.00%"
    ]
    quarantined, delivered = valid // 5, valid + valid // 5
    observed = f"{quarantined / delivered:.2%} ({quarantined} of {delivered} records) in batch 2"
    assert [f.observed for f in verdict.failed] == [observed]
    assert f"quarantine rate of {stream} in the newest batch is at most 5.00%; observed {observed}" in (
        verdict.failure_message()
    )


@pytest.mark.parametrize(("stream", "reason"), DEFECT_CLASSES)
def test_a_defect_class_below_its_threshold_passes_without_a_warning(
    warehouse: Warehouse, stream: str, reason: str
) -> None:
    _quarantine(warehouse, stream, reason, records=1)  # 1 of about 100 or 21 landed records: below 5%

    verdict = warehouse.validate(tables=RECONCILIATION)

    assert (verdict.passed, verdict.failed, verdict.warnings) == (True, [], []), verdict.failure_message()
    rate = warehouse.scalar(f"select quarantine_rate from {BUILD}.rpt_reconciliation where stream = '{stream}'")
    assert 0 < rate <= 0.05, "the planted record is quarantined, within the stream's limit"


def test_a_rejected_batch_does_not_keep_the_gate_closed_once_a_clean_batch_follows(warehouse: Warehouse) -> None:
    _quarantine(warehouse, "sales", "malformed_line", records=200, batch=1)  # batch 1: 202 of 734 quarantined
    assert warehouse.scalar(f"select quarantine_rate from {BUILD}.rpt_reconciliation where stream = 'sales'") > 0.05

    unpublished = warehouse.validate(tables=RECONCILIATION, last_published_batch=None)
    published = warehouse.validate(tables=RECONCILIATION, last_published_batch=1)

    assert unpublished.passed and published.passed
    assert _checks(unpublished.warnings) == {"rpt_reconciliation.earlier_batch_quarantine_rate"}
    assert published.warnings == []


def test_a_warning_severity_failure_does_not_close_the_gate(warehouse: Warehouse) -> None:
    # The newest day 30% above its usual revenue: beyond 3 standard deviations, within 2x the median.
    warehouse.plant(
        f"insert into {BUILD}.fct_sales_delta select sale_id + 500, * exclude (sale_id, _airbyte_raw_id),"
        f" _airbyte_raw_id || '-again' from {BUILD}.fct_sales"
        f" where date_key = (select max(date_key) from {BUILD}.dim_date) and sale_id % 1000 < 30"
    )

    verdict = warehouse.validate(tables=("mart_daily_revenue",))

    assert verdict.passed, verdict.failure_message()
    assert _checks(verdict.warnings) == {"mart_daily_revenue.net_amount_within_stddevs"}


def test_a_critical_distribution_failure_closes_the_gate(warehouse: Warehouse) -> None:
    # The newest day's sales three times over: revenue above 2x the trailing median.
    warehouse.plant(NEWEST_DAY_SALES_THREE_TIMES_OVER)

    verdict = warehouse.validate(tables=("mart_daily_revenue",))

    assert not verdict.passed
    assert _checks(verdict.failed) == {"mart_daily_revenue.net_amount_within_median_ratio"}
    assert _checks(verdict.warnings) == {"mart_daily_revenue.net_amount_within_stddevs"}


def test_review_volume_far_below_its_history_closes_the_gate(warehouse: Warehouse) -> None:
    warehouse.plant(
        f"delete from {BUILD}.fct_reviews_delta where date_key = (select max(date_key) from {BUILD}.dim_date)"
        " and review_id % 1000 >= 5"
    )

    verdict = warehouse.validate(tables=("fct_reviews",))

    assert _checks(verdict.failed) == {"fct_reviews.daily_volume_within_median_ratio"}


SALES, REVIEWS = f"{BUILD}.fct_sales_delta", f"{BUILD}.fct_reviews_delta"  # the rows the build adds
MART_DEFECTS = {
    "fct_sales.sale_id_unique": f"insert into {SALES} select * replace ('dup-' || _airbyte_raw_id as"
    f" _airbyte_raw_id) from {BUILD}.fct_sales limit 1",
    "fct_sales.customer_key_not_null": f"update {SALES} set customer_key = null where sale_id = 1001",
    "fct_sales.product_key_in_dim_product": f"update {SALES} set product_key = 'nope' where sale_id = 1001",
    "fct_sales.quantity_range": f"update {SALES} set quantity = 0 where sale_id = 1001",
    "fct_sales.net_amount": f"update {SALES} set net_amount = net_amount + 1 where sale_id = 1001",
    "fct_reviews.rating_overall_range": f"update {REVIEWS} set rating_overall = 6 where review_id = 1001",
    "fct_reviews.date_key_in_dim_date": f"update {REVIEWS} set date_key = 19000101 where review_id = 1001",
    "dim_location.region_accepted": f"update {BUILD}.dim_location set region = 'Atlantis' where location_id = 1",
    "dim_customer.one_current_version": f"update {BUILD}.dim_customer set is_current = false where customer_id = 1",
    "dim_date.day_of_week_range": f"update {BUILD}.dim_date set day_of_week = 8 where date_key = (select min(date_key)"
    f" from {BUILD}.dim_date)",
}


@pytest.mark.parametrize("check", sorted(MART_DEFECTS))
def test_a_zero_tolerance_defect_in_a_mart_closes_the_gate(warehouse: Warehouse, check: str) -> None:
    warehouse.plant(MART_DEFECTS[check])

    verdict = warehouse.validate(tables=(check.split(".", maxsplit=1)[0],))

    assert check in _checks(verdict.failed)
    assert not verdict.passed
    assert all(f.observed for f in verdict.failed), verdict.failure_message()


def test_a_failed_check_states_what_it_observed(warehouse: Warehouse) -> None:
    warehouse.plant(f"update {SALES} set quantity = 0 where sale_id in (1001, 1002)")
    rows = warehouse.scalar(f"select count(*) from {SALES}")
    net = warehouse.scalar(f"select sum(net_amount) from {SALES}")
    warehouse.plant(f"delete from {SALES} where sale_id = 1003", refresh=False)

    verdict = warehouse.validate(tables=("fct_sales", "mart_daily_revenue"))

    observed = {f.check: f.observed for f in verdict.failed}
    assert observed.pop("fct_sales.gross_amount").startswith("sale_id=100")  # a rule's query without a format
    assert observed == {
        "fct_sales.quantity_range": f"2 of {rows - 1} rows ({200 / (rows - 1):.2f}%), e.g. 0, 0",
        "fct_sales.matches_reconciliation": f"{rows - 1} against {rows}",
        "mart_daily_revenue.matches_fct_sales": (
            f"{rows} sales and {net:,.2f} net against {rows - 1} and {net - Decimal('20.6'):,.2f} in fct_sales"
        ),
    }


@pytest.mark.parametrize(
    ("plant", "check"),
    [
        (f"update {BUILD}.rpt_reconciliation set landed = landed + 1 where stream = 'sales'", "landed_equals_raw"),
        (f"update {BUILD}.rpt_reconciliation set valid = valid - 1 where stream = 'reviews'", "raw_accounted_for"),
        (f"delete from {BUILD}.rpt_reconciliation where stream = 'locations'", "streams_match_catalogue"),
    ],
)
def test_a_broken_reconciliation_closes_the_gate(warehouse: Warehouse, plant: str, check: str) -> None:
    warehouse.plant(plant, refresh=False)

    verdict = warehouse.validate(tables=RECONCILIATION)

    assert f"rpt_reconciliation.{check}" in _checks(verdict.failed)


def test_row_counts_are_tied_to_the_reconciliation(warehouse: Warehouse) -> None:
    warehouse.plant(f"delete from {BUILD}.fct_sales_delta where sale_id = 1001", refresh=False)

    verdict: GateVerdict = warehouse.validate(tables=("fct_sales", "mart_daily_revenue"))

    assert _checks(verdict.failed) == {"fct_sales.matches_reconciliation", "mart_daily_revenue.matches_fct_sales"}


def test_facts_older_than_their_batch_are_a_warning_by_default(warehouse: Warehouse) -> None:
    warehouse.plant(
        f"update {SALES} set sold_at = sold_at - interval 3 day;"
        f" update {BUILD}.fct_reviews_delta set created_at = created_at - interval 3 day",
        refresh=False,
    )

    verdict = warehouse.validate(tables=("fct_sales", "fct_reviews"), last_published_batch=1)

    assert verdict.passed, verdict.failure_message()
    assert _checks(verdict.warnings) == {"fct_sales.fresh", "fct_reviews.fresh"}
    (sales,) = [w for w in verdict.warnings if w.check == "fct_sales.fresh"]
    assert sales.observed is not None and f"the newest batch arrived at {BATCH_TIMES[2][:10]}" in sales.observed


def test_a_first_load_of_past_years_is_judged_by_its_own_newest_record(warehouse: Warehouse) -> None:
    warehouse.plant(
        f"update {SALES} set sold_at = sold_at - interval 1000 day;"
        f" update {BUILD}.fct_reviews_delta set created_at = created_at - interval 1000 day",
        refresh=False,
    )

    first = warehouse.validate(tables=("fct_sales", "fct_reviews"))
    later = warehouse.validate(tables=("fct_sales", "fct_reviews"), last_published_batch=1)

    assert (first.passed, first.warnings) == (True, [])
    assert first.unjudged == [
        f"{fact}.fresh: not judged: a first load is judged by its own newest record"
        for fact in ("fct_sales", "fct_reviews")
    ]
    assert _checks(later.warnings) == {"fct_sales.fresh", "fct_reviews.fresh"}, "an increment is judged"


def test_an_optional_field_may_be_empty_and_a_required_one_may_not(warehouse: Warehouse) -> None:
    # products.category is optional in the catalogue: 2 of 20 products (10%) without it is fine, 5 (25%) a warning.
    warehouse.plant(f"update {BUILD}.dim_product set category = null where product_id <= 2")
    few = warehouse.validate(tables=("dim_product", "mart_daily_revenue"))
    warehouse.plant(f"update {BUILD}.dim_product set category = null where product_id <= 5")
    many = warehouse.validate(tables=("dim_product", "mart_daily_revenue"))
    warehouse.plant(f"update {BUILD}.dim_product set product_id = null where product_id = 7", refresh=False)
    required = warehouse.validate(tables=("dim_product",))

    assert (few.passed, few.warnings) == (True, []), few.failure_message()
    assert many.passed, many.failure_message()
    assert _checks(many.warnings) == {"dim_product.category_not_null", "mart_daily_revenue.category_not_null"}
    (warning,) = [w for w in many.warnings if w.check == "dim_product.category_not_null"]
    assert (
        warning.description
        == "category is present in at least 80% of rows (products.category is optional in the catalogue)"
    )
    assert warning.observed == "5 of 20 rows (25.00%), e.g. None, None, None"
    assert _checks(required.failed) == {"dim_product.product_id_not_null"}


def test_a_day_is_judged_against_its_own_weekday_once_three_weeks_are_there(warehouse: Warehouse, gate_env) -> None:
    # Four more weeks of reviews: 40 a day, 120 on the newest day's weekday (its weekly peak). The newest day,
    # raised to that peak, is ordinary against its weekday, three times the median of all days.
    warehouse.plant(
        f"insert into {BUILD}.dim_date select cast(strftime(day, '%Y%m%d') as integer), cast(day as date),"
        " month(day), day(day), isodow(day)"
        " from generate_series(current_date - 34, current_date - 7, interval 1 day) as days(day);"
        f" insert into {BUILD}.fct_reviews_delta select cast(d.date_key as bigint) * 1000 + n, md5('p1'), d.date_key,"
        " d.date_day + to_hours(cast(n % 12 as integer)), 5, 5, null, 0, 0, 0, 'raw-hist-' || d.date_key || '-' || n"
        f" from {BUILD}.dim_date as d, range(120) as t(n)"
        " where d.date_day < current_date - 6 and (n < 40 or (current_date - 1 - d.date_day) % 7 = 0);"
        f" insert into {BUILD}.fct_reviews_delta select review_id + 500 + k * 100,"
        f" * exclude (review_id, _airbyte_raw_id, k), _airbyte_raw_id || '-peak-' || k"
        f" from {BUILD}.fct_reviews_delta, range(2) as t(k) where created_at::date = current_date - 1"
    )

    weekly = warehouse.validate(tables=("fct_reviews",))
    daily = warehouse.validate(gate_env(ELT_GATE_DAILY_REVIEWS__MIN_HISTORY_DAYS="5"), tables=("fct_reviews",))

    assert weekly.passed and "fct_reviews.daily_volume_within_median_ratio" not in _checks(weekly.warnings)
    assert _checks(daily.failed) == {"fct_reviews.daily_volume_within_median_ratio"}, "4 weekdays < 5: all days"
    assert daily.failed[0].observed.startswith("120.00 on the newest day, median 40.00")


def test_a_history_too_thin_to_judge_by_is_said_so_not_judged(warehouse: Warehouse, gate_env) -> None:
    warehouse.plant(
        f"delete from {BUILD}.fct_reviews_delta where date_key = (select max(date_key) from {BUILD}.dim_date)"
        " and review_id % 1000 >= 5"
    )

    verdict = warehouse.validate(gate_env(ELT_GATE_DAILY_REVIEWS__MIN_DAILY_RECORDS="100"), tables=("fct_reviews",))

    assert verdict.passed, verdict.failure_message()
    assert (
        "fct_reviews.daily_volume_within_median_ratio: not judged: the days before hold a median of 41 records a day"
        " (at least 100 needed)"
    ) in verdict.unjudged


def test_a_missing_mart_or_a_check_that_cannot_run_closes_the_gate(warehouse: Warehouse) -> None:
    warehouse.plant(
        f"drop table {BUILD}.mart_product_ratings; alter table {BUILD}.dim_location rename column region to area",
        refresh=False,
    )

    verdict = warehouse.validate(tables=("mart_product_ratings", "dim_location"))

    assert [f.check for f in verdict.failed] == ["mart_product_ratings.exists", "dim_location.region_accepted"]
    assert "error" in verdict.failed[1].description


def test_a_facts_row_rules_read_the_rows_its_build_adds_and_its_table_rules_the_whole_fact(
    warehouse: Warehouse,
) -> None:
    """What makes the gate cost what arrived: a row published by an earlier build is not judged again by the
    row rules (it passed them when it was added), while the row count is still tied to the reconciliation."""
    warehouse.plant(
        f"create table {BUILD}.published_sales as select * replace (0 as quantity, sale_id + 90000 as sale_id)"
        f" from {BUILD}.fct_sales_delta limit 1;"
        f"create or replace view {BUILD}.fct_sales as"
        f" select * from {BUILD}.published_sales union all select * from {BUILD}.fct_sales_delta",
        refresh=False,
    )

    verdict = warehouse.validate(tables=("fct_sales",))

    assert _checks(verdict.failed) == {"fct_sales.matches_reconciliation"}
