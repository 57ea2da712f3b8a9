"""heterolab.parameters: the one parameter concept (round trip, bounds, expressions, errors)."""

import math
import re

import numpy as np
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


def test_general_expressions_resolve_in_dependency_order() -> None:
    ps = ParameterSet.from_mapping(
        {
            "k_total": "k1 + k2",
            "k1": {"value": 2.0, "positive": True},
            "k2": 0.5,
            "phi": "k1 / k_total",
            "tau": "1/k_total",
            "arr": "exp(-ea / kt) * 2e-3",
            "ea": 0.1,
            "kt": 0.025,
        }
    )
    v = ps.values()
    assert v["k_total"] == 2.5 and v["phi"] == 0.8 and v["tau"] == 0.4
    assert v["arr"] == pytest.approx(math.exp(-4.0) * 2e-3, rel=1e-15)
    assert ps.free == ["k1", "k2", "ea", "kt"]
    assert ps.from_vector(np.array([np.log(3.0), 1.0, 0.1, 0.025]))["phi"] == pytest.approx(0.75)
    again = ParameterSet.from_mapping(ps.to_dict())
    assert again.to_dict() == ps.to_dict()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('true')", "only the functions"),
        ("k1.__class__", "unknown parameter"),
        ("[k1]", "List is not allowed"),
        ("k1 if k2 else 1", "not valid arithmetic"),
        ("(lambda: 1)()", "not valid arithmetic"),
        ("k1 // 2", "operator FloorDiv is not allowed"),
        ("'a'", "is not a number"),
        ("k1 +", "not valid arithmetic"),
    ],
)
def test_expressions_cannot_run_code(text: str, message: str) -> None:
    with pytest.raises(ModelError, match=re.escape(message)):
        ParameterSet.from_mapping({"k1": 1.0, "k2": 2.0, "x": text})


def test_circular_and_unknown_references_are_listed_together() -> None:
    with pytest.raises(ModelError) as info:
        ParameterSet.from_mapping({"a": "2*b", "b": "a + 1", "c": "zz * 3"})
    text = str(info.value)
    assert "'zz'" in text
    with pytest.raises(ModelError, match="circular parameter expressions: a -> b -> a"):
        ParameterSet.from_mapping({"a": "2*b", "b": "a + 1"})


def test_bounds_in_optimiser_space_and_old_tuple_expressions() -> None:
    ps = ParameterSet(
        {
            "k": Parameter(1.0, positive=True, min=0.1, max=10.0),
            "c": Parameter(0.0, min=-1.0),
            "s0:width": Parameter(2.0),
            "s1:width": Parameter(math.nan, vary=False, expr=(1.0, "s0:width")),
        }
    )
    lo, hi = ps.bounds()
    np.testing.assert_allclose(lo, [math.log(0.1), -1.0, -math.inf])
    np.testing.assert_allclose(hi, [math.log(10.0), math.inf, math.inf])
    assert ps.values()["s1:width"] == 2.0
    assert ps.params["s1:width"].to_dict()["expr"] == "1.0 * s0:width"
