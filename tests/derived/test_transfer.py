"""kinetics.transfer: Results, propagated errors vs Monte Carlo, input errors, Table 4-1."""

from __future__ import annotations

import math

import numpy as np
import pytest

from heterolab.errors import ParameterError
from heterolab.kinetics.trpl.transfer import (
    radiative_rates,
    transfer_from_lifetimes,
    transport_from_quenching,
)
from heterolab.physics import transport as tr
from heterolab.result import Quantity, Result
from heterolab.thesis import thesis_table_4_1

N_MC = 40_000


def _mc_std(func, means: list[float], sds: list[float], seed: int) -> float:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    draws = [rng.normal(m, s, N_MC) for m, s in zip(means, sds, strict=True)]
    return float(np.std(func(*draws), ddof=1))


# ----------------------------------------------------------------------------- transfer
def test_transfer_thesis_values_and_units() -> None:
    r = transfer_from_lifetimes(8.08, 0.52, unit="ps")
    assert r.kind == "trpl.transfer" and r.ok
    assert r["k_ET"].unit == "1/ps" and r["tau_ET"].unit == "ps" and r["eta"].unit == "1"
    assert r.value("k_ET") == pytest.approx(1.7993, abs=1e-4)
    assert r.value("k_ET_per_s") == pytest.approx(1.80e12, rel=1e-3)  # verification V13
    assert r.value("tau_ET") == pytest.approx(0.556, abs=5e-4)
    assert r.value("eta") == pytest.approx(0.936, abs=5e-4)
    assert r["eta"].stderr is None  # no input errors given, none invented
    assert Result.from_dict(r.to_dict()) == r


def test_transfer_errors_match_monte_carlo() -> None:
    td, tda, sd, sda = 8.08, 0.52, 0.25, 0.02  # relative errors small: delta method valid
    r = transfer_from_lifetimes(Quantity(td, sd, "ps"), Quantity(tda, sda, "ps"), unit="ps")
    mc_k = _mc_std(lambda a, b: 1 / b - 1 / a, [td, tda], [sd, sda], seed=1)
    mc_eta = _mc_std(lambda a, b: 1 - b / a, [td, tda], [sd, sda], seed=2)
    mc_tau = _mc_std(lambda a, b: 1 / (1 / b - 1 / a), [td, tda], [sd, sda], seed=3)
    # MC standard deviation has relative sampling error 1/sqrt(2N) = 0.35 %; nonlinearity ~1 %
    assert r["k_ET"].stderr == pytest.approx(mc_k, rel=0.03)
    assert r["eta"].stderr == pytest.approx(mc_eta, rel=0.03)
    assert r["tau_ET"].stderr == pytest.approx(mc_tau, rel=0.03)


def test_transfer_estimators_disagreement_is_reported() -> None:
    # Tables 3-3/3-4: lifetimes 93.6 % vs amplitudes 42.1 % (verification V13); rise 0.55 ps
    r = transfer_from_lifetimes(
        8.08,
        0.52,
        unit="ps",
        a_fast_ref=0.0927,
        a_fast_het=0.4746,
        tau_rise=0.55,
        tau_rise_ref=0.30,
    )
    assert r.value("eta_amplitude") == pytest.approx(0.421, abs=5e-4)
    assert r.value("k_inj") == pytest.approx(1.818, abs=1e-3)
    assert r.value("added_rise_time") == pytest.approx(0.25)
    assert any("eta = 93.6 %" in w and "give 42.1 %" in w for w in r.warnings)
    # the 0.55 ps rise agrees with tau_DA = 0.52 ps (one first-order step): no rise warning
    assert not any("acceptor rise" in w for w in r.warnings)
    r2 = transfer_from_lifetimes(8.08, 0.52, unit="ps", tau_rise=2.0)
    assert any(
        "acceptor rise tau_inj = 2 ps disagrees with the donor's decay time tau_DA = 0.52 ps" in w
        for w in r2.warnings
    )


def test_transfer_accepts_quantities_in_other_units() -> None:
    r = transfer_from_lifetimes(Quantity(8.08, 0.1, "ps"), Quantity(520.0, 20.0, "fs"), unit="ps")
    assert r["tau_da"] == Quantity(0.52, 0.02, "ps")
    assert r.value("eta") == pytest.approx(1 - 0.52 / 8.08)
    with pytest.raises(ParameterError, match="tau_d: cannot convert 'nm'"):
        transfer_from_lifetimes(Quantity(8.0, None, "nm"), 1.0)


def test_transfer_invalid_inputs_exact_messages() -> None:
    with pytest.raises(ParameterError) as exc:
        transfer_from_lifetimes(0.52, 8.08, unit="ps")
    assert str(exc.value) == (
        "tau_da = 8.08 ps must be shorter than tau_d = 0.52 ps: the acceptor cannot lengthen "
        "the donor lifetime (no transfer to quantify)"
    )
    with pytest.raises(ParameterError) as exc:
        transfer_from_lifetimes(-1.0, Quantity(0.5, -0.1, "ns"))
    assert str(exc.value) == (
        "tau_d must be positive, got -1.0; tau_da stderr must be a non-negative standard error, "
        "got -0.1"
    )
    with pytest.raises(
        ParameterError, match=r"unit must be a time unit \(s, ms, us, ns, ps, fs\), got 'nm'"
    ):
        transfer_from_lifetimes(8.0, 1.0, unit="nm")


# ----------------------------------------------------------------------------- rates
def test_radiative_rates_thesis_and_monte_carlo() -> None:
    r = radiative_rates(Quantity(0.010, 0.001, "1"), Quantity(82.5, 2.0, "ns"), unit="ns")
    assert r.value("k_r") == pytest.approx(1.21e5, rel=2e-3)  # verification V14
    assert r.value("k_nr") == pytest.approx(0.99 / 82.5e-9, rel=1e-12)
    assert r.value("tau_r") == pytest.approx(8250.0)
    mc = _mc_std(lambda q, t: q / (t * 1e-9), [0.010, 82.5], [0.001, 2.0], seed=4)
    assert r["k_r"].stderr == pytest.approx(mc, rel=0.03)
    with pytest.raises(
        ParameterError, match=r"plqy must be a fraction in \(0, 1\] \(e.g. 0.01 for 1 %\), got 2.1"
    ):
        radiative_rates(2.1, 19.5)


# ----------------------------------------------------------------------------- transport
def test_transport_values_and_monte_carlo_errors() -> None:
    args = {
        "tau0": 9.2,
        "tau_q_electron": 1.0,
        "tau_q_hole": 1.8,
        "thickness_nm": 100.0,
        "temperature_k": 298.15,
    }
    errs = {"tau0": 0.2, "tau_q_electron": 0.03, "tau_q_hole": 0.05, "thickness_nm": 3.0}
    units = {"tau0": "ns", "tau_q_electron": "ns", "tau_q_hole": "ns", "thickness_nm": "nm"}
    with_errors = {k: Quantity(v, errs[k], units[k]) if k in errs else v for k, v in args.items()}
    r = transport_from_quenching(**with_errors)  # type: ignore[arg-type]
    # verification V4 forward model with L = 100 nm
    assert r.value("L_D_electron") == pytest.approx(182.3, abs=0.05)
    assert r.value("L_D_hole") == pytest.approx(129.1, abs=0.05)
    assert r.value("D_electron") == pytest.approx(3.612e-2, abs=5e-5)
    assert r.value("mu_electron") == pytest.approx(1.406, abs=5e-4)
    assert r["D_hole"].unit == "cm^2/s" and r["mu_hole"].unit == "cm^2/(V s)"
    assert r.value("L_D_over_L_electron") == pytest.approx(1.823, abs=5e-4)
    assert r.value("lifetime_quenching_hole") == pytest.approx(1 - 1.8 / 9.2)

    def ld(t0, tq, L):  # type: ignore[no-untyped-def]
        return 2 * L / math.pi * np.sqrt(t0 / tq - 1)

    mc = _mc_std(ld, [9.2, 1.0, 100.0], [0.2, 0.03, 3.0], seed=5)
    assert r["L_D_electron"].stderr == pytest.approx(mc, rel=0.03)
    mc_mu = _mc_std(
        lambda t0, tq, L: (
            tr.einstein_mobility(
                tr.diffusion_coefficient_first_mode(t0 * 1e-9, tq * 1e-9, L * 1e-9),
                temperature_k=298.15,
            )
            * 1e4
        ),
        [9.2, 1.8, 100.0],
        [0.2, 0.05, 3.0],
        seed=6,
    )
    assert r["mu_hole"].stderr == pytest.approx(mc_mu, rel=0.03)


def test_transport_invalid_inputs_exact_messages() -> None:
    with pytest.raises(ParameterError) as exc:
        transport_from_quenching(5.0, 6.0, None, 100.0, 298.15)
    assert str(exc.value) == (
        "tau_q_electron = 6 ns must be shorter than tau0 = 5 ns: the PCBM layer does not "
        "quench, so there is no diffusion length"
    )
    with pytest.raises(ParameterError) as exc:
        transport_from_quenching(9.2, 1.0, 1.8, -100.0, 298.15)
    assert str(exc.value) == "thickness_nm must be positive, got -100.0"
    with pytest.raises(ParameterError) as exc:
        transport_from_quenching(9.2, 1.0, 1.8, 100.0, None)
    assert str(exc.value) == (
        "temperature_k is required for the Einstein relation mu = eD/(kB T); "
        "heterolab does not assume room temperature"
    )
    # every problem at once
    with pytest.raises(ParameterError) as exc:
        transport_from_quenching(9.2, None, 10.0, 0.0, None)
    msg = str(exc.value)
    assert "tau_q_hole = 10 ns must be shorter than tau0 = 9.2 ns" in msg
    assert "thickness_nm must be positive, got 0.0" in msg
    assert "temperature_k is required" in msg
    with pytest.raises(ParameterError, match="give at least one of tau_q_electron"):
        transport_from_quenching(9.2, None, None, 100.0, 300.0)


def test_transport_validity_warnings() -> None:
    r = transport_from_quenching(6.0, None, 5.8, 100.0, 300.0)
    assert any("holes: tau_q = 5.8 ns is within 10 % of tau0 = 6 ns" in w for w in r.warnings)
    r = transport_from_quenching(10.0, 0.1, None, 50.0, 300.0)
    assert any(
        "electrons: L_D = 317 nm exceeds 3x the film thickness 50 nm" in w for w in r.warnings
    )
    r = transport_from_quenching(9.2, 1.0, None, 100.0, 300.0, pl_quench_electron=0.9970)
    assert r.value("L_D_steady_state_electron") == pytest.approx(1052, abs=1)
    assert any("99.70 % exceeds the 1-D diffusion prediction" in w for w in r.warnings)


# ----------------------------------------------------------------------------- Table 4-1
@pytest.fixture(scope="module")
def table() -> dict[str, Result]:
    het, le = thesis_table_4_1(temperature_k=298.15)
    return {"het": het, "le": le}


def test_table_4_1_reproduces_printed_lengths(table: dict[str, Result]) -> None:
    het, le = table["het"], table["le"]
    # verification C3 / V3: sqrt(D tau0) = 181.0 and 127.2 nm (printed 181, 127)
    assert het.value("L_D_electron_from_printed_D") == pytest.approx(181.0, abs=0.05)
    assert het.value("L_D_hole_from_printed_D") == pytest.approx(127.2, abs=0.05)
    assert le.value("L_D_electron_from_printed_D") == pytest.approx(47.9, abs=0.05)
    assert le.value("L_D_hole_from_printed_D") == pytest.approx(29.4, abs=0.05)
    # V4: implied thickness 99.3 / 98.4 nm (het), 104.9 / 112.2 nm (LE)
    assert het.value("implied_thickness_electron") == pytest.approx(99.3, abs=0.05)
    assert het.value("implied_thickness_hole") == pytest.approx(98.4, abs=0.05)
    assert le.value("implied_thickness_electron") == pytest.approx(104.9, abs=0.05)
    assert le.value("implied_thickness_hole") == pytest.approx(112.2, abs=0.05)
    # with that thickness the lifetimes give the printed L_D and D back to rounding (het)
    assert het.value("L_D_electron") == pytest.approx(181, abs=1.0)
    assert het.value("L_D_hole") == pytest.approx(127, abs=1.0)
    assert het.value("D_electron") == pytest.approx(3.56e-2, rel=0.01)
    assert het.value("D_hole") == pytest.approx(1.76e-2, rel=0.01)
    # V3: mobilities at 298.15 K and implied temperatures
    assert het.value("mu_electron_from_printed_D") == pytest.approx(1.386, abs=5e-4)
    assert het.value("temperature_implied_electron") == pytest.approx(295.1, abs=0.1)
    assert het.value("temperature_implied_hole") == pytest.approx(300.4, abs=0.1)


def _has(result: Result, *parts: str) -> bool:
    return any(all(p in w for p in parts) for w in result.warnings)


def test_table_4_1_names_every_inconsistency(table: dict[str, Result]) -> None:
    het, le = table["het"], table["le"]
    # inconsistency 2: LE L_D 47.9 vs 49 (needs 6.27 ns) and 29.4 vs 30; D ratio 2.66 vs 3.05
    assert _has(
        le, "sqrt(D tau0) = 47.9 nm", "printed as 49 nm", "needs tau0 = 6.27 ns", "inconsistent"
    )
    assert _has(le, "sqrt(D tau0) = 29.4 nm", "printed as 30 nm", "only just reaches")
    assert _has(le, "D_e/D_h = 2.66", "3.05 from the lifetimes", "-12.8 %")
    assert _has(le, "104.9 nm (electrons) vs 112.2 nm (holes)")
    assert not _has(het, "sqrt(D tau0) = ") and not _has(het, "D_e/D_h")
    # thickness never stated (C4)
    assert _has(het, "never states the film thickness", "99.3 nm", "98.4 nm")
    # inconsistency 3: no single temperature
    for r in (het, le):
        assert _has(r, "no single temperature reproduces all four printed mobilities")
    assert _has(het, "electrons: eD/kT at 298.15 K", "printed as 1.4", "T = 295.1 K")
    # inconsistency 4: chapter 5 misquote, on the heterojunction only
    assert _has(het, "§5.1 bullet 2 attributes L_D^e = 49 nm, L_D^h = 30 nm", "ligand-exchanged")
    assert not _has(le, "§5.1")
    # inconsistency 5: two lifetimes, L_D 542 / 381 nm with 82.5 ns
    assert _has(het, "82.5 ns (x8.97)", "L_D = 542 / 381 nm")
    assert _has(le, "19.5 ns (x3.25)")
    # inconsistency 6: PL quenching far above lifetime quenching; L_D/L 10.52 / 3.32 etc.
    assert _has(het, "electrons: steady-state PL quenching 99.70 %", "L_D/L = 10.5")
    assert _has(het, "holes: steady-state PL quenching 97.08 %", "L_D/L = 3.3")
    assert _has(le, "holes: steady-state PL quenching 82.42 %", "L_D/L = 1.22")
    # inconsistency 20: D printed in "nm"
    assert _has(het, "prints the D column in 'nm'")


def test_table_4_1_given_thickness_and_json(table: dict[str, Result]) -> None:
    het, _le = thesis_table_4_1(temperature_k=295.0, thickness_nm=100.0)
    assert het["thickness"].value == 100.0
    assert het.value("L_D_electron") == pytest.approx(182.3, abs=0.05)
    assert _has(het, "uses L = 100.0 nm (given)")
    # at 295 K the electron mobility of the heterojunction is reproduced, the hole's is not
    assert not _has(het, "electrons: eD/kT")
    assert _has(het, "holes: eD/kT at 295 K")
    d = table["le"].to_dict()
    assert d["statistics"]["kind"] == "trpl.transport.thesis_table_4_1"
    assert Result.from_dict(d) == table["le"]


def test_errors_travel_only_inside_quantities() -> None:
    """Issue #8: a value with its error is one Quantity; no parallel ``*_err`` arguments."""
    import inspect

    for func in (transfer_from_lifetimes, radiative_rates, transport_from_quenching):
        names = inspect.signature(func).parameters
        assert not [n for n in names if "_err" in n], func.__name__
    r = transport_from_quenching(
        9.2, 1.0, None, Quantity(0.1, 0.003, "um"), 298.15
    )  # thickness in µm, converted
    t = r["thickness"]
    assert (t.value, t.stderr, t.unit) == (pytest.approx(100.0), pytest.approx(3.0), "nm")
