"""Simulated transient-absorption (TA) matrices from a compartmental kinetic scheme.

Model (target analysis; van Stokkum, Larsen & van Grondelle, Biochim. Biophys. Acta 1657, 82
(2004), §3–4):

.. math::

    \\frac{dc}{dt} = K c,\\qquad c(0^+) = c_0,\\qquad
    \\Delta OD(t, \\lambda) = \\sum_s c_s(t;\\lambda)\\,S_s(\\lambda) + \\mathrm{CA} + \\epsilon

with ``K`` the rate matrix (``K[i, j]`` = rate from compartment j into i for i ≠ j, diagonal =
minus the total decay rate of j), solved by eigen-decomposition ``K = V Λ V^{-1}``: each
population is ``c_i(t) = Σ_k V_ik b_k exp(λ_k t)`` with ``b = V^{-1} c_0``, and every
exponential is convolved with a Gaussian IRF centred at the wavelength-dependent time zero
(group-velocity dispersion, "chirp")

.. math:: t_0(\\lambda) = t_0 + \\sum_{k \\ge 1} p_k\\,\\big((\\lambda - \\lambda_c)/100\\,\\mathrm{nm}\\big)^k

(the polynomial dispersion parametrisation of glotaran/pyglotaran, Snellenburg et al., J. Stat.
Softw. 49(3) (2012)) using :func:`heterolab.kinetics.decay_models.exp_conv_gaussian`. An
optional coherent artefact (cross-phase modulation near time zero) is modelled as the second
derivative of the IRF Gaussian (Lorenc et al., Appl. Phys. B 74, 19 (2002)). Noise is white
Gaussian in ΔOD with standard deviation ``noise_od`` from a seeded generator.

Output follows :mod:`heterolab.io.ta`: a DataArray named ``"delta_od"`` with dims
``("time", "wavelength")``, ``time`` in ps, ``wavelength`` in nm, values in OD.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import exp_conv_gaussian, fwhm_to_sigma
from heterolab.simulate._common import (
    float_vector,
    gaussian_peak,
    positive,
    rng_from_seed,
    simulated_array,
)

__all__ = [
    "chirp_t0",
    "gaussian_band",
    "populations",
    "simulate_ta",
]

_CHIRP_SCALE_NM = 100.0


def gaussian_band(
    wavelength_nm: ArrayLike, center_nm: float, fwhm_nm: float, amplitude: float
) -> np.ndarray:
    """A Gaussian spectral band ``A exp(-4 ln2 (λ - λ_c)^2 / FWHM^2)`` on the wavelength grid.

    Negative ``amplitude`` is a bleach / stimulated emission, positive an induced absorption.
    """
    fwhm = positive("fwhm_nm", fwhm_nm)
    return float(amplitude) * gaussian_peak(wavelength_nm, center_nm, fwhm)


def chirp_t0(
    wavelength_nm: ArrayLike, t0_ps: float, chirp_ps: ArrayLike = (), center_nm: float = 500.0
) -> np.ndarray:
    """Wavelength-dependent time zero ``t0 + Σ_k p_k ((λ - λ_c)/100 nm)^k`` (ps), k = 1, 2, ...

    Parameters
    ----------
    wavelength_nm
        Probe wavelengths (nm).
    t0_ps
        Time zero at ``center_nm`` (ps).
    chirp_ps
        Polynomial coefficients ``p_1, p_2, ...`` (ps per (100 nm)^k).
    center_nm
        Reference wavelength λ_c (nm).
    """
    x = (np.asarray(wavelength_nm, dtype=float) - center_nm) / _CHIRP_SCALE_NM
    out = np.full_like(x, float(t0_ps))
    for k, p in enumerate(np.atleast_1d(np.asarray(chirp_ps, dtype=float)), start=1):
        out = out + p * x**k
    return out


def _check_scheme(rate_matrix: ArrayLike, initial: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(rate_matrix, dtype=float)
    c0 = float_vector("initial_population", initial)
    n = c0.size
    problems = []
    if k.shape != (n, n):
        raise ParameterError(
            f"rate_matrix has shape {k.shape}, expected ({n}, {n}) for {n} initial populations"
        )
    if not np.all(np.isfinite(k)):
        problems.append("rate_matrix must be finite")
    off = k - np.diag(np.diag(k))
    if np.any(off < 0):
        problems.append("off-diagonal rates (transfer j -> i) must be >= 0")
    outflow = off.sum(axis=0)
    if np.any(-np.diag(k) < outflow - 1e-12 * np.maximum(1.0, outflow)):
        problems.append(
            "each diagonal element must be <= minus the sum of its column's transfer rates "
            "(population cannot be created)"
        )
    if problems:
        raise ParameterError("invalid kinetic scheme: " + "; ".join(problems))
    return k, c0


def _eigen_solution(k: np.ndarray, c0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rates (1/ps, >= 0), eigenvector matrix and coefficients b = V^-1 c0 of dc/dt = K c."""
    lam, vec = np.linalg.eig(k)
    if np.any(np.abs(lam.imag) > 1e-9 * np.maximum(1.0, np.abs(lam.real))):
        raise ParameterError(f"rate matrix has complex eigenvalues {lam.tolist()}")
    lam, vec = lam.real, vec.real
    if np.linalg.cond(vec) > 1e10:
        raise ParameterError(
            "rate matrix is defective (repeated decay rates in a sequential chain); "
            "perturb one rate slightly"
        )
    b = np.linalg.solve(vec, c0)
    rates = -lam
    scale = max(1.0, float(np.max(np.abs(rates))))
    rates[np.abs(rates) < 1e-12 * scale] = 0.0
    if np.any(rates < 0):
        raise ParameterError(f"rate matrix has growing modes (eigenvalues {lam.tolist()})")
    return rates, vec, b


def populations(
    time_ps: ArrayLike,
    rate_matrix: ArrayLike,
    initial_population: ArrayLike,
    *,
    irf_fwhm_ps: float,
    t0_ps: ArrayLike = 0.0,
) -> np.ndarray:
    """IRF-convolved compartment populations ``c(t)`` of the scheme ``dc/dt = K c``.

    Parameters
    ----------
    time_ps
        Delays (ps), shape ``(n_t,)``.
    rate_matrix
        ``K`` in 1/ps, shape ``(n, n)``.
    initial_population
        ``c_0`` deposited by the pump (length ``n``).
    irf_fwhm_ps
        FWHM of the Gaussian IRF (pump–probe cross-correlation), ps.
    t0_ps
        Time zero; scalar, or shape ``(n_wl,)`` for a chirped time zero per wavelength.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_t, n)`` for scalar ``t0_ps``, else ``(n_wl, n_t, n)``. For a closed scheme
        (no decay to the ground state) ``Σ_i c_i(t)`` equals ``Σ c_0`` times the IRF step.
    """
    k, c0 = _check_scheme(rate_matrix, initial_population)
    t = float_vector("time_ps", time_ps)
    sigma = fwhm_to_sigma(positive("irf_fwhm_ps", irf_fwhm_ps))
    rates, vec, b = _eigen_solution(k, c0)
    with np.errstate(divide="ignore"):
        taus = np.where(rates > 0, 1.0 / np.where(rates > 0, rates, 1.0), np.inf)
    t0 = np.asarray(t0_ps, dtype=float)
    # kernels: (..., n_t, n_modes)
    kern = exp_conv_gaussian(t[:, None], taus[None, :], t0[..., None, None], sigma)
    return (kern * b) @ vec.T


def _coherent_artifact(t: np.ndarray, t0: np.ndarray, sigma: float) -> np.ndarray:
    """Second derivative of the IRF Gaussian, scaled to peak magnitude 1; shape (n_t, n_wl)."""
    x = (t[:, None] - t0[None, :]) / sigma
    return (x**2 - 1.0) * np.exp(-0.5 * x**2)


def simulate_ta(
    time_ps: ArrayLike,
    wavelength_nm: ArrayLike,
    *,
    rate_matrix: ArrayLike,
    initial_population: ArrayLike,
    species_spectra: ArrayLike,
    irf_fwhm_ps: float = 0.15,
    t0_ps: float = 0.0,
    chirp_ps: ArrayLike = (),
    chirp_center_nm: float = 500.0,
    coherent_artifact_od: float = 0.0,
    noise_od: float = 0.0,
    seed: int | np.random.Generator | None = None,
    species_names: list[str] | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """Simulate a TA matrix ΔOD(t, λ) from a kinetic scheme, species spectra, chirp and noise.

    Parameters
    ----------
    time_ps
        Pump–probe delays (ps).
    wavelength_nm
        Probe wavelengths (nm).
    rate_matrix
        Compartmental rate matrix ``K`` (1/ps), ``K[i, j]`` = rate j -> i.
    initial_population
        Populations created by the pump (length ``n_species``).
    species_spectra
        Species-associated difference spectra ``S`` in OD, shape ``(n_species, n_wl)``.
    irf_fwhm_ps
        FWHM of the Gaussian IRF (ps).
    t0_ps, chirp_ps, chirp_center_nm
        Time zero and dispersion polynomial (see :func:`chirp_t0`).
    coherent_artifact_od
        Peak magnitude (OD) of the coherent artefact at time zero; 0 for none.
    noise_od
        Standard deviation of white Gaussian noise (OD); 0 for none.
    seed
        Seed of the noise generator (required when ``noise_od > 0``).
    species_names
        Labels of the compartments (truth only).

    Returns
    -------
    (xarray.DataArray, dict)
        ``delta_od`` (dims ``("time", "wavelength")``) and the truth: rates, lifetimes, the
        eigen-decomposition amplitudes, species spectra, chirp, IRF, plus noise-free
        ``populations`` (at the chirp-free time zero) for checks.

    Examples
    --------
    >>> import numpy as np
    >>> wl = np.linspace(480, 540, 31)
    >>> S = [gaussian_band(wl, 508, 15, -0.01)]
    >>> da, truth = simulate_ta(np.linspace(-1, 10, 50), wl, rate_matrix=[[-0.5]],
    ...                         initial_population=[1.0], species_spectra=S)
    >>> da.dims, truth["lifetimes_ps"]
    (('time', 'wavelength'), [2.0])
    """
    t = float_vector("time_ps", time_ps)
    wl = float_vector("wavelength_nm", wavelength_nm, positive_only=True)
    k, c0 = _check_scheme(rate_matrix, initial_population)
    spectra = np.atleast_2d(np.asarray(species_spectra, dtype=float))
    if spectra.shape != (c0.size, wl.size):
        raise ParameterError(
            f"species_spectra has shape {spectra.shape}, expected (n_species, n_wavelengths) "
            f"= ({c0.size}, {wl.size})"
        )
    noise = positive("noise_od", noise_od, allow_zero=True)
    t0_wl = chirp_t0(wl, t0_ps, chirp_ps, chirp_center_nm)
    conc = populations(t, k, c0, irf_fwhm_ps=irf_fwhm_ps, t0_ps=t0_wl)  # (n_wl, n_t, n)
    signal = np.einsum("wts,sw->tw", conc, spectra)
    sigma = fwhm_to_sigma(irf_fwhm_ps)
    if coherent_artifact_od:
        signal = signal + float(coherent_artifact_od) * _coherent_artifact(t, t0_wl, sigma)
    if noise > 0:
        signal = signal + rng_from_seed(seed).normal(0.0, noise, size=signal.shape)
    da = simulated_array(
        signal,
        {"time": (t, "ps"), "wavelength": (wl, "nm")},
        name="delta_od",
        units="OD",
        long_name="ΔOD",
    )
    rates, _, _ = _eigen_solution(k, c0)
    names = species_names or [f"species_{i + 1}" for i in range(c0.size)]
    truth = {
        "kind": "ta.matrix",
        "species": names,
        "rate_matrix_per_ps": k.tolist(),
        "initial_population": c0.tolist(),
        "decay_rates_per_ps": sorted(rates.tolist(), reverse=True),
        "lifetimes_ps": sorted((1.0 / rates[rates > 0]).tolist()),
        "species_spectra_od": spectra.tolist(),
        "irf_fwhm_ps": float(irf_fwhm_ps),
        "t0_ps": float(t0_ps),
        "chirp_ps": np.atleast_1d(np.asarray(chirp_ps, dtype=float)).tolist(),
        "chirp_center_nm": float(chirp_center_nm),
        "coherent_artifact_od": float(coherent_artifact_od),
        "noise_od": noise,
    }
    return da, truth
