"""The ``elt`` flow: ingest, check, parse, build, chart, gate, publish, report."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date

from prefect import flow, get_run_logger
from prefect.states import Failed, State

from elt.adapters import adapters_for
from elt.killpoints import KillPoint, kill_point
from elt.settings import Settings
from elt.summary import RunSummary
from elt.workspace import warehouse_slot
from tasks.charts import draw_charts
from tasks.docs import host_build_docs
from tasks.gate import publish_build, validate_build
from tasks.ingest import check_landing, sync_streams
from tasks.parse import parse_documents
from tasks.readers import serve_readers
from tasks.report import report_run, summarize_run
from tasks.transform import BackfillWindow, build_models, plan_build


class GateClosedError(RuntimeError):
    """The audit build failed its expectations; ``analytics`` was left exactly as it was."""


def gate_closed(message: str) -> State:
    """The final state of a run whose gate closed, returned by the flow: one Slack message per closed gate.

    Of type FAILED, so the UI, `prefect flow-run` and a direct caller (who gets the GateClosedError raised) see a
    failure; named apart, so its event is `prefect.flow-run.GateClosed`, which the failed-run automation does not
    expect: the gate-closed message (on `elt.gate.closed`) already says what happened.
    """
    return Failed(name="GateClosed", message=message, data=GateClosedError(message))


@flow(name="elt", log_prints=True)
def elt(force: bool = False) -> RunSummary | State:
    """Run the whole pipeline once on whatever has landed since the last run.

    A batch the gate rejected is built again only when something new lands, or with ``force``.
    """
    settings = Settings()
    # Scheduled, triggered and manual runs queue here; where `elt prefect apply` made no limit, none waits,
    # and the warehouse's run lock refuses a second run before it writes anything (the CLI holds it already).
    with warehouse_slot(settings.profile, get_run_logger()), _run_lock(settings):
        return _run_pipeline(settings, force=force)


@flow(name="elt-backfill", log_prints=True)
def backfill(start: date, end: date) -> RunSummary | State:
    """Run the pipeline, rebuilding the fact rows of days ``start``..``end`` (inclusive) even where unchanged.

    For a fix to a model's logic that must reach days already published: their rows are recomputed, audited
    with everything else, and merged again by key; the rest of the facts is written only if it changed.
    """
    window = BackfillWindow(start, end)
    settings = Settings()
    with warehouse_slot(settings.profile, get_run_logger()), _run_lock(settings):
        return _run_pipeline(settings, window)


def _run_lock(settings: Settings) -> AbstractContextManager[None]:
    return adapters_for(settings).warehouse.run_lock(settings.run_lock_wait_seconds)


def _run_pipeline(
    settings: Settings, backfill: BackfillWindow | None = None, *, force: bool = False
) -> RunSummary | State:
    sync = sync_streams(settings)
    kill_point(KillPoint.SYNC)
    check_landing(sync)
    kill_point(KillPoint.CHECK)
    parsed = parse_documents(settings)
    kill_point(KillPoint.PARSE)
    planned = plan_build(settings, backfill, force=force)
    kill_point(KillPoint.PLAN)
    verdict, charts = None, {}
    if planned is not None and not planned.rejected:
        models = build_models(settings, planned.build_schema, backfill)
        kill_point(KillPoint.BUILD)
        charts = draw_charts(settings, planned.build_schema)
        verdict = validate_build(settings, planned.build_schema)
        host_build_docs(settings, planned.build_schema)
        kill_point(KillPoint.GATE)
        if verdict.passed:
            publish_build(settings, planned.build_schema, planned.batch_id, models)
            kill_point(KillPoint.PUBLISH)
    serve_readers(settings)
    built = planned.build_schema if planned and not planned.rejected else None
    rejected = planned.build_schema if planned and planned.rejected else None
    summary = summarize_run(settings, sync, parsed, built, verdict, rejected_build=rejected, charts=charts)
    report_run(settings, summary)
    kill_point(KillPoint.REPORT)
    print(summary.to_markdown())
    if verdict is not None and not verdict.passed:
        return gate_closed(verdict.failure_message())
    return summary


if __name__ == "__main__":
    elt()
