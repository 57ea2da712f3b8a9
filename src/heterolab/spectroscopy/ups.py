"""UPS edges (secondary-electron cutoff, valence-band onset) and band alignment (P-45, P-46).

UPS spectra are 1-D DataArrays over ``binding_energy`` [eV] referenced to the Fermi level of
a gold reference (E_F = 0). Onsets are found by linear extrapolation of the edge to the
background level (thesis §4.3.2, Fig. 4-9; Schlaf, "Tutorial on work function", and Endres et
al., J. Phys. Chem. Lett. 7, 2722 (2016) for the log-scale variant of the VBM onset).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import xarray as xr

from heterolab._linefit import fit_line
from heterolab.errors import ParameterError
from heterolab.physics.bands import (
    HE_I_EV,
    BandEdges,
    band_offsets,
    carrier_destinations,
    edges_from_ups,
    heterojunction_type,
)
from heterolab.result import Quantity, Result, make_provenance
from heterolab.uncertainty import propagate

__all__ = ["band_alignment", "edge_onset", "secondary_electron_cutoff", "valence_band_onset"]


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
    across the edge. With ``log_scale`` the fit is done on log10(y − background + floor).
    The error comes from the line's parameter covariance.
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
        floor = 1e-3 * top
        yy = np.log10(np.clip(h[idx], floor, None))
        (slope, icpt), cov, _ = fit_line(xs[idx], yy)
        target = math.log10(floor * 10)
    else:
        (slope, icpt), cov, _ = fit_line(xs[idx], h[idx])
        target = 0.0
    if slope <= 0:
        raise ParameterError("edge fit gave a non-increasing line; choose fit_range")
    x0, err = propagate(
        lambda q: (target - q[1]) / q[0], [slope, icpt], cov,
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
    """
    x, y = _xy(spectrum)
    cut, err = edge_onset(x, y, rising=False, fit_range=fit_range)
    res = Result(
        kind="ups.cutoff", provenance=make_provenance([], {"photon_energy": photon_energy})
    )
    res.parameters["cutoff"] = Quantity(cut, err, "eV")
    res.derived["work_function"] = Quantity(photon_energy - cut, err, "eV")
    return res


def valence_band_onset(
    spectrum: xr.DataArray,
    *,
    window: tuple[float, float] | None = None,
    method: Literal["linear", "log"] = "linear",
    fit_range: tuple[float, float] = (0.2, 0.8),
) -> Result:
    """E_F − E_VBM from the valence-band leading edge (spec P-45).

    ``method="linear"``: linear extrapolation on a linear intensity scale (thesis);
    ``"log"``: on a log scale (Endres et al. 2016, recommended for halide perovskites whose
    low density of states at the VBM makes the linear onset too deep).
    ``window`` restricts the binding-energy range holding the leading edge.
    """
    x, y = _xy(spectrum)
    if window is not None:
        m = (x >= min(window)) & (x <= max(window))
        x, y = x[m], y[m]
    onset, err = edge_onset(x, y, rising=True, fit_range=fit_range, log_scale=method == "log")
    res = Result(
        kind="ups.vbm", provenance=make_provenance([], {"method": method, "window": window})
    )
    res.parameters["vbm_below_fermi"] = Quantity(onset, err, "eV")
    return res


def band_alignment(
    a: BandEdges | tuple[str, float, float, float],
    b: BandEdges | tuple[str, float, float, float],
    *,
    quasi_threshold: float = 0.1,
) -> Result:
    """Band alignment of materials A and B: levels, offsets, type, carrier destinations (P-46).

    Each material is :class:`~heterolab.physics.bands.BandEdges` or a tuple
    ``(name, work_function, E_F − E_VBM, gap)`` in eV (as from UPS and Tauc). Thesis Fig. 4-9:
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
    return res
