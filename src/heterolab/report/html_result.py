"""Rich display of one :class:`~heterolab.result.Result` in notebooks: an HTML card (status,
message, a table of quantities rounded to their errors, warnings, a figure thumbnail) and a
Markdown table. Every piece of user text is escaped.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from heterolab.result import Quantity, Result

__all__ = ["quantity_cells", "result_html", "result_markdown", "short_repr", "thumbnail_png"]

_STATUS_COLOURS = {"ok": "#1a7f37", "suspect": "#9a6700", "failed": "#cf222e"}


def quantity_cells(q: Quantity) -> tuple[str, str]:
    """``("value ± error", unit)`` with the value rounded to two significant digits of its
    error (the unit ``"1"`` shown as empty)."""
    from heterolab.result import Quantity

    text = str(Quantity(q.value, q.stderr, "1"))
    return text, "" if q.unit == "1" else q.unit


def short_repr(result: Result, limit: int = 3) -> str:
    """One line: kind, status and the first few quantities, e.g.
    ``<Result trpl.decay_fit [ok] tau_1=9.168 ± 0.029 ns, ... (+5 more)>``."""
    items = [*result.parameters.items(), *result.derived.items()]
    shown = ", ".join(f"{k}={q}" for k, q in items[:limit])
    more = f", ... (+{len(items) - limit} more)" if len(items) > limit else ""
    return f"<Result {result.kind} [{result.status}]" + (f" {shown}{more}" if shown else "") + ">"


def thumbnail_png(result: Result, dpi: int = 60) -> bytes | None:
    """PNG bytes of ``result.plot()`` at low resolution, or None when it has no curves."""
    if not result.curves:
        return None
    fig = result.plot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _rows_html(result: Result) -> str:
    rows = []
    for group, quantities in (("parameter", result.parameters), ("derived", result.derived)):
        for name, q in quantities.items():
            value, unit = quantity_cells(q)
            rows.append(
                f"<tr><td>{html.escape(name)}</td><td>{html.escape(value)}</td>"
                f"<td>{html.escape(unit)}</td><td>{group}</td></tr>"
            )
    return "".join(rows)


def result_html(result: Result, figure: bool = True) -> str:
    """HTML card of ``result`` (status badge, message, quantities, warnings, thumbnail)."""
    colour = _STATUS_COLOURS.get(result.status, "#57606a")
    parts = [
        '<div class="heterolab-result">',
        f"<strong>{html.escape(result.kind)}</strong> "
        f'<span style="color:{colour};font-weight:bold">[{html.escape(result.status)}]</span>',
    ]
    if result.message:
        parts.append(f"<div><em>{html.escape(result.message)}</em></div>")
    rows = _rows_html(result)
    if rows:
        parts.append(
            "<table><thead><tr><th>name</th><th>value ± error</th><th>unit</th>"
            f"<th>group</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    if result.warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in result.warnings)
        parts.append(f"<div>warnings:<ul>{items}</ul></div>")
    if figure and result.curves:
        parts.append(_thumbnail_html(result))
    parts.append("</div>")
    return "\n".join(parts)


def _thumbnail_html(result: Result) -> str:
    from heterolab.errors import HeterolabError

    try:
        png = thumbnail_png(result)
    except (HeterolabError, KeyError, ValueError) as exc:  # a display never raises
        return f"<div><em>figure unavailable: {html.escape(str(exc))}</em></div>"
    if png is None:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(result.kind)} figure" src="data:image/png;base64,{data}">'


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def result_markdown(result: Result) -> str:
    """Markdown of ``result``: heading with status, message, a quantity table, warnings."""
    lines = [f"**{_md(result.kind)}** [{result.status}]"]
    if result.message:
        lines += ["", f"*{_md(result.message)}*"]
    rows = [
        (name, *quantity_cells(q))
        for group in (result.parameters, result.derived)
        for name, q in group.items()
    ]
    if rows:
        lines += ["", "| name | value ± error | unit |", "|---|---|---|"]
        lines += [f"| {_md(n)} | {_md(v)} | {_md(u)} |" for n, v, u in rows]
    if result.warnings:
        lines += ["", *[f"- warning: {_md(w)}" for w in result.warnings]]
    return "\n".join(lines)
