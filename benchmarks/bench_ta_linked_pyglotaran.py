"""Benchmark: heterolab vs pyglotaran 0.7.5 on linked datasets with a scale, and on a guide.

Both programs fit the same synthetic matrices with the same model from the same starts, in
one process (issue #11: lifetimes within 0.5 %, SSE equal or lower):

- ``linked``: s1 -> s2 -> ground measured at full and at 0.6 x the excitation density on
  wavelength grids 0.3 nm apart; spectra linked within 0.5 nm, the weak dataset's scale
  free (heterolab ``link_spectra = {tolerance = 0.5}``, dataset ``scale``; pyglotaran
  ``link_clp: true``, ``clp_link_tolerance = 0.5``, dataset ``scale``).
- ``guide``: two parallel decays from one excitation with a free branching p (initial
  population of s2), which the free spectra alone leave open, and the known spectrum of s2
  (heterolab dataset ``guide``; pyglotaran a ``clp-guide`` dataset linked to the data).

- ``co_c2o`` (real data, ../shared/data/ta/glotaran_2016_co_c2o_tol, MIT): the
  pyglotaran-examples two-dataset model (models/model_2d_co_co2.yml, parameters
  parameters_2d_co_co2.yml, written in 0.7.5 syntax) as pyglotaran 0.7.5 runs it: s1-s4
  spectra linked between the datasets on their common grid, c2o's scale.2 free; heterolab
  examples/models/co_c2o_linked_scaled.toml from the same starts.

The synthetic matrices come from an independent generator written here: closed-form populations
convolved numerically with the Gaussian IRF on a 4 fs grid, Gaussian noise (seeded).

Run in the peers' venv: ``/tmp/ta/venv-bench/bin/python benchmarks/bench_ta_linked_pyglotaran.py``
(``--skip-pyglotaran`` runs heterolab only). If heterolab is not installed there, ``src/``
of this checkout is used.

Measured 2026-12-02 on the shared 2-core machine under load (wall times vary 2x run to run):
linked: lifetimes and scale equal to 1e-4 %, SSE equal to 8 digits, 1.1 s vs 4.4 s; guide:
lifetimes within 1e-4 %, p within 3e-4 %, SSE equal, 0.4-1.4 s vs 0.7-2.0 s; co_c2o (real):
tau_k3 -0.0015 %, tau_k4 -0.0002 %, tau_k5 +0.0001 %, scale2 equal, SSE 15172.615 both
(ratio 1.00000000), 61 s vs 106 s (1.7x). With the projected Jacobian (later the same day,
both on one BLAS thread): co_c2o tau_k3 -0.0013 %, tau_k4 -0.0001 %, scale2 equal, SSE ratio
1.00000000, 12.0 s vs 27.2 s (2.3x; heterolab's time includes its multi-start). After the block
contractions and lighter screening fits (quiet machine, later the same day): 2.7 s vs 13.3 s
(4.8-5.0x in two runs), one local fit without the multi-start 1.75 s (7.6-8.1x), same lifetimes
and SSE. After the normal-equation steps (scipy's trf on the (n+1)-row equivalent problem, no
tall Jacobian formed; load ~1, two runs): 2.4-2.7 s vs 16.1-16.8 s (5.9-7.1x), one local fit
1.7-1.8 s (8.8-9.8x), tau_k3 -0.0012 %, SSE ratio 1.00000000.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("heterolab") is None:  # run from a checkout without installing
    sys.path.insert(0, str(REPO / "src"))

from _glotaran import peer_ready  # noqa: E402  (benchmarks/ is the script's folder)

T = np.concatenate([np.linspace(-1.0, 2.0, 61), np.geomspace(2.1, 400.0, 60)])
WL_A = np.linspace(450.0, 650.0, 41)
WL_B = WL_A + 0.3
K1, K2, SCALE_B, P = 1 / 2.0, 1 / 40.0, 0.6, 0.6
T0, SIGMA, NOISE = 0.15, 0.08, 2e-4
START = {"k1": 0.3, "k2": 0.05, "scale": 1.0, "p": 1.0, "center": 0.1, "width": 0.1}


def _convolved(pops: list[np.ndarray], fine: np.ndarray, step: float) -> np.ndarray:
    g = np.exp(-0.5 * (np.arange(-6 * SIGMA, 6 * SIGMA + step / 2, step) / SIGMA) ** 2)
    g /= g.sum()
    return np.array(
        [np.interp(T - T0, fine, np.convolve(p * (fine >= 0), g, mode="same")) for p in pops]
    )


def _bands(wl: np.ndarray) -> np.ndarray:
    s1 = -0.008 * np.exp(-(((wl - 500) / 35) ** 2)) + 0.006 * np.exp(-(((wl - 600) / 50) ** 2))
    s2 = 0.008 * np.exp(-(((wl - 590) / 45) ** 2)) - 0.003 * np.exp(-(((wl - 480) / 30) ** 2))
    return np.stack([s1, s2])


def linked_data(seed: int = 7) -> list[tuple[np.ndarray, np.ndarray]]:
    """(ΔOD (time, wl), wl) of the full and the weak dataset of s1 -> s2 -> ground."""
    step = 0.004
    fine = np.arange(-3.0, 410.0, step)
    tp = np.clip(fine, 0, None)
    s1 = np.exp(-K1 * tp)
    s2 = K1 / (K2 - K1) * (np.exp(-K1 * tp) - np.exp(-K2 * tp))
    conc = _convolved([s1, s2], fine, step)
    rng = np.random.default_rng(seed)
    return [
        (scale * conc.T @ _bands(wl) + rng.normal(0, NOISE, (T.size, wl.size)), wl)
        for wl, scale in ((WL_A, 1.0), (WL_B, SCALE_B))
    ]


def guide_data(seed: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """ΔOD of two parallel decays (s2 populated with P) and the true s2 spectrum."""
    step = 0.004
    fine = np.arange(-3.0, 410.0, step)
    tp = np.clip(fine, 0, None)
    conc = _convolved([np.exp(-K1 * tp), P * np.exp(-K2 * tp)], fine, step)
    y = conc.T @ _bands(WL_A) + np.random.default_rng(seed).normal(0, NOISE, (T.size, WL_A.size))
    return y, _bands(WL_A)[1]


# ---------------------------------------------------------------------------- heterolab
def _heterolab_spec(case: str, guide: np.ndarray | None = None) -> dict:
    irf = {"center": "irf_center", "width": "irf_width"}
    parallel = case == "guide"
    out = {
        "compartments": ["s1", "s2"],
        "transitions": [
            {"from": "s1", "to": "ground" if parallel else "s2", "rate": "k1"},
            {"from": "s2", "to": "ground", "rate": "k2"},
        ],
        "parameters": {
            "k1": START["k1"],
            "k2": START["k2"],
            "irf_center": START["center"],
            "irf_width": START["width"],
        },
    }
    if case == "linked":
        out["parameters"]["s_b"] = START["scale"]
        out["datasets"] = [
            {"name": "full", "initial": {"s1": 1.0}, "irf": irf},
            {"name": "weak", "initial": {"s1": 1.0}, "irf": irf, "scale": "s_b"},
        ]
        out["link_spectra"] = {"tolerance": 0.5}
    else:
        out["parameters"]["p"] = START["p"]
        g = {"compartment": "s2", "wavelength": WL_A.tolist(), "value": guide.tolist()}
        out["datasets"] = [
            {"name": "d", "initial": {"s1": 1.0, "s2": "p"}, "irf": irf, "guide": [g]}
        ]
    return out


CO_DIR = REPO.parent / "shared/data/ta/glotaran_2016_co_c2o_tol"
CO_FILES = {"co": CO_DIR / "2016co_tol.ascii", "c2o": CO_DIR / "2016c2o_tol.ascii"}
CO_MODEL = REPO / "examples/models/co_c2o_linked_scaled.toml"
CO_RATES = ("k3", "k4", "k5")


def run_heterolab_co(multistart: bool = True) -> tuple[dict[str, float], float, float]:
    """The real two-dataset fit with heterolab (x_scale 1, as the model file recommends);
    ``multistart=False`` is the one local fit from the model's start that pyglotaran does
    (heterolab's default adds a grid search and screening fits from other starts)."""
    from heterolab.io import read
    from heterolab.kinetics.ta.target import fit_target, load_model

    t = time.perf_counter()
    data = {n: read(f, kind="ta") for n, f in CO_FILES.items()}
    res = fit_target(load_model(CO_MODEL), data, x_scale=1.0, starts=None if multistart else [])
    wall = time.perf_counter() - t
    out = {f"tau_{k}": 1 / res.value(k) for k in CO_RATES}
    out["scale2"] = res.value("scale2")
    print(f"  heterolab status: {res.status} {res.message}")
    return out, res.statistics["sse"], wall


def run_heterolab(case: str) -> tuple[dict[str, float], float, float]:
    """Lifetimes 1/k (ps) and scale or branching, SSE, wall time (s)."""
    from heterolab.io.ta import make_ta_array
    from heterolab.kinetics.ta.target import fit_target, model_from_mapping

    if case == "co_c2o":
        return run_heterolab_co()
    if case == "linked":
        data = [make_ta_array(y, T, wl) for y, wl in linked_data()]
        model = model_from_mapping(_heterolab_spec(case))
        extra = "s_b"
    else:
        y, g = guide_data()
        data = [make_ta_array(y, T, WL_A)]
        model = model_from_mapping(_heterolab_spec(case, g))
        extra = "p"
    t = time.perf_counter()
    res = fit_target(model, data, x_scale=1.0)
    wall = time.perf_counter() - t
    out = {"tau1": 1 / res.value("k1"), "tau2": 1 / res.value("k2"), extra: res.value(extra)}
    print(f"  heterolab status: {res.status} {res.message}")
    return out, res.statistics["sse"], wall


# ---------------------------------------------------------------------------- pyglotaran
PYG_LINKED = """
default_megacomplex: decay
dataset_groups:
  default:
    link_clp: true
dataset:
  full:
    megacomplex: [m1]
    initial_concentration: input1
    irf: irf1
  weak:
    megacomplex: [m1]
    initial_concentration: input1
    irf: irf1
    scale: scale.weak
megacomplex:
  m1:
    k_matrix: [km1]
k_matrix:
  km1:
    matrix:
      (s2, s1): rates.k1
      (s2, s2): rates.k2
initial_concentration:
  input1:
    compartments: [s1, s2]
    parameters: [inputs.1, inputs.0]
irf:
  irf1:
    type: gaussian
    center: irf.center
    width: irf.width
"""

PYG_GUIDE = """
dataset_groups:
  default:
    link_clp: true
dataset:
  d:
    megacomplex: [m1]
    initial_concentration: input1
    irf: irf1
  guide:
    megacomplex: [g1]
megacomplex:
  m1:
    type: decay
    k_matrix: [km1]
  g1:
    type: clp-guide
    target: s2
    dimension: time
k_matrix:
  km1:
    matrix:
      (s1, s1): rates.k1
      (s2, s2): rates.k2
initial_concentration:
  input1:
    compartments: [s1, s2]
    parameters: [inputs.1, branch.p]
    exclude_from_normalize: [s1, s2]
irf:
  irf1:
    type: gaussian
    center: irf.center
    width: irf.width
"""


PYG_CO = """
default_megacomplex: decay
dataset_groups:
  default:
    link_clp: true
dataset:
  co:
    megacomplex: [cmplx1]
    initial_concentration: input1
    irf: irf1
    scale: scale.1
  c2o:
    megacomplex: [cmplx2]
    initial_concentration: input2
    irf: irf2
    scale: scale.2
megacomplex:
  cmplx1:
    k_matrix: [km1]
  cmplx2:
    k_matrix: [km2]
k_matrix:
  km1:
    matrix:
      (s2, s1): rates.k1
      (s3, s1): rates.k2
      (s4, s2): rates.k3
      (s4, s3): rates.k4
      (s4, s4): rates.k5
      (s5, s5): rates.kC
  km2:
    matrix:
      (s2, s1): rates.k1
      (s3, s1): rates.k2
      (s4, s2): rates.k3d2
      (s4, s3): rates.k4d2
      (s4, s4): rates.k5
      (s6, s6): rates.kC
initial_concentration:
  input1:
    compartments: [s1, s2, s3, s4, s5]
    parameters: [inputs.1, inputs.0, inputs.0, inputs.0, inputs.iC]
  input2:
    compartments: [s1, s2, s3, s4, s6]
    parameters: [inputs.1, inputs.0, inputs.0, inputs.0, inputs.iC]
irf:
  irf1:
    type: spectral-multi-gaussian
    center: [irf.center]
    width: [irf.width]
    dispersion_center: irf.dispc
    center_dispersion_coefficients: [irf.disp1, irf.disp2, irf.disp3]
  irf2:
    type: spectral-multi-gaussian
    center: [irf2.center]
    width: [irf.width]
    dispersion_center: irf.dispc
    center_dispersion_coefficients: [irf.disp1, irf.disp2, irf.disp3]
clp_relations:
  - source: s2
    target: s3
    parameter: rel.r1
    interval: [[0, 1000]]
weights:
  - datasets: [co, c2o]
    global_interval: [280, 550]
    value: 0.1
  - datasets: [co, c2o]
    global_interval: [720, 890]
    value: 0.2
"""


def _pyg_co_params() -> str:
    """parameters_2d_co_co2.yml's values, as in the heterolab model file."""
    import tomllib

    p = tomllib.loads(CO_MODEL.read_text())["parameters"]
    return f"""
inputs:
  - ['1', 1, {{'vary': False}}]
  - ['0', 0, {{'vary': False}}]
  - ['iC', 1, {{'vary': False}}]
scale:
  - ['1', 1, {{'vary': False}}]
  - ['2', {p["scale2"]}]
rel:
  - ['r1', 1, {{'vary': False}}]
rates:
  - ['k1', {p["k1"]["value"]}, {{'vary': False}}]
  - ['k2', {p["k2"]["value"]}, {{'vary': False}}]
  - ['k3', {p["k3"]}]
  - ['k4', {p["k4"]}]
  - ['k3d2', {2 * p["k3"]}, {{'expr': '2*$rates.k3'}}]
  - ['k4d2', {2 * p["k4"]}, {{'expr': '2*$rates.k4'}}]
  - ['k5', {p["k5"]}]
  - ['kC', {p["kC"]["value"]}, {{'vary': False}}]
  - {{'non-negative': True}}
irf:
  - ['center', {p["irf_center"]}]
  - ['width', {p["irf_width"]}]
  - ['dispc', 550, {{'vary': False}}]
  - ['disp1', {p["disp1"]}]
  - ['disp2', {p["disp2"]}]
  - ['disp3', {p["disp3"]}]
irf2:
  - ['center', {p["irf2_center"]}]
"""


def _pyg_params(case: str) -> str:
    extra = (
        f"scale:\n  - ['weak', {START['scale']}]\n"
        if case == "linked"
        else f"branch:\n  - ['p', {START['p']}]\n"
    )
    return f"""
rates:
  - ['k1', {START["k1"]}]
  - ['k2', {START["k2"]}]
  - {{'non-negative': True}}
inputs:
  - ['1', 1, {{'vary': False}}]
  - ['0', 0, {{'vary': False}}]
irf:
  - ['center', {START["center"]}]
  - ['width', {START["width"]}]
{extra}"""


def run_pyglotaran(case: str) -> tuple[dict[str, float], float, float]:
    """The same fit with pyglotaran (its default tolerances, ftol = gtol = xtol = 1e-8)."""
    import xarray as xr
    from glotaran.io import load_model, load_parameters
    from glotaran.optimization.optimize import optimize
    from glotaran.project.scheme import Scheme

    def ds(y: np.ndarray, time_axis: np.ndarray, wl: np.ndarray) -> xr.Dataset:
        return xr.Dataset(
            {"data": (("time", "spectral"), y)}, coords={"time": time_axis, "spectral": wl}
        )

    if case == "co_c2o":
        from glotaran.io import load_dataset

        t = time.perf_counter()
        scheme = Scheme(
            load_model(PYG_CO, format_name="yml_str"),
            load_parameters(_pyg_co_params(), format_name="yml_str"),
            {n: load_dataset(f) for n, f in CO_FILES.items()},
        )
        result = optimize(scheme, verbose=False)
        wall = time.perf_counter() - t
        opt = result.optimized_parameters
        out = {f"tau_{k}": 1 / opt.get(f"rates.{k}").value for k in CO_RATES}
        out["scale2"] = opt.get("scale.2").value
        return out, float(result.chi_square), wall
    if case == "linked":
        data = {n: ds(y, T, wl) for n, (y, wl) in zip(("full", "weak"), linked_data(), strict=True)}
        model, tol, extra = PYG_LINKED, 0.5, ("s_b", "scale.weak")
    else:
        y, g = guide_data()
        data = {"d": ds(y, T, WL_A), "guide": ds(g[None, :], np.array([0.0]), WL_A)}
        model, tol, extra = PYG_GUIDE, 0.0, ("p", "branch.p")
    t = time.perf_counter()
    scheme = Scheme(
        load_model(model, format_name="yml_str"),
        load_parameters(_pyg_params(case), format_name="yml_str"),
        data,
        clp_link_tolerance=tol,
    )
    result = optimize(scheme, verbose=False)
    wall = time.perf_counter() - t
    opt = result.optimized_parameters
    out = {
        "tau1": 1 / opt.get("rates.k1").value,
        "tau2": 1 / opt.get("rates.k2").value,
        extra[0]: opt.get(extra[1]).value,
    }
    return out, float(result.chi_square), wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-pyglotaran", action="store_true")
    ap.add_argument("--case", choices=["linked", "guide", "co_c2o", "all"], default="all")
    args = ap.parse_args()
    cases = ["linked", "guide", "co_c2o"] if args.case == "all" else [args.case]
    truth = {"tau1": 1 / K1, "tau2": 1 / K2, "s_b": SCALE_B, "p": P}
    for case in cases:
        if case == "co_c2o" and not CO_DIR.exists():
            print(f"case co_c2o skipped: {CO_DIR} not found")
            continue
        shown = {"linked": ("tau1", "tau2", "s_b"), "guide": ("tau1", "tau2", "p")}.get(case, ())
        print(f"case {case}: truth " + (", ".join(f"{k}={truth[k]:.4g}" for k in shown) or "-"))
        h, h_sse, h_wall = run_heterolab(case)
        print(
            f"  heterolab : {h_wall:7.2f} s  SSE {h_sse:.8g}  "
            + ", ".join(f"{k}={v:.6g}" for k, v in h.items())
        )
        one_wall = None
        if case == "co_c2o":  # the same fit without heterolab's multi-start
            one, one_sse, one_wall = run_heterolab_co(multistart=False)
            print(
                f"  heterolab, one local fit (no multi-start): {one_wall:7.2f} s  "
                f"SSE {one_sse:.8g}  " + ", ".join(f"{k}={v:.6g}" for k, v in one.items())
            )
        if not peer_ready(args.skip_pyglotaran):
            continue
        g, g_sse, g_wall = run_pyglotaran(case)
        print(
            f"  pyglotaran: {g_wall:7.2f} s  SSE {g_sse:.8g}  "
            + ", ".join(f"{k}={v:.6g}" for k, v in g.items())
        )
        diff = {k: 100 * (h[k] - g[k]) / g[k] for k in h}
        print(
            "  heterolab - pyglotaran (%): "
            + ", ".join(f"{k} {v:+.4f}" for k, v in diff.items())
            + f"; SSE ratio {h_sse / g_sse:.8f}; speed ratio {g_wall / h_wall:.1f}x"
            + (f" ({g_wall / one_wall:.1f}x one local fit each)" if one_wall else "")
        )


if __name__ == "__main__":
    main()
