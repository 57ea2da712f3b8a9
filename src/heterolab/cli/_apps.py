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

app.add_typer(trpl_app, name="trpl")
app.add_typer(ta_app, name="ta")
app.add_typer(spectrum_app, name="spectrum")
app.add_typer(physics_app, name="physics")
