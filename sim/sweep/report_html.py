"""HTML helpers of the sweep report: escaping, tables, cells, figures as data URIs, notes."""

from __future__ import annotations

import base64
import html

import numpy as np

E = html.escape
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:2em auto;max-width:1150px;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name{white-space:nowrap}div.wide{overflow-x:auto}
img{max-width:100%;height:auto}figure{margin:1em 0}figcaption{font-size:.85em;color:#555}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4em .8em}
pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.8em}code{font-size:.92em}
details{margin:.3em 0}summary{cursor:pointer}
""".strip()


def table(header: list[str], rows: list[list[str]], raw: bool = False) -> str:
    """An HTML table; cells (and header) are escaped unless raw (then they are already HTML)."""
    cell = (lambda c: c) if raw else (lambda c: f"<td>{E(str(c))}</td>")
    head = "".join(f"<th>{h if raw else E(h)}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in rows)
    return f'<div class="wide"><table>\n<tr>{head}</tr>\n{body}\n</table></div>'


def job_header(job) -> str:
    """A job as a table header: one override a line."""
    return "<br>".join(E(p) for p in job.parts)


def td(text: str, cls: str = "", style: str = "", title: str = "") -> str:
    attrs = (f' class="{cls}"' if cls else "") + (f' style="{style}"' if style else "") + (f' title="{E(title)}"' if title else "")
    return f"<td{attrs}>{E(text)}</td>"


def figure_html(png: bytes, name: str, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{E(alt)}">'
            f'<figcaption>{E(caption)} Files: figures/{E(name)}.png, figures/{E(name)}.svg.</figcaption></figure>')


def note(text: str) -> str:
    return f'<p class="note">{E(text)}</p>'


def yi(x) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:,.0f}"
