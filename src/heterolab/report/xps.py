"""Figures for photoemission results: fitted core levels with components, series, charge
references, Fermi edges and file overviews (registered by Result kind)."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from heterolab.report.plots import register_plotter, subplots
from heterolab.result import Result

__all__ = ["plot_xps_fit", "plot_xps_overview", "plot_xps_series"]


def _be_axis(ax: Any) -> None:
    ax.set_xlabel("binding energy (eV)")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()  # photoemission convention: binding energy increases to the left


@register_plotter("xps.fit")
@register_plotter("xps.charge")
@register_plotter("xps.fermi_edge")
def plot_xps_fit(result: Result, **_: Any) -> Figure:
    """Data, background, components (filled) and fit over residuals; numbers in the legend."""
    c = result.curves
    fig, (ax, axr) = subplots(
        2, 1, sharex=True, width=6.4, height=5.2, gridspec_kw={"height_ratios": [3, 1]}
    )
    if "data" not in c:
        ax.text(0.5, 0.5, "no curves", ha="center", transform=ax.transAxes)
        return fig
    x = c["data"]["binding_energy"].values
    ax.plot(x, c["data"].values, ".", ms=2.5, color="0.3", label="data")
    bg = c.get("background")
    if bg is not None:
        ax.plot(
            x,
            bg.values,
            color="0.5",
            lw=0.8,
            label=f"background ({result.statistics.get('background', '')})",
        )
    for name, da in c.items():
        if name.startswith("component:"):
            comp = name.split(":", 1)[1]
            pos = result.parameters.get(f"{comp}_position") or result.derived.get(
                f"{comp}_position"
            )
            label = comp if pos is None else f"{comp} {pos.value:.2f} eV"
            base = bg.values if bg is not None else 0 * da.values
            ax.fill_between(x, base, da.values, alpha=0.35, label=label)
    if "fit" in c:
        ax.plot(x, c["fit"].values, color="k", lw=1.0, label="fit")
    unit = c["data"].attrs.get("units", "counts")
    ax.set_ylabel(f"intensity ({unit})")
    ax.legend(fontsize=7)
    ax.set_title(f"{result.kind}  [{result.status}]", fontsize=9)
    if "residuals" in c:
        axr.plot(x, c["residuals"].values, lw=0.6)
        axr.axhline(0, color="k", lw=0.5)
        axr.set_ylabel(f"residual ({unit})")
    _be_axis(axr)
    return fig


@register_plotter("xps.series")
def plot_xps_series(result: Result, **_: Any) -> Figure:
    """Stacked fitted spectra of the series and the component fractions vs sample."""
    labels = result.statistics.get("labels", [])
    comps = result.statistics.get("components", [])
    fig, (ax, axf) = subplots(1, 2, width=9.6, height=4.8)
    offset = 0.0
    for lab in labels:
        d = result.curves[f"{lab}:data"]
        x = d["binding_energy"].values
        scale = float(d.max()) or 1.0
        ax.plot(x, d.values / scale + offset, ".", ms=2, color="0.4")
        ax.plot(x, result.curves[f"{lab}:fit"].values / scale + offset, "k", lw=0.8)
        for comp in comps:
            ax.plot(x, result.curves[f"{lab}:component:{comp}"].values / scale + offset, lw=0.7)
        ax.text(x[-1], offset + 0.1, lab, fontsize=8)
        offset += 1.1
    _be_axis(ax)
    ax.set_ylabel("normalised intensity, offset (1)")
    for comp in comps:
        q = [result.derived[f"{lab}:{comp}_fraction"] for lab in labels]
        axf.errorbar(
            range(len(labels)),
            [v.value for v in q],
            yerr=[v.stderr or 0 for v in q],
            marker="o",
            capsize=3,
            label=comp,
        )
    axf.set_xticks(range(len(labels)), labels)
    axf.set_ylabel("area fraction (1)")
    axf.set_xlabel("sample (label)")
    axf.set_ylim(0, 1)
    axf.legend(fontsize=8)
    return fig


@register_plotter("xps.read")
def plot_xps_overview(result: Result, **_: Any) -> Figure:
    """Every region of a file, one panel each."""
    names = list(result.curves)
    n = max(1, len(names))
    fig, axes = subplots(n, 1, width=6.4, height=2.0 * n, squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=False):
        s = result.curves[name]
        ax.plot(s["binding_energy"].values, s.values, lw=0.8)
        ax.set_title(name, fontsize=8)
        ax.set_ylabel(f"intensity ({s.attrs.get('units', 'counts')})")
        _be_axis(ax)
    return fig
