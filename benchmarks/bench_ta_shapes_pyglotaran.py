"""Benchmark: parametric spectral shapes, heterolab vs pyglotaran 0.7.5 ("full model").

pyglotaran writes a spectral model as a dataset whose ``megacomplex`` is the kinetic one and
whose ``global_megacomplex`` is a spectral megacomplex with one shape per compartment. Its
linear parameters are then the whole matrix A of ``Y = C A G^T`` (C: populations, G: bands),
n_species² amplitudes: species j's spectrum is Σ_i A_ij G_i (pyglotaran's
``MatrixProvider.calculate_full_matrices`` takes the Kronecker product of the two matrices).
heterolab's ``shapes`` give each compartment ONE band (A diagonal). Both models are compared
where they are the same model:

- ``one``: one decaying species with a skewed-Gaussian band (A is 1 x 1);
- ``two``: a sequential s1 -> s2 with a Gaussian and a skewed-Gaussian band in pyglotaran's
  bilinear form, written in heterolab with every species split into one compartment per
  band (s1g, s1s, s2g, s2s; the copies share their rates, so their populations are equal,
  and the band parameters are shared by name): the same n_species² amplitudes.

Data: a seeded synthetic matrix (closed-form populations convolved numerically with the
Gaussian IRF, bands from their formulas, Gaussian noise). Both programs start from the same
values. Prints lifetimes and band parameters, SSE, wall times and relative deviations (bar:
within 0.5 %, heterolab's SSE equal or lower). ``--repeat N`` fits N times and reports the
fastest wall time (the first call of either program includes one-time set-up).

Run in the peers' venv: ``OPENBLAS_NUM_THREADS=1 PYTHONPATH=src /tmp/ta/venv-bench/bin/python
benchmarks/bench_ta_shapes_pyglotaran.py --repeat 3`` (``--skip-pyglotaran`` for heterolab
alone). If heterolab is not installed there, ``src/`` of this checkout is used. That venv has
no threadpoolctl, so heterolab cannot limit BLAS to one thread itself; on a loaded machine
OpenBLAS's threads then make even 1x1 LAPACK calls take ~30 ms (heterolab 10x slower), hence
the variable (it applies to both programs).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

REPO = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("heterolab") is None:  # run from a checkout without installing
    sys.path.insert(0, str(REPO / "src"))

from _glotaran import peer_ready  # noqa: E402  (benchmarks/ is the script's folder)

LN2 = np.log(2.0)
TIME = np.concatenate([np.arange(-1.0, 2.0, 0.05), np.geomspace(2.0, 150.0, 90)])
WL = np.arange(400.0, 702.0, 3.0)
IRF = (0.2, 0.08)  # centre, σ (ps)
START = {"irf_center": 0.15, "irf_width": 0.1}


def band(x: np.ndarray, x0: float, fwhm: float, b: float = 0.0) -> np.ndarray:
    """Unit-peak Gaussian (b = 0) or Fraser-Suzuki band of FWHM ``fwhm``."""
    u = 2.0 * (x - x0) / fwhm
    if b == 0.0:
        return np.exp(-LN2 * u**2)
    arg = 1.0 + b * u
    out = np.zeros_like(x)
    ok = arg > 0
    out[ok] = np.exp(-LN2 * (np.log(arg[ok]) / b) ** 2)
    return out


def populations(rates: list[float]) -> np.ndarray:
    """Sequential chain from s1 = 1 (one or two species), IRF-convolved numerically."""
    t0, sigma = IRF
    s = np.linspace(-7 * sigma, 7 * sigma, 2801)
    g = np.exp(-0.5 * (s / sigma) ** 2)
    g /= np.trapezoid(g, s)
    x = TIME[:, None] - t0 - s[None, :]
    on = x >= 0
    xe = np.where(on, x, 0.0)
    k1 = rates[0]
    cols = [np.where(on, np.exp(-k1 * xe), 0.0)]
    if len(rates) > 1:
        k2 = rates[1]
        cols.append(np.where(on, k1 / (k2 - k1) * (np.exp(-k1 * xe) - np.exp(-k2 * xe)), 0.0))
    return np.stack([np.trapezoid(c * g, s, axis=1) for c in cols], axis=1)


CASES = {
    "one": {
        "rates": {"k1": 0.1},
        "start_rates": {"k1": 0.08},
        "bands": {"loc2": (590.0, 600.0), "w2": (80.0, 70.0), "sk2": (0.35, 0.2)},
        "spectra": lambda: [-0.7 * band(WL, 590.0, 80.0, 0.35)],
    },
    "two": {
        "rates": {"k1": 0.5, "k2": 0.05},
        "start_rates": {"k1": 0.4, "k2": 0.06},
        "bands": {
            "loc1": (480.0, 470.0),
            "w1": (60.0, 70.0),
            "loc2": (590.0, 600.0),
            "w2": (80.0, 70.0),
            "sk2": (0.35, 0.2),
        },
        "spectra": lambda: [band(WL, 480.0, 60.0), -0.7 * band(WL, 590.0, 80.0, 0.35)],
    },
}


def make_data(case: str, seed: int = 7, noise: float = 0.004) -> xr.DataArray:
    c = CASES[case]
    y = populations(list(c["rates"].values())) @ np.stack(c["spectra"]())
    y = y + np.random.default_rng(seed).normal(0.0, noise, y.shape)
    return xr.DataArray(y, dims=("time", "wavelength"), coords={"time": TIME, "wavelength": WL})


def heterolab_model(case: str) -> dict:
    """The TOML model (as a mapping): one compartment per species and band."""
    c = CASES[case]
    params = {**START, **c["start_rates"], **{k: v[1] for k, v in c["bands"].items()}}
    skewed = {"kind": "skewed_gaussian", "location": "loc2", "width": "w2", "skewness": "sk2"}
    if case == "one":
        comps, trans, shapes, initial = (
            ["s1"],
            [{"from": "s1", "rate": "k1"}],
            {"s1": skewed},
            {"s1": 1.0},
        )
    else:
        gauss = {"kind": "gaussian", "location": "loc1", "width": "w1"}
        comps = ["s1g", "s1s", "s2g", "s2s"]
        trans = [
            {"from": "s1g", "to": "s2g", "rate": "k1"},
            {"from": "s1s", "to": "s2s", "rate": "k1"},
            {"from": "s2g", "rate": "k2"},
            {"from": "s2s", "rate": "k2"},
        ]
        shapes = {"s1g": gauss, "s1s": skewed, "s2g": gauss, "s2s": skewed}
        initial = {"s1g": 1.0, "s1s": 1.0}
    return {
        "compartments": comps,
        "transitions": trans,
        "parameters": params,
        "datasets": [
            {
                "name": "vis",
                "initial": initial,
                "irf": {"center": "irf_center", "width": "irf_width"},
                "shapes": shapes,
            }
        ],
    }


def run_heterolab(case: str, data: xr.DataArray) -> tuple[dict[str, float], float, float]:
    from heterolab.kinetics.ta.target import fit_target, model_from_mapping

    t = time.perf_counter()
    res = fit_target(model_from_mapping(heterolab_model(case)), data, starts=[])
    wall = time.perf_counter() - t
    out = {f"tau_{k}": 1.0 / res.value(k) for k in CASES[case]["rates"]}
    out.update({k: res.value(k) for k in CASES[case]["bands"]})
    print(f"  heterolab status: {res.status} {res.message}")
    return out, res.statistics["sse"], wall


def glotaran_model(case: str) -> str:
    if case == "one":
        kmat, init, shapes = "(s1, s1): rates.k1", "[s1]\n    parameters: [inputs.1]", "s1: sh2"
    else:
        kmat = "(s2, s1): rates.k1\n      (s2, s2): rates.k2"
        init = "[s1, s2]\n    parameters: [inputs.1, inputs.0]"
        shapes = "s1: sh1\n      s2: sh2"
    return f"""
dataset:
  dataset1:
    megacomplex: [mc1]
    global_megacomplex: [mc2]
    initial_concentration: input1
    irf: irf1
megacomplex:
  mc1:
    type: decay
    k_matrix: [km1]
  mc2:
    type: spectral
    shape:
      {shapes}
k_matrix:
  km1:
    matrix:
      {kmat}
initial_concentration:
  input1:
    compartments: {init}
irf:
  irf1:
    type: gaussian
    center: irf.center
    width: irf.width
shape:
  sh1:
    type: gaussian
    location: shapes.loc1
    width: shapes.w1
  sh2:
    type: skewed-gaussian
    location: shapes.loc2
    width: shapes.w2
    skewness: shapes.sk2
"""


def glotaran_parameters(case: str) -> str:
    c = CASES[case]
    rates = "\n".join(f"  - ['{k}', {v}]" for k, v in c["start_rates"].items())
    shapes = "\n".join(f"  - ['{k}', {v[1]}]" for k, v in c["bands"].items())
    return f"""
inputs:
  - ['1', 1, {{'vary': False}}]
  - ['0', 0, {{'vary': False}}]
irf:
  - ['center', {START["irf_center"]}]
  - ['width', {START["irf_width"]}]
rates:
{rates}
  - {{'non-negative': True}}
shapes:
{shapes}
"""


def run_pyglotaran(case: str, data: xr.DataArray) -> tuple[dict[str, float], float, float]:
    from glotaran.io import load_model, load_parameters
    from glotaran.optimization.optimize import optimize
    from glotaran.project.scheme import Scheme

    ds = xr.Dataset({"data": data.rename(wavelength="spectral")})
    t = time.perf_counter()
    model = load_model(glotaran_model(case), format_name="yml_str")
    params = load_parameters(glotaran_parameters(case), format_name="yml_str")
    result = optimize(Scheme(model, params, {"dataset1": ds}), verbose=False)
    wall = time.perf_counter() - t
    opt = result.optimized_parameters
    out = {f"tau_{k}": 1.0 / opt.get(f"rates.{k}").value for k in CASES[case]["rates"]}
    out.update({k: opt.get(f"shapes.{k}").value for k in CASES[case]["bands"]})
    return out, float(result.chi_square), wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-pyglotaran", action="store_true")
    ap.add_argument("--case", choices=[*CASES, "all"], default="all")
    ap.add_argument(
        "--repeat", type=int, default=1, help="fit N times each; report the fastest wall time"
    )
    args = ap.parse_args()
    for case in CASES if args.case == "all" else [args.case]:
        data = make_data(case)
        print(f"case {case!r}:")
        h, h_sse, h_wall = _best(run_heterolab, case, data, args.repeat)
        print(f"  heterolab : {h_wall:7.2f} s  SSE {h_sse:.8g}  " + _fmt(h))
        if not peer_ready(args.skip_pyglotaran):
            continue
        g, g_sse, g_wall = _best(run_pyglotaran, case, data, args.repeat)
        print(f"  pyglotaran: {g_wall:7.2f} s  SSE {g_sse:.8g}  " + _fmt(g))
        dev = {k: 100 * (h[k] / g[k] - 1) for k in h}
        print("  deviation (%): " + ", ".join(f"{k}={v:+.4f}" for k, v in dev.items()))
        print(
            f"  SSE heterolab/pyglotaran - 1: {h_sse / g_sse - 1:+.2e}; "
            f"speed ratio pyglotaran/heterolab: {g_wall / h_wall:.1f}x"
        )


def _best(run, case: str, data: xr.DataArray, n: int) -> tuple[dict[str, float], float, float]:
    """``run`` repeated ``n`` times: the last optimum and the fastest wall time."""
    out = [run(case, data) for _ in range(max(n, 1))]
    return out[-1][0], out[-1][1], min(o[2] for o in out)


def _fmt(d: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.6g}" for k, v in d.items())


if __name__ == "__main__":
    main()
