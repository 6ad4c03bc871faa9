"""``elt prefect apply`` against a real server: from empty to configured, twice, and the Slack messages it wires."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.events import emit_event
from prefect.states import Scheduled
from typer.testing import CliRunner

from elt.cli import app
from elt.workspace import BASE_JOB_TEMPLATE, WorkspacePlan, apply_workspace, kubernetes_pool_name, warehouse_limit

pytestmark = pytest.mark.timeout(300)

SLACK_AUTOMATIONS = {"slack-flow-run-failed", "slack-gate-closed", "slack-run-completed", "slack-flow-run-late"}


def _workspace_state(plan: WorkspacePlan) -> dict:
    with get_client(sync_client=True) as client:
        pools = {p.name: p for p in client.read_work_pools()}
        automations = [a for a in client.read_automations() if a.name.startswith("slack-")]
        return {
            "pools": {name: (p.type, p.base_job_template) for name, p in pools.items() if name.startswith("elt-")},
            "limit": client.read_global_concurrency_limit_by_name(warehouse_limit(plan.profile)).limit,
            "automations": sorted(
                (a.name, a.trigger.model_dump_json(), a.actions[0].model_dump_json()) for a in automations
            ),
        }


def test_apply_configures_the_workspace_and_is_idempotent(
    applied_workspace: list[str], workspace_plan: WorkspacePlan, prefect_server: str
):
    first = _workspace_state(workspace_plan)
    assert apply_workspace(workspace_plan) == applied_workspace
    assert _workspace_state(workspace_plan) == first

    kubernetes = kubernetes_pool_name(workspace_plan.env)
    assert first["pools"]["elt-local"][0] == "process"
    kind, template = first["pools"][kubernetes]
    assert kind == "kubernetes"
    file_template = json.loads(BASE_JOB_TEMPLATE.read_text())
    assert template["job_configuration"] == file_template["job_configuration"]
    assert template["variables"]["properties"]["namespace"]["default"] == "elt-test"
    assert first["limit"] == 1
    assert {name for name, _, _ in first["automations"]} == SLACK_AUTOMATIONS


def test_cli_applies_from_the_environment(applied_workspace: list[str], prefect_server: str, monkeypatch):
    monkeypatch.delenv("ELT_SLACK_WEBHOOK_URL", raising=False)
    result = CliRunner().invoke(app, ["prefect", "apply", "--env", "test", "--late-after-minutes", "5"])
    assert result.exit_code == 0, result.output
    # Without a URL the block is left as it is, and the automations still point at it.
    assert "block elt-test-slack" not in result.output
    assert "automation slack-gate-closed" in result.output


def test_failed_run_posts_the_flow_the_run_the_message_and_a_link(applied_workspace, slack, prefect_server):
    @flow(name="elt")
    def failing() -> None:
        raise RuntimeError("stage-1 check failed: sales_2026-01-01.csv")

    state = failing(return_state=True)
    assert state.is_failed()
    text = slack.wait_for(lambda t: "stage-1 check failed" in t)
    assert "of elt: Failed" in text
    assert f"/runs/flow-run/{state.state_details.flow_run_id}" in text


def test_closed_gate_posts_the_failed_expectations_and_the_data_docs(applied_workspace, slack, prefect_server):
    failed = [
        "fct_sales: quantity is positive [expect_column_values_to_be_between] (12 unexpected)",
        "dim_customer: customer_id is unique [expect_column_values_to_be_unique] (3 unexpected)",
    ]
    emit_event(
        "elt.gate.closed",
        resource={"prefect.resource.id": "elt.warehouse.local"},
        payload={"build": "audit_0007", "failed": failed, "data_docs": "/data/gx/data_docs/index.html"},
    )
    text = slack.wait_for(lambda t: "audit_0007" in t)
    assert text.startswith("Publish gate closed: ANALYTICS unchanged")
    assert "2 failed expectations" in text
    for failure in failed:
        assert f"- {failure}" in text
    assert "Data Docs: /data/gx/data_docs/index.html" in text


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
    assert text.startswith(f"Flow run {run.name} of elt is late")
    assert "Not started 10 seconds after it became Late." in text
    assert f"/runs/flow-run/{run.id}" in text
