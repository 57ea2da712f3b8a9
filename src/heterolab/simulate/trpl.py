"""Simulated time-correlated single-photon-counting (TCSPC/TRPL) data with known ground truth.

The expected counts in detection bin ``j`` follow the same model the decay fit uses
(spec P-33):

.. math::

    m_j = s \\sum_i f_i \\,\\big[\\mathrm{IRF}\\otimes e^{-(t-t_0)/\\tau_i}H(t-t_0)\\big]_j + b

with pre-exponential amplitude fractions :math:`f_i` (:math:`\\sum f_i = 1`), a scale ``s``
chosen so that the signal photons sum to ``total_counts`` in the window, and background ``b``
counts/bin. The counts are Poisson draws of ``m_j`` from a seeded generator (photon counting
statistics: O'Connor & Phillips, *Time-correlated Single Photon Counting*, Academic Press 1984,
ch. 1). The convolution kernels are those of :mod:`heterolab.kinetics.decay_models`
(bin-averaged Gaussian-IRF form or bin-exact measured-IRF reconvolution), so a fit with the
right model is unbiased.

Every array follows the io readers' convention: a DataArray named ``"counts"`` with a ``time``
coordinate (bin starts, ns) and attrs ``units="counts"``, ``bin_width`` (ns), ``source=
"simulated"``, ``simulated=True`` and ``repetition_rate_hz``. The ground truth is returned as a
plain dict (JSON-ready apart from arrays).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from heterolab.arrays import decay_dataarray
from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import (
    exp_conv_gaussian_binned,
    exp_conv_irf,
    fwhm_to_sigma,
    step_conv_gaussian,
)
from heterolab.simulate._common import (
    float_vector,
    noisy_counts,
    positive,
    positive_int,
    rng_from_seed,
)

__all__ = [
    "decay_shape",
    "simulate_decay",
    "simulate_decay_batch",
    "simulate_flim",
    "simulate_irf",
    "simulate_trpl_map",
]


# ----------------------------------------------------------------------------- helpers
def _time_axis(n_bins: int, bin_width_ns: float) -> np.ndarray:
    return np.arange(n_bins, dtype=float) * bin_width_ns


def _period_ns(repetition_rate_hz: float | None, window_ns: float) -> float | None:
    if repetition_rate_hz is None:
        return None
    rate = positive("repetition_rate_hz", repetition_rate_hz)
    period = 1e9 / rate
    if period < window_ns * (1 - 1e-9):
        raise ParameterError(
            f"repetition period {period:.4g} ns (repetition_rate_hz={rate:g}) is shorter than the "
            f"time window {window_ns:.4g} ns"
        )
    return period


def _taus_and_fractions(taus_ns: ArrayLike, amplitudes: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    taus = float_vector("taus_ns", taus_ns, positive_only=True)
    amps = float_vector("amplitudes", amplitudes)
    if taus.size != amps.size:
        raise ParameterError(
            f"taus_ns has {taus.size} lifetimes but amplitudes has {amps.size} values"
        )
    if np.any(amps < 0) or amps.sum() <= 0:
        raise ParameterError(f"amplitudes must be >= 0 and not all zero, got {amps.tolist()}")
    return taus, amps / amps.sum()


def _gaussian_tail_of_earlier_pulses(
    edges: np.ndarray, tau: float, t0: float, period: float
) -> np.ndarray:
    """Bin-averaged sum over earlier pulses n >= 1 of exp(-(t - t0 + nT)/tau).

    Earlier pulses arrive long before the window, so their IRF broadening is negligible; the
    geometric series gives exp(-(t - t0 + T)/tau) / (1 - exp(-T/tau)) (O'Connor & Phillips
    1984, ch. 8).
    """
    a, b = edges[:-1], edges[1:]
    # exponent arguments are <= 0 because t - t0 + T > 0 inside the window
    ia = np.exp(-(a - t0 + period) / tau)
    ib = np.exp(-(b - t0 + period) / tau)
    return tau * (ia - ib) / (b - a) / (-np.expm1(-period / tau))


def decay_shape(
    taus_ns: ArrayLike,
    amplitudes: ArrayLike,
    *,
    n_bins: int = 1024,
    bin_width_ns: float = 0.05,
    irf: str | ArrayLike = "gaussian",
    irf_fwhm_ns: float = 0.2,
    t0_ns: float = 2.0,
    repetition_rate_hz: float | None = None,
) -> np.ndarray:
    """Noise-free decay shape ``sum_i f_i [IRF ⊗ exp(-(t-t0)/tau_i)]`` per bin (peak ~ 1).

    The components are bin-averaged densities with unit amplitude at ``t0`` (the
    :mod:`heterolab.kinetics.decay_models` convention), so ``f_i`` times the returned scale is
    the pre-exponential amplitude in counts/bin that ``fit_decay`` reports as
    ``amplitude_raw_i``.

    Parameters
    ----------
    taus_ns, amplitudes
        Lifetimes (ns, > 0) and relative pre-exponential amplitudes (>= 0, normalised to sum 1).
    n_bins, bin_width_ns
        Histogram length and bin width (ns); bin ``j`` starts at ``j * bin_width_ns``.
    irf
        ``"gaussian"`` (FWHM ``irf_fwhm_ns`` centred at ``t0_ns``) or a measured IRF histogram
        of length ``n_bins`` (its own position defines time zero; ``t0_ns`` is then unused).
    repetition_rate_hz
        Laser repetition rate; tails of earlier pulses are added when given.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_bins,)``.
    """
    taus, fractions = _taus_and_fractions(taus_ns, amplitudes)
    comps = _component_rows(
        taus,
        n_bins=n_bins,
        bin_width_ns=bin_width_ns,
        irf=irf,
        irf_fwhm_ns=irf_fwhm_ns,
        t0_ns=t0_ns,
        repetition_rate_hz=repetition_rate_hz,
    )
    return fractions @ comps


def _component_rows(
    taus: np.ndarray,
    *,
    n_bins: int,
    bin_width_ns: float,
    irf: str | ArrayLike,
    irf_fwhm_ns: float,
    t0_ns: float,
    repetition_rate_hz: float | None,
) -> np.ndarray:
    """Unit-amplitude IRF-convolved components, shape (len(taus), n_bins)."""
    n_bins = positive_int("n_bins", n_bins, minimum=2)
    dt = positive("bin_width_ns", bin_width_ns)
    t = _time_axis(n_bins, dt)
    period = _period_ns(repetition_rate_hz, n_bins * dt)
    if isinstance(irf, str):
        if irf != "gaussian":
            raise ParameterError(f"irf must be 'gaussian' or an array, got {irf!r}")
        sigma = fwhm_to_sigma(positive("irf_fwhm_ns", irf_fwhm_ns))
        edges = np.append(t, t[-1] + dt)
        t0 = float(t0_ns)
        rows = exp_conv_gaussian_binned(edges, taus[:, None], t0, sigma)
        if period is not None:
            rows = rows + np.stack(
                [_gaussian_tail_of_earlier_pulses(edges, tau, t0, period) for tau in taus]
            )
        return np.atleast_2d(rows)
    irf_arr = np.asarray(irf, dtype=float)
    if irf_arr.shape != (n_bins,):
        raise ParameterError(f"measured IRF has shape {irf_arr.shape}, expected ({n_bins},)")
    return np.atleast_2d(exp_conv_irf(t, taus, irf_arr, 0.0, period))


def _intensity_average(taus: np.ndarray, fractions: np.ndarray) -> float:
    """sum(a tau^2)/sum(a tau): the mean photon arrival time after t0 (Sillen & Engelborghs,
    Photochem. Photobiol. 67, 475 (1998))."""
    return float(np.sum(fractions * taus**2) / np.sum(fractions * taus))


# ----------------------------------------------------------------------------- IRF
def simulate_irf(
    *,
    n_bins: int = 1024,
    bin_width_ns: float = 0.05,
    fwhm_ns: float = 0.2,
    t0_ns: float = 2.0,
    tail_fraction: float = 0.03,
    tail_tau_ns: float = 0.5,
    total_counts: float = 1e5,
    noise: bool = True,
    seed: int | np.random.Generator | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """A measured-like instrument response: Gaussian core plus a weak exponential tail.

    Real TCSPC IRFs (laser pulse ⊗ detector transit-time spread) have a slow diffusion tail
    from the detector (e.g. Becker, *The bh TCSPC Handbook*, 10th ed. 2023, §7.4 on the SPAD
    diffusion tail). Modelled as ``(1 - f) G(t; t0, sigma) + f [G ⊗ exp(-t/tau_tail)]/tau_tail``
    with unit area, scaled to ``total_counts`` photons and Poisson-sampled.

    Parameters
    ----------
    n_bins, bin_width_ns
        Histogram length and bin width (ns).
    fwhm_ns, t0_ns
        FWHM (ns) and centre (ns) of the Gaussian core.
    tail_fraction, tail_tau_ns
        Fraction of photons in the tail (0 <= f < 1) and its decay time (ns).
    total_counts
        Expected number of IRF photons in the window.
    noise, seed
        Poisson-sample with a seeded generator (``seed`` required when ``noise``).

    Returns
    -------
    (xarray.DataArray, dict)
        The IRF histogram (reader convention, ``kind="irf"`` in attrs) and its ground truth.
    """
    n_bins = positive_int("n_bins", n_bins, minimum=2)
    dt = positive("bin_width_ns", bin_width_ns)
    sigma = fwhm_to_sigma(positive("fwhm_ns", fwhm_ns))
    f = positive("tail_fraction", tail_fraction, allow_zero=True)
    if f >= 1:
        raise ParameterError(f"tail_fraction must be < 1, got {tail_fraction!r}")
    tail_tau = positive("tail_tau_ns", tail_tau_ns)
    total = positive("total_counts", total_counts)
    t = _time_axis(n_bins, dt)
    edges = np.append(t, t[-1] + dt)
    core = np.diff(step_conv_gaussian(edges, t0_ns, sigma))
    tail = exp_conv_gaussian_binned(edges, tail_tau, t0_ns, sigma) * dt / tail_tau
    shape = (1 - f) * core + f * tail
    expected = total * shape / shape.sum()
    counts = noisy_counts(expected, noise=noise, seed=seed)
    da = _decay_array(counts, t, dt, None)
    da.attrs["kind"] = "irf"
    truth = {
        "kind": "irf",
        "fwhm_ns": float(fwhm_ns),
        "sigma_ns": float(sigma),
        "t0_ns": float(t0_ns),
        "tail_fraction": f,
        "tail_tau_ns": tail_tau,
        "total_counts": total,
        "source": "simulated: Gaussian core + exponential tail",
    }
    return da, truth


def _counts_array(
    counts: np.ndarray,
    dt: float,
    repetition_rate_hz: float | None,
    **axes: tuple[np.ndarray, str | None],
) -> xr.DataArray:
    """Photon counts built by the readers' own :func:`heterolab.arrays.decay_dataarray`
    (time last, in ns); ``axes``: dim -> (coord, unit), ending with ``time``."""
    *leading, (_, (t, _)) = axes.items()
    attrs = {
        "long_name": "photon counts",
        "bin_width": dt,
        "source": "simulated",
        "simulated": True,
        "repetition_rate_hz": repetition_rate_hz,
    }
    da = decay_dataarray(
        counts, t, "ns", attrs, leading=tuple((dim, coord) for dim, (coord, _) in leading)
    )
    for dim, (_, unit) in leading:
        if unit is not None:
            da[dim].attrs["units"] = unit
    return da


def _decay_array(
    counts: np.ndarray, t: np.ndarray, dt: float, repetition_rate_hz: float | None
) -> xr.DataArray:
    return _counts_array(counts, dt, repetition_rate_hz, time=(t, "ns"))


# ----------------------------------------------------------------------------- decays
def simulate_decay(
    taus_ns: ArrayLike,
    amplitudes: ArrayLike,
    *,
    total_counts: float,
    n_bins: int = 1024,
    bin_width_ns: float = 0.05,
    irf: str | ArrayLike | xr.DataArray = "gaussian",
    irf_fwhm_ns: float = 0.2,
    t0_ns: float = 2.0,
    background_counts_per_bin: float = 0.0,
    repetition_rate_hz: float | None = None,
    noise: bool = True,
    seed: int | np.random.Generator | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """Simulate one multi-exponential TCSPC decay with Poisson noise and its ground truth.

    Parameters
    ----------
    taus_ns
        Lifetimes in ns (> 0).
    amplitudes
        Relative pre-exponential amplitudes (>= 0), normalised to fractions summing to 1.
    total_counts
        Expected number of *signal* photons in the window (background excluded).
    n_bins, bin_width_ns
        Histogram length and bin width (ns).
    irf
        ``"gaussian"`` or a measured IRF (array or DataArray of length ``n_bins``).
    irf_fwhm_ns, t0_ns
        Gaussian IRF FWHM and centre (ns); unused for a measured IRF.
    background_counts_per_bin
        Constant expected background (dark counts, ambient light), counts/bin.
    repetition_rate_hz
        Laser repetition rate; when given, the tails of earlier pulses are included.
    noise
        ``False`` returns the expected (float) counts.
    seed
        Seed of the Poisson generator (required when ``noise``).

    Returns
    -------
    (xarray.DataArray, dict)
        The histogram and the truth: ``taus_ns``, ``amplitudes`` (fractions),
        ``amplitude_raw`` (counts/bin at t0, as fit_decay's ``amplitude_raw_i``),
        ``background``, ``t0_ns``, ``irf_fwhm_ns``, ``tau_avg_intensity``,
        ``tau_avg_amplitude``, ``expected_total_counts``.

    Examples
    --------
    >>> da, truth = simulate_decay([1.0, 5.0], [0.6, 0.4], total_counts=1e4, seed=1)
    >>> da.dims, da.attrs["units"], truth["taus_ns"]
    (('time',), 'counts', [1.0, 5.0])
    """
    taus, fractions = _taus_and_fractions(taus_ns, amplitudes)
    total = positive("total_counts", total_counts)
    bg = positive("background_counts_per_bin", background_counts_per_bin, allow_zero=True)
    irf_in = irf.values if isinstance(irf, xr.DataArray) else irf
    comps = _component_rows(
        taus,
        n_bins=n_bins,
        bin_width_ns=bin_width_ns,
        irf=irf_in,
        irf_fwhm_ns=irf_fwhm_ns,
        t0_ns=t0_ns,
        repetition_rate_hz=repetition_rate_hz,
    )
    shape = fractions @ comps
    scale = total / shape.sum()
    expected = scale * shape + bg
    counts = noisy_counts(expected, noise=noise, seed=seed)
    dt = float(bin_width_ns)
    da = _decay_array(counts, _time_axis(int(n_bins), dt), dt, repetition_rate_hz)
    truth = {
        "kind": "trpl.decay",
        "taus_ns": taus.tolist(),
        "amplitudes": fractions.tolist(),
        "amplitude_raw": (scale * fractions).tolist(),
        "background": bg,
        "t0_ns": None if not isinstance(irf_in, str) else float(t0_ns),
        "irf": "gaussian" if isinstance(irf_in, str) else "measured",
        "irf_fwhm_ns": float(irf_fwhm_ns) if isinstance(irf_in, str) else None,
        "tau_avg_intensity": _intensity_average(taus, fractions),
        "tau_avg_amplitude": float(np.sum(fractions * taus)),
        "total_counts": total,
        "expected_total_counts": float(expected.sum()),
        "repetition_rate_hz": repetition_rate_hz,
    }
    return da, truth


def simulate_decay_batch(
    taus_ns: ArrayLike,
    amplitudes: ArrayLike,
    *,
    total_counts: ArrayLike,
    n_bins: int = 1024,
    bin_width_ns: float = 0.05,
    irf_fwhm_ns: float = 0.2,
    t0_ns: float = 2.0,
    background_counts_per_bin: float = 0.0,
    repetition_rate_hz: float | None = None,
    noise: bool = True,
    seed: int | np.random.Generator | None = None,
) -> tuple[xr.DataArray, list[dict[str, Any]]]:
    """Simulate many decays (one row each) sharing the time axis and Gaussian IRF.

    Parameters
    ----------
    taus_ns, amplitudes
        Shape ``(n_decays, n_components)``: lifetimes (ns) and relative amplitudes per decay.
    total_counts
        Scalar or ``(n_decays,)`` expected signal photons per decay.
    others
        As :func:`simulate_decay`.

    Returns
    -------
    (xarray.DataArray, list of dict)
        Counts with dims ``("decay", "time")`` and one truth dict per decay.
    """
    taus = np.atleast_2d(np.asarray(taus_ns, dtype=float))
    amps = np.atleast_2d(np.asarray(amplitudes, dtype=float))
    if taus.shape != amps.shape or taus.ndim != 2:
        raise ParameterError(
            f"taus_ns {taus.shape} and amplitudes {amps.shape} must both be (n_decays, "
            "n_components)"
        )
    totals = np.broadcast_to(np.asarray(total_counts, dtype=float), (taus.shape[0],))
    rng = rng_from_seed(seed) if noise else None
    rows, truths = [], []
    for k in range(taus.shape[0]):
        da, truth = simulate_decay(
            taus[k],
            amps[k],
            total_counts=totals[k],
            n_bins=n_bins,
            bin_width_ns=bin_width_ns,
            irf_fwhm_ns=irf_fwhm_ns,
            t0_ns=t0_ns,
            background_counts_per_bin=background_counts_per_bin,
            repetition_rate_hz=repetition_rate_hz,
            noise=noise,
            seed=rng,
        )
        rows.append(da.values)
        truths.append(truth)
    out = _counts_array(
        np.stack(rows),
        float(bin_width_ns),
        repetition_rate_hz,
        decay=(np.arange(len(rows)), None),
        time=(da["time"].values, "ns"),
    )
    return out, truths


def simulate_trpl_map(
    wavelength_nm: ArrayLike,
    taus_ns: ArrayLike,
    das: ArrayLike,
    *,
    n_bins: int = 512,
    bin_width_ns: float = 0.1,
    irf_fwhm_ns: float = 0.2,
    t0_ns: float = 2.0,
    background_counts_per_bin: float = 0.0,
    repetition_rate_hz: float | None = None,
    noise: bool = True,
    seed: int | np.random.Generator | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """Simulate a streak-camera-like TRPL map from decay-associated spectra (DAS).

    ``counts(λ, t_j) = sum_i DAS_i(λ) [IRF ⊗ exp(-(t-t0)/tau_i)]_j + b`` (global-analysis
    model of van Stokkum et al., Biochim. Biophys. Acta 1657, 82 (2004)), Poisson-sampled.

    Parameters
    ----------
    wavelength_nm
        Detection wavelengths (nm), length ``n_wl``.
    taus_ns
        Lifetimes (ns), length ``m``.
    das
        Decay-associated spectra, shape ``(m, n_wl)``, in counts/bin at ``t0`` (>= 0).
    others
        As :func:`simulate_decay`.

    Returns
    -------
    (xarray.DataArray, dict)
        Counts with dims ``("wavelength", "time")`` and truth ``taus_ns``, ``das``.
    """
    wl = float_vector("wavelength_nm", wavelength_nm, positive_only=True)
    taus = float_vector("taus_ns", taus_ns, positive_only=True)
    das_arr = np.atleast_2d(np.asarray(das, dtype=float))
    if das_arr.shape != (taus.size, wl.size):
        raise ParameterError(
            f"das has shape {das_arr.shape}, expected (n_components, n_wavelengths) = "
            f"({taus.size}, {wl.size})"
        )
    if np.any(das_arr < 0) or not np.all(np.isfinite(das_arr)):
        raise ParameterError("das must be finite and >= 0 (photon-counting amplitudes)")
    bg = positive("background_counts_per_bin", background_counts_per_bin, allow_zero=True)
    comps = _component_rows(
        taus,
        n_bins=n_bins,
        bin_width_ns=bin_width_ns,
        irf="gaussian",
        irf_fwhm_ns=irf_fwhm_ns,
        t0_ns=t0_ns,
        repetition_rate_hz=repetition_rate_hz,
    )
    expected = das_arr.T @ comps + bg
    counts = noisy_counts(expected, noise=noise, seed=seed)
    dt = float(bin_width_ns)
    da = _counts_array(
        counts,
        dt,
        repetition_rate_hz,
        wavelength=(wl, "nm"),
        time=(_time_axis(int(n_bins), dt), "ns"),
    )
    truth = {
        "kind": "trpl.map",
        "taus_ns": taus.tolist(),
        "das": das_arr.tolist(),
        "wavelength_nm": wl.tolist(),
        "t0_ns": float(t0_ns),
        "irf_fwhm_ns": float(irf_fwhm_ns),
        "background": bg,
    }
    return da, truth


def simulate_flim(
    lifetime_map_ns: ArrayLike,
    *,
    photons_per_pixel: float | ArrayLike = 1000.0,
    n_bins: int = 256,
    bin_width_ns: float = 0.05,
    irf_fwhm_ns: float = 0.2,
    t0_ns: float = 1.0,
    background_counts_per_bin: float = 0.0,
    repetition_rate_hz: float | None = None,
    noise: bool = True,
    seed: int | np.random.Generator | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """Simulate a mono-exponential FLIM image with a known lifetime map.

    Each pixel is a Gaussian-IRF decay (as :func:`simulate_decay`) with its own lifetime and
    expected photon number, Poisson-sampled.

    Parameters
    ----------
    lifetime_map_ns
        2-D array ``(ny, nx)`` of lifetimes (ns, > 0).
    photons_per_pixel
        Scalar or ``(ny, nx)`` expected signal photons per pixel (an intensity image).
    others
        As :func:`simulate_decay`.

    Returns
    -------
    (xarray.DataArray, dict)
        Counts with dims ``("y", "x", "time")`` and truth ``lifetime_map_ns``,
        ``photons_per_pixel``.
    """
    tau_map = np.asarray(lifetime_map_ns, dtype=float)
    if tau_map.ndim != 2 or not np.all(np.isfinite(tau_map)) or np.any(tau_map <= 0):
        raise ParameterError(
            f"lifetime_map_ns must be a 2-D array of finite lifetimes > 0, got shape "
            f"{tau_map.shape}"
        )
    photons = np.broadcast_to(np.asarray(photons_per_pixel, dtype=float), tau_map.shape)
    if np.any(photons < 0) or not np.all(np.isfinite(photons)):
        raise ParameterError("photons_per_pixel must be finite and >= 0")
    bg = positive("background_counts_per_bin", background_counts_per_bin, allow_zero=True)
    flat_tau = tau_map.ravel()
    comps = _component_rows(
        flat_tau,
        n_bins=n_bins,
        bin_width_ns=bin_width_ns,
        irf="gaussian",
        irf_fwhm_ns=irf_fwhm_ns,
        t0_ns=t0_ns,
        repetition_rate_hz=repetition_rate_hz,
    )
    comps = comps / comps.sum(axis=1, keepdims=True)
    expected = photons.ravel()[:, None] * comps + bg
    counts = noisy_counts(expected, noise=noise, seed=seed)
    ny, nx = tau_map.shape
    dt = float(bin_width_ns)
    da = _counts_array(
        counts.reshape(ny, nx, -1),
        dt,
        repetition_rate_hz,
        y=(np.arange(ny), "pixel"),
        x=(np.arange(nx), "pixel"),
        time=(_time_axis(int(n_bins), dt), "ns"),
    )
    truth = {
        "kind": "trpl.flim",
        "lifetime_map_ns": tau_map.tolist(),
        "photons_per_pixel": photons.tolist(),
        "t0_ns": float(t0_ns),
        "irf_fwhm_ns": float(irf_fwhm_ns),
        "background": bg,
    }
    return da, truth
