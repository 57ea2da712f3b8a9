"""An independent generator of chirped TA matrices for ground-truth tests and benchmarks.

Populations come from a closed-form sequential (or parallel) solution evaluated on a 5 fs
grid and convolved numerically with a Gaussian IRF (numpy.convolve) — not from heterolab's
eigen-decomposition or its erfc kernels. Time zero follows a quadratic in wavelength.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heterolab.io.ta import make_ta_array


@dataclass
class Truth:
    """What the generator put in: lifetimes (ps, ascending), IRF and chirp."""

    taus: np.ndarray
    long_lived: bool
    sigma: float
    t0: np.ndarray


def sequential_populations(rates: np.ndarray, t: np.ndarray) -> np.ndarray:
    """c_i(t) of A1 -> A2 -> ... with distinct ``rates`` (a 0 rate = long-lived), shape (n, t).

    Bateman's solution: c_n(t) = (Π_{j<n} k_j) Σ_{i<=n} e^{-k_i t} / Π_{j<=n, j!=i} (k_j - k_i).
    """
    out = np.zeros((rates.size, t.size))
    for n in range(rates.size):
        pre = np.prod(rates[:n])
        for i in range(n + 1):
            den = np.prod([rates[j] - rates[i] for j in range(n + 1) if j != i])
            out[n] += pre * np.exp(-rates[i] * t) / den
    return out


def shared_rate_populations(k1: float, k2: float, t: np.ndarray) -> np.ndarray:
    """s1 -> s2 (k1), s2 -> s3 (k2), s3 -> ground (k2): a rate shared by s2 and s3, shape (3, t).

    s3 = k1 k2/(k2 - k1) [(e^{-k1 t} - e^{-k2 t})/(k2 - k1) - t e^{-k2 t}].
    """
    e1, e2, d = np.exp(-k1 * t), np.exp(-k2 * t), k2 - k1
    return np.stack([e1, k1 * (e1 - e2) / d, k1 * k2 / d * ((e1 - e2) / d - t * e2)])


def chirped_matrix(
    seed: int,
    n_species: int,
    long_lived: bool,
    *,
    noise: float = 3e-4,
    sigma: float = 0.08,
    n_wl: int = 40,
    shared: bool = False,
):
    """A random sequential TA matrix with chirp: (DataArray, Truth).

    Lifetimes are log-uniform in 0.3-300 ps and at least a factor 1.6 apart; spectra are sums
    of two Gaussian bands with random signs (amplitude <= 0.01 OD). ``shared=True`` gives the
    3-species chain whose last two species decay with one shared rate (``taus`` = the two
    distinct lifetimes; ``n_species`` and ``long_lived`` are then ignored).
    """
    rng = np.random.default_rng(seed)
    if shared:
        n_species, long_lived = 3, False
    n_dec = n_species - int(long_lived) - int(shared)
    while True:
        taus = np.sort(np.exp(rng.uniform(np.log(0.3), np.log(300.0), n_dec)))
        if n_dec < 2 or np.min(taus[1:] / taus[:-1]) > 1.6:
            break
    rates = np.concatenate([1.0 / taus, [0.0] if long_lived else []])
    t = np.concatenate([np.linspace(-1.0, 2.0, 61), np.geomspace(2.1, 1500.0, 50)])
    wl = np.linspace(430.0, 720.0, n_wl)
    step = 0.005
    fine = np.arange(-3.0, 1510.0, step)
    if shared:
        pops = shared_rate_populations(rates[0], rates[1], np.clip(fine, 0, None))
    else:
        pops = sequential_populations(rates, np.clip(fine, 0, None))
    pops = pops * (fine >= 0)
    kernel = np.exp(-0.5 * (np.arange(-6 * sigma, 6 * sigma + step / 2, step) / sigma) ** 2)
    kernel /= kernel.sum()
    conv = np.array([np.convolve(p, kernel, mode="same") for p in pops])
    x = (wl - 575.0) / 100.0
    t0 = 0.3 + 0.25 * x + rng.uniform(-0.08, 0.08) * x**2
    spectra = np.array(
        [
            rng.uniform(-0.01, 0.01) * np.exp(-(((wl - rng.uniform(450, 700)) / 50.0) ** 2))
            + rng.uniform(-0.006, 0.006) * np.exp(-(((wl - rng.uniform(450, 700)) / 80.0) ** 2))
            for _ in range(n_species)
        ]
    )
    y = np.empty((t.size, wl.size))
    for j in range(wl.size):
        y[:, j] = np.array([np.interp(t - t0[j], fine, c) for c in conv]).T @ spectra[:, j]
    y += rng.normal(0.0, noise, y.shape)
    return make_ta_array(y, t, wl), Truth(taus, long_lived, sigma, t0)
