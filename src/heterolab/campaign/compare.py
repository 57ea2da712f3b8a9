"""Comparison of computed quantities with published reference values.

A computed value agrees with a published one ("ok") only when their difference is within
three combined standard uncertainties, u_c = sqrt(σ² + u_pub²), where σ is the computed
standard error and u_pub the standard uncertainty of the published number: its rounding
(half a unit in the last printed digit, spread uniformly, u = h/√3; GUM, JCGM 100:2008
§4.3.7, :func:`heterolab.uncertainty.rounding_stderr`) or, for ``[value, half_width]``, the
stated half-width spread the same way. Otherwise the verdict is "differs", in the summary, the
CSV, the JSON and the report.
"""

from __future__ import annotations

import math
from typing import Any

from heterolab.result import Result
from heterolab.uncertainty import rounding_stderr

__all__ = ["K_AGREE", "compare_with_reference", "reference_value"]

#: Coverage factor: |difference| <= K_AGREE * u_c is agreement.
K_AGREE = 3.0


def reference_value(ref: Any) -> tuple[float, float]:
    """``(published value, its standard uncertainty)`` from ``v`` or ``[v, half_width]``."""
    if isinstance(ref, list):
        return float(ref[0]), float(ref[1]) / math.sqrt(3.0)
    return float(ref), rounding_stderr(float(ref))


def compare_with_reference(reference: dict[str, Any], result: Result) -> dict[str, dict[str, Any]]:
    """Compare ``result``'s quantities with ``reference``; store the comparison in
    ``result.statistics["reference_comparison"]`` and warn about every disagreement."""
    comparison: dict[str, dict[str, Any]] = {}
    for name, ref in reference.items():
        try:
            q = result[name]
        except KeyError:
            result.warnings.append(
                f"reference value for {name!r} given, but the result has no such quantity"
            )
            continue
        published, u_pub = reference_value(ref)
        sigma = q.stderr if q.stderr is not None and math.isfinite(q.stderr) else 0.0
        u_c = math.hypot(sigma, u_pub)
        diff = q.value - published
        z = diff / u_c if u_c > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
        verdict = "ok" if math.isfinite(q.value) and abs(z) <= K_AGREE else "differs"
        comparison[name] = {
            "computed": q.value,
            "stderr": q.stderr,
            "published": published,
            "published_uncertainty": u_pub,
            "difference": diff,
            "deviation_sigma": z,
            "verdict": verdict,
        }
        if verdict == "differs":
            result.warnings.append(
                f"{name} = {q} differs from the published {published:g} {q.unit} "
                f"(difference {diff:+.3g}, {z:+.1f} combined standard uncertainties; agreement "
                f"needs |z| <= {K_AGREE:g})"
            )
    if comparison:
        result.statistics["reference_comparison"] = comparison
    return comparison
