"""The pyramid drawn as an SVG tree: each tier a row, each council a box with its seats.

Server-side and dependency-free, so the page works without JavaScript. The nested list on the same
page is the text equivalent for screen readers; the picture is marked as an image with a summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 150, 46, 14, 56, 10
MAX_BOXES_PER_ROW = 40


@dataclass(frozen=True)
class Box:
    key: str
    name: str
    level: int
    parent: str | None
    members: int
    seats: int
    url: str


def pyramid_svg(boxes: Sequence[Box], title: str) -> str:
    levels = sorted({b.level for b in boxes}, reverse=True)
    # Leave out the lowest rows while a row is too wide to read; the list below has them all.
    while (
        len(levels) > 1
        and max(sum(1 for b in boxes if b.level == lv) for lv in levels) > MAX_BOXES_PER_ROW
    ):
        levels = levels[:-1]
    shown = [b for b in boxes if b.level in levels]
    children: dict[str | None, list[Box]] = {}
    for b in shown:
        children.setdefault(b.parent if b.level != levels[0] else None, []).append(b)
    # Lay leaves out left to right in tree order; centre every parent over its children.
    x: dict[str, float] = {}
    next_x = [0.0]

    def place(b: Box) -> None:
        kids = children.get(b.key, [])
        for k in kids:
            place(k)
        if kids:
            x[b.key] = (x[kids[0].key] + x[kids[-1].key]) / 2
        else:
            x[b.key] = next_x[0]
            next_x[0] += BOX_W + GAP_X

    for root in children.get(None, []):
        place(root)
    width = max(next_x[0] - GAP_X, BOX_W) + 2 * PAD
    height = len(levels) * (BOX_H + GAP_Y) - GAP_Y + 2 * PAD
    row = {lv: i for i, lv in enumerate(levels)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="pyr-title">',
        # No <style> here: the site's Content-Security-Policy refuses inline styles, so the
        # picture's look lives in site.css (figure.pyramid).
        f'<title id="pyr-title">{escape(title)}</title>',
    ]
    by_key = {b.key: b for b in shown}
    for b in shown:
        if b.parent in by_key and b.level != levels[0]:
            p = by_key[b.parent]
            parts.append(
                f'<line x1="{PAD + x[b.key] + BOX_W / 2:.1f}" y1="{PAD + row[b.level] * (BOX_H + GAP_Y):.1f}" '
                f'x2="{PAD + x[p.key] + BOX_W / 2:.1f}" y2="{PAD + row[p.level] * (BOX_H + GAP_Y) + BOX_H:.1f}"/>'
            )
    for b in shown:
        bx, by = PAD + x[b.key], PAD + row[b.level] * (BOX_H + GAP_Y)
        name = b.name if len(b.name) <= 22 else b.name[:21] + "…"
        detail = _("%(members)s members") % {"members": b.members}
        if b.parent is not None:
            detail += " · " + _("%(seats)s seats") % {"seats": b.seats}
        parts.append(
            f'<a href="{escape(b.url)}"><rect x="{bx:.1f}" y="{by:.1f}" width="{BOX_W}" height="{BOX_H}" rx="5"/>'
            f'<text x="{bx + 8:.1f}" y="{by + 18:.1f}">{escape(name)}</text>'
            f'<text class="s" x="{bx + 8:.1f}" y="{by + 36:.1f}">{escape(detail)}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)
