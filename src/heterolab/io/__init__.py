"""Readers and writers: instrument files -> labelled xarray DataArrays with units.

Readers register themselves with :func:`register_reader`, giving the file extensions they
handle, a ``sniff`` function that looks at the first bytes to claim a file, and the kind of
data they return (``"decay"``, ``"ta"``, ``"spectrum"``, ...). :func:`read` picks the
reader by sniffing first and extension second, so a mis-named file still reads.

Standard dims and units (DESIGN.md): ``time`` (ns for TRPL, ps for TA), ``wavelength`` (nm),
``energy`` (eV), ``two_theta`` (deg), ``binding_energy`` (eV); every array has
``attrs["units"]`` for its values and each coordinate has its own ``units`` attr.
"""

from __future__ import annotations

from heterolab._lazy import lazy_api
from heterolab.io._api import read_decay, read_decays, read_flim
from heterolab.io.registry import ReaderInfo, available_readers, read, register_reader

# Loaded on first access (they import xarray / h5py).
_LAZY = {
    "read_matrix_text": "heterolab.io.text",
    "detect_matrix_layout": "heterolab.io.text",
    "read_hdf5": "heterolab.io.hdf5",
    "write_hdf5": "heterolab.io.hdf5",
}

__all__ = [
    "ReaderInfo",
    "available_readers",
    "detect_matrix_layout",
    "read",
    "read_decay",
    "read_decays",
    "read_flim",
    "read_hdf5",
    "read_matrix_text",
    "register_reader",
    "write_hdf5",
]

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
