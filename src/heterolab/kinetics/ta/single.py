"""Single-wavelength TA kinetics, spectra at chosen delays, bleach-peak position (P-36).

The kinetic model is a sum of IRF-convolved exponentials plus an optional long-lived
(step) component (physics.md P-36; thesis §3.3.3, Tables 3-3 and 3-4):

.. math:: \\Delta OD(t) = \\sum_i A_i\\, (\\mathrm{IRF}\\otimes e^{-t/\\tau_i}H)(t)
          + A_\\infty\\,(\\mathrm{IRF}\\otimes H)(t)

Amplitudes are signed; a component whose amplitude has the opposite sign to the signal's
extreme is a *rise* (e.g. the PbS bleach filling by injected carriers). Amplitude fractions
are |A_i| / Σ|A_j| in %, the form of the thesis' tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from scipy.optimize import least_squares

from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import exp_conv_gaussian
from heterolab.kinetics.ta.model import CoherentArtifact, artifact_terms
from heterolab.result import Quantity, Result, make_provenance

__all__ = ["bleach_peak_position", "fit_kinetics", "kinetic_model", "spectra_at"]


def kinetic_model(
    t: np.ndarray, amplitudes: Sequence[float], taus: Sequence[float], t0: float, sigma: float
) -> np.ndarray:
    """Σ A_i (IRF ⊗ exp(-t/τ_i)) (t); ``tau = inf`` gives the long-lived step (P-36)."""
    tau = np.asarray(taus, float)
    e = exp_conv_gaussian(np.asarray(t, float)[:, None], tau[None, :], t0, sigma)
    return e @ np.asarray(amplitudes, float)


def _trace(data: xr.DataArray, wavelength: float | None, width: float) -> xr.DataArray:
    if "wavelength" in data.dims:
        if wavelength is None:
            raise ParameterError(
                "give the probe wavelength (nm) to take a kinetic trace from a matrix"
            )
        wl = data["wavelength"].values
        if not wl.min() - width <= wavelength <= wl.max() + width:
            raise ParameterError(
                f"wavelength {wavelength} nm is outside the data ({wl.min():g}-{wl.max():g} nm)"
            )
        sel = np.abs(wl - wavelength) <= width / 2
        if not sel.any():
            sel = np.abs(wl - wavelength) == np.abs(wl - wavelength).min()
        return data.isel(wavelength=np.flatnonzero(sel)).mean("wavelength")
    if data.dims != ("time",):
        raise ParameterError(f"expected a trace with dim 'time' or a matrix, got dims {data.dims}")
    return data


def fit_kinetics(
    data: xr.DataArray,
    wavelength: float | None = None,
    *,
    n_exp: int = 1,
    long_lived: bool = True,
    lifetimes: Sequence[float] | None = None,
    irf_center: float = 0.0,
    irf_width: float = 0.06,
    fix_irf: bool = False,
    average_width: float = 0.0,
    coherent_artifact: int | str | CoherentArtifact = "auto",
) -> Result:
    """Fit a kinetic trace with ``n_exp`` exponentials (+ long-lived) and a Gaussian IRF.

    Parameters
    ----------
    data
        A trace (dim ``time`` in ps) or a matrix (then ``wavelength`` picks the trace,
        averaged over ``average_width`` nm).
    n_exp
        Number of finite exponentials (rises and decays alike).
    long_lived
        Add a non-decaying component (``tau = inf``; "> 1000 ps" in the thesis' tables).
    lifetimes
        Start lifetimes (ps); default log-spaced over the window.
    irf_center, irf_width
        Start (or fixed, with ``fix_irf``) IRF centre and standard deviation (ps).
    coherent_artifact
        IRF-shaped artefact terms 0-3 (the Gaussian and its derivatives, amplitudes
        ``A_artifact_i`` in OD), or ``"auto"``: fitted without and with all three, the lower
        BIC kept (statistics ``coherent_artifact``). A coherent spike at time zero otherwise
        pulls in a femtosecond "component" (KiMoPack's Ru-dppz trace at 520 nm).

    Returns
    -------
    Result
        kind ``"ta.kinetics"``; parameters ``tau_i`` (ps, ascending), ``A_i`` (signed, OD),
        ``A_inf``, ``irf_center``, ``irf_width``; derived ``fraction_i`` / ``fraction_inf``
        (% of Σ|A|) with propagated errors; statistics list which components are rises.
    """
    coherent_artifact = artifact_terms(coherent_artifact)
    tr = _trace(data, wavelength, average_width)
    t = np.asarray(tr["time"].values, float)
    y = np.asarray(tr.values, float)
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    if n_exp < 1 or t.size < 2 * n_exp + 4:
        raise ParameterError(
            f"n_exp={n_exp} needs at least {2 * n_exp + 4} finite points, the trace has {t.size}"
        )
    if lifetimes is None:
        lo = max(3 * irf_width, float(np.min(np.diff(t))))
        lifetimes = list(np.geomspace(lo, max(10 * lo, 0.3 * (t.max() - max(t.min(), 0))), n_exp))
    if len(lifetimes) != n_exp:
        raise ParameterError(f"{len(lifetimes)} start lifetimes given for n_exp={n_exp}")
    settings = (n_exp, long_lived, lifetimes, irf_center, irf_width, fix_irf, wavelength)
    orders = (0, 3) if coherent_artifact == "auto" else (int(coherent_artifact),)
    fits = [_fit_trace(t, y, n_ca, *settings) for n_ca in orders]
    bic = [_bic(r, t.size) for r in fits]
    best = int(np.argmin(bic))
    res = fits[best]
    res.statistics["coherent_artifact"] = orders[best]
    if len(fits) > 1:
        res.statistics["coherent_artifact_bic"] = {
            str(o): b for o, b in zip(orders, bic, strict=True)
        }
    res.warnings[:0] = list(data.attrs.get("warnings", []))
    return res


def _bic(res: Result, n: int) -> float:
    k = len(res.parameters) - sum(1 for q in res.parameters.values() if q.stderr is None)
    return float(n * np.log(max(res.statistics["sse"], 1e-300) / n) + k * np.log(n))


def _fit_trace(
    t: np.ndarray,
    y: np.ndarray,
    n_ca: int,
    n_exp: int,
    long_lived: bool,
    lifetimes: Sequence[float],
    irf_center: float,
    irf_width: float,
    fix_irf: bool,
    wavelength: float | None,
) -> Result:
    """One least-squares fit of the trace with ``n_ca`` artefact terms."""
    from heterolab.kinetics.ta.varpro import coherent_artifact_columns

    def unpack(x: np.ndarray) -> tuple[np.ndarray, float, float]:
        taus = np.exp(x[:n_exp])
        if fix_irf:
            return taus, irf_center, irf_width
        return taus, float(x[n_exp]), float(np.exp(x[n_exp + 1]))

    def design(x: np.ndarray) -> np.ndarray:
        taus, c, s = unpack(x)
        tt = np.append(taus, np.inf) if long_lived else taus
        cols = exp_conv_gaussian(t[:, None], tt[None, :], c, s)
        if n_ca:
            art = coherent_artifact_columns(t, np.array([c]), s, n_ca)[0]
            cols = np.concatenate([cols, art], axis=1)
        return cols

    def resid(x: np.ndarray) -> np.ndarray:
        a = design(x)
        coef, *_ = np.linalg.lstsq(a, y, rcond=None)
        return a @ coef - y

    x0 = np.log(np.asarray(lifetimes, float))
    if not fix_irf:
        x0 = np.concatenate([x0, [irf_center, np.log(irf_width)]])
    lo, hi = _bounds(t, n_exp, fix_irf)
    x0 = np.clip(x0, lo + 1e-9 * (np.abs(lo) + 1), hi - 1e-9 * (np.abs(hi) + 1))
    sol = least_squares(resid, x0, method="trf", x_scale="jac", bounds=(lo, hi))
    res = _kinetics_result(sol, design, unpack, t, y, n_exp, long_lived, fix_irf, wavelength, n_ca)
    _diagnose_kinetics(res, sol, x0, (lo, hi), t, y, n_exp, fix_irf)
    return res


def _bounds(t: np.ndarray, n_exp: int, fix_irf: bool) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of physics for (log τ_i, t0, log σ): only keep the exponentials computable.

    τ between 1e-2 x the smallest delay step and 1e4 x the span, σ between 1e-2 x the
    smallest step and half the span, t0 within the measured delays; a fit that ends on one
    of them is reported as failed.
    """
    dt = float(np.min(np.diff(t)[np.diff(t) > 0]))
    span = float(t.max() - t.min())
    lo = [np.log(1e-2 * dt)] * n_exp
    hi = [np.log(1e4 * span)] * n_exp
    if not fix_irf:
        lo += [float(t.min()), np.log(1e-2 * dt)]
        hi += [float(t.max()), np.log(0.5 * span)]
    return np.array(lo), np.array(hi)


def _diagnose_kinetics(
    res: Result,
    sol: Any,
    x0: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    t: np.ndarray,
    y: np.ndarray,
    n_exp: int,
    fix_irf: bool,
) -> None:
    """Failed when there is no signal, the fit never moved, a parameter ran to a bound of
    physics, a lifetime is below a tenth of the time resolution, the IRF is narrower than a
    fifth of the delay step, or an amplitude exceeds 10x the data's range (a cancelling
    pair); suspect when a lifetime's relative error exceeds 100 %."""
    if res.status == "failed":
        return
    total = float(np.sum((y - y.mean()) ** 2))
    sse = res.statistics["sse"]
    explained = 1.0 - sse / total if total > 0 else 0.0
    res.statistics["explained_fraction"] = explained
    n_lin = n_exp + int("A_inf" in res.parameters)
    if total == 0 or explained < max(0.05, 3.0 * (n_lin + x0.size) / t.size):
        res.mark_failed(
            f"the trace carries no signal the model can describe (it explains {100 * explained:.2g} % of its variance)"
        )
        return
    if sol.nfev > 1 and np.allclose(sol.x, x0, rtol=1e-7, atol=1e-10):
        res.mark_failed("the fit did not move from its start values")
    lo, hi = bounds
    names = [f"lifetime #{i + 1}" for i in range(n_exp)] + (
        [] if fix_irf else ["IRF centre", "IRF width"]
    )
    for name, x, a, b in zip(names, sol.x, lo, hi, strict=True):
        if x <= a + 1e-6 * (abs(a) + 1) or x >= b - 1e-6 * (abs(b) + 1):
            res.mark_failed(f"{name} ran to a bound of physics (delay step to 1e4 x span)")
    dt = float(np.min(np.diff(t)[np.diff(t) > 0]))
    sigma = res.parameters["irf_width"].value
    resolution = max(sigma, 0.5 * dt)
    if not fix_irf and sigma < 0.2 * dt:
        res.mark_failed(
            f"the IRF width {sigma:.3g} ps is below a fifth of the smallest delay step ({dt:.3g} ps)"
        )
    span = float(np.ptp(y))
    for i in range(1, n_exp + 1):
        tau, amp = res.parameters[f"tau_{i}"], res.parameters[f"A_{i}"]
        if tau.value < 0.1 * resolution:
            res.mark_failed(
                f"tau_{i} = {tau.value:.3g} ps is below a tenth of the time resolution ({resolution:.3g} ps)"
            )
        if abs(amp.value) > 10 * span:
            res.mark_failed(
                f"A_{i} = {amp.value:.3g} OD exceeds 10x the data's range ({span:.3g} OD): cancelling components"
            )
        if tau.stderr is not None and np.isfinite(tau.stderr) and tau.stderr > tau.value:
            res.mark_suspect(f"tau_{i} has a relative error above 100 %")


def _kinetics_result(  # type: ignore[no-untyped-def]
    sol, design, unpack, t, y, n_exp, long_lived, fix_irf, wavelength, n_ca=0
) -> Result:
    """Full-parameter covariance (nonlinear + amplitudes) and the Result."""
    taus, c, s = unpack(sol.x)
    a = design(sol.x)
    amps, *_ = np.linalg.lstsq(a, y, rcond=None)
    n_amp = amps.size
    full = np.concatenate([np.log(taus), [] if fix_irf else [c, np.log(s)], amps])

    def model(p: np.ndarray) -> np.ndarray:
        return design(p[: p.size - n_amp]) @ p[p.size - n_amp :]

    jac = np.empty((t.size, full.size))
    base = model(full)
    for j in range(full.size):
        h = 1e-6 * max(abs(full[j]), 1e-3)
        pp = full.copy()
        pp[j] += h
        jac[:, j] = (model(pp) - base) / h
    dof = max(t.size - full.size, 1)
    s2 = float(np.sum((base - y) ** 2)) / dof
    cov = s2 * np.linalg.pinv(jac.T @ jac)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    order = np.argsort(taus)
    params: dict[str, Quantity] = {}
    for rank, i in enumerate(order, 1):
        params[f"tau_{rank}"] = Quantity(float(taus[i]), float(taus[i] * sd[i]), "ps")
    for rank, i in enumerate(order, 1):
        params[f"A_{rank}"] = Quantity(float(amps[i]), float(sd[full.size - n_amp + i]), "OD")
    base_amp = full.size - n_amp
    if long_lived:
        params["A_inf"] = Quantity(float(amps[n_exp]), float(sd[base_amp + n_exp]), "OD")
    first_ca = n_exp + int(long_lived)
    for i in range(n_ca):
        j = first_ca + i
        params[f"A_artifact_{i + 1}"] = Quantity(float(amps[j]), float(sd[base_amp + j]), "OD")
    if not fix_irf:
        params["irf_center"] = Quantity(c, float(sd[n_exp]), "ps")
        params["irf_width"] = Quantity(s, float(s * sd[n_exp + 1]), "ps")
    else:
        params["irf_center"] = Quantity(c, None, "ps")
        params["irf_width"] = Quantity(s, None, "ps")
    kin = slice(full.size - n_amp, full.size - n_amp + n_exp + int(long_lived))
    derived = _fractions(amps[: n_exp + int(long_lived)], cov[kin, kin], order, long_lived)
    extreme = y[np.argmax(np.abs(y))]
    rises = [
        f"tau_{rank}" for rank, i in enumerate(order, 1) if np.sign(amps[i]) != np.sign(extreme)
    ]
    stats = {
        "sse": float(np.sum((base - y) ** 2)),
        "n_points": int(t.size),
        "rises": rises,
        "nfev": int(sol.nfev),
    }
    res = Result(
        "ta.kinetics",
        params,
        derived,
        stats,
        make_provenance(
            (), {"wavelength_nm": wavelength, "n_exp": n_exp, "long_lived": long_lived}
        ),
    )
    if sol.status <= 0:
        res.mark_failed(f"optimizer did not converge: {sol.message}")
    res.curves["data"] = xr.DataArray(y, dims="time", coords={"time": t}, attrs={"units": "OD"})
    res.curves["fit"] = xr.DataArray(base, dims="time", coords={"time": t}, attrs={"units": "OD"})
    res.curves["residuals"] = xr.DataArray(
        y - base, dims="time", coords={"time": t}, attrs={"units": "OD"}
    )
    for da in res.curves.values():
        da["time"].attrs["units"] = "ps"
    return res


def _fractions(
    amps: np.ndarray, cov: np.ndarray, order: np.ndarray, long_lived: bool
) -> dict[str, Quantity]:
    """Amplitude fractions |A_i|/Σ|A_j| in % with first-order errors (P-36)."""
    from heterolab.uncertainty import propagate

    out = {}
    names = [f"fraction_{r}" for r in range(1, order.size + 1)]
    idx = list(order)
    if long_lived:
        names.append("fraction_inf")
        idx.append(amps.size - 1)
    total = float(np.sum(np.abs(amps)))
    for name, i in zip(names, idx, strict=True):
        if not (math.isfinite(total) and total > 0):  # no amplitude at all: no fractions
            out[name] = Quantity(math.nan, math.nan, "%")
            continue
        val, err = propagate(lambda a, i=i: 100 * abs(a[i]) / np.sum(np.abs(a)), amps, cov)
        out[name] = Quantity(float(val), float(err), "%")
    return out


def spectra_at(da: xr.DataArray, delays: Sequence[float], width: float = 0.0) -> xr.DataArray:
    """Spectra at chosen delays (ps), averaged over ±width/2 ps (nearest delay when 0)."""
    if set(da.dims) != {"time", "wavelength"}:
        raise ParameterError(f"expected dims ('time', 'wavelength'), got {da.dims}")
    t = da["time"].values
    rows = []
    for d in delays:
        if not t.min() <= d <= t.max():
            raise ParameterError(f"delay {d} ps is outside the data ({t.min():g}-{t.max():g} ps)")
        sel = np.abs(t - d) <= width / 2 if width > 0 else np.abs(t - d) == np.abs(t - d).min()
        rows.append(da.isel(time=np.flatnonzero(sel)).mean("time").values)
    out = xr.DataArray(
        np.array(rows),
        dims=("delay", "wavelength"),
        coords={"delay": list(delays), "wavelength": da["wavelength"].values},
        attrs=dict(da.attrs),
    )
    out["delay"].attrs["units"] = "ps"
    return out


def bleach_peak_position(
    da: xr.DataArray, wavelength_range: tuple[float, float] | None = None, points: int = 2
) -> xr.DataArray:
    """Wavelength (nm) of the bleach minimum at every delay, refined by a parabola.

    The minimum of ΔOD within ``wavelength_range`` is located, then refined with a parabola
    through the ±``points`` neighbouring samples (sub-pixel position). Delays whose minimum
    sits on the range edge return NaN.
    """
    d = da.transpose("time", "wavelength")
    if wavelength_range is not None:
        lo, hi = sorted(wavelength_range)
        d = d.sel(wavelength=(d["wavelength"] >= lo) & (d["wavelength"] <= hi))
    wl = d["wavelength"].values
    y = np.nan_to_num(d.values, nan=np.inf)
    pos = np.full(y.shape[0], np.nan)
    for i, row in enumerate(y):
        j = int(np.argmin(row))
        if points <= j < wl.size - points:
            sl = slice(j - points, j + points + 1)
            c = np.polyfit(wl[sl] - wl[j], row[sl], 2)
            pos[i] = wl[j] - c[1] / (2 * c[0]) if c[0] > 0 else wl[j]
    out = xr.DataArray(pos, dims="time", coords={"time": d["time"].values}, attrs={"units": "nm"})
    out["time"].attrs["units"] = "ps"
    return out
