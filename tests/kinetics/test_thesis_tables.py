"""Thesis Table 3-2: tau_ave recomputed from the printed fit parameters."""

from __future__ import annotations

import pytest

from heterolab.thesis.table_3_2 import thesis_table_3_2
from heterolab.uncertainty import rounding_half_width, rounding_stderr


def test_table_3_2_tau_ave_column_is_reproduced_within_rounding():
    r = thesis_table_3_2()
    # verification.md C1: 6.234, 4.810, 4.209, 3.867, 3.499 us (printed 6.23, 4.80, 4.20, 3.87, 3.47)
    expected = {"1to1": 6.234, "1to3": 4.810, "1to5": 4.209, "1to10": 3.867, "1to30": 3.499}
    for ratio, value in expected.items():
        assert r.value(f"tau_avg_intensity_{ratio}") == pytest.approx(value, abs=6e-4)
    # the amplitude-weighted mean is far from the printed column (5.49 ... 1.41 us)
    assert r.value("tau_avg_amplitude_1to30") == pytest.approx(1.408, abs=1e-3)
    # 3.47 vs 3.499 lies within the propagated rounding of the printed inputs: no warning
    assert r.warnings == []
    assert r["tau_avg_intensity_1to30"].stderr == pytest.approx(0.0145, abs=5e-4)


def test_printed_rounding_is_uniform_half_digit():
    assert rounding_stderr(3.47, 2) == pytest.approx(0.005 / 3**0.5)
    assert rounding_half_width(9.2) == pytest.approx(0.05)
    assert rounding_half_width(181.0) == pytest.approx(0.5)
