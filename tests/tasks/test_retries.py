"""A permanent fault through a real task and Prefect server: tried once, failed with what to fix."""

from __future__ import annotations

import getpass
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from elt.settings import Settings
from elt.sync import SyncResult
from tasks import ingest


@pytest.fixture
def unwritable_warehouse(tmp_path: Path) -> Iterator[Path]:
    """A data folder whose warehouse file cannot be written: immutable (``chattr +i``, which stops root too), or
    read-only by mode where chattr is not available (which stops anyone but root)."""
    data = tmp_path / "data"
    data.mkdir()
    warehouse = data / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    immutable = subprocess.run(["chattr", "+i", str(warehouse)], check=False, capture_output=True).returncode == 0
    if not immutable:
        warehouse.chmod(0o444)
    try:
        with pytest.raises(PermissionError):
            warehouse.open("r+b").close()
        yield data
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(warehouse)], check=True)
        warehouse.chmod(0o644)


def test_an_unwritable_warehouse_fails_the_sync_once_saying_what_to_fix(
    unwritable_warehouse: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_DATA_DIR", str(unwritable_warehouse))

    @flow(name="unwritable-warehouse-probe")
    def probe() -> SyncResult:
        return ingest.sync_streams(Settings())

    state = probe(return_state=True)

    assert state.is_failed()
    warehouse = unwritable_warehouse.resolve() / "warehouse.duckdb"
    assert f"PermanentFaultError: {warehouse} is not writable (" in state.message
    assert f"make it writable by user {getpass.getuser()}" in state.message
    assert "or set ELT_DATA_DIR to a directory that is" in state.message
    this_run = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
    with get_client(sync_client=True) as client:
        [task_run] = client.read_task_runs(flow_run_filter=this_run)
    assert task_run.name.startswith("sync-streams")
    assert task_run.run_count == 1, "a permanent fault is not retried"
