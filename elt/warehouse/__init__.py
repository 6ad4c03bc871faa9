"""The warehouse: where RAW, PARSED, the audit builds and ANALYTICS live (DuckDB locally, Snowflake in the cloud)."""

from elt.warehouse._base import (
    ANALYTICS_SCHEMA,
    META_SCHEMA,
    PARSED_SCHEMA,
    RAW_SCHEMA,
    SNAPSHOT_SCHEMA,
    STORE_SCHEMA,
    Merge,
    Publication,
    StreamFigures,
    Warehouse,
    build_schema_name,
    build_schema_prefix,
)
from elt.warehouse._duckdb import DuckDBWarehouse
from elt.warehouse._snowflake import SnowflakeWarehouse

__all__ = [
    "ANALYTICS_SCHEMA",
    "META_SCHEMA",
    "PARSED_SCHEMA",
    "RAW_SCHEMA",
    "SNAPSHOT_SCHEMA",
    "STORE_SCHEMA",
    "DuckDBWarehouse",
    "Merge",
    "Publication",
    "SnowflakeWarehouse",
    "StreamFigures",
    "Warehouse",
    "build_schema_name",
    "build_schema_prefix",
]
