"""Photoemission files: VAMAS (ISO 14976, ``.vms``) and the vendors' text exports (SPECS
Prodigy ``.xy``, CasaXPS ASCII export), every region as a ``binding_energy`` spectrum.

VAMAS is parsed with the ``vamas`` package (REGULAR scans). Real exports (Kratos AXIS) begin with
blank lines that the package refuses; they are stripped before parsing. Kinetic energies
become binding energies with the block's source energy (E_B = hν − E_kin, see
:func:`heterolab.io.spectra.make_photoemission_spectrum`); the analyser work function in the
block header is kept in ``attrs`` and not applied. Bad input raises
:class:`heterolab.errors.FormatError` naming the file.
"""

from __future__ import annotations

import itertools
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import FormatError, ParameterError
from heterolab.io.registry import register_reader
from heterolab.io.spectra import make_photoemission_spectrum, photoemission_axis_from_label

__all__ = [
    "read_casa_text",
    "read_specs_xy",
    "read_specs_xy_blocks",
    "read_vamas",
    "read_vamas_blocks",
    "read_xps_file",
    "sniff_specs_xy",
    "sniff_vamas",
]

_VAMAS_ID = b"VAMAS Surface Chemical Analysis Standard Data Transfer Format"


def _parse_vamas(p: Path) -> Any:
    """Parse with the ``vamas`` package, tolerating leading blank lines (Kratos exports)."""
    import contextlib
    import io

    from vamas import Vamas

    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FormatError(p, f"cannot read the file ({exc.strerror or exc})") from None
    body = raw.lstrip(b"\r\n \t")
    if not body.startswith(_VAMAS_ID):
        raise FormatError(
            p, "not a VAMAS file (first non-blank line is not the ISO 14976 identifier)"
        )
    sink = io.StringIO()  # the parser prints notes on unsupported entries to stdout
    try:
        with contextlib.redirect_stdout(sink):
            return Vamas(body)
    except StopIteration:
        raise FormatError(p, "VAMAS file ends before its last block is complete") from None
    except Exception as exc:  # the parser raises bare Python errors on malformed input
        raise FormatError(p, f"not a readable VAMAS file ({type(exc).__name__}: {exc})") from None


def _vamas_block_spectrum(p: Path, blk: Any) -> xr.DataArray:
    label = f"{blk.x_label} ({blk.x_units})"
    axis = photoemission_axis_from_label(blk.x_label)
    if axis is None or blk.x_units.strip().lower() != "ev":
        raise FormatError(
            p, f"block {blk.block_identifier!r}: x axis {label!r} is not an energy in eV"
        )
    if not blk.corresponding_variables:
        raise FormatError(p, f"block {blk.block_identifier!r} holds no variable")
    var = blk.corresponding_variables[0]
    try:
        y = np.asarray(var.y_values, dtype=float)
        x = float(blk.x_start) + float(blk.x_step) * np.arange(y.size)
    except (TypeError, ValueError) as exc:
        raise FormatError(p, f"block {blk.block_identifier!r}: bad numbers ({exc})") from None
    bad = np.flatnonzero(~(np.isfinite(y)))
    if bad.size or not np.all(np.isfinite(x)):
        what = f"ordinate {float(y[bad[0]]):g} at point {bad[0] + 1}" if bad.size else "energy axis"
        raise FormatError(p, f"block {blk.block_identifier!r}: non-finite {what}")
    attrs = {
        "source_file": str(p),
        "reader": "vamas",
        "block": blk.block_identifier,
        "sample": blk.sample_identifier,
        "technique": blk.technique,
        "analyser_work_function": blk.analyzer_work_function_or_acceptance_energy,
        "pass_energy": blk.analyzer_pass_energy_or_retard_ratio_or_mass_res,
        "dwell_time_s": blk.signal_collection_time,
        "scans": blk.num_scans_to_compile_block,
        "y_label": var.label,
    }
    try:
        return make_photoemission_spectrum(
            x, y, axis, photon_energy=blk.analysis_source_characteristic_energy, attrs=attrs
        )
    except ParameterError as exc:  # too few points, a zero step, no source energy
        raise FormatError(p, f"block {blk.block_identifier!r}: {exc}") from None


def read_vamas_blocks(path: str | PathLike[str]) -> dict[str, xr.DataArray]:
    """All blocks of a VAMAS (ISO 14976, ``.vms``) file as ``binding_energy`` spectra.

    Keys are the block identifiers (made unique with ``#2``, ``#3`` ... when repeated), in
    file order.

    Raises
    ------
    FormatError
        Not a VAMAS file, a truncated file, or a block whose axis is not an energy in eV.
    """
    p = Path(path)
    vms = _parse_vamas(p)
    out: dict[str, xr.DataArray] = {}
    for blk in vms.blocks:
        key = blk.block_identifier
        n = 2
        while key in out:
            key, n = f"{blk.block_identifier}#{n}", n + 1
        out[key] = _vamas_block_spectrum(p, blk)
    if not out:
        raise FormatError(p, "VAMAS file holds no blocks")
    return out


def read_vamas(path: str | PathLike[str], *, block: str | int | None = None) -> xr.DataArray:
    """One block of a VAMAS file as a ``binding_energy`` spectrum (see :func:`read_vamas_blocks`).

    ``block`` is the block identifier (``"W 4f"``; case and surrounding spaces ignored when
    the exact name is absent) or its 0-based index; it may be omitted only when the file
    holds a single block.

    Raises
    ------
    ParameterError
        Several blocks and no ``block``, or an unknown block (the message lists them).
    """
    return _select_block(read_vamas_blocks(path), block, path)


def _select_block(
    blocks: dict[str, xr.DataArray], block: str | int | None, path: str | PathLike[str]
) -> xr.DataArray:
    """One of ``blocks`` by name (exact, then case/space-folded) or 0-based index."""
    names = list(blocks)
    if block is None:
        if len(names) > 1:
            raise ParameterError(
                f"{path}: holds {len(names)} blocks ({', '.join(names)}); pass block=NAME or index"
            )
        return blocks[names[0]]
    if isinstance(block, int) and not isinstance(block, bool):
        if not -len(names) <= block < len(names):
            raise ParameterError(f"{path}: block index {block} out of range 0..{len(names) - 1}")
        return blocks[names[block]]
    if block in blocks:
        return blocks[block]
    folded = {n.strip().lower(): n for n in names}
    key = str(block).strip().lower()
    if key in folded:
        return blocks[folded[key]]
    raise ParameterError(f"{path}: no block {block!r}; blocks: {', '.join(names)}")


def sniff_vamas(head: bytes) -> bool:
    """Whether the first bytes of a file are a VAMAS file's (whatever its extension: PHI
    MultiPak exports VAMAS as ``.npl``, some software as ``.txt``)."""
    return head.lstrip(b"\r\n \t").startswith(_VAMAS_ID)


_sniff_vamas = sniff_vamas


register_reader("vamas", "photoemission", (".vms",), _sniff_vamas)(read_vamas)


# ------------------------------------------------------------------ SPECS Prodigy XY export
# Layout (SpecsLab Prodigy "XY-Serializer" export, documented in its header): comment lines
# "# Key: value"; the export settings name the energy axis ("#   Energy Axis: Binding Energy"
# or "Kinetic Energy") and the intensity ("#   Count Rate: Counts per Second" or "Counts");
# each region starts with "# Region: NAME" and states "# Excitation Energy: hv"; its data come
# in blocks "# Cycle: i, Curve: j, Scan: k" ... "# ColumnLabels: energy counts/s", then
# whitespace-separated rows "energy intensity [more columns]".
_SPECS_ID = b"SpecsLab Prodigy"


def sniff_specs_xy(head: bytes) -> bool:
    """Whether the first bytes of a file are a SPECS Prodigy XY export's header."""
    first = head.lstrip(b"\xef\xbb\xbf\r\n \t")[:200]
    return first.startswith(b"#") and _SPECS_ID in first


def _header_value(line: str) -> tuple[str, str] | None:
    body = line.lstrip("#").strip()
    key, sep, value = body.partition(":")
    return (key.strip().lower(), value.strip()) if sep else None


def _text_lines(p: Path) -> list[str]:
    try:
        return p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise FormatError(p, f"cannot read the file ({exc.strerror or exc})") from None


def _number_row(line: str, sep: str | None = None) -> list[float] | None:
    parts = line.split(sep) if sep else line.split()
    try:
        return [float(t) if t.strip() else float("nan") for t in parts]
    except ValueError:
        return None


def read_specs_xy_blocks(path: str | PathLike[str]) -> dict[str, xr.DataArray]:
    """Every region of a SPECS Prodigy XY export as a ``binding_energy`` spectrum.

    Several curves/scans of one region (``Separate Scan Data: yes``) on the same energies are
    averaged when the intensity is a count rate and summed when it is counts
    (``attrs["scans"]``). A kinetic-energy axis is converted with the region's excitation
    energy. Keys are the region names (made unique with ``#2``...).

    Raises
    ------
    FormatError
        Not a Prodigy XY export, no energy axis stated, an index column instead of energies,
        a region without data or with a malformed row (the line is named).
    """
    p = Path(path)
    lines = _text_lines(p)
    if not lines or not sniff_specs_xy("\n".join(lines[:5]).encode()):
        raise FormatError(p, "not a SPECS Prodigy XY export (no 'SpecsLab Prodigy' header)")
    axis_label = count_rate = None
    regions: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    block: list[list[float]] | None = None
    for i, ln in enumerate(lines, 1):
        s = ln.strip()
        if not s:
            continue
        if s.startswith("#"):
            kv = _header_value(s)
            if kv is None:
                continue
            key, value = kv
            if key == "energy axis":
                axis_label = value
            elif key == "count rate":
                count_rate = value
            elif key == "region":
                cur = {"name": value, "attrs": {}, "scans": [], "line": i}
                regions.append(cur)
                block = None
            elif cur is not None and key == "columnlabels":
                if value.split()[:1] == ["index"]:
                    raise FormatError(
                        p,
                        "the export holds point indices, not energies (export with an energy axis)",
                        line=i,
                    )
                block = []
                cur["scans"].append(block)
            elif cur is not None and key.startswith("cycle"):
                block = None
            elif cur is not None and value:
                cur["attrs"][key] = value
            continue
        if cur is None or block is None:
            raise FormatError(p, "data row outside a region's data block", line=i)
        row = _number_row(s)
        if row is None or len(row) < 2 or not np.all(np.isfinite(row[:2])):
            raise FormatError(p, f"malformed data row {s[:40]!r}", line=i)
        block.append(row[:2])
    axis = photoemission_axis_from_label(axis_label or "")
    if axis is None:
        raise FormatError(
            p, f"no 'Energy Axis' (binding or kinetic) in the header ({axis_label!r})"
        )
    per_second = (count_rate or "").lower().startswith("counts per")
    out: dict[str, xr.DataArray] = {}
    for reg in regions:
        scans = [np.asarray(b, dtype=float) for b in reg["scans"] if b]
        if not scans:
            raise FormatError(p, f"region {reg['name']!r} holds no data", line=reg["line"])
        x = scans[0][:, 0]
        same = [sc for sc in scans if sc.shape == scans[0].shape and np.allclose(sc[:, 0], x)]
        ys = np.stack([sc[:, 1] for sc in same])
        y = ys.mean(axis=0) if per_second else ys.sum(axis=0)
        hv = _number_row(reg["attrs"].get("excitation energy") or "")
        if hv is not None and (len(hv) != 1 or not np.isfinite(hv[0])):
            hv = None
        attrs = {
            "source_file": str(p),
            "reader": "specs_xy",
            "block": reg["name"],
            "scans": len(same),
            "pass_energy": reg["attrs"].get("pass energy"),
            "analysis_method": reg["attrs"].get("analysis method"),
            "work_function": reg["attrs"].get("eff. workfunction"),
        }
        try:
            spec = make_photoemission_spectrum(
                x,
                y,
                axis,
                photon_energy=float(hv[0]) if hv else None,
                units="counts/s" if per_second else "counts",
                attrs=attrs,
            )
        except ParameterError as exc:
            raise FormatError(p, f"region {reg['name']!r}: {exc}", line=reg["line"]) from None
        key, n = reg["name"], 2
        while key in out:
            key, n = f"{reg['name']}#{n}", n + 1
        out[key] = spec
    if not out:
        raise FormatError(p, "the export holds no region ('# Region:' lines)")
    return out


def read_specs_xy(path: str | PathLike[str], *, block: str | int | None = None) -> xr.DataArray:
    """One region of a SPECS Prodigy XY export (see :func:`read_specs_xy_blocks`); ``block``
    as in :func:`read_vamas`."""
    return _select_block(read_specs_xy_blocks(path), block, path)


# ------------------------------------------------------------------ CasaXPS ASCII export
# Layout (CasaXPS "Save Tab ASCII" of a block): line 1 the block name ("Cycle 3:Ni:Survey");
# line 2 tab-separated pairs ("Characteristic Energy eV", hv, "Acquisition Time s", t); rows of
# the component table (Name, Position, FWHM, Area, Lineshape ...); a column header row with
# "K.E." and "B.E." (and "Counts", "CPS", components, "Background", "Envelope"); then
# tab-separated numbers. The binding energies are taken from the B.E. column as exported.
def _sniff_casa(head: bytes) -> bool:
    text = head[:4096].decode("utf-8", "replace")
    return "Characteristic Energy" in text and any(
        ln.startswith("K.E.\t") or ln.startswith("B.E.\t") for ln in text.splitlines()
    )


def read_casa_text(path: str | PathLike[str]) -> xr.DataArray:
    """A CasaXPS tab-separated ASCII export as a ``binding_energy`` spectrum (raw ``Counts``
    if exported, else ``CPS``; the fitted components are not read).

    Raises
    ------
    FormatError
        No ``K.E.``/``B.E.`` header row, no B.E. or intensity column, or a malformed row.
    """
    p = Path(path)
    lines = _text_lines(p)
    hdr_i = next(
        (i for i, ln in enumerate(lines) if ln.split("\t")[:1] in (["K.E."], ["B.E."])), None
    )
    if hdr_i is None:
        raise FormatError(p, "not a CasaXPS ASCII export (no 'K.E.'/'B.E.' column header row)")
    cols = [c.strip() for c in lines[hdr_i].split("\t")]
    if "B.E." not in cols:
        raise FormatError(p, "no 'B.E.' column", line=hdr_i + 1)
    ycol = next((c for c in ("Counts", "CPS") if c in cols), None)
    if ycol is None:
        raise FormatError(p, f"no 'Counts' or 'CPS' column; columns: {cols}", line=hdr_i + 1)
    ib, iy = cols.index("B.E."), cols.index(ycol)
    hv = None
    meta = lines[1].split("\t") if len(lines) > 1 else []
    for k, v in itertools.pairwise(meta):
        if k.strip().lower().startswith("characteristic energy"):
            try:
                hv = float(v)
            except ValueError:
                hv = None
    rows = []
    for j, ln in enumerate(lines[hdr_i + 1 :], hdr_i + 2):
        if not ln.strip():
            continue
        row = _number_row(ln, "\t")
        if row is None or len(row) <= max(ib, iy) or not np.isfinite(row[ib] + row[iy]):
            raise FormatError(p, f"malformed data row {ln[:40]!r}", line=j)
        rows.append((row[ib], row[iy]))
    if len(rows) < 3:
        raise FormatError(p, f"only {len(rows)} data rows after the header", line=hdr_i + 1)
    arr = np.asarray(rows, dtype=float)
    attrs = {
        "source_file": str(p),
        "reader": "casa_text",
        "block": lines[0].strip(),
        "intensity_column": ycol,
        "photon_energy_stated": hv,
    }
    try:
        return make_photoemission_spectrum(
            arr[:, 0],
            arr[:, 1],
            "binding_energy",
            photon_energy=None,
            units="counts" if ycol == "Counts" else "counts/s",
            attrs=attrs,
        )
    except ParameterError as exc:
        raise FormatError(p, str(exc)) from None


def read_xps_file(
    path: str | PathLike[str],
    *,
    block: str | int | None = None,
    axis: str | None = None,
    photon_energy: float | None = None,
) -> xr.DataArray:
    """A photoemission spectrum from any supported file, chosen by content: VAMAS, SPECS
    Prodigy XY, CasaXPS ASCII, else a plain text/CSV table
    (:func:`heterolab.io.spectra.read_ups_text`, with ``axis``/``photon_energy``)."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise FormatError(p, f"cannot read the file ({exc.strerror or exc})") from None
    if _sniff_vamas(head) or p.suffix.lower() == ".vms":
        return read_vamas(p, block=block)
    if sniff_specs_xy(head):
        return read_specs_xy(p, block=block)
    if block is not None:
        raise ParameterError(f"block= applies to VAMAS and SPECS XY files only, not {p.name}")
    if _sniff_casa(head):
        return read_casa_text(p)
    from heterolab.io.spectra import read_ups_text

    return read_ups_text(p, axis=axis, photon_energy=photon_energy)


register_reader("specs_xy", "photoemission", (), sniff_specs_xy)(read_specs_xy)
register_reader("casa_text", "photoemission", (), _sniff_casa)(read_casa_text)
