"""UPS edges (secondary-electron cutoff, valence-band onset) and band alignment (P-45, P-46).

UPS spectra are 1-D DataArrays over ``binding_energy`` [eV] referenced to the Fermi level of
a gold reference (E_F = 0). Onsets are found by linear extrapolation of the edge to the
background level (thesis §4.3.2, Fig. 4-9; Schlaf, "Tutorial on work function", and Endres et
al., J. Phys. Chem. Lett. 7, 2722 (2016) for the log-scale variant of the VBM onset).
"""

from __future__ import annotations

import math
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from heterolab._linefit import fit_line
from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.physics.bands import (
    HE_I_EV,
    OFFSET_CONVENTION,
    BandEdges,
    band_offsets,
    carrier_destinations,
    edges_from_ups,
    heterojunction_type,
)
from heterolab.result import Quantity, Result, make_provenance
from heterolab.spectroscopy.choices import VbmMethod
from heterolab.uncertainty import propagate, propagate_independent

__all__ = [
    "VbmMethod",
    "band_alignment",
    "band_alignment_from_materials",
    "edge_onset",
    "material_levels",
    "material_levels_from_files",
    "secondary_electron_cutoff",
    "valence_band_onset",
]


def _xy(spectrum: xr.DataArray) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(spectrum, xr.DataArray) or spectrum.dims != ("binding_energy",):
        raise ParameterError(
            "expected a 1-D UPS spectrum over 'binding_energy' [eV], got "
            + (
                str(spectrum.dims)
                if isinstance(spectrum, xr.DataArray)
                else type(spectrum).__name__
            )
        )
    s = spectrum.sortby("binding_energy")
    return s["binding_energy"].values.astype(float), s.values.astype(float)


def edge_onset(
    x: np.ndarray,
    y: np.ndarray,
    *,
    rising: bool,
    fit_range: tuple[float, float] = (0.2, 0.8),
    log_scale: bool = False,
) -> tuple[float, float]:
    """Onset of an edge by linear extrapolation to the background (value, stderr) [x units].

    The background is the median of the 5 % of points on the low side of the edge; the edge
    line is fitted by least squares to the contiguous points, nearest the steepest slope,
    whose height above background lies between ``fit_range`` fractions of the maximum; the
    onset is where the line crosses the background. ``rising`` means y increases with x
    across the edge. With ``log_scale`` the line is fitted to log10(y − background) and the
    onset is where it reaches log10(background), i.e. where the extrapolated edge intensity
    equals the background level (Endres et al., J. Phys. Chem. Lett. 7, 2722 (2016)); for an
    edge ∝ exp(x/w) this is exact. When the background is ≤ 0 (subtracted data) its standard
    deviation is the level. The error comes from the line's parameter covariance.
    """
    if x.size < 10:
        raise ParameterError(f"an edge needs at least 10 points, got {x.size}")
    xs, ys = (x, y) if rising else (-x[::-1], y[::-1])
    nb = max(3, xs.size // 20)
    bg = float(np.median(ys[:nb]))
    h = ys - bg
    top = float(np.max(h))
    if top <= 0:
        raise ParameterError("no edge: the signal never rises above the background")
    lo, hi = (f * top for f in fit_range)
    i_top = int(np.argmax(h >= hi))
    j = i_top
    while j > 0 and h[j - 1] >= lo:
        j -= 1
    idx = np.arange(j, i_top + 1)
    if idx.size < 3:
        idx = np.arange(max(0, i_top - 2), min(xs.size, i_top + 2))
    if log_scale:
        level = bg if bg > 0 else float(np.std(ys[:nb]))
        if not level > 0 or np.any(h[idx] <= 0):
            raise ParameterError(
                "log-scale onset needs a positive background level and an edge above it"
            )
        (slope, icpt), cov, _ = fit_line(xs[idx], np.log10(h[idx]))
        target = math.log10(level)
    else:
        (slope, icpt), cov, _ = fit_line(xs[idx], h[idx])
        target = 0.0
    if slope <= 0:
        raise ParameterError("edge fit gave a non-increasing line; choose fit_range")
    x0, err = propagate(
        lambda q: (target - q[1]) / q[0],
        [slope, icpt],
        cov,
        gradient=[-(target - icpt) / slope**2, -1.0 / slope],
    )
    return (float(x0) if rising else float(-x0)), err


def secondary_electron_cutoff(
    spectrum: xr.DataArray,
    *,
    photon_energy: float = HE_I_EV,
    fit_range: tuple[float, float] = (0.2, 0.8),
) -> Result:
    """Work function φ = hν − E_cutoff from the secondary-electron cutoff (spec P-45).

    On the binding-energy scale the secondary-electron signal falls to zero at E_cutoff (high
    binding energy side); E_cutoff is found by linear extrapolation (:func:`edge_onset`).
    He I hν = 21.22 eV by default.

    Raises
    ------
    ParameterError
        No edge, or a cutoff outside 0 < E_cutoff < hν (wrong photon energy or axis).
    """
    x, y = _xy(spectrum)
    cut, err = edge_onset(x, y, rising=False, fit_range=fit_range)
    if not 0 < cut < photon_energy:
        raise ParameterError(
            f"secondary-electron cutoff at {cut:.3f} eV binding energy gives a work function "
            f"of {photon_energy - cut:.3f} eV with hν = {photon_energy} eV; check the photon "
            "energy (He I 21.22, He II 40.81 eV) and the energy axis"
        )
    res = Result(
        kind="ups.cutoff", provenance=make_provenance([], {"photon_energy": photon_energy})
    )
    res.parameters["cutoff"] = Quantity(cut, err, "eV")
    res.derived["work_function"] = Quantity(photon_energy - cut, err, "eV")
    _check_onset(
        res, x, y, cut, rising=False, what="secondary-electron cutoff", fit_range=fit_range
    )
    res.curves["data"] = spectrum.sortby("binding_energy")
    return res


def valence_band_onset(
    spectrum: xr.DataArray,
    *,
    window: tuple[float, float] | None = None,
    method: VbmMethod | str = "linear",
    fit_range: tuple[float, float] | None = None,
) -> Result:
    """E_F − E_VBM from the valence-band leading edge (spec P-45).

    ``method="linear"``: linear extrapolation on a linear intensity scale (thesis);
    ``"log"``: on a log scale (Endres et al. 2016, recommended for halide perovskites whose
    low density of states at the VBM makes the linear onset too deep).
    ``window`` restricts the binding-energy range holding the leading edge. ``fit_range``
    (fractions of the edge height) defaults to (0.2, 0.8) for ``"linear"`` and to the
    low-intensity part (0.02, 0.3) for ``"log"``.
    """
    x, y = _xy(spectrum)
    if window is not None:
        m = (x >= min(window)) & (x <= max(window))
        x, y = x[m], y[m]
    method = as_choice(VbmMethod, method, "method")
    if fit_range is None:
        fit_range = (0.2, 0.8) if method == "linear" else (0.02, 0.3)
    onset, err = edge_onset(x, y, rising=True, fit_range=fit_range, log_scale=method == "log")
    res = Result(
        kind="ups.vbm", provenance=make_provenance([], {"method": method, "window": window})
    )
    res.parameters["vbm_below_fermi"] = Quantity(onset, err, "eV")
    _check_onset(res, x, y, onset, rising=True, what="valence-band onset", fit_range=fit_range)
    data = spectrum.sortby("binding_energy")
    if window is not None:
        data = data.sel(binding_energy=slice(min(window), max(window)))
    res.curves["data"] = data
    return res


def _check_onset(
    res: Result,
    x: np.ndarray,
    y: np.ndarray,
    onset: float,
    *,
    rising: bool,
    what: str,
    fit_range: tuple[float, float],
) -> None:
    """Mark ``res`` suspect when the extrapolation has no flat background to reach: the 5 %
    of points :func:`edge_onset` takes as background rise (3σ, Student t) at over a quarter of the
    edge's slope, the onset lies among those points, above the fitted part of the edge
    (``fit_range``), or beyond the measured range."""
    nb = max(3, x.size // 20)
    xs, ys = (x, y) if rising else (-x[::-1], y[::-1])
    (slope_b, _), cov_b, _ = fit_line(xs[:nb], ys[:nb])
    h = ys - float(np.median(ys[:nb]))
    top = float(np.max(h))
    i20, i80 = int(np.argmax(h >= 0.2 * top)), int(np.argmax(h >= 0.8 * top))
    slope_e = 0.6 * top / max(float(xs[i80] - xs[i20]), float(xs[1] - xs[0]))
    from scipy.stats import t as student_t

    crit = float(student_t.ppf(0.99865, nb - 2))  # 3σ one-sided, few background points
    if slope_b > crit * math.sqrt(max(float(cov_b[0, 0]), 0.0)) and slope_b > 0.25 * slope_e:
        res.mark_suspect(
            f"the points taken as background ({x[:nb].min() if rising else x[-nb:].min():.3f}–"
            f"{x[:nb].max() if rising else x[-nb:].max():.3f} eV) rise with the edge (slope "
            f"{slope_b / slope_e:.0%} of the edge's): the range starts on the edge; widen the "
            "window to include the flat background"
        )
    h_at = float(np.interp(onset if rising else -onset, xs, np.convolve(h, np.ones(5) / 5, "same")))
    if x[0] <= onset <= x[-1] and h_at > fit_range[1] * top:
        res.mark_suspect(
            f"{what} at {onset:.3f} eV lies above the fitted part of the edge (the data there "
            f"stand {h_at / top:.0%} of the edge height above the background): no flat "
            "background below the edge in the range"
        )
    if not x[0] <= onset <= x[-1]:
        res.mark_suspect(
            f"{what} at {onset:.3f} eV lies outside the measured range "
            f"{x[0]:.3f}–{x[-1]:.3f} eV (extrapolated beyond the data)"
        )
    elif (onset <= x[nb - 1]) if rising else (onset >= x[-nb]):
        side = x[:nb] if rising else x[-nb:]
        res.mark_suspect(
            f"{what} at {onset:.3f} eV lies among the points taken as background "
            f"({side.min():.3f}–{side.max():.3f} eV): the range starts on the edge, not "
            "before it; widen the window to include the flat background"
        )


def band_alignment(
    a: BandEdges | tuple[str, float, float, float],
    b: BandEdges | tuple[str, float, float, float],
    *,
    quasi_threshold: float = 0.1,
) -> Result:
    """Band alignment of materials A and B: levels, offsets, type, carrier destinations (P-46).

    Each material is :class:`~heterolab.physics.bands.BandEdges` or a tuple
    ``(name, work_function, E_F − E_VBM, gap)`` in eV (as from UPS and Tauc). Offsets are
    signed, B minus A (:data:`~heterolab.physics.bands.OFFSET_CONVENTION`). Thesis Fig. 4-9:
    CsPbBr3 (4.56, 1.40, 2.37) and PMA2PbBr4 (4.85, 0.45, 3.06) → type II, CBO 1.35 eV,
    VBO 0.66 eV (spec verification C5).
    """
    ea = a if isinstance(a, BandEdges) else edges_from_ups(*a)
    eb = b if isinstance(b, BandEdges) else edges_from_ups(*b)
    res = Result(
        kind="bands.alignment",
        provenance=make_provenance(
            [], {"A": [ea.name, ea.vbm, ea.cbm, ea.fermi], "B": [eb.name, eb.vbm, eb.cbm, eb.fermi]}
        ),
    )
    for tag, e in (("A", ea), ("B", eb)):
        res.parameters[f"{tag}_vbm"] = Quantity(e.vbm, None, "eV")
        res.parameters[f"{tag}_cbm"] = Quantity(e.cbm, None, "eV")
        res.derived[f"{tag}_ionization_energy"] = Quantity(e.ionization_energy, None, "eV")
        res.derived[f"{tag}_electron_affinity"] = Quantity(e.electron_affinity, None, "eV")
        if math.isfinite(e.fermi):
            res.parameters[f"{tag}_fermi"] = Quantity(e.fermi, None, "eV")
            pos = e.fermi_position
            res.derived[f"{tag}_fermi_position"] = Quantity(pos, None, "1")
            res.statistics[f"{tag}_doping"] = (
                "n-type" if pos > 0.5 else "p-type" if pos < 0.5 else "intrinsic"
            )
    dc, dv = band_offsets(ea, eb)
    res.derived["conduction_band_offset"] = Quantity(dc, None, "eV")
    res.derived["valence_band_offset"] = Quantity(dv, None, "eV")
    res.statistics["type"] = heterojunction_type(ea, eb, quasi_threshold=quasi_threshold)
    el, ho = carrier_destinations(ea, eb)
    res.statistics["electrons_to"] = el
    res.statistics["holes_to"] = ho
    res.statistics["names"] = [ea.name, eb.name]
    res.statistics["convention"] = OFFSET_CONVENTION
    return res


def material_levels(
    name: str,
    cutoff_spectrum: xr.DataArray,
    valence_spectrum: xr.DataArray,
    absorbance: xr.DataArray,
    *,
    photon_energy: float = HE_I_EV,
    vbm_method: VbmMethod | str = "linear",
    cutoff_window: tuple[float, float] | None = None,
    valence_window: tuple[float, float] | None = None,
    transition: Literal["direct", "indirect"] = "direct",
    tauc_window: tuple[float, float] | None = None,
) -> Result:
    """Work function, E_F − E_VBM and optical gap of one material from its spectra (P-45).

    φ = hν − E_cutoff from the secondary-electron cutoff (:func:`secondary_electron_cutoff`),
    E_F − E_VBM from the valence-band leading edge (:func:`valence_band_onset`, linear or the
    log-scale method of Endres et al., J. Phys. Chem. Lett. 7, 2722 (2016)) and E_g from a
    Tauc plot (:func:`heterolab.spectroscopy.absorption.tauc_gap`, direct allowed by default);
    thesis §4.3.2, Fig. 4-9. The UPS spectra may be one file holding both edges; then give
    the windows [eV, binding energy] that isolate each edge.

    Returns
    -------
    Result
        kind ``"ups.material"``: parameters ``work_function``, ``vbm_below_fermi``,
        ``band_gap`` [eV] with standard errors; statistics the secondary cutoff [eV], the
        Tauc fit range and the methods; warnings from the Tauc analysis (excitonic edge).
    """
    from heterolab.spectroscopy.absorption import tauc_gap

    cut_spec = _window_ups(cutoff_spectrum, cutoff_window, "cutoff_window")
    cut = secondary_electron_cutoff(cut_spec, photon_energy=photon_energy)
    vb = valence_band_onset(valence_spectrum, window=valence_window, method=vbm_method)
    tauc = tauc_gap(absorbance, transition=transition, fit_window=tauc_window)
    res = Result(
        kind="ups.material",
        provenance=make_provenance(
            [
                str(s.attrs["source_file"])
                for s in (cutoff_spectrum, valence_spectrum, absorbance)
                if "source_file" in s.attrs
            ],
            {
                "name": name,
                "photon_energy": photon_energy,
                "vbm_method": vbm_method,
                "cutoff_window": cutoff_window,
                "valence_window": valence_window,
                "transition": transition,
                "tauc_window": tauc_window,
            },
        ),
    )
    res.parameters["work_function"] = cut.derived["work_function"]
    res.parameters["vbm_below_fermi"] = vb.parameters["vbm_below_fermi"]
    res.parameters["band_gap"] = tauc.parameters["band_gap"]
    res.statistics.update(
        name=name,
        secondary_cutoff_eV=cut.parameters["cutoff"].value,
        photon_energy_eV=photon_energy,
        vbm_method=vbm_method,
        transition=transition,
        tauc_fit_range_eV=tauc.statistics["fit_range_ev"],
        tauc_r_squared=tauc.statistics["r_squared"],
    )
    res.warnings.extend(f"{name}: {w}" for w in tauc.warnings)
    for part, r in (("cutoff", cut), ("valence band", vb)):
        if r.status != "ok":
            res.mark_suspect(f"{name} {part}: {r.message}")
    return res


def _window_ups(
    spectrum: xr.DataArray, window: tuple[float, float] | None, label: str
) -> xr.DataArray:
    x, _ = _xy(spectrum)
    if window is None:
        return spectrum
    lo, hi = min(window), max(window)
    kept = spectrum.sortby("binding_energy").sel(binding_energy=slice(lo, hi))
    if kept.size < 10:
        raise ParameterError(
            f"{label} {lo}..{hi} eV holds {kept.size} points of a spectrum spanning "
            f"{x[0]:.2f}..{x[-1]:.2f} eV; need at least 10"
        )
    return kept


def _levels(q: np.ndarray) -> np.ndarray:
    """(VBM_A, CBM_A, VBM_B, CBM_B) [eV vs vacuum] from (φ, E_F−E_VBM, E_g) of A then B.

    E_VBM = −(φ + (E_F − E_VBM)), E_CBM = E_VBM + E_g (thesis §4.3.2, spec P-46).
    """
    va, vb = -(q[0] + q[1]), -(q[3] + q[4])
    return np.array([va, va + q[2], vb, vb + q[5]])


def band_alignment_from_materials(a: Result, b: Result, *, quasi_threshold: float = 0.1) -> Result:
    """Band alignment (P-46) of two :func:`material_levels` results with propagated errors.

    Calls :func:`band_alignment` with the measured φ, E_F − E_VBM and E_g and gives every
    level and offset the standard error propagated from the three measured quantities of
    each material (independent measurements, first-order propagation). The per-material
    inputs appear as ``A_work_function``, ``A_vbm_below_fermi``, ``A_band_gap`` (and B_).
    """
    for tag, r in (("A", a), ("B", b)):
        missing = [
            k for k in ("work_function", "vbm_below_fermi", "band_gap") if k not in r.parameters
        ]
        if missing:
            raise ParameterError(
                f"material {tag} ({r.kind}) lacks {', '.join(missing)}; use material_levels()"
            )
    keys = ("work_function", "vbm_below_fermi", "band_gap")
    q = [r.parameters[k] for r in (a, b) for k in keys]
    x = np.array([v.value for v in q])
    err = [v.stderr for v in q]
    names = (str(a.statistics.get("name", "A")), str(b.statistics.get("name", "B")))
    res = band_alignment((names[0], *x[:3]), (names[1], *x[3:]), quasi_threshold=quasi_threshold)
    funcs = {
        "A_vbm": lambda v: _levels(v)[0],
        "A_cbm": lambda v: _levels(v)[1],
        "B_vbm": lambda v: _levels(v)[2],
        "B_cbm": lambda v: _levels(v)[3],
    }
    for key, f in funcs.items():
        _, e = propagate_independent(f, x, err)
        res.parameters[key] = Quantity(res.parameters[key].value, e, "eV")
    for key, f in (
        ("conduction_band_offset", lambda v: _levels(v)[3] - _levels(v)[1]),
        ("valence_band_offset", lambda v: _levels(v)[2] - _levels(v)[0]),
    ):
        _, e = propagate_independent(f, x, err)
        res.derived[key] = Quantity(res.derived[key].value, e, "eV")
    for key, idx in (("A_ionization_energy", 0), ("B_ionization_energy", 2)):
        _, e = propagate_independent(lambda v, i=idx: -_levels(v)[i], x, err)
        res.derived[key] = Quantity(res.derived[key].value, e, "eV")
    for key, idx in (("A_electron_affinity", 1), ("B_electron_affinity", 3)):
        _, e = propagate_independent(lambda v, i=idx: -_levels(v)[i], x, err)
        res.derived[key] = Quantity(res.derived[key].value, e, "eV")
    for tag, r in (("A", a), ("B", b)):
        wf = r.parameters["work_function"]
        res.parameters[f"{tag}_fermi"] = Quantity(-wf.value, wf.stderr, "eV")
        for k in keys:
            res.derived[f"{tag}_{k}"] = r.parameters[k]
        res.statistics[f"{tag}_inputs"] = dict(r.provenance.get("settings", {}))
        res.warnings.extend(r.warnings)
    res.provenance["inputs"] = {
        f"{tag}:{k}": v
        for tag, r in (("A", a), ("B", b))
        for k, v in dict(r.provenance.get("inputs", {})).items()
    }
    return res


def material_levels_from_files(
    name: str,
    secondary_file: str | PathLike[str],
    valence_file: str | PathLike[str],
    absorption_file: str | PathLike[str],
    *,
    ups_axis: str | None = None,
    absorption_axis: str | None = None,
    **settings: Any,
) -> Result:
    """:func:`material_levels` from files (UPS text/CSV or VAMAS; any spectrum reader).

    The UPS files are read with ``heterolab.io.read(kind="photoemission")`` (energy axis from
    the header or ``ups_axis``; a kinetic axis is converted with ``settings["photon_energy"]``,
    He I 21.22 eV by default, which must agree with a photon energy stated in the file), the
    absorption file with ``kind="spectrum"``. The same file
    may be given for the secondary cutoff and the valence band (then pass
    ``cutoff_window``/``valence_window``). ``settings`` go to :func:`material_levels`.
    """
    from heterolab.io import read

    hv = float(settings.get("photon_energy", HE_I_EV))
    ups_opts: dict[str, Any] = {"axis": ups_axis} if ups_axis else {}
    spectra = []
    for f in (secondary_file, valence_file):
        opts = dict(ups_opts)
        if Path(f).suffix.lower() != ".vms":
            opts["photon_energy"] = hv
        s = read(f, kind="photoemission", **opts)
        file_hv = float(s.attrs.get("photon_energy", math.nan))
        if math.isfinite(file_hv) and abs(file_hv - hv) > 1e-3:
            raise ParameterError(
                f"{f}: measured with hν = {file_hv} eV but the analysis uses {hv} eV; "
                "pass photon_energy to match"
            )
        spectra.append(s)
    absorbance = read(
        absorption_file,
        kind="spectrum",
        **({"axis": absorption_axis} if absorption_axis else {}),
    )
    return material_levels(name, spectra[0], spectra[1], absorbance, **settings)
