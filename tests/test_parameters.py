"""heterolab.parameters: the one parameter concept (round trip, bounds, expressions, errors)."""

import math

import pytest

from heterolab.errors import ModelError
from heterolab.parameters import Parameter, ParameterSet


def test_to_dict_round_trip_keeps_bounds_units_and_expressions() -> None:
    ps = ParameterSet.from_mapping(
        {"k1": {"value": 2, "min": 0, "max": 5, "unit": "1/ps"}, "k2": "0.5*k1"}
    )
    again = ParameterSet.from_mapping(ps.to_dict())
    assert again.to_dict() == ps.to_dict()
    assert again.values() == {"k1": 2.0, "k2": 1.0}
    assert again.params["k1"].min == 0.0 and again.params["k1"].max == 5.0
    assert again.free == ["k1"]


def test_start_outside_bounds_is_one_clear_problem() -> None:
    with pytest.raises(
        ModelError, match=r"parameter 'a': value 7.0 outside its bounds \[-inf, 5.0\]"
    ):
        ParameterSet.from_mapping({"a": {"value": 7, "max": 5}})


def test_at_bound_and_copy_is_independent() -> None:
    p = Parameter(5.0, max=5.0)
    assert p.at_bound() and not Parameter(4.0, max=5.0).at_bound()
    ps = ParameterSet({"a": Parameter(1.0)})
    cp = ps.copy()
    cp.params["a"].value = 3.0
    assert ps.params["a"].value == 1.0
    assert math.isinf(ps.params["a"].min)
