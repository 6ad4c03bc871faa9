"""Semi-structured parsing: one contract per document stream, compiled for the engine that runs it."""

from elt.parsing._contract import ArrayMapping, Column, ObjectMapping, ParsingContract, load_contract, load_contracts
from elt.parsing._drift import drift_markdown, drift_payload
from elt.parsing._duckdb import DuckDBParser, ParseResult

__all__ = [
    "ArrayMapping",
    "Column",
    "DuckDBParser",
    "ObjectMapping",
    "ParseResult",
    "ParsingContract",
    "drift_markdown",
    "drift_payload",
    "load_contract",
    "load_contracts",
]
