"""Shared CLI plumbing: printing a Result as text or JSON, and turning errors into messages."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

import typer

from heterolab.errors import HeterolabError
from heterolab.result import Result

F = TypeVar("F", bound=Callable[..., Any])

JSON_OPTION = typer.Option(False, "--json", help="Print the Result as JSON (Result.to_dict()).")
PLOT_OPTION = typer.Option(
    None, "--plot", help="Also save the figure here (format from the suffix: .png, .pdf, .svg)."
)


def emit(
    result: Result | list[Result],
    as_json: bool,
    stream: TextIO | None = None,
    *,
    plot: Path | None = None,
) -> None:
    """Print ``result`` to ``stream`` (stdout): its summary, or ``to_dict()`` as JSON.

    A list of results prints as a JSON list / consecutive summaries. A failed result still
    prints, and the command exits with status 1 afterwards. With ``plot`` (a single result
    only), ``result.plot()`` is saved there first (matplotlib is imported only then).
    """
    if plot is not None and not isinstance(result, list):
        from heterolab.report.plots import save_figure

        save_figure(result.plot(), plot)
    out = stream or sys.stdout
    results = result if isinstance(result, list) else [result]
    if as_json:
        payload: Any = (
            [r.to_dict() for r in results] if isinstance(result, list) else result.to_dict()
        )
        out.write(json.dumps(payload, indent=2) + "\n")
    else:
        out.write("\n\n".join(r.summary() for r in results) + "\n")
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def handle_errors(func: F) -> F:
    """Decorator: a :class:`HeterolabError` becomes ``error: <message>`` on stderr, exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HeterolabError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
