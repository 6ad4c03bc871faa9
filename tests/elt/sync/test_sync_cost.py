"""The embedded sync costs in proportion to what arrived, proven by counting, not timing.

Every statement the sync sends is profiled by DuckDB: the RAW rows it scanned are read from the profile. The sync
must read no RAW row of files landed before, commit each batch in one transaction, and send as many statements for
fifty new files as for one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from elt.catalog import load_catalog
from elt.lake import LocalLake
from elt.settings import Settings
from elt.sync import EmbeddedSync, SyncResult
from elt.warehouse import DuckDBWarehouse

SALES_HEADER = "sale_id,customer_id,product_id,location_id,sold_at,quantity,unit_price,discount,tax_amount\n"
ROWS_PER_FILE = 20
_READS_RAW = re.compile(r"\b(from|join)\s+raw\.", re.IGNORECASE)


@dataclass
class Ledger:
    """What the sync's connections did: each statement (and whether it ran in a transaction), RAW rows scanned."""

    statements: list[tuple[str, bool]] = field(default_factory=list)
    raw_rows_scanned: int = 0
    unprofiled_raw_reads: list[str] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0


def _raw_rows_scanned(node: Any, database: str) -> int:
    """The rows the profile's table scans of RAW tables read (row groups skipped by their statistics are not)."""
    if isinstance(node, list):
        return sum(_raw_rows_scanned(child, database) for child in node)
    if not isinstance(node, dict):
        return 0
    own = 0
    if node.get("type") == "TABLE_SCAN" and str(node["extra_info"].get("Table", "")).startswith(f"{database}.raw."):
        own = node["rows_scanned"]
    return own + sum(_raw_rows_scanned(child, database) for key, child in node.items() if key != "extra_info")


class _Profiled:
    """A DuckDB connection that profiles every statement into the ledger; everything else is the connection's."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ledger: Ledger, database: str) -> None:
        self._con, self._ledger, self._database = con, ledger, database
        self._in_transaction = False

    def execute(self, sql: str, params: object = None) -> duckdb.DuckDBPyConnection:
        result = self._con.execute(sql, params)
        self._ledger.statements.append((sql, self._in_transaction))
        profile = json.loads(self._con.get_profiling_information())
        if profile.get("result") == "error" and _READS_RAW.search(sql):  # DuckDB profiles not every plan
            self._ledger.unprofiled_raw_reads.append(sql)
        self._ledger.raw_rows_scanned += _raw_rows_scanned(profile, self._database)
        return result

    def begin(self) -> None:
        self._con.begin()
        self._in_transaction = True

    def commit(self) -> None:
        self._con.commit()
        self._ledger.commits += 1
        self._in_transaction = False

    def rollback(self) -> None:
        self._con.rollback()
        self._ledger.rollbacks += 1
        self._in_transaction = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


class ProfiledWarehouse(DuckDBWarehouse):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.ledger = Ledger()

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with super().connect(read_only=read_only) as con:
            con.execute("pragma enable_profiling = 'no_output'")
            con.execute("pragma profiling_mode = 'detailed'")
            yield _Profiled(con, self.ledger, self.path.stem)  # type: ignore[misc]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "landing" / "sales").mkdir(parents=True)
    return tmp_path


def _write_days(root: Path, first: int, count: int) -> None:
    for day in range(first, first + count):
        sales = "".join(f"{day * 1000 + n},7,3,2,2026-01-01 10:00:00,1,3.50,0,0\n" for n in range(ROWS_PER_FILE - 1))
        rows = sales + f"{day * 1000 + 999},7,3,2,broken\n"  # one line per file the CSV reader rejects
        (root / f"landing/sales/sales_day{day:04d}.csv").write_text(SALES_HEADER + rows)


def _sync(root: Path) -> tuple[SyncResult, Ledger]:
    warehouse = ProfiledWarehouse(root / "warehouse.duckdb")
    catalog = load_catalog(Settings().catalog_path)
    sync = EmbeddedSync(catalog, warehouse, LocalLake(root / "lake"), root / "landing")
    return sync.sync(), warehouse.ledger


def _writes_outside_a_transaction(ledger: Ledger) -> list[str]:
    return [sql for sql, inside in ledger.statements if not inside and re.search(r"\b(insert|update|delete)\b", sql)]


def test_landing_one_file_after_fifty_reads_no_raw_row_of_the_fifty_in_one_transaction(root: Path) -> None:
    _write_days(root, 1, 50)
    _sync(root)
    _write_days(root, 51, 1)

    result, ledger = _sync(root)

    [loaded] = result.loaded
    assert (loaded.records, loaded.in_raw) == (ROWS_PER_FILE, ROWS_PER_FILE)
    # The profile sees the scan that counts the new file's records, and nothing of the 1,000 rows before it.
    assert 0 < ledger.raw_rows_scanned <= ROWS_PER_FILE
    assert ledger.unprofiled_raw_reads == []
    assert (ledger.commits, ledger.rollbacks) == (1, 0)
    assert _writes_outside_a_transaction(ledger) == []


def test_fifty_new_files_take_as_many_statements_as_one_and_one_transaction(root: Path) -> None:
    one, fifty = root / "one", root / "fifty"
    for folder, count in ((one, 1), (fifty, 50)):
        (folder / "landing" / "sales").mkdir(parents=True)
        _write_days(folder, 1, count)

    _, one_file = _sync(one)
    result, fifty_files = _sync(fifty)

    assert len(result.loaded) == 50
    assert all((f.records, f.in_raw) == (ROWS_PER_FILE, ROWS_PER_FILE) for f in result.loaded)
    assert len(fifty_files.statements) == len(one_file.statements)
    assert (fifty_files.commits, fifty_files.rollbacks) == (1, 0)
    assert _writes_outside_a_transaction(fifty_files) == []


def test_rejected_lines_of_files_read_together_keep_their_file_and_line(root: Path) -> None:
    _write_days(root, 1, 3)

    _sync(root)

    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        rejected = con.execute(
            "select _ab_source_file_url, _ab_source_file_line, _airbyte_meta->>'source_record' from raw.sales"
            " where sale_id is null order by all"
        ).fetchall()
    assert rejected == [
        (f"sales/sales_day{day:04d}.csv", ROWS_PER_FILE + 1, f"{day * 1000 + 999},7,3,2,broken") for day in (1, 2, 3)
    ]
