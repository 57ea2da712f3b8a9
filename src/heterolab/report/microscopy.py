"""Figures for microscopy and image-quality results: FFT spots on the power spectrum, particle
labels and size histograms with the lognormal fit, GPA strain maps and profiles, MTF curves
and side-by-side image ranking with the numbers on the figure."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from heterolab.report.plots import register_plotter, subplots
from heterolab.result import Result

__all__ = [
    "plot_column_strain",
    "plot_columns",
    "plot_compare",
    "plot_contrast",
    "plot_gpa",
    "plot_line_pairs",
    "plot_mtf",
    "plot_particles",
    "plot_spacings",
]


def _extent(da: Any) -> list[float]:
    x, y = da[da.dims[1]].values, da[da.dims[0]].values
    return [float(x[0]), float(x[-1]), float(y[-1]), float(y[0])]


def _unit(da: Any, dim: str, default: str = "px") -> str:
    return str(da[dim].attrs.get("units", "")) if dim in da.coords else default


def _image_axes(ax: Any, da: Any) -> None:
    """Label the x/y axes of an image by its coordinates' units (px when uncalibrated)."""
    ax.set_xlabel(f"x ({_unit(da, 'x') or 'px'})")
    ax.set_ylabel(f"y ({_unit(da, 'y') or 'px'})")


def _show(ax: Any, da: Any, **kw: Any) -> Any:
    """Image of a DataArray with its calibrated extent (pixels when it has no coordinates)."""
    if "x" in da.coords and "y" in da.coords:
        kw.setdefault("extent", _extent(da))
    h = ax.imshow(da.values, **kw)
    _image_axes(ax, da)
    return h


@register_plotter("tem.spacings")
def plot_spacings(result: Result, **_: Any) -> Figure:
    """Power spectrum (log) with the spots circled and labelled by d (nm)."""
    ps = result.curves.get("power_spectrum")
    fig, ax = subplots(width=5.6, height=5.6)
    if ps is not None:
        spots = result.statistics.get("spots", [])
        kmax = 1.3 * max([s["k"] for s in spots] or [float(ps["kx"].max())])
        sub = ps.sel(ky=slice(-kmax, kmax), kx=slice(0, kmax))
        ax.imshow(
            sub.values,
            extent=[0, float(sub.kx[-1]), float(sub.ky[-1]), float(sub.ky[0])],
            cmap="gray",
            aspect="equal",
            vmin=float(np.percentile(sub.values, 50)),
        )
        for s in spots:
            style = "tab:red" if s.get("indices") is not None or "indices" not in s else "tab:blue"
            ax.plot(s["kx"], s["ky"], "o", mfc="none", color=style, ms=9)
            ax.text(s["kx"], s["ky"], f"  {10 * s['d']:.3f} Å", color=style, fontsize=7)
        ax.set_xlabel(f"kx ({ps['kx'].attrs.get('units', '')})")
        ax.set_ylabel(f"ky ({ps['ky'].attrs.get('units', '')})")
    matches = result.statistics.get("matches") or []
    if matches:
        m = matches[0]
        ax.set_title(f"{m['phase']} zone [{' '.join(map(str, m['zone_axis']))}]", fontsize=9)
    return fig


@register_plotter("tem.particles")
def plot_particles(result: Result, **_: Any) -> Figure:
    """Image with the measured particles outlined, and the size histogram with the lognormal fit."""
    fig, (ax, axh) = subplots(1, 2, width=10, height=4.6)
    im, lab = result.curves.get("image"), result.curves.get("labels")
    if im is not None:
        _show(ax, im, cmap="gray")
    if lab is not None:
        ax.contour(
            lab["x"].values,
            lab["y"].values,
            lab.values > 0,
            levels=[0.5],
            colors="tab:orange",
            linewidths=0.6,
        )
    unit = result.statistics.get("unit", "")
    ax.set_title(
        f"n = {result.statistics.get('n_measured', 0)} (edge {result.statistics.get('n_edge', 0)}, "
        f"overlap {result.statistics.get('n_overlap', 0)} excluded)",
        fontsize=8,
    )
    h = result.statistics.get("histogram") or {}
    if h:
        edges = np.asarray(h["edges"])
        counts = np.asarray(h["counts"])
        axh.bar(
            edges[:-1], counts, width=np.diff(edges), align="edge", color="0.7", edgecolor="0.3"
        )
        st = result.statistics.get("size_statistics", {})
        ln = st.get("lognormal")
        if ln and ln["sigma"] > 0 and ln["median"] > 0:  # identical sizes: no lognormal
            x = np.linspace(max(edges[0], 1e-9 * edges[-1]), edges[-1], 300)
            mu, s = math.log(ln["median"]), ln["sigma"]
            pdf = np.exp(-((np.log(x) - mu) ** 2) / (2 * s * s)) / (x * s * math.sqrt(2 * math.pi))
            axh.plot(x, pdf * counts.sum() * np.diff(edges).mean(), "tab:red", label="lognormal")
        if "mean" in st:
            axh.set_title(
                f"{st['mean']:.2f} ± {st['sd']:.2f} {unit} (SEM {st['sem']:.2f})", fontsize=9
            )
        axh.set_xlabel(f"{result.statistics.get('measure', 'size')} ({unit})")
        axh.set_ylabel("particles (count)")
    return fig


@register_plotter("tem.gpa")
def plot_gpa(result: Result, **_: Any) -> Figure:
    """ε_xx, ε_yy, ε_xy and rotation maps (small strain) and the ε_xx profile with its band."""
    fig, axes = subplots(1, 5, width=16, height=3.6)
    for ax, k in zip(axes[:4], ("exx", "eyy", "exy", "rotation"), strict=True):
        m = result.curves[k]
        lim = float(np.nanpercentile(np.abs(m.values), 99)) or 1e-3
        h = _show(ax, m, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(k, fontsize=9)
        fig.colorbar(h, ax=ax, shrink=0.7).set_label(f"{k} ({m.attrs.get('units', '1')})")
    p, sd = result.curves.get("profile_exx"), result.curves.get("profile_exx_sd")
    if p is not None:
        x = p["x"].values
        axes[4].plot(x, p.values, "k")
        if sd is not None:
            axes[4].fill_between(x, p.values - sd.values, p.values + sd.values, alpha=0.3)
        axes[4].set_xlabel(f"x ({p['x'].attrs.get('units', '')})")
        axes[4].set_ylabel("ε_xx (1)")
        axes[4].set_title("ε_xx profile (mean ± sd over y)", fontsize=9)
    fig.suptitle("GPA small strain du/dx relative to the reference lattice", fontsize=9)
    return fig


@register_plotter("tem.strain_profile")
def plot_strain_profile(result: Result, **_: Any) -> Figure:
    comp = result.statistics.get("component", "exx")
    fig, ax = subplots(width=6, height=3.6)
    m, sd = result.curves[comp], result.curves[f"{comp}_sd"]
    x = m[m.dims[0]].values
    ax.plot(x, m.values, "k")
    ax.fill_between(x, m.values - sd.values, m.values + sd.values, alpha=0.3, label="± sd")
    ax.set_xlabel(f"{m.dims[0]} ({_unit(m, m.dims[0], '')})")
    ax.set_ylabel(f"{comp} ({m.attrs.get('units', '1')})")
    ax.legend(fontsize=8)
    return fig


@register_plotter("imaging.mtf")
def plot_mtf(result: Result, **_: Any) -> Figure:
    """ESF, LSF and MTF with MTF50 (± its standard error, shaded) marked."""
    fig, axes = subplots(1, 3, width=12, height=3.6)
    for ax, k in zip(axes[:2], ("esf", "lsf"), strict=True):
        da = result.curves[k]
        ax.plot(da["distance"].values, da.values)
        ax.set_xlabel("distance from edge (px)")
        ax.set_ylabel("intensity (a.u.)" if k == "esf" else "d intensity/dx (a.u./px)")
        ax.set_title(k.upper(), fontsize=9)
    mtf = result.curves["mtf"]
    axes[2].plot(mtf["frequency"].values, mtf.values)
    q = result.parameters["mtf50"]
    m50 = q.value
    axes[2].axhline(0.5, color="0.6", lw=0.6)
    axes[2].axvline(m50, color="tab:red", lw=0.8)
    if q.stderr:
        axes[2].axvspan(m50 - q.stderr, m50 + q.stderr, color="tab:red", alpha=0.15, lw=0)
    err = f" ± {q.stderr:.3f}" if q.stderr else ""
    axes[2].set_title(f"MTF50 = {m50:.3f}{err} cycles/px", fontsize=9)
    axes[2].set_xlabel("frequency (cycles/px)")
    axes[2].set_ylabel("MTF (1)")
    axes[2].set_xlim(0, 1)
    return fig


@register_plotter("imaging.compare")
def plot_compare(result: Result, **_: Any) -> Figure:
    """The images side by side, best first, with their contrast, CNR and MTF50 written on them."""
    rows = {r["name"]: r for r in result.statistics.get("table", [])}
    order = result.statistics.get("ranking", list(rows))
    n = max(1, len(order))
    fig, axes = subplots(1, n, width=3.4 * n, height=3.8, squeeze=False)
    for i, (ax, name) in enumerate(zip(axes[0], order, strict=False), 1):
        im = result.curves[f"image:{name}"]
        ax.imshow(im.values, cmap="gray")
        r = rows[name]
        text = [f"#{i} {name}"] + [f"{k} {r[k]:.3g}" for k in ("cnr", "weber", "mtf50") if k in r]
        ax.set_title("\n".join(text), fontsize=8)
        ax.axis("off")
    return fig


@register_plotter("imaging.contrast")
def plot_contrast(result: Result, **_: Any) -> Figure:
    """The image with the signal (red) and background (blue) regions, and their histograms."""
    from matplotlib.patches import Rectangle

    fig, (ax, axh) = subplots(1, 2, width=9.6, height=4.2)
    im = result.curves.get("image")
    st = result.statistics
    if im is not None:
        ax.imshow(im.values, cmap="gray")
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")
        a = np.asarray(im.values, dtype=float)
        for key, color in (("signal_roi", "tab:red"), ("background_roi", "tab:blue")):
            roi = st.get(key)
            if not roi:
                continue
            x0, x1, y0, y1 = roi
            ax.add_patch(
                Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, color=color, lw=1.2)
            )
            vals = a[y0:y1, x0:x1].ravel()
            axh.hist(vals, bins=40, alpha=0.5, color=color, label=key.split("_")[0])
    axh.set_xlabel("intensity (a.u.)")
    axh.set_ylabel("pixels (count)")
    text = [
        f"{k} {result.derived[k].value:.3g}"
        for k in ("weber", "michelson", "cnr")
        if k in result.derived
    ]
    axh.set_title(", ".join(text), fontsize=9)
    axh.legend(fontsize=8)
    return fig


@register_plotter("imaging.line_pairs")
def plot_line_pairs(result: Result, **_: Any) -> Figure:
    """The bar-target profile with its maxima and minima and the modulation."""
    fig, ax = subplots(width=6.4, height=3.6)
    prof = result.curves.get("profile")
    if prof is not None:
        d = prof["distance"].values
        ax.plot(d, prof.values, "k", lw=0.9)
        for key, style in (("maxima", "v"), ("minima", "^")):
            idx = result.statistics.get(key, [])
            ax.plot(d[idx], prof.values[idx], style, color="tab:red", ms=5, label=key)
        ax.set_xlabel(f"distance along the line ({prof['distance'].attrs.get('units', 'px')})")
        ax.set_ylabel(f"intensity ({prof.attrs.get('units', 'a.u.')})")
        ax.legend(fontsize=8)
    m = result.parameters.get("modulation")
    if m is not None:
        ax.set_title(f"modulation {m.value:.3f} ± {m.stderr or 0:.3f}", fontsize=9)
    return fig


@register_plotter("tem.columns")
def plot_columns(result: Result, **_: Any) -> Figure:
    """The image with the columns (red) and the second sub-lattice (blue) marked."""
    fig, ax = subplots(width=6.0, height=5.6)
    im = result.curves.get("image")
    if im is not None:
        _show(ax, im, cmap="gray")
    for key, color in (("columns", "tab:red"), ("sublattice", "tab:blue")):
        pts = result.curves.get(key)
        if pts is not None and pts.size:
            ax.plot(pts["x"].values, pts["y"].values, "o", mfc="none", color=color, ms=4, label=key)
            unit = pts["x"].attrs.get("units", "px")
            ax.set_xlabel(f"x ({unit})")
            ax.set_ylabel(f"y ({unit})")
    n = result.parameters.get("n_columns")
    ns = result.parameters.get("n_sublattice")
    title = f"{n.value:.0f} columns" if n is not None else ""
    if ns is not None:
        title += f", sub-lattice {ns.value:.0f}"
    ax.set_title(f"{title} ({result.statistics.get('method', '')})", fontsize=9)
    ax.legend(fontsize=8, loc="upper right")
    return fig


@register_plotter("tem.column_strain")
def plot_column_strain(result: Result, **_: Any) -> Figure:
    """ε_xx, ε_yy, ε_xy and rotation at each column (colour), small strain."""
    fig, axes = subplots(1, 4, width=15, height=3.8)
    for ax, k in zip(axes, ("exx", "eyy", "exy", "rotation"), strict=True):
        m = result.curves[k]
        v = m.values
        lim = float(np.nanpercentile(np.abs(v), 98)) if np.isfinite(v).any() else 1e-3
        h = ax.scatter(m["x"].values, m["y"].values, c=v, cmap="RdBu_r", vmin=-lim, vmax=lim, s=14)
        unit = m["x"].attrs.get("units", "px")
        ax.set_xlabel(f"x ({unit})")
        ax.set_ylabel(f"y ({unit})")
        ax.invert_yaxis()
        ax.set_aspect("equal")
        ax.set_title(k, fontsize=9)
        fig.colorbar(h, ax=ax, shrink=0.7).set_label(f"{k} ({m.attrs.get('units', '1')})")
    fig.suptitle("column strain: small strain relative to the reference lattice", fontsize=9)
    return fig
