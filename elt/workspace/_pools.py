"""The two work pools: ``elt-local`` (process) and ``elt-<env>-kubernetes`` with the repo's base job template."""

from __future__ import annotations

import json
from typing import Any

from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.workers.process import ProcessWorker

from elt.settings import PROJECT_ROOT

LOCAL_POOL = "elt-local"
# The one template the CLI, the Helm chart (a ConfigMap) and Terraform (prefect_work_pool) all read.
BASE_JOB_TEMPLATE = PROJECT_ROOT / "helm" / "elt-worker" / "files" / "base-job-template.json"


def kubernetes_pool_name(env: str) -> str:
    """Terraform's naming module gives the same name: ``elt-<env>-kubernetes``."""
    return f"elt-{env}-kubernetes"


def _kubernetes_template(env: str) -> dict[str, Any]:
    template = json.loads(BASE_JOB_TEMPLATE.read_text())
    template["variables"]["properties"]["namespace"]["default"] = f"elt-{env}"
    return template


def apply_work_pools(client: SyncPrefectClient, env: str) -> list[str]:
    """Create or overwrite both pools, so a changed template file reaches the server."""
    pools = [
        WorkPoolCreate(
            name=LOCAL_POOL, type="process", base_job_template=ProcessWorker.get_default_base_job_template()
        ),
        WorkPoolCreate(name=kubernetes_pool_name(env), type="kubernetes", base_job_template=_kubernetes_template(env)),
    ]
    for pool in pools:
        client.create_work_pool(pool, overwrite=True)
    return [f"work pool {pool.name} ({pool.type})" for pool in pools]
