"""The worker chart: lint, render for every values file, validate against the Kubernetes schemas, scan, inspect."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from elt.settings import PROJECT_ROOT

CHART = PROJECT_ROOT / "helm" / "elt-worker"
HELM = PROJECT_ROOT / ".tools" / "helm"
CHECKOV = PROJECT_ROOT / ".venv-checkov" / "bin" / "checkov"
VALUES = sorted(p.name for p in CHART.glob("values*.yaml"))
KUBERNETES_VERSION = "1.32"
# CRDs the bundled schemas do not cover; asserted on below instead.
CUSTOM_KINDS = {"ScaledObject"}
# Checks that do not fit a worker, each with why.
CHECKOV_SKIPS = {
    "CKV_K8S_43": "the image is pinned by tag in values; digests are pinned at release",
    "CKV_K8S_21": "the namespace is the release's (helm -n elt-<env>)",
    "CKV_K8S_38": "the worker talks to the Kubernetes API: it needs its token",
    "CKV2_K8S_6": "the NetworkPolicy selects the worker pods by their selector labels",
    "CKV_K8S_35": "Prefect reads PREFECT_API_KEY from the environment only",
}

pytestmark = pytest.mark.skipif(not HELM.exists(), reason=f"helm missing: {HELM} (make .tools/helm installs it)")


def _helm(*args: str) -> str:
    result = subprocess.run([str(HELM), *args], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _render(values: str) -> str:
    return _helm("template", "elt-worker", str(CHART), "--namespace", "elt-test", "-f", str(CHART / values))


def _objects(values: str) -> dict[str, dict]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(_render(values)) if doc}


@pytest.mark.parametrize("values", VALUES)
def test_chart_lints_renders_and_validates(values: str):
    _helm("lint", "--strict", str(CHART), "-f", str(CHART / values))
    for kind, manifest in _objects(values).items():
        if kind not in CUSTOM_KINDS:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(not CHECKOV.exists(), reason=f"checkov missing: {CHECKOV} (make .venv-checkov/bin/checkov)")
@pytest.mark.parametrize("values", VALUES)
def test_rendered_manifests_pass_checkov(values: str, tmp_path: Path):
    (tmp_path / "rendered.yaml").write_text(_render(values))
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(tmp_path),
            "--framework",
            "kubernetes",
            "--skip-download",
            "--compact",
            "--quiet",
            "--skip-check",
            ",".join(CHECKOV_SKIPS),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-5000:]


def test_worker_rbac_is_least_privilege():
    objects = _objects("values-prod.yaml")
    assert "ClusterRole" not in objects and "ClusterRoleBinding" not in objects
    rules = {(tuple(r["apiGroups"]), tuple(r["resources"])): set(r["verbs"]) for r in objects["Role"]["rules"]}
    assert set(rules) == {(("batch",), ("jobs",)), (("",), ("pods",)), (("",), ("pods/log",)), (("",), ("events",))}
    assert all("*" not in verbs and "escalate" not in verbs for verbs in rules.values())
    assert rules[(("",), ("pods",))] == {"get", "list", "watch"}
    binding = objects["RoleBinding"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "prefect-worker", "namespace": "elt-test"}]
    assert binding["roleRef"]["name"] == objects["Role"]["metadata"]["name"]


def test_worker_pods_run_locked_down_with_the_template_and_the_secret():
    objects = _objects("values-prod.yaml")
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["serviceAccountName"] == "prefect-worker"
    for container in pod["containers"] + pod["initContainers"]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["limits"] and container["resources"]["requests"]
        api = next(e for e in container["env"] if e["name"] == "PREFECT_API_URL")
        assert api["valueFrom"]["secretKeyRef"]["name"] == "prefect-api"
    worker = pod["containers"][0]
    assert worker["livenessProbe"] and worker["readinessProbe"]
    assert "elt-prod-kubernetes" in worker["command"]
    sync = pod["initContainers"][0]["command"]
    assert sync[:4] == ["prefect", "work-pool", "create", "elt-prod-kubernetes"] and "--overwrite" in sync
    template = objects["ConfigMap"]["data"]["base-job-template.json"]
    assert template.strip() == (CHART / "files" / "base-job-template.json").read_text().strip()
    assert objects["PodDisruptionBudget"]["spec"]["maxUnavailable"] == 1
    assert set(objects["NetworkPolicy"]["spec"]["policyTypes"]) == {"Ingress", "Egress"}


def _ui_urls(*flags: str) -> list[str | None]:
    rendered = _helm("template", "elt-worker", str(CHART), "-f", str(CHART / "values-prod.yaml"), *flags)
    pod = next(d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "Deployment")["spec"]["template"]["spec"]
    return [
        next((e["value"] for e in c["env"] if e["name"] == "PREFECT_UI_URL"), None)
        for c in pod["containers"] + pod["initContainers"]
    ]


def test_the_ui_address_reaches_the_worker_only_when_given():
    assert _ui_urls() == [None, None]  # Prefect derives it from the API URL
    url = "https://app.prefect.cloud/account/a1/workspace/w1"
    assert _ui_urls("--set", f"prefect.uiUrl={url}") == [url, url]
    bad = subprocess.run(
        [str(HELM), "template", "elt-worker", str(CHART), "--set", "prefect.uiUrl=prefect.example.com"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0 and "uiUrl" in bad.stderr


def test_autoscaler_targets_the_worker_within_bounds():
    keda = _objects("values-prod.yaml")["ScaledObject"]["spec"]
    assert keda["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "elt-worker"}
    assert (keda["minReplicaCount"], keda["maxReplicaCount"]) == (2, 8)
    backlog = next(t for t in keda["triggers"] if t["type"] == "prometheus")["metadata"]
    assert 'deployment_name=~".+-kubernetes"' in backlog["query"] and "Late" in backlog["query"]
    assert keda["fallback"]["replicas"] >= keda["minReplicaCount"]

    dev = _objects("values-dev.yaml")
    assert "ScaledObject" not in dev
    hpa = dev["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "elt-worker"
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (1, 2)
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"


def test_helm_is_the_pinned_one():
    assert "v3.17.2" in _helm("version", "--short")
    assert shutil.which(str(HELM))
