"""A build's Data Docs as a person reads them: served over HTTP by `elt docs serve`, with no asset from the
network, stating the gate's verdict, each failed check's severity and what it observed, showing the build's charts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape, unescape
from html.parser import HTMLParser
from urllib.parse import quote, urljoin
from urllib.request import urlopen

import pytest
from audit_build import BATCH_TIMES, BUILD, NEWEST_DAY_SALES_THREE_TIMES_OVER, Warehouse

from elt.quality import GateVerdict
from elt.settings import Settings
from tasks.charts import draw_charts

pytestmark = pytest.mark.timeout(300)


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """`elt docs serve` on a free port of 127.0.0.1, in its own process: its base URL while it runs."""
    command = [sys.executable, "-c", "from elt.cli import app; app()", "docs", "serve", "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ)
    try:
        assert server.stdout is not None
        output = []
        for line in server.stdout:
            output.append(line)
            if match := re.search(r" at (http://127\.0\.0\.1:\d+/) ", line):
                yield match[1]
                break
        else:
            pytest.fail("elt docs serve stopped before serving:\n" + "".join(output))
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(url: str) -> str:
    with urlopen(url) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


class _Assets(HTMLParser):
    """What a page loads from elsewhere: scripts, stylesheets and images with a remote address."""

    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if (tag, name) in {("script", "src"), ("link", "href"), ("img", "src")} and _remote(value or ""):
                self.remote.append(f"<{tag} {name}={value}>")


def _remote(address: str) -> bool:
    return address.startswith(("http://", "https://", "//"))


def _remote_assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.remote + re.findall(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", html)


def _site_pages(settings: Settings) -> list[str]:
    """Every page of the build's Data Docs, as a path of the docs site."""
    site = settings.gx_dir / BUILD
    return [quote(page.relative_to(settings.docs_dir).as_posix()) for page in sorted(site.rglob("*.html"))]


def _validate(settings: Settings, tables: tuple[str, ...]) -> GateVerdict:
    return Warehouse(settings.warehouse_path, settings.gx_dir).validate(tables=tables)


def test_the_data_docs_of_a_closed_build_show_the_verdict_severities_and_observed_values(settings: Settings) -> None:
    warehouse = Warehouse(settings.warehouse_path, settings.gx_dir)
    # The newest day's sales three times over: revenue above 2x the median (critical), 3 deviations (warning).
    warehouse.plant(NEWEST_DAY_SALES_THREE_TIMES_OVER)
    verdict = _validate(settings, ("mart_daily_revenue",))
    assert not verdict.passed and verdict.warnings
    (critical,), (warning,) = verdict.failed, verdict.warnings

    with served(settings) as base:
        front = _get(base)
        page = _get(urljoin(base, f"gx/{BUILD}/index.html"))
        pages = {path: _get(urljoin(base, path)) for path in _site_pages(settings)}

    assert f"gx/{BUILD}/index.html" in front and "CLOSED" in front
    assert f"Build {BUILD}: gate CLOSED on 1 critical failure" in page
    for failure, label in ((critical, "critical"), (warning, "warning")):
        row = page.split(f"<code>{failure.check}</code>", 1)[1].split("</tr>", 1)[0]
        assert failure.observed and escape(failure.observed) in row
        before = page.split(f"<code>{failure.check}</code>", 1)[0].rsplit("<tr>", 1)[1]
        assert f">{label}</span>" in before
    (warnings_page,) = [html for path, html in pages.items() if "%28warnings%29" in path and "validations" in path]
    assert "gate CLOSED" in warnings_page
    assert '<span class="elt-severity elt-warning">warning</span>' in warnings_page
    assert "a failure here is reported, it never closes the gate" in warnings_page
    assert {path: _remote_assets(html) for path, html in pages.items() if _remote_assets(html)} == {}


def test_the_data_docs_of_a_build_with_only_warnings_do_not_look_failed(settings: Settings) -> None:
    Warehouse(settings.warehouse_path, settings.gx_dir).plant(  # 60 malformed sales in the earlier batch: > 5%
        f"insert into {BUILD}.sales_quarantine_delta select 990000 + i, 'malformed_line', 'planted', 'planted-' || i,"
        f" timestamptz '{BATCH_TIMES[1]}' from range(60) t(i)"
    )
    verdict = _validate(settings, ("rpt_reconciliation",))
    assert verdict.passed
    (warning,) = verdict.warnings
    assert warning.check == "rpt_reconciliation.earlier_batch_quarantine_rate"

    with served(settings) as base:
        front = _get(base)
        page = _get(urljoin(base, f"gx/{BUILD}/index.html"))
        pages = [_get(urljoin(base, path)) for path in _site_pages(settings)]

    assert "CLOSED" not in front + page
    assert f"Build {BUILD}: gate open, {verdict.evaluated} checks evaluated, 1 warning" in page
    assert "<h2>Critical failures (0): they close the gate</h2>\n<p>None.</p>" in page
    row = page.split(f"<code>{warning.check}</code>", 1)[1].split("</tr>", 1)[0]
    assert warning.observed and escape(warning.observed) in row
    assert '<span class="elt-severity elt-warning">warning</span>' in page
    assert '<span class="elt-severity elt-critical">' not in "".join(pages), "no failure is labelled critical"
    assert all("gate open" in html for html in pages)
    assert [assets for html in [front, *pages] if (assets := _remote_assets(html))] == []


def test_a_builds_charts_are_served_as_svg_and_shown_on_its_pages(settings: Settings) -> None:
    charts = draw_charts.fn(settings, BUILD)  # before the gate, as the flow draws them: its pages show them
    verdict = _validate(settings, ("rpt_reconciliation",))
    assert verdict.passed

    with served(settings) as base:
        front = _get(base)
        page = _get(urljoin(base, f"gx/{BUILD}/index.html"))
        images = {}
        for path in charts.values():
            with urlopen(urljoin(base, quote(path.relative_to(settings.docs_dir).as_posix()))) as response:
                assert response.status == 200
                images[path.name] = (response.headers["Content-Type"], response.read())

    for name, title in (("revenue.svg", "Net revenue by day"), ("quarantine.svg", "Quarantine rate per batch")):
        assert f'<img src="charts/{name}" alt="{title}">' in page
        assert f'href="gx/{BUILD}/charts/{name}"' in front
        content_type, svg = images[name]
        assert content_type == "image/svg+xml"
        assert ET.fromstring(svg).findtext("{http://www.w3.org/2000/svg}title") == title
    assert [assets for html in (front, page) if (assets := _remote_assets(html))] == []


# What a person's browser does with the site: Chromium, headless, from Debian's package (`make test` installs it).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Only the docs server answers: a page that fetched anything from the network would render without it.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
# A page of the test's own in the site, as a person's browser would open the verdict page: once it has loaded,
# it writes into its own DOM what the browser made of it (the heading, the images that loaded and their sizes).
PROBE = """<!DOCTYPE html><html><body><iframe id="page" src="{page}" width="1200" height="900"></iframe>
<pre id="seen"></pre><script>
document.getElementById("page").addEventListener("load", () => {{
  const doc = document.getElementById("page").contentDocument;
  const images = [...doc.images].map(i => i.alt + "=" + i.naturalWidth + "x" + i.naturalHeight);
  const heading = doc.querySelector("h1");
  const color = heading ? getComputedStyle(heading).backgroundColor : "";
  document.getElementById("seen").textContent = JSON.stringify({{title: doc.title, color, images}});
}});
</script></body></html>"""


def _in_a_browser(url: str) -> dict:
    """What Chromium rendered of ``url`` through the probe: the page's title, its heading's colour, its images."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            OFFLINE,
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = re.search(r'<pre id="seen">(.*?)</pre>', result.stdout, re.S)
    assert seen and seen[1], result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads(unescape(seen[1]))


@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (Debian package chromium; `make test` installs it)"
)
def test_a_browser_shows_a_closed_builds_verdict_in_colour_and_its_charts_offline(settings: Settings) -> None:
    draw_charts.fn(settings, BUILD)
    Warehouse(settings.warehouse_path, settings.gx_dir).plant(  # 20% of the newest batch's sales quarantined
        f"insert into {BUILD}.sales_quarantine_delta select 990000 + i, 'malformed_line', 'planted', 'planted-' || i,"
        f" timestamptz '{BATCH_TIMES[2]}' from range(25) t(i)"
    )
    verdict = _validate(settings, ("rpt_reconciliation",))
    assert not verdict.passed
    (settings.docs_dir / "probe.html").write_text(PROBE.format(page=f"gx/{BUILD}/index.html"), encoding="utf-8")

    with served(settings) as base:
        seen = _in_a_browser(urljoin(base, "probe.html"))

    assert seen["title"].startswith(f"Build {BUILD}: gate CLOSED on 1 critical failure")
    assert seen["color"] == "rgb(253, 236, 234)", "the site's own stylesheet loaded: a closed verdict on red"
    loaded = dict(image.rsplit("=", 1) for image in seen["images"])
    assert set(loaded) == {"Net revenue by day", "Quarantine rate per batch"}
    assert all(size != "0x0" for size in loaded.values()), f"every chart loaded and drew: {loaded}"
