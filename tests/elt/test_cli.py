"""The CLI's side of the run lock and of the readers' snapshot (no flow runs here)."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from holders import holding
from typer.testing import CliRunner

from elt.cli import EXIT_WAREHOUSE_HELD, app
from elt.generate import EXPECTED_FILE
from elt.warehouse import DuckDBWarehouse


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("command", [["run"], ["backfill", "--start", "2026-01-01", "--end", "2026-01-02"]])
def test_a_run_refused_by_the_lock_exits_at_once_and_writes_nothing(data_dir: Path, command: list[str]) -> None:
    with holding("run_lock", data_dir / "warehouse.duckdb") as other:
        result = CliRunner().invoke(app, command)

    assert result.exit_code == EXIT_WAREHOUSE_HELD
    assert f"another run holds the warehouse (pid {other.pid}, since 20" in result.output
    assert "nothing was done" in result.output
    assert sorted(p.name for p in data_dir.iterdir()) == ["warehouse.duckdb.lock"]


def test_a_temporary_prefect_server_too_slow_to_start_is_explained_not_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ELT_"))}
    env |= {
        "ELT_DATA_DIR": str(tmp_path / "data"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "1",  # it takes seconds: never ready in time
    }
    elt = Path(sys.executable).parent / "elt"

    result = subprocess.run([elt, "run"], env=env, capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "elt run: the temporary Prefect server did not start within 1 s" in result.stderr
    assert "set PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS higher" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["warehouse.duckdb.lock"], "nothing was done"


def test_generate_says_what_this_call_wrote_and_what_the_folder_holds(data_dir: Path) -> None:
    first = CliRunner().invoke(app, ["generate", "--sales-rows", "300", "--days", "2", "--start-date", "2026-01-01"])
    more = CliRunner().invoke(app, ["generate", "--sales-rows", "100", "--days", "1", "--start-date", "2026-01-03"])

    assert first.exit_code == 0 and more.exit_code == 0, first.output + more.output
    assert first.output.startswith(f"wrote 2 days from 2026-01-01 into {data_dir / 'landing'}; it now holds 2 days")
    assert more.output.startswith(f"wrote 1 day from 2026-01-03 into {data_dir / 'landing'}; it now holds 3 days")


def test_generate_by_default_ends_yesterday_and_adds_days_at_the_same_volume(data_dir: Path) -> None:
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)

    week = CliRunner().invoke(app, ["generate", "--sales-rows-per-day", "50"])
    more = CliRunner().invoke(app, ["generate", "--days", "1"])

    assert week.exit_code == 0 and more.exit_code == 0, week.output + more.output
    assert week.output.startswith(f"wrote 7 days from {yesterday - dt.timedelta(days=6)} into")
    assert more.output.startswith(f"wrote 1 day from {yesterday + dt.timedelta(days=1)} into")
    expected = json.loads((data_dir / "landing" / EXPECTED_FILE).read_text())
    assert expected["days"][-2:] == [yesterday.isoformat(), (yesterday + dt.timedelta(days=1)).isoformat()]
    assert {day["streams"]["sales"]["landed"] for day in expected["by_day"].values()} == {50}


def test_status_points_readers_to_the_snapshot(data_dir: Path) -> None:
    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb")
    warehouse.ensure_schemas()
    warehouse.save_run("run-1", "published", "{}", "# ELT run run-1")

    result = CliRunner().invoke(app, ["status"])

    assert result.exit_code == 0
    assert "# ELT run run-1" in result.output
    assert f"Read the published marts from {data_dir / 'analytics.duckdb'}" in result.output


def test_status_keeps_showing_the_last_build_after_a_run_with_nothing_new(data_dir: Path) -> None:
    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb")
    warehouse.ensure_schemas()
    warehouse.save_run("run-1", "gate closed", "{}", "# ELT run run-1")
    warehouse.save_run("run-2", "up to date", "{}", "# ELT run run-2")

    result = CliRunner().invoke(app, ["status"])

    assert result.exit_code == 0
    assert result.output.startswith("# ELT run run-1\n")
    assert "# ELT run run-2" not in result.output
    assert "Since then, run run-2 found nothing new: up to date, nothing built." in result.output
