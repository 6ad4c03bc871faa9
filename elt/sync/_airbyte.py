"""The cloud sync: Airbyte jobs started and watched through the ``airbyte-api`` SDK.

Connections are found by the names Terraform gives them (``<name_prefix>-<catalogue source.connection>``), never
by id. The SDK's client-credentials hook fetches the access token and renews it 60 s before it expires, so a
short-lived token survives a long wait; a 401 (a token revoked early) drops the cached token and the call is
tried once more. 5xx, 429 and dropped connections are retried with backoff; any other 4xx fails at once.
A finished job's failure reason and emitted/committed counts are not in the public API: ``_job_details`` reads
them from Airbyte's Config API where it answers.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from functools import cached_property, partial
from typing import TypeVar

import httpx
from airbyte_api import AirbyteAPI, api, errors, models

from elt.settings import AirbyteSettings
from elt.sync._job_details import JobDetails, config_api_root, fetch_job_details
from elt.sync._result import JobFigures, SyncResult

T = TypeVar("T")

TERMINAL = {models.JobStatusEnum.SUCCEEDED, models.JobStatusEnum.FAILED, models.JobStatusEnum.CANCELLED}
"""``pending``, ``queued``, ``running`` and ``incomplete`` (an attempt failed, Airbyte retries it) mean: wait."""


class AirbyteSyncError(RuntimeError):
    """One or more connections did not sync; ``result`` still holds the jobs that did."""

    def __init__(self, failures: Sequence[str], result: SyncResult) -> None:
        super().__init__("Airbyte sync failed:\n" + "\n".join(f"  - {f}" for f in failures))
        self.failures = list(failures)
        self.result = result


class AirbyteJobError(RuntimeError):
    """A job ended failed or cancelled, or was cancelled by us (timeout, flow run cancelled).

    ``figures`` holds what Airbyte reported of a job that ran to a terminal status, so the summary keeps it.
    """

    def __init__(self, message: str, figures: JobFigures | None = None) -> None:
        super().__init__(message)
        self.figures = figures


class AirbyteSync:
    """Syncs each named connection once, concurrently under ``max_concurrent``, and reports each job's figures.

    ``client_secret`` is called once, on the first API call, so building the sync costs no secret look-up.
    """

    def __init__(
        self,
        settings: AirbyteSettings,
        connection_names: Sequence[str],
        *,
        client_secret: Callable[[], str],
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.settings = settings
        self.connection_names = tuple(connection_names)
        self.client_secret = client_secret
        self.should_stop = should_stop
        self.base_url = settings.base_url.rstrip("/")
        self.token_url = f"{self.base_url}/applications/token"

    @cached_property
    def _secret(self) -> str:
        return self.client_secret()

    @cached_property
    def api(self) -> AirbyteAPI:
        credentials = models.SchemeClientCredentials(
            client_id=self.settings.client_id, client_secret=self._secret, token_url=self.token_url
        )
        return AirbyteAPI(
            server_url=self.base_url,
            security=models.Security(client_credentials=credentials),
            timeout_ms=int(self.settings.request_timeout_seconds * 1000),
        )

    def sync(self) -> SyncResult:
        """Sync every connection; raise ``AirbyteSyncError`` naming each failure after all have finished."""
        deadline = time.monotonic() + self.settings.timeout_seconds
        ids = self._connection_ids()
        result = SyncResult(batch_id=None)
        failures = [f"{name}: no Airbyte connection of that name" for name in self.connection_names if name not in ids]
        found = [name for name in self.connection_names if name in ids]
        with ThreadPoolExecutor(max_workers=self.settings.max_concurrent) as pool:
            # Each job runs in a copy of the caller's context: ``should_stop`` and logging see the Prefect run.
            futures = {
                name: pool.submit(contextvars.copy_context().run, self._sync_connection, name, ids[name], deadline)
                for name in found
            }
        for name, future in futures.items():
            error = future.exception()
            if error is None:
                result.jobs.append(future.result())
                continue
            failures.append(f"{name}: {error}")
            if isinstance(error, AirbyteJobError) and error.figures is not None:
                result.jobs.append(error.figures)
        if failures:
            raise AirbyteSyncError(failures, result)
        return result

    def _connection_ids(self) -> dict[str, str]:
        ids: dict[str, str] = {}
        page, offset = 100, 0
        workspaces = [self.settings.workspace_id] if self.settings.workspace_id else None
        while True:
            request = api.ListConnectionsRequest(workspace_ids=workspaces, limit=page, offset=offset)
            response = self._call(partial(self.api.connections.list_connections, request=request))
            data = response.connections_response.data if response.connections_response else []
            ids.update((c.name, c.connection_id) for c in data)
            if len(data) < page:
                return ids
            offset += page

    def _sync_connection(self, name: str, connection_id: str, deadline: float) -> JobFigures:
        job = self._start(connection_id)
        try:
            job = self._wait(job, deadline)
        except BaseException:
            # Timeout, flow run cancelled, interrupted: the Airbyte job must not outlive the Prefect run.
            # A cancel that fails too must not hide why we cancelled.
            with suppress(errors.AirbyteAPIError, httpx.TransportError):
                self._call(lambda: self.api.jobs.cancel_job(request=api.CancelJobRequest(job_id=job.job_id)))
            raise
        details = self._details(job.job_id)
        figures = JobFigures(
            name,
            job.job_id,
            job.status.value,
            job.duration,
            job.rows_synced,
            job.bytes_synced,
            details.records_emitted,
            details.bytes_emitted,
            details.records_committed,
            details.bytes_committed,
        )
        if job.status is not models.JobStatusEnum.SUCCEEDED:
            raise AirbyteJobError(_failure_message(job, details), figures)
        return figures

    def _details(self, job_id: int) -> JobDetails:
        return fetch_job_details(
            config_api_root(self.settings.base_url, self.settings.config_api_url),
            job_id,
            token_url=self.token_url,
            client_id=self.settings.client_id,
            client_secret=self._secret,
            timeout=self.settings.request_timeout_seconds,
        )

    def _start(self, connection_id: str) -> models.JobResponse:
        request = models.JobCreateRequest(connection_id=connection_id, job_type=models.JobTypeEnum.SYNC)
        try:
            created = self._call(partial(self.api.jobs.create_job, request=request))
        except errors.SDKError as exc:
            if exc.status_code != httpx.codes.CONFLICT:
                raise
            return self._running_job(connection_id)
        return _job_of(created)

    def _running_job(self, connection_id: str) -> models.JobResponse:
        """A sync is already running (HTTP 409): attach to it rather than fail."""
        request = api.ListJobsRequest(
            connection_id=connection_id, job_type=models.JobTypeEnum.SYNC, order_by="createdAt|DESC", limit=10
        )
        listed = self._call(partial(self.api.jobs.list_jobs, request=request))
        jobs = listed.jobs_response.data if listed.jobs_response else []
        for job in jobs:
            if job.status not in TERMINAL:
                return job
        raise AirbyteJobError(f"connection {connection_id}: Airbyte says a sync is running but lists none")

    def _wait(self, job: models.JobResponse, deadline: float) -> models.JobResponse:
        interval = self.settings.poll_seconds
        while job.status not in TERMINAL:
            if self.should_stop():
                raise AirbyteJobError(f"job {job.job_id} cancelled: the Prefect flow run was cancelled")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AirbyteJobError(f"job {job.job_id} cancelled: still {job.status.value} at the timeout")
            time.sleep(min(interval, remaining))
            interval = min(interval * 2, self.settings.poll_max_seconds)
            request = api.GetJobRequest(job_id=job.job_id)
            job = _job_of(self._call(partial(self.api.jobs.get_job, request=request)))
        return job

    def _call(self, call: Callable[[], T]) -> T:
        """One API call; transient failures retried with backoff, a 401 once (the token was just dropped)."""
        delay = self.settings.poll_seconds
        attempt, renewed = 1, False
        while True:
            try:
                return call()
            except errors.SDKError as exc:
                unauthorized = exc.status_code == httpx.codes.UNAUTHORIZED and not renewed
                transient = exc.status_code >= 500 or exc.status_code == httpx.codes.TOO_MANY_REQUESTS
                if not unauthorized and not (transient and attempt < self.settings.request_attempts):
                    raise
                renewed = renewed or unauthorized
            except httpx.TransportError:
                if attempt >= self.settings.request_attempts:
                    raise
            attempt += 1
            time.sleep(delay)
            delay = min(delay * 2, self.settings.poll_max_seconds)


def _job_of(reply: api.CreateJobResponse | api.GetJobResponse) -> models.JobResponse:
    if reply.job_response is None:
        raise AirbyteJobError(f"Airbyte answered {reply.status_code} without a job")
    return reply.job_response


def _failure_message(job: models.JobResponse, details: JobDetails) -> str:
    """Airbyte's own reason where its Config API gave one; else everything the public API says of the job."""
    head = f"job {job.job_id} {job.status.value} after {job.duration or '?'}"
    if details.failure:
        return f"{head}: {details.failure}"
    # The public JobResponse has no failure field: without the attempts, status and figures are all there is.
    return (
        f"{head}: Airbyte gave no reason (the public API has none; job details: {details.unavailable or 'none'});"
        f" {job.rows_synced if job.rows_synced is not None else '?'} records and"
        f" {job.bytes_synced if job.bytes_synced is not None else '?'} bytes synced, started {job.start_time},"
        f" last updated {job.last_updated_at or '?'}"
    )
