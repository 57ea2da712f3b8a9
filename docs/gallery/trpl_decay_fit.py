"""TRPL decay fit with a measured IRF.

A bi-exponential decay (0.8 ns and 4.0 ns) convolved with a 0.15 ns Gaussian IRF, with
Poisson noise, is fitted by Poisson maximum likelihood; the figure is the one
``heterolab trpl fit --plot`` writes.
"""

import os
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from heterolab.arrays import decay_dataarray
from heterolab.kinetics import fit_decay
from heterolab.report.plots import save_figure

dt, n = 0.02, 1000  # bin width (ns), number of bins
t = np.arange(n) * dt
irf = np.diff(ndtr((np.append(t, t[-1] + dt) - 2.0) / (0.15 / 2.3548)))
model = np.convolve(irf, 3000 * np.exp(-t / 0.8) + 1500 * np.exp(-t / 4.0))[:n] + 2.0
counts = np.random.default_rng(7).poisson(model).astype(float)

result = fit_decay(
    decay_dataarray(counts, t, "ns", {}),
    irf=decay_dataarray(irf * 1e5, t, "ns", {}),
    n_components=2,
)
print(repr(result))
save_figure(result.plot(), Path(os.environ.get("GALLERY_OUT", ".")) / "trpl_decay_fit.png")
