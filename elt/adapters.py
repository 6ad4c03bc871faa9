"""The one place the profile picks an implementation for each concern; flows and tasks never branch on it."""

from __future__ import annotations

from dataclasses import dataclass

from elt.catalog import Catalog, load_catalog
from elt.lake import LocalLake
from elt.parsing import DuckDBParser
from elt.settings import Profile, Settings
from elt.sync import EmbeddedSync
from elt.warehouse import DuckDBWarehouse


@dataclass(frozen=True)
class Adapters:
    catalog: Catalog
    warehouse: DuckDBWarehouse
    lake: LocalLake
    sync: EmbeddedSync
    parser: DuckDBParser


class ProfileNotAvailableError(RuntimeError):
    pass


def adapters_for(settings: Settings) -> Adapters:
    if settings.profile is not Profile.LOCAL:
        raise ProfileNotAvailableError(
            f"ELT_PROFILE={settings.profile.value}: the cloud adapters (Airbyte, Snowflake, Snowpark, S3) are not"
            " part of this release yet; use ELT_PROFILE=local"
        )
    catalog = load_catalog(settings.catalog_path)
    warehouse = DuckDBWarehouse(settings.warehouse_path)
    lake = LocalLake(settings.lake_dir)
    return Adapters(
        catalog=catalog,
        warehouse=warehouse,
        lake=lake,
        sync=EmbeddedSync(catalog, warehouse, lake, settings.landing_dir),
        parser=DuckDBParser(warehouse),
    )
