"""Hermans' f with the background estimated from the profile (``background=None``), on seeded
azimuthal profiles generated here: a pole density of known shape (Gaussian or Lorentzian in the
folded angle φ, about the axis or the equator), Poisson counts per 1° χ bin on a flat floor.
The truth f = ⟨P₂(cos φ)⟩ of the density alone (the floor is the isotropic background) comes
from a trapezoid over a fine φ grid, not from heterolab.

Narrow arcs with Gaussian tails reach the floor: the estimate must hold the truth within its
error. Lorentzian tails sit under any floor read off the profile: f is biased far beyond its
error, which is why every estimated-background result is suspect and says so."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.structure.giwaxs import hermans_orientation

CHI = np.arange(-180.0, 180.0, 1.0) + 0.5  # bin centres (deg)
REASON = "background estimated from the profile itself"


def _density(phi_deg: np.ndarray, centre: float, width: float, lorentzian: bool) -> np.ndarray:
    d = (phi_deg - centre) / width
    return 1.0 / (1.0 + d * d) if lorentzian else np.exp(-0.5 * d * d)


def _folded(chi_deg: np.ndarray, reference_deg: float) -> np.ndarray:
    d = np.abs((chi_deg - reference_deg + 180.0) % 360.0 - 180.0)
    return np.where(d > 90.0, 180.0 - d, d)


def _truth(centre: float, width: float, lorentzian: bool) -> float:
    phi = np.linspace(0.0, 90.0, 200_001)
    rho = _density(phi, centre, width, lorentzian) * np.sin(np.radians(phi))
    p2 = 1.5 * np.cos(np.radians(phi)) ** 2 - 0.5
    return float(np.trapezoid(rho * p2, phi) / np.trapezoid(rho, phi))


def _z_scores(seed: int, n: int, lorentzian: bool, widths: tuple[float, float]) -> np.ndarray:
    rng0 = np.random.default_rng(seed)
    z = []
    for _ in range(n):
        rng = np.random.default_rng(rng0.integers(1 << 30))
        centre = (0.0, 90.0)[int(rng.integers(2))]
        width = float(rng.uniform(*widths))
        reference = float(rng.uniform(-180.0, 180.0))
        floor = float(rng.uniform(5.0, 200.0))
        amplitude = math.exp(rng.uniform(math.log(30.0), math.log(3000.0)))
        lam = floor + amplitude * _density(_folded(CHI, reference), centre, width, lorentzian)
        y = rng.poisson(lam).astype(float)
        prof = xr.DataArray(y, dims=("chi",), coords={"chi": CHI}, attrs={"units": "counts"})
        res = hermans_orientation(prof, reference_chi_deg=reference)
        assert res.status == "suspect" and res.message.startswith(REASON), res.message
        assert res.statistics["background_source"] == "estimated (flat floor)"
        given = hermans_orientation(prof, reference_chi_deg=reference, background=floor)
        assert REASON not in given.message
        q = res["hermans_f"]
        z.append((q.value - _truth(centre, width, lorentzian)) / q.stderr)
    return np.asarray(z)


def test_estimated_floor_under_narrow_gaussian_arcs_is_within_the_error() -> None:
    """Was mean z² ≈ 1100 (the 5th percentile, ~1.6 σ of a bin below the floor)."""
    z = _z_scores(2026, 60, lorentzian=False, widths=(3.0, 15.0))
    print(f"Hermans f, estimated floor, Gaussian arcs: mean z² {np.mean(z**2):.2f}")
    assert 0.7 < np.mean(z**2) < 1.5
    assert np.max(np.abs(z)) < 4.5


def test_estimated_floor_under_lorentzian_arcs_is_biased_and_suspect() -> None:
    """The suspect mark is needed: Lorentzian tails bias f by many errors."""
    z = _z_scores(7, 20, lorentzian=True, widths=(3.0, 15.0))
    print(f"Hermans f, estimated floor, Lorentzian arcs: mean z² {np.mean(z**2):.1f}")
    assert np.mean(z**2) > 10.0


def test_flat_profile_with_an_estimated_floor_says_what_to_pass() -> None:
    """A random-powder ring is all floor when the floor is read off the profile."""
    y = np.full(CHI.size, 100.0)
    prof = xr.DataArray(y, dims=("chi",), coords={"chi": CHI})
    with pytest.raises(ParameterError, match="pass background= measured off the ring"):
        hermans_orientation(prof)
    assert hermans_orientation(prof, background=0.0).value("hermans_f") == pytest.approx(
        0, abs=1e-3
    )
