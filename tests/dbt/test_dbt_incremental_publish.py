"""Builds and publications in sequence over the fixture warehouse: the facts publish their deltas only.

The tests of this module run in file order on one warehouse; each step builds a new audit schema, as the
pipeline does per batch, and publishes it through the warehouse adapter with the plan read from the manifest.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from dbt_project_fixture import (
    B1,
    B2,
    LANDING,
    REVIEW_1001,
    REVIEWS_B2,
    DbtRun,
    _parsed,
    create_fixture_warehouse,
    failures,
    invoke_dbt,
)

from elt.warehouse import DuckDBWarehouse
from tasks.transform import publication_plan

B3 = "2024-05-01 06:00:00+00"
B5 = "2024-06-01 06:00:00+00"


def meta(batch: int) -> str:
    """A raw record's _airbyte_meta: the batch that delivered it, no parse changes."""
    return json.dumps({"sync_id": batch, "changes": []})


def record_batch(con, batch: int, extracted_at: str) -> None:
    """What the embedded sync records of a batch: the time its records are stamped with (a build's slice
    skips the older records by it)."""
    con.execute("insert into elt_meta.batches values (?, ?)", [batch, extracted_at])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, environment: pytest.MonkeyPatch) -> DuckDBWarehouse:
    path = tmp_path_factory.mktemp("incremental") / "warehouse.duckdb"
    create_fixture_warehouse(path)
    warehouse = DuckDBWarehouse(path)
    warehouse.ensure_schemas()
    with warehouse.connect() as con:
        record_batch(con, 1, B1)
        record_batch(con, 2, B2)
    environment.setenv("ELT_DBT_TARGET", "local")
    environment.setenv("ELT_WAREHOUSE_PATH", str(path))
    environment.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return warehouse


def _build(warehouse: DuckDBWarehouse, environment: pytest.MonkeyPatch, schema: str) -> DbtRun:
    root = warehouse.path.parent / schema
    run = DbtRun(warehouse.path, root / "target", root / "logs", schema)
    environment.setenv("ELT_BUILD_SCHEMA", schema)
    result = invoke_dbt(["build"], run)
    warehouse.release_dbt_connections()
    assert result.success, "dbt build failed:\n" + "\n".join(failures(result))
    # counted from the last publication's figure after the first one, the keys are those of every raw sale
    assert run.query(f"select distinct_keys from {schema}.rpt_reconciliation where stream = 'sales'") == run.query(
        "select count(distinct sale_id) from raw.sales"
    )
    return run


def _publish(warehouse: DuckDBWarehouse, run: DbtRun, batch: int) -> None:
    plan = publication_plan(run.target_path)
    warehouse.publish(run.schema, batch, plan.relations, plan.merges)


def _analytics(warehouse: DuckDBWarehouse) -> dict[str, list[tuple]]:
    with warehouse.connect(read_only=True) as con:
        views = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'analytics' order by 1"
            ).fetchall()
        ]
        return {view: con.execute(f"select * from analytics.{view} order by all").fetchall() for view in views}


def _scalar(warehouse: DuckDBWarehouse, sql: str):
    with warehouse.connect(read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_the_plan_merges_the_facts_by_their_unique_key(warehouse, environment) -> None:
    run = _build(warehouse, environment, "audit_b000002_a")

    plan = publication_plan(run.target_path)

    assert {name: (m.delta, m.unique_key, m.withdrawn, m.day_column) for name, m in plan.merges.items()} == {
        "fct_sales": ("fct_sales_delta", ("sale_id",), "fct_sales_withdrawn", "sold_at"),
        "fct_reviews": ("fct_reviews_delta", ("review_id",), "fct_reviews_withdrawn", "created_at"),
        "sales_quarantine": ("sales_quarantine_delta", ("_airbyte_raw_id",), "sales_quarantine_withdrawn", None),
    }
    assert plan.scratch == [
        "int_customers__versioned",
        "int_products__versioned",
        "int_reference_records__quarantined",
        "int_reviews__validated",
        "int_sales__validated",
    ]
    assert "fct_sales" in plan.relations
    assert not {"fct_sales_delta", "fct_sales_withdrawn", "fct_reviews_withdrawn"} & set(plan.relations)
    _publish(warehouse, run, 2)
    assert _scalar(warehouse, "select count(*) from store.fct_sales") == 3
    assert _scalar(warehouse, "select count(*) from analytics.fct_reviews") == 2


def test_a_build_without_new_data_has_empty_deltas_and_publishes_the_same(warehouse, environment) -> None:
    before = _analytics(warehouse)

    run = _build(warehouse, environment, "audit_b000002_b")

    # nothing arrived: the build validates again only the sale held for a product not arrived, not the history
    assert _scalar(warehouse, "select count(*) from raw.sales") > 1
    assert run.query(f"select sale_id from {run.schema}.int_sales__validated") == [(4,)]
    assert run.query(f"select count(*) from {run.schema}.fct_sales_delta") == [(0,)]
    assert run.query(f"select count(*) from {run.schema}.fct_reviews_delta") == [(0,)]
    _publish(warehouse, run, 2)
    assert _analytics(warehouse) == before


def test_a_corrected_sale_replaces_its_row_and_a_sale_of_an_unknown_product_is_held(warehouse, environment) -> None:
    with warehouse.connect() as con:
        con.execute(
            "insert into raw.sales values (2, 2, 20, 200, '2024-02-11 12:00:00', 4, 10.00, 0, 0.80, 'sal-b3-1', ?, ?,"
            " 3, ?, 2)",
            [B3, meta(3), LANDING + "sales/sales_2024_04.csv"],
        )
        record_batch(con, 3, B3)

    run = _build(warehouse, environment, "audit_b000003_a")

    compiled = (run.target_path / "compiled/retail_elt/models/marts/rpt_reconciliation.sql").read_text()
    assert "as arrived" in compiled, "the keys are counted from the last publication's, not over RAW"
    # the slice: the sale delivered since the last publication, and the one held for its product
    assert run.query(f"select sale_id from {run.schema}.int_sales__validated order by 1") == [(2,), (4,)]
    assert run.query(f"select sale_id, quantity from {run.schema}.fct_sales_delta") == [(2, 4)]
    assert run.query(f"select stream, held, released from {run.schema}.rpt_late_arrivals") == [("sales", 1, 0)]
    _publish(warehouse, run, 3)
    assert _scalar(warehouse, "select count(*) from analytics.fct_sales where sale_id = 2") == 1
    assert _scalar(warehouse, "select quantity from analytics.fct_sales where sale_id = 2") == 4
    assert _scalar(warehouse, "select quarantine_reason from analytics.sales_quarantine where sale_id = 4") == (
        "unknown_product_id"
    )


def test_the_build_in_which_the_product_arrives_releases_the_held_sale(warehouse, environment) -> None:
    with warehouse.connect() as con:
        con.executemany(
            "insert into raw.products values (?, ?, 'Tools', 'Hand tools', 'Acme', ?, ?, ?, ?, ?, 4, ?, ?)",
            [
                (999, "Gizmo", "5.00", "2024-04-15 00:00:00", "prd-b4-1", B3, meta(4), LANDING + "products.csv", 2),
                (10, "Widget", "23.00", "2024-04-20 00:00:00", "prd-b4-2", B3, meta(4), LANDING + "products.csv", 3),
            ],
        )
        record_batch(con, 4, B3)
    run = _build(warehouse, environment, "audit_b000004_a")

    assert run.query(f"select sale_id from {run.schema}.fct_sales_delta") == [(4,)]
    assert run.query(f"select stream, held, released from {run.schema}.rpt_late_arrivals") == [("sales", 0, 1)]
    _publish(warehouse, run, 4)
    assert _scalar(warehouse, "select count(*) from analytics.sales_quarantine where sale_id = 4") == 0
    assert _scalar(warehouse, "select gross_amount from analytics.fct_sales where sale_id = 4") == Decimal("5.00")
    assert _scalar(warehouse, "select count(*) - count(distinct sale_id) from analytics.fct_sales") == 0


def test_publishing_the_same_build_again_changes_nothing(warehouse) -> None:
    before = _analytics(warehouse)
    latest = warehouse.last_publication()
    run = DbtRun(warehouse.path, warehouse.path.parent / latest.build_schema / "target", Path(), latest.build_schema)

    _publish(warehouse, run, latest.batch_id)

    assert _analytics(warehouse) == before
    assert _scalar(warehouse, "select count(*) from store.fct_sales") == len(before["fct_sales"])


def test_a_product_changing_category_moves_the_revenue_of_the_sales_after_the_change(warehouse, environment) -> None:
    """The gadget moves from Electronics to Home on 2024-03-01: sale 7 (2024-03-05) follows, sale 2 stays."""
    with warehouse.connect() as con:
        con.execute(
            "insert into raw.products values (20, 'Gadget', 'Home', 'Audio', 'Globex', 10.00, '2024-03-01 00:00:00',"
            " 'prd-b5-1', ?, ?, 5, ?, 3)",
            [B5, meta(5), LANDING + "products.csv"],
        )
        record_batch(con, 5, B5)

    run = _build(warehouse, environment, "audit_b000005_a")

    # sale 7's product version changed: it is in the delta although its raw record did not change
    assert run.query(f"select sale_id from {run.schema}.fct_sales_delta") == [(7,)]
    assert run.query(f"select count(*) from {run.schema}.fct_reviews_delta") == [(0,)]
    _publish(warehouse, run, 5)
    with warehouse.connect(read_only=True) as con:
        revenue = con.execute(
            "select date_day, category, net_amount from analytics.mart_daily_revenue"
            " where date_day in ('2024-02-11', '2024-03-05') order by date_day"
        ).fetchall()
    assert revenue == [
        (dt.date(2024, 2, 11), "Electronics", Decimal("40.80")),  # sale 2, corrected in batch 3
        (dt.date(2024, 3, 5), "Home", Decimal("19.60")),
    ]
    assert _scalar(warehouse, "select count(*) - count(distinct sale_id) from analytics.fct_sales") == 0


def test_the_products_snapshot_keeps_every_version(warehouse) -> None:
    """Versions that arrived in later builds are added to the history, earlier ones are kept."""
    with warehouse.connect(read_only=True) as con:
        versions = con.execute(
            "select list_price, is_current from analytics.dim_product where product_id = 10 order by valid_from"
        ).fetchall()
    assert versions == [(Decimal("19.99"), False), (Decimal("21.50"), False), (Decimal("23.00"), True)]
    assert _scalar(warehouse, "select count(*) from snapshots.snp_retail__products where product_id = 10") == 3


def test_a_correction_that_breaks_a_rule_withdraws_the_published_sale_until_a_valid_one_arrives(
    warehouse, environment
) -> None:
    """Sale 7 is delivered again with quantity 0: it leaves the facts for the quarantine, then comes back."""
    insert = (
        "insert into raw.sales values (7, 1, 20, 200, '2024-03-05 15:30:00', ?, 10.00, 0.10, 1.60, ?, ?, ?, 6, ?, ?)"
    )
    with warehouse.connect() as con:
        con.execute(insert, [0, "sal-b6-1", "2024-07-01 06:00:00+00", meta(6), LANDING + "sales/sales_2024_06.csv", 2])
        record_batch(con, 6, "2024-07-01 06:00:00+00")
    run = _build(warehouse, environment, "audit_b000006_a")  # the one-outcome-per-sale test passes

    assert run.query(f"select sale_id from {run.schema}.fct_sales_withdrawn") == [(7,)]
    assert run.query(f"select count(*) from {run.schema}.fct_sales_delta") == [(0,)]
    _publish(warehouse, run, 6)
    assert _scalar(warehouse, "select count(*) from store.fct_sales where sale_id = 7") == 0
    assert _scalar(warehouse, "select count(*) from analytics.fct_sales where sale_id = 7") == 0
    assert _scalar(warehouse, "select quarantine_reason from analytics.sales_quarantine where sale_id = 7") == (
        "non_positive_quantity"
    )

    with warehouse.connect() as con:
        con.execute(insert, [3, "sal-b7-1", "2024-07-02 06:00:00+00", meta(7), LANDING + "sales/sales_2024_07.csv", 2])
        record_batch(con, 7, "2024-07-02 06:00:00+00")
    run = _build(warehouse, environment, "audit_b000007_a")

    assert run.query(f"select count(*) from {run.schema}.fct_sales_withdrawn") == [(0,)]
    _publish(warehouse, run, 7)
    assert _scalar(warehouse, "select quantity from analytics.fct_sales where sale_id = 7") == 3
    assert _scalar(warehouse, "select count(*) from analytics.sales_quarantine where sale_id = 7") == 0


def test_a_review_delivered_again_for_a_product_not_arrived_is_withdrawn_while_held(warehouse, environment) -> None:
    document = {**REVIEW_1001, "product_id": 777}
    extracted_at = "2024-07-03 06:00:00+00"  # after every earlier delivery: the latest one
    *fields, _, file_url = _parsed(document, "rev-b8-1", 2, REVIEWS_B2)
    with warehouse.connect() as con:
        con.execute(
            "insert into raw.reviews values (?, 'rev-b8-1', ?, ?, 8, ?, 3)",
            [json.dumps(document), extracted_at, meta(8), file_url],
        )
        con.execute(f"insert into parsed.reviews values ({', '.join('?' * 13)})", [*fields, extracted_at, file_url])
        record_batch(con, 8, extracted_at)
    assert _scalar(warehouse, "select count(*) from analytics.fct_reviews where review_id = 1001") == 1

    run = _build(warehouse, environment, "audit_b000008_a")

    assert run.query(f"select review_id from {run.schema}.fct_reviews_withdrawn") == [(1001,)]
    _publish(warehouse, run, 8)
    assert _scalar(warehouse, "select count(*) from store.fct_reviews where review_id = 1001") == 0
    assert _scalar(warehouse, "select count(*) from analytics.fct_reviews where review_id = 1001") == 0
