"""Figures for steady-state spectroscopy results: band diagram, peak decomposition, Tauc and
Urbach plots, temperature series."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from heterolab.report.plots import register_plotter, subplots
from heterolab.result import Result

__all__ = ["plot_band_diagram", "plot_linear_fit", "plot_peak_fit", "plot_temperature_series"]


@register_plotter("bands.alignment")
def plot_band_diagram(result: Result, **_: Any) -> Figure:
    """Band diagram on the vacuum scale: VBM/CBM boxes, Fermi levels, offset arrows and type.

    Offsets in the title carry their propagated standard errors when the result has them
    (alignment from measured spectra, :func:`heterolab.spectroscopy.ups.band_alignment_from_materials`).
    """
    names = result.statistics.get("names", ["A", "B"])
    fig, ax = subplots(width=4.8, height=4.8)
    for i, (tag, name) in enumerate(zip(("A", "B"), names, strict=True)):
        vbm = result.parameters[f"{tag}_vbm"].value
        cbm = result.parameters[f"{tag}_cbm"].value
        x0, x1 = 2 * i, 2 * i + 1.6
        ax.fill_between([x0, x1], cbm, cbm + 0.4, color="tab:blue", alpha=0.5)
        ax.fill_between([x0, x1], vbm - 0.4, vbm, color="tab:red", alpha=0.5)
        ax.text((x0 + x1) / 2, cbm + 0.05, f"CBM {cbm:.2f}", ha="center", va="bottom", fontsize=8)
        ax.text((x0 + x1) / 2, vbm - 0.05, f"VBM {vbm:.2f}", ha="center", va="top", fontsize=8)
        ax.text(
            (x0 + x1) / 2,
            (cbm + vbm) / 2,
            f"{name}\nEg {cbm - vbm:.2f} eV",
            ha="center",
            va="center",
            fontsize=9,
        )
        if f"{tag}_fermi" in result.parameters:
            ef = result.parameters[f"{tag}_fermi"].value
            ax.plot([x0, x1], [ef, ef], "k--", lw=1)
            ax.text(x1, ef, " $E_F$", va="center", fontsize=8)
    _offset_arrows(result, ax)
    ax.set_title(
        f"{result.statistics.get('type', '')}: ΔEc {_energy_label(result, 'conduction_band_offset')},"
        f" ΔEv {_energy_label(result, 'valence_band_offset')}",
        fontsize=10,
    )
    ax.set_xlim(-0.3, 3.9)
    ax.set_xticks([])
    ax.set_ylabel("Energy vs vacuum (eV)")
    return fig


def _energy_label(result: Result, key: str) -> str:
    """``"1.35 eV"`` or, with a standard error, ``"1.352 ± 0.008 eV"``."""
    q = result.derived[key]
    if q.stderr is None or not q.stderr > 0:
        return f"{q.value:.2f} eV"
    return f"{q.value:.3f} ± {q.stderr:.3f} eV"


def _offset_arrows(result: Result, ax: Any) -> None:
    """Double arrows between the two CBMs and the two VBMs, in the gap between the boxes."""
    for edge in ("cbm", "vbm"):
        ya = result.parameters[f"A_{edge}"].value
        yb = result.parameters[f"B_{edge}"].value
        ax.annotate("", xy=(1.8, yb), xytext=(1.8, ya), arrowprops={"arrowstyle": "<->", "lw": 0.8})
        ax.plot([1.6, 2.0], [ya, ya], ":", color="0.5", lw=0.8)
        ax.text(1.85, (ya + yb) / 2, f"{abs(yb - ya):.2f}", fontsize=7, va="center")


@register_plotter("spectrum.peak_fit")
def plot_peak_fit(result: Result, **_: Any) -> Figure:
    """Data, total model, baseline and each component against energy, residuals below."""
    fig, (ax, axr) = subplots(
        2, 1, sharex=True, width=6.4, height=4.8, gridspec_kw={"height_ratios": [3, 1]}
    )
    c = result.curves
    ax.plot(c["data"]["energy"], c["data"], ".", ms=2, color="0.4", label="data")
    ax.plot(c["model"]["energy"], c["model"], "k-", lw=1.2, label="model")
    ax.plot(c["baseline"]["energy"], c["baseline"], ":", color="0.5", label="baseline")
    for name, da in c.items():
        if name.startswith("p") and name[1:].isdigit():
            ax.plot(da["energy"], da, lw=1, label=name)
    ax.set_ylabel("Intensity (per eV)")
    ax.legend(fontsize=8)
    axr.plot(c["residuals"]["energy"], c["residuals"], "k-", lw=0.8)
    axr.set_xlabel("Energy (eV)")
    axr.set_ylabel("Residual")
    return fig


@register_plotter("spectrum.tauc")
@register_plotter("spectrum.urbach")
def plot_linear_fit(result: Result, **_: Any) -> Figure:
    """Tauc or Urbach plot with the fitted straight line and the chosen range."""
    fig, ax = subplots(width=5.6, height=4.2)
    d, m = result.curves["data"], result.curves["model"]
    ax.plot(d["energy"], d, "k.", ms=3, label="data")
    ax.plot(m["energy"], m, "r-", lw=1.5, label="linear fit")
    q = result.parameters.get("band_gap") or result.parameters.get("urbach_energy")
    ax.set_title(f"{result.kind.split('.')[-1]}: {q}")
    ax.set_xlabel("Photon energy (eV)")
    ax.set_ylabel("(αhν)^(1/r)" if result.kind == "spectrum.tauc" else "ln A")
    ax.legend(fontsize=8)
    return fig


@register_plotter("spectrum.temperature_series")
def plot_temperature_series(result: Result, **_: Any) -> Figure:
    """Peak energy, FWHM and integrated intensity against temperature."""
    t = result.statistics["temperature_K"]
    fig, axes = subplots(3, 1, sharex=True, width=5.2, height=6.4)
    for ax, key, label in zip(
        axes,
        ("peak_energy_eV", "fwhm_eV", "area"),
        ("Peak energy (eV)", "FWHM (eV)", "Area"),
        strict=True,
    ):
        ax.plot(t, result.statistics[key], "o-", ms=3)
        ax.set_ylabel(label)
    axes[-1].set_xlabel("Temperature (K)")
    return fig
