"""The parsing contract: JSON paths to typed columns, arrays to child tables, required fields and value rules."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

_IDENTIFIER = r"^[a-z_][a-z0-9_]*$"
ColumnType = Literal["bigint", "integer", "double", "decimal(18,2)", "varchar", "boolean", "date", "timestamp"]

# Why a record is quarantined, in the order rules are applied (a record gets the first that applies).
REASONS = ("invalid_json", "missing_required", "wrong_type", "out_of_range", "not_accepted", "undeclared_key")


class Column(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=_IDENTIFIER)
    path: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
    type: ColumnType
    required: bool = False
    min: float | None = None
    max: float | None = None
    accepted_values: tuple[str, ...] | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


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
        nodes: dict[tuple[str, ...], list[str]] = {}
        for column in self.columns:
            for depth in range(1, len(column.keys)):
                children = nodes.setdefault(column.keys[:depth], [])
                if column.keys[depth] not in children:
                    children.append(column.keys[depth])
        return nodes

    @property
    def quarantine_table(self) -> str:
        return f"{self.table}_quarantine"


def load_contract(path: Path) -> ParsingContract:
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    try:
        return ParsingContract.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: invalid parsing contract: {exc}") from exc


def load_contracts(directory: Path) -> list[ParsingContract]:
    return [load_contract(p) for p in sorted(directory.glob("*.yml"))]
