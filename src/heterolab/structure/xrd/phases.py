"""Stick patterns from CIFs, phase identification, and RIR phase fractions.

- Stick patterns: pymatgen's ``XRDCalculator`` (kinematic intensities with atomic scattering
  factors and Lorentz–polarisation; Ong et al., Comput. Mater. Sci. 68, 314 (2013)); optional
  extra ``structure``.
- Identification: every observed peak is matched to the nearest stick of each candidate phase
  within a tolerance; a phase is present when its strong sticks are observed. Unmatched peaks
  are compared with impurity candidates (metallic Pb, PbBr2 line of the thesis, and any CIF or
  line list given).
- Fractions: reference-intensity-ratio (RIR) method, Chung, J. Appl. Cryst. 7, 519 (1974)
  ("adiabatic principle"): w_i = (I_i / RIR_i) / Σ_j (I_j / RIR_j) with I the integrated
  intensity of each phase's chosen reflection divided by its relative intensity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from heterolab.errors import FormatError, ParameterError
from heterolab.result import Quantity, Result

__all__ = [
    "IMPURITY_LINES",
    "RIR_ASSUMPTIONS",
    "identify_phases",
    "rir_fractions",
    "stick_pattern",
]

#: Characteristic Cu Kα1 lines (deg 2θ) of impurity phases the thesis checks (§3.3.1, §4.3.1).
#: Pb: Fm-3m, a = 4.9502 Å (111), (200), (220) from Bragg's law (spec V9: Pb(111) 31.27°);
#: PbBr2: the thesis's 18.4° line. Cs4PbBr6 and CsPb2Br5 need CIFs (none with a clear licence
#: in shared/data/cif): pass them in ``candidates``.
IMPURITY_LINES: dict[str, list[float]] = {
    "Pb (metal)": [31.27, 36.26, 52.23],
    "PbBr2": [18.4],
}

RIR_ASSUMPTIONS = (
    "RIR (Chung 1974) assumes: every crystalline phase in the sample is identified and the "
    "fractions sum to 1 (no amorphous content); random orientation (no texture); no "
    "microabsorption contrast between phases; the RIR values (I/I_corundum) apply to this "
    "radiation and the same intensity measure (integrated areas) is used for all phases."
)


def stick_pattern(
    structure: str | PathLike[str] | Any,
    *,
    wavelength_angstrom: float = 1.5405929,
    two_theta_range: tuple[float, float] = (5.0, 90.0),
    min_intensity: float = 0.5,
) -> list[dict[str, Any]]:
    """Reflections of a crystal structure: 2θ (deg), d (Å), hkl, multiplicity, intensity (max 100).

    Parameters
    ----------
    structure
        A CIF path or a pymatgen ``Structure``.
    """
    try:
        from pymatgen.analysis.diffraction.xrd import XRDCalculator
        from pymatgen.core import Structure
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ParameterError(
            "stick patterns need pymatgen: pip install 'heterolab[structure]'"
        ) from exc
    if isinstance(structure, (str, PathLike)):
        p = Path(structure)
        if not p.is_file():
            raise FormatError(p, "CIF file does not exist")
        try:
            struct = Structure.from_file(str(p))
        except Exception as exc:  # pymatgen raises many types for bad CIFs
            raise FormatError(p, f"not a readable CIF ({exc})") from None
    else:
        struct = structure
    calc = XRDCalculator(wavelength=float(wavelength_angstrom))
    pat = calc.get_pattern(struct, scaled=True, two_theta_range=two_theta_range)
    out = []
    for tt, inten, hkls, d in zip(pat.x, pat.y, pat.hkls, pat.d_hkls, strict=True):
        if inten < min_intensity:
            continue
        fam = hkls[0]["hkl"]
        out.append(
            {
                "two_theta": float(tt),
                "d": float(d),
                "hkl": "".join(str(abs(int(i))) for i in fam[-3:]) if len(fam) >= 3 else str(fam),
                "multiplicity": int(sum(h["multiplicity"] for h in hkls)),
                "intensity": float(inten),
            }
        )
    return out


def _sticks(phase: Any, lam: float, rng: tuple[float, float]) -> list[dict[str, Any]]:
    if isinstance(phase, (str, PathLike)):
        return stick_pattern(phase, wavelength_angstrom=lam, two_theta_range=rng)
    if isinstance(phase, Sequence) and phase and isinstance(phase[0], Mapping):
        return [dict(s) for s in phase]
    if isinstance(phase, Sequence):
        return [{"two_theta": float(t), "hkl": "", "intensity": 100.0} for t in phase]
    return stick_pattern(phase, wavelength_angstrom=lam, two_theta_range=rng)


def identify_phases(
    peaks: Result | Sequence[float],
    phases: Mapping[str, Any],
    *,
    intensities: Sequence[float] | None = None,
    wavelength_angstrom: float | None = None,
    tolerance_deg: float = 0.15,
    strong: float = 20.0,
    candidates: Mapping[str, Any] | None = None,
) -> Result:
    """Match observed peaks to the stick patterns of candidate phases.

    Parameters
    ----------
    peaks
        A :func:`fit_peaks` Result or observed positions (deg).
    phases
        Name → CIF path, pymatgen Structure, stick list (dicts with ``two_theta``,
        ``intensity``, ``hkl``) or a list of positions.
    tolerance_deg
        Largest |obs − stick| for a match.
    strong
        Sticks at or above this relative intensity must be observed for a phase to count as
        present.
    candidates
        Impurity phases to test the unmatched peaks against (default :data:`IMPURITY_LINES`).

    Returns
    -------
    Result
        kind ``"xrd.phases"``: derived ``<phase>.score`` (fraction of strong sticks observed);
        statistics ``matched`` (table: peak, 2θ, phase, hkl, stick 2θ, Δ), ``unmatched`` peaks,
        ``present`` phases, ``impurity_candidates``. Suspect when peaks stay unmatched.
    """
    if isinstance(peaks, Result):
        table = peaks.statistics.get("table") or []
        obs = np.array([r["two_theta"] for r in table], dtype=float)
        obs_i = np.array([r.get("area", 1.0) for r in table], dtype=float)
        lam = wavelength_angstrom or peaks.statistics.get("wavelength_angstrom")
    else:
        obs = np.asarray(peaks, dtype=float)
        obs_i = np.ones_like(obs) if intensities is None else np.asarray(intensities, float)
        lam = wavelength_angstrom
    lam = float(lam or 1.5405929)
    if obs.size == 0:
        raise ParameterError("no observed peaks to identify")
    rng = (max(1.0, float(obs.min()) - 5), min(179.0, float(obs.max()) + 5))
    sticks = {name: _sticks(ph, lam, rng) for name, ph in phases.items()}
    matched: list[dict[str, Any]] = []
    used = np.zeros(obs.size, dtype=bool)
    result = Result(kind="xrd.phases")
    present = []
    for name, st in sticks.items():
        pos = np.array([s["two_theta"] for s in st])
        inside = (pos >= obs.min() - tolerance_deg) & (pos <= obs.max() + tolerance_deg)
        n_strong = n_strong_seen = 0
        for s, keep in zip(st, inside, strict=True):
            if not keep:
                continue
            d = np.abs(obs - s["two_theta"])
            j = int(np.argmin(d))
            seen = d[j] <= tolerance_deg
            if s["intensity"] >= strong:
                n_strong += 1
                n_strong_seen += int(seen)
            if seen:
                used[j] = True
                matched.append(
                    {
                        "two_theta": float(obs[j]),
                        "phase": name,
                        "hkl": s.get("hkl", ""),
                        "stick_two_theta": float(s["two_theta"]),
                        "delta": float(obs[j] - s["two_theta"]),
                        "stick_intensity": float(s["intensity"]),
                    }
                )
        score = n_strong_seen / n_strong if n_strong else math.nan
        result.derived[f"{name}.score"] = Quantity(score, None, "1")
        if n_strong and score >= 0.5:
            present.append(name)
    unmatched = [float(t) for t in obs[~used]]
    cand = candidates if candidates is not None else IMPURITY_LINES
    impurity = []
    for name, ph in cand.items():
        st = _sticks(ph, lam, rng)
        hits = [
            {"two_theta": t, "line": s["two_theta"]}
            for t in unmatched
            for s in st
            if abs(t - s["two_theta"]) <= tolerance_deg
        ]
        if hits:
            impurity.append({"phase": name, "lines": hits})
    result.statistics.update(
        {
            "present": present,
            "matched": sorted(matched, key=lambda r: r["two_theta"]),
            "unmatched": unmatched,
            "impurity_candidates": impurity,
            "tolerance_deg": tolerance_deg,
            "wavelength_angstrom": lam,
            "observed_intensity": [float(v) for v in obs_i],
        }
    )
    if unmatched:
        msg = f"{len(unmatched)} peaks match no phase: {[round(t, 3) for t in unmatched]}"
        if impurity:
            msg += "; impurity candidates: " + ", ".join(i["phase"] for i in impurity)
        result.mark_suspect(msg)
    if not present:
        result.mark_suspect("no phase has its strong reflections observed")
    seen = {n: {m["two_theta"] for m in matched if m["phase"] == n} for n in present}
    for n in present:
        others = set().union(*(seen[o] for o in present if o != n))
        if len(present) > 1 and seen[n] <= others:
            result.mark_suspect(
                f"{n}: every peak it matches is also matched by another present phase; "
                "its presence is not established"
            )
    return result


def rir_fractions(
    intensities: Mapping[str, float],
    rir: Mapping[str, float],
    *,
    errors: Mapping[str, float] | None = None,
    relative_intensity: Mapping[str, float] | None = None,
    rir_errors: Mapping[str, float] | None = None,
) -> Result:
    """Weight fractions by the RIR method (Chung 1974), errors propagated.

    Parameters
    ----------
    intensities
        Phase → integrated intensity of its chosen reflection.
    rir
        Phase → RIR (I/I_corundum, from a PDF card or measured).
    errors, rir_errors
        One-sigma errors of the intensities and RIRs (default 0).
    relative_intensity
        Phase → relative intensity (%) of the chosen reflection in the phase's pattern (100 for
        the strongest line, the default).

    Returns
    -------
    Result
        kind ``"xrd.rir"``: derived ``w_<phase>`` (1) with errors; the assumptions are in
        ``warnings`` (printed by ``summary``).
    """
    names = list(intensities)
    missing = [n for n in names if n not in rir]
    if missing or len(names) < 2:
        raise ParameterError(
            f"need intensities and RIRs of at least two phases; no RIR for {missing}"
            if missing
            else "need at least two phases"
        )
    rel = {n: (relative_intensity or {}).get(n, 100.0) / 100.0 for n in names}
    x = np.array([intensities[n] / rel[n] / rir[n] for n in names], dtype=float)
    if np.any(~(x > 0)):
        raise ParameterError("intensities and RIRs must be positive")
    ex = np.array(
        [
            x[i]
            * math.hypot(
                (errors or {}).get(n, 0.0) / intensities[n], (rir_errors or {}).get(n, 0.0) / rir[n]
            )
            for i, n in enumerate(names)
        ]
    )
    total = x.sum()
    w = x / total
    result = Result(kind="xrd.rir")
    for i, n in enumerate(names):
        # ∂w_i/∂x_j = (δ_ij − w_i)/Σx
        grad = (np.eye(len(names))[i] - w[i]) / total
        result.derived[f"w_{n}"] = Quantity(
            float(w[i]), float(np.sqrt(np.sum((grad * ex) ** 2))), "1"
        )
    result.statistics["method"] = "RIR, Chung (1974) adiabatic"
    result.warnings.append(RIR_ASSUMPTIONS)
    return result
