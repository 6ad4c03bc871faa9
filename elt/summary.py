"""The run summary: what every stream landed, kept, quarantined and published, and the gate's verdict."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from elt.sync import JobFigures, UndeclaredColumns
from elt.warehouse import StreamFigures

# What a message links instead of the Data Docs when ELT_DOCS_URL does not say where they are served.
DOCS_URL_UNSET = (
    "set ELT_DOCS_URL to the address $ELT_DATA_DIR/docs is served at (`elt docs serve`, a bucket) to link the Data Docs"
)


class RunStatus(StrEnum):
    PUBLISHED = "published"
    GATE_CLOSED = "gate closed"
    UP_TO_DATE = "up to date"


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: RunStatus
    batch_id: int | None
    build_schema: str | None
    published_build: str | None
    files_loaded: int
    files_skipped: int
    streams: list[StreamFigures]
    records_unchanged: int = 0
    # Per stream, the records this run's batch landed; the table's other columns total every batch to date.
    batch_records: dict[str, int] = field(default_factory=dict)
    landing_notes: list[str] = field(default_factory=list)
    # Per stream, the CSV columns this batch kept in RAW's _airbyte_data without a declared field: drift.
    undeclared_columns: list[UndeclaredColumns] = field(default_factory=list)
    expectations_evaluated: int = 0
    failed_expectations: list[str] = field(default_factory=list)
    gate_warnings: list[str] = field(default_factory=list)
    gate_unjudged: list[str] = field(default_factory=list)
    undeclared_keys: dict[str, dict[str, int]] = field(default_factory=dict)
    airbyte_jobs: list[JobFigures] = field(default_factory=list)
    data_docs: Path | None = None
    # A run that built nothing because the gate rejected the latest batch's build and nothing new has landed.
    rejected_build: str | None = None
    # The Data Docs' http(s) address, when ELT_DOCS_URL says where the docs site is served.
    data_docs_url: str | None = None
    # The build's charts (title -> file, ``elt.docs``) and, where ELT_DOCS_URL is set, their http(s) addresses:
    # markdown images the Prefect UI shows in the artifact.
    charts: dict[str, Path] = field(default_factory=dict)
    chart_urls: dict[str, str] = field(default_factory=dict)
    warehouse: Path | None = None
    readers: str | None = None
    # False in the record a publish commits with its publication, which the run's report replaces: a run that
    # died in between keeps that one, with its build's figures but without its files and gate results.
    reported: bool = True

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, indent=2)

    def to_markdown(self) -> str:
        published = self.status is not RunStatus.GATE_CLOSED
        lines = [
            f"# ELT run {self.run_id}",
            "",
            f"**Status:** {self.status.value}  ",
            self._batch_line(),
            f"**Audit build:** `{self.build_schema or '-'}`  ",
            f"**Published build:** `{self.published_build or '-'}`",
            "",
            f"Records per stream: *this batch* landed in this run; the other columns total every batch to date"
            f"{'' if published else ' (published: none of this build; analytics keeps the build above)'}.",
            "",
            "| stream | this batch | landed | in RAW | duplicates | valid | quarantined | published |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for s in self.streams:
            batch = self.batch_records.get(s.stream, 0) if self.reported else "-"
            lines.append(
                f"| {s.stream} | {batch} | {s.landed} | {s.in_raw} | {s.duplicates} | {s.valid} | {s.quarantined}"
                f" | {s.valid if published else '-'} |"
            )
        reasons = [
            f"- {s.stream}: " + ", ".join(f"{k} {v}" for k, v in sorted(s.quarantined_by_reason.items()))
            for s in self.streams
            if s.quarantined_by_reason
        ]
        lines += ["", "**Quarantined by reason:**", *reasons] if reasons else []
        landing = [f"- landing: {note}" for note in self.landing_notes]
        landing += [f"- warning: {drift.describe()}" for drift in self.undeclared_columns]
        lines += ["", *landing] if landing else []
        late = [f"{s.stream}: {s.held} held, {s.released} released" for s in self.streams if s.held or s.released]
        lines += ["", f"**Late dimensions:** {'; '.join(late) or 'none held'}"]
        gate = f"**Gate:** {'open' if not self.failed_expectations else 'CLOSED'}"
        if self.rejected_build:
            gate = (
                f"**Gate:** not run: it closed on build `{self.rejected_build}` of the latest batch, and nothing new"
                " has landed since; `elt run --force` builds it again"
            )
        elif self.status is RunStatus.UP_TO_DATE:
            gate = "**Gate:** not run: up to date, nothing built"
        elif self.reported:
            gate += f" ({self.expectations_evaluated} expectations evaluated, {len(self.gate_warnings)} warnings)"
        lines += ["", gate]
        lines += [f"- {item}" for item in self.failed_expectations]
        lines += [f"- warning: {item}" for item in self.gate_warnings]
        lines += [f"- {item}" for item in self.gate_unjudged]
        for stream, keys in sorted(self.undeclared_keys.items()):
            found = ", ".join(f"`{k}` ({n})" for k, n in sorted(keys.items()))
            lines.append(f"- drift in {stream}: undeclared keys {found}")
        lines += [f"- Airbyte {job.describe()}" for job in self.airbyte_jobs]
        docs = f"[{self.data_docs_url}]({self.data_docs_url})" if self.data_docs_url else "-"
        if self.data_docs and not self.data_docs_url:
            docs = f"`{self.data_docs}` (to read it in a browser: `elt docs serve`; ELT_DOCS_URL makes this a link)"
        lines += [
            "",
            f"**Data Docs:** {docs}  ",
            f"**Warehouse:** {self.warehouse or '-'} (the runs write it)  ",
            f"**Readers:** {self.readers or '-'} (BI tools and analysts read the published marts here)",
        ]
        lines += ["", self._charts_line()] if self.charts else []
        return "\n".join(lines)

    def _charts_line(self) -> str:
        if self.chart_urls:
            return "**Charts:** " + " ".join(f"![{title}]({url})" for title, url in self.chart_urls.items())
        files = ", ".join(f"`{path}`" for path in self.charts.values())
        return (
            f"**Charts:** {files} (on the build's Data Docs page: `elt docs serve`;"
            " set ELT_DOCS_URL to the address it serves at to show them here)"
        )

    def _batch_line(self) -> str:
        if not self.reported:
            return (
                "**Report:** missing: the run stopped after its publish committed; its files and gate results were"
                " not recorded, the figures below are its build's  "
            )
        batch = self.batch_id if self.batch_id is not None else "none"
        unchanged = (
            f"; {self.records_unchanged} records of changed files unchanged since their previous version"
            if self.records_unchanged
            else ""
        )
        return (
            f"**Batch:** {batch} ({self.files_loaded} files loaded, {self.files_skipped} already ingested{unchanged})  "
        )
