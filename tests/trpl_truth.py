"""Independent decay generator for the TRPL tests (not heterolab's kernels): a Gaussian IRF
times exponentials on a fine grid, convolved by direct summation and summed into the bins."""

from __future__ import annotations

import numpy as np

N_BINS, DT = 200, 0.05  # ns
T = np.arange(N_BINS) * DT
T0, FWHM = 1.0, 0.15  # ns


def shape(taus, fractions, sub: int = 20) -> np.ndarray:
    """Unit-sum expected counts of ``sum_i f_i exp(-t/tau_i)`` convolved with the Gaussian IRF
    (centre T0, FWHM), ``sub`` grid points per bin."""
    dt = DT / sub
    tf = (np.arange(N_BINS * sub) + 0.5) * dt
    g = np.exp(-0.5 * ((tf - T0) / (FWHM / 2.3548)) ** 2)
    g /= g.sum()
    decay = sum(f * np.exp(-tf / tau) for tau, f in zip(taus, fractions, strict=True))
    fine = np.convolve(g, decay)[: tf.size]
    out = fine.reshape(N_BINS, sub).sum(axis=1)
    return out / out.sum()
