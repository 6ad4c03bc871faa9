"""A setting that is not allowed fails the flow run at its start, with the settings' message, before any task."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId


def test_a_setting_not_allowed_fails_the_run_before_any_task(
    tmp_path: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ELT_GATE_DAILY_REVENUE__MAX_STDDEVS", "inf")
    from flows.elt import elt

    state = elt(return_state=True)

    assert state.is_failed()
    assert "ELT_GATE_DAILY_REVENUE__MAX_STDDEVS=inf: must be a finite number" in state.message
    with get_client(sync_client=True) as client:
        this_run = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        tasks = client.read_task_runs(flow_run_filter=this_run)
    assert tasks == [], "no task ran"
    assert not (tmp_path / "data").exists(), "nothing was synced"
