"""The Slack messages: their text rendered as Prefect's server renders it, then each outcome of a run posted once.

The posting tests run flows named `elt` on the session's Prefect server, whose automations (`elt prefect apply`)
post to a local receiver standing in for Slack; each waits, with a deadline, for the message naming its own run.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.objects import State, StateType
from prefect.server.events.jinja_filters import all_filters
from prefect.server.schemas.core import FlowRun
from prefect.server.utilities.user_templates import register_user_template_filters, render_user_template_sync
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings
from prefect.states import Scheduled

from elt.adapters import adapters_for
from elt.settings import Settings
from elt.summary import RunStatus, RunSummary
from elt.warehouse import StreamFigures
from elt.workspace import apply_workspace
from elt.workspace._automations import FAILED_BODY, GATE_CLOSED_BODY, PUBLISHED_BODY, _late_body
from flows.elt import GateClosedError, gate_closed
from tasks.report import report_run

RUN = FlowRun(id=uuid.UUID(int=7), flow_id=uuid.UUID(int=1), name="calm-otter")
BODIES = [FAILED_BODY, GATE_CLOSED_BODY, PUBLISHED_BODY, _late_body(dt.timedelta(minutes=30))]
EVENT = {"payload": {"build": "audit_0007", "failed": ["a check"], "warnings": [], "data_docs": None}}


pytestmark = pytest.mark.timeout(300)


@pytest.fixture(autouse=True)
def _filters() -> None:
    register_user_template_filters(all_filters)  # what the server does before it renders an action


@pytest.mark.parametrize("body", BODIES)
def test_a_message_links_the_run_in_the_ui_when_its_address_is_known(body: str) -> None:
    with temporary_settings({PREFECT_UI_URL: "https://prefect.example.com"}):
        text = render_user_template_sync(body, {"flow_run": RUN, "event": EVENT})

    assert text.endswith(f"https://prefect.example.com/runs/flow-run/{RUN.id}")


@pytest.mark.parametrize("body", BODIES)
def test_without_the_ui_address_a_message_says_how_to_set_it_never_none(body: str) -> None:
    with temporary_settings(restore_defaults={PREFECT_UI_URL, PREFECT_API_URL}):  # the UI address follows the API
        text = render_user_template_sync(body, {"flow_run": RUN, "event": EVENT})

    assert "None" not in text
    assert text.endswith("set PREFECT_UI_URL, where the Prefect server runs, to the address of its UI.")


# From here on, messages posted by the server's automations.
WARNINGS = [
    "rpt_reconciliation.quarantined: no record of sales in the newest batch is quarantined (12 quarantined)",
    "rpt_freshness.sales: newest sale at most 2 days old (9 days)",
]
FAILED_CHECKS = [
    "rpt_reconciliation.quarantine_rate: quarantine rate of sales in batch 7: 50.3% > 5.00%",
    "fct_sales.quantity: quantity is positive (12 unexpected)",
]
DOCS = Path("/data/docs/gx/audit_0007/index.html")
DOCS_URL = "http://docs.example.org/gx/audit_0007/index.html"  # where ELT_DOCS_URL says the docs are served
SALES = StreamFigures("sales", landed=1000, in_raw=1000, duplicates=0, valid=950, quarantined=50, quarantine_rate=0.05)


def _run_link(prefect_api_url: str, state: State) -> str:
    """Where the session's server (its UI address follows its API's) shows the run."""
    return f"{prefect_api_url.removesuffix('/api')}/runs/flow-run/{state.state_details.flow_run_id}"


def _reporting_flow(tmp_path: Path, summary: RunSummary, final: Callable[[], State | None]) -> Callable[..., State]:
    """A flow named `elt` that reports ``summary`` as the pipeline does (real task, real event), then ends ``final``."""
    settings = Settings(data_dir=tmp_path)
    adapters_for(settings).warehouse.ensure_schemas()

    @flow(name="elt")
    def reporting() -> State | None:
        report_run(settings, summary)
        return final()

    return reporting


def _summary(status: RunStatus, **fields: object) -> RunSummary:
    published = "audit_0007" if status is RunStatus.PUBLISHED else "audit_0006"
    return RunSummary(
        run_id="local",
        status=status,
        batch_id=7,
        build_schema="audit_0007",
        published_build=published,
        files_loaded=1,
        files_skipped=0,
        streams=[SALES],
        **fields,
    )


def _flow_run_name(state: State) -> str:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id).name


@pytest.mark.parametrize(
    ("warnings", "listed"),
    [(WARNINGS, "".join(f"- warning: {w}\n" for w in WARNINGS)), ([], "No warnings.\n")],
    ids=["with-warnings", "no-warnings"],
)
@pytest.mark.usefixtures("applied_workspace")
def test_published_run_posts_its_totals_its_warnings_and_its_link(
    slack, prefect_server, tmp_path: Path, warnings: list[str], listed: str
):
    summary = _summary(RunStatus.PUBLISHED, gate_warnings=warnings)
    state = _reporting_flow(tmp_path, summary, lambda: None)(return_state=True)
    assert state.is_completed()

    link = _run_link(prefect_server, state)
    text = slack.wait_for(lambda t: link in t)
    assert text == (
        "elt run published\n"
        "Build audit_0007 published: 1000 records landed, 950 published, 50 quarantined.\n" + listed + link
    )


def test_closed_gate_posts_one_message_with_the_failed_checks_their_values_and_the_data_docs(
    applied_workspace, slack, prefect_server, tmp_path: Path
):
    summary = _summary(RunStatus.GATE_CLOSED, failed_expectations=FAILED_CHECKS, data_docs=DOCS, data_docs_url=DOCS_URL)
    closed = _reporting_flow(tmp_path, summary, lambda: gate_closed("2 critical expectations failed"))
    state = closed(return_state=True)
    assert (state.type, state.name) == (StateType.FAILED, "GateClosed")
    with pytest.raises(GateClosedError, match="2 critical expectations failed"):
        state.result()  # what a direct caller, as `elt run` is, gets raised

    link = _run_link(prefect_server, state)
    gate_message = slack.wait_for(lambda t: link in t)
    assert gate_message == (
        "Publish gate closed: ANALYTICS unchanged\n"
        "Build audit_0007: 2 failed expectations, ANALYTICS unchanged.\n"
        + "".join(f"- {check}\n" for check in FAILED_CHECKS)
        + f"Data Docs: {DOCS_URL}\n"
        + link
    )

    # The server's triggers take events in the order they arrive: by the time a failed run started after the
    # closed gate's end is announced, the GateClosed state change was taken too, and nothing of it was posted.
    failed = _failing_flow()(return_state=True)
    later = slack.until(lambda t: _run_link(prefect_server, failed) in t)
    assert [t for t in later if link in t] == []


def _failing_flow() -> Callable[..., State]:
    @flow(name="elt")
    def failing() -> None:
        raise RuntimeError("stage-1 check failed: sales_2026-01-01.csv")

    return failing


def test_failed_run_posts_the_flow_the_run_the_error_and_a_link(applied_workspace, slack, prefect_server):
    state = _failing_flow()(return_state=True)
    assert state.is_failed()

    link = _run_link(prefect_server, state)
    text = slack.wait_for(lambda t: link in t)
    assert text == (
        f"Flow run {_flow_run_name(state)} of elt: Failed\n"
        "Flow run encountered an exception: RuntimeError: stage-1 check failed: sales_2026-01-01.csv\n" + link
    )


def test_run_left_late_posts_after_the_configured_wait(applied_workspace, workspace_plan, slack, prefect_server):
    """A run nobody picks up: the server marks it Late, and after `late_after` of silence Slack hears of it."""
    apply_workspace(replace(workspace_plan, late_after=timedelta(seconds=10)))
    with get_client(sync_client=True) as client:
        # A pool no worker polls, so the run stays Scheduled until the server's late-runs service flags it.
        client.create_work_pool(WorkPoolCreate(name="elt-unpolled", type="process"), overwrite=True)
        deployment_id = client.create_deployment(
            flow_id=client.create_flow_from_name("elt"), name="late-probe", work_pool_name="elt-unpolled"
        )
        run = client.create_flow_run_from_deployment(
            deployment_id, state=Scheduled(scheduled_time=datetime.now(UTC) - timedelta(minutes=2))
        )
        try:
            text = slack.wait_for(lambda t: run.name in t and "is late" in t, timeout=90)
            assert client.read_flow_run(run.id).state.name == "Late"
        finally:
            client.delete_flow_run(run.id)
            client.delete_deployment(deployment_id)
            client.delete_work_pool("elt-unpolled")
            apply_workspace(workspace_plan)
    assert text == (
        f"Flow run {run.name} of elt is late\n"
        "Not started 10 seconds after it became Late.\n"
        f"{prefect_server.removesuffix('/api')}/runs/flow-run/{run.id}"
    )
