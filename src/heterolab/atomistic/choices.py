"""The fixed choices of the atomistic workflows, declared once, light (see :mod:`heterolab.choices`)."""

from __future__ import annotations

import enum

__all__ = ["CalcKind", "DosGrouping", "ModelName", "Optimizer"]


class DosGrouping(enum.StrEnum):
    """How projected DOS is grouped: by ``element``, ``orbital`` (s, p, d, f),
    ``element_orbital`` (``"Pb:s"``) or ``site`` (``"Pb3"``)."""

    ELEMENT = "element"
    ORBITAL = "orbital"
    ELEMENT_ORBITAL = "element_orbital"
    SITE = "site"


class ModelName(enum.StrEnum):
    """Bundled potentials: ``7net-0`` (SevenNet-0, default) and ``chgnet`` (CHGNet 0.3.0)."""

    SEVENNET_0 = "7net-0"
    CHGNET = "chgnet"


class Optimizer(enum.StrEnum):
    """ASE optimisers for :func:`relax` (cell fixed): ``fire`` (Bitzek et al., Phys. Rev.
    Lett. 97, 170201 (2006)), ``bfgs``, ``lbfgs``, ``precon-lbfgs`` (L-BFGS with the
    exponential preconditioner of Packwood et al., J. Chem. Phys. 144, 164109 (2016))."""

    FIRE = "fire"
    BFGS = "bfgs"
    LBFGS = "lbfgs"
    PRECON_LBFGS = "precon-lbfgs"


class CalcKind(enum.StrEnum):
    """VASP run: ``relax`` (positions, cell fixed) or ``static`` (CHGCAR, LOCPOT, DOS)."""

    RELAX = "relax"
    STATIC = "static"
