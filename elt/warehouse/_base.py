"""What every warehouse adapter offers the tasks, whatever the engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from elt.faults import WaitedOutError
from elt.warehouse._trends import BatchQuarantine

RAW_SCHEMA = "raw"
PARSED_SCHEMA = "parsed"
META_SCHEMA = "elt_meta"
ANALYTICS_SCHEMA = "analytics"
STORE_SCHEMA = "store"
SNAPSHOT_SCHEMA = "snapshots"
BUILD_SCHEMA_PREFIX = "audit_"


def build_schema_prefix(batch_id: int) -> str:
    """What every audit build of one batch is named with: ``audit_b000003_``."""
    return f"{BUILD_SCHEMA_PREFIX}b{batch_id:06d}_"


def build_schema_name(batch_id: int, at: datetime) -> str:
    """Name an audit build so that names sort by age: ``audit_b000003_20261124t130501``."""
    return f"{build_schema_prefix(batch_id)}{at:%Y%m%dt%H%M%S}"


@dataclass(frozen=True)
class StreamFigures:
    """One stream's reconciliation, as the audit build computed it."""

    stream: str
    landed: int
    in_raw: int
    duplicates: int
    valid: int
    quarantined: int
    quarantine_rate: float
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    held: int = 0
    released: int = 0

    @property
    def balanced(self) -> bool:
        return self.landed == self.in_raw == self.duplicates + self.valid + self.quarantined


def reconciliation_queries(schema: str) -> tuple[str, str]:
    """What both engines run to read a build's figures: its quarantine reasons, then one row per stream with
    the reconciliation and the late arrivals. ``schema`` is already quoted for the engine."""
    return (
        f"select stream, reason, records from {schema}.rpt_quarantine_reasons order by stream, reason",
        "select stream, landed, in_raw, duplicates, valid, quarantined, cast(coalesce(quarantine_rate, 0) as double),"
        " coalesce(late.held, 0), coalesce(late.released, 0)"
        f" from {schema}.rpt_reconciliation left join {schema}.rpt_late_arrivals as late using (stream)"
        " order by stream",
    )


def stream_figures(reasons: Iterable[Sequence[Any]], rows: Iterable[Sequence[Any]]) -> list[StreamFigures]:
    """The rows of ``reconciliation_queries``, whatever number types the engine's driver returns."""
    by_stream: dict[str, dict[str, int]] = {}
    for stream, reason, records in reasons:
        by_stream.setdefault(stream, {})[reason] = int(records)
    return [
        StreamFigures(
            stream,
            *(int(n) for n in counts),
            float(rate),
            quarantined_by_reason=by_stream.get(stream, {}),
            held=int(held),
            released=int(released),
        )
        for stream, *counts, rate, held, released in rows
    ]


def builds_to_prune(builds: Sequence[str], keep: int, published: Publication | None) -> list[str]:
    """The builds past the newest ``keep`` (``builds`` newest first), never the published one."""
    current = published.build_schema.lower() if published else None
    return [build for build in builds[keep:] if build.lower() != current]


def abandoned_builds(builds: Iterable[str], finished: Iterable[str], retry: str | None) -> list[str]:
    """The builds no run will judge, publish or show: neither published nor judged by the gate in a recorded run
    (``finished``), and not the one about to be retried. Left by a run that stopped before its report."""
    kept = {name.lower() for name in finished} | ({retry.lower()} if retry else set())
    return sorted(build for build in builds if build.lower() not in kept)


@dataclass(frozen=True)
class RunRecord:
    """One run's entry in the run history (``elt_meta.runs``), which ``elt status`` shows; one per run."""

    run_id: str
    status: str
    summary_json: str
    summary_markdown: str


@dataclass(frozen=True)
class Merge:
    """How an incremental fact publishes: the build's ``delta`` relation merged into the store by ``unique_key``,
    after deleting the store rows whose key is in the build's ``withdrawn`` relation, when the fact has one.

    ``day_column`` names the column whose day partitions the fact where an engine keeps a copy for readers
    (the local profile's ``analytics.duckdb``): the publish records the days it changed, so that copy rewrites
    only those."""

    delta: str
    unique_key: tuple[str, ...]
    withdrawn: str | None = None
    day_column: str | None = None

    @property
    def relations(self) -> tuple[str, ...]:
        """The build's relations this merge reads."""
        return (self.delta,) if self.withdrawn is None else (self.delta, self.withdrawn)


def check_publishable(build_schema: str, present: set[str], relations: list[str], merges: Mapping[str, Merge]) -> None:
    """Refuse a publication that could only be partial: ``present`` names the build's relations, lower-cased."""
    needed = set(relations) | {relation for merge in merges.values() for relation in merge.relations}
    missing = sorted(name for name in needed if name.lower() not in present)
    if not relations or missing:
        raise ValueError(f"build {build_schema} cannot be published: missing relations {missing or relations}")
    if stray := sorted(set(merges) - set(relations)):
        raise ValueError(f"merges given for relations not published: {stray}")


@dataclass(frozen=True)
class Publication:
    build_schema: str
    batch_id: int
    published_at: datetime


class WarehouseHeldError(RuntimeError):
    """Another run holds the warehouse: this one wrote nothing and may simply be started again later."""


class WarehouseBusyError(WaitedOutError):
    """Another process held the warehouse for longer than a write waits for it (a reader opening it directly)."""


@dataclass(frozen=True)
class ReaderExport:
    """What bringing the readers' copy up to a publication wrote."""

    location: str
    build_schema: str
    relations: int
    rows: int
    seconds: float

    def describe(self) -> str:
        return (
            f"readers' snapshot {self.location} now shows {self.build_schema}:"
            f" {self.relations} relations, {self.rows} rows, exported in {self.seconds:.2f}s"
        )


class Warehouse(Protocol):
    """The engine-facing operations the pipeline needs beyond ingestion and parsing."""

    def run_lock(self, wait_seconds: float | None) -> AbstractContextManager[None]:
        """Hold the warehouse for one run (re-entrant in a process); ``WarehouseHeldError`` if another run
        still holds it after ``wait_seconds`` (``None``: wait as long as it takes)."""
        ...

    def ensure_schemas(self) -> None: ...

    def latest_batch(self) -> int | None: ...

    def last_publication(self) -> Publication | None: ...

    def reconciliation(self, build_schema: str) -> list[StreamFigures]: ...

    def daily_revenue(self, build_schema: str) -> list[tuple[date, Decimal]]:
        """The build's net revenue per day, its newest ``REVENUE_DAYS`` days with sales, oldest first."""
        ...

    def quarantine_rates(self, build_schema: str) -> list[BatchQuarantine]:
        """The quarantine rate of each stream in each of the build's newest ``QUARANTINE_BATCHES`` batches."""
        ...

    def publish(
        self,
        build_schema: str,
        batch_id: int,
        relations: list[str],
        merges: Mapping[str, Merge] | None = None,
        run: RunRecord | None = None,
    ) -> list[str]: ...

    def export_for_readers(self) -> ReaderExport | None:
        """Bring what BI readers read up to the last publication; None when there was nothing to do."""
        ...

    def readers_location(self) -> str:
        """Where BI tools and analysts read the published marts without ever blocking a run."""
        ...

    def prune_builds(self, keep: int) -> list[str]: ...

    def drop_tables(self, schema: str, tables: Iterable[str]) -> None:
        """Drop these tables of ``schema`` where they exist."""
        ...

    def drop_abandoned_builds(self, retry: str | None) -> list[str]: ...

    def save_run(self, run_id: str, status: str, summary_json: str, summary_markdown: str) -> None: ...

    def last_run(self, skip_status: str | None = None) -> RunRecord | None:
        """The newest run in the history, or the newest whose status is not ``skip_status``."""
        ...

    def dbt_env(self, build_schema: str) -> dict[str, str]: ...

    def release_dbt_connections(self) -> None: ...

    def sqlalchemy_url(self) -> str: ...

    def sqlalchemy_connect_args(self) -> dict[str, Any]: ...
