"""Benchmark: heterolab vs pyglotaran on the Hippius et al. 2007 TA matrix (target model).

Both programs fit the same matrix with the same target model (pyglotaran-examples
``study_transient_absorption/models/model.yml``: 5 rates, s2/s3 equal spectra, a fixed
IRF-limited artefact compartment, Gaussian IRF with 3rd-order dispersion, weights 0.1 in
280-550 and 720-890 nm) from the same start values (examples/models/hippius2007_target.toml),
in one process. Prints both sets of lifetimes, SSE, wall times and the speed ratio.

The model fixes k1 + k2 = k1sum and fits the branching b1 (pyglotaran: ``rates.k1 =
$b.1 * $rates.k1sum``, ``b.2 = 1 - $b.1``; heterolab: split s1, population ratio r = b2/b1,
see the TOML's description); lifetimes 1/k1 and 1/k2 are compared.

Run in the peers' venv (heterolab and pyglotaran in one process, pyglotaran's numpy):
``.venv-bench/bin/python benchmarks/bench_ta_pyglotaran.py [--quick] [--skip-pyglotaran]``.
``--quick`` caps both at 10 function evaluations (a smoke run for the shared machine; the
numbers are then not converged). If heterolab is not installed in that venv, ``src/`` of this
checkout is used. Data: ../shared/data/ta/hippius2007_calixarene_pbi (``--data`` to override).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("heterolab") is None:  # run from a checkout without installing
    sys.path.insert(0, str(REPO / "src"))

from _glotaran import peer_ready  # noqa: E402  (benchmarks/ is the script's folder)

QUICK_NFEV = 10
DATA = (
    REPO.parent
    / "shared/data/ta/hippius2007_calixarene_pbi/demo_data_Hippius_etal_JPCC2007_111_13988_Figs5_9.ascii"
)
MODEL = REPO / "examples/models/hippius2007_target.toml"
RATES = ["k1", "k2", "k3", "k4", "k5"]

GLOTARAN_MODEL = """
default_megacomplex: decay
dataset:
  dataset1:
    megacomplex: [cmplx1]
    initial_concentration: input1
    irf: irf1
megacomplex:
  cmplx1:
    k_matrix: [km1]
k_matrix:
  km1:
    matrix:
      (s2, s1): rates.k1
      (s3, s1): rates.k2
      (s4, s2): rates.k3
      (s4, s3): rates.k4
      (s4, s4): rates.k5
      (s5, s5): rates.kC
initial_concentration:
  input1:
    compartments: [s1, s2, s3, s4, s5]
    parameters: [inputs.1, inputs.0, inputs.0, inputs.0, inputs.iC]
irf:
  irf1:
    type: spectral-multi-gaussian
    center: [irf.center]
    width: [irf.width]
    dispersion_center: irf.dispc
    center_dispersion_coefficients: [irf.disp1, irf.disp2, irf.disp3]
clp_relations:
  - source: s2
    target: s3
    parameter: rel.r1
    interval: [[0, 1000]]
weights:
  - datasets: [dataset1]
    global_interval: [280, 550]
    value: 0.1
  - datasets: [dataset1]
    global_interval: [720, 890]
    value: 0.1
"""


def glotaran_parameters(start: dict) -> str:
    """pyglotaran parameter YAML with heterolab's start values."""
    p = start["parameters"]
    b1 = 1.0 / (1.0 + p["r"]["value"])
    rates = "\n".join(f"  - ['{k}', {p[k]}]" for k in RATES[2:])
    return f"""
b:
  - ['1', {b1}]
  - ['2', {1.0 - b1}, {{'expr': '1 - $b.1'}}]
inputs:
  - ['1', 1, {{'vary': False}}]
  - ['0', 0, {{'vary': False}}]
  - ['iC', 1, {{'vary': False}}]
rel:
  - ['r1', 1, {{'vary': False}}]
rates:
  - ['k1sum', {p["k1sum"]["value"]}, {{'vary': False}}]
  - ['k1', {b1 * p["k1sum"]["value"]}, {{'expr': '$b.1 * $rates.k1sum'}}]
  - ['k2', {(1.0 - b1) * p["k1sum"]["value"]}, {{'expr': '$b.2 * $rates.k1sum'}}]
{rates}
  - ['kC', {p["kC"]["value"]}, {{'vary': False}}]
  - {{'non-negative': True}}
irf:
  - ['center', {p["irf_center"]}]
  - ['width', {p["irf_width"]}]
  - ['dispc', 550, {{'vary': False}}]
  - ['disp1', {p["disp1"]}]
  - ['disp2', {p["disp2"]}]
  - ['disp3', {p["disp3"]}]
"""


def run_heterolab(data: Path, max_nfev: int | None) -> tuple[dict[str, float], float, float]:
    """Fit with heterolab; lifetimes (ps), SSE and wall time (s, including reading)."""
    import heterolab.io as hio
    from heterolab.kinetics.ta.target import fit_target, load_model

    t = time.perf_counter()
    res = fit_target(load_model(MODEL), hio.read(data, kind="ta"), max_nfev=max_nfev)
    wall = time.perf_counter() - t
    k1sum, r = res.value("k1sum"), res.value("r")
    rates = {"k1": k1sum / (1.0 + r), "k2": k1sum * r / (1.0 + r)}
    rates.update({k: res.value(k) for k in RATES[2:]})
    return {k: 1.0 / v for k, v in rates.items()}, res.statistics["sse"], wall


def run_pyglotaran(
    start: dict, data: Path, max_nfev: int | None, tol: float = 1e-8
) -> tuple[dict[str, float], float, float]:
    """Fit with pyglotaran; lifetimes (ps), SSE and wall time (s, including reading).

    ``tol`` is pyglotaran's ftol, gtol and xtol (its default 1e-8).
    """
    from glotaran.io import load_dataset, load_model, load_parameters

    from _glotaran import optimize_timed

    t = time.perf_counter()
    dataset = load_dataset(data)
    model = load_model(GLOTARAN_MODEL, format_name="yml_str")
    params = load_parameters(glotaran_parameters(start), format_name="yml_str")
    result, wall = optimize_timed(
        model, params, {"dataset1": dataset}, started=t, tol=tol, max_nfev=max_nfev
    )
    opt = result.optimized_parameters
    taus = {k: 1.0 / opt.get(f"rates.{k}").value for k in RATES}
    sse = float(result.chi_square)
    return taus, sse, wall


def main() -> None:
    """Run both programs and print lifetimes, SSE, wall times and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-pyglotaran", action="store_true")
    ap.add_argument(
        "--max-nfev",
        type=int,
        default=None,
        help="cap function evaluations of both (default: to convergence)",
    )
    ap.add_argument(
        "--quick", action="store_true", help=f"smoke run: both capped at {QUICK_NFEV} evaluations"
    )
    ap.add_argument("--data", type=Path, default=DATA, help="the Hippius ASCII matrix")
    ap.add_argument(
        "--converge",
        action="store_true",
        help="also run pyglotaran with ftol = gtol = xtol = 1e-12 (its converged optimum, "
        "to which the lifetimes are compared; the speed ratio uses its defaults)",
    )
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"error: data file not found: {args.data} (pass --data)")
    nfev = QUICK_NFEV if args.quick else args.max_nfev
    start = tomllib.loads(MODEL.read_text())
    h_tau, h_sse, h_wall = run_heterolab(args.data, nfev)
    print(
        f"heterolab : {h_wall:8.2f} s  SSE {h_sse:.6g}  lifetimes (ps) "
        + ", ".join(f"{k}={v:.4g}" for k, v in h_tau.items())
    )
    if not peer_ready(args.skip_pyglotaran):
        return
    g_tau, g_sse, g_wall = run_pyglotaran(start, args.data, nfev)
    print(
        f"pyglotaran: {g_wall:8.2f} s  SSE {g_sse:.6g}  lifetimes (ps) "
        + ", ".join(f"{k}={v:.4g}" for k, v in g_tau.items())
    )
    dev = {k: 100 * (h_tau[k] / g_tau[k] - 1) for k in RATES}
    print(
        "deviation heterolab vs pyglotaran (%): "
        + ", ".join(f"{k}={v:+.2f}" for k, v in dev.items())
    )
    print(f"speed ratio pyglotaran/heterolab: {g_wall / h_wall:.1f}x")
    if args.converge:
        c_tau, c_sse, c_wall = run_pyglotaran(start, args.data, nfev, tol=1e-12)
        print(
            f"pyglotaran converged (tol 1e-12): {c_wall:8.2f} s  SSE {c_sse:.6g}  lifetimes (ps) "
            + ", ".join(f"{k}={v:.4g}" for k, v in c_tau.items())
        )
        print(
            "deviation heterolab vs converged pyglotaran (%): "
            + ", ".join(f"{k}={100 * (h_tau[k] / c_tau[k] - 1):+.2f}" for k in RATES)
        )


if __name__ == "__main__":
    main()
