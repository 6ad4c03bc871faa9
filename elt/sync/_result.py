"""What a sync reports, whichever engine ran it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoadedFile:
    """A file loaded: ``records`` in the file, of which ``behind_cursor`` had been synced already (not loaded)."""

    stream: str
    file_url: str
    records: int
    in_raw: int
    header: str | None
    behind_cursor: int = 0

    @property
    def landed(self) -> int:
        return self.records - self.behind_cursor


@dataclass(frozen=True)
class FileProblem:
    """A file that was not loaded, and why, in words that name the file and the rule it broke."""

    stream: str
    file_url: str
    message: str


@dataclass(frozen=True)
class JobFigures:
    """One Airbyte job as its API reports it; Airbyte's public API gives one committed count, not emitted."""

    connection: str
    job_id: int
    status: str
    records: int | None
    bytes: int | None
    duration: str | None


@dataclass
class SyncResult:
    batch_id: int | None
    loaded: list[LoadedFile] = field(default_factory=list)
    skipped: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    jobs: list[JobFigures] = field(default_factory=list)

    def landed_by_stream(self) -> dict[str, dict[str, int]]:
        """Per stream, the files and records this batch landed: the payload of ``elt.batch.landed``."""
        landed: dict[str, dict[str, int]] = {}
        for item in self.loaded:
            figures = landed.setdefault(item.stream, {"files": 0, "records": 0})
            figures["files"] += 1
            figures["records"] += item.landed
        return landed
