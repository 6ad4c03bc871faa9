"""The stream catalogue (airbyte/catalog.yml): the one place each stream's schema is written.

Loaded into typed models here so the embedded sync, the stage-1 check and the tests read one definition.
"""

from __future__ import annotations

import copy
import fnmatch
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator


class SyncMode(StrEnum):
    """Airbyte's sync modes, named as the catalogue writes them."""

    FULL_REFRESH_OVERWRITE = "full_refresh_overwrite"
    INCREMENTAL_APPEND = "incremental_append"
    INCREMENTAL_APPEND_DEDUP = "incremental_append_dedup"


FieldType = Literal["string", "integer", "number", "boolean", "date", "timestamp_without_timezone"]

# The SQL type each catalogue type lands as in RAW, in names DuckDB and Snowflake both read: the embedded sync
# creates RAW with them, and dbt's sources and mart contracts take them from here (``Catalog.sql_types``).
SQL_TYPES: dict[str, str] = {
    "string": "varchar",
    "integer": "bigint",
    "number": "decimal(38,9)",
    "boolean": "boolean",
    "date": "date",
    "timestamp_without_timezone": "timestamp",
}


class StreamField(BaseModel):
    """A declared field. A foreign key names the field it refers to (``references: customers.customer_id``)
    instead of a type, and takes that field's type: a key's type is written once, where the key is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: FieldType
    required: bool = False
    references: str | None = None


class Stream(BaseModel):
    """One stream: where its files are, how they sync, and (for tabular streams) its declared fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    format: Literal["csv", "jsonl"]
    path_pattern: str
    sync_mode: SyncMode
    primary_key: tuple[str, ...]
    cursor_field: str | None = None
    fields: tuple[StreamField, ...] = ()
    document: bool = False
    encoding: str = "utf-8"
    delimiter: str = ","
    # A CSV header column the fields do not declare: ``ignore`` loads the file and keeps the column's values in
    # RAW's ``_airbyte_data``, reported as drift; ``fail`` stops the stream. (Airbyte's ``propagate`` would need
    # the marts' enforced contracts to change per source: not offered.)
    undeclared_columns: Literal["ignore", "fail"] = "ignore"

    @model_validator(mode="after")
    def _check_shape(self) -> Stream:
        if self.document == bool(self.fields):
            raise ValueError(f"stream {self.name!r}: declare either fields or document: true, not both")
        if self.sync_mode is not SyncMode.FULL_REFRESH_OVERWRITE and not self.cursor_field:
            raise ValueError(f"stream {self.name!r}: incremental sync needs a cursor_field")
        names = {f.name for f in self.fields}
        missing = [k for k in (*self.primary_key, self.cursor_field) if k and self.fields and k not in names]
        if missing:
            raise ValueError(f"stream {self.name!r}: key or cursor {missing} is not a declared field")
        return self

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def matches(self, relative_path: str) -> bool:
        return fnmatch.fnmatchcase(relative_path, self.path_pattern)


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: dict[str, str]
    streams: tuple[Stream, ...]

    @model_validator(mode="before")
    @classmethod
    def _type_references(cls, raw: object) -> object:
        """Give each field that ``references`` another the type of that field (which must have its own)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("streams"), list):
            return raw
        raw = copy.deepcopy(raw)
        streams = [s for s in raw["streams"] if isinstance(s, dict) and isinstance(s.get("fields"), list)]
        fields = [f for s in streams for f in s["fields"] if isinstance(f, dict)]
        declared = {f"{s.get('name')}.{f.get('name')}": f.get("type") for s in streams for f in s["fields"]}
        typed = {name: kind for name, kind in declared.items() if kind is not None}
        for field in fields:
            type_reference(field, typed, "field", "which is no typed field")
        return raw

    @model_validator(mode="after")
    def _unique_names(self) -> Catalog:
        names = [s.name for s in self.streams]
        if len(names) != len(set(names)):
            raise ValueError(f"stream names must be unique: {names}")
        return self

    def optional_fields(self) -> frozenset[str]:
        """``<stream>.<field>`` of every declared field that is not required: a record may lack it and stay valid."""
        return frozenset(f"{s.name}.{f.name}" for s in self.streams for f in s.fields if not f.required)

    def sql_types(self) -> dict[str, str]:
        """``<stream>.<field>``: the SQL type of every declared field, as RAW holds it."""
        return {f"{s.name}.{f.name}": SQL_TYPES[f.type] for s in self.streams for f in s.fields}

    def connection_name(self, prefix: str) -> str:
        """The Airbyte connection of this source, as Terraform names it in the environment ``prefix``."""
        return f"{prefix}-{self.source['connection']}"

    def stream(self, name: str) -> Stream:
        for stream in self.streams:
            if stream.name == name:
                return stream
        raise KeyError(f"no stream {name!r} in the catalogue; known: {[s.name for s in self.streams]}")


def type_reference(item: dict, types: dict[str, str], kind: str, unknown: str) -> None:
    """Give a raw ``item`` (a field or a column) that ``references`` one of ``types`` that type, in place; one it
    does not name, or a different type written beside the reference, is refused naming ``unknown``."""
    target = item.get("references")
    if target is None:
        return
    if target not in types:
        raise ValueError(f"{kind} {item.get('name')!r} references {target!r}, {unknown}")
    if item.get("type", types[target]) != types[target]:
        raise ValueError(
            f"{kind} {item.get('name')!r} is declared {item['type']} but references {target!r},"
            f" a {types[target]}: leave its type out"
        )
    item["type"] = types[target]


def load_catalog(path: Path) -> Catalog:
    """Read and validate the catalogue; a malformed catalogue fails here, naming the file."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    try:
        return Catalog.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: invalid stream catalogue: {exc}") from exc
