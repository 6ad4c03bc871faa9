"""What a sync reports, whichever engine ran it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoadedFile:
    stream: str
    file_url: str
    records: int
    in_raw: int
    header: str | None


@dataclass(frozen=True)
class FileProblem:
    """A file that was not loaded, and why, in words that name the file and the rule it broke."""

    stream: str
    file_url: str
    message: str


@dataclass
class SyncResult:
    batch_id: int | None
    loaded: list[LoadedFile] = field(default_factory=list)
    skipped: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    def records_by_stream(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for item in self.loaded:
            totals[item.stream] = totals.get(item.stream, 0) + item.records
        return totals
