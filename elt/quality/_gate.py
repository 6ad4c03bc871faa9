"""Run the suites on an audit build with Great Expectations and turn the result into a verdict.

A file-backed GX context under ``$ELT_DATA_DIR/gx`` keeps the validation results and builds Data Docs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation import Expectation

from elt.quality._duckdb_dialect import enable_duckdb_persisted_connection, release_connections

_DATASOURCE = "warehouse"


@dataclass(frozen=True)
class FailedExpectation:
    table: str
    expectation: str
    description: str
    unexpected: int | None

    def __str__(self) -> str:
        count = "" if self.unexpected is None else f" ({self.unexpected} unexpected)"
        return f"{self.table}: {self.description} [{self.expectation}]{count}"


@dataclass(frozen=True)
class GateVerdict:
    build_schema: str
    evaluated: int
    failed: list[FailedExpectation] = field(default_factory=list)
    data_docs: Path | None = None

    @property
    def passed(self) -> bool:
        return not self.failed

    def failure_message(self) -> str:
        lines = "\n".join(f"  - {f}" for f in self.failed)
        return f"the gate closed on {len(self.failed)} of {self.evaluated} expectations:\n{lines}"


def run_gate(
    sqlalchemy_url: str, build_schema: str, suites: Mapping[str, list[Expectation]], gx_dir: Path
) -> GateVerdict:
    """Validate every table of ``suites`` in ``build_schema``; all SQL runs on the engine."""
    enable_duckdb_persisted_connection()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    gx_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if _DATASOURCE in context.data_sources.all():
        context.data_sources.delete(_DATASOURCE)
    source = context.data_sources.add_sql(name=_DATASOURCE, connection_string=sqlalchemy_url)
    definitions = []
    for table, expectations in suites.items():
        asset = source.add_table_asset(name=table, table_name=table, schema_name=build_schema)
        suite = context.suites.add_or_update(gx.ExpectationSuite(name=table, expectations=expectations))
        definitions.append(
            context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=table, data=asset.add_batch_definition_whole_table("all"), suite=suite)
            )
        )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name="publication_gate",
            validation_definitions=definitions,
            actions=[UpdateDataDocsAction(name="docs")],
        )
    )
    try:
        result = checkpoint.run(run_id=gx.RunIdentifier(run_name=build_schema))
    finally:
        for datasource in {id(d): d for d in [source, *(v.data.data_asset.datasource for v in definitions)]}.values():
            release_connections(datasource)
    failed: list[FailedExpectation] = []
    evaluated = 0
    for validation in result.run_results.values():
        table = validation.suite_name
        for outcome in validation.results:
            evaluated += 1
            if outcome.success:
                continue
            config = outcome.expectation_config
            details = outcome.result or {}
            unexpected = details.get("unexpected_count", details.get("observed_value"))
            failed.append(
                FailedExpectation(
                    table=table,
                    expectation=config.type,
                    description=config.description or config.type,
                    unexpected=unexpected if isinstance(unexpected, int) else None,
                )
            )
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                message = outcome.exception_info.get("exception_message")
                failed[-1] = FailedExpectation(table, config.type, f"{failed[-1].description}: error {message}", None)
    docs = gx_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return GateVerdict(build_schema, evaluated, failed, docs if docs.exists() else None)
