"""Steady-state spectroscopy commands and the one band-alignment command.

``heterolab spectrum peaks|exciton|size|tauc|urbach|elliott|fit|ftir|plqy|transfer-efficiency|temperature``
(thin layers over :mod:`heterolab.spectroscopy`) and ``heterolab bands`` (numbers, UPS files
or material names; one signed convention; also reachable as ``heterolab physics bands``).
The steady-state commands that used to sit at the top level (``heterolab plqy``,
``transfer-efficiency``, ``temperature``) still work there, hidden from ``--help``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from heterolab.cli._apps import app, physics_app, spectrum_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, emit, handle_errors
from heterolab.errors import ParameterError
from heterolab.io.choices import PhotoemissionAxis, SpectralAxis
from heterolab.physics.choices import NanocrystalShape
from heterolab.spectroscopy.choices import Absorbed, GapModel, PeakShape, VbmMethod

AXIS_OPTION = typer.Option(
    None,
    "--axis",
    case_sensitive=False,
    help="Spectral axis when the file header does not name it.",
)
WINDOW_HELP = "Range LOW HIGH in the file's axis units."


def _read(path: Path, axis: SpectralAxis | None):  # -> xr.DataArray
    from heterolab.io import read

    options = {"axis": SpectralAxis(axis).value} if axis else {}
    return read(path, kind="spectrum", **options)


def _window(values: tuple[float, float] | None) -> tuple[float, float] | None:
    return None if values is None or values == (0.0, 0.0) else (float(values[0]), float(values[1]))


@spectrum_app.command("peaks")
@handle_errors
def peaks(
    file: Path = typer.Argument(..., help="Emission spectrum (CSV/TXT, JASCO, JCAMP-DX)."),
    window: tuple[float, float] = typer.Option((0.0, 0.0), "--window", help=WINDOW_HELP),
    axis: SpectralAxis | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Peak position, FWHM (nm, meV) and area of the band in WINDOW.

    Example: heterolab spectrum peaks pl.csv --window 470 560 --json --plot peak.png
    """
    from heterolab.spectroscopy.spectra import analyze_peak

    emit(analyze_peak(_read(file, axis), _window(window)), as_json, plot=plot)


@spectrum_app.command("exciton")
@handle_errors
def exciton(
    file: Path = typer.Argument(..., help="Absorbance spectrum."),
    window: tuple[float, float] = typer.Option((0.0, 0.0), "--window", help=WINDOW_HELP),
    pbs_size: bool = typer.Option(
        False, "--pbs-size", help="Also give the PbS diameter (Moreels 2009)."
    ),
    axis: SpectralAxis | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """First excitonic absorption peak from the second derivative (optionally PbS size)."""
    from heterolab.spectroscopy.sizes import pbs_size_from_absorption
    from heterolab.spectroscopy.spectra import excitonic_peak

    s = _read(file, axis)
    func = pbs_size_from_absorption if pbs_size else excitonic_peak
    emit(func(s, _window(window)), as_json, plot=plot)


@spectrum_app.command("size")
@handle_errors
def size(
    file: Path = typer.Argument(..., help="Absorbance spectrum of PbS quantum dots."),
    window: tuple[float, float] = typer.Option((0.0, 0.0), "--window", help=WINDOW_HELP),
    axis: SpectralAxis | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """PbS diameter (nm) from the first excitonic absorption peak (Moreels et al. 2009).

    Other materials: find the peak with 'spectrum exciton', then 'physics size NAME --peak'.
    Example: heterolab spectrum size abs_nir.csv --window 900 1200 --plot size.png
    """
    from heterolab.spectroscopy.sizes import pbs_size_from_absorption

    emit(pbs_size_from_absorption(_read(file, axis), _window(window)), as_json, plot=plot)


@spectrum_app.command("elliott")
@handle_errors
def elliott(
    file: Path = typer.Argument(..., help="Absorbance spectrum."),
    window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--window", help="Fit range LOW HIGH (eV); the whole spectrum when omitted."
    ),
    axis: SpectralAxis | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Elliott fit of an excitonic absorption edge: band gap, exciton binding energy (meV).

    Example: heterolab spectrum elliott abs.csv --window 2.45 2.95 --plot elliott.png
    """
    from heterolab.spectroscopy.absorption import elliott_fit

    emit(elliott_fit(_read(file, axis), window=_window(window)), as_json, plot=plot)


@spectrum_app.command("ftir")
@handle_errors
def ftir(
    file: Path = typer.Argument(..., help="FT-IR spectrum over wavenumber (cm-1)."),
    ligand: list[str] | None = typer.Option(
        None, "--ligand", help="Only assign bands of ligands whose name contains this (repeat)."
    ),
    tolerance: float = typer.Option(
        10.0, "--tolerance", help="Assignment tolerance around each band range (cm-1)."
    ),
    axis: SpectralAxis | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """FT-IR peaks after baseline removal and their candidate ligand assignments.

    Example: heterolab spectrum ftir ligands.jdx --ligand oleic --plot ftir.png
    """
    from heterolab.spectroscopy.ftir import ftir_peaks

    emit(
        ftir_peaks(_read(file, axis), ligands=ligand or None, tolerance=tolerance),
        as_json,
        plot=plot,
    )


@spectrum_app.command("tauc")
@handle_errors
def tauc(
    file: Path = typer.Argument(..., help="Absorbance spectrum."),
    indirect: bool = typer.Option(False, "--indirect", help="Indirect allowed transition (r = 2)."),
    fit_window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--fit-window", help="Linear range (eV); automatic when omitted."
    ),
    thickness: float | None = typer.Option(None, "--thickness", help="Film thickness (nm) for α."),
    noise: float | None = typer.Option(
        None,
        "--noise",
        help="Absorbance standard deviation (OD) weighting the line; estimated when omitted.",
    ),
    axis: SpectralAxis | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Band gap from a Tauc plot (linear range chosen automatically and reported; the line
    weighted by the propagated absorbance noise).

    Example: heterolab spectrum tauc abs.csv --json
    """
    from heterolab.spectroscopy.absorption import tauc_gap

    emit(
        tauc_gap(
            _read(file, axis),
            transition="indirect" if indirect else "direct",
            fit_window=_window(fit_window),
            thickness_nm=thickness,
            noise=noise,
        ),
        as_json,
        plot=plot,
    )


@spectrum_app.command("urbach")
@handle_errors
def urbach(
    file: Path = typer.Argument(..., help="Absorbance spectrum."),
    fit_window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--fit-window", help="Tail range (eV); automatic when omitted."
    ),
    axis: SpectralAxis | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Urbach energy (meV) from the exponential absorption tail."""
    from heterolab.spectroscopy.absorption import urbach_energy

    emit(urbach_energy(_read(file, axis), fit_window=_window(fit_window)), as_json, plot=plot)


@spectrum_app.command("fit")
@handle_errors
def fit(
    file: Path = typer.Argument(..., help="Spectrum to decompose."),
    center: list[float] = typer.Option(
        [],
        "--center",
        help="Starting peak position (repeat per peak), file axis units; not for --elliott.",
    ),
    shape: PeakShape = typer.Option(
        PeakShape.GAUSSIAN, "--shape", case_sensitive=False, help="Line shape of every peak."
    ),
    baseline: str = typer.Option(
        "linear",
        "--baseline",
        help="none, constant, linear, quadratic, or a pybaselines method (asls, snip, ...).",
    ),
    window: tuple[float, float] = typer.Option((0.0, 0.0), "--window", help=WINDOW_HELP),
    elliott: bool = typer.Option(
        False, "--elliott", help="Fit the Elliott absorption model instead of peaks."
    ),
    plot: Path | None = PLOT_OPTION,
    axis: SpectralAxis | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Multi-peak decomposition in energy space on a baseline, or an Elliott fit.

    Example: heterolab spectrum fit het.csv --center 510 --center 1150 --baseline linear
    """
    s = _read(file, axis)
    if elliott:
        from heterolab.spectroscopy.absorption import elliott_fit
        from heterolab.spectroscopy.spectra import axis_to_ev, spectral_axis

        w = _window(window)
        if w is not None:  # the file's axis units -> eV, as elliott_fit takes them
            dim = spectral_axis(s)
            w = (axis_to_ev(w[0], dim), axis_to_ev(w[1], dim))
        res = elliott_fit(s, window=w)
    else:
        from heterolab.spectroscopy.peakfit import fit_peaks

        if not center:
            raise ParameterError("give a starting --center per peak (or --elliott)")
        res = fit_peaks(s, center, shape=shape, baseline=baseline, window=_window(window))
    emit(res, as_json, plot=plot)


@spectrum_app.command("plqy")
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
    axis: SpectralAxis | None = AXIS_OPTION,
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Absolute PLQY from integrating-sphere spectra (de Mello et al. 1997).

    Example: heterolab spectrum plqy sample.csv blank.csv --laser 455 475 --emission 480 560
    --plot plqy.png
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
        plot=plot,
    )


@spectrum_app.command("transfer-efficiency")
@handle_errors
def transfer_efficiency(
    table: Path | None = typer.Argument(
        None, help="CSV with ratio,I_ex,PL_PbS,A_PbS,A_perov,PLQY_PbS(,eta_trans)."
    ),
    k: float | None = typer.Option(
        None, "--k", help="Collection factor; solved from eta_trans when omitted."
    ),
    absorbed: Absorbed = typer.Option(
        Absorbed.LINEAR,
        "--absorbed",
        case_sensitive=False,
        help="Absorbed light: the absorbances (linear, thesis) or the absorptance shares.",
    ),
    thesis: bool = typer.Option(False, "--thesis", help="Use the thesis's Table 3-1 (bundled)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Carrier-transfer efficiency table (thesis Table 3-1): k, eta per row, inconsistent rows.

    Example: heterolab spectrum transfer-efficiency --thesis --json
    """
    from heterolab.io.spectra import read_transfer_table
    from heterolab.spectroscopy.transfer import transfer_table_analysis

    if thesis == (table is not None):
        raise ParameterError("give either a TABLE.csv or --thesis")
    if thesis:
        from heterolab.thesis.table_3_1 import thesis_table_3_1

        emit(thesis_table_3_1(k=k, absorbed=absorbed), as_json)
        return
    rows, rounding = read_transfer_table(table)  # type: ignore[arg-type]
    emit(
        transfer_table_analysis(
            rows,
            k=k,
            rounding=rounding,
            absorbed=absorbed,
            source=str(table),
        ),
        as_json,
    )


def _level_spec(spec: str) -> tuple[str, float, float, float] | None:
    """``NAME:WORK_FUNCTION:VBM_BELOW_EF:GAP`` as numbers, or None for a material name."""
    parts = spec.split(":")
    if len(parts) == 1 or Path(spec).suffix.lower() == ".toml":
        return None
    if len(parts) != 4:
        raise ParameterError(
            f"material {spec!r}: expected NAME:WORK_FUNCTION:VBM_BELOW_EF:GAP (eV) or a "
            "material name (CsPbBr3, a .toml path)"
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


def _edges(spec: str, diameter: float | None):  # -> BandEdges
    from heterolab.calculators.bands import material_band_edges
    from heterolab.physics.bands import edges_from_ups

    numbers = _level_spec(spec)
    if numbers is None:
        return material_band_edges(spec, diameter_nm=diameter)[0]
    if diameter is not None:
        raise ParameterError(
            f"{spec}: levels given as numbers are measured values; --diameter applies only to "
            "the bulk edges of a material"
        )
    return edges_from_ups(*numbers)


def _ups_settings(
    photon_energy: float,
    he_ii: bool,
    vbm_method: str,
    windows: tuple[tuple[float, float], tuple[float, float], tuple[float, float]],
    indirect: bool,
) -> dict[str, object]:
    from heterolab.physics.bands import HE_I_EV, HE_II_EV

    if vbm_method not in ("linear", "log"):
        raise ParameterError(f"--vbm-method must be 'linear' or 'log', got {vbm_method!r}")
    if he_ii and photon_energy != HE_I_EV:
        raise ParameterError(f"--he-ii sets hν = {HE_II_EV} eV; do not also give --photon-energy")
    return {
        "photon_energy": HE_II_EV if he_ii else photon_energy,
        "vbm_method": vbm_method,
        "cutoff_window": _window(windows[0]),
        "valence_window": _window(windows[1]),
        "transition": "indirect" if indirect else "direct",
        "tauc_window": _window(windows[2]),
    }


@app.command("bands")
@handle_errors
def bands(
    material_a: str | None = typer.Argument(
        None,
        help="Material A: a name (CsPbBr3) or TOML path, or NAME:WORK_FUNCTION:VBM_BELOW_EF:GAP "
        "in eV.",
    ),
    material_b: str | None = typer.Argument(None, help="Material B, same forms."),
    material: list[str] = typer.Option(
        [],
        "--material",
        help="NAME:SECONDARY_FILE:VALENCE_FILE:ABSORPTION_FILE; give twice (A then B).",
    ),
    diameter: float | None = typer.Option(
        None, "--diameter", help="Nanocrystal diameter of A (nm): confinement on BULK edges only."
    ),
    diameter_b: float | None = typer.Option(
        None, "--diameter-b", help="Nanocrystal diameter of B (nm), bulk edges only."
    ),
    cbm: float | None = typer.Option(
        None, "--cbm", help="Bulk CBM of a single material (eV, vacuum scale)."
    ),
    vbm: float | None = typer.Option(
        None, "--vbm", help="Bulk VBM of a single material (eV, vacuum scale)."
    ),
    shape: NanocrystalShape = typer.Option(
        NanocrystalShape.SPHERE,
        "--shape",
        case_sensitive=False,
        help="Nanocrystal shape for --diameter (single material).",
    ),
    photon_energy: float = typer.Option(
        21.22, "--photon-energy", help="UPS photon energy (eV) (He I 21.22)."
    ),
    he_ii: bool = typer.Option(False, "--he-ii", help="He II source (hν = 40.81 eV)."),
    vbm_method: VbmMethod = typer.Option(
        VbmMethod.LINEAR,
        "--vbm-method",
        case_sensitive=False,
        help="VB onset on a linear (thesis) or log intensity scale (Endres et al. 2016).",
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
    ups_axis: PhotoemissionAxis | None = typer.Option(
        None,
        "--ups-axis",
        case_sensitive=False,
        help="Energy axis of the UPS files when their header does not name it.",
    ),
    axis: SpectralAxis | None = AXIS_OPTION,
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Band edges and heterojunction: levels, signed offsets (B - A, eV), type, carriers.

    One convention for every input: vacuum scale, conduction_band_offset = CBM_B - CBM_A,
    valence_band_offset = VBM_B - VBM_A.

    From material names (bundled edges; CsPbBr3/PMA2PbBr4 are the thesis's measured film
    levels): heterolab bands CsPbBr3 PMA2PbBr4

    From numbers (thesis Fig. 4-9):
    heterolab bands CsPbBr3:4.56:1.40:2.37 PMA2PbBr4:4.85:0.45:3.06

    From files (work function from the secondary-electron cutoff, E_F-E_VBM from the valence
    edge, Tauc gap from the absorbance):
    heterolab bands --material CsPbBr3:A_sec.csv:A_vb.csv:A_abs.csv
    --material PMA2PbBr4:B_sec.csv:B_vb.csv:B_abs.csv --plot bands.png --json

    One material (edges; --diameter adds confinement to bulk edges given with --cbm/--vbm):
    heterolab bands CsPbBr3 --cbm -3.5 --vbm -5.9 --diameter 8
    """
    from heterolab.spectroscopy.ups import (
        band_alignment,
        band_alignment_from_materials,
        material_levels_from_files,
    )

    given = [m for m in (material_a, material_b) if m is not None]
    if material and given:
        raise ParameterError(
            "give two materials either as names/numbers or as --material files, not both"
        )
    if (cbm is not None or vbm is not None) and len(given) != 1:
        raise ParameterError("--cbm/--vbm apply to a single material given by name")
    if len(given) == 1:
        from heterolab.calculators.bands import confined_band_edges

        if _level_spec(given[0]) is not None:
            raise ParameterError("a single material must be given by name (or TOML path)")
        emit(
            confined_band_edges(
                given[0], diameter_nm=diameter, cbm_ev=cbm, vbm_ev=vbm, shape=shape
            ),
            as_json,
        )
        return
    if not material:
        if len(given) != 2:
            raise ParameterError(
                "give one or two materials (names or NAME:WORK_FUNCTION:VBM_BELOW_EF:GAP), "
                "or --material NAME:SECONDARY:VALENCE:ABSORPTION twice"
            )
        ea, eb = _edges(given[0], diameter), _edges(given[1], diameter_b)
        emit(band_alignment(ea, eb), as_json, plot=plot)
        return
    if len(material) != 2:
        raise ParameterError(
            f"--material must be given exactly twice (A then B), got {len(material)}"
        )
    if diameter is not None or diameter_b is not None:
        raise ParameterError("UPS files give measured levels; --diameter applies to bulk edges")
    settings = _ups_settings(
        photon_energy, he_ii, vbm_method, (cutoff_window, valence_window, tauc_window), indirect
    )
    levels = [
        material_levels_from_files(
            name,
            sec,
            val,
            absf,
            ups_axis=ups_axis.value if ups_axis else None,
            absorption_axis=axis.value if axis else None,
            **settings,
        )
        for name, sec, val, absf in map(_material_files, material)
    ]
    emit(band_alignment_from_materials(*levels), as_json, plot=plot)


# ``heterolab physics bands`` is the same command (it used to be a second one with other keys).
physics_app.command("bands", help="Same as 'heterolab bands' (band edges and heterojunctions).")(
    bands
)


@spectrum_app.command("temperature")
@handle_errors
def temperature(
    series: Path = typer.Argument(
        ..., help="Folder of spectra named with their temperature (PL_5K.csv)."
    ),
    window: tuple[float, float] = typer.Option(
        (0.0, 0.0), "--window", help="Energy range (eV) of the main band."
    ),
    model: GapModel = typer.Option(
        GapModel.EXPANSION_PHONON,
        "--model",
        case_sensitive=False,
        help="Model of the peak-energy shift with temperature.",
    ),
    axis: SpectralAxis | None = AXIS_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Temperature-dependent PL: peak energy, width, intensity fits and new low-T peaks.

    Example: heterolab spectrum temperature pl_series/ --window 2.9 3.2 --json
    """
    from heterolab.io.spectra import read_temperature_series
    from heterolab.spectroscopy.temperature import temperature_series

    options = {"axis": axis.value} if axis else {}
    spectra = read_temperature_series(series, **options)
    emit(
        temperature_series(spectra, window=_window(window), energy_model=model),
        as_json,
        plot=plot,
    )


# The steady-state commands used to sit at the top level; the old names keep working.
for _name, _func in (
    ("plqy", plqy),
    ("transfer-efficiency", transfer_efficiency),
    ("temperature", temperature),
):
    app.command(_name, hidden=True)(_func)
