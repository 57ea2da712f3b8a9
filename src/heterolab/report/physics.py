"""Plots of physics Results: LaMer simulation, confinement curves, nucleation barrier."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from heterolab.report.plots import register_plotter, subplots
from heterolab.result import Result

__all__ = ["plot_brus", "plot_lamer", "plot_nucleation", "plot_size"]


@register_plotter("physics.lamer")
def plot_lamer(result: Result, **_: Any) -> Figure:
    """Supersaturation, mean size, dispersion and size distributions against time."""
    c = result.curves
    fig, axes = subplots(2, 2, width=9, height=6.5)
    t = c["supersaturation"]["time"].values
    pos = t > 0
    ax = axes[0, 0]
    ax.semilogx(t[pos], c["supersaturation"].values[pos])
    ax.set_ylabel("supersaturation S (1)")
    ax2 = axes[0, 1]
    ax2.semilogx(t[pos], c["mean_diameter"].values[pos], label="mean diameter")
    ax2.set_ylabel("mean diameter (nm)")
    ax3 = axes[1, 0]
    ax3.semilogx(t[pos], c["relative_std"].values[pos])
    ax3.set_ylabel("σ_r / ⟨r⟩ (1)")
    for a in (ax, ax2, ax3):
        a.set_xlabel("time (s)")
    dist = c["distribution"]
    ax4 = axes[1, 1]
    d = dist["diameter"].values
    filled = np.flatnonzero(dist.values.sum(axis=1) > 0)
    if filled.size:
        times = np.geomspace(t[filled[0]], t[-1], 6)
        for i in np.unique(np.searchsorted(t, times).clip(max=len(t) - 1)):
            row = dist.values[i]
            if row.sum() > 0:
                ax4.step(d, row / row.max(), where="mid", label=f"{t[i]:.3g} s")
    ax4.set_xlabel("diameter (nm)")
    ax4.set_ylabel("number (normalised to 1)")
    ax4.legend(fontsize=7)
    fig.suptitle("LaMer burst nucleation, growth and ripening")
    return fig


@register_plotter("physics.brus")
def plot_brus(result: Result, **_: Any) -> Figure:
    """Exciton energy against diameter for each confinement model, with the chosen size."""
    fig, ax = subplots(width=6.4, height=4.5)
    for name, da in result.curves.items():
        ax.plot(da["diameter"].values, da.values, label=name, ls="--" if name == "thesis" else "-")
    d = result.statistics.get("diameter_nm")
    if d is not None and "E_brus" in result.derived:
        ax.plot([d], [result.derived["E_brus"].value], "ko")
    ax.set_xlabel("diameter (nm)")
    ax.set_ylabel("exciton energy (eV)")
    ax.legend()
    return fig


@register_plotter("physics.nucleation")
def plot_nucleation(result: Result, **_: Any) -> Figure:
    """Free energy of a spherical nucleus against its radius, with the critical point."""
    da = result.curves["free_energy"]
    fig, ax = subplots(width=6.4, height=4.5)
    ax.plot(da["radius"].values, da.values)
    ax.plot([result.derived["critical_radius"].value], [result.derived["barrier"].value], "ko")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("radius (nm)")
    ax.set_ylabel("ΔG (eV)")
    return fig


@register_plotter("physics.size")
def plot_size(result: Result, **_: Any) -> Figure:
    """The sizing curve used (first-exciton energy against diameter: Moreels 2009 for PbS,
    the Brus model otherwise) with the measured peak and the diameter it gives."""
    stats = result.statistics
    method = str(stats.get("method", ""))
    curve = result.curves["sizing_curve"]
    d0 = result.derived["diameter"].value
    e0 = result.derived["peak_energy"].value
    fig, ax = subplots(width=5.6, height=4.2)
    name = "Moreels et al. 2009" if method == "moreels2009" else f"Brus model ({method[5:]})"
    ax.plot(curve["diameter"].values, curve.values, "k-", lw=1.2, label=name)
    ax.plot([d0], [e0], "ro", label=f"d = {d0:.2f} nm at {e0:.3f} eV")
    ax.axhline(e0, color="r", lw=0.6, ls=":")
    ax.axvline(d0, color="r", lw=0.6, ls=":")
    ax.set_xlabel("diameter (nm)")
    ax.set_ylabel("first-exciton energy (eV)")
    ax.set_title(str(stats.get("material", "")))
    ax.legend(fontsize=7)
    return fig
