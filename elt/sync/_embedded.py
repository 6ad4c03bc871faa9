"""The embedded sync: reads the stream catalogue and writes landing files into RAW in Airbyte's layout.

Each file is copied to the lake's raw zone, then loaded from that copy in one transaction together with its
entry in ``elt_meta.landed_files`` (the sync state): a file loads completely or not at all, and a crash
between data and state cannot happen. Lines DuckDB cannot parse are kept in RAW as records whose
``_airbyte_meta`` carries the error and the raw line, so nothing landed is lost.

Every version of a file is accounted for. A file is new, unchanged (same path, same checksum as its latest
landed version: skipped) or changed: completed after a partial copy, corrected in place, sent again. A
changed file is read whole, as Airbyte's file-based sources do, and compared with its previous version (the
lake keeps that copy): its records with a key that the previous version already held, identical, are
counted as ``unchanged`` and not landed again; every other record lands, and staging keeps the latest
delivery of each key. Records without a key (unparsable lines, a null key) cannot be matched by key, so each
version lands all of them and staging keeps only those of the file's newest version: a line cut off by a
partial copy disappears once the file is complete, and a malformed line is not counted twice. Per file
version: records in the file = records landed in RAW + unchanged. Without the previous copy (a removed
lake) the file lands whole, which staging's deduplication absorbs, and the summary says so.

Headers: a missing required field, an undeclared or repeated column stops the stream (none of its files load
in that run: the catalogue is the one place its schema is written, and silently dropping a column hides
drift); a missing optional field loads as null. Header names may be quoted and may follow a UTF-8 byte order
mark. A file that is not valid in its declared encoding is refused, naming the line and byte, before DuckDB
sees it (its CSV reader would quarantine the line as INVALID ENCODING and ``read_text`` would fail without
saying where). A file name holding a date (``YYYY-MM-DD``) that does not exist is refused.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
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


@dataclass(frozen=True)
class _Version:
    """A file's latest landed version: its checksum, and the batch whose lake copy holds it."""

    checksum: str
    batch_id: int


@dataclass(frozen=True)
class _Pending:
    """A new or changed file waiting for the batch to open, with its previous version when it had one."""

    url: str
    path: Path
    checksum: str
    records: int
    header: str | None
    previous: _Version | None


_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_LISTED = 10


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
            latest = self._latest_versions(con)
        result = SyncResult(batch_id=None)
        pending: dict[str, list[_Pending]] = {}
        for stream in self.catalog.streams:
            files = {path.relative_to(self.landing_dir).as_posix(): path for path in self._files_of(stream)}
            versions = {url: version for (name, url), version in latest.items() if name == stream.name}
            changed = self._changed_files(stream, files, versions, result)
            if changed is None:
                continue
            gone = sorted(set(versions) - set(files))
            if gone:
                result.notes.append(self._gone_note(stream, gone))
            if changed or (gone and stream.sync_mode is SyncMode.FULL_REFRESH_OVERWRITE):
                pending[stream.name] = changed
            if stream.sync_mode is not SyncMode.FULL_REFRESH_OVERWRITE:
                result.notes += self._lake_notes(stream, versions)
        if not pending:
            return result
        load = self._open_batch()
        result.batch_id = load.batch_id
        for name, files in pending.items():
            stream = self.catalog.stream(name)
            landed = [(self._store(stream, f, load), f.previous) for f in files]
            if stream.sync_mode is SyncMode.FULL_REFRESH_OVERWRITE:
                result.loaded.extend(self._overwrite(stream, [item for item, _ in landed], latest, load))
                continue
            for item, previous in landed:
                with self.warehouse.transaction() as con:
                    stamp = _Load(load.batch_id, self._current_generation(con, stream), load.extracted_at)
                    result.loaded.append(
                        self._load_file(con, stream, item, stamp, self._copy_of(stream, item, previous))
                    )
                kill_point(KillPoint.SYNC_FILE)
        return result

    def _changed_files(
        self, stream: Stream, files: dict[str, Path], versions: dict[str, _Version], result: SyncResult
    ) -> list[_Pending] | None:
        """The stream's new and changed files, or None when a header stops the stream (the problem is reported)."""
        changed: list[_Pending] = []
        for url, path in files.items():
            problem = _file_name_problem(stream, url)
            if problem:
                result.problems.append(problem)
                continue
            try:
                checksum, records, header = scan_file(path, has_header=stream.format == "csv", encoding=stream.encoding)
            except UndecodableFileError as exc:
                result.problems.append(FileProblem(stream.name, url, f"{url}: {exc.where}; the file was not loaded"))
                continue
            previous = versions.get(url)
            if previous is not None and previous.checksum == checksum:
                result.skipped += 1
                continue
            problem = _header_problem(stream, url, header)
            if problem:
                result.problems.append(problem)
                return None
            changed.append(_Pending(url, path, checksum, records, header, previous))
        return changed

    def _store(self, stream: Stream, file: _Pending, load: _Load) -> LandedFile:
        """Copy the file into the lake's raw zone for this batch; it loads from that copy."""
        copy = self.lake.store(
            file.path, stream=stream.name, batch_id=load.batch_id, relative_path=file.url, checksum=file.checksum
        )
        return LandedFile(stream.name, file.url, copy, file.checksum, file.records, file.header)

    def _lake_notes(self, stream: Stream, versions: dict[str, _Version]) -> list[str]:
        """A note when the lake lost copies of landed files: changed files are then compared with nothing."""
        lost = sorted(
            url for url, v in versions.items() if not self.lake.raw_path(stream.name, v.batch_id, url).exists()
        )
        if not lost:
            return []
        return [
            f"{stream.name}: the lake ({self.lake.root / 'raw'}) has no copy of {len(lost)} of the {len(versions)}"
            f" files landed earlier ({_listed(lost)}); a changed one among them is landed whole, and staging keeps"
            " the latest delivery of each key"
        ]

    @staticmethod
    def _gone_note(stream: Stream, gone: list[str]) -> str:
        fate = (
            "this full refresh leaves their records out of RAW"
            if stream.sync_mode is SyncMode.FULL_REFRESH_OVERWRITE
            else "their records stay in RAW"
        )
        return f"{stream.name}: {len(gone)} files landed earlier are no longer in landing ({_listed(gone)}); {fate}"

    def _copy_of(self, stream: Stream, item: LandedFile, previous: _Version | None) -> Path | None:
        """The lake's copy of the file's previous version, when it had one and the lake still holds it."""
        if previous is None:
            return None
        copy = self.lake.raw_path(stream.name, previous.batch_id, item.relative_path)
        return copy if copy.exists() else None

    def _files_of(self, stream: Stream) -> list[Path]:
        return sorted(
            p
            for p in self.landing_dir.rglob("*")
            if p.is_file() and stream.matches(p.relative_to(self.landing_dir).as_posix())
        )

    @staticmethod
    def _latest_versions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], _Version]:
        """Each file's latest landed version; a file compares with it, never with an older one it may revert to."""
        rows = con.execute(
            f"select stream, file_url, checksum, batch_id from {META_SCHEMA}.landed_files where not superseded"
            " qualify row_number() over (partition by stream, file_url order by extracted_at desc) = 1"
        ).fetchall()
        return {(stream, url): _Version(checksum, int(batch)) for stream, url, checksum, batch in rows}

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
        self, stream: Stream, changed: list[LandedFile], latest: dict[tuple[str, str], _Version], load: _Load
    ) -> list[LoadedFile]:
        """Full refresh: the stream's current files become a new generation that replaces RAW in one step."""
        changed_urls = {item.relative_path for item in changed}
        unchanged = [
            LandedFile(stream.name, url, path, checksum, records, header)
            for path in self._files_of(stream)
            if (url := path.relative_to(self.landing_dir).as_posix()) not in changed_urls
            for checksum, records, header in [scan_file(path, has_header=stream.format == "csv")]
            if (version := latest.get((stream.name, url))) is not None and version.checksum == checksum
        ]
        with self.warehouse.transaction() as con:
            generation = self._current_generation(con, stream) + 1
            con.execute(f"delete from {RAW_SCHEMA}.{quote(stream.name)}")
            con.execute(f"update {META_SCHEMA}.landed_files set superseded = true where stream = ?", [stream.name])
            stamp = _Load(load.batch_id, generation, load.extracted_at)
            return [self._load_file(con, stream, item, stamp, None) for item in [*changed, *unchanged]]

    def _load_file(
        self, con: duckdb.DuckDBPyConnection, stream: Stream, item: LandedFile, load: _Load, previous: Path | None
    ) -> LoadedFile:
        unchanged = 0
        if item.records:
            insert = self._insert_documents if stream.document else self._insert_csv
            unchanged = insert(con, stream, item, load, previous)
        row = con.execute(
            f"select count(*) from {RAW_SCHEMA}.{quote(stream.name)}"
            " where _ab_source_file_url = ? and _airbyte_extracted_at = ? and _airbyte_generation_id = ?",
            [item.relative_path, load.extracted_at, load.generation_id],
        ).fetchone()
        in_raw = int(row[0]) if row else 0
        loaded = LoadedFile(stream.name, item.relative_path, item.records, in_raw, item.header, unchanged)
        self._save_state(con, loaded, item.checksum, load)
        return loaded

    @staticmethod
    def _save_state(con: duckdb.DuckDBPyConnection, loaded: LoadedFile, checksum: str, load: _Load) -> None:
        """The file's sync state, in the transaction of its data: both commit or neither does."""
        con.execute(
            f"insert into {META_SCHEMA}.landed_files"
            " (stream, file_url, checksum, records, unchanged, batch_id, generation_id, extracted_at, superseded)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, false)",
            [
                loaded.stream,
                loaded.file_url,
                checksum,
                loaded.landed,
                loaded.unchanged,
                load.batch_id,
                load.generation_id,
                load.extracted_at,
            ],
        )

    @staticmethod
    def _stamp_params(item: LandedFile, load: _Load) -> dict[str, object]:
        return {
            "url": item.relative_path,
            "extracted_at": load.extracted_at,
            "batch": load.batch_id,
            "generation": load.generation_id,
        }

    @staticmethod
    def _read_csv(stream: Stream, path: Path, header: str | None, errors: str) -> str:
        """A select of the stream's declared fields from one CSV file (a field its header lacks is null)."""
        names = _header_names(stream, header)
        types = {f.name: DUCKDB_TYPES[f.type] for f in stream.fields}
        columns = "{" + ", ".join(f"'{name}': '{types[name]}'" for name in names) + "}"
        values = ", ".join(
            quote(f.name) if f.name in names else f"null::{types[f.name]} as {quote(f.name)}" for f in stream.fields
        )
        delimiter = stream.delimiter.replace("'", "''")
        source = str(path).replace("'", "''")
        return (
            f"select {values} from read_csv('{source}', header = true, auto_detect = false, delim = '{delimiter}',"
            f" quote = '\"', escape = '\"', columns = {columns}, encoding = '{stream.encoding}', {errors})"
        )

    def _insert_csv(
        self, con: duckdb.DuckDBPyConnection, stream: Stream, item: LandedFile, load: _Load, previous: Path | None
    ) -> int:
        """Land the file's records, less those with a key its previous version held; return how many those were."""
        names = ", ".join(quote(n) for n in stream.field_names)
        table = f"{RAW_SCHEMA}.{quote(stream.name)}"
        stamp = self._stamp_params(item, load)
        con.execute(
            "create or replace temp table elt_incoming as "
            + self._read_csv(
                stream,
                item.lake_path,
                item.header,
                "store_rejects = true, rejects_table = 'elt_rejects', rejects_scan = 'elt_reject_scans'",
            )
        )
        new = "elt_incoming"
        if previous is not None:
            keyed = " and ".join(f"{quote(k)} is not null" for k in stream.primary_key)
            con.execute(
                "create or replace temp table elt_previous as "
                + self._read_csv(stream, previous, _read_header(previous, stream), "ignore_errors = true")
            )
            new = f"(select {names} from elt_incoming except all select {names} from elt_previous where {keyed})"
        inserted = con.execute(
            f"insert into {table} ({names}, {_AIRBYTE_NAMES})"
            f" select {names}, uuid()::varchar, $extracted_at,"
            " json_object('sync_id', $batch, 'changes', json_array()), $generation, $url, null"
            f" from {new}",
            stamp,
        ).fetchone()
        incoming = con.execute("select count(*) from elt_incoming").fetchone()
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
            stamp,
        )
        con.execute("drop table elt_incoming; drop table elt_rejects; drop table elt_reject_scans")
        if previous is not None:
            con.execute("drop table elt_previous")
        return (int(incoming[0]) if incoming else 0) - (int(inserted[0]) if inserted else 0)

    def _insert_documents(
        self, con: duckdb.DuckDBPyConnection, stream: Stream, item: LandedFile, load: _Load, previous: Path | None
    ) -> int:
        """Keep each line whole in ``_airbyte_data``, less the lines its previous version held; return how many.

        Documents are judged only when parsed, so a line is matched whole (each occurrence once); parsing (and
        judging) the documents comes later.
        """
        new = "incoming"
        if previous is not None:
            new = (
                "(select * from incoming anti join ("
                f"   select line, row_number() over (partition by line order by line_number) as occurrence"
                f"   from ({_DOCUMENT_LINES.format(path='$previous')})"
                " ) as prior using (line, occurrence))"
            )
        inserted = con.execute(
            f"with incoming as ("
            "   select *, row_number() over (partition by line order by line_number) as occurrence"
            f"  from ({_DOCUMENT_LINES.format(path='$path')})"
            ")"
            f" insert into {RAW_SCHEMA}.{quote(stream.name)} (_airbyte_data, {_AIRBYTE_NAMES})"
            " select line, uuid()::varchar, $extracted_at,"
            " json_object('sync_id', $batch, 'changes', json_array()), $generation, $url, line_number"
            f" from {new}",
            self._stamp_params(item, load)
            | {"path": str(item.lake_path)}
            | ({"previous": str(previous)} if previous is not None else {}),
        ).fetchone()
        return item.records - (int(inserted[0]) if inserted else 0)


# A document file's lines, numbered from 1, without their line ends; a final newline ends the last line.
_DOCUMENT_LINES = (
    "select rtrim(unnest(lines), chr(13)) as line, generate_subscripts(lines, 1) as line_number"
    " from ("
    "   select case when suffix(content, chr(10)) then list_slice(parts, 1, len(parts) - 1)"
    "          else parts end as lines"
    "   from (select content, string_split(content, chr(10)) as parts from read_text({path}))"
    " )"
)


def _header_names(stream: Stream, header: str | None) -> list[str]:
    """The column names of a CSV header line: quotes removed, a UTF-8 byte order mark dropped."""
    line = (header or "").removeprefix("\ufeff")
    try:
        names = next(csv.reader([line], delimiter=stream.delimiter, quotechar='"'), [])
    except csv.Error:  # a name longer than the csv module allows: no header of ours, refused as undeclared
        names = line.split(stream.delimiter)
    return [name.strip() for name in names]


def _read_header(path: Path, stream: Stream) -> str | None:
    with path.open(encoding=stream.encoding, newline="") as handle:
        return handle.readline().rstrip("\r\n") or None


def _listed(items: list[str]) -> str:
    """A list for a message, cut after a few items: a file may have thousands of columns."""
    shown = ", ".join(repr(item) for item in items[:_LISTED])
    return shown + (f" and {len(items) - _LISTED} more" if len(items) > _LISTED else "")


def _header_problem(stream: Stream, url: str, header: str | None) -> FileProblem | None:
    """Linear in the header's width: a first line of millions of columns is refused at once."""
    if stream.format != "csv" or header is None:
        return None
    found = _header_names(stream, header)
    declared = set(stream.field_names)
    present = set(found)
    missing = [f.name for f in stream.fields if f.required and f.name not in present]
    undeclared = [name for name in dict.fromkeys(found) if name not in declared]
    repeated = sorted(name for name, count in Counter(found).items() if count > 1)
    if not missing and not undeclared and not repeated:
        return None
    return FileProblem(
        stream.name,
        url,
        f"{url}: line 1: header does not match the declared fields of stream '{stream.name}'"
        f" (missing required: {_listed(missing) or 'none'}; undeclared: {_listed(undeclared) or 'none'};"
        f" repeated: {_listed(repeated) or 'none'}); stream '{stream.name}' stopped: none of its files were loaded",
    )


def _file_name_problem(stream: Stream, url: str) -> FileProblem | None:
    """A date in a file's name is its delivery day: one that is not a calendar date is refused."""
    for match in _DATE_IN_NAME.finditer(url.rsplit("/", 1)[-1]):
        try:
            date(*(int(part) for part in match.groups()))
        except ValueError:
            return FileProblem(
                stream.name,
                url,
                f"{url}: the date {match.group(0)} in the file name is not a calendar date; the file was not loaded",
            )
    return None
