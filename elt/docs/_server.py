"""``elt docs serve``: the docs site over HTTP, with the Python standard library only.

Browsers refuse file:// links from an http page (the Prefect UI, Slack), and dbt's docs page reads its JSON with
requests that file:// does not allow; a plain static server of the site's folder is all either needs.
"""

from __future__ import annotations

from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from elt.docs._site_index import write_site_index


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serves the site's folder; its front page is written again on each visit, so new builds show."""

    root: Path

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] in ("/", "/index.html"):
            write_site_index(self.root)
        super().do_GET()


def docs_server(root: Path, host: str, port: int) -> ThreadingHTTPServer:
    """A server of ``root`` bound to ``host:port`` (port 0: a free one), ready for ``serve_forever``."""
    root.mkdir(parents=True, exist_ok=True)
    write_site_index(root)
    handler = type("SiteHandler", (_SiteHandler,), {"root": root})
    return ThreadingHTTPServer((host, port), partial(handler, directory=str(root)))
