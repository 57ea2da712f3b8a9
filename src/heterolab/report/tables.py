"""Tables for papers: chosen quantities of several results, rounded to their uncertainty.

:func:`results_table` is a pure function (rows in, text or bytes out) that the ``heterolab
results ... --table tau_1,eta --format md|latex|csv|xlsx`` command calls:

- values are rounded to two significant digits of their standard error (``8.08 ± 0.12``),
  the convention of the GUM (JCGM 100:2008, 7.2.6) and of :class:`heterolab.result.Quantity`;
- units sit in the column headers (``tau_1 (ns)``), never in the cells;
- warnings and failed/suspect statuses become numbered footnotes (one number per distinct
  text);
- CSV and XLSX keep the full-precision value and standard error in their own columns next to
  the rounded text.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from heterolab.errors import ParameterError
from heterolab.result import Quantity

__all__ = ["FORMATS", "TableRow", "results_table", "rounded"]

FORMATS = ("md", "latex", "csv", "xlsx")
_MISSING = "–"


@dataclass(frozen=True)
class TableRow:
    """One row: a label (sample or step), its quantities by name, warnings and status."""

    label: str
    quantities: Mapping[str, Quantity]
    warnings: Sequence[str] = field(default_factory=tuple)
    status: str = "ok"
    message: str = ""

    def notes(self) -> list[str]:
        """Footnote texts of this row: a not-ok status with its message, then warnings."""
        out = [f"{self.status}: {self.message}".rstrip(": ")] if self.status != "ok" else []
        return out + [w for w in self.warnings if w]


def rounded(q: Quantity) -> str:
    """``"8.08 ± 0.12"`` (no unit): the value rounded to two significant digits of its error;
    ``6 significant digits`` when there is no error."""
    return str(Quantity(q.value, q.stderr, "1"))


def _units(rows: Sequence[TableRow], names: Sequence[str]) -> dict[str, str | None]:
    """Header unit of each column, None when rows disagree (then each cell shows its unit)."""
    out: dict[str, str | None] = {}
    for n in names:
        units = {r.quantities[n].unit for r in rows if n in r.quantities}
        out[n] = units.pop() if len(units) == 1 else (None if units else "1")
    return out


def _header(name: str, unit: str | None) -> str:
    return name if unit in (None, "1", "") else f"{name} ({unit})"


def _cell(q: Quantity | None, header_unit: str | None) -> str:
    if q is None:
        return _MISSING
    text = rounded(q)
    return text if header_unit is not None or q.unit == "1" else f"{text} {q.unit}"


def _footnotes(rows: Sequence[TableRow]) -> tuple[list[list[int]], list[str]]:
    """Per row the footnote numbers, and the distinct footnote texts in order."""
    texts: list[str] = []
    marks = []
    for r in rows:
        nums = []
        for t in r.notes():
            if t not in texts:
                texts.append(t)
            nums.append(texts.index(t) + 1)
        marks.append(nums)
    return marks, texts


def _check(rows: Sequence[TableRow], names: Sequence[str], fmt: str) -> None:
    if fmt not in FORMATS:
        raise ParameterError(f"table format {fmt!r} is not one of {', '.join(FORMATS)}")
    if not names:
        raise ParameterError("no quantity names given for the table (e.g. tau_1,eta)")
    known = {n for r in rows for n in r.quantities}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ParameterError(
            f"no result has {', '.join(map(repr, unknown))}; known quantities: "
            f"{', '.join(sorted(known)) or 'none'}"
        )


def results_table(
    rows: Sequence[TableRow],
    names: Sequence[str],
    fmt: str = "md",
    *,
    label_header: str = "sample",
) -> str | bytes:
    """The table of quantities ``names`` over ``rows`` in format ``fmt``.

    Parameters
    ----------
    rows
        One :class:`TableRow` per sample or step.
    names
        Quantity names, one column each, in order.
    fmt
        ``"md"`` (GitHub Markdown with ``[^n]`` footnotes), ``"latex"`` (booktabs tabular,
        ``$8.08 \\pm 0.12$``), ``"csv"`` (rounded text plus full-precision value and stderr
        columns, warnings in a column) or ``"xlsx"`` (same columns, numbers as numbers;
        needs ``openpyxl`` from ``heterolab[report]``; returned as bytes).
    label_header
        Header of the first column.

    Raises
    ------
    ParameterError
        Unknown format, no names, or a name that no row has (the known names are listed).
    """
    _check(rows, names, fmt)
    units = _units(rows, names)
    if fmt == "md":
        return _markdown(rows, names, units, label_header)
    if fmt == "latex":
        return _latex(rows, names, units, label_header)
    header, body = _flat(rows, names, units, label_header)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows([[_safe_csv(c) for c in row] for row in body])
        return buf.getvalue()
    return _xlsx(header, body)


# ---------------------------------------------------------------------- markdown
def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(rows, names, units, label_header) -> str:
    marks, notes = _footnotes(rows)
    head = [label_header, *(_header(n, units[n]) for n in names)]
    lines = [
        "| " + " | ".join(_md(h) for h in head) + " |",
        "|" + "---|" + "---:|" * len(names),
    ]
    for r, m in zip(rows, marks, strict=True):
        label = _md(r.label) + "".join(f"[^{i}]" for i in m)
        cells = [_cell(r.quantities.get(n), units[n]) for n in names]
        lines.append("| " + " | ".join([label, *map(_md, cells)]) + " |")
    if notes:
        lines.append("")
        lines += [f"[^{i}]: {_md(t)}" for i, t in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- latex
_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "µ": r"\textmu{}",
}
_TEX_RE = re.compile("|".join(re.escape(k) for k in _TEX))
_SCI = re.compile(r"^\((.*) ± (.*)\)e([+-]\d+)$")


def _tex(text: str) -> str:
    return _TEX_RE.sub(lambda m: _TEX[m.group(0)], text)


def _tex_number(text: str) -> str:
    if text == _MISSING:
        return "--"
    m = _SCI.match(text)
    if m:
        return f"$({m.group(1)} \\pm {m.group(2)})\\times 10^{{{int(m.group(3))}}}$"
    parts = text.split(" ± ")
    unit = ""
    if len(parts) == 2 and " " in parts[1]:
        parts[1], unit = parts[1].split(" ", 1)
        unit = f"~{_tex(unit)}"
    return "$" + " \\pm ".join(parts) + "$" + unit


def _latex(rows, names, units, label_header) -> str:
    marks, notes = _footnotes(rows)
    head = [_tex(label_header), *(_tex(_header(n, units[n])) for n in names)]
    lines = [
        r"\begin{tabular}{l" + "r" * len(names) + "}",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
    ]
    for r, m in zip(rows, marks, strict=True):
        label = _tex(r.label) + (f"\\textsuperscript{{{','.join(map(str, m))}}}" if m else "")
        cells = [_tex_number(_cell(r.quantities.get(n), units[n])) for n in names]
        lines.append(" & ".join([label, *cells]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    lines += [f"\\par\\noindent\\textsuperscript{{{i}}} {_tex(t)}" for i, t in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- csv / xlsx
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _safe_csv(cell: object) -> object:
    """Text starting like a spreadsheet formula gets a leading ``'`` (OWASP CSV injection);
    numbers are left as numbers."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(_FORMULA) else cell


def _num(x: float | None) -> float | str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _flat(rows, names, units, label_header) -> tuple[list[str], list[list[object]]]:
    header: list[str] = [label_header]
    for n in names:
        unit = units[n] if units[n] is not None else "see cells"
        header += [
            _header(n, units[n]),
            _header(f"{n} value", unit),
            _header(f"{n} stderr", unit),
        ]
    header += ["status", "notes"]
    body = []
    for r in rows:
        line: list[object] = [r.label]
        for n in names:
            q = r.quantities.get(n)
            line += [
                _cell(q, units[n]),
                *(("", "") if q is None else (_num(q.value), _num(q.stderr))),
            ]
        line += [r.status, "; ".join(r.notes())]
        body.append(line)
    return header, body


def _xlsx(header: list[str], body: list[list[object]]) -> bytes:
    try:
        from openpyxl import Workbook
    except ImportError:
        raise ParameterError(
            "the xlsx format needs openpyxl: pip install 'heterolab[report]' (or use csv)"
        ) from None
    wb = Workbook()
    ws = wb.active
    ws.title = "results"
    ws.append(header)
    for row in body:
        ws.append([_safe_csv(c) for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
