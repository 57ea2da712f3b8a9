"""Exceptions raised by heterolab.

Every error names what was wrong, where (file and line or offset for input files), and what
was expected, so that a user can fix the input without reading a traceback from numpy.
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "FormatError",
    "HeterolabError",
    "ModelError",
    "ParameterError",
    "UnitError",
]


class HeterolabError(Exception):
    """Base class of every error heterolab raises on purpose."""


class FormatError(HeterolabError, ValueError):
    """An input file cannot be read as the format it claims to be.

    Parameters
    ----------
    path
        The file that was being read.
    problem
        What is wrong, in words a user understands ("non-numeric cell 'abc' in column 2").
    line
        1-based line number for text files, if known.
    offset
        Byte offset for binary files, if known.
    """

    def __init__(
        self,
        path: str | PathLike[str],
        problem: str,
        *,
        line: int | None = None,
        offset: int | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.offset = offset
        where = self.path
        if line is not None:
            where += f", line {line}"
        if offset is not None:
            where += f", byte offset {offset}"
        super().__init__(f"{where}: {problem}")


class ParameterError(HeterolabError, ValueError):
    """A function argument or model setting is invalid (names the value and the valid choices)."""


class UnitError(HeterolabError, ValueError):
    """A unit is unknown or incompatible with the quantity it is attached to."""


class ModelError(HeterolabError, ValueError):
    """A model specification (e.g. a kinetic scheme file) is inconsistent; lists every problem."""

    def __init__(self, problems: list[str] | str, *, source: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        head = f"{source}: " if source else ""
        if len(self.problems) == 1:
            msg = head + self.problems[0]
        else:
            msg = (
                head
                + f"{len(self.problems)} problems:\n"
                + "\n".join(f"  - {p}" for p in self.problems)
            )
        super().__init__(msg)


class OutputError(HeterolabError, OSError):
    """An output (figure, table, folder) cannot be written; the message names the path."""
