"""Figures of TRPL results: decay fits (log counts, weighted residuals, residual
autocorrelation) and TRPL-map global fits (decay-associated spectra, lifetime vs energy)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from heterolab.report.plots import register_plotter
from heterolab.result import Result

__all__ = ["plot_decay_fit", "plot_map_fit"]


@register_plotter("trpl.decay_fit")
def plot_decay_fit(result: Result, **kwargs: Any) -> Figure:
    """Data, model and IRF on a log axis; weighted residuals; residual autocorrelation."""
    c = result.curves
    fig, axes = plt.subplots(
        3, 1, figsize=kwargs.get("figsize", (6.4, 6.4)), gridspec_kw={"height_ratios": [3, 1, 1]}
    )
    ax = axes[0]
    t = c["data"]["time"].values
    ax.semilogy(t, np.clip(c["data"].values, 0.5, None), ".", ms=2, color="0.4", label="data")
    if "irf" in c:
        ax.semilogy(t, np.clip(c["irf"].values, 0.5, None), lw=0.8, color="C2", label="IRF")
    ax.semilogy(t, np.clip(c["model"].values, 0.5, None), lw=1.2, color="C3", label="model")
    taus = [q for k, q in result.parameters.items() if k.startswith("tau_")]
    ax.set_title(", ".join(f"τ{i + 1} = {q.value:.3g} ns" for i, q in enumerate(taus)), fontsize=9)
    ax.set_ylabel("counts")
    ax.legend(fontsize=8)
    ax.sharex(axes[1])
    axes[1].plot(t, c["residuals"].values, lw=0.5, color="C0")
    axes[1].axhline(0, color="k", lw=0.5)
    axes[1].set_ylabel("weighted\nresidual")
    axes[1].set_xlabel("time (ns)")
    ac = c["autocorrelation"]
    lag = ac["lag"].values
    axes[2].plot(lag[1:], ac.values[1:], lw=0.7, color="C1")
    thr = result.statistics.get("autocorrelation_threshold")
    if thr:
        axes[2].axhspan(-thr, thr, color="0.85")
    axes[2].set_xlabel("lag (ns)")
    axes[2].set_ylabel("autocorr.")
    fig.tight_layout()
    return fig


@register_plotter("trpl.map_fit")
def plot_map_fit(result: Result, **kwargs: Any) -> Figure:
    """Decay-associated spectra of the global fit and per-wavelength lifetimes vs energy."""
    c = result.curves
    fig, axes = plt.subplots(1, 2, figsize=kwargs.get("figsize", (9.6, 3.8)))
    das = c["das"]
    wl = das["wavelength"].values
    for i, comp in enumerate(das["component"].values):
        tau = result.parameters.get(f"tau_{i + 1}")
        label = f"τ = {tau.value:.3g} ns" if tau is not None else str(comp)
        axes[0].plot(wl, das.sel(component=comp).values, label=label)
    axes[0].axhline(0, color="k", lw=0.5)
    axes[0].set_xlabel("wavelength (nm)")
    axes[0].set_ylabel("amplitude (counts/bin)")
    axes[0].set_title("decay-associated spectra", fontsize=9)
    axes[0].legend(fontsize=8)
    if "lifetime_vs_energy" in c:
        lt = c["lifetime_vs_energy"]
        err = c.get("lifetime_vs_energy_stderr")
        axes[1].errorbar(
            lt["energy"].values, lt.values, yerr=None if err is None else err.values, fmt="o", ms=3
        )
        axes[1].set_xlabel("photon energy (eV)")
        axes[1].set_ylabel("τ_avg,int (ns)")
        axes[1].set_title("lifetime per wavelength", fontsize=9)
    fig.tight_layout()
    return fig
