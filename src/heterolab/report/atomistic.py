"""Figures of atomistic Results: projected DOS, Δρ(z) with ΔQ(z), potential profiles, band
edges per region and interface energies per area (bar chart naming the method)."""

from __future__ import annotations

import textwrap
from typing import Any

from matplotlib.figure import Figure

from heterolab.report.plots import annotate, axis_label, quantity_text, register_plotter, subplots
from heterolab.result import Result

__all__ = [
    "plot_band_edges",
    "plot_charge_difference",
    "plot_dos",
    "plot_interface_energy",
    "plot_interface_energy_table",
    "plot_potential",
]


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


@register_plotter("atomistic.band_edges")
def plot_band_edges(result: Result, **_: Any) -> Figure:
    """Band-edge diagram: VBM and CBM of the whole cell and of each region (eV), E_F dashed.

    One column per region (the whole cell when no region was given); the gap is the box
    between the two edges and is written above it.
    """
    d = result.derived
    names = [k[: -len("_vbm")] for k in d if k.endswith("_vbm") and f"{k[:-4]}_cbm" in d]
    columns = [(n, d[f"{n}_vbm"].value, d[f"{n}_cbm"].value) for n in names] or [
        ("cell", d["vbm"].value, d["cbm"].value)
    ]
    fig, ax = subplots(width="single", aspect=0.8)
    for i, (_name, vbm, cbm) in enumerate(columns):
        ax.fill_between([i - 0.35, i + 0.35], vbm - 1.0, vbm, color="C0", alpha=0.35, lw=0)
        ax.fill_between([i - 0.35, i + 0.35], cbm, cbm + 1.0, color="C3", alpha=0.35, lw=0)
        ax.hlines([vbm, cbm], i - 0.35, i + 0.35, colors=["C0", "C3"], lw=2)
        ax.text(i, cbm + 0.1, f"{cbm - vbm:.2f} eV", ha="center", va="bottom", fontsize="small")
    ax.axhline(d["efermi"].value, color="k", ls="--", lw=0.6, label="E_F")
    ax.set_xticks(range(len(columns)), [c[0] for c in columns])
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_xlabel("region")
    ax.set_ylabel(axis_label("energy", "eV"))
    lines = [quantity_text(k.upper(), d[k]) for k in ("vbo", "cbo") if k in d]
    if "alignment" in result.statistics:
        lines.append(str(result.statistics["alignment"]))
    if lines:
        annotate(ax, lines, loc="lower right")
    ax.legend(fontsize="small", loc="upper left")
    return fig


def _gamma_bars(labels: list[str], gammas: list[float], method: str) -> Figure:
    fig, ax = subplots(width="single", aspect=0.8)
    colors = ["C2" if g < 0 else "C3" for g in gammas]
    ax.bar(range(len(labels)), gammas, color=colors, width=0.6)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlabel("interface")
    ax.set_ylabel(axis_label("γ = E_int / (n A)", "J/m²"))
    ax.set_xlim(-0.8, len(labels) - 0.2)
    lo, hi = min(0.0, *gammas), max(0.0, *gammas)
    pad = 0.15 * (hi - lo) or 1.0
    ax.set_ylim(lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0))
    for i, g in enumerate(gammas):
        ax.annotate(
            f"{g:.3g}",
            (i, g),
            xytext=(0, 3 if g >= 0 else -3),
            textcoords="offset points",
            ha="center",
            va="bottom" if g >= 0 else "top",
            fontsize="small",
        )
    ax.set_title(textwrap.fill(method, 55), fontsize="x-small")  # the model, whole
    return fig


@register_plotter("atomistic.interface_energy")
def plot_interface_energy(result: Result, *, label: str = "AB", **_: Any) -> Figure:
    """Interface energy per area γ (J/m²) as a bar, titled with the method (DFT or ML model)."""
    return _gamma_bars([label], [result.value("gamma_si")], str(result.statistics["method"]))


@register_plotter("atomistic.interface_energy_table")
def plot_interface_energy_table(result: Result, **_: Any) -> Figure:
    """γ (J/m²) of each interface model as bars (negative = binding), titled with the method."""
    names = [k[: -len("_gamma_si")] for k in result.derived if k.endswith("_gamma_si")]
    values = [result.value(f"{n}_gamma_si") for n in names]
    return _gamma_bars(names, values, str(result.statistics["methods"]))
