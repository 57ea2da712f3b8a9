"""The pyglotaran-examples two-dataset model as pyglotaran 0.7.5 runs it (issue #11).

Data: the "co" and "c2o" toluene matrices (pyglotaran-examples, MIT;
/work/shared/data/ta/glotaran_2016_co_c2o_tol/README.md). Model:
examples/models/co_c2o_linked_scaled.toml — s1-s4 spectra linked between the datasets,
c2o's scale free. Truth: pyglotaran 0.7.5's converged optimum of the same model on the same
full matrices (benchmarks/bench_ta_linked_pyglotaran.py --case co_c2o; its default
tolerances), with its weighted sum of squares 15172.6153. heterolab's residual at that point
must give the same sum of squares (the same model: alignment, scale, weights, relation,
artefact compartments), and a fit started there must not find a higher one or leave it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from heterolab.io import read
from heterolab.kinetics.ta.objective import make_objective
from heterolab.kinetics.ta.target import fit_target, load_model
from heterolab.kinetics.ta.varpro import PreparedDataset
from shared_paths import shared_file

MODEL = Path(__file__).resolve().parents[2] / "examples" / "models" / "co_c2o_linked_scaled.toml"
PYGLOTARAN_SSE = 15172.615307238884
PYGLOTARAN_OPTIMUM = {  # pyglotaran 0.7.5, optimize() with ftol = gtol = xtol = 1e-8
    "k3": 1.2405321645617493,
    "k4": 0.04514746047869632,
    "k5": 0.019311435170579334,
    "irf_center": 1.2765310334066333,
    "irf2_center": 0.662984071944035,
    "irf_width": 0.08269918658263038,
    "disp1": 0.3512904992928298,
    "disp2": -0.18831658306713742,
    "disp3": 0.051410404869459164,
    "scale2": 1.2569378432658047,
}


@pytest.fixture(scope="module")
def data():
    folder = ("ta", "glotaran_2016_co_c2o_tol")
    return {
        "co": read(shared_file(*folder, "2016co_tol.ascii"), kind="ta"),
        "c2o": read(shared_file(*folder, "2016c2o_tol.ascii"), kind="ta"),
    }


@pytest.fixture(scope="module")
def at_pyglotaran():
    model = load_model(MODEL)
    params = model.params.copy()
    for name, value in PYGLOTARAN_OPTIMUM.items():
        params.params[name].value = value
    return model.with_params(params)


def test_the_same_model_gives_pyglotarans_sum_of_squares(data, at_pyglotaran) -> None:
    model = at_pyglotaran
    prepared = [PreparedDataset(data[s.name], s, model.scheme) for s in model.datasets]
    fun, _, joint, _ = make_objective(model, model.params, prepared)
    assert joint is not None and joint.linked == [0, 1]
    r = fun(model.params.to_vector())
    assert float(r @ r) == pytest.approx(PYGLOTARAN_SSE, rel=1e-8)


@pytest.mark.slow
def test_fit_from_pyglotarans_optimum_stays_there(data, at_pyglotaran) -> None:
    res = fit_target(at_pyglotaran, data, x_scale=1.0, starts=[])
    assert res.statistics["sse"] <= PYGLOTARAN_SSE * (1 + 1e-7)
    for name in ("k3", "k4", "k5", "scale2"):
        got, ref = res.parameters[name].value, PYGLOTARAN_OPTIMUM[name]
        assert abs(got - ref) < 0.005 * ref, (name, got, ref)
    shared = res.curves["linked/spectra"]
    assert "t2" not in shared["species"].values and "s5" in shared["species"].values
    assert np.all(np.isfinite(shared.sel(species="s2").values))
