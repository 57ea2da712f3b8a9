"""pyglotaran's optimisation as the peer benchmarks run it (one place for the call)."""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Mapping
from typing import Any


def peer_ready(skip: bool) -> bool:
    """Whether pyglotaran runs (``skip``: ``--skip-pyglotaran``); exit with the remedy when it
    is asked for but not installed. Imports its optimiser now, so no clock pays for it."""
    if skip:
        return False
    if importlib.util.find_spec("glotaran") is None:
        sys.exit("error: pyglotaran is not installed in this Python; use --skip-pyglotaran")
    import glotaran.optimization.optimize  # noqa: F401

    return True


def optimize_timed(
    model: Any,
    parameters: Any,
    datasets: Mapping[str, Any],
    *,
    started: float,
    tol: float = 1e-8,
    max_nfev: int | None = None,
) -> tuple[Any, float]:
    """Run pyglotaran 0.7's ``optimize`` on a Scheme of ``model``, ``parameters`` and
    ``datasets`` with ftol = gtol = xtol = ``tol`` (its default 1e-8) and at most
    ``max_nfev`` evaluations; return the result and the wall time (s) since ``started``
    (a ``time.perf_counter()`` taken before the caller read its files)."""
    from glotaran.optimization.optimize import optimize
    from glotaran.project.scheme import Scheme

    scheme = Scheme(
        model,
        parameters,
        dict(datasets),
        maximum_number_function_evaluations=max_nfev,
        ftol=tol,
        gtol=tol,
        xtol=tol,
    )
    result = optimize(scheme, verbose=False)
    return result, time.perf_counter() - started
