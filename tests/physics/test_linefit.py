"""The shared straight-line fit: OLS errors, honest NaN errors from two points, messages."""

from __future__ import annotations

import math

import numpy as np
import pytest

from heterolab._linefit import fit_line
from heterolab.errors import ParameterError


def test_slope_error_is_the_ols_standard_error_and_covers_the_truth():
    rng = np.random.default_rng(11)
    x = np.linspace(0.0, 10.0, 41)
    sigma = 0.3
    pulls = []
    for _ in range(200):
        y = 1.7 * x - 4.0 + rng.normal(0.0, sigma, x.size)
        line = fit_line(x, y)
        pulls.append((line.slope - 1.7) / line.slope_err)
    # expected slope error sigma / sqrt(sum (x - mean)^2) (Bevington & Robinson 2003, Eq. 6.23)
    expected = sigma / math.sqrt(np.sum((x - x.mean()) ** 2))
    assert line.slope_err == pytest.approx(expected, rel=0.35)
    pulls = np.asarray(pulls)
    assert abs(pulls.mean()) < 3 / math.sqrt(pulls.size)
    assert pulls.std() == pytest.approx(1.0, abs=0.15)


def test_exact_line_and_numpy_agree():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    y = np.array([2.1, 3.9, 8.2, 13.8])
    line = fit_line(x, y)
    p, cov = np.polyfit(x, y, 1, cov=True)
    np.testing.assert_allclose(line.coefficients, p, rtol=1e-12)
    np.testing.assert_allclose(line.cov, cov, rtol=1e-9)
    assert 0.99 < line.r_squared < 1.0


def test_two_points_give_nan_errors_not_zero():
    line = fit_line([1.0, 3.0], [2.0, 6.0])
    assert line.slope == pytest.approx(2.0)
    assert math.isnan(line.slope_err)


def test_bad_input_messages():
    with pytest.raises(ParameterError, match="two distinct x values"):
        fit_line([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ParameterError, match="equal length >= 2"):
        fit_line([1.0, 2.0], [1.0])
    with pytest.raises(ParameterError, match="finite x and y"):
        fit_line([1.0, 2.0, 3.0], [1.0, np.nan, 3.0])
