"""Building the dbt models into a fresh audit schema: one Prefect task running dbt."""

from __future__ import annotations

import json
import logging
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_table_artifact

from elt.adapters import adapters_for
from elt.dbt_invocation import invoke_dbt, project_vars
from elt.quality import data_docs_site
from elt.settings import Settings
from elt.summary import RunStatus
from elt.warehouse import Merge, Warehouse, build_schema_name, build_schema_prefix
from tasks._retries import explain_faults


@dataclass(frozen=True)
class PlannedBuild:
    """The audit build a run makes; or, ``rejected``, the build whose closed gate holds its batch back."""

    batch_id: int
    build_schema: str
    rejected: bool = False


@dataclass(frozen=True)
class BackfillWindow:
    """Days whose incremental fact rows a backfill rebuilds and merges again (``macros/backfill.sql``)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"backfill window ends ({self.end}) before it starts ({self.start})")

    def dbt_vars(self) -> dict[str, dict[str, str]]:
        return {"backfill_window": {"start": self.start.isoformat(), "end": self.end.isoformat()}}


@task(name="plan-build")
@explain_faults
def plan_build(
    settings: Settings, backfill: BackfillWindow | None = None, *, force: bool = False
) -> PlannedBuild | None:
    """Name the audit build to make, or None when the last publication already covers every batch.

    Deciding from the warehouse's state, not from this run's sync, is what lets a rerun repair a crash: a
    build of the latest batch that dbt left with failed nodes is built again (``dbt retry``, only those
    nodes). A batch whose build the gate rejected is not built again (the same data would close it again, and
    alert again) until a new batch lands, a backfill asks, or ``force`` does. Any other build that neither a
    publication nor a run's summary names was left by a run that died before its report: nothing will retry,
    judge or show it, so it is dropped.
    """
    warehouse = adapters_for(settings).warehouse
    latest = warehouse.latest_batch()
    published = warehouse.last_publication()
    planned = None
    if latest is not None and (backfill is not None or published is None or published.batch_id < latest):
        rejected = None if backfill is not None or force else _rejected_build(warehouse, latest)
        if rejected is not None:
            get_run_logger().info(
                "batch %s was rejected by %s and nothing new has landed: not built again (elt run --force does)",
                latest,
                rejected,
            )
            planned = PlannedBuild(latest, rejected, rejected=True)
        else:
            unfinished = _unfinished_build(settings.dbt_target_dir, latest)
            planned = PlannedBuild(latest, unfinished or build_schema_name(latest, datetime.now(UTC)))
    remove_build_files(settings, warehouse.drop_abandoned_builds(retry=planned.build_schema if planned else None))
    return planned


def _rejected_build(warehouse: Warehouse, batch_id: int) -> str | None:
    """The build of ``batch_id`` that the last run to build anything made, if its gate closed."""
    last = warehouse.last_run(skip_status=RunStatus.UP_TO_DATE.value)
    if last is None or last.status != RunStatus.GATE_CLOSED.value:
        return None
    build = json.loads(last.summary_json).get("build_schema")
    return build if isinstance(build, str) and build.startswith(build_schema_prefix(batch_id)) else None


def remove_build_files(settings: Settings, builds: Iterable[str]) -> None:
    """A dropped build takes its Data Docs and dbt artifacts with it."""
    for build in builds:
        shutil.rmtree(data_docs_site(settings.gx_dir, build), ignore_errors=True)
        shutil.rmtree(settings.dbt_target_dir / build, ignore_errors=True)


def _unfinished_build(builds: Path, batch_id: int) -> str | None:
    """The newest build of ``batch_id``, when its last dbt invocation left nodes to retry."""
    candidates = sorted(builds.glob(f"{build_schema_prefix(batch_id)}*"), reverse=True) if builds.exists() else []
    if candidates and _node_results(candidates[0], RETRYABLE_STATUSES):
        return candidates[0].name
    return None


@dataclass(frozen=True)
class PublicationPlan:
    """What a publication exposes in ``analytics``: every relation, and how the incremental facts are merged.

    ``scratch`` names the build's intermediate tables: the marts are built from them, and nothing published
    reads them, so the publish drops them (the first build's hold the whole validated history).
    """

    relations: list[str]
    merges: dict[str, Merge]
    scratch: list[str] = field(default_factory=list)


def _model_nodes(target: Path, folder: str) -> list[dict]:
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith(f"models/{folder}/")
    ]


def publication_plan(target: Path) -> PublicationPlan:
    """Read the plan from dbt's manifest: the marts, each published as a view of the build, except the deltas.

    A delta declares ``meta.publish.merge_into`` (the fact it feeds) and its ``unique_key``: the fact is then
    published by merging the delta into the store by that key, declared once, on the model; its optional
    ``meta.publish.day_column`` partitions the readers' copy by day. A relation of keys declaring
    ``meta.publish.withdraw_from`` names the fact's rows the publish deletes.
    """
    nodes = _model_nodes(target, "marts")
    merges: dict[str, Merge] = {}
    for node in nodes:
        publish = node["config"].get("meta", {}).get("publish", {})
        if into := publish.get("merge_into"):
            key = node["config"]["unique_key"]
            keys = (key,) if isinstance(key, str) else tuple(key)
            merges[into] = Merge(node["name"], keys, day_column=publish.get("day_column"))
    for node in nodes:
        if source := node["config"].get("meta", {}).get("publish", {}).get("withdraw_from"):
            merges[source] = replace(merges[source], withdrawn=node["name"])
    feeding = {relation for merge in merges.values() for relation in merge.relations}
    scratch = [
        node["name"] for node in _model_nodes(target, "intermediate") if node["config"]["materialized"] == "table"
    ]
    return PublicationPlan(
        sorted(node["name"] for node in nodes if node["name"] not in feeding), merges, sorted(scratch)
    )


def published_models(target: Path) -> list[str]:
    """The relations a publication exposes in ``analytics``, read from dbt's manifest."""
    return publication_plan(target).relations


# dbt's run_results statuses: what `dbt retry` reruns, and what counts as the failure itself.
RETRYABLE_STATUSES = frozenset({"error", "fail", "runtime error", "skipped", "partial success"})
FAILED_STATUSES = frozenset({"error", "fail", "runtime error", "partial success"})
ARTIFACTS = ("manifest.json", "run_results.json")


class DbtBuildError(RuntimeError):
    """dbt left failed nodes in an audit build; building the same schema again retries only those."""


@task(name="dbt-build")
def build_models(settings: Settings, build_schema: str, backfill: BackfillWindow | None = None) -> PublicationPlan:
    """Build the dbt project into ``build_schema`` and return how to publish it.

    One task for the whole invocation, not one per dbt node: a Prefect task per node (prefect-dbt) cost more
    than the work of an incremental build (benchmarks/, README "Performance"). dbt's own results stay visible:
    every node's status and time in the ``dbt-nodes`` table artifact, dbt's warnings and errors in the task's
    log, its artifacts linked from the flow run. dbt's target path is ``$ELT_DATA_DIR/dbt/<build>``. When the
    last invocation there left failed nodes, this runs ``dbt retry``: only the nodes that failed and those
    skipped because of them run again, so what succeeded is kept.
    """
    target = settings.dbt_target_dir / build_schema
    warehouse = adapters_for(settings).warehouse
    env = warehouse.dbt_env(build_schema)
    if _node_results(target, RETRYABLE_STATUSES):
        command = ["retry"]  # with the failed invocation's own arguments, a backfill's window included
    else:
        command = ["build", "--target", env["ELT_DBT_TARGET"]]
        command += ["--vars", json.dumps(project_vars(settings) | (backfill.dbt_vars() if backfill else {}))]
    project = str(settings.dbt_project_dir)
    command += ["--project-dir", project, "--profiles-dir", project, "--target-path", str(target)]
    # dbt.log beside the build's artifacts, not in the project (read-only in the worker image); on the console
    # only what needs a reader: warnings and errors, which the task's log gets too.
    command += ["--log-path", str(target), "--log-level", "warn", "--log-level-file", "info"]
    before = _invocation_ids(target)
    result = invoke_dbt(warehouse, build_schema, command, [_forward_problems(get_run_logger())])
    kept = _keep_artifacts(target, command[0], before)
    if not result.success:
        failed = _node_results(target, FAILED_STATUSES) if "run_results.json" in kept.written else []
        error = result.exception or RuntimeError("dbt reported failed nodes")
        raise DbtBuildError(_failure_message(command[0], build_schema, failed, error, kept.path)) from error
    return publication_plan(target)


def _forward_problems(logger: logging.Logger | logging.LoggerAdapter) -> Callable[[Any], None]:
    """A dbt callback passing dbt's warnings and errors to the Prefect task's log, and nothing else."""

    def forward(event: Any) -> None:
        level = event.info.level
        if level in ("warn", "error"):
            logger.log(logging.ERROR if level == "error" else logging.WARNING, event.info.msg)

    return forward


@dataclass(frozen=True)
class KeptArtifacts:
    path: Path
    written: tuple[str, ...]


def _read_artifact(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _node_results(target: Path, statuses: frozenset[str] | None = None) -> list[dict]:
    """The node results of the last invocation in ``target``, those with one of ``statuses`` when given."""
    results = (_read_artifact(target / "run_results.json") or {}).get("results", [])
    return [node for node in results if statuses is None or node["status"] in statuses]


def _invocation_ids(target: Path) -> dict[str, str | None]:
    """Which dbt invocation wrote each artifact: dbt leaves the previous one in place when it fails early."""
    return {name: (_read_artifact(target / name) or {}).get("metadata", {}).get("invocation_id") for name in ARTIFACTS}


def _keep_artifacts(target: Path, command: str, before: dict[str, str | None]) -> KeptArtifacts:
    """Copy the artifacts this invocation wrote to their own folder and link it from the flow run."""
    invocations = target / "invocations"
    previous = len(list(invocations.iterdir())) if invocations.exists() else 0
    kept = invocations / f"{previous + 1:02d}-{command}"
    kept.mkdir(parents=True)
    after = _invocation_ids(target)
    written = tuple(name for name in ARTIFACTS if after[name] is not None and after[name] != before[name])
    for name in written:
        shutil.copy2(target / name, kept / name)
    nodes = _node_results(target) if "run_results.json" in written else []
    statuses = Counter(node["status"] for node in nodes)
    if nodes:
        create_table_artifact(
            key="dbt-nodes",
            table=[
                {
                    "node": node["unique_id"],
                    "status": node["status"],
                    "seconds": round(node["execution_time"], 2),
                    "message": node.get("message") or "",
                }
                for node in sorted(nodes, key=lambda node: -node["execution_time"])
            ],
            description=f"dbt {command} into `{target.name}`: every node, slowest first",
        )
    create_link_artifact(
        key="dbt-artifacts",
        link=kept.as_uri(),
        link_text=f"dbt {command}: {', '.join(written) or 'no artifacts written'}",
        description=f"dbt {command} into `{target.name}`: "
        + (", ".join(f"{count} {status}" for status, count in sorted(statuses.items())) or "no node ran"),
    )
    return KeptArtifacts(kept, written)


def _failure_message(command: str, build_schema: str, failed: list[dict], error: Exception, kept: Path) -> str:
    lines = [f"dbt {command} into {build_schema} failed; building it again retries only the failed nodes."]
    lines += [f"  {node['unique_id']} ({node['status']}): {node['message']}" for node in failed] or [f"  {error}"]
    lines.append(f"dbt artifacts: {kept}")
    return "\n".join(lines)
