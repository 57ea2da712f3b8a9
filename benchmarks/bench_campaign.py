"""Campaign scale-out: a synthetic study of N samples x 3 techniques (TRPL decay fit, PL peak
fit, stability retention), run with 1 and with 2 Dask workers (LocalCluster) from an empty
store; wall times and the speed-up. Also times a re-run served from the store.

Usage: ``.venv/bin/python benchmarks/bench_campaign.py [--samples 200] [--workers 0,1,2]``
(0 = computed in the coordinating process, no Dask).

The campaign's steps are small (10-40 ms of CPU each): the runner sends them to the workers in
batches (about four per worker, at most 32 steps each) and, on Linux, forks the workers from
the coordinating process after importing what the steps need, so per-task overhead and worker
start-up do not eat the speed-up. The load average is printed: on a shared machine the
speed-up measures the free cores as much as heterolab; the CPU seconds of the coordinating
process and of its children (scheduler, workers) are printed too.

Data are generated here with numpy (seeded): single-exponential TCSPC decays (Poisson counts,
Gaussian IRF), Gaussian PL bands on a flat background, exponential PL loss over 180 h.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from heterolab.campaign import run_campaign


def make_study(folder: Path, n: int, seed: int = 7) -> Path:
    """Write the data files and campaign.toml of an ``n``-sample study."""
    rng = np.random.default_rng(seed)
    data = folder / "data"
    data.mkdir(parents=True)
    t = np.arange(512) * 0.05  # ns
    irf = np.exp(-0.5 * ((t - 1.0) / 0.08) ** 2)
    (data / "irf.csv").write_text(
        "time_ns,counts\n"
        + "\n".join(f"{a:.4f},{b * 1e4:.1f}" for a, b in zip(t, irf, strict=True))
    )
    wl = np.linspace(450, 600, 151)
    hours = np.linspace(0, 180, 10)
    lines = ['[campaign]\nname = "synthetic scale-out study"\nfigures = false\n']
    for i in range(n):
        tau = rng.uniform(2.0, 8.0)
        kernel = np.exp(-t / tau)
        model = np.convolve(irf / irf.sum(), kernel)[: t.size] * 5e3 + 2.0
        counts = rng.poisson(model)
        (data / f"decay_{i:03d}.csv").write_text(
            "time_ns,counts\n" + "\n".join(f"{a:.4f},{c}" for a, c in zip(t, counts, strict=True))
        )
        centre = rng.uniform(505, 525)
        pl = 1000 * np.exp(-0.5 * ((wl - centre) / 8) ** 2) + 5 + rng.normal(0, 3, wl.size)
        (data / f"pl_{i:03d}.csv").write_text(
            "wavelength_nm,intensity\n"
            + "\n".join(f"{a:.2f},{b:.3f}" for a, b in zip(wl, pl, strict=True))
        )
        life = rng.uniform(50, 200)  # t50 = life ln 2 is reached within 180 h
        sig = [1000 * math.exp(-h / life) * (1 + rng.normal(0, 0.005)) for h in hours]
        (data / f"stab_{i:03d}.txt").write_text(
            "time_h signal\n" + "\n".join(f"{h} {s}" for h, s in zip(hours, sig, strict=True))
        )
        lines.append(
            f'[[sample]]\nname = "S{i:03d}"\nsynthesis = {{ index = {i} }}\n'
            f'[[measurement]]\nid = "trpl{i:03d}"\nsample = "S{i:03d}"\ntechnique = "trpl"\n'
            f'file = "data/decay_{i:03d}.csv"\n'
            f'[[measurement]]\nid = "pl{i:03d}"\nsample = "S{i:03d}"\ntechnique = "pl"\n'
            f'file = "data/pl_{i:03d}.csv"\n'
            f'[[measurement]]\nid = "stab{i:03d}"\nsample = "S{i:03d}"\ntechnique = "stability"\n'
            f'file = "data/stab_{i:03d}.txt"\n'
        )
    lines.append(
        '[[step]]\nid = "fit"\ntype = "trpl.fit"\nfor_each = "trpl"\n'
        'inputs = { irf = "data/irf.csv" }\noptions = { n_components = 1 }\n'
        '[[step]]\nid = "peak"\ntype = "spectrum.peaks"\nfor_each = "pl"\n'
        "options = { centers = [515.0] }\n"
        '[[step]]\nid = "stab"\ntype = "stability.retention"\nfor_each = "stability"\n'
    )
    path = folder / "campaign.toml"
    path.write_text("\n".join(lines))
    return path


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return float("nan")
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--workers", default="0,1,2", help="0 = in-process (no Dask)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        camp = make_study(Path(tmp), args.samples)
        print(f"{args.samples} samples x 3 techniques = {3 * args.samples} steps")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"{os.cpu_count()} CPUs, load average {load:.1f} before the runs")
        times: dict[int, float] = {}
        for w in (int(x) for x in args.workers.split(",")):
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            cpu0, kids0 = time.process_time(), _children_cpu()
            start = time.perf_counter()
            run = run_campaign(camp, Path(tmp) / f"out{w}", progress=False, workers=w)
            times[w] = time.perf_counter() - start
            cpu, kids = time.process_time() - cpu0, _children_cpu() - kids0
            what = "in-process" if w == 0 else f"workers={w}"
            print(
                f"{what}: {times[w]:.1f} s ({len(run.computed)} computed, {len(run.failed)} "
                f"failed; CPU {cpu:.1f} s coordinator + {kids:.1f} s children; "
                f"load before {load:.1f})"
            )
        start = time.perf_counter()
        again = run_campaign(camp, Path(tmp) / f"out{w}", progress=False)
        print(
            f"re-run from the store: {time.perf_counter() - start:.1f} s ({len(again.cached)} cached)"
        )
        if 1 in times and 2 in times:
            print(f"speed-up 2 vs 1 worker: {times[1] / times[2]:.2f}x")


if __name__ == "__main__":
    main()
