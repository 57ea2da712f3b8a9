"""Synthetic TA matrices from known schemes for ground-truth tests (own kernels, seeded noise)."""

from __future__ import annotations

import numpy as np

from heterolab.io.ta import make_ta_array
from heterolab.kinetics.ta.varpro import eigen_amplitudes, irf_exponentials


def gaussian_band(wl: np.ndarray, center: float, width: float, amp: float) -> np.ndarray:
    """A Gaussian band (OD) on the wavelength grid (nm)."""
    return amp * np.exp(-(((wl - center) / width) ** 2))


def synthetic_matrix(
    k: np.ndarray,
    c0: np.ndarray,
    spectra: np.ndarray,
    t: np.ndarray,
    wl: np.ndarray,
    t0: np.ndarray | float,
    sigma: float,
    noise: float,
    seed: int,
):
    """ΔOD(t, λ) = Σ_s c_s(t - t0(λ)) SAS_s(λ) + Gaussian noise (std ``noise``, seed ``seed``)."""
    tau, amp = eigen_amplitudes(np.asarray(k, float), np.asarray(c0, float))
    t0 = np.broadcast_to(np.asarray(t0, float), wl.shape)
    conc = irf_exponentials(t, t0, sigma, tau) @ amp.T  # (n_w, n_t, n_s)
    y = np.einsum("wts,sw->tw", conc, spectra)
    rng = np.random.default_rng(seed)
    return make_ta_array(y + rng.normal(0.0, noise, y.shape), t, wl)
