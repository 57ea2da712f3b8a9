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

from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.arrays import (
    capture_log,
    decay_dataarray,
    histogram_time_axis,
    select_decay,
)
from heterolab.errors import FormatError, HeterolabError, ParameterError
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


@contextmanager
def _pq_file(path: Path, kind: str) -> Iterator[tuple[Any, list[str]]]:
    """Open a PicoQuant file; any failure inside the block becomes a FormatError.

    Yields the open ptufile object and the list collecting ptufile's log messages.
    """
    import ptufile

    if not path.exists():
        raise FormatError(path, "file does not exist")
    cls = ptufile.PtuFile if kind == "ptu" else ptufile.PhuFile
    with capture_log("ptufile") as messages:
        try:
            # pass an open handle that we close: a failed header parse must not leak it
            with open(path, "rb") as fh, cls(fh) as f:
                yield f, messages
        except HeterolabError:
            raise
        except ptufile.PqFileError as exc:
            raise FormatError(path, f"not a valid PicoQuant .{kind} file: {exc}") from None
        except KeyError as exc:
            raise FormatError(path, f"header lacks the tag {exc.args[0]!r}") from None
        except Exception as exc:  # ptufile's parser fails in many ways on damaged headers
            raise FormatError(
                path, f"corrupt or truncated PicoQuant .{kind} file ({type(exc).__name__}: {exc})"
            ) from None


def _check_complete(f: Any, path: Path) -> None:
    """The header's record count must fit in the file (a cut file is an error, not less data)."""
    announced = int(f.tags.get("TTResult_NumberOfRecords", 0))
    size = path.stat().st_size - int(f.record_offset)
    present = size // (int(f.tags.get("TTResultFormat_BitsPerRecord", 32)) // 8)
    if announced > present:
        raise FormatError(
            path,
            f"truncated: the header announces {announced} records but the file holds {present}",
            offset=path.stat().st_size,
        )


_MAX_BYTES = 1 << 30  # largest array a header may make us allocate (1 GiB)


def _check_ptu_header(f: Any, path: Path) -> None:
    """Every header field that sizes a loop or an allocation, checked before decoding.

    ptufile trusts them: a marker bit of 1e12 makes it compute 2**(1e12 - 1) (never returns),
    a pixel count of 1e9 allocates terabytes.
    """
    tags = f.tags
    for tag in ("ImgHdr_LineStart", "ImgHdr_LineStop", "ImgHdr_Frame"):
        v = tags.get(tag)
        if v is not None and not (isinstance(v, (int, np.integer)) and 1 <= int(v) <= 64):
            raise FormatError(path, f"header tag {tag} = {v!r} is not a marker bit (1..64)")
    res = tags.get("MeasDesc_Resolution")
    if res is not None and not (np.isfinite(float(res)) and 1e-14 <= float(res) < 1.0):
        raise FormatError(path, f"header tag MeasDesc_Resolution = {res!r} s is not a bin width")
    bits = int(tags.get("TTResultFormat_BitsPerRecord", 32))
    if bits not in (32, 64):
        raise FormatError(path, f"header says {bits} bits per record (expected 32)")
    n_bins = int(f.number_bins_in_period) if f.is_t3 else 1
    if not 1 <= n_bins <= 1 << 20:
        raise FormatError(path, f"header implies {n_bins} delay-time bins per laser period")
    n_ch = int(f.number_channels)
    if not 1 <= n_ch <= 256:
        raise FormatError(path, f"header implies {n_ch} detector channels")
    if f.is_image:
        px, py = int(tags.get("ImgHdr_PixX", 1)), int(tags.get("ImgHdr_PixY", 1))
        if not (1 <= px <= 65536 and 1 <= py <= 65536):
            raise FormatError(path, f"image of {px} x {py} pixels in the header is not credible")
        need = px * py * n_bins * 4
        if need > _MAX_BYTES:
            raise FormatError(
                path,
                f"the header's {px} x {py} pixel image with {n_bins} delay bins would need "
                f"{need / 2**30:.1f} GiB; refusing (damaged header?)",
            )


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
    with _pq_file(p, "ptu") as (f, messages):
        _check_ptu_header(f, p)
        _check_t3(f, p)
        _check_complete(f, p)
        period = int(f.number_bins_in_period)
        full = np.asarray(f.decode_histogram(dtime=None, dtype=np.uint64))
        hist = full[:, :period]
        beyond = int(full[:, period:].sum())
        chans = _channel_labels(f, hist.shape[0])
        t = histogram_time_axis(hist.shape[1], f.tcspc_resolution, "s", time_unit)
        attrs = _ptu_attrs(f, p, "ptu_decays", time_unit)
    attrs["photons_beyond_period"] = beyond
    if beyond:
        messages.append(
            f"{beyond} photon(s) arrived later than one laser period ({period} bins) after "
            "their sync and are not in the histogram"
        )
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
    return select_decay(decays, channel, "channel", Path(path))


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
    with _pq_file(p, "ptu") as (f, messages):
        _check_ptu_header(f, p)
        _check_t3(f, p)
        _check_complete(f, p)
        if not f.is_image:
            raise FormatError(p, "not an image scan (measurement sub-mode is point or line)")
        chans = _channel_labels(f, f.number_channels)
        if channel is not None and channel not in chans:
            raise ParameterError(f"{p}: no channel {channel}; active channels: {chans}")
        if frame is not None and not 0 <= frame < f.shape[0]:
            raise ParameterError(f"{p}: frame {frame} out of range (0..{f.shape[0] - 1})")
        c_index = -1 if channel is None else chans.index(channel)
        img = f.decode_image(
            channel=c_index,
            frame=-1 if frame is None else frame,
            dtime=0,
            dtype=np.uint32,
            keepdims=False,
        )
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


_PHU_MIN_OFFSET = 64  # magic, version and at least one tag precede any histogram data


def _phu_curves(p: Path) -> tuple[list[np.ndarray], list[float], dict[str, Any]]:
    """Histograms, bin widths (s) and metadata of a .phu file."""
    with _pq_file(p, "phu") as (f, messages):
        tags = f.tags
        n = int(tags["HistoResult_NumberOfCurves"])
        if "HistResDscr_MDescResolution" in tags:  # per-curve bin width (base x binning)
            res = [float(r) for r in np.ravel(tags["HistResDscr_MDescResolution"])]
        elif "MeasDesc_Resolution" in tags:
            res = [float(tags["MeasDesc_Resolution"])] * n
        else:
            raise FormatError(
                p,
                "no histogram resolution tag (HistResDscr_MDescResolution or MeasDesc_Resolution)",
            )
        bins = [int(b) for b in np.ravel(tags["HistResDscr_HistogramBins"])]
        offsets = [int(o) for o in np.ravel(tags["HistResDscr_DataOffset"])]
        size = p.stat().st_size
        for k, (off, nb) in enumerate(zip(offsets, bins, strict=True)):
            if off < _PHU_MIN_OFFSET or nb < 1:
                raise FormatError(
                    p, f"curve {k}: data offset {off} with {nb} bins: damaged header", offset=off
                )
            if off + 4 * nb > size:
                raise FormatError(
                    p,
                    f"truncated: curve {k} should have {nb} bins, the file holds "
                    f"{max(size - off, 0) // 4}",
                    offset=size,
                )
        hists = [np.asarray(h) for h in f.histograms()]
        attrs: dict[str, Any] = {
            "source": str(p),
            "reader": "phu_decays",
            "instrument": str(tags.get("HW_Type", "PicoQuant TCSPC")).strip(),
        }
        rates = tags.get("HistResDscr_SyncRate")
        if rates is not None:
            r = [float(x) for x in np.ravel(rates)]
            attrs["repetition_rate_hz"] = r[0] if len(set(r)) == 1 else r
        if tags.get("MeasDesc_AcquisitionTime"):
            attrs["acquisition_time_s"] = float(tags["MeasDesc_AcquisitionTime"]) * 1e-3
    for k, (h, nb) in enumerate(zip(hists, bins, strict=True)):
        if h.size != nb:
            raise FormatError(
                p,
                f"truncated: curve {k} should have {nb} bins, the file holds {h.size}",
                offset=offsets[k] + 4 * h.size,
            )
    if messages:
        attrs["reader_warnings"] = "\n".join(messages)
    if not hists:
        raise FormatError(p, "file holds no histograms")
    return hists, res, attrs


def read_phu_decays(path: str | PathLike[str], *, time_unit: str = "ns") -> xr.DataArray:
    """All TCSPC histograms of a .phu file (PicoHarp/HydraHarp histogram mode).

    The bin width of curve k is its ``HistResDscr_MDescResolution`` tag (hardware base
    resolution times binning), else ``MeasDesc_Resolution``.

    Returns
    -------
    xarray.DataArray
        dims ``("decay", "time")``, coord ``decay`` = ``"curve N"``.

    Raises
    ------
    FormatError
        Not a PHU file, no histograms, a curve cut short, or curves of different length
        or bin width (read those with :func:`read_phu_decay`).
    """
    p = Path(path)
    hists, res, attrs = _phu_curves(p)
    if len({h.size for h in hists}) != 1 or len(set(res)) != 1:
        raise FormatError(
            p,
            f"histograms differ in length {[h.size for h in hists]} or bin width {res}; "
            "read them one at a time with read_phu_decay(curve=...)",
        )
    t = histogram_time_axis(hists[0].size, res[0], "s", time_unit)
    labels = np.array([f"curve {i}" for i in range(len(hists))], dtype=str)
    return decay_dataarray(np.stack(hists), t, time_unit, attrs, leading=(("decay", labels),))


def read_phu_decay(
    path: str | PathLike[str], *, time_unit: str = "ns", curve: int | None = None
) -> xr.DataArray:
    """One histogram of a .phu file: ``curve`` index, or None if the file holds only one.

    Raises
    ------
    ParameterError
        Several curves and no ``curve``, or an index out of range.
    """
    p = Path(path)
    hists, res, attrs = _phu_curves(p)
    if curve is None:
        if len(hists) != 1:
            raise ParameterError(
                f"{p} has {len(hists)} curves (0..{len(hists) - 1}); pass curve=, or use read_decays"
            )
        curve = 0
    if not 0 <= curve < len(hists):
        raise ParameterError(f"{p}: no curve {curve}; the file has curves 0..{len(hists) - 1}")
    attrs.update(reader="phu_decay", curve=curve)
    t = histogram_time_axis(hists[curve].size, res[curve], "s", time_unit)
    return decay_dataarray(hists[curve], t, time_unit, attrs)


def _sniff_ptu(head: bytes) -> bool:
    return head.startswith(PTU_MAGIC)


def _sniff_phu(head: bytes) -> bool:
    return head.startswith(PHU_MAGIC)


# multi-curve readers first: heterolab.io.read(path) without kind returns every curve
register_reader("ptu_decays", "decays", (".ptu",), _sniff_ptu)(read_ptu_decays)
register_reader("phu_decays", "decays", (".phu",), _sniff_phu)(read_phu_decays)
register_reader("ptu_decay", "decay", (".ptu",), _sniff_ptu)(read_ptu_decay)
register_reader("ptu_flim", "flim", (".ptu",), _sniff_ptu)(read_ptu_flim)
register_reader("phu_decay", "decay", (".phu",), _sniff_phu)(read_phu_decay)
