"""Readers and runs on the local warehouse: readers read a snapshot, and whoever opens the warehouse itself is
waited for, then named."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from holders import holding

from elt.warehouse import DuckDBWarehouse, Merge, RunRecord, WarehouseBusyError
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

    assert warehouse.last_run().summary_markdown == "# run 1", "elt status shows it meanwhile"
    warehouse.save_run("run-2", "up to date", '{"n": 2}', "# run 2")

    assert warehouse.last_run() == RunRecord("run-2", "up to date", '{"n": 2}', "# run 2")
    assert warehouse.last_run(skip_status="up to date") == RunRecord("run-1", "published", '{"n": 1}', "# run 1")
    with warehouse.connect(read_only=True) as con:
        stored = con.execute("select run_id, status from elt_meta.runs order by finished_at").fetchall()
    assert stored == [("run-1", "published"), ("run-2", "up to date")]
    assert list(warehouse.pending_runs.iterdir()) == []


FACT = {"fct_a": Merge("fct_a_delta", ("id",), withdrawn="fct_a_withdrawn", day_column="sold_at")}


def _publish_fact(warehouse: DuckDBWarehouse, n: int, delta: str, withdrawn: str = "select 0 as id limit 0") -> None:
    """Build n of a fact partitioned by the day of ``sold_at``: ``delta`` selects (id, sold_at), merged by id."""
    schema = f"audit_b{n:06d}_x"
    with warehouse.connect() as con:
        con.execute(f"create schema {schema}")
        con.execute(
            f"create table {schema}.fct_a_delta as select id, sold_at::timestamp as sold_at, {n} as build"
            f" from ({delta})"
        )
        con.execute(f"create table {schema}.fct_a_withdrawn as {withdrawn}")
        con.execute(f"create view {schema}.fct_a as select * from {schema}.fct_a_delta")
        con.execute(f"create table {schema}.dim_b as select {n} as build")
    warehouse.publish(schema, n, ["fct_a", "dim_b"], FACT)


def _day_files(warehouse: DuckDBWarehouse) -> dict:
    return dict(_read_snapshot(warehouse.reader_path, "select day::varchar, path from elt_meta.fact_files"))


def _store_and_snapshot(warehouse: DuckDBWarehouse) -> tuple[list, list]:
    with warehouse.connect(read_only=True) as con:
        store = con.execute("select * from store.fct_a order by all").fetchall()
    return store, _read_snapshot(warehouse.reader_path, "select * from analytics.fct_a order by all")


def test_a_merged_fact_is_exported_by_day_and_only_the_days_a_publish_changed_are_written_again(
    warehouse: DuckDBWarehouse,
) -> None:
    three_days = "select range as id, '2026-01-01'::timestamp + to_hours(range * 8) as sold_at from range(9)"
    _publish_fact(warehouse, 1, three_days)
    warehouse.export_for_readers()
    first = _day_files(warehouse)
    assert sorted(first) == ["2026-01-01", "2026-01-02", "2026-01-03"]

    # Sale 0 corrected onto a new day (it leaves 2026-01-01), sale 5 withdrawn (2026-01-02): 01-02 is untouched
    # by the delta, yet written again; 2026-01-03 is not written at all.
    _publish_fact(warehouse, 2, "select 0 as id, '2026-01-04 10:00' as sold_at", withdrawn="select 5 as id")
    export = warehouse.export_for_readers()

    second = _day_files(warehouse)
    assert sorted(second) == ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
    assert second["2026-01-03"] == first["2026-01-03"], "an unchanged day keeps its file"
    assert all(second[day] != first[day] for day in ("2026-01-01", "2026-01-02"))
    store, snapshot = _store_and_snapshot(warehouse)
    assert snapshot == store and len(store) == 8
    assert export is not None and export.rows == 8 + 1
    assert _read_snapshot(warehouse.reader_path, "select build from dim_b") == [(2,)]


def test_the_previous_snapshots_files_are_kept_one_export_and_then_dropped(warehouse: DuckDBWarehouse) -> None:
    _publish_fact(warehouse, 1, "select 1 as id, '2026-01-01' as sold_at")
    warehouse.export_for_readers()
    oldest = _day_files(warehouse)["2026-01-01"]
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER.replace("max(build)", "max(build) + 0"), str(warehouse.reader_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert reader.stdout is not None and reader.stdin is not None
    assert reader.stdout.readline().strip() == "[(1, 1)]"

    _publish_fact(warehouse, 2, "select 1 as id, '2026-01-01 12:00' as sold_at")
    warehouse.export_for_readers()
    assert Path(oldest).exists(), "the previous snapshot's readers still read it"
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "[(1, 1)]"
    reader.wait(timeout=60)

    _publish_fact(warehouse, 3, "select 1 as id, '2026-01-01 13:00' as sold_at")
    warehouse.export_for_readers()
    assert not Path(oldest).exists()
    assert sorted(p.name for p in (warehouse.path.parent / "readers" / "fct_a").iterdir()) == ["day=2026-01-01"]
    assert len(list((warehouse.path.parent / "readers" / "fct_a" / "day=2026-01-01").iterdir())) == 2


def test_a_snapshot_listing_a_file_that_is_gone_is_exported_whole(warehouse: DuckDBWarehouse) -> None:
    _publish_fact(warehouse, 1, "select range as id, '2026-01-01'::timestamp + to_days(range) as sold_at from range(2)")
    warehouse.export_for_readers()
    Path(_day_files(warehouse)["2026-01-02"]).unlink()
    _publish_fact(warehouse, 2, "select 0 as id, '2026-01-01 12:00' as sold_at")

    warehouse.export_for_readers()

    store, snapshot = _store_and_snapshot(warehouse)
    assert snapshot == store and len(store) == 2
