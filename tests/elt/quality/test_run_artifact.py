"""The gate's tasks in a real Prefect flow run: the run summary artifact links this run's Data Docs and shows its
charts as images (over http, where ELT_DOCS_URL says the docs site is served) and lists its warnings."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from audit_build import BATCH_TIMES, BUILD, Warehouse
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter, FlowRunFilterId
from prefect.runtime import flow_run

from elt.adapters import adapters_for
from elt.settings import Settings
from elt.sync import SyncResult
from tasks.charts import draw_charts
from tasks.gate import validate_build
from tasks.report import report_run, summarize_run

pytestmark = pytest.mark.timeout(300)


@flow(name="gate-and-report")
def _gate_and_report(settings: Settings) -> str:
    charts = draw_charts(settings, BUILD)
    verdict = validate_build(settings, BUILD)
    # No build for the figures: the warehouse adapter's reconciliation is tested with it, this is the gate's part.
    report_run(settings, summarize_run(settings, SyncResult(batch_id=2), [], None, verdict, charts=charts))
    return str(flow_run.get_id())


def test_the_run_summary_artifact_links_this_runs_data_docs_shows_its_charts_and_lists_warnings(
    clean_build: Path, tmp_path: Path, prefect_server: str
) -> None:
    settings = Settings(data_dir=tmp_path, docs_url="http://127.0.0.1:8080/")
    shutil.copyfile(clean_build, settings.warehouse_path)
    adapters_for(settings).warehouse.ensure_schemas()
    Warehouse(settings.warehouse_path, settings.gx_dir).plant(  # 60 malformed sales in the earlier batch: > 5%
        f"insert into {BUILD}.sales_quarantine_delta select 990000 + i, 'malformed_line', 'planted', 'planted-' || i,"
        f" timestamptz '{BATCH_TIMES[1]}' from range(60) t(i)"
    )

    run_id = _gate_and_report(settings)

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["elt-run-summary"])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
        )
    assert len(artifacts) == 1
    markdown = str(artifacts[0].data)
    assert "**Status:** published" in markdown
    assert (
        "- warning: rpt_reconciliation.earlier_batch_quarantine_rate: quarantine rate of sales in each unpublished"
        " earlier batch is at most 5.00%; observed " in markdown
    )
    link = markdown.split("**Data Docs:** [", 1)[1].split("](", 1)[1].split(")", 1)[0]
    assert link == f"http://127.0.0.1:8080/gx/{BUILD}/index.html"
    assert (settings.docs_dir / unquote(urlparse(link).path).lstrip("/")).is_file(), "the page the link serves"
    charts = f"http://127.0.0.1:8080/gx/{BUILD}/charts"
    assert (
        f"**Charts:** ![Net revenue by day]({charts}/revenue.svg) ![Quarantine rate per batch]({charts}/quarantine.svg)"
    ) in markdown
    assert (settings.gx_dir / BUILD / "charts" / "quarantine.svg").is_file()
