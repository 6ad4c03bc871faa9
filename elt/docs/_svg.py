"""The pieces our charts are drawn with, as plain SVG: a frame with its axes, lines, markers, text, a legend.

No plotting library and no script: the files are a few kilobytes, read offline in any browser and show as images
in the Prefect UI's markdown. Text is escaped as on our HTML pages (``html.escape`` output is valid XML).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 84, 24, 80, 44
INK, MUTED, GRID = "#1d2329", "#5b6670", "#d5dbe1"
# One colour per series, in order; they stay apart for the common colour-vision deficiencies.
PALETTE = ("#0b5cad", "#c2410c", "#2e7d32", "#6a1b9a", "#00838f", "#8d6e63")
_INSET = 14  # keeps the first and last markers off the axes
_STYLE = (
    f"text{{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:12px;fill:{INK}}}"
    f".title{{font-size:16px;font-weight:600}}.muted{{fill:{MUTED}}}.value{{font-weight:600}}"
)


def ticks_up_to(top: float, count: int = 5) -> list[float]:
    """0 and about ``count`` round steps (1, 2, 2.5 or 5 times a power of ten) reaching at least ``top`` (> 0)."""
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


@dataclass(frozen=True)
class Frame:
    """The plot area: ``span`` units across (0 at the left), ``top`` the value at the top."""

    span: float
    top: float

    def x(self, at: float) -> float:
        width = WIDTH - LEFT - RIGHT - 2 * _INSET
        return LEFT + _INSET + (width / 2 if self.span == 0 else width * at / self.span)

    def y(self, value: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / self.top


def axes(
    frame: Frame,
    y_ticks: Sequence[float],
    y_label: Callable[[float], str],
    x_labels: Sequence[tuple[float, str]],
    *,
    y_title: str,
    x_title: str,
) -> list[str]:
    """Grid lines with the value of each, the axes, the labels along the bottom and both axes' titles."""
    parts = []
    for tick in y_ticks:
        y = frame.y(tick)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(text(LEFT - 8, y + 4, y_label(tick), anchor="end"))
    bottom = HEIGHT - BOTTOM
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}" stroke="{INK}"/>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}" stroke="{INK}"/>')
    parts += [text(frame.x(at), bottom + 17, label, anchor="middle") for at, label in x_labels]
    parts.append(text((LEFT + WIDTH - RIGHT) / 2, HEIGHT - 6, x_title, anchor="middle", css="muted"))
    middle = (TOP + bottom) / 2
    parts.append(
        f'<text x="16" y="{middle:.1f}" text-anchor="middle" class="muted"'
        f' transform="rotate(-90 16 {middle:.1f})">{escape(y_title)}</text>'
    )
    return parts


def every_nth(count: int, most: int = 8) -> list[int]:
    """Which of ``count`` positions to label so that about ``most`` labels share the axis; the last always."""
    step = math.ceil(count / most)
    return [*range(0, count - 1 - step // 2, step), count - 1]


def line(points: Sequence[tuple[float, float]], colour: str, *, dashed: bool = False) -> str:
    drawn = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    return f'<polyline points="{drawn}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'


def marker(x: float, y: float, colour: str, tooltip: str) -> str:
    """A point of a series; its tooltip states the value exactly."""
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(tooltip)}</title></circle>'


def text(x: float, y: float, content: str, *, anchor: str = "start", css: str = "", colour: str = "") -> str:
    css_attr = f' class="{css}"' if css else ""
    fill = f' style="fill:{colour}"' if colour else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{css_attr}{fill}>{escape(content)}</text>'


def legend(entries: Sequence[tuple[str, str, bool]]) -> list[str]:
    """Entries (label, colour, dashed) in a row at the top right, right-aligned."""
    parts, right = [], WIDTH - RIGHT
    for label, colour, dashed in reversed(entries):
        left = right - 7 * len(label)  # about the width of 12px text
        parts.append(text(right, 64, label, anchor="end"))
        parts.append(line([(left - 26, 60), (left - 6, 60)], colour, dashed=dashed))
        right = left - 40
    return ['<g class="legend">', *parts, "</g>"]


def document(title: str, subtitle: str, body: Sequence[str]) -> str:
    """A whole SVG file: the title as its accessible name and heading, the subtitle under it, then ``body``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"'
        ' role="img" aria-labelledby="chart-title chart-desc">\n'
        f'<title id="chart-title">{escape(title)}</title>\n<desc id="chart-desc">{escape(subtitle)}</desc>\n'
        f"<style>{_STYLE}</style>\n"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>\n'
        f"{text(16, 26, title, css='title')}\n{text(16, 46, subtitle, css='muted')}\n" + "\n".join(body) + "\n</svg>\n"
    )
