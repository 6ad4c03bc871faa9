"""Semi-structured parsing: one contract per document stream, compiled for the engine that runs it."""

from elt.parsing._contract import ArrayMapping, Column, ObjectMapping, ParsingContract, load_contract, load_contracts
from elt.parsing._drift import drift_markdown, drift_payload
from elt.parsing._duckdb import DuckDBParser
from elt.parsing._result import Parser, ParseResult
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
