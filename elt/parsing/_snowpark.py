"""Compile a parsing contract to Snowpark DataFrame operations that run inside Snowflake.

The rules are the DuckDB compiler's, in the same order and with the same reason codes, written as Snowflake
expressions over one ``TRY_PARSE_JSON`` of each document; child tables come from ``FLATTEN``. Records never
leave Snowflake: the client only collects counts per reason and per drifting path. The document is read allowing
repeated keys, so that ``CHECK_JSON`` (the strict parser's message) can quarantine the ones that repeat a key as
``duplicate_key`` rather than as ``invalid_json``, as DuckDB does.

What the stand-ins here cannot run (Snowpark's local testing lacks try_parse_json/get_path/flatten; fakesnow
answers TYPEOF with DuckDB's types and has no IS_OBJECT, FILTER or TRANSFORM) is limited to the verdict:
the rule conditions built by ``SnowflakeRules`` and applied by ``SnowparkParser._judge``. Tests check the SQL
they generate; everything else (the watermark, the typed columns, FLATTEN, the quarantine, the transaction)
runs on fakesnow's server and is compared row for row with DuckDB's output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager

from snowflake.snowpark import Column as SnowparkColumn
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark.functions import col, lit, sql_expr, when

from elt.parsing._contract import (
    DUPLICATE_KEY_RULE,
    ArrayMapping,
    Column,
    ColumnType,
    JsonKind,
    ObjectMapping,
    ParsingContract,
    ScalarValue,
    expected_type,
    json_types,
)
from elt.parsing._duckdb import _bound
from elt.parsing._result import ParseResult
from elt.warehouse import META_SCHEMA, PARSED_SCHEMA, RAW_SCHEMA, SnowflakeWarehouse

_DOC = "DOC"
# The batch of a RAW record: the Airbyte job (or embedded sync) that stamped ``_airbyte_meta:sync_id``.
_BATCH_ID = "_airbyte_meta:sync_id::number"
_TYPES = {"timestamp": "timestamp_ntz"}
# What TYPEOF calls each kind of JSON value in a VARIANT (PARSE_JSON keeps 4.7 as DECIMAL, 1e3 as DOUBLE).
_JSON_TYPES: dict[JsonKind, tuple[str, ...]] = {
    "string": ("VARCHAR",),
    "integer": ("INTEGER",),
    "fraction": ("DECIMAL", "DOUBLE"),
    "boolean": ("BOOLEAN",),
}


def _literal(value: object) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _get(keys: Iterable[str], root: str = _DOC) -> str:
    return f"get_path({root}, {_literal('.'.join(keys))})"


def _present(value: str) -> str:
    return f"coalesce(typeof({value}), 'NULL_VALUE') <> 'NULL_VALUE'"


def _typed(value: str, type_: str) -> str:
    """The value converted to the contract's type, NULL when it does not convert (as DuckDB's from_json)."""
    return f"try_cast({value}::varchar as {_TYPES.get(type_, type_)})"


def _broken(value: str, type_: ColumnType) -> str:
    """A present value of a JSON kind ``type_`` is not read from (TRY_CAST would read '42' as a time, an object
    as text, true as 1), or one that does not convert to it."""
    accepted = ", ".join(_literal(name) for name in json_types(type_, _JSON_TYPES))
    return f"{_present(value)} and (typeof({value}) not in ({accepted}) or {_typed(value, type_)} is null)"


def _keys(values: Iterable[str]) -> str:
    return "array_construct(" + ", ".join(_literal(v) for v in values) + ")"


class SnowflakeRules:
    """The contract's rules as (condition, reason, detail) Snowflake expressions over the parsed ``DOC``."""

    def __init__(self, contract: ParsingContract) -> None:
        self.contract = contract

    def rules(self) -> list[tuple[str, str, str]]:
        c = self.contract
        rules = [
            (f"{_DOC} is null or typeof({_DOC}) <> 'OBJECT'", "invalid_json", "'the line is not a JSON object'"),
            # DOC is read allowing repeated keys (the last counts); the strict parser's message names the key
            (
                f"check_json({c.source_column}) is not null",
                "duplicate_key",
                f"'duplicate key: ' || check_json({c.source_column}) || ' ({DUPLICATE_KEY_RULE})'",
            ),
        ]
        rules += [
            (
                f"coalesce(typeof({_get(node)}), 'OBJECT') <> 'OBJECT'",
                "wrong_type",
                f"'$.{'.'.join(node)} must be an object'",
            )
            for node in self.contract.object_nodes()
        ]
        rules += [
            (
                f"{_present(_get([m.path]))} and typeof({_get([m.path])}) <> 'OBJECT'",
                "wrong_type",
                f"'$.{m.path} must be an object'",
            )
            for m in c.maps
        ]
        for array in c.arrays:
            value = _get([array.path])
            rules.append(
                (
                    f"{_present(value)} and typeof({value}) <> 'ARRAY'",
                    "wrong_type",
                    f"'$.{array.path} must be an array'",
                )
            )
            if array.columns:
                rules.append(
                    (
                        self._any(array, "typeof(e) <> 'OBJECT'"),
                        "wrong_type",
                        f"'elements of $.{array.path} must be objects'",
                    )
                )
        rules += [
            (
                f"not ({_present(_get(field.keys))})",
                "missing_required",
                f"'required field $.{field.path} is missing or null'",
            )
            for field in c.columns
            if field.required
        ]
        rules += [
            (
                self._any(array, f"get_path(e, {_literal(field.path)}) is null"),
                "missing_required",
                f"'required field $.{array.path}[].{field.path} is missing'",
            )
            for array in c.arrays
            for field in array.columns
            if field.required
        ]
        rules += [
            (
                _broken(_get(field.keys), field.type),
                "wrong_type",
                f"'$.{field.path} must be {expected_type(field.type)}, got ' || typeof({_get(field.keys)})",
            )
            for field in c.columns
        ]
        for array in c.arrays:
            if array.value is not None:
                rules.append(
                    (
                        self._any(array, _broken("e", array.value.type)),
                        "wrong_type",
                        f"'elements of $.{array.path} must be {expected_type(array.value.type)}'",
                    )
                )
            rules += [
                (
                    self._any(array, _broken(_get(field.keys, "e"), field.type)),
                    "wrong_type",
                    f"'$.{array.path}[].{field.path} must be {expected_type(field.type)}'",
                )
                for field in array.columns
            ]
        rules += [self._map_type_rule(m) for m in c.maps]
        rules += [
            rule
            for field in c.columns
            for rule in self._value_rules(field, _typed(_get(field.keys), field.type), f"$.{field.path}")
        ]
        for array in c.arrays:
            for field in array.columns:
                where = f"$.{array.path}[].{field.path}"
                rules += [
                    (self._any(array, condition), reason, f"'an element of $.{array.path} breaks {reason} at {where}'")
                    for condition, reason, _ in self._value_rules(
                        field, _typed(_get(field.keys, "e"), field.type), where
                    )
                ]
        if c.undeclared_keys == "quarantine":
            rules.append(
                (
                    "array_size(UNDECLARED) > 0",
                    "undeclared_key",
                    "'undeclared key(s): ' || array_to_string(UNDECLARED, ', ')",
                )
            )
        return rules

    @staticmethod
    def _any(array: ArrayMapping, condition: str) -> str:
        """Some element breaks ``condition``. FILTER with a lambda: Snowflake only, neither stand-in runs it."""
        value = _get([array.path])
        return f"(typeof({value}) = 'ARRAY' and array_size(filter({value}, e -> {condition})) > 0)"

    @staticmethod
    def _map_type_rule(mapping: ObjectMapping) -> tuple[str, str, str]:
        value = _get([mapping.path])
        broken = _broken("v.value", mapping.value.type)
        return (
            f"typeof({value}) = 'OBJECT' and exists (select 1 from table(flatten({value})) v where {broken})",
            "wrong_type",
            f"'values of $.{mapping.path} must be {expected_type(mapping.value.type)}'",
        )

    @staticmethod
    def _value_rules(column: Column, value: str, where: str) -> list[tuple[str, str, str]]:
        rules = []
        if column.min is not None or column.max is not None:
            low = f"{value} < {column.min}" if column.min is not None else "false"
            high = f"{value} > {column.max}" if column.max is not None else "false"
            rules.append(
                (
                    f"({low} or {high})",
                    "out_of_range",
                    f"'{where} = ' || {value} || ' is outside [{_bound(column.min)}, {_bound(column.max)}]'",
                )
            )
        if column.accepted_values:
            values = ", ".join(_literal(v) for v in column.accepted_values)
            rules.append(
                (
                    f"{value}::varchar not in ({values})",
                    "not_accepted",
                    f"'{where} = ' || {value} || ' is not one of [{', '.join(column.accepted_values)}]'",
                )
            )
        return rules

    def undeclared(self) -> str:
        """The undeclared keys of the document and of the objects it reaches into, as one array."""
        c = self.contract
        top = c.top_keys()
        parts = [f"array_except(object_keys({_DOC}), {_keys(dict.fromkeys(top))})"]
        for node, children in self.contract.object_nodes().items():
            parts.append(
                f"case when typeof({_get(node)}) = 'OBJECT' then transform(array_except(object_keys({_get(node)}),"
                f" {_keys(children)}), k -> {_literal('.'.join(node) + '.')} || k) else array_construct() end"
            )
        for array in c.arrays:
            if array.columns:
                allowed = _keys(field.keys[0] for field in array.columns)
                parts.append(
                    f"case when typeof({_get([array.path])}) = 'ARRAY' then array_distinct(array_flatten(transform("
                    f"{_get([array.path])}, e -> case when typeof(e) = 'OBJECT' then transform(array_except("
                    f"object_keys(e), {allowed}), k -> {_literal(array.path + '[].')} || k)"
                    " else array_construct() end))) else array_construct() end"
                )
        return f"case when typeof({_DOC}) = 'OBJECT' then array_flatten(array_construct({', '.join(parts)})) end"


class SnowparkParser:
    """Parses each contract's new RAW documents with Snowpark; every row stays inside Snowflake.

    ``open_session`` yields a Snowpark session for one parse (a login per contract: about a second).
    """

    def __init__(
        self,
        open_session: Callable[[], AbstractContextManager[Session]],
        raw_schema: str = RAW_SCHEMA,
        parsed_schema: str = PARSED_SCHEMA,
        meta_schema: str = META_SCHEMA,
    ) -> None:
        self.open_session = open_session
        self.raw_schema = raw_schema
        self.parsed_schema = parsed_schema
        self.meta_schema = meta_schema

    def judged(self, session: Session, contract: ParsingContract, watermark: dt.datetime | None) -> DataFrame:
        """The new RAW rows with the parsed document, its batch, its undeclared keys and the first rule it breaks."""
        raw = session.table(f"{self.raw_schema}.{contract.stream}")
        if watermark is not None:
            raw = raw.filter(col("_airbyte_extracted_at") > lit(watermark))
        return self._judge(
            contract,
            raw.select(
                col("*"),
                # 'd': repeated keys do not make the document NULL (invalid_json); duplicate_key names them
                sql_expr(f"try_parse_json({contract.source_column}, 'd')").alias(_DOC),
                sql_expr(_BATCH_ID).alias("batch_id"),
            ),
        )

    @staticmethod
    def _judge(contract: ParsingContract, documents: DataFrame) -> DataFrame:
        """Add UNDECLARED, REASON and DETAIL. Snowflake only: no stand-in here runs these expressions (see the
        module docstring); tests check the SQL, and the rest of the job runs on fakesnow with verdicts given."""
        compiled = SnowflakeRules(contract)
        rules = compiled.rules()
        reason, detail = (
            when(sql_expr(rules[0][0]), lit(rules[0][1])),
            when(sql_expr(rules[0][0]), sql_expr(rules[0][2])),
        )
        for condition, code, text in rules[1:]:
            reason, detail = (
                reason.when(sql_expr(condition), lit(code)),
                detail.when(sql_expr(condition), sql_expr(text)),
            )
        # One SELECT: Snowflake lets later expressions use the UNDECLARED alias defined before them.
        return documents.select(
            col("*"),
            sql_expr(compiled.undeclared()).alias("UNDECLARED"),
            reason.alias("REASON"),
            detail.alias("DETAIL"),
        )

    def parse(self, contract: ParsingContract) -> ParseResult:
        """Parse the documents extracted after the stream's watermark: outputs and watermark commit together."""
        with self.open_session() as session:
            self._prepare(session, contract)
            rows = session.table(self._state).filter(col("stream") == lit(contract.stream)).select("extracted_at")
            watermark = rows.collect()
            return self._parse_after(session, contract, watermark[0][0] if watermark else None, [])

    def reparse(self, contract: ParsingContract, since: dt.datetime | None = None) -> ParseResult:
        """Replace the stream's output for documents extracted at or after ``since`` (all when None).

        The old output is deleted in the transaction that inserts the new: a rerun or a crash leaves the same tables.
        """
        watermark = since - dt.timedelta(microseconds=1) if since else None
        after = f"_airbyte_extracted_at > '{watermark.isoformat()}'::timestamp_tz" if watermark else "true"
        raw_ids = f"select _airbyte_raw_id from {self.raw_schema}.{contract.stream} where {after}"
        deletes = [
            f"delete from {self._parsed(child.table)} where _airbyte_raw_id in ({raw_ids})"
            for child in (*contract.arrays, *contract.maps)
        ]
        deletes += [f"delete from {self._parsed(t)} where {after}" for t in (contract.table, contract.quarantine_table)]
        with self.open_session() as session:
            self._prepare(session, contract)
            return self._parse_after(session, contract, watermark, deletes)

    @property
    def _state(self) -> str:
        return f"{self.meta_schema}.parse_state"

    def _prepare(self, session: Session, contract: ParsingContract) -> None:
        """The schemas and tables. Snowflake commits each DDL statement on its own: this runs before any transaction."""
        session.sql(f"create schema if not exists {self.parsed_schema}").collect()
        session.use_schema(self.parsed_schema)  # where the judged temporary table goes
        session.sql(
            f"create table if not exists {self._state} (stream varchar primary key, extracted_at timestamp_tz not null)"
        ).collect()
        for statement in self.table_ddl(contract):
            session.sql(statement).collect()

    def _parse_after(
        self, session: Session, contract: ParsingContract, watermark: dt.datetime | None, deletes: list[str]
    ) -> ParseResult:
        """Judge the documents after ``watermark`` into a temporary table (DDL, so first), then run ``deletes``,
        the inserts and the watermark's update in one transaction."""
        (select,) = self.judged(session, contract, watermark).queries["queries"]
        judged_table = f"elt_judged_{contract.stream}"  # temporary: dropped with the session
        session.sql(f"create or replace temporary table {judged_table} as {select}").collect()
        judged = session.table(judged_table)
        result = self._collect(contract, judged)
        if not (result.documents or deletes):
            return result
        session.sql("begin transaction").collect()
        try:
            for statement in deletes:
                session.sql(statement).collect()
            if result.documents:
                for table, frame in self.outputs(contract, judged).items():
                    if table not in (contract.table, contract.quarantine_table):
                        result.child_rows[table] = frame.count()
                    frame.write.save_as_table(self._parsed(table), mode="append", column_order="name")
                # delete + insert rather than MERGE: the same in a transaction, and fakesnow runs it inside one
                session.sql(f"delete from {self._state} where stream = '{contract.stream}'").collect()
                session.sql(
                    f"insert into {self._state} select '{contract.stream}', max(_airbyte_extracted_at)"
                    f" from {judged_table}"
                ).collect()
            session.sql("commit").collect()
        except BaseException:
            session.sql("rollback").collect()
            raise
        return result

    @staticmethod
    def _collect(contract: ParsingContract, judged: DataFrame) -> ParseResult:
        """Counts per reason, undeclared key and changed type: a few rows are all that leave Snowflake."""
        result = ParseResult(stream=contract.stream)
        for row in judged.group_by("REASON").count().collect():
            result.documents += row["COUNT"]
            if row["REASON"] is None:
                result.parsed = row["COUNT"]
            else:
                result.quarantined_by_reason[row["REASON"]] = row["COUNT"]
        keys = judged.join_table_function("flatten", col("UNDECLARED")).group_by("VALUE").count().collect()
        result.undeclared_keys = {str(row["VALUE"]).strip('"'): row["COUNT"] for row in keys}
        changes = judged.filter(col("REASON") == "wrong_type").group_by("DETAIL").count().collect()
        result.type_changes = {row["DETAIL"]: row["COUNT"] for row in changes}
        return result

    def _parsed(self, table: str) -> str:
        return f"{self.parsed_schema}.{table}"

    def table_ddl(self, contract: ParsingContract) -> list[str]:
        """The parsed tables, as DuckDB's compiler makes them, in Snowflake's types."""

        def columns(fields: Iterable[Column | ScalarValue]) -> str:
            return ", ".join(f"{f.name} {_TYPES.get(f.type, f.type)}" for f in fields)

        keys = columns(c for c in contract.columns if c.name in contract.parent_key)
        audit = "_airbyte_raw_id varchar, _airbyte_extracted_at timestamp_tz, _ab_source_file_url varchar"
        tables = {
            contract.table: f"{columns(contract.columns)}, {audit}, batch_id number",
            contract.quarantine_table: f"{audit}, _ab_source_file_line number, document varchar, reason varchar,"
            " detail varchar, batch_id number",
        }
        for array in contract.arrays:
            body = columns([array.value] if array.value is not None else array.columns)
            tables[array.table] = f"{keys}, {array.position_column} integer, {body}, _airbyte_raw_id varchar"
        for mapping in contract.maps:
            tables[mapping.table] = (
                f"{keys}, {mapping.key_column} varchar, {columns([mapping.value])}, _airbyte_raw_id varchar"
            )
        return [f"create table if not exists {self._parsed(name)} ({body})" for name, body in tables.items()]

    def outputs(self, contract: ParsingContract, judged: DataFrame) -> dict[str, DataFrame]:
        """Each parsed table's new rows: the parent, the quarantine, and one child table per array or map."""
        audit = [col("_airbyte_raw_id"), col("_airbyte_extracted_at"), col("_ab_source_file_url")]
        valid = judged.filter(col("REASON").is_null())
        keys = [self._value(c).alias(c.name) for c in contract.columns if c.name in contract.parent_key]
        outputs = {
            contract.table: valid.select(
                *[self._value(c).alias(c.name) for c in contract.columns], *audit, col("batch_id")
            ),
            contract.quarantine_table: judged.filter(col("REASON").is_not_null()).select(
                *audit,
                col("_ab_source_file_line"),
                col(contract.source_column).alias("document"),
                col("REASON").alias("reason"),
                col("DETAIL").alias("detail"),
                col("batch_id"),
            ),
        }
        for array in contract.arrays:
            elements = valid.join_table_function("flatten", sql_expr(_get([array.path])))
            if array.value is not None:
                values = [sql_expr(_typed("VALUE", array.value.type)).alias(array.value.name)]
            else:
                values = [sql_expr(_typed(_get(c.keys, "VALUE"), c.type)).alias(c.name) for c in array.columns]
            outputs[array.table] = elements.select(
                *keys, col("INDEX").alias(array.position_column), *values, col("_airbyte_raw_id")
            )
        for mapping in contract.maps:
            entries = valid.join_table_function("flatten", sql_expr(_get([mapping.path])))
            outputs[mapping.table] = entries.select(
                *keys,
                col("KEY").alias(mapping.key_column),
                sql_expr(_typed("VALUE", mapping.value.type)).alias(mapping.value.name),
                col("_airbyte_raw_id"),
            )
        return outputs

    @staticmethod
    def _value(column: Column) -> SnowparkColumn:
        return sql_expr(_typed(_get(column.keys), column.type))


def snowpark_parser(warehouse: SnowflakeWarehouse) -> SnowparkParser:
    """The cloud profile's parser: a Snowpark session per parse, from the warehouse's key-pair connection."""

    @contextmanager
    def open_session() -> Iterator[Session]:
        with closing(Session.builder.configs(warehouse.connection_parameters()).create()) as session:
            yield session

    return SnowparkParser(open_session)
