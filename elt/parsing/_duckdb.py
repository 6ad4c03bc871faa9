"""Compile a parsing contract to DuckDB SQL and run it over the RAW documents not yet parsed.

Each document is read whole once into a struct (``p``): top-level leaves already in the contract's types, the
objects and arrays it declares kept as their (small) JSON text, which is then converted to types and searched
for undeclared keys; one more read gives the JSON kind of each leaf (``kinds``). A document whose every declared
leaf converted from a value of an accepted kind ("complete") cannot break a shape, presence or type rule, so only
the others pay for the raw JSON values those rules read (``r``). DuckDB keeps repeated keys (its ``from_json``
reads the first): a complete document whose objects hold exactly their declared keys cannot repeat one, so only
the others are searched node by node. Every rule is a vectorised expression: no record travels into Python.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb

from elt.parsing._contract import (
    DUPLICATE_KEY_RULE,
    ArrayMapping,
    Column,
    ColumnType,
    JsonKind,
    ObjectMapping,
    ParsingContract,
    expected_type,
    json_types,
)
from elt.parsing._result import ParseResult
from elt.warehouse import META_SCHEMA, PARSED_SCHEMA, RAW_SCHEMA
from elt.warehouse._duckdb import DuckDBWarehouse, quote

_AUDIT_COLUMNS = "_airbyte_raw_id varchar, _airbyte_extracted_at timestamptz, _ab_source_file_url varchar"
_AUDIT_NAMES = "_airbyte_raw_id, _airbyte_extracted_at, _ab_source_file_url"
# The batch a RAW record was synced in: Airbyte (and the embedded sync) stamp it into ``_airbyte_meta``.
BATCH_ID = "try_cast(json_extract_string(_airbyte_meta, '$.sync_id') as bigint)"
# What ``json_type`` calls each kind of JSON value (integers beyond 64 bits it calls DOUBLE).
_JSON_TYPES: dict[JsonKind, tuple[str, ...]] = {
    "string": ("VARCHAR",),
    "integer": ("UBIGINT", "BIGINT"),
    "fraction": ("DOUBLE",),
    "boolean": ("BOOLEAN",),
}
# from_json converts nothing but a JSON string to these types: the conversion checks the kind, no read needed.
_READ_FROM_STRINGS_ONLY = frozenset({"date", "timestamp"})


def _literal(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _typed(path: tuple[str, ...], root: str = "t") -> str:
    return ".".join([root, *(quote(k) for k in path)])


def _present(path: tuple[str, ...]) -> str:
    """True when the document holds a non-null JSON value at ``path``."""
    top = f"r.{quote(path[0])}"
    if len(path) == 1:
        return f"({top} is not null)"
    return f"(coalesce(json_type({top}, {_literal('$.' + '.'.join(path[1:]))}), 'NULL') <> 'NULL')"


def _json_type(path: tuple[str, ...]) -> str:
    top = f"r.{quote(path[0])}"
    return f"json_type({top})" if len(path) == 1 else f"json_type({top}, {_literal('$.' + '.'.join(path[1:]))})"


def _accepted(column_type: ColumnType) -> str:
    """The ``json_type`` names of the values ``column_type`` is read from, and of JSON null (absent: not a kind)."""
    return ", ".join(_literal(t) for t in ["NULL", *json_types(column_type, _JSON_TYPES)])


def _wrong_kind(kind: str, column_type: ColumnType) -> str:
    """True when the ``json_type`` name ``kind`` is of a value that ``column_type`` is not read from."""
    if column_type in _READ_FROM_STRINGS_ONLY:
        return "false"
    return f"coalesce({kind} not in ({_accepted(column_type)}), false)"


def _wrong_kinds(kinds: str, column_type: ColumnType) -> str:
    """True when the list ``kinds`` (of ``json_type`` names) holds a value that ``column_type`` is not read from."""
    if column_type in _READ_FROM_STRINGS_ONLY:
        return "false"
    return f"not coalesce(list_has_all([{_accepted(column_type)}], {kinds}), true)"


def _element_kinds(array: ArrayMapping, column: Column | None = None) -> str:
    """The ``json_type`` of each element of the array (or of its ``column``), from its JSON text in ``p``."""
    path = "$[*]" if column is None else f"$[*].{column.path}"
    return f"json_type(p.{quote(array.path)}, {_literal(path)})"


def _value_kinds(mapping: ObjectMapping) -> str:
    """The ``json_type`` of each value of the map, from its JSON text in ``p``."""
    return f"json_type(p.{quote(mapping.path)}, '$.*')"


def _bound(value: float | None) -> str:
    return "any" if value is None else f"{value:g}"


def _nest(shape: dict[str, Any], keys: tuple[str, ...], leaf: Any) -> None:
    node = shape
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = leaf


@dataclass(frozen=True)
class _Rule:
    condition: str
    reason: str
    detail: str
    # Shape, presence and type rules read ``r``, which exists only for documents that are not complete.
    structural: bool = True


class ContractCompiler:
    """Turns one contract into the shapes, rules and statements DuckDB runs."""

    def __init__(self, contract: ParsingContract) -> None:
        self.contract = contract

    def typed_shape(self) -> dict[str, Any]:
        """Each top-level key the contract declares, as DuckDB's ``from_json`` structure of its types."""
        shape: dict[str, Any] = {}
        for column in self.contract.columns:
            _nest(shape, column.keys, column.type.upper())
        for array in self.contract.arrays:
            if array.value is not None:
                shape[array.path] = f"{array.value.type.upper()}[]"
            else:
                element: dict[str, Any] = {}
                for column in array.columns:
                    _nest(element, column.keys, column.type.upper())
                shape[array.path] = [element]
        for mapping in self.contract.maps:
            shape[mapping.path] = f"MAP(VARCHAR, {mapping.value.type.upper()})"
        return shape

    def raw_shape(self) -> str:
        return json.dumps(dict.fromkeys(self.contract.top_keys(), "JSON"))

    def mixed_shape(self) -> str:
        """The one read of the whole document: top-level leaves typed, declared objects and arrays as JSON text."""
        leaves = self._top_level_leaves()
        return json.dumps({k: v if k in leaves else "JSON" for k, v in self.typed_shape().items()})

    def typed_struct(self) -> str:
        """``t``: every declared value in the contract's types, the containers converted from their JSON text."""
        leaves = self._top_level_leaves()
        fields = [
            f"{_literal(k)}: p.{quote(k)}"
            if k in leaves
            else f"{_literal(k)}: from_json(p.{quote(k)}, {_literal(json.dumps(shape))})"
            for k, shape in self.typed_shape().items()
        ]
        return "{" + ", ".join(fields) + "}"

    def _top_level_leaves(self) -> set[str]:
        return {c.path for c in self.contract.columns if len(c.keys) == 1}

    def leaf_kinds(self) -> str:
        """``kinds``: the ``json_type`` of each column's value, in contract order (one more read of the document).
        DuckDB converts more than the contract accepts (an object to varchar as its JSON text, true to 1, "7" to
        7, 4.7 to 5): a value counts only if it is of a JSON kind its type is read from."""
        return "json_type(document, [" + ", ".join(_literal("$." + c.path) for c in self.contract.columns) + "])"

    def _wrong_kind_checks(self) -> list[str]:
        """One condition per declared value (and element, and map value): true when it is of the wrong JSON kind."""
        c = self.contract
        checks = [_wrong_kind(f"kinds[{i}]", column.type) for i, column in enumerate(c.columns, start=1)]
        for array in c.arrays:
            if array.value is not None:
                checks.append(_wrong_kinds(_element_kinds(array), array.value.type))
            checks += [_wrong_kinds(_element_kinds(array, column), column.type) for column in array.columns]
        checks += [_wrong_kinds(_value_kinds(m), m.value.type) for m in c.maps]
        return checks

    def complete(self) -> str:
        """True when every declared leaf (and every element's) holds a value of its type, of a JSON kind the type
        is read from: no shape, presence or type rule can apply."""
        c = self.contract
        checks = [f"{_typed(column.keys)} is not null" for column in c.columns]
        checks += [f"not {check}" for check in self._wrong_kind_checks()]
        for array in c.arrays:
            typed = _typed((array.path,))
            if array.value is not None:
                checks.append(f"list_count({typed}) = len({typed})")
            else:
                broken = " or ".join(f"{_typed(column.keys, 'x')} is null" for column in array.columns)
                checks.append(f"len(list_filter({typed}, lambda x: {broken})) = 0")
        for mapping in c.maps:
            typed = _typed((mapping.path,))
            checks.append(f"list_count(map_values({typed})) = cardinality({typed})")
        return "coalesce(" + " and ".join(checks) + ", false)"

    def rules(self) -> list[_Rule]:
        """Every rule in the order it is applied: shape first, then presence, types, values, undeclared keys.
        ``duplicate_key`` comes right after the first (``invalid_json``): ``repeated_keys_update`` applies it."""
        rules = [_Rule("not is_object", "invalid_json", "'the line is not a JSON object'")]
        rules += self._container_rules()
        rules += self._required_rules()
        rules += self._type_rules()
        rules += self._value_rules_all()
        if self.contract.undeclared_keys == "quarantine":
            rules.append(
                _Rule(
                    "len(undeclared) > 0",
                    "undeclared_key",
                    "'undeclared key(s): ' || array_to_string(undeclared, ', ')",
                    structural=False,
                )
            )
        return rules

    def _container_rules(self) -> list[_Rule]:
        """Objects the contract reaches into must be objects; arrays must be arrays (of objects, if declared so)."""
        rules = [
            _Rule(
                f"coalesce({_json_type(node)}, 'OBJECT') <> 'OBJECT'",
                "wrong_type",
                _literal(f"$.{'.'.join(node)} must be an object"),
            )
            for node in self.contract.object_nodes()
        ]
        rules += [
            _Rule(
                f"{_present((m.path,))} and json_type(r.{quote(m.path)}) <> 'OBJECT'",
                "wrong_type",
                _literal(f"$.{m.path} must be an object"),
            )
            for m in self.contract.maps
        ]
        for array in self.contract.arrays:
            present = _present((array.path,))
            rules.append(
                _Rule(
                    f"{present} and json_type(r.{quote(array.path)}) <> 'ARRAY'",
                    "wrong_type",
                    _literal(f"$.{array.path} must be an array"),
                )
            )
            if array.columns:
                rules.append(
                    _Rule(
                        f"{present} and list_bool_or(list_transform({self._raw_elements(array)},"
                        " lambda e: coalesce(json_type(e), 'NULL') <> 'OBJECT'))",
                        "wrong_type",
                        _literal(f"elements of $.{array.path} must be objects"),
                    )
                )
        return rules

    def _required_rules(self) -> list[_Rule]:
        rules = [
            _Rule(
                f"not {_present(column.keys)}",
                "missing_required",
                _literal(f"required field $.{column.path} is missing or null"),
            )
            for column in self.contract.columns
            if column.required
        ]
        for array in self.contract.arrays:
            rules += [
                _Rule(
                    f"list_bool_or(list_transform({self._raw_elements(array)},"
                    f" lambda e: json_extract(e, {_literal('$.' + column.path)}) is null))",
                    "missing_required",
                    _literal(f"required field $.{array.path}[].{column.path} is missing"),
                )
                for column in array.columns
                if column.required
            ]
        return rules

    def _type_rules(self) -> list[_Rule]:
        """A value is present but of a JSON kind its type is not read from, or does not convert to the type."""
        rules = [
            _Rule(
                f"{_present(column.keys)} and ({_wrong_kind(f'kinds[{i}]', column.type)}"
                f" or {_typed(column.keys)} is null)",
                "wrong_type",
                f"'$.{column.path} must be {expected_type(column.type)}, got ' || kinds[{i}]",
            )
            for i, column in enumerate(self.contract.columns, start=1)
        ]
        for array in self.contract.arrays:
            present, typed, raw = _present((array.path,)), _typed((array.path,)), self._raw_elements(array)
            if array.value is not None:
                rules.append(
                    _Rule(
                        f"{present} and ({_wrong_kinds(_element_kinds(array), array.value.type)}"
                        f" or len(list_filter({typed}, lambda v: v is null))"
                        f" > len(list_filter({raw}, lambda v: coalesce(json_type(v), 'NULL') = 'NULL')))",
                        "wrong_type",
                        _literal(f"elements of $.{array.path} must be {expected_type(array.value.type)}"),
                    )
                )
            rules += [
                _Rule(
                    f"{present} and ({_wrong_kinds(_element_kinds(array, column), column.type)}"
                    f" or list_bool_or(list_transform(range(1, len({typed}) + 1), lambda i:"
                    f" json_extract({raw}[i], {_literal('$.' + column.path)}) is not null"
                    f" and {_typed(column.keys, f'{typed}[i]')} is null)))",
                    "wrong_type",
                    _literal(f"$.{array.path}[].{column.path} must be {expected_type(column.type)}"),
                )
                for column in array.columns
            ]
        return rules + [self._map_type_rule(m) for m in self.contract.maps]

    @staticmethod
    def _map_type_rule(mapping: ObjectMapping) -> _Rule:
        """A value of the wrong JSON kind, or more null values after conversion than null values in the document."""
        typed, raw = _typed((mapping.path,)), f"json_extract(r.{quote(mapping.path)}, '$.*')"
        return _Rule(
            f"{_present((mapping.path,))} and ({_wrong_kinds(_value_kinds(mapping), mapping.value.type)}"
            f" or len(list_filter(map_values({typed}), lambda v: v is null))"
            f" > len(list_filter({raw}, lambda v: coalesce(json_type(v), 'NULL') = 'NULL')))",
            "wrong_type",
            _literal(f"values of $.{mapping.path} must be {expected_type(mapping.value.type)}"),
        )

    def _value_rules_all(self) -> list[_Rule]:
        rules = [
            rule
            for column in self.contract.columns
            for rule in self._value_rules(column, _typed(column.keys), f"$.{column.path}")
        ]
        for array in self.contract.arrays:
            for column in array.columns:
                where = f"$.{array.path}[].{column.path}"
                rules += [
                    _Rule(
                        f"list_bool_or(list_transform({_typed((array.path,))}, lambda x: {rule.condition}))",
                        rule.reason,
                        _literal(f"an element of $.{array.path} breaks {rule.reason} at {where}"),
                        structural=False,
                    )
                    for rule in self._value_rules(column, _typed(column.keys, "x"), where)
                ]
        return rules

    @staticmethod
    def _value_rules(column: Column, value: str, where: str) -> list[_Rule]:
        rules = []
        if column.min is not None or column.max is not None:
            low = f"{value} < {column.min}" if column.min is not None else "false"
            high = f"{value} > {column.max}" if column.max is not None else "false"
            bounds = f"[{_bound(column.min)}, {_bound(column.max)}]"
            rules.append(
                _Rule(
                    f"({low} or {high})",
                    "out_of_range",
                    f"'{where} = ' || {value} || ' is outside {bounds}'",
                    structural=False,
                )
            )
        if column.accepted_values:
            values = ", ".join(_literal(v) for v in column.accepted_values)
            rules.append(
                _Rule(
                    f"{value}::varchar not in ({values})",
                    "not_accepted",
                    f"'{where} = ' || {value} || ' is not one of [{', '.join(column.accepted_values)}]'",
                    structural=False,
                )
            )
        return rules

    def _raw_elements(self, array: ArrayMapping) -> str:
        return f"from_json(r.{quote(array.path)}, '[\"JSON\"]')"

    def single_keys(self) -> str:
        """True when the document cannot repeat a key: it is complete and each object it holds has exactly the keys
        the contract declares there (a map: distinct keys). A complete document holds every declared key and only
        scalars at the leaves, so these are all its objects. Only the other documents are searched key by key."""
        c = self.contract
        checks = ["complete", f"len(keys) = {len(c.top_keys())}"]
        for node, children in c.object_nodes().items():
            inner = "" if len(node) == 1 else ", " + _literal("$." + ".".join(node[1:]))
            checks.append(f"len(json_keys(p.{quote(node[0])}{inner})) = {len(children)}")
        for array in c.arrays:
            if array.columns:
                nodes = {(): array.element_keys(), **array.object_nodes()}
                checks += [
                    f"len(list_filter(json_keys(p.{quote(array.path)}, {_literal('.'.join(('$[*]', *node)))}),"
                    f" lambda ks: len(ks) <> {len(children)})) = 0"
                    for node, children in nodes.items()
                ]
        for mapping in c.maps:
            keys = f"json_keys(p.{quote(mapping.path)})"
            checks.append(f"len({keys}) = len(list_distinct({keys}))")
        return "coalesce(" + " and ".join(checks) + ", false)"

    def undeclared_expression(self) -> str:
        """The document's keys that the contract does not declare, at the top and in the objects it reaches.

        Reads ``keys`` (the document's) and the JSON text of the declared containers in ``p``; ``json_keys`` of
        anything but an object is empty, and ``$[*]`` of anything but an array matches nothing.
        """
        parts = [self._undeclared_among("keys", self.contract.top_keys(), "")]
        for node, children in self.contract.object_nodes().items():
            inner = "" if len(node) == 1 else ", " + _literal("$." + ".".join(node[1:]))
            keys = f"coalesce(json_keys(p.{quote(node[0])}{inner}), [])"
            parts.append(self._undeclared_among(keys, children, ".".join(node) + "."))
        for array in self.contract.arrays:
            if array.columns:
                allowed = ", ".join(_literal(c.keys[0]) for c in array.columns)
                prefix = _literal(array.path + "[].")
                parts.append(
                    f"list_distinct(flatten(list_transform(coalesce(json_keys(p.{quote(array.path)}, '$[*]'), []),"
                    f" lambda ks: list_transform(list_filter(ks, lambda k: k not in ({allowed})),"
                    f" lambda k: {prefix} || k))))"
                )
        return "list_concat(" + ", ".join(parts) + ")" if len(parts) > 1 else parts[0]

    @staticmethod
    def _undeclared_among(keys: str, allowed: list[str], prefix: str) -> str:
        """``keys`` not in ``allowed``, prefixed. A complete document holds every allowed key of each object the
        contract reaches, so an object with no more keys than that has no undeclared one: no search needed."""
        names = ", ".join(_literal(k) for k in allowed)
        found = f"list_filter({keys}, lambda k: k not in ({names}))"
        if prefix:
            found = f"list_transform({found}, lambda k: {_literal(prefix)} || k)"
        return f"case when complete and len({keys}) = {len(allowed)} then []::varchar[] else {found} end"

    def judged_select(self, watermark_param: str) -> str:
        """Each new document with its typed values ``t``, undeclared keys and verdict (null: it parses), and
        whether it must be ``searched`` for repeated keys (``repeated_keys_update``, run on the table made of it).

        A CASE evaluates a branch only for the rows that reach it: ``r`` is read for incomplete documents
        only, and the structural rules are skipped for complete ones.
        """
        verdict = " ".join(
            f"when {'not complete and ' if r.structural else ''}{r.condition}"
            f" then {{'reason': {_literal(r.reason)}, 'detail': {r.detail}}}"
            for r in self.rules()
        )
        source = f"{RAW_SCHEMA}.{quote(self.contract.stream)}"
        return f"""
            with docs as (
                select
                    _airbyte_raw_id, _airbyte_extracted_at, _ab_source_file_url, _ab_source_file_line,
                    {BATCH_ID} as batch_id,
                    {quote(self.contract.source_column)} as document,
                    case when json_valid(document) then json_keys(document) end as keys
                from {source}
                where _airbyte_extracted_at > {watermark_param}
            ),
            objects as (
                select
                    *,
                    case when keys is null then false when len(keys) > 0 then true
                    else json_type(document) = 'OBJECT' end as is_object
                from docs
            ),
            mixed as (
                select
                    *,
                    case when is_object then from_json(document, {_literal(self.mixed_shape())}) end as p,
                    case when is_object then {self.leaf_kinds()} end as kinds
                from objects
            ),
            typed as (select *, case when is_object then {self.typed_struct()} end as t from mixed),
            completed as (select *, {self.complete()} as complete from typed),
            checked as (
                select
                    *,
                    case when is_object and not complete then from_json(document, {_literal(self.raw_shape())})
                    end as r,
                    case when is_object then {self.undeclared_expression()} else [] end as undeclared,
                    is_object and not {self.single_keys()} as searched
                from completed
            ),
            judged as (select *, case {verdict} end as verdict from checked)
            select
                _airbyte_raw_id, _airbyte_extracted_at, _ab_source_file_url, _ab_source_file_line, batch_id,
                t, undeclared, verdict, searched,
                case when verdict is not null or searched then document end as document
            from judged
        """

    @staticmethod
    def repeated_keys_update(judged: str) -> str:
        """Quarantine each document of the table ``judged`` (made by ``judged_select``) that repeats a key, in
        place of any verdict it has: ``duplicate_key`` comes right after ``invalid_json``. Only the few documents
        ``searched`` are read again, node by node; a table, since the search needs every document judged first."""
        return f"""
            update {judged} set verdict = {{
                'reason': 'duplicate_key', 'detail': 'duplicate key ' || repeated_key || ' ({DUPLICATE_KEY_RULE})'
            }}
            from (
                select _airbyte_raw_id, arg_min(fullkey, id) as repeated_key
                from (
                    select
                        d._airbyte_raw_id, node.fullkey, node.id,
                        count(*) over (partition by d._airbyte_raw_id, node.parent, node.key) as occurrences
                    from {judged} d, json_tree(d.document) node
                    where d.searched and node.key is not null
                )
                where occurrences > 1
                group by _airbyte_raw_id
            ) repeated
            where {judged}._airbyte_raw_id = repeated._airbyte_raw_id
        """

    def table_ddl(self) -> list[str]:
        c = self.contract
        parent = ", ".join(f"{quote(col.name)} {col.type}" for col in c.columns)
        keys = {col.name: col for col in c.columns if col.name in c.parent_key}
        key_ddl = ", ".join(f"{quote(k)} {keys[k].type}" for k in c.parent_key)
        statements = [
            f"create table if not exists {PARSED_SCHEMA}.{quote(c.table)}"
            f" ({parent}, {_AUDIT_COLUMNS}, batch_id bigint)",
            f"create table if not exists {PARSED_SCHEMA}.{quote(c.quarantine_table)} ({_AUDIT_COLUMNS},"
            " _ab_source_file_line bigint, document varchar, reason varchar, detail varchar, batch_id bigint)",
            # tables made before batch_id existed
            *(
                f"alter table {PARSED_SCHEMA}.{quote(t)} add column if not exists batch_id bigint"
                for t in (c.table, c.quarantine_table)
            ),
        ]
        for array in c.arrays:
            if array.value is not None:
                body = f"{quote(array.value.name)} {array.value.type}"
            else:
                body = ", ".join(f"{quote(col.name)} {col.type}" for col in array.columns)
            statements.append(
                f"create table if not exists {PARSED_SCHEMA}.{quote(array.table)} ({key_ddl},"
                f" {quote(array.position_column)} integer, {body}, _airbyte_raw_id varchar)"
            )
        statements += [
            f"create table if not exists {PARSED_SCHEMA}.{quote(m.table)} ({key_ddl}, {quote(m.key_column)} varchar,"
            f" {quote(m.value.name)} {m.value.type}, _airbyte_raw_id varchar)"
            for m in c.maps
        ]
        return statements

    def delete_statements(self, watermark_param: str) -> list[str]:
        """Remove the output of the documents extracted after the watermark: children first, by raw id."""
        c = self.contract
        after = f"_airbyte_extracted_at > {watermark_param}"
        raw_ids = f"select _airbyte_raw_id from {RAW_SCHEMA}.{quote(c.stream)} where {after}"
        statements = [
            f"delete from {PARSED_SCHEMA}.{quote(child.table)} where _airbyte_raw_id in ({raw_ids})"
            for child in (*c.arrays, *c.maps)
        ]
        statements += [f"delete from {PARSED_SCHEMA}.{quote(t)} where {after}" for t in (c.table, c.quarantine_table)]
        return statements

    def insert_statements(self, judged: str) -> dict[str, str]:
        c = self.contract
        valid = f"from {judged} where verdict is null"
        parent_cols = ", ".join(quote(col.name) for col in c.columns)
        parent_vals = ", ".join(_typed(col.keys) for col in c.columns)
        columns = {col.name: col for col in c.columns}
        key_struct = "{" + ", ".join(f"{_literal(k)}: {_typed(columns[k].keys)}" for k in c.parent_key) + "}"
        statements = {
            c.table: f"insert into {PARSED_SCHEMA}.{quote(c.table)} ({parent_cols}, {_AUDIT_NAMES}, batch_id)"
            f" select {parent_vals}, {_AUDIT_NAMES}, batch_id {valid}",
            c.quarantine_table: f"insert into {PARSED_SCHEMA}.{quote(c.quarantine_table)} ({_AUDIT_NAMES},"
            " _ab_source_file_line, document, reason, detail, batch_id) select"
            f" {_AUDIT_NAMES}, _ab_source_file_line, document, verdict.reason, verdict.detail, batch_id"
            f" from {judged} where verdict is not null",
        }
        for array in c.arrays:
            elements = _typed((array.path,))
            if array.value is not None:
                values = "element"
            else:
                values = ", ".join(_typed(col.keys, "element") for col in array.columns)
            statements[array.table] = (
                f"insert into {PARSED_SCHEMA}.{quote(array.table)}"
                f" select keys.*, position - 1, {values}, _airbyte_raw_id from ("
                f"   select {key_struct} as keys,"
                f"   unnest({elements}) as element, generate_subscripts({elements}, 1) as position, _airbyte_raw_id"
                f"   {valid} and len({elements}) > 0)"
            )
        for mapping in c.maps:
            entries = _typed((mapping.path,))
            statements[mapping.table] = (
                f"insert into {PARSED_SCHEMA}.{quote(mapping.table)} select keys.*, key, value, _airbyte_raw_id from ("
                f"   select {key_struct} as keys, unnest(map_keys({entries})) as key,"
                f"   unnest(map_values({entries})) as value, _airbyte_raw_id {valid} and cardinality({entries}) > 0)"
            )
        return statements


class DuckDBParser:
    """Parses each contract's new RAW documents in one transaction with its watermark."""

    def __init__(self, warehouse: DuckDBWarehouse) -> None:
        self.warehouse = warehouse

    def parse(self, contract: ParsingContract) -> ParseResult:
        """Parse the documents extracted after the stream's watermark."""
        with self._prepared(contract) as (con, compiler):
            row = con.execute(
                f"select extracted_at from {META_SCHEMA}.parse_state where stream = ?", [contract.stream]
            ).fetchone()
            return self._parse_after(con, compiler, row[0] if row else None)

    def reparse(self, contract: ParsingContract, since: dt.datetime | None = None) -> ParseResult:
        """Replace the stream's output for documents extracted at or after ``since`` (all when None).

        Deleting and parsing again in one transaction makes a rerun (or a crash) leave the same tables.
        """
        watermark = since - dt.timedelta(microseconds=1) if since else None
        with self._prepared(contract) as (con, compiler):
            for statement in compiler.delete_statements("$watermark"):
                con.execute(statement, {"watermark": watermark or "-infinity"})
            return self._parse_after(con, compiler, watermark)

    @contextmanager
    def _prepared(self, contract: ParsingContract) -> Iterator[tuple[duckdb.DuckDBPyConnection, ContractCompiler]]:
        compiler = ContractCompiler(contract)
        self.warehouse.ensure_schemas()
        with self.warehouse.transaction() as con:
            con.execute(
                f"create table if not exists {META_SCHEMA}.parse_state"
                " (stream varchar primary key, extracted_at timestamptz not null)"
            )
            for statement in compiler.table_ddl():
                con.execute(statement)
            yield con, compiler

    def _parse_after(
        self, con: duckdb.DuckDBPyConnection, compiler: ContractCompiler, watermark: dt.datetime | None
    ) -> ParseResult:
        contract = compiler.contract
        result = ParseResult(stream=contract.stream)
        con.execute(
            "create temp table judged as " + compiler.judged_select("$watermark"),
            {"watermark": watermark or "-infinity"},
        )
        con.execute(compiler.repeated_keys_update("judged"))
        self._collect(con, result)
        if result.documents > 0:
            for table, statement in compiler.insert_statements("judged").items():
                before = con.execute(f"select count(*) from {PARSED_SCHEMA}.{quote(table)}").fetchone()
                con.execute(statement)
                after = con.execute(f"select count(*) from {PARSED_SCHEMA}.{quote(table)}").fetchone()
                if table not in (contract.table, contract.quarantine_table):
                    result.child_rows[table] = (after[0] if after else 0) - (before[0] if before else 0)
            con.execute(
                f"insert or replace into {META_SCHEMA}.parse_state select ?, max(_airbyte_extracted_at) from judged",
                [contract.stream],
            )
        con.execute("drop table judged")
        return result

    @staticmethod
    def _collect(con: duckdb.DuckDBPyConnection, result: ParseResult) -> None:
        for reason, count in con.execute(
            "select verdict.reason, count(*) from judged group by all order by 1 nulls first"
        ).fetchall():
            result.documents += count
            if reason is None:
                result.parsed = count
            else:
                result.quarantined_by_reason[reason] = count
        result.undeclared_keys = dict(
            con.execute(
                # a key a document repeats counts once, as Snowflake's (deduplicated) document shows it
                "select key, count(*) from (select unnest(list_distinct(undeclared)) as key from judged) group by key"
            ).fetchall()
        )
        result.type_changes = dict(
            con.execute(
                "select verdict.detail, count(*) from judged where verdict.reason = 'wrong_type' group by 1"
            ).fetchall()
        )
