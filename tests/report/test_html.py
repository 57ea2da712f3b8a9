"""The static HTML report: pages, escaping, values equal the store's, provenance, CLI (#15)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_site import EVIL, stored_values, write_results
from typer.testing import CliRunner

from heterolab.errors import FormatError, ParameterError
from heterolab.report.html import build_site
from heterolab.report.html_source import from_results_folder


class _Cells(HTMLParser):
    """Collects (step, name, data-value, data-stderr) of quantity cells."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str | None]] = []
        self.step: str | None = None
        self.name: str | None = None
        self.headers: list[str | None] = []
        self.col = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "data-step" in a:
            self.step = a["data-step"]
        if tag == "tr":
            self.name = a.get("data-name")
            self.col = 0
            if "data-step" in a:
                self.step = a["data-step"]
        if tag == "td" and "data-value" in a:
            self.cells.append({"step": self.step, "name": self.name, **a})


@pytest.fixture
def site(tmp_path):
    payload = write_results(tmp_path / "results")
    s = build_site(from_results_folder(tmp_path / "results"), tmp_path / "site")
    return s, payload


def test_site_has_overview_sample_technique_problem_and_provenance_pages(site):
    s, _ = site
    rel = sorted(str(p.relative_to(s.root)) for p in s.pages)
    assert "index.html" in rel and "problems.html" in rel and "provenance.html" in rel
    assert sum(r.startswith("samples/") for r in rel) == 2  # Japanese and hostile names
    assert sum(r.startswith("techniques/") for r in rel) == 2  # trpl, derived
    pages = [p.read_text("utf-8") for p in s.pages if p.parent.name == "samples"]
    assert sum("<h1>Sample: 試料A ペロブスカイト</h1>" in t for t in pages) == 1
    assert sum("<h1>Sample: &lt;script&gt;alert(1)&lt;/script&gt;</h1>" in t for t in pages) == 1
    assert any("<th>material</th><td>CsPbBr3</td>" in t for t in pages)
    assert (s.root / "figures" / "s1.png").is_file()


def test_user_text_is_escaped_on_every_page(site):
    s, _ = site
    for page in s.pages:
        text = page.read_text("utf-8")
        assert EVIL not in text, page
        assert "alert(1)</script>" not in text.replace("\\u003c/script\\u003e", "")
    index = (s.root / "index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index


def test_pages_load_nothing_from_the_network(site):
    s, _ = site
    for page in s.pages:
        refs = re.findall(r'(?:src|href)="([^"]*)"', page.read_text("utf-8"))
        assert refs
        assert not [r for r in refs if re.match(r"[a-z]+://", r) or r.startswith("//")], page
    assert s.interactive == (s.root / "assets" / "plotly.min.js").is_file()


def test_table_values_carry_the_stored_numbers_at_full_precision(site):
    s, payload = site
    stored = stored_values(payload)
    seen = set()
    for page in s.pages:
        p = _Cells()
        p.feed(page.read_text("utf-8"))
        for c in p.cells:
            if c["name"] is None:
                continue
            value, err = stored[(c["step"], c["name"])]
            assert float(c["data-value"]) == value
            assert (float(c["data-stderr"]) if c["data-stderr"] else None) == err
            seen.add((c["step"], c["name"]))
    assert seen == set(stored)


def test_series_tables_show_rounded_values(site):
    s, _ = site
    index = (s.root / "index.html").read_text("utf-8")
    assert 'data-series="tau-vs-ratio"' in index
    assert ">9.168 ± 0.029</td>" in index


def test_problems_page_lists_failures_and_warnings(site):
    s, _ = site
    text = (s.root / "problems.html").read_text("utf-8")
    assert "no decay found in &lt;script&gt;alert(1)&lt;/script&gt;.csv" in text
    assert "disagrees with the published 1.5 ns" in text
    assert "Problems (2)" in text


def test_cards_compare_with_published_values(site):
    s, _ = site
    page = next(
        p for p in s.pages if "1.7958 ± 0.0035" in p.read_text("utf-8") and "samples" in str(p)
    )
    text = page.read_text("utf-8")
    assert (
        '<tr><td>tau_1</td><td class="num">1.7958 ± 0.0035</td>'
        '<td class="num">1.500 ± 0.050</td><td class="num">+5.83</td>'
        '<td class="status-suspect">differs</td></tr>'
    ) in text
    assert '<td class="status-ok">ok</td>' in text


def test_provenance_lists_inputs_hashes_and_settings(site):
    s, _ = site
    text = (s.root / "provenance.html").read_text("utf-8")
    assert "ab" * 32 in text
    assert "&quot;n_components&quot;: 1" in text


def test_an_unrelated_folder_is_refused_and_an_old_report_replaced(tmp_path):
    write_results(tmp_path / "r")
    data = from_results_folder(tmp_path / "r")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("precious")
    with pytest.raises(ParameterError, match="not empty and was not written by heterolab"):
        build_site(data, tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.docx").read_text() == "precious"
    s1 = build_site(data, tmp_path / "site")
    (s1.root / "stale.html").write_text("old")
    build_site(data, tmp_path / "site")
    assert not (s1.root / "stale.html").exists()


def test_static_mode_has_no_javascript(tmp_path):
    write_results(tmp_path / "r")
    s = build_site(from_results_folder(tmp_path / "r"), tmp_path / "site", interactive=False)
    assert not s.interactive
    assert not (s.root / "assets" / "plotly.min.js").exists()
    assert all("<script" not in p.read_text("utf-8") for p in s.pages)


def test_missing_results_is_a_format_error(tmp_path):
    with pytest.raises(FormatError, match=r"no results\.json here"):
        from_results_folder(tmp_path)
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(FormatError, match="not a heterolab campaign result file"):
        from_results_folder(tmp_path)


def test_cli_report_writes_the_site_and_prints_json(tmp_path):
    from heterolab.cli import app

    write_results(tmp_path / "r")
    res = CliRunner().invoke(app, ["report", str(tmp_path / "r"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert Path(out["index"]) == tmp_path / "r" / "report" / "index.html"
    assert len(out["pages"]) == 7
    res = CliRunner().invoke(app, ["report", str(tmp_path / "nothing")])
    assert res.exit_code == 2
    assert "no results.json here" in res.output


@pytest.mark.slow
def test_report_of_a_real_campaign_run_shows_the_stores_numbers(tmp_path):
    """End to end: a one-step campaign run by heterolab.campaign, reported by the CLI; every
    number cell equals the SQLite store's value (read through heterolab.campaign's API)."""
    pytest.importorskip("pandas")
    import numpy as np
    from scipy.special import ndtr

    from heterolab.campaign import open_results, run_campaign
    from heterolab.cli import app

    t = np.arange(400) * 0.05
    irf = np.diff(ndtr((np.append(t, t[-1] + 0.05) - 2.0) / (0.2 / 2.3548)))
    m = np.convolve(irf, 3000 * np.exp(-t / 2.0))[:400] + 1
    y = np.random.default_rng(1).poisson(m)
    np.savetxt(
        tmp_path / "decay.csv",
        np.column_stack([t, y]),
        delimiter=",",
        header="time_ns,counts",
        comments="",
    )
    (tmp_path / "campaign.toml").write_text(
        '[campaign]\nname = "e2e"\ndescription = "one step"\n\n[[step]]\nid = "fit1"\n'
        f'type = "trpl.fit"\nlabel = "試料 {EVIL}"\ninputs = {{ decay = "decay.csv" }}\n'
        "options = { n_components = 1 }\n",
        "utf-8",
    )
    run_campaign(tmp_path / "campaign.toml", tmp_path / "out", progress=False)
    res = CliRunner().invoke(app, ["report", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    with open_results(tmp_path / "out") as store:
        table = store.quantities(step="fit1")
    stored = {(r.step_id, r.name): (r.value, r.stderr) for r in table.itertuples()}
    assert ("fit1", "tau_1") in stored
    seen = set()
    for page in (tmp_path / "out" / "report").rglob("*.html"):
        text = page.read_text("utf-8")
        assert EVIL not in text
        p = _Cells()
        p.feed(text)
        for c in p.cells:
            if c["name"] is None:
                continue
            value, err = stored[(c["step"], c["name"])]
            assert float(c["data-value"]) == pytest.approx(value, rel=1e-15)
            shown_err = float(c["data-stderr"]) if c["data-stderr"] else None
            if err is None or shown_err is None:
                assert shown_err is None or np.isnan(shown_err)
            else:
                assert shown_err == pytest.approx(err, rel=1e-15, nan_ok=True)
            seen.add((c["step"], c["name"]))
    assert seen == set(stored)
    assert (tmp_path / "out" / "report" / "figures" / "fit1.png").is_file()


def test_curves_written_for_the_report_come_back_thinned_and_become_interactive(tmp_path):
    import numpy as np
    import xarray as xr

    from heterolab.report.html_source import write_curves
    from heterolab.result import Result

    write_results(tmp_path / "r")
    t = np.arange(5000) * 0.01
    data = np.exp(-t / 2.0)
    data[3] = np.nan
    r = Result("trpl.decay_fit")
    r.curves["data"] = xr.DataArray(
        data, dims="time", coords={"time": ("time", t, {"units": "ns"})}, attrs={"units": "counts"}
    )
    r.curves["map"] = xr.DataArray(np.ones((300, 450)), dims=("time", "wavelength"))
    write_curves(r, tmp_path / "r" / "curves" / "s1.json")
    rep = from_results_folder(tmp_path / "r")
    back = next(s for s in rep.steps if s.id == "s1").result.curves
    assert back["data"].sizes["time"] == 1667  # every 3rd of 5000 points
    assert back["data"]["time"].attrs["units"] == "ns"
    assert np.isnan(back["data"].values[1])  # the NaN of bin 3 survives as a gap
    assert back["data"].values[2] == data[6]
    assert back["map"].shape == (150, 150)
    site = build_site(rep, tmp_path / "site")
    page = next(
        p for p in site.pages if p.parent.name == "samples" and "curves-" in p.read_text("utf-8")
    )
    assert '"type":"log"' in page.read_text("utf-8")  # a TRPL decay on a log axis
