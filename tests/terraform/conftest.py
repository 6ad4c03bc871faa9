"""Fixtures of the Terraform tests: the catalogue, and the tools this machine may lack (skipped, saying which)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from tf_helpers import CATALOG, MODULES, PROVIDER_FREE_MODULES, REPO, run


@pytest.fixture(scope="session")
def catalog() -> dict:
    return yaml.safe_load(CATALOG.read_text())


@pytest.fixture(scope="session")
def terraform() -> str:
    path = shutil.which("terraform")
    if path is None:
        pytest.skip("terraform binary not found on PATH: install Terraform >= 1.10 to run this check")
    return path


@pytest.fixture(scope="session")
def checkov() -> str:
    local = REPO / ".venv-checkov" / "bin" / "checkov"
    path = str(local) if local.exists() else shutil.which("checkov")
    if path is None:
        pytest.skip(
            "checkov not found (.venv-checkov/bin/checkov or PATH): "
            "python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov"
        )
    return path


@pytest.fixture(scope="session")
def initialised(terraform: str) -> dict[str, Path]:
    """`terraform init -backend=false` once per provider-free module (no registry needed)."""
    dirs = {}
    for name in PROVIDER_FREE_MODULES:
        directory = MODULES / name
        result = run([terraform, "init", "-backend=false", "-input=false", "-no-color"], directory)
        assert result.returncode == 0, result.stdout + result.stderr
        dirs[name] = directory
    return dirs
