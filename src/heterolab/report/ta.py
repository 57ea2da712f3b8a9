"""Plots of TA results: data/fit/residual maps, spectra (DAS/EAS/SAS), concentrations, kinetics."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from heterolab.report.plots import register_plotter, subplots
from heterolab.result import Result

__all__ = [
    "fit_dataset_names",
    "plot_ta_chirp",
    "plot_ta_fit",
    "plot_ta_kinetics",
    "plot_ta_linked_spectra",
    "plot_ta_svd",
]


def fit_dataset_names(result: Result) -> list[str]:
    """Names of the fitted datasets of a TA fit (curve prefixes with a data matrix; not the
    ``linked/spectra`` of spectra shared across datasets)."""
    return sorted({k.split("/")[0] for k in result.curves if k.endswith("/data")})


def _map(ax: Any, da: Any, title: str) -> None:
    d = da.transpose("time", "wavelength")
    lim = float(np.nanmax(np.abs(d.values))) or 1.0
    ax.pcolormesh(
        d["wavelength"].values,
        d["time"].values,
        d.values,
        cmap="RdBu_r",
        vmin=-lim,
        vmax=lim,
        shading="auto",
    )
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("delay (ps)")
    ax.set_title(title)


@register_plotter("ta.target")
@register_plotter("ta.global")
@register_plotter("ta.donor_acceptor")
def plot_ta_fit(result: Result, dataset: str | None = None, **_: Any) -> Figure:
    """Data, fit and residual maps, species spectra and concentrations of one dataset."""
    name = dataset or fit_dataset_names(result)[0]
    c = {k.split("/", 1)[1]: v for k, v in result.curves.items() if k.startswith(name + "/")}
    fig, axes = subplots(2, 3, width=13, height=7.5)
    _map(axes[0, 0], c["data"], f"{name}: data")
    _map(axes[0, 1], c["fit"], "fit")
    _map(axes[0, 2], c["residuals"], "residuals")
    label = {"ta.global": result.statistics.get("spectra", "spectra")}.get(result.kind, "SAS")
    sp = c["spectra"]
    for s in sp["species"].values:
        axes[1, 0].plot(sp["wavelength"].values, sp.sel(species=s).values, label=str(s))
    axes[1, 0].axhline(0, color="k", lw=0.5)
    axes[1, 0].set(xlabel="wavelength (nm)", ylabel="ΔOD", title=label)
    axes[1, 0].legend(fontsize=8)
    conc = c["concentrations"]
    for s in conc["species"].values:
        axes[1, 1].plot(conc["time"].values, conc.sel(species=s).values, label=str(s))
    axes[1, 1].set_xscale("symlog", linthresh=1.0)
    axes[1, 1].set(xlabel="delay (ps)", ylabel="population", title="concentrations")
    r = np.nan_to_num(c["residuals"].transpose("time", "wavelength").values)
    sv = np.linalg.svd(r, compute_uv=False)
    axes[1, 2].semilogy(np.arange(1, min(sv.size, 10) + 1), sv[:10], "o-")
    axes[1, 2].set(xlabel="index", ylabel="singular value", title="residual SVD")
    return fig


def plot_ta_linked_spectra(result: Result, **_: Any) -> Figure:
    """The species spectra shared by linked datasets (curve ``linked/spectra``)."""
    sp = result.curves["linked/spectra"]
    fig, ax = subplots(width=6.5, height=4.5)
    for s in sp["species"].values:
        ax.plot(sp["wavelength"].values, sp.sel(species=s).values, label=str(s))
    ax.axhline(0, color="k", lw=0.5)
    names = ", ".join(result.statistics.get("linked_datasets", []))
    ax.set(xlabel="wavelength (nm)", ylabel="SAS (ΔOD)", title=f"linked across {names}")
    ax.legend(fontsize=8)
    return fig


@register_plotter("ta.kinetics")
def plot_ta_kinetics(result: Result, **_: Any) -> Figure:
    """Trace, fit (symlog delay axis) and residuals."""
    fig, (a, b) = subplots(
        2, 1, sharex=True, width=6.4, height=5, gridspec_kw={"height_ratios": [3, 1]}
    )
    d, f, r = result.curves["data"], result.curves["fit"], result.curves["residuals"]
    a.plot(d["time"].values, d.values, ".", ms=3, label="data")
    a.plot(f["time"].values, f.values, "-", label="fit")
    a.set_xscale("symlog", linthresh=1.0)
    a.set_ylabel("ΔOD")
    a.legend()
    b.plot(r["time"].values, r.values, lw=0.6)
    b.axhline(0, color="k", lw=0.5)
    b.set(xlabel="delay (ps)", ylabel="residual")
    return fig


@register_plotter("ta.svd")
def plot_ta_svd(result: Result, **_: Any) -> Figure:
    """Singular values, time vectors and spectral vectors."""
    fig, axes = subplots(1, 3, width=13, height=4)
    s = result.curves["singular_values"]
    axes[0].semilogy(np.arange(1, min(s.size, 20) + 1), s.values[:20], "o-")
    axes[0].set(xlabel="index", ylabel="singular value")
    u, v = result.curves["time_vectors"], result.curves["spectral_vectors"]
    for i in u["index"].values:
        axes[1].plot(u["time"].values, u.sel(index=i).values, label=f"{i + 1}")
        axes[2].plot(v["wavelength"].values, v.sel(index=i).values)
    axes[1].set_xscale("symlog", linthresh=1.0)
    axes[1].set(xlabel="delay (ps)", title="time vectors")
    axes[1].legend(fontsize=8)
    axes[2].set(xlabel="wavelength (nm)", title="spectral vectors")
    return fig


@register_plotter("ta.chirp")
def plot_ta_chirp(result: Result, **_: Any) -> Figure:
    """ΔA map around time zero with the onsets and the chirp polynomial, and the onsets alone."""
    onset, poly = result.curves["onset"], result.curves["polynomial"]
    data = result.curves.get("chirp/data")
    if data is None:  # a result from before the map was stored: the onset panel only
        fig, right = subplots(1, 1, width=6.4, height=4)
    else:
        fig, (left, right) = subplots(1, 2, width=12, height=4.5)
        d = data.transpose("time", "wavelength")
        lim = float(np.nanmax(np.abs(d.values))) if d.size else 1.0
        mesh = left.pcolormesh(
            d["wavelength"].values,
            d["time"].values,
            d.values,
            cmap="RdBu_r",
            vmin=-(lim or 1.0),
            vmax=lim or 1.0,
            shading="auto",
        )
        fig.colorbar(mesh, ax=left, label="ΔA (OD)")
        left.plot(onset["wavelength"].values, onset.values, "k.", ms=3, label="onset")
        left.plot(poly["wavelength"].values, poly.values, "-", color="gold", lw=2, label="chirp")
        left.set(xlabel="wavelength (nm)", ylabel="delay (ps)", title="ΔA with chirp")
        left.legend(fontsize=8, loc="upper right")
    right.plot(onset["wavelength"].values, onset.values, ".", ms=4, label="onset")
    right.plot(poly["wavelength"].values, poly.values, "-", label="polynomial")
    right.set(xlabel="wavelength (nm)", ylabel="time zero (ps)")
    right.legend()
    return fig
