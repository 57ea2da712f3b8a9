"""Full-pattern (fundamental-parameters) refinement of the shared LaB6 pattern, side by side
(issue #12): heterolab's fit_powder_model (refined B-spline background and intensity solved
exactly, cell search first) started 0.5 % off, vs xrayutilities' own two-stage procedure from
its example (hand-placed background points) started at the certified cell and 0.05 % off.

Usage: ``.venv/bin/python benchmarks/bench_xrd_fullpattern.py`` (about a minute; skips when
../shared/data or xrayutilities is absent).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LAB6 = SHARED / "xrd" / "xrayutilities_LaB6_D5000" / "LaB6_d500_si_psd.xye.bz2"
SETTINGS = {
    "classoptions": {"oversampling": 10},
    "global": {"diffractometer_radius": 0.337, "equatorial_divergence_deg": 0.40},
    "axial": {
        "angI_deg": 2.0,
        "angD_deg": 2.0,
        "slit_length_target": 0.008,
        "n_integral_points": 21,
        "length_sample": 0.015,
        "slit_length_source": 0.008001,
    },
    "tube_tails": {
        "tail_left": -0.001,
        "main_width": 0.00015,
        "tail_right": 0.001,
        "tail_intens": 0.0015,
    },
    "si_psd": {"si_psd_window_bounds": (0, 32e-3)},
    "absorption": {"sample_thickness": 500e-6, "absorption_coefficient": 3e4},
    "displacement": {"specimen_displacement": -3.8e-5, "zero_error_deg": 0.0},
    "emission": {"emiss_intensities": (1.0, 0.45)},
}
# the engine example's hand-placed background points (2θ deg, counts)
BACKGROUND = np.array(
    [
        (15.158, 1136.452), (17.886, 841.925), (22.906, 645.784), (26.556, 551.663),
        (34.554, 401.219), (45.764, 260.595), (58.365, 171.993), (81.950, 112.838),
        (92.370, 101.276), (106.441, 102.486), (126.624, 112.838), (139.096, 132.063),
        (146.240, 136.500), (152.022, 157.204),
    ]
).T  # fmt: skip


def _powder(a: float):
    import xrayutilities as xu

    la, b = xu.materials.elements.La, xu.materials.elements.B
    lattice = xu.materials.SGLattice(
        221, a, atoms=[la, b], pos=["1a", ("6f", 0.1975)], b=[0.05, 0.15]
    )
    return xu.simpack.Powder(
        xu.materials.Crystal("LaB6", lattice),
        1,
        crystallite_size_gauss=1e6,
        crystallite_size_lor=0.5e-6,
        strain_gauss=0,
        strain_lor=0,
    )


def engine_fit(a0: float) -> tuple[float, float, float]:
    """xrayutilities' example procedure, with the cell refined in the second stage."""
    import xrayutilities as xu

    tt, det, sig = np.loadtxt(LAB6, unpack=True)
    m = (tt > 18) & (tt < 148)
    t0 = time.perf_counter()
    pm = xu.simpack.PowderModel(_powder(a0), I0=1.10e6, fpsettings=SETTINGS)
    pm.set_background("spline", x=BACKGROUND[0], y=BACKGROUND[1])
    p = pm.create_fitparameters()
    for name, lim in (
        ("primary_beam_intensity", (None, None)),
        ("displacement_specimen_displacement", (-1e-4, 1e-4)),
        ("displacement_zero_error_deg", (-0.01, 0.01)),
    ):
        p[name].set(vary=True, min=lim[0], max=lim[1])
    r1 = pm.fit(p, tt[m], det[m], std=sig[m], maxfev=50)
    p = r1.params
    for name, lim in (
        ("primary_beam_intensity", (None, None)),
        ("displacement_specimen_displacement", (-1e-4, 1e-4)),
        ("absorption_absorption_coefficient", (1e4, 1e5)),
        ("phase_LaB6_a", (4.10, 4.20)),
    ):
        p[name].set(vary=True, min=lim[0], max=lim[1])
    r2 = pm.fit(p, tt[m], det[m], std=sig[m])
    sim = pm.simulate(tt[m])
    chi2 = xu.simpack.Rietveld_error_metrics(det[m], sim, std=sig[m], Nvar=r2.nvarys, disp=False)[4]
    pm.close()
    return time.perf_counter() - t0, float(r2.params["phase_LaB6_a"].value), float(chi2)


def heterolab_fit(a0: float) -> tuple[float, float, float]:
    from heterolab.io.xrd import read_pattern
    from heterolab.structure.xrd import fit_powder_model

    pat = read_pattern(LAB6, anode="Cu")
    t0 = time.perf_counter()
    res = fit_powder_model(
        pat,
        _powder(a0),
        fpsettings=SETTINGS,
        two_theta_range=(18, 148),
        vary={
            "displacement_specimen_displacement": (-1e-4, 1e-4),
            "phase_LaB6_a": (4.10, 4.20),
            "absorption_absorption_coefficient": (1e4, 1e5),
            "emission_emiss_intensities_item_1": (0.4, 0.52),
        },
    )
    return time.perf_counter() - t0, res.value("phase_LaB6_a"), res.statistics["chi2_red"]


def main() -> None:
    try:
        import xrayutilities  # noqa: F401
    except ImportError:
        print("skipped: xrayutilities not installed")
        return
    if not LAB6.exists():
        print(f"skipped: {LAB6} absent")
        return
    print("LaB6 full-pattern refinement (certified a = 4.15692 Å), 18–148° 2θ")
    for label, func, a0 in (
        ("heterolab, start +0.5 %        ", heterolab_fit, 4.15692 * 1.005),
        ("xrayutilities, start certified ", engine_fit, 4.15692),
        ("xrayutilities, start +0.05 %   ", engine_fit, 4.15692 * 1.0005),
    ):
        t, a, chi2 = func(a0)
        print(f"  {label}: {t:6.1f} s  a = {a:.6f} Å  chi2_red = {chi2:.3f}")


if __name__ == "__main__":
    main()
