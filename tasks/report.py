"""The run summary: assembled from the build's reconciliation, then shown in Prefect, stored and announced."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.events import emit_event
from prefect.logging import get_run_logger
from prefect.runtime import flow_run

from elt.adapters import adapters_for
from elt.parsing import ParseResult
from elt.quality import GateVerdict
from elt.settings import Settings
from elt.summary import DOCS_URL_UNSET, RunStatus, RunSummary
from elt.sync import SyncResult
from elt.warehouse import RunRecord, WarehouseBusyError
from tasks._retries import explain_faults


@task(name="summarize-run")
@explain_faults
def summarize_run(
    settings: Settings,
    sync: SyncResult,
    parsed: list[ParseResult],
    build_schema: str | None,
    verdict: GateVerdict | None,
    *,
    rejected_build: str | None = None,
    charts: dict[str, Path] | None = None,
) -> RunSummary:
    warehouse = adapters_for(settings).warehouse
    publication = warehouse.last_publication()
    figures_from = build_schema or (publication.build_schema if publication else None)
    if verdict is None:
        status = RunStatus.UP_TO_DATE
    else:
        status = RunStatus.PUBLISHED if verdict.passed else RunStatus.GATE_CLOSED
    return RunSummary(
        run_id=_run_id(),
        status=status,
        batch_id=sync.batch_id,
        build_schema=build_schema,
        published_build=publication.build_schema if publication else None,
        files_loaded=len(sync.loaded),
        files_skipped=sync.skipped,
        records_unchanged=sum(f.unchanged for f in sync.loaded),
        batch_records={stream: landed["records"] for stream, landed in sync.landed_by_stream().items()},
        landing_notes=sync.notes,
        undeclared_columns=sync.undeclared_columns,
        streams=warehouse.reconciliation(figures_from) if figures_from else [],
        expectations_evaluated=verdict.evaluated if verdict else 0,
        failed_expectations=[str(f) for f in verdict.failed] if verdict else [],
        gate_warnings=[str(w) for w in verdict.warnings] if verdict else [],
        gate_unjudged=verdict.unjudged if verdict else [],
        undeclared_keys={p.stream: p.undeclared_keys for p in parsed if p.undeclared_keys},
        airbyte_jobs=sync.jobs,
        data_docs=verdict.data_docs if verdict else None,
        rejected_build=rejected_build,
        data_docs_url=settings.docs_link(verdict.data_docs) if verdict and verdict.data_docs else None,
        charts=charts or {},
        chart_urls={title: url for title, path in (charts or {}).items() if (url := settings.docs_link(path))},
        warehouse=settings.warehouse_path,
        readers=warehouse.readers_location(),
    )


def record_at_publish(settings: Settings, build_schema: str) -> RunRecord:
    """The run's record that its publish commits with the publication, so that a run dying before its report
    is still in the history: the build's figures, marked unreported; the report replaces it with the whole summary.
    """
    summary = RunSummary(
        run_id=_run_id(),
        status=RunStatus.PUBLISHED,
        batch_id=None,
        build_schema=build_schema,
        published_build=build_schema,
        files_loaded=0,
        files_skipped=0,
        streams=adapters_for(settings).warehouse.reconciliation(build_schema),
        warehouse=settings.warehouse_path,
        reported=False,
    )
    return RunRecord(summary.run_id, summary.status.value, summary.to_json(), summary.to_markdown())


def _run_id() -> str:
    return str(flow_run.get_id() or "local")


@task(name="report-run")
@explain_faults
def report_run(settings: Settings, summary: RunSummary) -> None:
    """Publish the summary as a Prefect artifact, keep it for ``elt status``, and emit the outcome event."""
    markdown = summary.to_markdown()
    create_markdown_artifact(key="elt-run-summary", markdown=markdown, description="ELT run summary")
    try:
        adapters_for(settings).warehouse.save_run(summary.run_id, summary.status.value, summary.to_json(), markdown)
    except WarehouseBusyError as error:  # after a publish, a process holding the file must not fail the run
        get_run_logger().warning("run record kept aside, the next run stores it: %s", error)
    # Emitted inside the flow run, so Prefect relates each event to the run: the Slack messages link it from there.
    resource = {"prefect.resource.id": f"elt.warehouse.{settings.profile.value}"}
    if summary.status is RunStatus.PUBLISHED:
        # The totals are what the Slack automation on this event announces.
        totals = {
            "landed": sum(s.landed for s in summary.streams),
            "published": sum(s.valid for s in summary.streams),
            "quarantined": sum(s.quarantined for s in summary.streams),
        }
        emit_event(
            "elt.published",
            resource=resource,
            payload={"build": summary.build_schema, **totals, "warnings": summary.gate_warnings},
        )
    elif summary.status is RunStatus.GATE_CLOSED:
        emit_event(
            "elt.gate.closed",
            resource=resource,
            payload={
                "build": summary.build_schema,
                "failed": summary.failed_expectations,
                "warnings": summary.gate_warnings,
                "data_docs": summary.data_docs_url or DOCS_URL_UNSET,
            },
        )
