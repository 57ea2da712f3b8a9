"""Figures of diffraction results: patterns with fitted peaks, lattice residuals, strain per
reflection, series overlays and 2D maps (axes labelled with units)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from heterolab.report.plots import register_plotter, subplots
from heterolab.result import Result

__all__ = ["plot_compare", "plot_lattice", "plot_map", "plot_pattern", "plot_peaks", "plot_strain"]

_TT = "2θ (deg)"


def _ylabel(da: Any) -> str:
    return f"intensity ({da.attrs.get('units', 'counts')})"


@register_plotter("xrd.pattern")
def plot_pattern(result: Result, **_: Any) -> Figure:
    """The pattern, intensity vs 2θ."""
    fig, ax = subplots(width="double", aspect=0.55)
    da = result.curves["data"]
    ax.plot(da["two_theta"].values, da.values, lw=0.7, color="k")
    ax.set_xlabel(_TT)
    ax.set_ylabel(_ylabel(da))
    ax.set_title(str(da.attrs.get("source", "")).split("/")[-1])
    return fig


@register_plotter("xrd.peaks")
@register_plotter("xrd.phases")
def plot_peaks(result: Result, **_: Any) -> Figure:
    """Data, model and background over the normalised residuals; fitted positions marked."""
    fig, (ax, axr) = subplots(
        2, 1, width="double", sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    d = result.curves.get("data")
    if d is not None:
        x = d["two_theta"].values
        ax.plot(x, d.values, ".", ms=1.5, color="0.4", label="data")
        ax.plot(x, result.curves["model"].values, lw=0.8, color="C3", label="model")
        ax.plot(x, result.curves["background"].values, lw=0.8, color="C0", label="background")
        axr.plot(x, result.curves["residuals"].values, lw=0.5, color="k")
        ax.set_ylabel(_ylabel(d))
    table = result.statistics.get("table") or []
    for row in table:
        ax.axvline(row["two_theta"], color="C2", lw=0.4, alpha=0.6)
    for row in result.statistics.get("matched") or []:
        ax.annotate(
            f"{row['phase']} {row['hkl']}",
            (row["two_theta"], 0),
            rotation=90,
            xycoords=("data", "axes fraction"),
            fontsize=6,
            va="bottom",
        )
    ax.legend(fontsize=8)
    axr.axhline(0, color="C3", lw=0.5)
    axr.set_ylabel("residual (σ)")
    axr.set_xlabel(_TT)
    return fig


@register_plotter("xrd.lattice")
def plot_lattice(result: Result, **_: Any) -> Figure:
    """Observed − calculated 2θ of the indexed reflections, with their errors."""
    fig, ax = subplots(width="double", aspect=0.55)
    table = result.statistics.get("table") or []
    x = np.array([r["two_theta_obs"] for r in table])
    y = np.array([r["residual_deg"] for r in table])
    e = np.array([r["two_theta_err"] for r in table])
    ax.errorbar(x, y * 1000, yerr=e * 1000, fmt="o", ms=3)
    for r in table:
        ax.annotate(r["hkl"], (r["two_theta_obs"], r["residual_deg"] * 1000), fontsize=6)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel(_TT)
    ax.set_ylabel("obs − calc (mdeg)")
    a = result.parameters.get("a")
    ax.set_title(f"a = {a}" if a else "lattice refinement")
    return fig


@register_plotter("xrd.strain")
def plot_strain(result: Result, **_: Any) -> Figure:
    """Strain of each reflection with errors and the weighted mean."""
    fig, ax = subplots(width="double", aspect=0.55)
    table = result.statistics.get("table") or []
    labs = [r["reflection"] for r in table]
    y = np.array([r["strain"] for r in table]) * 100
    e = np.array([r["strain_err"] for r in table]) * 100
    ax.errorbar(range(len(y)), y, yerr=e, fmt="o")
    ax.axhline(result.value("mean_strain") * 100, color="C3", lw=0.8, label="one strain (mean)")
    ax.set_xticks(range(len(y)), labs)
    ax.set_xlabel("reflection (hkl)")
    ax.set_ylabel("strain (%)")
    ax.legend(fontsize=8)
    return fig


@register_plotter("xrd.compare")
def plot_compare(result: Result, offset: float = 1.1, **_: Any) -> Figure:
    """Normalised patterns of a series, offset vertically, tracked positions marked."""
    fig, ax = subplots(width="double", height=1.2 + 1.2 * len(result.curves))
    for k, (lab, da) in enumerate(result.curves.items()):
        ax.plot(da["two_theta"].values, da.values + k * offset, lw=0.7, label=lab)
    for p in result.statistics.get("positions") or []:
        ax.axvline(p, color="0.6", lw=0.5, ls="--")
    ax.set_xlabel(_TT)
    ax.set_ylabel("normalised intensity (offset)")
    ax.legend(fontsize=7)
    return fig


@register_plotter("giwaxs.map")
def plot_map(result: Result, **_: Any) -> Figure:
    """A q_xy–q_z or cake map on a logarithmic colour scale."""
    from matplotlib.colors import LogNorm

    m = result.curves["map"]
    fig, ax = subplots(width="double", aspect=0.55)
    ydim, xdim = m.dims
    vals = np.where(m.values > 0, m.values, np.nan)
    im = ax.pcolormesh(m[xdim].values, m[ydim].values, vals, norm=LogNorm(), shading="auto")
    names = {"q_xy": "q_xy (1/Å)", "q_z": "q_z (1/Å)", "q": "q (1/Å)", "chi": "χ (deg)"}
    ax.set_xlabel(names.get(xdim, xdim))
    ax.set_ylabel(names.get(ydim, ydim))
    fig.colorbar(im, ax=ax, label="intensity (counts)")
    return fig


@register_plotter("giwaxs.orientation")
def plot_orientation(result: Result, **_: Any) -> Figure:
    """Azimuthal profile of the ring with Hermans' f."""
    prof = result.curves["profile"]
    fig, ax = subplots(width="double", aspect=0.55)
    ax.plot(prof["chi"].values, prof.values, lw=0.8)
    ax.set_xlabel("χ (deg)")
    ax.set_ylabel("intensity (counts)")
    ax.set_title(f"Hermans f = {result.value('hermans_f'):.3f}")
    return fig
