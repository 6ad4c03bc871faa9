"""The ingestion task: the profile's sync against the Airbyte stub and a real Prefect server, and the landed event."""

from __future__ import annotations

import contextvars
import threading
import time
import uuid
from pathlib import Path

import pytest
from airbyte_stub import JobStatus, Scenario, airbyte_server
from prefect import flow
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.logging import disable_run_logger
from prefect.runtime import flow_run
from prefect.states import Cancelling

from elt.adapters import adapters_for
from elt.parsing import SnowparkParser
from elt.settings import AirbyteSettings, Settings
from elt.sync import AirbyteSync, LoadedFile, SyncResult
from elt.sync._prefect import client_secret
from elt.warehouse import SnowflakeWarehouse
from tasks import ingest


def _cloud_profile(monkeypatch: pytest.MonkeyPatch, url: str, **airbyte: str) -> None:
    monkeypatch.setenv("ELT_PROFILE", "cloud")
    options = {"BASE_URL": url, "CLIENT_ID": uuid.uuid4().hex, "CLIENT_SECRET": "s3cret", "NAME_PREFIX": "elt-prod"}
    for name, value in {**options, "POLL_SECONDS": "0.02", "POLL_MAX_SECONDS": "0.1", **airbyte}.items():
        monkeypatch.setenv(f"ELT_AIRBYTE_{name}", value)


def test_the_cloud_profile_syncs_the_connection_the_catalogue_names(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = Scenario({"elt-prod-landing-to-raw": "c-1", "elt-dev-landing-to-raw": "c-2"})
    with airbyte_server(scenario) as url:
        _cloud_profile(monkeypatch, url)
        with disable_run_logger():
            result = ingest.sync_streams.fn(Settings())

    [job] = result.jobs
    assert (job.connection, job.status, job.records_committed) == ("elt-prod-landing-to-raw", "succeeded", 1150)
    assert (result.batch_id, result.loaded) == (None, [])
    assert scenario.calls.count("POST /api/public/v1/jobs") == 1


def test_the_cloud_profile_picks_airbyte_snowpark_and_snowflake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELT_PROFILE", "cloud")

    adapters = adapters_for(Settings())
    assert isinstance(adapters.sync, AirbyteSync)
    assert isinstance(adapters.warehouse, SnowflakeWarehouse)
    assert isinstance(adapters.parser, SnowparkParser)


def test_the_client_secret_comes_from_a_prefect_secret_block_else_the_environment(prefect_server: str) -> None:
    block = f"airbyte-{uuid.uuid4().hex[:8]}"
    Secret(value="from-the-block").save(block)

    assert client_secret(AirbyteSettings(client_secret="from-env", client_secret_block=block)) == "from-the-block"
    assert client_secret(AirbyteSettings(client_secret="from-env")) == "from-env"


def test_cancelling_the_flow_run_cancels_the_airbyte_job_once(
    prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = Scenario({"elt-prod-landing-to-raw": "c-1"}, statuses=[JobStatus.RUNNING])
    started: list[str] = []

    @flow(name="airbyte-cancel-probe")
    def probe() -> SyncResult:
        started.append(str(flow_run.get_id()))
        return ingest.sync_streams(Settings())

    with airbyte_server(scenario) as url:
        _cloud_profile(monkeypatch, url, TIMEOUT_SECONDS="60")
        # The flow runs beside the test, in the test's Prefect settings context (threads do not inherit it).
        runner = threading.Thread(target=contextvars.copy_context().run, args=(probe,), kwargs={"return_state": True})
        runner.start()
        deadline = time.monotonic() + 60
        while "POST /api/public/v1/jobs" not in scenario.calls and time.monotonic() < deadline:
            time.sleep(0.1)
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(started[0], Cancelling(), force=True)
        runner.join(timeout=60)

    assert not runner.is_alive()
    assert scenario.cancelled == [100]
    # No task retry started a second sync after Airbyte's failure.
    assert scenario.calls.count("POST /api/public/v1/jobs") == 1


def test_a_failed_airbyte_job_fails_the_flow_with_its_reason_and_is_not_retried(
    prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = Scenario({"elt-prod-landing-to-raw": "c-1"}, statuses=[JobStatus.FAILED], failure_message="bad key")

    @flow(name="airbyte-failure-probe")
    def probe() -> SyncResult:
        return ingest.sync_streams(Settings())

    with airbyte_server(scenario) as url:
        _cloud_profile(monkeypatch, url)
        state = probe(return_state=True)

    assert state.is_failed()
    assert "job 100 failed after PT2M5S: source: bad key" in state.message
    assert scenario.calls.count("POST /api/public/v1/jobs") == 1


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
