"""Goodness-of-fit diagnostics of decay fits: residual autocorrelation, correlations, curves.

References
----------
- Residual autocorrelation as a test of fit quality in fluorescence decay analysis: Grinvald &
  Steinberg, Anal. Biochem. 59, 583 (1974).
- Durbin–Watson statistic: Durbin & Watson, Biometrika 37, 409 (1950).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from heterolab.uncertainty import MISFIT_Z

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "correlation_matrix",
    "decay_curves",
    "durbin_watson",
    "judge_decay_fit",
    "kernel_biased",
    "misfit_z",
    "residual_autocorrelation",
]


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


def misfit_z(y: np.ndarray, m: np.ndarray, dof: int) -> float:
    r"""Standardised excess of Pearson's chi-square over its expectation for Poisson counts.

    For Poisson data :math:`\mathrm{Var}[(y-m)^2/m] = 2 + 1/m`, so
    :math:`z = (\chi^2 - \nu)/\sqrt{\sum_k (2 + 1/m_k)}` stays honest at low counts, where
    :math:`\sqrt{2\nu}` underestimates the spread (e.g. the Poisson chi-square discussion of Baker & Cousins, Nucl. Instrum. Methods 221, 437
    (1984)).
    """
    m = np.maximum(np.asarray(m, dtype=float), 1e-12)
    chi2 = float(np.sum((y - m) ** 2 / m))
    spread = math.sqrt(float(np.sum(2.0 + 1.0 / m)))
    return (chi2 - dof) / spread


#: A lifetime is suspect when the measured-IRF kernel's estimated bias exceeds this fraction of
#: its standard error (then a 1-sigma interval no longer covers the truth at its nominal rate).
KERNEL_BIAS_FRACTION = 0.5


def kernel_biased(bias: Any, stderr: Any) -> Any:
    """True where the kernel bias (ns) of a lifetime exceeds ``KERNEL_BIAS_FRACTION`` of its
    standard error (ns); the one rule of single-decay and batch fits (arrays or scalars;
    NaN gives False).

    ``bias`` from :func:`heterolab.kinetics.decay_models.measured_irf_lifetime_bias`.
    """
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(np.abs(bias), nan=0.0) > KERNEL_BIAS_FRACTION * np.nan_to_num(
            stderr, nan=np.inf
        )


def _kernel_bias_reason(name: str, tau: float, bias: float, stderr: float, delta: float) -> str:
    way = "overestimates" if bias > 0 else "underestimates"
    return (
        f"{name} = {tau:.3g} ns is short for the {delta:.3g} ns bins (or the measured IRF is "
        f"undersampled): the measured-IRF reconvolution {way} it by about {abs(bias):.2g} ns "
        f"(> half its standard error {stderr:.2g} ns); use finer bins or a Gaussian IRF model"
    )


def judge_decay_fit(
    result: Any,
    *,
    y: np.ndarray,
    m: np.ndarray,
    estimator: str,
    n_components: int,
    model: str,
    window_ns: float,
    bin_width: float,
    background_free: bool,
    kernel_bias: Callable[[float], float] | None = None,
) -> None:
    """Turn every diagnostic of a decay fit into the status: suspect with the reason.

    ``y`` and ``m`` are the data and model on the bins used for the tests (those with >= 2
    expected counts, where Poisson residuals are near normal).

    - misfit: Pearson chi-square more than ``MISFIT_Z`` spreads above its expectation
      (:func:`misfit_z`, p < 3e-5): suspect, the next model is suggested and the standard
      errors are scaled by sqrt(chi2_red) (ML; least squares already scale them);
    - residual autocorrelation above ``statistics["autocorrelation_threshold"]`` (4/sqrt(n) at
      any of the lags 1..20, ~1e-3 false alarms for white residuals) when the residuals are at
      the Poisson level (chi2_red >= 0.5): suspect;
    - lifetimes longer than twice the fit window (or longer than the window with a relative
      error over 50 %) or shorter than a tenth of a bin, relative
      errors over 100 % (lifetimes, amplitudes, beta; a warning for IRF width and shift),
      a component amplitude below 2 standard errors (several components),
      undetermined parameters: suspect;
    - a free background at its lower bound 0: warning;
    - with a measured IRF (``kernel_bias``: lifetime -> its estimated bias, ns, of the
      exponential model; :func:`heterolab.kinetics.decay_models.measured_irf_lifetime_bias`),
      a lifetime whose kernel bias exceeds half its standard error (:func:`kernel_biased`;
      lifetimes near or below one bin, IRFs under ~2.5 bins): suspect.
    """
    st = result.statistics
    reasons: list[str] = []
    dof = int(st["dof"])
    n_par = int(st.get("n_parameters", 0))
    z = misfit_z(y, m, max(y.size - n_par, 1)) if estimator != "ols" else 0.0
    st["misfit_z"] = z
    if z > MISFIT_Z:
        chi2 = float(st["chi2_reduced"])
        nxt = (
            f"n_components={n_components + 1} or model='stretched'"
            if model == "exp" and n_components < 4
            else "another model"
        )
        scaled = ""
        if estimator == "mle" and chi2 > 1:
            _scale_errors(result, math.sqrt(chi2))
            scaled = f"; standard errors scaled by sqrt(chi2_red) = {math.sqrt(chi2):.3g}"
        reasons.append(
            f"chi2_red = {chi2:.3g} over {dof} dof is {z:.0f} spreads above 1: the model does "
            f"not describe the data; try {nxt}{scaled}"
        )
    ac_max, ac_thr = st.get("autocorrelation_max"), st.get("autocorrelation_threshold")
    # residuals far below the Poisson noise (chi2_red < 0.5: noise-free or rescaled data) carry
    # no statistical meaning in their correlation
    poisson_like = float(st.get("chi2_reduced", 1.0)) >= 0.5
    if ac_max is not None and math.isfinite(ac_max) and ac_max > ac_thr and poisson_like:
        reasons.append(
            f"residuals are correlated (autocorrelation {ac_max:.3g} > {ac_thr:.3g}): "
            "systematic misfit"
        )
    for name, q in result.parameters.items():
        if q.stderr is None:
            continue
        if name.startswith("tau_") and q.value > 2 * window_ns:
            reasons.append(
                f"{name} = {q.value:.4g} ns is longer than twice the fit window ({window_ns:.4g} ns)"
            )
        if (
            name.startswith("tau_")
            and window_ns < q.value <= 2 * window_ns
            and math.isfinite(q.stderr)
            and q.stderr > 0.5 * q.value
        ):
            reasons.append(
                f"{name} = {q.value:.4g} ± {q.stderr:.2g} ns is longer than the fit window "
                f"({window_ns:.4g} ns) and not determined by it (relative error > 50 %)"
            )
        if name.startswith("tau_") and q.value < 0.1 * bin_width:
            reasons.append(f"{name} = {q.value:.3g} ns is below a tenth of the bin width")
        elif name.startswith("tau_") and kernel_bias is not None and model == "exp":
            bias = kernel_bias(q.value) if q.value > 0 else math.nan
            if kernel_biased(bias, q.stderr):
                reasons.append(_kernel_bias_reason(name, q.value, bias, q.stderr, bin_width))
        rel = abs(q.stderr / q.value) if q.value != 0 and math.isfinite(q.stderr) else 0.0
        if name.startswith("amplitude_raw_") and n_components > 1 and 0.5 < rel <= 1.0:
            reasons.append(
                f"{name} = {q.value:.3g} ± {q.stderr:.2g} is below 2 standard errors: the "
                f"component is not significant; try n_components={n_components - 1}"
            )
        if rel > 1.0 and name.startswith(("tau_", "amplitude_", "beta")):
            reasons.append(f"{name} has a relative error of {100 * rel:.0f} % (> 100 %)")
        elif rel > 1.0 and name in (
            "shift",
            "irf_fwhm",
        ):  # a nuisance parameter (IRF width, shift): the lifetimes still stand
            result.warnings.append(
                f"{name} = {q.value:.4g} has a relative error of {100 * rel:.0f} %: "
                "not determined by these data"
            )
    if any("not determined by the data" in w for w in result.warnings):
        reasons.append("some parameters are not determined by the data (see warnings)")
    if any("ended at its bound" in w for w in result.warnings):
        reasons.append("a parameter ended at its bound (see warnings)")
    bg = result.parameters.get("background")
    if background_free and bg is not None and bg.value <= 1e-9:
        result.warnings.append(
            "background ended at its lower bound 0 counts/bin: the data have no offset, "
            "or were background-subtracted (fit the raw counts, or fix background=0)"
        )
    for reason in reasons:
        result.mark_suspect(reason)


def _scale_errors(result: Any, factor: float) -> None:
    from heterolab.result import Quantity

    for group in (result.parameters, result.derived):
        for name, q in list(group.items()):
            if q.stderr is not None and math.isfinite(q.stderr):
                group[name] = Quantity(q.value, q.stderr * factor, q.unit)
    result.statistics["stderr_scale"] = factor
