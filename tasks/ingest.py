"""Ingestion and the stage-1 check."""

from __future__ import annotations

from prefect import Task, task
from prefect.client.schemas.objects import State, TaskRun
from prefect.events import emit_event
from prefect.logging import get_run_logger

from elt.adapters import adapters_for
from elt.settings import Settings
from elt.sync import AirbyteSyncError, SyncResult
from tasks._retries import explain_faults, retry_if_transient


class LandingCheckError(RuntimeError):
    """Stage 1 failed: a file was not loaded, or RAW does not hold exactly what the file held."""


def _worth_retrying(task: Task, task_run: TaskRun, state: State) -> bool:
    """A transient fault, but not when Airbyte said why (its calls retry themselves; a task retry would start the
    syncs again)."""
    error = state.result(raise_on_failure=False)
    return not isinstance(error, AirbyteSyncError) and retry_if_transient(task, task_run, state)


@task(name="sync-streams", retries=2, retry_delay_seconds=5, retry_condition_fn=_worth_retrying)
@explain_faults
def sync_streams(settings: Settings) -> SyncResult:
    """Land what is new through the profile's sync: the embedded sync (each file commits with its state, so a
    retry is safe) or the catalogue's Airbyte connections (each job's figures logged, failed ones too)."""
    try:
        result = adapters_for(settings).sync.sync()
    except AirbyteSyncError as exc:
        _log_jobs(exc.result)
        raise
    _log_jobs(result)
    get_run_logger().info(
        "batch %s: %d files loaded, %d already ingested, %d refused",
        result.batch_id,
        len(result.loaded),
        result.skipped,
        len(result.problems),
    )
    for warning in [*result.notes, *(drift.describe() for drift in result.undeclared_columns)]:
        get_run_logger().warning(warning)
    if result.batch_id is not None:
        emit_batch_landed(result)
    return result


def emit_batch_landed(result: SyncResult) -> None:
    """``elt.batch.landed``, one per batch, for automations and observers: per stream the files and records landed.

    No deployment starts on it: the run that emits it builds the batch (arrivals start runs: ``elt.watch``).
    """
    landed = result.landed_by_stream()
    emit_event(
        event="elt.batch.landed",
        resource={"prefect.resource.id": f"elt.batch.{result.batch_id}", "prefect.resource.name": "elt batch"},
        related=[{"prefect.resource.id": f"elt.stream.{name}", "prefect.resource.role": "stream"} for name in landed],
        payload={"batch_id": result.batch_id, "streams": landed},
    )


def _log_jobs(result: SyncResult) -> None:
    logger = get_run_logger()
    for job in result.jobs:
        logger.info("Airbyte %s", job.describe())


@task(name="check-landing")
def check_landing(result: SyncResult) -> None:
    """Stage 1: per file, the header matches the declared fields and records in the file = records in RAW."""
    problems = [p.message for p in result.problems]
    problems += [
        f"{f.file_url}: {f.records} records in the file ({f.unchanged} unchanged since its previous version)"
        f" but {f.in_raw} in RAW ({f.stream})"
        for f in result.loaded
        if f.landed != f.in_raw
    ]
    if problems:
        raise LandingCheckError("stage-1 check failed:\n" + "\n".join(f"  - {p}" for p in problems))
