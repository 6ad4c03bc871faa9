"""The pages we write ourselves (a build's verdict, the site's index) and the stylesheet every page reads.

Written without any asset from elsewhere, so the docs site reads the same offline, from a bucket or a laptop.
"""

from __future__ import annotations

import shutil
from html import escape
from pathlib import Path

STYLESHEET = Path(__file__).with_name("docs.css")
STYLESHEET_NAME = "elt_docs.css"


def copy_stylesheet(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(STYLESHEET, folder / STYLESHEET_NAME))


def page(title: str, body: str, stylesheet: str) -> str:
    """A whole HTML page: ``body`` is markup already escaped, ``stylesheet`` the href of our stylesheet."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{escape(stylesheet)}">\n'
        f'</head>\n<body class="elt-page">\n{body}\n</body>\n</html>\n'
    )


def link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def figures(charts: dict[str, str]) -> str:
    """Each chart (its href -> title) as an image that links to its file."""
    return "\n".join(
        f'<figure class="elt-chart"><a href="{escape(href)}"><img src="{escape(href)}" alt="{escape(title)}"></a>'
        f"<figcaption>{escape(title)}</figcaption></figure>"
        for href, title in charts.items()
    )


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A table of cells already escaped (they may hold links)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"
