"""Semi-structured parsing: one contract per document stream, compiled for the engine that runs it."""

from elt.parsing._contract import ArrayMapping, Column, ParsingContract, load_contract, load_contracts
from elt.parsing._duckdb import DuckDBParser, ParseResult

__all__ = [
    "ArrayMapping",
    "Column",
    "DuckDBParser",
    "ParseResult",
    "ParsingContract",
    "load_contract",
    "load_contracts",
]
