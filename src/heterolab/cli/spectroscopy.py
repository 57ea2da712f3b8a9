"""Steady-state spectroscopy commands: ``heterolab spectrum peaks|tauc|urbach|fit|exciton``,
``heterolab plqy``, ``heterolab transfer-efficiency``, ``heterolab bands`` and
``heterolab temperature`` (thin layers over :mod:`heterolab.spectroscopy`)."""

from __future__ import annotations

from pathlib import Path

import typer

from heterolab.cli._apps import app, spectrum_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, emit, handle_errors
from heterolab.errors import ParameterError

AXIS_OPTION = typer.Option(
    None,
    "--axis",
    help="Spectral axis when the file header does not name it: wavelength, energy, wavenumber.",
)
WINDOW_HELP = "Range LOW HIGH in the file's axis units."


def _read(path: Path, axis: str | None):  # -> xr.DataArray
    from heterolab.io import read

    options = {"axis": axis} if axis else {}
    return read(path, kind="spectrum", **options)


def _window(values: tuple[float, float] | None) -> tuple[float, float] | None:
    return None if values is None or values == (0.0, 0.0) else (float(values[0]), float(values[1]))


@spectrum_app.command("peaks")
@handle_errors
def peaks(
    file: Path = typer.Argument(..., help="Emission spectrum (CSV/TXT, JASCO, JCAMP-DX)."),
    window: tuple[float, float] = typer.Option((0.0, 0.0), "--window", help=WINDOW_HELP),
    axis: str | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Peak position, FWHM (nm, meV) and area of the band in WINDOW.

    Example: heterolab spectrum peaks pl.csv --window 470 560 --json
    """
    from heterolab.spectroscopy.spectra import analyze_peak

    emit(analyze_peak(_read(file, axis), _window(window)), as_json)


@spectrum_app.command("exciton")
@handle_errors
def exciton(
    file: Path = typer.Argument(..., help="Absorbance spectrum."),
    window: tuple[float, float] = typer.Option((0.0, 0.0), "--window", help=WINDOW_HELP),
    pbs_size: bool = typer.Option(
        False, "--pbs-size", help="Also give the PbS diameter (Moreels 2009)."
    ),
    axis: str | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """First excitonic absorption peak from the second derivative (optionally PbS size)."""
    from heterolab.spectroscopy.sizes import pbs_size_from_absorption
    from heterolab.spectroscopy.spectra import excitonic_peak

    s = _read(file, axis)
    func = pbs_size_from_absorption if pbs_size else excitonic_peak
    emit(func(s, _window(window)), as_json)


@spectrum_app.command("tauc")
@handle_errors
def tauc(
    file: Path = typer.Argument(..., help="Absorbance spectrum."),
    indirect: bool = typer.Option(False, "--indirect", help="Indirect allowed transition (r = 2)."),
    fit_window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--fit-window", help="Linear range (eV); automatic when omitted."
    ),
    thickness: float | None = typer.Option(None, "--thickness", help="Film thickness (nm) for α."),
    axis: str | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Band gap from a Tauc plot (linear range chosen automatically and reported).

    Example: heterolab spectrum tauc abs.csv --json
    """
    from heterolab.spectroscopy.absorption import tauc_gap

    emit(
        tauc_gap(
            _read(file, axis),
            transition="indirect" if indirect else "direct",
            fit_window=_window(fit_window),
            thickness_nm=thickness,
        ),
        as_json,
    )


@spectrum_app.command("urbach")
@handle_errors
def urbach(
    file: Path = typer.Argument(..., help="Absorbance spectrum."),
    fit_window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--fit-window", help="Tail range (eV); automatic when omitted."
    ),
    axis: str | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Urbach energy (meV) from the exponential absorption tail."""
    from heterolab.spectroscopy.absorption import urbach_energy

    emit(urbach_energy(_read(file, axis), fit_window=_window(fit_window)), as_json)


@spectrum_app.command("fit")
@handle_errors
def fit(
    file: Path = typer.Argument(..., help="Spectrum to decompose."),
    center: list[float] = typer.Option(
        ..., "--center", help="Starting peak position (repeat per peak), file axis units."
    ),
    shape: str = typer.Option("gaussian", "--shape", help="gaussian, voigt or bigaussian."),
    baseline: str = typer.Option(
        "linear",
        "--baseline",
        help="none, constant, linear, quadratic, or a pybaselines method (asls, snip, ...).",
    ),
    window: tuple[float, float] = typer.Option((0.0, 0.0), "--window", help=WINDOW_HELP),
    elliott: bool = typer.Option(
        False, "--elliott", help="Fit the Elliott absorption model instead (centers ignored)."
    ),
    plot: Path | None = PLOT_OPTION,
    axis: str | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Multi-peak decomposition in energy space on a baseline, or an Elliott fit.

    Example: heterolab spectrum fit het.csv --center 510 --center 1150 --baseline linear
    """
    s = _read(file, axis)
    if elliott:
        from heterolab.spectroscopy.absorption import elliott_fit

        res = elliott_fit(s, window=_window(window))
    else:
        from heterolab.spectroscopy.peakfit import fit_peaks

        res = fit_peaks(s, center, shape=shape, baseline=baseline, window=_window(window))  # type: ignore[arg-type]
    emit(res, as_json, plot=plot)


@app.command("plqy")
@handle_errors
def plqy(
    sample: Path = typer.Argument(
        ..., help="Integrating-sphere spectrum with the sample in the beam."
    ),
    blank: Path = typer.Argument(..., help="Spectrum of the empty sphere / blank."),
    laser: tuple[float, float] = typer.Option(..., "--laser", help="Laser window LOW HIGH."),
    emission: tuple[float, float] = typer.Option(
        ..., "--emission", help="Emission window LOW HIGH."
    ),
    indirect: Path | None = typer.Option(
        None, "--indirect", help="Sample in the sphere off the beam (de Mello 3-measurement)."
    ),
    axis: str | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Absolute PLQY from integrating-sphere spectra (de Mello et al. 1997).

    Example: heterolab plqy sample.csv blank.csv --laser 455 475 --emission 480 560
    """
    from heterolab.spectroscopy.plqy import plqy_absolute

    ind = _read(indirect, axis) if indirect is not None else None
    emit(
        plqy_absolute(
            _read(sample, axis),
            _read(blank, axis),
            laser_window=laser,
            emission_window=emission,
            indirect=ind,
        ),
        as_json,
    )


@app.command("transfer-efficiency")
@handle_errors
def transfer_efficiency(
    table: Path | None = typer.Argument(
        None, help="CSV with ratio,I_ex,PL_PbS,A_PbS,A_perov,PLQY_PbS[,eta_trans]."
    ),
    k: float | None = typer.Option(
        None, "--k", help="Collection factor; solved from eta_trans when omitted."
    ),
    absorbed: str = typer.Option("linear", "--absorbed", help="linear (thesis) or absorptance."),
    thesis: bool = typer.Option(False, "--thesis", help="Use the thesis's Table 3-1 (bundled)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Carrier-transfer efficiency table (thesis Table 3-1): k, eta per row, inconsistent rows.

    Example: heterolab transfer-efficiency --thesis --json
    """
    from heterolab.spectroscopy.transfer import read_transfer_table, transfer_table_analysis

    if thesis == (table is not None):
        raise ParameterError("give either a TABLE.csv or --thesis")
    if thesis:
        from heterolab.reference import load_table

        t = load_table("table_3_1")
        rows, rounding, source = t["rows"], t["rounding"], t["source"]
    else:
        rows, rounding = read_transfer_table(table)  # type: ignore[arg-type]
        source = str(table)
    emit(
        transfer_table_analysis(
            rows,
            k=k,
            rounding=rounding,
            absorbed=absorbed,  # type: ignore[arg-type]
            source=source,
        ),
        as_json,
    )


def _material(spec: str) -> tuple[str, float, float, float]:
    parts = spec.split(":")
    if len(parts) != 4:
        raise ParameterError(
            f"material {spec!r}: expected NAME:WORK_FUNCTION:VBM_BELOW_EF:GAP (eV)"
        )
    try:
        return parts[0], float(parts[1]), float(parts[2]), float(parts[3])
    except ValueError:
        raise ParameterError(
            f"material {spec!r}: the three energies must be numbers (eV)"
        ) from None


def _material_files(spec: str) -> tuple[str, Path, Path, Path]:
    parts = spec.split(":")
    if len(parts) != 4 or not all(p.strip() for p in parts):
        raise ParameterError(
            f"--material {spec!r}: expected NAME:SECONDARY_FILE:VALENCE_FILE:ABSORPTION_FILE "
            "(the same UPS file may be given twice)"
        )
    return parts[0], Path(parts[1]), Path(parts[2]), Path(parts[3])


@app.command("bands")
@handle_errors
def bands(
    material_a: str | None = typer.Argument(
        None, help="NAME:WORK_FUNCTION:VBM_BELOW_EF:GAP in eV (numbers-only use)."
    ),
    material_b: str | None = typer.Argument(None, help="Second material, same form."),
    material: list[str] = typer.Option(
        [],
        "--material",
        help="NAME:SECONDARY_FILE:VALENCE_FILE:ABSORPTION_FILE; give twice (A then B).",
    ),
    photon_energy: float = typer.Option(
        21.22, "--photon-energy", help="UPS photon energy (eV) (He I 21.22)."
    ),
    he_ii: bool = typer.Option(False, "--he-ii", help="He II source (hν = 40.81 eV)."),
    vbm_method: str = typer.Option(
        "linear", "--vbm-method", help="linear (thesis) or log (Endres et al. 2016)."
    ),
    cutoff_window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--cutoff-window", help="Binding-energy range (eV) of the cutoff edge."
    ),
    valence_window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--valence-window", help="Binding-energy range (eV) of the VB edge."
    ),
    indirect: bool = typer.Option(False, "--indirect", help="Indirect allowed Tauc gap."),
    tauc_window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--tauc-window", help="Tauc linear range (eV); automatic when omitted."
    ),
    ups_axis: str | None = typer.Option(
        None, "--ups-axis", help="binding_energy or kinetic_energy when the header lacks it."
    ),
    axis: str | None = AXIS_OPTION,
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Band alignment from UPS and optical gaps: levels, offsets, junction type.

    From numbers (thesis Fig. 4-9):
    heterolab bands CsPbBr3:4.56:1.40:2.37 PMA2PbBr4:4.85:0.45:3.06

    From files (work function from the secondary-electron cutoff, E_F-E_VBM from the valence
    edge, Tauc gap from the absorbance):
    heterolab bands --material CsPbBr3:A_sec.csv:A_vb.csv:A_abs.csv
    --material PMA2PbBr4:B_sec.csv:B_vb.csv:B_abs.csv --plot bands.png --json
    """
    from heterolab.spectroscopy.ups import (
        band_alignment,
        band_alignment_from_materials,
        material_levels_from_files,
    )

    numbers = [m for m in (material_a, material_b) if m is not None]
    if material and numbers:
        raise ParameterError(
            "give two materials either as numbers or as --material files, not both"
        )
    if not material:
        if len(numbers) != 2:
            raise ParameterError(
                "give two materials: NAME:WORK_FUNCTION:VBM_BELOW_EF:GAP twice, "
                "or --material NAME:SECONDARY:VALENCE:ABSORPTION twice"
            )
        emit(band_alignment(_material(numbers[0]), _material(numbers[1])), as_json, plot=plot)
        return
    if len(material) != 2:
        raise ParameterError(
            f"--material must be given exactly twice (A then B), got {len(material)}"
        )
    if vbm_method not in ("linear", "log"):
        raise ParameterError(f"--vbm-method must be 'linear' or 'log', got {vbm_method!r}")
    from heterolab.physics.bands import HE_I_EV, HE_II_EV

    if he_ii and photon_energy != HE_I_EV:
        raise ParameterError(f"--he-ii sets hν = {HE_II_EV} eV; do not also give --photon-energy")
    settings = {
        "photon_energy": HE_II_EV if he_ii else photon_energy,
        "vbm_method": vbm_method,
        "cutoff_window": _window(cutoff_window),
        "valence_window": _window(valence_window),
        "transition": "indirect" if indirect else "direct",
        "tauc_window": _window(tauc_window),
    }
    levels = [
        material_levels_from_files(
            name, sec, val, absf, ups_axis=ups_axis, absorption_axis=axis, **settings
        )
        for name, sec, val, absf in map(_material_files, material)
    ]
    emit(band_alignment_from_materials(*levels), as_json, plot=plot)


@app.command("temperature")
@handle_errors
def temperature(
    series: Path = typer.Argument(
        ..., help="Folder of spectra named with their temperature (PL_5K.csv)."
    ),
    window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--window", help="Energy range (eV) of the main band."
    ),
    model: str = typer.Option(
        "expansion_phonon", "--model", help="expansion_phonon, varshni or bose_einstein."
    ),
    axis: str | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Temperature-dependent PL: peak energy, width, intensity fits and new low-T peaks.

    Example: heterolab temperature pl_series/ --window 2.9 3.2 --json
    """
    from heterolab.spectroscopy.temperature import read_temperature_series, temperature_series

    options = {"axis": axis} if axis else {}
    spectra = read_temperature_series(series, **options)
    emit(temperature_series(spectra, window=_window(window), energy_model=model), as_json)
