"""Run the suites on an audit build with Great Expectations and turn the result into a verdict.

The GX context is ephemeral: suites, results and the datasource (whose connection may carry credentials) live
in memory; what is kept is each build's Data Docs site under ``$ELT_DATA_DIR/docs/gx/<build>``, made readable
offline with the gate's verdict as its landing page (``elt.docs``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elt.docs import finish_build_docs, suite_name
from elt.quality._suites import CHECK, OBSERVED, UNJUDGED
from elt.settings import Severity

if TYPE_CHECKING:
    import sqlalchemy as sa
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.expectations.expectation import Expectation

_DATASOURCE = "warehouse"
_SITE = "build"


@dataclass(frozen=True)
class FailedExpectation:
    table: str
    check: str
    expectation: str
    description: str
    severity: Severity
    unexpected: int | None
    observed: str | None = None

    def __str__(self) -> str:
        count = "" if self.unexpected is None else f" ({self.unexpected} unexpected)"
        observed = "" if self.observed is None else f"; observed {self.observed}"
        return f"{self.check}: {self.description}{observed} [{self.expectation}]{count}"


@dataclass(frozen=True)
class GateVerdict:
    """The gate's answer: closed by any critical failure; warnings are reported, never closing it."""

    build_schema: str
    evaluated: int
    failed: list[FailedExpectation] = field(default_factory=list)
    warnings: list[FailedExpectation] = field(default_factory=list)
    data_docs: Path | None = None
    # Checks that passed without judging, each with why (a history too short to compare the newest day with).
    unjudged: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failed

    def failure_message(self) -> str:
        lines = "\n".join(f"  - {f}" for f in self.failed)
        return f"the gate closed on {len(self.failed)} of {self.evaluated} expectations:\n{lines}"


def run_gate(
    sqlalchemy_url: str,
    build_schema: str,
    suites: Mapping[str, list[Expectation]],
    gx_dir: Path,
    connect_args: Mapping[str, Any] | None = None,
) -> GateVerdict:
    """Validate every table of ``suites`` in ``build_schema``; all SQL runs on the engine.

    Each build gets its own Data Docs site, ``gx_dir/<build_schema>``, whose index is this verdict (``elt.docs``).
    ``connect_args`` (Snowflake's private key) go to the engine only: the context is ephemeral, nothing is saved.
    Great Expectations is imported here, when a gate runs: it takes seconds, which a run without a build skips.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from elt.quality._duckdb_dialect import enable_duckdb_persisted_connection, release_connections

    enable_duckdb_persisted_connection()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    site = data_docs_site(gx_dir, build_schema)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        _SITE,
        {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "show_how_to_buttons": False,
        },
    )
    engine_kwargs = {"connect_args": dict(connect_args)} if connect_args else {}
    source = context.data_sources.add_sql(name=_DATASOURCE, connection_string=sqlalchemy_url, kwargs=engine_kwargs)
    definitions: list[gx.ValidationDefinition] = []
    tables: dict[str, str] = {}  # suite name -> the relation it validates
    try:
        engine = source.get_engine()
        present = _relations(engine, build_schema)
        missing = [table for table in suites if table.lower() not in present]
        for table, expectations in suites.items():
            if table in missing:
                continue
            asset = source.add_table_asset(name=table, table_name=table, schema_name=build_schema)
            batches = asset.add_batch_definition_whole_table("all")
            # One suite per severity: Data Docs then shows a table's warnings apart from what closes the gate.
            for severity, chosen in _by_severity(expectations).items():
                name = suite_name(table, severity)
                suite = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=chosen))
                definitions.append(
                    context.validation_definitions.add_or_update(
                        gx.ValidationDefinition(name=name, data=batches, suite=suite)
                    )
                )
                tables[name] = table
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name="publication_gate",
                validation_definitions=definitions,
            )
        )
        result = checkpoint.run(run_id=gx.RunIdentifier(run_name=build_schema))
        # Once, for every suite's results: a docs action would rebuild the whole site after each suite.
        context.build_data_docs(site_names=[_SITE])
        outcomes = [(tables[v.suite_name], o) for v in result.run_results.values() for o in v.results]
        unmet = [_absent(table) for table in missing]
        unmet += [
            _unmet(table, outcome, _first_unexpected_row(engine, build_schema, table, outcome))
            for table, outcome in outcomes
            if not outcome.success
        ]
        unjudged = [note for table, outcome in outcomes if (note := _unjudged(engine, build_schema, table, outcome))]
    finally:
        for datasource in {id(d): d for d in [source, *(v.data.data_asset.datasource for v in definitions)]}.values():
            release_connections(datasource)
    verdict = GateVerdict(
        build_schema,
        evaluated=len(outcomes) + len(missing),
        failed=[f for f in unmet if f.severity is Severity.CRITICAL],
        warnings=[f for f in unmet if f.severity is not Severity.CRITICAL],
        unjudged=unjudged,
    )
    return replace(verdict, data_docs=finish_build_docs(site, verdict))


def _by_severity(expectations: list[Expectation]) -> dict[Severity, list[Expectation]]:
    grouped: dict[Severity, list[Expectation]] = {}
    for expectation in expectations:
        grouped.setdefault(_severity(expectation.severity), []).append(expectation)
    return grouped


def _severity(value: Any) -> Severity:
    """Ours, from Great Expectations' ``FailureSeverity`` (or its value)."""
    return Severity(getattr(value, "value", value))


def data_docs_site(gx_dir: Path, build_schema: str) -> Path:
    """Where the Data Docs of one audit build live: they belong to the build and go when it is pruned."""
    return gx_dir / build_schema.lower()


def _relations(engine: sa.Engine, schema: str) -> set[str]:
    """The tables and views of ``schema``, lower-cased as dialects that fold unquoted names report them."""
    import sqlalchemy as sa

    inspector = sa.inspect(engine)
    return {n.lower() for n in [*inspector.get_table_names(schema=schema), *inspector.get_view_names(schema=schema)]}


def _absent(table: str) -> FailedExpectation:
    """A table the suites expect that the build lacks: nothing of it can be validated, so the gate closes."""
    return FailedExpectation(
        table=table,
        check=f"{table}.exists",
        expectation="table_exists",
        description=f"the build has {table}",
        severity=Severity.CRITICAL,
        unexpected=None,
    )


def _first_unexpected_row(
    engine: sa.Engine, schema: str, table: str, outcome: ExpectationValidationResult
) -> dict[str, Any] | None:
    """The first row a failed rule's query returns: what was measured. Great Expectations' summary of such a
    rule keeps only the count of rows."""
    query = outcome.expectation_config.kwargs.get("unexpected_rows_query")
    if not query or _error(outcome.exception_info or {}) is not None:
        return None
    return _first_row(engine, schema, table, query)


def _unjudged(engine: sa.Engine, schema: str, table: str, outcome: ExpectationValidationResult) -> str | None:
    """Why a rule that passed did not judge, where its check says how to ask (``UNJUDGED``)."""
    meta = outcome.expectation_config.meta or {}
    query = meta.get(UNJUDGED)
    if not query or not outcome.success:
        return None
    row = _first_row(engine, schema, table, query)
    return None if row is None else f"{meta.get(CHECK)}: not judged: {row.get('reason')}"


def _first_row(engine: sa.Engine, schema: str, table: str, query: str) -> dict[str, Any] | None:
    """The first row of a rule's query on ``table``, its columns lower-cased (Snowflake folds them up)."""
    import sqlalchemy as sa

    try:
        with engine.connect() as connection:
            row = connection.execute(sa.text(query.replace("{batch}", f"{schema}.{table}"))).first()
    except sa.exc.SQLAlchemyError:
        return None  # the verdict stands on Great Expectations' result; only what it says about it is less
    return None if row is None else {str(k).lower(): v for k, v in row._mapping.items()}


def _observed(template: str | None, row: dict[str, Any] | None, details: dict[str, Any]) -> str | None:
    """What a failed check measured, beside the bound its description states."""
    if row is not None:
        shown = ", ".join(f"{k}={v}" for k, v in list(row.items())[:6])
        try:
            return template.format(**row) if template else shown
        except (KeyError, TypeError, ValueError):
            return shown
    if "unexpected_count" in details:
        examples = ", ".join(str(v) for v in (details.get("partial_unexpected_list") or [])[:3])
        share = f" ({details['unexpected_percent']:.2f}%)" if details.get("unexpected_percent") is not None else ""
        rows = f"{details['unexpected_count']} of {details.get('element_count')} rows{share}"
        return f"{rows}, e.g. {examples}" if examples else rows
    if details.get("observed_value") is not None:
        return str(details["observed_value"])
    return None


def _unmet(table: str, outcome: ExpectationValidationResult, row: dict[str, Any] | None = None) -> FailedExpectation:
    config = outcome.expectation_config
    description = config.description or config.type
    details = outcome.result or {}
    unexpected = details.get("unexpected_count", details.get("observed_value"))
    observed = _observed((config.meta or {}).get(OBSERVED), row, details)
    error = _error(outcome.exception_info or {})
    if error is not None:
        description, unexpected, observed = f"{description}: error {error}", None, None
    return FailedExpectation(
        table=table,
        check=(config.meta or {}).get(CHECK, f"{table}.{config.type}"),
        expectation=config.type,
        description=description,
        severity=_severity(config.severity),
        unexpected=unexpected if isinstance(unexpected, int) else None,
        observed=observed,
    )


def _error(info: dict) -> str | None:
    """The first line of the error that kept a check from running; GX reports it whole or per metric."""
    for entry in [info, *(v for v in info.values() if isinstance(v, dict))]:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message")).strip().splitlines()[0]
    return None
