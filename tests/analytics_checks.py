"""What BI reads in ``analytics``, and the answers it must give: the generator's (``_expected.json``)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def money(value) -> str:
    return f"{Decimal(value):.2f}"


def published_rows(warehouse: Path) -> dict[str, list[tuple]]:
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
    """What BI reads in ``analytics`` gives the generator's answers: reconciliation, sales, reviews, customers.

    For the ``redelivered`` streams, whose changed files landed records again, RAW holds more than the generator
    wrote: there every RAW record must still be a duplicate, valid or quarantined, and the valid and quarantined
    ones exactly the generator's.
    """
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
        assert [money(v) for v in (gross, discount, tax, net)] == [
            sales["gross_amount"],
            sales["discount_amount"],
            sales["tax_amount"],
            sales["net_amount"],
        ]
        by_day = con.execute(
            "select strftime(date_day, '%Y-%m-%d'), sum(net_amount) from analytics.mart_daily_revenue group by 1"
        ).fetchall()
        assert {d: money(v) for d, v in by_day} == sales["net_amount_by_day"]
        by_region = con.execute(
            "select region, sum(net_amount) from analytics.mart_daily_revenue group by 1"
        ).fetchall()
        assert {r: money(v) for r, v in by_region} == sales["net_amount_by_region"]
        by_category = con.execute(
            "select category, sum(net_amount) from analytics.mart_daily_revenue group by 1"
        ).fetchall()
        assert {c: money(v) for c, v in by_category} == sales["net_amount_by_category"]
        by_city = con.execute(
            "select c.city, sum(s.net_amount) from analytics.fct_sales s"
            " join analytics.dim_customer c using (customer_key) group by 1"
        ).fetchall()
        assert {c: money(v) for c, v in by_city} == sales["net_amount_by_customer_city"]

        reviews = expected["reviews"]
        assert scalar(con, "select count(*) from analytics.fct_reviews") == reviews["count"]
        assert scalar(con, "select sum(tag_count) from analytics.fct_reviews") == reviews["tags"]
        assert scalar(con, "select sum(helpful_vote_count) from analytics.fct_reviews") == reviews["helpful_votes"]
        assert scalar(con, "select sum(rating_overall) from analytics.fct_reviews") == reviews["rating_overall_sum"]
        assert scalar(con, "select sum(review_count) from analytics.mart_product_ratings") == reviews["count"]

        customers = expected["customers"]
        assert scalar(con, "select count(*) from analytics.dim_customer") == customers["versions"]
        assert scalar(con, "select count(*) from analytics.dim_customer where is_current") == customers["current"]
