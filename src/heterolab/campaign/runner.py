"""Running a campaign: a task graph of steps, cached in the store, written to a folder.

Output folder layout (default ``heterolab-results/`` beside the campaign file)::

    OUTDIR/
      results.json        campaign, samples, every step (id, label, type, sample, note, input
                          files with SHA-256, Result.to_dict()) and the series tables
      results.csv         one row per reported quantity: step, label, group, name, value,
                          stderr, unit (full precision), "value ± stderr" (rounded), sample,
                          published, deviation_sigma, comparison (ok | differs), status, warnings
      series/ID.csv       one table per [[series]]: sample, x, step, value, stderr, unit, status
      figures/ID.png      one figure per step that has curves
      heterolab.sqlite    the result store (schema in heterolab.campaign.store)
      .heterolab-results  marker: this folder was written by heterolab
      .heterolab.lock     held while a run writes the folder

A folder that is not empty and lacks the marker is refused, so no other files are overwritten.
Only the coordinating process writes the store and the files; workers only compute.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any, TextIO

from heterolab import __version__
from heterolab.campaign.compare import compare_with_reference
from heterolab.campaign.execute import compute_step, compute_steps
from heterolab.campaign.outputs import safe_path, write_atomic
from heterolab.campaign.registry import STEP_TYPES
from heterolab.campaign.spec import Campaign, Step, load_campaign
from heterolab.campaign.store import ResultStore, cache_key
from heterolab.campaign.tables import write_outputs
from heterolab.errors import OutputError, ParameterError
from heterolab.result import Quantity, Result, file_sha256

__all__ = ["CampaignRun", "campaign_status", "default_outdir", "run_campaign"]

MARKER = ".heterolab-results"
#: Most steps sent to a Dask worker as one task.
MAX_BATCH = 32
LOCK = ".heterolab.lock"
STORE = "heterolab.sqlite"


@dataclass
class CampaignRun:
    """What a campaign run produced."""

    campaign: Campaign
    outdir: Path
    results: dict[str, Result] = field(default_factory=dict)
    cached: set[str] = field(default_factory=set)
    computed: list[str] = field(default_factory=list)
    figures: dict[str, Path] = field(default_factory=dict)
    hashes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        """Ids of steps whose result failed."""
        return [sid for sid, r in self.results.items() if r.status == "failed"]

    @property
    def results_json(self) -> Path:
        """Path of results.json."""
        return self.outdir / "results.json"

    @property
    def results_csv(self) -> Path:
        """Path of results.csv."""
        return self.outdir / "results.csv"

    @property
    def store_path(self) -> Path:
        """Path of the SQLite result store."""
        return self.outdir / STORE


def default_outdir(campaign_path: str | PathLike[str]) -> Path:
    """``heterolab-results/`` beside the campaign file."""
    return Path(campaign_path).resolve().parent / "heterolab-results"


def prepare_outdir(outdir: Path) -> None:
    """Create ``outdir`` (or accept an earlier heterolab output folder) and mark it; refuses a
    non-empty folder that heterolab did not write."""
    if outdir.exists() and not outdir.is_dir():
        raise ParameterError(f"output path {outdir} exists and is not a folder")
    if outdir.exists() and any(outdir.iterdir()) and not (outdir / MARKER).exists():
        raise ParameterError(
            f"output folder {outdir} is not empty and was not written by heterolab; "
            "choose an empty or new folder (nothing was written)"
        )
    outdir.mkdir(parents=True, exist_ok=True)
    if not (outdir / MARKER).exists():
        write_atomic(outdir, MARKER, "written by heterolab\n")


class _Lock:
    """An exclusive lock on the output folder (released by the OS if the process dies)."""

    def __init__(self, outdir: Path, wait: float) -> None:
        self.path = safe_path(outdir, LOCK)
        if self.path.is_symlink():
            self.path.unlink()
        self.fh = open(self.path, "a+")  # noqa: SIM115 - held for the whole run
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: SQLite's own locking only
            return
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    self.fh.seek(0)
                    holder = self.fh.read().strip() or "another process"
                    self.fh.close()
                    raise OutputError(
                        f"another heterolab run ({holder}) is writing {outdir}; wait for it to "
                        "finish, or pass --wait SECONDS to wait for it"
                    ) from None
                time.sleep(0.2)
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()} on {platform.node()}\n")
        self.fh.flush()

    def release(self) -> None:
        self.fh.close()


# ---------------------------------------------------------------------- keys
class _Hasher:
    def __init__(self) -> None:
        self.cache: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        if path not in self.cache:
            self.cache[path] = file_sha256(path) if path.is_file() else "missing"
        return self.cache[path]


def _input_hashes(step: Step, sha: _Hasher) -> dict[str, list[str]]:
    return {name: [sha(p) for p in paths] for name, paths in sorted(step.inputs.items())}


def _step_key(step: Step, used: dict[str, Quantity], hashes: dict[str, list[str]]) -> str:
    stype = STEP_TYPES[step.type]
    return cache_key(
        {
            "step": step.id,
            "type": step.type,
            "function": stype.function_name,
            "options": step.options,
            "read": step.read,
            "inputs": hashes,
            "uses": {k: [q.value, q.stderr, q.unit] for k, q in sorted(used.items())},
            "reference": step.reference,
            "version": __version__,
        }
    )


def _resolve_uses(step: Step, results: dict[str, Result]) -> dict[str, Quantity] | str:
    """Used quantities, or the reason they cannot be had."""
    used: dict[str, Quantity] = {}
    for name, (sid, qname) in step.uses.items():
        res = results[sid]
        if res.status == "failed":
            return f"step {step.id} uses {sid}.{qname}, but step {sid} failed: {res.message}"
        try:
            used[name] = res[qname]
        except KeyError as exc:
            return f"step {step.id}: {exc.args[0]}"
    return used


# ---------------------------------------------------------------------- executors
class _LocalExecutor:
    """Computes each step in this process when it is submitted."""

    def __init__(self) -> None:
        self.done: deque[tuple[Step, str, tuple[Result, bytes | None]]] = deque()

    def submit(self, step: Step, used: dict[str, Quantity], key: str, title: str | None) -> None:
        self.done.append((step, key, compute_step(step, used, title, STEP_TYPES[step.type])))

    @property
    def busy(self) -> bool:
        return bool(self.done)

    def completed(self) -> Iterator[tuple[Step, str, tuple[Result, bytes | None]]]:
        while self.done:
            yield self.done.popleft()

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def _preimport(camp: Campaign) -> None:
    """Import every step function, reader and (with figures) the plotting module of ``camp``."""
    import importlib

    for stype in {s.type for s in camp.steps}:
        try:
            STEP_TYPES[stype].resolve()
        except (ImportError, AttributeError):  # reported by the step itself when it runs
            continue
    from heterolab.io import available_readers

    available_readers()
    if camp.figures:
        importlib.import_module("heterolab.report.plots")


class _DaskExecutor:
    """Submits steps to a Dask cluster (a LocalCluster of ``workers`` processes, or the
    scheduler at ``address``); results come back to this (the coordinating) process."""

    def __init__(self, workers: int, address: str | None, camp: Campaign | None = None) -> None:
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise ParameterError(
                "--workers/--scheduler need dask.distributed: pip install 'heterolab[cluster]'"
            ) from None
        self._as_completed = as_completed
        self.cluster = None
        try:
            if address:
                self.client = Client(address, timeout="20s")
            else:
                import dask

                # non-daemonic workers may start processes of their own (the HDF5 reader
                # reads untrusted files in a child process it can kill); on Linux the workers
                # are forked from this process after it imported what the steps need, so they
                # start warm (spawned workers spent seconds importing before their first step)
                # long comm timeouts: on a loaded machine a coordinator busy with a chunked
                # step starved the in-process scheduler and it dropped its workers
                settings: dict[str, Any] = {
                    "distributed.worker.daemon": False,
                    "distributed.comm.timeouts.connect": "120s",
                    "distributed.comm.timeouts.tcp": "600s",
                }
                if sys.platform.startswith("linux") and camp is not None:
                    _preimport(camp)
                    settings["distributed.worker.multiprocessing-method"] = "fork"
                with dask.config.set(settings):
                    self.cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",
                    )
                self.client = Client(self.cluster)
        except (OSError, RuntimeError, TimeoutError, ValueError) as exc:
            where = f"the Dask scheduler at {address}" if address else "a local Dask cluster"
            raise ParameterError(f"cannot use {where}: {exc}") from None
        self.pending: dict[Any, list[tuple[Step, str]]] = {}
        self.queue: list[tuple[Step, dict[str, Quantity], str, str | None]] = []
        self.ready: deque[tuple[Step, str, tuple[Result, bytes | None]]] = deque()
        self.ac = as_completed()
        try:
            self.n_workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        except (OSError, RuntimeError, TimeoutError, ValueError):  # pragma: no cover
            self.n_workers = max(1, workers)

    def submit(self, step: Step, used: dict[str, Quantity], key: str, title: str | None) -> None:
        self.queue.append((step, used, key, title))

    def _map(self, func: Any, args: list[tuple[Any, ...]]) -> list[Any]:
        """The chunks of a chunked step as tasks on the workers, results in order."""
        import warnings

        with warnings.catch_warnings():  # the chunks travel inside their tasks
            warnings.filterwarnings("ignore", message=".*[Ll]arge graph.*")
            futures = [self.client.submit(func, *a, pure=False) for a in args]
        return self.client.gather(futures)

    def flush(self) -> None:
        """Send the queued steps as batches: about four per worker, at most
        :data:`MAX_BATCH` steps each. A step of a campaign often takes a few ms of CPU, less
        than what a Dask task costs the client, scheduler and worker; batching amortises it."""
        if not self.queue:
            return
        # a chunked step (FLIM, batch) runs here, its chunks as tasks on the workers: tasks
        # started from inside a worker's task hung the cluster at times
        for item in [q for q in self.queue if q[0].chunk_pixels]:
            st, used, key, title = item
            out = compute_step(st, used, title, STEP_TYPES[st.type], chunk_map=self._map)
            self.ready.append((st, key, out))
        self.queue = [q for q in self.queue if not q[0].chunk_pixels]
        if not self.queue:
            return
        n = len(self.queue)
        size = max(1, min(MAX_BATCH, -(-n // (4 * self.n_workers))))
        for i in range(0, n, size):
            batch = self.queue[i : i + size]
            # step types sent along: types registered at run time included
            items = [(st, used, title, STEP_TYPES[st.type]) for st, used, _, title in batch]
            fut = self.client.submit(compute_steps, items, pure=False)
            self.pending[fut] = [(st, key) for st, _, key, _ in batch]
            self.ac.add(fut)
        self.queue = []

    @property
    def busy(self) -> bool:
        return bool(self.pending or self.queue or self.ready)

    def completed(self) -> Iterator[tuple[Step, str, tuple[Result, bytes | None]]]:
        self.flush()
        while self.ready or self.pending:
            if not self.ready:
                fut = next(self.ac)
                steps = self.pending.pop(fut)
                try:
                    outs = fut.result()
                except Exception as exc:
                    outs = []
                    for step, _ in steps:
                        res = Result(kind=step.type)
                        res.mark_failed(f"worker error: {type(exc).__name__}: {exc}")
                        outs.append((res, None))
                self.ready.extend(
                    (step, key, out) for (step, key), out in zip(steps, outs, strict=True)
                )
            yield self.ready.popleft()

    def close(self) -> None:
        import logging

        # a worker slow to stop on a loaded machine is killed by its nanny: not news
        # (and a worker whose heartbeat arrives after the scheduler closed says so): not news
        # ... nor is a worker's heartbeat or batched send that races the scheduler's close
        # (CommClosedError with a traceback, printed by the worker processes themselves)
        loggers = [logging.getLogger(f"distributed.{n}") for n in _SHUTDOWN_LOGGERS]
        levels = [lg.level for lg in loggers]
        for lg in loggers:
            lg.setLevel(logging.CRITICAL)
        try:
            if self.cluster is not None:
                with contextlib.suppress(OSError, TimeoutError, RuntimeError):
                    self.client.run(_silence_shutdown_logging)
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)


_SHUTDOWN_LOGGERS = ("nanny", "scheduler", "worker", "core", "comm", "batched", "client")


def _silence_shutdown_logging() -> None:
    """In a worker process: log only critical distributed messages from now on (shutdown)."""
    import logging

    for name in _SHUTDOWN_LOGGERS:
        logging.getLogger(f"distributed.{name}").setLevel(logging.CRITICAL)


# ---------------------------------------------------------------------- run
def run_campaign(
    campaign: Campaign | str | PathLike[str],
    outdir: str | PathLike[str] | None = None,
    *,
    use_cache: bool = True,
    progress: bool = True,
    stream: TextIO | None = None,
    workers: int = 0,
    scheduler: str | None = None,
    wait: float = 0.0,
) -> CampaignRun:
    """Run every step of a campaign; write results, figures and the store to ``outdir``.

    Parameters
    ----------
    campaign
        A :class:`Campaign` or the path of a ``campaign.toml`` (validated before anything runs).
    outdir
        Output folder (default ``heterolab-results`` beside the campaign file); must be new,
        empty, or an earlier heterolab output folder.
    use_cache
        Reuse stored results of steps whose inputs, options, used quantities, reference values
        and heterolab version did not change (and whose figure is present).
    progress
        Show a progress bar of the steps: on ``stream`` when given, else through
        :mod:`heterolab.progress` (stderr, after 2 s, off with ``-q`` or when stderr is not a
        terminal).
    workers
        ``> 0``: compute on a dask.distributed LocalCluster of that many processes.
    scheduler
        Address of a running Dask scheduler to compute on (input files must be readable there).
    wait
        Seconds to wait for another run holding the folder before giving up.

    Returns
    -------
    CampaignRun
        Results by step id; a step that fails is recorded with its message and the others go
        on (steps using its quantities fail with a message naming it).

    Raises
    ------
    ModelError
        Every problem of the campaign file, before anything runs.
    OutputError
        When another run holds the folder, or a file cannot be written.
    """
    camp = campaign if isinstance(campaign, Campaign) else load_campaign(campaign)
    out = Path(outdir) if outdir is not None else default_outdir(camp.path)
    prepare_outdir(out)
    lock = _Lock(out, wait)
    try:
        return _run_locked(camp, out, use_cache, progress, stream, workers, scheduler)
    finally:
        lock.release()


def _open_store(out: Path) -> ResultStore:
    path = safe_path(out, STORE)
    if path.is_symlink():
        raise OutputError(f"{path} is a symbolic link; heterolab does not write through it")
    return ResultStore(path)


def _series_steps(camp: Campaign, chosen: tuple[str, ...]) -> list[str]:
    """Concrete step ids of a series (``for_each`` templates expanded; all when empty)."""
    return [s.id for s in camp.steps if not chosen or s.id in chosen or s.template in chosen]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _run_locked(
    camp: Campaign,
    out: Path,
    use_cache: bool,
    progress: bool,
    stream: TextIO | None,
    workers: int,
    scheduler: str | None,
) -> CampaignRun:
    run = CampaignRun(camp, out)
    executor: _LocalExecutor | _DaskExecutor = (
        _DaskExecutor(workers, scheduler, camp) if (workers > 0 or scheduler) else _LocalExecutor()
    )
    try:
        store = _open_store(out)
    except BaseException:
        executor.close()
        raise
    try:
        _schedule(run, store, executor, use_cache, progress, stream)
    finally:
        executor.close()
        store.close()
    return run


def _schedule(
    run: CampaignRun,
    store: ResultStore,
    executor: _LocalExecutor | _DaskExecutor,
    use_cache: bool,
    progress: bool,
    stream: TextIO | None,
) -> None:
    """The task graph: dispatch every step whose inputs are ready, finish completions."""
    camp = run.campaign
    sha = _Hasher()
    run_id = store.begin_run(_now(), __version__, platform.node(), os.getpid(), str(camp.path))
    store.set_campaign(
        [(s.name, s.material, s.synthesis, s.metadata) for s in camp.samples],
        [
            (m.id, m.sample, m.technique, str(f), sha(f), m.instrument)
            for m in camp.measurements
            for f in m.files
        ],
        [(s.id, s.quantity, s.x, _series_steps(camp, s.steps)) for s in camp.series],
    )
    bar = _StepBar(progress, stream, len(camp.steps), camp.name[:40])
    waiting = list(camp.steps)
    try:
        while waiting or executor.busy:
            done = set(run.results)
            ready = [s for s in waiting if s.depends_on <= done]
            for step in ready:
                waiting.remove(step)
                _dispatch(step, run, store, executor, sha, use_cache, run_id, bar)
            finished = False
            for step, key, (result, png) in executor.completed():
                _finish(step, key, result, png, run, store, run_id)
                run.computed.append(step.id)
                bar.update(1)
                bar.set_postfix_str(step.id[:30])
                finished = True
                break  # new steps may be ready
            if not ready and not finished:  # pragma: no cover - order is validated at load
                raise ParameterError(f"steps {[s.id for s in waiting]} can never run")
        store.prune_current(s.id for s in camp.steps)
        write_outputs(run)
        store.end_run(run_id, _now(), len(run.computed), len(run.cached), len(run.failed))
    finally:
        bar.close()


class _StepBar:
    """Steps done: :func:`heterolab.progress.progress_task` (stderr, after 2 s, silenced by
    ``-q`` and when nobody sees stderr), or a tqdm bar on an explicit ``stream``."""

    def __init__(self, show: bool, stream: TextIO | None, total: int, title: str) -> None:
        self._ctx: Any = None
        self._bar: Any = None
        self.update: Any = lambda n=1: None
        if not show:
            return
        if stream is not None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=title, unit="step", file=stream, leave=False)
            self.update = self._bar.update
            return
        from heterolab.progress import progress_task

        self._ctx = progress_task(title, total=total, unit="step")
        self.update = self._ctx.__enter__()

    def set_postfix_str(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        if self._ctx is not None:
            self._ctx.__exit__(None, None, None)


def _figure_ok(out: Path, figure: str | None, want: bool) -> bool:
    if not want:
        return True
    if figure is None:
        return False
    if figure == "none":
        return True
    path = out / figure
    return path.is_file() and not path.is_symlink() and path.stat().st_size > 0


def _dispatch(
    step: Step,
    run: CampaignRun,
    store: ResultStore,
    executor: _LocalExecutor | _DaskExecutor,
    sha: _Hasher,
    use_cache: bool,
    run_id: int,
    bar: Any,
) -> None:
    hashes = _input_hashes(step, sha)
    run.hashes[step.id] = hashes
    used = _resolve_uses(step, run.results)
    if isinstance(used, str):
        res = Result(kind=step.type)
        res.mark_failed(used)
        _finish(step, cache_key({"failed": step.id, "why": used}), res, None, run, store, run_id)
        bar.update(1)
        return
    key = _step_key(step, used, hashes)
    hit = store.get(key) if use_cache else None
    if hit is not None and _figure_ok(run.outdir, hit[1], run.campaign.figures):
        result, figure = hit
        run.results[step.id] = result
        run.cached.add(step.id)
        if figure and figure != "none":
            run.figures[step.id] = run.outdir / figure
        store.set_current(step.id, key, step.sample)
        bar.update(1)
        return
    executor.submit(step, used, key, step.label if run.campaign.figures else None)


def _finish(
    step: Step,
    key: str,
    result: Result,
    png: bytes | None,
    run: CampaignRun,
    store: ResultStore,
    run_id: int,
) -> None:
    """Coordinator side: provenance, reference comparison, figure file, store."""
    files = run.hashes.get(step.id, {})
    result.provenance["inputs"] = {
        name: [{"path": str(p), "sha256": h} for p, h in zip(step.inputs[name], hs, strict=True)]
        for name, hs in files.items()
    }
    result.provenance["step"] = {"id": step.id, "type": step.type, "options": step.options}
    if result.status != "failed":
        compare_with_reference(step.reference, result)
    figure: str | None = None
    if run.campaign.figures and result.status != "failed":
        figure = "none"
        if png:
            figure = f"figures/{step.id}.png"
            run.figures[step.id] = write_atomic(run.outdir, figure, png)
    run.results[step.id] = result
    store.put(
        key,
        step.id,
        step.type,
        result,
        sample=step.sample,
        figure=figure,
        run_id=run_id,
        inputs={n: ",".join(h) for n, h in files.items()},
    )


# ---------------------------------------------------------------------- status
def campaign_status(
    campaign: Campaign | str | PathLike[str], outdir: str | PathLike[str] | None = None
) -> list[dict[str, str]]:
    """What a run would do, without running: one row per step with ``state`` "up to date",
    "changed" (inputs, options, references or version differ), "failed", "figure missing",
    "new" (never run)
    or "waiting" (depends on a step that is not up to date), and the stored status."""
    camp = campaign if isinstance(campaign, Campaign) else load_campaign(campaign)
    out = Path(outdir) if outdir is not None else default_outdir(camp.path)
    store_path = out / STORE
    store = ResultStore(store_path, readonly=True) if store_path.is_file() else None
    current = store.current() if store else {}
    sha = _Hasher()
    known: dict[str, Result] = {}
    rows = []
    for step in camp.steps:
        state, status = "new", ""
        deps_ready = step.depends_on <= set(known)
        if not deps_ready:
            state = "waiting"
        elif store is not None:
            used = _resolve_uses(step, known)
            key = "" if isinstance(used, str) else _step_key(step, used, _input_hashes(step, sha))
            hit = store.get(key) if key else None
            if hit is not None and _figure_ok(out, hit[1], camp.figures):
                state, status = "up to date", hit[0].status
                known[step.id] = hit[0]
            elif step.id in current:
                old_key, old_status = current[step.id]
                state = "changed"
                if old_key == key:
                    state = "failed" if old_status == "failed" else "figure missing"
                status = old_status
        rows.append(
            {
                "step": step.id,
                "type": step.type,
                "sample": step.sample,
                "state": state,
                "status": status,
            }
        )
    if store is not None:
        store.close()
    return rows
