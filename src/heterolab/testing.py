"""Public test helpers built on :mod:`heterolab.simulate`: synthetic data and recovery checks.

For users testing their own analysis pipelines the same way heterolab tests itself
(STYLE.md "ground-truth tests"): simulate data with a known truth and a seed, analyse it, and
check that every fitted parameter lies within ``n_sigma`` of its true value *in units of its
own reported standard error* — a check that fails both for biased estimates and for
under-reported uncertainties (pyglotaran's and lmfit's ground-truth test practice).

Examples
--------
>>> from heterolab.testing import make_decay, decay_truth_values
>>> da, truth = make_decay([1.0, 5.0], [0.5, 0.5], seed=3)
>>> sorted(decay_truth_values(truth))[:2]
['amplitude_1', 'amplitude_2']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from heterolab.errors import ParameterError
from heterolab.result import Result
from heterolab.simulate.ta import gaussian_band, simulate_ta
from heterolab.simulate.trpl import simulate_decay

__all__ = [
    "assert_recovered",
    "decay_truth_values",
    "make_decay",
    "make_ta",
    "pulls",
]


def pulls(result: Result, truth: Mapping[str, float]) -> dict[str, float]:
    """Standardised deviations ``(fitted - true) / stderr`` for each name in ``truth``.

    Names are looked up in ``result.parameters`` and then ``result.derived``.

    Raises
    ------
    ParameterError
        A name is in neither, or its stderr is missing, zero or not finite (a pull cannot be
        formed; the message names the parameter).
    """
    out = {}
    for name, true in truth.items():
        q = result.parameters.get(name) or result.derived.get(name)
        if q is None:
            raise ParameterError(
                f"result {result.kind!r} has no parameter or derived quantity {name!r}; it has "
                f"{sorted(result.parameters) + sorted(result.derived)}"
            )
        err = q.stderr
        if err is None or not math.isfinite(err) or err <= 0:
            raise ParameterError(f"parameter {name!r} has no usable stderr ({err!r})")
        out[name] = (float(q.value) - float(true)) / float(err)
    return out


def assert_recovered(
    result: Result, truth: Mapping[str, float], *, n_sigma: float = 4.0
) -> dict[str, float]:
    """Assert that ``result`` succeeded and recovers every ``truth`` value within ``n_sigma``.

    Parameters
    ----------
    result
        An analysis :class:`~heterolab.result.Result`.
    truth
        True values by parameter (or derived-quantity) name, in the result's units.
    n_sigma
        Allowed |pull|. With k parameters, 4 sigma keeps the false-alarm rate below ~k x 6e-5.

    Returns
    -------
    dict
        The pulls, for further statistics over many seeds.

    Raises
    ------
    AssertionError
        Listing every parameter outside the band with its value, stderr, truth and pull.
    """
    if not result.ok:
        raise AssertionError(f"{result.kind} failed: {result.message}")
    p = pulls(result, truth)
    bad = []
    for name, z in p.items():
        if not abs(z) <= n_sigma:
            q = result.parameters.get(name) or result.derived[name]
            bad.append(
                f"{name}: {q.value:.6g} ± {q.stderr:.3g} vs true {truth[name]:.6g} (pull {z:+.2f})"
            )
    if bad:
        raise AssertionError(f"not recovered within {n_sigma} sigma: " + "; ".join(bad))
    return p


def decay_truth_values(truth: Mapping[str, Any]) -> dict[str, float]:
    """Truth of :func:`heterolab.simulate.simulate_decay` under ``fit_decay``'s parameter names.

    ``tau_i`` and ``amplitude_i`` (fractions) in ascending-lifetime order (fit_decay's order),
    ``amplitude_raw_i`` (counts/bin at t0), ``tau_avg_intensity``, ``tau_avg_amplitude``.
    """
    taus = np.asarray(truth["taus_ns"], dtype=float)
    order = np.argsort(taus)
    out: dict[str, float] = {}
    for i, j in enumerate(order, start=1):
        out[f"tau_{i}"] = float(taus[j])
        out[f"amplitude_{i}"] = float(truth["amplitudes"][j])
        out[f"amplitude_raw_{i}"] = float(truth["amplitude_raw"][j])
    out["tau_avg_intensity"] = float(truth["tau_avg_intensity"])
    out["tau_avg_amplitude"] = float(truth["tau_avg_amplitude"])
    return out


def make_decay(
    taus_ns: ArrayLike = (1.0, 5.0),
    amplitudes: ArrayLike = (0.5, 0.5),
    *,
    total_counts: float = 1e5,
    seed: int = 0,
    **kwargs: Any,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """A seeded TCSPC decay (thin wrapper of :func:`heterolab.simulate.simulate_decay`)."""
    return simulate_decay(taus_ns, amplitudes, total_counts=total_counts, seed=seed, **kwargs)


def make_ta(
    lifetimes_ps: ArrayLike = (0.5, 20.0),
    *,
    noise_od: float = 1e-4,
    seed: int = 0,
    **kwargs: Any,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """A seeded TA matrix of a sequential scheme A -> B -> ... -> ground with Gaussian spectra.

    Species ``i`` has a bleach band centred at ``500 + 20 i`` nm (FWHM 25 nm, -5 mOD); delays
    -1..50 ps, wavelengths 450..600 nm. Keyword arguments go to
    :func:`heterolab.simulate.simulate_ta`.
    """
    taus = np.atleast_1d(np.asarray(lifetimes_ps, dtype=float))
    n = taus.size
    k = np.zeros((n, n))
    for i, tau in enumerate(taus):
        k[i, i] = -1.0 / tau
        if i + 1 < n:
            k[i + 1, i] = 1.0 / tau
    wl = kwargs.pop("wavelength_nm", np.arange(450.0, 601.0, 2.0))
    t = kwargs.pop(
        "time_ps", np.concatenate([np.arange(-1.0, 2.0, 0.02), np.geomspace(2.0, 50.0, 60)])
    )
    spectra = kwargs.pop(
        "species_spectra",
        np.vstack([gaussian_band(wl, 500.0 + 20.0 * i, 25.0, -5e-3) for i in range(n)]),
    )
    c0 = np.zeros(n)
    c0[0] = 1.0
    return simulate_ta(
        t,
        wl,
        rate_matrix=k,
        initial_population=c0,
        species_spectra=spectra,
        noise_od=noise_od,
        seed=seed,
        **kwargs,
    )
