"""Carrier transport from quenching-layer PL: 1-D diffusion, Einstein relation, quenching.

A film of thickness L is excited at t = 0; carriers diffuse (D) and recombine (τ₀); a perfect
quencher (PCBM for electrons, Spiro-OMeTAD for holes) at x = L removes every carrier that
reaches it; the surface at x = 0 reflects:

    ∂n/∂t = D ∂²n/∂x² − n/τ₀,  ∂n/∂x|₀ = 0,  n(L, t) = 0,  PL(t) ∝ ∫₀ᴸ n dx.

Functions take SI values (s, m, m² s⁻¹, K) and say so in their argument names; the first-mode
helpers accept any consistent unit. Sources: Stranks et al., Science 342, 341 (2013); Xing et
al., Science 342, 344 (2013); thesis §4.3.2, Fig. 4-10, Table 4-1; spec items P-40 to P-42.
"""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from heterolab.errors import ParameterError
from heterolab.physics._checks import positive_array, scalar_or_array
from heterolab.uncertainty import propagate
from heterolab.units import E_CHARGE, K_B

__all__ = [
    "DiffusionFit",
    "diffusion_coefficient_first_mode",
    "diffusion_coefficient_from_length",
    "diffusion_length_first_mode",
    "diffusion_length_from_coefficient",
    "diffusion_length_from_steady_state_quenching",
    "einstein_mobility",
    "einstein_temperature",
    "fit_diffusion_coefficient",
    "implied_thickness_first_mode",
    "lifetime_quenching",
    "quenched_pl_decay",
    "quenched_slowest_rate",
    "steady_state_quenching",
]


def _quench_ratio(tau0: ArrayLike, tau_q: ArrayLike) -> np.ndarray:
    t0, tq = positive_array("tau0", tau0), positive_array("tau_q", tau_q)
    try:
        np.broadcast_shapes(t0.shape, tq.shape)
    except ValueError:
        raise ParameterError(
            f"tau0 (shape {t0.shape}) and tau_q (shape {tq.shape}) must have matching shapes"
        ) from None
    if np.any(tq >= t0):
        raise ParameterError(
            f"tau_q = {tau_q!r} must be shorter than tau0 = {tau0!r}: a quenching layer that "
            "does not shorten the lifetime gives no diffusion length"
        )
    return t0 / tq


# ----------------------------------------------------------------------------- first mode
def diffusion_length_first_mode(
    tau0: ArrayLike, tau_q: ArrayLike, thickness: ArrayLike
) -> np.ndarray | float:
    """L_D = (2L/π) √(τ₀/τ_Q − 1), in the unit of ``thickness``.

    First-mode (long-time) solution of the 1-D diffusion problem with one perfect quencher:
    1/τ_Q = 1/τ₀ + π²D/(4L²) and L_D = √(Dτ₀) (Xing et al., Science 342, 344 (2013),
    supplementary Eq. S4; thesis §4.3.2 / Table 4-1; spec P-40). ``tau0`` and ``tau_q`` in
    the same time unit.
    """
    ratio = _quench_ratio(tau0, tau_q)
    thick = positive_array("thickness", thickness)
    return scalar_or_array(2 * thick / math.pi * np.sqrt(ratio - 1))


def diffusion_coefficient_first_mode(
    tau0_s: ArrayLike, tau_q_s: ArrayLike, thickness_m: ArrayLike
) -> np.ndarray | float:
    """D = (4L²/π²)(1/τ_Q − 1/τ₀) [m² s⁻¹] (Xing et al. 2013; spec P-40)."""
    _quench_ratio(tau0_s, tau_q_s)
    L = positive_array("thickness_m", thickness_m)
    rate_gain = 1 / np.asarray(tau_q_s) - 1 / np.asarray(tau0_s)
    return scalar_or_array(4 * L**2 / math.pi**2 * rate_gain)


def implied_thickness_first_mode(
    diffusion_length: ArrayLike, tau0: ArrayLike, tau_q: ArrayLike
) -> np.ndarray | float:
    """Film thickness L = π L_D / (2√(τ₀/τ_Q − 1)) that a reported L_D implies (unit of L_D).

    Inverse of :func:`diffusion_length_first_mode`; used to recover the thickness behind
    thesis Table 4-1, which is never stated (verification V4: ≈ 99 nm).
    """
    ratio = _quench_ratio(tau0, tau_q)
    return scalar_or_array(
        math.pi * positive_array("diffusion_length", diffusion_length) / (2 * np.sqrt(ratio - 1))
    )


def diffusion_length_from_coefficient(d: ArrayLike, tau0: ArrayLike) -> np.ndarray | float:
    """L_D = √(D τ₀) (consistent units, e.g. m² s⁻¹ and s → m) (Stranks et al. 2013)."""
    return scalar_or_array(np.sqrt(positive_array("d", d) * positive_array("tau0", tau0)))


def diffusion_coefficient_from_length(l_d: ArrayLike, tau0: ArrayLike) -> np.ndarray | float:
    """D = L_D²/τ₀ (consistent units) (Stranks et al. 2013; spec P-40)."""
    return scalar_or_array(positive_array("l_d", l_d) ** 2 / positive_array("tau0", tau0))


def quenched_slowest_rate(
    d_m2_s: ArrayLike, tau0_s: ArrayLike, thickness_m: ArrayLike
) -> np.ndarray | float:
    """Decay rate of the slowest diffusion mode, 1/τ₀ + π²D/(4L²) [1/s] (Xing et al. 2013)."""
    d = np.asarray(d_m2_s, dtype=float)
    if np.any(d < 0):
        raise ParameterError(f"d_m2_s must be >= 0, got {d_m2_s!r}")
    L = positive_array("thickness_m", thickness_m)
    return scalar_or_array(1 / positive_array("tau0_s", tau0_s) + math.pi**2 * d / (4 * L**2))


# ----------------------------------------------------------------------------- Einstein
def einstein_mobility(d_m2_s: ArrayLike, *, temperature_k: float | None) -> np.ndarray | float:
    """Mobility μ = eD/(k_B T) [m² V⁻¹ s⁻¹] of non-degenerate carriers.

    Einstein, Ann. Phys. 322, 549 (1905); spec P-42 (thesis Table 4-1). ``temperature_k``
    is required: the thesis never states it, and its table implies 294–302 K.
    """
    if temperature_k is None:
        raise ParameterError(
            "temperature_k is required for the Einstein relation mu = eD/(kB T); "
            "heterolab does not assume room temperature"
        )
    if np.ndim(temperature_k) != 0:
        raise ParameterError(f"temperature_k must be one temperature (K), got {temperature_k!r}")
    T = float(positive_array("temperature_k", temperature_k))
    d = np.asarray(d_m2_s, dtype=float)
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise ParameterError(f"d_m2_s must be >= 0 and finite, got {d_m2_s!r}")
    return scalar_or_array(E_CHARGE * d / (K_B * T))


def einstein_temperature(d_m2_s: ArrayLike, mobility_m2_vs: ArrayLike) -> np.ndarray | float:
    """Temperature T = eD/(k_B μ) [K] at which D and μ obey the Einstein relation (spec P-42)."""
    d = positive_array("d_m2_s", d_m2_s)
    mu = positive_array("mobility_m2_vs", mobility_m2_vs)
    return scalar_or_array(E_CHARGE * d / (K_B * mu))


# ----------------------------------------------------------------------------- quenching
def steady_state_quenching(diffusion_length: ArrayLike, thickness: ArrayLike) -> np.ndarray | float:
    """Quenched PL fraction Q = 1 − PL_Q/PL₀ = (L_D/L) tanh(L/L_D) under steady illumination.

    Uniform generation, reflecting back surface, perfect quencher at x = L: the steady-state
    density is n ∝ 1 − cosh(x/L_D)/cosh(L/L_D) (steady state of the P-40 equation), whose
    integral gives Q (spec P-41; thesis §4.3.2 reports 97.08 / 99.70 / 82.42 / 96.17 %).
    """
    length = positive_array("diffusion_length", diffusion_length)
    x = length / positive_array("thickness", thickness)
    return scalar_or_array(x * np.tanh(1 / x))


def diffusion_length_from_steady_state_quenching(
    quenched_fraction: float, thickness: float
) -> float:
    """Invert :func:`steady_state_quenching` for L_D (unit of ``thickness``).

    Q(L_D/L) rises monotonically from 0 to 1, so the root is unique (bisection in log L_D/L).
    """
    q = float(quenched_fraction)
    if not 0 < q < 1:
        raise ParameterError(
            f"quenched_fraction must lie strictly between 0 and 1, got {quenched_fraction!r}"
        )
    from scipy.optimize import brentq

    L = float(positive_array("thickness", thickness))

    def resid(log_x: float) -> float:
        x = math.exp(log_x)
        return x * math.tanh(1 / x) - q

    # Q -> L_D/L for L_D << L and Q -> 1 - (L/L_D)^2/3 for L_D >> L: the bracket holds every
    # representable q in (0, 1)
    lo = math.log(min(1e-8, 0.5 * q))
    return L * math.exp(brentq(resid, lo, math.log(1e8), xtol=1e-13))


def lifetime_quenching(tau0: ArrayLike, tau_q: ArrayLike) -> np.ndarray | float:
    """Lifetime-based quenching Q_τ = 1 − τ_Q/τ₀ (spec P-41). Q ≫ Q_τ signals static quenching."""
    ratio = _quench_ratio(tau0, tau_q)
    return scalar_or_array(1 - 1 / ratio)


# ----------------------------------------------------------------------------- exact series
def _mode_weights(k: np.ndarray, L: float, alpha: float | None, excited: str) -> np.ndarray:
    """w_m with PL(t)/PL(0) = Σ w_m exp(−t/τ_m), eigenfunctions cos(k_m x), k_m = (2m+1)π/(2L).

    Projection c_m = (2/L) ∫ n₀ cos(k_m x) dx; ∫₀ᴸ cos(k_m x) dx = (−1)^m / k_m.
    """
    sign = np.where(np.arange(k.size) % 2 == 0, 1.0, -1.0)
    if alpha is None:
        return 2 / (L**2 * k**2)
    a = alpha
    decay = math.exp(-a * L)
    if excited == "free":  # n0 = exp(-a x), light enters at the reflecting surface x = 0
        proj = (a + k * sign * decay) / (a**2 + k**2)
    else:  # n0 = exp(-a (L - x)), light enters through the quencher side
        proj = (k * sign - a * decay) / (a**2 + k**2)
    total = (1 - decay) / a  # ∫ n0 dx
    return (2 / L) * proj * sign / k / total


def quenched_pl_decay(
    time_s: ArrayLike,
    d_m2_s: float,
    tau0_s: float,
    thickness_m: float,
    *,
    alpha_per_m: float | None = None,
    excited_surface: Literal["free", "quencher"] = "free",
    n_modes: int = 2000,
) -> np.ndarray:
    """Normalised PL decay PL(t)/PL(0) of a film with a perfect quencher at x = L.

    Exact eigen-series solution of ∂n/∂t = D∂²n/∂x² − n/τ₀ with ∂n/∂x(0) = 0, n(L) = 0:

    .. math:: \\frac{PL(t)}{PL(0)} = \\sum_m w_m e^{-t(1/\\tau_0 + D k_m^2)},\\quad
              k_m = \\frac{(2m+1)\\pi}{2L}

    with w_m = 8/((2m+1)²π²) for uniform excitation, or from the Beer–Lambert profile
    exp(−αx) (``excited_surface="free"``) / exp(−α(L−x)) (``"quencher"``). Carslaw & Jaeger,
    *Conduction of Heat in Solids*, 2nd ed. (1959), §3.3; model of Stranks et al. 2013 and
    Xing et al. 2013 (spec P-40). At long times it tends to one exponential with rate
    1/τ₀ + π²D/(4L²) (:func:`quenched_slowest_rate`); D = 0 gives exp(−t/τ₀).

    Parameters
    ----------
    time_s
        Times after excitation [s], ≥ 0.
    d_m2_s
        Diffusion coefficient [m² s⁻¹], ≥ 0.
    tau0_s
        Lifetime without quencher [s].
    thickness_m
        Film thickness L [m].
    alpha_per_m
        Absorption coefficient [1/m]; ``None`` = uniform excitation.
    excited_surface
        Which surface the light enters through (only with ``alpha_per_m``).
    n_modes
        Number of series terms; the remainder is carried at the last mode's rate, so the result
        is exact at t = 0 and for D = 0.
    """
    t = np.asarray(time_s, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ParameterError("time_s must be finite and >= 0 (time after the excitation pulse)")
    d = float(d_m2_s)
    if not math.isfinite(d) or d < 0:
        raise ParameterError(f"d_m2_s must be >= 0 and finite, got {d_m2_s!r}")
    tau0 = float(positive_array("tau0_s", tau0_s))
    L = float(positive_array("thickness_m", thickness_m))
    if excited_surface not in ("free", "quencher"):
        raise ParameterError(
            f"excited_surface must be 'free' or 'quencher', got {excited_surface!r}"
        )
    alpha = None if alpha_per_m is None else float(positive_array("alpha_per_m", alpha_per_m))
    if int(n_modes) < 1:
        raise ParameterError(f"n_modes must be >= 1, got {n_modes!r}")
    k = (2 * np.arange(int(n_modes)) + 1) * math.pi / (2 * L)
    w = _mode_weights(k, L, alpha, excited_surface)
    rates = 1 / tau0 + d * k**2
    # The weights sum to 1 analytically (completeness); the truncated remainder decays at
    # least as fast as the last kept mode, so it is carried at that rate: exact at t = 0 and
    # for D = 0, and error-free once that mode has died out.
    w = np.append(w, 1.0 - w.sum())
    rates = np.append(rates, rates[-1])
    return np.exp(-np.multiply.outer(t, rates)) @ w


# ----------------------------------------------------------------------------- fitting
class DiffusionFit(NamedTuple):
    """Result of :func:`fit_diffusion_coefficient` (SI units)."""

    d_m2_s: float  #: fitted diffusion coefficient [m² s⁻¹]
    d_stderr: float  #: its standard error [m² s⁻¹]
    amplitude: float  #: PL(0) in the data's unit
    amplitude_stderr: float
    reduced_chi2: float  #: χ²/(N − 2) (≈ 1 when ``sigma`` describes the noise)
    success: bool
    message: str


def fit_diffusion_coefficient(
    time_s: ArrayLike,
    pl: ArrayLike,
    *,
    tau0_s: float,
    thickness_m: float,
    sigma: ArrayLike | None = None,
    alpha_per_m: float | None = None,
    excited_surface: Literal["free", "quencher"] = "free",
    d_initial_m2_s: float | None = None,
    n_modes: int = 400,
) -> DiffusionFit:
    """Fit D to a quenched PL decay with τ₀ fixed from the unquenched film (spec P-40).

    Model A·PL(t)/PL(0) from :func:`quenched_pl_decay`; weighted least squares
    (``scipy.optimize.least_squares``) in (log D, A), errors from the Jacobian covariance
    scaled by the reduced χ² when ``sigma`` is not given. Times start at the excitation
    (deconvolve or cut the IRF first).
    """
    from scipy.optimize import least_squares

    t = np.asarray(time_s, dtype=float)
    y = np.asarray(pl, dtype=float)
    if t.shape != y.shape or t.ndim != 1 or t.size < 3:
        raise ParameterError(
            f"time_s and pl must be 1-D arrays of equal length >= 3, got shapes {t.shape} and {y.shape}"
        )
    if not np.all(np.isfinite(y)):
        raise ParameterError("pl contains non-finite values")
    if not np.any(y > 0):
        raise ParameterError("pl holds no positive signal: there is no decay to fit")
    tau0 = float(positive_array("tau0_s", tau0_s))
    L = float(positive_array("thickness_m", thickness_m))
    s = np.ones_like(y) if sigma is None else positive_array("sigma", sigma) * np.ones_like(y)
    d0 = d_initial_m2_s if d_initial_m2_s is not None else _initial_d(t, y, tau0, L)

    def model(p: np.ndarray) -> np.ndarray:
        return p[1] * quenched_pl_decay(
            t,
            10 ** p[0],
            tau0,
            L,
            alpha_per_m=alpha_per_m,
            excited_surface=excited_surface,
            n_modes=n_modes,
        )

    p0 = np.array([min(max(math.log10(d0), -15.0), 1.0), max(float(y.max()), 1e-300)])
    sol = least_squares(
        lambda p: (model(p) - y) / s,
        p0,
        x_scale=np.array([1.0, p0[1]]),
        bounds=([-16.0, 0.0], [2.0, np.inf]),
        method="trf",
    )
    dof = max(t.size - 2, 1)
    chi2 = float(np.sum(sol.fun**2)) / dof
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac)
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)
    if sigma is None:
        cov = cov * chi2
    d, d_err = propagate(
        lambda p: 10 ** p[0], sol.x, cov, gradient=[10 ** sol.x[0] * math.log(10), 0.0]
    )
    success, message = _diffusion_fit_verdict(sol, p0, d, d_err)
    return DiffusionFit(
        float(d),
        float(d_err),
        float(sol.x[1]),
        float(math.sqrt(max(cov[1, 1], 0.0))),
        chi2,
        success,
        message,
    )


def _diffusion_fit_verdict(sol: Any, p0: np.ndarray, d: float, d_err: float) -> tuple[bool, str]:
    """A fit is a success only when the optimiser converged, D and A left their start values,
    log10 D is not at a bound of [-16, 2] and A is not 0, and D is finite and known to better
    than 100 %."""
    problems = []
    if not sol.success:
        problems.append(str(sol.message))
    if not -16.0 + 1e-6 < sol.x[0] < 2.0 - 1e-6:
        problems.append(f"D = {d:.3g} m^2/s at a bound of the search (1e-16 to 100 m^2/s)")
    if not sol.x[1] > 0:
        problems.append("amplitude at 0: the model does not describe the data")
    if np.allclose(sol.x, p0, rtol=1e-12, atol=0.0):
        problems.append("D and the amplitude did not move from their start values")
    if not (math.isfinite(d) and math.isfinite(d_err)):
        problems.append("D or its error is not finite")
    elif d_err > d:
        problems.append(f"D = {d:.3g} ± {d_err:.2g} m^2/s: relative error above 100 %")
    return (not problems), ("; ".join(problems) if problems else str(sol.message))


def _initial_d(t: np.ndarray, y: np.ndarray, tau0: float, L: float) -> float:
    """Start value of D from the late-time log slope (first-mode rate), floored at 1e-12."""
    good = y > 0
    if good.sum() < 3:
        return 1e-6
    tt, ly = t[good], np.log(y[good])
    half = tt >= np.median(tt)
    slope = np.polyfit(tt[half], ly[half], 1)[0] if half.sum() >= 2 else -1 / tau0
    excess = -slope - 1 / tau0
    return max(excess * 4 * L**2 / math.pi**2, 1e-12)
