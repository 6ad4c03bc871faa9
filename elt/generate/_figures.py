"""The figures a published build (or the benchmark's floor) must give, read the same way from both, and compared
with ``_expected.json``: the end-to-end tests (tests/analytics_checks.py) and the benchmarks use this one reading.

Both the floor's database and the warehouse's ``analytics`` schema hold ``rpt_reconciliation``,
``rpt_quarantine_reasons``, ``fct_sales``, ``mart_daily_revenue``, ``dim_customer``, ``dim_location``,
``dim_product``, ``fct_reviews`` and ``mart_product_ratings`` with the columns read here.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import duckdb

MONEY = ("gross_amount", "discount_amount", "tax_amount", "net_amount")


def _money(value: object) -> str:
    return f"{Decimal(str(value or 0)):.2f}"


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    return None if row is None else row[0]


def published_figures(con: duckdb.DuckDBPyConnection, schema: str) -> dict:
    """What ``schema`` publishes, in the shape of ``expected_figures``."""
    streams = {
        stream: {"landed": landed, "in_raw": in_raw, "duplicates": duplicates, "valid": valid, "quarantined": {}}
        for stream, landed, in_raw, duplicates, valid in con.execute(
            f"select stream, landed, in_raw, duplicates, valid from {schema}.rpt_reconciliation"
        ).fetchall()
    }
    for stream, reason, records in con.execute(
        f"select stream, reason, records from {schema}.rpt_quarantine_reasons where records > 0"
    ).fetchall():
        streams.setdefault(stream, {"quarantined": {}})["quarantined"][reason] = records
    count, quantity, *amounts = con.execute(
        "select count(*), sum(quantity), sum(gross_amount), sum(discount_amount), sum(tax_amount),"
        f" sum(net_amount) from {schema}.fct_sales"
    ).fetchone()

    def net_by(column: str) -> dict[str, str]:
        rows = con.execute(f"select {column}, sum(net_amount) from {schema}.mart_daily_revenue group by 1").fetchall()
        return {str(key): _money(value) for key, value in rows}

    by_city = con.execute(
        f"select c.city, sum(s.net_amount) from {schema}.fct_sales as s"
        f" join {schema}.dim_customer as c using (customer_key) group by 1"
    ).fetchall()
    reviews = con.execute(
        f"select count(*), sum(tag_count), sum(helpful_vote_count), sum(rating_overall) from {schema}.fct_reviews"
    ).fetchone()
    return {
        "streams": streams,
        "sales": {
            "count": count,
            "quantity": int(quantity or 0),
            **{name: _money(value) for name, value in zip(MONEY, amounts, strict=True)},
            "net_amount_by_day": net_by("strftime(date_day, '%Y-%m-%d')"),
            "net_amount_by_region": net_by("region"),
            "net_amount_by_category": net_by("category"),
            "net_amount_by_customer_city": {city: _money(net) for city, net in by_city},
        },
        "reviews": {
            "count": reviews[0],
            "tags": int(reviews[1] or 0),
            "helpful_votes": int(reviews[2] or 0),
            "rating_overall_sum": int(reviews[3] or 0),
            "rated_in_product_ratings": int(
                _scalar(con, f"select sum(review_count) from {schema}.mart_product_ratings") or 0
            ),
        },
        "customers": {
            "versions": _scalar(con, f"select count(*) from {schema}.dim_customer"),
            "current": _scalar(con, f"select count(*) from {schema}.dim_customer where is_current"),
        },
    }


def expected_figures(expected: dict) -> dict:
    """``_expected.json`` projected to the figures ``published_figures`` reads (RAW holds what landed)."""
    streams = {
        stream: {
            "landed": s["landed"],
            "in_raw": s["landed"],
            "duplicates": s["duplicates"],
            "valid": s["valid"],
            "quarantined": {reason: n for reason, n in s["quarantined"].items() if n},
        }
        for stream, s in expected["streams"].items()
    }
    reviews = {key: expected["reviews"][key] for key in ("count", "tags", "helpful_votes", "rating_overall_sum")}
    return {
        "streams": streams,
        "sales": copy.deepcopy(expected["sales"]),
        "reviews": reviews | {"rated_in_product_ratings": reviews["count"]},
        "customers": dict(expected["customers"]),
    }


def _flatten(figures: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in figures.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= _flatten(value, f"{path}.")
        else:
            flat[path] = value
    return flat


def mismatches(actual: dict, expected: dict) -> list[str]:
    """One line per figure that differs, naming it: ``sales.net_amount_by_day.2026-01-02: 1.00, expected 1.01``."""
    got, want = _flatten(actual), _flatten(expected)
    return [
        f"{path}: {got.get(path, 'missing')}, expected {want.get(path, 'none')}"
        for path in sorted(got.keys() | want.keys())
        if got.get(path) != want.get(path)
    ]
