"""The figure layer: one style, Figure objects without pyplot state, safe labels, CJK fonts,
scale bars, TRPL/FLIM figure fixes and saving (issues #8, #15)."""

from __future__ import annotations

import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy.special import ndtr

from heterolab.errors import ParameterError
from heterolab.report import check_figure_path
from heterolab.report import style as style_mod
from heterolab.report.plots import plot_result, save_figure, subplots
from heterolab.result import Quantity, Result

N, DT = 400, 0.05
T = np.arange(N) * DT


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def _decay_result() -> Result:
    from heterolab.kinetics import fit_decay

    irf = np.diff(ndtr((np.append(T, T[-1] + DT) - 2.0) / (0.2 / 2.3548)))
    irf[irf < 1e-6] = 0.0  # a measured IRF has empty bins away from its peak
    # independent generator: Gaussian IRF convolved with exp(-t/2 ns) by direct sum
    kernel = np.exp(-T / 2.0)
    model = 4000 * np.convolve(irf, kernel)[:N] + 1.0
    y = np.random.default_rng(3).poisson(model).astype(float)
    return fit_decay(y, time=T, irf=irf, n_components=1)


def _flim_result(pixel_size_um: float | None) -> Result:
    rng = np.random.default_rng(0)
    ny, nx = 32, 64
    intensity = xr.DataArray(rng.poisson(100, (ny, nx)).astype(float), dims=("y", "x"))
    if pixel_size_um is not None:
        intensity.attrs["pixel_size_um"] = pixel_size_um
    tau = xr.DataArray(rng.normal(3.0, 0.2, (ny, nx)), dims=("y", "x"), attrs={"units": "ns"})
    tau[0, 0] = np.nan
    hist_c = np.linspace(2.0, 4.0, 20)
    hist = xr.DataArray(
        np.histogram(tau.values[np.isfinite(tau.values)], 20, (1.95, 4.05))[0],
        dims=("tau",),
        coords={"tau": hist_c},
    )
    r = Result(
        "trpl.flim",
        derived={"tau_avg_intensity": Quantity(3.0, 0.2, "ns")},
        statistics={"n_converged": ny * nx - 1, "n_masked": 1},
    )
    r.curves.update(intensity=intensity, tau_avg_intensity=tau, tau_histogram=hist)
    return r


def test_importing_report_never_switches_the_users_backend():
    code = (
        "import matplotlib; matplotlib.use('svg');"
        "import heterolab.report.plots, heterolab.report.trpl, heterolab.report.flim;"
        "import heterolab.report.style;"
        "heterolab.report.plots._load_plotters();"  # every area's figure module
        "print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"


def test_figures_are_built_without_pyplot_state():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = plot_result(_flim_result(0.2))
    assert plt.get_fignums() == before
    assert fig.canvas.manager is None


def test_style_applies_inside_the_figure_only_and_restores_rcparams():
    import matplotlib as mpl

    size = mpl.rcParams["font.size"]
    fig = plot_result(_flim_result(None))
    assert mpl.rcParams["font.size"] == size
    title = fig.axes[0].title
    assert title.get_fontsize() == pytest.approx(8.0)  # heterolab.mplstyle


def test_png_defaults_to_300_dpi_at_journal_width(tmp_path):
    fig, ax = subplots(width="single", height=2.0)
    ax.plot([0, 1], [0, 1])
    p = save_figure(fig, tmp_path / "a" / "fig.png")
    w, h = _png_size(p)
    assert (w, h) == (round(3.35 * 300), round(2.0 * 300))


@pytest.mark.parametrize(("suffix", "magic"), [(".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_vector_formats_and_deterministic_files(tmp_path, suffix, magic):
    paths = []
    for i in range(2):
        fig, ax = subplots()
        ax.plot([0, 1], [1, 0])
        ax.set_xlabel("time (ns)")
        paths.append(save_figure(fig, tmp_path / f"f{i}{suffix}"))
    assert paths[0].read_bytes().startswith(magic)
    assert paths[0].read_bytes() == paths[1].read_bytes()


@pytest.mark.parametrize("name", ["fig.jpg", "fig", "fig.png.bak", "fig.eps"])
def test_other_suffixes_are_refused_and_nothing_is_written(tmp_path, name):
    fig, _ = subplots()
    with pytest.raises(ParameterError, match=r"use one of \.png, \.pdf, \.svg"):
        save_figure(fig, tmp_path / "sub" / name)
    assert not (tmp_path / "sub").exists()


def test_check_figure_path_is_case_insensitive():
    assert check_figure_path("A.PNG").name == "A.PNG"
    with pytest.raises(ParameterError, match=r"suffix '\.tif'"):
        check_figure_path("a.tif")


@pytest.mark.parametrize("label", ["a$b_$c", "$\\notacommand$ x", "cost $5 and $", "x^$2$"])
def test_invalid_or_unbalanced_mathtext_labels_never_crash(tmp_path, label):
    fig, ax = subplots()
    ax.plot([0, 1], [0, 1], label=label)
    ax.set_title(label)
    ax.legend()
    save_figure(fig, tmp_path / "m.png")
    save_figure(fig, tmp_path / "m.svg")


def test_valid_mathtext_is_still_rendered_as_math():
    fig, ax = subplots()
    ax.set_xlabel("$E_g$ (eV)")
    plot_fig = fig
    from heterolab.report.plots import sanitize_text

    sanitize_text(plot_fig)
    assert ax.xaxis.label.get_parse_math()


def test_japanese_label_renders_with_the_cjk_fallback(tmp_path):
    if style_mod.cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-ipafont-gothic)")
    fig, ax = subplots()
    ax.set_title("試料A ペロブスカイト")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        save_figure(fig, tmp_path / "ja.png")
    assert style_mod.cjk_font() in style_mod.font_families()


def test_without_a_cjk_font_one_clear_warning_instead_of_glyph_noise(tmp_path, monkeypatch):
    monkeypatch.setattr(style_mod, "cjk_font", lambda: None)
    fig, ax = subplots()
    ax.set_title("試料")
    with pytest.warns(style_mod.FontWarning, match="fonts-noto-cjk") as rec:
        save_figure(fig, tmp_path / "ja.png")
    assert len(rec) == 1


def test_flim_images_have_a_physical_scale_bar():
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    fig = plot_result(_flim_result(0.2))  # 64 px x 0.2 um = 12.8 um wide -> 2 um bar (10 px)
    bars = [a for ax in fig.axes for a in ax.artists if isinstance(a, AnchoredSizeBar)]
    assert len(bars) == 2
    assert bars[0].txt_label.get_text() == "2 µm"
    rect = bars[0].size_bar.get_children()[0]
    assert rect.get_width() == pytest.approx(10.0)
    cbar_labels = {ax.get_ylabel() for ax in fig.axes}
    assert "τavg,int (ns)" in cbar_labels


def test_flim_without_pixel_size_draws_the_bar_in_pixels():
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    fig = plot_result(_flim_result(None))
    bar = next(a for a in fig.axes[0].artists if isinstance(a, AnchoredSizeBar))
    assert bar.txt_label.get_text() == "10 px"


def test_trpl_decay_figure_fixes(tmp_path):
    r = _decay_result()
    fig = plot_result(r)
    main, resid, ac = fig.axes[:3]
    assert main.get_xlabel() == "time (ns)"
    assert resid.get_xlabel() == "time (ns)"
    assert ac.get_xlabel() == "lag (ns)"
    tau = r.parameters["tau_1"]
    assert main.get_title() == f"τ1 = {tau}"
    assert "±" in main.get_title()
    irf_line = next(ln for ln in main.get_lines() if ln.get_label() == "IRF")
    y = np.asarray(irf_line.get_ydata(), dtype=float)
    assert np.isnan(y).any()  # empty IRF bins are not drawn
    assert np.nanmin(y) > 0.5 or np.nanmin(y) != 0.5
    assert not np.any(y == 0.5)
    # no large gap under the title: constrained layout keeps the main panel near the top
    fig.draw_without_rendering()
    assert main.get_position().y1 > 0.85
    w, _ = _png_size(save_figure(fig, tmp_path / "d.png"))
    assert w == round(fig.get_figwidth() * 300)


def test_generic_plot_labels_axes_with_units():
    t = xr.DataArray(np.linspace(0, 1, 5), dims="x", attrs={"units": "eV"})
    data = xr.DataArray(np.arange(5.0), dims="x", coords={"x": t}, attrs={"units": "counts"})
    r = Result("unknown.kind", parameters={"a": Quantity(1.234, 0.05, "eV")})
    r.curves["data"] = data
    fig = plot_result(r)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "x (eV)"
    assert ax.get_ylabel() == "signal (counts)"
    texts = [a.txt._text.get_text() for a in ax.artists if hasattr(a, "txt")]
    assert any("1.234 ± 0.050 eV" in t for t in texts)


def test_tick_labels_keep_the_style_when_drawn_later(tmp_path):
    fig = plot_result(_flim_result(0.2))
    fig.draw_without_rendering()  # outside the style context, as a notebook would
    hist = fig.axes[2]
    sizes = {t.label1.get_fontsize() for t in hist.xaxis.get_major_ticks()}
    assert sizes == {7.0}  # heterolab.mplstyle xtick.labelsize


def test_every_scale_of_the_trpl_and_flim_figures_is_labelled():
    from heterolab.report.plots import unlabelled_axes

    assert unlabelled_axes(plot_result(_flim_result(0.2))) == []
    assert unlabelled_axes(plot_result(_decay_result())) == []


def test_unlabelled_axes_finds_a_missing_label():
    from heterolab.report.plots import unlabelled_axes

    fig, (a, b) = subplots(1, 2)
    a.plot([0, 1], [0, 1])
    a.set_xlabel("time (ns)")
    b.imshow(np.zeros((4, 4)))
    b.set_xticks([])
    b.set_yticks([])
    assert unlabelled_axes(fig) == ["axes 0: y"]


def test_map_phasor_and_batch_figures_label_every_scale_and_show_errors():
    from heterolab.report.plots import unlabelled_axes

    wl = np.linspace(480, 540, 13)
    das = xr.DataArray(
        np.vstack([np.exp(-(((wl - 510) / 10) ** 2)), 0.3 * np.ones_like(wl)]),
        dims=("component", "wavelength"),
        coords={"component": [0, 1], "wavelength": ("wavelength", wl, {"units": "nm"})},
        attrs={"units": "counts/bin"},
    )
    energy = xr.DataArray(1239.84 / wl, dims="energy", attrs={"units": "eV"})
    lt = xr.DataArray(np.linspace(2, 3, 13), dims="energy", coords={"energy": energy})
    m = Result(
        "trpl.map_fit",
        parameters={"tau_1": Quantity(0.5, 0.01, "ns"), "tau_2": Quantity(4.0, 0.1, "ns")},
    )
    m.curves.update(das=das, lifetime_vs_energy=lt, lifetime_vs_energy_stderr=0.05 + 0 * lt)
    fig = plot_result(m)
    assert unlabelled_axes(fig) == []
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == "τ1 = 0.500 ± 0.010 ns"

    rng = np.random.default_rng(1)
    g, s = rng.uniform(0.2, 0.8, (10, 10)), rng.uniform(0.1, 0.4, (10, 10))
    ph = Result("trpl.phasor", parameters={"g": Quantity(0.5, 0.01), "s": Quantity(0.25, 0.01)})
    ph.curves.update(g=xr.DataArray(g, dims=("y", "x")), s=xr.DataArray(s, dims=("y", "x")))
    fig = plot_result(ph)
    assert unlabelled_axes(fig) == []
    assert "g = 0.500 ± 0.010" in fig.axes[0].get_legend().get_texts()[0].get_text()

    taus = rng.normal(3.0, 0.1, 200)
    b = Result(
        "trpl.batch_fit",
        parameters={"tau_1": Quantity(3.0, 0.1, "ns")},
        statistics={"n_converged": 200, "n_fitted": 200},
    )
    b.curves.update(
        tau_1=xr.DataArray(taus, dims="decay", attrs={"units": "ns"}),
        converged=xr.DataArray(np.ones(200, bool), dims="decay"),
        total_decay=xr.DataArray(
            np.exp(-T / 3.0) * 1e4, dims="time", coords={"time": ("time", T, {"units": "ns"})}
        ),
    )
    fig = plot_result(b)
    assert unlabelled_axes(fig) == []
    assert fig.axes[0].get_xlabel() == "τ1 (ns)"
