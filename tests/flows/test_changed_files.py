"""End to end: landing files that change after they were ingested lose no record and count none twice.

A day file copied in two steps (its first part, then the whole), and a day file edited in place, each
through the real flow and against the generator's answers for everything that landed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from analytics_checks import assert_published_matches

from elt.generate import GenerateOptions, generate
from elt.summary import RunStatus

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

FIRST_DAY = dt.date(2026, 2, 1)
OPTIONS = GenerateOptions(seed=5, sales_rows=4_000, days=3, start_date=FIRST_DAY, customers=200, products=40)


@pytest.fixture
def pipeline(tmp_path: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path))
    from flows.elt import elt

    return elt


def _day(day: dt.date, sales_rows: int) -> GenerateOptions:
    return GenerateOptions(**{**OPTIONS.__dict__, "start_date": day, "days": 1, "sales_rows": sales_rows})


def _published(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_day_file_completed_after_a_partial_copy_publishes_every_sale_once(pipeline, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    generate(landing, OPTIONS)
    assert pipeline().status is RunStatus.PUBLISHED
    fourth = FIRST_DAY + dt.timedelta(days=3)
    generate(landing, _day(fourth, 1_500))
    sales = landing / "sales" / f"sales_{fourth.isoformat()}.csv"
    whole = sales.read_bytes()
    cut = len(whole) * 2 // 3
    assert whole[cut - 1 : cut] != b"\n"
    sales.write_bytes(whole[:cut])  # cut inside a line, as a copy still in progress
    partial = pipeline()
    sales.write_bytes(whole)

    completed = pipeline()
    expected = generate(landing, _day(fourth + dt.timedelta(days=1), 1_500))
    last = pipeline()

    assert (partial.status, completed.status, last.status) == (RunStatus.PUBLISHED,) * 3
    assert completed.records_unchanged > 0, "what the partial copy held was not landed again"
    assert_published_matches(tmp_path / "warehouse.duckdb", expected, redelivered=frozenset({"sales"}))


def test_a_day_file_edited_in_place_publishes_the_correction_and_the_added_sale(pipeline, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    expected = generate(landing, OPTIONS)
    assert pipeline().status is RunStatus.PUBLISHED
    sales = landing / "sales" / f"sales_{FIRST_DAY.isoformat()}.csv"
    header, *lines = sales.read_text(encoding="utf-8").splitlines()
    position, fields = next(
        (i, line.split(",")) for i, line in enumerate(lines) if line.count(",") == 8 and ",," not in line
    )
    sale_id = int(fields[0])
    [(published_price,)] = _published(
        tmp_path / "warehouse.duckdb", f"select unit_price from analytics.fct_sales where sale_id = {sale_id}"
    )
    fields[6] = f"{published_price + 1:.2f}"
    lines[position] = ",".join(fields)
    added = ",".join([str(sale_id + 900_000_000), *fields[1:]])  # a sale appended to the day, ids of that day
    sales.write_text("\n".join([header, *lines, added]) + "\n", encoding="utf-8")

    summary = pipeline()

    assert summary.status is RunStatus.PUBLISHED
    # The file lands again, less what its first version held: the edited and the added sale, and its lines
    # without a key (matched by nothing); every line is accounted for.
    [(landed, unchanged)] = _published(
        tmp_path / "warehouse.duckdb",
        f"select records, unchanged from elt_meta.landed_files where file_url = 'sales/{sales.name}'"
        f" and batch_id = {summary.batch_id}",
    )
    assert landed + unchanged == len(lines) + 1
    assert unchanged == summary.records_unchanged > 0.95 * len(lines)
    warehouse = tmp_path / "warehouse.duckdb"
    assert _published(warehouse, f"select unit_price from analytics.fct_sales where sale_id = {sale_id}") == [
        (published_price + 1,)
    ]
    assert _published(warehouse, f"select count(*) from analytics.fct_sales where sale_id = {added.split(',')[0]}") == [
        (1,)
    ]
    [(count,)] = _published(warehouse, "select count(*) from analytics.fct_sales")
    assert count == expected["sales"]["count"] + 1
    reasons = dict(
        _published(warehouse, "select reason, records from analytics.rpt_quarantine_reasons where stream = 'sales'")
    )
    assert reasons == {r: n for r, n in expected["streams"]["sales"]["quarantined"].items() if n}
