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


def assert_published_matches(warehouse: Path, expected: dict) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for stream, figures in expected["streams"].items():
            landed, in_raw, duplicates, valid = con.execute(
                "select landed, in_raw, duplicates, valid from analytics.rpt_reconciliation where stream = ?",
                [stream],
            ).fetchone()
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


def test_next_day_processes_only_the_new_files(pipeline, data_dir: Path) -> None:
    next_day = FIRST_DAY + dt.timedelta(days=OPTIONS.days)
    options = GenerateOptions(**{**OPTIONS.__dict__, "start_date": next_day, "days": 1, "sales_rows": 2_000})
    expected = generate(data_dir / "landing", options)

    summary = pipeline()

    assert summary.status is RunStatus.PUBLISHED
    assert summary.files_loaded == 2, "one sales file and one reviews file are new; the dimensions did not change"
    assert_published_matches(data_dir / "warehouse.duckdb", expected)


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
