"""Computing one step: read its files, call its function, draw its figure.

:func:`compute_step` is what a worker runs (in this process, or on a Dask worker): it touches
no store and writes no file; the coordinating process stores what it returns.
"""

from __future__ import annotations

import inspect
import tempfile
import warnings
from pathlib import Path
from typing import Any

from heterolab.campaign.registry import STEP_TYPES, StepType, read_input
from heterolab.campaign.spec import Step
from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result

__all__ = ["compute_step", "compute_steps", "draw_figure", "map_chunks"]


def map_chunks(func: Any, args: list[tuple[Any, ...]]) -> list[Any]:
    """``[func(*a) for a in args]``, in order, in threads of this process (the batch fitter
    releases the GIL). With ``--workers``/``--scheduler`` the runner passes a map that sends
    the chunks to the Dask workers instead (see ``runner._DaskExecutor``)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(args), os.cpu_count() or 1) or 1) as pool:
        return list(pool.map(lambda a: func(*a), args))


def _wants_quantity(param: inspect.Parameter | None) -> bool:
    ann = "" if param is None else str(param.annotation)
    return "Quantity" in ann


def _call(step: Step, stype: StepType, used: dict[str, Quantity], chunk_map: Any = None) -> Result:
    func = stype.resolve()
    params = inspect.signature(func).parameters
    kwargs: dict[str, Any] = {}
    for name, spec in stype.input_specs.items():
        files = step.inputs.get(name, ())
        if not files:
            continue
        values = [read_input(spec, f, step.read) for f in files]
        if spec.kind in ("columns", "transfer_table"):
            kwargs.update(values[0])
        else:
            kwargs[name] = values if spec.many else values[0]
    for name, q in used.items():
        kwargs[name] = q if _wants_quantity(params.get(name)) else q.value
    kwargs.update(step.options)
    if step.chunk_pixels:
        kwargs["chunk_size"] = step.chunk_pixels
        kwargs["map_chunks"] = chunk_map or map_chunks
    out = func(**kwargs)
    if isinstance(out, Result):
        return out
    if isinstance(out, Quantity):
        return Result(kind=stype.name, derived={stype.name.split(".")[-1]: out})
    raise ParameterError(
        f"{stype.function_name} returned {type(out).__name__}, not a Result; it cannot be a "
        "campaign step"
    )


def compute_step(
    step: Step,
    used: dict[str, Quantity],
    figure_title: str | None = None,
    step_type: StepType | None = None,
    chunk_map: Any = None,
) -> tuple[Result, bytes | None]:
    """Run ``step`` with the quantities it uses; return its Result (no curves) and, when
    ``figure_title`` is given and the result has curves, the PNG bytes of its figure.

    ``step_type`` defaults to the registered ``STEP_TYPES[step.type]``; ``chunk_map`` maps
    the chunks of a step with ``chunk_pixels`` (default :func:`map_chunks`, threads here). Never raises for a
    failing analysis: any exception becomes a failed Result naming it.
    """
    try:
        result = _call(step, step_type or STEP_TYPES[step.type], used, chunk_map)
    except Exception as exc:
        result = Result(kind=step.type)
        name = "" if isinstance(exc, (ValueError, OSError)) else f"{type(exc).__name__}: "
        result.mark_failed(f"{name}{exc}" if str(exc) else type(exc).__name__)
        return result, None
    png = None
    if figure_title is not None and result.curves:
        try:
            png = draw_figure(result, figure_title)
        except Exception as exc:
            result.warnings.append(f"figure not drawn: {type(exc).__name__}: {exc}")
    result.curves = {}
    return result, png


def compute_steps(
    items: list[tuple[Step, dict[str, Quantity], str | None, StepType | None]],
) -> list[tuple[Result, bytes | None]]:
    """:func:`compute_step` of each ``(step, used, figure_title, step_type)``, in order: one
    Dask task for a batch of small steps."""
    return [compute_step(*item) for item in items]


def draw_figure(result: Result, title: str) -> bytes:
    """PNG bytes of ``result.plot()`` with ``title``."""
    from heterolab.report.plots import save_figure

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = result.plot()
        fig.suptitle(title, fontsize=8)
        with tempfile.TemporaryDirectory() as tmp:
            path = save_figure(fig, Path(tmp) / "figure.png", dpi=150)
            return path.read_bytes()
