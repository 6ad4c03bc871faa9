"""The docs site's front page: the newest build's Data Docs and charts, every build kept with its verdict and
charts, the dbt docs.

Read from the site's own files (each build's ``verdict.json``, the dbt docs' ``documented.json``), never from the
warehouse, which a run may be holding: the server writes it again on every visit.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from elt.docs._charts import drawn_charts
from elt.docs._dbt_docs import documented_build
from elt.docs._pages import STYLESHEET_NAME, copy_stylesheet, figures, link, page, table
from elt.docs._verdict_page import VERDICT_FILE


def _verdicts(gx: Path) -> list[dict]:
    """The builds' verdicts, newest first (a build's name starts with its batch, then its time)."""
    files = sorted(gx.glob(f"*/{VERDICT_FILE}"), reverse=True) if gx.is_dir() else []
    return [{**json.loads(f.read_text(encoding="utf-8")), "site": f.parent.name} for f in files]


def _gate(verdict: dict) -> str:
    if verdict["passed"]:
        return '<span class="elt-state-open">open</span>'
    return '<span class="elt-state-closed">CLOSED</span>'


def _docs_link(verdict: dict) -> str:
    return link(f"gx/{verdict['site']}/index.html", verdict["build"])


def _charts(gx: Path, verdict: dict) -> dict[str, str]:
    """The build's charts, as links from the front page."""
    return {f"gx/{verdict['site']}/{href}": title for href, title in drawn_charts(gx / verdict["site"]).items()}


def write_site_index(root: Path) -> Path:
    copy_stylesheet(root)
    verdicts = _verdicts(root / "gx")
    parts = ["<h1>retail-elt: Data Docs and dbt docs</h1>"]
    if verdicts:
        newest = verdicts[0]
        parts.append(
            f"<p>Newest build: {_docs_link(newest)}, gate {_gate(newest)}"
            f" ({newest['failed']} critical failures, {newest['warnings']} warnings).</p>"
        )
        parts.append(figures(_charts(root / "gx", newest)))
    else:
        parts.append("<p>No build has been audited yet: <code>elt run</code> makes one.</p>")
    documented = documented_build(root / "dbt")
    if documented:
        parts.append(
            f"<p>{link('dbt/index.html', 'dbt docs')} (models, lineage, exposures, columns) of the last published"
            f" build, <code>{escape(documented)}</code>.</p>"
        )
    else:
        parts.append("<p>No dbt docs yet: <code>elt docs generate</code> writes them once a build is published.</p>")
    if verdicts:
        rows = [
            [
                _docs_link(v),
                _gate(v),
                str(v["evaluated"]),
                str(v["failed"]),
                str(v["warnings"]),
                ", ".join(link(href, title) for href, title in _charts(root / "gx", v).items()) or "-",
            ]
            for v in verdicts
        ]
        headers = ["build", "gate", "checks", "critical failures", "warnings", "charts"]
        parts += ["<h2>Builds kept</h2>", table(headers, rows)]
    index = root / "index.html"
    index.write_text(page("retail-elt docs", "\n".join(parts), STYLESHEET_NAME), encoding="utf-8")
    return index
