"""Progress display for long analyses: one helper for every module, on stderr, never stdout.

A bar appears only once a task has run for :data:`DELAY_S` seconds, so quick calls stay
silent, and only where somebody can see it: by default when stderr is a terminal. The
command line's ``-q`` turns it off (:func:`set_progress`), and the environment variable
``HETEROLAB_PROGRESS`` (``0`` or ``1``) overrides the automatic choice, e.g. in workers of a
cluster, whose stderr nobody reads. Progress never goes to stdout, so ``--json`` stays one
clean document.

Examples
--------
>>> from heterolab.progress import progress, progress_task
>>> total = 0
>>> for pixel in progress(range(3), total=3, description="fitting pixels", unit="px"):
...     total += pixel
>>> with progress_task("global fit", unit="evaluations") as tick:
...     tick()
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["DELAY_S", "progress", "progress_enabled", "progress_task", "set_progress"]

T = TypeVar("T")

#: Seconds a task runs before its bar is drawn.
DELAY_S = 2.0

_forced: bool | None = None


def set_progress(enabled: bool | None) -> None:
    """Show progress bars always (``True``), never (``False``) or automatically (``None``:
    when stderr is a terminal, unless ``HETEROLAB_PROGRESS`` says otherwise)."""
    global _forced
    _forced = enabled


def progress_enabled() -> bool:
    """Whether a bar would be drawn now: :func:`set_progress`, then ``HETEROLAB_PROGRESS``,
    then whether stderr is a terminal."""
    if _forced is not None:
        return _forced
    env = os.environ.get("HETEROLAB_PROGRESS", "").strip()
    if env in {"0", "1"}:
        return env == "1"
    return sys.stderr.isatty()


def progress(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    description: str,
    unit: str = "it",
) -> Iterable[T]:
    """``iterable``, with a progress bar on stderr when the loop takes over :data:`DELAY_S`.

    Parameters
    ----------
    iterable
        What the loop runs over.
    total
        Number of items, when ``iterable`` has no ``len``.
    description
        What is being done ("fitting pixels").
    unit
        What one item is ("px", "decay", "file").
    """
    if not progress_enabled():
        return iterable
    return _bar(iterable, total=total, description=description, unit=unit)


def _bar(iterable: Iterable[T] | None, *, total: int | None, description: str, unit: str) -> Any:
    """The one tqdm bar heterolab draws: stderr, after :data:`DELAY_S`, cleared when done."""
    from tqdm import tqdm

    return tqdm(
        iterable,
        total=total,
        desc=description,
        unit=unit,
        delay=DELAY_S,
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
    )


def _no_tick(n: float = 1) -> None:
    """Stand-in for a bar's update when no bar is shown."""


@contextmanager
def progress_task(
    description: str, *, total: int | None = None, unit: str = "it"
) -> Iterator[Callable[..., object]]:
    """A bar for work that is not a loop over a sequence (an optimiser's evaluations).

    Yields ``tick(n=1)``, which advances the bar by ``n``; with ``total=None`` the bar
    counts without an end. The bar is closed when the block ends, also on an error.
    """
    if not progress_enabled():
        yield _no_tick
        return
    bar = _bar(None, total=total, description=description, unit=unit)
    try:
        yield bar.update
    finally:
        bar.close()
