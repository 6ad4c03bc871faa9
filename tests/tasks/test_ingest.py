"""The ingestion tasks, called directly: the cloud sync task against the Airbyte stub, and the landed event."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from airbyte_stub import Scenario, airbyte_server
from prefect.logging import disable_run_logger

from elt.settings import Settings
from elt.sync import LoadedFile, SyncResult
from tasks import ingest


def test_the_cloud_task_syncs_the_connection_the_catalogue_names(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = Scenario({"elt-prod-landing-to-raw": "c-1"})
    with airbyte_server(scenario) as url:
        for name, value in {
            "BASE_URL": url,
            "CLIENT_ID": uuid.uuid4().hex,
            "CLIENT_SECRET": "s3cret",
            "NAME_PREFIX": "elt-prod",
            "POLL_SECONDS": "0.02",
        }.items():
            monkeypatch.setenv(f"ELT_AIRBYTE_{name}", value)
        with disable_run_logger():
            result = ingest.sync_airbyte_connections.fn(Settings())

    [job] = result.jobs
    assert (job.connection, job.status, job.records, job.bytes) == (
        "elt-prod-landing-to-raw",
        "succeeded",
        1200,
        34_000,
    )


def test_a_landed_batch_emits_one_event_with_files_and_records_per_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    emitted: list[dict] = []
    monkeypatch.setattr(ingest, "emit_event", lambda **event: emitted.append(event))
    result = SyncResult(
        batch_id=4,
        loaded=[
            LoadedFile("sales", "sales/a.csv", 10, 10, None),
            LoadedFile("sales", "sales/b.csv", 5, 5, None),
            LoadedFile("customers", "customers.csv", 3, 3, None),
        ],
    )

    ingest.emit_batch_landed(result)

    [event] = emitted
    assert event["event"] == "elt.batch.landed"
    assert event["resource"]["prefect.resource.id"] == "elt.batch.4"
    assert {r["prefect.resource.id"] for r in event["related"]} == {"elt.stream.sales", "elt.stream.customers"}
    assert event["payload"]["streams"] == {
        "sales": {"files": 2, "records": 15},
        "customers": {"files": 1, "records": 3},
    }


def test_nothing_is_emitted_when_nothing_landed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emitted: list[dict] = []
    monkeypatch.setattr(ingest, "emit_event", lambda **event: emitted.append(event))
    (tmp_path / "landing").mkdir()
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path))

    with disable_run_logger():
        result = ingest.sync_streams.fn(Settings())

    assert (result.batch_id, emitted) == (None, [])
