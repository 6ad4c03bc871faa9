"""Fault injection: ``elt run`` SIGKILLed at every point of ``elt.killpoints.KillPoint``, and run again.

One data folder goes through a chain of real ``elt run`` processes. Each is killed at the next point, in the
order a run reaches them, and is at the same time the rerun that must repair the kill before it; a last run
without a kill point repairs the last kill. A run costs about a minute of CPU (dbt, its Prefect tasks, the
imports), so a fresh copy per point, with a kill and a full rerun each, would cost twice as many builds. A day of
files is landed whenever the run before published, so every kill hits a run with something to publish.

A point added to ``KillPoint`` is covered here without a change. Per point: the process died by SIGKILL, readers
of ``analytics`` saw the previous publication or the whole new one, and the later runs left nothing of it
behind. At the end: everything is as if no run had been killed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pytest
from analytics_checks import assert_published_matches, published_rows

from elt.generate import GenerateOptions, generate
from elt.killpoints import KILL_AT_VARIABLE, KillPoint

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600)]

FIRST_DAY = dt.date(2026, 1, 1)
ONE_DAY = GenerateOptions(seed=3, sales_rows=1_000, days=1, start_date=FIRST_DAY, customers=150, products=40)
RUN_TIMEOUT_SECONDS = 900
# Every finished build is kept, so that a build abandoned by a kill cannot pass for one the keep policy pruned.
KEEP_BUILDS = "100"
STREAMS = ("customers", "products", "locations", "sales", "reviews")


def elt_run(data_dir: Path, api_url: str, kill_at: KillPoint | None = None) -> subprocess.CompletedProcess[str]:
    """``elt run`` in a process of its own, configured by environment as a deployment's would be."""
    env = {**os.environ, "ELT_DATA_DIR": str(data_dir), "PREFECT_API_URL": api_url, "ELT_KEEP_BUILDS": KEEP_BUILDS}
    env.pop(KILL_AT_VARIABLE, None)
    if kill_at is not None:
        env[KILL_AT_VARIABLE] = kill_at.value
    return subprocess.run(
        [sys.executable, "-c", "from elt.cli import app; app()", "run"],
        env=env,
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


def tail(process: subprocess.CompletedProcess[str]) -> str:
    return f"exit {process.returncode}\n--- stdout\n{process.stdout[-3000:]}\n--- stderr\n{process.stderr[-3000:]}"


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _audit_builds(warehouse: Path) -> set[str]:
    rows = _rows(warehouse, "select schema_name from information_schema.schemata where schema_name like 'audit_%'")
    return {name for (name,) in rows}


def _publications(warehouse: Path) -> list[str]:
    return sorted(build for (build,) in _rows(warehouse, "select build_schema from elt_meta.publications"))


def _expected(data_dir: Path) -> dict:
    return json.loads((data_dir / "landing" / "_expected.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Kill:
    """One killed run: its process, and the warehouse as the kill left it (a copy) beside what it was before."""

    process: subprocess.CompletedProcess[str]
    warehouse: Path
    analytics_before: dict[str, list[tuple]]
    expected: dict
    builds_left: set[str]
    published: list[str]


@dataclass(frozen=True)
class Chain:
    kills: dict[KillPoint, Kill]
    last_run: subprocess.CompletedProcess[str]
    data_dir: Path

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory, prefect_api_url: str) -> Chain:
    root = tmp_path_factory.mktemp("kill-chain")
    data_dir = root / "data"
    warehouse = data_dir / "warehouse.duckdb"
    generate(data_dir / "landing", ONE_DAY)
    first = elt_run(data_dir, prefect_api_url)
    assert first.returncode == 0, tail(first)

    kills: dict[KillPoint, Kill] = {}
    day, published_before_landing = FIRST_DAY, []
    for point in KillPoint:
        if _publications(warehouse) != published_before_landing:  # the last day's files are published: land more
            published_before_landing = _publications(warehouse)
            day += dt.timedelta(days=1)
            generate(data_dir / "landing", replace(ONE_DAY, start_date=day))
        before = (published_rows(warehouse), _audit_builds(warehouse), _publications(warehouse))
        process = elt_run(data_dir, prefect_api_url, kill_at=point)
        left = root / "after-kill" / point.value
        left.mkdir(parents=True)
        for path in data_dir.glob("warehouse.duckdb*"):  # with its write-ahead log, if the kill left one
            shutil.copy2(path, left / path.name)
        kills[point] = Kill(
            process=process,
            warehouse=left / warehouse.name,
            analytics_before=before[0],
            expected=_expected(data_dir),
            builds_left=_audit_builds(warehouse) - before[1],
            published=sorted(set(_publications(warehouse)) - set(before[2])),
        )
    return Chain(kills, elt_run(data_dir, prefect_api_url), data_dir)


@pytest.mark.parametrize("point", list(KillPoint), ids=str)
def test_a_run_killed_at_any_point_leaves_nothing_the_next_runs_do_not_repair(point: KillPoint, chain: Chain) -> None:
    kill = chain.kills[point]
    assert kill.process.returncode == -signal.SIGKILL, tail(kill.process)

    # Readers saw the previous publication or the whole new one, never a mix.
    if kill.published:
        assert_published_matches(kill.warehouse, kill.expected)
    else:
        assert published_rows(kill.warehouse) == kill.analytics_before

    # The later runs dropped the audit build the kill left, unless it was published.
    assert kill.builds_left & _audit_builds(chain.warehouse) <= set(kill.published)
    # A run killed after its publication committed is in the run history all the same.
    recorded = _rows(chain.warehouse, "select summary_json->>'build_schema', status from elt_meta.runs")
    assert {(build, "published") for build in kill.published} <= set(recorded)


def test_after_the_last_run_everything_is_as_if_no_run_had_been_killed(chain: Chain) -> None:
    assert chain.last_run.returncode == 0, tail(chain.last_run)
    warehouse = chain.warehouse
    assert_published_matches(warehouse, _expected(chain.data_dir))
    ((published_batch, latest_batch),) = _rows(
        warehouse,
        "select (select max(batch_id) from elt_meta.publications), (select max(batch_id) from elt_meta.batches)",
    )
    assert published_batch == latest_batch, "the last publication covers every batch landed"

    # Every file version landed once, whole: RAW's records per file and extraction are the sync state's.
    in_raw = {
        (stream, url, extracted_at): count
        for stream in STREAMS
        for url, extracted_at, count in _rows(
            warehouse, f"select _ab_source_file_url, _airbyte_extracted_at, count(*) from raw.{stream} group by all"
        )
    }
    in_state = {
        (stream, url, extracted_at): records
        for stream, url, extracted_at, records in _rows(
            warehouse, "select stream, file_url, extracted_at, records from elt_meta.landed_files where not superseded"
        )
    }
    assert in_raw == in_state
    twice = _rows(
        warehouse,
        "select stream, file_url, checksum from elt_meta.landed_files where not superseded"
        " group by all having count(*) > 1",
    )
    assert twice == [], "a file version landed twice"

    # The run history has every publication's run.
    published_runs = _rows(
        warehouse, "select summary_json->>'build_schema' from elt_meta.runs where status = 'published'"
    )
    assert sorted(build for (build,) in published_runs) == _publications(warehouse)

    # No build abandoned: each audit schema left is published or was judged in a recorded run (the keep policy's
    # to prune, none pruned here), and no Data Docs or dbt artifacts outlive their build.
    recorded = {build for (build,) in _rows(warehouse, "select summary_json->>'build_schema' from elt_meta.runs")}
    builds = _audit_builds(warehouse)
    assert builds <= recorded | set(_publications(warehouse))
    assert {path.name for path in (chain.data_dir / "dbt").iterdir()} <= builds
    assert {path.name for path in (chain.data_dir / "docs" / "gx").iterdir()} <= builds
