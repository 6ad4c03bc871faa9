"""Building the dbt models into a fresh audit schema, through prefect-dbt."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from elt.adapters import adapters_for
from elt.settings import Settings
from elt.warehouse import build_schema_name


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """dbt's profile reads the target from env_var(); set it for the invocation only."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass(frozen=True)
class PlannedBuild:
    batch_id: int
    build_schema: str


@task(name="plan-build")
def plan_build(settings: Settings) -> PlannedBuild | None:
    """Name the audit build to make, or None when the last publication already covers every batch.

    Deciding from the warehouse's state, not from this run's sync, is what lets a rerun repair a crash.
    """
    warehouse = adapters_for(settings).warehouse
    latest = warehouse.latest_batch()
    published = warehouse.last_publication()
    if latest is None or (published is not None and published.batch_id >= latest):
        return None
    return PlannedBuild(latest, build_schema_name(latest, datetime.now(UTC)))


def published_models(target: Path) -> list[str]:
    """The models under ``models/marts``: what a publication exposes in ``analytics``, read from dbt's manifest."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    )


def build_models(settings: Settings, build_schema: str) -> list[str]:
    """Run ``dbt build`` into ``build_schema`` and return the models to publish.

    Not a task itself: prefect-dbt makes every dbt model and test its own task. The artifacts (manifest,
    run_results) stay with the build under ``$ELT_DATA_DIR/dbt/<build>``.
    """
    target = settings.data_dir.resolve() / "dbt" / build_schema
    warehouse = adapters_for(settings).warehouse
    env = warehouse.dbt_env(build_schema)
    with _environment(env):
        runner = PrefectDbtRunner(
            settings=PrefectDbtSettings(
                project_dir=settings.dbt_project_dir,
                profiles_dir=settings.dbt_project_dir,
                target_path=target,
            ),
            raise_on_failure=True,
        )
        try:
            runner.invoke(["build", "--target", env["ELT_DBT_TARGET"]])
        finally:
            warehouse.release_dbt_connections()
    return published_models(target)
