"""Semi-structured parsing: one contract per document stream, compiled for the engine that runs it."""

from typing import TYPE_CHECKING

from elt.parsing._contract import ArrayMapping, Column, ObjectMapping, ParsingContract, load_contract, load_contracts
from elt.parsing._drift import drift_markdown, drift_payload
from elt.parsing._duckdb import DuckDBParser
from elt.parsing._result import Parser, ParseResult

if TYPE_CHECKING:
    from elt.parsing._snowpark import SnowparkParser, snowpark_parser

__all__ = [
    "ArrayMapping",
    "Column",
    "DuckDBParser",
    "ObjectMapping",
    "ParseResult",
    "Parser",
    "ParsingContract",
    "SnowparkParser",
    "drift_markdown",
    "drift_payload",
    "load_contract",
    "load_contracts",
    "snowpark_parser",
]


def __getattr__(name: str) -> object:
    """Import the Snowpark compiler on first use: Snowpark takes seconds to import, and the local profile never
    needs it."""
    if name in ("SnowparkParser", "snowpark_parser"):
        from elt.parsing import _snowpark

        return getattr(_snowpark, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
