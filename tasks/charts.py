"""A build's charts: net revenue by day and the quarantine rate per batch, drawn into its Data Docs folder."""

from __future__ import annotations

from pathlib import Path

from prefect import task

from elt.adapters import adapters_for
from elt.docs import write_build_charts
from elt.quality import data_docs_site
from elt.settings import Settings
from tasks._retries import explain_faults


@task(name="draw-charts")
@explain_faults
def draw_charts(settings: Settings, build_schema: str) -> dict[str, Path]:
    """Draw the build's charts from two small aggregates the warehouse computes; each chart's title -> its file.

    Drawn before the gate so that the verdict page it writes shows them; every build drawn is validated next.
    Each stream's quarantine line has the gate's limit for it beside.
    """
    warehouse = adapters_for(settings).warehouse
    rates = warehouse.quarantine_rates(build_schema)
    limits = {r.stream: settings.gate.quarantine_threshold(r.stream) for r in rates}
    site = data_docs_site(settings.gx_dir, build_schema)
    return write_build_charts(site, warehouse.daily_revenue(build_schema), rates, limits)
