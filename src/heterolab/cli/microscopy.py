"""Microscopy and image-quality commands.

``heterolab tem fft|spacings|particles|gpa|columns|column-strain`` (over
:mod:`heterolab.structure.microscopy`) and ``heterolab image resolution|contrast|line-pairs|
compare`` (over :mod:`heterolab.structure.imaging`).
Images are read with their calibration (dm3/dm4, emd, ser, hspy, tif); a file without a
stated length unit needs ``--pixel-size`` and ``--unit``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from heterolab.cli._apps import image_app, tem_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, emit, handle_errors
from heterolab.errors import ParameterError
from heterolab.structure.imaging.choices import RankBy
from heterolab.structure.microscopy.choices import ColumnMethod, SizeMeasure

PIXEL_OPTION = typer.Option(
    None, "--pixel-size", help="Pixel size in --unit units, when the file states none."
)
UNIT_OPTION = typer.Option(None, "--unit", help="Length unit of --pixel-size: nm, Å, µm, or 1/nm.")
ROI_HELP = "Region X0 X1 Y0 Y1 (pixels)."


def _image(path: Path, pixel_size: float | None, unit: str | None) -> Any:
    from heterolab.io.images import read_microscopy_image

    return read_microscopy_image(path, pixel_size=pixel_size, unit=unit)


def _plain_image(path: Path) -> Any:
    """Camera image for the image-quality commands: calibrated reader, else pixels only."""
    from heterolab.errors import FormatError
    from heterolab.io.images import read_microscopy_image

    if path.suffix.lower() == ".npy":
        import numpy as np

        return np.load(path)
    try:
        return read_microscopy_image(path)
    except FormatError as exc:
        if "never assumed" not in str(exc):
            raise
        import tifffile

        return tifffile.imread(path)  # no calibration: results in pixels


def _phases(specs: list[str] | None) -> dict[str, Any]:
    """``NAME`` or ``NAME:LATTICE`` (materials data) or a CIF path -> lattice parameters."""
    from heterolab.materials import get, lattice_from_cif

    out: dict[str, Any] = {}
    for spec in specs or []:
        if spec.lower().endswith(".cif"):
            out[Path(spec).stem] = lattice_from_cif(spec)
            continue
        name, _, phase = spec.partition(":")
        mat = get(name)
        if not phase:
            if not mat.lattices:
                raise ParameterError(f"material {name!r} has no lattice data")
            phase = next(iter(mat.lattices))
        out[f"{name}:{phase}"] = mat.lattice(phase)
    return out


@tem_app.command("fft")
@handle_errors
def fft_cmd(
    file: Path = typer.Argument(..., help="Lattice image (dm3/dm4, emd, ser, hspy, tif)."),
    n_spots: int = typer.Option(12, "--spots", help="Number of FFT spots to report."),
    pixel_size: float | None = PIXEL_OPTION,
    unit: str | None = UNIT_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Hann-windowed FFT: strongest spots, their d-spacings (nm) and the 2-D lattice.

    Example: heterolab tem fft sto.hdf5 --pixel-size 0.0093263 --unit nm --plot fft.png
    """
    from heterolab.structure.microscopy import measure_spacings

    emit(measure_spacings(_image(file, pixel_size, unit), n_spots=n_spots), as_json, plot=plot)


@tem_app.command("spacings")
@handle_errors
def spacings_cmd(
    file: Path = typer.Argument(..., help="Lattice image (dm3/dm4, emd, ser, hspy, tif)."),
    phase: list[str] | None = typer.Option(
        None,
        "--phase",
        help="Candidate phase: material name (CsPbBr3, PbS:rocksalt) or a CIF; repeatable.",
    ),
    n_spots: int = typer.Option(12, "--spots", help="Number of FFT spots to use."),
    d_tolerance: float = typer.Option(
        0.03, "--d-tolerance", help="Relative d-spacing tolerance of a match."
    ),
    angle_tolerance: float = typer.Option(
        3.0, "--angle-tolerance", help="Angle tolerance of a match (deg)."
    ),
    pixel_size: float | None = PIXEL_OPTION,
    unit: str | None = UNIT_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """d-spacings with errors and their planes/zone axes in the candidate phases.

    Example: heterolab tem spacings dimer.dm3 --phase CsPbBr3 --phase PbS --json
    """
    from heterolab.structure.microscopy import measure_spacings

    res = measure_spacings(
        _image(file, pixel_size, unit),
        n_spots=n_spots,
        phases=_phases(phase),
        d_tolerance=d_tolerance,
        angle_tolerance_deg=angle_tolerance,
    )
    emit(res, as_json, plot=plot)


@tem_app.command("particles")
@handle_errors
def particles_cmd(
    file: Path = typer.Argument(..., help="Image of particles (dm3/dm4, emd, ser, hspy, tif)."),
    dark: bool = typer.Option(
        False, "--dark", help="Particles darker than the background (bright-field TEM)."
    ),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Intensity threshold (default Otsu)."
    ),
    measure: SizeMeasure = typer.Option(
        SizeMeasure.EQUIVALENT_DIAMETER,
        "--measure",
        case_sensitive=False,
        help="Size reported: equivalent diameter, Feret max/min or cube edge.",
    ),
    no_split: bool = typer.Option(
        False, "--no-split", help="Do not split touching particles (no watershed)."
    ),
    min_area: int = typer.Option(20, "--min-area", help="Smallest particle (pixels)."),
    pixel_size: float | None = PIXEL_OPTION,
    unit: str | None = UNIT_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Particle sizes: mean ± sd, SEM, lognormal fit; edge-touching and merged ones counted.

    Example: heterolab tem particles ncs.tif --dark --measure cube_edge --plot sizes.png
    """
    from heterolab.structure.microscopy import measure_particles

    res = measure_particles(
        _image(file, pixel_size, unit),
        threshold=threshold,
        bright=not dark,
        measure=measure,
        split=not no_split,
        min_area_px=min_area,
    )
    emit(res, as_json, plot=plot)


@tem_app.command("gpa")
@handle_errors
def gpa_cmd(
    file: Path = typer.Argument(..., help="Lattice image (dm3/dm4, emd, ser, hspy, tif)."),
    g: list[str] | None = typer.Option(
        None, "--g", help="Bragg vector 'GX,GY' (1/nm); give two, or none for auto."
    ),
    mask_sigma: float | None = typer.Option(
        None, "--mask-sigma", help="Gaussian mask sigma (1/nm); default |g|/8."
    ),
    reference: tuple[float, float, float, float] = typer.Option(
        (0.0, 0.0, 0.0, 0.0),
        "--reference",
        help="Unstrained region X0 X1 Y0 Y1 (nm); default whole image.",
    ),
    pixel_size: float | None = PIXEL_OPTION,
    unit: str | None = UNIT_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Geometric phase analysis: strain (small strain and lattice-parameter) and rotation maps.

    Example: heterolab tem gpa interface.dm4 --reference 0 5 0 20 --plot strain.png
    """
    from heterolab.structure.microscopy import gpa

    vectors = None
    if g:
        try:
            vectors = [[float(v) for v in s.split(",")] for s in g]
        except ValueError:
            raise ParameterError(f"--g must look like 'GX,GY' in 1/nm, got {g}") from None
        if len(vectors) != 2 or any(len(v) != 2 for v in vectors):
            raise ParameterError("give exactly two --g 'GX,GY' vectors")
    ref = None if reference == (0.0, 0.0, 0.0, 0.0) else reference
    emit(
        gpa(_image(file, pixel_size, unit), vectors, mask_sigma=mask_sigma, reference=ref),
        as_json,
        plot=plot,
    )


def _columns(
    file: Path,
    separation: float,
    method: ColumnMethod,
    sublattice_vector: int | None,
    no_refine: bool,
    invert: bool,
    pixel_size: float | None,
    unit: str | None,
) -> Any:
    from heterolab.structure.microscopy import find_atom_columns

    im = _image(file, pixel_size, unit)
    if invert:  # annular bright field: dark columns
        im = im.copy(data=float(im.max()) - im.values)
    return find_atom_columns(
        im,
        separation,
        method=method,
        refine=not no_refine,
        sublattice_vector=sublattice_vector,
    )


SEPARATION_OPTION = typer.Option(
    ..., "--separation", help="Smallest distance between columns (image unit, e.g. nm)."
)
METHOD_OPTION = typer.Option(
    ColumnMethod.AUTO,
    "--method",
    case_sensitive=False,
    help="Column finding: atomap (when installed), skimage, or auto.",
)
SUBLATTICE_OPTION = typer.Option(
    None,
    "--sublattice-vector",
    help="Zone vector (0 = shortest) whose midpoints form a second sub-lattice.",
)
NO_REFINE_OPTION = typer.Option(
    False, "--no-refine", help="Integer-pixel maxima (no centre-of-mass/Gaussian refinement)."
)
INVERT_OPTION = typer.Option(
    False, "--invert", help="Dark columns on a bright background (ABF): invert first."
)


@tem_app.command("columns")
@handle_errors
def columns_cmd(
    file: Path = typer.Argument(..., help="Atomic-resolution image (dm3/dm4, emd, ser, hspy)."),
    separation: float = SEPARATION_OPTION,
    method: ColumnMethod = METHOD_OPTION,
    sublattice_vector: int | None = SUBLATTICE_OPTION,
    no_refine: bool = NO_REFINE_OPTION,
    invert: bool = INVERT_OPTION,
    pixel_size: float | None = PIXEL_OPTION,
    unit: str | None = UNIT_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Atom-column positions, the column lattice and an optional second sub-lattice.

    Example: heterolab tem columns sto.hdf5 --pixel-size 0.0093263 --unit nm --separation 0.15
    --sublattice-vector 1 --plot columns.png
    """
    res = _columns(file, separation, method, sublattice_vector, no_refine, invert, pixel_size, unit)
    emit(res, as_json, plot=plot)


@tem_app.command("column-strain")
@handle_errors
def column_strain_cmd(
    file: Path = typer.Argument(..., help="Atomic-resolution image (dm3/dm4, emd, ser, hspy)."),
    separation: float = SEPARATION_OPTION,
    reference: tuple[float, float, float, float] = typer.Option(
        (0.0, 0.0, 0.0, 0.0),
        "--reference",
        help="Unstrained region X0 X1 Y0 Y1 (image unit, e.g. nm); default all columns.",
    ),
    method: ColumnMethod = METHOD_OPTION,
    invert: bool = INVERT_OPTION,
    pixel_size: float | None = PIXEL_OPTION,
    unit: str | None = UNIT_OPTION,
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Strain at every atom column from its neighbours (the column route beside GPA).

    Example: heterolab tem column-strain interface.dm4 --separation 0.2 --reference 0 3 0 6
    """
    from heterolab.structure.microscopy import column_strain

    cols = _columns(file, separation, method, None, False, invert, pixel_size, unit)
    if not cols.ok:
        emit(cols, as_json)
        return
    ref = None if reference == (0.0, 0.0, 0.0, 0.0) else reference
    emit(column_strain(cols, reference=ref), as_json, plot=plot)


@image_app.command("line-pairs")
@handle_errors
def line_pairs_cmd(
    file: Path = typer.Argument(..., help="Image of a bar target (tif, npy, or microscopy)."),
    line: tuple[float, float, float, float] = typer.Option(
        ..., "--line", help="Profile line X0 Y0 X1 Y1 across the bars (pixels)."
    ),
    width: int = typer.Option(1, "--width", help="Pixels averaged across the line (px)."),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Line-pair modulation (Imax - Imin)/(Imax + Imin) along a line across a bar target.

    Example: heterolab image line-pairs target.tif --line 10 50 200 50 --width 5 --plot lp.png
    """
    from heterolab.structure.imaging import line_pairs

    emit(line_pairs(_plain_image(file), line, width=width), as_json, plot=plot)


@image_app.command("resolution")
@handle_errors
def resolution_cmd(
    file: Path = typer.Argument(
        ..., help="Image with a slanted edge (tif, npy, or a microscopy format)."
    ),
    roi: tuple[int, int, int, int] = typer.Option(
        (0, 0, 0, 0), "--roi", help=ROI_HELP + " Default whole image."
    ),
    oversample: int = typer.Option(4, "--oversample", help="ESF bins per pixel (ISO 12233: 4)."),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Slanted-edge MTF (ISO 12233): MTF50 and MTF10 (cycles/pixel, and per unit if calibrated).

    Example: heterolab image resolution edge.tif --roi 100 200 50 250 --plot mtf.png
    """
    from heterolab.structure.imaging import slanted_edge_mtf

    r = None if roi == (0, 0, 0, 0) else roi
    emit(slanted_edge_mtf(_plain_image(file), r, oversample=oversample), as_json, plot=plot)


@image_app.command("contrast")
@handle_errors
def contrast_cmd(
    file: Path = typer.Argument(..., help="Image (tif, npy, or a microscopy format)."),
    signal: tuple[int, int, int, int] = typer.Option(..., "--signal", help="Signal " + ROI_HELP),
    background: tuple[int, int, int, int] = typer.Option(
        ..., "--background", help="Background " + ROI_HELP
    ),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Weber and Michelson contrast and CNR of a signal region against background.

    Example: heterolab image contrast swir.tif --signal 40 60 40 60 --background 0 30 0 100
    """
    from heterolab.structure.imaging import contrast

    emit(contrast(_plain_image(file), signal, background), as_json, plot=plot)


@image_app.command("compare")
@handle_errors
def compare_cmd(
    files: list[Path] = typer.Argument(
        ..., help="Images of the same scene through different materials."
    ),
    signal: tuple[int, int, int, int] = typer.Option(..., "--signal", help="Signal " + ROI_HELP),
    background: tuple[int, int, int, int] = typer.Option(
        ..., "--background", help="Background " + ROI_HELP
    ),
    edge: tuple[int, int, int, int] = typer.Option(
        (0, 0, 0, 0), "--edge", help="Slanted-edge " + ROI_HELP
    ),
    rank_by: RankBy = typer.Option(
        RankBy.CNR, "--rank-by", case_sensitive=False, help="Metric that ranks the images."
    ),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Rank several images by CNR, contrast or MTF50; the figure shows them side by side.

    Example: heterolab image compare a.tif b.tif --signal 40 60 40 60 --background 0 30 0 100
    """
    from heterolab.structure.imaging import compare_images

    images = {f.stem: _plain_image(f) for f in files}
    if len(images) != len(files):
        raise ParameterError("file names (stems) must be distinct")
    e = None if edge == (0, 0, 0, 0) else edge
    emit(
        compare_images(
            images, signal_roi=signal, background_roi=background, edge_roi=e, rank_by=rank_by
        ),
        as_json,
        plot=plot,
    )
