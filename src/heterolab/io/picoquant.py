"""PicoQuant readers: .ptu (TTTR T3 histograms and FLIM images) and .phu (TCSPC histograms).

Decoding is done by ``ptufile`` (C. Gohlke, https://github.com/cgohlke/ptufile), which reads
the record types PicoHarp 300 T2/T3, HydraHarp 400 (v1 and v2) T2/T3, TimeHarp 260 N/P
T2/T3 and the generic T2/T3 records of MultiHarp 150/160 and PicoHarp 330. Decay histograms
need the TCSPC delay time of T3 records; T2 files hold time tags without a sync-relative delay
and raise :class:`~heterolab.errors.FormatError` here.

Time axes hold bin start times k x resolution (``MeasDesc_Resolution``), truncated to one sync
period (``number_bins_in_period``). Messages that ptufile logs while decoding (for example
"invalid line_start, line_stop, or frame_change masks" for a single-frame image without frame
markers) are kept in ``attrs["reader_warnings"]`` instead of being printed.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import FormatError, ParameterError
from heterolab.io._arrays import capture_log, decay_dataarray, histogram_time_axis
from heterolab.io.registry import register_reader

__all__ = [
    "read_phu_decay",
    "read_phu_decays",
    "read_ptu_decay",
    "read_ptu_decays",
    "read_ptu_flim",
]

PTU_MAGIC = b"PQTTTR\x00\x00"
PHU_MAGIC = b"PQHISTO\x00"


def _open(path: Path, kind: str) -> Any:
    """Open with ptufile, turning its errors into FormatError naming the file."""
    import ptufile

    if not path.exists():
        raise FormatError(path, "file does not exist")
    cls = ptufile.PtuFile if kind == "ptu" else ptufile.PhuFile
    try:
        return cls(path)
    except ptufile.PqFileError as exc:
        raise FormatError(path, f"not a valid PicoQuant .{kind} file: {exc}") from None
    except (ValueError, EOFError, OSError, IndexError, KeyError) as exc:
        raise FormatError(path, f"cannot read PicoQuant .{kind} header: {exc}") from None


def _record_type_name(value: int) -> str:
    import ptufile

    try:
        return ptufile.PtuRecordType(value).name
    except ValueError:
        return f"unknown (0x{value:08x})"


def _ptu_attrs(f: Any, path: Path, reader: str, time_unit: str) -> dict[str, Any]:
    """Instrument metadata from PTU tags."""
    tags = f.tags
    attrs: dict[str, Any] = {
        "source": str(path),
        "reader": reader,
        "instrument": str(tags.get("HW_Type", "PicoQuant TCSPC")).strip(),
        "record_type": _record_type_name(int(f.record_type)),
        "repetition_rate_hz": float(f.frequency),
        "acquisition_time_s": float(f.acquisition_time),
        "tcspc_resolution_s": float(f.tcspc_resolution),
        "number_photons": int(f.number_photons),
    }
    software = tags.get("CreatorSW_Name")
    if software:
        attrs["software"] = f"{software} {tags.get('CreatorSW_Version', '')}".strip()
    return attrs


def _check_t3(f: Any, path: Path) -> None:
    if not f.is_t3:
        raise FormatError(
            path,
            f"record type {_record_type_name(int(f.record_type))} is T2 (time tags without "
            "TCSPC delay time); decay histograms and FLIM images need T3 records",
        )


def _ptu_histogram(f: Any, path: Path) -> tuple[np.ndarray, list[str]]:
    """Histogram of all photons per active channel, shape (n_channels, n_bins)."""
    try:
        with capture_log("ptufile") as messages:
            hist = np.asarray(f.decode_histogram(dtime=0, dtype=np.uint64))
    except (ValueError, IndexError, EOFError, OSError) as exc:
        raise FormatError(path, f"cannot decode TTTR records (truncated file?): {exc}") from None
    return hist, messages


def _channel_labels(f: Any, n: int) -> list[int]:
    active = [int(c) for c in f.active_channels]
    return active if len(active) == n else list(range(n))


def read_ptu_decays(path: str | PathLike[str], *, time_unit: str = "ns") -> xr.DataArray:
    """Decay histograms of a T3 .ptu file, one per detector channel.

    All photon records count, including those outside image line windows.

    Returns
    -------
    xarray.DataArray
        dims ``("decay", "time")``; coord ``decay`` = ``"channel N"`` labels.

    Raises
    ------
    FormatError
        Not a PTU file, a T2 file, or undecodable records.
    """
    p = Path(path)
    with _open(p, "ptu") as f:
        _check_t3(f, p)
        hist, messages = _ptu_histogram(f, p)
        chans = _channel_labels(f, hist.shape[0])
        t = histogram_time_axis(hist.shape[1], f.tcspc_resolution, "s", time_unit)
        attrs = _ptu_attrs(f, p, "ptu_decays", time_unit)
    if messages:
        attrs["reader_warnings"] = "\n".join(messages)
    labels = np.array([f"channel {c}" for c in chans], dtype=str)
    return decay_dataarray(hist, t, time_unit, attrs, leading=(("decay", labels),))


def read_ptu_decay(
    path: str | PathLike[str], *, time_unit: str = "ns", channel: int | str | None = None
) -> xr.DataArray:
    """One decay histogram from a T3 .ptu file.

    Parameters
    ----------
    path
        The .ptu file.
    time_unit
        Unit of the time axis (default ns).
    channel
        Detector channel number (as in ``active_channels``) or ``"sum"``; required when the
        file has more than one active channel.

    Raises
    ------
    ParameterError
        Several channels and no ``channel``, or a channel that is not in the file.
    """
    decays = read_ptu_decays(path, time_unit=time_unit)
    return _select_decay(decays, channel, "channel", Path(path))


def _select_decay(
    decays: xr.DataArray, which: int | str | None, word: str, path: Path
) -> xr.DataArray:
    labels = [str(v) for v in decays["decay"].values]
    if which is None:
        if len(labels) != 1:
            raise ParameterError(
                f"{path} has {len(labels)} curves ({', '.join(labels)}); pass {word}= one of "
                f"them or 'sum', or use read_decays"
            )
        out = decays.isel(decay=0, drop=True)
    elif which == "sum":
        out = decays.sum("decay", keep_attrs=True)
        out.attrs[word] = "sum of " + ", ".join(labels)
    else:
        label = f"{word} {which}"
        if label not in labels:
            raise ParameterError(f"{path}: no {label!r}; the file has {', '.join(labels)}")
        out = decays.sel(decay=label, drop=True)
        out.attrs[word] = which
    out.name = "counts"
    out.attrs["reader"] = decays.attrs["reader"].removesuffix("s")
    return out


def read_ptu_flim(
    path: str | PathLike[str],
    *,
    time_unit: str = "ns",
    channel: int | None = None,
    frame: int | None = None,
) -> xr.DataArray:
    """FLIM image of a T3 .ptu image scan: counts per pixel and delay-time bin.

    Photons outside the line start/stop windows (retraces) are not assigned to pixels, so
    the image total is lower than the number of photon records.

    Parameters
    ----------
    path
        The .ptu file (T3 mode, image sub-mode).
    time_unit
        Unit of the time axis (default ns).
    channel
        Detector channel number; None sums all channels (``attrs["channel"]`` says so).
    frame
        Frame index; None sums all frames.

    Returns
    -------
    xarray.DataArray
        dims ``("y", "x", "time")``, coords ``y``, ``x`` in pixels (``pixel_size_um`` attr
        when the header gives it).

    Raises
    ------
    FormatError
        Not an image T3 file, or undecodable records.
    ParameterError
        Channel or frame out of range.
    """
    p = Path(path)
    with _open(p, "ptu") as f:
        _check_t3(f, p)
        if not f.is_image:
            raise FormatError(p, "not an image scan (measurement sub-mode is point or line)")
        chans = _channel_labels(f, f.number_channels)
        if channel is not None and channel not in chans:
            raise ParameterError(f"{p}: no channel {channel}; active channels: {chans}")
        if frame is not None and not 0 <= frame < f.shape[0]:
            raise ParameterError(f"{p}: frame {frame} out of range (0..{f.shape[0] - 1})")
        c_index = -1 if channel is None else chans.index(channel)
        try:
            with capture_log("ptufile") as messages:
                img = f.decode_image(
                    channel=c_index,
                    frame=-1 if frame is None else frame,
                    dtime=0,
                    dtype=np.uint32,
                    keepdims=False,
                )
        except (ValueError, IndexError, EOFError, OSError, NotImplementedError) as exc:
            raise FormatError(p, f"cannot decode the FLIM image: {exc}") from None
        img = np.asarray(img)
        t = histogram_time_axis(img.shape[-1], f.tcspc_resolution, "s", time_unit)
        attrs = _ptu_attrs(f, p, "ptu_flim", time_unit)
        attrs["channel"] = "sum of " + ", ".join(map(str, chans)) if channel is None else channel
        attrs["pixel_time_s"] = float(f.pixel_time)
        pix = f.tags.get("ImgHdr_PixResol")
        if pix:
            attrs["pixel_size_um"] = float(pix)
    if messages:
        attrs["reader_warnings"] = "\n".join(messages)
    ny, nx = img.shape[:2]
    return decay_dataarray(
        img, t, time_unit, attrs, leading=(("y", np.arange(ny)), ("x", np.arange(nx)))
    )


def read_phu_decays(path: str | PathLike[str], *, time_unit: str = "ns") -> xr.DataArray:
    """All TCSPC histograms of a .phu file (PicoHarp/HydraHarp histogram mode).

    Returns
    -------
    xarray.DataArray
        dims ``("decay", "time")``, coord ``decay`` = ``"curve N"``.

    Raises
    ------
    FormatError
        Not a PHU file, no histograms, or histograms of different length or resolution.
    """
    p = Path(path)
    with _open(p, "phu") as f:
        try:
            hists = [np.asarray(h) for h in f.histograms()]
            res = [float(r) for r in f.histogram_resolutions]
        except (ValueError, IndexError, EOFError, OSError) as exc:
            raise FormatError(p, f"cannot read histograms (truncated file?): {exc}") from None
        tags = f.tags
        attrs: dict[str, Any] = {
            "source": str(p),
            "reader": "phu_decays",
            "instrument": str(tags.get("HW_Type", "PicoQuant TCSPC")).strip(),
        }
        if tags.get("HWSync_Rate") or tags.get("HistResDscr_SyncRate"):
            rate = tags.get("HistResDscr_SyncRate") or tags.get("HWSync_Rate")
            attrs["repetition_rate_hz"] = float(np.ravel(rate)[0])
        if tags.get("MeasDesc_AcquisitionTime"):
            attrs["acquisition_time_s"] = float(tags["MeasDesc_AcquisitionTime"]) * 1e-3
    if not hists:
        raise FormatError(p, "file holds no histograms")
    if len({h.size for h in hists}) != 1 or len(set(res)) != 1:
        raise FormatError(
            p,
            f"histograms differ in length {[h.size for h in hists]} or resolution {res}; "
            "read them one at a time with read_phu_decay(curve=...)",
        )
    t = histogram_time_axis(hists[0].size, res[0], "s", time_unit)
    labels = np.array([f"curve {i}" for i in range(len(hists))], dtype=str)
    return decay_dataarray(np.stack(hists), t, time_unit, attrs, leading=(("decay", labels),))


def read_phu_decay(
    path: str | PathLike[str], *, time_unit: str = "ns", curve: int | str | None = None
) -> xr.DataArray:
    """One histogram of a .phu file (``curve`` index, ``"sum"``, or None if only one)."""
    return _select_decay(read_phu_decays(path, time_unit=time_unit), curve, "curve", Path(path))


def _sniff_ptu(head: bytes) -> bool:
    return head.startswith(PTU_MAGIC)


def _sniff_phu(head: bytes) -> bool:
    return head.startswith(PHU_MAGIC)


register_reader("ptu_decay", "decay", (".ptu",), _sniff_ptu)(read_ptu_decay)
register_reader("ptu_decays", "decays", (".ptu",), _sniff_ptu)(read_ptu_decays)
register_reader("ptu_flim", "flim", (".ptu",), _sniff_ptu)(read_ptu_flim)
register_reader("phu_decay", "decay", (".phu",), _sniff_phu)(read_phu_decay)
register_reader("phu_decays", "decays", (".phu",), _sniff_phu)(read_phu_decays)
