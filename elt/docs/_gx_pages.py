"""Great Expectations' Data Docs pages, made to read offline and to say which failures are only warnings.

GX 1.x renders a validation red when any expectation fails, whatever its severity, and its pages load about ten
scripts and stylesheets from CDNs (bootstrap, jQuery, font-awesome, vega). The gate runs each table's checks as
one suite per severity (``fct_sales (critical)``, ``fct_sales (warnings)``); here each page loses every remote
asset and script (they only filter and collapse what plain HTML shows anyway), gains our stylesheet and a banner
with the gate's verdict, and each failed check on it is labelled with its severity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from pathlib import Path

from elt.docs._pages import STYLESHEET_NAME, copy_stylesheet
from elt.settings import Severity

_SUITE = re.compile(r"(?P<table>.+) \((?P<label>critical|warnings)\)")
_LABELS = {Severity.CRITICAL: "critical", Severity.WARNING: "warnings"}

_SCRIPTS = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_REMOTE_TAGS = re.compile(r"<(?:link|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)
_REMOTE_CSS = re.compile(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", re.IGNORECASE)
_FAILED_ICON = re.compile(r"<i class=\"fas fa-times text-danger\"[^>]*></i>")
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)

STATIC = Path("static") / "styles"


def suite_name(table: str, severity: Severity) -> str:
    """The suite of ``table``'s checks of one severity, as Data Docs names its pages."""
    return f"{table} ({_LABELS[severity]})"


def suite_severity(name: str) -> Severity | None:
    match = _SUITE.fullmatch(name)
    return None if match is None else next(s for s, label in _LABELS.items() if label == match["label"])


def validation_pages(site: Path) -> dict[str, Path]:
    """Each suite's validation result page, relative to the site: ``validations/<suite>/<run>/<time>/<batch>``."""
    return {page.parents[2].name: page.relative_to(site) for page in site.glob("validations/*/*/*/*.html")}


def make_offline(site: Path, verdict: str) -> None:
    """Rewrite every GX page of ``site`` (but its index, which the verdict page replaces) to read without the
    network, with the gate's ``verdict`` (plain text) at its top, linked to the verdict page."""
    copy_stylesheet(site / STATIC)
    for page in _html_pages(site):
        relative = page.relative_to(site)
        severity = suite_severity(relative.parts[1]) if relative.parts[0] == "validations" else None
        page.write_text(_offline(page.read_text(encoding="utf-8"), relative, verdict, severity), encoding="utf-8")


def _html_pages(site: Path) -> Iterator[Path]:
    yield from (p for p in site.rglob("*.html") if p != site / "index.html")


def _offline(html: str, relative: Path, verdict: str, severity: Severity | None) -> str:
    up = "../" * (len(relative.parts) - 1)
    html = _REMOTE_CSS.sub("none", _REMOTE_TAGS.sub("", _SCRIPTS.sub("", html)))
    stylesheet = f'<link rel="stylesheet" href="{up}{(STATIC / STYLESHEET_NAME).as_posix()}"/>\n'
    html = html.replace("</head>", stylesheet + "</head>", 1)
    banner = f'<p>{escape(verdict)}: <a href="{up}index.html">the gate\'s verdict</a></p>'
    if severity is not None:
        label = severity.value
        tag = f'<span class="elt-severity elt-{label}">{label}</span>'
        html = _FAILED_ICON.sub(lambda icon: icon[0] + tag, html)
        banner += f'<p class="elt-{label}">{_SEVERITY_NOTES[severity]}</p>'
    return _BODY.sub(lambda body: f'{body[0]}\n<div class="elt-banner">{banner}</div>', html, count=1)


_SEVERITY_NOTES = {
    Severity.CRITICAL: "The checks on this page are critical: any failure here closes the gate.",
    Severity.WARNING: "The checks on this page are warnings: a failure here is reported, it never closes the gate.",
}
