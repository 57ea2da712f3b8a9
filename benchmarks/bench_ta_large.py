"""Wall time of a global fit of a large TA matrix (500 delays x 1000 wavelengths).

The speed bar of issue #3: a 4-component sequential model on a seeded synthetic matrix in
under 10 s on 2 cores, with one IRF centre and with a cubic dispersion (chirp) polynomial.
Prints the wall times and the recovered lifetimes; it asserts nothing.

Usage: ``python benchmarks/bench_ta_large.py [--case plain|chirp|both] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

from heterolab.io.ta import make_ta_array
from heterolab.kinetics.ta.global_fit import fit_global
from heterolab.kinetics.ta.varpro import eigen_amplitudes, irf_exponentials

TAUS = (0.8, 6.0, 45.0, 400.0)  # ps, sequential A->B->C->D->ground
SIGMA = 0.12  # ps
NOISE = 2e-4  # OD


def synthetic(chirp: bool, seed: int = 7) -> tuple[object, np.ndarray]:
    """Seeded 500x1000 sequential-scheme matrix; returns (DataArray, t0 per wavelength)."""
    t = np.concatenate([np.linspace(-2.0, 5.0, 250), np.geomspace(5.05, 3000.0, 250)])
    wl = np.linspace(400.0, 800.0, 1000)
    x = (wl - 600.0) / 100.0
    t0 = 0.3 + (0.25 * x - 0.08 * x**2 + 0.03 * x**3 if chirp else 0.0 * x)
    k = np.zeros((4, 4))
    for i, tau in enumerate(TAUS):
        k[i, i] = -1.0 / tau
        if i < 3:
            k[i + 1, i] = 1.0 / tau
    c0 = np.array([1.0, 0.0, 0.0, 0.0])
    tau, amp = eigen_amplitudes(k, c0)
    centers = (480.0, 560.0, 640.0, 720.0)
    spectra = np.array(
        [np.exp(-(((wl - c) / 60.0) ** 2)) * (1 - 0.3 * i) for i, c in enumerate(centers)]
    )
    conc = irf_exponentials(t, t0, SIGMA, tau) @ amp.T
    y = np.einsum("wts,sw->tw", conc, spectra)
    rng = np.random.default_rng(seed)
    return make_ta_array(y + rng.normal(0.0, NOISE, y.shape), t, wl), t0


def run(chirp: bool) -> float:
    """Fit one case and print wall time and lifetimes; returns the wall time (s)."""
    da, _ = synthetic(chirp)
    start = time.perf_counter()
    # coherent_artifact=0: the issue #3 speed bar; the default "auto" fits twice (with and
    # without the three artefact terms) and takes about twice as long
    res = fit_global(
        da, "sequential", 4, irf_width=0.1, chirp="auto" if chirp else None, coherent_artifact=0
    )
    wall = time.perf_counter() - start
    taus = ", ".join(f"{res.parameters[f'tau_{i}'].value:.4g}" for i in range(1, 5))
    print(
        f"{'chirp' if chirp else 'plain':5s}: {wall:6.2f} s  nfev={res.statistics.get('nfev')} "
        f"status={res.status}  tau=({taus}) ps  truth={TAUS}"
    )
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=("plain", "chirp", "both"), default="both")
    ap.add_argument("--profile", action="store_true", help="print the top cProfile entries")
    args = ap.parse_args()
    cases = {"plain": [False], "chirp": [True], "both": [False, True]}[args.case]
    for chirp in cases:
        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(run, chirp)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        else:
            run(chirp)


if __name__ == "__main__":
    main()
