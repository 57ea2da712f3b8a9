"""Atom columns: the SrTiO3 STEM image against the count of atomap's own test (104 B-cation
columns), and column strain against an imposed step strain from a generator written here."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.arrays import image_dataarray
from heterolab.errors import ParameterError
from heterolab.structure.microscopy.columns import (
    ColumnMethod,
    column_strain,
    find_atom_columns,
)
from shared_paths import shared_file

pytest.importorskip("skimage")  # the structure extra

STO = ("tem", "atomap_SrTiO3_ADF_ABF", "test_ADF_cropped.hdf5")
METHODS = [
    "skimage",
    pytest.param(
        "atomap",
        marks=pytest.mark.skipif(
            __import__("importlib.util").util.find_spec("atomap") is None, reason="atomap absent"
        ),
    ),
]


def _sto():
    from heterolab.io.images import read_microscopy_image

    return read_microscopy_image(shared_file(*STO), pixel_size=0.009326270238006416, unit="nm")


@pytest.mark.parametrize("method", METHODS)
def test_sto_sublattice_count_of_atomaps_own_test(method):
    # atomap/tests/test_adf_abf_sto.py: background subtraction, PCA, separation 0.15 nm, then
    # the midpoints along zone vector 1 of the A lattice: exactly 104 B-cation columns
    r = find_atom_columns(_sto(), 0.15, method=method, refine=False, sublattice_vector=1)
    assert r.ok, r.message
    assert r.statistics["method"] == method
    assert r["n_sublattice"].value == 104
    assert r["n_columns"].value == 117
    # SrTiO3 along [110]: Sr columns a/√2 × a apart (a = 3.905 Å)
    assert r["a1"].value == pytest.approx(0.3905 / np.sqrt(2), rel=0.01)
    assert r["a2"].value == pytest.approx(0.3905, rel=0.01)


def _lattice_image(eps=0.03, px=0.01, n=600, seed=1):
    """Gaussian columns on a 0.39 × 0.28 nm rectangular lattice; x → x + ε (x − x0) right of
    x0 = 3 nm (a step in ε_xx), Gaussian noise."""
    a, b, s = 0.39, 0.28, 0.035
    x0 = n * px / 2
    img = np.zeros((n, n))
    truth = []
    h = int(6 * s / px)
    for i in range(-1, int(n * px / a) + 2):
        for j in range(-1, int(n * px / b) + 2):
            x, y = i * a + 0.1, j * b + 0.1
            if x > x0:
                x += eps * (x - x0)
            truth.append((x, y))
            cx, cy = round(x / px), round(y / px)
            ys = slice(min(max(cy - h, 0), n), min(max(cy + h + 1, 0), n))
            xs = slice(min(max(cx - h, 0), n), min(max(cx + h + 1, 0), n))
            yy, xx = np.mgrid[ys, xs] * px
            img[ys, xs] += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * s * s))
    img += np.random.default_rng(seed).normal(0, 0.03, img.shape)
    return image_dataarray(img, px, "nm"), np.array(truth)


@pytest.mark.slow  # atomap's per-column Gaussian refinement: ~15 s
@pytest.mark.parametrize("method", METHODS)
def test_column_strain_recovers_an_imposed_step(method):
    im, truth = _lattice_image()
    r = find_atom_columns(im, 0.2, method=method)
    xy = np.column_stack([r.curves["columns"]["x"], r.curves["columns"]["y"]])
    # every found column is within 0.01 nm (1 px) of a true one
    d = np.min(np.hypot(*(xy[:, None, :] - truth[None, :, :]).transpose(2, 0, 1)), axis=1)
    assert np.max(d) < 0.01
    s = column_strain(r, reference=(0.3, 2.5, 0.3, 5.7))
    assert s.ok, s.message
    exx, eyy = s.curves["exx"], s.curves["eyy"]
    far = (exx["x"] > 3.6) & (exx["x"] < 5.6) & (exx["y"] > 0.4) & (exx["y"] < 5.6)
    ref = (exx["x"] > 0.4) & (exx["x"] < 2.4) & (exx["y"] > 0.4) & (exx["y"] < 5.6)
    assert float(exx[far].mean()) == pytest.approx(0.03, abs=0.002)
    assert float(abs(exx[ref].mean())) < 0.002
    assert float(abs(eyy[far].mean())) < 0.002
    assert "small strain" in s.statistics["strain_definition"]


def test_column_errors():
    im, _ = _lattice_image(n=200)
    with pytest.raises(ParameterError, match="not one of auto, atomap, skimage"):
        find_atom_columns(im, 0.2, method="hough")
    with pytest.raises(ParameterError, match="it must span at least 1 px"):
        find_atom_columns(im, 0.001)
    assert ColumnMethod("SKIMAGE".lower()) is ColumnMethod.SKIMAGE
    r = find_atom_columns(im, 0.2, method="skimage", refine=False)
    with pytest.raises(ParameterError, match="reference region holds 0 columns"):
        column_strain(r, reference=(10, 11, 10, 11))
