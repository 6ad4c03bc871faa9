"""Semi-structured parsing of the RAW documents, one contract at a time."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.events import emit_event

from elt.adapters import adapters_for
from elt.catalog import load_catalog
from elt.parsing import ParseResult, drift_markdown, drift_payload, load_contracts
from elt.settings import Settings
from tasks._retries import explain_faults, retry_if_transient


@task(name="parse-documents", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_if_transient)
@explain_faults
def parse_documents(settings: Settings) -> list[ParseResult]:
    """Parse the documents not parsed yet; each contract commits its output with its watermark."""
    parser = adapters_for(settings).parser
    contracts = load_contracts(settings.contracts_dir, load_catalog(settings.catalog_path))
    results = [parser.parse(contract) for contract in contracts]
    for result in results:
        report_drift(result)
    return results


def report_drift(result: ParseResult) -> None:
    """A markdown artifact and an ``elt.schema.drift`` event, only when the documents drifted from the contract."""
    if not result.drift:
        return
    create_markdown_artifact(
        key=f"schema-drift-{result.stream.replace('_', '-')}",
        markdown=drift_markdown(result),
        description=f"Schema drift in {result.stream}",
    )
    emit_event(
        "elt.schema.drift",
        resource={"prefect.resource.id": f"elt.stream.{result.stream}"},
        payload=drift_payload(result),
    )
