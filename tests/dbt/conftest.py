"""Fixtures for the dbt project's tests: the fixture warehouse, the dbt environment and one `dbt build`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dbt_project_fixture import BUILD_SCHEMA, DbtRun, create_fixture_warehouse, failures, invoke_dbt


@pytest.fixture(scope="module")
def environment() -> Iterator[pytest.MonkeyPatch]:
    """A module-scoped monkeypatch for environment variables, undone after the module."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def dbt_env(tmp_path_factory: pytest.TempPathFactory, environment: pytest.MonkeyPatch) -> DbtRun:
    """Environment for dbt: a fresh fixture warehouse and the audit build schema."""
    root = tmp_path_factory.mktemp("dbt")
    run = DbtRun(root / "warehouse.duckdb", root / "target", root / "logs", BUILD_SCHEMA)
    create_fixture_warehouse(run.warehouse_path)
    environment.setenv("ELT_DBT_TARGET", "local")
    environment.setenv("ELT_WAREHOUSE_PATH", str(run.warehouse_path))
    environment.setenv("ELT_BUILD_SCHEMA", run.schema)
    environment.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return run


@pytest.fixture(scope="module")
def dbt_build(dbt_env: DbtRun) -> DbtRun:
    """One `dbt build` (models, data tests, unit tests) over the fixture warehouse."""
    result = invoke_dbt(["build"], dbt_env)
    assert result.success, "dbt build failed:\n" + "\n".join(failures(result))
    return dbt_env
