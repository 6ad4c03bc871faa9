"""The local warehouse: one DuckDB file. One writer at a time, so every operation opens and closes its connection.

DuckDB locks the file for its process: a read-write connection excludes every other process, a read-only one
excludes writers. Runs take the warehouse's run lock (``_run_lock``) so two never meet; BI readers read the
snapshot ``analytics.duckdb`` (``_duckdb_readers``) so they never meet a run. Someone opening
``warehouse.duckdb`` directly is still possible: a connection then waits for them with bounded backoff and
fails naming their process. Operations that only read open read-only, so they run beside read-only holders.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from time import monotonic, sleep
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
    ReaderExport,
    RunRecord,
    StreamFigures,
    WarehouseBusyError,
    abandoned_builds,
    builds_to_prune,
    check_publishable,
    reconciliation_queries,
    stream_figures,
)
from elt.warehouse._duckdb_readers import export_snapshot, read_snapshot
from elt.warehouse._run_lock import run_lock
from elt.warehouse._trends import (
    BatchQuarantine,
    daily_revenue_query,
    quarantine_by_batch,
    quarantine_rates_query,
    revenue_by_day,
)

READER_FILE = "analytics.duckdb"
PENDING_RUNS_DIR = "pending_runs"
_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")

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
create table if not exists {META_SCHEMA}.published_days (
    build_schema varchar not null,
    relation varchar not null,
    day_column varchar not null,
    day date
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
        *,
        busy_seconds: float = 60,
    ) -> None:
        self.path = path
        self.memory_limit = memory_limit
        self.threads = threads
        self.temp_directory = temp_directory
        self.busy_seconds = busy_seconds
        self.reader_path = path.with_name(READER_FILE)
        self.pending_runs = path.with_name(PENDING_RUNS_DIR)

    def engine_config(self) -> dict[str, str]:
        """DuckDB's configuration of the settings given, as connect() and dbt-duckdb's ``settings`` take it."""
        values = {name: getattr(self, name) for name in _ENGINE_SETTINGS}
        return {name: str(value) for name, value in values.items() if value is not None}

    def run_lock(self, wait_seconds: float | None) -> AbstractContextManager[None]:
        """An exclusive ``flock`` on ``warehouse.duckdb.lock``, naming its holder (see ``_run_lock``)."""
        return run_lock(self.path.with_name(self.path.name + ".lock"), wait_seconds)

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = self._open(read_only)
        try:
            yield con
        finally:
            con.close()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Connect, waiting with backoff (0.1 s doubling to 5 s) up to ``busy_seconds`` while another process
        holds the file; then ``WarehouseBusyError`` names that process and where readers should read."""
        deadline, delay = monotonic() + self.busy_seconds, 0.1
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only, config=self.engine_config())
            except duckdb.IOException as error:
                if "Could not set lock" not in str(error):
                    raise
                if monotonic() + delay > deadline:
                    raise WarehouseBusyError(self._busy_message(error)) from error
                sleep(delay)
                delay = min(delay * 2, 5.0)

    def _busy_message(self, error: duckdb.IOException) -> str:
        found = _HOLDER.search(str(error))
        holder = f"process {found.group(2)} ({found.group(1)})" if found else "another process"
        return (
            f"{self.path} is held by {holder}, still after {self.busy_seconds:g}s of waiting. Readers must open"
            f" {self.reader_path} (read-only), which runs never lock, not the warehouse itself; close that"
            f" connection and run again. DuckDB said: {error}"
        )

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
        with self.connect(read_only=True) as con:
            row = con.execute(f"select max(batch_id) from {META_SCHEMA}.batches").fetchone()
        return row[0] if row else None

    def last_publication(self) -> Publication | None:
        with self.connect(read_only=True) as con:
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

    def daily_revenue(self, build_schema: str) -> list[tuple[date, Decimal]]:
        with self.connect(read_only=True) as con:
            return revenue_by_day(con.execute(daily_revenue_query(quote(build_schema))).fetchall())

    def quarantine_rates(self, build_schema: str) -> list[BatchQuarantine]:
        with self.connect(read_only=True) as con:
            return quarantine_by_batch(con.execute(quarantine_rates_query(quote(build_schema))).fetchall())

    def publish(
        self,
        build_schema: str,
        batch_id: int,
        relations: list[str],
        merges: Mapping[str, Merge] | None = None,
        run: RunRecord | None = None,
    ) -> list[str]:
        """Publish the build's ``relations`` in ``analytics``, all in one transaction.

        A relation is a view over the build, unless ``merges`` names it: then the build's delta is merged into
        the store's table by the unique key (delete, then insert) and the view reads the store, so the cost
        follows the delta, not the table's history. Readers see the previous publication or this one, never a
        mix; published views the build no longer has are dropped in the same transaction. ``run``, the
        publishing run's record, commits with the publication: a run that dies after the commit is in the history.
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
            if run is not None:
                self._record_run(con, run)
        return sorted(relations)

    @staticmethod
    def _merge_into_store(con: duckdb.DuckDBPyConnection, build_schema: str, name: str, merge: Merge) -> str:
        """Delete the store rows whose key is in the delta or withdrawn, insert the delta; return the store table."""
        target = f"{STORE_SCHEMA}.{quote(name)}"
        delta = f"{quote(build_schema)}.{quote(merge.delta)}"
        con.execute(f"create table if not exists {target} as select * from {delta} limit 0")
        matches = " and ".join(f"d.{quote(column)} = t.{quote(column)}" for column in merge.unique_key)
        replaced = [
            f"{target} as t where exists (select 1 from {quote(build_schema)}.{quote(relation)} as d where {matches})"
            for relation in merge.relations
        ]
        if merge.day_column:  # the days the readers' copy rewrites: those of the rows replaced, and of the new
            day = f"cast({quote(merge.day_column)} as date)"
            record = f"insert into {META_SCHEMA}.published_days select distinct ?, ?, ?, {day} from"
            for rows in [*replaced, delta]:
                con.execute(f"{record} {rows}", [build_schema, name, merge.day_column])
        for rows in replaced:
            con.execute(f"delete from {rows}")
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

    def drop_tables(self, schema: str, tables: Iterable[str]) -> None:
        with self.transaction() as con:
            for table in tables:
                con.execute(f"drop table if exists {quote(schema)}.{quote(table)}")

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

    def export_for_readers(self) -> ReaderExport | None:
        """Export the last publication to the readers' snapshot, unless it already shows it.

        Checked against the snapshot itself, so a run after one whose export failed (or was killed) repairs it.
        """
        publication = self.last_publication()
        if publication is None:
            return None
        current = read_snapshot(self.reader_path)
        if current and (current.build_schema, current.published_at) == (
            publication.build_schema,
            publication.published_at,
        ):
            return None
        return export_snapshot(self.path, self.reader_path, publication, current)

    def readers_location(self) -> str:
        return str(self.reader_path)

    def save_run(self, run_id: str, status: str, summary_json: str, summary_markdown: str) -> None:
        """Keep the run's record in ``elt_meta.runs``, through ``pending_runs/<run_id>.json``.

        The record is written to that file first (atomically), then every pending record is moved into the
        table in one transaction. When a process holds the warehouse past the wait, ``WarehouseBusyError`` is
        raised and the record stays pending: ``elt status`` shows it, and the next run's save stores it.
        """
        record = {
            "run_id": run_id,
            "status": status,
            "finished_at": datetime.now(UTC).isoformat(),
            "summary_json": summary_json,
            "summary_markdown": summary_markdown,
        }
        self.pending_runs.mkdir(parents=True, exist_ok=True)
        staging = self.pending_runs / f".{run_id}.json.tmp"
        staging.write_text(json.dumps(record), encoding="utf-8")
        os.replace(staging, self.pending_runs / f"{run_id}.json")
        self._store_pending_runs()

    def _pending_records(self) -> list[tuple[Path, dict[str, str]]]:
        """The records not stored yet, oldest first; every one is newer than any record stored already."""
        files = sorted(self.pending_runs.glob("*.json")) if self.pending_runs.exists() else []
        records = [(file, json.loads(file.read_text(encoding="utf-8"))) for file in files]
        return sorted(records, key=lambda item: item[1]["finished_at"])

    def _store_pending_runs(self) -> None:
        pending = self._pending_records()
        with self.transaction() as con:
            for _, record in pending:
                self._record_run(con, _run_record(record), record["finished_at"])
        for file, _ in pending:
            file.unlink()

    def drop_abandoned_builds(self, retry: str | None) -> list[str]:
        """Drop the audit builds that neither a publication nor a run's summary names, except ``retry``."""
        with self.transaction() as con:
            builds = [
                name
                for (name,) in con.execute(
                    "select schema_name from information_schema.schemata where starts_with(schema_name, ?)",
                    [BUILD_SCHEMA_PREFIX],
                ).fetchall()
            ]
            finished = con.execute(
                f"select build_schema from {META_SCHEMA}.publications"
                f" union select summary_json->>'build_schema' from {META_SCHEMA}.runs"
            ).fetchall()
            doomed = abandoned_builds(builds, [name for (name,) in finished if name], retry)
            for name in doomed:
                con.execute(f"drop schema {quote(name)} cascade")
        return doomed

    @staticmethod
    def _record_run(con: duckdb.DuckDBPyConnection, run: RunRecord, finished_at: str | None = None) -> None:
        """Record a run, replacing the record its publish made, if any."""
        con.execute(f"delete from {META_SCHEMA}.runs where run_id = ?", [run.run_id])
        con.execute(
            f"insert into {META_SCHEMA}.runs values (?, ?, coalesce(?::timestamptz, now()), ?, ?)",
            [run.run_id, run.status, finished_at, run.summary_json, run.summary_markdown],
        )

    def last_run(self, skip_status: str | None = None) -> RunRecord | None:
        pending = [record for _, record in self._pending_records() if record["status"] != skip_status]
        if pending:
            return _run_record(pending[-1])
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
                f"select run_id, status, summary_json, summary_markdown from {META_SCHEMA}.runs"
                " where status is distinct from ? order by finished_at desc limit 1",
                [skip_status],
            ).fetchone()
        return RunRecord(*row) if row else None

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


def _run_record(record: dict[str, str]) -> RunRecord:
    """A run's record as ``pending_runs/`` keeps it."""
    return RunRecord(record["run_id"], record["status"], record["summary_json"], record["summary_markdown"])
