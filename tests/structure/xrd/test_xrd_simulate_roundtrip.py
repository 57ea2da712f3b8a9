"""Round trips on patterns written by ``heterolab.simulate.xrd`` (Voigt lines: Lorentzian size
part, Gaussian microstrain ⊕ instrument part, Cu Kα doublet, Poisson counts): sizes within 10 %,
the microstrain and the uniform lattice strain within their errors, phase fractions within
3 wt %."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.arrays import pattern_dataarray
from heterolab.simulate.xrd import CSPBBR3_CUBIC, PBS_ROCKSALT, Phase, simulate_xrd
from heterolab.structure.xrd import (
    fit_peaks,
    refine_lattice,
    rir_fractions,
    size_strain_pattern,
    size_strain_voigt,
)

LAM1, LAM2 = 1.540562, 1.544390  # simulate's Cu lines


def _pattern(phases, *, kalpha2: bool, seed: int, tt=None):
    tt = np.arange(13.0, 62.0, 0.01) if tt is None else tt
    da, truth = simulate_xrd(
        tt, phases, kalpha2=kalpha2, instrument_fwhm_deg=0.05, peak_counts=2e4, seed=seed
    )
    pat = pattern_dataarray(
        da["two_theta"].values,
        da.values,
        wavelength_angstrom=LAM1,
        wavelength2_angstrom=LAM2 if kalpha2 else None,
        kalpha2_ratio=0.5 if kalpha2 else None,
    )
    return pat, truth


@pytest.mark.slow
@pytest.mark.parametrize(("size", "eps"), [(20.0, 0.002), (40.0, 0.003)])
def test_size_microstrain_and_lattice_strain_come_back(size, eps) -> None:
    pat, _truth = _pattern(
        [Phase(CSPBBR3_CUBIC, size_nm=size, microstrain=eps, lattice_strain=0.003)],
        kalpha2=True,
        seed=7,
    )
    peaks = fit_peaks(pat, profile_name="voigt")
    assert peaks.ok, peaks.message
    sizes = size_strain_voigt(peaks, instrument=0.05)
    assert sizes.value("mean_size") == pytest.approx(size, rel=0.10)
    # single line: the Gaussian part of a Lorentzian-dominated line is over-estimated by
    # noise (measured +5 % at 40 nm, +14 % at 20 nm over six seeds, +25 % for this seed at
    # 20 nm), so only loosely
    assert sizes.value("mean_microstrain") == pytest.approx(eps, rel=0.35)
    # whole pattern, two width laws: size within 10 % and strain within 3 of its errors
    # (six seeds: 20 nm -> 19.95 ± 0.06 nm, ε -2 % ± 2 %)
    both = size_strain_pattern(pat, peaks, instrument=0.05)
    assert both.ok, both.message
    assert both.value("size") == pytest.approx(size, rel=0.10)
    assert abs(both.value("size") - size) < 3 * both["size"].stderr + 0.005 * size
    assert abs(both.value("microstrain") - eps) < 3 * both["microstrain"].stderr
    assert both["microstrain"].stderr < 0.05 * eps
    lat = refine_lattice(peaks, a=5.874, displacement=False)
    strain = lat.value("a") / 5.874 - 1
    assert abs(strain - 0.003) < 3 * lat["a"].stderr / 5.874 + 2e-5


@pytest.mark.parametrize("w_a", [0.3, 0.6])
def test_two_phase_fractions_within_3_wt_percent(w_a) -> None:
    # simulate scales each phase so that its strongest line has intensity ∝ scale: RIR = 1
    pat, truth = _pattern(
        [
            Phase(CSPBBR3_CUBIC, scale=w_a, size_nm=50),
            Phase(PBS_ROCKSALT, scale=1 - w_a, size_nm=50),
        ],
        kalpha2=False,
        seed=3,
        tt=np.arange(20.0, 46.0, 0.01),
    )
    sticks = {
        name: [r for r in ph["reflections"] if 20.5 < r["two_theta"] < 45.5]
        for name, ph in truth["phases"].items()
    }
    positions = sorted(r["two_theta"] for rs in sticks.values() for r in rs)
    peaks = fit_peaks(pat, positions=positions, kalpha2=False)
    table = peaks.statistics["table"]

    def strongest(name):
        ref = max(sticks[name], key=lambda r: r["intensity"])
        row = min(table, key=lambda r: abs(r["two_theta"] - ref["two_theta"]))
        return row["area"] / (ref["intensity"] / 100), row["area_err"] / (ref["intensity"] / 100)

    (ia, ea), (ib, eb) = strongest("CsPbBr3"), strongest("PbS")
    res = rir_fractions(
        {"CsPbBr3": ia, "PbS": ib}, {"CsPbBr3": 1.0, "PbS": 1.0}, errors={"CsPbBr3": ea, "PbS": eb}
    )
    assert res.value("w_CsPbBr3") == pytest.approx(w_a, abs=0.03)
    assert res["w_CsPbBr3"].stderr < 0.03
