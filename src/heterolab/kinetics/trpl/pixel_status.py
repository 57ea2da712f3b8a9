"""Per-decay (per-pixel, per-wavelength) status of batch, FLIM and TRPL-map fits.

A batch fit returns thousands of fits; every one of them is judged by the rules a single decay
fit is judged by (:func:`heterolab.kinetics.trpl.decay_diagnostics.judge_decay_fit`) and gets
a status, ok / suspect / failed (or masked: not fitted), with the reasons as bit flags:

- ``CHI2``: Pearson chi-square more than ``MISFIT_Z`` spreads above its expectation on the
  populated bins (:func:`~heterolab.kinetics.trpl.decay_diagnostics.misfit_z`): the model does
  not describe the decay;
- ``BOUND``: a lifetime ended at its bound;
- ``OUTSIDE_WINDOW``: a lifetime longer than twice the fit window or shorter than a tenth of a
  bin (the data cannot measure it);
- ``REL_ERROR``: a lifetime or amplitude with a relative standard error over 100 %, or one
  that is not finite (an error that could not be computed is not a small one);
- ``VANISHED``: a component's amplitude went to zero (fewer components describe the decay;
  with one component: no decay at all);
- ``NOT_CONVERGED``: no convergence, stuck, or non-finite (failed);
- ``FEW_PHOTONS``: too few photons to fit (failed);
- ``AUTOCORRELATION``: residuals correlated (single-decay fits of a TRPL map only);
- ``KERNEL_BIAS``: with a measured IRF, a lifetime whose estimated kernel bias
  (:func:`heterolab.kinetics.decay_models.measured_irf_lifetime_bias`) exceeds half its
  standard error (:func:`~heterolab.kinetics.trpl.decay_diagnostics.kernel_biased`, the rule
  of single-decay fits): lifetimes near or below one bin, or an undersampled IRF.

The Result counts pixels per status and per reason, and is marked suspect when more than
``SUSPECT_FRACTION`` of the fitted decays are suspect or failed.
"""

from __future__ import annotations

import enum
import math
from typing import Any

import numpy as np

from heterolab.kinetics.trpl.decay_diagnostics import kernel_biased
from heterolab.uncertainty import MISFIT_Z

__all__ = [
    "SUSPECT_FRACTION",
    "PixelFlag",
    "PixelStatus",
    "classify_batch",
    "describe",
    "flag_names",
    "flags_of_result",
    "record_status",
]

#: Fraction of fitted decays (suspect or failed) above which the whole Result is suspect.
SUSPECT_FRACTION = 0.05


class PixelStatus(enum.IntEnum):
    """Status code of one decay in a batch/FLIM/map fit (``curves["pixel_status"]``)."""

    OK = 0
    SUSPECT = 1
    FAILED = 2
    MASKED = 3


class PixelFlag(enum.IntFlag):
    """Reasons of a decay's status (``curves["pixel_flags"]``, a bit mask)."""

    CHI2 = 1
    BOUND = 2
    OUTSIDE_WINDOW = 4
    REL_ERROR = 8
    VANISHED = 16
    NOT_CONVERGED = 32
    FEW_PHOTONS = 64
    AUTOCORRELATION = 128
    KERNEL_BIAS = 256


_FAILING = PixelFlag.NOT_CONVERGED | PixelFlag.FEW_PHOTONS
_REASON = {
    PixelFlag.CHI2: f"chi2 (misfit z > {MISFIT_Z:g})",
    PixelFlag.BOUND: "lifetime at its bound",
    PixelFlag.OUTSIDE_WINDOW: "lifetime outside the measurable window",
    PixelFlag.REL_ERROR: "relative error > 100 % or unknown",
    PixelFlag.VANISHED: "a component vanished",
    PixelFlag.NOT_CONVERGED: "not converged",
    PixelFlag.FEW_PHOTONS: "too few photons",
    PixelFlag.AUTOCORRELATION: "correlated residuals",
    PixelFlag.KERNEL_BIAS: "lifetime biased by the measured-IRF kernel (short for the bins)",
}


def flag_names() -> dict[str, int]:
    """``{flag name (lower case): bit value}`` for the legend of ``pixel_flags``."""
    return {f.name.lower(): int(f.value) for f in PixelFlag if f.name}


def classify_batch(
    fit_status: np.ndarray,
    log_tau: np.ndarray,
    tau_se: np.ndarray,
    amp: np.ndarray,
    amp_se: np.ndarray,
    misfit: np.ndarray,
    log_tau_bounds: tuple[float, float],
    window_ns: float,
    bin_width: float,
    kernel_bias: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Status and flags per decay of a batch fit (arrays over decays).

    ``fit_status`` are the codes of :data:`heterolab.kinetics.trpl.batch.FIT_STATUS`;
    ``log_tau`` the fitted log lifetimes (``(n, k)``, ns, before vanished components are
    blanked), ``tau_se``/``amp``/``amp_se`` the lifetimes' stderr and the amplitudes with
    theirs, ``misfit`` the misfit z of each fit, ``kernel_bias`` (``(n, k)``, ns, measured IRF
    only) the estimated kernel bias of each lifetime.
    """
    n = fit_status.size
    flags = np.zeros(n, dtype=np.int64)
    flags[np.isin(fit_status, (1, 2, 3))] |= int(PixelFlag.NOT_CONVERGED)
    flags[fit_status == 4] |= int(PixelFlag.FEW_PHOTONS)
    fitted = np.isin(fit_status, (0, 5))
    live = amp > 0.0  # vanished components carry no lifetime to judge
    flags[fitted & np.any(~live, axis=1)] |= int(PixelFlag.VANISHED)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.exp(log_tau)
        span = 1e-6 * (log_tau_bounds[1] - log_tau_bounds[0])
        at_bound = (log_tau <= log_tau_bounds[0] + span) | (log_tau >= log_tau_bounds[1] - span)
        outside = (tau > 2.0 * window_ns) | (tau < 0.1 * bin_width)
        rel = np.where(live, np.maximum(tau_se / tau, np.abs(amp_se / amp)), 0.0)
    checks = [
        (PixelFlag.BOUND, np.any(at_bound & live, axis=1)),
        (PixelFlag.OUTSIDE_WINDOW, np.any(outside & live, axis=1)),
        (PixelFlag.REL_ERROR, np.any(np.nan_to_num(rel, nan=np.inf) > 1.0, axis=1)),
        (PixelFlag.CHI2, np.nan_to_num(misfit, nan=0.0) > MISFIT_Z),
    ]
    if kernel_bias is not None:
        biased = np.any(kernel_biased(kernel_bias, tau_se) & live, axis=1)
        checks.append((PixelFlag.KERNEL_BIAS, biased))
    for flag, hit in checks:
        flags[fitted & hit] |= int(flag)
    status = np.where(flags == 0, int(PixelStatus.OK), int(PixelStatus.SUSPECT))
    status[(flags & int(_FAILING)) != 0] = int(PixelStatus.FAILED)
    status[fit_status == 6] = int(PixelStatus.MASKED)
    return status.astype(np.int64), flags


def describe(status: int, flags: int) -> str:
    """``"ok"``, ``"suspect (chi2, relative error > 100 %)"``, ... for one decay."""
    name = PixelStatus(int(status)).name.lower()
    reasons = [_REASON[f] for f in PixelFlag if int(flags) & int(f)]
    return f"{name} ({', '.join(reasons)})" if reasons else name


def flags_of_result(
    r: Any, window_ns: float, bin_width: float, reported: tuple[str, ...] | None = None
) -> int:
    """Flags of one :func:`~heterolab.kinetics.trpl.decay_fit.fit_decay` Result (same rules
    as :func:`classify_batch`, read from its parameters, statistics and warnings).

    ``reported``: the quantities taken from the fit (e.g. ``("tau_avg_intensity",)`` for a
    TRPL map row); only their relative errors count, default every lifetime and amplitude.
    """
    if r.status == "failed":
        return int(PixelFlag.NOT_CONVERGED)
    flags = 0
    z = r.statistics.get("misfit_z")
    if z is not None and math.isfinite(z) and z > MISFIT_Z:
        flags |= int(PixelFlag.CHI2)
    if any("ended at its bound" in w for w in r.warnings):
        flags |= int(PixelFlag.BOUND)
    if "residuals are correlated" in r.message:
        flags |= int(PixelFlag.AUTOCORRELATION)
    if "measured-IRF reconvolution" in r.message:
        flags |= int(PixelFlag.KERNEL_BIAS)
    quantities = {**r.parameters, **r.derived}
    for name, q in quantities.items():
        if q.stderr is None:
            continue
        measurable = 0.1 * bin_width <= q.value <= 2.0 * window_ns
        if name.startswith("tau_") and name in r.parameters and not measurable:
            flags |= int(PixelFlag.OUTSIDE_WINDOW)
        judged = name in reported if reported is not None else name.startswith(("tau_", "amp"))
        if judged and q.value != 0 and not abs(q.stderr / q.value) <= 1:  # NaN counts too
            flags |= int(PixelFlag.REL_ERROR)
    return flags


def record_status(result: Any, status: np.ndarray, flags: np.ndarray, what: str) -> None:
    """Counts per status and per reason into ``result.statistics`` (``pixel_status_counts``,
    ``pixel_flag_counts``, ``pixel_flag_bits``); the Result is marked suspect when more than
    :data:`SUSPECT_FRACTION` of the fitted ``what`` (decays, pixels, wavelengths) are suspect
    or failed."""
    counts = {s.name.lower(): int(np.sum(status == int(s))) for s in PixelStatus}
    reasons = {
        _REASON[f]: int(np.sum((flags & int(f)) != 0))
        for f in PixelFlag
        if np.any((flags & int(f)) != 0)
    }
    result.statistics["pixel_status_counts"] = counts
    result.statistics["pixel_flag_counts"] = reasons
    result.statistics["pixel_flag_bits"] = flag_names()
    # one line each in the printed summary
    result.statistics[f"{what}_status"] = ", ".join(f"{v} {k}" for k, v in counts.items())
    if reasons:
        result.statistics[f"{what}_reasons"] = ", ".join(f"{k}: {v}" for k, v in reasons.items())
    fitted = counts["ok"] + counts["suspect"] + counts["failed"]
    bad = counts["suspect"] + counts["failed"]
    if fitted and bad > SUSPECT_FRACTION * fitted:
        top = ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1]))
        result.mark_suspect(
            f"{bad} of {fitted} fitted {what} ({100.0 * bad / fitted:.1f} %) are suspect or "
            f"failed ({top}); see curves['pixel_status'] and curves['pixel_flags']"
        )
