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


def fit_line(x: ArrayLike, y: ArrayLike, sigma: ArrayLike | None = None) -> LineFit:
    """Least-squares line y = m x + b with cov = s² (AᵀWA)⁻¹, s² = Σ w r²/(n − 2).

    Standard least-squares errors (e.g. Bevington & Robinson, *Data Reduction and Error
    Analysis*, 3rd ed. (2003), §6.3-6.4); ``sigma`` (same unit as ``y``, > 0) gives the
    relative standard deviations of the points, weights w = 1/sigma² (default 1: ordinary
    least squares). The covariance is scaled by the residual variance s², so ``sigma`` needs
    to be right only up to a common factor. With exactly two points the residual variance is
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
    sw = np.ones_like(xa) if sigma is None else 1.0 / np.broadcast_to(sigma, xa.shape)
    if not np.all(np.isfinite(sw) & (sw > 0)):
        raise ParameterError("a weighted straight-line fit needs finite sigma > 0")
    a = np.column_stack([xa, np.ones_like(xa)]) * sw[:, None]
    coef, _, rank, _ = np.linalg.lstsq(a, ya * sw, rcond=None)
    if rank < 2:
        raise ParameterError("need at least two distinct x values for a straight-line fit")
    resid = ya * sw - a @ coef
    rss = float(resid @ resid)
    dof = xa.size - 2
    s2 = rss / dof if dof > 0 else math.nan
    cov = s2 * np.linalg.inv(a.T @ a)
    w = sw * sw
    ss = float(np.sum(w * (ya - np.sum(w * ya) / np.sum(w)) ** 2))
    r2 = 1.0 - rss / ss if ss > 0 else 0.0
    return LineFit(coef, cov, r2)
