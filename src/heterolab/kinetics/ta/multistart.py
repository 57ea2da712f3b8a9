"""Multi-start for target and global fits: several start sets, the lowest SSE wins.

The variable-projection sum of squares of a compartmental model has local minima: a rate
shared by two compartments can settle on a wrong lifetime, a slow component can be absorbed
by a long-lived one. A least-squares optimiser finds the minimum of the basin it starts in,
so the fit is repeated from a few other start sets (permutations of the start rates and
log-spaced grids over the delay window) and the lowest sum of squares is kept — the
multi-start strategy of global optimisation (e.g. Ugray et al., INFORMS J. Comput. 19, 328
(2007)). Because the spectra are projected out, each start costs only a fit of the few
nonlinear parameters; on matrices with many wavelengths the other starts are first screened
on an evenly spaced subset of at most :data:`SCREEN_WAVELENGTHS` wavelengths and only a
start that beats the first fit there is refined on the whole matrix.

Two starts that reach *different* rates with sums of squares that the data cannot tell
apart (Δχ² = ΔSSE/s² below :data:`SIMILAR_CHI2`) mean the lifetimes are not uniquely
determined: the result is then marked suspect, naming both optima.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from heterolab.errors import ModelError, ParameterError
from heterolab.result import Result

if TYPE_CHECKING:
    from heterolab.kinetics.ta.target import TargetModel

__all__ = ["SCREEN_WAVELENGTHS", "SIMILAR_CHI2", "auto_starts", "best_of_starts", "lifetime_grid"]

SCREEN_WAVELENGTHS = 48  # wavelengths per dataset on which other starts are screened
SIMILAR_CHI2 = 4.0  # Δχ² below which two optima are statistically indistinguishable
DIFFERENT_RATE = 0.02  # relative difference above which two sorted rate sets differ
SAME_BASIN = 0.1  # screening fits whose sorted rates agree to this are in one basin
SCREEN_NFEV = 15  # evaluations of a screening fit (rates only)
MAX_REFINED = 2  # other optima refined on the whole data
TIE_CHI2 = 0.01  # an SSE lower by less than this x s² does not replace the first fit
MAX_STARTS = 3  # other start sets tried by default
# lifetimes per rate in the start grid search, for 1-4 rates (at most ~170 points)
GRID_POINTS = (25, 13, 5, 3)
GRID_SYMMETRIC = (25, 15, 8, 7)  # when only the set of rates matters (ordered combinations)

FitFunction = Callable[["TargetModel", list[xr.DataArray], int | None], Result]


def lifetime_grid(time: np.ndarray, irf_width: float, n: int) -> list[float]:
    """``n`` log-spaced start lifetimes (ps) from the time resolution to a third of the window.

    From ``max(5 σ_IRF, 3 x smallest delay step)`` to ``max(10 x that, 0.3 x the positive
    delay span)``; one lifetime is their geometric mean.
    """
    t = np.asarray(time, float)
    lo = max(5.0 * irf_width, float(np.min(np.diff(t))) * 3)
    hi = max(lo * 10, 0.3 * float(t.max() - max(t.min(), 0.0)))
    return list(np.geomspace(lo, hi, n)) if n > 1 else [float(np.sqrt(lo * hi))]


def free_rates(model: TargetModel) -> list[str]:
    """The model's rate parameters that are fitted (varied, not expressions)."""
    free = set(model.params.free)
    return [n for n in model.rate_names if n in free]


def auto_starts(
    model: TargetModel, matrices: Sequence[xr.DataArray], first: Result
) -> list[dict[str, float]]:
    """Other start sets for the free rates (at most :data:`MAX_STARTS`), chosen by a grid search.

    Combinations of the free rates on a log-spaced lifetime grid from the time resolution
    to the delay span are evaluated at the first fit's other parameters, on the screening
    subset (one residual each, no fit; at most ~170 evaluations). The lowest local minima of
    that grid (one per basin the grid resolves) away from the first fit's rates start the
    other fits. When permuting the rates leaves the sum of squares unchanged (parallel and
    sequential models with free spectra depend only on the set of rates) only ordered
    combinations are evaluated, on a finer grid; otherwise the first fit's rates in
    reverse order are tried first.
    """
    names = free_rates(model)
    if not names or len(names) > 4:
        return []
    fitted = _fitted(first, model)
    screen = [_subsample(d) for d in matrices]
    prepared = _prepare(model, screen)
    base = _with_values(model, fitted).params
    residuals = _screening_residuals(model, base, prepared)

    def sse_at(rates: Sequence[float]) -> float:
        for n, v in zip(names, rates, strict=True):
            base.params[n].value = float(v)
        try:
            sse = float(np.sum(residuals() ** 2))
        except (ModelError, ParameterError, np.linalg.LinAlgError, FloatingPointError):
            return float("inf")
        return sse if np.isfinite(sse) else float("inf")

    mine = [fitted[n] for n in names]
    symmetric = len(names) > 1 and abs(sse_at(mine[::-1]) - sse_at(mine)) <= 1e-9 * sse_at(mine)
    out: list[dict[str, float]] = []
    if len(names) > 1 and not symmetric:  # the fitted rates, reversed
        out.append(dict(zip(names, mine[::-1], strict=True)))
    out += _grid_minima(model, matrices, fitted, names, symmetric, sse_at)
    return out[:MAX_STARTS]


def _grid_minima(
    model: TargetModel,
    matrices: Sequence[xr.DataArray],
    fitted: Mapping[str, float],
    names: list[str],
    symmetric: bool,
    sse_at: Callable[[Sequence[float]], float],
) -> list[dict[str, float]]:
    """Local minima of the SSE on a rate grid, lowest first, outside the first fit's cell."""
    m = len(names)
    n_grid = (GRID_SYMMETRIC if symmetric else GRID_POINTS)[m - 1]
    widths = [fitted.get(d.irf.width, model.params.values()[d.irf.width]) for d in model.datasets]
    time = np.asarray(matrices[0]["time"].values, float)
    lo = lifetime_grid(time, float(min(widths)), 2)[0]
    hi = float(time.max() - max(time.min(), 0.0))
    grid = 1.0 / np.geomspace(lo, max(hi, 10 * lo), n_grid)
    half_step = 0.5 * np.log(grid[0] / grid[1])
    mine = np.log([fitted[n] for n in names])
    table = np.full((n_grid,) * m, np.inf)
    for index in itertools.product(range(n_grid), repeat=m):
        if not symmetric or all(a < b for a, b in itertools.pairwise(index)):
            table[index] = sse_at([grid[i] for i in index])
    lowest = _neighbourhood_minimum(table)
    minima = [
        (float(table[idx]), tuple(float(grid[i]) for i in idx))
        for idx in zip(*np.nonzero((table == lowest) & np.isfinite(table)), strict=True)
    ]
    out: list[dict[str, float]] = []
    for _, combo in sorted(minima):
        logs = np.log(combo)
        if np.all(
            np.abs((np.sort(logs) - np.sort(mine)) if symmetric else (logs - mine)) <= half_step
        ):
            continue  # the first fit's own cell
        out.append(dict(zip(names, combo, strict=True)))
        if len(out) >= MAX_STARTS - 1:
            break
    return out


def _neighbourhood_minimum(table: np.ndarray) -> np.ndarray:
    """Each cell's minimum over its 3 x 3 x ... neighbourhood, edges repeated (what
    ``scipy.ndimage.minimum_filter(size=3, mode="nearest")`` gives, without the 0.1-0.2 s
    import of scipy.ndimage on a process's first fit)."""
    padded = np.pad(table, 1, mode="edge")
    lowest = np.full_like(table, np.inf)
    for shift in itertools.product(range(3), repeat=table.ndim):
        view = padded[tuple(slice(k, k + n) for k, n in zip(shift, table.shape, strict=True))]
        np.minimum(lowest, view, out=lowest)
    return lowest


def _screening_residuals(
    model: TargetModel, params: Any, prepared: list[Any]
) -> Callable[[], np.ndarray]:
    """Residuals at ``params``' current values: the fit's own objective (linked, scaled and
    guided datasets solved jointly), or each dataset alone when the screening subset cannot
    carry the joint problem (a guide outside its wavelengths)."""
    from heterolab.kinetics.ta.objective import make_objective

    try:
        fun = make_objective(model, params, prepared).fun
    except ModelError:
        return lambda: np.concatenate([p.residuals(params.values()) for p in prepared])
    return lambda: fun(params.to_vector())


def _prepare(model: TargetModel, matrices: Sequence[xr.DataArray]) -> list[Any]:
    from heterolab.kinetics.ta.varpro import PreparedDataset

    return [
        PreparedDataset(d, s, model.scheme) for d, s in zip(matrices, model.datasets, strict=True)
    ]


def _subsample(da: xr.DataArray) -> xr.DataArray:
    n = da.sizes["wavelength"]
    if n <= SCREEN_WAVELENGTHS:
        return da
    idx = np.unique(np.linspace(0, n - 1, SCREEN_WAVELENGTHS).round().astype(int))
    return da.isel(wavelength=idx)


def _with_values(
    model: TargetModel, values: Mapping[str, float], only: Sequence[str] | None = None
) -> TargetModel:
    """``model`` started at ``values``; with ``only``, every other free parameter is fixed."""

    params = model.params.copy()
    for n, v in values.items():
        p = params.params.get(n)
        if p is not None and p.expr is None:
            lo, hi = float(p.min), float(p.max)
            p.value = float(min(max(v, lo), hi)) if np.isfinite(v) else p.value
    if only is not None:
        for n in params.free:
            if n not in only:
                params.params[n].vary = False
    return model.with_params(params)


def _fitted(res: Result, model: TargetModel) -> dict[str, float]:
    return {n: res.parameters[n].value for n in model.params.free if n in res.parameters}


def _rate_set(res: Result, names: Sequence[str]) -> np.ndarray:
    return np.sort([res.parameters[n].value for n in names])


def _try(
    fit: FitFunction,
    model: TargetModel,
    data: list[xr.DataArray],
    max_nfev: int | None = None,
) -> Result | None:
    """One fit; None when it raises or has no finite SSE. A screening fit (``max_nfev``
    given) counts even if it stopped at its cap or was marked failed: only its SSE and
    rates are used; a full fit must not be failed."""
    try:
        res = fit(model, data, max_nfev)
    except (ModelError, ParameterError, np.linalg.LinAlgError):
        return None
    if not np.isfinite(res.statistics.get("sse", np.nan)):
        return None
    return res if max_nfev is not None or res.status != "failed" else None


def _same_basin(a: Result, b: Result, names: Sequence[str], rtol: float) -> bool:
    return bool(np.allclose(_rate_set(a, names), _rate_set(b, names), rtol=rtol))


def best_of_starts(
    first: Result,
    model: TargetModel,
    matrices: list[xr.DataArray],
    starts: Sequence[Mapping[str, float]] | None,
    fit: FitFunction,
) -> Result:
    """The lowest-SSE fit over ``first`` (from the model's own start) and ``starts``.

    ``fit(model, matrices, max_nfev)`` is one fit without multi-start; ``starts=None``
    chooses the other starts by :func:`auto_starts`. Each other start is screened by a
    fit of the rates alone (the other parameters held at the first fit's values), capped
    at :data:`SCREEN_NFEV` evaluations, on the screening subset (the whole matrices when
    they are small), beside a screening fit started at the first fit's optimum. A start that ends in another basin (sorted rates more than
    :data:`SAME_BASIN` apart) with a lower or statistically indistinguishable SSE is
    refined on the whole data (at most :data:`MAX_REFINED`). The first fit is replaced
    only by a fit whose SSE is lower by more than :data:`TIE_CHI2` (symmetric twins of one
    optimum, e.g. two rates of a chain exchanged with their spectra, do not replace it).
    Statistics ``n_starts`` and ``multistart_sse`` (screening SSE of the first fit's
    optimum, then of each start) are added; the result is marked suspect when another
    optimum has different rates at an indistinguishable SSE.
    """
    names = free_rates(model)
    if starts is None:
        starts = auto_starts(model, matrices, first) if names else []
    if not starts or not names:  # no other basin on the grid: the first fit stands
        first.statistics["n_starts"] = 1
        return first
    screen = [_subsample(d) for d in matrices]
    cap = SCREEN_NFEV
    fitted = _fitted(first, model)
    base = _try(fit, _with_values(model, fitted, names), screen, cap) or first
    ref = float(base.statistics["sse"])
    s2 = 1e-300 + first.statistics["sse"] / max(
        first.statistics["n_points"] - first.statistics["n_free"] - first.statistics["n_linear"], 1
    )
    s2_screen = 1e-300 + ref / max(
        base.statistics["n_points"] - base.statistics["n_free"] - base.statistics["n_linear"], 1
    )
    trials: list[tuple[float, Result]] = []
    for start in starts:
        res = _try(fit, _with_values(model, {**fitted, **start}, names), screen, cap)
        if res is not None:
            trials.append((float(res.statistics["sse"]), res))
    full: list[Result] = [first]
    for sse, res in sorted(trials, key=lambda t: t[0]):
        if len(full) > MAX_REFINED or _same_basin(res, base, names, SAME_BASIN):
            continue
        if any(_same_basin(res, f, names, SAME_BASIN) for f in full[1:]):
            continue
        if (sse - ref) / s2_screen < SIMILAR_CHI2:
            refined = _try(fit, _with_values(model, _fitted(res, model)), matrices)
            if refined is not None:
                full.append(refined)
    best = first
    for other in full[1:]:
        if (best.statistics["sse"] - other.statistics["sse"]) / s2 > TIE_CHI2:
            best = other
    best.statistics["n_starts"] = 1 + len(starts)
    best.statistics["multistart_sse"] = [ref, *(float(t[0]) for t in trials)]
    _flag_ambiguous(best, full, names, s2)
    return best


def _flag_ambiguous(
    best: Result, others: Sequence[Result], names: Sequence[str], s2: float
) -> None:
    """Mark ``best`` suspect if another optimum has different rates and Δχ² < SIMILAR_CHI2."""
    mine = _rate_set(best, names)
    for other in others:
        if other is best:
            continue
        theirs = _rate_set(other, names)
        if np.allclose(theirs, mine, rtol=DIFFERENT_RATE):
            continue
        delta = (other.statistics["sse"] - best.statistics["sse"]) / max(s2, 1e-300)
        if delta < SIMILAR_CHI2:
            fmt = ", ".join(f"{1 / v:.4g}" for v in mine if v > 0)
            alt = ", ".join(f"{1 / v:.4g}" for v in theirs if v > 0)
            best.mark_suspect(
                f"two starts reach different lifetimes ({fmt} ps and {alt} ps) with sums of "
                f"squares the data cannot tell apart (Δχ² = {delta:.2g}): the lifetimes are not "
                "uniquely determined"
            )
            return
