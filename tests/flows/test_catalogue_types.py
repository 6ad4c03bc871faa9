"""A key's type is written once: one line of a copy of the catalogue turns customer ids into strings end to end.

Nothing else is edited: the generator writes what the catalogue declares, RAW is created from it, the sales'
and the review contract's customer_id reference it, and dbt's sources and mart contracts read it from the vars
the pipeline gives dbt. The published figures are the generator's, as with integer ids.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from analytics_checks import assert_published_matches, scalar

from elt.catalog import load_catalog
from elt.generate import GenerateOptions, KeyFormats, generate
from elt.settings import Settings
from elt.summary import RunStatus

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

INTEGER_KEY = "- {name: customer_id, type: integer, required: true}"
STRING_KEY = "- {name: customer_id, type: string, required: true}"


def test_a_string_customer_id_in_the_catalogue_is_the_only_edit(
    tmp_path: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = Settings().catalog_path.read_text(encoding="utf-8")
    assert text.count(INTEGER_KEY) == 1
    catalog = tmp_path / "catalog.yml"
    catalog.write_text(text.replace(INTEGER_KEY, STRING_KEY), encoding="utf-8")
    data = tmp_path / "data"
    options = GenerateOptions(
        seed=5, sales_rows=1_500, days=2, start_date=dt.date.today() - dt.timedelta(days=2), customers=120,
        products=40, keys=KeyFormats.of(load_catalog(catalog)),
    )  # fmt: skip
    expected = generate(data / "landing", options)
    monkeypatch.setenv("ELT_DATA_DIR", str(data))
    monkeypatch.setenv("ELT_CATALOG_PATH", str(catalog))
    from flows.elt import elt

    summary = elt()

    assert summary.status is RunStatus.PUBLISHED, summary.to_markdown()
    assert_published_matches(data / "warehouse.duckdb", expected)
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        types = dict(
            con.execute(
                "select table_name, data_type from information_schema.columns"
                " where table_schema = 'analytics' and column_name = 'customer_id'"
            ).fetchall()
        )
        assert types == {"dim_customer": "VARCHAR", "fct_reviews": "VARCHAR"}
        assert not str(scalar(con, "select min(customer_id) from analytics.dim_customer")).isdigit()
        assert scalar(con, "select data_type from information_schema.columns where table_schema = 'raw'"
                           " and table_name = 'sales' and column_name = 'customer_id'") == "VARCHAR"  # fmt: skip
