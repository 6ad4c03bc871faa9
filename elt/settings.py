"""Settings: one pydantic-settings object, read from ``ELT_*`` environment variables.

The profile is chosen here and nowhere else; adapters are picked from it (see ``elt.adapters``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import quote, urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    DirectoryPath,
    Field,
    FilePath,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from elt._invalid_settings import ExplainedEnvSource, InvalidSettingsError, allowed, env_name, environment, origin
from elt.catalog import load_catalog

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GATE_CONFIG = PROJECT_ROOT / "elt" / "quality" / "gate.yml"


def _input(error: ErrorDetails) -> Any:
    return None if error["type"] == "missing" else error.get("input")


class _EnvSettings(BaseSettings):
    """Settings read from ``ELT_*`` variables. A value not allowed raises :class:`InvalidSettingsError`, one line
    per problem as ``ELT_X=<value>: <what is allowed>``; numbers are finite (no inf, no NaN) everywhere."""

    model_config = SettingsConfigDict(allow_inf_nan=False)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            cls = type(self)
            raise InvalidSettingsError(
                [
                    f"{origin(cls, e['loc'], _input(e), cls.config_file())}: {allowed(cls, e)}"
                    for e in exc.errors(include_url=False)
                ]
            ) from None

    @classmethod
    def config_file(cls) -> Path | None:
        """The YAML file under the environment, if any."""
        return None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, ExplainedEnvSource(settings_cls)


class Profile(StrEnum):
    """Where the pipeline runs: ``local`` (DuckDB and a folder) or ``cloud`` (Snowflake and S3)."""

    LOCAL = "local"
    CLOUD = "cloud"


class AirbyteSettings(_EnvSettings):
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


class SnowflakeSettings(_EnvSettings):
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


_SIZE = re.compile(r"\s*(\d+(\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib|%)\s*", re.IGNORECASE)


def _memory_size(value: str) -> str:
    match = _SIZE.fullmatch(value)
    if not match or float(match.group(1)) <= 0 or (match.group(3) == "%" and float(match.group(1)) > 100):
        raise ValueError(
            "must be an amount of memory greater than 0 such as 4GB, 512MiB or 50% (of the machine's memory);"
            " units B, KB, MB, GB, TB (1000^i) or KiB, MiB, GiB, TiB (1024^i)"
        )
    return value.strip()


def _http_url(value: str) -> str:
    """A base URL that links can be made from: http(s), a host, no query; kept without its trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            "must be the http(s) address the docs are served at, such as http://127.0.0.1:8080 (`elt docs serve`)"
            " or https://docs.example.com/elt, without a query or fragment"
        )
    return value.strip().rstrip("/")


def _not_a_file(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise ValueError("must be a directory (it is created if missing); this is a file")
    return path


class DuckDBSettings(_EnvSettings):
    """How the local warehouse's engine may use the machine, from ``ELT_DUCKDB_*``: every DuckDB connection the
    pipeline opens (the sync, the parser, dbt, the gate) gets the same settings. Unset or empty: DuckDB's default
    (80% of the memory, every core, ``<warehouse>.tmp`` for what spills to disk)."""

    model_config = SettingsConfigDict(env_prefix="ELT_DUCKDB_", frozen=True, env_ignore_empty=True)

    memory_limit: Annotated[str, AfterValidator(_memory_size)] | None = Field(
        default=None, description="Beyond it, DuckDB spills to the temp directory, or fails naming the limit."
    )
    threads: int | None = Field(default=None, ge=1)
    temp_directory: Annotated[Path, AfterValidator(_not_a_file)] | None = None


class Severity(StrEnum):
    """What a failed expectation does: ``critical`` closes the gate, ``warning`` is reported only."""

    CRITICAL = "critical"
    WARNING = "warning"


class DailyBounds(BaseModel):
    """How far the newest day may stray from the trailing days before it (a distribution check)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    trailing_days: int = Field(ge=1, description="Days before the newest one that form its history.")
    min_history_days: int = Field(
        ge=1,
        description="The same weekday's days of history that make its history; with fewer, every day's; with"
        " fewer days than this in all, the check does not apply.",
    )
    min_daily_records: int = Field(
        ge=0, description="A history whose median day holds fewer records is too thin to judge by: not judged."
    )
    min_ratio_to_median: float = Field(ge=0)
    max_ratio_to_median: float = Field(gt=0)
    max_stddevs: float = Field(gt=0, description="Distance from the trailing mean, in standard deviations.")


def _rate(value: float) -> float:
    if not 0 <= value <= 1:  # false for NaN too
        raise ValueError("must be a number from 0 to 1 (a share: 0.05 is 5%)")
    return value


Rate = Annotated[float, Field(allow_inf_nan=True), AfterValidator(_rate)]


def _first_key(variable: str, prefix: str) -> str:
    return variable.removeprefix(prefix).split("__")[0].lower()


class GateSettings(_EnvSettings):
    """The publication gate's thresholds and severities: ``elt/quality/gate.yml``, overridden by the environment.

    Any key can be overridden as ``ELT_GATE_<KEY>`` (nested keys joined by ``__``); the quarantine limits keep
    their names ``ELT_QUARANTINE_RATE_MAX`` and ``ELT_QUARANTINE_RATE_DEFAULT_MAX``. ``ELT_GATE_CONFIG`` names
    another YAML file. Nothing has a default here, so the YAML file is the one place thresholds are written.
    An ``ELT_GATE_*`` variable that names no key is refused, not ignored.
    """

    model_config = SettingsConfigDict(
        env_prefix="ELT_GATE_", env_nested_delimiter="__", frozen=True, populate_by_name=True, extra="forbid"
    )

    quarantine_rate_max: dict[str, Rate] = Field(
        validation_alias="elt_quarantine_rate_max", examples=[{"sales": 0.05}], description="Per catalogue stream."
    )
    quarantine_rate_default_max: Rate = Field(validation_alias="elt_quarantine_rate_default_max")
    freshness_max_age_hours: int = Field(
        gt=0, description="How much older the newest event of a fact may be than the newest batch's arrival."
    )
    optional_null_rate_max: Rate = Field(
        description="The share of rows that may lack a field the catalogue declares optional (a warning by default)."
    )
    daily_revenue: DailyBounds
    daily_reviews: DailyBounds
    severity: dict[str, Severity] = Field(
        examples=[{"fct_sales.fresh": "critical"}], description="Per check id; a check not listed is critical."
    )

    # The check ids the gate's suites define, given by them when loaded (see ``define_checks``).
    _check_ids: ClassVar[Callable[[GateSettings], Collection[str]] | None] = None

    @classmethod
    def define_checks(cls, check_ids: Callable[[GateSettings], Collection[str]]) -> None:
        """Called by the gate's suites when loaded (the flow loads them before it reads the settings), so a severity
        for a check that does not exist is refused with the settings, before any work, without loading them here
        (they bring Great Expectations, seconds to import, which ``elt status`` or ``elt generate`` need not)."""
        cls._check_ids = check_ids

    @classmethod
    def config_file(cls) -> Path:
        return Path(os.environ.get("ELT_GATE_CONFIG") or DEFAULT_GATE_CONFIG)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        cls._refuse_unknown_variables()
        return init_settings, ExplainedEnvSource(settings_cls), cls._yaml_source(settings_cls)

    @classmethod
    def _refuse_unknown_variables(cls) -> None:
        prefix = cls.model_config["env_prefix"].upper()
        known = {name for name, field in cls.model_fields.items() if field.validation_alias is None} | {"config"}
        env = environment()
        unknown = [name for name in env if name.startswith(prefix) and _first_key(name, prefix) not in known]
        if unknown:
            names = ["ELT_GATE_CONFIG"] + [
                env_name(cls, [name]) + ("__<KEY>" if field.annotation is DailyBounds else "")
                for name, field in cls.model_fields.items()
            ]
            raise InvalidSettingsError(
                [f"{name}={env[name]}: not a gate setting; they are {', '.join(names)}" for name in unknown]
            )

    @classmethod
    def _yaml_source(cls, settings_cls: type[BaseSettings]) -> YamlConfigSettingsSource:
        """The YAML file; one that cannot be read is named, not taken for an empty one."""
        path = cls.config_file()
        named = f"ELT_GATE_CONFIG={path}" if os.environ.get("ELT_GATE_CONFIG") else str(path)
        try:
            path.read_bytes()
            return YamlConfigSettingsSource(settings_cls, yaml_file=path)
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror})"
        except yaml.YAMLError as exc:
            problem = f"is not valid YAML ({' '.join(str(exc).split())})"
        raise InvalidSettingsError(
            [f"{named}: {problem}; it must name a readable YAML file of gate settings like {DEFAULT_GATE_CONFIG}"]
        )

    @model_validator(mode="after")
    def _severities_name_known_checks(self) -> GateSettings:
        defined = type(self)._check_ids
        if defined is not None:
            self.refuse_unknown_checks(defined(self))
        return self

    def refuse_unknown_checks(self, check_ids: Collection[str]) -> None:
        """A severity must name a check the suites define: a typo would otherwise leave a check critical."""
        unknown = sorted(set(self.severity) - set(check_ids))
        if unknown:
            raise InvalidSettingsError(
                [
                    f"{origin(type(self), ['severity', check], self.severity[check].value, self.config_file())}:"
                    " not a check of the gate; checks are named <table>.<check> as the run summary shows them"
                    for check in unknown
                ]
            )

    def quarantine_threshold(self, stream: str) -> float:
        return self.quarantine_rate_max.get(stream, self.quarantine_rate_default_max)


class Settings(_EnvSettings):
    """Everything a run needs to know about its environment. Secrets never live here in plain text.

    Reading it validates every setting (the nested groups' too): the flow and the CLI read it first, so a setting
    that is not allowed stops a run before any work.
    """

    model_config = SettingsConfigDict(env_prefix="ELT_", frozen=True)

    profile: Profile = Profile.LOCAL
    data_dir: Path = Field(default=Path("data"), description="Holds landing/, lake/ and warehouse.duckdb.")
    catalog_path: FilePath = PROJECT_ROOT / "airbyte" / "catalog.yml"
    contracts_dir: DirectoryPath = PROJECT_ROOT / "elt" / "contracts"
    dbt_project_dir: DirectoryPath = PROJECT_ROOT / "dbt"
    keep_builds: int = Field(default=3, ge=1, description="Audit builds kept after a publish.")
    run_lock_wait_seconds: float = Field(
        default=0, ge=0, description="How long a run waits for another run to release the warehouse; 0: exit at once."
    )
    warehouse_busy_seconds: float = Field(
        default=60, ge=0, description="How long a write waits for a process holding warehouse.duckdb, then fails."
    )
    docs_url: Annotated[str, AfterValidator(_http_url)] | None = Field(
        default=None,
        description="Where $ELT_DATA_DIR/docs is served (`elt docs serve`, a bucket): the base of the Data Docs links"
        " and chart images in the run summary and events; unset, they name the local path and how to serve it.",
    )
    docs_bucket_block: str | None = Field(
        default=None,
        description="A prefect-aws S3Bucket block (Terraform's <prefix>-lake): each build's Data Docs, the front page"
        " and the dbt docs are copied under docs/ of its bucket, for ELT_DOCS_URL to serve; unset, they stay local.",
    )
    airbyte: AirbyteSettings = Field(default_factory=AirbyteSettings)
    snowflake: SnowflakeSettings = Field(default_factory=SnowflakeSettings)
    duckdb: DuckDBSettings = Field(default_factory=DuckDBSettings)
    gate: GateSettings = Field(default_factory=GateSettings)

    @field_validator("data_dir")
    @classmethod
    def _data_dir_is_a_folder(cls, path: Path) -> Path:
        return _not_a_file(path)

    @model_validator(mode="after")
    def _quarantine_limits_name_streams(self) -> Settings:
        """A limit for a stream the catalogue does not declare would never apply: a typo, refused."""
        try:
            streams = [s.name for s in load_catalog(self.catalog_path).streams]
        except (OSError, ValueError) as exc:
            raise InvalidSettingsError([f"ELT_CATALOG_PATH={self.catalog_path}: {exc}"]) from None
        limits = self.gate.quarantine_rate_max
        unknown = sorted(set(limits) - set(streams))
        if unknown:
            raise InvalidSettingsError(
                [
                    f"{origin(GateSettings, ['quarantine_rate_max', s], limits[s], GateSettings.config_file())}:"
                    f" not a stream of {self.catalog_path}; streams: {', '.join(streams)}"
                    for s in unknown
                ]
            )
        return self

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
    def docs_dir(self) -> Path:
        """The docs site's root, what ``elt docs serve`` serves: ``gx/<build>/`` (Data Docs) and ``dbt/`` (dbt docs)."""
        return self.data_dir.resolve() / "docs"

    @cached_property
    def gx_dir(self) -> Path:
        return self.docs_dir / "gx"

    @cached_property
    def dbt_docs_dir(self) -> Path:
        return self.docs_dir / "dbt"

    def docs_link(self, page: Path) -> str | None:
        """The http(s) address of a page of the docs site, when ``ELT_DOCS_URL`` says where it is served."""
        if self.docs_url is None:
            return None
        return f"{self.docs_url}/{quote(page.relative_to(self.docs_dir).as_posix())}"

    @cached_property
    def dbt_target_dir(self) -> Path:
        """dbt's target path of each build is ``<this>/<build>``: its artifacts and log, kept with the build."""
        return self.data_dir.resolve() / "dbt"
