"""The one place the profile picks an implementation for each concern; flows and tasks never branch on it."""

from __future__ import annotations

from dataclasses import dataclass

from elt.catalog import Catalog, load_catalog
from elt.lake import LocalLake
from elt.parsing import DuckDBParser, Parser
from elt.settings import Profile, Settings
from elt.sync import EmbeddedSync, Sync, airbyte_sync
from elt.warehouse import DuckDBWarehouse, Warehouse


@dataclass(frozen=True)
class Adapters:
    """The lake is not a concern of its own: the embedded sync keeps the local raw zone, and on the cloud
    profile the S3 bucket (versioned, see terraform/modules/aws) is read by Airbyte itself."""

    catalog: Catalog
    warehouse: Warehouse
    sync: Sync
    parser: Parser


def adapters_for(settings: Settings) -> Adapters:
    catalog = load_catalog(settings.catalog_path)
    if settings.profile is Profile.CLOUD:
        return _cloud_adapters(settings, catalog)
    engine = settings.duckdb
    warehouse = DuckDBWarehouse(
        settings.warehouse_path,
        engine.memory_limit,
        engine.threads,
        engine.temp_directory,
        busy_seconds=settings.warehouse_busy_seconds,
    )
    return Adapters(
        catalog=catalog,
        warehouse=warehouse,
        sync=EmbeddedSync(catalog, warehouse, LocalLake(settings.lake_dir), settings.landing_dir),
        parser=DuckDBParser(warehouse),
    )


def _cloud_adapters(settings: Settings, catalog: Catalog) -> Adapters:
    """Airbyte lands RAW in Snowflake; Snowpark parses it there; dbt and the gate run on the same warehouse.

    Imported here, so that the local profile never pays for the Snowflake connector's and Snowpark's imports.
    """
    from elt.parsing import snowpark_parser
    from elt.warehouse import SnowflakeWarehouse

    warehouse = SnowflakeWarehouse(settings.snowflake, [stream.name for stream in catalog.streams])
    return Adapters(
        catalog=catalog,
        warehouse=warehouse,
        sync=airbyte_sync(settings.airbyte, catalog),
        parser=snowpark_parser(warehouse),
    )
