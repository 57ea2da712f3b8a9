"""heterolab's own HDF5 format: DataArrays (with coords, attrs and units) and Results.

Layout (format version 1)::

    /                      attrs: heterolab_format = "heterolab-hdf5", format_version = 1,
                                  heterolab_version, content = "dataarray" | "result"
    /data/                 (content "dataarray") one DataArray, see below
    /result                attrs: result_json = json.dumps(Result.to_dict())
    /result/curves/<name>/ one DataArray per Result curve

    DataArray group:       attrs: name (JSON), dims (JSON list), attrs (JSON, tagged types)
      values               dataset with attrs dtype (numpy dtype string)
      coords/<name>        dataset with attrs dims (JSON list), attrs (JSON), dtype

Attribute values are stored as JSON with tags for numpy arrays and scalars, tuples and
non-finite floats, so that ``read_hdf5(write_hdf5(x))`` is identical to ``x`` for the attr
types xarray users put there (str, int, float, bool, None, lists, dicts, numpy scalars and
arrays). Files are written to a temporary name and moved into place, and an existing file is
never replaced unless ``overwrite=True``.
"""

from __future__ import annotations

import json
import math
import os
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab import __version__
from heterolab.errors import FormatError, HeterolabError, ParameterError
from heterolab.io.registry import register_reader
from heterolab.result import Result
from heterolab.units import normalize_unit, scale_factor

__all__ = ["FORMAT_MARKER", "FORMAT_VERSION", "read_hdf5", "write_hdf5"]

FORMAT_MARKER = "heterolab-hdf5"
FORMAT_VERSION = 1
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


# --------------------------------------------------------------------------- attr JSON


def _encode(value: Any, where: str) -> Any:
    """JSON-ready form of an attr value with type tags; ParameterError for unknown types."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int) and not isinstance(value, np.integer):
        return value
    if isinstance(value, float) and not isinstance(value, np.floating):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufcU":
            raise ParameterError(f"attr {where}: arrays of dtype {value.dtype} cannot be stored")
        return {
            "__ndarray__": _encode(value.tolist(), where),
            "dtype": value.dtype.str,
            "shape": list(value.shape),
        }
    if isinstance(value, np.generic):
        return {"__npscalar__": _encode(value.item(), where), "dtype": value.dtype.str}
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, where) for v in value]}
    if isinstance(value, list):
        return [_encode(v, where) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ParameterError(f"attr {where}: dict keys must be strings to be stored")
        if any(k.startswith("__") for k in value):
            raise ParameterError(f"attr {where}: dict keys starting with '__' are reserved")
        return {k: _encode(v, f"{where}.{k}") for k, v in value.items()}
    raise ParameterError(
        f"attr {where} has type {type(value).__name__}, which cannot be stored in heterolab "
        "HDF5 (use str, int, float, bool, None, list, tuple, dict or numpy arrays/scalars)"
    )


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__complex__" in value:
        re_, im_ = value["__complex__"]
        return complex(_decode(re_), _decode(im_))
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__ndarray__" in value:
        arr = np.array(_decode(value["__ndarray__"]), dtype=np.dtype(value["dtype"]))
        return arr.reshape(value["shape"])
    if "__npscalar__" in value:
        return np.dtype(value["dtype"]).type(_decode(value["__npscalar__"]))
    return {k: _decode(v) for k, v in value.items()}


def _attrs_json(attrs: dict[Any, Any], where: str) -> str:
    if not all(isinstance(k, str) for k in attrs):
        raise ParameterError(f"{where}: attr names must be strings")
    return json.dumps({k: _encode(v, f"{where}[{k!r}]") for k, v in attrs.items()}, allow_nan=False)


# --------------------------------------------------------------------------- arrays


def _write_array(group: Any, name: str, values: np.ndarray, where: str) -> Any:
    """Dataset for a numpy array; strings as UTF-8, datetimes as int64 with their dtype."""
    import h5py

    kind = values.dtype.kind
    if kind in "biufc":
        ds = group.create_dataset(name, data=values)
    elif kind in "Mm":
        ds = group.create_dataset(name, data=values.view(np.int64))
    elif kind == "U" or (kind == "O" and all(isinstance(v, str) for v in values.ravel())):
        ds = group.create_dataset(
            name, data=values.astype(object), dtype=h5py.string_dtype("utf-8")
        )
    else:
        raise ParameterError(f"{where}: values of dtype {values.dtype} cannot be stored")
    ds.attrs["dtype"] = values.dtype.str
    return ds


_MAX_BYTES = 1 << 30  # largest dataset read (1 GiB)
_MAX_INFLATION = 10_000  # logical / stored size beyond which a large dataset is a bomb


def _check_size(ds: Any) -> None:
    """A dataset's declared size, checked before it is read: no more than 1 GiB, and no
    compressed dataset that inflates more than 10^4-fold beyond 64 MiB (a few kB of chunks
    declaring gigabytes of zeros)."""
    logical = int(np.prod(ds.shape, dtype=np.float64)) * max(int(ds.dtype.itemsize), 1)
    if logical > _MAX_BYTES:
        raise ValueError(f"dataset {ds.name} declares {logical / 2**30:.1f} GiB (limit 1 GiB)")
    stored = max(int(ds.id.get_storage_size()), 1)
    if logical > 64 * 2**20 and logical / stored > _MAX_INFLATION:
        raise ValueError(
            f"dataset {ds.name} inflates {stored} stored bytes to {logical / 2**20:.0f} MiB"
        )


def _attr(obj: Any, name: str, default: Any = KeyError) -> Any:
    """An HDF5 attribute, its declared size checked first (a damaged attribute header can
    declare terabytes, on which libhdf5 spins without returning)."""
    import h5py

    if not h5py.h5a.exists(obj.id, name.encode()):
        if default is KeyError:
            raise KeyError(name)
        return default
    aid = h5py.h5a.open(obj.id, name.encode())
    n = int(np.prod(aid.shape, dtype=np.float64)) if aid.shape else 1
    item = int(aid.get_type().get_size())
    if n * item > 64 * 2**20 or item > 64 * 2**20:
        raise ValueError(f"attribute {name!r} declares {n} x {item} bytes")
    return obj.attrs[name]


def _read_array(ds: Any) -> np.ndarray:
    _check_size(ds)
    dtype = np.dtype(_attr(ds, "dtype"))
    if dtype.kind in "UO":
        data = np.array(ds.asstr()[()], dtype=object)
        return data.astype(dtype) if dtype.kind == "U" else data
    data = np.asarray(ds[()])
    if dtype.kind in "Mm":
        return data.view(dtype)
    return data.astype(dtype, copy=False)


def _write_dataarray(group: Any, da: xr.DataArray) -> None:
    group.attrs["name"] = json.dumps(_encode(da.name, "name"))
    group.attrs["dims"] = json.dumps(list(map(str, da.dims)))
    group.attrs["attrs"] = _attrs_json(da.attrs, "DataArray attrs")
    _write_array(group, "values", np.asarray(da.values), "DataArray values")
    coords = group.create_group("coords")
    for cname, coord in da.coords.items():
        if not isinstance(cname, str):
            raise ParameterError(f"coordinate name {cname!r} must be a string")
        ds = _write_array(coords, cname, np.asarray(coord.values), f"coord {cname!r}")
        ds.attrs["dims"] = json.dumps(list(map(str, coord.dims)))
        ds.attrs["attrs"] = _attrs_json(coord.attrs, f"coord {cname!r} attrs")


def _read_dataarray(group: Any) -> xr.DataArray:
    coords = {}
    for cname, ds in group["coords"].items():
        coords[cname] = xr.Variable(
            tuple(json.loads(_attr(ds, "dims"))),
            _read_array(ds),
            attrs=_decode(json.loads(_attr(ds, "attrs"))),
        )
    return xr.DataArray(
        _read_array(group["values"]),
        dims=tuple(json.loads(_attr(group, "dims"))),
        coords=coords,
        name=_decode(json.loads(_attr(group, "name"))),
        attrs=_decode(json.loads(_attr(group, "attrs"))),
    )


# --------------------------------------------------------------------------- public API


def write_hdf5(obj: Any, path: str | PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a DataArray or a :class:`~heterolab.result.Result` to heterolab HDF5.

    Parameters
    ----------
    obj
        ``xarray.DataArray`` or ``Result`` (its ``to_dict()`` plus its curves).
    path
        Destination file.
    overwrite
        Replace an existing file. Default False: an existing file is an error and is left
        untouched.

    Returns
    -------
    Path
        The written file (so ``read_hdf5(write_hdf5(x, p))`` works).

    Raises
    ------
    ParameterError
        ``path`` exists and ``overwrite`` is False (the file is not touched), ``obj`` is of
        another type, or it holds attrs/values that cannot be stored.
    """
    import h5py

    p = Path(path)
    if not isinstance(obj, (xr.DataArray, Result)):
        raise ParameterError(
            f"write_hdf5 stores DataArray or Result objects, not {type(obj).__name__}"
        )
    if p.exists() and not overwrite:
        raise _exists_error(p)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["heterolab_format"] = FORMAT_MARKER
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["heterolab_version"] = __version__
            if isinstance(obj, xr.DataArray):
                f.attrs["content"] = "dataarray"
                _write_dataarray(f.create_group("data"), obj)
            else:
                f.attrs["content"] = "result"
                g = f.create_group("result")
                g.attrs["result_json"] = json.dumps(obj.to_dict())
                curves = g.create_group("curves")
                for name, curve in obj.curves.items():
                    _write_dataarray(curves.create_group(name), curve)
        _move_into_place(tmp, p, overwrite)
    finally:
        tmp.unlink(missing_ok=True)
    return p


def _exists_error(p: Path) -> ParameterError:
    return ParameterError(f"{p} already exists; pass overwrite=True to replace it")


def _move_into_place(tmp: Path, p: Path, overwrite: bool) -> None:
    """Rename the finished temporary file to ``p``; without ``overwrite`` never replace."""
    if overwrite:
        os.replace(tmp, p)
        return
    try:
        os.link(tmp, p)  # atomic and fails if p appeared meanwhile
    except FileExistsError:
        raise _exists_error(p) from None
    except OSError:  # file systems without hard links
        if p.exists():
            raise _exists_error(p) from None
        os.replace(tmp, p)


def _check_marker(f: Any, p: Path) -> str:
    marker = _attr(f, "heterolab_format", None)
    if isinstance(marker, bytes):
        marker = marker.decode()
    if marker != FORMAT_MARKER:
        hint = ""
        if "Experiments" in f or _attr(f, "file_format", None) in ("HyperSpy", b"HyperSpy"):
            hint = "; a HyperSpy image: read it with kind='image' (heterolab tem ...)"
        elif "entry" in f or "entry1" in f:
            hint = "; a NeXus file: export the data it holds as text or TIFF"
        raise FormatError(
            p, f"HDF5 file not written by heterolab (no 'heterolab_format' attribute){hint}"
        )
    version = int(_attr(f, "format_version", 0))
    if version > FORMAT_VERSION:
        raise FormatError(
            p,
            f"written with heterolab HDF5 format version {version}; this heterolab reads up to {FORMAT_VERSION}",
        )
    return str(_attr(f, "content"))


def read_hdf5(path: str | PathLike[str]) -> Any:
    """Read a DataArray or Result written by :func:`write_hdf5`.

    Returns
    -------
    xarray.DataArray or Result
        As written (Result with its curves restored).

    Raises
    ------
    FormatError
        Missing file, not HDF5, not written by heterolab, or damaged content.
    """
    p = Path(path)
    if not p.exists():
        raise FormatError(p, "file does not exist")
    return _read_in_killable_child(p)


#: Seconds the HDF5 library may take to read a file (a damaged header can make libhdf5 loop
#: inside one C call, where no signal reaches it).
HDF5_READ_TIMEOUT_S = 10.0


def _read_and_send(path: str, conn: Any) -> None:
    """Child of :func:`_read_in_killable_child`: read the file and send what came of it.

    A crash of the library here is the parent's FormatError; the child's own fault dump and
    the library's diagnostics are silenced (they would only repeat it on stderr).
    """
    import faulthandler

    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        conn.send(("ok", _read_hdf5_unguarded(Path(path))))
    except HeterolabError as exc:
        conn.send(("error", str(exc)))
    except BaseException as exc:
        conn.send(("error", f"{path}: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _read_in_killable_child(p: Path, timeout_s: float | None = None) -> Any:
    """Read ``p`` in a forked child that is killed when the library does not return in time.

    A damaged HDF5 header (an extreme value in a B-tree or heap address) can make libhdf5
    spin inside one C call, where no signal can interrupt it; the only safe read of an
    untrusted file is one that can be killed. The child sends the object back (pickled), so
    the file is read once; the fork costs ~20 ms. Where ``fork`` is not available the file is
    read directly.

    Raises
    ------
    FormatError
        When the library does not return within ``timeout_s`` (:data:`HDF5_READ_TIMEOUT_S`),
        or for any problem the read finds, naming the file.
    """
    import multiprocessing
    import warnings

    import h5py  # noqa: F401 - imported once here, not in every child

    # xarray imports its duck-array backends (dask, pint, ...) on the first DataArray: do it
    # here, once, rather than in every child (0.6 s each).
    xr.DataArray(np.zeros(1), dims=("x",), coords={"x": xr.Variable("x", [0.0], {"units": "ns"})})
    timeout = HDF5_READ_TIMEOUT_S if timeout_s is None else timeout_s
    if "fork" not in multiprocessing.get_all_start_methods():
        return _read_hdf5_unguarded(p)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        child = ctx.Process(target=_read_and_send, args=(str(p), send), daemon=True)
        child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise FormatError(
                p,
                f"the HDF5 library did not finish reading this file within {timeout:g} s "
                "(a damaged header makes it loop); the file is refused",
            )
        status, payload = receive.recv()
    except EOFError:
        raise FormatError(p, "the HDF5 library crashed while reading this file") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if status == "ok":
        return payload
    raise FormatError(p, str(payload).removeprefix(f"{p}: "))


def _read_hdf5_unguarded(p: Path) -> Any:
    import h5py

    try:
        f = h5py.File(p, "r")
    except Exception as exc:  # h5py raises OSError, ValueError, RuntimeError, ... on damage
        raise FormatError(p, f"not a readable HDF5 file: {type(exc).__name__}: {exc}") from None
    with f:
        try:
            content = _check_marker(f, p)
        except FormatError:
            raise
        except Exception as exc:
            raise FormatError(p, f"damaged HDF5 header: {type(exc).__name__}: {exc}") from None
        try:
            if content == "dataarray":
                return _read_dataarray(f["data"])
            if content == "result":
                g = f["result"]
                result = Result.from_dict(json.loads(_attr(g, "result_json")))
                result.curves = {n: _read_dataarray(c) for n, c in g["curves"].items()}
                return result
        except HeterolabError:
            raise
        except Exception as exc:  # wrapped with the file and the cause, never a raw h5py error
            raise FormatError(
                p, f"damaged heterolab HDF5 content ({type(exc).__name__}: {exc})"
            ) from None
    raise FormatError(p, f"unknown heterolab HDF5 content {content!r}")


def _read_kind(path: Path, kind: str, dims: tuple[str, ...], time_unit: str) -> xr.DataArray:
    obj = read_hdf5(path)
    if not isinstance(obj, xr.DataArray) or obj.dims != dims:
        what = obj.dims if isinstance(obj, xr.DataArray) else type(obj).__name__
        raise FormatError(path, f"holds {what}, not a {kind} with dims {dims}")
    _check_counts_and_time(path, obj)
    return _to_time_unit(obj, time_unit)


def _check_counts_and_time(path: Path, da: xr.DataArray) -> None:
    """A stored decay must still be one: finite counts >= 0 on a strictly increasing time
    axis (a damaged file can decode to zeros or garbage without an HDF5 error)."""
    t = np.asarray(da["time"].values, dtype=float)
    if t.size > 1 and not (np.all(np.isfinite(t)) and np.all(np.diff(t) > 0)):
        raise FormatError(path, "the stored time axis is not strictly increasing (damaged file?)")
    counts = np.asarray(da.values, dtype=float)
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise FormatError(path, "the stored counts are not finite and >= 0 (damaged file?)")


def _to_time_unit(da: xr.DataArray, time_unit: str) -> xr.DataArray:
    unit = da["time"].attrs.get("units")
    target = normalize_unit(time_unit)
    if unit is None or normalize_unit(unit) == target:
        return da
    k = scale_factor(unit, target)
    out = da.assign_coords(
        time=xr.Variable(
            ("time",), da["time"].values * k, attrs={**da["time"].attrs, "units": target}
        )
    )
    if "bin_width" in out.attrs:
        out.attrs["bin_width"] = float(out.attrs["bin_width"]) * k
    return out


def _hdf5_decay(path: str | PathLike[str], *, time_unit: str = "ns") -> xr.DataArray:
    return _read_kind(Path(path), "decay", ("time",), time_unit)


def _hdf5_decays(path: str | PathLike[str], *, time_unit: str = "ns") -> xr.DataArray:
    return _read_kind(Path(path), "set of decays", ("decay", "time"), time_unit)


def _hdf5_flim(path: str | PathLike[str], *, time_unit: str = "ns") -> xr.DataArray:
    return _read_kind(Path(path), "FLIM image", ("y", "x", "time"), time_unit)


def _sniff_hdf5(head: bytes) -> bool:
    return head.startswith(HDF5_MAGIC)


_EXT = (".h5", ".hdf5", ".hdf")
register_reader("hdf5", "hdf5", _EXT, _sniff_hdf5)(read_hdf5)
register_reader("hdf5_decay", "decay", _EXT, _sniff_hdf5)(_hdf5_decay)
register_reader("hdf5_decays", "decays", _EXT, _sniff_hdf5)(_hdf5_decays)
register_reader("hdf5_flim", "flim", _EXT, _sniff_hdf5)(_hdf5_flim)
