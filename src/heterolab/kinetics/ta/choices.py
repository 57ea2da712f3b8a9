"""The fixed choices of the transient-absorption analyses, declared once, light (see :mod:`heterolab.choices`)."""

from __future__ import annotations

import enum

__all__ = ["LIFETIME_PRECISION", "ChirpMethod", "CoherentArtifact", "GlobalModel"]


class CoherentArtifact(enum.StrEnum):
    """Coherent-artefact terms of a fit: ``auto`` (chosen by BIC) or 0-3 IRF-shaped terms."""

    AUTO = "auto"
    NONE = "0"
    GAUSSIAN = "1"  # the IRF Gaussian
    FIRST = "2"  # + its first derivative
    SECOND = "3"  # + its second derivative


class GlobalModel(enum.StrEnum):
    """Kinetic model of a global analysis."""

    PARALLEL = "parallel"  # independent decays: decay-associated spectra (DAS)
    SEQUENTIAL = "sequential"  # A -> B -> C ...: evolution-associated spectra (EAS)


class ChirpMethod(enum.StrEnum):
    """How the onset (time zero) is found at each wavelength."""

    SLOPE = "slope"  # delay of the steepest rise of |ΔOD|
    LEVEL = "level"  # first delay where |ΔOD| reaches a fraction of its maximum


#: Default relative half-width of the 95 % interval (2 standard errors) that every free rate
#: must reach for an "ok" fit; a rate known less precisely marks the fit suspect (the
#: command line shows it as the default of ``--precision``). 0.05: "ok" means every lifetime
#: is known to ±5 % at 95 % confidence — the bar of issue #11 on 50 held-out random matrices
#: (benchmarks/bench_ta_random.py: at 0.2, 8 of 50 "ok" fits missed the truth by > 5 %,
#: within their error bars; at 0.05, none). A looser bar is one option away.
LIFETIME_PRECISION = 0.05
