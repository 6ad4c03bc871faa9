"""dbt's profile gives dbt-duckdb the warehouse's engine settings, as the warehouse's own connections have them."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_project_fixture import DbtRun, failures, invoke_dbt

from elt.warehouse import DuckDBWarehouse

ENGINE_SETTINGS = (
    "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
)


def test_dbt_runs_with_the_engine_settings_dbt_env_hands_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb", memory_limit="700MB", threads=1, temp_directory=tmp_path / "t")
    warehouse.ensure_schemas()
    with warehouse.connect() as con:
        [expected] = con.execute(ENGINE_SETTINGS).fetchall()
    for name, value in warehouse.dbt_env("audit_settings").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

    run = DbtRun(warehouse.path, tmp_path / "target", tmp_path / "logs", "audit_settings")
    try:
        result = invoke_dbt(["show", "--inline", ENGINE_SETTINGS, "--output", "json"], run)
    finally:
        warehouse.release_dbt_connections()

    assert getattr(result, "success", False), failures(result)
    [shown] = result.result.results  # type: ignore[attr-defined]
    assert tuple(shown.agate_table.rows[0]) == expected
