"""VAMAS (ISO 14976, ``.vms``) photoemission files: every block as a ``binding_energy`` spectrum.

Parsed with the ``vamas`` package (REGULAR scans). Real exports (Kratos AXIS) begin with
blank lines that the package refuses; they are stripped before parsing. Kinetic energies
become binding energies with the block's source energy (E_B = hν − E_kin, see
:func:`heterolab.io.spectra.make_photoemission_spectrum`); the analyser work function in the
block header is kept in ``attrs`` and not applied. Bad input raises
:class:`heterolab.errors.FormatError` naming the file.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import FormatError, ParameterError
from heterolab.io.registry import register_reader
from heterolab.io.spectra import make_photoemission_spectrum, photoemission_axis_from_label

__all__ = ["read_vamas", "read_vamas_blocks"]

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
    var = blk.corresponding_variables[0]
    y = np.asarray(var.y_values, dtype=float)
    x = blk.x_start + blk.x_step * np.arange(y.size)
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
    return make_photoemission_spectrum(
        x, y, axis, photon_energy=blk.analysis_source_characteristic_energy, attrs=attrs
    )


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
    blocks = read_vamas_blocks(path)
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


def _sniff_vamas(head: bytes) -> bool:
    return head.lstrip(b"\r\n \t").startswith(_VAMAS_ID)


register_reader("vamas", "photoemission", (".vms",), _sniff_vamas)(read_vamas)
