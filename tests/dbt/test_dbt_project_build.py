"""`dbt build` over a hand-written warehouse: exact figures in the marts, worked out by hand from conftest.py."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from dbt_project_fixture import DbtRun

MART_PREFIXES = {"dim", "fct", "sales", "mart", "rpt"}


def test_build_writes_every_model_into_the_audit_schema_and_snapshots_aside(dbt_build: DbtRun) -> None:
    manifest = json.loads((dbt_build.target_path / "manifest.json").read_text(encoding="utf-8"))
    models = {
        node["name"]: node["config"]["materialized"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    relations = {
        (schema, name): kind
        for schema, name, kind in dbt_build.query(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_schema not in ('raw', 'parsed', 'elt_meta')"
            f" and not (table_schema = '{dbt_build.schema}' and table_name like '%__dbt_tmp')"
        )
    }
    assert {name for schema, name in relations if schema == dbt_build.schema} == set(models)
    assert {key for key in relations if key[0] != dbt_build.schema} == {
        ("snapshots", "snp_retail__customers"),
        ("snapshots", "snp_retail__products"),
    }
    marts = {name for name, materialized in models.items() if name.split("_")[0] in MART_PREFIXES}
    assert marts == {
        "dim_customer",
        "dim_product",
        "dim_location",
        "dim_date",
        "fct_sales",
        "fct_sales_delta",
        "fct_sales_withdrawn",
        "sales_quarantine",
        "sales_quarantine_delta",
        "sales_quarantine_withdrawn",
        "fct_reviews",
        "fct_reviews_delta",
        "fct_reviews_withdrawn",
        "mart_daily_revenue",
        "mart_product_ratings",
        "rpt_late_arrivals",
        "rpt_quarantine_reasons",
        "rpt_reconciliation",
    }
    incremental_facts = {"fct_sales", "fct_reviews", "sales_quarantine"}
    assert {relations[(dbt_build.schema, name)] for name in marts - incremental_facts} == {"BASE TABLE"}
    assert {relations[(dbt_build.schema, name)] for name in incremental_facts} == {"VIEW"}
    assert {name.split("_")[0] for name in models} == {"base", "stg", "int", *MART_PREFIXES}


def test_before_the_first_publication_the_facts_are_their_deltas(dbt_build: DbtRun) -> None:
    for fact, key in (("fct_sales", "sale_id"), ("fct_reviews", "review_id")):
        published = dbt_build.query(f"select * from {dbt_build.schema}.{fact} order by {key}")
        delta = dbt_build.query(f"select * from {dbt_build.schema}.{fact}_delta order by {key}")
        assert published == delta and published, fact


def test_no_late_dimension_was_published_before(dbt_build: DbtRun) -> None:
    held = dbt_build.query(
        f"select count(*) from {dbt_build.schema}.sales_quarantine where quarantine_reason like 'unknown_%'"
    )
    assert dbt_build.query(f"select stream, held, released from {dbt_build.schema}.rpt_late_arrivals") == [
        ("sales", held[0][0], 0)
    ]


def test_sale_amounts(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select sale_id, quantity, unit_price, gross_amount, discount_amount, tax_amount, net_amount "
        f"from {dbt_build.schema}.fct_sales order by sale_id"
    )
    assert rows == [
        (1, 3, Decimal("19.99"), Decimal("59.97"), Decimal("9.00"), Decimal("4.10"), Decimal("55.07")),
        (2, 1, Decimal("10.00"), Decimal("10.00"), Decimal("0.00"), Decimal("0.80"), Decimal("10.80")),
        (7, 2, Decimal("10.00"), Decimal("20.00"), Decimal("2.00"), Decimal("1.60"), Decimal("19.60")),
    ]


def test_sales_find_the_customer_version_valid_when_sold(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select s.sale_id, c.customer_id, c.city, c.is_current "
        f"from {dbt_build.schema}.fct_sales as s "
        f"join {dbt_build.schema}.dim_customer as c on s.customer_key = c.customer_key "
        f"where c.customer_id = 1 order by s.sale_id"
    )
    # sale 1 (2024-02-10) precedes the move on 2024-03-01; sale 7 (2024-03-05) follows it
    assert rows == [(1, 1, "Boston", False), (7, 1, "Denver", True)]


def test_customer_history(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select customer_id, city, valid_from, valid_to, is_current, _airbyte_raw_id "
        f"from {dbt_build.schema}.dim_customer order by customer_id, valid_from"
    )
    assert rows == [
        (1, "Boston", dt.datetime(1900, 1, 1), dt.datetime(2024, 3, 1), False, "cus-b2-1"),
        (1, "Denver", dt.datetime(2024, 3, 1), None, True, "cus-b2-3"),
        (2, "Arlington", dt.datetime(1900, 1, 1), None, True, "cus-b2-2"),
    ]


def test_product_history(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select product_id, list_price, valid_from, valid_to, is_current, _airbyte_raw_id "
        f"from {dbt_build.schema}.dim_product order by product_id, valid_from"
    )
    assert rows == [
        (10, Decimal("19.99"), dt.datetime(1900, 1, 1), dt.datetime(2024, 2, 1), False, "prd-b1-1"),
        (10, Decimal("21.50"), dt.datetime(2024, 2, 1), None, True, "prd-b2-1"),
        (20, Decimal("10.00"), dt.datetime(1900, 1, 1), None, True, "prd-b1-2"),
    ]


def test_sales_and_reviews_find_the_product_version_valid_when_made(dbt_build: DbtRun) -> None:
    sales = dbt_build.query(
        f"select s.sale_id, p.list_price from {dbt_build.schema}.fct_sales as s "
        f"join {dbt_build.schema}.dim_product as p on s.product_key = p.product_key "
        f"where p.product_id = 10 order by s.sale_id"
    )
    reviews = dbt_build.query(
        f"select r.review_id, p.list_price from {dbt_build.schema}.fct_reviews as r "
        f"join {dbt_build.schema}.dim_product as p on r.product_key = p.product_key "
        f"where p.product_id = 10 order by r.review_id"
    )
    # sale 1 (2024-02-10) and review 1000 (2024-02-15) follow the widget's price change on 2024-02-01
    assert sales == [(1, Decimal("21.50"))]
    assert reviews == [(1000, Decimal("21.50"))]


def test_sales_quarantine(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select _airbyte_raw_id, sale_id, quarantine_reason, detail, _ab_source_file_line, source_record "
        f"from {dbt_build.schema}.sales_quarantine order by _airbyte_raw_id"
    )
    assert rows == [
        ("sal-b1-3", 3, "null_customer_id", "customer_id is null", 4, None),
        ("sal-b1-4", 4, "unknown_product_id", "product_id 999 is not a known product", 5, None),
        ("sal-b1-5", 5, "non_positive_quantity", "quantity -2 is not positive", 6, None),
        (
            "sal-b1-6",
            None,
            "unparsable_value",
            "a value could not be cast: could not cast 'abc' to integer (quantity)",
            7,
            "6,1,10,100,2024-02-12 11:00:00,abc,1.00,0,0",
        ),
        (
            "sal-b2-3",
            None,
            "malformed_line",
            "line could not be parsed (TOO MANY COLUMNS): expected 9 columns, got 11",
            4,
            "8,2,20,200,2024-03-06 10:00:00,1,10.00,0,0.80,x,y",
        ),
    ]


def test_quarantine_reasons(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select stream, reason, records from {dbt_build.schema}.rpt_quarantine_reasons order by stream, reason"
    )
    assert rows == [
        ("customers", "malformed_line", 1),
        ("reviews", "invalid_json", 1),
        ("reviews", "unknown_product_id", 1),
        ("sales", "malformed_line", 1),
        ("sales", "non_positive_quantity", 1),
        ("sales", "null_customer_id", 1),
        ("sales", "unknown_product_id", 1),
        ("sales", "unparsable_value", 1),
    ]


def test_reconciliation(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select stream, landed, in_raw, duplicates, valid, quarantined, quarantine_rate "
        f"from {dbt_build.schema}.rpt_reconciliation order by stream"
    )
    assert rows == [
        ("customers", 6, 6, 2, 3, 1, 0.25),
        ("locations", 2, 2, 0, 2, 0, 0.0),
        ("products", 3, 3, 0, 3, 0, 0.0),
        ("reviews", 5, 5, 1, 2, 2, 0.5),
        ("sales", 9, 9, 1, 3, 5, 0.625),
    ]
    for stream, landed, in_raw, duplicates, valid, quarantined, _ in rows:
        assert landed == in_raw, stream
        assert in_raw == duplicates + valid + quarantined, stream


def test_every_staged_sale_has_exactly_one_outcome(dbt_build: DbtRun) -> None:
    staged, valid, quarantined = dbt_build.query(
        f"select (select count(*) from {dbt_build.schema}.stg_retail__sales), "
        f"(select count(*) from {dbt_build.schema}.fct_sales), "
        f"(select count(*) from {dbt_build.schema}.sales_quarantine)"
    )[0]
    assert (staged, valid, quarantined) == (8, 3, 5)


def test_reviews(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select review_id, date_key, rating_overall, verified_purchase, tag_count, helpful_vote_count, "
        f"up_vote_count, _airbyte_raw_id from {dbt_build.schema}.fct_reviews order by review_id"
    )
    # review 1000 was delivered twice: the latest delivery is kept and its arrays counted once
    assert rows == [
        (1000, 20240215, 5, True, 2, 3, 2, "rev-b2-1"),
        (1001, 20240220, 3, False, 0, 1, 1, "rev-b1-2"),
    ]


def test_product_ratings(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select product_id, review_count, avg_rating_overall, verified_review_count, helpful_vote_count "
        f"from {dbt_build.schema}.mart_product_ratings order by product_id, review_count"
    )
    # one row per product version: the widget's first version (until 2024-02-01) has no review
    assert rows == [(10, 0, None, 0, 0), (10, 1, 5.0, 1, 3), (20, 1, 3.0, 0, 1)]


def test_daily_revenue(dbt_build: DbtRun) -> None:
    rows = dbt_build.query(
        f"select date_day, region, category, sales_count, quantity, gross_amount, discount_amount, "
        f"tax_amount, net_amount from {dbt_build.schema}.mart_daily_revenue order by date_day"
    )
    assert rows == [
        (
            dt.date(2024, 2, 10),
            "East",
            "Hardware",
            1,
            3,
            Decimal("59.97"),
            Decimal("9.00"),
            Decimal("4.10"),
            Decimal("55.07"),
        ),
        (
            dt.date(2024, 2, 11),
            "South",
            "Electronics",
            1,
            1,
            Decimal("10.00"),
            Decimal("0.00"),
            Decimal("0.80"),
            Decimal("10.80"),
        ),
        (
            dt.date(2024, 3, 5),
            "South",
            "Electronics",
            1,
            2,
            Decimal("20.00"),
            Decimal("2.00"),
            Decimal("1.60"),
            Decimal("19.60"),
        ),
    ]


def test_date_dimension_spans_sales_and_reviews(dbt_build: DbtRun) -> None:
    ((count, first, last),) = dbt_build.query(
        f"select count(*), min(date_key), max(date_key) from {dbt_build.schema}.dim_date"
    )
    assert (count, first, last) == (25, 20240210, 20240305)
    row = dbt_build.query(
        f"select date_key, year, quarter, month, month_name, day_of_month, day_of_week, day_name, is_weekend "
        f"from {dbt_build.schema}.dim_date where date_day = date '2024-03-03'"
    )
    assert row == [(20240303, 2024, 1, 3, "March", 3, 7, "Sunday", True)]
