"""Fixed choices of heterolab's analyses: the one parser of an enum-valued argument.

Every option with a fixed set of values is an :class:`enum.StrEnum` declared once, where
its analysis lives (or in its package's light ``choices`` module where the command line
needs it without loading numpy). The Python API accepts a member or its string value in any
case; the command line uses the same enum with ``case_sensitive=False``, so ``--help``
lists the values. This module imports nothing heavier than :mod:`enum`.
"""

from __future__ import annotations

import enum
from typing import TypeVar

from heterolab.errors import ParameterError

__all__ = ["as_choice"]

E = TypeVar("E", bound=enum.StrEnum)


def as_choice(enum_cls: type[E], value: object, what: str) -> E:
    """``value`` (a member of ``enum_cls`` or its string value, any case) as the member.

    Parameters
    ----------
    enum_cls
        The enum of valid values.
    value
        A member, or a string matched case-insensitively after stripping blanks.
    what
        What is being chosen, for the message ("estimator", "background").

    Raises
    ------
    ParameterError
        Naming ``what``, the value given and the valid values.

    Examples
    --------
    >>> import enum
    >>> class Shape(enum.StrEnum):
    ...     GAUSSIAN = "gaussian"
    ...     LORENTZIAN = "lorentzian"
    >>> as_choice(Shape, " Gaussian", "shape")
    <Shape.GAUSSIAN: 'gaussian'>
    """
    if isinstance(value, enum_cls):
        return value
    text = str(value).strip().lower()
    for member in enum_cls:
        if member.value.lower() == text:
            return member
    valid = ", ".join(m.value for m in enum_cls)
    raise ParameterError(f"{what} must be one of {valid}; got {value!r}")
