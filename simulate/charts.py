"""Inline SVG bar charts and the page around them: the HTML report needs nothing from a CDN
and opens anywhere, even without a network."""

from __future__ import annotations

from html import escape

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 22, 8, 190, 360, 90
COLOURS = ("#2f6f9f", "#3f8f6f", "#9f6f2f", "#8f3f6f", "#5f5f9f", "#6f8f2f")
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #1d2430; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.8em; font-size: 1.2em; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr));
          gap: 1.2em; }
figure { margin: 0; padding: .8em; border: 1px solid #dde3ea; border-radius: 8px; }
figcaption { font-weight: 600; margin-bottom: .5em; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
td, th { padding: .28em .6em; border-bottom: 1px solid #eef1f4; text-align: left; }
.figures td:nth-child(2), .figures td:nth-child(3) { text-align: right;
                                                      font-variant-numeric: tabular-nums; }
tr.group th { background: #f4f6f9; }
.ok { color: #2b7a3d; font-weight: 700; } .bad { color: #b3261e; font-weight: 700; }
svg text { font: 13px system-ui, sans-serif; fill: #1d2430; }
"""


def hbars(title: str, rows: list[tuple[str, float, str]]) -> str:
    """A horizontal bar per row: (label, value, the value as shown)."""
    biggest = max((value for _, value, _ in rows), default=0.0) or 1.0
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    bars = []
    for n, (label, value, shown) in enumerate(rows):
        y = GAP + n * (BAR_HEIGHT + GAP)
        length = max(1.0, value / biggest * BAR_WIDTH) if value > 0 else 0.0
        colour = COLOURS[n % len(COLOURS)]
        bars.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'rx="3" fill="{colour}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 16}">{escape(shown)}</text>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">{"".join(bars)}</svg>'
    )
    return f"<figure><figcaption>{escape(title)}</figcaption>{svg}</figure>"


def page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )
