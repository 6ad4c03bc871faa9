"""Packaging: uv.lock is the one lock; the image gets its production set only, without test or lint tools.

Everything here reads the lock offline (`--frozen`/`--offline`): no registry is asked.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from uv import find_uv_bin

from elt.settings import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
LOCK = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text())
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
DEV_TOOLS = {"pytest", "pytest-timeout", "ruff", "sqlfluff", "fakesnow", "moto", "hypothesis", "pre-commit", "uv"}
RUNTIME = {"prefect", "prefect-aws", "prefect-slack", "dbt-core", "dbt-duckdb", "dbt-snowflake", "great-expectations"}
RUNTIME |= {"duckdb", "snowflake-connector-python", "pydantic-settings"}
DBT = ("dbt-core", "dbt-duckdb", "dbt-snowflake")


def _uv(*args: str) -> str:
    result = subprocess.run(
        [find_uv_bin(), *args, "--offline", "--directory", str(PROJECT_ROOT)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _image_set() -> dict[str, str]:
    """What the Dockerfile's `uv sync --frozen --no-dev` installs on Linux with the image's Python 3.11."""
    exported = _uv("export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--no-header", "--quiet")
    packages = {}
    for line in exported.splitlines():
        if not line or line.startswith(("#", " ")):
            continue
        requirement = Requirement(line)
        marker_env = {"python_full_version": "3.11.7", "python_version": "3.11", "sys_platform": "linux"}
        if requirement.marker is None or requirement.marker.evaluate(marker_env):
            packages[requirement.name] = str(requirement.specifier).removeprefix("==")
    return packages


def _locked(name: str) -> Version:
    (version,) = {p["version"] for p in LOCK["package"] if p["name"] == name}
    return Version(version)


def test_lock_matches_pyproject() -> None:
    """A dependency changed in pyproject.toml without `make lock` fails here, not in an install."""
    _uv("lock", "--check")


def test_image_installs_the_locked_production_set_only() -> None:
    syncs = re.findall(r"uv sync ([^\n\\&]*)", DOCKERFILE)
    assert syncs, "the Dockerfile installs with uv sync"
    assert all("--frozen" in s and "--no-dev" in s for s in syncs), syncs
    # Otherwise only uv itself is installed, the version `make install` uses and the lock holds.
    pip_installs = [s.strip() for s in re.findall(r"pip install[^\n\\&]*", DOCKERFILE)]
    assert pip_installs == [f"pip install --no-cache-dir uv=={_locked('uv')}"]
    makefile_uv = re.search(r"^UV_VERSION := (\S+)$", (PROJECT_ROOT / "Makefile").read_text(), re.M)
    assert makefile_uv and Version(makefile_uv.group(1)) == _locked("uv")


def test_image_set_has_no_test_or_lint_tool_and_all_runtime_packages() -> None:
    image = _image_set()
    assert not DEV_TOOLS & image.keys(), sorted(DEV_TOOLS & image.keys())
    assert image.keys() >= RUNTIME, sorted(RUNTIME - image.keys())


def test_prefect_kubernetes_is_for_the_tests_and_the_worker_image_only() -> None:
    """Flow runs never talk to Kubernetes; the worker runs Prefect's own -kubernetes image."""
    assert "prefect-kubernetes" not in _image_set()
    values = yaml.safe_load((PROJECT_ROOT / "helm" / "elt-worker" / "values.yaml").read_text())
    assert values["image"]["tag"].endswith("-kubernetes")


def test_dbt_core_and_adapters_are_each_held_to_one_minor() -> None:
    """Each is capped below its next minor (raised together, by hand) and the lock holds a version inside."""
    declared = {r.name: r for r in map(Requirement, PYPROJECT["project"]["dependencies"])}
    for name in DBT:
        specifiers = {s.operator: Version(s.version) for s in declared[name].specifier}
        assert specifiers.keys() == {">=", "<"}, f"{name}: {declared[name]}"
        low, high = specifiers[">="], specifiers["<"]
        assert (high.major, high.minor) == (low.major, low.minor + 1), f"{name}: {declared[name]}"
        assert _locked(name) in declared[name].specifier, f"{name} {_locked(name)}"


@pytest.mark.parametrize("python", ["3.11", "3.12", "3.13"])
def test_the_lock_resolves_for_python_311_to_313(python: str) -> None:
    assert Version(python) in SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert Version(python) in SpecifierSet(LOCK["requires-python"])
