"""Shared CLI plumbing: printing a Result as text or JSON, and turning errors into messages."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

import typer

from heterolab.errors import HeterolabError, OutputError
from heterolab.result import Result

F = TypeVar("F", bound=Callable[..., Any])

JSON_OPTION = typer.Option(False, "--json", help="Print the Result as JSON (Result.to_dict()).")


def figure_path(value: Path | None) -> Path | None:
    """Typer callback of every ``--plot``: refuse a suffix heterolab cannot write before the
    analysis runs (exit 2), never after."""
    if value is None:
        return None
    from heterolab.report import check_figure_path

    try:
        return check_figure_path(value)
    except HeterolabError as exc:
        raise typer.BadParameter(str(exc)) from None


PLOT_OPTION = typer.Option(
    None,
    "--plot",
    help="Also save the figure here (format from the suffix: .png, .pdf, .svg).",
    callback=figure_path,
)


def emit(
    result: Result | list[Result],
    as_json: bool,
    stream: TextIO | None = None,
    *,
    plot: Path | None = None,
) -> None:
    """Print ``result`` to ``stream`` (stdout): its summary, or ``to_dict()`` as JSON.

    ``--json`` always prints one JSON document: a single Result's ``to_dict()``, or
    ``{"results": [...]}`` for several. The result is printed before any figure is saved, so
    a finished analysis is never lost to an unwritable ``--plot`` path; then, with ``plot``
    (a single result only), ``result.plot()`` is saved there (matplotlib is imported only
    then). A failed or suspect result still prints, and the command exits with status 1
    afterwards.
    """
    out = stream or sys.stdout
    results = result if isinstance(result, list) else [result]
    if as_json:
        payload: Any = (
            {"results": [r.to_dict() for r in results]}
            if isinstance(result, list)
            else result.to_dict()
        )
        out.write(json.dumps(payload, indent=2) + "\n")
    else:
        out.write("\n\n".join(r.summary() for r in results) + "\n")
    out.flush()
    if plot is not None and not isinstance(result, list):
        save_plot(result, plot)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def save_plot(result: Result, path: Path) -> None:
    """Save ``result.plot()`` to ``path``: the one place a command writes its ``--plot``.

    Raises
    ------
    OutputError
        When the file cannot be written (missing folder, no permission), naming the path.
    """
    from heterolab.report.plots import save_figure

    try:
        save_figure(result.plot(), path)
    except OSError as exc:
        raise OutputError(f"cannot write the figure {path}: {exc.strerror or exc}") from None


def handle_errors(func: F) -> F:
    """Decorator: a :class:`HeterolabError`, or an ``OSError`` on a path (missing folder, no
    permission, not a directory), becomes ``error: <message>`` on stderr, exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HeterolabError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except OSError as exc:  # a path that cannot be read or written: name it, no traceback
            where = exc.filename if exc.filename is not None else "a file"
            typer.echo(f"error: {where}: {exc.strerror or exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
