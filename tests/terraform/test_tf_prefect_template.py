"""The work pool reads the one base job template file the CLI and the Helm chart use."""

from __future__ import annotations

import json
import re

from tf_helpers import MODULES, REPO, load_module

TEMPLATE = REPO / "helm" / "elt-worker" / "files" / "base-job-template.json"
PREFECT = load_module(MODULES / "prefect")


def test_prefect_module_reads_the_helm_template_file():
    raw = PREFECT["locals"]["base_job_template_path"]
    assert raw.startswith("${path.module}/")
    resolved = (MODULES / "prefect" / raw.removeprefix("${path.module}/")).resolve()
    assert resolved == TEMPLATE.resolve()
    assert TEMPLATE.exists()
    pool = PREFECT["resource"][("prefect_work_pool", "kubernetes")]
    assert pool["type"] == "kubernetes"
    assert pool["base_job_template"] == "${file(local.base_job_template_path)}"


def test_template_placeholders_are_declared_variables():
    template = json.loads(TEMPLATE.read_text())
    declared = set(template["variables"]["properties"])
    used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", json.dumps(template["job_configuration"])))
    assert used - declared == set(), "placeholders without a variable"


def test_template_carries_the_platform_settings():
    template = json.loads(TEMPLATE.read_text())
    props = template["variables"]["properties"]
    for name in (
        "node_selector",
        "tolerations",
        "env_from",
        "labels",
        "service_account_name",
        "finished_job_ttl",
        "backoff_limit",
        "pod_watch_timeout_seconds",
    ):
        assert name in props, name
    assert "cost-center" in props["labels"]["default"]
    assert props["finished_job_ttl"]["default"] > 0
    pod = template["job_configuration"]["job_manifest"]["spec"]["template"]
    assert pod["spec"]["nodeSelector"] == "{{ node_selector }}"
    assert pod["spec"]["tolerations"] == "{{ tolerations }}"
    assert pod["spec"]["containers"][0]["envFrom"] == "{{ env_from }}"


def test_flow_runs_use_the_service_account_irsa_trusts():
    template = json.loads(TEMPLATE.read_text())
    naming = load_module(MODULES / "naming")
    outputs = (MODULES / "naming" / "outputs.tf").read_text()
    assert naming["variable"]["env"]
    default = template["variables"]["properties"]["service_account_name"]["default"]
    assert re.search(rf'flow_run\s*=\s*"{re.escape(default)}"', outputs), default
