"""The error of the shift (and IRF width) a batch fit shares reaches every decay's errors.

Independent generator: the bin integrals of an exponential convolved with a Gaussian IRF from
the closed-form exponentially modified Gaussian CDF (written here, not heterolab's kernels nor
``heterolab.simulate``), a random IRF centre, 1 % flat background, Poisson counts. Small
batches (4 decays share the shift) make the shift's error comparable to each decay's own:
without it, lifetimes shorter than the IRF width get mean z^2 ~ 2 (known FWHM) to ~5 (FWHM
fitted on the summed decay, whose lifetime mixture also biases it) at 1e3 photons. The mean z^2 over 32 seeded batches (128 decays)
must lie in 0.7-1.5 in every regime.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import log_ndtr, ndtr

from heterolab.kinetics.trpl.batch import fit_decays

N_BINS, DT, FWHM = 256, 0.05, 0.5  # ns
EDGES = np.arange(N_BINS + 1) * DT


def exgauss_cdf(t: np.ndarray, t0: float, sigma: float, tau: float) -> np.ndarray:
    """CDF of t0 + Normal(0, sigma) + Exponential(tau) (logs keep tau << sigma finite)."""
    z = (t - t0) / sigma
    tail = -(t - t0) / tau + sigma**2 / (2 * tau**2) + log_ndtr(z - sigma / tau)
    return ndtr(z) - np.exp(tail)


def expected(tau: float, t0: float, photons: float) -> np.ndarray:
    p = np.diff(exgauss_cdf(EDGES, t0, FWHM / 2.3548, tau))
    return photons * (0.99 * p / p.sum() + 0.01 / N_BINS)


def batch_z(lifetimes: tuple[float, float], photons: float, irf, seed: int) -> np.ndarray:
    """z = (fitted - true) / stderr of the ok decays of one 4-decay batch."""
    rng = np.random.default_rng(seed)
    t0 = rng.uniform(1.0, 2.0)
    taus = rng.uniform(*lifetimes, size=4)
    y = np.stack([rng.poisson(expected(tau, t0, photons)) for tau in taus]).astype(float)
    r = fit_decays(y, time=EDGES[:-1], irf=irf)
    if r.status == "failed":  # reported, not an answer (one 4-decay batch: all stuck)
        return np.array([])
    tau, se = r.curves["tau_1"].values, r.curves["tau_1_stderr"].values
    ok = (r.curves["pixel_status"].values == 0) & np.isfinite(se)
    return ((tau - taus) / se)[ok]


@pytest.mark.parametrize("photons", [1e3, 1e5])
@pytest.mark.parametrize(
    ("lifetimes", "irf"),
    [
        ((0.03, 0.12), FWHM),  # tau < IRF width, FWHM known
        ((2.0, 5.0), FWHM),  # tau >> IRF width
        ((0.03, 0.12), None),  # tau < IRF width, FWHM fitted on the summed decay
    ],
    ids=["short-known", "long-known", "short-fwhm-fitted"],
)
def test_lifetime_errors_include_the_shared_shift_error(lifetimes, irf, photons):
    z = np.concatenate([batch_z(lifetimes, photons, irf, 700 + s) for s in range(32)])
    assert z.size >= 100
    assert 0.7 < np.mean(z**2) < 1.5, (np.mean(z**2), z.size)


def test_profiled_shift_reports_its_standard_error():
    rng = np.random.default_rng(3)
    y = rng.poisson(expected(0.1, 1.3, 1e3), size=(4, N_BINS)).astype(float)
    r = fit_decays(y, time=EDGES[:-1], irf=FWHM)
    err = r.derived["shift"].stderr
    assert err is not None and 0.0 < err < 0.05  # ns; a profiled shift had none before
