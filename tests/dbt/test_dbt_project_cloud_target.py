"""The `cloud` target (dbt-snowflake) parses and compiles without a Snowflake connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_project_fixture import BUILD_SCHEMA, SNOWFLAKE_DUMMY_ENV, DbtRun, failures, invoke_dbt


@pytest.fixture(scope="module")
def cloud_run(tmp_path_factory: pytest.TempPathFactory, environment: pytest.MonkeyPatch) -> DbtRun:
    root = tmp_path_factory.mktemp("dbt_cloud")
    for key, value in SNOWFLAKE_DUMMY_ENV.items():
        environment.setenv(key, value)
    environment.setenv("ELT_DBT_TARGET", "cloud")
    environment.setenv("ELT_BUILD_SCHEMA", BUILD_SCHEMA)
    environment.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return DbtRun(root / "unused.duckdb", root / "target", root / "logs", BUILD_SCHEMA)


def test_parse_needs_no_connection(cloud_run: DbtRun) -> None:
    result = invoke_dbt(["parse", "--target", "cloud"], cloud_run)
    assert result.success, "\n".join(failures(result))
    assert (cloud_run.target_path / "manifest.json").exists()


def test_models_compile_to_snowflake_sql(cloud_run: DbtRun) -> None:
    result = invoke_dbt(
        ["compile", "--target", "cloud", "--no-introspect", "--no-populate-cache", "--select", "resource_type:model"],
        cloud_run,
    )
    assert result.success, "\n".join(failures(result))
    compiled = cloud_run.target_path / "compiled" / "retail_elt" / "models"

    def sql(relative: str) -> str:
        return (compiled / relative).read_text(encoding="utf-8")

    base_sales = sql("staging/retail/base/base_retail__sales.sql")
    assert "array_size(get(_airbyte_meta, 'changes'))" in base_sales
    assert "try_cast(cast(discount as varchar) as decimal(5, 4))" in base_sales
    assert "lateral flatten(input => array_generate_range(" in sql("marts/dim_date.sql")
    assert "dayofweekiso(date_day)" in sql("marts/dim_date.sql")
    # every model is built into the target schema, whatever a +schema config says
    manifest_nodes = _manifest_schemas(cloud_run.target_path)
    assert manifest_nodes == {BUILD_SCHEMA}


def _manifest_schemas(target_path: Path) -> set[str]:
    import json

    manifest = json.loads((target_path / "manifest.json").read_text(encoding="utf-8"))
    return {node["schema"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
