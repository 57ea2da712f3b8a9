"""Figures of TRPL results: decay fits (log counts, weighted residuals, residual
autocorrelation) and TRPL-map global fits (decay-associated spectra, lifetime vs energy)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from heterolab.report.plots import (
    annotate,
    axis_label,
    label_of,
    positive_or_nan,
    register_plotter,
    subplots,
)
from heterolab.result import Result

__all__ = ["plot_decay_fit", "plot_map_fit", "tau_title"]


def tau_title(result: Result) -> str:
    """``"τ1 = 9.17 ± 0.03 ns, τ2 = ..."``: every fitted lifetime with its standard error."""
    taus = [
        (k, q) for k, q in result.parameters.items() if k.startswith("tau_") and k[4:].isdigit()
    ]
    return ", ".join(f"τ{k[4:]} = {q}" for k, q in taus)


@register_plotter("trpl.decay_fit")
def plot_decay_fit(result: Result, **kwargs: Any) -> Figure:
    """Data, model and IRF on a log axis; weighted residuals; residual autocorrelation.

    Zero-count bins are not drawn (a log axis cannot show them; they are not moved to 0.5).
    The title gives every lifetime with its standard error, the legend the reduced χ².
    """
    c = result.curves
    fig, axes = subplots(
        3,
        1,
        width=kwargs.get("width", "single"),
        height=kwargs.get("height", 4.2),
        gridspec_kw={"height_ratios": [3, 1, 1]},
    )
    ax, res_ax, ac_ax = axes
    data = c["data"]
    t = data["time"].values
    time_label = label_of(data, "time", name="time")
    time_unit = data["time"].attrs.get("units", "ns")
    ax.semilogy(t, positive_or_nan(data.values), ".", ms=1.5, color="0.45", label="data")
    if "irf" in c:
        ax.semilogy(t, positive_or_nan(c["irf"].values), lw=0.7, color="C2", label="IRF")
    ax.semilogy(t, positive_or_nan(c["model"].values), lw=1.0, color="C1", label="model")
    counts = positive_or_nan(data.values)
    if np.isfinite(counts).any():  # the IRF's far tail must not squash the data
        ax.set_ylim(bottom=0.5 * float(np.nanmin(counts)))
    ax.set_title(tau_title(result))
    ax.set_ylabel(axis_label("counts", None))
    ax.set_xlabel(time_label)
    chi2 = result.statistics.get("chi2_reduced")
    ax.legend(loc="best", title=f"χ²red = {chi2:.3g}" if chi2 is not None else None)
    res_ax.sharex(ax)
    res_ax.plot(t, c["residuals"].values, lw=0.4, color="C0")
    res_ax.axhline(0, color="k", lw=0.5)
    res_ax.set_ylabel("weighted\nresidual")
    res_ax.set_xlabel(time_label)
    ac = c["autocorrelation"]
    lag = ac["lag"].values
    ac_ax.plot(lag[1:], ac.values[1:], lw=0.7, color="C1")
    thr = result.statistics.get("autocorrelation_threshold")
    if thr:
        ac_ax.axhspan(-thr, thr, color="0.88", lw=0)
    ac_ax.set_xlabel(axis_label("lag", ac["lag"].attrs.get("units", time_unit)))
    ac_ax.set_ylabel("autocorr.")
    if not result.ok:
        annotate(ax, [f"{result.status}: {result.message[:80]}"], loc="lower left")
    return fig


@register_plotter("trpl.map_fit")
def plot_map_fit(result: Result, **kwargs: Any) -> Figure:
    """Decay-associated spectra of the global fit and per-wavelength lifetimes vs energy."""
    c = result.curves
    fig, axes = subplots(
        1, 2, width=kwargs.get("width", "double"), height=kwargs.get("height", 2.8)
    )
    das = c["das"]
    wl = das["wavelength"].values
    for i, comp in enumerate(das["component"].values):
        tau = result.parameters.get(f"tau_{i + 1}")
        label = f"τ{i + 1} = {tau}" if tau is not None else str(comp)
        axes[0].plot(wl, das.sel(component=comp).values, label=label)
    axes[0].axhline(0, color="k", lw=0.5)
    axes[0].set_xlabel(label_of(das, "wavelength", name="wavelength"))
    axes[0].set_ylabel(axis_label("amplitude", das.attrs.get("units", "counts/bin")))
    axes[0].set_title("decay-associated spectra")
    axes[0].legend()
    if "lifetime_vs_energy" in c:
        lt = c["lifetime_vs_energy"]
        err = c.get("lifetime_vs_energy_stderr")
        axes[1].errorbar(
            lt["energy"].values,
            lt.values,
            yerr=None if err is None else err.values,
            fmt="o",
            ms=2.5,
            lw=0.7,
        )
        axes[1].set_xlabel(axis_label("photon energy", lt["energy"].attrs.get("units", "eV")))
        axes[1].set_ylabel(axis_label("τavg,int", lt.attrs.get("units", "ns")))
        axes[1].set_title("lifetime per wavelength (±1σ)")
    else:
        axes[1].set_visible(False)
    return fig
