"""The Typer applications; command modules attach their commands to these.

One module per area registers commands (``cli/trpl.py``, ``cli/ta.py`` ...), so areas grow
independently while the command tree is declared once, here. Every group is made by
:func:`group`, which turns Rich markup off: option help writes units in brackets or
parentheses ("Film thickness (nm)") and Rich markup would swallow ``[nm]``.
"""

from __future__ import annotations

import typer

__all__ = ["app", "group"]


def group(help: str) -> typer.Typer:
    """A command group with the project's settings (no Rich markup, help when bare)."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)


app = typer.Typer(
    name="heterolab",
    help="Raw instrument data of nanocrystal heterostructures to publishable numbers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from heterolab import __version__

        typer.echo(f"heterolab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the heterolab version and exit.",
    ),
) -> None:
    """Raw instrument data of nanocrystal heterostructures to publishable numbers."""


trpl_app = group("Time-resolved photoluminescence: decays, FLIM, transfer, transport.")
ta_app = group("Transient absorption: kinetics, SVD, chirp, global and target analysis.")
spectrum_app = group(
    "Steady-state spectra: peaks, Tauc, Urbach, fits, PLQY, transfer, temperature."
)
physics_app = group("Physics models: sizes, Brus, tolerance, mismatch, bands, nucleation.")
xrd_app = group("Diffraction: powder XRD and GIWAXS (peaks, phases, lattice, strain, sizes).")
xps_app = group("Photoemission: XPS peak fitting, quantification, UPS.")
tem_app = group("Microscopy and imaging: d-spacings, FFT, particle sizes, strain maps (GPA), SWIR.")
atomistic_app = group(
    "Atomistic interfaces: build, screen with an ML potential, DFT inputs and outputs."
)

app.add_typer(trpl_app, name="trpl")
app.add_typer(ta_app, name="ta")
app.add_typer(spectrum_app, name="spectrum")
app.add_typer(physics_app, name="physics")
app.add_typer(xrd_app, name="xrd")
giwaxs_app = group("2D detector images and GIWAXS: integration, q-maps, orientation.")
app.add_typer(giwaxs_app, name="giwaxs")
app.add_typer(xps_app, name="xps")
app.add_typer(tem_app, name="tem")
app.add_typer(atomistic_app, name="atomistic")

# issue #13: image quality (SWIR cameras and other imagers); commands in cli/microscopy.py
image_app = group(
    "Image quality: resolution (slanted-edge MTF), contrast and CNR, ranking of images."
)
app.add_typer(image_app, name="image")
