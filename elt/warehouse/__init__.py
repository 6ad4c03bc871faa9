"""The warehouse: where RAW, PARSED, the audit builds and ANALYTICS live (DuckDB locally, Snowflake in the cloud)."""

from typing import TYPE_CHECKING

from elt.warehouse._base import (
    ANALYTICS_SCHEMA,
    META_SCHEMA,
    PARSED_SCHEMA,
    RAW_SCHEMA,
    SNAPSHOT_SCHEMA,
    STORE_SCHEMA,
    Merge,
    Publication,
    ReaderExport,
    RunRecord,
    StreamFigures,
    Warehouse,
    WarehouseBusyError,
    WarehouseHeldError,
    build_schema_name,
    build_schema_prefix,
)
from elt.warehouse._duckdb import DuckDBWarehouse
from elt.warehouse._trends import QUARANTINE_BATCHES, REVENUE_DAYS, BatchQuarantine, batch_quarantine_rates

if TYPE_CHECKING:
    from elt.warehouse._snowflake import SnowflakeWarehouse

__all__ = [
    "ANALYTICS_SCHEMA",
    "META_SCHEMA",
    "PARSED_SCHEMA",
    "QUARANTINE_BATCHES",
    "RAW_SCHEMA",
    "REVENUE_DAYS",
    "SNAPSHOT_SCHEMA",
    "STORE_SCHEMA",
    "BatchQuarantine",
    "DuckDBWarehouse",
    "Merge",
    "Publication",
    "ReaderExport",
    "RunRecord",
    "SnowflakeWarehouse",
    "StreamFigures",
    "Warehouse",
    "WarehouseBusyError",
    "WarehouseHeldError",
    "batch_quarantine_rates",
    "build_schema_name",
    "build_schema_prefix",
]


def __getattr__(name: str) -> object:
    """Import the Snowflake warehouse on first use: its connector takes seconds to import, and the local
    profile never needs it."""
    if name == "SnowflakeWarehouse":
        from elt.warehouse._snowflake import SnowflakeWarehouse

        return SnowflakeWarehouse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
