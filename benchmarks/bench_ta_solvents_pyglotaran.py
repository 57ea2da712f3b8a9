"""Benchmark: heterolab vs pyglotaran 0.7.5 on fs-TA in three solvents with chirp files.

Real held-out data (issue #11, "TA in several solvents with chirp files"): KiMoPack's tutorial
matrices of [(tbbpy)2Ru(dppz)]2+ after 400 nm excitation in acetonitrile, dichloromethane and
water (``Tutorial_Notebooks/Data/Fitting-1`` of github.com/erdzeichen/KiMoPack, GPL-3.0: read
from a KiMoPack checkout, never copied here), each with its chirp polynomial file.

Pre-processing as KiMoPack's tutorial 1, by heterolab (pyglotaran has no chirp-file
correction; it gets the same corrected matrix): |ΔOD| > 20 removed, background = mean before
-0.5 ps, chirp corrected with the solvent's file, pump scatter 380-405 nm cut, delays
0.3-2000 ps; the last delay, which the chirp shift leaves partly empty, is
dropped (pyglotaran needs every cell). Model per solvent as the tutorial's parallel (``exponential``) fits, with a
Gaussian IRF of σ = 0.12 ps (KiMoPack's ``resolution``, fixed) in both programs:

- ACN: two free rates (starts 1/2, 1/150 ps⁻¹) + a non-decaying component, t0 free;
- DCM: one free rate (1/2 ps⁻¹) + one fixed at 1/180 ns, t0 fixed at 0;
- H2O: three free rates (1/0.5, 1/100, 1/1500 ps⁻¹), t0 free.

Printed per solvent: lifetimes, SSE and wall time of heterolab (defaults, multi-start
included; and one local fit), pyglotaran with its defaults (the speed ratio) and, with
``--converge``, pyglotaran at ftol = gtol = xtol = 1e-12 (the lifetimes compared).

Run in the peers' venv: ``/tmp/ta/venv-bench/bin/python benchmarks/bench_ta_solvents_pyglotaran.py
--kimopack PATH/TO/KiMoPack/Tutorial_Notebooks/Data/Fitting-1 [--converge] [--solvent ACN]``.
Without ``--kimopack`` the acetonitrile file of ../shared/data/ta/kimopack_ru_dppz_acn is used.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("heterolab") is None:  # run from a checkout without installing
    sys.path.insert(0, str(REPO / "src"))

from _glotaran import peer_ready  # noqa: E402  (benchmarks/ is the script's folder)

SHARED_ACN = REPO.parent / "shared" / "data" / "ta" / "kimopack_ru_dppz_acn"
SIGMA = 0.12  # ps, KiMoPack's "resolution" of the tutorial, fixed in both programs

# solvent -> (free start rates 1/ps, fixed extra rate or None (no such component), t0 free)
MODELS: dict[str, tuple[list[float], float | None, bool]] = {
    "ACN": ([1 / 2.0, 1 / 150.0], 0.0, True),
    "DCM": ([1 / 2.0], 1 / 180e3, False),
    "H2O": ([1 / 0.5, 1 / 100.0, 1 / 1500.0], None, True),
}


def preprocessed(folder: Path, solvent: str) -> Any:
    """The tutorial's corrected matrix (time x wavelength, ΔOD) of one solvent."""
    from heterolab.io import read
    from heterolab.kinetics.ta import preprocess as pp

    stem = f"TA_Ru-dppz_400nm_{solvent}"
    da = read(folder / f"{stem}.SIA", kind="ta")
    da = pp.subtract_background(pp.filter_outliers(da, 20.0), -0.5)
    da = pp.correct_chirp(da, pp.read_chirp_file(folder / f"{stem}_chirp.dat"))
    wl = da["wavelength"].values
    da = da.sel(wavelength=wl[(wl < 380.0) | (wl > 405.0)])
    da = da.sel(time=slice(0.3, 2000.0))
    full = np.isfinite(da.transpose("time", "wavelength").values).all(axis=1)
    return da.isel(time=np.flatnonzero(full))  # pyglotaran needs every cell


def heterolab_model(solvent: str) -> Any:
    """The parallel model with the tutorial's starts, as a heterolab target model."""
    from heterolab.kinetics.ta.target import model_from_mapping

    free, extra, t0_free = MODELS[solvent]
    names = [f"k{i + 1}" for i in range(len(free))] + (["kx"] if extra is not None else [])
    comps = [f"s{i + 1}" for i in range(len(names))]
    params: dict[str, Any] = dict(zip(names, free, strict=False))
    if extra is not None:
        params["kx"] = {"value": extra, "vary": False}
    params["t0"] = 0.0 if t0_free else {"value": 0.0, "vary": False}
    params["sigma"] = {"value": SIGMA, "vary": False}
    return model_from_mapping(
        {
            "compartments": comps,
            "transitions": [
                {"from": c, "to": "ground", "rate": n} for c, n in zip(comps, names, strict=True)
            ],
            "parameters": params,
            "datasets": [
                {
                    "name": "ta",
                    "initial": dict.fromkeys(comps, 1.0),
                    "irf": {"center": "t0", "width": "sigma"},
                }
            ],
        }
    )


def run_heterolab(
    da: Any, solvent: str, multistart: bool = True
) -> tuple[list[float], float, float, str]:
    """Lifetimes of the free rates (ps), SSE, wall time (s), status."""
    from heterolab.kinetics.ta.target import fit_target

    model = heterolab_model(solvent)
    t = time.perf_counter()
    res = fit_target(model, da, starts=None if multistart else [])
    wall = time.perf_counter() - t
    n = len(MODELS[solvent][0])
    taus = sorted(1.0 / res.value(f"k{i + 1}") for i in range(n))
    return taus, float(res.statistics["sse"]), wall, res.status


def _glotaran_files(solvent: str, tmp: Path) -> tuple[Path, str]:
    free, extra, t0_free = MODELS[solvent]
    n = len(free) + (extra is not None)
    comps = [f"s{i + 1}" for i in range(n)]
    matrix = "\n".join(f"      ({c}, {c}): rates.{i + 1}" for i, c in enumerate(comps))
    model = f"""
default_megacomplex: decay
initial_concentration:
  input1:
    compartments: [{", ".join(comps)}]
    parameters: [{", ".join(["inputs.1"] * n)}]
k_matrix:
  km1:
    matrix:
{matrix}
megacomplex:
  mc1:
    k_matrix: [km1]
irf:
  irf1:
    type: gaussian
    center: irf.center
    width: irf.width
dataset:
  dataset1:
    initial_concentration: input1
    megacomplex: [mc1]
    irf: irf1
"""
    rates = [f'  - ["{i + 1}", {v!r}]' for i, v in enumerate(free)]
    if extra is not None:
        rates.append(f'  - ["{n}", {extra!r}, {{vary: False}}]')
    params = (
        'inputs:\n  - ["1", 1, {vary: False}]\nrates:\n'
        + "\n".join(rates)
        + f'\nirf:\n  - ["center", 0.0, {{vary: {t0_free}}}]\n'
        + f'  - ["width", {SIGMA!r}, {{vary: False}}]\n'
    )
    path = tmp / "model.yml"
    path.write_text(model)
    return path, params


def run_pyglotaran(da: Any, solvent: str, tol: float = 1e-8) -> tuple[list[float], float, float]:
    """pyglotaran's fit of the same matrix and model; lifetimes (ps), χ², wall time (s)."""
    import xarray as xr
    from glotaran.io import load_model, load_parameters

    from _glotaran import optimize_timed

    data = xr.Dataset(
        {"data": (("time", "spectral"), da.transpose("time", "wavelength").values)},
        coords={"time": da["time"].values, "spectral": da["wavelength"].values},
    )
    with tempfile.TemporaryDirectory() as tmp:
        model_file, params = _glotaran_files(solvent, Path(tmp))
        t = time.perf_counter()
        model = load_model(model_file)
        parameters = load_parameters(params, format_name="yml_str")
        result, wall = optimize_timed(model, parameters, {"dataset1": data}, started=t, tol=tol)
    opt = result.optimized_parameters
    taus = sorted(1.0 / opt.get(f"rates.{i + 1}").value for i in range(len(MODELS[solvent][0])))
    return taus, float(result.chi_square), wall


def _show(name: str, taus: list[float], sse: float, wall: float, extra: str = "") -> None:
    lifetimes = ", ".join(f"{t:.5g}" for t in taus)
    print(f"  {name:<30s} {wall:7.2f} s  SSE {sse:.10g}  lifetimes (ps) {lifetimes} {extra}")


def main() -> None:
    """Fit each solvent with both programs; print lifetimes, SSE, times and ratios."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kimopack", type=Path, default=None, help="KiMoPack's Data/Fitting-1")
    ap.add_argument("--solvent", choices=[*MODELS, "all"], default="all")
    ap.add_argument("--converge", action="store_true", help="also pyglotaran at tol 1e-12")
    ap.add_argument("--skip-pyglotaran", action="store_true")
    args = ap.parse_args()
    folder = args.kimopack or SHARED_ACN
    solvents = list(MODELS) if args.solvent == "all" else [args.solvent]
    import heterolab.kinetics.ta.target  # noqa: F401  (imports before the clocks)

    run_peer = peer_ready(args.skip_pyglotaran)
    for solvent in solvents:
        if not (folder / f"TA_Ru-dppz_400nm_{solvent}.SIA").exists():
            print(f"{solvent}: skipped ({folder} has no file for it)")
            continue
        da = preprocessed(folder, solvent)
        print(f"{solvent}: {da.sizes['time']} delays x {da.sizes['wavelength']} wavelengths")
        h = run_heterolab(da, solvent)
        _show("heterolab (multi-start)", *h[:3], h[3])
        one = run_heterolab(da, solvent, multistart=False)
        _show("heterolab (one local fit)", *one[:3], one[3])
        if not run_peer:
            continue
        g = run_pyglotaran(da, solvent)
        _show("pyglotaran (defaults)", *g)
        print(
            f"  speed ratio pyglotaran/heterolab {g[2] / h[2]:.1f}x "
            f"({g[2] / one[2]:.1f}x one local fit each); SSE ratio {h[1] / g[1]:.8f}"
        )
        if args.converge:
            c = run_pyglotaran(da, solvent, tol=1e-12)
            _show("pyglotaran (tol 1e-12)", *c)
            dev = ", ".join(f"{100 * (a / b - 1):+.4f}" for a, b in zip(h[0], c[0], strict=True))
            print(f"  heterolab vs converged pyglotaran (%): {dev}; SSE ratio {h[1] / c[1]:.8f}")


if __name__ == "__main__":
    main()
