"""Readers and runs on the local warehouse: readers read a snapshot, and whoever opens the warehouse itself is
waited for, then named."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from holders import holding

from elt.warehouse import DuckDBWarehouse, WarehouseBusyError
from elt.warehouse import _duckdb as duckdb_module


@pytest.fixture
def warehouse(tmp_path: Path) -> DuckDBWarehouse:
    warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb", busy_seconds=0)
    warehouse.ensure_schemas()
    return warehouse


def _publish(warehouse: DuckDBWarehouse, n: int) -> None:
    """Build n: a fact of 10 * n rows and a dimension, both saying which build they come from."""
    schema = f"audit_b{n:06d}_x"
    with warehouse.connect() as con:
        con.execute(f"create schema {schema}")
        con.execute(f"create table {schema}.fct_a as select range as id, {n} as build from range({10 * n})")
        con.execute(f"create table {schema}.dim_b as select {n} as build")
    warehouse.publish(schema, n, ["fct_a", "dim_b"])


def _read_snapshot(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


BUILD_SEEN = "select (select max(build) from analytics.fct_a), count(*), (select build from analytics.dim_b)"


def test_the_snapshot_holds_the_published_relations_as_tables(warehouse: DuckDBWarehouse) -> None:
    _publish(warehouse, 1)

    export = warehouse.export_for_readers()

    assert export is not None
    assert (export.build_schema, export.relations, export.rows) == ("audit_b000001_x", 2, 11)
    assert export.location == warehouse.readers_location() == str(warehouse.path.with_name("analytics.duckdb"))
    assert _read_snapshot(warehouse.reader_path, f"{BUILD_SEEN} from analytics.fct_a") == [(1, 10, 1)]
    assert _read_snapshot(warehouse.reader_path, "select build_schema from elt_meta.snapshot") == [("audit_b000001_x",)]
    assert [p.name for p in warehouse.path.parent.iterdir() if p.name.startswith(".")] == [], "no staging left"


def test_a_snapshot_showing_the_last_publication_is_not_exported_again(warehouse: DuckDBWarehouse) -> None:
    _publish(warehouse, 1)
    warehouse.export_for_readers()

    assert warehouse.export_for_readers() is None
    _publish(warehouse, 2)
    assert warehouse.export_for_readers() is not None
    assert _read_snapshot(warehouse.reader_path, f"{BUILD_SEEN} from fct_a") == [(2, 20, 2)]


@pytest.mark.parametrize("damage", ["missing", "torn"])
def test_a_missing_or_torn_snapshot_is_exported_again(warehouse: DuckDBWarehouse, damage: str) -> None:
    _publish(warehouse, 1)
    warehouse.export_for_readers()
    if damage == "missing":
        warehouse.reader_path.unlink()
    else:
        warehouse.reader_path.write_bytes(warehouse.reader_path.read_bytes()[:5000])

    assert warehouse.export_for_readers() is not None
    assert _read_snapshot(warehouse.reader_path, f"{BUILD_SEEN} from analytics.fct_a") == [(1, 10, 1)]


_READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
sql = "select max(build), count(*) from fct_a"
print(con.execute(sql).fetchall(), flush=True)
sys.stdin.readline()
print(con.execute(sql).fetchall(), flush=True)
"""


def test_a_reader_connected_to_the_snapshot_keeps_reading_it_across_an_export(warehouse: DuckDBWarehouse) -> None:
    _publish(warehouse, 1)
    warehouse.export_for_readers()
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(warehouse.reader_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert reader.stdout is not None and reader.stdin is not None
    before = reader.stdout.readline().strip()

    _publish(warehouse, 2)
    assert warehouse.export_for_readers() is not None, "the reader's open file did not stop the export"
    reader.stdin.write("\n")
    reader.stdin.flush()
    after = reader.stdout.readline().strip()
    reader.wait(timeout=60)

    assert before == after == "[(1, 10)]", "its connection still reads the publication it opened"
    assert _read_snapshot(warehouse.reader_path, "select max(build), count(*) from fct_a") == [(2, 20)]


def test_the_export_runs_beside_a_process_holding_the_warehouse_read_only(warehouse: DuckDBWarehouse) -> None:
    _publish(warehouse, 1)

    with holding("read_only", warehouse.path):
        export = warehouse.export_for_readers()

    assert export is not None and export.rows == 11


def test_a_publish_waits_for_a_holder_then_fails_naming_it_and_the_snapshot(warehouse: DuckDBWarehouse) -> None:
    _publish(warehouse, 1)
    with warehouse.connect() as con:
        con.execute("create schema audit_b000002_x")
        con.execute("create table audit_b000002_x.fct_a as select 2 as build")
        con.execute("create table audit_b000002_x.dim_b as select 2 as build")

    with holding("read_only", warehouse.path) as reader, pytest.raises(WarehouseBusyError) as busy:
        warehouse.publish("audit_b000002_x", 2, ["fct_a", "dim_b"])

    assert f"held by process {reader.pid}" in str(busy.value)
    assert f"Readers must open {warehouse.reader_path}" in str(busy.value)
    assert warehouse.last_publication().build_schema == "audit_b000001_x"


def test_a_publish_goes_through_once_the_holder_lets_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    patient = DuckDBWarehouse(tmp_path / "warehouse.duckdb", busy_seconds=60)
    patient.ensure_schemas()
    with holding("read_write", patient.path) as holder:
        waits: list[float] = []

        def let_go_on_first_wait(seconds: float) -> None:
            waits.append(seconds)
            holder.release()

        monkeypatch.setattr(duckdb_module, "sleep", let_go_on_first_wait)
        _publish(patient, 1)

    assert len(waits) == 1
    assert patient.last_publication().build_schema == "audit_b000001_x"


def test_a_run_record_refused_by_a_holder_is_kept_and_stored_by_the_next_save(warehouse: DuckDBWarehouse) -> None:
    with holding("read_only", warehouse.path), pytest.raises(WarehouseBusyError):
        warehouse.save_run("run-1", "published", '{"n": 1}', "# run 1")

    assert warehouse.last_run_markdown() == "# run 1", "elt status shows it meanwhile"
    warehouse.save_run("run-2", "up to date", '{"n": 2}', "# run 2")

    assert warehouse.last_run_markdown() == "# run 2"
    with warehouse.connect(read_only=True) as con:
        stored = con.execute("select run_id, status from elt_meta.runs order by finished_at").fetchall()
    assert stored == [("run-1", "published"), ("run-2", "up to date")]
    assert list(warehouse.pending_runs.iterdir()) == []
