"""The local warehouse: one DuckDB file. One writer at a time, so every operation opens and closes its connection."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from elt.warehouse._base import (
    ANALYTICS_SCHEMA,
    BUILD_SCHEMA_PREFIX,
    META_SCHEMA,
    PARSED_SCHEMA,
    RAW_SCHEMA,
    SNAPSHOT_SCHEMA,
    STORE_SCHEMA,
    Merge,
    Publication,
    StreamFigures,
    builds_to_prune,
    check_publishable,
    reconciliation_queries,
    stream_figures,
)

_META_DDL = f"""
create schema if not exists {RAW_SCHEMA};
create schema if not exists {PARSED_SCHEMA};
create schema if not exists {META_SCHEMA};
create schema if not exists {ANALYTICS_SCHEMA};
create schema if not exists {STORE_SCHEMA};
create schema if not exists {SNAPSHOT_SCHEMA};
create table if not exists {META_SCHEMA}.batches (
    batch_id bigint primary key,
    extracted_at timestamptz not null
);
create table if not exists {META_SCHEMA}.landed_files (
    stream varchar not null,
    file_url varchar not null,
    checksum varchar not null,
    records bigint not null,
    batch_id bigint not null,
    generation_id bigint not null,
    extracted_at timestamptz not null,
    superseded boolean not null default false
);
alter table {META_SCHEMA}.landed_files add column if not exists unchanged bigint default 0;
create table if not exists {META_SCHEMA}.publications (
    build_schema varchar not null,
    batch_id bigint not null,
    published_at timestamptz not null
);
create table if not exists {META_SCHEMA}.runs (
    run_id varchar not null,
    status varchar not null,
    finished_at timestamptz not null,
    summary_json json not null,
    summary_markdown varchar not null
);
"""

# The engine settings dbt's profile reads as ELT_DUCKDB_<NAME> (empty: DuckDB's default).
_ENGINE_SETTINGS = ("memory_limit", "threads", "temp_directory")


def quote(identifier: str) -> str:
    """Quote an identifier for DuckDB; names come from the catalogue and contracts, never from data."""
    return '"' + identifier.replace('"', '""') + '"'


class DuckDBWarehouse:
    """The engine settings (memory limit, threads, temp directory; None: DuckDB's default) go to every connection
    to the file, this adapter's, dbt's and the gate's alike. Snowflake has no counterpart: its virtual warehouse,
    sized where it is provisioned, sets what a query may use."""

    def __init__(
        self,
        path: Path,
        memory_limit: str | None = None,
        threads: int | None = None,
        temp_directory: Path | None = None,
    ) -> None:
        self.path = path
        self.memory_limit = memory_limit
        self.threads = threads
        self.temp_directory = temp_directory

    def engine_config(self) -> dict[str, str]:
        """DuckDB's configuration of the settings given, as connect() and dbt-duckdb's ``settings`` take it."""
        values = {name: getattr(self, name) for name in _ENGINE_SETTINGS}
        return {name: str(value) for name, value in values.items() if value is not None}

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path), read_only=read_only, config=self.engine_config())
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction: committed on success, rolled back on any error."""
        with self.connect() as con:
            con.begin()
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()

    def ensure_schemas(self) -> None:
        with self.connect() as con:
            con.execute(_META_DDL)

    def latest_batch(self) -> int | None:
        with self.connect() as con:
            row = con.execute(f"select max(batch_id) from {META_SCHEMA}.batches").fetchone()
        return row[0] if row else None

    def last_publication(self) -> Publication | None:
        with self.connect() as con:
            row = con.execute(
                f"select build_schema, batch_id, published_at from {META_SCHEMA}.publications"
                " order by published_at desc limit 1"
            ).fetchone()
        return Publication(*row) if row else None

    def reconciliation(self, build_schema: str) -> list[StreamFigures]:
        """Read the build's reconciliation, quarantine reasons and late arrivals (a handful of rows per stream)."""
        reasons_query, figures_query = reconciliation_queries(quote(build_schema))
        with self.connect(read_only=True) as con:
            return stream_figures(con.execute(reasons_query).fetchall(), con.execute(figures_query).fetchall())

    def publish(
        self, build_schema: str, batch_id: int, relations: list[str], merges: Mapping[str, Merge] | None = None
    ) -> list[str]:
        """Publish the build's ``relations`` in ``analytics``, all in one transaction.

        A relation is a view over the build, unless ``merges`` names it: then the build's delta is merged into
        the store's table by the unique key (delete, then insert) and the view reads the store, so the cost
        follows the delta, not the table's history. Readers see the previous publication or this one, never a
        mix; published views the build no longer has are dropped in the same transaction.
        """
        merges = dict(merges or {})
        with self.transaction() as con:
            check_publishable(build_schema, self._relations(con, build_schema), relations, merges)
            for name in sorted(self._relations(con, ANALYTICS_SCHEMA, "VIEW") - set(relations)):
                con.execute(f"drop view {ANALYTICS_SCHEMA}.{quote(name)}")
            for name in sorted(relations):
                source = f"{quote(build_schema)}.{quote(name)}"
                if name in merges:
                    source = self._merge_into_store(con, build_schema, name, merges[name])
                con.execute(f"create or replace view {ANALYTICS_SCHEMA}.{quote(name)} as select * from {source}")
            con.execute(f"insert into {META_SCHEMA}.publications values (?, ?, now())", [build_schema, batch_id])
        return sorted(relations)

    @staticmethod
    def _merge_into_store(con: duckdb.DuckDBPyConnection, build_schema: str, name: str, merge: Merge) -> str:
        """Delete the store rows whose key is in the delta or withdrawn, insert the delta; return the store table."""
        target = f"{STORE_SCHEMA}.{quote(name)}"
        delta = f"{quote(build_schema)}.{quote(merge.delta)}"
        con.execute(f"create table if not exists {target} as select * from {delta} limit 0")
        matches = " and ".join(f"d.{quote(column)} = t.{quote(column)}" for column in merge.unique_key)
        for relation in merge.relations:
            con.execute(
                f"delete from {target} as t"
                f" where exists (select 1 from {quote(build_schema)}.{quote(relation)} as d where {matches})"
            )
        con.execute(f"insert into {target} by name select * from {delta}")
        return target

    @staticmethod
    def _relations(con: duckdb.DuckDBPyConnection, schema: str, table_type: str | None = None) -> set[str]:
        query = "select table_name from information_schema.tables where table_schema = ?"
        params = [schema]
        if table_type:
            query += " and table_type = ?"
            params.append(table_type)
        return {name for (name,) in con.execute(query, params).fetchall()}

    def prune_builds(self, keep: int) -> list[str]:
        """Drop all but the newest ``keep`` audit builds; the published build is always kept."""
        published = self.last_publication()
        with self.transaction() as con:
            builds = [
                name
                for (name,) in con.execute(
                    "select schema_name from information_schema.schemata"
                    " where starts_with(schema_name, ?) order by schema_name desc",
                    [BUILD_SCHEMA_PREFIX],
                ).fetchall()
            ]
            doomed = builds_to_prune(builds, keep, published)
            for name in doomed:
                con.execute(f"drop schema {quote(name)} cascade")
        return doomed

    def save_run(self, run_id: str, status: str, summary_json: str, summary_markdown: str) -> None:
        with self.connect() as con:
            con.execute(
                f"insert into {META_SCHEMA}.runs values (?, ?, now(), ?, ?)",
                [run_id, status, summary_json, summary_markdown],
            )

    def last_run_markdown(self) -> str | None:
        if not self.path.exists():
            return None
        with self.connect(read_only=True) as con:
            exists = con.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = 'runs'",
                [META_SCHEMA],
            ).fetchone()
            if not exists or not exists[0]:
                return None
            row = con.execute(
                f"select summary_markdown from {META_SCHEMA}.runs order by finished_at desc limit 1"
            ).fetchone()
        return row[0] if row else None

    def dbt_env(self, build_schema: str) -> dict[str, str]:
        return {
            "ELT_DBT_TARGET": "local",
            "ELT_WAREHOUSE_PATH": str(self.path),
            "ELT_BUILD_SCHEMA": build_schema,
            "ELT_STORE_SCHEMA": STORE_SCHEMA,
        } | {f"ELT_DUCKDB_{name.upper()}": self.engine_config().get(name, "") for name in _ENGINE_SETTINGS}

    def release_dbt_connections(self) -> None:
        """Close the connection dbt-duckdb keeps for the process after an in-process invocation.

        DuckDB opens a file once per process with one configuration; until dbt-duckdb's handle is closed,
        Great Expectations and this adapter cannot connect with theirs.
        """
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
        DuckDBConnectionManager._ENV = None

    def sqlalchemy_url(self) -> str:
        return f"duckdb:///{self.path}"

    def sqlalchemy_connect_args(self) -> dict[str, Any]:
        config = self.engine_config()
        return {"config": config} if config else {}
