"""The xrayutilities PowderModel wrapper on the shared LaB6 pattern, with the instrument as
described in the data's README (D5000, R = 0.337 m, 0.40° divergence, 2°/2° Sollers, Si PSD
0–32 mm, 500 µm sample, Kα2/Kα1 ≈ 0.45)."""

from __future__ import annotations

import pytest

from shared_paths import shared_file

pytest.importorskip("xrayutilities")

import xrayutilities as xu

from heterolab.errors import ParameterError
from heterolab.io.xrd import read_pattern
from heterolab.structure.xrd import fit_powder_model

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


@pytest.mark.slow
@pytest.mark.shared_data
def test_lab6_fundamental_parameters_fit() -> None:
    pat = read_pattern(
        shared_file("xrd", "xrayutilities_LaB6_D5000", "LaB6_d500_si_psd.xye.bz2"), anode="Cu"
    )
    res = fit_powder_model(
        pat,
        _powder(4.15692),
        fpsettings=SETTINGS,
        two_theta_range=(18, 148),
        intensity=1.1e6,
        vary={
            "primary_beam_intensity": (None, None),
            "displacement_specimen_displacement": (-1e-4, 1e-4),
            "phase_LaB6_a": (4.14, 4.17),
            "absorption_absorption_coefficient": (1e4, 1e5),
            "emission_emiss_intensities_item_1": (0.4, 0.52),
        },
    )
    assert abs(res.value("phase_LaB6_a") - 4.15692) < 2e-4
    # measured 1.54 with heterolab's automatic spline background; the engine's own example
    # reaches 1.44 with hand-placed background points (its test limit is 1.5)
    assert res.statistics["chi2_red"] < 1.6
    assert set(res.curves) == {"data", "model", "residuals"}


@pytest.mark.shared_data
def test_unknown_engine_parameter_lists_the_known() -> None:
    pat = read_pattern(
        shared_file("xrd", "xrayutilities_LaB6_D5000", "LaB6_d500_si_psd.xye.bz2"), anode="Cu"
    )
    with pytest.raises(ParameterError, match=r"known: .*phase_LaB6_a"):
        fit_powder_model(
            pat,
            _powder(4.15692),
            fpsettings=SETTINGS,
            two_theta_range=(20, 22),
            vary={"LaB6_a": (4.1, 4.2)},
        )
