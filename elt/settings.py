"""Settings: one pydantic-settings object, read from ``ELT_*`` environment variables.

The profile is chosen here and nowhere else; adapters are picked from it (see ``elt.adapters``).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Profile(StrEnum):
    """Where the pipeline runs: ``local`` (DuckDB and a folder) or ``cloud`` (Snowflake and S3)."""

    LOCAL = "local"
    CLOUD = "cloud"


class AirbyteSettings(BaseSettings):
    """Where the cloud sync finds Airbyte (Cloud or self-managed) and how long it waits, from ``ELT_AIRBYTE_*``."""

    model_config = SettingsConfigDict(env_prefix="ELT_AIRBYTE_", frozen=True)

    base_url: str = "https://api.airbyte.com/v1"
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    client_secret_block: str | None = Field(default=None, description="A Prefect Secret block; wins over the env.")
    workspace_id: str | None = None
    name_prefix: str = Field(default="elt-dev", description="Terraform's naming prefix of the connections.")
    timeout_seconds: float = Field(default=7200, gt=0, description="Overall wait for all jobs of one sync.")
    poll_seconds: float = Field(default=5, gt=0, description="First wait between job polls; doubles up to max.")
    poll_max_seconds: float = Field(default=60, gt=0)
    request_timeout_seconds: float = Field(default=30, gt=0)
    request_attempts: int = Field(default=5, ge=1, description="Tries per API call on 5xx or a dropped connection.")
    max_concurrent: int = Field(default=4, ge=1, description="Connections synced at the same time.")


class Settings(BaseSettings):
    """Everything a run needs to know about its environment. Secrets never live here in plain text."""

    model_config = SettingsConfigDict(env_prefix="ELT_", frozen=True)

    profile: Profile = Profile.LOCAL
    data_dir: Path = Field(default=Path("data"), description="Holds landing/, lake/ and warehouse.duckdb.")
    catalog_path: Path = PROJECT_ROOT / "airbyte" / "catalog.yml"
    contracts_dir: Path = PROJECT_ROOT / "elt" / "contracts"
    dbt_project_dir: Path = PROJECT_ROOT / "dbt"
    quarantine_rate_max: dict[str, float] = Field(
        default_factory=lambda: {"sales": 0.05, "reviews": 0.05},
        description="Per stream: the share of records that may be quarantined before the gate closes.",
    )
    quarantine_rate_default_max: float = 0.0
    keep_builds: int = Field(default=3, ge=1, description="Audit builds kept after a publish.")
    airbyte: AirbyteSettings = Field(default_factory=AirbyteSettings)

    @cached_property
    def landing_dir(self) -> Path:
        return self.data_dir.resolve() / "landing"

    @cached_property
    def lake_dir(self) -> Path:
        return self.data_dir.resolve() / "lake"

    @cached_property
    def warehouse_path(self) -> Path:
        return self.data_dir.resolve() / "warehouse.duckdb"

    @cached_property
    def gx_dir(self) -> Path:
        return self.data_dir.resolve() / "gx"

    def quarantine_threshold(self, stream: str) -> float:
        return self.quarantine_rate_max.get(stream, self.quarantine_rate_default_max)
