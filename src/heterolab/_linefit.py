"""Unweighted straight-line least squares with the parameter covariance: the one line fit.

Used wherever a model is linearised (Tauc and Urbach plots, UPS edges, log-log power laws,
Arrhenius and LSW plots, stability retention).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from heterolab.errors import ParameterError

__all__ = ["LineFit", "fit_line"]


class LineFit(NamedTuple):
    """``coefficients`` = [slope, intercept] (``numpy.polyfit`` order), their 2×2 covariance
    ``cov`` and the coefficient of determination ``r_squared``."""

    coefficients: np.ndarray
    cov: np.ndarray
    r_squared: float

    @property
    def slope(self) -> float:
        return float(self.coefficients[0])

    @property
    def intercept(self) -> float:
        return float(self.coefficients[1])

    @property
    def slope_err(self) -> float:
        return math.sqrt(self.cov[0, 0])

    @property
    def intercept_err(self) -> float:
        return math.sqrt(self.cov[1, 1])


def fit_line(x: ArrayLike, y: ArrayLike) -> LineFit:
    """Least-squares line y = m x + b with cov = s² (AᵀA)⁻¹, s² = RSS/(n − 2).

    Standard ordinary-least-squares errors (e.g. Bevington & Robinson, *Data Reduction and
    Error Analysis*, 3rd ed. (2003), §6.3). With exactly two points the residual variance is
    undetermined and the covariance is NaN (never a false zero error).

    Raises
    ------
    ParameterError
        Fewer than two points, unequal lengths, non-finite values, or all x equal.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.ndim != 1 or xa.shape != ya.shape or xa.size < 2:
        raise ParameterError(
            f"a straight-line fit needs two 1-D arrays of equal length >= 2, got shapes "
            f"{xa.shape} and {ya.shape}"
        )
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise ParameterError("a straight-line fit needs finite x and y values")
    a = np.column_stack([xa, np.ones_like(xa)])
    coef, _, rank, _ = np.linalg.lstsq(a, ya, rcond=None)
    if rank < 2:
        raise ParameterError("need at least two distinct x values for a straight-line fit")
    resid = ya - a @ coef
    rss = float(resid @ resid)
    dof = xa.size - 2
    s2 = rss / dof if dof > 0 else math.nan
    cov = s2 * np.linalg.inv(a.T @ a)
    ss = float(np.sum((ya - ya.mean()) ** 2))
    r2 = 1.0 - rss / ss if ss > 0 else 0.0
    return LineFit(coef, cov, r2)
