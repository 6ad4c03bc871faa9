"""The cloud sync against a scripted Airbyte API on 127.0.0.1: one scenario per behaviour."""

from __future__ import annotations

import itertools
import uuid

import pytest
from airbyte_stub import DROP, JobStatus, Scenario, airbyte_server

from elt.settings import AirbyteSettings
from elt.sync import AirbyteSync, AirbyteSyncError, JobFigures

CONNECTIONS = {"elt-dev-landing-to-raw": "c-1", "elt-dev-events-to-raw": "c-2"}
ONE = ["elt-dev-landing-to-raw"]


def _sync(base_url: str, names: list[str] = ONE, **overrides: object) -> AirbyteSync:
    # A fresh client id per test: the SDK caches tokens per client, process-wide.
    should_stop = overrides.pop("should_stop", lambda: False)
    options = {"poll_seconds": 0.02, "poll_max_seconds": 0.1, "timeout_seconds": 5, "request_attempts": 3}
    settings = AirbyteSettings(base_url=base_url, client_id=uuid.uuid4().hex, **{**options, **overrides})
    return AirbyteSync(settings, names, client_secret="s3cret", should_stop=should_stop)


def test_a_sync_walks_every_waiting_status_and_returns_the_jobs_figures() -> None:
    scenario = Scenario(
        CONNECTIONS,
        statuses=[JobStatus.PENDING, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.INCOMPLETE, JobStatus.SUCCEEDED],
    )
    with airbyte_server(scenario) as url:
        result = _sync(url).sync()

    assert result.jobs == [JobFigures("elt-dev-landing-to-raw", 100, "succeeded", 1200, 34_000, "PT2M5S")]
    assert scenario.calls.count("GET /v1/jobs/100") == 4
    assert scenario.cancelled == []


def test_a_failed_job_fails_with_airbytes_reason() -> None:
    statuses = [JobStatus.RUNNING, JobStatus.FAILED]
    scenario = Scenario(CONNECTIONS, statuses=statuses, failure_message="S3: access denied")
    with airbyte_server(scenario) as url, pytest.raises(AirbyteSyncError, match="job 100 failed: S3: access denied"):
        _sync(url).sync()


def test_a_sync_already_running_is_attached_to() -> None:
    scenario = Scenario(CONNECTIONS, create_codes=[409])
    with airbyte_server(scenario) as url:
        [job] = _sync(url).sync().jobs

    assert (job.job_id, job.status) == (100, "succeeded")
    assert "GET /v1/jobs" in scenario.calls


def test_an_expiring_token_is_renewed_during_a_long_wait() -> None:
    # The SDK renews 60 s before expiry, so a 61 s token is used for 1 s; the server refuses it after 1.5 s.
    scenario = Scenario(
        CONNECTIONS, statuses=[JobStatus.RUNNING] * 25 + [JobStatus.SUCCEEDED], token_lifetime=61, token_max_age=1.5
    )
    with airbyte_server(scenario) as url:
        [job] = _sync(url, poll_max_seconds=0.1).sync().jobs

    assert job.status == "succeeded"
    assert scenario.tokens_issued >= 2


def test_the_overall_timeout_cancels_the_airbyte_job() -> None:
    scenario = Scenario(CONNECTIONS, statuses=[JobStatus.RUNNING])
    with airbyte_server(scenario) as url, pytest.raises(AirbyteSyncError, match="still running at the timeout"):
        _sync(url, timeout_seconds=0.3).sync()

    assert scenario.cancelled == [100]


def test_a_cancelled_flow_run_cancels_the_airbyte_job() -> None:
    polls = itertools.count()
    scenario = Scenario(CONNECTIONS, statuses=[JobStatus.RUNNING])
    with airbyte_server(scenario) as url, pytest.raises(AirbyteSyncError, match="flow run was cancelled"):
        _sync(url, should_stop=lambda: next(polls) >= 3).sync()

    assert scenario.cancelled == [100]


def test_server_errors_and_dropped_connections_are_retried() -> None:
    scenario = Scenario(CONNECTIONS, create_codes=[503], get_codes=[502, DROP])
    with airbyte_server(scenario) as url:
        [job] = _sync(url).sync().jobs

    assert job.status == "succeeded"
    assert scenario.calls.count("POST /v1/jobs") == 2


def test_a_client_error_fails_at_once() -> None:
    scenario = Scenario(CONNECTIONS, create_codes=[403])
    with airbyte_server(scenario) as url, pytest.raises(AirbyteSyncError, match="Status 403") as failed:
        _sync(url).sync()

    assert scenario.calls.count("POST /v1/jobs") == 1
    assert failed.value.result.jobs == []


def test_connections_sync_concurrently_and_one_failure_keeps_the_others_figures() -> None:
    scenario = Scenario(CONNECTIONS, create_codes=[200, 400])
    names = [*CONNECTIONS, "elt-dev-missing"]
    with airbyte_server(scenario) as url, pytest.raises(AirbyteSyncError) as failed:
        _sync(url, names, max_concurrent=2).sync()

    assert len(failed.value.failures) == 2
    assert "elt-dev-missing: no Airbyte connection of that name" in failed.value.failures
    [job] = failed.value.result.jobs
    assert job.status == "succeeded"
