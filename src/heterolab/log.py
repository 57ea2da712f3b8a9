"""Logging: heterolab's logger tree, and the command line's verbosity.

Library code writes ``warnings.warn`` (a user-visible caveat of a computation) or logs to
``logging.getLogger("heterolab.<area>")`` (what it is doing). Neither prints anything by
itself in a notebook beyond Python's defaults. On the command line, :func:`cli_logging`
routes both — and the warnings of scipy, matplotlib and the other libraries heterolab
calls — through one handler on stderr, one line each:

* default: ``warning: <message>`` for warnings, nothing for progress messages;
* ``-v``: also ``info:`` messages, and each warning with its category and origin;
* ``-vv``: also ``debug:`` messages;
* ``-q``: errors only (no warnings, no progress bars).
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["LOGGER_NAME", "cli_logging", "get_logger", "verbosity_level"]

LOGGER_NAME = "heterolab"
_WARNINGS_LOGGER = "heterolab.warnings"


def get_logger(area: str) -> logging.Logger:
    """The logger of one part of heterolab (``get_logger("kinetics.ta")``)."""
    return logging.getLogger(f"{LOGGER_NAME}.{area}")


def verbosity_level(verbose: int, quiet: bool) -> int:
    """The logging level for ``-v`` given ``verbose`` times, or ``-q``.

    ``quiet`` wins over ``verbose``: errors only.
    """
    if quiet:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)


class _LevelPrefix(logging.Formatter):
    """``warning: message`` — the level in lower case, as the CLI writes ``error: ...``."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


@contextmanager
def cli_logging(
    verbose: int = 0, quiet: bool = False, stream: TextIO | None = None
) -> Iterator[None]:
    """Route heterolab's log records and Python warnings to ``stream`` (stderr) for one command.

    Everything is restored when the block ends, so commands run one after another in one
    process (tests, notebooks calling the CLI) do not leak handlers into each other.
    """
    level = verbosity_level(verbose, quiet)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(_LevelPrefix())
    logger = logging.getLogger(LOGGER_NAME)
    saved = (logger.level, logger.propagate, warnings.showwarning)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    warnings.showwarning = _warning_to_log(level <= logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        warnings.showwarning = saved[2]


def _warning_to_log(with_origin: bool) -> Any:
    """A ``warnings.showwarning`` replacement that logs one line per warning."""
    target = logging.getLogger(_WARNINGS_LOGGER)

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if with_origin:
            target.warning("%s (%s, %s:%d)", message, category.__name__, filename, lineno)
        else:
            target.warning("%s", message)

    return show
