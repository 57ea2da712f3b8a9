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
from heterolab.kinetics.trpl.choices import DecayModel, Estimator


def _free_or_number(text: str, name: str) -> str | float:
    if text == "free":
        return "free"
    try:
        return float(text)
    except ValueError:
        raise ParameterError(f"--{name} must be 'free' or a number, got {text!r}") from None


def _curve(text: str | None) -> int | str | None:
    """``--curve``: a curve index or ``sum``."""
    if text is None or text == "sum":
        return text
    try:
        return int(text)
    except ValueError:
        raise ParameterError(f"--curve/--channel must be a number or 'sum', got {text!r}") from None


def read_decay_option(
    path: Path,
    curve: str | None = None,
    channel: str | None = None,
    bin_width: float | None = None,
    time_unit: str | None = None,
    reader: str | None = None,
) -> Any:
    """One decay read with the options every decay-reading command offers: ``--curve`` (index
    or ``sum``), ``--channel`` (PTU/PHU detector), ``--bin-width`` and ``--time-unit`` (the
    file's time unit and the unit of ``--bin-width``). An option the file's reader cannot use
    is an error, never ignored."""
    from heterolab.io import read_decay

    opts: dict[str, Any] = {
        "curve": _curve(curve),
        "channel": _curve(channel),
        "bin_width": bin_width,
        "reader": reader,
    }
    if time_unit is not None:
        opts["file_time_unit"] = time_unit
        if bin_width is not None:  # bin_width is in the unit of the returned axis
            opts["time_unit"] = time_unit
    return read_decay(path, **{k: v for k, v in opts.items() if v is not None})


CURVE_OPTION = typer.Option(
    None, "--curve", help="Curve in a multi-curve file: index, or 'sum' of all curves."
)
CHANNEL_OPTION = typer.Option(
    None, "--channel", help="Detector channel of a PTU file: number, or 'sum' of all channels."
)
BIN_WIDTH_OPTION = typer.Option(
    None,
    "--bin-width",
    help="Bin width in the --time-unit (ns by default), for files without a time "
    "calibration (IBH, counts-only text).",
)
READER_OPTION = typer.Option(
    None, "--reader", help="Force a reader by name (e.g. text_decay), skipping content checks."
)
TIME_UNIT_OPTION = typer.Option(
    None, "--time-unit", help="Time unit of the file's time column and of --bin-width (e.g. ps)."
)


@trpl_app.command("fit")
@handle_errors
def fit(
    decay: Path = typer.Argument(..., help="Decay histogram file (text, Horiba, .phu/.ptu, .sdt)."),
    irf: Path | None = typer.Option(
        None, "--irf", help="Measured IRF file on the same bins (default: Gaussian IRF)."
    ),
    components: int = typer.Option(2, "--components", "-n", help="Number of exponentials (1-4)."),
    estimator: Estimator = typer.Option(
        Estimator.MLE,
        "--estimator",
        case_sensitive=False,
        help="Fit statistic: mle (Poisson likelihood), lsq (1/y weights), ols (unweighted).",
    ),
    model: DecayModel = typer.Option(
        DecayModel.EXP,
        "--model",
        case_sensitive=False,
        help="Sum of exponentials (exp) or stretched exponential (stretched).",
    ),
    fit_range: tuple[float, float] | None = typer.Option(
        None, "--fit-range", help="Fit window START STOP in ns."
    ),
    shift: str = typer.Option("free", "--shift", help="IRF shift / t0 in ns, or 'free'."),
    background: str = typer.Option(
        "free", "--background", help="Background in counts/bin, or 'free'."
    ),
    irf_fwhm: float | None = typer.Option(
        None, "--irf-fwhm", help="Gaussian IRF FWHM (ns), fixed; fitted when omitted."
    ),
    rep_rate: float | None = typer.Option(
        None, "--rep-rate", help="Laser repetition rate in Hz (models earlier-pulse tails)."
    ),
    tail_start: float | None = typer.Option(
        None, "--tail-start", help="Tail fit without IRF from this time (ns)."
    ),
    bootstrap: int = typer.Option(0, "--bootstrap", help="Bootstrap refits for the errors."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the bootstrap draws."),
    curve: str | None = CURVE_OPTION,
    channel: str | None = CHANNEL_OPTION,
    bin_width: float | None = BIN_WIDTH_OPTION,
    time_unit: str | None = TIME_UNIT_OPTION,
    reader: str | None = READER_OPTION,
    irf_curve: str | None = typer.Option(
        None, "--irf-curve", help="Curve of the IRF in a multi-curve file: index or 'sum'."
    ),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Fit DECAY with 1-4 exponentials (or a stretched exponential) by IRF reconvolution.

    Prints tau_1..tau_N (ns, ascending), amplitude_1..N (fractions summing to 1), background,
    shift and the derived tau_avg_intensity and tau_avg_amplitude with standard errors.
    """
    from heterolab.kinetics.trpl.decay_fit import fit_decay
    from heterolab.result import make_provenance

    data = read_decay_option(decay, curve, channel, bin_width, time_unit, reader)
    irf_data: Any = None
    if irf is not None:  # checked against the decay's bins by fit_decay (heterolab.arrays.as_irf)
        irf_data = read_decay_option(irf, irf_curve, channel, bin_width, time_unit)
    result = fit_decay(
        data,
        irf=irf_data,
        irf_fwhm=irf_fwhm,
        n_components=components,
        estimator=estimator,
        fit_range=fit_range,
        shift=_free_or_number(shift, "shift"),  # type: ignore[arg-type]
        background=_free_or_number(background, "background"),  # type: ignore[arg-type]
        repetition_rate_hz=rep_rate,
        model=model,
        tail_start=tail_start,
        bootstrap=bootstrap,
        seed=seed,
    )
    inputs = [decay] if irf is None else [decay, irf]
    result.provenance["inputs"] = make_provenance(inputs)["inputs"]
    emit(result, as_json, plot=plot)


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
        None, "--irf-fwhm", help="Gaussian IRF FWHM (ns), fixed; fitted when omitted."
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
    irf_data: Any = None
    if irf is not None:  # checked against the map's bins by fit_trpl_map
        irf_data = read_decay_option(irf, None, None, None, time_unit)
    result = fit_trpl_map(
        data, irf=irf_data, irf_fwhm=irf_fwhm, n_components=components, min_counts=min_counts
    )
    inputs = [path] if irf is None else [path, irf]
    result.provenance["inputs"] = make_provenance(inputs)["inputs"]
    emit(result, as_json, plot=plot)
