"""The readers' snapshot of the local warehouse: ``analytics.duckdb``, what the last publication shows.

DuckDB locks its file: a process reading ``warehouse.duckdb`` stops every write to it, and a run writing it
stops every reader. So BI tools and analysts read another file. After a publish commits, a new file is written
beside the warehouse, in one transaction reading one state of it, and replaces ``analytics.duckdb`` with
``os.replace``: a reader that opens the path gets the old file or the new one, whole; a reader still connected to
the old file keeps reading it (the kernel keeps it until its last descriptor closes); and the run never needs a
lock a reader holds. The warehouse is attached read-only, so a process holding it read-only does not stop this.

Its cost follows what changed. The facts merged into the store that declare a ``day_column`` (``Merge``) are
Parquet files, one per day under ``readers/<fact>/day=<day>/``, and the file holds views listing them: only the
days the publications since the previous snapshot recorded (``elt_meta.published_days``) are written again, to
new files; the others are listed as they were. Everything else (dimensions, marts, reports: small) is copied as
tables. Files are never rewritten in place, and the files of the previous snapshot are kept until the next
export, so a reader connected to it keeps reading; older ones are deleted. Without a readable previous snapshot
(the first export, a torn or missing file) every day is written.

The relations sit in the file's default schema: opened as ``analytics.duckdb``, DuckDB names the database
``analytics``, so ``analytics.fct_sales`` reads as it does in the warehouse (a schema of the same name inside
would make that reference ambiguous), and plain ``fct_sales`` works too.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from elt.warehouse._base import ANALYTICS_SCHEMA, META_SCHEMA, STORE_SCHEMA, Publication, ReaderExport

SNAPSHOT_TABLE = f"{META_SCHEMA}.snapshot"
"""In the readers' file: the publication it shows (build, batch, published_at) and when it was exported."""
FILES_TABLE = f"{META_SCHEMA}.fact_files"
"""In the readers' file: the Parquet file of each day of each partitioned fact."""
FILES_DIR = "readers"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Snapshot:
    """What an existing readers' file shows, and the fact files it lists."""

    build_schema: str
    published_at: datetime
    files: dict[str, dict[date | None, str]]


def read_snapshot(reader_path: Path) -> Snapshot | None:
    """The readers' file as it stands; None if it is missing, unreadable, or lists a file that is gone."""
    if not reader_path.exists():
        return None
    try:
        with duckdb.connect(str(reader_path), read_only=True) as con:
            row = con.execute(f"select build_schema, published_at from {SNAPSHOT_TABLE}").fetchone()
            listed = con.execute(f"select relation, day, path from {FILES_TABLE}").fetchall()
    except duckdb.Error:  # an older layout, a torn copy, a reader holding it read-write: export it whole
        return None
    files: dict[str, dict[date | None, str]] = {}
    for relation, day, path in listed:
        files.setdefault(relation, {})[day] = path
    if row is None or not all(Path(path).exists() for days in files.values() for path in days.values()):
        return None
    return Snapshot(row[0], row[1], files)


def export_snapshot(
    warehouse_path: Path, reader_path: Path, publication: Publication, previous: Snapshot | None
) -> ReaderExport:
    """Write the readers' file of ``publication`` beside ``reader_path`` (the days changed since ``previous``,
    every day without it), swap it in, and drop the fact files neither it nor ``previous`` lists."""
    started = time.perf_counter()
    for stale in reader_path.parent.glob(f".{reader_path.name}.*.tmp*"):  # left by an export that crashed
        stale.unlink()
    staging = reader_path.with_name(f".{reader_path.name}.{os.getpid()}.tmp")
    files_dir = reader_path.parent / FILES_DIR
    tag = f"{publication.build_schema}_{time.time_ns()}"  # new files never overwrite a listed one
    try:
        with duckdb.connect(str(staging)) as con:
            con.execute("set enable_progress_bar = false")
            con.execute("attach ? as warehouse (read_only)", [str(warehouse_path)])
            con.begin()
            relations = _published_relations(con)
            partitioned = _partitioned_facts(con, relations)
            listed: dict[str, dict[date | None, str]] = {}
            rows = 0
            for name in relations:
                if name in partitioned:
                    listed[name] = _export_fact(
                        con, name, partitioned[name], since=previous, files_dir=files_dir, tag=tag
                    )
                    rows += _view_over(con, name, listed[name])
                else:
                    con.execute(
                        f"create table main.{quote(name)} as select * from warehouse.{ANALYTICS_SCHEMA}.{quote(name)}"
                    )
                    ((count,),) = con.execute(f"select count(*) from main.{quote(name)}").fetchall()
                    rows += count
            _write_meta(con, publication, listed)
            con.commit()
            con.execute("detach warehouse")
            con.execute("checkpoint")  # everything in the file itself: no write-ahead log beside it
        os.replace(staging, reader_path)
    finally:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
    if previous is not None:
        _drop_unlisted(files_dir, listed, previous.files)
    elapsed = time.perf_counter() - started
    return ReaderExport(str(reader_path), publication.build_schema, len(relations), int(rows), elapsed)


def _published_relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables"
            " where table_catalog = 'warehouse' and table_schema = ? order by 1",
            [ANALYTICS_SCHEMA],
        ).fetchall()
    ]


def _partitioned_facts(con: duckdb.DuckDBPyConnection, relations: list[str]) -> dict[str, str]:
    """The published facts kept in the store whose merges record their days: relation -> day column."""
    return dict(
        con.execute(
            f"select relation, arg_max(day_column, rowid) from warehouse.{META_SCHEMA}.published_days"
            f" where relation in (select table_name from information_schema.tables"
            f" where table_catalog = 'warehouse' and table_schema = '{STORE_SCHEMA}') and list_contains(?, relation)"
            " group by relation",
            [relations],
        ).fetchall()
    )


def _export_fact(
    con: duckdb.DuckDBPyConnection,
    name: str,
    day_column: str,
    *,
    since: Snapshot | None,
    files_dir: Path,
    tag: str,
) -> dict[date | None, str]:
    """Write the fact's days changed since the snapshot ``since`` (all of them without it); return every day's file."""
    store, column = f"warehouse.{STORE_SCHEMA}.{quote(name)}", quote(day_column)
    previous_files = since.files.get(name) if since else None
    if since is None or previous_files is None:
        days_query = f"select distinct cast({column} as date) from {store}"
        params: list = []
        listed: dict[date | None, str] = {}
    else:
        days_query = (
            f"select distinct d.day from warehouse.{META_SCHEMA}.published_days as d"
            f" join warehouse.{META_SCHEMA}.publications as p using (build_schema)"
            " where d.relation = ? and p.published_at > ?"
        )
        params = [name, since.published_at]
        listed = dict(previous_files)
    for (day,) in con.execute(days_query, params).fetchall():
        path = files_dir / name / f"day={day or 'none'}" / f"{tag}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        where = f"{column} is null" if day is None else f"{column} >= ?::date and {column} < ?::date + 1"
        con.execute(
            f"copy (select * from {store} where {where}) to {literal(str(path))} (format parquet)",
            [] if day is None else [day, day],
        )
        listed[day] = str(path)
    return listed


def _view_over(con: duckdb.DuckDBPyConnection, name: str, files: dict[date | None, str]) -> int:
    """The fact as a view over its day files (a table with its columns only when it has none); its row count."""
    if not files:
        con.execute(
            f"create table main.{quote(name)} as select * from warehouse.{ANALYTICS_SCHEMA}.{quote(name)} limit 0"
        )
        return 0
    paths = ", ".join(literal(path) for path in sorted(files.values()))
    # The day in the path is not a column: the files hold the fact's own columns, as the store has them.
    options = "union_by_name = true, hive_partitioning = false"
    con.execute(f"create view main.{quote(name)} as select * from read_parquet([{paths}], {options})")
    ((count,),) = con.execute(f"select count(*) from main.{quote(name)}").fetchall()
    return count


def _write_meta(con: duckdb.DuckDBPyConnection, publication: Publication, files: dict[str, dict]) -> None:
    con.execute(f"create schema {META_SCHEMA}")
    con.execute(
        f"create table {SNAPSHOT_TABLE} as select ? as build_schema, ? as batch_id,"
        " ?::timestamptz as published_at, now() as exported_at",
        [publication.build_schema, publication.batch_id, publication.published_at],
    )
    con.execute(f"create table {FILES_TABLE} (relation varchar, day date, path varchar)")
    for relation, days in files.items():
        con.executemany(f"insert into {FILES_TABLE} values (?, ?, ?)", [[relation, d, p] for d, p in days.items()])


def _drop_unlisted(files_dir: Path, *listings: dict[str, dict]) -> None:
    """Delete the fact files neither the new snapshot nor the previous one lists."""
    kept = {path for listing in listings for days in listing.values() for path in days.values()}
    for path in files_dir.glob("*/*/*.parquet"):
        if str(path) not in kept:
            path.unlink()
