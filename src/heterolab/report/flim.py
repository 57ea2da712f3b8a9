"""Figures for FLIM fits, batch fits and phasor analyses (registered by Result kind)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from heterolab.report.plots import (
    add_scale_bar,
    annotate,
    axis_label,
    label_of,
    positive_or_nan,
    quantity_text,
    register_plotter,
    subplots,
)
from heterolab.result import Result

__all__ = ["pixel_size_of", "plot_batch", "plot_flim", "plot_phasor"]

_LIFETIME_NAMES = {
    "tau_avg_intensity": "τavg,int",
    "tau_avg_amplitude": "τavg,amp",
}
_LENGTH_UNITS = {"um": "µm", "µm": "µm", "micrometer": "µm", "nm": "nm", "mm": "mm"}


def pixel_size_of(result: Result) -> tuple[float | None, str]:
    """Pixel size and its unit from the intensity image: a ``pixel_size_um`` attribute, or the
    spacing of an ``x`` coordinate that carries a length unit; ``(None, "px")`` otherwise."""
    img = result.curves.get("intensity")
    if img is None:
        return None, "px"
    if "pixel_size_um" in img.attrs:
        return float(img.attrs["pixel_size_um"]), "µm"
    x = img["x"] if "x" in img.coords else None
    unit = _LENGTH_UNITS.get(str(x.attrs.get("units", ""))) if x is not None else None
    if x is not None and unit and x.size > 1:
        return float(abs(x.values[1] - x.values[0])), unit
    return None, "px"


@register_plotter("trpl.flim")
def plot_flim(
    result: Result,
    lifetime: str = "tau_avg_intensity",
    pixel_size: float | None = None,
    pixel_unit: str = "µm",
    **_: Any,
) -> Figure:
    """Intensity image, lifetime map (masked pixels blank), both with a scale bar, and the
    lifetime histogram with the median lifetime and its spread.

    Parameters
    ----------
    lifetime
        Name of the lifetime map to show.
    pixel_size, pixel_unit
        Physical pixel size for the scale bar; default from the image (see
        :func:`pixel_size_of`), else the bar is in pixels.
    """
    if pixel_size is None:
        pixel_size, pixel_unit = pixel_size_of(result)
    fig, axes = subplots(1, 3, width="double", height=2.4)
    intensity = result.curves["intensity"].values
    im0 = axes[0].imshow(intensity, cmap="gray", origin="upper")
    axes[0].set_title("intensity")
    fig.colorbar(im0, ax=axes[0], shrink=0.85, label=axis_label("photons per pixel", "counts"))
    tau = np.asarray(result.curves[lifetime].values, dtype=float)
    finite = tau[np.isfinite(tau)]
    vmin, vmax = np.percentile(finite, [1, 99]) if finite.size else (0.0, 1.0)
    im1 = axes[1].imshow(
        np.ma.masked_invalid(tau), cmap="viridis", vmin=vmin, vmax=vmax, origin="upper"
    )
    name = _LIFETIME_NAMES.get(lifetime, lifetime)
    axes[1].set_title(f"{name} map")
    unit = result.curves[lifetime].attrs.get("units", "ns")
    fig.colorbar(im1, ax=axes[1], shrink=0.85, label=axis_label(name, unit))
    for ax in axes[:2]:
        ax.set_xticks([])
        ax.set_yticks([])
        add_scale_bar(ax, pixel_size, pixel_unit)
    if "tau_histogram" in result.curves:
        h = result.curves["tau_histogram"]
        centres = h["tau"].values
        width = float(centres[1] - centres[0]) if centres.size > 1 else 1.0
        axes[2].bar(centres, h.values, width=width, color="C0")
    axes[2].set_xlabel(axis_label(name, unit))
    axes[2].set_ylabel(axis_label("pixels", None))
    n_ok = result.statistics.get("n_converged", 0)
    axes[2].set_title(f"{n_ok} pixels fitted, {result.statistics.get('n_masked', 0)} masked")
    if lifetime in result.derived:
        annotate(axes[2], [quantity_text(name, result.derived[lifetime])], loc="upper left")
    elif lifetime in result.parameters:
        annotate(axes[2], [quantity_text(name, result.parameters[lifetime])], loc="upper left")
    return fig


@register_plotter("trpl.batch_fit")
def plot_batch(result: Result, **_: Any) -> Figure:
    """Histograms of the fitted lifetimes of all converged decays, and the summed decay."""
    names = [n for n in result.curves if n.startswith("tau_") and n[4:].isdigit()]
    n = len(names) + 1
    fig, axes = subplots(1, n, width="double" if n > 2 else "single", height=2.4, squeeze=False)
    ok = result.curves["converged"].values.reshape(-1)
    for ax, name in zip(axes[0][:-1], names, strict=True):
        v = result.curves[name].values.reshape(-1)[ok]
        v = v[np.isfinite(v)]
        if v.size:
            ax.hist(v, bins=min(60, max(5, v.size // 20)), color="C0")
        ax.set_xlabel(axis_label(f"τ{name[4:]}", result.curves[name].attrs.get("units", "ns")))
        ax.set_ylabel("decays")
        if name in result.parameters:
            annotate(ax, [f"median {result.parameters[name]}"])
    total = result.curves["total_decay"]
    ax = axes[0, -1]
    ax.semilogy(total["time"].values, positive_or_nan(total.values), lw=0.8)
    ax.set_xlabel(label_of(total, "time", name="time"))
    ax.set_ylabel(axis_label("summed counts", None))
    fig.suptitle(
        f"{result.statistics.get('n_converged', 0)} of "
        f"{result.statistics.get('n_fitted', 0)} decays converged"
    )
    return fig


@register_plotter("trpl.phasor")
def plot_phasor(result: Result, **_: Any) -> Figure:
    """Phasor plot: 2-D histogram of (g, s) with the universal semicircle and the mean phasor."""
    fig, ax = subplots(width="single", height=2.4)
    g = result.curves["g"].values.reshape(-1)
    s = result.curves["s"].values.reshape(-1)
    ok = np.isfinite(g) & np.isfinite(s)
    if ok.sum() > 50:
        ax.hist2d(g[ok], s[ok], bins=80, range=[[-0.05, 1.05], [-0.05, 0.6]], cmap="Blues", cmin=1)
    else:
        ax.plot(g[ok], s[ok], ".", ms=3)
    phi = np.linspace(0.0, np.pi, 200)
    ax.plot(0.5 + 0.5 * np.cos(phi), 0.5 * np.sin(phi), "k-", lw=0.8)
    gq, sq = result.parameters["g"], result.parameters["s"]
    ax.plot(gq.value, sq.value, "+", color="C1", ms=10, label=f"mean: g = {gq}, s = {sq}")
    ax.set_xlabel("g (cos component)")
    ax.set_ylabel("s (sin component)")
    ax.set_aspect("equal")
    ax.legend(loc="upper right")
    return fig
