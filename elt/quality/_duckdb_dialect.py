"""Great Expectations has no DuckDB dialect; this is the one place that teaches it what it needs.

GX 1.24 returns a pooled connection before reading a metric's result, which on DuckDB reads an empty
cursor (``MetricResolutionError: list index out of range``). GX already keeps one persisted connection for
SQLite and a few others; DuckDB needs the same.
"""

from __future__ import annotations

from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import sqlalchemy_execution_engine as _engine


class _DuckDBDialectName(str):
    """Behaves like a member of GX's dialect enum for the only thing the tuple is used for: ``.value``."""

    @property
    def value(self) -> str:
        return str(self)


def enable_duckdb_persisted_connection() -> None:
    """Idempotently add DuckDB to the dialects for which GX keeps one persisted connection."""
    names = {getattr(d, "value", d) for d in _engine._PERSISTED_CONNECTION_DIALECTS}
    if "duckdb" not in names:
        _engine._PERSISTED_CONNECTION_DIALECTS = (
            *_engine._PERSISTED_CONNECTION_DIALECTS,
            _DuckDBDialectName("duckdb"),
        )


def release_connections(datasource: SQLDatasource) -> None:
    """Close every connection a GX SQL datasource holds: the persisted one and both engines' pools.

    GX's own ``close()`` leaves the persisted connection open, and the datasource keeps a second engine from
    its connection test. DuckDB lets a process open a file with only one configuration at a time, so while
    GX holds any of these, nobody else in the process can connect.
    """
    engine = datasource.get_execution_engine()
    if engine._connection is not None:
        engine._connection.close()
        engine._connection = None
    engine.engine.dispose()
    datasource.get_engine().dispose()
