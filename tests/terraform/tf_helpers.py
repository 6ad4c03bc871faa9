"""Helpers of the Terraform tests: parsed HCL (python-hcl2) and running the tools."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "terraform"
MODULES = TERRAFORM_DIR / "modules"
ENVS = ("dev", "prod")
CATALOG = REPO / "airbyte" / "catalog.yml"
# Modules without providers: `terraform validate` and `terraform test` run on them offline.
PROVIDER_FREE_MODULES = ("naming", "prefect_ui", "stream_catalog")


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals; strip them, recursively."""
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if not str(k).startswith("__")}
    return value


def load_module(directory: Path) -> dict[str, dict]:
    """Every .tf file of one module, merged: locals, variables, resources by (type, name), ..."""
    merged: dict[str, dict] = {"locals": {}, "variable": {}, "resource": {}, "data": {}, "module": {}, "terraform": {}}
    for path in sorted(directory.glob("*.tf")):
        with path.open() as handle:
            parsed = unquote(hcl2.load(handle))
        for block in parsed.get("locals", []):
            merged["locals"].update(block)
        for block in parsed.get("variable", []):
            merged["variable"].update(block)
        for block in parsed.get("module", []):
            merged["module"].update(block)
        for kind in ("resource", "data"):
            for block in parsed.get(kind, []):
                for type_, named in block.items():
                    for name, body in named.items():
                        merged[kind][(type_, name)] = body
        for block in parsed.get("terraform", []):
            for key, value in block.items():
                merged["terraform"].setdefault(key, []).append(value)
    return merged


def tool_env() -> dict[str, str]:
    return {**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null", "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}


def run(args: list[str], cwd: Path, stdin: str | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout, env=tool_env(), check=False
    )
