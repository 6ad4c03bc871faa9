"""Every setting is validated when read: a value not allowed is one line ``ELT_X=<value>: <what is allowed>``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import elt.quality  # noqa: F401  (loads the suites, which define the check ids a severity may name)
from elt.adapters import adapters_for
from elt.cli import app
from elt.settings import DEFAULT_GATE_CONFIG, InvalidSettingsError, Settings
from elt.warehouse import DuckDBWarehouse


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the variables a test sets: none inherited from the shell that runs the tests."""
    for name in [name for name in os.environ if name.upper().startswith("ELT_")]:
        monkeypatch.delenv(name)


NONSENSE = [
    ("ELT_QUARANTINE_RATE_MAX", '{"sales": -1}', '={"sales": -1} (sales): must be a number from 0 to 1'),
    ("ELT_QUARANTINE_RATE_MAX", '{"sales": 5}', '={"sales": 5} (sales): must be a number from 0 to 1'),
    ("ELT_QUARANTINE_RATE_MAX", '{"sales": NaN}', '={"sales": NaN} (sales): must be a number from 0 to 1'),
    ("ELT_QUARANTINE_RATE_MAX", '{"salez": 0.1}', '={"salez": 0.1} (salez): not a stream of'),
    ("ELT_QUARANTINE_RATE_MAX", "abc", """=abc: must be JSON, e.g. ELT_QUARANTINE_RATE_MAX='{"sales": 0.05}'"""),
    ("ELT_QUARANTINE_RATE_DEFAULT_MAX", "1.5", "=1.5: must be a number from 0 to 1"),
    ("ELT_QUARANTINE_RATE_DEFAULT_MAX", "-inf", "=-inf: must be a number from 0 to 1"),
    ("ELT_GATE_SEVERITY", '{"fct_sales.frsh": "warning"}', "(fct_sales.frsh): not a check of the gate"),
    ("ELT_GATE_SEVERITY", '{"fct_sales.fresh": "loud"}', "(fct_sales.fresh): must be 'critical' or 'warning'"),
    ("ELT_GATE_SEVERITY", "fct_sales.fresh=critical", "=fct_sales.fresh=critical: must be JSON, e.g."),
    ("ELT_GATE_FRESHNES_MAX_AGE_HOURS", "24", "=24: not a gate setting; they are ELT_GATE_CONFIG,"),
    ("ELT_GATE_QUARANTINE_RATE_MAX", '{"sales": 0.1}', ": not a gate setting; they are ELT_GATE_CONFIG,"),
    ("ELT_GATE_DAILY_REVENUE__MAX_STDDEVS", "inf", "=inf: must be a finite number"),
    ("ELT_GATE_DAILY_REVENUE__MAX_STDDEVS", "nan", "=nan: must be a finite number"),
    ("ELT_GATE_DAILY_REVENUE__MAX_STDDEVS", "0", "=0: must be greater than 0"),
    ("ELT_GATE_DAILY_REVIEWS__MAX_STDEVS", "4", "=4: not a known key; known: trailing_days,"),
    ("ELT_GATE_FRESHNESS_MAX_AGE_HOURS", "two days", "=two days: must be a valid integer"),
    ("ELT_GATE_CONFIG", "/nonexistent/gate.yml", "=/nonexistent/gate.yml: cannot be read (No such file or directory)"),
    ("ELT_KEEP_BUILDS", "0", "=0: must be greater than or equal to 1"),
    ("ELT_KEEP_BUILDS", "three", "=three: must be a valid integer"),
    ("ELT_PROFILE", "laptop", "=laptop: must be 'local' or 'cloud'"),
    ("ELT_CATALOG_PATH", "/nonexistent/catalog.yml", "=/nonexistent/catalog.yml: must be an existing file"),
    ("ELT_DBT_PROJECT_DIR", "/nonexistent", "=/nonexistent: must be an existing directory"),
    ("ELT_AIRBYTE_TIMEOUT_SECONDS", "inf", "=inf: must be a finite number"),
    ("ELT_AIRBYTE_MAX_CONCURRENT", "0", "=0: must be greater than or equal to 1"),
    ("ELT_SNOWFLAKE_PROTOCOL", "ftp", "=ftp: must be 'https' or 'http'"),
    ("ELT_DUCKDB_MEMORY_LIMIT", "lots", "=lots: must be an amount of memory greater than 0 such as 4GB, 512MiB"),
    ("ELT_DUCKDB_MEMORY_LIMIT", "4", "=4: must be an amount of memory"),
    ("ELT_DUCKDB_MEMORY_LIMIT", "0GB", "=0GB: must be an amount of memory greater than 0"),
    ("ELT_DUCKDB_MEMORY_LIMIT", "150%", "=150%: must be an amount of memory"),
    ("ELT_DUCKDB_THREADS", "0", "=0: must be greater than or equal to 1"),
    ("ELT_DUCKDB_THREADS", "all", "=all: must be a valid integer"),
    ("ELT_DOCS_URL", "127.0.0.1:8080", "=127.0.0.1:8080: must be the http(s) address the docs are served at"),
    ("ELT_DOCS_URL", "file:///data/docs", "=file:///data/docs: must be the http(s) address"),
    ("ELT_DOCS_URL", "https://docs.example.com/?a=1", "=https://docs.example.com/?a=1: must be the http(s) address"),
]


@pytest.mark.parametrize(("variable", "value", "message"), NONSENSE, ids=[f"{v}={x}" for v, x, _ in NONSENSE])
def test_a_setting_not_allowed_is_refused_naming_variable_value_and_what_is_allowed(
    variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(InvalidSettingsError) as refused:
        Settings()

    assert refused.value.problems == [refused.value.problems[0]], "one problem, one line"
    assert refused.value.problems[0].startswith(variable), refused.value.problems
    assert message in refused.value.problems[0]


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").write_text("not a folder")
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path / "data"))

    with pytest.raises(InvalidSettingsError, match=r"ELT_DATA_DIR=.*/data: must be a directory"):
        Settings()


def test_a_duckdb_temp_directory_that_is_a_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "spill").write_text("not a folder")
    monkeypatch.setenv("ELT_DUCKDB_TEMP_DIRECTORY", str(tmp_path / "spill"))

    with pytest.raises(InvalidSettingsError, match=r"ELT_DUCKDB_TEMP_DIRECTORY=.*/spill: must be a directory"):
        Settings()


def test_the_duckdb_engine_settings_reach_the_local_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELT_DUCKDB_MEMORY_LIMIT", " 1.5GiB ")
    monkeypatch.setenv("ELT_DUCKDB_THREADS", "1")
    monkeypatch.setenv("ELT_DUCKDB_TEMP_DIRECTORY", str(tmp_path / "spill"))

    warehouse = adapters_for(Settings()).warehouse

    assert isinstance(warehouse, DuckDBWarehouse)
    assert warehouse.engine_config() == {
        "memory_limit": "1.5GiB",
        "threads": "1",
        "temp_directory": str(tmp_path / "spill"),
    }


def test_empty_duckdb_engine_settings_keep_duckdbs_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ELT_DUCKDB_MEMORY_LIMIT", "ELT_DUCKDB_THREADS", "ELT_DUCKDB_TEMP_DIRECTORY"):
        monkeypatch.setenv(name, "")

    warehouse = adapters_for(Settings()).warehouse

    assert isinstance(warehouse, DuckDBWarehouse)
    assert warehouse.engine_config() == {}


def _gate_file(tmp_path: Path, change) -> Path:
    config = yaml.safe_load(DEFAULT_GATE_CONFIG.read_text())
    change(config)
    path = tmp_path / "gate.yml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["quarantine_rate_max"].update(sales=5), "quarantine_rate_max.sales=5 in {file}: must be"),
        (lambda c: c["quarantine_rate_max"].update(salez=0.1), "quarantine_rate_max.salez=0.1 in {file}: not a stream"),
        (lambda c: c["severity"].update({"fct_sales.frsh": "warning"}), "severity.fct_sales.frsh=warning in {file}"),
        (lambda c: c["daily_revenue"].update(max_stddevs=float("inf")), "max_stddevs=inf in {file}: must be a finite"),
        (lambda c: c.pop("freshness_max_age_hours"), "freshness_max_age_hours in {file}: required"),
    ],
    ids=["rate", "stream", "severity", "inf", "missing"],
)
def test_a_value_not_allowed_in_the_gate_file_names_the_file_and_key(
    change, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _gate_file(tmp_path, change)
    monkeypatch.setenv("ELT_GATE_CONFIG", str(path))

    with pytest.raises(InvalidSettingsError) as refused:
        Settings()

    assert message.format(file=path) in str(refused.value)


def test_a_limit_the_environment_does_not_set_is_blamed_on_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _gate_file(tmp_path, lambda c: c["quarantine_rate_max"].update(sales=5))
    monkeypatch.setenv("ELT_GATE_CONFIG", str(path))
    monkeypatch.setenv("ELT_QUARANTINE_RATE_MAX", '{"reviews": 0.1}')

    with pytest.raises(InvalidSettingsError) as refused:
        Settings()

    assert refused.value.problems == [
        f"quarantine_rate_max.sales=5 in {path}: must be a number from 0 to 1 (a share: 0.05 is 5%)"
    ]


def test_a_gate_file_that_is_not_yaml_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gate.yml").write_text("severity: [unclosed\n")
    monkeypatch.setenv("ELT_GATE_CONFIG", str(tmp_path / "gate.yml"))

    with pytest.raises(InvalidSettingsError, match=rf"ELT_GATE_CONFIG={tmp_path}/gate.yml: is not valid YAML"):
        Settings()


def test_every_problem_of_a_group_is_listed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELT_QUARANTINE_RATE_MAX", '{"sales": 2, "reviews": -1}')
    monkeypatch.setenv("ELT_GATE_DAILY_REVENUE__MAX_STDDEVS", "inf")

    with pytest.raises(InvalidSettingsError) as refused:
        Settings()

    assert [p.partition(": must")[0] for p in refused.value.problems] == [
        'ELT_QUARANTINE_RATE_MAX={"sales": 2, "reviews": -1} (sales)',
        'ELT_QUARANTINE_RATE_MAX={"sales": 2, "reviews": -1} (reviews)',
        "ELT_GATE_DAILY_REVENUE__MAX_STDDEVS=inf",
    ]


def test_allowed_values_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELT_QUARANTINE_RATE_MAX", '{"sales": 1, "customers": 0}')
    monkeypatch.setenv("ELT_GATE_SEVERITY", '{"fct_sales.fresh": "critical"}')
    monkeypatch.setenv("ELT_KEEP_BUILDS", "1")

    settings = Settings()

    assert settings.gate.quarantine_rate_max == {"sales": 1.0, "reviews": 0.05, "customers": 0.0}
    assert settings.keep_builds == 1


def test_the_docs_url_is_the_base_of_links_to_the_docs_site(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path))
    page = tmp_path.resolve() / "docs" / "gx" / "audit_b000001_x" / "index.html"
    assert Settings().docs_link(page) is None, "unset: no link"

    monkeypatch.setenv("ELT_DOCS_URL", "https://docs.example.com/elt/")

    assert Settings().docs_link(page) == "https://docs.example.com/elt/gx/audit_b000001_x/index.html"


def test_elt_run_stops_before_any_work_with_one_clean_paragraph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ELT_QUARANTINE_RATE_MAX", '{"sales": 5}')

    result = CliRunner().invoke(app, ["run"])

    assert result.exit_code == 1
    assert result.output == (
        "invalid settings, nothing was done:\n"
        '  ELT_QUARANTINE_RATE_MAX={"sales": 5} (sales): must be a number from 0 to 1 (a share: 0.05 is 5%)\n'
    )
    assert not (tmp_path / "data").exists(), "nothing was synced"
