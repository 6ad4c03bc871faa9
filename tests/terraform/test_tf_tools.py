"""terraform fmt, validate and test on the provider-free modules, and checkov over everything."""

from __future__ import annotations

import json

import pytest
from tf_helpers import PROVIDER_FREE_MODULES, REPO, TERRAFORM_DIR, run


def test_terraform_fmt(terraform):
    result = run([terraform, "fmt", "-check", "-recursive", "-diff", "-no-color", "terraform"], REPO)
    assert result.returncode == 0, f"run `terraform fmt -recursive terraform`:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("module", PROVIDER_FREE_MODULES)
def test_terraform_validate(module, initialised, terraform):
    result = run([terraform, "validate", "-no-color"], initialised[module])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", PROVIDER_FREE_MODULES)
def test_terraform_test(module, initialised, terraform):
    result = run([terraform, "test", "-no-color"], initialised[module])
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout


def test_checkov_reports_no_failed_check(checkov):
    result = run(
        [checkov, "-d", str(TERRAFORM_DIR), "--framework", "terraform", "--skip-download", "-o", "json"],
        REPO,
        timeout=180,
    )
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    summary = report["summary"]
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in report["results"]["failed_checks"]]
    assert summary["failed"] == 0 and not failed, "\n".join(failed)
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 0
    # Every skip is written beside its resource, with a reason.
    for check in report["results"]["skipped_checks"]:
        assert check.get("check_result", {}).get("suppress_comment"), f"{check['check_id']} skipped without reason"
