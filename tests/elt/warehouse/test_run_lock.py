"""The warehouse's run lock: one run at a time, the refused one told who holds it, re-entrant in a process."""

import json
import os
import signal
from pathlib import Path

import pytest
from holders import holding

from elt.warehouse import DuckDBWarehouse, WarehouseHeldError
from elt.warehouse import _run_lock as run_lock_module


@pytest.fixture
def warehouse(tmp_path: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(tmp_path / "warehouse.duckdb")


def _lock_record(warehouse: DuckDBWarehouse) -> dict:
    return json.loads((warehouse.path.parent / "warehouse.duckdb.lock").read_text(encoding="utf-8"))


def test_a_second_run_is_refused_at_once_naming_the_holder(warehouse: DuckDBWarehouse) -> None:
    with holding("run_lock", warehouse.path) as other, pytest.raises(WarehouseHeldError) as refused:  # noqa: SIM117
        with warehouse.run_lock(0):
            pass

    assert f"another run holds the warehouse (pid {other.pid}, since 20" in str(refused.value)
    assert not warehouse.path.exists(), "nothing was written"


def test_the_lock_is_reentrant_in_a_process_and_released_when_the_outer_block_ends(
    warehouse: DuckDBWarehouse,
) -> None:
    with warehouse.run_lock(0), warehouse.run_lock(0):
        assert _lock_record(warehouse)["pid"] == os.getpid()
    with warehouse.run_lock(0):
        pass

    with holding("run_lock", warehouse.path) as other:  # another process takes it once we let go
        assert _lock_record(warehouse)["pid"] == other.pid


def test_a_run_that_waits_takes_the_lock_once_the_holder_lets_go(
    warehouse: DuckDBWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    with holding("run_lock", warehouse.path) as other:
        waits: list[float] = []

        def release_on_first_wait(seconds: float) -> None:
            waits.append(seconds)
            other.release()

        monkeypatch.setattr(run_lock_module, "sleep", release_on_first_wait)
        with warehouse.run_lock(None):
            assert _lock_record(warehouse)["pid"] == os.getpid()
    assert len(waits) == 1, "it waited once, then took the lock"


def test_a_killed_holder_leaves_no_stale_lock(warehouse: DuckDBWarehouse) -> None:
    with holding("run_lock", warehouse.path) as other:
        os.kill(other.pid, signal.SIGKILL)
        other.process.wait(timeout=30)

        with warehouse.run_lock(0):
            assert _lock_record(warehouse)["pid"] == os.getpid()
