"""Every secret is a sensitive variable with no default, supplied from the environment, never a file."""

from __future__ import annotations

import re
import subprocess

import hcl2
import pytest
from tf_helpers import ENVS, MODULES, REPO, TERRAFORM_DIR, load_module, unquote

SECRET_NAME = re.compile(r"private_key|secret|api_key|password|token|webhook_url|event_endpoint")
ENV_SECRETS = {
    "snowflake_admin_private_key",
    "snowflake_loader_private_key",
    "snowflake_transformer_private_key",
    "airbyte_client_secret",
    "prefect_api_key",
    "slack_webhook_url",
}
MODULE_DIRS = [p for p in sorted(MODULES.iterdir()) if p.is_dir()] + [TERRAFORM_DIR / "envs" / e for e in ENVS]


def secret_variables(module: dict) -> dict[str, dict]:
    return {name: body for name, body in module["variable"].items() if SECRET_NAME.search(name)}


@pytest.mark.parametrize("directory", MODULE_DIRS, ids=lambda p: p.name)
def test_secret_variables_are_sensitive_without_default(directory):
    for name, body in secret_variables(load_module(directory)).items():
        assert body.get("sensitive") is True, f"{directory.name}: variable {name} is not sensitive"
        assert "default" not in body, f"{directory.name}: secret {name} has a default"


@pytest.mark.parametrize("env", ENVS)
def test_env_declares_every_secret(env):
    variables = load_module(TERRAFORM_DIR / "envs" / env)["variable"]
    missing = ENV_SECRETS - variables.keys()
    assert not missing
    assert all(variables[name]["sensitive"] is True for name in ENV_SECRETS)


@pytest.mark.parametrize("directory", MODULE_DIRS, ids=lambda p: p.name)
def test_no_aws_credentials_as_variables(directory):
    names = load_module(directory)["variable"].keys()
    assert not [n for n in names if re.search(r"aws_(access|secret)", n)]


@pytest.mark.parametrize("env", ENVS)
def test_example_tfvars_hold_no_secret(env):
    example = TERRAFORM_DIR / "envs" / env / "terraform.tfvars.example"
    values = unquote(hcl2.loads(example.read_text()))
    declared = load_module(TERRAFORM_DIR / "envs" / env)["variable"]
    assert set(values) <= set(declared), f"unknown variables: {set(values) - set(declared)}"
    assert not [name for name in values if declared[name].get("sensitive")]


def test_no_tfvars_or_state_files_would_be_committed():
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "terraform"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    leaked = [f for f in listed if re.search(r"\.tfvars$|\.tfstate|backend\.hcl$", f)]
    assert leaked == []


@pytest.mark.parametrize("env", ENVS)
def test_remote_state_with_locking(env):
    module = load_module(TERRAFORM_DIR / "envs" / env)
    backends = [b for block in module["terraform"].get("backend", []) for b in block]
    assert len(backends) == 1
    s3 = backends[0]["s3"]
    assert s3["use_lockfile"] is True and s3["encrypt"] is True
    assert s3["key"] == f"elt/{env}/terraform.tfstate"
    assert module["locals"]["env"] == env
