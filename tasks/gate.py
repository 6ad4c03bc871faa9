"""The publication gate and the atomic publish."""

from __future__ import annotations

from prefect import task
from prefect.logging import get_run_logger

from elt.adapters import adapters_for
from elt.catalog import load_catalog
from elt.killpoints import KillPoint, kill_point
from elt.quality import GateVerdict, SuiteContext, dbt_project_var, mart_suites, run_gate
from elt.settings import Settings
from elt.warehouse import WarehouseBusyError
from tasks._retries import explain_faults, retry_if_transient
from tasks.report import record_at_publish
from tasks.transform import PublicationPlan, remove_build_files


@task(name="validate-build")
@explain_faults
def validate_build(settings: Settings, build_schema: str) -> GateVerdict:
    """Run the Great Expectations suites on the audit build, as SQL on the warehouse."""
    warehouse = adapters_for(settings).warehouse
    publication = warehouse.last_publication()
    catalog = load_catalog(settings.catalog_path)
    context = SuiteContext(
        build_schema=build_schema,
        streams=[s.name for s in catalog.streams],
        accepted_regions=dbt_project_var(settings.dbt_project_dir, "accepted_regions"),
        last_published_batch=publication.batch_id if publication else None,
        optional_fields=catalog.optional_fields(),
    )
    suites = mart_suites(context, settings.gate)
    verdict = run_gate(
        warehouse.sqlalchemy_url(), build_schema, suites, settings.gx_dir, warehouse.sqlalchemy_connect_args()
    )
    logger = get_run_logger()
    for warning in verdict.warnings:
        logger.warning("gate warning: %s", warning)
    for note in verdict.unjudged:
        logger.info("gate: %s", note)
    if verdict.passed:
        logger.info("gate open: %d expectations evaluated on %s", verdict.evaluated, build_schema)
    else:
        logger.error(verdict.failure_message())
    return verdict


@task(name="publish-build", retries=2, retry_delay_seconds=5, retry_condition_fn=retry_if_transient)
@explain_faults
def publish_build(settings: Settings, build_schema: str, batch_id: int, plan: PublicationPlan) -> list[str]:
    """Publish the audited build in one transaction (views repointed, deltas merged into the store by their
    unique key; a retry merges the same delta again, which changes nothing; the run's record commits with it),
    then drop the build's intermediate tables (nothing published reads them) and the builds past the keep
    count, with their Data Docs and dbt artifacts.

    Once the publish has committed nothing may fail this task: a warehouse held by another process only delays
    pruning to the next publish.
    """
    warehouse = adapters_for(settings).warehouse
    run = record_at_publish(settings, build_schema)
    tables = warehouse.publish(build_schema, batch_id, plan.relations, plan.merges, run)
    kill_point(KillPoint.PUBLISH_COMMIT)
    logger = get_run_logger()
    try:
        warehouse.drop_tables(build_schema, plan.scratch)
        dropped = warehouse.prune_builds(settings.keep_builds)
    except WarehouseBusyError as error:
        logger.warning("old builds not pruned, the next publish prunes them: %s", error)
        dropped = []
    remove_build_files(settings, dropped)
    logger.info("published %d tables from %s; dropped old builds %s", len(tables), build_schema, dropped)
    return tables
