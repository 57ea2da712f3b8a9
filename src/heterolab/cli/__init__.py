"""Command-line interface: a thin Typer layer over the public API.

Every command calls the same function a notebook user would and can print ``--json``
(``Result.to_dict()``). Command modules register themselves on the apps in ``_apps``.
"""

from __future__ import annotations

import importlib

from heterolab.cli._apps import app

__all__ = ["app", "main"]

# Command modules, one per area. A module that is not there yet is skipped.
_COMMAND_MODULES = (
    "heterolab.cli.trpl",
    "heterolab.cli.flim",
    "heterolab.cli.derived",
    "heterolab.cli.ta",
    "heterolab.cli.spectroscopy",
    "heterolab.cli.physics",
    "heterolab.cli.simulate",
    "heterolab.cli.demo",
    "heterolab.cli.xrd",
    "heterolab.cli.xps",
    "heterolab.cli.microscopy",
    "heterolab.cli.campaign",
    "heterolab.cli.report",
    "heterolab.cli.atomistic",
)


def _register_commands() -> None:
    for mod in _COMMAND_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise


_register_commands()


def main() -> None:
    """Entry point of the ``heterolab`` executable."""
    app()
