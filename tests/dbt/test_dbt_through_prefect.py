"""dbt through Prefect (tasks/transform.build_models) on a copy of the project and the fixture warehouse.

A model is broken, the flow fails naming it; the model is fixed and the build run again: only the failed model
and what depends on it run, and each invocation's dbt artifacts stay with the build, linked from its flow run.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dbt_project_fixture import BUILD_SCHEMA, DBT_PROJECT_DIR, create_fixture_warehouse
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.states import State

from elt.settings import Settings
from tasks.transform import PublicationPlan, build_models

BROKEN = "model.retail_elt.int_reviews__validated"
BROKEN_SQL = Path("models/intermediate/int_reviews__validated.sql")
IMPORT = "select * from {{ ref('stg_parsed__reviews') }}"
BREAKAGE = "select *, no_such_column from {{ ref('stg_parsed__reviews') }}"
# On a busy machine the server takes a while to take the test's logs and events.
DRAIN_SECONDS = 120


@flow(name="dbt-build-test")
def _build(settings: Settings, build_schema: str) -> PublicationPlan:
    return build_models(settings, build_schema)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A copy of the dbt project (so a model can be broken) and the fixture warehouse in a fresh data dir."""
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    create_fixture_warehouse(data_dir / "warehouse.duckdb")
    return Settings(data_dir=data_dir, dbt_project_dir=project)


@pytest.fixture
def prefect_records(prefect_server: str) -> Iterator[str]:
    """The session's Prefect server (tests/conftest.py points every thread at it); afterwards this test's logs
    and events are sent to it."""
    yield prefect_server
    APILogWorker.drain_all(timeout=DRAIN_SECONDS, at_exit=False)
    EventsWorker.drain_all(timeout=DRAIN_SECONDS, at_exit=False)


def _results(path: Path) -> dict[str, str]:
    results = json.loads((path / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {result["unique_id"]: result["status"] for result in results}


def _descendants(manifest: dict, node: str) -> set[str]:
    found: set[str] = set()
    pending = [node]
    while pending:
        for child in manifest["child_map"][pending.pop()]:
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _artifacts(state: State) -> list[object]:
    """The flow run's dbt-artifacts artifacts, read back from the Prefect server."""
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["dbt-artifacts"])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])),
        )


def test_failed_node_is_named_then_only_it_and_its_dependants_are_retried(
    settings: Settings, prefect_records: str
) -> None:
    sql = settings.dbt_project_dir / BROKEN_SQL
    original = sql.read_text(encoding="utf-8")
    assert IMPORT in original
    sql.write_text(original.replace(IMPORT, BREAKAGE), encoding="utf-8")

    failed = _build(settings, BUILD_SCHEMA, return_state=True)

    assert failed.is_failed()
    assert "int_reviews__validated" in failed.message
    target = settings.data_dir / "dbt" / BUILD_SCHEMA
    first = _results(target / "invocations" / "01-build")
    manifest = json.loads((target / "invocations" / "01-build" / "manifest.json").read_text(encoding="utf-8"))
    unfinished = {node for node, status in first.items() if status not in {"success", "pass", "no-op"}}
    assert first[BROKEN] == "error"
    assert unfinished == ({BROKEN} | _descendants(manifest, BROKEN)) & set(first)
    assert len(unfinished) < len(first) / 2, "most of the build succeeded and must not run again"

    sql.write_text(original, encoding="utf-8")
    fixed = _build(settings, BUILD_SCHEMA, return_state=True)

    assert fixed.is_completed(), fixed.message
    retried = _results(target / "invocations" / "02-retry")
    assert set(retried) == unfinished
    assert {status for node, status in retried.items() if not node.startswith("exposure.")} <= {"success", "pass"}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        reviews = connection.execute(f"select review_id from {BUILD_SCHEMA}.fct_reviews order by 1").fetchall()
        relations = connection.execute(
            "select count(*) from information_schema.tables where table_schema = ?", [BUILD_SCHEMA]
        ).fetchone()
    assert reviews == [(1000,), (1001,)]
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert relations == (len(models),)
    assert {"fct_reviews", "fct_sales", "mart_product_ratings"} <= set(fixed.result().relations)

    # dbt's log stays with the build, not in the project.
    assert (target / "dbt.log").exists()
    assert not (settings.dbt_project_dir / "logs").exists()
    # Each flow run links the folder where its invocation's artifacts are kept.
    for state, folder in ((failed, "01-build"), (fixed, "02-retry")):
        (artifact,) = _artifacts(state)
        assert (target / "invocations" / folder).as_uri() in artifact.data
        assert {path.name for path in (target / "invocations" / folder).iterdir()} == {
            "manifest.json",
            "run_results.json",
        }
