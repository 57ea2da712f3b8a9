"""Large text decays (issue #10): read in chunks with bounded memory and a progress bar; a
binary or oversized file is refused from its first bytes or its size, never read whole."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from heterolab.errors import FormatError
from heterolab.io import _textgrid, read_decay, read_decays
from heterolab.io.text import read_text_decay


def write_decay(path: Path, n: int, *, header: str = "Time (ps)\tCounts") -> np.ndarray:
    """Two integer columns (time in ps, counts) written in blocks; returns the counts."""
    counts = (1000.0 * np.exp(-np.arange(n) / (n / 5.0))).astype(np.int64) + (np.arange(n) % 7)
    with open(path, "w") as fh:
        fh.write(header + "\n")
        for lo in range(0, n, 500_000):
            hi = min(lo + 500_000, n)
            block = np.column_stack([np.arange(lo, hi) * 4, counts[lo:hi]])
            fh.write("\n".join(f"{a}\t{b}" for a, b in block.tolist()) + "\n")
    return counts.astype(float)


@pytest.fixture
def megabyte_chunks(monkeypatch):
    """The chunked reader from 1 MB on, in 1 MB chunks: its memory and line bookkeeping are
    tested on ~12 MB files (the 10-million-row case was measured by hand, see the issue)."""
    monkeypatch.setattr(_textgrid, "LARGE_TEXT_BYTES", 1_000_000)
    monkeypatch.setattr(_textgrid, "_CHUNK_BYTES", 1_000_000)


@pytest.mark.slow
def test_a_large_decay_is_read_in_chunks_with_bounded_memory(tmp_path, megabyte_chunks):
    path = tmp_path / "decay.txt"
    counts = write_decay(path, 1_000_000)
    tracemalloc.start()
    da = read_decay(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_array_equal(da.values, counts)
    assert da["time"].values[1] == pytest.approx(0.004)  # ps in the header -> ns
    assert da["time"].values[-1] == pytest.approx((counts.size - 1) * 0.004)
    # the values (2 columns, float64), their concatenation and the time/counts columns, plus
    # one chunk of text and its tokens; reading the lines as Python strings took ~30x the file
    values = counts.size * 2 * 8
    assert peak < 5 * values + 8 * _textgrid._CHUNK_BYTES, peak / 1e6
    assert peak < 8 * path.stat().st_size


def test_a_bad_cell_deep_in_a_large_file_is_named_by_its_line(tmp_path, megabyte_chunks):
    path = tmp_path / "bad.txt"
    write_decay(path, 400_000)
    with open(path, "r+b") as fh:  # overwrite one cell of line 300,001 (data row 300,000)
        data = fh.read()
        k = 0
        for _ in range(300_000):
            k = data.index(b"\n", k) + 1
        end = data.index(b"\t", k)
        fh.seek(k)
        fh.write(b"x" * (end - k))
    with pytest.raises(FormatError, match=r"line 300001: non-numeric cell 'x+' in column 1"):
        read_decay(path)


@pytest.fixture
def small_chunks(monkeypatch):
    """Exercise the chunked reader on small files (tiny threshold and chunks)."""
    monkeypatch.setattr(_textgrid, "LARGE_TEXT_BYTES", 100)
    monkeypatch.setattr(_textgrid, "_CHUNK_BYTES", 64)


@pytest.mark.parametrize(
    "text",
    [
        "time (ns);counts\n0,0;5\n0,1;9\n0,2;7\n0,3;4\n0,4;2\n0,5;1\n0,6;1\n0,7;0\n",
        "time (ns),counts,\r\n0.0,5,\r\n0.1,9,\r\n0.2,7,\r\n0.3,4,\r\n0.4,2,\r\n0.5,1,\r\n",
        "# header\n0.0 5\n0.1 9\n\n# a note\n0.2 7\n0.3 4\n0.4 2\n0.5 1\n0.6 1\n0.7 0\n0.8 0\n",
    ],
    ids=["semicolon-decimal-comma", "crlf-trailing-delimiter", "blank-and-comment-lines"],
)
def test_chunked_reading_agrees_with_the_ordinary_reader(tmp_path, monkeypatch, text):
    path = tmp_path / "d.txt"
    path.write_bytes(text.encode())
    ordinary = read_text_decay(path)
    monkeypatch.setattr(_textgrid, "LARGE_TEXT_BYTES", 100)
    monkeypatch.setattr(_textgrid, "_CHUNK_BYTES", 64)
    chunked = read_text_decay(path)
    np.testing.assert_array_equal(chunked.values, ordinary.values)
    np.testing.assert_array_equal(chunked["time"].values, ordinary["time"].values)


def test_chunked_errors_name_the_line(tmp_path, small_chunks):
    rows = [f"{0.1 * i:.1f}\t{100 - i}" for i in range(40)]
    rows[29] = "2.9\t-3"  # line 31 (one header line)
    path = tmp_path / "neg.txt"
    path.write_text("t (ns)\tcounts\n" + "\n\n".join(rows[:5]) + "\n" + "\n".join(rows[5:]) + "\n")
    # 4 blank lines among the first rows: row 29 is on line 1 + 29 + 4 + 1
    with pytest.raises(FormatError, match="line 35: negative counts -3 in column 2"):
        read_text_decay(path)
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("\n".join(rows[:30]) + "\n3.0\n" + "\n".join(rows[31:]) + "\n")
    with pytest.raises(FormatError, match=r"line 31: row has 1 cells, expected 2"):
        read_text_decay(ragged)
    decays = tmp_path / "many.txt"
    decays.write_text("".join(f"{0.1 * i:.1f}\t{50 - i}\t{60 - i}\n" for i in range(40)))
    assert read_decays(decays).shape == (2, 40)


def test_a_2_gb_file_of_zero_bytes_is_refused_from_its_first_bytes(tmp_path):
    path = tmp_path / "zeros.txt"
    with open(path, "wb") as fh:  # sparse: takes no disk space
        fh.truncate(2 * 1024**3)
    tracemalloc.start()
    with pytest.raises(FormatError, match="binary content"):
        read_decay(path, reader="text_decay")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20e6  # the first megabyte, not 2 GB


def test_a_text_file_over_the_limit_is_refused_by_its_size(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.write(b"".join(b"%d\t%d\n" % (i, 100) for i in range(100_000)))
        fh.truncate(_textgrid.MAX_STREAM_BYTES + 1)
    if os.stat(path).st_blocks * 512 > 100e6:
        pytest.skip("file system does not support sparse files")
    with pytest.raises(FormatError, match=r"GB is too large for a text table"):
        read_text_decay(path)


def test_a_fit_refuses_more_bins_than_a_histogram_has():
    from heterolab.errors import ParameterError
    from heterolab.kinetics.trpl.batch import fit_decays
    from heterolab.kinetics.trpl.decay_fit import fit_decay

    n = (1 << 20) + 1
    y = np.ones(n)
    with pytest.raises(ParameterError, match="decay has 1,048,577 bins; a TCSPC histogram"):
        fit_decay(y, time=np.arange(n) * 0.001)
    with pytest.raises(ParameterError, match="decay has 1,048,577 bins"):
        fit_decays(y[None, :], time=np.arange(n) * 0.001)
