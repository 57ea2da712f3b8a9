"""Benchmark: heterolab vs pyglotaran 0.7.5 on pyglotaran-examples' spectral-guidance model.

Real data (issue #11, held out): pyglotaran-examples ``ex_spectral_guidance`` (Npq2 TA matrix
and the SAS5 guide spectrum, bundled under MIT in examples/data/pyglotaran_examples). The
target model (``models/model_guidance.yml`` with ``parameters_guidance.yml``, restated below
in 0.7.5 syntax; heterolab: examples/models/npq2_spectral_guidance.toml): six compartments,
s1/s4 and s3/s6 with equal spectra, an equal-area penalty, non-negative spectra, and the
guide spectrum of s5 whose scale (scale.2) is free. Both programs start from the same values
in one process; wall times include reading the files.

Printed: heterolab (defaults, multi-start included, and one local fit without it), pyglotaran
as the example notebook runs it (at most 23 evaluations) and with its defaults, their SSE and
rates, and the ratios. ``--converge`` adds pyglotaran at ftol = gtol = xtol = 1e-12 from its
own start and from heterolab's optimum: the objective is flat along k5, k6 and the guide's
scale (pyglotaran's own standard errors there: ±2200 %, ±78 %, ±250 %), so the two programs
stop at different points of that valley; started at heterolab's optimum, pyglotaran's own
optimiser shows whether it accepts that point.

Run in the peers' venv: ``/tmp/ta/venv-bench/bin/python benchmarks/bench_ta_guidance_pyglotaran.py
[--converge] [--skip-pyglotaran]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("heterolab") is None:  # run from a checkout without installing
    sys.path.insert(0, str(REPO / "src"))

from _glotaran import peer_ready  # noqa: E402  (benchmarks/ is the script's folder)

FOLDER = REPO / "examples" / "data" / "pyglotaran_examples" / "ex_spectral_guidance"
DATA = FOLDER / "Npq2_220219_800target3fasea.ascii"
GUIDE = FOLDER / "sas5_guide.csv"
MODEL = REPO / "examples" / "models" / "npq2_spectral_guidance.toml"
RATES = ("k1", "k2", "k4", "k5", "k6", "scale2")

GLOTARAN_MODEL = """
default_megacomplex: decay
dataset_groups:
  default:
    residual_function: non_negative_least_squares
dataset:
  dataset1:
    megacomplex: [complex1]
    initial_concentration: input1
    irf: irf1
    scale: scale.1
  dataset2:
    megacomplex: [complex2]
    scale: scale.2
megacomplex:
  complex1:
    k_matrix: [km1]
  complex2:
    type: clp-guide
    dimension: time
    target: s5
k_matrix:
  km1:
    matrix:
      (s1, s4): rates.k1
      (s3, s1): rates.k2
      (s2, s1): rates.k3
      (s5, s2): rates.k4
      (s6, s3): rates.k5
      (s6, s6): rates.k6
      (s5, s5): rates.k6
initial_concentration:
  input1:
    compartments: [s1, s2, s3, s4, s5, s6]
    parameters: [inputs.s1, inputs.s1, inputs.s1, inputs.s2, inputs.s1, inputs.s1]
clp_area_penalties:
  - type: equal_area
    source: s2
    source_intervals: [[0, 1000]]
    target: s1
    target_intervals: [[0, 1000]]
    parameter: area.1
    weight: 1.E-6
clp_relations:
  - source: s1
    target: s4
    parameter: rel.r1
    interval: [[0, 1000]]
  - source: s3
    target: s6
    parameter: rel.r1
    interval: [[0, 1000]]
irf:
  irf1:
    type: gaussian
    center: irf.center
    width: irf.width
"""


def glotaran_parameters(start: dict[str, float]) -> str:
    """parameters_guidance.yml with the free values of ``start`` (heterolab names)."""
    return f"""
inputs:
  - ["s1", 0, {{vary: False}}]
  - ["s2", 1, {{vary: False}}]
rates:
  - ["k1", {start["k1"]!r}]
  - ["k2", {start["k2"]!r}]
  - ["k3", 0.087, {{"vary": False}}]
  - ["k4", {start["k4"]!r}]
  - ["k5", {start["k5"]!r}]
  - ["k6", {start["k6"]!r}]
  - {{"non-negative": True}}
area:
  - ['1', 3.4634, {{"vary": False}}]
rel:
  - ['r1', 1, {{"vary": False}}]
scale:
  - ["1", 1, {{"vary": False}}]
  - ["2", {start["scale2"]!r}, {{"vary": True}}]
irf:
  - ["center", -1.00000005E-3, {{"vary": False}}]
  - ["width", 4.15255752E-4, {{"vary": False}}]
"""


START = {"k1": 0.21, "k2": 0.1955, "k4": 0.267, "k5": 0.0064, "k6": 1.3e-6, "scale2": 0.862}


def run_heterolab(multistart: bool = True) -> tuple[dict[str, float], float, float, str]:
    """heterolab's fit; rates and scale, SSE, wall time (s), status."""
    import heterolab.io as hio
    from heterolab.kinetics.ta.target import fit_target, load_model

    t = time.perf_counter()
    res = fit_target(
        load_model(MODEL), hio.read(DATA, kind="ta"), starts=None if multistart else []
    )
    wall = time.perf_counter() - t
    return {k: res.value(k) for k in RATES}, res.statistics["sse"], wall, res.status


def _guide_ascii(folder: Path) -> Path:
    """The SAS5 guide in the legacy Glotaran layout pyglotaran's notebook reads (one
    'time' interval at 0, the spectrum along wavelength), from the bundled CSV."""
    rows = [ln.split(",") for ln in GUIDE.read_text().splitlines()[2:] if ln.strip()]
    body = "\n".join(f"   {float(w):.6f}       {float(v):.5f}" for w, v in rows)
    path = folder / "guide.ascii"
    path.write_text(
        f" fitted spectra\n nl:         {len(rows)}\n Time explicit\n Intervalnr            1\n           0\n{body}\n"
    )
    return path


def run_pyglotaran(
    start: dict[str, float], tol: float = 1e-8, max_nfev: int | None = None
) -> tuple[dict[str, float], float, float]:
    """pyglotaran's fit (ftol = gtol = xtol = ``tol``); rates and scale, χ², wall time (s)."""
    from glotaran.io import load_dataset, load_model, load_parameters

    from _glotaran import optimize_timed

    with tempfile.TemporaryDirectory() as tmp:
        model_file = Path(tmp) / "model.yml"
        model_file.write_text(GLOTARAN_MODEL)
        guide = _guide_ascii(Path(tmp))
        t = time.perf_counter()
        data = {"dataset1": load_dataset(DATA), "dataset2": load_dataset(guide)}
        model = load_model(model_file)
        params = load_parameters(glotaran_parameters(start), format_name="yml_str")
        result, wall = optimize_timed(model, params, data, started=t, tol=tol, max_nfev=max_nfev)
    opt = result.optimized_parameters
    out = {k: opt.get(f"rates.{k}").value for k in RATES if k != "scale2"}
    out["scale2"] = opt.get("scale.2").value
    return out, float(result.chi_square), wall


def _show(name: str, values: dict[str, float], sse: float, wall: float, extra: str = "") -> None:
    taus = ", ".join(
        f"1/{k}={1 / v:.6g}" if k.startswith("k") else f"{k}={v:.6g}" for k, v in values.items()
    )
    print(f"{name:<44s} {wall:7.2f} s  SSE {sse:.10g}  {taus} {extra}")


def main() -> None:
    """Run both programs; print rates, SSE, wall times and ratios."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-pyglotaran", action="store_true")
    ap.add_argument("--converge", action="store_true", help="also pyglotaran at tol 1e-12")
    args = ap.parse_args()
    import heterolab.io  # imports before the clocks
    import heterolab.kinetics.ta.target  # noqa: F401

    run_peer = peer_ready(args.skip_pyglotaran)
    h, h_sse, h_wall, status = run_heterolab()
    _show("heterolab (multi-start)", h, h_sse, h_wall, status)
    one, one_sse, one_wall, one_status = run_heterolab(multistart=False)
    _show("heterolab (one local fit)", one, one_sse, one_wall, one_status)
    if not run_peer:
        return
    nb = run_pyglotaran(START, max_nfev=23)
    _show("pyglotaran (notebook: at most 23 evaluations)", *nb)
    g = run_pyglotaran(START)
    _show("pyglotaran (defaults)", *g)
    print(
        f"speed ratio pyglotaran/heterolab: defaults {g[2] / h_wall:.1f}x "
        f"({g[2] / one_wall:.1f}x one local fit each); notebook {nb[2] / h_wall:.1f}x"
    )
    print(f"SSE heterolab / pyglotaran (defaults): {h_sse / g[1]:.8f}")
    if args.converge:
        c = run_pyglotaran(START, tol=1e-12)
        _show("pyglotaran (tol 1e-12)", *c)
        f = run_pyglotaran(h, tol=1e-12)
        _show("pyglotaran (tol 1e-12, from heterolab's optimum)", *f)
        print(
            "pyglotaran from heterolab's optimum vs heterolab (%): "
            + ", ".join(f"{k} {100 * (f[0][k] / h[k] - 1):+.3f}" for k in RATES)
            + f"; SSE ratio {f[1] / h_sse:.8f}"
        )


if __name__ == "__main__":
    main()
