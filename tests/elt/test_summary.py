"""The run summary as ``elt status`` and the Prefect artifact show it."""

from __future__ import annotations

import json
from pathlib import Path

from elt.summary import RunStatus, RunSummary
from elt.sync import UndeclaredColumns
from elt.warehouse import StreamFigures

SALES = StreamFigures(
    "sales",
    landed=10,
    in_raw=10,
    duplicates=1,
    valid=8,
    quarantined=1,
    quarantine_rate=0.1,
    quarantined_by_reason={"malformed_line": 1},
)


def _summary(**changes) -> RunSummary:
    fields = {
        "run_id": "r1",
        "status": RunStatus.PUBLISHED,
        "batch_id": 3,
        "build_schema": "audit_b000003_x",
        "published_build": "audit_b000003_x",
        "files_loaded": 2,
        "files_skipped": 5,
        "streams": [SALES],
        "batch_records": {"sales": 4},
        "expectations_evaluated": 40,
    }
    return RunSummary(**{**fields, **changes})


def test_a_reported_run_shows_its_files_and_gate() -> None:
    markdown = _summary().to_markdown()
    assert "**Batch:** 3 (2 files loaded, 5 already ingested)" in markdown
    assert "**Gate:** open (40 expectations evaluated, 0 warnings)" in markdown
    assert "| sales | 4 | 10 | 10 | 1 | 8 | 1 | 8 |" in markdown, "this batch, then the totals"
    assert "**Quarantined by reason:**\n- sales: malformed_line 1" in markdown


def test_a_closed_gate_publishes_nothing_of_its_build() -> None:
    markdown = _summary(status=RunStatus.GATE_CLOSED, published_build="audit_b000002_x").to_markdown()
    assert "| sales | 4 | 10 | 10 | 1 | 8 | 1 | - |" in markdown
    assert "(published: none of this build; analytics keeps the build above)" in markdown


def test_a_run_with_nothing_new_says_it_built_nothing() -> None:
    markdown = _summary(status=RunStatus.UP_TO_DATE, build_schema=None, expectations_evaluated=0).to_markdown()
    assert "**Status:** up to date" in markdown
    assert "**Gate:** not run: up to date, nothing built" in markdown
    assert "expectations evaluated" not in markdown


def test_the_record_of_a_run_killed_after_its_commit_says_what_it_lacks() -> None:
    summary = _summary(batch_id=None, files_loaded=0, files_skipped=0, expectations_evaluated=0, reported=False)
    markdown = summary.to_markdown()
    assert "**Report:** missing: the run stopped after its publish committed" in markdown
    assert "files loaded" not in markdown and "expectations evaluated" not in markdown
    assert "| sales | - | 10 | 10 | 1 | 8 | 1 | 8 |" in markdown, "the build's figures are shown"
    assert json.loads(summary.to_json())["reported"] is False


def test_the_data_docs_are_linked_over_http_where_elt_docs_url_is_set() -> None:
    url = "https://docs.example.com/elt/gx/audit_b000003_x/index.html"
    markdown = _summary(data_docs=Path("/data/docs/gx/audit_b000003_x/index.html"), data_docs_url=url).to_markdown()
    assert f"**Data Docs:** [{url}]({url})" in markdown
    assert "file://" not in markdown


def test_unlinked_data_docs_name_their_path_and_how_to_serve_them() -> None:
    markdown = _summary(data_docs=Path("/data/docs/gx/audit_b000003_x/index.html")).to_markdown()
    assert "**Data Docs:** `/data/docs/gx/audit_b000003_x/index.html` (to read it in a browser: `elt docs serve`;" in (
        markdown
    )
    assert "ELT_DOCS_URL makes this a link" in markdown and "file://" not in markdown


CHARTS = {
    "Net revenue by day": Path("/data/docs/gx/audit_b000003_x/charts/revenue.svg"),
    "Quarantine rate per batch": Path("/data/docs/gx/audit_b000003_x/charts/quarantine.svg"),
}


def test_the_charts_show_as_images_where_elt_docs_url_is_set() -> None:
    base = "https://docs.example.com/elt/gx/audit_b000003_x/charts"
    urls = {"Net revenue by day": f"{base}/revenue.svg", "Quarantine rate per batch": f"{base}/quarantine.svg"}
    markdown = _summary(charts=CHARTS, chart_urls=urls).to_markdown()
    assert markdown.endswith(
        f"\n\n**Charts:** ![Net revenue by day]({base}/revenue.svg) ![Quarantine rate per batch]({base}/quarantine.svg)"
    )


def test_unlinked_charts_name_their_files_and_how_to_see_them() -> None:
    markdown = _summary(charts=CHARTS).to_markdown()
    assert (
        "**Charts:** `/data/docs/gx/audit_b000003_x/charts/revenue.svg`,"
        " `/data/docs/gx/audit_b000003_x/charts/quarantine.svg` (on the build's Data Docs page: `elt docs serve`;"
    ) in markdown
    assert "set ELT_DOCS_URL" in markdown and "![" not in markdown


def test_a_run_that_built_nothing_has_no_charts() -> None:
    markdown = _summary(status=RunStatus.UP_TO_DATE, build_schema=None).to_markdown()
    assert "**Charts:**" not in markdown


def test_undeclared_columns_kept_in_raw_are_one_warning_per_stream() -> None:
    drift = UndeclaredColumns("sales", ("channel", "postal_code"), ("sales/a.csv", "sales/b.csv", "sales/c.csv"))

    summary = _summary(undeclared_columns=[drift])

    assert (
        "- warning: sales: 2 undeclared columns kept in RAW _airbyte_data, not modelled: 'channel', 'postal_code'"
        " (3 files; the catalogue's undeclared_columns: ignore)"
    ) in summary.to_markdown()
    assert json.loads(summary.to_json())["undeclared_columns"][0]["columns"] == ["channel", "postal_code"]
