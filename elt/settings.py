"""Settings: one pydantic-settings object, read from ``ELT_*`` environment variables.

The profile is chosen here and nowhere else; adapters are picked from it (see ``elt.adapters``).
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Profile(StrEnum):
    """Where the pipeline runs: ``local`` (DuckDB and a folder) or ``cloud`` (Snowflake and S3)."""

    LOCAL = "local"
    CLOUD = "cloud"


class AirbyteSettings(BaseSettings):
    """Where the cloud sync finds Airbyte (Cloud or self-managed) and how long it waits, from ``ELT_AIRBYTE_*``."""

    model_config = SettingsConfigDict(env_prefix="ELT_AIRBYTE_", frozen=True)

    base_url: str = "https://api.airbyte.com/v1"
    config_api_url: str | None = Field(
        default=None,
        description="Airbyte's Config API, read for a finished job's failure reason and emitted/committed counts;"
        " unset: Airbyte Cloud's, or <host>/api/v1 beside a self-managed <host>/api/public/v1.",
    )
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


class SnowflakeSettings(BaseSettings):
    """How the cloud warehouse reaches Snowflake, from ``ELT_SNOWFLAKE_*``: key-pair authentication, no password.

    The private key (PEM, PKCS#8) comes from the named Prefect Secret block, else ``ELT_SNOWFLAKE_PRIVATE_KEY``,
    else the file at ``ELT_SNOWFLAKE_PRIVATE_KEY_PATH`` (a mounted Kubernetes secret).
    """

    model_config = SettingsConfigDict(env_prefix="ELT_SNOWFLAKE_", frozen=True)

    account: str = ""
    user: str = Field(default="", description="Terraform's <PREFIX>_TRANSFORMER_SVC service user.")
    role: str = Field(default="", description="Terraform's <PREFIX>_TRANSFORMER role.")
    warehouse: str = ""
    database: str = ""
    private_key: SecretStr = SecretStr("")
    private_key_path: Path | None = None
    private_key_block: str | None = Field(
        default=None, description="A Prefect Secret block (Terraform's <prefix>-snowflake-transformer-key); wins."
    )
    private_key_passphrase: SecretStr = SecretStr("")
    host: str | None = Field(default=None, description="Unset: derived from the account (a stand-in sets it).")
    port: int = 443
    protocol: Literal["https", "http"] = "https"


class Severity(StrEnum):
    """What a failed expectation does: ``critical`` closes the gate, ``warning`` is reported only."""

    CRITICAL = "critical"
    WARNING = "warning"


class DailyBounds(BaseModel):
    """How far the newest day may stray from the trailing days before it (a distribution check)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trailing_days: int = Field(ge=1, description="Days before the newest one that form its history.")
    min_history_days: int = Field(ge=1, description="With fewer days of history the check does not apply.")
    min_ratio_to_median: float = Field(ge=0)
    max_ratio_to_median: float = Field(gt=0)
    max_stddevs: float = Field(gt=0, description="Distance from the trailing mean, in standard deviations.")


class GateSettings(BaseSettings):
    """The publication gate's thresholds and severities: ``elt/quality/gate.yml``, overridden by the environment.

    Any key can be overridden as ``ELT_GATE_<KEY>`` (nested keys joined by ``__``); the quarantine limits keep
    their names ``ELT_QUARANTINE_RATE_MAX`` and ``ELT_QUARANTINE_RATE_DEFAULT_MAX``. ``ELT_GATE_CONFIG`` names
    another YAML file. Nothing has a default here, so the YAML file is the one place thresholds are written.
    """

    model_config = SettingsConfigDict(
        env_prefix="ELT_GATE_", env_nested_delimiter="__", frozen=True, populate_by_name=True, extra="forbid"
    )

    quarantine_rate_max: dict[str, float] = Field(validation_alias="elt_quarantine_rate_max")
    quarantine_rate_default_max: float = Field(validation_alias="elt_quarantine_rate_default_max", ge=0)
    freshness_max_age_hours: int = Field(gt=0, description="How old the newest event of a fact may be.")
    daily_revenue: DailyBounds
    daily_reviews: DailyBounds
    severity: dict[str, Severity] = Field(description="Per check id; a check not listed is critical.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_file = os.environ.get("ELT_GATE_CONFIG") or PROJECT_ROOT / "elt" / "quality" / "gate.yml"
        return init_settings, env_settings, YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file)

    def quarantine_threshold(self, stream: str) -> float:
        return self.quarantine_rate_max.get(stream, self.quarantine_rate_default_max)


class Settings(BaseSettings):
    """Everything a run needs to know about its environment. Secrets never live here in plain text."""

    model_config = SettingsConfigDict(env_prefix="ELT_", frozen=True)

    profile: Profile = Profile.LOCAL
    data_dir: Path = Field(default=Path("data"), description="Holds landing/, lake/ and warehouse.duckdb.")
    catalog_path: Path = PROJECT_ROOT / "airbyte" / "catalog.yml"
    contracts_dir: Path = PROJECT_ROOT / "elt" / "contracts"
    dbt_project_dir: Path = PROJECT_ROOT / "dbt"
    keep_builds: int = Field(default=3, ge=1, description="Audit builds kept after a publish.")
    run_lock_wait_seconds: float = Field(
        default=0, ge=0, description="How long a run waits for another run to release the warehouse; 0: exit at once."
    )
    warehouse_busy_seconds: float = Field(
        default=60, ge=0, description="How long a write waits for a process holding warehouse.duckdb, then fails."
    )
    airbyte: AirbyteSettings = Field(default_factory=AirbyteSettings)
    snowflake: SnowflakeSettings = Field(default_factory=SnowflakeSettings)
    gate: GateSettings = Field(default_factory=GateSettings)

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

    @cached_property
    def dbt_target_dir(self) -> Path:
        """dbt's target path of each build is ``<this>/<build>``: its artifacts and log, kept with the build."""
        return self.data_dir.resolve() / "dbt"
