"""Seeded fuzzing of the decay readers: damaged files give a heterolab error, never a hang,
a raw third-party exception or an absurd allocation (issue #10).

Each format gets a few hundred mutations of a real file (byte flips, extreme 8-byte header
values, truncations); every read runs under a 20 s alarm (a hang fails the test instead of
stalling the suite). A read that succeeds must return finite, non-negative counts on an
increasing time axis.
"""

from __future__ import annotations

import signal
import struct
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from heterolab.errors import HeterolabError
from heterolab.io import read_decay, read_decays, write_hdf5
from shared_paths import shared_file

N_MUTATIONS = 150
EXTREMES = [0, -1, 1, 2**31 - 1, 2**63 - 1, 10**12, -(10**12)]


def _small_ptu(tmp: Path) -> Path:
    """The beads PTU cut to its header and 5000 records (record count patched)."""
    raw = bytearray(shared_file("trpl", "tttrlib_microtime200_beads_ptu", "beads.ptu").read_bytes())
    i = raw.find(b"TTResult_NumberOfRecords")
    end = raw.find(b"Header_End") + 48
    out = raw[: end + 4 * 5000]
    out[i + 40 : i + 48] = struct.pack("<q", 5000)
    p = tmp / "small.ptu"
    p.write_bytes(bytes(out))
    return p


def _hdf5(tmp: Path) -> Path:
    t = np.arange(64) * 0.05
    da = xr.DataArray(
        np.round(1e3 * np.exp(-t)), dims="time", coords={"time": ("time", t, {"units": "ns"})}
    )
    return write_hdf5(da, tmp / "decay.h5", overwrite=True)


def _mutate(raw: bytes, rng: np.random.Generator, header: int) -> bytes:
    b = bytearray(raw)
    kind = rng.integers(4)
    if kind == 0:  # a few random bytes anywhere
        for _ in range(int(rng.integers(1, 9))):
            b[int(rng.integers(len(b)))] = int(rng.integers(256))
    elif kind == 1:  # an extreme 8-byte value in the header (counts, offsets, sizes, markers)
        k = int(rng.integers(0, max(header - 8, 1)))
        b[k : k + 8] = struct.pack("<q", EXTREMES[int(rng.integers(len(EXTREMES)))])
    elif kind == 2:  # an extreme 4-byte value in the header
        k = int(rng.integers(0, max(header - 4, 1)))
        b[k : k + 4] = struct.pack("<i", int(rng.choice([0, -1, 2**31 - 1, 10**9])))
    else:  # truncated
        b = b[: int(rng.integers(0, len(b)))]
    return bytes(b)


def _alarm(signum, frame):
    raise TimeoutError("reader hung for more than 20 s")


def _check_read(reader, path: Path) -> None:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        out = reader(path)
    except HeterolabError:
        return
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    values = np.asarray(out.values, dtype=float)
    assert np.all(np.isfinite(values)) and np.all(values >= 0), path
    t = np.asarray(out["time"].values, dtype=float)
    assert t.size < 2 or np.all(np.diff(t) > 0), path


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["ptu", "sdt", "text", "hdf5"])
def test_damaged_files_give_heterolab_errors_only(fmt, tmp_path, monkeypatch):
    # HDF5 is read in a killable child: a mutant that keeps libhdf5 busy is refused after 3 s
    monkeypatch.setattr("heterolab.io.hdf5.HDF5_READ_TIMEOUT_S", 3.0)
    if fmt == "ptu":
        src, reader, header = _small_ptu(tmp_path), read_decays, 8192
    elif fmt == "sdt":
        src = shared_file("trpl", "chisurf_bh_spc830_sdt", "140507p.sdt")
        reader, header = read_decays, 1024
    elif fmt == "text":
        src = shared_file("trpl", "lifefit_atto550_dna_horiba", "Atto550_DNA.txt")
        reader, header = read_decay, 2048
    else:
        src, reader, header = _hdf5(tmp_path), read_decay, 4096
    raw = src.read_bytes()
    rng = np.random.default_rng({"ptu": 1, "sdt": 2, "text": 3, "hdf5": 4}[fmt])
    target = tmp_path / f"mutant{src.suffix}"
    for _ in range(N_MUTATIONS):
        target.write_bytes(_mutate(raw, rng, min(header, len(raw))))
        _check_read(reader, target)


def test_a_large_file_of_zero_bytes_is_refused_before_it_is_read(tmp_path):
    p = tmp_path / "zeros.txt"
    with open(p, "wb") as fh:  # sparse: 300 MB that take no disk space
        fh.truncate(300_000_000)
    with pytest.raises(HeterolabError, match="NUL bytes"):
        read_decay(p)


def _powder_pattern(path: Path) -> Path:
    """A pyFAI-like .xy powder pattern: 2-theta (deg) vs intensity with five Bragg peaks on a
    falling background (the kind of file that was read and fitted as a decay)."""
    tt = np.arange(5.0, 80.0, 0.02)
    y = 200 * np.exp(-tt / 40)
    for centre, height in ((14.9, 900), (21.1, 400), (25.9, 1200), (30.0, 300), (43.0, 600)):
        y += height * np.exp(-0.5 * ((tt - centre) / 0.08) ** 2)
    lines = ["# == pyFAI calibration ==", "# 2th_deg I"]
    lines += [f"{a:.4f} {b:.3f}" for a, b in zip(tt, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_powder_pattern_is_not_read_as_a_decay_unless_the_user_insists(tmp_path):
    p = _powder_pattern(tmp_path / "pattern.xy")
    with pytest.raises(HeterolabError, match=r"does not look like a decay \(5 separate peaks"):
        read_decay(p)
    da = read_decay(p, reader="text_decay")  # insisting reads it
    assert da.sizes["time"] == 3750
    # real decays pass the check
    folder = shared_file("trpl", "lifefit_atto550_dna_horiba")
    assert read_decay(folder / "Atto550_DNA.txt").sizes["time"] > 1000
    assert read_decay(folder / "irf.txt").sizes["time"] > 1000


def _never_returns(path):
    import time

    time.sleep(60)


def test_an_hdf5_file_the_library_cannot_finish_is_refused_in_time(tmp_path, monkeypatch):
    """A damaged header can make libhdf5 loop inside C code; the read runs in a child that is
    killed after the timeout (simulated here by a read that never returns)."""
    from heterolab.io import read_hdf5

    src = _hdf5(tmp_path)
    monkeypatch.setattr("heterolab.io.hdf5._read_hdf5_unguarded", _never_returns)
    monkeypatch.setattr("heterolab.io.hdf5.HDF5_READ_TIMEOUT_S", 1.0)
    with pytest.raises(HeterolabError, match=r"decay.h5: the HDF5 library did not finish"):
        read_hdf5(src)  # the message is only raised once the child was killed
