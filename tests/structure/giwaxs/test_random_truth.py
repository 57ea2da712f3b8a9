"""Seeded random truth for the GIWAXS analyses (issue #12, random-truth round).

Profiles and cake maps are generated here from their formulas (Gaussian lines in q, Gaussian
arcs and flat rings in χ, Poisson counts), not with heterolab's code. Whatever is "ok" must hold
the truth within its own errors (|z| ≤ 4.5) and a physical tolerance; whatever is not ok must
say why; nothing may raise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from heterolab.structure.giwaxs import (
    classify_features,
    gi_scherrer,
    hermans_orientation,
    stack_period,
)

Z_MAX = 4.5


def _q_profile(q: np.ndarray, y: np.ndarray) -> xr.DataArray:
    return xr.DataArray(
        y,
        dims=("q",),
        coords={"q": xr.Variable(("q",), q, attrs={"units": "1/angstrom"})},
        attrs={"units": "counts", "wavelength_angstrom": 1.0},
    )


def _chi_profile(chi: np.ndarray, y: np.ndarray) -> xr.DataArray:
    return xr.DataArray(
        y, dims=("chi",), coords={"chi": xr.Variable(("chi",), chi, attrs={"units": "deg"})}
    )


def test_stack_period_random_within_errors() -> None:
    """Periods 8–45 Å, 2–5 consecutive orders from l = 1–4, q errors 1e-4–2e-3 Å⁻¹."""
    zs = []
    counts = {"ok": 0, "suspect": 0, "failed": 0}
    for seed in range(200):
        rng = np.random.default_rng(seed)
        c = float(rng.uniform(8, 45))
        l0 = int(rng.integers(1, 5))
        ls = np.arange(l0, l0 + int(rng.integers(2, 6)))
        sig = float(rng.uniform(1e-4, 2e-3))
        q = 2 * math.pi * ls / c + sig * rng.standard_normal(ls.size)
        res = stack_period(list(q), errors=[sig] * ls.size)
        counts[res.status] += 1
        if res.status != "ok":
            assert res.message
            continue
        assert res.statistics["orders"] == ls.tolist(), (seed, c, ls, res.statistics)
        p = res.parameters["period"]
        zs.append((p.value - c) / p.stderr)
        assert abs(p.value / c - 1) < 0.02
    z = np.asarray(zs)
    print(
        f"stack_period random: {counts}, mean z² {np.mean(z**2):.2f}, max |z| {np.max(np.abs(z)):.2f}"
    )
    assert counts["ok"] >= 180, counts
    assert np.max(np.abs(z)) < Z_MAX
    assert 0.5 < np.mean(z**2) < 2.0


def _hermans_truth(width_deg: float) -> float:
    """⟨cos²φ⟩ of I(φ) ∝ exp(−φ²/2w²) about the axis (both directions), integrated finely."""
    phi = np.linspace(0, math.pi / 2, 200001)
    w = math.radians(width_deg)
    i = np.exp(-0.5 * (phi / w) ** 2) + np.exp(-0.5 * ((math.pi - phi) / w) ** 2)
    sin = np.sin(phi)
    cos2 = np.trapezoid(i * np.cos(phi) ** 2 * sin, phi) / np.trapezoid(i * sin, phi)
    return 1.5 * cos2 - 0.5


def test_hermans_random_widths_match_the_integral() -> None:
    for seed in range(20):
        rng = np.random.default_rng(seed)
        width = float(rng.uniform(3, 40))
        bg = float(rng.uniform(0, 50))
        amp = float(rng.uniform(1e3, 1e5))
        chi = np.arange(-179.5, 180.0, 0.5)
        d = np.radians(chi)
        ang = np.abs(np.arctan2(np.sin(d), np.cos(d)))
        y = bg + amp * (
            np.exp(-0.5 * (ang / math.radians(width)) ** 2)
            + np.exp(-0.5 * ((math.pi - ang) / math.radians(width)) ** 2)
        )
        res = hermans_orientation(_chi_profile(chi, y), background=bg)
        assert res.value("hermans_f") == pytest.approx(_hermans_truth(width), abs=5e-3), width


def _cake(chi: np.ndarray, q: np.ndarray, ring_chi: np.ndarray, q0: float, qw: float):
    line = np.exp(-0.5 * ((q - q0) / qw) ** 2)
    return xr.DataArray(
        ring_chi[:, None] * line[None, :],
        dims=("chi", "q"),
        coords={
            "chi": xr.Variable(("chi",), chi, attrs={"units": "deg"}),
            "q": xr.Variable(("q",), q, attrs={"units": "1/angstrom"}),
        },
        attrs={"units": "counts"},
    )


def test_classify_random_rings_and_arcs() -> None:
    """Flat rings vs arcs of width 3–20° at random χ, counts 50–1e5 per bin: classes right."""
    wrong = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        chi = np.arange(-179.5, 180.0, 1.0)
        q = np.linspace(0.5, 1.5, 101)
        level = math.exp(rng.uniform(math.log(50), math.log(1e5)))
        is_arc = bool(seed % 2)
        if is_arc:
            c0, w = float(rng.uniform(-180, 180)), float(rng.uniform(3, 20))
            d = np.radians(chi - c0)
            ang = np.degrees(np.abs(np.arctan2(np.sin(d), np.cos(d))))
            az = 0.02 * level + level * np.exp(-0.5 * (ang / w) ** 2)
        else:
            az = np.full(chi.size, level)
        lam = _cake(chi, q, az, 1.0, 0.01) + 0.05 * level
        m = rng.poisson(lam.values).astype(float)
        cake = lam.copy(data=m)
        res = classify_features(cake, [(0.97, 1.03)])
        got = res.statistics["features"][0]["class"]
        if got != ("spot" if is_arc else "ring"):
            wrong.append((seed, is_arc, got, level))
    assert not wrong, wrong


def test_gi_scherrer_random_sizes_within_errors_and_unresolved_not_ok() -> None:
    """Sizes 2–200 nm, instrument Δq 0.002–0.02 Å⁻¹, counts 100–1e5: an ok size holds the
    truth within its error; a line within the resolution is never an ok number."""
    zs = []
    counts = {"ok": 0, "suspect": 0, "failed": 0}
    for seed in range(60):
        rng = np.random.default_rng(seed)
        size = math.exp(rng.uniform(math.log(2), math.log(200)))
        inst = float(rng.uniform(0.002, 0.02))
        sample = 2 * math.pi * 0.9 / (size * 10)
        fwhm = math.hypot(sample, inst)
        q0 = float(rng.uniform(0.5, 2.0))
        step = fwhm / float(rng.uniform(5, 30))
        q = np.arange(q0 - 5 * fwhm, q0 + 5 * fwhm, step)
        amp = math.exp(rng.uniform(math.log(100), math.log(1e5)))
        y = 0.1 * amp + amp * np.exp(-4 * math.log(2) * ((q - q0) / fwhm) ** 2)
        prof = _q_profile(q, rng.poisson(y).astype(float))
        res = gi_scherrer(prof, (q[0], q[-1]), instrument_fwhm_q=inst)
        counts[res.status] += 1
        if res.status != "ok":
            assert res.message
            continue
        s = res.parameters["size"]
        assert s.stderr < s.value, (seed, size, s)
        zs.append((s.value - size) / s.stderr)
    z = np.asarray(zs)
    print(
        f"gi_scherrer random: {counts}, n {z.size}, mean z² {np.mean(z**2):.2f}, max |z| {np.max(np.abs(z)):.2f}"
    )
    assert np.max(np.abs(z)) < Z_MAX
    assert 0.4 < np.mean(z**2) < 2.0


def test_gi_scherrer_size_error_matches_central_differences() -> None:
    rng = np.random.default_rng(4)
    q = np.arange(0.9, 1.1, 0.001)
    y = 100 + 1e4 * np.exp(-4 * math.log(2) * ((q - 1.0) / 0.03) ** 2)
    res = gi_scherrer(
        _q_profile(q, rng.poisson(y).astype(float)), (0.9, 1.1), instrument_fwhm_q=0.01
    )
    f = res.value("fwhm_q")
    ef = res.derived["fwhm_q"].stderr

    def size(w: float) -> float:
        return 2 * math.pi * 0.9 / math.sqrt(w * w - 0.01**2) / 10

    h = 1e-7
    grad = (size(f + h) - size(f - h)) / (2 * h)
    assert res.parameters["size"].stderr == pytest.approx(abs(grad) * ef, rel=1e-5)


def test_gi_scherrer_instrument_broader_than_line_is_not_ok() -> None:
    rng = np.random.default_rng(5)
    q = np.arange(0.9, 1.1, 0.001)
    y = 100 + 1e4 * np.exp(-4 * math.log(2) * ((q - 1.0) / 0.01) ** 2)
    res = gi_scherrer(
        _q_profile(q, rng.poisson(y).astype(float)), (0.9, 1.1), instrument_fwhm_q=0.02
    )
    assert res.status != "ok"
    assert "not resolved" in res.message and "not broader than the instrument" in res.message
