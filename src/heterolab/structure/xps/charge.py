"""Binding-energy calibration: charge shift from adventitious C 1s, Au 4f7/2 or a Fermi edge.

The shift ΔE = E_ref − E_measured is added to every binding energy of spectra from the same
sample. References: C–C/C–H of adventitious carbon at 284.8 eV (Barr & Seal, J. Vac. Sci.
Technol. A 13, 1239 (1995); its limits: Greczynski & Hultman, Prog. Mater. Sci. 107, 100591
(2020)); Au 4f7/2 at 83.96 eV (ISO 15472:2010); the Fermi level E_F = 0 located by a
Fermi–Dirac step convolved with a Gaussian (thermal broadening k_B T fixed, resolution fitted).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result
from heterolab.structure.xps.choices import ChargeReference, UpsEdge
from heterolab.structure.xps.fit import Component, fit_xps, least_squares_fit, xy_window

__all__ = [
    "REFERENCES",
    "ChargeReference",
    "UpsEdge",
    "apply_charge_shift",
    "charge_correction",
    "fit_fermi_edge",
]

#: Reference binding energies (eV) and their sources.
REFERENCES: dict[str, tuple[float, str]] = {
    "C 1s": (284.8, "adventitious C–C/C–H (Barr & Seal, JVST A 13, 1239 (1995))"),
    "Au 4f7/2": (83.96, "ISO 15472:2010"),
    "Fermi": (0.0, "Fermi level E_F = 0"),
}


_K_B = 8.617333262e-5  # eV/K


def apply_charge_shift(spectrum: xr.DataArray, shift_ev: float) -> xr.DataArray:
    """Copy of ``spectrum`` with ``shift_ev`` added to its binding energies (``attrs`` record it)."""
    if not math.isfinite(shift_ev):
        raise ParameterError(f"charge shift must be a finite number of eV, got {shift_ev!r}")
    out = spectrum.assign_coords(binding_energy=spectrum["binding_energy"] + shift_ev)
    out["binding_energy"].attrs["units"] = "eV"
    out.attrs = dict(spectrum.attrs)
    out.attrs["charge_shift_ev"] = float(shift_ev) + float(spectrum.attrs.get("charge_shift_ev", 0))
    return out


def charge_correction(
    spectrum: xr.DataArray,
    reference: ChargeReference | str = "C 1s",
    *,
    value: float | None = None,
    window: tuple[float, float] | None = None,
    temperature_k: float = 300.0,
) -> Result:
    """Charge shift ΔE = E_ref − E_measured (eV) from one reference spectrum (``xps.charge``).

    Parameters
    ----------
    spectrum
        The reference region (C 1s, Au 4f or the Fermi edge) over ``binding_energy``.
    reference
        ``"C 1s"`` (main C–C line of a three-component adventitious-carbon fit: C–C, C–O at
        +1.5 eV, O–C=O at +4 eV, shared widths), ``"Au 4f7/2"`` (Au 4f doublet) or
        ``"Fermi"`` (edge fit, :func:`fit_fermi_edge`).
    value
        Reference energy (eV); default from :data:`REFERENCES`.
    window
        Binding-energy window (eV) of the reference feature; default the whole spectrum.
    """
    key = {r.lower(): r for r in REFERENCES}.get(str(reference).lower())
    if key is None:
        raise ParameterError(f"reference {reference!r} is not one of {', '.join(REFERENCES)}")
    reference = key
    ref_value, source = REFERENCES[reference]
    ref_value = ref_value if value is None else float(value)
    if reference == "Fermi":
        fit = fit_fermi_edge(spectrum, window=window, temperature_k=temperature_k)
        measured = fit.parameters["edge"]
    else:
        x, y = xy_window(spectrum, window)
        peak = float(x[np.argmax(y)])
        if reference == "C 1s":
            comps = [
                Component("C-C", peak, fwhm=1.2, lorentz=0.2, fix_lorentz=True),
                Component("C-O", peak + 1.5, shift_from="C-C", shift=1.5, width_from="C-C"),
                Component("O-C=O", peak + 4.0, shift_from="C-C", shift=4.0, width_from="C-C"),
            ]
            name = "C-C_position"
        else:
            comps = [Component("Au", peak, level="Au 4f", fwhm=0.8, fix_splitting=False)]
            name = "Au_position"
        fit = fit_xps(spectrum, comps, window=window, background_kind="shirley")
        measured = fit.parameters[name]
    res = Result(kind="xps.charge")
    res.parameters["measured"] = Quantity(measured.value, measured.stderr, "eV")
    res.derived["shift"] = Quantity(ref_value - measured.value, measured.stderr, "eV")
    res.statistics.update(
        {
            "reference": reference,
            "reference_ev": ref_value,
            "source": source,
            "fit_status": fit.status,
        }
    )
    res.curves.update(fit.curves)
    if fit.status != "ok":
        res.mark_suspect(f"reference fit {fit.status}: {fit.message}")
    return res


def _fermi_model(x: np.ndarray, edge: float, kt: float, sigma: float) -> np.ndarray:
    """Occupation 1/(1 + exp((E_F − E_B)/kT)) (occupied at E_B > E_F) ⊗ Gaussian of ``sigma``."""
    from scipy.ndimage import gaussian_filter1d

    occ = 0.5 * (1.0 + np.tanh((x - edge) / (2 * kt)))
    step = float(np.mean(np.diff(x)))
    return gaussian_filter1d(occ, sigma / step, mode="nearest", truncate=5.0)


def fit_fermi_edge(
    spectrum: xr.DataArray,
    *,
    window: tuple[float, float] | None = None,
    temperature_k: float = 300.0,
) -> Result:
    """Fermi-edge position (eV) and Gaussian resolution (FWHM, eV) of a metal's edge
    (``xps.fermi_edge``).

    Model: ``I = c + (a + b (E − E_F)) · [f_FD(E; E_F, k_B T) ⊗ G(σ)]`` on binding energy,
    k_B T fixed by ``temperature_k``; Poisson weights ``1/√max(I, 1)`` (counts; normalised data
    below 1 are weighted evenly), errors scaled by χ²_red.
    """
    from heterolab.parameters import ParameterSet

    x, y = xy_window(spectrum, window)
    if not np.allclose(np.diff(x), np.diff(x).mean(), rtol=1e-3):
        raise ParameterError("the Fermi-edge fit needs an evenly spaced energy axis")
    kt = _K_B * float(temperature_k)
    dy = np.gradient(np.convolve(y, np.ones(5) / 5, mode="same"), x)
    edge0 = float(x[2:-2][np.argmax(dy[2:-2])])
    lo = float(np.mean(y[: max(3, x.size // 20)]))
    hi = float(np.mean(y[-max(3, x.size // 20) :]))
    ps = ParameterSet()
    ps.add("edge", edge0, unit="eV", min=x[0], max=x[-1])
    ps.add(
        "sigma",
        max(0.05, 3 * float(np.mean(np.diff(x)))),
        positive=True,
        unit="eV",
        min=1e-4,
        max=float(x[-1] - x[0]),
    )
    ps.add("offset", lo, unit="counts")
    ps.add("height", hi - lo, unit="counts")
    ps.add("slope", 0.0, unit="counts/eV")
    scale = max(abs(hi - lo), 1.0)

    def model(v: dict[str, float]) -> np.ndarray:
        occ = _fermi_model(x, v["edge"], kt, v["sigma"])
        return v["offset"] + (v["height"] + v["slope"] * (x - v["edge"])) * occ

    # Poisson weights for counts (as fit_xps); data below 1 (normalised) are weighted evenly
    sig = np.sqrt(np.maximum(y, 1.0)) * scale / math.sqrt(max(float(np.max(y)), 1.0))
    vals, _vec, cov, sol = least_squares_fit(ps, lambda v: (y - model(v)) / sig, x.size)
    err = np.sqrt(np.clip(np.diag(cov), 0, None)) if np.all(np.isfinite(cov)) else None
    res = Result(kind="xps.fermi_edge")
    for i, n in enumerate(ps.free):
        e = None if err is None else float(err[i])
        if ps.params[n].positive and e is not None:
            e = e * vals[n]
        res.parameters[n] = Quantity(vals[n], e, ps.params[n].unit)
    fwhm = 2 * math.sqrt(2 * math.log(2))
    s = res.parameters["sigma"]
    res.derived["resolution_fwhm"] = Quantity(
        fwhm * s.value, None if s.stderr is None else fwhm * s.stderr, "eV"
    )
    res.statistics.update(
        {"kT_ev": kt, "temperature_k": float(temperature_k), "nfev": int(sol.nfev)}
    )
    fitted = model(vals)
    coord = {"binding_energy": x}
    res.curves["data"] = xr.DataArray(y, dims=("binding_energy",), coords=coord, name="data")
    res.curves["fit"] = xr.DataArray(fitted, dims=("binding_energy",), coords=coord, name="fit")
    res.curves["residuals"] = xr.DataArray(y - fitted, dims=("binding_energy",), coords=coord)
    if not sol.success:
        res.mark_failed(f"Fermi-edge fit did not converge: {sol.message}")
    elif not x[0] < vals["edge"] < x[-1]:
        res.mark_suspect("edge outside the fitted window")
    return res
