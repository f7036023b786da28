"""HTML helpers of the sweep report: the page template (Jinja2, autoescaped), escaping,
tables, cells, figures as data URIs, notes, and the bundled CJK font as a @font-face."""

from __future__ import annotations

import base64
import html
from functools import lru_cache
from pathlib import Path

import jinja2
import numpy as np
from markupsafe import Markup

from sim.sweep.figures import CJK_FAMILY, FONT_FILE

E = html.escape
TEMPLATES = Path(__file__).resolve().parent / "templates"
# Chinese from the bundled subset (sim/sweep/fonts/, embedded below), so a machine without CJK
# fonts shows the park names; then the Latin fonts and the usual system CJK fonts for the rest.
# The embedded face has a CJK unicode-range, so Latin text never uses it even though it is
# named first: named after the Latin fonts, Chrome (Linux) falls back to system fonts for
# Chinese next to Latin text ('(亿元)' showed boxes) instead of going down this list.
CJK_RANGE = "U+2E80-9FFF,U+F900-FAFF,U+FE30-FE4F,U+FF00-FFEF"
FONTS = f'"{CJK_FAMILY}",system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif'
CSS = f"""
body{{font-family:{FONTS};
margin:2em auto;max-width:1150px;padding:0 1em;color:#222;line-height:1.45}}
h1{{font-size:1.6em}}h2{{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}}
table{{border-collapse:collapse;margin:.6em 0;font-size:.88em}}
th,td{{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}}
th{{background:#f4f4f4}}td.num{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}
td.name{{white-space:nowrap}}div.wide{{overflow-x:auto}}.nobr{{white-space:nowrap}}
ul.verdict{{font-size:1.05em;padding-left:1.2em}}ul.verdict li{{margin:.25em 0}}td.job{{min-width:11em}}nav ol{{columns:2;max-width:52em}}
table.scorecard{{table-layout:fixed;width:100%;font-size:.84em}}table.scorecard th{{font-weight:600;overflow-wrap:anywhere;hyphens:auto}}
table.scorecard th:first-child{{width:22%}}table.scorecard td{{overflow-wrap:break-word}}
table.scorecard td.num{{white-space:normal;padding:.25em .35em}}
img{{max-width:100%;height:auto}}figure{{margin:1em 0}}figcaption{{font-size:.85em;color:#555}}
.note{{background:#fff8e1;border-left:4px solid #f0b400;padding:.4em .8em}}
pre{{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.8em}}code{{font-size:.92em}}
details{{margin:.3em 0}}summary{{cursor:pointer}}
""".strip()


@lru_cache(maxsize=1)
def font_face() -> str:
    """The bundled CJK subset as a @font-face with a base64 data URL (the page stays self-contained)."""
    data = base64.b64encode(FONT_FILE.read_bytes()).decode("ascii")
    return (f'@font-face{{font-family:"{CJK_FAMILY}";src:url(data:font/ttf;base64,{data}) format("truetype");'
            f"unicode-range:{CJK_RANGE};font-display:swap}}")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Templates of sim/sweep/templates/, autoescaped: a value is escaped unless it is Markup."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **values) -> str:
    return environment().get_template(template).render(**values)


def safe(fragment: str) -> Markup:
    """An HTML fragment built (and escaped) by the section functions, for the template."""
    return Markup(fragment)


def table(header: list[str], rows: list[list[str]], raw: bool = False, cls: str = "") -> str:
    """An HTML table; cells (and header) are escaped unless raw (then they are already HTML)."""
    cell = (lambda c: c) if raw else (lambda c: f"<td>{E(str(c))}</td>")
    head = "".join(f"<th>{h if raw else E(h)}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in rows)
    return f'<div class="wide"><table{f' class="{cls}"' if cls else ""}>\n<tr>{head}</tr>\n{body}\n</table></div>'


def is_number(text: str) -> bool:
    """'2,000,000', '4e6', '0.05', 'inf': a number as a label shows it."""
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def in_number(text: str, i: int) -> bool:
    """Whether text[i] is a number's decimal point ('0.05') or thousands separator
    ('2,000,000': a comma after a digit and before three digits and no fourth)."""
    if i == 0 or not text[i - 1].isdigit():
        return False
    if text[i] == ".":
        return text[i + 1:i + 2].isdigit()
    group = text[i + 1:i + 4]
    return text[i] == "," and len(group) == 3 and group.isdigit() and not text[i + 4:i + 5].isdigit()


def breakable(text: str, after: str = "_.,") -> str:
    """`text` escaped, with a line-break opportunity (<wbr>) after each separator in `after`
    but inside a number (`in_number`), and nowhere else: a long key, directory name or
    command wraps at its separators, never inside '2,000,000' or '0.05'."""
    out = []
    for i, c in enumerate(text):
        out.append(E(c))
        if c in after and not in_number(text, i):
            out.append("<wbr>")
    return "".join(out)


def label_part(part: str) -> str:
    """One override of a job's label, 'key=value', as HTML that wraps only at separators: the
    key after its '_' and '.', after '=', and a value that is a number ('2,000,000') never (a
    list or schedule after its commas)."""
    key, eq, value = part.partition("=")
    if not eq:
        return breakable(key, "_.")
    shown = f'<span class="nobr">{E(value)}</span>' if is_number(value) else breakable(value, ",")
    return f"{breakable(key, '_.')}=<wbr>{shown}"


def job_header(job) -> str:
    """A job as a table cell or header: one override a line, each wrapping only at its
    separators (`label_part`)."""
    return "<br>".join(label_part(p) for p in job.parts)


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
