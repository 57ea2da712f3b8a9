"""Held-out real data (issue #11): Photosystem I streak-camera fluorescence with synchroscan
backsweep, non-negative spectra, zero constraints and equal-area penalties — the target model
of pyglotaran-examples ``study_fluorescence`` (data bundled under MIT in
examples/data/pyglotaran_examples), against pyglotaran 0.7.5's converged optimum on the same
data and model (ftol = gtol = xtol = 1e-12, run with benchmarks/bench_ta_streak_pyglotaran.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from heterolab.io import read
from heterolab.kinetics.ta.target import fit_target, load_model

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data" / "pyglotaran_examples" / "study_fluorescence" / "data.ascii"
MODEL = ROOT / "examples" / "models" / "psi_streak_backsweep.toml"

#: pyglotaran 0.7.5, tolerances 1e-12: value and standard error (1/ps; ps for the IRF)
PG_CONVERGED = {
    "k3": (0.06306010938920474, 0.0001799896523318927),
    "k4": (0.0271420539162091, 0.00034106501087630375),
    "k5": (0.0566085637333334, 0.0007382121578660578),
    "k6": (0.039669107634571266, 0.0002479366509751059),
    "k7": (0.13328067835305057, 0.0011272001928542134),
    "k8": (0.00016315986151858224, 1.0010607030825814e-06),
    "irf_center": (-84.31133588057155, 0.0030479582122370486),
    "irf_width": (1.5540564732105773, 0.0032424981225992145),
}
PG_CHI2 = 90108706.90094736


@pytest.fixture(scope="module")
def fit():
    return fit_target(load_model(MODEL), read(DATA, kind="ta"), starts=[])


def test_streak_fit_reaches_pyglotarans_optimum(fit) -> None:
    # every rate within 0.5 % of pyglotaran's (the bar; reached: < 0.01 %), the SSE
    # equal to 1e-9 (the two optimisers stop a few 1e-11 apart on a 9e7 SSE)
    for name, (value, _) in PG_CONVERGED.items():
        assert fit.value(name) == pytest.approx(value, rel=5e-3), name
        assert fit.value(name) == pytest.approx(value, rel=1e-4), name
    assert fit.statistics["sse"] == pytest.approx(PG_CHI2, rel=1e-9)


def test_streak_errors_match_pyglotarans_and_the_ns_lifetime_is_measured(fit) -> None:
    # the 6.1 ns lifetime (30x the 200 ps window) is measured through the backsweep: the fit
    # is ok, with pyglotaran's standard error, not "beyond the window"
    assert fit.ok, fit.message
    for name, (_, err) in PG_CONVERGED.items():
        assert fit.parameters[name].stderr == pytest.approx(err, rel=0.05), name
