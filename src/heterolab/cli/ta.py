"""``heterolab ta …``: transient-absorption commands (thin layer over heterolab.kinetics.ta).

Every command reads a matrix, applies the same pre-processing as the Python API
(:func:`load_matrix`: outlier filter, background, chirp correction from a file, wavelength
exclusion, delay window — in that order, the order of KiMoPack's tutorial), runs one public
function and prints its Result. ``--out DIR`` writes the full result (spectra, concentrations,
fitted and residual matrices as CSV, ``result.h5``, ``result.json`` and the figures);
``--json`` prints one JSON document whose ``curves`` block holds the curves (see
docs/ta_cli.md). Choices are case-insensitive. Warnings are printed (to stderr with --json).
"""

from __future__ import annotations

import enum
import json
import re
import sys
from pathlib import Path
from typing import Any

import typer

from heterolab.choices import as_choice
from heterolab.cli._apps import ta_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, handle_errors, save_plot
from heterolab.errors import ParameterError
from heterolab.io.choices import Duplicates, SignalUnit, TimeUnit
from heterolab.kinetics.ta.choices import (
    LIFETIME_PRECISION,
    ChirpMethod,
    CoherentArtifact,
    GlobalModel,
)
from heterolab.result import Result


class Curves(enum.StrEnum):
    """Which curves the --json document carries."""

    NONE = "none"
    SPECTRA = "spectra"  # spectra, concentrations, singular vectors, onset, polynomial
    ALL = "all"  # + the data, fit and residual matrices


# curves in the JSON "curves" block with --curves spectra (the default); "all" adds matrices
_SMALL_CURVES = (
    "spectra",
    "concentrations",
    "residual_singular_values",
    "singular_values",
    "time_vectors",
    "spectral_vectors",
    "onset",
    "polynomial",
    "data",
    "fit",
    "residuals",
)


# ---------------------------------------------------------------------------- shared options
SIGNAL_UNIT = typer.Option(
    SignalUnit.OD, "--signal-unit", case_sensitive=False, help="Unit of the file's values."
)
TIME_UNIT = typer.Option(
    TimeUnit.PS, "--time-unit", case_sensitive=False, help="Unit of the file's delays."
)
DUPLICATES = typer.Option(
    Duplicates.MEAN,
    "--duplicates",
    case_sensitive=False,
    help="Repeated delays: mean (merge, with a warning) or error.",
)
BACKGROUND = typer.Option(
    None,
    "--background",
    help="Subtract the mean signal before this delay (ps), e.g. -0.5.",
)
T_MIN = typer.Option(None, "--t-min", help="Earliest delay used (ps).")
T_MAX = typer.Option(None, "--t-max", help="Latest delay used (ps).")
OUTLIERS = typer.Option(
    None, "--outliers", help="Set points with |signal| above this (OD) to NaN (zero weight)."
)
OUT = typer.Option(
    None, "--out", help="Write the full result (CSV, HDF5, JSON, figures) into this folder."
)
CURVES = typer.Option(
    Curves.SPECTRA,
    "--curves",
    case_sensitive=False,
    help="Curves in the --json 'curves' block: none, spectra (spectra, concentrations, vectors) or all (+ matrices).",
)


def load_matrix(
    path: Path,
    *,
    signal_unit: SignalUnit | str = SignalUnit.OD,
    time_unit: TimeUnit | str = TimeUnit.PS,
    duplicates: Duplicates | str = Duplicates.MEAN,
    outliers: float | None = None,
    background: float | None = None,
    chirp_file: Path | None = None,
    exclude: list[tuple[float, float]] | None = None,
    t_min: float | None = None,
    t_max: float | None = None,
) -> Any:
    """Read a TA matrix and pre-process it as the options say (the CLI's one loader).

    Order: outlier filter, background subtraction, chirp correction from a KiMoPack-style
    file, wavelength exclusion, delay window. Each step is the public function of
    :mod:`heterolab.kinetics.ta.preprocess`, so the same chain in Python gives the same
    matrix.
    """
    from heterolab.io import read
    from heterolab.kinetics.ta import preprocess as pp

    da = read(
        path,
        kind="ta",
        signal_unit=signal_unit,
        time_unit=time_unit,
        duplicates=duplicates,
    )
    notes = list(da.attrs.get("warnings", []))
    if outliers is not None:
        da = pp.filter_outliers(da, outliers)
    if background is not None:
        da = pp.subtract_background(da, background)
    if chirp_file is not None:
        da = pp.correct_chirp(da, pp.read_chirp_file(chirp_file))
    if exclude:
        da = pp.mask_wavelengths(da, exclude)
    if t_min is not None or t_max is not None:
        lo = float(da["time"].min()) if t_min is None else t_min
        hi = float(da["time"].max()) if t_max is None else t_max
        da = pp.select_region(da, time=(lo, hi))
    da.attrs["warnings"] = notes
    return da


def _pairs(values: list[str] | None, option: str) -> list[tuple[float, float]]:
    """``--exclude LOW-HIGH`` ranges (nm; ``-``, ``:`` or ``,`` between) as pairs."""
    out = []
    for text in values or []:
        parts = [v for v in re.split(r"[,:]|(?<=\d)-", text.strip()) if v.strip()]
        try:
            lo, hi = (float(v) for v in parts)
        except ValueError:
            raise ParameterError(
                f"{option} takes a range LOW-HIGH in nm (e.g. 380-405), got {text!r}"
            ) from None
        out.append((lo, hi))
    return out


def _floats(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise ParameterError(f"{option} takes comma-separated numbers, got {text!r}") from None


def _chirp_option(chirp: str | None) -> tuple[str | None, Path | None]:
    """``--chirp``: None, 'auto' (fit the dispersion) or a chirp-coefficient FILE (correct)."""
    if chirp is None or chirp.strip().lower() in ("", "none"):
        return None, None
    if chirp.strip().lower() == "auto":
        return "auto", None
    p = Path(chirp)
    if not p.is_file():
        raise ParameterError(
            f"--chirp {chirp!r}: not 'auto' and no such chirp file (one line of numpy.polyval coefficients, ps vs nm)"
        )
    return None, p


def curves_block(result: Result, which: str) -> dict[str, Any]:
    """The JSON ``curves`` block: ``{key: {"dims", "coords", "values", "units"}}``."""
    import numpy as np

    out: dict[str, Any] = {}
    if which == "none":
        return out
    for key, da in result.curves.items():
        tail = key.rpartition("/")[2]
        matrix = tail in ("data", "fit", "residuals") and "/" in key  # the fits' big matrices
        if which == "spectra" and (matrix or tail not in _SMALL_CURVES):
            continue
        values = np.asarray(da.values, float)
        out[key] = {
            "dims": list(da.dims),
            "coords": {
                d: [c if isinstance(c, str) else float(c) for c in da[d].values.tolist()]
                for d in da.dims
                if d in da.coords
            },
            "values": np.where(np.isfinite(values), values, np.nan).tolist(),
            "units": str(da.attrs.get("units", "")),
        }
    return out


def _emit_ta(
    result: Result,
    as_json: bool,
    *,
    plot: Path | None = None,
    out: Path | None = None,
    curves: Curves | str = Curves.SPECTRA,
) -> None:
    """Print the result (with its curves block for --json), then write --out and --plot."""
    which = as_choice(Curves, curves, "--curves").value
    if as_json:
        payload = result.to_dict()
        payload["curves"] = _json_safe(curves_block(result, which))
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        sys.stdout.flush()
        for w in result.warnings:
            typer.echo(f"warning: {w}", err=True)
    else:
        sys.stdout.write(result.summary() + "\n")
        sys.stdout.flush()
    if out is not None:
        from heterolab.io.ta import write_ta_result

        written = write_ta_result(result, out)
        written += _write_figures(result, out)
        typer.echo(f"wrote {len(written)} files into {out}", err=True)
    if plot is not None:
        save_plot(result, plot)
    if not result.ok:
        raise typer.Exit(1)


def _json_safe(obj: Any) -> Any:
    """NaN/inf as strings (JSON has no NaN), recursively."""
    import math

    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    return obj


def _write_figures(result: Result, out: Path) -> list[Path]:
    """The figure set: one overview per dataset (fits) or the result's own figure."""
    from heterolab.errors import OutputError
    from heterolab.report.plots import save_figure
    from heterolab.report.ta import fit_dataset_names

    names = fit_dataset_names(result)
    paths = []
    try:
        if names:
            from heterolab.report.ta import plot_ta_fit, plot_ta_linked_spectra

            for n in names:
                paths.append(out / f"{n}_overview.png")
                save_figure(plot_ta_fit(result, dataset=n), paths[-1])
            if "linked/spectra" in result.curves:  # one spectrum set shared by the datasets
                paths.append(out / "linked_spectra.png")
                save_figure(plot_ta_linked_spectra(result), paths[-1])
        else:
            paths.append(out / "figure.png")
            save_figure(result.plot(), paths[-1])
    except OSError as exc:
        raise OutputError(f"cannot write figures into {out}: {exc.strerror or exc}") from None
    return paths


# ---------------------------------------------------------------------------- commands
@ta_app.command("fit")
@handle_errors
def fit_cmd(
    matrices: list[Path] = typer.Argument(
        ...,
        help="TA matrix file(s) (csv/txt/SIA/Glotaran .ascii/heterolab .h5); several for a linked FILE.toml model, in its dataset order.",
    ),
    model: str = typer.Option(
        "sequential", "--model", help="parallel | sequential | FILE.toml (target model)."
    ),
    components: int = typer.Option(
        3, "--components", help="Number of components, the long-lived one included."
    ),
    irf_center: float | None = typer.Option(None, "--irf-center", help="IRF centre start (ps)."),
    irf_width: float = typer.Option(0.1, "--irf-width", help="IRF standard deviation start (ps)."),
    fix_irf_width: bool = typer.Option(
        False, "--fix-irf-width", help="Hold the IRF width at --irf-width."
    ),
    fix_irf: bool = typer.Option(
        False, "--fix-irf", help="Hold the IRF centre and width at --irf-center/--irf-width."
    ),
    lifetimes: str | None = typer.Option(
        None, "--lifetimes", help="Start lifetimes, comma-separated (ps), e.g. 0.5,10,300."
    ),
    fix_lifetime: list[int] | None = typer.Option(
        None,
        "--fix-lifetime",
        help="Hold start lifetime N (1-based, ascending order of --lifetimes); repeatable.",
    ),
    chirp: str | None = typer.Option(
        None,
        "--chirp",
        help="'auto': the IRF centre follows a fitted polynomial in wavelength; FILE: correct the matrix with its numpy.polyval coefficients (KiMoPack chirp file) first.",
    ),
    long_lived: bool = typer.Option(
        False, "--long-lived", help="Last component does not decay (tau = inf)."
    ),
    chirp_order: int = typer.Option(
        3, "--chirp-order", help="Degree of the dispersion polynomial with --chirp auto."
    ),
    dispersion_center: float | None = typer.Option(
        None,
        "--dispersion-center",
        help="Reference wavelength of the dispersion polynomial (nm; default 550).",
    ),
    coherent_artifact: CoherentArtifact = typer.Option(
        CoherentArtifact.AUTO,
        "--coherent-artifact",
        case_sensitive=False,
        help="Coherent-artefact terms: auto (kept if a linear BIC test finds them), 0 none, 1-3 = IRF Gaussian and its derivatives.",
    ),
    precision: float = typer.Option(
        LIFETIME_PRECISION,
        "--precision",
        help="Relative half-width of the 95 % interval every lifetime must reach for status ok (0.05: ±5 %).",
    ),
    x_scale: str = typer.Option(
        "jac",
        "--x-scale",
        help="Optimizer variable scaling for FILE.toml models: 'jac' or a positive number (1 suits linked fits).",
    ),
    profile: list[str] | None = typer.Option(
        None,
        "--profile",
        help="Add the 68.3 % profile-likelihood interval of this parameter (tau_1, irf_width, k1 ...); repeatable.",
    ),
    signal_unit: SignalUnit = SIGNAL_UNIT,
    time_unit: TimeUnit = TIME_UNIT,
    duplicates: Duplicates = DUPLICATES,
    background: float | None = BACKGROUND,
    t_min: float | None = T_MIN,
    t_max: float | None = T_MAX,
    exclude: list[str] | None = typer.Option(
        None,
        "--exclude",
        help="Drop wavelengths LOW-HIGH (nm), e.g. --exclude 380-405; repeatable.",
    ),
    outliers: float | None = OUTLIERS,
    out: Path | None = OUT,
    curves: Curves = CURVES,
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Global (parallel/sequential) or target analysis of one TA matrix, or a linked target fit of several."""
    mode, chirp_file = _chirp_option(chirp)
    load: dict[str, Any] = {
        "signal_unit": signal_unit,
        "time_unit": time_unit,
        "duplicates": duplicates,
        "outliers": outliers,
        "background": background,
        "chirp_file": chirp_file,
        "exclude": _pairs(exclude, "--exclude"),
        "t_min": t_min,
        "t_max": t_max,
    }
    if model.lower().endswith(".toml"):
        res = _fit_toml(model, matrices, load, x_scale, profile or [], precision)
    else:
        if len(matrices) != 1:
            raise ParameterError(
                f"--model {model} fits one matrix, got {len(matrices)}; linked fits need a FILE.toml model"
            )
        from heterolab.kinetics.ta.global_fit import fit_global

        res = fit_global(
            load_matrix(matrices[0], **load),
            as_choice(GlobalModel, model, "--model"),
            components,
            irf_center=0.0 if chirp_file is not None and irf_center is None else irf_center,
            irf_width=irf_width,
            long_lived=long_lived,
            chirp=mode,
            chirp_order=chirp_order,
            dispersion_center=dispersion_center,
            lifetimes=_floats(lifetimes, "--lifetimes"),
            coherent_artifact=coherent_artifact,
            fix_irf=fix_irf,
            fix_irf_width=fix_irf_width,
            fix_lifetimes=fix_lifetime or (),
            lifetime_precision=precision,
            profile=profile or (),
            inputs=matrices,
        )
    _emit_ta(res, as_json, plot=plot, out=out, curves=curves)


def _fit_toml(
    model: str,
    matrices: list[Path],
    load: dict[str, Any],
    x_scale: str,
    profile: list[str],
    precision: float = LIFETIME_PRECISION,
) -> Result:
    from heterolab.kinetics.ta.target import fit_target, load_model

    tm = load_model(model)
    names = [d.name for d in tm.datasets]
    if len(names) != len(matrices):
        raise ParameterError(
            f"{model} has {len(names)} dataset(s) ({', '.join(names)}) but {len(matrices)} matrix file(s) were given; pass one per dataset in that order"
        )
    data = {n: load_matrix(m, **load) for n, m in zip(names, matrices, strict=True)}
    scale: str | float = x_scale
    if x_scale != "jac":
        try:
            scale = float(x_scale)
        except ValueError:
            raise ParameterError(
                f"--x-scale must be 'jac' or a positive number, got {x_scale!r}"
            ) from None
    res = fit_target(
        tm, data, inputs=[*matrices, model], x_scale=scale, lifetime_precision=precision
    )
    if profile:
        from heterolab.kinetics.ta.profile import add_profiles

        aliases = {f"tau_{r}": r for r in tm.rate_names}
        add_profiles(res, tm, data, profile, aliases)
    return res


@ta_app.command("kinetics")
@handle_errors
def kinetics_cmd(
    matrix: Path = typer.Argument(..., help="TA matrix file."),
    wavelength: float = typer.Option(..., "--wavelength", help="Probe wavelength (nm)."),
    n_exp: int = typer.Option(1, "--n-exp", help="Number of finite exponentials."),
    long_lived: bool = typer.Option(
        True, "--long-lived/--no-long-lived", help="Add a non-decaying component."
    ),
    irf_center: float = typer.Option(0.0, "--irf-center", help="IRF centre start (ps)."),
    irf_width: float = typer.Option(0.06, "--irf-width", help="IRF standard deviation start (ps)."),
    fix_irf: bool = typer.Option(
        False, "--fix-irf", help="Hold the IRF centre and width at the given values."
    ),
    lifetimes: str | None = typer.Option(
        None, "--lifetimes", help="Start lifetimes, comma-separated (ps)."
    ),
    average: float = typer.Option(
        0.0, "--average", help="Average over this many nm around the wavelength (nm)."
    ),
    coherent_artifact: CoherentArtifact = typer.Option(
        CoherentArtifact.AUTO,
        "--coherent-artifact",
        case_sensitive=False,
        help="Coherent-artefact terms: auto (with and without, lower BIC kept), 0 none, 1-3.",
    ),
    chirp: str | None = typer.Option(
        None, "--chirp", help="FILE: correct the matrix with its polyval coefficients first."
    ),
    signal_unit: SignalUnit = SIGNAL_UNIT,
    time_unit: TimeUnit = TIME_UNIT,
    duplicates: Duplicates = DUPLICATES,
    background: float | None = BACKGROUND,
    t_min: float | None = T_MIN,
    t_max: float | None = T_MAX,
    outliers: float | None = OUTLIERS,
    out: Path | None = OUT,
    curves: Curves = CURVES,
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Multi-exponential fit of one kinetic trace with a Gaussian IRF."""
    from heterolab.kinetics.ta.single import fit_kinetics

    mode, chirp_file = _chirp_option(chirp)
    if mode == "auto":
        raise ParameterError("ta kinetics fits one trace: --chirp takes a chirp FILE, not 'auto'")
    da = load_matrix(
        matrix,
        signal_unit=signal_unit,
        time_unit=time_unit,
        duplicates=duplicates,
        outliers=outliers,
        background=background,
        chirp_file=chirp_file,
        t_min=t_min,
        t_max=t_max,
    )
    res = fit_kinetics(
        da,
        wavelength,
        n_exp=n_exp,
        long_lived=long_lived,
        lifetimes=_floats(lifetimes, "--lifetimes"),
        irf_center=irf_center,
        irf_width=irf_width,
        fix_irf=fix_irf,
        average_width=average,
        coherent_artifact=coherent_artifact,
    )
    _emit_ta(res, as_json, plot=plot, out=out, curves=curves)


@ta_app.command("svd")
@handle_errors
def svd_cmd(
    matrix: Path = typer.Argument(..., help="TA matrix file."),
    n_vectors: int = typer.Option(5, "--vectors", help="Singular vectors to keep."),
    signal_unit: SignalUnit = SIGNAL_UNIT,
    time_unit: TimeUnit = TIME_UNIT,
    duplicates: Duplicates = DUPLICATES,
    background: float | None = BACKGROUND,
    t_min: float | None = T_MIN,
    t_max: float | None = T_MAX,
    exclude: list[str] | None = typer.Option(
        None, "--exclude", help="Drop wavelengths LOW-HIGH (nm), e.g. 380-405; repeatable."
    ),
    outliers: float | None = OUTLIERS,
    out: Path | None = OUT,
    curves: Curves = CURVES,
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Singular values of the matrix and the number of significant components."""
    from heterolab.kinetics.ta.preprocess import svd_analysis

    da = load_matrix(
        matrix,
        signal_unit=signal_unit,
        time_unit=time_unit,
        duplicates=duplicates,
        outliers=outliers,
        background=background,
        exclude=_pairs(exclude, "--exclude"),
        t_min=t_min,
        t_max=t_max,
    )
    _emit_ta(svd_analysis(da, n_vectors), as_json, plot=plot, out=out, curves=curves)


@ta_app.command("chirp")
@handle_errors
def chirp_cmd(
    matrix: Path = typer.Argument(..., help="TA matrix file."),
    order: int = typer.Option(3, "--order", help="Polynomial degree in wavelength."),
    method: ChirpMethod = typer.Option(
        ChirpMethod.SLOPE,
        "--method",
        case_sensitive=False,
        help="Onset: slope (steepest rise) or level (--fraction of peak).",
    ),
    fraction: float = typer.Option(
        0.5, "--fraction", help="Onset level as a fraction of the peak |ΔOD| (method level)."
    ),
    window_min: float | None = typer.Option(
        None, "--window-min", help="Earliest delay searched for the onset (ps)."
    ),
    window_max: float | None = typer.Option(
        None, "--window-max", help="Latest delay searched for the onset (ps)."
    ),
    reference: float = typer.Option(
        550.0, "--reference", help="Reference wavelength of the polynomial (nm)."
    ),
    signal_unit: SignalUnit = SIGNAL_UNIT,
    time_unit: TimeUnit = TIME_UNIT,
    duplicates: Duplicates = DUPLICATES,
    background: float | None = BACKGROUND,
    exclude: list[str] | None = typer.Option(
        None, "--exclude", help="Drop wavelengths LOW-HIGH (nm), e.g. 380-405; repeatable."
    ),
    outliers: float | None = OUTLIERS,
    write_chirp: Path | None = typer.Option(
        None,
        "--write-chirp",
        help="Also write the polynomial as a KiMoPack chirp file (numpy.polyval coefficients) for --chirp FILE.",
    ),
    out: Path | None = OUT,
    curves: Curves = CURVES,
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Estimate time zero against wavelength (group-velocity dispersion) from the onset."""
    from heterolab.errors import OutputError
    from heterolab.kinetics.ta.preprocess import chirp_from_result, estimate_chirp

    da = load_matrix(
        matrix,
        signal_unit=signal_unit,
        time_unit=time_unit,
        duplicates=duplicates,
        outliers=outliers,
        background=background,
        exclude=_pairs(exclude, "--exclude"),
    )
    window = None
    if window_min is not None or window_max is not None:
        t = da["time"].values
        window = (
            float(t.min()) if window_min is None else window_min,
            float(t.max()) if window_max is None else window_max,
        )
    res = estimate_chirp(
        da,
        order=order,
        fraction=fraction,
        window=window,
        method=method,
        reference=reference,
    )
    if write_chirp is not None:
        coeffs = chirp_from_result(res).polyval()
        try:
            write_chirp.write_text(",".join(f"{c:.12g}" for c in coeffs) + "\n", encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"cannot write {write_chirp}: {exc.strerror or exc}") from None
    _emit_ta(res, as_json, plot=plot, out=out, curves=curves)
