"""Writing a campaign's output folder safely.

- every file is written to a temporary name and renamed (a killed run never leaves half a file);
- nothing is written through a symbolic link: a link inside the folder is replaced by a regular
  file, and a folder reached through a link that leaves the output folder is refused;
- CSV text cells starting with ``=``, ``+``, ``-``, ``@`` (or tab / carriage return) are
  prefixed with ``'`` so that spreadsheets do not run them as formulas (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from heterolab.errors import OutputError

__all__ = ["csv_text", "neutralise", "safe_path", "write_atomic"]

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Any) -> Any:
    """A CSV cell that a spreadsheet will not execute: text starting with = + - @ gets a ``'``."""
    if isinstance(cell, str) and cell.startswith(_FORMULA):
        return "'" + cell
    return cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV of ``rows`` with every text cell neutralised (numbers are written as numbers)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([[neutralise(c) for c in row] for row in rows])
    return buf.getvalue()


def safe_path(root: Path, relative: str | Path) -> Path:
    """``root / relative``, refusing any folder on the way that is a link out of ``root``.

    Raises
    ------
    OutputError
        If a folder component is a symbolic link or resolves outside ``root``.
    """
    base = root.resolve()
    target = root / relative
    folder = target.parent
    current = root
    for part in folder.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            raise OutputError(
                f"{current} is a symbolic link; heterolab does not write through links in its "
                "output folder (remove it)"
            )
    if folder.exists() and not folder.resolve().is_relative_to(base):
        raise OutputError(f"{folder} leads outside the output folder {root}")
    return target


def write_atomic(root: Path, relative: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``root/relative`` through a temporary file and an atomic rename; a
    symbolic link at the target is replaced, never followed."""
    path = safe_path(root, relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        if tmp.is_symlink():
            tmp.unlink()
        fd = os.open(tmp, flags, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
