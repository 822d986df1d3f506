"""Server-side SVG bar charts (nothing fetched, no script): every bar a link to the cases behind it.

Each row is a label line above its bar, drawn in a 360-unit-wide viewBox that scales with the page (390 px
phone) and stops growing at 440 px on a PC, so the Chinese labels stay 13–16 px at either size
(13 × 440 / 360).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, ROW, BAR, LABEL_GAP = 360, 44, 16, 18
COLOURS = {"main": "#1d5fa8", "late": "#c0392b", "on_time": "#2e8b57"}


@dataclass(frozen=True)
class Segment:
    value: int
    colour: str
    href: str
    name: str


@dataclass(frozen=True)
class Row:
    label: str
    segments: tuple[Segment, ...]


def bar_chart(title: str, rows: Sequence[Row], *, legend: Sequence[tuple[str, str]] = ()) -> str:
    """An accessible SVG: a title, one labelled (possibly stacked) bar per row, the numbers printed.

    A chart of nothing (no rows, or every count 0) says so in words instead of drawing empty bars."""
    if not any(s.value > 0 for row in rows for s in row.segments):
        return f'<p class="meta">{escape(title)}：本期无数据。</p>'
    top = 24 if legend else 0
    height = top + ROW * len(rows) + 4
    biggest = max(sum(s.value for s in row.segments) for row in rows) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'style="max-width:440px;height:auto" xmlns="http://www.w3.org/2000/svg" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    x = 0
    for name, colour in legend:
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="15">{escape(name)}</text>')
        x += 16 + 14 * len(name) + 12
    for index, row in enumerate(rows):
        y = top + index * ROW
        total = sum(s.value for s in row.segments)
        parts.append(f'<text x="0" y="{y + 14}">{escape(row.label)}（{total}）</text>')
        left = 0.0
        for seg in row.segments:
            if seg.value <= 0:
                continue
            width = max((WIDTH - 40) * seg.value / biggest, 2)
            parts.append(
                f'<a href="{escape(seg.href)}"><rect x="{left:.1f}" y="{y + LABEL_GAP + 4}" '
                f'width="{width:.1f}" height="{BAR}" fill="{seg.colour}">'
                f"<title>{escape(seg.name)}：{seg.value}</title></rect></a>"
            )
            left += width
        parts.append(f'<text x="{left + 4:.1f}" y="{y + LABEL_GAP + 17}">{total}</text>')
    parts.append("</svg>")
    return "".join(parts)
