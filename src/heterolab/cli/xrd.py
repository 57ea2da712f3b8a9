"""``heterolab xrd …`` (powder patterns) and ``heterolab giwaxs …`` (2D detector images): thin
layers over :mod:`heterolab.structure.xrd` and :mod:`heterolab.structure.giwaxs`.

Example::

    heterolab xrd peaks LaB6.xye.bz2 --anode Cu --profile pearson7 --plot peaks.png
    heterolab xrd refine LaB6.xye.bz2 --anode Cu --a 4.157 --space-group Pm-3m --json
    heterolab xrd strain --reference 30.43 43.61 --measured 30.25 43.47 --labels 200 220
    heterolab giwaxs integrate CeO2.tif --poni CeO2.poni --flip ud --plot ceo2.png
    heterolab giwaxs features CeO2.tif --poni CeO2.poni --flip ud --q-range 1.98 2.04 --plot f.png
    heterolab giwaxs stack film.tif --poni film.poni --chi-range 80 100 --plot stack.png
    heterolab giwaxs size film.tif --poni film.poni --chi-range 80 100 --q-range 0.27 0.35 \
        --instrument-fwhm 0.01
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from heterolab.cli._apps import giwaxs_app, xrd_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, emit, handle_errors, save_plot
from heterolab.errors import ParameterError
from heterolab.io.choices import Flip
from heterolab.result import Quantity, Result, make_provenance
from heterolab.structure.giwaxs.choices import MapKind
from heterolab.structure.xrd.choices import (
    Background,
    CrystalSystem,
    Engine,
    Normalisation,
    Profile,
)

ANODE = typer.Option(None, "--anode", help="X-ray anode (Cu, Mo, Co, Fe, Cr, Ag): Kα1/Kα2 lines.")
WAVELENGTH = typer.Option(
    None, "--wavelength", help="Kα1 wavelength (angstrom); overrides the header."
)
SCAN = typer.Option(None, "--scan", help="Scan index (0-based) for files with several scans.")
RANGE = typer.Option(None, "--range", help="2θ window LOW HIGH (deg).")
PONI = typer.Option(..., "--poni", help="pyFAI .poni geometry file.")
FLIP = typer.Option(
    Flip.NONE,
    "--flip",
    case_sensitive=False,
    help="Flip the stored image to match the PONI (ud: up-down, lr: left-right).",
)
PROFILE = typer.Option(
    Profile.PSEUDO_VOIGT,
    "--profile",
    case_sensitive=False,
    help="Line profile; split_pseudo_voigt models asymmetric (axial-divergence) lines.",
)


def _pattern(path: Path, scan: int | None, anode: str | None, wavelength: float | None) -> Any:
    from heterolab.io.xrd import read_pattern

    opts: dict[str, Any] = {}
    if anode:
        opts["anode"] = anode
    if wavelength:
        opts["wavelength_angstrom"] = wavelength
    return read_pattern(path, scan=scan, **opts)


def _pattern_result(pattern: Any, kind: str = "xrd.pattern") -> Result:
    import numpy as np

    x = pattern["two_theta"].values
    y = pattern.values
    res = Result(
        kind=kind,
        derived={
            "two_theta_min": Quantity(float(x[0]), None, "deg"),
            "two_theta_max": Quantity(float(x[-1]), None, "deg"),
            "max_intensity": Quantity(float(np.nanmax(y)), None, pattern.attrs.get("units", "")),
        },
        statistics={
            "n_points": int(x.size),
            "reader": pattern.attrs.get("reader", ""),
            "wavelength_angstrom": pattern.attrs.get("wavelength_angstrom"),
            "wavelength2_angstrom": pattern.attrs.get("wavelength2_angstrom"),
            "errors": pattern.attrs.get("errors", ""),
        },
        provenance=make_provenance([pattern.attrs["source"]] if "source" in pattern.attrs else []),
    )
    res.curves["data"] = pattern.drop_vars("sigma", errors="ignore")
    return res


def _print_table(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json or not rows:
        return
    keys = list(rows[0])
    typer.echo("  " + "  ".join(f"{k:>12}" for k in keys))
    for r in rows:
        cells = [
            f"{v:12.5g}" if isinstance(v, float) else f"{v!s:>12}"
            for v in (r.get(k, "") for k in keys)
        ]
        typer.echo("  " + "  ".join(cells))


@xrd_app.command("read")
@handle_errors
def read_cmd(
    path: Path = typer.Argument(..., help="Pattern file (.xy/.xye/.csv/.ras/.xrdml, maybe .bz2)."),
    scan: int | None = SCAN,
    anode: str | None = ANODE,
    wavelength: float | None = WAVELENGTH,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Read a pattern (every scan of a multi-scan file when --scan is not given)."""
    from heterolab.io.xrd import read_patterns

    if scan is None:
        opts: dict[str, Any] = {"anode": anode} if anode else {}
        if wavelength:
            opts["wavelength_angstrom"] = wavelength
        scans = read_patterns(path, **opts)
        results = [_pattern_result(s) for s in scans]
        emit(results if len(results) > 1 else results[0], as_json, plot=plot)
        return
    emit(_pattern_result(_pattern(path, scan, anode, wavelength)), as_json, plot=plot)


@xrd_app.command("peaks")
@handle_errors
def peaks_cmd(
    path: Path = typer.Argument(..., help="Pattern file."),
    scan: int | None = SCAN,
    anode: str | None = ANODE,
    wavelength: float | None = WAVELENGTH,
    profile: Profile = PROFILE,
    two_theta_range: tuple[float, float] | None = RANGE,
    no_kalpha2: bool = typer.Option(False, "--no-kalpha2", help="Single lines, no Kα2."),
    background: Background = typer.Option(
        Background.SNIP, "--background", case_sensitive=False, help="Background estimate."
    ),
    engine: Engine = typer.Option(
        Engine.FAST, "--engine", case_sensitive=False, help="Least-squares engine."
    ),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Fit every reflection (Kα1/Kα2 doublets) with errors on positions and widths."""
    from heterolab.structure.xrd import fit_peaks

    pat = _pattern(path, scan, anode, wavelength)
    res = fit_peaks(
        pat,
        profile_name=profile,
        two_theta_range=two_theta_range,
        kalpha2=False if no_kalpha2 else None,
        background=background,
        engine=engine,
    )
    _print_table(res.statistics.get("table", []), as_json)
    emit(res, as_json, plot=plot)


@xrd_app.command("refine")
@handle_errors
def refine_cmd(
    path: Path = typer.Argument(..., help="Pattern file."),
    a: float = typer.Option(..., "--a", help="Start cell length a (angstrom)."),
    c: float | None = typer.Option(None, "--c", help="Start c (angstrom), tetragonal/hexagonal."),
    system: CrystalSystem = typer.Option(
        CrystalSystem.CUBIC, "--system", case_sensitive=False, help="Crystal system."
    ),
    space_group: str = typer.Option(
        "P", "--space-group", help="Symbol or centring (Pm-3m, Fm-3m, I)."
    ),
    zero_shift: bool = typer.Option(False, "--zero-shift", help="Also refine the zero shift."),
    no_displacement: bool = typer.Option(False, "--no-displacement", help="No displacement term."),
    radius: float | None = typer.Option(None, "--radius", help="Goniometer radius (mm)."),
    scan: int | None = SCAN,
    anode: str | None = ANODE,
    wavelength: float | None = WAVELENGTH,
    profile: Profile = typer.Option(
        Profile.SPLIT_PSEUDO_VOIGT,
        "--profile",
        case_sensitive=False,
        help="Line profile; the asymmetric split_pseudo_voigt keeps axial-divergence tails "
        "from shifting the centres.",
    ),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Fit the peaks, index them and refine the cell with displacement/zero shift."""
    from heterolab.structure.xrd import fit_peaks, refine_lattice

    pat = _pattern(path, scan, anode, wavelength)
    peaks = fit_peaks(pat, profile_name=profile)
    res = refine_lattice(
        peaks,
        a=a,
        c=c,
        system=system,
        space_group=space_group,
        zero_shift=zero_shift,
        displacement=not no_displacement,
        goniometer_radius_mm=radius,
    )
    _print_table(res.statistics.get("table", []), as_json)
    emit(res, as_json, plot=plot)


@xrd_app.command("identify")
@handle_errors
def identify_cmd(
    path: Path = typer.Argument(..., help="Pattern file."),
    cif: list[str] = typer.Option(..., "--cif", help="Candidate phase NAME=PATH.cif (repeat)."),
    tolerance: float = typer.Option(0.15, "--tolerance", help="Match tolerance (deg)."),
    scan: int | None = SCAN,
    anode: str | None = ANODE,
    wavelength: float | None = WAVELENGTH,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Match the fitted peaks to CIF stick patterns; list unmatched peaks and impurity candidates."""
    from heterolab.structure.xrd import fit_peaks, identify_phases

    phases = {}
    for item in cif:
        if "=" not in item:
            raise ParameterError(f"--cif takes NAME=PATH, got {item!r}")
        name, p = item.split("=", 1)
        phases[name] = p
    peaks = fit_peaks(_pattern(path, scan, anode, wavelength))
    res = identify_phases(peaks, phases, tolerance_deg=tolerance)
    res.curves.update(peaks.curves)
    _print_table(res.statistics["matched"], as_json)
    emit(res, as_json, plot=plot)


@xrd_app.command("size")
@handle_errors
def size_cmd(
    path: Path = typer.Argument(..., help="Pattern file of the sample."),
    standard: Path | None = typer.Option(
        None, "--standard", help="Line-profile standard (LaB6) for the Caglioti instrument width."
    ),
    shape_factor: float = typer.Option(0.9, "--k", help="Scherrer constant K."),
    scan: int | None = SCAN,
    anode: str | None = ANODE,
    wavelength: float | None = WAVELENGTH,
    two_theta_range: tuple[float, float] | None = RANGE,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Scherrer sizes per peak, single-line Voigt size + microstrain, size + microstrain refined
    on the whole pattern (unbiased when the strain part is small), and Williamson–Hall."""
    from heterolab.structure.xrd import (
        caglioti,
        fit_peaks,
        scherrer,
        size_strain_pattern,
        size_strain_voigt,
        williamson_hall,
    )

    inst = None
    if standard is not None:
        inst = caglioti(fit_peaks(_pattern(standard, None, anode, wavelength)))
    pat = _pattern(path, scan, anode, wavelength)
    peaks = fit_peaks(pat, two_theta_range=two_theta_range, profile_name="voigt")
    if not peaks.statistics.get("table"):
        peaks.mark_failed(f"{path}: {peaks.message}")
        emit(peaks, as_json)
    results = [
        scherrer(peaks, instrument=inst, shape_factor=shape_factor),
        size_strain_voigt(peaks, instrument=inst, shape_factor=shape_factor),
    ]
    if len(peaks.statistics.get("table", [])) >= 2:
        results.append(size_strain_pattern(pat, peaks, instrument=inst, shape_factor=shape_factor))
    if len(peaks.statistics.get("table", [])) >= 3:
        results.append(williamson_hall(peaks, instrument=inst, shape_factor=shape_factor))
    if inst is not None:
        results.insert(0, inst)
    figure = results[-1]  # Williamson–Hall when there are 3+ lines, else the pattern fit
    try:
        emit(results, as_json)
    finally:
        if plot is not None:
            save_plot(figure, plot)


@xrd_app.command("strain")
@handle_errors
def strain_cmd(
    reference: list[float] = typer.Option(
        ..., "--reference", help="Reference 2θ of each reflection (deg)."
    ),
    measured: list[float] = typer.Option(..., "--measured", help="Measured 2θ, same order (deg)."),
    labels: list[str] | None = typer.Option(None, "--labels", help="Reflection names (e.g. 200)."),
    phase: str = typer.Option("", "--phase", help="Phase name for the messages."),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Strain per reflection and the chi-square test of one strain for all of them."""
    from heterolab.structure.xrd import strain_per_reflection

    res = strain_per_reflection(reference, measured, labels=labels or None, phase=phase)
    emit(res, as_json, plot=plot)


@xrd_app.command("fractions")
@handle_errors
def fractions_cmd(
    phase: list[str] = typer.Option(
        ..., "--phase", help="NAME:INTENSITY:RIR[:REL_INTENSITY_PERCENT] (repeat per phase)."
    ),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Weight fractions by the RIR method (Chung 1974), with its assumptions printed."""
    from heterolab.structure.xrd import rir_fractions

    inten, rir, rel = {}, {}, {}
    for item in phase:
        parts = item.split(":")
        if len(parts) not in (3, 4):
            raise ParameterError(f"--phase takes NAME:INTENSITY:RIR[:REL], got {item!r}")
        try:
            inten[parts[0]] = float(parts[1])
            rir[parts[0]] = float(parts[2])
            if len(parts) == 4:
                rel[parts[0]] = float(parts[3])
        except ValueError:
            raise ParameterError(f"--phase {item!r}: intensity and RIR must be numbers") from None
    emit(rir_fractions(inten, rir, relative_intensity=rel or None), as_json, plot=plot)


@xrd_app.command("compare")
@handle_errors
def compare_cmd(
    paths: list[Path] = typer.Argument(..., help="Pattern files of the series, in order."),
    positions: list[float] | None = typer.Option(
        None, "--position", help="Reflection to track (deg; repeat)."
    ),
    normalise: Normalisation = typer.Option(
        Normalisation.MAX, "--normalise", case_sensitive=False, help="Scaling of each pattern."
    ),
    anode: str | None = ANODE,
    wavelength: float | None = WAVELENGTH,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Overlay a sample series (normalised, offset) and tabulate peak positions vs sample."""
    from heterolab.structure.xrd import compare_patterns

    pats = [_pattern(p, None, anode, wavelength) for p in paths]
    res = compare_patterns(
        pats, labels=[p.stem for p in paths], positions=positions, normalise=normalise
    )
    _print_table(res.statistics["table"], as_json)
    emit(res, as_json, plot=plot)


# ---------------------------------------------------------------------- giwaxs
def _image(path: Path, poni: Path, flip: Flip) -> Any:
    from heterolab.io.xrd import read_detector_image

    return read_detector_image(path, poni=poni, flip=flip)


@giwaxs_app.command("integrate")
@handle_errors
def integrate_cmd(
    path: Path = typer.Argument(..., help="Detector image (TIFF, CBF, EDF)."),
    poni: Path = PONI,
    flip: Flip = FLIP,
    npt: int = typer.Option(2000, "--npt", help="Number of 2θ bins."),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Azimuthal integration to I(2θ) with pyFAI."""
    from heterolab.structure.giwaxs import integrate_1d

    pat = integrate_1d(_image(path, poni, flip), npt=npt)
    res = _pattern_result(pat)
    res.statistics["flip"] = flip.value
    emit(res, as_json, plot=plot)


@giwaxs_app.command("map")
@handle_errors
def map_cmd(
    path: Path = typer.Argument(..., help="Detector image."),
    poni: Path = PONI,
    flip: Flip = FLIP,
    kind: MapKind = typer.Option(
        MapKind.FIBRE, "--kind", case_sensitive=False, help="fibre (q_xy–q_z) or cake (q–χ)."
    ),
    incidence: float = typer.Option(0.2, "--incidence", help="Incidence angle (deg)."),
    tilt: float = typer.Option(0.0, "--tilt", help="Sample tilt (deg)."),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """q_xy–q_z map (pyFAI fibre integrator) or cake map."""
    import numpy as np

    from heterolab.structure.giwaxs import cake, fibre_map

    img = _image(path, poni, flip)
    m = (
        fibre_map(img, incidence_angle_deg=incidence, tilt_angle_deg=tilt)
        if kind == "fibre"
        else cake(img)
    )
    res = Result(
        kind="giwaxs.map",
        statistics={
            "map": kind.value,
            "shape": list(m.shape),
            "dims": list(m.dims),
            "max_intensity": float(np.nanmax(m.values)),
            "flip": flip.value,
        },
    )
    res.curves["map"] = m
    emit(res, as_json, plot=plot)


@giwaxs_app.command("orientation")
@handle_errors
def orientation_cmd(
    path: Path = typer.Argument(..., help="Detector image."),
    poni: Path = PONI,
    flip: Flip = FLIP,
    q_range: tuple[float, float] = typer.Option(
        ..., "--q-range", help="Ring window LOW HIGH (1/angstrom)."
    ),
    reference_chi: float = typer.Option(
        0.0, "--reference-chi", help="χ of the reference axis, e.g. the surface normal (deg)."
    ),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Azimuthal profile of one ring: Hermans' orientation factor and ring/spot class."""
    from heterolab.structure.giwaxs import (
        azimuthal_profile,
        cake,
        classify_features,
        hermans_orientation,
    )

    cm = cake(_image(path, poni, flip))
    res = hermans_orientation(azimuthal_profile(cm, q_range), reference_chi_deg=reference_chi)
    feat = classify_features(cm, [q_range]).statistics["features"][0]
    res.statistics["feature"] = feat["class"]
    for key in ("texture", "modulation", "n_regions", "n_spikes", "spike_fraction", "contrast"):
        res.statistics[key] = feat[key]
    emit(res, as_json, plot=plot)


@giwaxs_app.command("features")
@handle_errors
def features_cmd(
    path: Path = typer.Argument(..., help="Detector image."),
    poni: Path = PONI,
    flip: Flip = FLIP,
    q_range: list[float] = typer.Option(
        ...,
        "--q-range",
        help="Ring window bounds, repeated in pairs: --q-range LOW --q-range HIGH (1/angstrom).",
    ),
    smooth: float = typer.Option(15.0, "--smooth", help="Running-median width over χ (deg)."),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Classify each ring window as ring (random; smooth or grainy) or spot (oriented)."""
    from heterolab.structure.giwaxs import cake, classify_features

    if len(q_range) < 2 or len(q_range) % 2:
        raise ParameterError(f"--q-range takes LOW HIGH pairs, got {len(q_range)} numbers")
    pairs = [(q_range[i], q_range[i + 1]) for i in range(0, len(q_range), 2)]
    res = classify_features(cake(_image(path, poni, flip)), pairs, smooth_deg=smooth)
    _print_table(
        [
            {k: f[k] for k in ("class", "texture", "modulation", "n_regions", "n_spikes")}
            for f in res.statistics["features"]
        ],
        as_json,
    )
    emit(res, as_json, plot=plot)


def _sector(path: Path, poni: Path, flip: Flip, chi_range: tuple[float, float]) -> Any:
    from heterolab.structure.giwaxs import cake, sector_profile

    img = _image(path, poni, flip)
    prof = sector_profile(cake(img, npt_rad=3000), chi_range)
    lam = img.attrs.get("geometry", {}).get("wavelength")
    if lam:
        prof.attrs["wavelength_angstrom"] = float(lam) * 1e10
    return prof


CHI_RANGE = typer.Option(
    ..., "--chi-range", help="χ sector LOW HIGH (deg), e.g. around q_z for (00l) planes."
)


@giwaxs_app.command("stack")
@handle_errors
def stack_cmd(
    path: Path = typer.Argument(..., help="Detector image."),
    poni: Path = PONI,
    flip: Flip = FLIP,
    chi_range: tuple[float, float] = CHI_RANGE,
    prominence: float = typer.Option(
        0.05, "--prominence", help="Peak threshold (fraction of the profile maximum)."
    ),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Period of a (00l) stack from the peaks of a χ sector (q_l = 2π l / c)."""
    from heterolab.structure.giwaxs import q_peak_positions, stack_period

    pos, err = q_peak_positions(_sector(path, poni, flip, chi_range), min_prominence=prominence)
    if pos.size < 2:
        raise ParameterError(
            f"{pos.size} peak(s) in the χ sector {chi_range}: a period needs two or more"
        )
    emit(stack_period(pos, errors=err), as_json, plot=plot)


@giwaxs_app.command("size")
@handle_errors
def gi_size_cmd(
    path: Path = typer.Argument(..., help="Detector image."),
    poni: Path = PONI,
    flip: Flip = FLIP,
    chi_range: tuple[float, float] = CHI_RANGE,
    q_range: tuple[float, float] = typer.Option(
        ..., "--q-range", help="Window of the line LOW HIGH (1/angstrom)."
    ),
    instrument_fwhm: float | None = typer.Option(
        None, "--instrument-fwhm", help="Instrument resolution Δq FWHM (1/angstrom)."
    ),
    footprint: float = typer.Option(
        0.0, "--footprint", help="Beam footprint along the beam (mm), for the resolution."
    ),
    shape_factor: float = typer.Option(0.9, "--k", help="Scherrer constant K."),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Scherrer size of one GI line with the instrument resolution stated."""
    from heterolab.io.xrd import read_poni
    from heterolab.structure.giwaxs import gi_scherrer

    prof = _sector(path, poni, flip, chi_range)
    geo = read_poni(poni)
    res = gi_scherrer(
        prof,
        q_range,
        instrument_fwhm_q=instrument_fwhm,
        wavelength_angstrom=prof.attrs.get("wavelength_angstrom"),
        distance_mm=float(geo["dist"]) * 1e3 if instrument_fwhm is None else None,
        footprint_mm=footprint,
        pixel_mm=float(geo.get("detector_config", {}).get("pixel1", 172e-6)) * 1e3,
        shape_factor=shape_factor,
    )
    emit(res, as_json, plot=plot)
