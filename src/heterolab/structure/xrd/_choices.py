"""Parsing of the enum choices of the diffraction analyses (one helper for xrd and giwaxs)."""

from __future__ import annotations

import enum
from typing import TypeVar

from heterolab.errors import ParameterError

E = TypeVar("E", bound=enum.StrEnum)


def choice(enum_cls: type[E], value: object, what: str) -> E:
    """``value`` (a member or its string, any case) as a member of ``enum_cls``.

    Raises
    ------
    ParameterError
        Naming ``what``, the bad value and the valid values.
    """
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(str(value).lower())
    except ValueError:
        valid = ", ".join(m.value for m in enum_cls)
        raise ParameterError(f"unknown {what} {value!r}; use one of {valid}") from None
