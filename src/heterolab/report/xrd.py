"""Figures of diffraction results: patterns with fitted peaks, lattice residuals, strain per
reflection, series overlays and 2D maps (axes labelled with units)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from heterolab.report.plots import register_plotter, subplots
from heterolab.result import Result

__all__ = [
    "plot_compare",
    "plot_features",
    "plot_gi_size",
    "plot_lattice",
    "plot_map",
    "plot_pattern",
    "plot_peaks",
    "plot_scherrer",
    "plot_stack",
    "plot_strain",
    "plot_williamson_hall",
]

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
@register_plotter("xrd.powder_model")
@register_plotter("xrd.size_strain_pattern")
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
        if "background" in result.curves:
            bg = result.curves["background"]
            ax.plot(bg["two_theta"].values, bg.values, lw=0.8, color="C0", label="background")
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
    f = result["hermans_f"]
    err = f" ± {f.stderr:.3f}" if f.stderr is not None else ""
    ax.set_title(f"Hermans f = {f.value:.3f}{err}")
    return fig


@register_plotter("xrd.williamson_hall")
def plot_williamson_hall(result: Result, **_: Any) -> Figure:
    """β cos θ vs 4 sin θ of every line with the fitted straight line."""
    fig, ax = subplots(width="single", aspect=0.8)
    pts = result.statistics.get("points") or []
    x = np.array([p["x"] for p in pts])
    y = np.array([p["y"] for p in pts]) * 1e3
    e = np.array([p["y_err"] for p in pts]) * 1e3
    ax.errorbar(x, y, yerr=e, fmt="o", ms=3, label="lines")
    if pts:
        grid = np.linspace(0, float(x.max()) * 1.05, 50)
        line = (result.statistics["intercept"] + result.statistics["slope"] * grid) * 1e3
        ax.plot(grid, line, color="C3", lw=0.8, label="β cos θ = Kλ/L + 4ε sin θ")
    ax.set_xlabel("4 sin θ (1)")
    ax.set_ylabel("β cos θ (mrad)")
    ax.legend(fontsize=7)
    return fig


@register_plotter("xrd.scherrer")
@register_plotter("xrd.voigt_size_strain")
def plot_scherrer(result: Result, **_: Any) -> Figure:
    """Size of each line (nm) in the order of the peak table."""
    fig, ax = subplots(width="single", aspect=0.8)
    names = [k for k in result.derived if k.startswith("size_")]
    vals = [result.derived[k].value for k in names]
    errs = [result.derived[k].stderr or 0.0 for k in names]
    ax.errorbar(range(len(vals)), vals, yerr=errs, fmt="o", ms=3)
    ax.set_xticks(range(len(vals)), [k.removeprefix("size_") for k in names], rotation=90)
    ax.set_xlabel("line (peak)")
    ax.set_ylabel("crystallite size (nm)")
    return fig


@register_plotter("giwaxs.features")
def plot_features(result: Result, **_: Any) -> Figure:
    """Azimuthal profile of every feature with its smooth part (running median) and class."""
    feats = result.statistics.get("features") or []
    fig, axes = subplots(max(len(feats), 1), 1, width="double", height=1.2 + 1.6 * len(feats))
    axes = np.atleast_1d(axes)
    for k, (ax, f) in enumerate(zip(axes, feats, strict=False)):
        prof = result.curves.get(f"profile_{k}")
        smooth = result.curves.get(f"smooth_{k}")
        if prof is not None:
            ax.plot(prof["chi"].values, prof.values, lw=0.6, color="0.4", label="I(χ)")
        if smooth is not None:
            ax.plot(smooth["chi"].values, smooth.values, lw=1.0, color="C3", label="running median")
        lo, hi = f["q_range"]
        tex = f" ({f['texture']})" if f.get("texture") else ""
        ax.set_title(f"q = {lo:.3g}–{hi:.3g} 1/Å: {f['class']}{tex}", fontsize=8)
        ax.set_xlabel("χ (deg)")
        ax.set_ylabel("intensity (counts)")
    axes[0].legend(fontsize=7)
    return fig


@register_plotter("giwaxs.stack")
def plot_stack(result: Result, **_: Any) -> Figure:
    """q of the (00l) reflections vs l with the line q = 2π l / c."""
    fig, ax = subplots(width="single", aspect=0.8)
    ls = np.array(result.statistics.get("orders") or [], dtype=float)
    q = np.array(result.statistics.get("q") or [], dtype=float)
    err = np.array(result.statistics.get("q_err") or [np.nan] * q.size, dtype=float)
    ax.errorbar(ls, q, yerr=np.where(np.isfinite(err), err, 0.0), fmt="o", ms=4)
    if "period" in result.parameters and ls.size:
        c = result.value("period")
        grid = np.linspace(0, ls.max() + 0.5, 20)
        ax.plot(grid, 2 * np.pi * grid / c, color="C3", lw=0.8, label=f"c = {result['period']}")
        ax.legend(fontsize=7)
    ax.set_xlabel("order l (1)")
    ax.set_ylabel("q (1/Å)")
    return fig


@register_plotter("giwaxs.size")
def plot_gi_size(result: Result, **_: Any) -> Figure:
    """The GI line profile with its fit, the size and the instrument resolution."""
    fig, ax = subplots(width="single", aspect=0.8)
    d, m = result.curves["data"], result.curves["model"]
    ax.plot(d["q"].values, d.values, ".", ms=2, color="0.4", label="data")
    ax.plot(m["q"].values, m.values, color="C3", lw=0.8, label="Gaussian + line")
    inst = result.derived["instrument_fwhm_q"].value
    ax.set_title(f"L = {result['size']}; Δq_inst = {inst:.3g} 1/Å", fontsize=8)
    ax.set_xlabel("q (1/Å)")
    ax.set_ylabel(_ylabel(d))
    ax.legend(fontsize=7)
    return fig
