"""Tables for papers: rounded to the uncertainty, units in headers, warnings as footnotes,
full precision kept in CSV/XLSX (#15)."""

from __future__ import annotations

import csv
import io

import pytest

from heterolab.errors import ParameterError
from heterolab.report.tables import TableRow, results_table
from heterolab.result import Quantity

ROWS = [
    TableRow(
        "PbS 1:3",
        {"tau_1": Quantity(8.0812345, 0.1234567, "ns"), "eta": Quantity(0.80412, 0.01234, "1")},
    ),
    TableRow(
        "試料B",
        {"tau_1": Quantity(1.79581, 0.00351, "ns")},
        warnings=("tau_1 disagrees with the published 1.5 ns",),
    ),
    TableRow(
        "=cmd|' /C calc'!A0",
        {"tau_1": Quantity(123456.0, 789.0, "ns")},
        status="suspect",
        message="parameter at a bound",
    ),
]


def test_markdown_rounds_to_the_error_with_units_in_headers_and_footnotes():
    md = results_table(ROWS, ["tau_1", "eta"], "md")
    lines = md.splitlines()
    assert lines[0] == "| sample | tau_1 (ns) | eta |"
    assert lines[2] == "| PbS 1:3 | 8.08 ± 0.12 | 0.804 ± 0.012 |"
    assert lines[3] == "| 試料B[^1] | 1.7958 ± 0.0035 | – |"
    assert lines[4] == "| =cmd\\|' /C calc'!A0[^2] | (1.2346 ± 0.0079)e+05 | – |"
    assert "[^1]: tau_1 disagrees with the published 1.5 ns" in lines
    assert "[^2]: suspect: parameter at a bound" in lines


def test_latex_uses_pm_escapes_text_and_numbers_footnotes():
    tex = results_table(ROWS, ["tau_1", "eta"], "latex", label_header="film")
    assert r"film & tau\_1 (ns) & eta \\" in tex
    assert r"PbS 1:3 & $8.08 \pm 0.12$ & $0.804 \pm 0.012$ \\" in tex
    assert r"試料B\textsuperscript{1} & $1.7958 \pm 0.0035$ & -- \\" in tex
    assert r"$(1.2346 \pm 0.0079)\times 10^{5}$" in tex
    assert r"\textsuperscript{2} suspect: parameter at a bound" in tex
    assert tex.startswith(r"\begin{tabular}{lrr}")


def test_csv_keeps_full_precision_and_neutralises_formulas():
    text = results_table(ROWS, ["tau_1"], "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "sample",
        "tau_1 (ns)",
        "tau_1 value (ns)",
        "tau_1 stderr (ns)",
        "status",
        "notes",
    ]
    assert rows[1][:4] == ["PbS 1:3", "8.08 ± 0.12", "8.0812345", "0.1234567"]
    assert float(rows[2][2]) == 1.79581
    assert rows[3][0].startswith("'=")
    assert rows[2][5] == "tau_1 disagrees with the published 1.5 ns"


def test_xlsx_has_numbers_as_numbers():
    openpyxl = pytest.importorskip("openpyxl")
    data = results_table(ROWS, ["tau_1"], "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["C2"].value == 8.0812345
    assert ws["B2"].value == "8.08 ± 0.12"
    assert ws["A4"].value.startswith("'=")  # never a formula


def test_mixed_units_go_into_the_cells():
    rows = [
        TableRow("a", {"x": Quantity(1.0, 0.1, "ns")}),
        TableRow("b", {"x": Quantity(2.0, 0.1, "ps")}),
    ]
    md = results_table(rows, ["x"], "md")
    assert "| x |" in md and "1.00 ± 0.10 ns" in md and "2.00 ± 0.10 ps" in md


@pytest.mark.parametrize(
    ("names", "fmt", "match"),
    [
        (["tau_1"], "docx", r"table format 'docx' is not one of md, latex, csv, xlsx"),
        ([], "md", "no quantity names"),
        (["tau_9"], "md", r"no result has 'tau_9'; known quantities: eta, tau_1"),
    ],
)
def test_bad_requests_name_the_valid_choices(names, fmt, match):
    with pytest.raises(ParameterError, match=match):
        results_table(ROWS, names, fmt)
