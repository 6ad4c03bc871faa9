"""The parsing contract: JSON paths to typed columns, arrays to child tables, required fields and value rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from elt.catalog import Catalog, type_reference

_IDENTIFIER = r"^[a-z_][a-z0-9_]*$"
ColumnType = Literal["bigint", "integer", "double", "decimal(18,2)", "varchar", "boolean", "date", "timestamp"]

# Why a record is quarantined, in the order rules are applied (a record gets the first that applies).
REASONS = (
    "invalid_json",
    "duplicate_key",
    "missing_required",
    "wrong_type",
    "out_of_range",
    "not_accepted",
    "undeclared_key",
)
# A document that repeats a key in any of its objects is quarantined whole (``duplicate_key``): which value would
# count is not defined (DuckDB keeps one, Snowflake's PARSE_JSON refuses the document).
DUPLICATE_KEY_RULE = "a key may appear once in an object"

# The JSON values a declared type is read from ("fraction": a number with a fraction or an exponent). A value of
# another kind is wrong_type, never converted: no object or array is published as its JSON text, no number or
# boolean as text, no text as a number (a source that sends numbers as text declares varchar, and dbt staging
# casts), no 4.7 rounded to an integer, no 1 read as true. JSON has no dates or times: they come as strings.
JsonKind = Literal["string", "integer", "fraction", "boolean"]
JSON_KINDS: dict[ColumnType, tuple[JsonKind, ...]] = {
    "bigint": ("integer",),
    "integer": ("integer",),
    "double": ("integer", "fraction"),
    "decimal(18,2)": ("integer", "fraction"),
    "varchar": ("string",),
    "boolean": ("boolean",),
    "date": ("string",),
    "timestamp": ("string",),
}
_KIND_NAMES: dict[JsonKind, str] = {
    "string": "a JSON string",
    "integer": "a JSON integer",
    "fraction": "a JSON number",
    "boolean": "true or false",
}


def json_types(column_type: ColumnType, engine_names: Mapping[JsonKind, Iterable[str]]) -> list[str]:
    """The engine's names (its ``json_type`` or ``TYPEOF``) of the JSON values ``column_type`` is read from."""
    return [name for kind in JSON_KINDS[column_type] for name in engine_names[kind]]


def expected_type(column_type: ColumnType) -> str:
    """What a wrong_type detail says a value must be, e.g. ``integer (a JSON integer)``."""
    return f"{column_type} ({_KIND_NAMES[JSON_KINDS[column_type][-1]]})"


class Column(BaseModel):
    """A typed column read from a JSON path. A key of a catalogue stream names it (``references:
    products.product_id``) instead of a type, and takes that field's type from the catalogue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=_IDENTIFIER)
    path: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
    type: ColumnType
    required: bool = False
    references: str | None = None
    min: float | None = None
    max: float | None = None
    accepted_values: tuple[str, ...] | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


def _object_nodes(columns: Iterable[Column]) -> dict[tuple[str, ...], list[str]]:
    """Every object below the root that ``columns`` reach into, with the keys they declare there."""
    nodes: dict[tuple[str, ...], list[str]] = {}
    for column in columns:
        for depth in range(1, len(column.keys)):
            children = nodes.setdefault(column.keys[:depth], [])
            if column.keys[depth] not in children:
                children.append(column.keys[depth])
    return nodes


class ScalarValue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=_IDENTIFIER)
    type: ColumnType


class ArrayMapping(BaseModel):
    """An array in the document that becomes a child table keyed by the parent key and the position."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: str = Field(pattern=_IDENTIFIER)
    path: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    position_column: str = Field(pattern=_IDENTIFIER)
    value: ScalarValue | None = None
    columns: tuple[Column, ...] = ()

    @model_validator(mode="after")
    def _one_shape(self) -> ArrayMapping:
        if (self.value is None) == (not self.columns):
            raise ValueError(f"array {self.path!r}: give either value (scalars) or columns (objects)")
        return self

    def element_keys(self) -> list[str]:
        """The keys each element (an object) declares at its top."""
        return list(dict.fromkeys(column.keys[0] for column in self.columns))

    def object_nodes(self) -> dict[tuple[str, ...], list[str]]:
        """Every object inside an element that the columns reach into, with the keys they declare there."""
        return _object_nodes(self.columns)


class ObjectMapping(BaseModel):
    """An object whose keys are data (e.g. attribute name -> value): a child table of key and value rows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: str = Field(pattern=_IDENTIFIER)
    path: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    key_column: str = Field(pattern=_IDENTIFIER)
    value: ScalarValue


class ParsingContract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stream: str = Field(pattern=_IDENTIFIER)
    table: str = Field(pattern=_IDENTIFIER)
    source_column: str = "_airbyte_data"
    undeclared_keys: Literal["quarantine", "report"] = "report"
    columns: tuple[Column, ...]
    arrays: tuple[ArrayMapping, ...] = ()
    maps: tuple[ObjectMapping, ...] = ()
    parent_key: tuple[str, ...]

    @model_validator(mode="after")
    def _keys_are_columns(self) -> ParsingContract:
        names = {c.name for c in self.columns}
        missing = [k for k in self.parent_key if k not in names]
        if missing:
            raise ValueError(f"parent_key {missing} must be columns of {self.table}")
        if not all(c.required for c in self.columns if c.name in self.parent_key):
            raise ValueError("parent_key columns must be required")
        return self

    def top_keys(self) -> list[str]:
        """The document's top-level keys the contract declares, in contract order."""
        keys = [c.keys[0] for c in self.columns] + [a.path for a in self.arrays] + [m.path for m in self.maps]
        return list(dict.fromkeys(keys))

    def object_nodes(self) -> dict[tuple[str, ...], list[str]]:
        """Every object inside the document the contract reaches into, with the keys it declares there."""
        return _object_nodes(self.columns)

    @property
    def quarantine_table(self) -> str:
        return f"{self.table}_quarantine"


def _type_references(raw: object, catalog: Catalog | None) -> None:
    """Give each column that ``references`` a catalogue field that field's type, in place."""
    columns = raw.get("columns") if isinstance(raw, dict) else None
    arrays = raw.get("arrays") if isinstance(raw, dict) else None
    nested = [a.get("columns") for a in arrays if isinstance(a, dict)] if isinstance(arrays, list) else []
    types = catalog.sql_types() if catalog is not None else {}
    known = "no catalogue was given" if catalog is None else f"known: {', '.join(sorted(types))}"
    for listed in (columns, *nested):
        for column in listed if isinstance(listed, list) else ():
            if isinstance(column, dict):
                type_reference(column, types, "column", f"no catalogue field ({known})")


def load_contract(path: Path, catalog: Catalog | None = None) -> ParsingContract:
    """Read and validate a contract; its columns that reference catalogue fields are typed from ``catalog``."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    try:
        _type_references(raw, catalog)
        return ParsingContract.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: invalid parsing contract: {exc}") from exc


def load_contracts(directory: Path, catalog: Catalog) -> list[ParsingContract]:
    return [load_contract(p, catalog) for p in sorted(directory.glob("*.yml"))]
