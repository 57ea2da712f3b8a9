"""The xrayutilities PowderModel wrapper on the shared LaB6 pattern, with the instrument as
described in the data's README (D5000, R = 0.337 m, 0.40° divergence, 2°/2° Sollers, Si PSD
0–32 mm, 500 µm sample, Kα2/Kα1 ≈ 0.45)."""

from __future__ import annotations

import numpy as np
import pytest

from shared_paths import shared_file

pytest.importorskip("xrayutilities")

import xrayutilities as xu

from heterolab.errors import ParameterError
from heterolab.io.xrd import read_pattern
from heterolab.structure.xrd import fit_powder_model
from heterolab.structure.xrd.powder_model import lattice_scale_search

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


def _powder(a: float):
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


VARY = {
    "primary_beam_intensity": (None, None),
    "displacement_specimen_displacement": (-1e-4, 1e-4),
    "phase_LaB6_a": (4.10, 4.20),
    "absorption_absorption_coefficient": (1e4, 1e5),
    "emission_emiss_intensities_item_1": (0.4, 0.52),
}


def _lab6():
    return read_pattern(
        shared_file("xrd", "xrayutilities_LaB6_D5000", "LaB6_d500_si_psd.xye.bz2"), anode="Cu"
    )


@pytest.mark.slow
@pytest.mark.shared_data
def test_lab6_fundamental_parameters_fit_from_certified_and_from_half_percent_off() -> None:
    """xrayutilities' own test demands chi2_red < 1.5 (its fit, started within 0.01 % with
    hand-placed background points, reaches 1.44; from 0.05 % off it stops elsewhere). heterolab
    refines the background with the profile and searches the cell first: chi2_red < 1.5 and
    the same cell (within 2e-5 A) from the certified start and from 0.5 % off."""
    pat = _lab6()
    kw = {"fpsettings": SETTINGS, "two_theta_range": (18, 148), "vary": VARY}
    exact = fit_powder_model(pat, _powder(4.15692), **kw)
    off = fit_powder_model(pat, _powder(4.15692 * 1.005), **kw)
    for res in (exact, off):
        assert res.status == "ok", res.message
        assert res.statistics["chi2_red"] < 1.5
        assert abs(res.value("phase_LaB6_a") - 4.15692) < 2e-4
        # displacement reported, negative as in the engine's own start value (-3.8e-5 m)
        assert -6e-5 < res.value("displacement_specimen_displacement") < -3e-5
        assert set(res.curves) == {"data", "model", "background", "residuals"}
    assert abs(off.value("phase_LaB6_a") - exact.value("phase_LaB6_a")) < 2e-5
    assert off.statistics["start"]["phase_LaB6_a"] == pytest.approx(4.15692, abs=3e-4)


@pytest.mark.shared_data
def test_unknown_engine_parameter_lists_the_known() -> None:
    pat = _lab6()
    with pytest.raises(ParameterError, match=r"known: .*phase_LaB6_a"):
        fit_powder_model(
            pat,
            _powder(4.15692),
            fpsettings=SETTINGS,
            two_theta_range=(20, 22),
            vary={"LaB6_a": (4.1, 4.2)},
        )


def _cubic_pattern(a: float, tt: np.ndarray) -> np.ndarray:
    """Gaussian lines (FWHM 0.08 deg) of a primitive cubic cell, Cu Ka1, written here."""
    y = np.zeros_like(tt)
    for hkl2 in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12):
        s = 1.5406 * np.sqrt(hkl2) / (2 * a)
        if s < 1:
            pos = 2 * np.degrees(np.arcsin(s))
            y += 1000 / hkl2 * np.exp(-4 * np.log(2) * ((tt - pos) / 0.08) ** 2)
    return y


@pytest.mark.parametrize("rel", [-0.02, -0.005, 0.0017, 0.01])
def test_lattice_scale_search_recovers_an_isotropic_cell_change(rel: float) -> None:
    tt = np.arange(15, 120, 0.01)
    data = _cubic_pattern(4.0, tt)
    model = _cubic_pattern(4.0 * (1 + rel), tt)
    scale = lattice_scale_search(tt, data, model)
    assert 4.0 * (1 + rel) * scale == pytest.approx(4.0, abs=4e-5)
