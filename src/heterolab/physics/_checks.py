"""Argument checks shared by the physics models: one message for one kind of bad value.

Every model validates before computing and names the offending argument and value
(STYLE.md, "validate everything before computing").
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from heterolab.errors import ParameterError

__all__ = [
    "fraction_array",
    "positive_array",
    "require_positive",
    "scalar_or_array",
]


def require_positive(**values: ArrayLike) -> None:
    """Raise one ParameterError naming every argument that is not finite and > 0.

    Scalars and arrays are accepted (an array must be positive everywhere).
    """
    bad = [
        f"{k} = {v!r}"
        for k, v in values.items()
        if not (np.all(np.isfinite(v)) and np.all(np.asarray(v) > 0))
    ]
    if bad:
        raise ParameterError(f"must be positive and finite: {', '.join(bad)}")


def positive_array(name: str, value: ArrayLike) -> np.ndarray:
    """``value`` as a float array, raising ParameterError unless finite and > 0 everywhere."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ParameterError(f"{name} must be positive and finite, got {value!r}")
    return arr


def fraction_array(name: str, value: ArrayLike) -> np.ndarray:
    """``value`` as a float array, raising ParameterError unless every entry is in [0, 1]."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        raise ParameterError(f"{name} must be a fraction between 0 and 1, got {value!r}")
    return arr


def scalar_or_array(x: ArrayLike) -> np.ndarray | float:
    """A Python float for a 0-d result, the array otherwise (the models' return convention)."""
    return float(x) if np.ndim(x) == 0 else np.asarray(x)  # type: ignore[arg-type]
