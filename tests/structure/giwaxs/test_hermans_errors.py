"""Hermans' orientation factor and its error on seeded azimuthal profiles generated here: a
pole density ρ(φ) of known shape (Gaussian about the axis, or about the equator, or isotropic),
Poisson counts per 1° χ bin on a known isotropic floor. The truth f = ⟨P₂(cos φ)⟩ comes from
the integral of ρ over the sphere (trapezoid on a fine grid), not from heterolab."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.structure.giwaxs import hermans_orientation

CHI = np.arange(-180.0, 180.0, 1.0) + 0.5  # bin centres (deg)


def _profile(y: np.ndarray, sigma: np.ndarray | None = None) -> xr.DataArray:
    coords: dict[str, object] = {"chi": ("chi", CHI, {"units": "deg"})}
    if sigma is not None:
        coords["sigma"] = ("chi", sigma)
    return xr.DataArray(y, dims=("chi",), coords=coords, attrs={"units": "counts"})


def _density(phi_deg: np.ndarray, centre_deg: float, width_deg: float | None) -> np.ndarray:
    """Pole density vs the folded angle φ (deg): Gaussian about ``centre_deg`` (0: along the
    axis, 90: the equator), flat when ``width_deg`` is None."""
    if width_deg is None:
        return np.ones_like(phi_deg)
    return np.exp(-0.5 * ((phi_deg - centre_deg) / width_deg) ** 2)


def _folded(chi_deg: np.ndarray, reference_deg: float) -> np.ndarray:
    d = np.abs((chi_deg - reference_deg + 180.0) % 360.0 - 180.0)
    return np.where(d > 90.0, 180.0 - d, d)


def _truth(centre_deg: float, width_deg: float | None) -> float:
    phi = np.linspace(0.0, 90.0, 200_001)
    rho = _density(phi, centre_deg, width_deg) * np.sin(np.radians(phi))
    p2 = 1.5 * np.cos(np.radians(phi)) ** 2 - 0.5
    return float(np.trapezoid(rho * p2, phi) / np.trapezoid(rho, phi))


def _random_case(rng: np.random.Generator) -> tuple[xr.DataArray, float, float, float]:
    kind = int(rng.integers(3))
    centre = (0.0, 90.0, 0.0)[kind]
    width = None if kind == 2 else float(rng.uniform(5.0, 60.0))
    reference = float(rng.uniform(-180.0, 180.0))
    floor = float(rng.uniform(5.0, 200.0))
    amplitude = math.exp(rng.uniform(math.log(30.0), math.log(3000.0)))
    lam = floor + amplitude * _density(_folded(CHI, reference), centre, width)
    y = rng.poisson(lam).astype(float)
    return _profile(y), reference, floor, _truth(centre, width)


def test_hermans_errors_match_the_scatter_of_random_profiles() -> None:
    rng0 = np.random.default_rng(2026)
    z = []
    for _ in range(40):
        rng = np.random.default_rng(rng0.integers(1 << 30))
        prof, reference, floor, truth = _random_case(rng)
        res = hermans_orientation(prof, reference_chi_deg=reference, background=floor)
        q = res["hermans_f"]
        assert q.stderr > 0
        z.append((q.value - truth) / q.stderr)
        if res.status != "ok":
            assert res.message
    z_arr = np.asarray(z)
    print(
        f"Hermans f: n {z_arr.size}, mean z² {np.mean(z_arr**2):.2f}, max |z| {np.max(np.abs(z_arr)):.2f}"
    )
    assert 0.7 < np.mean(z_arr**2) < 1.5
    assert np.max(np.abs(z_arr)) < 4.5


def test_hermans_noise_gain_and_sigma_coordinate() -> None:
    """Raw Poisson counts have gain 1 (mean over 20 seeds; one profile scatters by ~15 %); a
    ``sigma`` coordinate replaces the estimate and scales the error linearly."""
    lam = 50.0 + 500.0 * _density(_folded(CHI, 0.0), 0.0, 20.0)
    gains = []
    for seed in range(20):
        y = np.random.default_rng(seed).poisson(lam).astype(float)
        gains.append(hermans_orientation(_profile(y), background=50.0).statistics["noise_gain"])
    assert np.mean(gains) == pytest.approx(1.0, abs=0.1)
    one = hermans_orientation(_profile(y, sigma=np.sqrt(lam)), background=50.0)
    two = hermans_orientation(_profile(y, sigma=2 * np.sqrt(lam)), background=50.0)
    assert one.statistics["noise_gain"] is None
    assert two["hermans_f"].stderr == pytest.approx(2 * one["hermans_f"].stderr, rel=1e-12)
    assert two.value("hermans_f") == one.value("hermans_f")


@pytest.mark.parametrize(
    ("phi_deg", "expected"), [(0.5, 1.0), (89.5, -0.5), (None, 0.0)], ids=["1", "-1/2", "0"]
)
def test_hermans_limiting_cases(phi_deg: float | None, expected: float) -> None:
    """All intensity along the axis (f = 1), all on the equator (f = −1/2), isotropic (f = 0);
    noise-free, so the error is zero and the value exact to the 1° binning."""
    folded = _folded(CHI, 30.0)
    if phi_deg is None:
        y = np.full(CHI.size, 100.0)
    else:
        y = np.where(np.isclose(folded, phi_deg), 100.0, 0.0)
    res = hermans_orientation(_profile(y), reference_chi_deg=30.0, background=0.0)
    assert res.value("hermans_f") == pytest.approx(expected, abs=2e-4)
    assert res["hermans_f"].stderr == pytest.approx(0.0, abs=1e-9)
    assert res.ok


def test_hermans_without_intensity_above_background_says_so() -> None:
    with pytest.raises(ParameterError, match="no intensity above the background"):
        hermans_orientation(_profile(np.full(CHI.size, 10.0)), background=10.0)
