"""Multi-peak decomposition of spectra on a baseline (Gaussian, Voigt, bi-Gaussian).

Peaks are fitted in energy space after the Jacobian (spec P-26; Mooney & Kambhampati,
J. Phys. Chem. Lett. 4, 3316 (2013)) with lmfit line shapes; the baseline is either fitted
together with the peaks (``"constant"``, ``"linear"``, ``"quadratic"``) or estimated first
with pybaselines (``"asls"``, ``"modpoly"``, ``"snip"``, ...) and subtracted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import xarray as xr

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.io.spectra import make_spectrum
from heterolab.kinetics.decay_models import fwhm_to_sigma, sigma_to_fwhm
from heterolab.parameters import ParameterSet
from heterolab.result import Quantity, Result, make_provenance
from heterolab.spectroscopy._fitparams import merge_parameters, record_parameter_sets
from heterolab.spectroscopy.choices import PeakShape
from heterolab.spectroscopy.spectra import (
    axis_to_ev,
    spectral_axis,
    to_energy,
    wavelength_quantity,
)
from heterolab.units import HC_EV_NM

__all__ = ["PEAK_SHAPES", "PeakShape", "bigaussian", "fit_peaks", "subtract_baseline"]


PEAK_SHAPES = tuple(m.value for m in PeakShape)
_FITTED_BASELINES = {"none": -1, "constant": 0, "linear": 1, "quadratic": 2}
_SQRT_2PI = math.sqrt(2 * math.pi)


def bigaussian(
    x: np.ndarray, amplitude: float, center: float, sigma_low: float, sigma_high: float
) -> np.ndarray:
    """Asymmetric (bi-)Gaussian of unit-normalised area × ``amplitude``.

    Width ``sigma_low`` below and ``sigma_high`` above ``center``; area = amplitude,
    FWHM = 1.1774 (σ_low + σ_high) (e.g. Buza et al., Anal. Chem. 2000 use of split peaks).
    """
    s = np.where(x < center, sigma_low, sigma_high)
    norm = amplitude * 2.0 / (_SQRT_2PI * (sigma_low + sigma_high))
    return norm * np.exp(-0.5 * ((x - center) / s) ** 2)


def subtract_baseline(
    spectrum: xr.DataArray, method: str = "asls", **options: float
) -> tuple[xr.DataArray, xr.DataArray]:
    """Spectrum minus a baseline estimated by pybaselines method ``method``.

    Uses :class:`pybaselines.Baseline` (Erb, pybaselines, 2022; AsLS: Eilers & Boelens 2005).

    Returns
    -------
    corrected, baseline
    """
    from pybaselines import Baseline

    dim = spectral_axis(spectrum)
    fitter = Baseline(x_data=spectrum[dim].values)
    if not hasattr(fitter, method):
        raise ParameterError(
            f"unknown pybaselines method {method!r} (e.g. asls, modpoly, snip, arpls)"
        )
    base, _ = getattr(fitter, method)(spectrum.values, **options)
    b = spectrum.copy(data=np.asarray(base, dtype=float))
    return spectrum - b, b


def _peak_model(shape: str, prefix: str):  # -> lmfit.Model
    import lmfit

    shape = as_choice(PeakShape, shape, "shape")
    if shape == "gaussian":
        return lmfit.models.GaussianModel(prefix=prefix)
    if shape == "voigt":
        return lmfit.models.VoigtModel(prefix=prefix)
    if shape == "bigaussian":
        return lmfit.Model(bigaussian, prefix=prefix)
    raise ParameterError(f"shape must be one of {', '.join(PEAK_SHAPES)}, got {shape!r}")


def fit_peaks(
    spectrum: xr.DataArray,
    centers: Sequence[float],
    *,
    shape: Literal["gaussian", "voigt", "bigaussian"] | Sequence[str] = "gaussian",
    baseline: str = "linear",
    window: tuple[float, float] | None = None,
    width_ev: float = 0.05,
    center_tolerance_ev: float = 0.2,
    weights: np.ndarray | None = None,
    parameters: ParameterSet | Mapping[str, Any] | None = None,
) -> Result:
    """Decompose a spectrum into peaks on a baseline, in energy space.

    Parameters
    ----------
    spectrum
        Emission or absorption spectrum over wavelength, energy or wavenumber.
    centers
        Starting peak positions in the spectrum's axis units (nm, eV or cm⁻¹).
    shape
        One shape for all peaks, or one per peak: ``"gaussian"``, ``"voigt"``,
        ``"bigaussian"`` (asymmetric).
    baseline
        ``"none"``, ``"constant"``, ``"linear"``, ``"quadratic"`` (fitted with the peaks) or a
        pybaselines method name (estimated first and subtracted).
    window
        Fit range in the spectrum's axis units.
    width_ev
        Starting FWHM [eV].
    center_tolerance_ev
        Each centre is bounded to ±this around its start.
    weights
        1/σ per point on the energy grid; default unweighted (errors scaled by reduced χ²).
    parameters
        A :class:`~heterolab.parameters.ParameterSet` (or its mapping, e.g. another fit's
        ``statistics["parameters_fitted"]``) over the fit's parameters ``pN_center`` [eV],
        ``pN_sigma`` (or ``pN_sigma_low``/``pN_sigma_high``, ``pN_gamma``) [eV],
        ``pN_amplitude`` and the fitted baseline's ``b_c``/``b_cK``: start values, fixed
        (``vary=False``), bounds or expressions (``"p1_sigma": "p0_sigma"`` shares a width).

    Returns
    -------
    Result
        kind ``"spectrum.peak_fit"``; per peak ``pN_center`` [eV], ``pN_wavelength`` [nm],
        ``pN_fwhm`` [meV], ``pN_fwhm_nm`` [nm], ``pN_area`` (value units × eV), and
        ``pN_area_fraction``; curves data/model/baseline/residuals and ``pN`` components.
    """
    dim = spectral_axis(spectrum)
    if len(centers) == 0:
        raise ParameterError("give at least one starting peak centre")
    shapes = [shape] * len(centers) if isinstance(shape, str) else list(shape)
    if len(shapes) != len(centers):
        raise ParameterError(f"{len(shapes)} shapes for {len(centers)} peaks; give one per peak")
    s = spectrum.sortby(dim)
    if window is not None:
        lo, hi = sorted(window)
        s = s.sel({dim: slice(lo, hi)})
    e = to_energy(s)
    x, y = e["energy"].values, e.values.astype(float)
    if x.size < 3 * len(centers) + 3:
        raise ParameterError(f"{x.size} points are too few for {len(centers)} peaks")
    bad = int(np.sum(~np.isfinite(y)))
    if bad:
        raise ParameterError(
            f"the spectrum holds {bad} non-finite value(s) (NaN or inf) in the fitted range; "
            "remove or interpolate them first"
        )
    base_curve = np.zeros_like(y)
    if baseline not in _FITTED_BASELINES:
        corrected, b = subtract_baseline(e, baseline)
        base_curve = b.values
        y = corrected.values
    model = None
    for i, sh in enumerate(shapes):
        m = _peak_model(sh, f"p{i}_")
        model = m if model is None else model + m
    order = _FITTED_BASELINES.get(baseline, -1)
    if order >= 0:
        import lmfit

        if order == 0:
            model = model + lmfit.models.ConstantModel(prefix="b_")
        else:
            model = model + lmfit.models.PolynomialModel(degree=order, prefix="b_")
    params = model.make_params()
    sig = float(fwhm_to_sigma(width_ev))
    for i, (c, sh) in enumerate(zip(centers, shapes, strict=True)):
        c_ev = axis_to_ev(float(c), dim)
        p = f"p{i}_"
        height = float(np.interp(c_ev, x, y))
        params[p + "center"].set(
            value=c_ev, min=c_ev - center_tolerance_ev, max=c_ev + center_tolerance_ev
        )
        params[p + "amplitude"].set(
            value=max(height, 1e-3 * float(np.ptp(y))) * sig * math.sqrt(2 * math.pi), min=0
        )
        if sh == "bigaussian":
            params[p + "sigma_low"].set(value=sig, min=1e-5)
            params[p + "sigma_high"].set(value=sig, min=1e-5)
        else:
            params[p + "sigma"].set(value=sig if sh == "gaussian" else sig / 2, min=1e-5)
    if order == 0:
        params["b_c"].set(value=float(np.min(y)))
    elif order > 0:
        for k in range(order + 1):
            params[f"b_c{k}"].set(value=0.0)
    initial = merge_parameters(
        _as_set(params, e.attrs.get("units", "counts")), parameters, "fit_peaks"
    )
    _apply_set(params, initial)
    fit = model.fit(y, params, x=x, weights=weights, nan_policy="raise")
    res = Result(
        kind="spectrum.peak_fit",
        provenance=make_provenance(
            [s.attrs["source_file"]] if "source_file" in s.attrs else [],
            {"centers": list(centers), "shape": shapes, "baseline": baseline, "window": window},
        ),
    )
    if not fit.success or fit.covar is None:
        res.mark_failed(f"peak fit did not converge or covariance unavailable: {fit.message}")
    total = 0.0
    comps = fit.eval_components(x=x)
    for i, sh in enumerate(shapes):
        p = f"p{i}_"
        _add_peak_quantities(res, fit.params, p, sh)
        total += res.parameters[p + "area"].value
    for i in range(len(shapes)):
        p = f"p{i}_"
        res.derived[p + "area_fraction"] = Quantity(
            res.parameters[p + "area"].value / total if total > 0 else math.nan, None, "1"
        )
    res.statistics.update(
        chisqr=float(fit.chisqr), redchi=float(fit.redchi), nfev=int(fit.nfev), ndata=int(x.size)
    )
    fitted = initial.copy()
    for name, par in fitted.params.items():
        par.value = float(fit.params[name].value)
    record_parameter_sets(res, initial, fitted)
    units = e.attrs.get("units", "counts")
    res.curves["data"] = make_spectrum(x, y + base_curve, "energy", units=units)
    res.curves["model"] = make_spectrum(x, fit.best_fit + base_curve, "energy", units=units)
    res.curves["residuals"] = make_spectrum(x, y - fit.best_fit, "energy", units=units)
    fitted_base = base_curve + comps.get("b_", 0.0)
    res.curves["baseline"] = make_spectrum(
        x, np.broadcast_to(fitted_base, x.shape).copy(), "energy", units=units
    )
    for i in range(len(shapes)):
        res.curves[f"p{i}"] = make_spectrum(x, comps[f"p{i}_"] + fitted_base, "energy", units=units)
    return res


def _q(params, name: str, scale: float = 1.0, unit: str = "eV") -> Quantity:
    par = params[name]
    err = None if par.stderr is None else float(par.stderr) * scale
    return Quantity(float(par.value) * scale, err, unit)


def _add_peak_quantities(res: Result, params, p: str, shape: str) -> None:
    center = _q(params, p + "center")
    res.parameters[p + "center"] = center
    res.parameters[p + "area"] = _q(params, p + "amplitude", unit="counts*eV")
    if shape == "bigaussian":
        lo, hi = params[p + "sigma_low"], params[p + "sigma_high"]
        f = float(sigma_to_fwhm(0.5))  # FWHM = sqrt(2 ln 2)(σ_low + σ_high)
        err = (
            None
            if lo.stderr is None or hi.stderr is None
            else f * math.sqrt(lo.stderr**2 + hi.stderr**2)
        )
        fw = Quantity(1000 * f * (lo.value + hi.value), None if err is None else 1000 * err, "meV")
        res.derived[p + "asymmetry"] = Quantity(float(hi.value / lo.value), None, "1")
    else:
        fw = _q(params, p + "fwhm", 1000.0, "meV")
    res.parameters[p + "fwhm"] = fw
    res.derived[p + "wavelength"] = wavelength_quantity(center)
    half = fw.value / 2000.0
    res.derived[p + "fwhm_nm"] = Quantity(
        HC_EV_NM / (center.value - half) - HC_EV_NM / (center.value + half), None, "nm"
    )


def _as_set(params: Any, units: str) -> ParameterSet:
    """The lmfit start parameters (not lmfit's own derived ones) as a ParameterSet."""
    ps = ParameterSet()
    for name, par in params.items():
        if par.expr is not None:
            continue  # fwhm/height: lmfit's derived quantities, not fit parameters
        if name.endswith("amplitude"):
            unit = f"{units}*eV"
        elif name.startswith("b_"):
            unit = units
        else:
            unit = "eV"
        ps.add(name, float(par.value), vary=bool(par.vary), unit=unit,
               min=float(par.min), max=float(par.max))  # fmt: skip
    return ps


def _apply_set(params: Any, ps: ParameterSet) -> None:
    """Start values, bounds, fixed flags and expressions of ``ps`` into the lmfit parameters."""
    for name, par in ps.params.items():
        if par.expr is not None:
            params[name].set(expr=par.expr_text())
        else:
            params[name].set(value=par.value, vary=par.vary, min=par.min, max=par.max, expr="")
