"""Registry of file readers with content sniffing (see :mod:`heterolab.io`)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from heterolab.errors import FormatError, ParameterError

__all__ = ["ReaderInfo", "available_readers", "read", "register_reader"]

SNIFF_BYTES = 4096

# Modules that define readers; imported on first use of the registry so that
# ``import heterolab`` stays light and optional heavy dependencies load only when needed.
_READER_MODULES = (
    "heterolab.io.text",
    "heterolab.io.picoquant",
    "heterolab.io.bh",
    "heterolab.io.hdf5",
    "heterolab.io.ta",
    "heterolab.io.spectra",
    "heterolab.io.xrd",
    "heterolab.io.images",
    "heterolab.io.vamas",
    "heterolab.io.dft",
)


@dataclass(frozen=True)
class ReaderInfo:
    """A registered reader.

    Parameters
    ----------
    name
        Short name used with ``read(..., reader=name)``.
    kind
        What it returns: ``"decay"``, ``"decays"``, ``"flim"``, ``"trpl_map"``, ``"ta"``,
        ``"spectrum"``, ...
    extensions
        Lower-case extensions including the dot (``".ptu"``).
    sniff
        ``sniff(head: bytes) -> bool``; True if the reader recognises the first bytes.
    func
        ``func(path, **options) -> DataArray | Dataset``.
    generic
        True for a reader whose ``sniff`` claims any numeric text table (the text decay
        readers): without ``kind``, :func:`read` asks it only after the table's header has
        said what the table holds (see :func:`heterolab.io.text.guess_table_kind`).
    """

    name: str
    kind: str
    extensions: tuple[str, ...]
    sniff: Callable[[bytes], bool] | None
    func: Callable[..., Any]
    generic: bool = False


_REGISTRY: dict[str, ReaderInfo] = {}
_loaded = False


def register_reader(
    name: str,
    kind: str,
    extensions: tuple[str, ...] = (),
    sniff: Callable[[bytes], bool] | None = None,
    *,
    generic: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``func`` as reader ``name`` (see :class:`ReaderInfo`)."""

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        exts = tuple(e.lower() for e in extensions)
        _REGISTRY[name] = ReaderInfo(name, kind, exts, sniff, func, generic)
        return func

    return deco


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in _READER_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a reader module not written yet
            if exc.name != mod:
                raise
    _loaded = True


def available_readers(kind: str | None = None) -> list[ReaderInfo]:
    """Registered readers, optionally only those returning ``kind``."""
    _load_all()
    return [r for r in _REGISTRY.values() if kind is None or r.kind == kind]


def _call_chosen(func: Callable[..., Any], p: Path, options: dict[str, Any]) -> Any:
    """Call a reader chosen from the file's content or extension; readers that can veto a file
    whose content is not their kind (``check_shape``) are asked to."""
    if "check_shape" in inspect.signature(func).parameters:
        options = {"check_shape": True, **options}
    return func(p, **options)


def read(
    path: str | PathLike[str],
    *,
    kind: str | None = None,
    reader: str | None = None,
    **options: Any,
) -> Any:
    """Read a file with the reader that recognises it.

    Parameters
    ----------
    path
        File to read.
    kind
        Restrict the choice to readers returning this kind (e.g. ``"decay"`` or ``"ta"``).
        Without it, a plain numeric text table is read as the kind its first column's
        header names (time: decay; wavelength/energy/wavenumber: spectrum; binding or
        kinetic energy: photoemission; 2θ: xrd_pattern) and refused, naming the kinds to
        pass, when no header says.
    reader
        Force a reader by name.
    **options
        Passed to the reader (e.g. ``time_unit="ps"``).

    Raises
    ------
    FormatError
        If the file does not exist, is empty, no reader recognises it, or (without
        ``kind``) it is a numeric table whose header does not say what it holds.
    ParameterError
        If ``reader`` names no registered reader.
    """
    _load_all()
    p = Path(path)
    if not p.exists():
        raise FormatError(p, "file does not exist")
    if p.is_dir():
        raise FormatError(p, "is a directory, expected a file")
    if reader is not None:
        if reader not in _REGISTRY:
            raise ParameterError(
                f"unknown reader {reader!r}; known: {', '.join(sorted(_REGISTRY))}"
            )
        return _REGISTRY[reader].func(p, **options)  # chosen by the user: no content veto
    with open(p, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head:
        raise FormatError(p, "file is empty")
    candidates = [r for r in _REGISTRY.values() if kind is None or r.kind == kind]
    for r in candidates:  # formats with a signature (magic bytes, marker lines) first
        if r.sniff is not None and not r.generic and r.sniff(head):
            return _call_chosen(r.func, p, options)
    if kind is None:  # a plain numeric table: its header must say what it holds
        from heterolab.io.text import guess_table_kind

        kind = guess_table_kind(p, head)
        if kind is not None:
            candidates = [r for r in _REGISTRY.values() if r.kind == kind]
    for r in candidates:
        if r.sniff is not None and r.generic and r.sniff(head):
            return _call_chosen(r.func, p, options)
    ext = p.suffix.lower()
    for r in candidates:
        if ext in r.extensions:
            return _call_chosen(r.func, p, options)
    names = ", ".join(f"{r.name} ({'/'.join(r.extensions) or 'sniffed'})" for r in candidates)
    raise FormatError(
        p, f"no reader recognises this file{f' as {kind!r}' if kind else ''}; readers: {names}"
    )
