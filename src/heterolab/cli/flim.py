"""``heterolab trpl flim | phasor | batch``: FLIM images and many decays (thin CLI layer).

Examples::

    heterolab trpl flim beads.ptu --binning 3 --out results/ --json
    heterolab trpl phasor beads.ptu --binning 2
    heterolab trpl batch 140507p.sdt --irf-curve 0 --components 2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from heterolab.cli._apps import trpl_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, emit, handle_errors
from heterolab.cli.trpl import BIN_WIDTH_OPTION, CHANNEL_OPTION, TIME_UNIT_OPTION
from heterolab.errors import ParameterError
from heterolab.kinetics.trpl.choices import BatchEstimator


def _irf_argument(irf: Path | None, irf_fwhm: float | None, channel: int | None = None) -> Any:
    """A measured IRF read from a file (its time axis is checked against the data's bins by
    the fit, :func:`heterolab.arrays.as_irf`) or a Gaussian FWHM in ns, or None."""
    if irf is not None and irf_fwhm is not None:
        raise ParameterError("give either --irf FILE or --irf-fwhm NS, not both")
    if irf_fwhm is not None:
        return float(irf_fwhm)
    if irf is None:
        return None
    from heterolab.cli.trpl import read_decay_option

    return read_decay_option(irf, None, channel)


def _write_outputs(result: Any, out: Path, stem: str) -> None:
    from heterolab.io import write_hdf5
    from heterolab.report.plots import save_figure

    out.mkdir(parents=True, exist_ok=True)
    write_hdf5(result, out / f"{stem}.h5", overwrite=True)
    save_figure(result.plot(), out / f"{stem}.png")


@trpl_app.command("flim")
@handle_errors
def flim_command(
    image: Path = typer.Argument(..., help="FLIM file (PTU/SDT image or heterolab HDF5)."),
    irf: Path | None = typer.Option(None, "--irf", help="Measured IRF file on the same time bins."),
    irf_fwhm: float | None = typer.Option(
        None, "--irf-fwhm", help="Gaussian IRF FWHM (ns); fitted when omitted."
    ),
    components: int = typer.Option(
        1, "--components", "-n", help="Exponential components per pixel (1-3)."
    ),
    binning: int = typer.Option(
        0, "--binning", "-b", help="Spatial binning half-width K ((2K+1)^2 pixels)."
    ),
    min_photons: float | None = typer.Option(
        None, "--min-photons", help="Mask pixels with fewer photons (default 100 per component)."
    ),
    estimator: BatchEstimator = typer.Option(
        BatchEstimator.MLE,
        "--estimator",
        case_sensitive=False,
        help="Fit statistic: mle (Poisson likelihood) or lsq (1/y weights).",
    ),
    channel: int | None = CHANNEL_OPTION,
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the lifetime map PNG and HDF5."
    ),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Pixel-wise lifetime fit of a FLIM image (calls heterolab.kinetics.trpl.flim.fit_flim)."""
    from heterolab.io import read_flim
    from heterolab.kinetics.trpl.flim import fit_flim

    da = read_flim(image) if channel is None else read_flim(image, channel=channel)
    result = fit_flim(
        da,
        irf=_irf_argument(irf, irf_fwhm),
        n_components=components,
        binning=binning,
        min_photons=min_photons,
        estimator=estimator,
    )
    result.provenance["inputs"] = {image.name: {"path": str(image)}}
    if out is not None:
        _write_outputs(result, out, f"{image.stem}_flim")
    emit(result, as_json, plot=plot)


@trpl_app.command("phasor")
@handle_errors
def phasor_command(
    image: Path = typer.Argument(..., help="FLIM file or decay file."),
    reference: Path | None = typer.Option(
        None, "--reference", help="Reference decay/image (IRF or dye) file."
    ),
    reference_lifetime: float | None = typer.Option(
        None,
        "--reference-lifetime",
        help="Lifetime of the reference in ns (0 for an IRF). Without --reference the image itself is the reference.",
    ),
    frequency: float | None = typer.Option(
        None,
        "--frequency-mhz",
        help="Laser frequency in MHz (default from the file, else 1/window).",
    ),
    harmonic: int = typer.Option(1, "--harmonic", help="Harmonic of the laser frequency."),
    binning: int = typer.Option(
        0, "--binning", "-b", help="Spatial binning half-width K for images."
    ),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Phasor coordinates and apparent lifetimes (calls heterolab.kinetics.trpl.phasor.phasor_analysis)."""
    from heterolab.kinetics.trpl.flim import bin_image
    from heterolab.kinetics.trpl.phasor import phasor_analysis

    da = _read_any(image)
    if set(da.dims) == {"y", "x", "time"} and binning:
        da = da.transpose("y", "x", "time").copy(
            data=bin_image(da.transpose("y", "x", "time").values, binning)
        )
    ref = None if reference is None else _read_any(reference)
    if frequency is None and da.attrs.get("repetition_rate_hz"):
        frequency = float(da.attrs["repetition_rate_hz"]) / 1e6
    result = phasor_analysis(
        da,
        frequency_mhz=frequency,
        harmonic=harmonic,
        reference=ref,
        reference_lifetime_ns=reference_lifetime,
    )
    emit(result, as_json, plot=plot)


def _read_any(path: Path) -> Any:
    """A FLIM image if the file holds one, else its decay(s)."""
    from heterolab.errors import FormatError
    from heterolab.io import read_decays, read_flim

    try:
        return read_flim(path)
    except (FormatError, ParameterError):
        return read_decays(path)


@trpl_app.command("batch")
@handle_errors
def batch_command(
    file: Path = typer.Argument(
        ...,
        help="File with several decays on one time axis (text columns, SDT curves, PTU channels).",
    ),
    irf: Path | None = typer.Option(None, "--irf", help="Measured IRF file on the same bins."),
    irf_curve: int | None = typer.Option(
        None, "--irf-curve", help="Use this curve of FILE as the IRF (and do not fit it)."
    ),
    channel: int | None = CHANNEL_OPTION,
    bin_width: float | None = BIN_WIDTH_OPTION,
    time_unit: str | None = TIME_UNIT_OPTION,
    irf_fwhm: float | None = typer.Option(
        None, "--irf-fwhm", help="Gaussian IRF FWHM (ns); fitted when omitted."
    ),
    components: int = typer.Option(1, "--components", "-n", help="Exponential components (1-3)."),
    estimator: BatchEstimator = typer.Option(
        BatchEstimator.MLE,
        "--estimator",
        case_sensitive=False,
        help="Fit statistic: mle (Poisson likelihood) or lsq (1/y weights).",
    ),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Fit every decay of a multi-decay file (calls heterolab.kinetics.trpl.batch.fit_decays)."""
    from heterolab.io import read_decays
    from heterolab.kinetics.trpl.batch import fit_decays

    opts: dict[str, Any] = {"channel": channel, "bin_width": bin_width}
    if time_unit is not None:
        opts.update(file_time_unit=time_unit, time_unit=time_unit if bin_width else "ns")
    da = read_decays(file, **{k: v for k, v in opts.items() if v is not None})
    irf_arg = _irf_argument(irf, irf_fwhm, channel)
    if irf_curve is not None:
        if irf_arg is not None:
            raise ParameterError("give only one of --irf, --irf-curve, --irf-fwhm")
        n = da.sizes["decay"]
        if not 0 <= irf_curve < n:
            raise ParameterError(f"--irf-curve {irf_curve} is not a curve of {file} (0..{n - 1})")
        irf_arg = da.isel(decay=irf_curve).values
        da = da.isel(decay=[i for i in range(n) if i != irf_curve])
    result = fit_decays(da, irf=irf_arg, n_components=components, estimator=estimator)
    result.provenance["inputs"] = {file.name: {"path": str(file)}}
    if "pixel_status" in result.curves:
        _per_decay_lines(result, da)
    emit(result, as_json, plot=plot)


def _per_decay_lines(result: Any, da: Any) -> None:
    """One line per decay in the statistics: lifetimes and status with its reasons."""
    from heterolab.kinetics.trpl.pixel_status import describe

    status = result.curves["pixel_status"].values
    flags = result.curves["pixel_flags"].values
    labels = da["decay"].values if "decay" in da.coords else range(da.sizes["decay"])
    for i, label in enumerate(labels):
        parts = [
            f"{name}={result.curves[name].values[i]:.4g}"
            for name in result.curves
            if name.startswith("tau_")
            and not name.endswith("stderr")
            and result.curves[name].ndim == 1
        ]
        result.statistics[f"decay {label}"] = (
            ", ".join(parts) + f", status={describe(status[i], flags[i])}"
        )
