"""The cloud sync against a scripted Airbyte on 127.0.0.1: one scenario per behaviour."""

from __future__ import annotations

import itertools
import uuid

import pytest
from airbyte_stub import ATTEMPT_STATS, DROP, JobStatus, Scenario, airbyte_server

from elt.settings import AirbyteSettings
from elt.sync import AirbyteSync, AirbyteSyncError, JobDetails, JobFigures, config_api_root

CONNECTIONS = {"elt-dev-landing-to-raw": "c-1", "elt-dev-events-to-raw": "c-2"}
ONE = ["elt-dev-landing-to-raw"]


def _sync(base_url: str, names: list[str] = ONE, **overrides: object) -> AirbyteSync:
    # A fresh client id per test: the SDK caches tokens per client, process-wide.
    should_stop = overrides.pop("should_stop", lambda: False)
    options = {"poll_seconds": 0.02, "poll_max_seconds": 0.1, "timeout_seconds": 5, "request_attempts": 3}
    settings = AirbyteSettings(base_url=base_url, client_id=uuid.uuid4().hex, **{**options, **overrides})
    return AirbyteSync(settings, names, client_secret=lambda: "s3cret", should_stop=should_stop)


def _figures(job_id: int, status: str, attempts: int) -> JobFigures:
    """What the stub reports of a job that ran ``attempts`` attempts: the public API's count and the split."""
    return JobFigures(
        "elt-dev-landing-to-raw",
        job_id,
        status,
        "PT2M5S",
        records_synced=ATTEMPT_STATS["recordsCommitted"] * attempts,
        bytes_synced=ATTEMPT_STATS["bytesCommitted"] * attempts,
        records_emitted=ATTEMPT_STATS["recordsEmitted"] * attempts,
        bytes_emitted=ATTEMPT_STATS["bytesEmitted"] * attempts,
        records_committed=ATTEMPT_STATS["recordsCommitted"] * attempts,
        bytes_committed=ATTEMPT_STATS["bytesCommitted"] * attempts,
    )


def test_a_sync_walks_every_waiting_status_and_returns_the_jobs_figures() -> None:
    scenario = Scenario(
        CONNECTIONS,
        statuses=[JobStatus.PENDING, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.INCOMPLETE, JobStatus.SUCCEEDED],
    )
    with airbyte_server(scenario) as url:
        result = _sync(url).sync()

    # The incomplete status was a failed attempt that Airbyte retried: the figures add both attempts up.
    assert result.jobs == [_figures(100, "succeeded", attempts=2)]
    assert scenario.calls.count("GET /api/public/v1/jobs/100") == 4
    assert scenario.calls.count("POST /api/v1/jobs/get") == 1
    assert scenario.cancelled == []


def test_a_failed_job_fails_with_airbytes_reason_and_keeps_its_figures() -> None:
    scenario = Scenario(
        CONNECTIONS, statuses=[JobStatus.RUNNING, JobStatus.FAILED], failure_message="S3: access denied"
    )
    with airbyte_server(scenario) as url, pytest.raises(AirbyteSyncError) as failed:
        _sync(url).sync()

    assert failed.value.failures == ["elt-dev-landing-to-raw: job 100 failed after PT2M5S: source: S3: access denied"]
    assert failed.value.result.jobs == [_figures(100, "failed", attempts=1)]


def test_a_job_cancelled_in_airbyte_fails_with_airbytes_reason() -> None:
    scenario = Scenario(CONNECTIONS, statuses=[JobStatus.CANCELLED], failure_message="cancelled by a workspace admin")
    with (
        airbyte_server(scenario) as url,
        pytest.raises(AirbyteSyncError, match="job 100 cancelled after PT2M5S: source: cancelled by a workspace admin"),
    ):
        _sync(url).sync()

    assert scenario.cancelled == []


def test_without_the_config_api_a_failure_says_everything_the_public_api_gives() -> None:
    scenario = Scenario(CONNECTIONS, statuses=[JobStatus.FAILED], failure_message="never served", config_api=False)
    with airbyte_server(scenario) as url, pytest.raises(AirbyteSyncError) as failed:
        _sync(url).sync()

    [message] = failed.value.failures
    assert message.startswith("elt-dev-landing-to-raw: job 100 failed after PT2M5S: Airbyte gave no reason")
    assert "/api/v1/jobs/get answered 404" in message
    assert (
        "1150 records and 32500 bytes synced, started 2026-01-01T00:00:00Z, last updated 2026-01-01T00:02:05Z"
        in message
    )
    [job] = failed.value.result.jobs
    assert (job.records_synced, job.records_emitted, job.records_committed) == (1150, None, None)


def test_a_sync_already_running_is_attached_to() -> None:
    scenario = Scenario(CONNECTIONS, create_codes=[409])
    with airbyte_server(scenario) as url:
        [job] = _sync(url).sync().jobs

    assert (job.job_id, job.status) == (100, "succeeded")
    assert "GET /api/public/v1/jobs" in scenario.calls


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
    assert scenario.calls.count("POST /api/public/v1/jobs") == 2
    assert scenario.calls.count("GET /api/public/v1/jobs/100") == 3


def test_a_client_error_fails_at_once() -> None:
    scenario = Scenario(CONNECTIONS, create_codes=[403])
    with airbyte_server(scenario) as url, pytest.raises(AirbyteSyncError, match="Status 403") as failed:
        _sync(url).sync()

    assert scenario.calls.count("POST /api/public/v1/jobs") == 1
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


@pytest.mark.parametrize("bound", [1, 2])
def test_no_more_connections_run_at_once_than_the_bound(bound: int) -> None:
    connections = {f"elt-dev-c{n}": f"c-{n}" for n in range(3)}
    scenario = Scenario(connections, statuses=[JobStatus.RUNNING] * 4 + [JobStatus.SUCCEEDED])
    with airbyte_server(scenario) as url:
        result = _sync(url, list(connections), max_concurrent=bound).sync()

    assert sorted(job.connection for job in result.jobs) == sorted(connections)
    assert scenario.peak_running == bound


def test_the_config_api_is_found_beside_cloud_and_self_managed_public_apis() -> None:
    assert config_api_root("https://api.airbyte.com/v1/") == "https://cloud.airbyte.com/api/v1"
    assert config_api_root("http://airbyte.internal:8000/api/public/v1") == "http://airbyte.internal:8000/api/v1"
    assert config_api_root("https://proxy.example.org/airbyte") is None
    assert config_api_root("https://proxy.example.org/airbyte", "https://proxy.example.org/config/") == (
        "https://proxy.example.org/config"
    )


def test_job_details_take_the_reason_from_the_last_failed_attempt() -> None:
    first = {
        "failureSummary": {"failures": [{"externalMessage": "timeout, retried"}]},
        "totalStats": {"recordsEmitted": 5},
    }
    last = {
        "failureSummary": {"failures": [{"failureOrigin": "destination", "externalMessage": "warehouse suspended"}]},
        "totalStats": {"recordsEmitted": 7, "recordsCommitted": 0},
    }

    details = JobDetails.of({"attempts": [{"attempt": first}, {"attempt": last}]})

    assert details == JobDetails(records_emitted=12, records_committed=0, failure="destination: warehouse suspended")


def test_a_jobs_summary_line_keeps_each_figure_apart_and_marks_what_airbyte_did_not_report() -> None:
    job = JobFigures("elt-dev-landing-to-raw", 7, "failed", "PT1M", records_synced=10, bytes_synced=2048)

    assert job.describe() == (
        "elt-dev-landing-to-raw: job 7 failed in PT1M; records emitted ?, committed ?; bytes emitted ?, committed ?"
        " (public API: 10 records, 2048 bytes synced)"
    )
