"""Issue #9 "Done when": degenerate inputs to the public fits and calculators of physics/ and
calculators/ (spectroscopy has its own, tests/spectroscopy/test_degenerate_inputs.py).

Every call ends in a clear heterolab error, or a Result that is failed, or one whose every
number is finite; a fit is never "ok" (or ``success``) with its start values or with no
signal in the data. Never a numpy traceback, never a warning (warnings are errors here).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heterolab.calculators import (
    brus_energies,
    confined_band_edges,
    heterojunction,
    mismatch,
    nucleation_summary,
    peak_from_size,
    size_from_peak,
    tolerance,
)
from heterolab.errors import HeterolabError
from heterolab.physics.nucleation import fit_lsw_arrhenius
from heterolab.physics.transport import fit_diffusion_coefficient
from heterolab.result import Result

BAD_NUMBERS = [0.0, -1.0, math.nan, math.inf, -math.inf, 1e-300, 1e300]


def _check(call) -> None:
    try:
        res = call()
    except HeterolabError:
        return
    assert isinstance(res, Result), res
    if res.status == "failed":
        return
    for group in (res.parameters, res.derived):
        for name, q in group.items():
            assert isinstance(q.value, float) and math.isfinite(q.value), (name, q, res.status)
            assert q.stderr is None or math.isfinite(q.stderr), (name, q, res.status)


CALCULATORS = {
    "size_from_peak PbS": lambda v: size_from_peak("PbS", v, "nm"),
    "size_from_peak CsPbBr3": lambda v: size_from_peak("CsPbBr3", v, "nm"),
    "size_from_peak eV": lambda v: size_from_peak("CsPbBr3", v, "eV"),
    "peak_from_size PbS": lambda v: peak_from_size("PbS", v),
    "peak_from_size CsPbBr3": lambda v: peak_from_size("CsPbBr3", v),
    "brus_energies": lambda v: brus_energies("CsPbBr3", v),
    "confined_band_edges": lambda v: confined_band_edges("CsPbBr3", diameter_nm=v),
    "heterojunction": lambda v: heterojunction("CsPbBr3", "PbS", diameter_b_nm=v),
    "mismatch": lambda v: mismatch(v, None, 2.937, None),
    "nucleation_summary S": lambda v: nucleation_summary(
        gamma=0.1, temperature=300.0, supersaturation=v, molar_volume=1e-4
    ),
    "nucleation_summary gamma": lambda v: nucleation_summary(
        gamma=v, temperature=300.0, supersaturation=2.0, molar_volume=1e-4
    ),
    "nucleation_summary T": lambda v: nucleation_summary(
        gamma=0.1, temperature=v, supersaturation=2.0, molar_volume=1e-4
    ),
}


@pytest.mark.parametrize("calc", sorted(CALCULATORS))
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
def test_calculators_with_degenerate_numbers(calc, value):
    _check(lambda: CALCULATORS[calc](value))


def test_tolerance_with_unknown_or_empty_ions():
    for ions in (("Xx", "Pb", "Br"), ("", "Pb", "Br"), ("Cs", "Pb", "nan")):
        _check(lambda ions=ions: tolerance(*ions))


@settings(max_examples=40, deadline=None)
@given(
    calc=st.sampled_from(sorted(CALCULATORS)),
    value=st.floats(allow_nan=True, allow_infinity=True, width=64),
)
def test_calculators_property(calc, value):
    _check(lambda: CALCULATORS[calc](value))


# ----------------------------------------------------------------------------- LSW fit
def _lsw(kind: str):
    t = np.tile([600.0, 1200.0, 1800.0, 2400.0], 3)
    temp = np.repeat([400.0, 420.0, 440.0], 4)
    k = 1e-31 * np.exp(-0.5 / 8.617e-5 * (1 / temp - 1 / 420.0))
    a = np.cbrt(1e-27 + k * t)
    if kind == "constant":
        a = np.full_like(a, 2e-9)
    elif kind == "zeros":
        a = np.zeros_like(a)
    elif kind == "nan":
        a[3] = np.nan
    elif kind == "inf":
        a[3] = np.inf
    elif kind == "negative":
        a = -a
    elif kind == "one_temperature":
        temp = np.full_like(temp, 400.0)
    elif kind == "shrinking":
        a = a[::-1]
    elif kind == "zero_kelvin":
        temp = np.zeros_like(temp)
    elif kind == "two_points":
        t, temp, a = t[:2], temp[:2], a[:2]
    return t, temp, a


LSW_KINDS = (
    "constant",
    "zeros",
    "nan",
    "inf",
    "negative",
    "one_temperature",
    "shrinking",
    "zero_kelvin",
    "two_points",
)


@pytest.mark.parametrize("kind", LSW_KINDS)
def test_lsw_arrhenius_with_degenerate_series(kind):
    t, temp, a = _lsw(kind)
    _check(lambda: fit_lsw_arrhenius(t, temp, a))
    if kind in ("constant", "zeros"):  # no growth at all: never an "ok" activation energy
        try:
            r = fit_lsw_arrhenius(t, temp, a)
        except HeterolabError:
            return
        assert not r.ok, r.summary()


# ----------------------------------------------------------------------------- diffusion
def _decay(kind: str):
    t = np.linspace(0.0, 50e-9, 120)
    y = 1000 * np.exp(-t / 5e-9)
    if kind == "zeros":
        y = np.zeros_like(y)
    elif kind == "constant":
        y = np.full_like(y, 7.0)
    elif kind == "nan":
        y[10] = np.nan
    elif kind == "negative":
        y = -y
    elif kind == "spike":
        y = np.zeros_like(y)
        y[0] = 1000.0
    elif kind == "rising":
        y = y[::-1].copy()
    return t, y


@pytest.mark.parametrize("kind", ["zeros", "constant", "nan", "negative", "spike", "rising"])
def test_diffusion_fit_with_degenerate_decays(kind):
    t, y = _decay(kind)
    try:
        fit = fit_diffusion_coefficient(t, y, tau0_s=9.2e-9, thickness_m=100e-9)
    except HeterolabError:
        return
    if fit.success:
        assert math.isfinite(fit.d_m2_s) and math.isfinite(fit.d_stderr), fit
        assert math.isfinite(fit.amplitude) and math.isfinite(fit.reduced_chi2), fit
    if kind in ("zeros", "constant", "negative", "rising"):  # no quenched decay to fit
        assert not fit.success, fit
