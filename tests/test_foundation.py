"""Result convention, units, uncertainty propagation, errors and the light import."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from heterolab.errors import FormatError, ModelError, UnitError
from heterolab.result import Quantity, Result, make_provenance
from heterolab.uncertainty import propagate, propagate_independent
from heterolab.units import HC_EV_NM, convert, normalize_unit, wavelength_nm_to_energy_ev


def _result() -> Result:
    return Result(
        kind="test.kind",
        parameters={"tau_1": Quantity(1.25, 0.01, "ns"), "tau_2": Quantity(math.inf, None, "ps")},
        derived={"eta": Quantity(0.5, float("nan"), "1")},
        statistics={"chi2_reduced": 1.02, "n_points": np.int64(256)},
        provenance={"settings": {"x": np.float64(1.5)}},
        warnings=["row 1:3 inconsistent"],
    )


def test_to_dict_has_the_convention_keys_and_is_json():
    d = _result().to_dict()
    assert set(d) == {"parameters", "derived", "statistics", "provenance"}
    assert d["parameters"]["tau_1"] == {"value": 1.25, "stderr": 0.01, "unit": "ns"}
    assert d["parameters"]["tau_2"]["value"] == "inf"
    assert d["derived"]["eta"]["stderr"] == "nan"
    assert d["statistics"]["status"] == "suspect"  # eta has a finite value but a NaN error
    assert d["statistics"]["message"] == "the data do not determine the error of eta"
    assert d["statistics"]["warnings"] == ["row 1:3 inconsistent"]
    json.dumps(d, allow_nan=False)  # strictly valid JSON


def test_round_trip_from_dict():
    r = _result()
    back = Result.from_dict(json.loads(r.to_json()))
    assert back.kind == r.kind
    assert back.parameters["tau_1"] == r.parameters["tau_1"]
    assert math.isinf(back.parameters["tau_2"].value)
    assert math.isnan(back.derived["eta"].stderr)
    assert back.warnings == r.warnings


def test_failed_result_reports_status_and_message():
    r = _result()
    r.mark_failed("did not converge in 200 iterations")
    assert not r.ok
    assert r.to_dict()["statistics"]["message"] == "did not converge in 200 iterations"
    assert "[failed]" in r.summary()


def test_unknown_name_lists_known_names():
    with pytest.raises(KeyError, match="tau_1, tau_2, eta"):
        _result()["tau_3"]


def test_unit_conversions():
    assert convert(2.5, "ns", "ps") == pytest.approx(2500.0)
    assert convert(1.0, "cm^2/s", "m^2/s") == pytest.approx(1e-4)
    assert normalize_unit("µs") == "us"
    assert pytest.approx(1239.842, abs=1e-3) == HC_EV_NM
    assert wavelength_nm_to_energy_ev(495.0) == pytest.approx(2.50473, abs=1e-4)
    with pytest.raises(UnitError, match="cannot convert 'ns'"):
        convert(1.0, "ns", "nm")
    with pytest.raises(UnitError, match="unknown unit 'furlong'"):
        normalize_unit("furlong")


def test_propagation_matches_analytic_product_rule():
    # f = x*y; var = y^2 sx^2 + x^2 sy^2 + 2xy cov
    x, y, sx, sy, rho = 2.0, 3.0, 0.1, 0.2, 0.5
    cov = np.array([[sx**2, rho * sx * sy], [rho * sx * sy, sy**2]])
    val, err = propagate(lambda p: p[0] * p[1], [x, y], cov)
    assert val == pytest.approx(6.0)
    assert err == pytest.approx(
        math.sqrt(y**2 * sx**2 + x**2 * sy**2 + 2 * x * y * rho * sx * sy), rel=1e-6
    )
    _, err_nan = propagate_independent(lambda p: p[0] + p[1], [1.0, 2.0], [0.1, float("nan")])
    assert math.isnan(err_nan)
    _, err_none = propagate_independent(lambda p: p[0] + p[1], [1.0, 2.0], [0.1, None])
    assert err_none == pytest.approx(0.1)


def test_format_error_names_file_and_line(tmp_path):
    err = FormatError(tmp_path / "decay.csv", "non-numeric cell 'abc'", line=7)
    assert str(err) == f"{tmp_path / 'decay.csv'}, line 7: non-numeric cell 'abc'"
    many = ModelError(["rate k9 unknown", "species X has no spectrum"], source="model.toml")
    assert "2 problems" in str(many) and "rate k9 unknown" in str(many)


def test_provenance_hashes_inputs(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("hello")
    prov = make_provenance([f], {"estimator": "mle"})
    assert prov["inputs"]["a.txt"]["sha256"] == (
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    )
    assert prov["settings"] == {"estimator": "mle"}


def test_import_is_light():
    code = (
        "import sys, heterolab, heterolab.result, heterolab.units; "
        "bad = [m for m in ('matplotlib', 'dask', 'pymatgen', 'xarray') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize(
    ("q", "text"),
    [
        (Quantity(9.168, 0.02913, "ns"), "9.168 ± 0.029 ns"),
        (Quantity(298.15, None, "K"), "298.15 K"),
        (Quantity(8.947e8, 2.028e6, "1/s"), "(8.947 ± 0.020)e+08 1/s"),
        (Quantity(0.8913, 0.0004074), "0.89130 ± 0.00041"),
        (Quantity(math.inf, None, "ps"), "inf ps"),
        (Quantity(1.2, math.nan, "ns"), "1.2 ± nan ns"),
    ],
)
def test_quantity_text_rounds_to_its_uncertainty(q, text):
    assert str(q) == text


@pytest.mark.parametrize(("chi2", "dof"), [(354 * 1.72, 354), (10.0, 10), (3.0, 1)])
def test_chi2_misfit_z_is_the_standardised_chi2_distribution(chi2, dof):
    from scipy.stats import chi2 as chi2_dist

    from heterolab.uncertainty import chi2_misfit_z

    dist = chi2_dist(dof)
    assert chi2_misfit_z(chi2, dof) == pytest.approx((chi2 - dist.mean()) / dist.std())
