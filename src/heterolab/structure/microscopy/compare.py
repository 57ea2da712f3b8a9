"""A measured lattice spacing against a bulk cell: deviation and the implied lattice constant."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result

__all__ = ["compare_spacing"]


def compare_spacing(
    d_angstrom: float,
    hkl: Sequence[int],
    lattice: Any,
    *,
    d_err: float | None = None,
    tolerance: float = 0.02,
) -> Result:
    """Deviation d/d_hkl − 1 of a measured spacing from a cell, and the cell constant it
    implies under isotropic scaling, a' = a · d/d_hkl (``tem.spacing_vs_cell``).

    Parameters
    ----------
    d_angstrom, d_err
        Measured spacing and its standard error (Å).
    hkl
        The plane it is assigned to.
    lattice
        :class:`heterolab.materials.LatticeParameters` of the bulk phase.
    tolerance
        |deviation| above which the assignment is reported suspect (default 2 %).

    Notes
    -----
    Example: the thesis's HRTEM d(110) = 4.13 Å of CsPbBr3 against the cubic cell (a =
    5.874 Å, d = 4.154 Å) is −0.57 % and implies a = 5.841 Å (spec V9).
    """
    from heterolab.physics.structure import d_spacing_angstrom

    if not (math.isfinite(d_angstrom) and d_angstrom > 0):
        raise ParameterError(f"the spacing must be a positive number of Å, got {d_angstrom!r}")
    d_cell = d_spacing_angstrom(lattice, hkl)
    ratio = d_angstrom / d_cell
    err = None if d_err is None else d_err / d_cell
    res = Result(kind="tem.spacing_vs_cell")
    res.parameters["d"] = Quantity(float(d_angstrom), d_err, "Å")
    res.derived["d_cell"] = Quantity(d_cell, None, "Å")
    res.derived["deviation"] = Quantity(ratio - 1, err, "1")
    a = lattice.lengths_angstrom[0]
    res.derived["a_implied"] = Quantity(a * ratio, None if err is None else a * err, "Å")
    res.statistics.update(
        {
            "hkl": list(hkl),
            "cell_source": getattr(lattice, "source", ""),
            "space_group": getattr(lattice, "space_group", ""),
        }
    )
    if abs(ratio - 1) > tolerance:
        res.mark_suspect(
            f"d = {d_angstrom:.3f} Å is {100 * (ratio - 1):+.2f} % from d{tuple(hkl)} = {d_cell:.3f} Å "
            f"of the cell: check the assignment"
        )
    return res
