"""The embedded sync: reads the stream catalogue and writes landing files into RAW in Airbyte's layout.

Each file is copied to the lake's raw zone, then loaded from that copy in one transaction together with its
entry in ``elt_meta.landed_files`` (the sync state): a file loads completely or not at all, and a crash
between data and state cannot happen. Lines DuckDB cannot parse are kept in RAW as records whose
``_airbyte_meta`` carries the error and the raw line, so nothing landed is lost.

Incremental streams have two cursors, as Airbyte's file-based sources do. The file is the first: a new path
loads whole, an unchanged one (same path and checksum) is skipped. The record cursor is the second: a changed
file is read again, but only its records whose cursor is at or past the stream's state (the largest cursor in
RAW, committed with the data) land; the ones behind it were synced already and are counted, not loaded.
``>=``, not ``>``: a record sharing the state's timestamp may be new, and staging's dedup absorbs a repeat.
A new file is not filtered, so a day file that arrives late is not lost. Document streams keep the cursor
inside the JSON and are filtered by file only.

Headers: a missing required field, an undeclared or repeated column stops the stream (none of its files load
in that run: the catalogue is the one place its schema is written, and silently dropping a column hides
drift); a missing optional field loads as null. A file that is not valid in its declared encoding is refused,
naming the line and byte, before DuckDB sees it (its CSV reader would quarantine the line as INVALID ENCODING
and ``read_text`` would fail without saying where).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from elt.catalog import Catalog, Stream, SyncMode
from elt.killpoints import KillPoint, kill_point
from elt.lake import LandedFile, LocalLake, UndecodableFileError, scan_file
from elt.sync._result import FileProblem, LoadedFile, SyncResult
from elt.warehouse import META_SCHEMA, RAW_SCHEMA
from elt.warehouse._duckdb import DuckDBWarehouse, quote

DUCKDB_TYPES = {
    "string": "varchar",
    "integer": "bigint",
    "number": "decimal(38, 9)",
    "boolean": "boolean",
    "date": "date",
    "timestamp_without_timezone": "timestamp",
}

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


def raw_table_ddl(stream: Stream) -> str:
    """The RAW table of a stream: its declared fields (or the whole document), then Airbyte's columns."""
    if stream.document:
        data = "_airbyte_data varchar,"
    else:
        data = "".join(f"{quote(f.name)} {DUCKDB_TYPES[f.type]}, " for f in stream.fields)
    return f"create table if not exists {RAW_SCHEMA}.{quote(stream.name)} ({data}{AIRBYTE_COLUMNS})"


@dataclass(frozen=True)
class _Load:
    """Where one file's records go: the batch, generation and extraction time they are stamped with."""

    batch_id: int
    generation_id: int
    extracted_at: datetime


class EmbeddedSync:
    def __init__(self, catalog: Catalog, warehouse: DuckDBWarehouse, lake: LocalLake, landing_dir: Path):
        self.catalog = catalog
        self.warehouse = warehouse
        self.lake = lake
        self.landing_dir = landing_dir

    def sync(self) -> SyncResult:
        """Land every new or changed file of every stream; files already ingested are skipped."""
        self.warehouse.ensure_schemas()
        with self.warehouse.connect() as con:
            for stream in self.catalog.streams:
                con.execute(raw_table_ddl(stream))
            ingested = set(
                con.execute(
                    f"select stream, file_url, checksum from {META_SCHEMA}.landed_files where not superseded"
                ).fetchall()
            )
        result = SyncResult(batch_id=None)
        pending: dict[str, list[tuple[str, Path, str, int, str | None]]] = {}
        for stream in self.catalog.streams:
            for path in self._files_of(stream):
                url = path.relative_to(self.landing_dir).as_posix()
                try:
                    checksum, records, header = scan_file(
                        path, has_header=stream.format == "csv", encoding=stream.encoding
                    )
                except UndecodableFileError as exc:
                    result.problems.append(
                        FileProblem(stream.name, url, f"{url}: {exc.where}; the file was not loaded")
                    )
                    continue
                if (stream.name, url, checksum) in ingested:
                    result.skipped += 1
                    continue
                problem = self._header_problem(stream, url, header)
                if problem:
                    result.problems.append(problem)
                    pending.pop(stream.name, None)
                    break
                pending.setdefault(stream.name, []).append((url, path, checksum, records, header))
        if not pending:
            return result
        load = self._open_batch()
        result.batch_id = load.batch_id
        for name, files in pending.items():
            stream = self.catalog.stream(name)
            landed = [
                LandedFile(
                    stream.name,
                    url,
                    self.lake.store(path, stream=name, batch_id=load.batch_id, relative_path=url, checksum=checksum),
                    checksum,
                    records,
                    header,
                )
                for url, path, checksum, records, header in files
            ]
            if stream.sync_mode is SyncMode.FULL_REFRESH_OVERWRITE:
                result.loaded.extend(self._overwrite(stream, landed, ingested, load))
            else:
                for item in landed:
                    with self.warehouse.transaction() as con:
                        generation = self._current_generation(con, stream)
                        result.loaded.append(
                            self._load_file(con, stream, item, _Load(load.batch_id, generation, load.extracted_at))
                        )
                    kill_point(KillPoint.SYNC_FILE)
        return result

    def _files_of(self, stream: Stream) -> list[Path]:
        return sorted(
            p
            for p in self.landing_dir.rglob("*")
            if p.is_file() and stream.matches(p.relative_to(self.landing_dir).as_posix())
        )

    @staticmethod
    def _header_problem(stream: Stream, url: str, header: str | None) -> FileProblem | None:
        if stream.format != "csv" or header is None:
            return None
        found = [name.strip() for name in header.split(stream.delimiter)]
        missing = [f.name for f in stream.fields if f.required and f.name not in found]
        undeclared = [f for f in found if f not in stream.field_names]
        repeated = sorted({f for f in found if found.count(f) > 1})
        if not missing and not undeclared and not repeated:
            return None
        return FileProblem(
            stream.name,
            url,
            f"{url}: line 1: header does not match the declared fields of stream '{stream.name}'"
            f" (missing required: {missing or 'none'}; undeclared: {undeclared or 'none'};"
            f" repeated: {repeated or 'none'}); stream '{stream.name}' stopped: none of its files were loaded",
        )

    def _open_batch(self) -> _Load:
        extracted_at = datetime.now(UTC)
        with self.warehouse.transaction() as con:
            row = con.execute(f"select coalesce(max(batch_id), 0) + 1 from {META_SCHEMA}.batches").fetchone()
            batch_id = int(row[0]) if row else 1
            con.execute(f"insert into {META_SCHEMA}.batches values (?, ?)", [batch_id, extracted_at])
        return _Load(batch_id, 0, extracted_at)

    @staticmethod
    def _current_generation(con: duckdb.DuckDBPyConnection, stream: Stream) -> int:
        row = con.execute(
            f"select coalesce(max(generation_id), 0) from {META_SCHEMA}.landed_files where stream = ?",
            [stream.name],
        ).fetchone()
        return int(row[0]) if row else 0

    def _overwrite(
        self, stream: Stream, changed: list[LandedFile], ingested: set[tuple[str, str, str]], load: _Load
    ) -> list[LoadedFile]:
        """Full refresh: the stream's current files become a new generation that replaces RAW in one step."""
        changed_urls = {item.relative_path for item in changed}
        unchanged = [
            LandedFile(stream.name, url, path, checksum, records, header)
            for path in self._files_of(stream)
            if (url := path.relative_to(self.landing_dir).as_posix()) not in changed_urls
            for checksum, records, header in [scan_file(path, has_header=stream.format == "csv")]
            if (stream.name, url, checksum) in ingested
        ]
        with self.warehouse.transaction() as con:
            generation = self._current_generation(con, stream) + 1
            con.execute(f"delete from {RAW_SCHEMA}.{quote(stream.name)}")
            con.execute(f"update {META_SCHEMA}.landed_files set superseded = true where stream = ?", [stream.name])
            stamp = _Load(load.batch_id, generation, load.extracted_at)
            return [self._load_file(con, stream, item, stamp) for item in [*changed, *unchanged]]

    def _load_file(self, con: duckdb.DuckDBPyConnection, stream: Stream, item: LandedFile, load: _Load) -> LoadedFile:
        behind_cursor = 0
        if item.records:
            if stream.document:
                self._insert_documents(con, stream, item, load)
            else:
                behind_cursor = self._insert_csv(con, stream, item, load, self._cursor_state(con, stream, item))
        row = con.execute(
            f"select count(*) from {RAW_SCHEMA}.{quote(stream.name)}"
            " where _ab_source_file_url = ? and _airbyte_extracted_at = ? and _airbyte_generation_id = ?",
            [item.relative_path, load.extracted_at, load.generation_id],
        ).fetchone()
        in_raw = int(row[0]) if row else 0
        loaded = LoadedFile(stream.name, item.relative_path, item.records, in_raw, item.header, behind_cursor)
        self._save_state(con, loaded, item.checksum, load)
        return loaded

    @staticmethod
    def _save_state(con: duckdb.DuckDBPyConnection, loaded: LoadedFile, checksum: str, load: _Load) -> None:
        """The file's sync state, in the transaction of its data: both commit or neither does."""
        con.execute(
            f"insert into {META_SCHEMA}.landed_files values (?, ?, ?, ?, ?, ?, ?, false)",
            [
                loaded.stream,
                loaded.file_url,
                checksum,
                loaded.landed,
                load.batch_id,
                load.generation_id,
                load.extracted_at,
            ],
        )

    @staticmethod
    def _cursor_state(con: duckdb.DuckDBPyConnection, stream: Stream, item: LandedFile) -> object | None:
        """The stream's cursor state when ``item`` is a changed file of an incremental stream, else None."""
        if stream.sync_mode is SyncMode.FULL_REFRESH_OVERWRITE or not stream.cursor_field:
            return None
        row = con.execute(
            f"select max({quote(stream.cursor_field)}) from {RAW_SCHEMA}.{quote(stream.name)}"
            f" where exists (select 1 from {META_SCHEMA}.landed_files"
            "               where stream = $stream and file_url = $url and not superseded)",
            {"stream": stream.name, "url": item.relative_path},
        ).fetchone()
        return row[0] if row else None

    @staticmethod
    def _stamp_params(item: LandedFile, load: _Load) -> dict[str, object]:
        return {
            "path": str(item.lake_path),
            "url": item.relative_path,
            "extracted_at": load.extracted_at,
            "batch": load.batch_id,
            "generation": load.generation_id,
        }

    def _insert_csv(
        self, con: duckdb.DuckDBPyConnection, stream: Stream, item: LandedFile, load: _Load, cursor_state: object
    ) -> int:
        """Land the file's records at or past ``cursor_state`` (all when None); return how many were behind it."""
        header = [name.strip() for name in (item.header or "").split(stream.delimiter)]
        types = {f.name: DUCKDB_TYPES[f.type] for f in stream.fields}
        columns = "{" + ", ".join(f"'{name}': '{types[name]}'" for name in header) + "}"
        values = ", ".join(
            quote(f.name) if f.name in header else f"null::{types[f.name]} as {quote(f.name)}" for f in stream.fields
        )
        names = ", ".join(quote(n) for n in stream.field_names)
        table = f"{RAW_SCHEMA}.{quote(stream.name)}"
        delimiter = stream.delimiter.replace("'", "''")
        con.execute(
            f"create or replace temp table elt_incoming as select {values}"
            f" from read_csv($path, header = true, auto_detect = false, delim = '{delimiter}', quote = '\"',"
            f" escape = '\"', columns = {columns}, encoding = '{stream.encoding}', store_rejects = true,"
            " rejects_table = 'elt_rejects', rejects_scan = 'elt_reject_scans')",
            {"path": str(item.lake_path)},
        )
        cursor = quote(stream.cursor_field or "")
        new = "true" if cursor_state is None else f"({cursor} is null or {cursor} >= $state)"
        state = {} if cursor_state is None else {"state": cursor_state}
        con.execute(
            f"insert into {table} ({names}, {_AIRBYTE_NAMES})"
            f" select {names}, uuid()::varchar, $extracted_at,"
            " json_object('sync_id', $batch, 'changes', json_array()), $generation, $url, null"
            f" from elt_incoming where {new}",
            {k: v for k, v in self._stamp_params(item, load).items() if k != "path"} | state,
        )
        row = con.execute(f"select count(*) from elt_incoming where not {new}", state).fetchone()
        con.execute(
            f"insert into {table} ({_AIRBYTE_NAMES})"
            " select uuid()::varchar, $extracted_at, json_object("
            "   'sync_id', $batch,"
            "   'changes', json_array(json_object('field', '_airbyte_data', 'change', 'NULLED',"
            "                                     'reason', 'SOURCE_SERIALIZATION_ERROR')),"
            "   'error_type', min(error_type::varchar), 'error', string_agg(error_message, '; '),"
            "   'source_record', min(csv_line)),"
            " $generation, $url, line"
            " from elt_rejects group by line order by line",
            {k: v for k, v in self._stamp_params(item, load).items() if k != "path"},
        )
        con.execute("drop table elt_incoming; drop table elt_rejects; drop table elt_reject_scans")
        return int(row[0]) if row else 0

    def _insert_documents(self, con: duckdb.DuckDBPyConnection, stream: Stream, item: LandedFile, load: _Load) -> None:
        """Keep each line whole in ``_airbyte_data``; parsing (and judging) the documents comes later."""
        con.execute(
            f"insert into {RAW_SCHEMA}.{quote(stream.name)} (_airbyte_data, {_AIRBYTE_NAMES})"
            " select rtrim(line, chr(13)), uuid()::varchar, $extracted_at,"
            " json_object('sync_id', $batch, 'changes', json_array()), $generation, $url, line_number"
            " from ("
            "   select unnest(lines) as line, generate_subscripts(lines, 1) as line_number"
            "   from ("
            "     select case when suffix(content, chr(10)) then list_slice(parts, 1, len(parts) - 1)"
            "            else parts end as lines"
            "     from (select content, string_split(content, chr(10)) as parts from read_text($path))"
            "   )"
            " )",
            self._stamp_params(item, load),
        )
