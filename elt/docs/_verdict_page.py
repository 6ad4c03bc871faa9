"""A build's Data Docs landing page: the gate's verdict, then every failed check with its severity, its bound and
what it observed, linked to Great Expectations' pages.

GX's own index is a table its scripts fill in (blank offline) and it reports a check's count, not the value it
measured; the verdict carries both, so this page is written from it and replaces that index.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from elt.docs._charts import drawn_charts
from elt.docs._gx_pages import STATIC, make_offline, suite_name, suite_severity, validation_pages
from elt.docs._pages import STYLESHEET_NAME, figures, link, page, table
from elt.settings import Severity

if TYPE_CHECKING:
    from elt.quality import FailedExpectation, GateVerdict

VERDICT_FILE = "verdict.json"


def verdict_line(verdict: GateVerdict) -> str:
    """The gate's verdict in one line, as every page of the build states it."""
    warnings = f"{len(verdict.warnings)} warning{'' if len(verdict.warnings) == 1 else 's'}"
    if verdict.passed:
        return f"Build {verdict.build_schema}: gate open, {verdict.evaluated} checks evaluated, {warnings}"
    return (
        f"Build {verdict.build_schema}: gate CLOSED on {len(verdict.failed)} critical"
        f" failure{'' if len(verdict.failed) == 1 else 's'} of {verdict.evaluated} checks, {warnings}"
    )


def finish_build_docs(site: Path, verdict: GateVerdict) -> Path | None:
    """Make the build's GX site readable offline and write its verdict page, with the build's charts when they were
    drawn; the page's path, if GX built one."""
    if not site.is_dir():
        return None
    pages = validation_pages(site)
    make_offline(site, verdict_line(verdict))
    index = site / "index.html"
    stylesheet = (STATIC / STYLESHEET_NAME).as_posix()
    body = _body(verdict, pages, drawn_charts(site))
    index.write_text(page(verdict_line(verdict), body, stylesheet), encoding="utf-8")
    summary = {
        "build": verdict.build_schema,
        "passed": verdict.passed,
        "evaluated": verdict.evaluated,
        "failed": len(verdict.failed),
        "warnings": len(verdict.warnings),
    }
    (site / VERDICT_FILE).write_text(json.dumps(summary), encoding="utf-8")
    return index


def _href(path: Path) -> str:
    return quote(path.as_posix())


def _body(verdict: GateVerdict, pages: dict[str, Path], charts: dict[str, str]) -> str:
    state = "open" if verdict.passed else "closed"
    parts = [
        link("../../index.html", "All builds and dbt docs"),
        f'<h1 class="elt-verdict elt-{state}">{escape(verdict_line(verdict))}</h1>',
        "<p>Critical checks close the gate; warnings are reported and never close it.</p>",
        f"<h2>Critical failures ({len(verdict.failed)}): they close the gate</h2>",
        _failures(verdict.failed, pages) if verdict.failed else "<p>None.</p>",
        f"<h2>Warnings ({len(verdict.warnings)}): reported, the gate stays open</h2>",
        _failures(verdict.warnings, pages) if verdict.warnings else "<p>None.</p>",
        *(
            [f"<h2>Not judged ({len(verdict.unjudged)}): passed without a verdict, and why</h2>", "<ul>"]
            + [f"<li>{escape(note)}</li>" for note in verdict.unjudged]
            + ["</ul>"]
            if verdict.unjudged
            else []
        ),
        *(["<h2>Charts</h2>", figures(charts)] if charts else []),
        "<h2>Validation results by table and severity</h2>",
        _results(verdict, pages),
    ]
    return "\n".join(parts)


def _failures(failures: list[FailedExpectation], pages: dict[str, Path]) -> str:
    rows = []
    for f in failures:
        suite = suite_name(f.table, f.severity)
        shown = link(_href(pages[suite]), suite) if suite in pages else escape(f.table)
        rows.append(
            [
                f'<span class="elt-severity elt-{f.severity.value}">{f.severity.value}</span>',
                f"<code>{escape(f.check)}</code>",
                escape(f.description),
                escape(f.observed or "-"),
                "-" if f.unexpected is None else str(f.unexpected),
                shown,
            ]
        )
    return table(["severity", "check", "expected", "observed", "unexpected", "results"], rows)


def _results(verdict: GateVerdict, pages: dict[str, Path]) -> str:
    failing = {suite_name(f.table, f.severity) for f in [*verdict.failed, *verdict.warnings]}
    rows = []
    for suite, path in sorted(pages.items()):
        expectations = Path("expectations") / f"{suite}.html"
        if suite not in failing:
            status = "passed"
        elif suite_severity(suite) is Severity.CRITICAL:
            status = '<span class="elt-severity elt-critical">critical failures: gate closed</span>'
        else:
            status = '<span class="elt-severity elt-warning">warnings only: gate not closed by them</span>'
        rows.append([link(_href(path), suite), status, link(_href(expectations), "expectations")])
    return table(["validation", "status", "suite"], rows)
