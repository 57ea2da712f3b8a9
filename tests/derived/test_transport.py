"""physics.transport: 1-D quencher diffusion (first mode and exact), Einstein, quenching."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import constants as sc

from heterolab.errors import ParameterError
from heterolab.physics import transport as tr

TAU0 = 9.2e-9
L = 100e-9


def test_first_mode_reproduces_thesis_heterojunction_with_implied_thickness() -> None:
    # Verification V4: with L = 99.3 / 98.4 nm the first-mode formula gives the printed 181 / 127 nm
    assert tr.diffusion_length_first_mode(9.2, 1.0, 99.3) == pytest.approx(181.0, abs=0.1)
    assert tr.diffusion_length_first_mode(9.2, 1.8, 98.4) == pytest.approx(127.0, abs=0.1)
    assert tr.implied_thickness_first_mode(181, 9.2, 1.0) == pytest.approx(99.3, abs=0.05)
    assert tr.implied_thickness_first_mode(127, 9.2, 1.8) == pytest.approx(98.4, abs=0.05)
    # D = L_D^2 / tau0 and the direct D formula agree; L = 100 nm forward model (V4 table)
    d = tr.diffusion_coefficient_first_mode(9.2e-9, 1.0e-9, 100e-9)
    assert d * 1e4 == pytest.approx(3.612e-2, abs=5e-5)
    ld = tr.diffusion_length_first_mode(9.2e-9, 1.0e-9, 100e-9)
    assert tr.diffusion_coefficient_from_length(ld, 9.2e-9) == pytest.approx(d, rel=1e-12)
    assert tr.diffusion_length_from_coefficient(d, 9.2e-9) == pytest.approx(ld, rel=1e-12)


def test_thesis_sqrt_d_tau0() -> None:
    # Verification V3: sqrt(D tau0) = 181.0, 127.2 (het), 47.9, 29.4 nm (LE) from the printed D
    for d_cm2, tau0, expected in (
        (3.56e-2, 9.2, 181.0),
        (1.76e-2, 9.2, 127.2),
        (3.83e-3, 6.0, 47.9),
        (1.44e-3, 6.0, 29.4),
    ):
        ld = tr.diffusion_length_from_coefficient(d_cm2 * 1e-4, tau0 * 1e-9) * 1e9
        assert ld == pytest.approx(expected, abs=0.05)


def test_exact_series_long_time_rate_is_first_mode() -> None:
    d = 3.56e-6
    t = np.array([20e-9, 21e-9])
    y = tr.quenched_pl_decay(t, d, TAU0, L)
    rate = -math.log(y[1] / y[0]) / 1e-9
    assert rate == pytest.approx(tr.quenched_slowest_rate(d, TAU0, L), rel=1e-9)
    assert rate == pytest.approx(1 / TAU0 + math.pi**2 * d / (4 * L**2), rel=1e-9)
    # the first mode holds 8/pi^2 of the uniform excitation
    y_late = tr.quenched_pl_decay(np.array([30e-9]), d, TAU0, L)[0]
    assert y_late / math.exp(-30e-9 * rate) == pytest.approx(8 / math.pi**2, rel=1e-9)


def test_exact_series_without_diffusion_is_the_bare_lifetime() -> None:
    t = np.linspace(0, 50e-9, 11)
    np.testing.assert_allclose(tr.quenched_pl_decay(t, 0.0, TAU0, L), np.exp(-t / TAU0), rtol=1e-12)
    for alpha in (1e6, 1e8):
        for side in ("free", "quencher"):
            y = tr.quenched_pl_decay(t, 0.0, TAU0, L, alpha_per_m=alpha, excited_surface=side)
            np.testing.assert_allclose(y, np.exp(-t / TAU0), rtol=1e-9)


def test_exact_series_against_method_of_lines() -> None:
    """Eigen-series vs an independent finite-difference (method of lines) solution."""
    d, alpha, n = 2e-6, 5e7, 300
    dx = L / n  # nodes x_i = i dx, i < n; the Dirichlet node x_n = L holds n = 0
    x = np.arange(n) * dx
    n0 = np.exp(-alpha * x)
    main = -2 * np.ones(n)
    lap = np.diag(main) + np.diag(np.ones(n - 1), 1) + np.diag(np.ones(n - 1), -1)
    lap[0, 1] = 2.0  # reflecting at x = 0 (ghost node)
    lap *= d / dx**2

    t = np.linspace(0, 10e-9, 11)
    # the semi-discrete system dn/dt = A n is solved exactly in time through A's eigenvectors
    lam, vec = np.linalg.eig(lap - np.eye(n) / TAU0)
    coef = np.linalg.solve(vec, n0)
    states = np.real(vec @ (coef[:, None] * np.exp(np.outer(lam, t))))
    w = np.full(n, dx)
    w[0] = dx / 2
    pl_fd = (w @ states) / (w @ n0)
    pl = tr.quenched_pl_decay(t, d, TAU0, L, alpha_per_m=alpha, excited_surface="free")
    np.testing.assert_allclose(pl, pl_fd, rtol=5e-4)  # O(dx^2) spatial error ~7e-5
    # light entering through the quencher side is quenched faster than through the free side
    pl_q = tr.quenched_pl_decay(t[1:], d, TAU0, L, alpha_per_m=alpha, excited_surface="quencher")
    assert np.all(pl_q < pl[1:])


def test_fit_recovers_diffusion_coefficient_within_its_error() -> None:
    rng = np.random.default_rng(20240517)
    d_true, sigma = 3.0e-6, 0.01
    t = np.linspace(0, 15e-9, 300)
    clean = 1.0 * tr.quenched_pl_decay(t, d_true, TAU0, L, n_modes=400)
    pulls = []
    for _ in range(20):
        y = clean + rng.normal(0, sigma, t.size)
        fit = tr.fit_diffusion_coefficient(t, y, tau0_s=TAU0, thickness_m=L, sigma=sigma)
        assert fit.success
        pulls.append((fit.d_m2_s - d_true) / fit.d_stderr)
    pulls = np.array(pulls)
    # unbiased and the stated error matches the scatter (20 draws: loose but failing bounds)
    assert abs(pulls.mean()) < 3 / math.sqrt(pulls.size)
    assert 0.5 < pulls.std(ddof=1) < 1.6
    assert fit.reduced_chi2 == pytest.approx(1.0, abs=0.25)


def test_fit_rejects_bad_arrays() -> None:
    with pytest.raises(ParameterError, match="equal length"):
        tr.fit_diffusion_coefficient(np.arange(5.0), np.arange(4.0), tau0_s=TAU0, thickness_m=L)


def test_einstein_relation_thesis_and_required_temperature() -> None:
    # Verification V3: at 298.15 K the printed D give 1.386, 0.685, 0.149, 0.0560 cm^2/(V s)
    expected = {3.56e-2: 1.386, 1.76e-2: 0.6850, 3.83e-3: 0.149, 1.44e-3: 0.0560}
    for d_cm2, mu in expected.items():
        got = tr.einstein_mobility(d_cm2 * 1e-4, temperature_k=298.15) * 1e4
        assert got == pytest.approx(mu, abs=6e-4 * max(mu, 0.1))
    assert tr.einstein_mobility(1e-4, temperature_k=300.0) == pytest.approx(
        sc.e * 1e-4 / (sc.k * 300.0)
    )
    assert tr.einstein_temperature(3.56e-6, 1.40e-4) == pytest.approx(295.1, abs=0.1)
    with pytest.raises(ParameterError) as exc:
        tr.einstein_mobility(1e-6, temperature_k=None)
    assert str(exc.value) == (
        "temperature_k is required for the Einstein relation mu = eD/(kB T); "
        "heterolab does not assume room temperature"
    )


def test_steady_state_quenching_limits_and_thesis_inversion() -> None:
    # L_D >> L: everything reaches the quencher; L_D << L: only a layer L_D thick is quenched
    assert tr.steady_state_quenching(1e4, 1.0) == pytest.approx(1.0, abs=1e-8)
    assert tr.steady_state_quenching(1e-3, 1.0) == pytest.approx(1e-3, rel=1e-9)
    # Verification V5: 99.70 / 97.08 / 96.17 / 82.42 % need L_D/L = 10.52 / 3.32 / 2.88 / 1.22
    for q, ratio in ((0.9970, 10.52), (0.9708, 3.32), (0.9617, 2.88), (0.8242, 1.22)):
        assert tr.diffusion_length_from_steady_state_quenching(q, 1.0) == pytest.approx(
            ratio, abs=0.01
        )
    assert tr.lifetime_quenching(9.2, 1.0) == pytest.approx(0.891, abs=5e-4)
    with pytest.raises(ParameterError, match=r"strictly between 0 and 1, got 1\.2"):
        tr.diffusion_length_from_steady_state_quenching(1.2, 1.0)


def test_quenched_lifetime_must_be_shorter() -> None:
    with pytest.raises(ParameterError) as exc:
        tr.diffusion_length_first_mode(5.0, 6.0, 100.0)
    assert str(exc.value) == (
        "tau_q = 6.0 must be shorter than tau0 = 5.0: a quenching layer that does not "
        "shorten the lifetime gives no diffusion length"
    )
    with pytest.raises(ParameterError, match="thickness must be positive and finite, got -100"):
        tr.diffusion_length_first_mode(5.0, 1.0, -100.0)
