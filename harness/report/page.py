"""The pages' HTML: one self-contained document, its CSS inline, no script, font or image fetched.

Everything shown is escaped here (:func:`esc`); plots arrive as SVG text
from :mod:`harness.report.plots` and are inlined as they are.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em 2em;
       color: #1d2330; background: #ffffff; max-width: 1300px; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #d8dde6; }
p.sub { color: #566074; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.88em; }
th, td { border: 1px solid #d8dde6; padding: 0.25em 0.6em; text-align: left;
         vertical-align: top; }
th { background: #eef1f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fde8e8; }
tr.diverged td { background: #fff4d6; }
tr.never td { background: #fde8e8; }
tr.no-success td { background: #fff4d6; }
.ok { color: #1b7a3a; } .reverted { color: #9a6a00; } .failed { color: #b3261e; font-weight: 600; }
.box { border-left: 4px solid #b3261e; background: #fdf3f2; padding: 0.6em 1em; margin: 0.8em 0; }
.box.warn { border-color: #c98a00; background: #fffaeb; }
.box.good { border-color: #1b7a3a; background: #eff8f1; }
pre { background: #f4f6f9; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.plots { display: flex; flex-wrap: wrap; gap: 0.5em; }
.plots svg { max-width: 100%; height: auto; }
"""


def esc(text: object) -> str:
    """``text`` as HTML text (quotes too)."""
    return html.escape(str(text), quote=True)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    numeric: Sequence[int] = (),
    row_classes: Sequence[str] | None = None,
) -> str:
    """A table; columns at ``numeric`` right-aligned, ``row_classes[i]`` on row ``i``."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes and row_classes[i] else ""
        cells = "".join(
            f'<td class="num">{esc(c)}</td>' if j in numeric else f"<td>{esc(c)}</td>"
            for j, c in enumerate(row)
        )
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def document(title: str, body: str) -> str:
    """The whole page: ``body`` (HTML) under ``title``, with the CSS inline."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )
