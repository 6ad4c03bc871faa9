"""The publication gate and the atomic publish."""

from __future__ import annotations

from prefect import task
from prefect.logging import get_run_logger

from elt.adapters import adapters_for
from elt.quality import GateVerdict, mart_suites, run_gate
from elt.settings import Settings


@task(name="validate-build")
def validate_build(settings: Settings, build_schema: str) -> GateVerdict:
    """Run the Great Expectations suites on the audit build, as SQL on the warehouse."""
    suites = mart_suites(settings.quarantine_rate_max, settings.quarantine_rate_default_max)
    verdict = run_gate(adapters_for(settings).warehouse.sqlalchemy_url(), build_schema, suites, settings.gx_dir)
    logger = get_run_logger()
    if verdict.passed:
        logger.info("gate open: %d expectations met on %s", verdict.evaluated, build_schema)
    else:
        logger.error(verdict.failure_message())
    return verdict


@task(name="publish-build", retries=2, retry_delay_seconds=5)
def publish_build(settings: Settings, build_schema: str, batch_id: int, models: list[str]) -> list[str]:
    """Repoint ``analytics`` to the audited build in one transaction, then drop builds past the keep count."""
    warehouse = adapters_for(settings).warehouse
    tables = warehouse.publish(build_schema, batch_id, models)
    dropped = warehouse.prune_builds(settings.keep_builds)
    get_run_logger().info("published %d tables from %s; dropped old builds %s", len(tables), build_schema, dropped)
    return tables
