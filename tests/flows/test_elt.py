"""End to end: generated landing files through the real flow, compared with what the generator expects.

Two data folders, each run on again and again as a deployment's: a first run, a rerun, the next day, a backfill of
a damaged day, then a bad day that must close the gate; and customers arriving late, their sales held, then
released with a correction. Each step is a module-scoped fixture that asks for the step before it, changes the
folder once (a run of the flow, or what lands or breaks between runs) and returns what the tests need: for a run,
its summary and a copy of the folder as the run left it. Tests read those, not the folder, so each asserts on the
same state alone or in any order, and a step that failed errors the tests that need it, naming it. The bad day,
which nothing comes after, runs in its test.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from analytics_checks import assert_published_matches, published_rows, scalar
from servers import prefect_client

from elt.generate import GenerateOptions, generate
from elt.summary import RunStatus, RunSummary

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

FIRST_DAY = dt.date(2026, 1, 1)
OPTIONS = GenerateOptions(seed=7, sales_rows=6_000, days=3, start_date=FIRST_DAY, customers=300, products=60)

# Late-arriving customers, in a data folder of their own: clean data, three customers missing on the first day.
# They arrive with the next batch, on 2026-01-10: past the customers' cursor (versions up to 2026-01-08).
ARRIVAL_DAY = dt.date(2026, 1, 10)
LATE = GenerateOptions(seed=11, sales_rows=3_000, days=1, start_date=FIRST_DAY, customers=300, products=60,
                       defect_rate=0.0, late_customers=3, late_customers_arrive=ARRIVAL_DAY)  # fmt: skip
LATE_IDS = (298, 299, 300)


@dataclass(frozen=True)
class Step:
    """One run: its summary, the generator's answers for the files it found, and a copy of the data folder as it
    left it (the runs after it change the folder itself)."""

    summary: RunSummary
    expected: dict | None
    data_dir: Path
    ran_on: Path

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    def copy_of(self, path: Path) -> Path:
        """Where ``path``, which the run named in the folder it ran on, is in the copy."""
        return self.data_dir / path.relative_to(self.ran_on)


@dataclass(frozen=True)
class DataFolder:
    """A data folder the flow runs on again and again, as a deployment's; copied after each run."""

    path: Path
    prefect_api_url: str
    copies: pytest.TempPathFactory

    def run(
        self, step: str, flow: Callable[..., RunSummary], *args: object, expected: dict | None = None, **env: str
    ) -> Step:
        """Run ``flow`` on the folder, configured by environment as a deployment would be; for this run only, so
        no setting reaches the tests and modules after it. Then copy the folder for the tests."""
        with pytest.MonkeyPatch.context() as patch, prefect_client(self.prefect_api_url, patch):
            patch.setenv("ELT_DATA_DIR", str(self.path))
            for name, value in env.items():
                patch.setenv(name, value)
            summary = flow(*args)
        copy = self.copies.mktemp(f"after-{step}")
        shutil.copytree(self.path, copy, dirs_exist_ok=True)
        return Step(summary, expected, copy, self.path)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, prefect_api_url: str) -> DataFolder:
    return DataFolder(tmp_path_factory.mktemp("elt-e2e").resolve(), prefect_api_url, tmp_path_factory)


@pytest.fixture(scope="module")
def first_run(folder: DataFolder) -> Step:
    from flows.elt import elt

    return folder.run("first-run", elt, expected=generate(folder.path / "landing", OPTIONS))


@pytest.fixture(scope="module")
def rerun(first_run: Step, folder: DataFolder) -> Step:
    """The same files again."""
    from flows.elt import elt

    return folder.run("rerun", elt)


@pytest.fixture(scope="module")
def next_day(rerun: Step, folder: DataFolder) -> Step:
    """One more day of sales and reviews, keeping one build: the first day's is pruned."""
    from flows.elt import elt

    day = FIRST_DAY + dt.timedelta(days=OPTIONS.days)
    options = GenerateOptions(**{**OPTIONS.__dict__, "start_date": day, "days": 1, "sales_rows": 2_000})
    return folder.run("next-day", elt, expected=generate(folder.path / "landing", options), ELT_KEEP_BUILDS="1")


@dataclass(frozen=True)
class Damage:
    """What a since-fixed bug in a model would have left in the store: one day's amounts wrong."""

    day: dt.date
    rows: int
    other_days: list[tuple]
    published: dict[str, list[tuple]]


@pytest.fixture(scope="module")
def damage(next_day: Step, folder: DataFolder) -> Damage:
    day = FIRST_DAY + dt.timedelta(days=1)
    warehouse = folder.path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        rows = con.execute(f"update store.fct_sales set net_amount = 0 where sold_at::date = '{day}'").fetchone()[0]
        others = con.execute(f"select * from store.fct_sales where sold_at::date <> '{day}' order by all").fetchall()
    return Damage(day, rows, others, published_rows(warehouse))


@pytest.fixture(scope="module")
def backfill(damage: Damage, folder: DataFolder) -> Step:
    """The damaged day backfilled."""
    from flows.elt import backfill as backfill_flow

    return folder.run("backfill", backfill_flow, damage.day, damage.day)


@pytest.fixture
def pipeline(backfill: Step, folder: DataFolder, prefect_server: str, monkeypatch: pytest.MonkeyPatch):
    """The flow on the folder the backfill left, configured by environment as a deployment would be."""
    monkeypatch.setenv("ELT_DATA_DIR", str(folder.path))
    from flows.elt import elt

    return elt


@pytest.fixture(scope="module")
def late_folder(tmp_path_factory: pytest.TempPathFactory, prefect_api_url: str) -> DataFolder:
    return DataFolder(tmp_path_factory.mktemp("elt-late").resolve(), prefect_api_url, tmp_path_factory)


@pytest.fixture(scope="module")
def late_first_day(late_folder: DataFolder) -> Step:
    from flows.elt import elt

    return late_folder.run("late-first-day", elt, expected=generate(late_folder.path / "landing", LATE))


@dataclass(frozen=True)
class Correction:
    """The first sale delivered again with one more item: a corrected record."""

    sale_id: int
    quantity: int


@pytest.fixture(scope="module")
def correction(late_first_day: Step, late_folder: DataFolder) -> Correction:
    landing = late_folder.path / "landing"
    header, first, *_ = Path(_sales_file(landing, FIRST_DAY)).read_text(encoding="utf-8").splitlines()
    line = first.split(",")
    sale_id, quantity = int(line[0]), int(line[5])
    line[5] = str(quantity + 1)
    (landing / "sales" / f"sales_{FIRST_DAY.isoformat()}_correction.csv").write_text(
        f"{header}\n{','.join(line)}\n", encoding="utf-8"
    )
    return Correction(sale_id, quantity)


@pytest.fixture(scope="module")
def arrival(correction: Correction, late_folder: DataFolder) -> Step:
    """The batch with which the late customers arrive, and the correction."""
    from flows.elt import elt

    expected = generate(late_folder.path / "landing", GenerateOptions(**{**LATE.__dict__, "start_date": ARRIVAL_DAY}))
    return late_folder.run("arrival", elt, expected=expected)


def test_first_run_publishes_what_the_generator_expects(first_run: Step) -> None:
    summary, expected = first_run.summary, first_run.expected
    assert sum(expected["streams"]["sales"]["quarantined"].values()) > 0, "the demo data plants defects"

    assert summary.status is RunStatus.PUBLISHED
    assert summary.files_loaded == 3 + 2 * OPTIONS.days
    assert all(s.balanced for s in summary.streams)
    assert_published_matches(first_run.warehouse, expected)
    assert summary.data_docs is not None and first_run.copy_of(summary.data_docs).exists()
    assert list(summary.charts) == ["Net revenue by day", "Quarantine rate per batch"]
    data_docs = first_run.copy_of(summary.data_docs).read_text()
    assert all(f'<img src="charts/{path.name}"' in data_docs for path in summary.charts.values())


def test_rerun_on_the_same_files_changes_nothing(first_run: Step, rerun: Step) -> None:
    summary = rerun.summary

    assert summary.status is RunStatus.UP_TO_DATE
    assert (summary.files_loaded, summary.files_skipped) == (0, 3 + 2 * OPTIONS.days)
    assert published_rows(rerun.warehouse) == published_rows(first_run.warehouse)
    assert (summary.charts, summary.chart_urls) == ({}, {}), "nothing built, nothing drawn"


def test_next_day_processes_only_the_new_files(next_day: Step) -> None:
    summary = next_day.summary

    assert summary.status is RunStatus.PUBLISHED
    assert summary.files_loaded == 2, "one sales file and one reviews file are new; the dimensions did not change"
    assert_published_matches(next_day.warehouse, next_day.expected)
    with duckdb.connect(str(next_day.warehouse), read_only=True) as con:
        builds = [
            name
            for (name,) in con.execute(
                "select schema_name from information_schema.schemata where schema_name like 'audit_%'"
            ).fetchall()
        ]
    assert builds == [summary.build_schema], "the first day's build was pruned"
    assert [site.name for site in (next_day.data_dir / "docs" / "gx").iterdir()] == builds, "its Data Docs went with it"
    assert [target.name for target in (next_day.data_dir / "dbt").iterdir()] == builds, "and its dbt artifacts"


def test_the_analytics_facts_read_the_store_and_hold_each_key_once(next_day: Step) -> None:
    with duckdb.connect(str(next_day.warehouse), read_only=True) as con:
        for fact, key in (("fct_sales", "sale_id"), ("fct_reviews", "review_id")):
            definition = scalar(
                con, f"select sql from duckdb_views() where schema_name = 'analytics' and view_name = '{fact}'"
            )
            assert f"store.{fact}" in definition.replace('"', ""), fact
            assert scalar(con, f"select count(*) - count(distinct {key}) from analytics.{fact}") == 0, fact


def test_a_backfill_rebuilds_the_facts_of_its_days_and_only_those(
    next_day: Step, damage: Damage, backfill: Step
) -> None:
    published = published_rows(next_day.warehouse)
    assert damage.rows > 0 and damage.published != published

    summary = backfill.summary

    assert summary.status is RunStatus.PUBLISHED
    assert published_rows(backfill.warehouse) == published
    with duckdb.connect(str(backfill.warehouse), read_only=True) as con:
        written = scalar(con, f"select count(*) from {summary.build_schema}.fct_sales_delta")
        untouched = con.execute(
            f"select * from store.fct_sales where sold_at::date <> '{damage.day}' order by all"
        ).fetchall()
    assert written == damage.rows, "only the window's rows were rebuilt and merged"
    assert untouched == damage.other_days


def test_defects_above_the_threshold_close_the_gate_and_leave_analytics_unchanged(pipeline, folder: DataFolder) -> None:
    from flows.elt import GateClosedError

    data_dir = folder.path
    before = published_rows(data_dir / "warehouse.duckdb")
    bad_day = FIRST_DAY + dt.timedelta(days=OPTIONS.days + 1)
    options = GenerateOptions(
        **{**OPTIONS.__dict__, "start_date": bad_day, "days": 1, "sales_rows": 20_000, "defect_rate": 40.0}
    )
    generate(data_dir / "landing", options)

    with pytest.raises(GateClosedError, match="quarantine rate of sales"):
        pipeline()

    assert published_rows(data_dir / "warehouse.duckdb") == before
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        status, summary = con.execute(
            "select status, summary_json from elt_meta.runs order by finished_at desc limit 1"
        ).fetchone()
    assert status == RunStatus.GATE_CLOSED.value
    assert "quarantine rate of sales" in json.dumps(json.loads(summary)["failed_expectations"])
    rejected, builds = json.loads(summary)["build_schema"], _builds(data_dir)
    assert rejected in builds
    assert (data_dir / "docs" / "gx" / rejected / "charts" / "quarantine.svg").is_file(), "a closed build's too"

    # Nothing new: the rejected batch is not built (nor judged, nor announced) again.
    held = pipeline()

    assert (held.status, held.build_schema, held.rejected_build) == (RunStatus.UP_TO_DATE, None, rejected)
    assert f"it closed on build `{rejected}` of the latest batch" in held.to_markdown()
    assert _builds(data_dir) == builds
    # Asked to, it builds the batch again: a new build, judged by the same gate.
    with pytest.raises(GateClosedError, match="quarantine rate of sales"):
        pipeline(force=True)
    assert len(set(_builds(data_dir)) - set(builds)) == 1


def _builds(data_dir: Path) -> list[str]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return [
            name
            for (name,) in con.execute(
                "select schema_name from information_schema.schemata where starts_with(schema_name, 'audit_')"
                " order by 1"
            ).fetchall()
        ]


def _sales_file(landing: Path, day: dt.date) -> str:
    return str(landing / "sales" / f"sales_{day.isoformat()}.csv")


def test_a_sale_of_a_customer_not_arrived_yet_is_held(late_first_day: Step) -> None:
    with duckdb.connect() as con:
        held = scalar(
            con, f"select count(*) from read_csv('{_sales_file(late_first_day.data_dir / 'landing', FIRST_DAY)}')"
            f" where customer_id in {LATE_IDS}",
        )  # fmt: skip
    assert held > 0

    summary = late_first_day.summary

    assert summary.status is RunStatus.PUBLISHED
    sales = next(s for s in summary.streams if s.stream == "sales")
    assert (sales.held, sales.released) == (held, 0)
    assert f"sales: {held} held, 0 released" in summary.to_markdown()
    with duckdb.connect(str(late_first_day.warehouse), read_only=True) as con:
        reasons = con.execute(
            "select quarantine_reason, count(*) from analytics.sales_quarantine group by 1"
        ).fetchall()
        assert reasons == [("unknown_customer_id", held)]


def test_the_run_in_which_the_customer_arrives_releases_the_sales_and_a_correction_replaces_its_row(
    late_first_day: Step, correction: Correction, arrival: Step
) -> None:
    landing = arrival.data_dir / "landing"
    with duckdb.connect(str(late_first_day.warehouse), read_only=True) as con:
        published_before = scalar(con, "select count(*) from analytics.fct_sales")
        held = scalar(con, "select count(*) from analytics.sales_quarantine")
    sale_id, quantity, expected = correction.sale_id, correction.quantity, arrival.expected

    summary = arrival.summary

    assert summary.status is RunStatus.PUBLISHED
    sales = next(s for s in summary.streams if s.stream == "sales")
    assert (sales.held, sales.released) == (0, held)
    with duckdb.connect(str(arrival.warehouse), read_only=True) as con:
        assert scalar(con, "select count(*) from analytics.sales_quarantine") == 0
        count, distinct, total = con.execute(
            "select count(*), count(distinct sale_id), sum(quantity) from analytics.fct_sales"
        ).fetchone()
        assert count == distinct == expected["sales"]["count"]
        assert total == expected["sales"]["quantity"] + 1
        assert scalar(con, f"select quantity from analytics.fct_sales where sale_id = {sale_id}") == quantity + 1
        # The late customers' sales of both days found their (only) version.
        of_late_customers = scalar(
            con, "select count(*) from analytics.fct_sales join analytics.dim_customer using (customer_key)"
            f" where customer_id in {LATE_IDS}",
        )  # fmt: skip
        on_arrival_day = scalar(
            con, f"select count(*) from read_csv('{_sales_file(landing, ARRIVAL_DAY)}') where customer_id in {LATE_IDS}"
        )
        assert of_late_customers == held + on_arrival_day
        written = scalar(con, f"select count(*) from {summary.build_schema}.fct_sales_delta")
    new_day = expected["sales"]["count"] - published_before - held
    assert written == new_day + held + 1, "the publish merged the new day, the released sales and the correction"
