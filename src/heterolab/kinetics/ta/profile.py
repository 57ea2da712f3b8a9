"""Profile-likelihood confidence intervals for parameters of a TA target fit.

For a parameter θ the profile is the smallest sum of squares with θ held fixed and every
other parameter refitted, SSE_p(θ). With Gaussian noise of variance s² = SSE_min/dof,
``Δχ²(θ) = (SSE_p(θ) - SSE_min)/s²`` follows χ² with one degree of freedom near the optimum,
and ``{θ : Δχ²(θ) <= q}`` with q the χ²₁ quantile of the level (1.0 for 68.3 %, 3.84 for
95 %) is the confidence interval (Venzon & Moolgavkar, Appl. Stat. 37, 87 (1988); Bates &
Watts, *Nonlinear Regression Analysis*, Wiley 1988, §6.1). Unlike the covariance error it
follows the curvature of the model: asymmetric near the ends of the delay window, open when
the data do not bound the parameter (KiMoPack reports such confidence levels).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from heterolab.errors import ModelError, ParameterError
from heterolab.kinetics.ta.target import TargetModel, fit_target
from heterolab.result import Result

__all__ = ["profile_interval"]


def _chi2_quantile(level: float) -> float:
    """χ² quantile with one degree of freedom: (Φ⁻¹((1 + level)/2))²."""
    from scipy.stats import norm

    return float(norm.ppf(0.5 * (1.0 + level)) ** 2)


def profile_interval(
    model: TargetModel,
    data: Any,
    fit: Result,
    name: str,
    *,
    level: float = 0.6827,
    max_fits: int = 24,
    x_scale: str | float = "jac",
) -> dict[str, Any]:
    """Profile-likelihood interval of parameter ``name`` of a :func:`fit_target` result.

    Parameters
    ----------
    model, data
        The model and data that produced ``fit``.
    fit
        The fit at the optimum (its values start every profile fit).
    name
        A free parameter of the model.
    level
        Confidence level (0.6827: the 1-σ interval).
    max_fits
        Cap on the number of constrained refits (both sides together).

    Returns
    -------
    dict
        ``{"value", "lower", "upper", "level", "unit", "n_fits"}``; a side the data do not
        bound within the parameter's bounds of physics is ``None``.
    """
    free = model.params.free
    if name not in free:
        raise ParameterError(f"cannot profile {name!r}: free parameters are {free}")
    if not 0 < level < 1:
        raise ParameterError(f"level must be between 0 and 1, got {level}")
    p = model.params.params[name]
    best = fit.parameters[name].value
    sse_min = float(fit.statistics["sse"])
    dof = fit.statistics["n_points"] - fit.statistics["n_free"] - fit.statistics["n_linear"]
    s2 = sse_min / max(dof, 1)
    target = _chi2_quantile(level)
    err = fit.parameters[name].stderr
    log = p.positive
    x0 = math.log(best) if log else best
    if err is not None and np.isfinite(err) and err > 0:
        step = err / best if log else err
    else:
        step = 0.1 if log else 0.1 * max(abs(best), 1e-3)
    count = [0]

    def delta(x: float) -> float | None:
        """Δχ² with the parameter held at x (optimiser space); None if the fit fails."""
        if count[0] >= max_fits:
            return None
        count[0] += 1
        trial = model.params.copy()
        for n, q in fit.parameters.items():
            if n in trial.params and trial.params[n].expr is None:
                trial.params[n].value = q.value
        trial.params[name].value = math.exp(x) if log else x
        trial.params[name].vary = False
        trial.params[name].min, trial.params[name].max = -math.inf, math.inf
        if not trial.free:
            return None
        try:
            res = fit_target(
                model.with_params(trial),
                data,
                x_scale=x_scale,
                starts=[],
            )
        except (ModelError, ParameterError):
            return None
        return (float(res.statistics["sse"]) - sse_min) / s2

    bounds = _side_bounds(p, log)
    lower = _side(delta, x0, -step, target, bounds[0])
    upper = _side(delta, x0, step, target, bounds[1])

    def back(x: float | None) -> float | None:
        return None if x is None else (math.exp(x) if log else x)

    return {
        "value": best,
        "lower": back(lower),
        "upper": back(upper),
        "level": level,
        "unit": p.unit,
        "n_fits": count[0],
    }


def _side_bounds(p: Any, log: bool) -> tuple[float, float]:
    lo, hi = p.min, p.max
    if log:
        lo = math.log(lo) if lo > 0 else -math.inf
        hi = math.log(hi) if 0 < hi < math.inf else math.inf
    return lo, hi


def _side(delta: Any, x0: float, step: float, target: float, limit: float) -> float | None:
    """Where Δχ² crosses ``target`` going from x0 in the direction of ``step``.

    Steps of 1, 2, 4, ... x ``step`` bracket the crossing (at most 6 doublings), then a
    secant/bisection refines it to 2 % of the bracket.
    """
    inside, d_in = x0, 0.0
    x = x0 + step
    for _ in range(7):
        if (step > 0 and x >= limit) or (step < 0 and x <= limit):
            return None
        d = delta(x)
        if d is None:
            return None
        if d >= target:
            break
        inside, d_in = x, d
        x = x0 + 2.0 * (x - x0)
    else:
        return None
    outside, d_out = x, d
    for _ in range(5):
        frac = (target - d_in) / max(d_out - d_in, 1e-12)
        mid = inside + min(max(frac, 0.1), 0.9) * (outside - inside)
        d = delta(mid)
        if d is None:
            break
        if d >= target:
            outside, d_out = mid, d
        else:
            inside, d_in = mid, d
        if abs(outside - inside) < 0.02 * abs(step):
            break
    frac = (target - d_in) / max(d_out - d_in, 1e-12)
    return inside + min(max(frac, 0.0), 1.0) * (outside - inside)


def add_profiles(
    result: Result,
    model: TargetModel,
    data: Any,
    names: list[str],
    aliases: Mapping[str, str] | None = None,
    level: float = 0.6827,
) -> None:
    """Profile ``names`` and store them in ``result.statistics["profile"]``.

    ``aliases`` maps a reported name (``tau_1`` of a global fit) to the model's parameter
    (``k2``); a lifetime's interval is reported as 1/k (ps) with lower and upper swapped.
    """
    out = result.statistics.setdefault("profile", {})
    for name in names:
        target = (aliases or {}).get(name, name)
        prof = profile_interval(model, data, _as_target(result, model), target, level=level)
        if target != name and name.startswith("tau"):
            inv = {
                k: (None if v is None else 1.0 / v)
                for k, v in prof.items()
                if k in ("value", "lower", "upper")
            }
            prof = {
                **prof,
                "value": inv["value"],
                "lower": inv["upper"],
                "upper": inv["lower"],
                "unit": "ps",
            }
        prof["parameter"] = target
        out[name] = prof
        if prof["lower"] is None or prof["upper"] is None:
            result.warnings.append(
                f"the profile of {name} is not bounded by the data on the "
                f"{'lower' if prof['lower'] is None else 'upper'} side at {100 * level:.1f} %"
            )


def _as_target(result: Result, model: TargetModel) -> Result:
    """A result whose parameters carry the model's names (global fits rename rates)."""
    if all(n in result.parameters for n in model.params.free):
        return result
    params = dict(result.parameters)
    params.update({k: q for k, q in result.derived.items() if k in model.params.params})
    return Result(result.kind, params, {}, dict(result.statistics))
