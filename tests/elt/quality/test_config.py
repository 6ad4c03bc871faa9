"""The gate's thresholds and severities: read from elt/quality/gate.yml, overridden by the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from audit_build import BATCH_TIMES, BUILD, REGIONS, STREAMS, Warehouse

from elt.quality import SuiteContext, mart_suites
from elt.settings import PROJECT_ROOT, DailyBounds, InvalidSettingsError, Settings, Severity

GATE_YML = PROJECT_ROOT / "elt" / "quality" / "gate.yml"


def _plant_bad_sales_batch(warehouse: Warehouse) -> None:
    """One sale in six of the newest batch quarantined: above the shipped 5% limit."""
    warehouse.plant(
        f"insert into {BUILD}.sales_quarantine_delta select 990000 + i, 'null_customer_id', 'planted', 'planted-' || i,"
        f" timestamptz '{BATCH_TIMES[2]}' from range(20) t(i)"
    )


def test_the_shipped_yaml_is_what_the_settings_hold(gate_env) -> None:
    shipped = yaml.safe_load(GATE_YML.read_text())

    gate = gate_env()

    assert gate.quarantine_rate_max == shipped["quarantine_rate_max"]
    assert gate.quarantine_rate_default_max == shipped["quarantine_rate_default_max"]
    assert gate.freshness_max_age_hours == shipped["freshness_max_age_hours"]
    assert gate.daily_revenue == DailyBounds(**shipped["daily_revenue"])
    assert gate.severity == {check: Severity(value) for check, value in shipped["severity"].items()}
    assert Settings().gate == gate


def test_another_yaml_file_sets_the_thresholds(gate_env, tmp_path: Path, warehouse: Warehouse) -> None:
    config = yaml.safe_load(GATE_YML.read_text())
    config["quarantine_rate_max"]["sales"] = 0.25
    (tmp_path / "gate.yml").write_text(yaml.safe_dump(config))
    _plant_bad_sales_batch(warehouse)

    shipped = warehouse.validate(gate_env(), tables=("rpt_reconciliation",))
    relaxed = warehouse.validate(gate_env(ELT_GATE_CONFIG=str(tmp_path / "gate.yml")), tables=("rpt_reconciliation",))

    assert not shipped.passed
    assert "rpt_reconciliation.quarantine_rate" in {f.check for f in shipped.failed}
    assert relaxed.passed, relaxed.failure_message()


def test_the_environment_overrides_quarantine_limits_per_stream(gate_env, warehouse: Warehouse) -> None:
    gate = gate_env(ELT_QUARANTINE_RATE_MAX='{"sales": 0.25}', ELT_QUARANTINE_RATE_DEFAULT_MAX="0.01")
    _plant_bad_sales_batch(warehouse)

    verdict = warehouse.validate(gate, tables=("rpt_reconciliation",))

    assert gate.quarantine_rate_max == {"sales": 0.25, "reviews": 0.05}, "reviews keeps the YAML's limit"
    assert gate.quarantine_threshold("customers") == 0.01
    assert verdict.passed, verdict.failure_message()


def test_the_environment_overrides_nested_bounds_and_severities(gate_env, warehouse: Warehouse) -> None:
    warehouse.plant(f"update {BUILD}.fct_sales_delta set sold_at = sold_at - interval 3 day", refresh=False)

    default = warehouse.validate(gate_env(), tables=("fct_sales",), last_published_batch=1)
    strict = warehouse.validate(
        gate_env(ELT_GATE_SEVERITY='{"fct_sales.fresh": "critical"}', ELT_GATE_DAILY_REVENUE__MAX_STDDEVS="9"),
        tables=("fct_sales",),
        last_published_batch=1,
    )

    assert default.passed and {w.check for w in default.warnings} == {"fct_sales.fresh"}
    assert [f.check for f in strict.failed] == ["fct_sales.fresh"]
    gate = gate_env()
    assert gate.daily_revenue.max_stddevs == 9
    assert gate.severity["fct_reviews.fresh"] is Severity.WARNING, "the YAML's other severities stay"


def test_a_severity_for_a_check_that_does_not_exist_is_refused_with_the_settings(gate_env) -> None:
    with pytest.raises(InvalidSettingsError, match=r"\(fct_sales\.no_such_check\): not a check of the gate"):
        gate_env(ELT_GATE_SEVERITY='{"fct_sales.no_such_check": "warning"}')


def test_the_suites_refuse_a_severity_for_a_check_they_do_not_define(gate_env) -> None:
    """Settings made without validation (or before the suites were loaded) are checked again by the suites."""
    gate = gate_env().model_copy(update={"severity": {"fct_sales.no_such_check": Severity.WARNING}})

    with pytest.raises(InvalidSettingsError, match=r"fct_sales\.no_such_check"):
        mart_suites(SuiteContext(BUILD, STREAMS, REGIONS), gate)


def test_a_malformed_yaml_names_the_bad_key(gate_env, tmp_path: Path) -> None:
    config = yaml.safe_load(GATE_YML.read_text())
    config["daily_revenue"]["max_stdevs"] = config["daily_revenue"].pop("max_stddevs")
    (tmp_path / "gate.yml").write_text(yaml.safe_dump(config))

    with pytest.raises(InvalidSettingsError, match=r"daily_revenue\.max_stdevs=3\.0 in .*: not a known key"):
        gate_env(ELT_GATE_CONFIG=str(tmp_path / "gate.yml"))
