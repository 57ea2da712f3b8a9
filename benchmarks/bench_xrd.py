"""XRD and GIWAXS speed, side by side in one run (issue #12).

1. Shared LaB6 pattern (D5000, 17 381 points): every reflection fitted as a Kα1/Kα2 doublet and
   the cubic cell refined with displacement, heterolab's fast engine vs the same windows fitted
   with lmfit composite models (per-peak Kα1+Kα2 fits, the peer).
2. CeO2 Pilatus 1M image: heterolab's integrate_1d / fibre_map vs pyFAI's own calls (warm).

Usage: ``.venv/bin/python benchmarks/bench_xrd.py`` (skips what ../shared/data lacks).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LAB6 = SHARED / "xrd" / "xrayutilities_LaB6_D5000" / "LaB6_d500_si_psd.xye.bz2"
CEO2 = SHARED / "giwaxs" / "dioptas_CeO2_Pilatus1M"


def _best(func, repeat: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t)
    return min(times), out


def bench_lab6() -> None:
    from heterolab.io.xrd import read_pattern
    from heterolab.structure.xrd import fit_peaks, refine_lattice

    pat = read_pattern(LAB6, anode="Cu")
    fit_peaks(pat)  # warm imports

    def ours():
        peaks = fit_peaks(pat)
        return peaks, refine_lattice(peaks, a=4.15692 * 1.005, space_group="Pm-3m")

    def lmfit_peaks():
        return fit_peaks(pat, engine="lmfit")

    def ours_split():
        peaks = fit_peaks(pat, profile_name="split_pseudo_voigt")
        return peaks, refine_lattice(peaks, a=4.15692 * 1.005, space_group="Pm-3m")

    t_ours, (peaks, lat) = _best(ours)
    t_split, (_peaks_s, lat_s) = _best(ours_split)
    t_lmfit, peaks_lm = _best(lmfit_peaks, repeat=2)
    n = peaks.statistics["n_peaks"]
    print(f"LaB6: {n} reflections (Kα1/Kα2) + cell refinement")
    print(
        f"  heterolab fast, pseudo-Voigt   : {t_ours:6.3f} s  a = {lat['a']} "
        f"(lattice chi2_red {lat.statistics['chi2_red']:.1f}, {lat.status})"
    )
    print(
        f"  heterolab fast, split pV       : {t_split:6.3f} s  a = {lat_s['a']} "
        f"(lattice chi2_red {lat_s.statistics['chi2_red']:.1f}, {lat_s.status})"
    )
    print(f"  lmfit per-window Kα1+Kα2 fits  : {t_lmfit:6.3f} s  (ratio {t_lmfit / t_ours:.1f}x)")
    a = np.array([r["two_theta"] for r in peaks.statistics["table"]])
    b = np.array([r["two_theta"] for r in peaks_lm.statistics["table"]])
    print(f"  max |Δ2θ| fast vs lmfit        : {np.max(np.abs(a - b)):.2e} deg")


def bench_giwaxs() -> None:
    import pyFAI

    from heterolab.io.xrd import read_detector_image
    from heterolab.structure.giwaxs import fibre_map, integrate_1d
    from heterolab.structure.giwaxs.integrate import azimuthal_integrator

    img = read_detector_image(
        CEO2 / "CeO2_Pilatus1M.tif", poni=CEO2 / "CeO2_Pilatus1M.poni", flip="ud"
    )
    data = np.where(np.isfinite(img.values), img.values, 0.0)
    mask = ~np.isfinite(img.values)
    ai = pyFAI.load(str(CEO2 / "CeO2_Pilatus1M.poni"))
    method = ("bbox", "csr", "cython")
    integrate_1d(img, npt=2000)
    ai.integrate1d(data, 2000, unit="2th_deg", mask=mask, error_model="poisson", method=method)
    t_ours, _ = _best(lambda: integrate_1d(img, npt=2000), repeat=10)
    t_pyfai, _ = _best(
        lambda: ai.integrate1d(
            data, 2000, unit="2th_deg", mask=mask, error_model="poisson", method=method
        ),
        repeat=10,
    )
    print("CeO2 Pilatus 1M (1.02 Mpx), warm")
    print(
        f"  integrate_1d heterolab {1e3 * t_ours:6.1f} ms  pyFAI {1e3 * t_pyfai:6.1f} ms "
        f"({t_ours / t_pyfai:.2f}x)"
    )
    fibre_map(img, npt=(500, 500))
    fi = azimuthal_integrator(img, fibre=True)
    kw = {
        "npt_ip": 500,
        "npt_oop": 500,
        "unit_ip": "qip_A^-1",
        "unit_oop": "qoop_A^-1",
        "incident_angle": np.radians(0.2),
        "tilt_angle": 0.0,
        "sample_orientation": 1,
        "mask": mask,
        "dummy": np.nan,
    }
    t_map, _ = _best(lambda: fibre_map(img, npt=(500, 500)), repeat=5)
    t_fi, _ = _best(lambda: fi.integrate2d_grazing_incidence(data, **kw), repeat=5)
    print(
        f"  fibre q-map  heterolab {1e3 * t_map:6.1f} ms  pyFAI {1e3 * t_fi:6.1f} ms "
        f"({t_map / t_fi:.2f}x)"
    )


if __name__ == "__main__":
    if LAB6.exists():
        bench_lab6()
    else:
        print(f"skipped LaB6: {LAB6} absent")
    if CEO2.exists():
        bench_giwaxs()
    else:
        print(f"skipped GIWAXS: {CEO2} absent")
