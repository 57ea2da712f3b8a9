"""Figures for FLIM fits, batch fits and phasor analyses (registered by Result kind)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from heterolab.report.plots import register_plotter
from heterolab.result import Result

__all__ = ["plot_batch", "plot_flim", "plot_phasor"]


@register_plotter("trpl.flim")
def plot_flim(result: Result, lifetime: str = "tau_avg_intensity", **_: Any) -> Figure:
    """Intensity image, lifetime map (masked pixels blank) and the lifetime histogram."""
    fig, axes = plt.subplots(1, 3, figsize=(12.0, 3.8))
    intensity = result.curves["intensity"].values
    im0 = axes[0].imshow(intensity, cmap="gray", origin="upper")
    axes[0].set_title("photons per pixel")
    fig.colorbar(im0, ax=axes[0], shrink=0.8)
    tau = np.asarray(result.curves[lifetime].values, dtype=float)
    finite = tau[np.isfinite(tau)]
    vmin, vmax = np.percentile(finite, [1, 99]) if finite.size else (0.0, 1.0)
    im1 = axes[1].imshow(
        np.ma.masked_invalid(tau), cmap="viridis", vmin=vmin, vmax=vmax, origin="upper"
    )
    axes[1].set_title(f"{lifetime} (ns)")
    fig.colorbar(im1, ax=axes[1], shrink=0.8)
    if "tau_histogram" in result.curves:
        h = result.curves["tau_histogram"]
        centres = h["tau"].values
        width = float(centres[1] - centres[0]) if centres.size > 1 else 1.0
        axes[2].bar(centres, h.values, width=width, color="C0")
    axes[2].set_xlabel("intensity-weighted mean lifetime (ns)")
    axes[2].set_ylabel("pixels")
    n_ok = result.statistics.get("n_converged", 0)
    axes[2].set_title(f"{n_ok} pixels fitted, {result.statistics.get('n_masked', 0)} masked")
    for ax in axes[:2]:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


@register_plotter("trpl.batch_fit")
def plot_batch(result: Result, **_: Any) -> Figure:
    """Histograms of the fitted lifetimes of all converged decays, and the summed decay."""
    names = [n for n in result.curves if n.startswith("tau_") and n[4:].isdigit()]
    fig, axes = plt.subplots(
        1, len(names) + 1, figsize=(4.0 * (len(names) + 1), 3.4), squeeze=False
    )
    ok = result.curves["converged"].values.reshape(-1)
    for ax, name in zip(axes[0][:-1], names, strict=True):
        v = result.curves[name].values.reshape(-1)[ok]
        v = v[np.isfinite(v)]
        if v.size:
            ax.hist(v, bins=min(60, max(5, v.size // 20)), color="C0")
        ax.set_xlabel(f"{name} (ns)")
        ax.set_ylabel("decays")
    total = result.curves["total_decay"]
    ax = axes[0, -1]
    ax.semilogy(total["time"].values, np.maximum(total.values, 0.5), lw=0.8)
    ax.set_xlabel("time (ns)")
    ax.set_ylabel("summed counts")
    fig.suptitle(
        f"{result.statistics.get('n_converged', 0)} of {result.statistics.get('n_fitted', 0)} decays converged"
    )
    fig.tight_layout()
    return fig


@register_plotter("trpl.phasor")
def plot_phasor(result: Result, **_: Any) -> Figure:
    """Phasor plot: 2-D histogram of (g, s) with the universal semicircle and the mean phasor."""
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    g = result.curves["g"].values.reshape(-1)
    s = result.curves["s"].values.reshape(-1)
    ok = np.isfinite(g) & np.isfinite(s)
    if ok.sum() > 50:
        ax.hist2d(g[ok], s[ok], bins=80, range=[[-0.05, 1.05], [-0.05, 0.6]], cmap="Blues", cmin=1)
    else:
        ax.plot(g[ok], s[ok], ".", ms=4)
    phi = np.linspace(0.0, np.pi, 200)
    ax.plot(0.5 + 0.5 * np.cos(phi), 0.5 * np.sin(phi), "k-", lw=0.8)
    ax.plot(result.parameters["g"].value, result.parameters["s"].value, "r+", ms=12, label="mean")
    ax.set_xlabel("g")
    ax.set_ylabel("s")
    ax.set_aspect("equal")
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig
