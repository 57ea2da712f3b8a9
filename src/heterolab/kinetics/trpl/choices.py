"""The fixed choices of the TRPL analyses, declared once (light: the CLI imports them for
``--help`` without loading numpy or scipy).

The Python API accepts a member or its string value in any case
(:func:`heterolab.choices.as_choice`); the
command line uses the same enums with ``case_sensitive=False``.
"""

from __future__ import annotations

import enum

__all__ = ["BatchEstimator", "DecayModel", "Estimator", "LifetimeAverage"]


class Estimator(enum.StrEnum):
    """Fit statistic of a single-decay fit: Poisson maximum likelihood (``mle``),
    Neyman-weighted least squares with weights 1/max(y, 1) (``lsq``) or unweighted least
    squares (``ols``, as software that fits that way)."""

    MLE = "mle"
    LSQ = "lsq"
    OLS = "ols"


class BatchEstimator(enum.StrEnum):
    """Fit statistic of a batch/FLIM fit: ``mle`` or ``lsq`` (as :class:`Estimator`)."""

    MLE = "mle"
    LSQ = "lsq"


class DecayModel(enum.StrEnum):
    """Decay model: a sum of exponentials (``exp``) or a stretched (Kohlrausch) exponential
    (``stretched``)."""

    EXP = "exp"
    STRETCHED = "stretched"


class LifetimeAverage(enum.StrEnum):
    """Which average lifetime of the decay fits feeds the transfer (CLI ``--average``)."""

    INTENSITY = "intensity"
    AMPLITUDE = "amplitude"
