"""2-D TRPL maps (wavelength x time): global lifetime analysis with decay-associated spectra,
lifetimes per wavelength, and lifetime against photon energy (thesis §3.3.3, Fig. 3-25).

Global analysis (spec P-37): the map is modelled as

.. math::

    m(\\lambda, t) = \\sum_i \\mathrm{DAS}_i(\\lambda)\\,[\\mathrm{IRF}\\otimes e^{-t/\\tau_i}](t)
                     + b(\\lambda)

with lifetimes, IRF shift (and Gaussian IRF width) shared by all wavelengths and the
decay-associated spectra DAS_i(λ) and backgrounds b(λ) linear, eliminated by variable projection
(Golub & Pereyra, SIAM J. Numer. Anal. 10, 413 (1973); van Stokkum, Larsen & van Grondelle,
Biochim. Biophys. Acta 1657, 82 (2004)). The objective is the Pearson chi-square with weights
1/max(m, 1) from the previous pass (iteratively reweighted least squares, two passes after a
1/max(y, 1) start), which approaches the Poisson likelihood fit at the count levels of a map
pixel. Errors of the shared parameters come from the Jacobian of the projected residuals
(marginal over the linear parameters); DAS errors are conditional on the lifetimes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import least_squares

from heterolab.arrays import as_decays
from heterolab.errors import ParameterError
from heterolab.kinetics.trpl.decay_diagnostics import correlation_matrix
from heterolab.kinetics.trpl.decay_fit import fit_decay
from heterolab.kinetics.trpl.decay_setup import (
    DecayProblem,
    build_problem,
    component_shapes,
    decay_parameters,
    from_internal,
    from_parameter_set,
    internal_bounds,
    to_internal,
)
from heterolab.kinetics.trpl.pixel_status import PixelStatus, flags_of_result, record_status
from heterolab.progress import progress
from heterolab.result import Quantity, Result, make_provenance
from heterolab.units import wavelength_nm_to_energy_ev

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["fit_trpl_map"]


def _as_map(trpl_map: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts (wavelength, time), wavelengths (nm) and times (ns) of a DataArray map
    (:func:`heterolab.arrays.as_decays`)."""
    if not (hasattr(trpl_map, "dims") and {"wavelength", "time"} <= set(trpl_map.dims)):
        dims = getattr(trpl_map, "dims", None)
        raise ParameterError(
            f"TRPL map must be a DataArray with dims ('wavelength', 'time'), got {dims}"
        )
    d = as_decays(trpl_map, lead_dims=("wavelength",))
    wl = np.asarray(trpl_map["wavelength"].values, dtype=float)
    if wl.size < 2:
        raise ParameterError(f"TRPL map needs >= 2 wavelengths, got {wl.size}")
    return d.counts, wl, d.time


def fit_trpl_map(
    trpl_map: xr.DataArray,
    *,
    irf: Any = None,
    irf_fwhm: float | None = None,
    n_components: int = 2,
    shared: bool = True,
    fit_range: tuple[float, float] | None = None,
    per_wavelength: bool = True,
    per_wavelength_components: int | None = None,
    min_counts: float = 1000.0,
    parameters: Any = None,
) -> Result:
    """Fit a TRPL map: global lifetimes with DAS, and lifetimes per wavelength.

    Parameters
    ----------
    trpl_map
        Counts with dims ``("wavelength", "time")`` (nm; bin-start times in ns or with a
        ``units`` attribute).
    irf
        Measured IRF on the same time bins (1-D), or ``None``/``"gaussian"``.
    irf_fwhm
        Gaussian IRF FWHM in ns (fixed) or ``None`` (fitted).
    n_components
        Exponentials of the global model (1–4).
    shared
        Global fit with lifetimes shared across wavelengths (DAS). ``False`` skips it.
    fit_range
        Time window (ns) for all fits; default from the wavelength-summed decay.
    per_wavelength
        Also fit every wavelength whose total counts reach ``min_counts`` separately
        (:func:`~heterolab.kinetics.trpl.decay_fit.fit_decay`, Poisson ML, IRF position and width
        fixed at the global values when available).
    per_wavelength_components
        Exponentials per wavelength (default ``n_components``).
    min_counts
        Smallest total counts of a wavelength row to be fitted on its own.
    parameters
        A :class:`heterolab.parameters.ParameterSet` (or its ``to_dict()``), the one parameter
        idiom (as :func:`~heterolab.kinetics.trpl.decay_fit.fit_decay`): start values of the
        shared ``tau_i``, ``shift``, ``irf_fwhm``; ``vary=False`` holds ``shift`` or
        ``irf_fwhm`` fixed (the backgrounds, one per wavelength, are always fitted).
        ``statistics["parameters_fitted"]`` of a map fit repeats it.

    Returns
    -------
    Result
        ``kind="trpl.map_fit"``: parameters ``tau_1..N`` (shared, ns, ascending), ``shift``,
        ``irf_fwhm`` (Gaussian); derived ``tau_avg_intensity`` of the summed DAS; curves
        ``das`` and ``das_stderr`` (component x wavelength, counts/bin), ``lifetime`` and
        ``lifetime_stderr`` (intensity-weighted per wavelength, ns), ``lifetime_vs_energy``,
        ``residuals`` (wavelength x time, weighted), ``pixel_status``/``pixel_flags`` of the
        per-wavelength fits (:mod:`~heterolab.kinetics.trpl.pixel_status`, judged on the
        lifetime taken from them; rows below ``min_counts`` are masked); statistics ``chi2_reduced``, ``dof``, ``n_wavelengths``,
        ``wavelengths_fitted``, ``pixel_status_counts``, ``pixel_flag_counts``. The Result is
        suspect when more than 5 % of the fitted wavelengths are.
    """
    y, wl, t = _as_map(trpl_map)
    initial, shift, background, irf_fwhm = from_parameter_set(
        decay_parameters(parameters, irf_fwhm=irf_fwhm)
    )
    if not isinstance(background, str):
        raise ParameterError(
            "a TRPL map fit has one free background per wavelength; background cannot be "
            "held fixed (vary=False)"
        )
    total = y.sum(axis=0)
    summed = fit_decay(
        total,
        time=t,
        irf=irf,
        irf_fwhm=irf_fwhm,
        n_components=n_components,
        fit_range=fit_range,
        shift=shift,
        initial=initial or None,
    )
    result = Result(
        kind="trpl.map_fit",
        provenance=make_provenance(
            (),
            {
                "n_components": n_components,
                "shared": shared,
                "irf_fwhm": irf_fwhm,
                "fit_range": fit_range,
                "min_counts": min_counts,
            },
        ),
    )
    fixed: dict[str, float] = {} if isinstance(shift, str) else {"shift": float(shift)}
    if shared:
        if summed.status == "failed":
            result.mark_failed(f"fit of the wavelength-summed decay failed: {summed.message}")
            return result
        fixed = _global_fit(result, y, wl, t, summed, irf, irf_fwhm, n_components, fit_range, shift)
    _record_parameter_sets(result, summed, shared)
    if per_wavelength:
        _per_wavelength(
            result,
            y,
            wl,
            t,
            irf,
            irf_fwhm,
            fixed,
            per_wavelength_components or n_components,
            fit_range,
            min_counts,
            summed,
        )
    return result


def _global_fit(
    result: Result,
    y: np.ndarray,
    wl: np.ndarray,
    t: np.ndarray,
    summed: Result,
    irf: Any,
    irf_fwhm: float | None,
    n: int,
    fit_range: tuple[float, float] | None,
    shift: Any = "free",
) -> dict[str, float]:
    """Variable-projection IRLS fit with shared nonlinear parameters; fills ``result``."""
    p, _ = build_problem(
        y.sum(axis=0),
        t,
        irf,
        irf_fwhm,
        n,
        "mle",
        fit_range,
        shift,
        "free",
        None,
        "exp",
        None,
    )
    window = p.window
    Y = y[:, window]
    x0 = np.array([to_internal(name, summed[name].value) for name in p.nl_names])
    lo = np.array([internal_bounds(p, nm)[0] for nm in p.nl_names])
    hi = np.array([internal_bounds(p, nm)[1] for nm in p.nl_names])
    W = 1.0 / np.maximum(Y, 1.0)
    res = None
    for _ in range(3):  # 1/y start, then two passes with model weights (IRLS)
        res = least_squares(
            _projected_residuals,
            np.clip(x0, lo, hi),
            bounds=(lo, hi),
            args=(p, Y, W),
            method="trf",
            x_scale="jac",
            ftol=1e-10,
            xtol=1e-10,
            max_nfev=200,
        )
        x0 = res.x
        _, M = _project(p, res.x, Y, W)
        W = 1.0 / np.maximum(M, 1.0)
    assert res is not None
    C, M = _project(p, res.x, Y, W)
    r = (Y - M) * np.sqrt(W)
    n_par = len(p.nl_names) + C.size
    dof = max(Y.size - n_par, 1)
    chi2_red = float(np.sum(r * r) / dof)
    J = res.jac
    cov_x = np.linalg.pinv(J.T @ J) * max(chi2_red, 1.0)
    names = list(p.nl_names)
    values = np.array([from_internal(nm, v) for nm, v in zip(names, res.x, strict=True)])
    dnat = np.array(
        [
            v if nm.startswith(("tau_", "irf_fwhm")) else 1.0
            for nm, v in zip(names, values, strict=True)
        ]
    )
    cov = cov_x * np.outer(dnat, dnat)
    taus = np.array([values[names.index(f"tau_{i + 1}")] for i in range(n)])
    order = np.argsort(taus)
    err = np.sqrt(np.clip(np.diag(cov), 0, None))
    for new, old in enumerate(order):
        k = names.index(f"tau_{old + 1}")
        result.parameters[f"tau_{new + 1}"] = Quantity(float(values[k]), float(err[k]), "ns")
    fixed = {}
    for nm, v in p.fixed.items():
        if nm in ("shift", "irf_fwhm"):
            result.parameters[nm] = Quantity(float(v), None, "ns")
            fixed[nm] = float(v)
    for nm in ("shift", "irf_fwhm"):
        if nm in names:
            k = names.index(nm)
            result.parameters[nm] = Quantity(float(values[k]), float(err[k]), "ns")
            fixed[nm] = float(values[k])
    if irf_fwhm is not None:
        result.parameters["irf_fwhm"] = Quantity(float(irf_fwhm), None, "ns")
        fixed["irf_fwhm"] = float(irf_fwhm)
    das, das_err = _das_with_errors(p, res.x, Y, W, order, n)
    _das_curves(result, wl, das, das_err, C[:, -1])
    a_tot, t_sorted = das.sum(axis=0), taus[order]
    if np.sum(a_tot * t_sorted) != 0:
        result.derived["tau_avg_intensity"] = Quantity(
            float(np.sum(a_tot * t_sorted**2) / np.sum(a_tot * t_sorted)), None, "ns"
        )
    import xarray as xr

    result.curves["residuals"] = xr.DataArray(
        r,
        dims=("wavelength", "time"),
        coords={
            "wavelength": ("wavelength", wl, {"units": "nm"}),
            "time": ("time", t[window], {"units": "ns"}),
        },
        attrs={"units": "1"},
    )
    result.statistics.update(
        chi2_reduced=chi2_red,
        dof=int(dof),
        n_points=int(Y.size),
        n_wavelengths=int(wl.size),
        iterations=int(res.nfev),
        converged=bool(res.status > 0),
        estimator="irls-pearson",
        fit_range_ns=[float(t[window.start]), float(t[window.stop - 1] + p.delta)],
        correlation={"names": names, "matrix": correlation_matrix(cov).tolist()},
    )
    if res.status <= 0:
        result.mark_failed(f"global fit did not converge: {res.message}")
    return fixed


def _record_parameter_sets(result: Result, summed: Result, shared: bool) -> None:
    """``statistics["parameters_initial"/"parameters_fitted"]`` (ParameterSet dicts): the
    start of the summed-decay fit and the shared values found (the summed fit's without the
    global fit); per-wavelength backgrounds are not part of them."""
    from heterolab.parameters import ParameterSet

    for key in ("parameters_initial", "parameters_fitted"):
        ps = ParameterSet.from_mapping(summed.statistics[key])
        ps.params.pop("background", None)
        if key == "parameters_fitted" and shared:
            for name in ps.params:
                if name in result.parameters and ps.params[name].vary:
                    ps.params[name].value = result.parameters[name].value
        result.statistics[key] = ps.to_dict()


def _project(
    p: DecayProblem, x: np.ndarray, Y: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted linear amplitudes (per wavelength: DAS and background) and the model map."""
    nl = _shared_values(p, x)
    D = np.vstack([component_shapes(p, nl)[:, p.window], np.ones((1, Y.shape[1]))])  # (k, T)
    A = np.einsum("kt,lt,jt->lkj", D, W, D)  # normal matrices per wavelength
    b = np.einsum("kt,lt->lk", D, W * Y)
    C = np.linalg.solve(
        A + 1e-12 * np.eye(D.shape[0]) * np.trace(A, axis1=1, axis2=2)[:, None, None], b[..., None]
    )[..., 0]
    return C, C @ D


def _shared_values(p: DecayProblem, x: np.ndarray) -> dict[str, float]:
    """Nonlinear parameter values (free from ``x``, plus the fixed IRF width/shift)."""
    nl = {nm: from_internal(nm, v) for nm, v in zip(p.nl_names, x, strict=True)}
    nl.update({k: v for k, v in p.fixed.items() if k != "background"})
    return nl


def _projected_residuals(
    x: np.ndarray, p: DecayProblem, Y: np.ndarray, W: np.ndarray
) -> np.ndarray:
    _, M = _project(p, x, Y, W)
    return ((Y - M) * np.sqrt(W)).ravel()


def _das_with_errors(
    p: DecayProblem, x: np.ndarray, Y: np.ndarray, W: np.ndarray, order: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    nl = _shared_values(p, x)
    D = np.vstack([component_shapes(p, nl)[:, p.window], np.ones((1, Y.shape[1]))])
    A = np.einsum("kt,lt,jt->lkj", D, W, D)
    C, _ = _project(p, x, Y, W)
    cov = np.linalg.pinv(A)
    err = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0, None))
    return C[:, :n][:, order], err[:, :n][:, order]


def _das_curves(
    result: Result, wl: np.ndarray, das: np.ndarray, err: np.ndarray, bg: np.ndarray
) -> None:
    import xarray as xr

    coords = {
        "component": np.arange(1, das.shape[1] + 1),
        "wavelength": ("wavelength", wl, {"units": "nm"}),
    }
    result.curves["das"] = xr.DataArray(
        das.T, dims=("component", "wavelength"), coords=coords, attrs={"units": "counts"}
    )
    result.curves["das_stderr"] = xr.DataArray(
        err.T, dims=("component", "wavelength"), coords=coords, attrs={"units": "counts"}
    )
    result.curves["background"] = xr.DataArray(
        bg,
        dims="wavelength",
        coords={"wavelength": coords["wavelength"]},
        attrs={"units": "counts"},
    )


def _per_wavelength(
    result: Result,
    y: np.ndarray,
    wl: np.ndarray,
    t: np.ndarray,
    irf: Any,
    irf_fwhm: float | None,
    fixed: dict[str, float],
    n: int,
    fit_range: tuple[float, float] | None,
    min_counts: float,
    summed: Result,
) -> None:
    """Separate Poisson-ML fits per wavelength row; lifetime vs wavelength and photon energy."""
    import xarray as xr

    tau = np.full(wl.size, np.nan)
    err = np.full(wl.size, np.nan)
    status = np.full(wl.size, int(PixelStatus.MASKED), dtype=np.int64)
    flags = np.zeros(wl.size, dtype=np.int64)
    failed = []
    rng = fit_range or tuple(summed.statistics.get("fit_range_ns", (None, None)))
    window = None if rng[0] is None else (float(rng[0]), float(rng[1]))
    for i in progress(range(wl.size), description="fitting wavelengths", unit="wavelength"):
        if y[i].sum() < min_counts:
            continue
        r = fit_decay(
            y[i],
            time=t,
            irf=irf,
            irf_fwhm=fixed.get("irf_fwhm", irf_fwhm),
            n_components=n,
            fit_range=window,
            shift=fixed.get("shift", "free"),
        )
        key = "tau_avg_intensity" if n > 1 else "tau_1"
        lo_hi = r.statistics.get("fit_range_ns", (t[0], t[-1]))
        flags[i] = flags_of_result(r, float(lo_hi[1] - lo_hi[0]), float(t[1] - t[0]), (key,))
        status[i] = (
            PixelStatus.FAILED
            if r.status == "failed"
            else (PixelStatus.SUSPECT if flags[i] else PixelStatus.OK)
        )
        if r.status == "failed" or (key not in r.derived and key not in r.parameters):
            failed.append(float(wl[i]))
            continue
        q = r[key]
        tau[i], err[i] = q.value, np.nan if q.stderr is None else q.stderr
    wl_coord = ("wavelength", wl, {"units": "nm"})
    result.curves["lifetime"] = xr.DataArray(
        tau, dims="wavelength", coords={"wavelength": wl_coord}, attrs={"units": "ns"}
    )
    result.curves["lifetime_stderr"] = xr.DataArray(
        err, dims="wavelength", coords={"wavelength": wl_coord}, attrs={"units": "ns"}
    )
    ok = np.isfinite(tau)
    energy = np.asarray(wavelength_nm_to_energy_ev(wl[ok]), dtype=float)
    order = np.argsort(energy)
    e_coord = ("energy", energy[order], {"units": "eV"})
    result.curves["lifetime_vs_energy"] = xr.DataArray(
        tau[ok][order], dims="energy", coords={"energy": e_coord}, attrs={"units": "ns"}
    )
    result.curves["lifetime_vs_energy_stderr"] = xr.DataArray(
        err[ok][order], dims="energy", coords={"energy": e_coord}, attrs={"units": "ns"}
    )
    for name, arr in (("pixel_status", status), ("pixel_flags", flags)):
        result.curves[name] = xr.DataArray(
            arr, dims="wavelength", coords={"wavelength": wl_coord}, attrs={"units": "1"}
        )
    if result.status != "failed":
        record_status(result, status, flags, "wavelengths")
    result.statistics["wavelengths_fitted"] = int(ok.sum())
    result.statistics["per_wavelength_lifetime"] = "tau_avg_intensity" if n > 1 else "tau_1"
    if failed:
        result.warnings.append(
            f"per-wavelength fits failed at {len(failed)} wavelength(s): {failed[:10]} nm"
        )
