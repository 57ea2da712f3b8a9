"""Shared helpers of the simulators: argument checks, seeded generators, Poisson noise, line
shapes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import fwhm_to_sigma


def rng_from_seed(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A numpy ``Generator`` from a seed (or pass a Generator through).

    ``None`` is refused: every simulated draw must be reproducible (STYLE.md).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise ParameterError("seed is required so that the simulated data are reproducible")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(int(seed))


def positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float, raising ParameterError unless finite and > 0 (or >= 0)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ParameterError(f"{name} must be finite and {bound}, got {value!r}")
    return v


def positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """Return ``value`` as int, raising ParameterError unless an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def float_vector(name: str, value: ArrayLike, *, positive_only: bool = False) -> np.ndarray:
    """1-D finite float array from ``value``; ParameterError naming ``name`` otherwise."""
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be numbers, got {value!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ParameterError(f"{name} must be a non-empty 1-D sequence, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite, got {arr.tolist()}")
    if positive_only and np.any(arr <= 0):
        raise ParameterError(f"{name} must all be > 0, got {arr.tolist()}")
    return arr


def poisson_counts(expected: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Poisson-distributed photon counts with the given (non-negative) expectation."""
    lam = np.clip(np.asarray(expected, dtype=float), 0.0, None)
    return rng.poisson(lam).astype(float)


def simulated_array(
    values: np.ndarray,
    axes: dict[str, tuple[np.ndarray, str | None]],
    *,
    name: str,
    units: str,
    **attrs: Any,
) -> xr.DataArray:
    """A DataArray in the io readers' convention, marked as simulated.

    ``axes`` maps each dim (in order) to ``(coordinate values, unit or None)``; the array
    gets ``attrs`` ``units``, ``source="simulated"``, ``simulated=True`` and ``attrs``.
    """
    da = xr.DataArray(
        values,
        dims=tuple(axes),
        coords={dim: coord for dim, (coord, _) in axes.items()},
        name=name,
        attrs={"units": units, "source": "simulated", "simulated": True, **attrs},
    )
    for dim, (_, unit) in axes.items():
        if unit is not None:
            da[dim].attrs["units"] = unit
    return da


def noisy_counts(
    expected: np.ndarray, *, noise: bool, seed: int | np.random.Generator | None
) -> np.ndarray:
    """Poisson draws of ``expected`` from a seeded generator, or ``expected`` itself.

    ``noise=False`` returns the noise-free expectation (float counts; ``seed`` unused).
    """
    return poisson_counts(expected, rng_from_seed(seed)) if noise else expected


def gaussian_peak(x: ArrayLike, center: ArrayLike, fwhm: float) -> np.ndarray:
    """Unit-height Gaussian ``exp(-4 ln2 (x - c)^2 / FWHM^2)`` (broadcasts ``x`` against ``c``).

    ``x``, ``center`` and ``fwhm`` share one unit (nm, eV, ...); ``fwhm`` > 0.
    """
    sigma = fwhm_to_sigma(positive("fwhm", fwhm))
    z = (np.asarray(x, dtype=float) - np.asarray(center, dtype=float)) / sigma
    return np.exp(-0.5 * z**2)


def voigt_peak(
    x: ArrayLike, center: float, gaussian_fwhm: float, lorentzian_fwhm: float
) -> np.ndarray:
    """Unit-area Voigt profile (Gaussian ⊗ Lorentzian) given both FWHMs (>= 0, not both 0),
    in ``1/unit of x``.

    ``sigma = FWHM_G / (2 sqrt(2 ln 2))`` and half-width ``gamma = FWHM_L / 2`` passed to
    :func:`scipy.special.voigt_profile` (Faddeeva-function form; Olivero & Longbothum,
    J. Quant. Spectrosc. Radiat. Transfer 17, 233 (1977) for the FWHM definitions).
    """
    from scipy.special import voigt_profile

    sigma = fwhm_to_sigma(positive("gaussian_fwhm", gaussian_fwhm, allow_zero=True))
    gamma = positive("lorentzian_fwhm", lorentzian_fwhm, allow_zero=True) / 2
    if sigma == 0 and gamma == 0:
        raise ParameterError("gaussian_fwhm and lorentzian_fwhm are both 0: no line width")
    return voigt_profile(np.asarray(x, dtype=float) - center, sigma, gamma)
