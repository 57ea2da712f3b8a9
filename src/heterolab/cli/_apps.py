"""The Typer applications; command modules attach their commands to these.

One module per area registers commands (``cli/trpl.py``, ``cli/ta.py`` ...), so areas grow
independently while the command tree is declared once, here.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="heterolab",
    help="Raw instrument data of nanocrystal heterostructures to publishable numbers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
trpl_app = typer.Typer(
    help="Time-resolved photoluminescence: decays, FLIM, transfer, transport.", no_args_is_help=True
)
ta_app = typer.Typer(
    help="Transient absorption: kinetics, SVD, chirp, global and target analysis.",
    no_args_is_help=True,
)
spectrum_app = typer.Typer(
    help="Steady-state spectra: peaks, Tauc, Urbach, multi-peak fits.", no_args_is_help=True
)
physics_app = typer.Typer(
    help="Physics models: sizes, Brus, tolerance, mismatch, bands, nucleation.",
    no_args_is_help=True,
)

xrd_app = typer.Typer(
    help="Diffraction: powder XRD and GIWAXS (peaks, phases, lattice, strain, sizes).",
    no_args_is_help=True,
)
xps_app = typer.Typer(
    help="Photoemission: XPS peak fitting, quantification, UPS.", no_args_is_help=True
)
tem_app = typer.Typer(
    help="Microscopy and imaging: d-spacings, FFT, particle sizes, strain maps (GPA), SWIR.",
    no_args_is_help=True,
)
atomistic_app = typer.Typer(
    help="Atomistic interfaces: build, screen with an ML potential, DFT inputs and outputs.",
    no_args_is_help=True,
)

app.add_typer(trpl_app, name="trpl")
app.add_typer(ta_app, name="ta")
app.add_typer(spectrum_app, name="spectrum")
app.add_typer(physics_app, name="physics")
app.add_typer(xrd_app, name="xrd")
app.add_typer(xps_app, name="xps")
app.add_typer(tem_app, name="tem")
app.add_typer(atomistic_app, name="atomistic")
