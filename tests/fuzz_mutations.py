"""Seeded damage for reader fuzzing (tests/io/test_fuzz_*.py).

``mutants(raw, rng, n, text=...)`` yields ``n`` damaged copies of a real file's bytes: byte
flips, extreme 4/8-byte header values, truncation at a random point, an empty file, binary
garbage; for text files also numbers replaced by NaN/inf/1e308/huge/blank/words, cells added
or removed, lines swapped (unsorted axis) or repeated (duplicated axis), decimal commas,
semicolons, a BOM, UTF-16, only the header left. ``check_read`` runs one read under a 20 s
alarm and lets only heterolab errors through.
"""

from __future__ import annotations

import re
import signal
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from heterolab.errors import HeterolabError

EXTREMES_8 = [0, -1, 1, 2**31 - 1, 2**63 - 1, 10**12, -(10**12)]
EXTREMES_4 = [0, -1, 2**31 - 1, 10**9]
TEXT_NUMBERS = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e999",
    "0",
    "-0",
    "99999999999999999999999",
    "",
    "1,5",
    "abc",
    "1e-320",
    "2147483648",
    "-2147483649",
]
_NUMBER = re.compile(rb"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def _binary(raw: bytes, rng: np.random.Generator, header: int) -> bytes:
    b = bytearray(raw)
    kind = int(rng.integers(4))
    if kind == 0 and b:  # a few random bytes anywhere
        for _ in range(int(rng.integers(1, 9))):
            b[int(rng.integers(len(b)))] = int(rng.integers(256))
    elif kind == 1 and len(b) >= 8:  # an extreme 8-byte value in the header
        k = int(rng.integers(0, max(min(header, len(b)) - 8, 1)))
        b[k : k + 8] = struct.pack("<q", EXTREMES_8[int(rng.integers(len(EXTREMES_8)))])
    elif kind == 2 and len(b) >= 4:  # an extreme 4-byte value (either byte order)
        k = int(rng.integers(0, max(min(header, len(b)) - 4, 1)))
        fmt = "<i" if rng.integers(2) else ">i"
        b[k : k + 4] = struct.pack(fmt, EXTREMES_4[int(rng.integers(len(EXTREMES_4)))])
    else:  # truncated at a random point
        b = b[: int(rng.integers(0, max(len(b), 1)))]
    return bytes(b)


def _text(raw: bytes, rng: np.random.Generator) -> bytes:
    lines = raw.splitlines(keepends=True)
    if not lines:
        return raw
    kind = int(rng.integers(12))
    numeric = [i for i, ln in enumerate(lines) if _NUMBER.match(ln.strip())]
    pick = numeric if numeric else list(range(len(lines)))
    i = int(rng.choice(pick))
    if kind <= 2:  # a number replaced by nan/inf/huge/blank/word (several times for kind 2)
        for _ in range(1 if kind < 2 else int(rng.integers(2, 20))):
            i = int(rng.choice(pick))
            spans = [m.span() for m in _NUMBER.finditer(lines[i])]
            if spans:
                a, b = spans[int(rng.integers(len(spans)))]
                new = TEXT_NUMBERS[int(rng.integers(len(TEXT_NUMBERS)))].encode()
                lines[i] = lines[i][:a] + new + lines[i][b:]
    elif kind == 3:  # a cell removed or added on one line
        cells = re.split(rb"([\t,; ]+)", lines[i].rstrip(b"\r\n"))
        if rng.integers(2) and len(cells) > 2:
            lines[i] = b"".join(cells[:-2]) + b"\n"
        else:
            lines[i] = lines[i].rstrip(b"\r\n") + b"\t7\n"
    elif kind == 4 and len(pick) > 2:  # two data lines swapped: an unsorted axis
        j = int(rng.choice(pick))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == 5:  # a data line repeated: a duplicated axis value
        lines.insert(i, lines[i])
    elif kind == 6:  # decimal commas (and maybe semicolons)
        text = b"".join(lines)
        if rng.integers(2):
            text = text.replace(b",", b";")
        return text.replace(b".", b",")
    elif kind == 7:  # semicolons or commas for the separators
        sep = b";" if rng.integers(2) else b","
        return b"".join(re.sub(rb"[\t ]+", sep, ln.strip()) + b"\n" for ln in lines)
    elif kind == 8:  # BOM or UTF-16
        if rng.integers(2):
            return b"\xef\xbb\xbf" + raw
        return raw.decode("latin-1").encode("utf-16")
    elif kind == 9:  # only the header (the lines before the first numeric line)
        first = numeric[0] if numeric else len(lines)
        return b"".join(lines[:first])
    elif kind == 10:  # a line truncated in the middle
        ln = lines[i]
        lines[i] = ln[: int(rng.integers(0, max(len(ln), 1)))]
    else:  # lines deleted from the middle or the end
        a = int(rng.integers(len(lines)))
        del lines[a : a + int(rng.integers(1, 50))]
    return b"".join(lines)


def mutants(
    raw: bytes, rng: np.random.Generator, n: int, *, text: bool, header: int = 4096
) -> Iterator[bytes]:
    """``n`` damaged copies of ``raw``: the first is empty, the second binary garbage, then
    text damage (when ``text``) and byte-level damage alternate."""
    yield b""
    yield bytes(rng.integers(0, 256, 4000, dtype=np.uint8))
    for k in range(n - 2):
        if text and k % 3 != 2:
            yield _text(raw, rng)
        else:
            yield _binary(raw, rng, header)


def _alarm(signum: int, frame: Any) -> None:
    raise TimeoutError("reader hung for more than 20 s")


def check_read(
    reader: Callable[[Path], Any], path: Path, validate: Callable[[Any], None] | None = None
) -> str:
    """Read ``path`` under a 20 s alarm: ``"error"`` for a heterolab error, ``"ok"`` for a
    read that ``validate`` accepts; any other exception propagates (the test fails)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        out = reader(path)
    except HeterolabError as exc:
        assert path.name in str(exc) or "<" in str(exc), f"error does not name the file: {exc}"
        return "error"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if validate is not None:
        validate(out)
    return "ok"


def finite_on_axis(dim: str, *, allow_nan_values: bool = False) -> Callable[[Any], None]:
    """Validator: values finite (or NaN where allowed), the ``dim`` axis finite, increasing."""

    def check(out: Any) -> None:
        items = (
            out if isinstance(out, list) else list(out.values()) if isinstance(out, dict) else [out]
        )
        for da in items:
            v = np.asarray(da.values, dtype=float)
            ok = np.isfinite(v) | (np.isnan(v) if allow_nan_values else False)
            assert np.all(ok), f"non-finite values in a successful read ({da.attrs.get('source')})"
            x = np.asarray(da[dim].values, dtype=float)
            assert np.all(np.isfinite(x)), f"non-finite {dim} axis"
            assert x.size < 2 or np.all(np.diff(x) > 0), f"{dim} axis not increasing"

    return check
