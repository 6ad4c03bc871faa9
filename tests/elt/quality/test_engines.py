"""The gate is engine-neutral: only ``_duckdb_dialect.py`` knows DuckDB, and the suites run on Snowflake's dialect.

There is no Snowflake account here: fakesnow stands in behind snowflake-sqlalchemy, so GX speaks its Snowflake
dialect and every query is read as Snowflake SQL (fakesnow transpiles it to DuckDB underneath).
"""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import fakesnow
import pytest
from audit_build import BUILD, OPTIONAL_FIELDS, REGIONS, STREAMS, Warehouse

import elt.quality
from elt.quality import SuiteContext, mart_suites, run_gate
from elt.settings import GateSettings

pytestmark = pytest.mark.timeout(600)


def _duckdb_dependencies(module: Path) -> list[str]:
    """What in a module ties it to DuckDB: imports of duckdb or duckdb_engine, duckdb:// URLs."""
    found = []
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in {"duckdb", "duckdb_engine"}]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in {"duckdb", "duckdb_engine"}:
            found.append(node.module or "")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "duckdb://" in node.value:
            found.append(node.value)
    return found


def test_nothing_in_the_gate_but_its_dialect_module_depends_on_duckdb() -> None:
    package = Path(elt.quality.__file__).parent
    modules = {p.name: _duckdb_dependencies(p) for p in package.glob("*.py") if p.name != "_duckdb_dialect.py"}

    assert "_suites.py" in modules
    assert {name: found for name, found in modules.items() if found} == {}


def _copy_to_fakesnow(warehouse: Warehouse, exports: Path) -> None:
    """Copy the build's tables into fakesnow's database ``db1``, as files through the engines, no rows in Python."""
    exports.mkdir()
    with duckdb.connect(str(warehouse.path), read_only=True) as source:
        tables = [
            name
            for (name,) in source.execute(
                "select table_name from information_schema.tables where table_schema = ?", [BUILD]
            ).fetchall()
        ]
        for table in tables:
            source.execute(f"copy {BUILD}.{table} to '{exports / table}.parquet' (format parquet)")
    import snowflake.connector

    with snowflake.connector.connect(database="db1", schema=BUILD) as con, con.cursor() as cur:
        cur.execute("create database if not exists db1")
        cur.execute(f"create schema if not exists db1.{BUILD}")
        for table in tables:
            cur.execute(f"create table db1.{BUILD}.{table} as select * from read_parquet('{exports / table}.parquet')")


def test_the_suites_give_the_same_verdict_through_the_snowflake_dialect(warehouse: Warehouse, tmp_path: Path) -> None:
    warehouse.plant(f"update {BUILD}.fct_reviews_delta set rating_overall = 9 where review_id = 1001")
    on_duckdb = warehouse.validate(last_published_batch=1)  # an increment: freshness is judged too
    suites = mart_suites(SuiteContext(BUILD, STREAMS, REGIONS, 1, OPTIONAL_FIELDS), GateSettings())

    with fakesnow.patch():
        _copy_to_fakesnow(warehouse, tmp_path / "exports")
        on_snowflake = run_gate(f"snowflake://user:password@account/db1/{BUILD}", BUILD, suites, tmp_path / "gx-sf")

    assert on_snowflake.evaluated == on_duckdb.evaluated
    assert [f.check for f in on_snowflake.failed] == [f.check for f in on_duckdb.failed]
    assert [f.check for f in on_duckdb.failed] == ["fct_reviews.rating_overall_range"]
    assert on_snowflake.warnings == on_duckdb.warnings == []
    assert on_snowflake.unjudged == on_duckdb.unjudged == []
