"""Photoemission commands: ``heterolab xps read|fit|charge|quantify|series|check-doublet``.

Thin layers over :mod:`heterolab.structure.xps`. Files, recognised by content: VAMAS
(``.vms``) and SPECS Prodigy XY exports (pick the region with ``--block``), CasaXPS ASCII
exports, or text/CSV whose header names a binding- or kinetic-energy column (``--axis`` and
``--photon-energy`` otherwise; never guessed).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer

from heterolab.cli._apps import xps_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, emit, handle_errors
from heterolab.errors import ParameterError
from heterolab.structure.xps.choices import Background, ChargeReference, LineShape, UpsEdge

BLOCK_OPTION = typer.Option(
    None, "--block", help="VAMAS region, by name ('W 4f') or 0-based index."
)
AXIS_OPTION = typer.Option(
    None,
    "--axis",
    help="Energy axis of a text file whose header does not say: binding_energy or kinetic_energy.",
)
HV_OPTION = typer.Option(
    None, "--photon-energy", help="Photon energy (eV) for a kinetic-energy axis."
)
SHIFT_OPTION = typer.Option(
    0.0, "--charge-shift", help="Add this charge shift to the binding energies (eV)."
)
WINDOW_OPTION = typer.Option(
    (0.0, 0.0), "--window", help="Binding-energy range LOW HIGH (eV); default all."
)
BG_OPTION = typer.Option(
    Background.SHIRLEY,
    "--background",
    case_sensitive=False,
    help="Background: shirley (iterative), tougaard (fixed, --cross-section), linear, none; "
    "active_shirley / active_tougaard are refined with the peaks.",
)
SHAPE_OPTION = typer.Option(
    LineShape.VOIGT,
    "--shape",
    case_sensitive=False,
    help="Line shape (ds: Doniach-Sunjic convolved with a Gaussian).",
)
DOUBLET_OPTION = typer.Option(
    None,
    "--doublet",
    help="A doublet 'LEVEL@E' (e.g. 'W 4f@33.6', main line at E in eV); repeatable.",
)
SINGLET_OPTION = typer.Option(
    None, "--singlet", help="A singlet 'NAME@E' (e.g. 'C-C@284.8', eV); repeatable."
)


def _read(path: Path, block: str | None, axis: str | None, photon_energy: float | None) -> Any:
    """VAMAS, SPECS Prodigy XY, CasaXPS ASCII or a plain table, chosen by content."""
    from heterolab.io.vamas import read_xps_file

    blk = int(block) if block and block.isdigit() else block
    try:
        return read_xps_file(path, block=blk, axis=axis, photon_energy=photon_energy)
    except ParameterError as exc:
        if "block= applies" in str(exc):
            raise ParameterError(
                f"--block applies to VAMAS and SPECS XY files only, not {path.name}"
            ) from None
        raise


def _shifted(spectrum: Any, shift: float) -> Any:
    if shift == 0:
        return spectrum
    from heterolab.structure.xps import apply_charge_shift

    return apply_charge_shift(spectrum, shift)


def _window(values: tuple[float, float]) -> tuple[float, float] | None:
    return None if values == (0.0, 0.0) else (float(values[0]), float(values[1]))


def _parse_at(spec: str, what: str) -> tuple[str, float]:
    name, sep, pos = spec.rpartition("@")
    try:
        value = float(pos)
    except ValueError:
        value = float("nan")
    if not sep or not name.strip() or value != value:
        raise ParameterError(f"--{what} {spec!r} must look like 'NAME@ENERGY' (e.g. 'W 4f@33.6')")
    return name.strip(), value


def _components(
    doublets: list[str] | None,
    singlets: list[str] | None,
    *,
    free_splitting: bool,
    free_ratio: bool,
    shape: str,
    pb4f: bool,
    free_broadening: bool = False,
    asymmetry: float = 0.0,
) -> list[Any]:
    from heterolab.structure.xps import Component, pb4f_components

    comps: list[Any] = pb4f_components(shape=shape) if pb4f else []
    for spec in doublets or []:
        level, pos = _parse_at(spec, "doublet")
        name = level if level not in [c.name for c in comps] else f"{level}#{len(comps) + 1}"
        comps.append(
            Component(
                name,
                pos,
                level=level,
                fix_splitting=not free_splitting,
                fix_ratio=not free_ratio,
                shape=shape,
                asymmetry=asymmetry,
                fix_upper_broadening=not free_broadening,
            )
        )
    for spec in singlets or []:
        name, pos = _parse_at(spec, "singlet")
        comps.append(Component(name, pos, shape=shape, asymmetry=asymmetry))
    if not comps:
        raise ParameterError(
            "give at least one --doublet 'LEVEL@E' or --singlet 'NAME@E' (or --pb4f)"
        )
    return comps


@xps_app.command("read")
@handle_errors
def read_cmd(
    file: Path = typer.Argument(
        ..., help="VAMAS (.vms), SPECS Prodigy XY, CasaXPS ASCII or text/CSV photoemission file."
    ),
    block: str | None = BLOCK_OPTION,
    axis: str | None = AXIS_OPTION,
    photon_energy: float | None = HV_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Regions of a file: binding-energy ranges, steps, maxima (all VAMAS blocks unless --block).

    Example: heterolab xps read 0-150W.vms --json
    """
    from heterolab.io.vamas import (
        read_specs_xy_blocks,
        read_vamas_blocks,
        sniff_specs_xy,
        sniff_vamas,
    )
    from heterolab.structure.xps import describe_spectra

    head = b""
    if file.is_file():
        with open(file, "rb") as fh:
            head = fh.read(4096)
    if (file.suffix.lower() == ".vms" or sniff_vamas(head)) and block is None:
        spectra = read_vamas_blocks(file)
    elif sniff_specs_xy(head) and block is None:
        spectra = read_specs_xy_blocks(file)
    else:
        s = _read(file, block, axis, photon_energy)
        spectra = {str(s.attrs.get("block", file.stem)): s}
    emit(describe_spectra(spectra), as_json, plot=plot)


@xps_app.command("fit")
@handle_errors
def fit_cmd(
    file: Path = typer.Argument(..., help="Core-level spectrum (VAMAS or text)."),
    doublet: list[str] | None = DOUBLET_OPTION,
    singlet: list[str] | None = SINGLET_OPTION,
    pb4f: bool = typer.Option(
        False, "--pb4f", help="The thesis's Pb 4f model: Pb-Br and Pb-S doublets, linked."
    ),
    block: str | None = BLOCK_OPTION,
    window: tuple[float, float] = WINDOW_OPTION,
    background: Background = BG_OPTION,
    shape: LineShape = SHAPE_OPTION,
    free_splitting: bool = typer.Option(
        False, "--free-splitting", help="Fit the spin-orbit splittings."
    ),
    free_ratio: bool = typer.Option(False, "--free-ratio", help="Fit the doublet area ratios."),
    free_broadening: bool = typer.Option(
        False,
        "--free-broadening",
        help="Fit the Lorentzian broadening of each doublet's upper line (Coster-Kronig).",
    ),
    asymmetry: float = typer.Option(
        0.05, "--asymmetry", help="Start Doniach-Sunjic asymmetry (with --shape ds)."
    ),
    cross_section: tuple[float, float, float] = typer.Option(
        (1643.0, 1.0, 0.0),
        "--cross-section",
        help="Tougaard cross-section C C' D (eV^2, 1, eV^2); default universal.",
    ),
    extend: float = typer.Option(
        math.inf,
        "--extend",
        help=(
            "Extend the spectrum below the window for active_tougaard (eV); inf: its "
            "low-energy level continues indefinitely (as the fixed tougaard)."
        ),
    ),
    charge_shift: float = SHIFT_OPTION,
    axis: str | None = AXIS_OPTION,
    photon_energy: float | None = HV_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Fit singlets and spin-orbit doublets on a Shirley/Tougaard/linear background.

    Example: heterolab xps fit 0-150W.vms --block "W 4f" --doublet "W 4f@33.6" --singlet W5p@39.4
    --window 28 44 --free-splitting --json
    """
    from heterolab.structure.xps import fit_xps

    s = _shifted(_read(file, block, axis, photon_energy), charge_shift)
    comps = _components(
        doublet,
        singlet,
        free_splitting=free_splitting,
        free_ratio=free_ratio,
        shape=shape,
        pb4f=pb4f,
        free_broadening=free_broadening,
        asymmetry=asymmetry,
    )
    res = fit_xps(
        s,
        comps,
        window=_window(window),
        background_kind=background,
        cross_section=cross_section,
        extend=extend,
    )
    emit(res, as_json, plot=plot)


@xps_app.command("charge")
@handle_errors
def charge_cmd(
    file: Path = typer.Argument(..., help="Reference region: C 1s, Au 4f or a Fermi edge."),
    reference: ChargeReference = typer.Option(
        ChargeReference.C1S,
        "--reference",
        case_sensitive=False,
        help="Reference feature ('C 1s', 'Au 4f7/2' or Fermi).",
    ),
    value: float | None = typer.Option(
        None, "--value", help="Reference binding energy (eV); default 284.8 / 83.96 / 0."
    ),
    block: str | None = BLOCK_OPTION,
    window: tuple[float, float] = WINDOW_OPTION,
    axis: str | None = AXIS_OPTION,
    photon_energy: float | None = HV_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Charge shift (eV) to add to binding energies, from C 1s, Au 4f7/2 or the Fermi edge.

    Example: heterolab xps charge 0-150W.vms --block "C 1s" --window 278 292
    """
    from heterolab.structure.xps import charge_correction

    s = _read(file, block, axis, photon_energy)
    emit(charge_correction(s, reference, value=value, window=_window(window)), as_json, plot=plot)


@xps_app.command("quantify")
@handle_errors
def quantify_cmd(
    area: list[str] = typer.Option(
        ..., "--area", help="'LINE=AREA' or 'LINE=AREA+-ERR' (counts eV); repeatable."
    ),
    rsf: list[str] | None = typer.Option(
        None, "--rsf", help="'LINE=RSF'; repeatable (default: Scofield C/N/O/F)."
    ),
    rsf_source: str | None = typer.Option(
        None, "--rsf-source", help="Where the RSFs come from (required with --rsf)."
    ),
    rsf_error: float = typer.Option(
        0.0, "--rsf-error", help="Relative standard uncertainty of each RSF (e.g. 0.1)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Atomic fractions from peak areas and relative sensitivity factors, with errors.

    Example: heterolab xps quantify --area "C 1s=1000+-30" --area "O 1s=2930+-50"
    """
    from heterolab.structure.xps import quantify

    def pairs(items: list[str], what: str) -> dict[str, str]:
        out = {}
        for it in items:
            k, sep, v = it.partition("=")
            if not sep or not k.strip():
                raise ParameterError(f"--{what} {it!r} must look like 'LINE=VALUE'")
            out[k.strip()] = v.strip()
        return out

    areas: dict[str, tuple[float, float]] = {}
    try:
        for k, v in pairs(area, "area").items():
            val, _, err = v.replace("±", "+-").partition("+-")
            areas[k] = (float(val), float(err) if err else 0.0)
        rsfs = {k: float(v) for k, v in pairs(rsf, "rsf").items()} if rsf else None
    except ValueError as exc:
        raise ParameterError(f"not a number in --area/--rsf: {exc}") from None
    emit(quantify(areas, rsfs, rsf_source=rsf_source, rsf_relative_error=rsf_error), as_json)


@xps_app.command("series")
@handle_errors
def series_cmd(
    files: list[Path] = typer.Argument(..., help="One core-level spectrum per sample."),
    doublet: list[str] | None = DOUBLET_OPTION,
    singlet: list[str] | None = SINGLET_OPTION,
    pb4f: bool = typer.Option(
        False, "--pb4f", help="The thesis's Pb 4f model: Pb-Br and Pb-S doublets, linked."
    ),
    labels: str | None = typer.Option(
        None, "--labels", help="Comma-separated sample labels (default: file names)."
    ),
    block: str | None = BLOCK_OPTION,
    window: tuple[float, float] = WINDOW_OPTION,
    background: Background = BG_OPTION,
    shape: LineShape = SHAPE_OPTION,
    axis: str | None = AXIS_OPTION,
    photon_energy: float | None = HV_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """One fit over a sample series: shared shifts/widths/splittings, fractions per sample.

    Example: heterolab xps series s1.csv s10.csv s30.csv --pb4f --labels 1:1,1:10,1:30
    """
    from heterolab.structure.xps import fit_series

    spectra = [_read(f, block, axis, photon_energy) for f in files]
    labs = [x.strip() for x in labels.split(",")] if labels else [f.stem for f in files]
    comps = _components(
        doublet, singlet, free_splitting=False, free_ratio=False, shape=shape, pb4f=pb4f
    )
    emit(
        fit_series(spectra, comps, labels=labs, window=_window(window), background_kind=background),
        as_json,
        plot=plot,
    )


@xps_app.command("check-doublet")
@handle_errors
def check_doublet_cmd(
    lower: float = typer.Argument(..., help="Stated energy of the j = l + 1/2 line (eV)."),
    upper: float = typer.Argument(..., help="Stated energy of the j = l - 1/2 line (eV)."),
    level: str = typer.Option("Pb 4f", "--level", help="Core level, e.g. 'Pb 4f'."),
    tolerance: float = typer.Option(
        0.15, "--tolerance", help="Allowed deviation from the splitting (eV)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Whether two stated doublet energies agree with the level's spin-orbit splitting.

    Example (the thesis's Pb-Br pair): heterolab xps check-doublet 137.83 143.61 --level "Pb 4f"
    """
    from heterolab.structure.xps import check_doublet

    emit(check_doublet(level, lower, upper, tolerance_ev=tolerance), as_json)


@xps_app.command("ups")
@handle_errors
def ups_cmd(
    file: Path = typer.Argument(..., help="UPS spectrum (text/CSV or VAMAS)."),
    edge: UpsEdge = typer.Option(
        UpsEdge.VBM,
        "--edge",
        case_sensitive=False,
        help="vbm (valence-band onset) or cutoff (work function).",
    ),
    photon_energy: float = typer.Option(
        21.22, "--photon-energy", help="Photon energy (eV); He I 21.22, He II 40.81."
    ),
    window: tuple[float, float] = WINDOW_OPTION,
    method: str = typer.Option(
        "linear", "--method", help="VB onset on a linear or log intensity scale."
    ),
    block: str | None = BLOCK_OPTION,
    axis: str | None = AXIS_OPTION,
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Work function or valence-band onset: the one UPS implementation (heterolab.spectroscopy.ups).

    Example: heterolab xps ups vb.csv --edge vbm --window 0 4 --plot vb.png
    """
    from heterolab.structure.xps import secondary_electron_cutoff, valence_band_onset

    s = _read(file, block, axis, photon_energy)
    if edge is UpsEdge.CUTOFF:
        emit(secondary_electron_cutoff(s, photon_energy=photon_energy), as_json, plot=plot)
    else:
        emit(valence_band_onset(s, window=_window(window), method=method), as_json, plot=plot)
