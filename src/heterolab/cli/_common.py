"""Shared CLI plumbing: printing a Result as text or JSON, and turning errors into messages."""

from __future__ import annotations

import functools
import inspect
import json
import re
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


VERBOSE_OPTION = typer.Option(
    0,
    "-v",
    "--verbose",
    count=True,
    show_default=False,
    help="Say more: -v adds progress messages and where each warning comes from, -vv debug.",
)
QUIET_OPTION = typer.Option(
    False, "-q", "--quiet", help="Print only the result and errors: no warnings, no progress bars."
)
_VERBOSE = "heterolab_verbose"
_QUIET = "heterolab_quiet"


def _with_verbosity_options(func: Callable[..., Any], wrapper: Callable[..., Any]) -> None:
    """Give ``wrapper`` the signature of ``func`` plus ``-v/--verbose`` and ``-q/--quiet``, so
    every command decorated with :func:`handle_errors` offers them (Typer reads the signature)."""
    sig = inspect.signature(func)
    extra = [
        inspect.Parameter(
            _VERBOSE, inspect.Parameter.KEYWORD_ONLY, default=VERBOSE_OPTION, annotation="int"
        ),
        inspect.Parameter(
            _QUIET, inspect.Parameter.KEYWORD_ONLY, default=QUIET_OPTION, annotation="bool"
        ),
    ]
    params = list(sig.parameters.values())
    wrapper.__signature__ = sig.replace(parameters=params + extra)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {**func.__annotations__, _VERBOSE: "int", _QUIET: "bool"}


_OUTPUT_OPTIONS = frozenset({"out", "output", "outdir", "plot", "store", "figures"})


def _input_files(kwargs: dict[str, Any]) -> list[Path]:
    """Existing files among a command's path arguments (outputs excluded)."""
    files: list[Path] = []
    for name, value in kwargs.items():
        if name in _OUTPUT_OPTIONS:
            continue
        items = value if isinstance(value, list | tuple) else [value]
        files += [v for v in items if isinstance(v, Path) and v.is_file()]
    return files


def _naming_inputs(message: str, kwargs: dict[str, Any]) -> str:
    """``message`` prefixed with the command's input files unless it names one already or
    is about an option (names ``--x`` or one of the command's parameters): an analysis
    refusing a file it was given, e.g. "a decay needs >= 8 time bins", then says which file.
    """
    files = _input_files(kwargs)
    if not files or any(str(f) in message or f.name in message for f in files):
        return message
    options = [k for k, v in kwargs.items() if not isinstance(v, Path | list | tuple)]
    if "--" in message or any(
        re.search(rf"(?<![A-Za-z]){re.escape(k)}(?![A-Za-z])", message) for k in options
    ):
        return message
    shown = ", ".join(str(f) for f in files[:3]) + (", ..." if len(files) > 3 else "")
    return f"{shown}: {message}"


def handle_errors(func: F) -> F:
    """Decorator of every command: ``-v/-q``, warnings through logging, and clear errors.

    A :class:`HeterolabError`, or an ``OSError`` on a path (missing folder, no permission,
    not a directory), becomes ``error: <message>`` on stderr, exit 2. Warnings of heterolab
    and of the libraries it calls are printed as ``warning: <message>`` lines
    (:func:`heterolab.log.cli_logging`); ``-q`` silences them and the progress bars.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from heterolab.log import cli_logging
        from heterolab.progress import set_progress

        verbose = int(kwargs.pop(_VERBOSE, 0) or 0)
        quiet = bool(kwargs.pop(_QUIET, False))
        if quiet:
            set_progress(False)
        try:
            with cli_logging(verbose, quiet):
                return func(*args, **kwargs)
        except HeterolabError as exc:
            typer.echo(f"error: {_naming_inputs(str(exc), kwargs)}", err=True)
            raise typer.Exit(2) from None
        except OSError as exc:  # a path that cannot be read or written: name it, no traceback
            where = exc.filename if exc.filename is not None else "a file"
            typer.echo(f"error: {where}: {exc.strerror or exc}", err=True)
            raise typer.Exit(2) from None
        finally:
            if quiet:
                set_progress(None)

    _with_verbosity_options(func, wrapper)
    return wrapper  # type: ignore[return-value]
