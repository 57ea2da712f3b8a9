"""Goodness-of-fit diagnostics of decay fits: residual autocorrelation, correlations, curves.

References
----------
- Residual autocorrelation as a test of fit quality in fluorescence decay analysis: Grinvald &
  Steinberg, Anal. Biochem. 59, 583 (1974).
- Durbin–Watson statistic: Durbin & Watson, Biometrika 37, 409 (1950).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["correlation_matrix", "decay_curves", "durbin_watson", "residual_autocorrelation"]


def residual_autocorrelation(residuals: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation of weighted residuals for lags 0 .. n//2 (in bins).

    ``ac[k] = sum_i r_i r_{i+k} / sum_i r_i^2`` of the mean-removed residuals (Grinvald &
    Steinberg 1974), so ``ac[0] == 1``; for white residuals ``|ac[k]| < 2/sqrt(n)`` at ~95 %.
    """
    r = np.asarray(residuals, dtype=float)
    r = r - r.mean()
    n = r.size
    nfft = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(r, nfft)
    ac = np.fft.irfft(f * np.conj(f), nfft)[: n // 2 + 1]
    return ac / ac[0] if ac[0] > 0 else np.zeros_like(ac)


def durbin_watson(residuals: np.ndarray) -> float:
    """Durbin–Watson statistic sum (r_i - r_{i-1})^2 / sum r_i^2 (2 for white residuals)."""
    r = np.asarray(residuals, dtype=float)
    return float(np.sum(np.diff(r) ** 2) / max(float(np.sum(r * r)), 1e-300))


def correlation_matrix(cov: np.ndarray) -> np.ndarray:
    """Correlation matrix of a covariance matrix (nan where a variance is not positive)."""
    cov = np.asarray(cov, dtype=float)
    d = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = cov / np.outer(d, d)
    out[~np.isfinite(out)] = np.nan
    return out


def decay_curves(
    time: np.ndarray,
    data: np.ndarray,
    model: np.ndarray,
    residuals: np.ndarray,
    autocorrelation: np.ndarray,
    bin_width: float,
    irf: np.ndarray | None = None,
) -> dict[str, xr.DataArray]:
    """Curves of a decay fit as DataArrays: data, model (counts), weighted residuals,
    autocorrelation (against lag in ns) and the IRF scaled to the data peak (for plots)."""
    import xarray as xr

    coord = xr.IndexVariable("time", np.asarray(time, dtype=float), {"units": "ns"})

    def on_time(values: np.ndarray, units: str) -> xr.DataArray:
        return xr.DataArray(values, coords={"time": coord}, dims="time", attrs={"units": units})

    lag = xr.IndexVariable("lag", np.arange(autocorrelation.size) * bin_width, {"units": "ns"})
    curves = {
        "data": on_time(data, "counts"),
        "model": on_time(model, "counts"),
        "residuals": on_time(residuals, "1"),
        "autocorrelation": xr.DataArray(
            autocorrelation, coords={"lag": lag}, dims="lag", attrs={"units": "1"}
        ),
    }
    if irf is not None and np.max(irf) > 0:
        curves["irf"] = on_time(irf / np.max(irf) * max(float(np.max(data)), 1.0), "counts")
    return curves
