"""A build's two charts, drawn into its Data Docs folder (``charts/``): net revenue by day, and the quarantine rate
of each stream per batch against the gate's limit.

Trends and rates over time are what people would rather look at than read; the run summary shows these images
where the docs site is served (ELT_DOCS_URL), the build's verdict page and the site's front page always.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from elt.docs._svg import MUTED, PALETTE, Frame, axes, document, every_nth, legend, line, marker, text, ticks_up_to
from elt.warehouse import QUARANTINE_BATCHES, REVENUE_DAYS, BatchQuarantine

CHARTS_DIR = "charts"
REVENUE_CHART = "revenue.svg"
QUARANTINE_CHART = "quarantine.svg"
# Each chart's file and title, in the order pages show them.
CHARTS = {REVENUE_CHART: "Net revenue by day", QUARANTINE_CHART: "Quarantine rate per batch"}


def write_build_charts(
    site: Path, days: Sequence[tuple[date, Decimal]], rates: Sequence[BatchQuarantine], limits: Mapping[str, float]
) -> dict[str, Path]:
    """Draw the build's charts into ``site/charts``; each chart's title -> its file. ``limits``: each stream's
    quarantine limit."""
    folder = site / CHARTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    drawn = {REVENUE_CHART: revenue_chart(days), QUARANTINE_CHART: quarantine_chart(rates, limits)}
    for name, svg in drawn.items():
        (folder / name).write_text(svg, encoding="utf-8")
    return {CHARTS[name]: folder / name for name in drawn}


def drawn_charts(site: Path) -> dict[str, str]:
    """The charts drawn for the build whose Data Docs are ``site``: each one's path in the site -> its title."""
    return {f"{CHARTS_DIR}/{name}": title for name, title in CHARTS.items() if (site / CHARTS_DIR / name).is_file()}


def revenue_chart(days: Sequence[tuple[date, Decimal]]) -> str:
    """One point per day with sales (``days`` oldest first); a day without sales breaks the line."""
    title = CHARTS[REVENUE_CHART]
    if not days:
        return document(title, "No sales in this build yet.", [])
    first, newest = days[0][0], days[-1]
    frame = Frame(span=(newest[0] - first).days, top=(y_ticks := ticks_up_to(float(max(a for _, a in days))))[-1])
    points = [(frame.x((day - first).days), frame.y(float(amount))) for day, amount in days]
    body = axes(
        frame,
        y_ticks,
        lambda value: f"{value:,.0f}",
        [((days[i][0] - first).days, f"{days[i][0]:%d %b}") for i in every_nth(len(days))],
        y_title="net revenue",
        x_title="day of sale",
    )
    segments: list[list[tuple[float, float]]] = []
    for i, point in enumerate(points):
        if i == 0 or (days[i][0] - days[i - 1][0]).days > 1:
            segments.append([])
        segments[-1].append(point)
    body += [line(segment, PALETTE[0]) for segment in segments]
    body += [
        marker(x, y, PALETTE[0], f"{day:%a %d %b %Y}: {amount:,.2f}")
        for (x, y), (day, amount) in zip(points, days, strict=True)
    ]
    body.append(text(points[-1][0], points[-1][1] - 10, f"{newest[1]:,.2f}", anchor="end", css="value"))
    subtitle = (
        f"{len(days)} days with sales, {first:%d %b %Y} to {newest[0]:%d %b %Y} (at most the newest {REVENUE_DAYS});"
        f" newest day {newest[1]:,.2f}"
    )
    return document(title, subtitle, body)


def charted_streams(rates: Sequence[BatchQuarantine], limits: Mapping[str, float]) -> list[str]:
    """The streams worth a line: those the gate lets quarantine records, and any that quarantined some."""
    return sorted({r.stream for r in rates if limits.get(r.stream, 0) > 0 or r.quarantined})


def quarantine_chart(rates: Sequence[BatchQuarantine], limits: Mapping[str, float]) -> str:
    """One point per batch and stream (``charted_streams``), each stream's limit a dashed line of its colour."""
    title = CHARTS[QUARANTINE_CHART]
    streams = charted_streams(rates, limits)
    if not streams:
        return document(title, "No stream quarantined a record, and the gate allows none to.", [])
    shown = [r for r in rates if r.stream in streams]
    batches = sorted({r.batch_id for r in shown})
    position = {batch: i for i, batch in enumerate(batches)}
    colours = dict(zip(streams, PALETTE, strict=False))
    y_ticks = ticks_up_to(max([r.rate for r in shown] + [limits[s] for s in streams]) * 1.1)
    frame = Frame(span=len(batches) - 1, top=y_ticks[-1])
    step = y_ticks[1]
    body = axes(
        frame,
        y_ticks,
        lambda value: f"{value:.{0 if step >= 0.01 else 1}%}",
        [(i, str(batches[i])) for i in every_nth(len(batches), most=12)],
        y_title="quarantined / delivered",
        x_title="batch",
    )
    for stream in streams:
        limit, colour = limits[stream], colours[stream]
        ends = [(frame.x(0) - 10, frame.y(limit)), (frame.x(frame.span) + 10, frame.y(limit))]
        body.append(line(ends, colour, dashed=True))
        over = [r for r in shown if r.stream == stream]
        points = [(frame.x(position[r.batch_id]), frame.y(r.rate)) for r in over]
        body.append(line(points, colour))
        for (x, y), r in zip(points, over, strict=True):
            body.append(
                marker(x, y, colour, f"{stream}, batch {r.batch_id}: {r.rate:.2%} ({r.quarantined} of {r.delivered})")
            )
            if r.rate > limit:
                body.append(text(x, y - 9, f"{r.rate:.1%}", anchor="middle", css="value", colour=colour))
    limits_text = "; ".join(f"{s} {limits[s]:.2%}" for s in streams)
    subtitle = (
        f"Batches {batches[0]} to {batches[-1]} (at most the newest {QUARANTINE_BATCHES});"
        f" dashed: the gate's limit per batch, {limits_text}"
    )
    entries = [(s, colours[s], False) for s in streams] + [("limit", MUTED, True)]
    return document(title, subtitle, [*body, *legend(entries)])
