"""End to end, with other processes around: BI readers looping on the snapshot while a run publishes, a process
holding the warehouse itself after the commit, and two runs started together."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import duckdb
import pytest
from holders import PROJECT_ROOT, Holder, holding

from elt.generate import GenerateOptions, generate
from elt.summary import RunStatus
from elt.warehouse import DuckDBWarehouse

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

FIRST_DAY = dt.date(2026, 1, 1)
OPTIONS = GenerateOptions(seed=5, sales_rows=3_000, days=2, start_date=FIRST_DAY, customers=200, products=40)
NEXT_DAY = GenerateOptions(**{**OPTIONS.__dict__, "start_date": FIRST_DAY + dt.timedelta(days=2), "days": 1})

# One reader: opens the snapshot, reads several relations in one connection, closes; prints what it saw.
_READER = """
import json, sys, pathlib, duckdb
snapshot, stop = sys.argv[1], pathlib.Path(sys.argv[2])
query = (
    "select (select build_schema from elt_meta.snapshot), (select count(*) from analytics.fct_sales),"
    " (select valid from analytics.rpt_reconciliation where stream = 'sales'),"
    " (select sum(net_amount)::varchar from analytics.mart_daily_revenue)"
)
while not stop.exists():
    try:
        with duckdb.connect(snapshot, read_only=True) as con:
            print(json.dumps(con.execute(query).fetchone()), flush=True)
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
"""


def _env(data_dir: Path, prefect_api_url: str) -> dict[str, str]:
    path = os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "ELT_DATA_DIR": str(data_dir), "PREFECT_API_URL": prefect_api_url}


def _state(snapshot: Path) -> list:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return json.loads(
            json.dumps(
                con.execute(
                    "select (select build_schema from elt_meta.snapshot), (select count(*) from fct_sales),"
                    " (select valid from rpt_reconciliation where stream = 'sales'),"
                    " (select sum(net_amount)::varchar from mart_daily_revenue)"
                ).fetchone()
            )
        )


@pytest.fixture
def published_once(tmp_path: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with one publication and its snapshot."""
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ELT_WAREHOUSE_BUSY_SECONDS", "1")
    from flows.elt import elt

    generate(tmp_path / "landing", OPTIONS)
    assert elt().status is RunStatus.PUBLISHED
    return tmp_path


class _Reader:
    """A BI reader in another process, looping on the snapshot until told to stop."""

    def __init__(self, snapshot: Path, stop: Path) -> None:
        self.stop = stop
        self.process = subprocess.Popen(
            [sys.executable, "-c", _READER, str(snapshot), str(stop)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.seen = [json.loads(self.process.stdout.readline())]

    def read_until(self, build: str) -> None:
        assert self.process.stdout is not None
        while not (isinstance(self.seen[-1], list) and self.seen[-1][0] == build):
            line = self.process.stdout.readline()
            assert line, "the reader stopped"
            self.seen.append(json.loads(line))

    def finish(self) -> None:
        """Stop the reader and take the rest of its lines through the same buffered stream ``read_until`` read
        (``communicate`` reads the pipe beneath it, and would miss what that stream had buffered)."""
        assert self.process.stdout is not None
        self.stop.touch()
        out = self.process.stdout.read()
        self.process.wait(timeout=60)
        self.seen += [json.loads(line) for line in out.splitlines()]


def test_readers_and_a_holder_of_the_warehouse_never_fail_a_publishing_run(
    published_once: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.elt import elt

    data_dir = published_once
    snapshot = data_dir / "analytics.duckdb"
    old = _state(snapshot)
    generate(data_dir / "landing", NEXT_DAY)
    publish = DuckDBWarehouse.publish
    held = ExitStack()
    holders: list[Holder] = []

    def publish_then_hold(self: DuckDBWarehouse, *args, **kwargs):  # a BI tool opens the warehouse after the commit
        tables = publish(self, *args, **kwargs)
        holders.append(held.enter_context(holding("read_only", self.path)))
        return tables

    monkeypatch.setattr(DuckDBWarehouse, "publish", publish_then_hold)
    reader = _Reader(snapshot, data_dir / "stop-reading")
    try:
        with held:
            summary = elt()
            reader.read_until(summary.build_schema)
            assert [h.process.poll() for h in holders] == [None], "held from the commit to the end of the run"
    finally:
        reader.finish()

    assert summary.status is RunStatus.PUBLISHED
    new = _state(snapshot)
    assert new[0] == summary.build_schema and new != old
    assert [r for r in reader.seen if isinstance(r, dict)] == [], "no reader error"
    assert {tuple(r) for r in reader.seen} == {tuple(old), tuple(new)}, "old or new, never a mix"
    # The run record waited for the holder: kept aside, shown by `elt status`, stored by the next run.
    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb")
    assert [p.stem for p in warehouse.pending_runs.iterdir()] == [summary.run_id]
    assert warehouse.last_run().summary_markdown == summary.to_markdown()
    assert elt().status is RunStatus.UP_TO_DATE
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        runs = con.execute("select run_id from elt_meta.runs order by finished_at").fetchall()
    assert (summary.run_id,) in runs and list(warehouse.pending_runs.iterdir()) == []


def _wait_for_lock(lock: Path, run: subprocess.Popen[str]) -> None:
    """Until the lock file names ``run`` as its holder (reading it; probing with flock would take it)."""
    while True:
        assert run.poll() is None, f"the first run ended first: {run.communicate()}"
        try:
            if json.loads(lock.read_text(encoding="utf-8"))["pid"] == run.pid:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)


@pytest.fixture
def elt_command(tmp_path: Path, prefect_api_url: str) -> Iterator:
    processes: list[subprocess.Popen[str]] = []

    def start() -> subprocess.Popen[str]:
        command = [sys.executable, "-c", "from elt.cli import app; app()", "run"]
        process = subprocess.Popen(
            command, env=_env(tmp_path, prefect_api_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_a_second_run_exits_at_once_naming_the_first_and_writes_nothing(tmp_path: Path, elt_command) -> None:
    generate(tmp_path / "landing", OPTIONS)

    first = elt_command()
    _wait_for_lock(tmp_path / "warehouse.duckdb.lock", first)
    second = elt_command()
    _, refused = second.communicate(timeout=300)
    out, err = first.communicate(timeout=800)

    assert second.returncode == 75
    assert f"another run holds the warehouse (pid {first.pid}, since " in refused
    assert first.returncode == 0, err[-3000:]
    assert "**Status:** published" in out + err
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from elt_meta.batches").fetchone() == (1,)
        assert con.execute("select count(*) from elt_meta.runs").fetchone() == (1,)
        audits = con.execute("select count(*) from duckdb_schemas() where schema_name like 'audit_%'").fetchone()
        assert audits == (1,)
    assert {p.name for p in (tmp_path / "lake" / "raw").glob("*/*")} == {"batch=000001"}, "one batch's lake copies"
