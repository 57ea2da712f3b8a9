"""The variable-projection Jacobian against central differences of the residual.

Schemes include two compartments sharing one rate (a repeated eigenvalue of K), chains with
equal start rates (a defective K), long-lived species, dispersion, a coherent artefact and
missing points; the analytic columns must agree with central differences (issue #11: with a
repeated eigenvalue they were wrong by 1e3-1e6 and the fit never left its start).
"""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.errors import ModelError
from heterolab.io.ta import make_ta_array
from heterolab.kinetics.ta.model import (
    Constraint,
    DatasetSpec,
    IrfSpec,
    KineticScheme,
    Oscillation,
    ParameterSet,
    Transition,
)
from heterolab.kinetics.ta.target import TargetModel, fit_target
from heterolab.kinetics.ta.varpro import PreparedDataset

T = np.concatenate([np.linspace(-1, 2, 31), np.geomspace(2.2, 400, 30)])
WL = np.linspace(450, 650, 13)


def _data(seed: int, nan_fraction: float = 0.0):
    rng = np.random.default_rng(seed)
    smooth = np.outer(np.exp(-np.clip(T, 0, None) / 30.0) * (T > 0), np.sin(WL / 40.0)) * 0.01
    y = smooth + rng.normal(0.0, 1e-3, (T.size, WL.size))
    if nan_fraction:
        y[rng.random(y.shape) < nan_fraction] = np.nan
    return make_ta_array(y, T, WL)


def _model(
    comps, trans, rates, initial, *, disp=(), artifact=0, constraints=(), baseline=False, osc=False
):
    ps = ParameterSet()
    for n, v in rates.items():
        ps.add(n, v, positive=True, unit="1/ps")
    ps.add("irf_center", 0.12, unit="ps")
    ps.add("irf_width", 0.09, positive=True, unit="ps")
    names = []
    for i, d in enumerate(disp):
        ps.add(f"d{i + 1}", d, unit="ps")
        names.append(f"d{i + 1}")
    for v in initial.values():
        if isinstance(v, str):
            ps.add(v, 0.4)
    ds = DatasetSpec(
        "x",
        initial,
        IrfSpec("irf_center", "irf_width", names, 550.0),
        constraints=list(constraints),
        coherent_artifact=artifact,
        baseline=baseline,
        oscillations=[Oscillation("nu", "gamma")] if osc else [],
    )
    if osc:
        ps.add("nu", 120.0, positive=True, unit="1/cm")
        ps.add("gamma", 2.0, positive=True, unit="1/ps")
    scheme = KineticScheme(comps, [Transition(*t) for t in trans])
    return TargetModel(scheme, ps, [ds])


SHARED = [("s1", "s2", "k1"), ("s1", "s3", "k2"), ("s2", "ground", "k3"), ("s3", "ground", "k3")]
CHAIN3 = [("s1", "s2", "k1"), ("s2", "s3", "k2"), ("s3", "ground", "k3")]
CHAIN_SHARED = [("s1", "s2", "k1"), ("s2", "s3", "k2"), ("s3", "ground", "k2")]
CASES = {
    # a repeated eigenvalue -k3 (diagonalizable); an 'equal' constraint keeps s2, s3 separable
    "shared_rate_equal_constraint": (
        ["s1", "s2", "s3"],
        SHARED,
        {"k1": 1.0, "k2": 0.5, "k3": 0.1},
        {"s1": 1.0},
        {"constraints": [Constraint("equal", "s3", (0.0, 1e9), "s2", 0.5)]},
    ),
    # a shared rate inside a chain: a defective K (Jordan block) at every parameter value
    "chain_shared_rate": (
        ["s1", "s2", "s3"],
        CHAIN_SHARED,
        {"k1": 1.0, "k2": 0.1},
        {"s1": 1.0},
        {},
    ),
    "chain_equal_start": (
        ["s1", "s2", "s3"],
        CHAIN3,
        {"k1": 1.0, "k2": 1.0, "k3": 0.05},
        {"s1": 1.0},
        {},
    ),
    "chain_all_equal": (
        ["s1", "s2", "s3"],
        CHAIN3,
        {"k1": 0.3, "k2": 0.3, "k3": 0.3},
        {"s1": 1.0},
        {},
    ),
    "chain_near_equal": (
        ["s1", "s2", "s3"],
        CHAIN3,
        {"k1": 1.0, "k2": 1.0 + 1e-6, "k3": 0.05},
        {"s1": 1.0},
        {},
    ),
    "chain_distinct_dispersion_artifact": (
        ["s1", "s2", "s3"],
        CHAIN3,
        {"k1": 1.0, "k2": 0.3, "k3": 0.02},
        {"s1": 1.0},
        {"disp": (0.05, -0.01), "artifact": 2},
    ),
    "chain_dispersion_artifact_baseline": (
        ["s1", "s2", "s3"],
        CHAIN3,
        {"k1": 1.0, "k2": 0.3, "k3": 0.02},
        {"s1": 1.0},
        {"disp": (0.05, -0.01), "artifact": 3, "baseline": True},
    ),
    "chain_oscillation_baseline": (
        ["s1", "s2", "s3"],
        CHAIN3,
        {"k1": 1.0, "k2": 0.3, "k3": 0.02},
        {"s1": 1.0},
        {"disp": (0.05,), "osc": True, "baseline": True},
    ),
    # one design for every wavelength (no dispersion): the shared-design closed form, with
    # artefact and baseline columns, a free initial population and a constraint on a range
    "branching_artifact_baseline_start_range": (
        ["s1", "s2", "s3"],
        [("s1", "s2", "k1"), ("s2", "ground", "k2"), ("s3", "ground", "k3")],
        {"k1": 1.0, "k2": 0.3, "k3": 0.02},
        {"s1": 1.0, "s3": "p3"},
        {
            "artifact": 2,
            "baseline": True,
            "constraints": [Constraint("equal", "s3", (480.0, 520.0), "s2", 0.5)],
        },
    ),
    "parallel_long_lived": (
        ["s1", "s2", "s3"],
        [("s1", "ground", "k1"), ("s2", "ground", "k2")],
        {"k1": 0.5, "k2": 0.05},
        {"s1": 1.0, "s2": 1.0, "s3": 1.0},
        {},
    ),
}
# a triple (Jordan) eigenvalue is spread by 1e-4 of the rate, so the residual itself is only
# smooth to ~1e-4 there; everywhere else the columns agree to the differences' own accuracy
TOLERANCE = {"chain_all_equal": 3e-2}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("nan_fraction", [0.0, 0.02])
def test_jacobian_matches_central_differences(case: str, nan_fraction: float) -> None:
    comps, trans, rates, initial, extra = CASES[case]
    model = _model(comps, trans, rates, initial, **extra)
    p = PreparedDataset(_data(3, nan_fraction), model.datasets[0], model.scheme)
    ps = model.params
    free = ps.free
    x = ps.to_vector()
    jac = p.jacobian(ps.from_vector(x), free, [ps.params[n].positive for n in free], ps.resolve)
    for j, name in enumerate(free):
        h = 1e-5
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        num = (p.residuals(ps.from_vector(up)) - p.residuals(ps.from_vector(down))) / (2 * h)
        err = np.linalg.norm(jac[:, j] - num) / np.linalg.norm(num)
        assert err < TOLERANCE.get(case, 2e-3), (case, name, err)


def test_inseparable_species_are_refused_with_the_remedy() -> None:
    model = _model(["s1", "s2", "s3"], SHARED, {"k1": 1.0, "k2": 0.5, "k3": 0.1}, {"s1": 1.0})
    with pytest.raises(ModelError, match=r"s2 and s3 are linearly dependent.*'equal' constraint"):
        fit_target(model, _data(1))


def _independent_matrix(k1: float, k2: float, seed: int):
    """ΔOD of s1 -> s2 (k1), s2 -> s3 (k2), s3 -> ground (k2), written out by hand.

    s1 = e^{-k1 t}; s2 = k1 (e^{-k1 t} - e^{-k2 t})/(k2 - k1);
    s3 = k1 k2/(k2 - k1) [(e^{-k1 t} - e^{-k2 t})/(k2 - k1) - t e^{-k2 t}], convolved
    numerically with a Gaussian IRF (σ = 0.09 ps at 0.12 ps) on a 2 fs grid.
    """
    fine = np.arange(-2.0, 420.0, 0.002)
    tp = np.clip(fine, 0, None)
    e1, e2, d = np.exp(-k1 * tp), np.exp(-k2 * tp), k2 - k1
    pops = np.stack([e1, k1 * (e1 - e2) / d, k1 * k2 / d * ((e1 - e2) / d - tp * e2)])
    pops = pops * (fine >= 0)
    g = np.exp(-0.5 * (np.arange(-0.6, 0.6001, 0.002) / 0.09) ** 2)
    g /= g.sum()
    conv = np.array([np.convolve(p, g, mode="same") for p in pops])
    conc = np.array([np.interp(T - 0.12, fine, c) for c in conv])  # (3, n_t)
    bands = ((480, -0.01), (560, 0.008), (620, 0.006))
    spectra = np.stack([a * np.exp(-(((WL - c) / 40.0) ** 2)) for c, a in bands])
    y = conc.T @ spectra + np.random.default_rng(seed).normal(0, 1e-4, (T.size, WL.size))
    return make_ta_array(y, T, WL)


def test_shared_rate_fit_leaves_its_start_and_recovers_the_rates() -> None:
    da = _independent_matrix(1.0, 0.1, seed=5)
    model = _model(["s1", "s2", "s3"], CHAIN_SHARED, {"k1": 0.5, "k2": 0.25}, {"s1": 1.0})
    res = fit_target(model, da)
    assert res.ok, (res.status, res.warnings)
    for name, value in (("k1", 1.0), ("k2", 0.1)):
        q = res[name]
        assert abs(q.value - value) < max(4 * q.stderr, 0.002 * value), (name, q)


def _column_errors(fun, jac, x: np.ndarray, h: float = 1e-5) -> list[float]:
    """Relative error of each Jacobian column against central differences of ``fun``."""
    j = jac(x)
    out = []
    for k in range(x.size):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        num = (fun(up) - fun(down)) / (2 * h)
        out.append(float(np.linalg.norm(j[:, k] - num) / np.linalg.norm(num)))
    return out


def _joint_spec(case: str) -> dict:
    """Models with linked spectra, dataset scales and guides (issue #11), plus one dataset
    solved alone, so that the assembled rows (analytic, then differenced) are checked too."""
    irf = {"center": "irf_center", "width": "irf_width", "dispersion": ["d1"]}
    guide = {"compartment": "s2", "wavelength": [440.0, 560.0, 660.0], "value": [0.0, 0.004, 0.001]}
    ds = [
        {"name": "a", "initial": {"s1": 1.0}, "irf": irf},
        {"name": "b", "initial": {"s1": 0.5, "s2": 0.5}, "irf": irf, "scale": "sb"},
        {"name": "alone", "initial": {"s1": 1.0}, "irf": irf},
    ]
    out = {
        "compartments": ["s1", "s2", "s3"],
        "transitions": [
            {"from": "s1", "to": "s2", "rate": "k1"},
            {"from": "s2", "to": "s3", "rate": "k2"},
            {"from": "s3", "to": "ground", "rate": "k3"},
        ],
        "parameters": {
            "k1": 1.0,
            "k2": 0.3,
            "k3": 0.02,
            "sb": 0.7,
            "d1": 0.05,
            "irf_center": 0.12,
            "irf_width": 0.09,
        },
        "datasets": ds,
        "link_spectra": {"tolerance": 1.0, "datasets": ["a", "b"]},
    }
    if case == "linked_scale_artifact_constraint":
        ds[0]["coherent_artifact"] = 2
        ds[1]["constraints"] = [{"kind": "zero", "compartment": "s3", "range": [600, 700]}]
    elif case == "linked_soft_guide_equal_area":
        ds[1]["guide"] = [guide | {"weight": 2.0}]
        ds[0]["equal_area"] = [{"compartment": "s2", "target": "s1", "weight": 0.1}]
    elif case == "guide_fixed_unlinked_nonnegative":
        del out["link_spectra"]
        ds[1]["scale"] = 0.8
        del out["parameters"]["sb"]
        ds[1]["guide"] = [guide | {"fixed": True}]
        ds[1]["nonnegative"] = ["s3"]
        ds[0]["baseline"] = True
    return out


JOINT_CASES = [
    "linked_scale_artifact_constraint",
    "linked_soft_guide_equal_area",
    "guide_fixed_unlinked_nonnegative",
]


def _joint_objective(case: str):
    """The joint case's model and objective on three datasets (the second linked within the
    1 nm tolerance)."""
    from heterolab.kinetics.ta.objective import make_objective
    from heterolab.kinetics.ta.target import model_from_mapping

    model = model_from_mapping(_joint_spec(case))
    data = [_data(3), _data(4).assign_coords(wavelength=WL + 0.4), _data(5, 0.02)]
    prepared = [
        PreparedDataset(d, s, model.scheme) for d, s in zip(data, model.datasets, strict=True)
    ]
    return model, make_objective(model, model.params, prepared)


@pytest.mark.parametrize("case", JOINT_CASES)
def test_joint_problem_jacobian_matches_central_differences(case: str) -> None:
    model, (fun, jac, joint, _) = _joint_objective(case)
    ps = model.params
    assert joint is not None and joint.members == ([1] if "unlinked" in case else [0, 1])
    x = ps.to_vector()
    for name, err in zip(ps.free, _column_errors(fun, jac, x), strict=True):
        assert err < 1e-4, (case, name, err)  # measured: <= 2e-6


def test_populations_with_a_shared_slow_rate_and_a_near_degenerate_chain_match_expm() -> None:
    """pyglotaran-examples' spectral-guidance scheme: s4 -> s1 (k1) with k1 within 0.15 % of
    s1's total decay (a nearly defective chain), and s5, s6 both decaying with one rate
    1.3e-6 /ps. The spread that makes the eigen-decomposition exist once shifted every
    diagonal entry relative to the largest rate: the 750,000 ps lifetime came out 400,000 ps
    and populations were off by 1e-3. Against scipy's matrix exponential: 1e-6 (the spread
    itself, 5e-6 of the slow rate, over 0.07 of its lifetime)."""
    from scipy.linalg import expm

    from heterolab.kinetics.ta.varpro import eigen_amplitudes

    k1, k2, k3, k4, k5, k6 = 0.2468, 0.1601, 0.087, 0.2491, 0.00643, 1.3318e-6
    k = np.zeros((6, 6))
    for src, dst, r in ((3, 0, k1), (0, 2, k2), (0, 1, k3), (1, 4, k4), (2, 5, k5)):
        k[src, src] -= r
        k[dst, src] += r
    k[4, 4] -= k6
    k[5, 5] -= k6
    c0 = np.zeros(6)
    c0[3] = 1.0
    tau, amp = eigen_amplitudes(k, c0)
    assert np.max(tau[np.isfinite(tau)]) == pytest.approx(1 / k6, rel=1e-5)
    for t in (1.0, 20.0, 560.0, 5e4):
        model = amp @ np.exp(-t / tau)
        np.testing.assert_allclose(model, expm(k * t) @ c0, rtol=1e-6, atol=1e-12)


def _differenced_spec(case: str) -> dict:
    """Single datasets whose concentrations have no analytic derivative (non-negative
    spectra, backsweep, multi-Gaussian IRF, IRF-width dispersion): their Jacobian is the
    projection of differenced design matrices (kinetics/ta/projection.py)."""
    irf: dict = {"center": "irf_center", "width": "irf_width"}
    ds: dict = {"name": "d", "initial": {"s1": 1.0}, "irf": irf}
    params: dict = {"k1": 1.0, "k2": 0.3, "k3": 0.02, "irf_center": 0.12, "irf_width": 0.09}
    if case == "nonnegative_backsweep_zero_equal_area":
        irf["backsweep_period"] = "period"
        params["period"] = {"value": 2000.0, "vary": False}
        ds["nonnegative"] = ["s1", "s2", "s3"]
        ds["constraints"] = [{"kind": "zero", "compartment": "s1", "range": [600, 700]}]
        ds["equal_area"] = [{"compartment": "s2", "target": "s3", "weight": 0.5}]
    elif case == "free_backsweep_period":
        irf["backsweep_period"] = "period"
        params["period"] = 800.0
    elif case == "nonnegative_artifact_baseline_branching":
        ds["nonnegative"] = ["s1", "s2", "s3"]
        ds["coherent_artifact"] = 2
        ds["baseline"] = True
        ds["initial"] = {"s1": 1.0, "s2": "p"}  # p matters where s2's spectrum is zero
        ds["constraints"] = [{"kind": "zero", "compartment": "s2", "range": [600, 700]}]
        params["p"] = 0.3
    elif case == "multi_gaussian_irf":
        irf["extra"] = [{"width": "w2", "shift": "sh2", "amplitude": "a2"}]
        params |= {"w2": 0.25, "sh2": 0.3, "a2": 0.4}
    elif case == "width_dispersion_nonnegative":
        irf |= {"width_dispersion": ["w1"], "dispersion_center": 550.0}
        params["w1"] = 0.01
        ds["nonnegative"] = ["s2"]
    return {
        "compartments": ["s1", "s2", "s3"],
        "transitions": [
            {"from": "s1", "to": "s2", "rate": "k1"},
            {"from": "s2", "to": "s3", "rate": "k2"},
            {"from": "s3", "to": "ground", "rate": "k3"},
        ],
        "parameters": params,
        "datasets": [ds],
    }


DIFFERENCED_CASES = [
    "nonnegative_backsweep_zero_equal_area",
    "free_backsweep_period",
    "nonnegative_artifact_baseline_branching",
    "multi_gaussian_irf",
    "width_dispersion_nonnegative",
]


@pytest.mark.parametrize("case", DIFFERENCED_CASES)
def test_differenced_dataset_jacobian_matches_central_differences(case: str) -> None:
    """The projected Jacobian (one solve per point; closed-form column derivatives for rates,
    IRF centre and width, backsweep period, artefact and initial populations, differences of
    the design otherwise) against central differences of the re-solved residual. The data's sin(λ/40) spectrum is negative over part of the range,
    so non-negative spectra sit at their bound at some wavelengths (the NNLS active set is
    not empty) and free ones do not."""
    from heterolab.kinetics.ta.objective import make_objective
    from heterolab.kinetics.ta.target import model_from_mapping

    model = model_from_mapping(_differenced_spec(case))
    prepared = [PreparedDataset(_data(3), model.datasets[0], model.scheme)]
    assert prepared[0].differenced
    ps = model.params
    fun, jac, _, _ = make_objective(model, ps, prepared)
    x = ps.to_vector()
    if prepared[0].nonnegative:
        blocks, coefs, *_ = prepared[0].solved_blocks(ps.from_vector(x))
        held = sum(int(np.sum((b.lo == 0) & (a == 0))) for b, a in zip(blocks, coefs, strict=True))
        assert held > 0
    for name, err in zip(ps.free, _column_errors(fun, jac, x), strict=True):
        assert err < 5e-4, (case, name, err)


@pytest.mark.parametrize(("period", "k3"), [(800.0, 0.02), (13200.0, 1 / 3000)])
def test_closed_form_column_derivatives_match_central_differences(period: float, k3: float) -> None:
    """Each closed-form ∂C/∂θ (rates through the eigen-system, IRF centre and width with a
    coherent artefact, backsweep period, an initial population) against central
    differences of the concentration columns themselves, so a wrong formula cannot hide
    behind the difference fallback."""
    from heterolab.kinetics.ta.derivatives import analytic_names, column_derivatives
    from heterolab.kinetics.ta.target import model_from_mapping

    spec = _differenced_spec("nonnegative_artifact_baseline_branching")
    spec["datasets"][0]["irf"]["backsweep_period"] = "period"
    spec["parameters"] |= {"period": period, "k3": k3}  # a slow decay: backsweep matters
    model = model_from_mapping(spec)
    p = PreparedDataset(_data(3), model.datasets[0], model.scheme)
    values = model.params.values()
    names = ["k1", "k2", "k3", "irf_center", "irf_width", "period", "p"]
    assert set(names) <= analytic_names(p)
    got = column_derivatives(p, values, names)
    assert sorted(got) == sorted(names)
    for name in names:
        h = 1e-5 * abs(values[name])
        up, down = dict(values), dict(values)
        up[name] += h
        down[name] -= h
        num = (p.full_columns(up)[0][0] - p.full_columns(down)[0][0]) / (2 * h)
        err = np.linalg.norm(got[name] - num) / np.linalg.norm(num)
        assert err < 2e-5, (name, err)


def test_closed_form_columns_with_chirp_and_width_dispersion_match_differences() -> None:
    """Wavelength-dependent IRF centre (two chirp terms) and width (one term), artefact and
    backsweep: ∂C/∂d_i = x^(i+1) ∂C/∂t0(λ) and ∂C/∂w_i = x^(i+1) ∂C/∂σ(λ) per wavelength,
    against central differences of the (n_w, n_t, n_col) columns."""
    from heterolab.kinetics.ta.derivatives import analytic_names, column_derivatives
    from heterolab.kinetics.ta.target import model_from_mapping

    spec = _differenced_spec("width_dispersion_nonnegative")
    irf = spec["datasets"][0]["irf"]
    irf |= {"dispersion": ["d1", "d2"], "backsweep_period": "period"}
    spec["datasets"][0]["coherent_artifact"] = 3
    spec["parameters"] |= {"d1": 0.08, "d2": -0.02, "period": 900.0, "k3": 0.004}
    model = model_from_mapping(spec)
    p = PreparedDataset(_data(3), model.datasets[0], model.scheme)
    assert p.dispersive
    values = model.params.values()
    names = ["k1", "k2", "k3", "irf_center", "d1", "d2", "irf_width", "w1", "period"]
    assert set(names) <= analytic_names(p)
    got = column_derivatives(p, values, names)
    for name in names:
        h = 1e-5 * max(abs(values[name]), 0.01)
        up, down = dict(values), dict(values)
        up[name] += h
        down[name] -= h
        num = (p.full_columns(up)[0] - p.full_columns(down)[0]) / (2 * h)
        assert got[name].shape == num.shape
        err = np.linalg.norm(got[name] - num) / np.linalg.norm(num)
        assert err < 2e-5, (name, err)


def test_per_lifetime_exponential_columns_equal_a_fresh_computation() -> None:
    """The exponential columns kept per lifetime (the multi-start grid revisits lifetimes)
    give the same concentrations as a dataset that computes everything anew, through rate
    grids, repeated points and an IRF change that must drop them."""
    from heterolab.kinetics.ta.target import model_from_mapping

    spec = _differenced_spec("width_dispersion_nonnegative")
    spec["datasets"][0]["irf"] |= {"dispersion": ["d1"]}
    spec["parameters"] |= {"d1": 0.05}
    model = model_from_mapping(spec)
    data = _data(5)
    kept = PreparedDataset(data, model.datasets[0], model.scheme)
    values = model.params.values()
    for k1, k2, width in [
        (0.5, 0.05, None),
        (0.5, 0.2, None),
        (0.1, 0.05, None),
        (0.5, 0.05, None),
        (0.5, 0.05, 0.11),
        (0.1, 0.2, 0.11),
    ]:
        point = dict(values, k1=k1, k2=k2)
        if width is not None:
            point["irf_width"] = width
        fresh = PreparedDataset(data, model.datasets[0], model.scheme)
        np.testing.assert_array_equal(kept.full_columns(point)[0], fresh.full_columns(point)[0])


@pytest.mark.parametrize("seed", range(8))
def test_eigen_system_derivatives_match_central_differences(seed: int) -> None:
    """dλ/dk and d amp/dk from first-order eigen-perturbation against central differences of
    eigen_amplitudes, on random four-compartment schemes with branching and back-transfer
    (K not triangular), rates spread over three decades."""
    from heterolab.kinetics.ta.target import model_from_mapping
    from heterolab.kinetics.ta.varpro import eigen_amplitudes

    rng = np.random.default_rng(seed)
    names = [f"k{i}" for i in range(6)]
    spec = _differenced_spec("free_backsweep_period")
    spec["compartments"] = ["s1", "s2", "s3", "s4"]
    spec["transitions"] = [
        {"from": "s1", "to": "s2", "rate": "k0"},
        {"from": "s1", "to": "s3", "rate": "k1"},
        {"from": "s2", "to": "s1", "rate": "k2"},  # back-transfer
        {"from": "s2", "to": "s4", "rate": "k3"},
        {"from": "s3", "to": "ground", "rate": "k4"},
        {"from": "s4", "to": "ground", "rate": "k5"},
    ]
    spec["parameters"] = {n: float(10 ** rng.uniform(-3, 0)) for n in names} | {
        "irf_center": 0.1,
        "irf_width": 0.08,
        "period": 800.0,
    }
    model = model_from_mapping(spec)
    p = PreparedDataset(_data(seed), model.datasets[0], model.scheme)
    values = model.params.values()
    k, c0 = p._rates_and_start(values)
    tau, amp = eigen_amplitudes(k, c0)
    dlam, damp, degenerate = p._eigen_derivatives(values, names, c0, tau, amp)
    if degenerate:  # a random draw with nearly equal decay rates is differenced elsewhere
        pytest.skip(f"near-degenerate draw: {sorted(degenerate)}")
    lam = -1.0 / tau
    for n in names:
        h = 1e-6 * values[n]
        sides = []
        for sign in (1, -1):
            k2, _ = p._rates_and_start(dict(values, **{n: values[n] + sign * h}))
            tau2, amp2 = eigen_amplitudes(k2, c0)
            order = np.argmin(np.abs(lam[:, None] + 1.0 / tau2[None, :]), axis=1)
            sides.append((-1.0 / tau2[order], p._expand(amp2[:, order])))
        num_lam = (sides[0][0] - sides[1][0]) / (2 * h)
        num_amp = (sides[0][1] - sides[1][1]) / (2 * h)
        np.testing.assert_allclose(dlam[n], num_lam, rtol=1e-6, atol=1e-9 * np.abs(lam).max())
        scale = np.abs(num_amp).max() + np.abs(p._expand(amp)).max() / values[n]
        np.testing.assert_allclose(damp[n], num_amp, atol=1e-6 * scale)


@pytest.mark.parametrize("per_wavelength", [True, False])
@pytest.mark.parametrize("subset", [True, False])
def test_exponential_blocks_contract_like_their_dense_arrays(
    per_wavelength: bool, subset: bool
) -> None:
    """ExpBlock terms (derivatives written through the exponentials, never formed) give the
    same model change and back-projection as the same blocks formed as arrays: several
    directions, shared and distinct weights g, per-wavelength factors, a subset of problems."""
    from heterolab.kinetics.ta.derivatives import ColumnTerm, ExpBlock, contract_terms

    rng = np.random.default_rng(7)
    n_w, n_t, q, n_col = (6 if per_wavelength else 1), 9, 3, 4
    e = rng.normal(size=(n_w, n_t, q))
    x, g2 = rng.normal(size=(n_w, n_t)), rng.normal(size=(n_w, n_t))
    a = ExpBlock(e, ((g2, rng.normal(size=q)),), ((None, rng.normal(size=q)),))
    b = ExpBlock(
        e, ((x * g2, rng.normal(size=q)),), ((x, rng.normal(size=q)), (None, rng.normal(size=q)))
    )
    dense = {id(a): a.dense(), id(b): b.dense()}
    factor = rng.normal(size=n_w) if per_wavelength else 1.0
    directions = [
        [ColumnTerm(a, rng.normal(size=(n_col, q)))],
        [
            ColumnTerm(b, rng.normal(size=(n_col, q)), factor),
            ColumnTerm(a, rng.normal(size=(n_col, q)), -2.0),
        ],
        [],
    ]
    idx = np.array([4, 1, 2]) if (subset and per_wavelength) else np.arange(n_w)
    spectra = rng.normal(size=(idx.size, n_col))
    wr = rng.normal(size=(idx.size, n_t))
    as_arrays = [[t._replace(block=dense[id(t.block)]) for t in d] for d in directions]
    dm, back = contract_terms(directions, spectra, wr, idx)
    dm_ref, back_ref = contract_terms(as_arrays, spectra, wr, idx)
    np.testing.assert_allclose(dm, dm_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(back, back_ref, rtol=1e-12, atol=1e-12)
    assert np.all(dm[2] == 0) and np.all(back[2] == 0)


def test_condition_check_agrees_with_the_svd_condition_number() -> None:
    """The cheap 1-norm bound decides like np.linalg.cond on random eigenvector matrices,
    well and badly conditioned (near-parallel columns of a near-defective K)."""
    from heterolab.kinetics.ta.varpro import _condition_exceeds

    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(2, 7))
        a = rng.normal(size=(n, n))
        a[:, -1] = a[:, 0] + 10.0 ** rng.uniform(-8, 0) * rng.normal(size=n)
        for limit in (1e2, 1e4, 1e6):
            assert _condition_exceeds(a, limit) == bool(np.linalg.cond(a) > limit)
    assert _condition_exceeds(np.zeros((3, 3)), 1e4)


def _assert_normal_equations_match_the_jacobian(objective, x: np.ndarray) -> None:
    """``normal(x)`` (accumulated block by block) against ``JᵀJ`` and ``Jᵀr`` of J itself."""
    j, r = objective.jac(x), objective.fun(x)
    gram, grad = objective.normal(x)
    scale = np.sqrt(np.diag(j.T @ j))
    np.testing.assert_allclose(
        gram / np.outer(scale, scale), (j.T @ j) / np.outer(scale, scale), atol=1e-10
    )
    np.testing.assert_allclose(
        grad / scale, (j.T @ r) / scale, rtol=1e-9, atol=1e-9 * np.abs(j.T @ r / scale).max()
    )


@pytest.mark.parametrize("case", DIFFERENCED_CASES)
def test_normal_equations_of_a_differenced_dataset_equal_those_of_its_jacobian(case: str) -> None:
    from heterolab.kinetics.ta.objective import make_objective
    from heterolab.kinetics.ta.target import model_from_mapping

    model = model_from_mapping(_differenced_spec(case))
    prepared = [PreparedDataset(_data(3), model.datasets[0], model.scheme)]
    _assert_normal_equations_match_the_jacobian(
        make_objective(model, model.params, prepared), model.params.to_vector()
    )


@pytest.mark.parametrize("case", JOINT_CASES)
def test_normal_equations_of_a_joint_problem_equal_those_of_its_jacobian(case: str) -> None:
    model, objective = _joint_objective(case)
    _assert_normal_equations_match_the_jacobian(objective, model.params.to_vector())


@pytest.mark.parametrize("case", sorted(CASES))
def test_normal_equations_of_an_analytic_dataset_equal_those_of_its_jacobian(case: str) -> None:
    from heterolab.kinetics.ta.objective import make_objective

    comps, trans, rates, initial, extra = CASES[case]
    model = _model(comps, trans, rates, initial, **extra)
    prepared = [PreparedDataset(_data(3, 0.02), model.datasets[0], model.scheme)]
    _assert_normal_equations_match_the_jacobian(
        make_objective(model, model.params, prepared), model.params.to_vector()
    )
