"""Tokenising delimited text tables with line numbers (shared by the text readers).

A text table is split into *header* lines (everything before the first numeric row) and a
block of *data* rows. Every data row keeps its 1-based line number so that a bad cell can be
reported as ``file, line N: problem``. Delimiters (tab, semicolon, comma, whitespace) and the
decimal separator (point or comma) are detected from the data rows unless given.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from heterolab.errors import FormatError, ParameterError

__all__ = [
    "DELIMITERS",
    "TextTable",
    "detect_delimiter",
    "first_cell_numeric",
    "is_comment",
    "is_probably_text",
    "parse_float_row",
    "parse_rows",
    "read_lines",
    "resolve_delimiter",
    "split_table",
    "unit_from_label",
]

#: Accepted ``delimiter`` option values -> the separator used for splitting (None: whitespace).
DELIMITERS: dict[str, str | None] = {
    "tab": "\t",
    "\t": "\t",
    "semicolon": ";",
    ";": ";",
    "comma": ",",
    ",": ",",
    "whitespace": None,
    " ": None,
}

_UNIT_PATTERNS = (
    re.compile(r"\(\s*([^()]+?)\s*\)\s*$"),  # "Time (ps)"
    re.compile(r"\[\s*([^\[\]]+?)\s*\]\s*$"),  # "Time [ps]"
    re.compile(r"^[^/]+/\s*([A-Za-zµμ]+)\s*$"),  # "t / ps", "t/ns"
)


@dataclass
class TextTable:
    """A parsed table: header lines and numeric data rows with their line numbers.

    Attributes
    ----------
    path
        Source file.
    header
        Lines before the first data row, as ``(line_number, text)``.
    rows
        Split cells of each data row (strings), as read.
    line_numbers
        1-based line number of each data row.
    separator
        The separator used (None: runs of whitespace).
    decimal_comma
        True if cells use a decimal comma.
    footer
        Lines after the data block (only when ``stop_at_text=True``), as ``(line, text)``.
    """

    path: Path
    header: list[tuple[int, str]]
    rows: list[list[str]]
    line_numbers: list[int]
    separator: str | None
    decimal_comma: bool
    footer: list[tuple[int, str]] = field(default_factory=list)

    def header_cells(self) -> list[str] | None:
        """Cells of the last header line when it splits into as many cells as a data row."""
        if not self.header or not self.rows:
            return None
        cells = _split(self.header[-1][1], self.separator)
        if len(cells) == len(self.rows[0]) + 1 and cells[-1] == "":
            cells = cells[:-1]  # header closed by a trailing delimiter like the rows
        if len(cells) == len(self.rows[0]):
            return cells
        return None


MAX_TEXT_BYTES = 200_000_000  # a text table beyond this is read as lines in memory x 30


def read_lines(path: Path) -> list[str]:
    """Decode a text file into lines (UTF-8, falling back to Latin-1).

    Raises
    ------
    FormatError
        If the file does not exist, is empty, or contains NUL bytes (binary file).
    """
    if not path.exists():
        raise FormatError(path, "file does not exist")
    with open(path, "rb") as fh:  # sniff before reading: a 2 GB binary file is refused at once
        head = fh.read(65536)
    if b"\x00" in head:
        raise FormatError(path, "binary content (NUL bytes), expected a text table")
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise FormatError(
            path,
            f"{size / 1e6:.0f} MB is too large for a text table (limit "
            f"{MAX_TEXT_BYTES / 1e6:.0f} MB): store such data in HDF5 or a binary format",
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise FormatError(path, "file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.splitlines()


def is_probably_text(head: bytes) -> bool:
    """True if the first bytes of a file look like a text table (no NUL, decodable)."""
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the sniff boundary
        if exc.start < len(head) - 4:
            return False
    return True


def _split(line: str, sep: str | None) -> list[str]:
    s = line.strip()
    if sep is None:
        return s.split()
    cells = s.split(sep)
    if " " in s or "\t" in s:
        return [c.strip() for c in cells]
    return cells


def _looks_numeric(cell: str, decimal_comma: bool | None) -> bool:
    c = cell.strip()
    if decimal_comma:
        c = c.replace(",", ".")
    try:
        float(c)
    except ValueError:
        return False
    return "_" not in c


def first_cell_numeric(line: str) -> bool:
    tok = re.split(r"[\t;,\s]+", line.strip(), maxsplit=1)[0]
    return bool(tok) and _looks_numeric(tok, decimal_comma=False)


def detect_delimiter(lines: list[str]) -> tuple[str | None, bool]:
    """Guess the separator and the decimal separator from sample data lines.

    Tabs win over semicolons, semicolons over commas. A comma is the *decimal* separator
    when whitespace splits every line into the same number (>= 2) of cells that each contain
    at most one inner comma and no point; otherwise a comma separates cells (so a
    single-column file ``1,5`` per line reads as two columns: pass ``decimal=","``). With tab,
    semicolon or whitespace separators, cells with commas and no points mean decimal commas.

    Returns
    -------
    separator, decimal_comma
        ``separator`` is None for whitespace.
    """
    sample = [ln for ln in lines if ln.strip()][:50]
    joined = "\n".join(sample)
    if "\t" in joined:
        sep: str | None = "\t"
    elif ";" in joined:
        sep = ";"
    elif "," in joined:
        sep = ","
        ws = [ln.split() for ln in sample]
        if (
            len({len(c) for c in ws}) == 1
            and len(ws[0]) >= 2
            and all(
                cell.count(",") <= 1
                and "." not in cell
                and not cell.endswith(",")
                and not cell.startswith(",")
                for cells in ws
                for cell in cells
            )
        ):
            sep = None  # "1,5  2,5": whitespace table with decimal commas
    else:
        sep = None
    if sep == ",":
        return sep, False
    cells = [c for ln in sample for c in _split(ln, sep)]
    decimal_comma = any("," in c for c in cells) and not any("." in c for c in cells)
    return sep, decimal_comma


def resolve_delimiter(delimiter: str | None) -> str | bool | None:
    """The cell separator a ``delimiter`` option names (``None`` = whitespace), or ``False``
    (detect) when the option is ``None``; ParameterError naming the valid choices otherwise."""
    if delimiter is None:
        return False  # sentinel: detect
    if delimiter not in DELIMITERS:
        raise ParameterError(
            f"unknown delimiter {delimiter!r}; use one of 'tab', 'semicolon', 'comma', 'whitespace'"
        )
    return DELIMITERS[delimiter]


def _resolve_decimal(decimal: str | None) -> bool | None:
    if decimal is None:
        return None
    if decimal not in (".", ","):
        raise ParameterError(f"unknown decimal separator {decimal!r}; use '.' or ','")
    return decimal == ","


def is_comment(line: str, comment: str | None) -> bool:
    return bool(comment) and line.lstrip().startswith(comment)  # type: ignore[arg-type]


def split_table(
    path: Path,
    lines: list[str],
    *,
    delimiter: str | None = None,
    decimal: str | None = None,
    comment: str | None = "#",
    first_data_line: int | None = None,
    stop_at_text: bool = False,
) -> TextTable:
    """Split lines into header and data rows, detecting delimiter and decimal separator.

    Parameters
    ----------
    path
        File name used in error messages.
    lines
        The file's lines (see :func:`read_lines`).
    delimiter
        ``"tab"``, ``"semicolon"``, ``"comma"``, ``"whitespace"`` or None to detect.
    decimal
        ``"."``, ``","`` or None to detect.
    comment
        Lines starting with this prefix are header/comment lines; None disables comments.
    first_data_line
        0-based index of the first data line when the caller knows it (e.g. a matrix whose
        first row starts with a text label); None: the first line whose first cell is numeric.
    stop_at_text
        If True the data block ends at the first blank or non-numeric line after it starts;
        the remaining lines go to ``footer``. If False (default) such lines are errors later.

    Raises
    ------
    FormatError
        If there is no data row.
    """
    sep_opt = resolve_delimiter(delimiter)
    dec_opt = _resolve_decimal(decimal)
    start = first_data_line
    if start is None:
        start = next(
            (
                i
                for i, ln in enumerate(lines)
                if ln.strip() and not is_comment(ln, comment) and first_cell_numeric(ln)
            ),
            None,
        )
    if start is None:
        raise FormatError(path, "no numeric data rows found (only header or text lines)")
    header = [(i + 1, ln) for i, ln in enumerate(lines[:start]) if ln.strip()]
    data_idx: list[int] = []
    footer: list[tuple[int, str]] = []
    for i in range(start, len(lines)):
        ln = lines[i]
        if footer:
            if ln.strip():
                footer.append((i + 1, ln))
            continue
        if not ln.strip() or is_comment(ln, comment):
            if stop_at_text and data_idx and not ln.strip():
                footer.append((i + 1, ln))
            continue
        if stop_at_text and data_idx and not first_cell_numeric(ln):
            footer.append((i + 1, ln))
            continue
        data_idx.append(i)
    footer = [(n, t) for n, t in footer if t.strip()]
    if not data_idx:
        raise FormatError(path, "no numeric data rows found (only header or text lines)")
    sample = [lines[i] for i in data_idx[1:60]] or [lines[data_idx[0]]]
    if sep_opt is False:
        sep, dec_auto = detect_delimiter(sample)
    else:
        sep = sep_opt  # type: ignore[assignment]
        dec_auto = sep != "," and any(
            "," in c and "." not in c for ln in sample for c in _split(ln, sep)
        )
    decimal_comma = dec_auto if dec_opt is None else dec_opt
    if decimal_comma and sep == ",":
        raise ParameterError("decimal comma and comma delimiter cannot be used together")
    rows = [_split(lines[i], sep) for i in data_idx]
    if sep is not None and all(len(r) > 1 and r[-1] == "" for r in rows):
        rows = [r[:-1] for r in rows]  # every row ends with the delimiter: not an empty cell
    return TextTable(
        path=path,
        header=header,
        rows=rows,
        line_numbers=[i + 1 for i in data_idx],
        separator=sep,
        decimal_comma=decimal_comma,
        footer=footer,
    )


def parse_float_row(
    cells: list[str], *, path: Path, line: int, decimal_comma: bool, col_offset: int = 0
) -> np.ndarray:
    """Convert the cells of one row to float64; "nan"/"inf" are accepted as such.

    Raises
    ------
    FormatError
        Naming the line, the column (1-based, plus ``col_offset``) and the bad cell.
    """
    vals = np.empty(len(cells), dtype=float)
    for j, cell in enumerate(cells):
        c = cell.replace(",", ".") if decimal_comma else cell
        if c == "":
            raise FormatError(path, f"empty cell in column {j + 1 + col_offset}", line=line)
        if "_" in c:
            raise FormatError(
                path, f"non-numeric cell {cell!r} in column {j + 1 + col_offset}", line=line
            )
        try:
            vals[j] = float(c)
        except ValueError:
            raise FormatError(
                path, f"non-numeric cell {cell!r} in column {j + 1 + col_offset}", line=line
            ) from None
    return vals


def parse_rows(table: TextTable, *, n_cols: int | None = None) -> np.ndarray:
    """All data rows as a float64 array ``(n_rows, n_cols)``; ragged rows are errors.

    Raises
    ------
    FormatError
        For a row with a different number of cells than the first data row (named
        "truncated or ragged row") or a non-numeric cell.
    """
    expected = len(table.rows[0]) if n_cols is None else n_cols
    for cells, line in zip(table.rows, table.line_numbers, strict=True):
        if len(cells) != expected:
            raise FormatError(
                table.path,
                f"row has {len(cells)} cells, expected {expected} (truncated or ragged row)",
                line=line,
            )
    fast = _parse_all_at_once(table.rows, expected, table.decimal_comma)
    if fast is not None:
        return fast
    out = np.empty((len(table.rows), expected), dtype=float)
    for k, (cells, line) in enumerate(zip(table.rows, table.line_numbers, strict=True)):
        out[k] = parse_float_row(
            cells, path=table.path, line=line, decimal_comma=table.decimal_comma
        )
    return out


def _parse_all_at_once(
    rows: list[list[str]], n_cols: int, decimal_comma: bool
) -> np.ndarray | None:
    """Vectorised conversion of a clean table; None if any cell needs the checked path."""
    flat = [c for r in rows for c in r]
    if decimal_comma:
        flat = [c.replace(",", ".") for c in flat]
    if "" in flat or "_" in "".join(flat):
        return None
    try:
        return np.array(flat, dtype=float).reshape(len(rows), n_cols)
    except ValueError:
        return None  # the row-by-row path names the bad cell and its line


def unit_from_label(label: str) -> str | None:
    """The unit written in a column label: ``"Time (ps)"``, ``"t [ns]"``, ``"t / us"``.

    Returns None when the label carries no unit.
    """
    for pat in _UNIT_PATTERNS:
        m = pat.search(label.strip())
        if m:
            return m.group(1).strip()
    return None


# ----------------------------------------------------------------------------- large tables
#: Text tables larger than this are parsed in chunks (:func:`read_table`), never as lines.
LARGE_TEXT_BYTES = 32_000_000
#: Largest text table read at all (its numbers alone would take ~0.8x its size in memory).
MAX_STREAM_BYTES = 2_000_000_000
_CHUNK_BYTES = 8_000_000
_HEAD_BYTES = 1_000_000


class LineIndex:
    """File line numbers of the data rows of a streamed table, stored as runs of consecutive
    lines (``index[k]`` is the 1-based line of row ``k``), so 10 million rows cost a few
    numbers instead of a list of 10 million integers."""

    def __init__(self) -> None:
        self._row0: list[int] = []
        self._line0: list[int] = []
        self.size = 0

    def add_run(self, first_line: int, n: int) -> None:
        """Append ``n`` rows on consecutive lines from ``first_line``."""
        if n <= 0:
            return
        last = len(self._row0) - 1
        if last >= 0 and self._line0[last] + (self.size - self._row0[last]) == first_line:
            self.size += n  # continues the previous run
            return
        self._row0.append(self.size)
        self._line0.append(first_line)
        self.size += n

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, k: int) -> int:
        k = int(k)
        if k < 0:
            k += self.size
        if not 0 <= k < self.size:
            raise IndexError(k)
        run = int(np.searchsorted(self._row0, k, side="right")) - 1
        return self._line0[run] + k - self._row0[run]


def read_table(
    path: Path,
    *,
    delimiter: str | None = None,
    decimal: str | None = None,
    comment: str | None = "#",
    description: str = "reading text table",
) -> tuple[TextTable, np.ndarray]:
    """A numeric table and its values ``(n_rows, n_cols)``: :func:`split_table` +
    :func:`parse_rows` for an ordinary file, chunked parsing for one over
    :data:`LARGE_TEXT_BYTES` (bounded memory: the values plus one chunk of text; a progress
    bar after 2 s; ``table.rows`` then holds the first row only and ``table.line_numbers`` is a
    :class:`LineIndex`).

    Raises
    ------
    FormatError
        As :func:`read_lines` (missing, empty, binary: sniffed from the first bytes, never read
        whole) and :func:`parse_rows` (ragged row, bad cell, with its line); a file over
        :data:`MAX_STREAM_BYTES`.
    """
    head = _sniff_text(path)
    size = path.stat().st_size
    if size <= LARGE_TEXT_BYTES:
        table = split_table(
            path, read_lines(path), delimiter=delimiter, decimal=decimal, comment=comment
        )
        return table, parse_rows(table)
    if size > MAX_STREAM_BYTES:
        raise FormatError(
            path,
            f"{size / 1e9:.1f} GB is too large for a text table (limit "
            f"{MAX_STREAM_BYTES / 1e9:.0f} GB): store such data in HDF5 or a binary format",
        )
    return _read_streamed(path, head, size, delimiter, decimal, comment, description)


def _sniff_text(path: Path) -> bytes:
    """The first bytes of a text file; FormatError for a missing or binary (NUL) file."""
    if not path.exists():
        raise FormatError(path, "file does not exist")
    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    if b"\x00" in head[:65536]:
        raise FormatError(path, "binary content (NUL bytes), expected a text table")
    if not head.strip():
        raise FormatError(path, "file is empty" if len(head) < _HEAD_BYTES else "blank start")
    return head


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 4:  # a character cut at the end of the head
            return raw[: exc.start].decode("utf-8-sig")
        return raw.decode("latin-1")


def _read_streamed(
    path: Path,
    head: bytes,
    size: int,
    delimiter: str | None,
    decimal: str | None,
    comment: str | None,
    description: str,
) -> tuple[TextTable, np.ndarray]:
    from heterolab.progress import progress_task

    if b"\n" not in head:
        raise FormatError(path, "no line break in the first megabyte: not a text table")
    for span in (65536, len(head)):  # the header and a sample of rows, as Python strings
        part = head[:span]
        if b"\n" not in part:
            continue
        complete = part[: part.rindex(b"\n") + 1]
        lines = _decode(complete).splitlines()
        try:
            probe = split_table(path, lines, delimiter=delimiter, decimal=decimal, comment=comment)
            break
        except FormatError:
            if span == len(head):
                raise
    start = probe.line_numbers[0] - 1  # 0-based index of the first data line
    offset = sum(len(ln) + 1 for ln in complete.split(b"\n")[:start])
    n_cols = len(probe.rows[0])
    rows = LineIndex()
    # filled in place (no list of chunks to concatenate): rows estimated from the head's lines
    per_line = max((len(complete) - offset) / max(len(probe.rows), 1), 1.0)
    data = np.empty((int((size - offset) / per_line * 1.02) + 64, n_cols))
    n_rows = 0
    total_mb = max(math.ceil((size - offset) / 1e6), 1)
    with open(path, "rb") as fh, progress_task(description, total=total_mb, unit="MB") as tick:
        fh.seek(offset)
        line_no = start + 1
        carry = b""
        while True:
            block = fh.read(_CHUNK_BYTES)
            tick(len(block) / 1e6)
            if not block:
                block, carry = carry, b""
                if not block.strip():
                    break
            else:
                block = carry + block
                cut = block.rfind(b"\n") + 1
                if cut == 0:
                    carry = block
                    continue
                block, carry = block[:cut], block[cut:]
            values, n_lines = _parse_block(path, block, line_no, n_cols, probe, comment, rows)
            if n_rows + values.shape[0] > data.shape[0]:
                grown = np.empty((int(1.25 * (n_rows + values.shape[0])) + 64, n_cols))
                grown[:n_rows] = data[:n_rows]
                data = grown
            data[n_rows : n_rows + values.shape[0]] = values
            n_rows += values.shape[0]
            line_no += n_lines
    data.resize((n_rows, n_cols), refcheck=False)  # in place: no second copy of the values
    table = TextTable(
        path=path,
        header=probe.header,
        rows=probe.rows[:1],
        line_numbers=rows,  # type: ignore[arg-type]  # a LineIndex: indexable like the list
        separator=probe.separator,
        decimal_comma=probe.decimal_comma,
    )
    return table, data


def _parse_block(
    path: Path,
    block: bytes,
    line_no: int,
    n_cols: int,
    probe: TextTable,
    comment: str | None,
    rows: LineIndex,
) -> tuple[np.ndarray, int]:
    """Values of the complete lines in ``block`` (first line ``line_no``) and its line count.

    The fast path converts all cells at once; a block with blank or comment lines, a ragged
    row or a bad cell goes line by line (:func:`parse_float_row`), which names the line."""
    n_lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    text = block
    sep = probe.separator
    if probe.decimal_comma:
        text = text.replace(b",", b".")
    if sep is not None:
        text = text.replace(sep.encode(), b" ")
    marker = comment.encode() if comment else None
    clean = (marker is None or marker not in block) and b"_" not in block
    if clean:
        try:
            values = np.array(text.split(), dtype=float)
        except ValueError:
            values = None
        if values is not None and values.size == n_lines * n_cols:
            rows.add_run(line_no, n_lines)
            return values.reshape(n_lines, n_cols), n_lines
    out: list[np.ndarray] = []
    for i, raw in enumerate(block.decode("latin-1").splitlines()):
        if not raw.strip() or is_comment(raw, comment):
            continue
        cells = _split(raw, sep)
        if sep is not None and len(cells) == n_cols + 1 and cells[-1] == "":
            cells = cells[:-1]
        if len(cells) != n_cols:
            raise FormatError(
                path,
                f"row has {len(cells)} cells, expected {n_cols} (truncated or ragged row)",
                line=line_no + i,
            )
        out.append(
            parse_float_row(cells, path=path, line=line_no + i, decimal_comma=probe.decimal_comma)
        )
        rows.add_run(line_no + i, 1)
    return (np.array(out) if out else np.empty((0, n_cols))), n_lines
