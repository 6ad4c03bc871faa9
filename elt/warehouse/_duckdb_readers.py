"""The readers' snapshot of the local warehouse: ``analytics.duckdb``, a copy of the last publication.

DuckDB locks its file: a process reading ``warehouse.duckdb`` stops every write to it, and a run writing it
stops every reader. So BI tools and analysts read another file. After a publish commits, the published
relations of ``analytics`` are copied as tables into a new file beside the warehouse, in one transaction
reading one state of the warehouse, and the new file replaces ``analytics.duckdb`` with ``os.replace``: a
reader that opens the path gets the old file or the new one, whole; a reader still connected to the old file
keeps reading it (the kernel keeps it until its last descriptor closes); and the run never needs a lock a
reader holds. The warehouse itself is attached read-only, so even a process holding it read-only does not stop
the export.

The relations are tables of the file's default schema: opened as ``analytics.duckdb``, DuckDB names the
database ``analytics``, so ``analytics.fct_sales`` reads as it does in the warehouse (a schema of the same name
inside would make that reference ambiguous), and plain ``fct_sales`` works too.

The copy is whole: its cost follows the size of what is published, not what changed (README, "Readers").
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import duckdb

from elt.warehouse._base import ANALYTICS_SCHEMA, META_SCHEMA, Publication, ReaderExport

SNAPSHOT_TABLE = f"{META_SCHEMA}.snapshot"
"""In the readers' file: the publication it shows (build, batch, published_at) and when it was exported."""


def snapshot_publication(reader_path: Path) -> tuple[str, datetime] | None:
    """The build and publication time the readers' file shows; None if it is missing or unreadable."""
    if not reader_path.exists():
        return None
    try:
        with duckdb.connect(str(reader_path), read_only=True) as con:
            row = con.execute(f"select build_schema, published_at from {SNAPSHOT_TABLE}").fetchone()
    except duckdb.Error:  # an older layout, a torn copy, a reader holding it read-write: export again
        return None
    return (row[0], row[1]) if row else None


def export_snapshot(warehouse_path: Path, reader_path: Path, publication: Publication) -> ReaderExport:
    """Write the published relations to a new file and swap it in as ``reader_path``."""
    started = time.perf_counter()
    for stale in reader_path.parent.glob(f".{reader_path.name}.*.tmp*"):  # left by an export that crashed
        stale.unlink()
    staging = reader_path.with_name(f".{reader_path.name}.{os.getpid()}.tmp")
    try:
        with duckdb.connect(str(staging)) as con:
            con.execute("set enable_progress_bar = false")
            con.execute("attach ? as warehouse (read_only)", [str(warehouse_path)])
            con.begin()
            relations = [
                name
                for (name,) in con.execute(
                    "select table_name from information_schema.tables"
                    " where table_catalog = 'warehouse' and table_schema = ? order by 1",
                    [ANALYTICS_SCHEMA],
                ).fetchall()
            ]
            for name in relations:
                relation = '"' + name.replace('"', '""') + '"'
                con.execute(f"create table main.{relation} as select * from warehouse.{ANALYTICS_SCHEMA}.{relation}")
            con.execute(f"create schema {META_SCHEMA}")
            con.execute(
                f"create table {SNAPSHOT_TABLE} as select ? as build_schema, ? as batch_id,"
                " ?::timestamptz as published_at, now() as exported_at",
                [publication.build_schema, publication.batch_id, publication.published_at],
            )
            con.commit()
            ((rows,),) = con.execute(
                "select coalesce(sum(estimated_size), 0) from duckdb_tables()"
                " where database_name = current_database() and schema_name = 'main'"
            ).fetchall()
            con.execute("detach warehouse")
            con.execute("checkpoint")  # everything in the file itself: no write-ahead log beside it
        os.replace(staging, reader_path)
    finally:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    return ReaderExport(str(reader_path), publication.build_schema, len(relations), int(rows), elapsed)
