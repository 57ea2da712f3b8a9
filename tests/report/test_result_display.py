"""How a Result shows itself: a short repr, an HTML card and Markdown in notebooks (#15)."""

from __future__ import annotations

import base64

import numpy as np
import xarray as xr

from heterolab.result import Quantity, Result


def _result(kind: str = "test.curves") -> Result:
    r = Result(
        kind,
        parameters={f"tau_{i}": Quantity(9.1683 * i, 0.0291, "ns") for i in range(1, 8)},
        derived={"eta": Quantity(0.5, 0.01, "1")},
        statistics={"chi2_reduced": 1.02},
    )
    x = xr.DataArray(np.linspace(0, 10, 200), dims="time", attrs={"units": "ns"})
    r.curves["data"] = xr.DataArray(np.exp(-x.values / 3), dims="time", coords={"time": x})
    return r


def test_repr_is_one_short_line_with_rounded_values():
    text = repr(_result("trpl.decay_fit"))
    assert "\n" not in text
    assert len(text) < 160
    assert text.startswith("<Result trpl.decay_fit [ok] tau_1=9.168 ± 0.029 ns")
    assert text.endswith("(+5 more)>")


def test_html_card_escapes_user_text_and_shows_the_table_and_thumbnail():
    r = _result()
    r.warnings.append("<script>alert(1)</script> & more")
    r.mark_suspect("sample <b>x</b>")
    out = r._repr_html_()
    assert "<script>" not in out and "<b>x</b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in out
    assert "[suspect]" in out
    assert "<td>tau_1</td><td>9.168 ± 0.029</td><td>ns</td>" in out
    src = out.split('src="data:image/png;base64,')[1].split('"')[0]
    assert base64.b64decode(src).startswith(b"\x89PNG")


def test_html_says_why_a_figure_is_missing_instead_of_raising():
    out = _result("trpl.decay_fit")._repr_html_()  # no "model" curve for the TRPL plotter
    assert "figure unavailable: &#x27;model&#x27;" in out


def test_html_without_curves_has_no_image():
    assert "<img" not in Result("x", parameters={"a": Quantity(1.0, 0.1)})._repr_html_()


def test_markdown_table_with_units_and_escaped_pipes():
    r = _result()
    r.warnings.append("a|b")
    md = r._repr_markdown_()
    lines = md.splitlines()
    assert lines[0] == "**test.curves** [ok]"
    assert "| tau_1 | 9.168 ± 0.029 | ns |" in lines
    assert "| eta | 0.500 ± 0.010 |  |" in lines
    assert "- warning: a\\|b" in lines


def test_pretty_printer_gives_the_summary():
    class P:
        def __init__(self) -> None:
            self.out = ""

        def text(self, s: str) -> None:
            self.out += s

    p = P()
    r = _result()
    r._repr_pretty_(p, False)
    assert p.out == r.summary()
