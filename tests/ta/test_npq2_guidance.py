"""Held-out real data (issue #11): pyglotaran-examples' spectral-guidance target model
(Npq2; six compartments, 'equal' ties, an equal-area penalty, non-negative spectra and a guide
spectrum with a free scale), bundled under MIT in examples/data/pyglotaran_examples, against
pyglotaran 0.7.5 on the same data and model (ftol = gtol = xtol = 1e-12: chi2 9803504.318;
its own standard errors: k5 ±2200 %, k6 ±78 %, guide scale ±250 %)."""

from __future__ import annotations

from pathlib import Path

import pytest

from heterolab.io import read
from heterolab.kinetics.ta.objective import make_objective
from heterolab.kinetics.ta.target import fit_target, load_model
from heterolab.kinetics.ta.varpro import PreparedDataset

ROOT = Path(__file__).resolve().parents[2]
DATA = (
    ROOT
    / "examples"
    / "data"
    / "pyglotaran_examples"
    / "ex_spectral_guidance"
    / "Npq2_220219_800target3fasea.ascii"
)
MODEL = ROOT / "examples" / "models" / "npq2_spectral_guidance.toml"

PG_OPTIMUM = {
    "k1": 0.24676739091846078,
    "k2": 0.16013448899915475,
    "k4": 0.24910132185051712,
    "k5": 0.0064311846633009935,
    "k6": 1.3318339552038956e-06,
    "scale2": 0.8555421793872725,
}
PG_CHI2 = 9803504.318086717


def _objective_at_pyglotarans_optimum():
    """Residual function, Jacobian and parameters at pyglotaran's converged optimum."""
    model = load_model(MODEL)
    params = model.params.copy()
    for name, value in PG_OPTIMUM.items():
        params.params[name].value = value
    prepared = [PreparedDataset(read(DATA, kind="ta"), model.datasets[0], model.scheme)]
    fun, jac, _, _ = make_objective(model, params, prepared)
    return fun, jac, params


def test_objective_equals_pyglotarans_at_its_optimum() -> None:
    # same model: the data, guide and penalty residuals at pyglotaran's converged parameters
    # give its chi2 (this found a spread of the eigenvalues that moved a 750 ns lifetime)
    fun, _, params = _objective_at_pyglotarans_optimum()
    r = fun(params.to_vector())
    assert float(r @ r) == pytest.approx(PG_CHI2, rel=1e-8)


def test_fit_reaches_an_sse_no_higher_and_says_what_is_undetermined() -> None:
    res = fit_target(load_model(MODEL), read(DATA, kind="ta"))
    assert res.statistics["sse"] <= PG_CHI2 * (1 + 1e-9)
    # the slow rates and the guide's scale are not determined by these data (pyglotaran's
    # own errors: ±2200 %, ±78 %, ±250 %): not "ok", and named. k6 and the scale are flat
    # directions; k5 is flat too or, at some of the lower minima of that valley (one had
    # SSE 9796547 and 1/k5 = 52 ps against pyglotaran's 155 ps), known only to ±6 %
    assert res.status == "suspect"
    assert {"k6", "scale2"} <= set(res.statistics["undetermined"])
    assert "k5" in res.statistics["undetermined"] or "1/k5" in res.message


def test_jacobian_at_pyglotarans_optimum_matches_central_differences() -> None:
    """At pyglotaran's optimum three eigenvalues lie within 0.15 % (amplitudes 3e4 times the
    initial population): rate columns from the eigen-derivatives were 200 % wrong there, so
    they are differenced through the concentrations instead (varpro.CANCELLATION). The
    well-determined directions (k1, k2, k4, the guide scale) must match central differences
    of the re-solved residual; k5 and k6 move it by 1e-4 of that and are rounding-limited."""
    import numpy as np

    fun, jac, params = _objective_at_pyglotarans_optimum()
    x = params.to_vector()
    j = jac(x)
    for k, name in enumerate(params.free):
        if name not in ("k1", "k2", "k4", "scale2"):
            continue
        up, down = x.copy(), x.copy()
        up[k] += 1e-6
        down[k] -= 1e-6
        num = (fun(up) - fun(down)) / 2e-6
        assert np.linalg.norm(j[:, k] - num) / np.linalg.norm(num) < 1e-3, name
