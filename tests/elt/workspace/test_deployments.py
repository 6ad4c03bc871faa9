"""prefect.yaml against a real server: the local deployments run `elt` through a process worker and on the files
`elt watch` announces; the Kubernetes ones register without an image build and fit the base job template.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import duckdb
import kubernetes_validate
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter
from prefect.deployments import run_deployment
from prefect.events import emit_event
from prefect_kubernetes.worker import KubernetesWorkerJobConfiguration

from elt.catalog import load_catalog
from elt.generate import GenerateOptions, generate
from elt.settings import PROJECT_ROOT, Settings
from elt.watch import LandingWatch, emit_arrivals
from elt.workspace import BASE_JOB_TEMPLATE, kubernetes_pool_name

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]

IMAGE = "registry.example.org/retail-elt:test"


def _prefect(api_url: str, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PREFECT_API_URL": api_url, "PREFECT_CLI_PROMPT": "false", **env},
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def local_deployments(applied_workspace: list[str], prefect_api_url: str) -> None:
    _prefect(prefect_api_url, "deploy", "--name", "*-local")


def _deployment_id(name: str):
    with get_client(sync_client=True) as client:
        return client.read_deployment_by_name(f"elt/{name}").id


def test_files_announced_by_the_watch_start_one_run_and_a_runs_own_batch_event_none(
    local_deployments: None, prefect_server: str, tmp_path: Path
):
    deployment_id = _deployment_id("on-landing-local")
    # What a run emits for the batch it lands and builds itself: it must not start another run.
    emit_event("elt.batch.landed", resource={"prefect.resource.id": "elt.batch.1"}, payload={})
    landing = tmp_path / "landing"
    generate(landing, GenerateOptions(sales_rows=300, days=2, start_date=dt.date(2026, 1, 1)))
    watch = LandingWatch(landing, load_catalog(Settings().catalog_path), tmp_path / "watch.json", _announce)
    arrivals = [watch.step(), watch.step()]  # the files settle between two scans, then are announced
    generate(landing, GenerateOptions(sales_rows=100, days=1, start_date=dt.date(2026, 1, 3)))
    arrivals += [watch.step(), watch.step()]  # a second burst soon after: its event falls in the same window
    assert [len(a) for a in arrivals] == [0, 7, 0, 2], arrivals
    runs_of = FlowRunFilter(deployment_id={"any_": [deployment_id]})
    deadline = time.monotonic() + 60
    with get_client(sync_client=True) as client:
        while not (runs := client.read_flow_runs(flow_run_filter=runs_of)) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(3)
        runs = client.read_flow_runs(flow_run_filter=runs_of)
        assert len(runs) == 1, runs
        client.delete_flow_run(runs[0].id)  # the worker test below runs the daily deployment alone


def _announce(files: list[str]) -> None:
    emit_arrivals(files, landing="local")


def test_backfill_deployment_asks_for_the_date_range(local_deployments: None, prefect_server: str):
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("elt-backfill/backfill-local")
    schema = deployment.parameter_openapi_schema
    assert schema["required"] == ["start", "end"]
    assert {schema["properties"][name]["format"] for name in ("start", "end")} == {"date"}
    with pytest.raises(Exception, match="end"):  # a run without its window is refused by the server
        run_deployment("elt-backfill/backfill-local", parameters={"start": "2026-01-01"}, timeout=0)


def _run_worker_once(api_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """A process worker of `elt-local` that polls once, runs what it took and exits, on ``data_dir``."""
    return _prefect(
        api_url,
        "worker",
        "start",
        "--pool",
        "elt-local",
        "--run-once",
        timeout=400,
        ELT_DATA_DIR=str(data_dir),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
    )


def test_process_worker_runs_elt_end_to_end(
    local_deployments: None, prefect_server: str, slack, tmp_path: Path, prefect_api_url: str
):
    generate(tmp_path / "landing", GenerateOptions(sales_rows=3000, days=2, customers=300, products=60))
    run = run_deployment("elt/daily-local", timeout=0)
    worker = _run_worker_once(prefect_api_url, tmp_path)
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run.id).state
    assert state is not None and state.is_completed(), worker.stdout[-4000:] + worker.stderr[-4000:]
    assert (tmp_path / "warehouse.duckdb").exists()
    text = slack.wait_for(lambda t: t.startswith("elt run published"))
    assert " records landed, " in text and " quarantined." in text


def test_runs_started_together_take_turns_on_the_warehouse(
    local_deployments: None, prefect_server: str, tmp_path: Path, prefect_api_url: str
):
    generate(tmp_path / "landing", GenerateOptions(sales_rows=1500, days=1, customers=200, products=40))
    runs = [run_deployment("elt/daily-local", timeout=0) for _ in range(3)]
    # One poll takes all three: the worker starts them at once, and each waits for the warehouse's slot.
    worker = _run_worker_once(prefect_api_url, tmp_path)
    with get_client(sync_client=True) as client:
        states = [client.read_flow_run(run.id).state for run in runs]
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [run.id for run in runs]}))
    assert all(state is not None and state.is_completed() for state in states), (
        [s.message if s else None for s in states],
        worker.stdout[-4000:] + worker.stderr[-4000:],
    )
    spans = sorted(
        (min(t.start_time for t in own), max(t.end_time for t in own))
        for own in ([t for t in tasks if t.flow_run_id == run.id and t.start_time] for run in runs)
    )
    assert len(spans) == 3
    assert all(first_end <= next_start for (_, first_end), (next_start, _) in pairwise(spans)), spans
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        statuses = sorted(status for (status,) in con.execute("select status from elt_meta.runs").fetchall())
    assert statuses == ["published", "up to date", "up to date"], "one built, the two after it found it done"


def test_kubernetes_deployments_register_and_fit_the_template(applied_workspace: list[str], prefect_server: str):
    _prefect(prefect_server, "deploy", "--name", "*-kubernetes", ELT_ENV="test", ELT_IMAGE=IMAGE)
    template = json.loads(BASE_JOB_TEMPLATE.read_text())
    with get_client(sync_client=True) as client:
        for name in ("elt/daily-kubernetes", "elt/on-landing-kubernetes", "elt-backfill/backfill-kubernetes"):
            deployment = client.read_deployment_by_name(name)
            assert deployment.work_pool_name == kubernetes_pool_name("test")
            assert (
                deployment.pull_steps[0]["prefect.deployments.steps.set_working_directory"]["directory"] == "/opt/elt"
            )
            variables = deployment.job_variables
            assert set(variables) <= set(template["variables"]["properties"])
            assert variables["image"] == IMAGE and variables["namespace"] == "elt-test"
            job = asyncio.run(KubernetesWorkerJobConfiguration.from_template_and_values(template, variables))
            manifest = job.job_manifest
            container = manifest["spec"]["template"]["spec"]["containers"][0]
            assert container["resources"]["requests"]["memory"] == variables["memory_request"]
            kubernetes_validate.validate(manifest, "1.32", strict=True)
