"""Semi-structured parsing of the RAW documents, one contract at a time."""

from __future__ import annotations

from prefect import task

from elt.adapters import adapters_for
from elt.parsing import ParseResult, load_contracts
from elt.settings import Settings


@task(name="parse-documents", retries=1, retry_delay_seconds=5)
def parse_documents(settings: Settings) -> list[ParseResult]:
    """Parse the documents not parsed yet; each contract commits its output with its watermark."""
    parser = adapters_for(settings).parser
    return [parser.parse(contract) for contract in load_contracts(settings.contracts_dir)]
