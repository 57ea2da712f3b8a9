"""Classical nucleation and growth (P-01, P-04 to P-07) and the LaMer simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import constants as sc

from heterolab.errors import ParameterError
from heterolab.physics.lamer import LaMerParameters, simulate_lamer
from heterolab.physics.nucleation import (
    capillary_length,
    critical_free_energy,
    critical_radius,
    critical_supersaturation,
    fit_lsw_arrhenius,
    gibbs_free_energy,
    gibbs_thomson_solubility,
    growth_rate,
    growth_regime,
    heterogeneous_factor,
    lsw_mean_radius,
    nucleation_rate,
    nucleus_free_energy,
    surface_concentration,
)

# Textbook example: water droplets from vapour at 293 K, S = 4 (gamma 72.8 mN/m, V_m 18 cm3/mol)
WATER = {"gamma": 0.0728, "temperature": 293.0, "supersaturation": 4.0, "molar_volume": 1.8e-5}


def test_water_droplet_critical_nucleus():
    rc = critical_radius(**WATER)
    assert rc == pytest.approx(0.776e-9, rel=2e-3)
    # number of molecules in the critical nucleus ~ 65
    n_star = 4 / 3 * math.pi * rc**3 / (WATER["molar_volume"] / sc.N_A)
    assert n_star == pytest.approx(65.5, abs=0.5)
    # barrier ~ 45 k_B T
    assert critical_free_energy(**WATER) / (sc.k * 293.0) == pytest.approx(45.4, abs=0.1)


def test_barrier_is_maximum_of_nucleus_free_energy():
    rc = critical_radius(**WATER)
    r = np.linspace(0.2, 3, 4001) * rc
    g = nucleus_free_energy(r, **WATER)
    assert r[np.argmax(g)] == pytest.approx(rc, rel=1e-3)
    assert g.max() == pytest.approx(critical_free_energy(**WATER), rel=1e-6)
    # Gibbs: Delta G_c = (1/3) surface term at r_c
    assert critical_free_energy(**WATER) == pytest.approx(4 / 3 * math.pi * rc**2 * WATER["gamma"])


def test_nucleation_rate_uses_kT_and_inverts():
    kw = {"gamma": 0.1, "temperature": 500.0, "molar_volume": 3.15e-5}
    j = nucleation_rate(prefactor=1e33, supersaturation=10.0, **kw)
    barrier = critical_free_energy(supersaturation=10.0, **kw)
    assert j == pytest.approx(1e33 * math.exp(-barrier / (sc.k * 500.0)))
    assert critical_supersaturation(j, prefactor=1e33, **kw) == pytest.approx(10.0, rel=1e-10)
    assert nucleation_rate(prefactor=1e33, supersaturation=20.0, **kw) > j
    with pytest.raises(ParameterError, match="supersaturation S must be > 1"):
        nucleation_rate(prefactor=1e33, supersaturation=0.9, **kw)


def test_heterogeneous_factor_limits_and_gibbs():
    assert heterogeneous_factor(0.0) == 0.0
    assert heterogeneous_factor(90.0) == pytest.approx(0.5)
    assert heterogeneous_factor(180.0) == pytest.approx(1.0)
    with pytest.raises(ParameterError, match=r"\[0, 180\]"):
        heterogeneous_factor(200.0)
    assert gibbs_free_energy(-10.0, 300.0, -0.02) == pytest.approx(-4.0)


def test_gibbs_thomson_and_growth_regimes():
    gt = {"bulk_solubility": 1.0, "gamma": 0.1, "molar_volume": 3e-5, "temperature": 500.0}
    r = 2e-9
    c_r = gibbs_thomson_solubility(r, **gt)
    assert c_r == pytest.approx(math.exp(2 * 0.1 * 3e-5 / (r * sc.R * 500.0)))
    # particle at its own solubility neither grows nor dissolves
    assert growth_rate(r, bulk=c_r, diffusion=1e-9, rate_constant=1.0, **gt) == pytest.approx(
        0, abs=1e-25
    )
    # mixed -> diffusion-limited for k -> inf, reaction-limited for D -> inf
    args = {"bulk": 5.0, **gt}
    dl = growth_rate(r, diffusion=1e-9, regime="diffusion", **args)
    rl = growth_rate(r, rate_constant=1e-3, regime="reaction", **args)
    assert growth_rate(r, diffusion=1e-9, rate_constant=1e9, **args) == pytest.approx(dl, rel=1e-6)
    assert growth_rate(r, diffusion=1e3, rate_constant=1e-3, **args) == pytest.approx(rl, rel=1e-6)
    # small particles below the critical size dissolve
    assert growth_rate(0.3e-9, diffusion=1e-9, rate_constant=1.0, bulk=1.5, **gt) < 0
    assert growth_regime(1.0, 1e-8, 1e-9) == "diffusion"
    assert growth_regime(1e-3, 1e-8, 1e-9) == "reaction"
    assert growth_regime(0.1, 1e-8, 1e-9) == "mixed"
    with pytest.raises(ParameterError, match="unknown growth regime 'fast'"):
        growth_rate(r, diffusion=1e-9, regime="fast", **args)  # type: ignore[arg-type]


def test_surface_concentration_limits():
    kw = {"bulk": 2.0, "particle_solubility": 1.0, "radius": 1e-8}
    # Da = k r / D >> 1: C_s -> C_r (diffusion-limited); Da << 1: C_s -> C_b
    assert surface_concentration(diffusion=1e-9, rate_constant=1e3, **kw) == pytest.approx(
        1.0, abs=1e-3
    )
    assert surface_concentration(diffusion=1e-9, rate_constant=1e-6, **kw) == pytest.approx(
        2.0, abs=1e-3
    )
    # fluxes of Eqs. 1-10 (delta -> inf) and 1-11 are equal at C_s
    d, k, r = 1e-9, 0.1, 1e-8
    cs = surface_concentration(diffusion=d, rate_constant=k, **kw)
    assert 4 * math.pi * d * r * (2.0 - cs) == pytest.approx(4 * math.pi * r**2 * k * (cs - 1.0))


def test_lsw_forward_and_arrhenius_fit_recovers_truth():
    alpha = capillary_length(gamma=0.1, molar_volume=3e-5, bulk_solubility=1.0, temperature=500)
    assert alpha == pytest.approx(2 * 0.1 * 9e-10 / (sc.R * 500))
    truth = {"alpha": 1e-9, "d0": 1e-6, "activation_energy_ev": 0.5}
    t = np.linspace(0, 3600, 7)
    temps = np.array([700.0, 800.0, 900.0])
    tt, TT = np.meshgrid(t, temps)
    a = lsw_mean_radius(tt, temperature=TT[:, :1], initial_radius=1e-9, **truth)
    rng = np.random.default_rng(7)
    noisy = a * (1 + 1e-4 * rng.standard_normal(a.shape))
    res = fit_lsw_arrhenius(tt, TT, noisy, initial_radius=1e-9)
    ea = res["activation_energy"]
    assert abs(ea.value - 0.5) < 4 * ea.stderr + 1e-6
    assert ea.stderr < 0.01
    # thesis form without a0 is exact for a >> a0 and t -> 0 gives a0
    assert lsw_mean_radius(0.0, temperature=800, initial_radius=2e-9, **truth) == pytest.approx(
        2e-9
    )
    with pytest.raises(ParameterError, match="two temperatures"):
        fit_lsw_arrhenius(t, np.full_like(t, 800.0), a[1])


@pytest.fixture(scope="module")
def standard_run():
    return simulate_lamer()


def test_lamer_conserves_mass(standard_run):
    assert standard_run.mass_error.max() < 1e-6
    assert standard_run.mass_error.max() < 1e-12  # bookkeeping is exact to rounding
    p = standard_run.parameters
    solid = np.sum(standard_run.cohort_number * 4 / 3 * math.pi * standard_run.cohort_radius**3)
    total = standard_run.concentration[-1] + solid / p.molar_volume
    assert total == pytest.approx(p.supply_rate * p.supply_duration, rel=1e-10)


def test_lamer_separates_nucleation_from_growth(standard_run):
    run = standard_run
    t0, t1 = run.nucleation_window(0.9)
    p = run.parameters
    assert t1 - t0 < 0.01 * p.supply_duration  # burst is short compared to the supply
    # after the burst the supersaturation stays below the level that nucleated
    after = run.t > 5 * t1
    peak = run.supersaturation.max()
    assert run.supersaturation[after].max() < 0.5 * peak
    assert run.nucleation_rate[after].max() < 1e-6 * run.nucleation_rate.max()


def test_lamer_focuses_then_defocuses(standard_run):
    run = standard_run
    rel = run.relative_std
    _, t1 = run.nucleation_window()
    grow = (run.t > t1) & (run.t <= run.parameters.supply_duration)
    ripen = run.t > 3 * run.parameters.supply_duration
    rel_after_burst = np.nanmax(rel[grow][:10])
    best = np.nanmin(rel[grow])
    assert best < 0.6 * rel_after_burst  # focusing while monomer is supplied
    assert rel[-1] > 2 * best  # defocusing during ripening
    assert run.number_density[-1] < 0.5 * run.number_density[ripen][0]  # particles dissolve
    assert run.mean_radius[-1] > run.mean_radius[ripen][0]
    # distributions are number densities that sum to N
    assert run.distribution[-1].sum() == pytest.approx(run.number_density[-1], rel=1e-9)


def test_lamer_validation_names_the_bad_settings():
    with pytest.raises(ParameterError, match=r"gamma = -0\.1.*nucleus_size_factor"):
        simulate_lamer(LaMerParameters(gamma=-0.1, nucleus_size_factor=0.9))


def test_lamer_reaction_limited_growth_does_not_focus():
    # Sugimoto 1987 / Talapin 2001: focusing needs diffusion-limited growth (dr/dt ~ 1/r);
    # reaction-limited growth (Da = k r / D ~ 0.02) keeps the burst's spread.
    diff = simulate_lamer(LaMerParameters(rate_constant=10.0, duration=1.0)).to_result()
    reac = simulate_lamer(LaMerParameters(rate_constant=0.01, duration=1.0)).to_result()
    best_diff = diff.derived["minimum_relative_std_after_nucleation"].value
    best_reac = reac.derived["minimum_relative_std_after_nucleation"].value
    assert best_diff < 0.06
    assert best_reac > 3 * best_diff
