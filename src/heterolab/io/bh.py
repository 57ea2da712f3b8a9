"""Becker & Hickl .sdt reader (single curves and FLIM images), decoded by ``sdtfile``.

``sdtfile`` (C. Gohlke, https://github.com/cgohlke/sdtfile) reads the data blocks of SPC-130
to SPC-180 and SPC-830 files and gives each block a time axis of bin start times
k x TAC range / (TAC gain x ADC resolution) (B&H SPC manual, "TAC range", "TAC gain").
Curves are blocks of one histogram (shape (1, n) or (n,)); images are blocks of shape
(y, x, n). Acquisition time per curve comes from the block's ``StopInfo.stop_time`` and the
repetition rate from its measured sync rate.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.arrays import capture_log, decay_dataarray, select_decay
from heterolab.errors import FormatError, HeterolabError, ParameterError
from heterolab.io.registry import register_reader
from heterolab.units import scale_factor

__all__ = ["read_sdt_decay", "read_sdt_decays", "read_sdt_flim"]

# First bytes of an SDT file: the software revision word; the setup block follows at a
# fixed offset. sdtfile checks the header itself; sniffing is by extension plus a check
# that the "*IDENTIFICATION" setup text is near the start.
_SETUP_MARK = b"*IDENTIFICATION"


class _Blocks:
    """Data blocks of an SDT file with their time axes (s) and measurement info."""

    def __init__(self, path: Path) -> None:
        import sdtfile

        if not path.exists():
            raise FormatError(path, "file does not exist")
        try:
            # an open handle we close ourselves: sdtfile leaks its own when its header parse fails
            with (
                capture_log("sdtfile") as messages,
                open(path, "rb") as fh,
                sdtfile.SdtFile(fh) as f,
            ):
                self.data = [np.asarray(d) for d in f.data]
                self.times = [np.asarray(t, dtype=float) for t in f.times]
                self.info = list(f.measure_info)
                self.block_info = [f.block_measure_info(i) for i in range(len(f.data))]
        except HeterolabError:
            raise
        except Exception as exc:  # sdtfile fails in many ways on damage: always name the file
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else "inconsistent header"
            raise FormatError(path, f"not a readable Becker & Hickl .sdt file: {detail}") from None
        self.messages = messages
        if not self.data:
            raise FormatError(path, "file holds no data blocks")
        bad = [m for m in messages if "failed to reshape" in m]
        if bad:
            raise FormatError(path, f"data block does not match its header (truncated?): {bad[0]}")

    def metadata(self, index: int) -> dict[str, Any]:
        mi = self.block_info[index]
        out: dict[str, Any] = {"instrument": _text(mi["mod_type"]) or "Becker & Hickl SPC"}
        serial = _text(mi["mod_ser_no"])
        if serial:
            out["instrument"] += f" (serial {serial})"
        stop = mi["StopInfo"]
        if float(stop["stop_time"]) > 0:
            out["acquisition_time_s"] = float(stop["stop_time"])
        if float(stop["max_sync_rate"]) > 0:
            out["repetition_rate_hz"] = float(stop["max_sync_rate"])
        out["tac_range_s"] = float(mi["tac_r"])
        out["tac_gain"] = int(mi["tac_g"])
        return out


def _text(value: Any) -> str:
    v = np.asarray(value).item()
    return v.decode("latin-1").strip("\x00 ").strip() if isinstance(v, bytes) else str(v).strip()


def _curve(data: np.ndarray) -> np.ndarray | None:
    """A block as one histogram, or None if it is an image or a set of curves."""
    squeezed = data.reshape(-1, data.shape[-1])
    return squeezed[0] if squeezed.shape[0] == 1 else None


def _time(path: Path, t: np.ndarray, time_unit: str) -> np.ndarray:
    if t.size > 1 and not np.all(np.diff(t) > 0):
        raise FormatError(path, "TAC settings give no valid time axis (TAC gain 0?)")
    return t * scale_factor("s", time_unit)


def read_sdt_decays(path: str | PathLike[str], *, time_unit: str = "ns") -> xr.DataArray:
    """All single-curve blocks of an .sdt file sharing one time axis.

    Returns
    -------
    xarray.DataArray
        dims ``("decay", "time")``, coord ``decay`` = ``"curve N"`` (block index); attrs
        from the first curve plus per-curve ``acquisition_time_s`` as a list when they differ.

    Raises
    ------
    FormatError
        Unreadable file, no single-curve blocks (an image: use :func:`read_sdt_flim`), or
        curves with different time axes.
    """
    p = Path(path)
    blocks = _Blocks(p)
    idx = [i for i, d in enumerate(blocks.data) if _curve(d) is not None]
    if not idx:
        raise FormatError(p, "no single-curve blocks (FLIM image file? use read_flim)")
    t0 = blocks.times[idx[0]]
    if any(blocks.times[i].shape != t0.shape or not np.allclose(blocks.times[i], t0) for i in idx):
        raise FormatError(
            p, "curves have different time axes; read them with read_sdt_decay(curve=...)"
        )
    counts = np.stack([_curve(blocks.data[i]) for i in idx])  # type: ignore[misc]
    attrs: dict[str, Any] = {"source": str(p), "reader": "sdt_decays", **blocks.metadata(idx[0])}
    per_curve = [blocks.metadata(i).get("acquisition_time_s", float("nan")) for i in idx]
    attrs["acquisition_time_s"] = per_curve if len(idx) > 1 else per_curve[0]
    labels = np.array([f"curve {i}" for i in idx], dtype=str)
    return decay_dataarray(
        counts, _time(p, t0, time_unit), time_unit, attrs, leading=(("decay", labels),)
    )


def read_sdt_decay(
    path: str | PathLike[str], *, time_unit: str = "ns", curve: int | str | None = None
) -> xr.DataArray:
    """One curve of an .sdt file: ``curve`` block index, ``"sum"``, or None when only one.

    Raises
    ------
    ParameterError
        Several curves and no ``curve``, or a curve index not in the file.
    """
    p = Path(path)
    decays = read_sdt_decays(p, time_unit=time_unit)
    out = select_decay(decays, curve, "curve", p)
    if isinstance(curve, int):
        k = [str(v) for v in decays["decay"].values].index(f"curve {curve}")
        acq = decays.attrs["acquisition_time_s"]
        out.attrs["acquisition_time_s"] = acq[k] if isinstance(acq, list) else acq
    return out


def read_sdt_flim(
    path: str | PathLike[str], *, time_unit: str = "ns", block: int | None = None
) -> xr.DataArray:
    """FLIM image block of an .sdt file as dims ``("y", "x", "time")``.

    Parameters
    ----------
    block
        Data block index; None takes the only image block (error if several).

    Raises
    ------
    FormatError
        No image block in the file.
    ParameterError
        Several image blocks and no ``block``, or a block that is not an image.
    """
    p = Path(path)
    blocks = _Blocks(p)
    images = [i for i, d in enumerate(blocks.data) if d.ndim == 3 and d.shape[0] * d.shape[1] > 1]
    if not images:
        raise FormatError(p, "no image block (single curves only; use read_decay/read_decays)")
    if block is None:
        if len(images) > 1:
            raise ParameterError(f"{p} has image blocks {images}; pass block=")
        block = images[0]
    if block not in images:
        raise ParameterError(f"{p}: block {block} is not an image block; image blocks: {images}")
    img = blocks.data[block]
    attrs: dict[str, Any] = {
        "source": str(p),
        "reader": "sdt_flim",
        "block": block,
        **blocks.metadata(block),
    }
    ny, nx = img.shape[:2]
    return decay_dataarray(
        img,
        _time(p, blocks.times[block], time_unit),
        time_unit,
        attrs,
        leading=(("y", np.arange(ny)), ("x", np.arange(nx))),
    )


def _sniff_sdt(head: bytes) -> bool:
    return _SETUP_MARK in head[:1024] and b"SPC" in head


# multi-curve readers first: heterolab.io.read(path) without kind returns every curve
register_reader("sdt_decays", "decays", (".sdt",), _sniff_sdt)(read_sdt_decays)
register_reader("sdt_decay", "decay", (".sdt",), _sniff_sdt)(read_sdt_decay)
register_reader("sdt_flim", "flim", (".sdt",), _sniff_sdt)(read_sdt_flim)
