"""What a sync reports, whichever engine ran it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class LoadedFile:
    """A file version loaded: ``records`` in the file, of which ``unchanged`` its previous version held already.

    Those were landed with that version and are not landed again; the rest must all be in RAW.
    """

    stream: str
    file_url: str
    records: int
    in_raw: int
    header: str | None
    unchanged: int = 0

    @property
    def landed(self) -> int:
        return self.records - self.unchanged


@dataclass(frozen=True)
class FileProblem:
    """A file that was not loaded, and why, in words that name the file and the rule it broke."""

    stream: str
    file_url: str
    message: str


@dataclass(frozen=True)
class UndeclaredColumns:
    """A stream's CSV columns that the catalogue does not declare, in the files of this batch that carry them.

    Under the stream's ``undeclared_columns: ignore`` their values are kept in RAW's ``_airbyte_data`` but no model
    reads them: drift a person should see, so the catalogue can declare them or the source stop sending them.
    """

    stream: str
    columns: tuple[str, ...]
    files: tuple[str, ...]

    def describe(self) -> str:
        """One warning line for logs and the run summary."""
        return (
            f"{self.stream}: {len(self.columns)} undeclared columns kept in RAW _airbyte_data, not modelled:"
            f" {listed(list(self.columns))} ({len(self.files)} files; the catalogue's undeclared_columns: ignore)"
        )


@dataclass(frozen=True)
class JobFigures:
    """One Airbyte job's outcome and figures, each from where Airbyte reports it.

    ``records_synced``/``bytes_synced`` are the public API's ``rowsSynced``/``bytesSynced``: one count per job that
    the API does not say is emitted or committed, so it is kept under its own name. The emitted and committed
    counts come from the job's attempts (Airbyte's Config API, summed over attempts) and are None where that
    API did not answer. ``duration`` is the public API's ISO 8601 duration.
    """

    connection: str
    job_id: int
    status: str
    duration: str | None = None
    records_synced: int | None = None
    bytes_synced: int | None = None
    records_emitted: int | None = None
    bytes_emitted: int | None = None
    records_committed: int | None = None
    bytes_committed: int | None = None

    def describe(self) -> str:
        """One line for logs and the run summary; ``?`` marks a figure Airbyte did not report."""

        def n(value: int | None) -> str:
            return "?" if value is None else str(value)

        return (
            f"{self.connection}: job {self.job_id} {self.status} in {self.duration or '?'};"
            f" records emitted {n(self.records_emitted)}, committed {n(self.records_committed)};"
            f" bytes emitted {n(self.bytes_emitted)}, committed {n(self.bytes_committed)}"
            f" (public API: {n(self.records_synced)} records, {n(self.bytes_synced)} bytes synced)"
        )


class Sync(Protocol):
    """What every ingestion engine offers the ``sync-streams`` task: land what is new, report it."""

    def sync(self) -> SyncResult: ...


@dataclass
class SyncResult:
    batch_id: int | None
    loaded: list[LoadedFile] = field(default_factory=list)
    skipped: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    jobs: list[JobFigures] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the sync saw and did not refuse, but a person should know: files gone from landing, a lake copy missing."""
    undeclared_columns: list[UndeclaredColumns] = field(default_factory=list)

    def landed_by_stream(self) -> dict[str, dict[str, int]]:
        """Per stream, the files and records this batch landed: the payload of ``elt.batch.landed``."""
        landed: dict[str, dict[str, int]] = {}
        for item in self.loaded:
            figures = landed.setdefault(item.stream, {"files": 0, "records": 0})
            figures["files"] += 1
            figures["records"] += item.landed
        return landed


def listed(items: list[str], limit: int = 10) -> str:
    """A list for a message, cut after a few items: a file may have thousands of columns."""
    shown = ", ".join(repr(item) for item in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
