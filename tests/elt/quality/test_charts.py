"""A build's charts as the draw-charts task writes them from a real audit build: well-formed SVG with a title, a
point per day and per batch and stream whose values are the build's own (summed here with SQL of our own), and
each stream's quarantine limit drawn where the gate puts it."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from audit_build import BATCH_TIMES, BUILD, Warehouse

from elt.docs._charts import quarantine_chart, revenue_chart
from elt.settings import Settings
from elt.warehouse import BatchQuarantine
from tasks.charts import draw_charts

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def settings(clean_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ELT_QUARANTINE_RATE_MAX", '{"sales": 0.1, "reviews": 0.02}')
    settings = Settings()
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copyfile(clean_build, settings.warehouse_path)
    # Sales quarantined in the newest batch: 30 of the 130 delivered, above the limit of 10%.
    Warehouse(settings.warehouse_path, settings.gx_dir).plant(
        f"insert into {BUILD}.sales_quarantine_delta select 990000 + i, 'malformed_line', 'planted', 'planted-' || i,"
        f" timestamptz '{BATCH_TIMES[2]}' from range(30) t(i)"
    )
    return settings


def _chart(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()  # raises on anything but well-formed XML
    assert root.tag == f"{SVG}svg"
    return root


def _tooltips(root: ET.Element) -> list[str]:
    """Each point's exact value, as its tooltip states it."""
    return [circle.findtext(f"{SVG}title") or "" for circle in root.iter(f"{SVG}circle")]


def _y_scale(root: ET.Element) -> tuple[float, float, float]:
    """The y axis' pixel of 0, pixel of its top tick and that tick's value, read from the tick labels."""
    ticks = [
        (float(t.text.rstrip("%").replace(",", "")) / (100 if t.text.endswith("%") else 1), float(t.get("y")) - 4)
        for t in root.iter(f"{SVG}text")
        if t.get("text-anchor") == "end" and t.text and t.text[0].isdigit() and float(t.get("x")) < 90
    ]
    (zero, zero_y), (top, top_y) = min(ticks), max(ticks)
    assert zero == 0
    return zero_y, top_y, top


def test_the_charts_show_every_day_and_batch_with_the_builds_values_and_the_limits(settings: Settings) -> None:
    warehouse = Warehouse(settings.warehouse_path, settings.gx_dir)

    charts = draw_charts.fn(settings, BUILD)

    site = settings.gx_dir / BUILD
    assert charts == {
        "Net revenue by day": site / "charts" / "revenue.svg",
        "Quarantine rate per batch": site / "charts" / "quarantine.svg",
    }
    revenue, quarantine = (_chart(path) for path in charts.values())
    assert revenue.findtext(f"{SVG}title") == "Net revenue by day"
    assert quarantine.findtext(f"{SVG}title") == "Quarantine rate per batch"

    # Summed straight from the facts, not from the mart the chart reads.
    days = warehouse.scalar(
        f"select list((day, amount) order by day) from (select cast(sold_at as date) as day,"
        f" sum(net_amount) as amount from {BUILD}.fct_sales group by all)"
    )
    assert len(days) == 6
    assert _tooltips(revenue) == [f"{day:%a %d %b %Y}: {amount:,.2f}" for day, amount in days]

    expected = []
    for batch in (1, 2):
        for stream, table in (("reviews", "stg_parsed__reviews_quarantine"), ("sales", "sales_quarantine")):
            delivered = warehouse.scalar(
                f"select sum(records) from {BUILD}.stg_elt_meta__landed_files"
                f" where stream = '{stream}' and batch_id = {batch}"
            )
            quarantined = warehouse.scalar(
                f"select count(*) from {BUILD}.{table} where _airbyte_extracted_at = timestamptz '{BATCH_TIMES[batch]}'"
            )
            expected.append(f"{stream}, batch {batch}: {quarantined / delivered:.2%} ({quarantined} of {delivered})")
    tooltips = _tooltips(quarantine)
    assert sorted(tooltips) == sorted(expected), "one point per batch of each stream the gate lets quarantine"
    assert "sales, batch 2: 23.08% (30 of 130)" in tooltips

    zero_y, top_y, top = _y_scale(quarantine)
    dashed = {
        float(p.get("points").split()[0].split(",")[1]): p.get("stroke")
        for p in quarantine.findall(f"{SVG}polyline")  # the legend's samples are in a group of their own
        if p.get("stroke-dasharray")
    }
    assert len(dashed) == 2, "one limit line per stream"
    for limit in (0.1, 0.02):
        assert any(abs(y - (zero_y + (top_y - zero_y) * limit / top)) < 0.2 for y in dashed), f"a line at {limit}"
    assert "sales 10.00%" in (quarantine.findtext(f"{SVG}desc") or "")
    assert "reviews 2.00%" in (quarantine.findtext(f"{SVG}desc") or "")


def test_a_day_without_sales_breaks_the_revenue_line_and_empty_charts_say_why() -> None:
    days = [(date(2026, 1, d), Decimal(100 * d)) for d in (1, 2, 5, 6, 7)]
    revenue = ET.fromstring(revenue_chart(days))
    assert [len(p.get("points").split()) for p in revenue.findall(f"{SVG}polyline")] == [2, 3]
    assert len(_tooltips(revenue)) == 5

    empty = ET.fromstring(revenue_chart([]))
    assert (empty.findtext(f"{SVG}title"), empty.findtext(f"{SVG}desc")) == (
        "Net revenue by day",
        "No sales in this build yet.",
    )
    clean = [BatchQuarantine("customers", 1, 50, 0, 0.0)]
    none = ET.fromstring(quarantine_chart(clean, {"customers": 0.0}))
    assert none.findtext(f"{SVG}desc") == "No stream quarantined a record, and the gate allows none to."
    one = ET.fromstring(quarantine_chart([*clean, BatchQuarantine("customers", 2, 50, 1, 0.02)], {"customers": 0.0}))
    assert _tooltips(one) == ["customers, batch 1: 0.00% (0 of 50)", "customers, batch 2: 2.00% (1 of 50)"]
