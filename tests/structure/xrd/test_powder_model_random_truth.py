"""fit_powder_model on seeded patterns: random fcc cells (3.4–5.0 Å), crystallite sizes and
counts, profiles from xrayutilities' engine called directly here (the engine is the physics;
heterolab's variable projection, background, cell search and errors are under test), a
sloped curved background and Poisson counts written here. Started 0.3 % off, the refined cell
and primary-beam intensity must hold the truth within their errors (mean z² in 0.7–1.5 over 40
cases); damaged inputs must raise a heterolab error."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.arrays import pattern_dataarray
from heterolab.errors import HeterolabError
from heterolab.structure.xrd import fit_powder_model

xu = pytest.importorskip("xrayutilities")

L1 = 1.5405929
SETTINGS = {
    "classoptions": {"oversampling": 4},
    "global": {"diffractometer_radius": 0.3, "equatorial_divergence_deg": 0.5},
    "emission": {
        "emiss_wavelengths": (L1 * 1e-10,),
        "emiss_intensities": (1.0,),
        "emiss_gauss_widths": (3e-14,),
        "emiss_lor_widths": (5e-15,),
    },
}


def _powder(a: float, size_nm: float):
    lattice = xu.materials.SGLattice(225, a, atoms=[xu.materials.elements.Cu], pos=["4a"])
    return xu.simpack.Powder(
        xu.materials.Crystal("X", lattice),
        1,
        crystallite_size_gauss=size_nm * 1e-9,
        crystallite_size_lor=10 * size_nm * 1e-9,
        strain_gauss=0,
        strain_lor=0,
    )


def _pattern_with_scale(rng: np.random.Generator):
    """Pattern, cell a (Å), crystallite size (nm) and the true primary-beam intensity (the
    factor on the engine's profile computed with I0 = 1)."""
    a = float(rng.uniform(3.4, 5.0))
    size = float(rng.uniform(30, 300))
    height = float(np.exp(rng.uniform(np.log(1e3), np.log(1e5))))
    x = np.arange(30.0, 100.0, 0.02)
    model = xu.simpack.PowderModel(_powder(a, size), I0=1.0, fpsettings=SETTINGS)
    try:
        prof = np.asarray(model.simulate(x, background=np.zeros_like(x)), dtype=float)
    finally:
        model.close()
    u = (x - 65.0) / 35.0
    lam = prof / prof.max() * height + height * (0.05 + 0.015 * u + 0.02 * u * u)
    y = rng.poisson(lam).astype(float)
    return pattern_dataarray(x, y, wavelength_angstrom=L1), a, size, height / float(prof.max())


def _pattern(rng: np.random.Generator):
    pat, a, size, _ = _pattern_with_scale(rng)
    return pat, a, size


@pytest.mark.slow
def test_random_fcc_cells_within_their_errors() -> None:
    """40 seeded patterns (~30 s). The first 12 of these seeds alone gave mean z² 0.26 for the
    cell, which an earlier round read as errors 2× too large; that was the scatter of 12
    cases (P(χ²₁₂ < 3.1) ≈ 0.005): 100 cases of these seeds give 0.88 (a; 0.96 without the
    first 12) and 0.91 (I0), 100 of another seed 1.12 and 1.26, and with the crystallite
    size refined too 0.75 (a), 0.96 (I0), 1.13 (size) on 60. Was 12 cases, with
    0.1 < mean z² < 2."""
    rng0 = np.random.default_rng(7)
    z: dict[str, list[float]] = {"phase_X_a": [], "primary_beam_intensity": []}
    for _ in range(40):
        rng = np.random.default_rng(rng0.integers(1 << 30))
        pat, a, size, i0 = _pattern_with_scale(rng)
        res = fit_powder_model(
            pat,
            _powder(a * 1.003, size),
            fpsettings=SETTINGS,
            vary={"phase_X_a": (a * 0.97, a * 1.03)},
            max_evaluations=100,
        )
        if res.status != "ok":
            assert res.message
            continue
        assert res.statistics["chi2_red"] < 1.3
        for name, truth in (("phase_X_a", a), ("primary_beam_intensity", i0)):
            q = res[name]
            z[name].append((q.value - truth) / q.stderr)
    for name, values in z.items():
        z_arr = np.asarray(values)
        print(f"powder model {name}: n {z_arr.size}, mean z² {np.mean(z_arr**2):.2f}")
        assert z_arr.size >= 36
        assert np.max(np.abs(z_arr)) < 4.5
        assert 0.7 < np.mean(z_arr**2) < 1.5


@pytest.mark.parametrize(
    "damage",
    ["range_outside", "inverted_bounds", "no_powder", "one_background_point", "nan_pattern"],
)
def test_damaged_powder_model_inputs_raise_a_heterolab_error(damage: str) -> None:
    pat, a, size = _pattern(np.random.default_rng(3))
    kw: dict[str, object] = {
        "fpsettings": SETTINGS,
        "vary": {"phase_X_a": (a * 0.97, a * 1.03)},
        "max_evaluations": 5,
    }
    powders: object = _powder(a, size)
    if damage == "range_outside":
        kw["two_theta_range"] = (120.0, 130.0)
    elif damage == "inverted_bounds":
        kw["vary"] = {"phase_X_a": (a * 1.03, a * 0.97)}
    elif damage == "no_powder":
        powders = []
    elif damage == "one_background_point":
        kw["background_points"] = 1
    elif damage == "nan_pattern":
        pat = pat.copy(data=np.full(pat.size, np.nan))
    with pytest.raises(HeterolabError):
        fit_powder_model(pat, powders, **kw)  # type: ignore[arg-type]


def test_cell_held_off_the_truth_by_its_bound_is_suspect_and_named() -> None:
    """The true cell lies below the allowed range: the refined cell ends on its lower bound
    and the result says so (parameter, side and the bound's value)."""
    pat, a, size = _pattern(np.random.default_rng(21))
    low = a * 1.001
    res = fit_powder_model(
        pat,
        _powder(a * 1.003, size),
        fpsettings=SETTINGS,
        vary={"phase_X_a": (low, a * 1.03)},
        max_evaluations=60,
    )
    assert res.status == "suspect"
    assert f"phase_X_a at its lower bound {low:.6g}" in res.message
