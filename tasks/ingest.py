"""Ingestion and the stage-1 check."""

from __future__ import annotations

from prefect import task
from prefect.logging import get_run_logger

from elt.adapters import adapters_for
from elt.settings import Settings
from elt.sync import SyncResult


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
    return result


@task(name="check-landing")
def check_landing(result: SyncResult) -> None:
    """Stage 1: per file, the header matches the declared fields and records in the file = records in RAW."""
    problems = [p.message for p in result.problems]
    problems += [
        f"{f.file_url}: {f.records} records in the file but {f.in_raw} in RAW ({f.stream})"
        for f in result.loaded
        if f.records != f.in_raw
    ]
    if problems:
        raise LandingCheckError("stage-1 check failed:\n" + "\n".join(f"  - {p}" for p in problems))
