"""Serving BI readers: bringing what they read up to the last publication, without ever failing the run."""

from __future__ import annotations

from prefect import task
from prefect.logging import get_run_logger

from elt.adapters import adapters_for
from elt.settings import Settings
from elt.warehouse import ReaderExport


@task(name="serve-readers")
def serve_readers(settings: Settings) -> ReaderExport | None:
    """Export the last publication for readers (``analytics.duckdb`` on DuckDB; nothing to do on Snowflake).

    It runs after the publish has committed, on every run: a failure here must not turn a published run into
    a failed one, so it is logged as a warning, readers keep the previous snapshot, and the next run, seeing
    the snapshot behind the publication, exports it again.
    """
    logger = get_run_logger()
    try:
        export = adapters_for(settings).warehouse.export_for_readers()
    except Exception as error:  # anything at all: the publication stands, only the readers' copy lags
        logger.warning("readers' snapshot not refreshed, the next run retries: %s: %s", type(error).__name__, error)
        return None
    if export is not None:
        logger.info(export.describe())
    return export
