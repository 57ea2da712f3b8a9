"""``heterolab demo``: the bundled campaign that reproduces chapters 3 and 4 of the thesis.

The campaign (``examples/demo/campaign.toml``) analyses, across techniques, raw files that
:func:`prepare_inputs` writes into ``<outdir>/inputs`` (simulated by
:mod:`heterolab.simulate` from the thesis's published numbers, deterministic seeds; the printed
Table 3-1; the bundled real public decays): fs-TA global fits and the transfer rate, absorption
(Tauc, sizes) and PL peaks, PLQY in the sphere, Table 3-1 and 3-2 with their Pb/S series, TRPL
quenching and diffusion lengths, band alignment, XRD, XPS Pb 4f and HRTEM (FFT spacings, GPA).
The results, the store and the HTML report go into ``<outdir>``; a second run is served from
the store.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sys
import textwrap
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any, TextIO

from heterolab import __version__
from heterolab.campaign import CampaignRun, run_campaign
from heterolab.errors import ParameterError

__all__ = [
    "DEMO_CAMPAIGN",
    "DEMO_SEED",
    "examples_dir",
    "format_run_summary",
    "prepare_inputs",
    "run_demo",
    "sphere_spectra",
]

DEMO_CAMPAIGN = "demo/campaign.toml"
INPUTS = "inputs"


def examples_dir() -> Path:
    """The bundled examples folder (repository checkout or installed wheel)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "examples", here / "_examples"):
        if (candidate / DEMO_CAMPAIGN).is_file():
            return candidate
    raise ParameterError(
        f"the bundled example campaign {DEMO_CAMPAIGN} was not found next to the package; "
        "reinstall heterolab from its source tree"
    )


def run_demo(
    outdir: str | PathLike[str] = "heterolab-demo",
    *,
    progress: bool = True,
    use_cache: bool = True,
) -> CampaignRun:
    """Write the demo's raw files into ``outdir/inputs`` (kept when unchanged) and run the
    demo campaign into ``outdir`` (default ``./heterolab-demo``)."""
    from heterolab.campaign.runner import prepare_outdir

    out = Path(outdir)
    prepare_outdir(out)
    campaign = prepare_inputs(examples_dir(), out / INPUTS)
    return run_campaign(campaign, out, progress=progress, use_cache=use_cache)


def format_run_summary(run: CampaignRun, max_quantities: int = 6) -> str:
    """Readable summary of a campaign run: key numbers per step, warnings, output paths."""
    lines = [f"{run.campaign.name}", ""]
    for step in run.campaign.steps:
        res = run.results.get(step.id)
        if res is None:
            continue
        flag = {"ok": "", "suspect": "  [SUSPECT]"}.get(res.status, "  [FAILED]")
        cached = "  (cached)" if step.id in run.cached else ""
        lines.append(f"{step.id}: {step.label}{flag}{cached}")
        if step.note:
            lines.extend(
                textwrap.wrap(
                    step.note, width=96, initial_indent="    note: ", subsequent_indent="          "
                )
            )
        if res.message:
            lines.append(f"    {res.message}")
        if res.status == "failed":
            continue
        comparison = res.statistics.get("reference_comparison", {})
        shown = (
            list(res.parameters.items())[:max_quantities]
            + list(res.derived.items())[:max_quantities]
        )
        shown += [(n, res[n]) for n in comparison if n not in dict(shown)]
        for name, q in shown:
            c = comparison.get(name)
            ref_text = ""
            if c is not None:
                verdict = (
                    "ok" if c["verdict"] == "ok" else f"DIFFERS, {c['deviation_sigma']:+.1f} σ"
                )
                ref_text = f"   (published {c['published']:g}: {verdict})"
            value = f"{q}" if math.isfinite(q.value) else f"{q.value} {q.unit}"
            lines.append(f"    {name:<24} {value}{ref_text}")
        lines.extend(f"    ! {w}" for w in res.warnings)
    lines += [
        "",
        f"results table : {run.results_csv}",
        f"results JSON  : {run.results_json}",
        f"figures       : {run.outdir / 'figures'} ({len(run.figures)} PNG)",
        f"result store  : {run.outdir / 'heterolab.sqlite'}",
    ]
    if run.failed:
        lines.append(f"FAILED steps  : {', '.join(run.failed)}")
    return "\n".join(lines)


def main(outdir: str = "heterolab-demo", stream: TextIO | None = None) -> int:
    """Run the demo and print its summary; returns the process exit status."""
    out = stream or sys.stdout
    run = run_demo(outdir)
    out.write(format_run_summary(run) + "\n")
    site = write_demo_report(run)
    out.write(f"\nDemo results written to {run.outdir.resolve()}\n")
    out.write(f"HTML report (opens from disk): {site.resolve()}\n")
    return 1 if run.failed else 0


def write_demo_report(run: CampaignRun) -> Path:
    """Write the demo's static HTML report into ``<outdir>/report``; returns its index page."""
    from heterolab.report.html import build_site
    from heterolab.report.html_source import from_results_folder

    build_site(from_results_folder(run.outdir), run.outdir / "report")
    return run.outdir / "report" / "index.html"


# ---------------------------------------------------------------------- the raw files
# The raw files of ``heterolab demo``: written into ``<outdir>/inputs`` at demo time.
#
# Only what must be real is bundled in the repository (``examples/``): the public decays (LifeFit
# Atto550 + IRF, MIT; tttrlib beads FLIM, BSD-3-Clause), the thesis's printed Table 3-1, the
# simulated chapter-4 quenching-layer decays of ``examples/thesis_trpl`` and the campaign file.
# Everything else is simulated here, deterministically (fixed seeds), by :mod:`heterolab.simulate`
# from the thesis's published numbers:
#
# - ``ch3/``: preset ``thesis-cspbbr3-pbs-1to30`` (fs-TA visible and NIR, absorption and PL, XRD,
#   XPS Pb 4f, HRTEM interface; the TEM image as an ImageJ TIFF with its nm calibration);
# - ``ch4/``: preset ``thesis-pma2pbbr4-cspbbr3`` (absorption and PL, XRD, GPA image);
# - ``ns_ta/``: the Table 3-2 decays of the Pb/S series (one file per ratio);
# - ``plqy/``: integrating-sphere spectra (blank and sample) of the two chapter-4 films with the
#   PLQY of Fig. 4-8a (a Gaussian laser line and a Gaussian emission band, Poisson counts).
#
# A manifest (``inputs/MANIFEST.json``) records the heterolab version, the seed and the SHA-256
# of every file; when it matches, nothing is rewritten (a second demo run only hashes files).

DEMO_SEED = 2024
MANIFEST = "MANIFEST.json"

#: Preset datasets the demo campaign analyses (preset name -> folder, dataset names).
_PRESET_FILES = {
    "thesis-cspbbr3-pbs-1to30": (
        "ch3",
        (
            "ta_vis_470pump_het_1to30",
            "ta_vis_470pump_cspbbr3",
            "ta_nir_470pump_het_1to30",
            "absorption_vis",
            "absorption_nir",
            "pl_vis",
            "pl_nir",
            "xrd",
            "xps_pb4f",
            "tem_interface",
        ),
    ),
    "thesis-pma2pbbr4-cspbbr3": ("ch4", ("absorption", "pl", "xrd", "tem_gpa")),
}

#: Chapter-4 film PLQY (Fig. 4-8a) and the absorptance assumed in the sphere.
_PLQY_FILMS = {"het": (0.010, 0.45), "le": (0.021, 0.40)}

#: Bundled files copied into the inputs folder: source (relative to examples/) -> target.
_BUNDLED = {
    "demo/campaign.toml": "campaign.toml",
    "demo/table_3_1.csv": "table_3_1.csv",
    "thesis_trpl/data/simulated": "trpl",
    "thesis_trpl/data/real": "real",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): _sha256(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def _write_tiff(da: Any, path: Path) -> None:
    """An image as a 32-bit ImageJ TIFF whose resolution and unit give its nm calibration."""
    import numpy as np
    import tifffile

    px = float(da["x"].values[1] - da["x"].values[0])
    tifffile.imwrite(
        path,
        np.asarray(da.values, dtype=np.float32),
        imagej=True,
        resolution=(1.0 / px, 1.0 / px),
        metadata={"unit": "nm"},
    )


def _presets(root: Path, seed: int) -> dict[str, Any]:
    from heterolab.result import json_safe
    from heterolab.simulate import make_preset
    from heterolab.simulate.files import write_array

    truth: dict[str, Any] = {}
    for name, (folder, wanted) in _PRESET_FILES.items():
        preset = make_preset(name, seed=seed)
        out = root / folder
        out.mkdir(parents=True, exist_ok=True)
        for ds in preset.datasets:
            if ds.name not in wanted:
                continue
            if ds.data.dims == ("y", "x"):
                target = out / f"{ds.name}.tif"
                _write_tiff(ds.data, target)
            else:
                target = write_array(ds.data, out / f"{ds.name}.csv")
            truth[f"{folder}/{target.name}"] = {
                "source": ds.source,
                "assumptions": ds.assumptions,
                "truth": json_safe(ds.truth),
            }
        truth[f"{folder}/warnings"] = preset.warnings
    return truth


def _ns_ta(root: Path, seed: int) -> dict[str, Any]:
    from heterolab.result import json_safe
    from heterolab.simulate.files import write_array
    from heterolab.simulate.presets import table_3_2_decays

    out = root / "ns_ta"
    out.mkdir(parents=True, exist_ok=True)
    truth = {}
    for ds in table_3_2_decays(seed=seed):
        path = write_array(ds.data, out / f"{ds.name}.csv")
        truth[f"ns_ta/{path.name}"] = {"source": ds.source, "truth": json_safe(ds.truth)}
    return truth


def sphere_spectra(
    plqy: float, absorptance: float, *, seed: int, laser_counts: float = 2e6
) -> tuple[Any, Any]:
    """Blank and sample integrating-sphere spectra (counts per 0.5 nm bin, 340-650 nm).

    A Gaussian laser line at 365 nm (FWHM 3 nm) with ``laser_counts`` photons; the sample
    absorbs ``absorptance`` of them and re-emits ``plqy`` of the absorbed photons in a Gaussian
    band at 518 nm (FWHM 20 nm, the film PL of Fig. 4-7); 3 dark counts per bin; Poisson noise.
    Returns the two spectra ``(blank, sample)`` as DataArrays (counts against wavelength, nm).
    """
    import numpy as np
    import xarray as xr

    rng = np.random.default_rng(seed)
    wl = np.arange(340.0, 650.0, 0.5)

    def band(center: float, fwhm: float, photons: float) -> np.ndarray:
        s = fwhm / 2.354820045
        g = np.exp(-0.5 * ((wl - center) / s) ** 2)
        return photons * g / g.sum()

    laser = band(365.0, 3.0, laser_counts)
    emission = band(518.0, 20.0, plqy * absorptance * laser_counts)
    dark = 3.0

    def spectrum(mean: np.ndarray, what: str) -> xr.DataArray:
        return xr.DataArray(
            rng.poisson(mean + dark).astype(float),
            dims=("wavelength",),
            coords={"wavelength": ("wavelength", wl, {"units": "nm"})},
            name="counts",
            attrs={"units": "counts", "simulated": True, "what": what},
        )

    return spectrum(laser, "blank"), spectrum(laser * (1 - absorptance) + emission, "sample")


def _plqy(root: Path, seed: int) -> dict[str, Any]:
    from heterolab.simulate.files import write_array

    out = root / "plqy"
    out.mkdir(parents=True, exist_ok=True)
    truth = {}
    for k, (film, (q, a)) in enumerate(_PLQY_FILMS.items()):
        blank, sample = sphere_spectra(q, a, seed=seed + 10 + k)
        write_array(blank, out / f"{film}_blank.csv")
        write_array(sample, out / f"{film}_sample.csv")
        truth[f"plqy/{film}_sample.csv"] = {
            "source": "Yang Yongge, PhD thesis, UEC Tokyo (2024), Fig. 4-8a (PLQY)",
            "assumptions": [
                "laser 365 nm FWHM 3 nm, emission 518 nm FWHM 20 nm, absorptance "
                f"{a}, 2e6 laser photons, 3 dark counts per bin"
            ],
            "truth": {"plqy": q, "absorptance": a},
        }
    return truth


def _copy_bundled(examples: Path, root: Path) -> None:
    for src_rel, dst_rel in _BUNDLED.items():
        src, dst = examples / src_rel, root / dst_rel
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)


def _manifest_ok(root: Path, seed: int, bundled: dict[str, str]) -> bool:
    try:
        old = json.loads((root / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if old.get("heterolab") != __version__ or old.get("seed") != seed:
        return False
    if old.get("bundled") != bundled:
        return False
    files = old.get("files", {})
    return bool(files) and _tree(root) == files


def prepare_inputs(
    examples: Path,
    root: Path,
    *,
    seed: int = DEMO_SEED,
    generators: tuple[Callable[[Path, int], dict[str, Any]], ...] = (_presets, _ns_ta, _plqy),
) -> Path:
    """Write (or keep, when unchanged) the demo's raw files under ``root``; return the
    campaign file's path there.

    ``examples`` is the bundled examples folder. The simulated files are regenerated when the
    manifest is missing, names another heterolab version or seed, or a file's SHA-256 differs.
    """
    bundled = {
        rel: json.dumps(
            _tree(examples / rel) if (examples / rel).is_dir() else _sha256(examples / rel)
        )
        for rel in _BUNDLED
    }
    bundled = {k: hashlib.sha256(v.encode()).hexdigest() for k, v in bundled.items()}
    if _manifest_ok(root, seed, bundled):
        return root / "campaign.toml"
    root.mkdir(parents=True, exist_ok=True)
    _copy_bundled(examples, root)
    truth: dict[str, Any] = {}
    for gen in generators:
        truth.update(gen(root, seed))
    (root / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    manifest = {
        "heterolab": __version__,
        "seed": seed,
        "simulated": "every file except real/ and table_3_1.csv (see truth.json)",
        "bundled": bundled,
        "files": _tree(root),
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return root / "campaign.toml"
