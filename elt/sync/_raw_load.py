"""Writing landed files into a stream's RAW table, several files per statement, on the batch's connection.

New files of a stream are read together by DuckDB's multi-file readers (``read_csv`` of a list, ``read_text`` of a
list): the cost of a batch follows the bytes it lands, not its number of files. A changed file is read alone
beside its previous version, to land only what that version did not hold. Each row names its file through the
reader's ``filename`` column, rejected CSV lines through the rejects scan's ``file_path``; both are mapped back to
the file's landing URL by a small temp table of the batch's files. Nothing here commits: the caller's transaction
holds the batch.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from elt.catalog import SQL_TYPES, Stream
from elt.lake import LandedFile
from elt.sync._result import FileProblem
from elt.warehouse import RAW_SCHEMA
from elt.warehouse._duckdb import quote
from elt.warehouse._duckdb_readers import literal

AIRBYTE_COLUMNS = """
    _airbyte_raw_id varchar not null,
    _airbyte_extracted_at timestamptz not null,
    _airbyte_meta json not null,
    _airbyte_generation_id bigint not null,
    _ab_source_file_url varchar not null,
    _ab_source_file_line bigint
"""

_AIRBYTE_NAMES = (
    "_airbyte_raw_id, _airbyte_extracted_at, _airbyte_meta, _airbyte_generation_id,"
    " _ab_source_file_url, _ab_source_file_line"
)

_REJECTS = "store_rejects = true, rejects_table = 'elt_rejects', rejects_scan = 'elt_reject_scans'"


def raw_table_ddl(stream: Stream) -> str:
    """The RAW table of a stream: its declared fields (or the whole document), then Airbyte's columns.

    A CSV stream's ``_airbyte_data`` (each record's undeclared columns) comes last, added by its own statement:
    a warehouse created before it gains it the same way, so old and new tables have one layout.
    """
    table = f"{RAW_SCHEMA}.{quote(stream.name)}"
    if stream.document:
        return f"create table if not exists {table} (_airbyte_data varchar, {AIRBYTE_COLUMNS})"
    fields = "".join(f"{quote(f.name)} {SQL_TYPES[f.type]}, " for f in stream.fields)
    return (
        f"create table if not exists {table} ({fields}{AIRBYTE_COLUMNS});"
        f" alter table {table} add column if not exists _airbyte_data json"
    )


@dataclass(frozen=True)
class Stamp:
    """What every record of a stream in this batch is stamped with: its batch, generation and extraction time."""

    batch_id: int
    generation_id: int
    extracted_at: datetime

    def params(self) -> dict[str, object]:
        return {"extracted_at": self.extracted_at, "batch": self.batch_id, "generation": self.generation_id}


def register_files(con: duckdb.DuckDBPyConnection, files: Sequence[LandedFile]) -> None:
    """The temp table mapping each file's path (as its reader reports it) to its landing URL."""
    con.execute(
        "create or replace temp table elt_files as select unnest($paths) as path, unnest($urls) as url",
        {"paths": [str(f.lake_path) for f in files], "urls": [f.relative_path for f in files]},
    )


class DeclaredTypeError(Exception):
    """Most of a file's values of a field do not fit the type the catalogue declares for it.

    Then the declaration is wrong, not the records: quarantining every line would hide it behind a closed gate. The
    batch is not landed; the stage-1 check reports each file with its first such line and field.
    """

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def insert_csv(
    con: duckdb.DuckDBPyConnection, stream: Stream, files: Sequence[LandedFile], stamp: Stamp, previous: Path | None
) -> int:
    """Land the files' records (files sharing one header), less those with a key the previous version held.

    ``previous`` is given only for a single changed file; returns how many of its records that version held.
    """
    names = ", ".join(quote(n) for n in stream.field_names)
    table = f"{RAW_SCHEMA}.{quote(stream.name)}"
    paths = {"paths": [str(f.lake_path) for f in files]}
    reader = _read_csv(stream, "$paths", files[0].header, _REJECTS)
    source = f"({reader})"
    if previous is not None:
        keyed = " and ".join(f"{quote(k)} is not null" for k in stream.primary_key)
        con.execute(f"create or replace temp table elt_incoming as {reader}", paths)
        con.execute(
            "create or replace temp table elt_previous as select * replace ($path as elt_file) from ("
            + _read_csv(stream, "$previous", _read_header(previous, stream), "ignore_errors = true")
            + ")",
            {"previous": str(previous), "path": str(files[0].lake_path)},
        )
        source = f"(select * from elt_incoming except all select * from elt_previous where {keyed})"
        paths = {}
    inserted = con.execute(
        f"insert into {table} ({names}, _airbyte_data, {_AIRBYTE_NAMES}) select {names}, _airbyte_data,"
        " uuid()::varchar, $extracted_at, json_object('sync_id', $batch, 'changes', json_array()),"
        f" $generation, f.url, null from {source} as s join elt_files as f on f.path = s.elt_file",
        stamp.params() | paths,
    ).fetchone()
    mismatches = _declared_type_mismatches(con, stream, files)
    if mismatches:
        raise DeclaredTypeError(mismatches)
    con.execute(
        f"insert into {table} ({_AIRBYTE_NAMES})"
        " select uuid()::varchar, $extracted_at, json_object("
        "   'sync_id', $batch,"
        "   'changes', json_array(json_object('field', '_airbyte_data', 'change', 'NULLED',"
        "                                     'reason', 'SOURCE_SERIALIZATION_ERROR')),"
        "   'error_type', min(r.error_type::varchar), 'error', string_agg(r.error_message, '; '),"
        "   'source_record', min(r.csv_line)),"
        " $generation, f.url, r.line"
        " from elt_rejects as r join elt_reject_scans as s using (scan_id, file_id)"
        " join elt_files as f on f.path = s.file_path"
        " group by f.url, r.line order by f.url, r.line",
        stamp.params(),
    )
    con.execute("drop table elt_rejects; drop table elt_reject_scans")
    if previous is None:
        return 0
    incoming = con.execute("select count(*) from elt_incoming").fetchone()
    con.execute("drop table elt_incoming; drop table elt_previous")
    return _count(incoming) - _count(inserted)


def _declared_type_mismatches(
    con: duckdb.DuckDBPyConnection, stream: Stream, files: Sequence[LandedFile]
) -> list[FileProblem]:
    """The files (of two records or more) where more than half the records hold a value of one field that does not
    cast to its declared type: one grouped read of the rejects this read left, as small as the bad lines."""
    rows = con.execute(
        "select f.url, r.column_name, count(distinct r.line), min(r.line), arg_min(r.error_message, r.line)"
        " from elt_rejects as r join elt_reject_scans as s using (scan_id, file_id)"
        " join elt_files as f on f.path = s.file_path where r.error_type = 'CAST' group by all order by all"
    ).fetchall()
    records = {f.relative_path: f.records for f in files}
    types = {f.name: f.type for f in stream.fields}
    return [
        FileProblem(
            stream.name,
            url,
            f"{url}: line {line}: field '{column}' is declared {types.get(column, 'otherwise')} in the catalogue,"
            f" but {bad} of the file's {records[url]} records hold a value that is not ({error}): the declaration"
            f" does not fit the file; nothing of this batch was loaded",
        )
        for url, column, bad, line, error in rows
        if records.get(url, 0) >= 2 and 2 * bad > records[url]
    ]


def insert_documents(
    con: duckdb.DuckDBPyConnection, stream: Stream, files: Sequence[LandedFile], stamp: Stamp, previous: Path | None
) -> int:
    """Keep each line whole in ``_airbyte_data``, less the lines the previous version held; return how many.

    Documents are judged only when parsed, so a line is matched whole (each occurrence once); parsing (and
    judging) the documents comes later. ``previous`` is given only for a single changed file.
    """
    source = f"({_DOCUMENT_LINES.format(paths='$paths')})"
    params = stamp.params() | {"paths": [str(f.lake_path) for f in files]}
    if previous is not None:
        source = (
            f"(select * exclude (occurrence) from ({_numbered('$paths')}) anti join ({_numbered('$previous')})"
            " using (line, occurrence))"
        )
        params["previous"] = str(previous)
    inserted = con.execute(
        f"insert into {RAW_SCHEMA}.{quote(stream.name)} (_airbyte_data, {_AIRBYTE_NAMES})"
        " select d.line, uuid()::varchar, $extracted_at, json_object('sync_id', $batch, 'changes', json_array()),"
        f" $generation, f.url, d.line_number from {source} as d join elt_files as f on f.path = d.filename",
        params,
    ).fetchone()
    return 0 if previous is None else files[0].records - _count(inserted)


def records_in_raw(con: duckdb.DuckDBPyConnection, stream: Stream, stamp: Stamp) -> dict[str, int]:
    """Per file, the records this batch put in RAW: one grouped count of the batch's rows.

    The filter on the batch's extraction time lets DuckDB skip every stored row group of earlier batches by its
    min/max statistics, so the count reads this batch's rows, not the table.
    """
    rows = con.execute(
        f"select _ab_source_file_url, count(*) from {RAW_SCHEMA}.{quote(stream.name)}"
        " where _airbyte_extracted_at = $extracted_at and _airbyte_generation_id = $generation group by all",
        {"extracted_at": stamp.extracted_at, "generation": stamp.generation_id},
    ).fetchall()
    return {url: int(count) for url, count in rows}


def header_names(stream: Stream, header: str | None) -> list[str]:
    """The column names of a CSV header line: quotes removed, a UTF-8 byte order mark dropped."""
    line = (header or "").removeprefix("\ufeff")
    try:
        names = next(csv.reader([line], delimiter=stream.delimiter, quotechar='"'), [])
    except csv.Error:  # a name longer than the csv module allows: no header of ours, refused as undeclared
        names = line.split(stream.delimiter)
    return [name.strip() for name in names]


def undeclared_names(stream: Stream, header: str | None) -> list[str]:
    """The header's column names that the stream does not declare, each once, in the header's order."""
    declared = set(stream.field_names)
    return [name for name in dict.fromkeys(header_names(stream, header)) if name not in declared]


def _read_csv(stream: Stream, paths: str, header: str | None, errors: str) -> str:
    """A select of the stream's declared fields (a field the header lacks is null), ``_airbyte_data`` and
    ``elt_file``, the file's path.

    ``_airbyte_data`` holds the header's undeclared columns as a JSON object of their text (null when it has none).
    They are read as varchar under positional names: their own names, which come from the file, are only the
    object's keys (string literals), so no name can break the statement or meet a declared one.
    ``paths`` is a SQL expression: one path or a list of paths of files sharing that header.
    """
    names = header_names(stream, header)
    types = {f.name: SQL_TYPES[f.type] for f in stream.fields}
    read_as = [name if name in types else f"elt_undeclared_{i}" for i, name in enumerate(names)]
    columns = ", ".join(f"{literal(column)}: '{types.get(column, 'varchar')}'" for column in read_as)
    undeclared = [f"{literal(name)}, {col}" for name, col in zip(names, read_as, strict=True) if name not in types]
    data = f"json_object({', '.join(undeclared)})" if undeclared else "null::json"
    values = ", ".join(
        quote(f.name) if f.name in names else f"null::{types[f.name]} as {quote(f.name)}" for f in stream.fields
    )
    delimiter = stream.delimiter.replace("'", "''")
    return (
        f"select {values}, {data} as _airbyte_data, elt_file from read_csv({paths}, header = true,"
        f" auto_detect = false, delim = '{delimiter}', quote = '\"', escape = '\"', columns = {{{columns}}},"
        f" encoding = '{stream.encoding}', filename = 'elt_file', {errors})"
    )


def _read_header(path: Path, stream: Stream) -> str | None:
    with path.open(encoding=stream.encoding, newline="") as handle:
        return handle.readline().rstrip("\r\n") or None


def _count(row: tuple | None) -> int:
    return int(row[0]) if row else 0


# Each document file's lines, numbered from 1, without their line ends; a final newline ends the last line.
_DOCUMENT_LINES = (
    "select filename, rtrim(unnest(lines), chr(13)) as line, generate_subscripts(lines, 1) as line_number"
    " from ("
    "   select filename, case when suffix(content, chr(10)) then list_slice(parts, 1, len(parts) - 1)"
    "          else parts end as lines"
    "   from (select filename, content, string_split(content, chr(10)) as parts from read_text({paths}))"
    " )"
)


def _numbered(paths: str) -> str:
    """One file's lines, each with its occurrence among equal lines: a repeated line is matched once per copy."""
    return (
        "select line, line_number, occurrence, filename from ("
        "  select *, row_number() over (partition by line order by line_number) as occurrence"
        f" from ({_DOCUMENT_LINES.format(paths=paths)}))"
    )
