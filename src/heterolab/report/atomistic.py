"""Figures of atomistic Results: projected DOS, Δρ(z) with ΔQ(z), potential profiles."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from heterolab.report.plots import annotate, axis_label, quantity_text, register_plotter, subplots
from heterolab.result import Result

__all__ = ["plot_charge_difference", "plot_dos", "plot_potential"]


@register_plotter("atomistic.dos")
def plot_dos(result: Result, *, xlim: tuple[float, float] | None = (-6.0, 6.0), **_: Any) -> Figure:
    """Total DOS (grey fill) and each projected group against energy, E_F dashed."""
    c = result.curves
    total = c["total"]
    e = total["energy"].values
    fig, ax = subplots(width="single", aspect=0.7)
    ax.fill_between(e, total.values, color="0.85", lw=0, label="total")
    for name, da in c.items():
        if name != "total":
            ax.plot(e, da.values, lw=1.0, label=name)
    ref = result.statistics.get("energy_reference", "E_F")
    ax.axvline(0.0 if ref == "E_F" else result.value("efermi"), color="k", ls="--", lw=0.6)
    ax.set_xlabel(axis_label("E − E_F" if ref == "E_F" else "energy", "eV"))
    ax.set_ylabel(axis_label("DOS", "states/eV"))
    top = float(total.values.max())
    if xlim is not None:
        ax.set_xlim(*xlim)
        inside = (e >= xlim[0]) & (e <= xlim[1])
        top = float(total.values[inside].max()) if inside.any() else top
    ax.set_ylim(0, 1.08 * top if top > 0 else 1.0)
    ax.legend(fontsize="small", ncol=2)
    return fig


@register_plotter("atomistic.charge_difference")
def plot_charge_difference(result: Result, **_: Any) -> Figure:
    """Δρ(z) (e/Å³, accumulation positive) over the cumulative transferred charge ΔQ(z) (e)."""
    drho = result.curves["delta_rho"]
    dq = result.curves["transferred_charge"]
    z = drho["z"].values
    fig, (ax, axq) = subplots(2, 1, sharex=True, width="single", aspect=1.0)
    ax.plot(z, drho.values, color="C0", lw=1.0)
    ax.fill_between(z, drho.values, where=drho.values > 0, color="C3", alpha=0.3, lw=0)
    ax.fill_between(z, drho.values, where=drho.values < 0, color="C0", alpha=0.3, lw=0)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel(axis_label("Δρ", "e/Å³"))
    axq.plot(z, dq.values, color="C2", lw=1.0)
    axq.axhline(0, color="k", lw=0.5)
    zi = result.value("interface_z")
    for a in (ax, axq):
        a.axvline(zi, color="0.4", ls=":", lw=0.8)
    axq.set_ylabel(axis_label("ΔQ", "e"))
    axq.set_xlabel(axis_label("z", "Å"))
    annotate(
        axq,
        [
            quantity_text("ΔQ(interface)", result["transferred_charge"]),
            quantity_text("net", result["net_charge"]),
        ],
        loc="upper left",
    )
    return fig


@register_plotter("atomistic.potential_step")
def plot_potential(result: Result, **_: Any) -> Figure:
    """Planar-averaged potential, its macroscopic average and the two averaging ranges."""
    pa = result.curves["planar_average"]
    z = pa["z"].values
    fig, ax = subplots(width="single", aspect=0.7)
    ax.plot(z, pa.values, color="0.5", lw=0.8, label="planar average")
    if "macroscopic_average" in result.curves:
        ax.plot(z, result.curves["macroscopic_average"].values, color="C0", label="macroscopic")
    for (lo, hi), key in zip(result.statistics["regions"], ("v1", "v2"), strict=True):
        ax.hlines(result.value(key), lo, hi, color="C3", lw=2)
    ax.set_xlabel(axis_label("z", "Å"))
    ax.set_ylabel(axis_label("V", "eV"))
    ax.legend(fontsize="small")
    annotate(ax, [quantity_text("ΔV", result["step"])])
    return fig
