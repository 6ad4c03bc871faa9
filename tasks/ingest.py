"""Ingestion and the stage-1 check."""

from __future__ import annotations

from prefect import task
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.events import emit_event
from prefect.logging import get_run_logger
from prefect.runtime import flow_run

from elt.adapters import adapters_for
from elt.catalog import load_catalog
from elt.settings import AirbyteSettings, Settings
from elt.sync import AirbyteSync, AirbyteSyncError, SyncResult


class LandingCheckError(RuntimeError):
    """Stage 1 failed: a file was not loaded, or RAW does not hold exactly what the file held."""


@task(name="sync-streams", retries=2, retry_delay_seconds=5)
def sync_streams(settings: Settings) -> SyncResult:
    """Land new and changed files into RAW; each file commits with its state, so a retry is safe."""
    result = adapters_for(settings).sync.sync()
    get_run_logger().info(
        "batch %s: %d files loaded, %d already ingested, %d refused",
        result.batch_id,
        len(result.loaded),
        result.skipped,
        len(result.problems),
    )
    if result.batch_id is not None:
        emit_batch_landed(result)
    return result


def emit_batch_landed(result: SyncResult) -> None:
    """``elt.batch.landed``, one per batch, for deployment triggers: per stream the files and records landed."""
    landed = result.landed_by_stream()
    emit_event(
        event="elt.batch.landed",
        resource={"prefect.resource.id": f"elt.batch.{result.batch_id}", "prefect.resource.name": "elt batch"},
        related=[{"prefect.resource.id": f"elt.stream.{name}", "prefect.resource.role": "stream"} for name in landed],
        payload={"batch_id": result.batch_id, "streams": landed},
    )


@task(name="sync-airbyte-connections")
def sync_airbyte_connections(settings: Settings) -> SyncResult:
    """Sync the catalogue's Airbyte connections (cloud profile); no task retry: the sync retries its own calls."""
    airbyte = settings.airbyte
    connection = load_catalog(settings.catalog_path).connection_name(airbyte.name_prefix)
    sync = AirbyteSync(airbyte, [connection], client_secret=_client_secret(airbyte), should_stop=_flow_run_cancelling)
    try:
        result = sync.sync()
    except AirbyteSyncError as exc:
        _log_jobs(exc.result)
        raise
    _log_jobs(result)
    return result


def _log_jobs(result: SyncResult) -> None:
    logger = get_run_logger()
    for job in result.jobs:
        logger.info(
            "%s: job %s %s, %s records, %s bytes in %s",
            job.connection,
            job.job_id,
            job.status,
            job.records,
            job.bytes,
            job.duration,
        )


def _client_secret(airbyte: AirbyteSettings) -> str:
    if airbyte.client_secret_block:
        return Secret.load(airbyte.client_secret_block).get()
    return airbyte.client_secret.get_secret_value()


def _flow_run_cancelling() -> bool:
    """True once the flow run this task belongs to is being cancelled: the Airbyte job is then cancelled too."""
    if flow_run.id is None:
        return False
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run.id).state
    return state is not None and (state.is_cancelling() or state.is_cancelled())


@task(name="check-landing")
def check_landing(result: SyncResult) -> None:
    """Stage 1: per file, the header matches the declared fields and records in the file = records in RAW."""
    problems = [p.message for p in result.problems]
    problems += [
        f"{f.file_url}: {f.records} records in the file ({f.behind_cursor} behind the cursor) but {f.in_raw}"
        f" in RAW ({f.stream})"
        for f in result.loaded
        if f.landed != f.in_raw
    ]
    if problems:
        raise LandingCheckError("stage-1 check failed:\n" + "\n".join(f"  - {p}" for p in problems))
