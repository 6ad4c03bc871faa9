"""What the dbt project tells its readers: `dbt docs generate`, exposures of the BI marts, source freshness."""

from __future__ import annotations

import json
import re
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import urlopen

import duckdb
import pytest
from dbt_project_fixture import DbtRun, create_fixture_warehouse, failures, invoke_dbt
from typer.testing import CliRunner

from elt.adapters import adapters_for
from elt.cli import app
from elt.docs import docs_server
from elt.settings import Settings
from tasks.transform import published_models


def _manifest(run: DbtRun) -> dict:
    return json.loads((run.target_path / "manifest.json").read_text(encoding="utf-8"))


def test_docs_generate_catalogs_the_marts_as_built(dbt_build: DbtRun) -> None:
    result = invoke_dbt(["docs", "generate"], dbt_build)
    assert result.success, "\n".join(failures(result))
    catalog = json.loads((dbt_build.target_path / "catalog.json").read_text(encoding="utf-8"))
    catalogued = {node["metadata"]["name"]: node for node in catalog["nodes"].values()}
    marts = published_models(dbt_build.target_path)
    assert {"fct_sales", "dim_customer", "mart_daily_revenue"} <= set(marts)
    assert set(marts) <= set(catalogued)
    assert {catalogued[mart]["metadata"]["schema"] for mart in marts} == {dbt_build.schema}
    # the catalogue reads the columns from the warehouse: as built, they are the marts' contracts
    declared = {node["name"]: node["columns"] for node in _manifest(dbt_build)["nodes"].values()}
    for mart in marts:
        assert set(catalogued[mart]["columns"]) == set(declared[mart]), mart
    assert (dbt_build.target_path / "index.html").exists()


def test_elt_docs_generate_serves_the_dbt_docs_of_the_last_publication(
    dbt_build: DbtRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path))
    settings = Settings()
    warehouse = adapters_for(settings).warehouse
    warehouse.release_dbt_connections()  # the build's connection, so that its file is whole on disk
    shutil.copyfile(dbt_build.warehouse_path, settings.warehouse_path)
    warehouse.ensure_schemas()
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        connection.execute("insert into elt_meta.publications values (?, 2, ?)", [dbt_build.schema, datetime.now(UTC)])

    result = CliRunner().invoke(app, ["docs", "generate"])

    assert result.exit_code == 0, result.output
    assert f"dbt docs of {dbt_build.schema}" in result.output
    server = docs_server(settings.docs_dir, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with urlopen(base) as front, urlopen(base + "dbt/index.html") as page:
            front_page, dbt_page = front.read().decode(), page.read().decode()
        with urlopen(base + "dbt/catalog.json") as catalog:
            catalogued = {node["metadata"]["name"] for node in json.load(catalog)["nodes"].values()}
        with urlopen(base + "dbt/manifest.json") as manifest:
            exposures = json.load(manifest)["exposures"]
    finally:
        server.shutdown()
        server.server_close()
    assert 'href="dbt/index.html"' in front_page and dbt_build.schema in front_page
    assert {"fct_sales", "dim_customer", "mart_daily_revenue"} <= catalogued
    assert exposures, "lineage to the BI tools"
    remote = re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//[^>]*>", dbt_page)
    assert remote == [], "dbt's docs page loads nothing from the network"


def test_exposures_name_every_bi_mart(dbt_build: DbtRun) -> None:
    manifest = _manifest(dbt_build)
    exposed = {node for exposure in manifest["exposures"].values() for node in exposure["depends_on"]["nodes"]}
    models = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    bi_marts = {uid for uid, node in models.items() if node["name"].startswith("mart_")}
    assert bi_marts, "the project has BI marts"
    assert bi_marts <= exposed
    # exposures point at what `analytics` publishes: marts only
    assert {models[uid]["original_file_path"].split("/")[1] for uid in exposed} == {"marts"}
    assert all(exposure["owner"]["name"] for exposure in manifest["exposures"].values())


@pytest.fixture
def freshness_run(tmp_path, dbt_env: DbtRun, monkeypatch: pytest.MonkeyPatch) -> DbtRun:
    """A fixture warehouse where sales were extracted an hour ago, reviews 30 hours and customers 3 days ago."""
    run = DbtRun(tmp_path / "warehouse.duckdb", tmp_path / "target", tmp_path / "logs", dbt_env.schema)
    create_fixture_warehouse(run.warehouse_path)
    with duckdb.connect(str(run.warehouse_path)) as connection:
        for table, age in {"sales": "1 hour", "reviews": "30 hours", "customers": "3 days"}.items():
            connection.execute(f"update raw.{table} set _airbyte_extracted_at = now() - interval '{age}'")
    monkeypatch.setenv("ELT_WAREHOUSE_PATH", str(run.warehouse_path))
    return run


def test_source_freshness_applies_the_declared_thresholds(freshness_run: DbtRun) -> None:
    result = invoke_dbt(["source", "freshness"], freshness_run)
    assert not result.success, "products and locations (extracted in 2024) are past their error threshold"
    sources = json.loads((freshness_run.target_path / "sources.json").read_text(encoding="utf-8"))
    statuses = {result["unique_id"]: result["status"] for result in sources["results"]}
    assert statuses == {
        "source.retail_elt.retail.sales": "pass",  # 1 hour < warn after 26 hours
        "source.retail_elt.retail.reviews": "warn",  # 26 hours < 30 hours < error after 50 hours
        "source.retail_elt.retail.customers": "pass",  # reference streams: warn after 7 days
        "source.retail_elt.retail.products": "error",
        "source.retail_elt.retail.locations": "error",
    }
    (locations,) = [result for result in sources["results"] if result["unique_id"].endswith(".locations")]
    assert locations["max_loaded_at"].startswith("2024-04-01T06:00:00")
    assert locations["criteria"]["error_after"] == {"count": 50, "period": "hour"}
