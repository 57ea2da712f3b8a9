"""Full-pattern fundamental-parameters refinement by wrapping xrayutilities' ``PowderModel``
(Kriegner et al., J. Appl. Cryst. 48, 613 (2015); fundamental-parameters convolvers after
Mendenhall et al., J. Res. NIST 120, 223 (2015)).

The engine computes the profile (the physics). heterolab adds what makes the fit converge and
describes the pattern well from an ordinary start:

* **Linear parameters solved exactly** (variable projection; Golub & Pereyra, SIAM J. Numer.
  Anal. 10, 413 (1973)): the pattern is ``I0 · P(2θ; p) + Σ_j b_j B_j(2θ)`` with the engine's
  profile ``P``, the primary-beam intensity ``I0`` and a cubic B-spline background with
  coefficients ``b_j``. For each trial of the non-linear parameters ``p`` the linear ones are
  the weighted least-squares solution, so lmfit's Levenberg–Marquardt only walks over ``p``.
  A background fixed before the fit (a SNIP estimate, or hand-placed points) is biased low
  under a dense pattern and was what kept the shared LaB6 fit at χ²_red ≈ 1.54; refined with
  the profile it reaches ≈ 1.35.
* **Lattice search before the fit**: scaling every length of a cell by ``s`` moves every
  reflection to ``ln sin θ − ln s``; the scale is found by one FFT cross-correlation of the
  background-subtracted pattern with the engine's pattern on a uniform ``ln sin θ`` grid
  (±3 %), refined to a fraction of a grid step. The engine's own fit stalls when started more
  than ~0.01 % from the LaB6 cell; after the search it starts within ~0.003 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result
from heterolab.structure.xrd.peaks import bound_side, estimate_background, pattern_arrays

__all__ = ["fit_powder_model", "lattice_scale_search"]

_LENGTHS = ("a", "b", "c")
_I0 = "primary_beam_intensity"
#: MINPACK forward-difference step² (relative step 1e-5): the engine's profile is computed on an
#: oversampled grid, so steps of the default 1.5e-8 see its discretisation, not the slope.
_DIFF_STEP = 1e-5


def _background_basis(x: np.ndarray, n_intervals: int) -> np.ndarray:
    """Cubic B-spline design matrix (n_points × n_intervals + 3) on uniform knots over ``x``."""
    from scipy.interpolate import BSpline

    k = 3
    inner = np.linspace(x[0], x[-1], n_intervals + 1)
    knots = np.r_[[x[0]] * k, inner, [x[-1]] * k]
    return np.asarray(BSpline.design_matrix(x, knots, k).toarray())


def _linear_solve(
    profile: np.ndarray, basis: np.ndarray, y: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares for ``[I0, b_0 … b_m]``; returns coefficients and their
    covariance (unscaled, (AᵀWA)⁻¹)."""
    design = np.column_stack([profile, basis])
    a = design * w[:, None]
    coef, *_ = np.linalg.lstsq(a, y * w, rcond=None)
    cov = np.linalg.pinv(a.T @ a)
    return coef, cov


def lattice_scale_search(
    x: np.ndarray,
    y: np.ndarray,
    model_profile: np.ndarray,
    *,
    max_relative: float = 0.03,
    step: float = 2e-5,
) -> float:
    """Isotropic cell scale ``s`` (new lengths = ``s`` × old) that best aligns a model with data.

    Both are compared as √(intensity) on a uniform grid in ``u = ln sin θ``, where a change of
    every d-spacing by ``s`` is the shift ``u → u − ln s``; the best shift is the maximum of
    their FFT cross-correlation within ``|ln s| ≤ max_relative``, refined by a parabola through
    the three highest points.

    Parameters
    ----------
    x
        2θ (deg), increasing.
    y
        Background-subtracted intensity.
    model_profile
        The model's intensity at ``x`` for the current cell (no background).
    max_relative
        Largest relative change of the cell considered.
    step
        Grid step in ``ln sin θ`` (≈ relative d resolution before the parabola).
    """
    u = np.log(np.sin(np.radians(np.asarray(x, dtype=float) / 2.0)))
    grid = np.arange(u[0], u[-1], step)
    d = np.interp(grid, u, np.sqrt(np.clip(y, 0.0, None)))
    m = np.interp(grid, u, np.sqrt(np.clip(model_profile, 0.0, None)))
    d -= d.mean()
    m -= m.mean()
    n = 1 << int(np.ceil(np.log2(2 * grid.size)))
    cc = np.fft.irfft(np.fft.rfft(d, n) * np.conj(np.fft.rfft(m, n)), n)
    lags = np.fft.fftfreq(n, 1.0 / n)
    allowed = np.abs(lags) <= max_relative / step
    i = int(np.argmax(np.where(allowed, cc, -np.inf)))
    c0, c1, c2 = cc[i - 1], cc[i], cc[(i + 1) % n]
    curv = c0 - 2 * c1 + c2
    frac = 0.5 * (c0 - c2) / curv if curv < 0 else 0.0
    return float(np.exp(-(lags[i] + frac) * step))


def _phase_lattice_names(params: Any, phase: str, vary: Mapping[str, Any]) -> list[str]:
    return [f"phase_{phase}_{k}" for k in _LENGTHS if f"phase_{phase}_{k}" in vary]


def fit_powder_model(
    pattern: xr.DataArray,
    powders: Any,
    *,
    fpsettings: Mapping[str, Any],
    vary: Mapping[str, tuple[float | None, float | None]],
    two_theta_range: tuple[float, float] | None = None,
    intensity: float = 1e6,
    background_points: int = 16,
    refine_background: bool = True,
    lattice_search: bool = True,
    max_evaluations: int = 200,
) -> Result:
    """Fundamental-parameters fit of a powder pattern with xrayutilities.

    Parameters
    ----------
    pattern
        From :func:`heterolab.io.xrd.read_pattern`.
    powders
        One ``xrayutilities.simpack.Powder`` or a list of them (phases with their volumes).
    fpsettings
        Instrument description for the engine (``global``, ``axial``, ``emission``,
        ``displacement`` ... dictionaries; see xrayutilities' ``PowderModel``).
    vary
        Engine parameter name → (min, max) of the parameters to refine, e.g.
        ``{"primary_beam_intensity": (None, None),
        "displacement_specimen_displacement": (-1e-4, 1e-4)}``. The primary-beam intensity
        is always refined (it is linear and solved exactly); bounds on it are not used.
        Refining ``displacement_specimen_displacement`` together with
        ``displacement_zero_error_deg`` is allowed (their 2θ dependences differ, cos θ vs 1)
        but their correlation is reported and a correlation above 0.95 makes the result suspect.
    two_theta_range
        Fitted window (deg).
    intensity
        Start value of the primary-beam intensity (only used when ``refine_background`` is
        False: otherwise it is solved exactly at every step).
    background_points
        Number of intervals of the cubic B-spline background (refined), or of points of the
        SNIP estimate the background spline goes through (fixed).
    refine_background
        Refine the background with the profile (default). ``False`` keeps a spline through a
        SNIP estimate fixed during the fit (the engine's own convention; biased low).
    lattice_search
        Before the fit, move each phase's varied cell lengths to the best isotropic scale
        (:func:`lattice_scale_search`; the bounds still apply).
    max_evaluations
        Budget of profile evaluations of the least-squares fit.

    Returns
    -------
    Result
        kind ``"xrd.powder_model"``: parameters = the varied engine parameters and
        ``primary_beam_intensity`` (errors from the covariance, scaled by χ²_red); statistics
        ``chi2_red`` (Rietveld χ² with every refined parameter counted, background included),
        ``Rwp``, ``Rwp_expected``, ``n_evaluations``, ``start`` (cell after the lattice
        search), ``correlations`` above 0.9; curves ``data``, ``model``, ``background``,
        ``residuals``. Suspect when χ²_red > 1.5 (the engine's own test limit), a parameter
        ends at a bound, or no parameter moved.
    """
    try:
        import lmfit
        from xrayutilities.simpack import PowderModel
    except ImportError as exc:  # pragma: no cover - only without the extra
        raise ParameterError(
            "full-pattern fits need xrayutilities: pip install 'heterolab[structure]'"
        ) from exc
    if background_points < 2:
        raise ParameterError(f"background_points must be >= 2, got {background_points}")
    x, y, s = pattern_arrays(pattern, two_theta_range)
    w = 1.0 / s
    plist = list(powders) if isinstance(powders, (list, tuple)) else [powders]
    _check_inputs(plist, vary)
    model = PowderModel(*plist, I0=1.0, fpsettings=dict(fpsettings))
    try:
        params = model.create_fitparameters()
        unknown = [k for k in vary if k not in params]
        if unknown:
            raise ParameterError(
                f"unknown engine parameters {unknown}; known: {', '.join(sorted(params))}"
            )
        snip = estimate_background(x, y, "snip", half_window_deg=min(1.5, (x[-1] - x[0]) / 5))
        if refine_background:
            basis = _background_basis(x, background_points)
        else:
            from scipy.interpolate import InterpolatedUnivariateSpline

            idx = np.linspace(0, x.size - 1, background_points).astype(int)
            basis = InterpolatedUnivariateSpline(x[idx], snip[idx], ext=0)(x)[:, None]
        zeros = np.zeros_like(x)
        params[_I0].set(value=1.0, vary=False)
        for name, (lo, hi) in vary.items():
            if name == _I0:
                continue
            params[name].set(
                vary=True, min=-np.inf if lo is None else lo, max=np.inf if hi is None else hi
            )
        start = _search_lattices(model, params, vary, x, y - snip) if lattice_search else {}
        if start:
            model = _rebuilt(model, plist, fpsettings, params)
        initial = {n: float(params[n].value) for n in params if params[n].vary}
        n_eval = 0

        from heterolab.progress import progress_task

        with progress_task(
            "full-pattern refinement", total=max_evaluations, unit="evaluations"
        ) as tick:

            def residual(p: Any) -> np.ndarray:
                nonlocal n_eval
                n_eval += 1
                tick()
                model.set_lmfit_parameters(p)
                model.I0 = 1.0
                prof = np.asarray(model.simulate(x, background=zeros), dtype=float)
                coef, _ = _solve(prof)
                return np.asarray((prof * coef[0] + basis @ coef[1:] - y) * w)

            def _solve(prof: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                if refine_background:
                    return _linear_solve(prof, basis, y, w)
                coef, cov = _linear_solve(prof, np.zeros((x.size, 0)), y - basis[:, 0], w)
                return np.r_[coef, 1.0], cov

            def minimize(start_params: Any) -> Any:
                return lmfit.minimize(
                    residual,
                    start_params,
                    method="least_squares",
                    max_nfev=max_evaluations,
                    diff_step=_DIFF_STEP,
                    x_scale="jac",
                )

            fit = minimize(params)
            if _cell_moved(fit.params, params):
                model = _rebuilt(model, plist, fpsettings, fit.params)
                fit = minimize(fit.params)
            model.set_lmfit_parameters(fit.params)
            model.I0 = 1.0
            prof = np.asarray(model.simulate(x, background=zeros), dtype=float)
            coef, lin_cov = _solve(prof)
    finally:
        model.close()
    background = basis @ coef[1:]
    sim = prof * coef[0] + background
    resid = (y - sim) / s
    n_lin = 1 + (basis.shape[1] if refine_background else 0)
    n_par = int(fit.nvarys) + n_lin
    dof = max(x.size - n_par, 1)
    chi2_red = float(np.sum(resid**2) / dof)
    rwp = float(np.sqrt(np.sum((w * (y - sim)) ** 2) / np.sum((w * y) ** 2)))
    rwp_exp = float(np.sqrt(dof / np.sum((w * y) ** 2)))

    result = Result(kind="xrd.powder_model")
    at_bound = []
    # lmfit scales its covariance by its own χ²_red, whose degrees of freedom leave out the
    # linear parameters solved inside the residual; rescale to the χ²_red reported here
    rescale = math.sqrt(chi2_red / fit.redchi) if fit.redchi > 0 else math.nan
    for name in fit.var_names:
        p = fit.params[name]
        result.parameters[name] = Quantity(
            float(p.value), float(p.stderr) * rescale if p.stderr is not None else math.nan, "1"
        )
        side = bound_side(float(p.value), float(p.min), float(p.max))
        if side is not None:
            at_bound.append(f"{name} at its {side} bound {p.min if side == 'lower' else p.max:.6g}")
    result.parameters[_I0] = Quantity(
        float(coef[0]), float(np.sqrt(max(lin_cov[0, 0], 0.0) * chi2_red)), "1"
    )
    correlations = _strong_correlations(fit)
    result.statistics.update(
        {
            "chi2_red": chi2_red,
            "Rwp": rwp,
            "Rwp_expected": rwp_exp,
            "n_points": int(x.size),
            "n_parameters": n_par,
            "n_evaluations": int(n_eval),
            "start": {**initial, **start},
            "background": (
                f"cubic B-spline, {basis.shape[1]} coefficients, refined (linear)"
                if refine_background
                else f"spline through {background_points} points of a SNIP estimate, fixed"
            ),
            "correlations": correlations,
            "engine": "xrayutilities PowderModel (profiles); lmfit leastsq (non-linear)",
        }
    )
    coord = {"two_theta": xr.Variable(("two_theta",), x, attrs={"units": "deg"})}
    unit = pattern.attrs.get("units", "counts")
    for key, val, u in (
        ("data", y, unit),
        ("model", sim, unit),
        ("background", background if refine_background else basis[:, 0], unit),
        ("residuals", resid, "sigma"),
    ):
        result.curves[key] = xr.DataArray(
            val, dims=("two_theta",), coords=coord, attrs={"units": u}
        )
    pair = ("displacement_specimen_displacement", "displacement_zero_error_deg")
    corr_dz = correlations.get(f"{pair[0]}~{pair[1]}")
    if corr_dz is not None and abs(corr_dz) > 0.95:
        result.mark_suspect(
            f"specimen displacement and zero error are correlated ({corr_dz:+.3f}): the pattern "
            "does not separate them; fix one (zero error from a standard)"
        )
    if not chi2_red <= 1.5:
        result.mark_suspect(f"chi2_red = {chi2_red:.3g} > 1.5 (the engine's own test limit)")
    if at_bound:
        result.mark_suspect("; ".join(at_bound))
    moved = [n for n in fit.var_names if fit.params[n].value != initial.get(n)]
    if fit.var_names and not moved:
        result.mark_suspect("no refined parameter moved from its start")
    return result


def _search_lattices(
    model: Any, params: Any, vary: Mapping[str, Any], x: np.ndarray, y_net: np.ndarray
) -> dict[str, float]:
    """Move each phase's varied cell lengths by its best isotropic scale; returns the new
    values (clipped to the bounds)."""
    moved: dict[str, float] = {}
    for k, name in enumerate(model.materials.namelist):
        names = _phase_lattice_names(params, name, vary)
        if not names:
            continue
        model.set_lmfit_parameters(params)
        prof = np.asarray(model.pdiff[k].Calculate(x), dtype=float)
        if not np.any(prof > 0):
            continue
        scale = lattice_scale_search(x, y_net, prof)
        for n in names:
            p = params[n]
            p.set(value=float(np.clip(p.value * scale, p.min, p.max)))
            moved[n] = float(p.value)
    model.set_lmfit_parameters(params)
    return moved


def _check_inputs(powders: list[Any], vary: Mapping[str, Any]) -> None:
    """At least one powder, and every (min, max) of ``vary`` a pair with min < max; all
    problems listed in one :class:`ParameterError`."""
    problems = [] if powders else ["no powder (phase) given"]
    for name, bounds in vary.items():
        try:
            lo, hi = bounds
        except (TypeError, ValueError):
            problems.append(f"{name}: bounds must be a (min, max) pair, got {bounds!r}")
            continue
        if lo is not None and hi is not None and not float(lo) < float(hi):
            problems.append(f"{name}: min {lo} must be below max {hi}")
    if problems:
        raise ParameterError("fit_powder_model: " + "; ".join(problems))


def _rebuilt(model: Any, powders: list[Any], fpsettings: Mapping[str, Any], params: Any) -> Any:
    """A new engine model at ``params`` (the old one closed).

    xrayutilities prepares each reflection's profile window when a ``PowderModel`` is built
    and does not move it with the cell: a cell changed afterwards is computed with truncated
    lines. On seeded fcc patterns started 0.3 % off, the fit stopped at χ²_red 1.08–1.25
    (1.02 at the truth) with the cell 2–3.6 σ high, reported ok.
    """
    from xrayutilities.simpack import PowderModel

    model.set_lmfit_parameters(params)  # the materials (shared objects) take the new cell
    model.close()
    new = PowderModel(*powders, I0=1.0, fpsettings=dict(fpsettings))
    new.set_lmfit_parameters(params)  # instrument values refined so far
    return new


def _cell_moved(fitted: Any, start: Any, limit: float = 1e-5) -> bool:
    """True when a refined cell length changed by more than ``limit`` (relative) in the fit."""
    for name in fitted:
        if name.startswith("phase_") and name.rsplit("_", 1)[-1] in _LENGTHS:
            a, b = float(fitted[name].value), float(start[name].value)
            if fitted[name].vary and abs(a - b) > limit * abs(b):
                return True
    return False


def _strong_correlations(fit: Any, limit: float = 0.9) -> dict[str, float]:
    """Correlation coefficients above ``limit`` between refined parameters ("a~b": r)."""
    out: dict[str, float] = {}
    names = list(fit.var_names)
    for i, a in enumerate(names):
        correl = fit.params[a].correl or {}
        for b in names[i + 1 :]:
            r = correl.get(b)
            if r is not None and abs(r) > limit:
                out[f"{a}~{b}"] = float(r)
    return out
