"""Issue #3: heterolab's Hippius target fit agrees with pyglotaran's on the same model.

Model: examples/models/hippius2007_target.toml, which writes pyglotaran-examples'
``study_transient_absorption`` target analysis (models/model.yml with the parameter set of
its ``target_analysis`` run: k1 + k2 = k1sum fixed, free branching b1, Gaussian IRF with a
3rd-order centre dispersion, weights 0.1 in 280-550 and 720-890 nm) in heterolab's terms.
Data: Hippius et al., J. Phys. Chem. C 111, 13988 (2007), the example's ASCII matrix.

Reference numbers (pyglotaran 0.7.5, computed in a separate venv on this matrix):

* objective at the example's published optimum (pyglotaran-examples
  ``study_transient_absorption/target_analysis/optimized_parameters.csv``):
  chi2 = 0.004657290934111595 (one residual evaluation, weighted residuals squared);
* the example run to convergence from its start values (initial_parameters.csv).

The cause of the former disagreement was the model, not the engine: the old TOML let k1 and
k2 vary independently (pyglotaran fixes their sum) and its weight interval [720, 890] missed
the 719.33 nm column that pyglotaran's nearest-point interval includes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import heterolab.io as hio
from heterolab.kinetics.ta.target import TargetModel, fit_target, load_model
from heterolab.kinetics.ta.varpro import PreparedDataset
from shared_paths import shared_file

MODEL = Path(__file__).resolve().parents[2] / "examples" / "models" / "hippius2007_target.toml"
K1SUM = 9.49943878184853  # 1/ps, fixed in pyglotaran-examples initial_parameters.csv

# pyglotaran-examples target_analysis/optimized_parameters.csv (b.1 and the free parameters)
PG_EXAMPLE_OPTIMUM = {
    "b1": 0.1600046908838398,
    "k3": 0.36090492764379656,
    "k4": 0.039949442036461245,
    "k5": 0.020053456928548336,
    "irf_center": 1.200942138642363,
    "irf_width": 0.0612281993759395,
    "disp1": 0.2893771832352519,
    "disp2": -0.07684417822012761,
    "disp3": 0.009889575059103109,
}
PG_CHI2_AT_EXAMPLE_OPTIMUM = 0.004657290934111595  # pyglotaran 0.7.5, result.chi_square

# pyglotaran 0.7.5, example parameters, run to convergence: lifetimes 1/k (ps) and chi2
PG_CONVERGED_TAU = {
    "k1": 0.7125252950884979,
    "k2": 0.1235180942069424,
    "k3": 2.888694712732072,
    "k4": 24.624176340667486,
    "k5": 49.96409515012541,
}
#: the data fix 1/k3 to ±2.9 % (one standard error), so "ok" is asked at ±10 % (95 %), not
#: the default ±5 %
PRECISION = 0.1
PG_CONVERGED_CHI2 = 0.004651642714084753
# Issue #3 bar. Both optimisers stop on the same flat minimum: pyglotaran's own standard
# error of b1 is 1.6 % (0.0023 on 0.148), of k3 2.9 %; they agree to < 0.2 %.
TOL = 0.005


def _data() -> xr.DataArray:
    return hio.read(
        shared_file(
            "ta",
            "hippius2007_calixarene_pbi",
            "demo_data_Hippius_etal_JPCC2007_111_13988_Figs5_9.ascii",
        ),
        kind="ta",
    )


def _values(model: TargetModel, b1: float, **others: float) -> dict[str, float]:
    """Model values for pyglotaran's (b1, ...): population ratio r = b2/b1 of the split s1."""
    values = model.params.values()
    values.update(others)
    values["r"] = (1.0 - b1) / b1
    return values


def _lifetimes(k1sum: float, r: float, k3: float, k4: float, k5: float) -> dict[str, float]:
    """pyglotaran's lifetimes 1/k (ps): k1 = k1sum b1, k2 = k1sum (1 - b1), b1 = 1/(1 + r)."""
    b1 = 1.0 / (1.0 + r)
    return {
        "k1": 1.0 / (k1sum * b1),
        "k2": 1.0 / (k1sum * (1.0 - b1)),
        "k3": 1.0 / k3,
        "k4": 1.0 / k4,
        "k5": 1.0 / k5,
    }


def test_weights_select_the_wavelengths_pyglotaran_weights() -> None:
    """pyglotaran snaps [720, 890] to the nearest grid point (719.33 nm) and includes it."""
    model = load_model(MODEL)
    prepared = PreparedDataset(_data(), model.datasets[0], model.scheme)
    down = prepared.wavelength[np.isclose(prepared.w[:, 0], 0.1)]
    assert down.size == 224  # 121 in 377.96-549.99 nm, 103 in 719.33-854.40 nm (pyglotaran: 224)
    assert np.isclose(down[down > 700].min(), 719.33112)
    assert np.isclose(down[down < 700].max(), 549.9856)
    assert np.all(prepared.w == prepared.w[:, :1])


def test_objective_equals_pyglotarans_at_its_published_optimum() -> None:
    """Same model, same weights: the weighted SSE equals pyglotaran's chi2 to rounding."""
    model = load_model(MODEL)
    prepared = PreparedDataset(_data(), model.datasets[0], model.scheme)
    values = _values(model, **PG_EXAMPLE_OPTIMUM)
    sse = float(np.sum(prepared.residuals(values) ** 2))
    assert sse == pytest.approx(PG_CHI2_AT_EXAMPLE_OPTIMUM, rel=1e-9)


def test_fit_converges_to_pyglotarans_lifetimes() -> None:
    """From the example's start values the fit reaches pyglotaran's converged lifetimes."""
    model = load_model(MODEL)
    res = fit_target(model, _data(), lifetime_precision=PRECISION)
    assert res.ok, res.message
    taus = _lifetimes(K1SUM, res.value("r"), res.value("k3"), res.value("k4"), res.value("k5"))
    for name, ref in PG_CONVERGED_TAU.items():
        assert taus[name] == pytest.approx(ref, rel=TOL), name
    assert res.statistics["sse"] <= PG_CONVERGED_CHI2 * (1 + 1e-6)


BRANCHING = (
    Path(__file__).resolve().parents[2] / "examples" / "models" / "hippius2007_branching.toml"
)


@pytest.mark.slow
def test_branching_written_with_general_expressions_reaches_the_same_optimum() -> None:
    """k1 = b1 * k1sum, k2 = (1 - b1) * k1sum (issue #11: general expressions and bounds);
    pyglotaran's own parametrisation, no compartment-splitting trick."""
    model = load_model(BRANCHING)
    prepared = PreparedDataset(_data(), model.datasets[0], model.scheme)
    values = model.params.resolve({**model.params.values(), **PG_EXAMPLE_OPTIMUM})
    sse = float(np.sum(prepared.residuals(values) ** 2))
    assert sse == pytest.approx(PG_CHI2_AT_EXAMPLE_OPTIMUM, rel=1e-9)
    res = fit_target(model, _data(), lifetime_precision=PRECISION)
    assert res.ok, res.message
    for name, ref in PG_CONVERGED_TAU.items():
        assert res.value(f"tau_{name}") == pytest.approx(ref, rel=TOL), name
    assert res.statistics["sse"] <= PG_CONVERGED_CHI2 * (1 + 1e-6)
