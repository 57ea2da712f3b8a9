"""Figures for steady-state spectroscopy results: band diagram, peak decomposition, Tauc and
Urbach plots, temperature series."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from heterolab.report.plots import label_of, register_plotter, subplots
from heterolab.result import Result

__all__ = [
    "plot_band_diagram",
    "plot_elliott",
    "plot_exciton",
    "plot_ftir",
    "plot_linear_fit",
    "plot_peak",
    "plot_peak_fit",
    "plot_temperature_series",
]


@register_plotter("bands.alignment")
def plot_band_diagram(result: Result, **_: Any) -> Figure:
    """Band diagram on the vacuum scale: VBM/CBM boxes, Fermi levels, offset arrows and type.

    Offsets in the title carry their propagated standard errors when the result has them
    (alignment from measured spectra, :func:`heterolab.spectroscopy.ups.band_alignment_from_materials`).
    """
    names = result.statistics.get("names", ["A", "B"])
    fig, ax = subplots(width=4.8, height=4.8)
    for i, (tag, name) in enumerate(zip(("A", "B"), names, strict=True)):
        vbm = result.parameters[f"{tag}_vbm"].value
        cbm = result.parameters[f"{tag}_cbm"].value
        x0, x1 = 2 * i, 2 * i + 1.6
        ax.fill_between([x0, x1], cbm, cbm + 0.4, color="tab:blue", alpha=0.5)
        ax.fill_between([x0, x1], vbm - 0.4, vbm, color="tab:red", alpha=0.5)
        ax.text((x0 + x1) / 2, cbm + 0.05, f"CBM {cbm:.2f}", ha="center", va="bottom", fontsize=8)
        ax.text((x0 + x1) / 2, vbm - 0.05, f"VBM {vbm:.2f}", ha="center", va="top", fontsize=8)
        ax.text(
            (x0 + x1) / 2,
            (cbm + vbm) / 2,
            f"{name}\nEg {cbm - vbm:.2f} eV",
            ha="center",
            va="center",
            fontsize=9,
        )
        if f"{tag}_fermi" in result.parameters:
            ef = result.parameters[f"{tag}_fermi"].value
            ax.plot([x0, x1], [ef, ef], "k--", lw=1)
            ax.text(x1, ef, " $E_F$", va="center", fontsize=8)
    _offset_arrows(result, ax)
    ax.set_title(
        f"{result.statistics.get('type', '')}: ΔEc {_energy_label(result, 'conduction_band_offset')},"
        f" ΔEv {_energy_label(result, 'valence_band_offset')}",
        fontsize=10,
    )
    ax.set_xlim(-0.3, 3.9)
    ax.set_xticks([])
    ax.set_ylabel("Energy vs vacuum (eV)")
    return fig


def _energy_label(result: Result, key: str) -> str:
    """``"1.35 eV"`` or, with a standard error, ``"1.352 ± 0.008 eV"``."""
    q = result.derived[key]
    if q.stderr is None or not q.stderr > 0:
        return f"{q.value:.2f} eV"
    return f"{q.value:.3f} ± {q.stderr:.3f} eV"


def _offset_arrows(result: Result, ax: Any) -> None:
    """Double arrows between the two CBMs and the two VBMs, in the gap between the boxes."""
    for edge in ("cbm", "vbm"):
        ya = result.parameters[f"A_{edge}"].value
        yb = result.parameters[f"B_{edge}"].value
        ax.annotate("", xy=(1.8, yb), xytext=(1.8, ya), arrowprops={"arrowstyle": "<->", "lw": 0.8})
        ax.plot([1.6, 2.0], [ya, ya], ":", color="0.5", lw=0.8)
        ax.text(1.85, (ya + yb) / 2, f"{abs(yb - ya):.2f}", fontsize=7, va="center")


@register_plotter("spectrum.peak_fit")
def plot_peak_fit(result: Result, **_: Any) -> Figure:
    """Data, total model, baseline and each component against energy, residuals below."""
    fig, (ax, axr) = subplots(
        2, 1, sharex=True, width=6.4, height=4.8, gridspec_kw={"height_ratios": [3, 1]}
    )
    c = result.curves
    ax.plot(c["data"]["energy"], c["data"], ".", ms=2, color="0.4", label="data")
    ax.plot(c["model"]["energy"], c["model"], "k-", lw=1.2, label="model")
    ax.plot(c["baseline"]["energy"], c["baseline"], ":", color="0.5", label="baseline")
    for name, da in c.items():
        if name.startswith("p") and name[1:].isdigit():
            ax.plot(da["energy"], da, lw=1, label=name)
    ax.set_ylabel(f"Intensity ({_units(c['data'], 'a.u.')})")
    ax.legend(fontsize=8)
    axr.plot(c["residuals"]["energy"], c["residuals"], "k-", lw=0.8)
    axr.set_xlabel("Energy (eV)")
    axr.set_ylabel(f"Residual ({_units(c['data'], 'a.u.')})")
    return fig


@register_plotter("spectrum.tauc")
@register_plotter("spectrum.urbach")
def plot_linear_fit(result: Result, **_: Any) -> Figure:
    """Tauc or Urbach plot with the fitted straight line and the chosen range."""
    fig, ax = subplots(width=5.6, height=4.2)
    d, m = result.curves["data"], result.curves["model"]
    ax.plot(d["energy"], d, "k.", ms=3, label="data")
    ax.plot(m["energy"], m, "r-", lw=1.5, label="linear fit")
    q = result.parameters.get("band_gap") or result.parameters.get("urbach_energy")
    ax.set_title(f"{result.kind.split('.')[-1]}: {q}")
    ax.set_xlabel("Photon energy (eV)")
    ax.set_ylabel("(αhν)^(1/r) (a.u.)" if result.kind == "spectrum.tauc" else "ln(A / 1 OD) (1)")
    ax.legend(fontsize=8)
    return fig


@register_plotter("spectrum.temperature_series")
def plot_temperature_series(result: Result, **_: Any) -> Figure:
    """Peak energy, FWHM and integrated intensity against temperature."""
    t = result.statistics["temperature_K"]
    fig, axes = subplots(3, 1, sharex=True, width=5.2, height=6.4)
    for ax, key, label in zip(
        axes,
        ("peak_energy_eV", "fwhm_eV", "area"),
        ("Peak energy (eV)", "FWHM (eV)", "Area (counts·eV)"),
        strict=True,
    ):
        ax.plot(t, result.statistics[key], "o-", ms=3)
        ax.set_ylabel(label)
    axes[-1].set_xlabel("Temperature (K)")
    return fig


def _units(da: Any, default: str) -> str:
    """The value units of a curve (``attrs["units"]``), or ``default``."""
    u = str(da.attrs.get("units") or "").strip()
    return u or default


def _vline(ax: Any, q: Any, label: str, color: str, style: str = "--") -> None:
    """A vertical marker at a Quantity's value, labelled with value ± error."""
    if q is None:
        return
    err = f" ± {q.stderr:.3g}" if q.stderr else ""
    ax.axvline(q.value, color=color, ls=style, lw=1, label=f"{label} {q.value:.4g}{err} {q.unit}")


@register_plotter("spectrum.peak")
def plot_peak(result: Result, **_: Any) -> Figure:
    """Emission band against energy with the peak maximum marked and the FWHM drawn at half
    height."""
    fig, ax = subplots(width=5.6, height=4.0)
    d = result.curves["data"]
    ax.plot(d["energy"], d, "k-", lw=1, label="data")
    e0 = result.parameters["peak_energy"]
    h = result.derived.get("height")
    if h is not None:
        ax.plot([e0.value], [h.value], "rv", ms=7, label=f"peak {e0.value:.4g} eV")
        w = result.parameters.get("fwhm_energy")
        if w is not None and w.value > 0:
            half = h.value / 2
            ax.annotate(
                "",
                xy=(e0.value - w.value / 2, half),
                xytext=(e0.value + w.value / 2, half),
                arrowprops={"arrowstyle": "<->", "color": "r", "lw": 0.8},
            )
            ax.text(e0.value, half, f" FWHM {1e3 * w.value:.0f} meV", color="r", fontsize=7)
    ax.set_xlabel("Photon energy (eV)")
    ax.set_ylabel(f"Intensity ({_units(d, 'a.u.')})")
    ax.legend(fontsize=7)
    return fig


@register_plotter("spectrum.exciton")
@register_plotter("spectrum.size_pbs")
def plot_exciton(result: Result, **_: Any) -> Figure:
    """Absorbance and its second derivative against energy with the first excitonic peak
    marked (and the PbS diameter when sized)."""
    c = result.curves
    fig, (ax, ax2) = subplots(2, 1, sharex=True, width=5.6, height=5.0)
    ax.plot(c["data"]["energy"], c["data"], "k-", lw=1, label="absorbance")
    ax.set_ylabel(f"Absorbance ({_units(c['data'], 'OD')})")
    q = result.parameters.get("peak_energy")
    d = result.derived.get("diameter")
    label = "exciton" if d is None else f"exciton (d = {d.value:.2f} ± {d.stderr or 0:.2f} nm)"
    for a in (ax, ax2):
        _vline(a, q, label, "r")
    if "second_derivative" in c:
        d2 = c["second_derivative"]
        ax2.plot(d2["energy"], d2, "b-", lw=1)
        ax2.set_ylabel(f"d²A/dE² ({_units(d2, 'OD/eV^2')})")
    else:  # method="maximum": no derivative was computed
        ax2.set_ylabel("d²A/dE² (OD/eV^2)")
    ax2.set_xlabel("Photon energy (eV)")
    ax.legend(fontsize=7)
    return fig


@register_plotter("spectrum.elliott")
def plot_elliott(result: Result, **_: Any) -> Figure:
    """Elliott fit: data and model with the band gap and exciton marked, residuals below."""
    c = result.curves
    fig, (ax, axr) = subplots(
        2, 1, sharex=True, width=5.6, height=4.8, gridspec_kw={"height_ratios": [3, 1]}
    )
    u = _units(c["data"], "OD")
    ax.plot(c["data"]["energy"], c["data"], "k.", ms=2, label="data")
    ax.plot(c["model"]["energy"], c["model"], "r-", lw=1.2, label="Elliott model")
    _vline(ax, result.parameters.get("band_gap"), "E_g", "b")
    _vline(ax, result.derived.get("exciton_energy"), "E_x", "g", ":")
    ax.set_ylabel(f"Absorbance ({u})")
    ax.legend(fontsize=7)
    axr.plot(c["residuals"]["energy"], c["residuals"], "k-", lw=0.8)
    axr.set_xlabel("Photon energy (eV)")
    axr.set_ylabel(f"Residual ({u})")
    return fig


@register_plotter("spectrum.ftir")
def plot_ftir(result: Result, **_: Any) -> Figure:
    """FT-IR absorbance and its baseline (wavenumber decreasing to the right, as usual), with
    the peaks marked and numbered."""
    c = result.curves
    fig, ax = subplots(width=6.4, height=4.0)
    data = c["data"]
    ax.plot(data["wavenumber"], data, "k-", lw=1, label="data")
    if "baseline" in c:
        base = c["baseline"]
        ax.plot(data["wavenumber"], base, ":", color="0.5", label="baseline")
    for name, q in result.parameters.items():
        if name.startswith("peak_"):
            y = float(data.sel(wavenumber=q.value, method="nearest"))
            ax.plot([q.value], [y], "rv", ms=5)
            ax.text(q.value, y, f"{q.value:.0f}", fontsize=6, ha="center", va="bottom")
    ax.invert_xaxis()
    ax.set_xlabel("Wavenumber (cm⁻¹)")
    ax.set_ylabel(f"Absorbance ({_units(data, 'OD')})")
    ax.legend(fontsize=7)
    return fig


@register_plotter("ups.cutoff")
@register_plotter("ups.vbm")
def plot_ups_edge(result: Result, **_: Any) -> Figure:
    """UPS spectrum on a binding-energy axis (high to low, as photoemission is drawn) with the
    extrapolated cutoff or valence-band onset marked."""
    d = result.curves["data"]
    name = "cutoff" if result.kind == "ups.cutoff" else "vbm_below_fermi"
    q = result.parameters[name]
    fig, ax = subplots(width=5.6, height=4.2)
    ax.plot(d["binding_energy"], d, "k-", lw=1.0, label="data")
    ax.axvline(q.value, color="r", lw=1.2, label=f"{name.replace('_', ' ')} {q}")
    ax.invert_xaxis()
    ax.set_xlabel("Binding energy (eV)")
    ax.set_ylabel(f"Intensity ({d.attrs.get('units', 'counts')})")
    title = result.derived.get("work_function") or q
    ax.set_title(f"{'work function' if result.kind == 'ups.cutoff' else 'E_F − E_VBM'}: {title}")
    ax.legend(fontsize=8)
    return fig


@register_plotter("spectrum.plqy_absolute")
def plot_plqy(result: Result, **_: Any) -> Figure:
    """Integrating-sphere spectra (sample, blank, indirect) with the laser and emission
    windows shaded and the PLQY in the title."""
    fig, ax = subplots(width=5.6, height=4.2)
    for key, style in (("blank", "k-"), ("sample", "r-"), ("indirect", "b--")):
        if key in result.curves:
            da = result.curves[key]
            ax.plot(da[da.dims[0]], da, style, lw=1.0, label=key)
    settings = result.provenance.get("settings", {})
    for key, colour in (("laser_window", "0.8"), ("emission_window", "#ffd8b0")):
        lo, hi = settings.get(key, (None, None))
        if lo is not None:
            ax.axvspan(lo, hi, color=colour, alpha=0.6, lw=0, label=key.replace("_", " "))
    ax.set_yscale("log")
    sample = result.curves["sample"]
    ax.set_xlabel(label_of(sample, str(sample.dims[0])))
    ax.set_ylabel(f"Intensity ({result.curves['sample'].attrs.get('units', 'counts')})")
    ax.set_title(f"PLQY {result.parameters['plqy']}")
    ax.legend(fontsize=8)
    return fig
