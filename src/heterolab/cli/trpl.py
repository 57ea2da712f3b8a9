"""``heterolab trpl fit`` / ``trpl map``: thin layers over ``fit_decay`` / ``fit_trpl_map``.

Example::

    heterolab trpl fit Atto550_DNA.txt --irf irf.txt --components 2 --json
    heterolab trpl map map.txt --irf-fwhm 0.2 --components 2 --plot das.png
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from heterolab.cli._apps import trpl_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, emit, handle_errors
from heterolab.errors import ParameterError


def _free_or_number(text: str, name: str) -> str | float:
    if text == "free":
        return "free"
    try:
        return float(text)
    except ValueError:
        raise ParameterError(f"--{name} must be 'free' or a number, got {text!r}") from None


def _read(path: Path, curve: int | None) -> Any:
    from heterolab.io import read_decay

    return read_decay(path) if curve is None else read_decay(path, curve=curve)


def _irf_on_decay_bins(irf: Any, decay: Any, irf_path: Path) -> Any:
    """The IRF's counts, after checking that it shares the decay's time bins."""
    import numpy as np

    t_d, t_i = np.asarray(decay["time"].values), np.asarray(irf["time"].values)
    if t_i.shape != t_d.shape:
        raise ParameterError(
            f"{irf_path}: IRF has {t_i.size} bins but the decay has {t_d.size}; "
            "the IRF must be on the same time bins"
        )
    if not np.allclose(t_i, t_d, rtol=1e-6, atol=1e-9 * max(float(np.ptp(t_d)), 1.0)):
        raise ParameterError(f"{irf_path}: IRF time axis differs from the decay's time axis")
    return irf.values


@trpl_app.command("fit")
@handle_errors
def fit(
    decay: Path = typer.Argument(..., help="Decay histogram file (text, Horiba, .phu/.ptu, .sdt)."),
    irf: Path | None = typer.Option(
        None, "--irf", help="Measured IRF file on the same bins (default: Gaussian IRF)."
    ),
    components: int = typer.Option(2, "--components", "-n", help="Number of exponentials (1-4)."),
    estimator: str = typer.Option(
        "mle", "--estimator", help="mle (Poisson likelihood) | lsq (1/y weights) | ols."
    ),
    model: str = typer.Option("exp", "--model", help="exp | stretched."),
    fit_range: tuple[float, float] | None = typer.Option(
        None, "--fit-range", help="Fit window START STOP in ns."
    ),
    shift: str = typer.Option("free", "--shift", help="IRF shift / t0 in ns, or 'free'."),
    background: str = typer.Option(
        "free", "--background", help="Background in counts/bin, or 'free'."
    ),
    irf_fwhm: float | None = typer.Option(
        None, "--irf-fwhm", help="Gaussian IRF FWHM in ns (fixed; fitted when omitted)."
    ),
    rep_rate: float | None = typer.Option(
        None, "--rep-rate", help="Laser repetition rate in Hz (models earlier-pulse tails)."
    ),
    tail_start: float | None = typer.Option(
        None, "--tail-start", help="Tail fit without IRF from this time (ns)."
    ),
    bootstrap: int = typer.Option(0, "--bootstrap", help="Bootstrap refits for the errors."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the bootstrap draws."),
    curve: int | None = typer.Option(None, "--curve", help="Curve index in a multi-curve file."),
    irf_curve: int | None = typer.Option(None, "--irf-curve", help="Curve index of the IRF."),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Fit DECAY with 1-4 exponentials (or a stretched exponential) by IRF reconvolution.

    Prints tau_1..tau_N (ns, ascending), amplitude_1..N (fractions summing to 1), background,
    shift and the derived tau_avg_intensity and tau_avg_amplitude with standard errors.
    """
    from heterolab.kinetics.trpl.decay_fit import fit_decay
    from heterolab.result import make_provenance

    data = _read(decay, curve)
    irf_counts: Any = None
    if irf is not None:
        irf_counts = _irf_on_decay_bins(_read(irf, irf_curve), data, irf)
    result = fit_decay(
        data,
        irf=irf_counts,
        irf_fwhm=irf_fwhm,
        n_components=components,
        estimator=estimator,  # type: ignore[arg-type]
        fit_range=fit_range,
        shift=_free_or_number(shift, "shift"),  # type: ignore[arg-type]
        background=_free_or_number(background, "background"),  # type: ignore[arg-type]
        repetition_rate_hz=rep_rate,
        model=model,  # type: ignore[arg-type]
        tail_start=tail_start,
        bootstrap=bootstrap,
        seed=seed,
    )
    inputs = [decay] if irf is None else [decay, irf]
    result.provenance["inputs"] = make_provenance(inputs)["inputs"]
    if plot is not None:
        from heterolab.report.plots import save_figure

        save_figure(result.plot(), plot)
    emit(result, as_json)


@trpl_app.command("map")
@handle_errors
def trpl_map(
    path: Path = typer.Argument(
        ..., help="Text matrix: first row times, first column wavelengths (nm), counts inside."
    ),
    irf: Path | None = typer.Option(
        None, "--irf", help="Measured IRF file on the map's time bins (default: Gaussian IRF)."
    ),
    components: int = typer.Option(2, "--components", "-n", help="Shared exponentials (1-4)."),
    time_unit: str = typer.Option("ns", "--time-unit", help="Unit of the time axis in the file."),
    transposed: bool = typer.Option(
        False, "--transposed", help="The file's rows are times and its columns wavelengths."
    ),
    irf_fwhm: float | None = typer.Option(
        None, "--irf-fwhm", help="Gaussian IRF FWHM in ns (fixed; fitted when omitted)."
    ),
    min_counts: float = typer.Option(
        1000.0, "--min-counts", help="Smallest row total fitted on its own."
    ),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Global fit of a TRPL map: shared lifetimes, DAS, lifetime per wavelength and energy.

    The per-wavelength lifetime is the intensity-weighted mean of separate Poisson-ML fits.
    """
    from heterolab.io import read_matrix_text
    from heterolab.kinetics.trpl.trpl_map import fit_trpl_map
    from heterolab.result import make_provenance

    data = read_matrix_text(
        path,
        row_dim="wavelength",
        col_dim="time",
        row_unit="nm",
        col_unit=time_unit,
        value_unit="counts",
        name="counts",
        layout="transposed" if transposed else "as_is",
    )
    irf_counts: Any = None
    if irf is not None:
        irf_counts = _irf_on_decay_bins(_read(irf, None), data, irf)
    result = fit_trpl_map(
        data, irf=irf_counts, irf_fwhm=irf_fwhm, n_components=components, min_counts=min_counts
    )
    inputs = [path] if irf is None else [path, irf]
    result.provenance["inputs"] = make_provenance(inputs)["inputs"]
    if plot is not None:
        from heterolab.report.plots import save_figure

        save_figure(result.plot(), plot)
    emit(result, as_json)
