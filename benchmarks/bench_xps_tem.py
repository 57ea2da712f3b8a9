"""XPS doublet fits, GPA, FFT spacings and particle sizing: speed and accuracy (issue #13).

Sections (all in one process, same data for heterolab and the reference implementation):

- ``xps``: Au 4f (lmfitxps DELTA data) doublet with a Shirley background — heterolab
  ``fit_xps`` vs lmfitxps's own model (ConvGaussianDoniachDublett + ShirleyBG, the package's
  example start values); median wall time of repeated fits, splitting.
- ``gpa``: noise-free 4096² lattice image with a 3 % step (independent generator here),
  heterolab ``gpa`` vs a plain full-grid numpy GPA; time and far-field strain error.
- ``fft``: FFT d-spacings of the same 4096² image (``measure_spacings``); time and d error.
- ``columns``: atom columns of the SrTiO3 STEM image (atomap test data), scikit-image and
  atomap routes, and the B-cation sub-lattice count of atomap's own test (104).
- ``particles``: 500 particles in touching pairs/triples on a 2048² image; heterolab
  ``measure_particles`` vs one scikit-image watershed over the whole image, and without any
  watershed (particles lost to merges); time and size error.

Usage: ``.venv/bin/python benchmarks/bench_xps_tem.py [--sections xps,gpa,fft,particles,columns]``
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _best(fn, n=5):
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench_xps() -> None:
    import lmfit
    from lmfitxps.models import ConvGaussianDoniachDublett, ShirleyBG, TougaardBG

    from heterolab.io.spectra import read_ups_text
    from heterolab.structure.xps import Component, fit_xps

    path = SHARED / "xps" / "lmfitxps_Au4f_DELTA" / "clean_Au_4f.csv"
    if not path.exists():
        print("xps: data not available, skipped")
        return
    s = read_ups_text(path)
    comp = [Component("Au", 87.6, level="Au 4f", fix_splitting=False, fix_ratio=False)]
    fit_xps(s, comp)  # imports
    t_s, r = _best(lambda: fit_xps(s, comp, background_kind="shirley"), 11)
    print(
        f"xps heterolab fit_xps (Voigt doublet + iterative Shirley): {1e3 * t_s:.1f} ms, "
        f"splitting {r['Au_splitting']}, status {r.status}"
    )
    t_a, r = _best(lambda: fit_xps(s, comp, background_kind="active_shirley"), 11)
    print(
        f"xps heterolab fit_xps (active Shirley): {1e3 * t_a:.1f} ms, splitting {r['Au_splitting']}"
    )
    au = (144.506, 0.281, 268.598)  # the source example's Tougaard cross-section (C, C', D)
    ds = Component(
        "Au",
        87.6,
        level="Au 4f",
        fix_splitting=False,
        fix_ratio=False,
        shape="ds",
        asymmetry=0.05,
        upper_broadening=1.04,
        fix_upper_broadening=False,
    )
    t_t, r = _best(
        lambda: fit_xps(s, [ds], background_kind="active_tougaard", cross_section=au, extend=30), 11
    )
    print(
        f"xps heterolab DS doublet + refined Tougaard (source's model): {1e3 * t_t:.1f} ms, "
        f"chi2_red {r.statistics['chi2_red']:.2f}, splitting {r['Au_splitting']}"
    )
    t_f, r = _best(lambda: fit_xps(s, comp, background_kind="tougaard"), 11)
    print(f"xps heterolab Voigt doublet + fixed Tougaard: {1e3 * t_f:.1f} ms")
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y = data[:, 0], data[:, 1]
    from lmfitxps.backgrounds import tougaard_closure

    from heterolab.structure.xps.shapes import tougaard_integral

    be, yb = 180 - x[::-1], y[::-1]
    t_h, _ = _best(lambda: tougaard_integral(be, yb, au, 30.0), 51)
    t_l, _ = _best(lambda: tougaard_closure()(x, y, 1.0, *au, 30), 5)
    print(
        f"tougaard loss integral (294 points, 30 eV extension): heterolab FFT {1e6 * t_h:.0f} µs, "
        f"lmfitxps loop {1e3 * t_l:.1f} ms; ratio {t_l / t_h:.0f}x"
    )
    model = ConvGaussianDoniachDublett(prefix="d1_") + ShirleyBG(prefix="bg_")
    pars = model.make_params()
    pars["d1_amplitude"].set(value=float(y.max() - y.min()), min=0)
    pars["d1_sigma"].set(value=0.2, min=0)
    pars["d1_gamma"].set(value=0.02, min=0, max=0.5)
    pars["d1_gaussian_sigma"].set(value=0.2, min=0)
    pars["d1_center"].set(value=92.2273)
    pars["d1_soc"].set(value=3.67127)
    pars["d1_height_ratio"].set(value=0.7, min=0)
    pars["d1_fct_coster_kronig"].set(value=1.04, min=0)
    pars["bg_k"].set(value=0.003, min=0)
    pars["bg_const"].set(value=float(y.min()))

    def lmfitxps_fit() -> lmfit.model.ModelResult:
        return model.fit(y, pars, x=x, y=y, weights=1 / np.sqrt(y))

    lmfitxps_fit()
    t_l, rl = _best(lmfitxps_fit, 5)
    soc = rl.params["d1_soc"]
    print(
        f"xps lmfitxps ConvGaussianDoniachDublett + ShirleyBG: {1e3 * t_l:.1f} ms, "
        f"splitting {soc.value:.4f} ± {soc.stderr or float('nan'):.4f} eV, chi2_red {rl.redchi:.2f}; "
        f"ratio heterolab (Voigt + Shirley)/lmfitxps {t_s / t_l:.2f}"
    )
    tmodel = ConvGaussianDoniachDublett(prefix="d1_") + TougaardBG(
        prefix="bg_", independent_vars=["y", "x"]
    )
    tp = tmodel.make_params()
    for k in ("amplitude", "sigma", "gamma", "gaussian_sigma", "center", "soc", "height_ratio"):
        tp[f"d1_{k}"].set(value=pars[f"d1_{k}"].value, min=pars[f"d1_{k}"].min)
    tp["d1_fct_coster_kronig"].set(value=1.04, min=0)
    tp["bg_B"].set(value=148.969)
    for k, v in zip(("C", "C_d", "D"), au, strict=True):
        tp[f"bg_{k}"].set(value=v, vary=False)
    tp["bg_extend"].set(value=30, vary=False)

    def lmfitxps_tougaard() -> lmfit.model.ModelResult:
        return tmodel.fit(y, tp, x=x, y=y, weights=1 / np.sqrt(y))

    lmfitxps_tougaard()
    t_lt, rt = _best(lmfitxps_tougaard, 5)
    print(
        f"xps lmfitxps ConvGaussianDoniachDublett + TougaardBG (its example): {1e3 * t_lt:.1f} ms, "
        f"chi2_red {rt.redchi:.2f} (chi2 {rt.chisqr:.0f}); ratio heterolab/lmfitxps {t_t / t_lt:.2f}"
    )


def bench_columns() -> None:
    from heterolab.io.images import read_microscopy_image
    from heterolab.structure.microscopy.columns import find_atom_columns

    path = SHARED / "tem" / "atomap_SrTiO3_ADF_ABF" / "test_ADF_cropped.hdf5"
    if not path.exists():
        print("columns: data not available, skipped")
        return
    im = read_microscopy_image(path, pixel_size=0.009326270238006416, unit="nm")
    for method in ("skimage", "atomap"):
        find_atom_columns(im, 0.15, method=method, refine=False)  # imports
        for refine in (False, True):
            t, r = _best(
                lambda m=method, rf=refine: find_atom_columns(
                    im, 0.15, method=m, refine=rf, sublattice_vector=1
                ),
                3,
            )
            print(
                f"columns {method} (refine {refine}) SrTiO3 400x380: {t:.2f} s, "
                f"{r['n_columns'].value:.0f} columns, sub-lattice {r['n_sublattice'].value:.0f} "
                f"(atomap's test: 104), a2 {r['a2'].value:.4f} nm"
            )


def _lattice(n: int, px: float = 0.02, d: float = 0.2937, eps: float = 0.03, w: float = 2.0):
    y, x = np.mgrid[:n, :n] * px  # float64: the fringe phase reaches ~2000 rad
    x0 = n * px / 2
    z = (x - x0) / w
    ux = (
        eps
        * 0.5
        * (
            x
            + w * (np.logaddexp(z, -z) - math.log(2))
            - w * (abs(-x0 / w) + np.log1p(np.exp(-2 * abs(x0 / w))) - math.log(2))
        )
    )
    img = np.cos(2 * np.pi * (x - ux) / d) + np.cos(2 * np.pi * y / d) + 3
    return img.astype(np.float32), eps * 0.5 * (1 + np.tanh(z))


def _plain_gpa(img: np.ndarray, gs: np.ndarray, px: float, sigma: float) -> np.ndarray:
    """Reference: full-grid numpy GPA (complex128), ε_xx from np.gradient of the unwrapped
    phase's carrier-free exponential."""
    n = img.shape[0]
    f = np.fft.fft2(img - img.mean())
    k = np.fft.fftfreq(n, d=px)
    kx, ky = np.meshgrid(k, k)
    grads = []
    yy, xx = np.mgrid[:n, :n] * px
    for g in gs:
        m = np.exp(-0.5 * ((kx - g[0]) ** 2 + (ky - g[1]) ** 2) / sigma**2)
        b = np.fft.ifft2(f * m) * np.exp(-2j * np.pi * (g[0] * xx + g[1] * yy))
        gy_, gx_ = np.gradient(b, px)
        grads.append(
            ((np.conj(b) * gx_).imag / np.abs(b) ** 2, (np.conj(b) * gy_).imag / np.abs(b) ** 2)
        )
    ginv = np.linalg.inv(gs)
    return -(ginv[0, 0] * grads[0][0] + ginv[0, 1] * grads[1][0]) / (2 * np.pi)


def bench_gpa_fft() -> None:
    from heterolab.arrays import image_dataarray
    from heterolab.structure.microscopy import gpa, measure_spacings

    n, px, d = 4096, 0.02, 0.2937
    img, exx = _lattice(n, px, d)
    im = image_dataarray(img, px, "nm")
    g = 1 / d
    gs = np.array([[g, 0.0], [0.0, g]])
    gpa(image_dataarray(img[:512, :512], px, "nm"), gs)  # imports
    t, r = _best(lambda: gpa(im, gs, reference=(2, 20, 2, 80)), 3)
    q = r.statistics["decimation"]
    xs = r.curves["exx"]["x"].values
    far = np.abs(xs - n * px / 2) > 15
    m = round(r.statistics["edge_margin"] / r.statistics["map_step"])
    sel = np.zeros_like(far)
    sel[m:-m] = True
    err = np.abs(r.curves["exx"].values - exx[::q, ::q])[m:-m][:, far & sel]
    print(
        f"gpa heterolab 4096²: {t:.2f} s (decimation {q}), far-field |Δε_xx| max {err.max():.1e}, "
        f"mask σ {r.statistics['mask_sigma']:.3f} 1/nm"
    )
    t0 = time.perf_counter()
    ref = _plain_gpa(img.astype(float), gs, px, r.statistics["mask_sigma"])
    t_ref = time.perf_counter() - t0
    mm = m * q
    far_full = np.abs(np.arange(n) * px - n * px / 2) > 15
    err_ref = np.abs(ref - exx)[mm:-mm][
        :, far_full & (np.arange(n) >= mm) & (np.arange(n) < n - mm)
    ]
    print(
        f"gpa plain numpy full grid 4096²: {t_ref:.2f} s, far-field |Δε_xx| max {err_ref.max():.1e}; "
        f"ratio {t / t_ref:.2f}"
    )
    measure_spacings(image_dataarray(img[:256, :256], px, "nm"))
    t, r = _best(lambda: measure_spacings(im, n_spots=8), 3)
    best = min(r.statistics["spots"], key=lambda s: abs(s["d"] - d))
    print(
        f"fft spacings 4096²: {t:.2f} s, d {best['d']:.5f} nm (imposed {d} nm left half, strained right)"
    )


def _particle_image(n=2048, n_particles=500, r_mean=22.0, seed=0):
    rng = np.random.default_rng(seed)
    img = np.zeros((n, n), np.float32)
    truth = []
    placed = 0
    grid = math.ceil(math.sqrt(n_particles / 2.2))
    cell = n / grid
    for i in range(grid):
        for j in range(grid):
            if placed >= n_particles:
                break
            k = 1 + (rng.random() < 0.7) + (rng.random() < 0.4)  # singles, pairs, triples
            k = min(k, n_particles - placed)
            cy, cx = (i + 0.5) * cell, (j + 0.5) * cell
            ang = rng.uniform(0, 2 * math.pi)
            for m in range(k):
                r = r_mean * math.exp(rng.normal(0, 0.08))
                off = 1.9 * r_mean * (m - (k - 1) / 2)  # cluster centred in its cell
                py, px_ = cy + off * math.sin(ang), cx + off * math.cos(ang)
                y0, y1 = int(py - r - 2), int(py + r + 3)
                x0, x1 = int(px_ - r - 2), int(px_ + r + 3)
                if y0 < 0 or x0 < 0 or y1 > n or x1 > n:
                    continue
                yy, xx = np.mgrid[y0:y1, x0:x1]
                img[y0:y1, x0:x1] = np.maximum(
                    img[y0:y1, x0:x1], np.clip(r + 0.5 - np.hypot(yy - py, xx - px_), 0, 1)
                )
                truth.append(2 * r)
                placed += 1
    from scipy import ndimage as ndi

    img = ndi.gaussian_filter(img, 1.0) + rng.normal(0, 0.05, img.shape).astype(np.float32)
    return img, np.array(truth)


def bench_particles() -> None:
    from scipy import ndimage as ndi
    from skimage.feature import peak_local_max
    from skimage.filters import gaussian, threshold_otsu
    from skimage.segmentation import watershed

    from heterolab.arrays import image_dataarray
    from heterolab.structure.microscopy import measure_particles

    img, truth = _particle_image()
    im = image_dataarray(img, 1.0, "px")
    measure_particles(image_dataarray(img[:256, :256], 1.0, "px"))  # imports
    t, r = _best(lambda: measure_particles(im), 3)
    err = r.value("mean_size") / truth.mean() - 1
    print(
        f"particles heterolab 2048², {truth.size} particles: {t:.2f} s, measured {r.statistics['n_measured']} "
        f"(edge {r.statistics['n_edge']}, overlap {r.statistics['n_overlap']}), mean size error {100 * err:+.2f} %"
    )
    t_n, rn = _best(lambda: measure_particles(im, split=False), 3)
    print(
        f"particles without watershed: {t_n:.2f} s, {rn.statistics['n_measured']} measured, "
        f"{rn.statistics['n_overlap']} merged blobs excluded"
    )

    def plain() -> int:
        a = gaussian(img, sigma=1.0, preserve_range=True)
        mask = a > threshold_otsu(a)
        dist = ndi.distance_transform_edt(mask)
        pk = peak_local_max(dist, min_distance=13, labels=ndi.label(mask)[0])
        mk = np.zeros(mask.shape, np.int32)
        mk[tuple(pk.T)] = np.arange(1, len(pk) + 1)
        return int(watershed(-dist, mk, mask=mask).max())

    t_p, n_p = _best(plain, 3)
    print(
        f"particles plain scikit-image (one watershed over the image, no measurement): {t_p:.2f} s, "
        f"{n_p} labels; ratio {t / t_p:.2f}"
    )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sections", default="xps,gpa,particles,columns")
    sections = ap.parse_args(argv).sections.split(",")
    import os

    print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cpus")
    if "xps" in sections:
        bench_xps()
    if "gpa" in sections or "fft" in sections:
        bench_gpa_fft()
    if "particles" in sections:
        bench_particles()
    if "columns" in sections:
        bench_columns()
    print(f"load average at end: {os.getloadavg()[0]:.2f} (1 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
