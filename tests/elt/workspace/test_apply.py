"""``elt prefect apply`` against a real server: from empty to configured, twice (test_automations: what Slack gets)."""

from __future__ import annotations

import json

import pytest
from prefect.client.orchestration import get_client
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
