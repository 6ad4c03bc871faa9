"""The DuckDB session the generator runs in, and the seeded draw macros all generation SQL uses.

Every pseudo-random value is ``hash(seed, key, salt)`` of a record's own key: no engine state, no
``random()``, so any record can be recomputed alone (a duplicate line recomputes its original) and the
same seed gives the same bytes. ``hash`` is stable for a given DuckDB version; byte-identity is
promised for one DuckDB version, not across upgrades.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

MEMORY_LIMIT = "2GB"


def open_session(seed: int, temp_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills to ``temp_dir`` and keeps insertion order (the file order)."""
    con = duckdb.connect(
        config={
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": str(temp_dir),
            "preserve_insertion_order": True,
        }
    )
    seed_sql = f"{int(seed)}::BIGINT"
    con.execute(f"CREATE MACRO draw_below(k, salt, n) AS (hash({seed_sql}, k, salt) % n)::BIGINT")
    con.execute("CREATE MACRO pick(xs, k, salt) AS xs[1 + draw_below(k, salt, len(xs))]")
    return con


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_strings(values: Iterable[str]) -> str:
    """A DuckDB list literal of strings."""
    return "[" + ", ".join(sql_string(v) for v in values) + "]"


def sql_numbers(values: Iterable[object], cast: str) -> str:
    """A DuckDB list literal of numbers written as ``values`` spell them, each cast to ``cast``."""
    return "[" + ", ".join(f"{v}::{cast}" for v in values) + "]"
