"""End to end: generated landing files through the real flow, compared with what the generator expects.

The tests of this module share one data folder and run in file order: a first run, a rerun, the next day,
then a bad day that must close the gate. Each step asserts on what the previous ones left.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from elt.generate import GenerateOptions, generate
from elt.summary import RunStatus

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

FIRST_DAY = dt.date(2026, 1, 1)
OPTIONS = GenerateOptions(seed=7, sales_rows=6_000, days=3, start_date=FIRST_DAY, customers=300, products=60)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("elt-e2e")


@pytest.fixture
def pipeline(data_dir: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch):
    """The flow, configured by environment as a deployment would be."""
    monkeypatch.setenv("ELT_DATA_DIR", str(data_dir))
    from flows.elt import elt

    return elt


# Late-arriving customers, in a data folder of their own: clean data, three customers missing on the first day.
# They arrive with the next batch, on 2026-01-10: past the customers' cursor (versions up to 2026-01-08).
ARRIVAL_DAY = dt.date(2026, 1, 10)
LATE = GenerateOptions(seed=11, sales_rows=3_000, days=1, start_date=FIRST_DAY, customers=300, products=60,
                       defect_rate=0.0, late_customers=3, late_customers_arrive=ARRIVAL_DAY)  # fmt: skip
LATE_IDS = (298, 299, 300)


@pytest.fixture(scope="module")
def late_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("elt-late")


@pytest.fixture
def late_pipeline(late_dir: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ELT_DATA_DIR", str(late_dir))
    from flows.elt import elt

    return elt


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _money(value) -> str:
    return f"{Decimal(value):.2f}"


def _snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every published view's rows, in a stable order: what a BI reader of ``analytics`` sees."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        views = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'analytics' order by 1"
            ).fetchall()
        ]
        return {v: con.execute(f'select * from analytics."{v}" order by all').fetchall() for v in views}


def assert_published_matches(warehouse: Path, expected: dict, *, redelivered: frozenset[str] = frozenset()) -> None:
    """``analytics`` gives the generator's answers. For the ``redelivered`` streams, whose changed files landed
    records again, RAW holds more than the generator wrote: there every RAW record must still be a duplicate,
    valid or quarantined, and the valid and quarantined ones exactly the generator's."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for stream, figures in expected["streams"].items():
            landed, in_raw, duplicates, valid, quarantined = con.execute(
                "select landed, in_raw, duplicates, valid, quarantined from analytics.rpt_reconciliation"
                " where stream = ?",
                [stream],
            ).fetchone()
            if stream in redelivered:
                assert landed == in_raw == duplicates + valid + quarantined, stream
                assert in_raw > figures["landed"], f"{stream}: nothing was landed again"
                assert valid == figures["valid"], stream
            else:
                assert (landed, in_raw, duplicates, valid) == (
                    figures["landed"],
                    figures["landed"],
                    figures["duplicates"],
                    figures["valid"],
                ), stream
            reasons = dict(
                con.execute(
                    "select reason, records from analytics.rpt_quarantine_reasons where stream = ?", [stream]
                ).fetchall()
            )
            assert reasons == {r: n for r, n in figures["quarantined"].items() if n}, stream

        sales = expected["sales"]
        count, quantity, gross, discount, tax, net = con.execute(
            "select count(*), sum(quantity), sum(gross_amount), sum(discount_amount), sum(tax_amount),"
            " sum(net_amount) from analytics.fct_sales"
        ).fetchone()
        assert (count, quantity) == (sales["count"], sales["quantity"])
        assert [_money(v) for v in (gross, discount, tax, net)] == [
            sales["gross_amount"],
            sales["discount_amount"],
            sales["tax_amount"],
            sales["net_amount"],
        ]
        by_day = con.execute(
            "select strftime(date_day, '%Y-%m-%d'), sum(net_amount) from analytics.mart_daily_revenue group by 1"
        ).fetchall()
        assert {d: _money(v) for d, v in by_day} == sales["net_amount_by_day"]
        by_region = con.execute(
            "select region, sum(net_amount) from analytics.mart_daily_revenue group by 1"
        ).fetchall()
        assert {r: _money(v) for r, v in by_region} == sales["net_amount_by_region"]
        by_category = con.execute(
            "select category, sum(net_amount) from analytics.mart_daily_revenue group by 1"
        ).fetchall()
        assert {c: _money(v) for c, v in by_category} == sales["net_amount_by_category"]
        by_city = con.execute(
            "select c.city, sum(s.net_amount) from analytics.fct_sales s"
            " join analytics.dim_customer c using (customer_key) group by 1"
        ).fetchall()
        assert {c: _money(v) for c, v in by_city} == sales["net_amount_by_customer_city"]

        reviews = expected["reviews"]
        assert _scalar(con, "select count(*) from analytics.fct_reviews") == reviews["count"]
        assert _scalar(con, "select sum(tag_count) from analytics.fct_reviews") == reviews["tags"]
        assert _scalar(con, "select sum(helpful_vote_count) from analytics.fct_reviews") == reviews["helpful_votes"]
        assert _scalar(con, "select sum(rating_overall) from analytics.fct_reviews") == reviews["rating_overall_sum"]
        assert _scalar(con, "select sum(review_count) from analytics.mart_product_ratings") == reviews["count"]

        customers = expected["customers"]
        assert _scalar(con, "select count(*) from analytics.dim_customer") == customers["versions"]
        assert _scalar(con, "select count(*) from analytics.dim_customer where is_current") == customers["current"]


def test_first_run_publishes_what_the_generator_expects(pipeline, data_dir: Path) -> None:
    expected = generate(data_dir / "landing", OPTIONS)
    assert sum(expected["streams"]["sales"]["quarantined"].values()) > 0, "the demo data plants defects"

    summary = pipeline()

    assert summary.status is RunStatus.PUBLISHED
    assert summary.files_loaded == 3 + 2 * OPTIONS.days
    assert all(s.balanced for s in summary.streams)
    assert_published_matches(data_dir / "warehouse.duckdb", expected)
    assert summary.data_docs is not None and summary.data_docs.exists()


def test_rerun_on_the_same_files_changes_nothing(pipeline, data_dir: Path) -> None:
    before = _snapshot(data_dir / "warehouse.duckdb")

    summary = pipeline()

    assert summary.status is RunStatus.UP_TO_DATE
    assert (summary.files_loaded, summary.files_skipped) == (0, 3 + 2 * OPTIONS.days)
    assert _snapshot(data_dir / "warehouse.duckdb") == before


def test_next_day_processes_only_the_new_files(pipeline, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    next_day = FIRST_DAY + dt.timedelta(days=OPTIONS.days)
    options = GenerateOptions(**{**OPTIONS.__dict__, "start_date": next_day, "days": 1, "sales_rows": 2_000})
    expected = generate(data_dir / "landing", options)
    monkeypatch.setenv("ELT_KEEP_BUILDS", "1")

    summary = pipeline()

    assert summary.status is RunStatus.PUBLISHED
    assert summary.files_loaded == 2, "one sales file and one reviews file are new; the dimensions did not change"
    assert_published_matches(data_dir / "warehouse.duckdb", expected)
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        builds = [
            name
            for (name,) in con.execute(
                "select schema_name from information_schema.schemata where schema_name like 'audit_%'"
            ).fetchall()
        ]
    assert builds == [summary.build_schema], "the first day's build was pruned"
    assert [site.name for site in (data_dir / "gx").iterdir()] == builds, "its Data Docs went with it"
    assert [target.name for target in (data_dir / "dbt").iterdir()] == builds, "and its dbt artifacts"


def test_the_analytics_facts_read_the_store_and_hold_each_key_once(data_dir: Path) -> None:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        for fact, key in (("fct_sales", "sale_id"), ("fct_reviews", "review_id")):
            definition = _scalar(
                con, f"select sql from duckdb_views() where schema_name = 'analytics' and view_name = '{fact}'"
            )
            assert f"store.{fact}" in definition.replace('"', ""), fact
            assert _scalar(con, f"select count(*) - count(distinct {key}) from analytics.{fact}") == 0, fact


def test_a_backfill_rebuilds_the_facts_of_its_days_and_only_those(data_dir: Path, prefect_server: str, monkeypatch):
    monkeypatch.setenv("ELT_DATA_DIR", str(data_dir))
    from flows.elt import backfill

    warehouse = data_dir / "warehouse.duckdb"
    published = _snapshot(warehouse)
    day = FIRST_DAY + dt.timedelta(days=1)
    # What a since-fixed bug in a model would have left in the store: one day's amounts wrong.
    with duckdb.connect(str(warehouse)) as con:
        damaged = con.execute(f"update store.fct_sales set net_amount = 0 where sold_at::date = '{day}'").fetchone()[0]
        others = con.execute(f"select * from store.fct_sales where sold_at::date <> '{day}' order by all").fetchall()
    assert damaged > 0 and _snapshot(warehouse) != published

    summary = backfill(day, day)

    assert summary.status is RunStatus.PUBLISHED
    assert _snapshot(warehouse) == published
    with duckdb.connect(str(warehouse), read_only=True) as con:
        written = _scalar(con, f"select count(*) from {summary.build_schema}.fct_sales_delta")
        untouched = con.execute(f"select * from store.fct_sales where sold_at::date <> '{day}' order by all").fetchall()
    assert written == damaged, "only the window's rows were rebuilt and merged"
    assert untouched == others


def test_defects_above_the_threshold_close_the_gate_and_leave_analytics_unchanged(pipeline, data_dir: Path) -> None:
    from flows.elt import GateClosedError

    before = _snapshot(data_dir / "warehouse.duckdb")
    bad_day = FIRST_DAY + dt.timedelta(days=OPTIONS.days + 1)
    options = GenerateOptions(
        **{**OPTIONS.__dict__, "start_date": bad_day, "days": 1, "sales_rows": 20_000, "defect_rate": 40.0}
    )
    generate(data_dir / "landing", options)

    with pytest.raises(GateClosedError, match="quarantine rate of sales"):
        pipeline()

    assert _snapshot(data_dir / "warehouse.duckdb") == before
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        status, summary = con.execute(
            "select status, summary_json from elt_meta.runs order by finished_at desc limit 1"
        ).fetchone()
    assert status == RunStatus.GATE_CLOSED.value
    assert "quarantine rate of sales" in json.dumps(json.loads(summary)["failed_expectations"])


def _sales_file(landing: Path, day: dt.date) -> str:
    return str(landing / "sales" / f"sales_{day.isoformat()}.csv")


def test_a_sale_of_a_customer_not_arrived_yet_is_held(late_pipeline, late_dir: Path) -> None:
    generate(late_dir / "landing", LATE)
    with duckdb.connect() as con:
        held = _scalar(
            con, f"select count(*) from read_csv('{_sales_file(late_dir / 'landing', FIRST_DAY)}')"
            f" where customer_id in {LATE_IDS}",
        )  # fmt: skip
    assert held > 0

    summary = late_pipeline()

    assert summary.status is RunStatus.PUBLISHED
    sales = next(s for s in summary.streams if s.stream == "sales")
    assert (sales.held, sales.released) == (held, 0)
    assert f"sales: {held} held, 0 released" in summary.to_markdown()
    with duckdb.connect(str(late_dir / "warehouse.duckdb"), read_only=True) as con:
        reasons = con.execute(
            "select quarantine_reason, count(*) from analytics.sales_quarantine group by 1"
        ).fetchall()
        assert reasons == [("unknown_customer_id", held)]


def test_the_run_in_which_the_customer_arrives_releases_the_sales_and_a_correction_replaces_its_row(
    late_pipeline, late_dir: Path
) -> None:
    landing = late_dir / "landing"
    with duckdb.connect(str(late_dir / "warehouse.duckdb"), read_only=True) as con:
        published_before = _scalar(con, "select count(*) from analytics.fct_sales")
        held = _scalar(con, "select count(*) from analytics.sales_quarantine")
    # The first sale delivered again with one more item: a corrected record.
    header, first, *_ = Path(_sales_file(landing, FIRST_DAY)).read_text(encoding="utf-8").splitlines()
    line = first.split(",")
    sale_id, quantity = int(line[0]), int(line[5])
    line[5] = str(quantity + 1)
    (landing / "sales" / f"sales_{FIRST_DAY.isoformat()}_correction.csv").write_text(
        f"{header}\n{','.join(line)}\n", encoding="utf-8"
    )
    expected = generate(landing, GenerateOptions(**{**LATE.__dict__, "start_date": ARRIVAL_DAY}))

    summary = late_pipeline()

    assert summary.status is RunStatus.PUBLISHED
    sales = next(s for s in summary.streams if s.stream == "sales")
    assert (sales.held, sales.released) == (0, held)
    with duckdb.connect(str(late_dir / "warehouse.duckdb"), read_only=True) as con:
        assert _scalar(con, "select count(*) from analytics.sales_quarantine") == 0
        count, distinct, total = con.execute(
            "select count(*), count(distinct sale_id), sum(quantity) from analytics.fct_sales"
        ).fetchone()
        assert count == distinct == expected["sales"]["count"]
        assert total == expected["sales"]["quantity"] + 1
        assert _scalar(con, f"select quantity from analytics.fct_sales where sale_id = {sale_id}") == quantity + 1
        # The late customers' sales of both days found their (only) version.
        of_late_customers = _scalar(
            con, "select count(*) from analytics.fct_sales join analytics.dim_customer using (customer_key)"
            f" where customer_id in {LATE_IDS}",
        )  # fmt: skip
        on_arrival_day = _scalar(
            con, f"select count(*) from read_csv('{_sales_file(landing, ARRIVAL_DAY)}') where customer_id in {LATE_IDS}"
        )
        assert of_late_customers == held + on_arrival_day
        written = _scalar(con, f"select count(*) from {summary.build_schema}.fct_sales_delta")
    new_day = expected["sales"]["count"] - published_before - held
    assert written == new_day + held + 1, "the publish merged the new day, the released sales and the correction"
