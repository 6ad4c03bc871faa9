"""The warehouse: where RAW, PARSED, the audit builds and ANALYTICS live (DuckDB locally, Snowflake in the cloud)."""

from elt.warehouse._base import (
    ANALYTICS_SCHEMA,
    META_SCHEMA,
    PARSED_SCHEMA,
    RAW_SCHEMA,
    Publication,
    StreamFigures,
    Warehouse,
    build_schema_name,
)
from elt.warehouse._duckdb import DuckDBWarehouse

__all__ = [
    "ANALYTICS_SCHEMA",
    "META_SCHEMA",
    "PARSED_SCHEMA",
    "RAW_SCHEMA",
    "DuckDBWarehouse",
    "Publication",
    "StreamFigures",
    "Warehouse",
    "build_schema_name",
]
