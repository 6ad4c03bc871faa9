"""The dbt docs of the last published build (lineage, exposures, columns as built): ``dbt docs generate``.

dbt's docs page is self-contained (no CDN); it reads ``manifest.json`` and ``catalog.json`` beside it, so those
three files are what the docs site keeps, under ``docs/dbt/``. dbt compiles into a scratch target: the builds'
own targets keep their artifacts as their runs left them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from elt.adapters import adapters_for
from elt.dbt_invocation import invoke_dbt, project_vars
from elt.settings import Settings

DOCUMENTED_FILE = "documented.json"
_SITE_FILES = ("index.html", "manifest.json", "catalog.json")


class DbtDocsError(RuntimeError):
    """``dbt docs generate`` failed: the site keeps the dbt docs it had."""


def documented_build(dbt_docs: Path) -> str | None:
    """The build the dbt docs in ``dbt_docs`` describe, if any."""
    marker = dbt_docs / DOCUMENTED_FILE
    return json.loads(marker.read_text(encoding="utf-8"))["build"] if marker.exists() else None


def generate_dbt_docs(settings: Settings, *, force: bool = False) -> str | None:
    """Write the dbt docs of the last published build into the site, unless they are there already (``force``:
    again); the build they describe, None before any publication. The caller holds the warehouse's run lock."""
    warehouse = adapters_for(settings).warehouse
    warehouse.ensure_schemas()
    publication = warehouse.last_publication()
    if publication is None:
        return None
    build = publication.build_schema
    if not force and documented_build(settings.dbt_docs_dir) == build:
        return build
    project = str(settings.dbt_project_dir)
    with tempfile.TemporaryDirectory(prefix="elt-dbt-docs-") as scratch:
        command = ["docs", "generate", "--target", warehouse.dbt_env(build)["ELT_DBT_TARGET"]]
        command += ["--project-dir", project, "--profiles-dir", project, "--vars", json.dumps(project_vars(settings))]
        command += ["--target-path", scratch, "--log-path", scratch, "--log-level", "warn"]
        result = invoke_dbt(warehouse, build, command)
        if not result.success:
            raise DbtDocsError(f"dbt docs generate for {build} failed: {result.exception or 'see the log above'}")
        settings.dbt_docs_dir.mkdir(parents=True, exist_ok=True)
        for name in _SITE_FILES:
            shutil.copyfile(Path(scratch) / name, settings.dbt_docs_dir / name)
    (settings.dbt_docs_dir / DOCUMENTED_FILE).write_text(json.dumps({"build": build}), encoding="utf-8")
    return build
