"""Chunked FLIM in a campaign: a 512 x 512-pixel image with 50 time bins ("50 x 512 x 512"),
fitted by one ``trpl.flim`` step in the coordinating process (threads) and with
``chunk_pixels`` on 1 and 2 Dask workers; wall time, pixels per second, and a check that every
run reports the same numbers (chunking never changes a result).

Usage: ``.venv/bin/python benchmarks/bench_campaign_flim.py [--size 512] [--bins 50]
[--chunk 32768] [--workers 0,1,2]``.

Data are generated here with numpy (seeded): two regions with 2.0 and 4.5 ns single-exponential
decays, ~300 photons per pixel, Gaussian IRF (FWHM 0.25 ns), 0.2 ns bins, 0.5 count/bin dark
counts, Poisson noise; written in heterolab's HDF5 format (io.hdf5.write_hdf5).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

from heterolab.campaign import run_campaign
from heterolab.io.hdf5 import write_hdf5

TIMING = ("fit_seconds", "decays_per_second")


def make_image(size: int, bins: int, seed: int = 11) -> xr.DataArray:
    """A ``(y, x, time)`` FLIM image of ``size`` x ``size`` pixels and ``bins`` time bins."""
    rng = np.random.default_rng(seed)
    width = 0.2
    t = np.arange(bins) * width
    irf = np.exp(-0.5 * ((t + width / 2 - 1.0) / (0.25 / 2.3548)) ** 2)
    irf /= irf.sum()
    shapes = []
    for tau in (2.0, 4.5):
        kernel = np.exp(-(t + width / 2) / tau)
        s = np.convolve(irf, kernel)[:bins]
        shapes.append(s / s.sum())
    yy, xx = np.mgrid[0:size, 0:size]
    region = ((xx // 32 + yy // 32) % 2).astype(int)
    photons = rng.gamma(20.0, 300.0 / 20.0, size=(size, size))
    mean = np.empty((size, size, bins), dtype=np.float32)
    for r, shape in enumerate(shapes):
        m = region == r
        mean[m] = photons[m, None] * shape[None, :] + 0.5
    counts = rng.poisson(mean).astype(np.uint16)
    return xr.DataArray(
        counts,
        dims=("y", "x", "time"),
        coords={"time": ("time", t, {"units": "ns"})},
        name="counts",
        attrs={"units": "counts", "bin_width": width},
    )


def campaign(folder: Path, chunk: int) -> Path:
    """A one-step campaign fitting ``flim.h5`` (``chunk`` = 0: not chunked)."""
    line = f"chunk_pixels = {chunk}\n" if chunk else ""
    path = folder / f"campaign_{chunk}.toml"
    path.write_text(
        '[campaign]\nname = "FLIM scale-out"\nfigures = false\n'
        '[[step]]\nid = "flim"\ntype = "trpl.flim"\ninputs = { image = "flim.h5" }\n'
        f"options = {{ n_components = 1 }}\n{line}",
        encoding="utf-8",
    )
    return path


def _numbers(result) -> dict:
    d = result.to_dict()
    for k in TIMING:
        d["statistics"].pop(k, None)
    d.pop("provenance", None)
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--bins", type=int, default=50)
    ap.add_argument("--chunk", type=int, default=32768)
    ap.add_argument("--workers", default="0,1,2", help="0 = coordinating process, threads")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_hdf5(make_image(args.size, args.bins), folder / "flim.h5")
        n_px = args.size * args.size
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"{args.bins} x {args.size} x {args.size} FLIM ({n_px} pixels), chunks of {args.chunk}"
        )
        print(f"{os.cpu_count()} CPUs, load average {load:.1f} before the runs")
        reference = None
        for w in (int(x) for x in args.workers.split(",")):
            chunk = args.chunk if w else 0
            camp = campaign(folder, chunk)
            start = time.perf_counter()
            run = run_campaign(camp, folder / f"out{w}", progress=False, workers=w)
            wall = time.perf_counter() - start
            res = run.results["flim"]
            if res.status == "failed":
                print(f"workers={w}: FAILED: {res.message}")
                continue
            fitted = res.statistics.get("n_pixels", n_px) - res.statistics.get("n_masked", 0)
            what = "coordinator, threads" if w == 0 else f"workers={w}, chunk_pixels={chunk}"
            print(
                f"{what}: {wall:.1f} s wall (read + fit + store), {fitted / wall:,.0f} pixels/s; "
                f"status {res.status}, tau_1 median {res['tau_1']}"
            )
            same = reference is None or _numbers(res) == reference
            reference = reference or _numbers(res)
            print(f"  identical to the first run: {same}")


if __name__ == "__main__":
    main()
