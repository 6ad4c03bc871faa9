import datetime as dt
import threading
from pathlib import Path

import duckdb
import pytest

from elt.warehouse import DuckDBWarehouse, Merge, RunRecord, build_schema_name


@pytest.fixture
def warehouse(tmp_path: Path) -> DuckDBWarehouse:
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    warehouse.ensure_schemas()
    return warehouse


def _build(warehouse: DuckDBWarehouse, schema: str, rows: int, tables: tuple[str, ...] = ("fct_a", "dim_b")) -> None:
    with warehouse.connect() as con:
        con.execute(f"create schema {schema}")
        for table in tables:
            con.execute(f"create table {schema}.{table} as select range as id, {rows} as build from range({rows})")
        con.execute(f"create view {schema}.stg_x as select 1 as x")


MERGE = {"fct_a": Merge("fct_a_delta", ("id",))}


def _build_delta(warehouse: DuckDBWarehouse, schema: str, ids: range, build: int) -> None:
    """A build as dbt leaves it for an incremental fact: its delta, the audit view, and a dimension."""
    with warehouse.connect() as con:
        con.execute(f"create schema {schema}")
        con.execute(f"create table {schema}.fct_a_delta as select range as id, {build} as build from {_range(ids)}")
        con.execute(f"create view {schema}.fct_a as select * from {schema}.fct_a_delta")
        con.execute(f"create table {schema}.dim_b as select {build} as build")


def _range(ids: range) -> str:
    return f"range({ids.start}, {ids.stop})"


def _rows(warehouse: DuckDBWarehouse, sql: str) -> list[tuple]:
    with warehouse.connect(read_only=True) as con:
        return con.execute(sql).fetchall()


def test_build_names_sort_by_age() -> None:
    early = build_schema_name(2, dt.datetime(2026, 1, 1, 9, 0, 0))
    late = build_schema_name(10, dt.datetime(2026, 1, 2, 8, 0, 0))
    assert early == "audit_b000002_20260101t090000"
    assert sorted([late, early]) == [early, late]


def test_publish_points_analytics_at_the_named_relations_only(warehouse: DuckDBWarehouse) -> None:
    _build(warehouse, "audit_b000001_x", 3)

    tables = warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"])

    assert tables == ["dim_b", "fct_a"]
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select count(*) from analytics.fct_a").fetchone() == (3,)
        views = con.execute("select table_name from information_schema.tables where table_schema='analytics'")
        assert sorted(v for (v,) in views.fetchall()) == ["dim_b", "fct_a"]
    assert warehouse.last_publication().build_schema == "audit_b000001_x"


def test_a_table_gone_from_the_new_build_is_unpublished(warehouse: DuckDBWarehouse) -> None:
    _build(warehouse, "audit_b000001_x", 3)
    warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"])
    _build(warehouse, "audit_b000002_x", 5, tables=("fct_a",))

    warehouse.publish("audit_b000002_x", 2, ["fct_a"])

    with warehouse.connect(read_only=True) as con:
        views = con.execute("select table_name from information_schema.tables where table_schema='analytics'")
        assert [v for (v,) in views.fetchall()] == ["fct_a"]


def test_a_build_missing_a_relation_is_not_published(warehouse: DuckDBWarehouse) -> None:
    _build(warehouse, "audit_b000001_x", 3, tables=("fct_a",))

    with pytest.raises(ValueError, match=r"missing relations \['dim_b'\]"):
        warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"])

    assert warehouse.last_publication() is None


def test_prune_keeps_the_newest_builds_and_the_published_one(warehouse: DuckDBWarehouse) -> None:
    for n in range(1, 5):
        _build(warehouse, f"audit_b00000{n}_x", n)
    warehouse.publish("audit_b000001_x", 1, ["fct_a"])

    dropped = warehouse.prune_builds(keep=2)

    assert dropped == ["audit_b000002_x"]
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select count(*) from analytics.fct_a").fetchone() == (1,)


def test_a_published_builds_scratch_tables_are_dropped_and_what_it_publishes_stays(warehouse: DuckDBWarehouse) -> None:
    _build(warehouse, "audit_b000001_x", 3, tables=("fct_a", "dim_b", "int_c"))
    warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"])

    warehouse.drop_tables("audit_b000001_x", ["int_c", "int_gone"])

    assert _rows(
        warehouse, "select table_name from information_schema.tables where table_schema = 'audit_b000001_x' order by 1"
    ) == [("dim_b",), ("fct_a",), ("stg_x",)]
    assert _rows(warehouse, "select count(*) from analytics.fct_a") == [(3,)]


def test_builds_no_publication_or_run_names_are_dropped_except_the_one_to_retry(warehouse: DuckDBWarehouse) -> None:
    for n in range(1, 6):
        _build(warehouse, f"audit_b00000{n}_x", n)
    warehouse.publish("audit_b000001_x", 1, ["fct_a"])  # published
    warehouse.save_run("gated", "gate closed", '{"build_schema": "audit_b000002_x"}', "# closed")  # judged
    warehouse.save_run("quiet", "up to date", '{"build_schema": null}', "# nothing to do")

    dropped = warehouse.drop_abandoned_builds(retry="audit_b000005_x")

    assert dropped == ["audit_b000003_x", "audit_b000004_x"], "built by runs that stopped before their report"
    schemas = _rows(warehouse, "select schema_name from information_schema.schemata where schema_name like 'audit%'")
    assert sorted(name for (name,) in schemas) == ["audit_b000001_x", "audit_b000002_x", "audit_b000005_x"]


def test_the_publishing_runs_record_commits_with_the_publication(warehouse: DuckDBWarehouse) -> None:
    _build(warehouse, "audit_b000001_x", 2)
    run = RunRecord("run-1", "published", '{"build_schema": "audit_b000001_x"}', "# recorded at the commit")

    warehouse.publish("audit_b000001_x", 1, ["fct_a"], run=run)
    assert warehouse.last_run().summary_markdown == "# recorded at the commit"
    refused = RunRecord("run-2", "published", "{}", "# never")
    with pytest.raises(ValueError, match="missing relations"):
        warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_missing"], run=refused)
    assert _rows(warehouse, "select run_id from elt_meta.runs") == [("run-1",)], "rolled back with its publication"

    warehouse.save_run("run-1", "published", '{"build_schema": "audit_b000001_x"}', "# the full report")
    assert _rows(warehouse, "select run_id, summary_markdown from elt_meta.runs") == [("run-1", "# the full report")]


def test_a_merged_fact_replaces_rows_by_key_and_keeps_the_others(warehouse: DuckDBWarehouse) -> None:
    _build_delta(warehouse, "audit_b000001_x", range(0, 3), 1)
    warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"], MERGE)
    _build_delta(warehouse, "audit_b000002_x", range(2, 5), 2)

    warehouse.publish("audit_b000002_x", 2, ["fct_a", "dim_b"], MERGE)

    assert _rows(warehouse, "select id, build from analytics.fct_a order by id") == [
        (0, 1),
        (1, 1),
        (2, 2),
        (3, 2),
        (4, 2),
    ]
    assert (
        _rows(warehouse, "select view_definition from information_schema.views where table_name = 'fct_a'")[0][0].count(
            "store"
        )
        == 1
    ), "analytics.fct_a reads the store, not a build"


def test_publishing_a_merged_build_again_changes_nothing(warehouse: DuckDBWarehouse) -> None:
    _build_delta(warehouse, "audit_b000001_x", range(0, 3), 1)
    warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"], MERGE)
    before = _rows(warehouse, "select * from analytics.fct_a order by all")

    warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"], MERGE)

    assert _rows(warehouse, "select * from analytics.fct_a order by all") == before


def test_a_build_missing_its_delta_is_not_published(warehouse: DuckDBWarehouse) -> None:
    _build(warehouse, "audit_b000001_x", 3)

    with pytest.raises(ValueError, match=r"missing relations \['fct_a_delta'\]"):
        warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"], MERGE)

    assert warehouse.last_publication() is None
    assert _rows(warehouse, "select count(*) from information_schema.tables where table_schema = 'store'") == [(0,)]


def test_readers_never_see_a_mix_of_two_publications(warehouse: DuckDBWarehouse, tmp_path: Path) -> None:
    """A reader compares two published tables in one query while builds are published in a loop."""
    for n in range(1, 7):
        _build(warehouse, f"audit_b00000{n}_x", 100 * n)
    warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"])
    torn: list[tuple] = []
    stop = threading.Event()
    db = duckdb.connect(str(warehouse.path))

    def read() -> None:
        reader = db.cursor()
        while not stop.is_set():
            row = reader.execute(
                "select (select max(build) from analytics.fct_a), (select max(build) from analytics.dim_b)"
            ).fetchone()
            if row[0] != row[1]:
                torn.append(row)

    # One process holds the file; publishing through the same database instance is how a reader coexists here.
    warehouse_in_process = _SharedWarehouse(db, warehouse)
    thread = threading.Thread(target=read)
    thread.start()
    try:
        for n in range(2, 7):
            warehouse_in_process.publish(f"audit_b00000{n}_x", n, ["fct_a", "dim_b"])
    finally:
        stop.set()
        thread.join()
        db.close()
    assert torn == []


class _SharedWarehouse(DuckDBWarehouse):
    """The same adapter, but its connections are cursors on one open database (DuckDB allows one process)."""

    def __init__(self, db: duckdb.DuckDBPyConnection, base: DuckDBWarehouse) -> None:
        super().__init__(base.path)
        self._db = db

    def connect(self, *, read_only: bool = False):
        from contextlib import contextmanager

        @contextmanager
        def cursor():
            con = self._db.cursor()
            try:
                yield con
            finally:
                con.close()

        return cursor()


def test_readers_never_see_a_half_merged_fact(warehouse: DuckDBWarehouse) -> None:
    """Build n's delta replaces every row of the fact and adds ten: a reader must see all of build n or none."""
    for n in range(1, 7):
        _build_delta(warehouse, f"audit_b00000{n}_x", range(0, 10 * n), n)
    warehouse.publish("audit_b000001_x", 1, ["fct_a", "dim_b"], MERGE)
    torn: list[tuple] = []
    reads = 0
    stop = threading.Event()
    db = duckdb.connect(str(warehouse.path))

    def read() -> None:
        nonlocal reads
        reader = db.cursor()
        while not stop.is_set():
            row = reader.execute(
                "select (select min(build) from analytics.fct_a), (select max(build) from analytics.fct_a),"
                " (select count(*) from analytics.fct_a) / 10, (select max(build) from analytics.dim_b)"
            ).fetchone()
            reads += 1
            if len(set(row)) != 1:
                torn.append(row)

    shared = _SharedWarehouse(db, warehouse)
    thread = threading.Thread(target=read)
    thread.start()
    try:
        for n in range(2, 7):
            shared.publish(f"audit_b00000{n}_x", n, ["fct_a", "dim_b"], MERGE)
    finally:
        stop.set()
        thread.join()
        db.close()
    assert torn == []
    assert reads > 5, "the reader ran during the publishes"
    assert _rows(warehouse, "select count(*), min(build) from analytics.fct_a") == [(60, 6)]


ENGINE_SETTINGS = (
    "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
)


def test_the_engine_settings_reach_the_adapters_connections_and_the_gates_engine(tmp_path: Path) -> None:
    import sqlalchemy as sa

    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb", memory_limit="700MB", threads=1, temp_directory=tmp_path / "t")
    with duckdb.connect() as default:
        [defaults] = default.execute(ENGINE_SETTINGS).fetchall()

    with warehouse.connect() as con:
        [own] = con.execute(ENGINE_SETTINGS).fetchall()
    engine = sa.create_engine(warehouse.sqlalchemy_url(), connect_args=warehouse.sqlalchemy_connect_args())
    with engine.connect() as connection:
        [gate] = connection.exec_driver_sql(ENGINE_SETTINGS).fetchall()
    engine.dispose()

    assert own == gate == ("667.5 MiB", 1, str(tmp_path / "t"))
    assert own[:2] != defaults[:2]
