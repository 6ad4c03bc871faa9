"""Writing generated lines to landing files: verbatim, atomically, and without touching unchanged files.

Each file is written by one ``COPY (SELECT line ...)`` of a single VARCHAR column with quoting off and a
delimiter that never occurs, so DuckDB writes every line exactly as the SQL built it (malformed ones
included) while streaming. It goes to a hidden temporary name first and is renamed into place, so a
reader never sees half a file; a file whose bytes would not change is left alone (same checksum and
modification time, as incremental ingestion expects of the re-written dimension files).
"""

from __future__ import annotations

import filecmp
import json
import os
from pathlib import Path

import duckdb

from elt.generate._session import sql_string


def write_lines(con: duckdb.DuckDBPyConnection, lines_sql: str, path: Path, header: str | None) -> None:
    """Write the ``line`` column of ``lines_sql``, in query order, after an optional header line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if header is None:
        select, header_option = f"SELECT line FROM ({lines_sql})", "false"
    else:
        if '"' in header:
            raise ValueError("a header must not contain a double quote")
        select, header_option = f'SELECT line AS "{header}" FROM ({lines_sql})', "true"
    con.execute(
        f"COPY ({select}) TO {sql_string(str(tmp))} "
        f"(FORMAT csv, HEADER {header_option}, QUOTE '', ESCAPE '', DELIMITER '\x01')"
    )
    _move_into_place(tmp, path)


def write_json(document: dict, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _move_into_place(tmp, path)


def _move_into_place(tmp: Path, path: Path) -> None:
    if path.exists() and filecmp.cmp(tmp, path, shallow=False):
        tmp.unlink()
    else:
        os.replace(tmp, path)
