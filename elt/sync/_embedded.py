"""The embedded sync: reads the stream catalogue and writes landing files into RAW in Airbyte's layout.

A sync is one batch: every new or changed file is copied to the lake's raw zone under the batch, then loaded
from that copy, and the batch, its records and its files' entries in ``elt_meta.landed_files`` (the sync state)
are written in one transaction on one connection: a batch loads completely or not at all, and a crash between
data and state cannot happen. Its cost follows what arrived: the state is read once, new files of a stream are
read together (see ``_raw_load``), and the records each file put in RAW are counted from the batch's rows only.
Lines DuckDB cannot parse are kept in RAW as records whose ``_airbyte_meta`` carries the error, the raw line and
its line number in its file, so nothing landed is lost.

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

Headers: a missing required field or a repeated column stops the stream (none of its files load in that run:
the catalogue is the one place its schema is written); a missing optional field loads as null. A column the
catalogue does not declare follows the stream's ``undeclared_columns``: under ``ignore`` (the default) the file
loads, each record's undeclared values are kept in RAW's ``_airbyte_data`` as a JSON object of text (files of
one header are still read together) and the sync result reports the columns and files as drift, so nothing is
dropped silently; under ``fail`` the column stops the stream. Header names may be quoted and may follow a
UTF-8 byte order mark. A file that is not valid in its declared encoding is refused, naming the line and byte,
before DuckDB sees it (its CSV reader would quarantine the line as INVALID ENCODING and ``read_text`` would
fail without saying where). A file name holding a date (``YYYY-MM-DD``) that does not exist is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from elt.catalog import Catalog, Stream, SyncMode
from elt.killpoints import KillPoint, kill_point
from elt.lake import LandedFile, LocalLake, UndecodableFileError, scan_file
from elt.sync._raw_load import (
    DeclaredTypeError,
    Stamp,
    header_names,
    insert_csv,
    insert_documents,
    raw_table_ddl,
    records_in_raw,
    register_files,
    undeclared_names,
)
from elt.sync._result import FileProblem, LoadedFile, SyncResult, UndeclaredColumns, listed
from elt.warehouse import META_SCHEMA, RAW_SCHEMA
from elt.warehouse._duckdb import DuckDBWarehouse, quote

__all__ = ["EmbeddedSync", "raw_table_ddl"]


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


@dataclass(frozen=True)
class _Landed:
    """A file version loaded in this batch, with what its sync state records beside the figures."""

    loaded: LoadedFile
    checksum: str
    generation_id: int


_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


class EmbeddedSync:
    def __init__(self, catalog: Catalog, warehouse: DuckDBWarehouse, lake: LocalLake, landing_dir: Path):
        self.catalog = catalog
        self.warehouse = warehouse
        self.lake = lake
        self.landing_dir = landing_dir

    def sync(self) -> SyncResult:
        """Land every new or changed file of every stream in one batch; files already ingested are skipped.

        The batch is one transaction on one connection: its data, its files' state and the batch itself commit
        together or not at all, and a rerun after a crash lands it once. A file where most records hold a value of
        one field that its declared type cannot read means the catalogue is wrong: no file of the batch lands, and
        the problem names the file, the line and the field.
        """
        self.warehouse.ensure_schemas()
        result = SyncResult(batch_id=None)
        try:
            return self._sync_batch(result)
        except DeclaredTypeError as exc:  # the batch's transaction rolled back: nothing of it landed
            return SyncResult(
                None, skipped=result.skipped, problems=[*result.problems, *exc.problems], notes=result.notes
            )

    def _sync_batch(self, result: SyncResult) -> SyncResult:
        """The batch in its one transaction; a file whose values do not fit a declared type rolls it back."""
        with self.warehouse.transaction() as con:
            for stream in self.catalog.streams:
                con.execute(raw_table_ddl(stream))
            latest = self._latest_versions(con)
            pending = self._pending(latest, result)
            if not pending:
                return result
            generations = self._generations(con)
            stamp = self._open_batch(con)
            result.batch_id = stamp.batch_id
            landed: list[_Landed] = []
            drift: list[UndeclaredColumns] = []
            for name, files in pending.items():
                stream = self.catalog.stream(name)
                generation = generations.get(name, 0)
                if stream.sync_mode is SyncMode.FULL_REFRESH_OVERWRITE:
                    generation += 1
                    self._clear(con, stream)
                stream_stamp = Stamp(stamp.batch_id, generation, stamp.extracted_at)
                to_land = self._files_to_land(stream, files, latest, stamp)
                landed += self._land(con, stream, to_land, stream_stamp)
                drift += _undeclared_columns(stream, [item for item, _ in to_land])
                kill_point(KillPoint.SYNC_FILE)  # inside the batch's transaction: a kill here leaves nothing
            self._save_state(con, landed, stamp)
        result.loaded.extend(item.loaded for item in landed)
        result.undeclared_columns.extend(drift)
        return result

    def _pending(self, latest: dict[tuple[str, str], _Version], result: SyncResult) -> dict[str, list[_Pending]]:
        """Per stream to land, its new and changed files; skipped files, problems and notes go to ``result``."""
        pending: dict[str, list[_Pending]] = {}
        landing = self._landing_files()
        for stream in self.catalog.streams:
            files = self._files_of(stream, landing)
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
        return pending

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

    def _files_to_land(
        self, stream: Stream, files: list[_Pending], latest: dict[tuple[str, str], _Version], stamp: Stamp
    ) -> list[tuple[LandedFile, Path | None]]:
        """The stream's files to read, each with its previous version's lake copy when it is to be compared.

        A full refresh reads every current file whole: its unchanged ones from landing, as they were landed.
        """
        stored = [(self._store(stream, f, stamp), self._copy_of(stream, f)) for f in files]
        if stream.sync_mode is not SyncMode.FULL_REFRESH_OVERWRITE:
            return stored
        return [(item, None) for item, _ in stored] + [(item, None) for item in self._unchanged(stream, files, latest)]

    def _land(
        self, con: duckdb.DuckDBPyConnection, stream: Stream, files: list[tuple[LandedFile, Path | None]], stamp: Stamp
    ) -> list[_Landed]:
        """Load the stream's files with as few reads as their headers allow, then count what RAW holds of each."""
        register_files(con, [item for item, _ in files])
        insert = insert_documents if stream.document else insert_csv
        unchanged = {
            group[0].relative_path: insert(con, stream, group, stamp, previous)
            for group, previous in _reads(stream, files)
        }
        in_raw = records_in_raw(con, stream, stamp)
        return [
            _Landed(
                LoadedFile(
                    stream.name,
                    item.relative_path,
                    item.records,
                    in_raw.get(item.relative_path, 0),
                    item.header,
                    unchanged.get(item.relative_path, 0),
                ),
                item.checksum,
                stamp.generation_id,
            )
            for item, previous in files
        ]

    def _store(self, stream: Stream, file: _Pending, stamp: Stamp) -> LandedFile:
        """Copy the file into the lake's raw zone for this batch; it loads from that copy."""
        copy = self.lake.store(
            file.path, stream=stream.name, batch_id=stamp.batch_id, relative_path=file.url, checksum=file.checksum
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
            f" files landed earlier ({listed(lost)}); a changed one among them is landed whole, and staging keeps"
            " the latest delivery of each key"
        ]

    @staticmethod
    def _gone_note(stream: Stream, gone: list[str]) -> str:
        fate = (
            "this full refresh leaves their records out of RAW"
            if stream.sync_mode is SyncMode.FULL_REFRESH_OVERWRITE
            else "their records stay in RAW"
        )
        return f"{stream.name}: {len(gone)} files landed earlier are no longer in landing ({listed(gone)}); {fate}"

    def _copy_of(self, stream: Stream, file: _Pending) -> Path | None:
        """The lake's copy of the file's previous version, when it had one and the lake still holds it."""
        if file.previous is None:
            return None
        copy = self.lake.raw_path(stream.name, file.previous.batch_id, file.url)
        return copy if copy.exists() else None

    def _landing_files(self) -> dict[str, Path]:
        """Every file in landing by its URL, sorted: listed once per sync, whatever the number of streams."""
        paths = sorted(p for p in self.landing_dir.rglob("*") if p.is_file())
        return {p.relative_to(self.landing_dir).as_posix(): p for p in paths}

    @staticmethod
    def _files_of(stream: Stream, landing: dict[str, Path]) -> dict[str, Path]:
        return {url: path for url, path in landing.items() if stream.matches(url)}

    @staticmethod
    def _latest_versions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], _Version]:
        """Each file's latest landed version; a file compares with it, never with an older one it may revert to."""
        rows = con.execute(
            f"select stream, file_url, checksum, batch_id from {META_SCHEMA}.landed_files where not superseded"
            " qualify row_number() over (partition by stream, file_url order by extracted_at desc) = 1"
        ).fetchall()
        return {(stream, url): _Version(checksum, int(batch)) for stream, url, checksum, batch in rows}

    @staticmethod
    def _generations(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        """Each stream's current generation: a full refresh starts the next one."""
        rows = con.execute(
            f"select stream, max(generation_id) from {META_SCHEMA}.landed_files group by stream"
        ).fetchall()
        return {stream: int(generation) for stream, generation in rows}

    def _open_batch(self, con: duckdb.DuckDBPyConnection) -> Stamp:
        """The next batch, in the sync's transaction. Its id is also past every batch folder in the lake: a crashed
        sync's copies stay where they are, never mistaken for this batch's."""
        extracted_at = datetime.now(UTC)
        row = con.execute(f"select coalesce(max(batch_id), 0) from {META_SCHEMA}.batches").fetchone()
        batch_id = max(int(row[0]) if row else 0, self.lake.newest_batch()) + 1
        con.execute(f"insert into {META_SCHEMA}.batches values (?, ?)", [batch_id, extracted_at])
        return Stamp(batch_id, 0, extracted_at)

    @staticmethod
    def _clear(con: duckdb.DuckDBPyConnection, stream: Stream) -> None:
        """A full refresh: the stream's RAW rows and file states give way to the new generation, in the batch."""
        con.execute(f"delete from {RAW_SCHEMA}.{quote(stream.name)}")
        con.execute(f"update {META_SCHEMA}.landed_files set superseded = true where stream = ?", [stream.name])

    def _unchanged(
        self, stream: Stream, changed: list[_Pending], latest: dict[tuple[str, str], _Version]
    ) -> list[LandedFile]:
        """A full-refresh stream's current files that did not change: they land again, read from landing."""
        changed_urls = {item.url for item in changed}
        return [
            LandedFile(stream.name, url, path, checksum, records, header)
            for url, path in self._files_of(stream, self._landing_files()).items()
            if url not in changed_urls
            for checksum, records, header in [scan_file(path, has_header=stream.format == "csv")]
            if (version := latest.get((stream.name, url))) is not None and version.checksum == checksum
        ]

    @staticmethod
    def _save_state(con: duckdb.DuckDBPyConnection, landed: list[_Landed], stamp: Stamp) -> None:
        """The batch's file states, in the transaction of its data (one statement): both commit or neither does."""
        con.execute(
            f"insert into {META_SCHEMA}.landed_files"
            " (stream, file_url, checksum, records, unchanged, batch_id, generation_id, extracted_at, superseded)"
            " select unnest($streams), unnest($urls), unnest($checksums), unnest($records), unnest($unchanged),"
            " $batch, unnest($generations), $extracted_at, false",
            {
                "streams": [item.loaded.stream for item in landed],
                "urls": [item.loaded.file_url for item in landed],
                "checksums": [item.checksum for item in landed],
                "records": [item.loaded.landed for item in landed],
                "unchanged": [item.loaded.unchanged for item in landed],
                "generations": [item.generation_id for item in landed],
                "batch": stamp.batch_id,
                "extracted_at": stamp.extracted_at,
            },
        )


def _reads(
    stream: Stream, files: list[tuple[LandedFile, Path | None]]
) -> Iterator[tuple[list[LandedFile], Path | None]]:
    """The reads that load the files: a changed file with its previous version alone, the others in groups of one
    header each (one group for documents). Files without records are not read."""
    groups: dict[tuple[str, ...], list[LandedFile]] = {}
    for item, previous in files:
        if not item.records:
            continue
        if previous is not None:
            yield [item], previous
        else:
            key = tuple(header_names(stream, item.header)) if stream.format == "csv" else ()
            groups.setdefault(key, []).append(item)
    for group in groups.values():
        yield group, None


def _header_problem(stream: Stream, url: str, header: str | None) -> FileProblem | None:
    """The rules the header breaks, if any; undeclared columns break one only under ``undeclared_columns: fail``.

    Linear in the header's width: a first line of millions of columns is refused at once.
    """
    if stream.format != "csv" or header is None:
        return None
    found = header_names(stream, header)
    present = set(found)
    broken = {
        "missing required": [f.name for f in stream.fields if f.required and f.name not in present],
        "undeclared": undeclared_names(stream, header) if stream.undeclared_columns == "fail" else [],
        "repeated": sorted(name for name, count in Counter(found).items() if count > 1),
    }
    if not any(broken.values()):
        return None
    rules = "; ".join(f"{rule}: {listed(names)}" for rule, names in broken.items() if names)
    return FileProblem(
        stream.name,
        url,
        f"{url}: line 1: header does not match the declared fields of stream '{stream.name}' ({rules});"
        f" stream '{stream.name}' stopped: none of its files were loaded",
    )


def _undeclared_columns(stream: Stream, files: list[LandedFile]) -> list[UndeclaredColumns]:
    """The stream's undeclared columns in the files this batch lands, with the files that carry them: drift to show."""
    carrying = {f.relative_path: names for f in files if (names := undeclared_names(stream, f.header))}
    if not carrying:
        return []
    columns = sorted({name for names in carrying.values() for name in names})
    return [UndeclaredColumns(stream.name, tuple(columns), tuple(carrying))]


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
