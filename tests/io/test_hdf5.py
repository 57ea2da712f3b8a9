"""heterolab HDF5: property-based round trips, Results with curves, overwrite protection."""

from __future__ import annotations

import tempfile
from pathlib import Path

import h5py
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heterolab.errors import FormatError, ParameterError
from heterolab.io import read, read_decay, read_flim, read_hdf5, write_hdf5
from heterolab.result import Quantity, Result, make_provenance

# --------------------------------------------------------------------------- strategies

names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)
attr_keys = names.filter(lambda k: not k.startswith("__"))
# NaN only at the top level: xarray compares NaN inside lists/tuples with ==, so a NaN there
# would fail the comparison, not the round trip.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=False, allow_infinity=True),
    st.text(max_size=30),
    st.builds(np.float32, st.floats(width=32, allow_nan=False)),
    st.builds(np.int64, st.integers(-(2**62), 2**62)),
)
attr_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(attr_keys, inner, max_size=3),
    ),
    max_leaves=8,
) | hnp.arrays(
    st.sampled_from([np.float64, np.int32, np.uint8, np.bool_]),
    hnp.array_shapes(max_dims=2, max_side=4),
)
attrs_strategy = st.dictionaries(attr_keys, attr_values | st.just(float("nan")), max_size=5)
value_dtypes = st.sampled_from(
    [np.float64, np.float32, np.int64, np.uint16, np.bool_, np.complex128]
)


@st.composite
def dataarrays(draw: st.DrawFn) -> xr.DataArray:
    ndim = draw(st.integers(0, 3))
    dims = draw(
        st.lists(
            st.sampled_from(["time", "decay", "y", "x", "wavelength"]),
            min_size=ndim,
            max_size=ndim,
            unique=True,
        )
    )
    shape = (
        draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=5)) if ndim else ()
    )
    values = draw(hnp.arrays(draw(value_dtypes), shape))
    coords: dict[str, xr.Variable] = {}
    for dim, n in zip(dims, shape, strict=True):
        if draw(st.booleans()):
            if dim == "decay":
                data = np.array(
                    draw(st.lists(names, min_size=n, max_size=n, unique=True)), dtype=str
                )
            else:
                data = np.sort(
                    draw(hnp.arrays(np.float64, n, elements=st.floats(-1e6, 1e6), unique=True))
                )
            coords[dim] = xr.Variable((dim,), data, attrs=draw(attrs_strategy))
    if draw(st.booleans()):
        coords["scan"] = xr.Variable((), draw(st.integers(0, 100)), attrs={"units": "1"})
    name = draw(st.none() | names)
    return xr.DataArray(values, dims=dims, coords=coords, name=name, attrs=draw(attrs_strategy))


def round_trip(obj: object) -> object:
    with tempfile.TemporaryDirectory() as d:
        return read_hdf5(write_hdf5(obj, Path(d) / "x.h5"))


# --------------------------------------------------------------------------- DataArrays


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataarrays())
def test_dataarray_round_trip_is_identical(da):
    back = round_trip(da)
    xr.testing.assert_identical(back, da)
    assert back.dtype == da.dtype
    for c in da.coords:
        assert back[c].dtype == da[c].dtype
    assert set(back.attrs) == set(da.attrs)
    for k, v in da.attrs.items():  # same types, not only equal values
        assert type(back.attrs[k]) is type(v)


def test_real_decay_round_trip_keeps_units_and_metadata(tmp_path):
    t = xr.Variable(("time",), np.arange(5) * 0.016, attrs={"units": "ns"})
    da = xr.DataArray(
        np.array([1.0, 5, 3, 2, 1]),
        dims=("time",),
        coords={"time": t},
        name="counts",
        attrs={
            "units": "counts",
            "source": "x.ptu",
            "reader": "ptu_decay",
            "bin_width": 0.016,
            "repetition_rate_hz": 4e7,
            "acquisition_time_s": [20.98, 120.1],
        },
    )
    p = write_hdf5(da, tmp_path / "d.h5")
    back = read_hdf5(p)
    xr.testing.assert_identical(back, da)
    assert back["time"].attrs["units"] == "ns"
    assert back.attrs["acquisition_time_s"] == [20.98, 120.1]
    # registered as a decay source, with unit conversion on request
    ps = read_decay(p, time_unit="ps")
    np.testing.assert_allclose(ps["time"].values, np.arange(5) * 16.0)
    assert ps["time"].attrs["units"] == "ps"
    assert ps.attrs["bin_width"] == pytest.approx(16.0)
    xr.testing.assert_identical(read(p), da)
    with pytest.raises(
        FormatError, match=r"holds \('time',\), not a FLIM image with dims \('y', 'x', 'time'\)"
    ):
        read_flim(p)


# --------------------------------------------------------------------------- Results


def make_result() -> Result:
    t = xr.Variable(("time",), np.linspace(0, 10, 11), attrs={"units": "ns"})
    data = xr.DataArray(
        np.arange(11.0),
        dims=("time",),
        coords={"time": t},
        name="counts",
        attrs={"units": "counts"},
    )
    r = Result(
        "trpl.decay_fit",
        parameters={"tau_1": Quantity(1.01, 0.01, "ns"), "a_1": Quantity(0.29, float("nan"), "1")},
        derived={"tau_mean": Quantity(3.61, 0.01, "ns")},
        statistics={"chi2_reduced": 1.07, "n_points": 11, "converged": True},
        provenance=make_provenance({}, {"model": "biexponential", "irf": "measured"}),
        curves={"data": data, "model": data * 0.5, "residuals": (data - data * 0.5).rename("res")},
        warnings=["thesis Table 3-2 row 2: amplitudes sum to 101 %"],
    )
    return r


def test_result_round_trip_with_curves():
    r = make_result()
    back = round_trip(r)
    assert isinstance(back, Result)
    assert back.to_dict() == r.to_dict()  # to_dict: NaN-safe comparison (nan != nan in ==)
    assert np.isnan(back["a_1"].stderr)
    assert back["tau_1"].unit == "ns" and back["tau_1"].stderr == 0.01
    assert back.warnings == r.warnings
    assert set(back.curves) == {"data", "model", "residuals"}
    for name, curve in r.curves.items():
        xr.testing.assert_identical(back.curves[name], curve)


def test_failed_result_keeps_its_status_and_message():
    r = Result("trpl.decay_fit")
    r.mark_failed("did not converge in 200 iterations")
    back = round_trip(r)
    assert not back.ok
    assert back.message == "did not converge in 200 iterations"


# --------------------------------------------------------------------------- safety and errors


def test_existing_file_is_never_overwritten_without_permission(tmp_path):
    p = tmp_path / "keep.h5"
    write_hdf5(make_result(), p)
    before = p.read_bytes()
    other = xr.DataArray(np.zeros(3), dims=("time",))
    with pytest.raises(
        ParameterError, match=r"keep\.h5 already exists; pass overwrite=True to replace it"
    ):
        write_hdf5(other, p)
    assert p.read_bytes() == before
    write_hdf5(other, p, overwrite=True)
    xr.testing.assert_identical(read_hdf5(p), other)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["keep.h5"]  # no temporary left


def test_unstorable_attr_fails_before_any_file_appears(tmp_path):
    da = xr.DataArray(np.zeros(2), dims=("time",), attrs={"fit": object()})
    with pytest.raises(ParameterError, match=r"attr DataArray attrs\['fit'\] has type object"):
        write_hdf5(da, tmp_path / "x.h5")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(
        ParameterError, match="write_hdf5 stores DataArray or Result objects, not dict"
    ):
        write_hdf5({"a": 1}, tmp_path / "y.h5")


def test_foreign_and_broken_files_are_format_errors(tmp_path):
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["data"] = np.arange(3)
    with pytest.raises(
        FormatError,
        match=r"foreign\.h5: HDF5 file not written by heterolab \(no 'heterolab_format' attribute\)",
    ):
        read_hdf5(foreign)
    fake = tmp_path / "fake.h5"
    fake.write_text("time,counts\n0,1\n")
    with pytest.raises(FormatError, match=r"fake\.h5: not a readable HDF5 file"):
        read_hdf5(fake)
    future = write_hdf5(xr.DataArray([1.0]), tmp_path / "future.h5")
    with h5py.File(future, "r+") as f:
        f.attrs["format_version"] = 99
    with pytest.raises(FormatError, match="written with heterolab HDF5 format version 99"):
        read_hdf5(future)
    damaged = write_hdf5(xr.DataArray([1.0], dims=("time",)), tmp_path / "damaged.h5")
    with h5py.File(damaged, "r+") as f:
        del f["data/values"]
    with pytest.raises(FormatError, match=r"damaged\.h5: damaged heterolab HDF5 content"):
        read_hdf5(damaged)
    with pytest.raises(FormatError, match=r"missing\.h5: file does not exist"):
        read_hdf5(tmp_path / "missing.h5")
