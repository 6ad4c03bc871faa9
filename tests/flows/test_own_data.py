"""The README's "Load your own data": an export unlike the demo's, loaded by pointing the pipeline at its catalogue.

examples/own-data holds string keys (C-10428, SKU-AB-000117, ST-BOS-01, S-2025-000001), columns no catalogue
declares, empty optional fields, regions of its own and one sales file per month. Its catalogue differs from the
project's only in the four keys' types; the published figures are computed here again, straight from the files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from analytics_checks import scalar

from elt.summary import RunStatus

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "own-data"


def _expected_sales(landing: Path) -> tuple[int, float]:
    """Valid sales and their net revenue, read from the files alone: a sale needs its customer, a delivered product
    and location, and a positive quantity; net = round(q x price, 2) - round(that x discount, 2) + tax."""
    with duckdb.connect() as con:
        row = con.execute(
            f"""
            with sales as (
                select * from read_csv('{landing}/sales/*.csv', header = true, all_varchar = true)
            ), amounts as (
                select cast(cast(quantity as integer) * cast(unit_price as decimal(18, 2)) as decimal(18, 2)) as gross,
                       cast(discount as decimal(5, 4)) as discount, cast(tax_amount as decimal(18, 2)) as tax
                from sales
                where coalesce(customer_id, '') <> '' and cast(quantity as integer) > 0
                  and product_id in (select product_id from read_csv('{landing}/products.csv', all_varchar = true))
                  and location_id in (select location_id from read_csv('{landing}/locations.csv', all_varchar = true))
            )
            select count(*), sum(gross - round(gross * discount, 2) + tax) from amounts
            """
        ).fetchone()
    assert row is not None
    return int(row[0]), float(row[1])


def test_the_example_export_publishes_with_its_catalogue_alone(
    tmp_path: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(EXAMPLE / "landing", data / "landing")
    monkeypatch.setenv("ELT_DATA_DIR", str(data))
    monkeypatch.setenv("ELT_CATALOG_PATH", str(EXAMPLE / "catalog.yml"))
    from flows.elt import elt

    summary = elt()

    assert summary.status is RunStatus.PUBLISHED, summary.to_markdown()
    count, net = _expected_sales(data / "landing")
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        assert scalar(con, "select count(*) from analytics.fct_sales") == count
        assert float(scalar(con, "select sum(net_amount) from analytics.fct_sales")) == pytest.approx(net, abs=0.001)
        assert float(scalar(con, "select sum(net_amount) from analytics.mart_daily_revenue")) == pytest.approx(
            net, abs=0.001
        )
        key_types = con.execute(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = 'analytics'"
            " and column_name in ('customer_id', 'product_id', 'location_id', 'sale_id')"
            " and table_name in ('dim_customer', 'dim_product', 'dim_location', 'fct_sales', 'fct_reviews')"
        ).fetchall()
        assert key_types and {data_type for _, _, data_type in key_types} == {"VARCHAR"}, key_types
        assert scalar(con, "select min(customer_id) from analytics.dim_customer") == "C-10400"
        assert scalar(con, "select count(*) from analytics.fct_reviews") == 36, "every review document is valid"
        regions = {r for (r,) in con.execute("select distinct region from analytics.dim_location").fetchall()}
        assert {"Northeast", "Pacific Northwest", None} <= regions, "a source's own regions publish"
