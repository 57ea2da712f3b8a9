"""The spectral fits' side of heterolab's one parameter concept (issue #8).

Each spectral fit builds its default :class:`~heterolab.parameters.ParameterSet` (start values,
bounds, units) and lets the caller's ``parameters=`` (a ParameterSet or its ``to_dict()``
mapping, e.g. a previous fit's ``statistics["parameters_fitted"]``) replace start values,
fix parameters (``vary=False``), tighten bounds or tie parameters by expressions. The fit then
runs on the set's own optimiser vector (:meth:`ParameterSet.to_vector`, :meth:`~ParameterSet.
bounds`, :meth:`~ParameterSet.from_vector`), and the Result keeps the initial and the fitted
set (``statistics["parameters_initial"]``, ``["parameters_fitted"]``) so that it can be
repeated or used as the start of another fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from heterolab.errors import ModelError, ParameterError
from heterolab.parameters import ParameterSet

__all__ = ["as_parameter_set", "fit_parameter_set", "merge_parameters", "record_parameter_sets"]


def as_parameter_set(parameters: ParameterSet | Mapping[str, Any] | None) -> ParameterSet | None:
    """``parameters`` as a ParameterSet (a mapping is read by :meth:`ParameterSet.from_mapping`)."""
    if parameters is None or isinstance(parameters, ParameterSet):
        return parameters
    if isinstance(parameters, Mapping):
        return ParameterSet.from_mapping(parameters)
    raise ParameterError(
        f"parameters must be a ParameterSet or a mapping of name -> value/table, got "
        f"{type(parameters).__name__}"
    )


def merge_parameters(
    defaults: ParameterSet, parameters: ParameterSet | Mapping[str, Any] | None, fit: str
) -> ParameterSet:
    """``defaults`` with every parameter the caller gave replacing the default of that name.

    In a mapping a bare number is a start value (the default's unit, bounds and ``vary``
    stay); a table or an expression replaces the parameter. Expressions may name any
    parameter of the fit.

    Raises
    ------
    ParameterError
        For a name the fit does not have (the message lists the fit's parameters), an invalid
        expression or a start value outside its bounds.
    """
    if parameters is None:
        return defaults.copy()
    if not isinstance(parameters, (ParameterSet, Mapping)):
        raise ParameterError(
            f"parameters must be a ParameterSet or a mapping of name -> value/table, got "
            f"{type(parameters).__name__}"
        )
    given = parameters.to_dict() if isinstance(parameters, ParameterSet) else dict(parameters)
    unknown = sorted(set(given) - set(defaults.params))
    if unknown:
        raise ParameterError(
            f"{fit} has no parameter {', '.join(map(repr, unknown))}; its parameters: "
            f"{', '.join(defaults.params)}"
        )
    spec: dict[str, Any] = defaults.to_dict()
    for name, item in given.items():
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            spec[name] = {**spec[name], "value": float(item)}
        elif isinstance(item, Mapping) and item.get("unit") in (None, "1", ""):
            spec[name] = {**item, "unit": spec[name]["unit"]}
        else:
            spec[name] = item
    try:
        merged = ParameterSet.from_mapping(spec, source=fit)
    except ModelError as exc:
        raise ParameterError(str(exc)) from None
    bad = [
        f"{n} = {p.value:g} lies outside its bounds [{p.min:g}, {p.max:g}]"
        for n, p in merged.params.items()
        if p.expr is None and not p.min <= p.value <= p.max
    ]
    if bad:
        raise ParameterError(f"{fit}: " + "; ".join(bad))
    return merged


def fit_parameter_set(
    ps: ParameterSet,
    residual: Callable[[dict[str, float]], np.ndarray],
    *,
    max_nfev: int = 4000,
    absolute_sigma: bool = False,
) -> tuple[ParameterSet, dict[str, float | None], np.ndarray | None, Any]:
    """Least squares over the free parameters of ``ps`` (trust-region reflective, bounded).

    ``residual(values)`` gets every parameter's value (expressions resolved) and returns the
    weighted residual vector. Standard errors of the free parameters come from the
    Gauss-Newton covariance (JᵀJ)⁻¹ scaled by the reduced χ² (of the natural parameters: a
    log-fitted parameter's error is converted by d value = value d ln value); ``None`` where
    the covariance is singular. With ``absolute_sigma`` the residuals are already divided by
    absolute standard errors and the covariance is not rescaled.

    Returns
    -------
    (ParameterSet, dict, ndarray or None, OptimizeResult)
        The fitted set (a copy), the standard errors by name, the covariance of the free
        parameters in the optimiser's space (``None`` when singular) and scipy's result.
    """
    from scipy.optimize import least_squares

    fitted = ps.copy()
    free = fitted.free
    if not free:
        raise ParameterError("every parameter is fixed: nothing to fit")
    x0 = fitted.to_vector()
    lo, hi = fitted.bounds()
    x0 = np.clip(x0, np.nextafter(lo, np.inf), np.nextafter(hi, -np.inf))
    sol = least_squares(
        lambda x: residual(fitted.from_vector(x)), x0, bounds=(lo, hi), max_nfev=max_nfev
    )
    fitted.set_vector(sol.x)
    n, k = sol.fun.size, len(free)
    errors: dict[str, float | None] = dict.fromkeys(free)
    cov = None
    jtj = sol.jac.T @ sol.jac
    if n > k and np.all(np.isfinite(jtj)) and np.linalg.matrix_rank(jtj) == k:
        scale = 1.0 if absolute_sigma else float(np.sum(sol.fun**2)) / (n - k)
        cov = np.linalg.inv(jtj) * scale
        for i, name in enumerate(free):
            e = math.sqrt(max(float(cov[i, i]), 0.0))
            errors[name] = e * fitted.params[name].value if fitted.params[name].positive else e
    return fitted, errors, cov, sol


def record_parameter_sets(result: Any, initial: ParameterSet, fitted: ParameterSet) -> None:
    """``statistics["parameters_initial"]`` and ``["parameters_fitted"]`` (ParameterSet dicts
    that :func:`merge_parameters` accepts back as ``parameters=``)."""
    result.statistics["parameters_initial"] = initial.to_dict()
    result.statistics["parameters_fitted"] = fitted.to_dict()
