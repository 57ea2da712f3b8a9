"""Indexing and lattice-parameter refinement from peak positions, with zero shift and sample
displacement.

The observed Kα1 position of reflection hkl is modelled as

.. math::

    2\\theta_{obs} = 2\\arcsin\\frac{\\lambda}{2 d_{hkl}} + Z + D\\cos\\theta,
    \\qquad D = -\\frac{2 s}{R}\\,\\frac{180}{\\pi}

(Bragg's law, thesis Eq. 2-1; zero shift Z; specimen displacement s on a goniometer of radius R,
Klug & Alexander, *X-ray Diffraction Procedures*, 2nd ed. (1974), §5.2). d_hkl comes from the
reciprocal metric of :mod:`heterolab.physics.structure`. Weighted least squares with the
positions' standard errors; parameter errors from the covariance scaled by the reduced χ².

Indexing works outwards from low angles, where a start cell that is off by a fraction δ moves
the peaks least (Δ2θ ≈ 2δ tan θ): match, refine, extend, until every peak is tried. A start
0.5 % off therefore converges to the same cell as the true start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.materials import LatticeParameters
from heterolab.physics.structure import reciprocal_metric, reflections
from heterolab.result import Quantity, Result
from heterolab.structure.xrd.choices import CrystalSystem

__all__ = ["DEGENERATE_CORRELATION", "SYSTEMS", "CrystalSystem", "peak_positions", "refine_lattice"]

#: |correlation| of zero shift and displacement above which both cannot be refined together.
DEGENERATE_CORRELATION = 0.98


#: Crystal systems and their free cell lengths.
SYSTEMS: dict[str, tuple[str, ...]] = {
    "cubic": ("a",),
    "tetragonal": ("a", "c"),
    "hexagonal": ("a", "c"),
    "orthorhombic": ("a", "b", "c"),
}


def peak_positions(peaks: Result | Sequence[float], errors: Sequence[float] | None = None):
    """(2θ, σ) arrays from a :func:`fit_peaks` Result or plain positions (deg).

    Plain positions without errors get σ = 0.005° (the rounding of a two-decimal peak list,
    0.01/√12 ≈ 0.003°, rounded up).
    """
    if isinstance(peaks, Result):
        table = peaks.statistics.get("table")
        if not table:
            raise ParameterError(f"result of kind {peaks.kind!r} has no peak table")
        tt = np.array([r["two_theta"] for r in table], dtype=float)
        err = np.array([r["two_theta_err"] for r in table], dtype=float)
    else:
        tt = np.asarray(peaks, dtype=float)
        err = np.full(tt.shape, 0.005) if errors is None else np.asarray(errors, dtype=float)
    if tt.ndim != 1 or tt.shape != err.shape:
        raise ParameterError("positions and errors must be 1-D sequences of equal length")
    err = np.where(np.isfinite(err) & (err > 0), err, np.nanmax(np.r_[err[err > 0], 1e-3]))
    return tt, err


def _cell(system: str, lengths: np.ndarray, space_group: str) -> LatticeParameters:
    if system == "cubic":
        a = b = c = lengths[0]
    elif system in ("tetragonal", "hexagonal"):
        a = b = lengths[0]
        c = lengths[1]
    else:
        a, b, c = lengths
    gamma = 120.0 if system == "hexagonal" else 90.0
    return LatticeParameters(
        float(a), float(b), float(c), 90.0, 90.0, gamma, space_group, "refinement"
    )


def _two_theta(
    hkl: np.ndarray, system: str, lengths: np.ndarray, lam: float, space_group: str
) -> np.ndarray:
    g = reciprocal_metric(_cell(system, lengths, space_group))
    q2 = np.einsum("ij,jk,ik->i", hkl, g, hkl)
    s = lam * np.sqrt(q2) / 2.0
    return np.degrees(2.0 * np.arcsin(np.clip(s, -1.0, 1.0)))


def _candidates(
    system: str, lengths: np.ndarray, lam: float, space_group: str, tt_max: float
) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    cell = _cell(system, lengths, space_group)
    d_min = lam / (2 * math.sin(math.radians(min(tt_max, 179.0) / 2)))
    max_index = min(int(max(cell.a, cell.b, cell.c) / d_min) + 1, 14)
    refl = reflections(
        cell,
        wavelength_angstrom=lam,
        two_theta_max_deg=min(tt_max, 179.0),
        max_index=max_index,
    )
    return np.array([r.two_theta for r in refl]), [r.hkl for r in refl]


def _assign(obs: np.ndarray, calc: np.ndarray, tol: float) -> list[tuple[int, int]]:
    """(observed index, candidate index) pairs: nearest candidate within ``tol``, one-to-one."""
    pairs: dict[int, tuple[int, float]] = {}
    for i, t in enumerate(obs):
        if calc.size == 0:
            break
        j = int(np.argmin(np.abs(calc - t)))
        dist = abs(calc[j] - t)
        if dist <= tol and (j not in pairs or dist < pairs[j][1]):
            pairs[j] = (i, dist)
    return sorted((i, j) for j, (i, _d) in pairs.items())


def refine_lattice(
    peaks: Result | Sequence[float],
    *,
    a: float,
    b: float | None = None,
    c: float | None = None,
    system: CrystalSystem | str = "cubic",
    space_group: str = "P",
    wavelength_angstrom: float | None = None,
    errors: Sequence[float] | None = None,
    hkl: Sequence[Sequence[int]] | None = None,
    zero_shift: bool = False,
    displacement: bool = True,
    goniometer_radius_mm: float | None = None,
    tolerance_deg: float = 0.3,
) -> Result:
    """Refine cell lengths (and zero shift / sample displacement) from peak positions.

    Parameters
    ----------
    peaks
        A :func:`fit_peaks` Result, or Kα1 peak positions (deg) with ``errors``.
    a, b, c
        Start cell lengths (Å); ``b``/``c`` default to ``a`` where the system needs them.
    system
        ``"cubic"``, ``"tetragonal"``, ``"hexagonal"`` or ``"orthorhombic"``.
    space_group
        Symbol or centring letter for the extinctions (``"Pm-3m"``, ``"Fm-3m"``, ``"I"``...).
    wavelength_angstrom
        Kα1 wavelength; default: the peaks Result's, else required.
    hkl
        Indices of the peaks in order (skips automatic indexing).
    zero_shift, displacement
        Refine Z (deg) and the displacement coefficient D (deg) of the model above. Z and D are
        nearly degenerate (constant vs cos θ) and both absorb profile asymmetry: on the shared
        LaB6 pattern (4.6–150°) D alone gives a = 4.15685 Å, Z alone 4.15691 Å, both together
        4.15721 ± 0.00009 Å (certified 4.15692 Å). Default: D only (Z calibrated on the
        instrument). When both are asked for and their correlation exceeds
        :data:`DEGENERATE_CORRELATION`, Z is fixed at 0 and the result says so (warning,
        statistic ``correlation_zero_shift_displacement``).
    goniometer_radius_mm
        R; with it the displacement is also reported as s (µm).
    tolerance_deg
        Largest |obs − calc| for a peak to be indexed.

    Returns
    -------
    Result
        kind ``"xrd.lattice"``: parameters ``a`` [``b``, ``c``] (Å), ``zero_shift`` (deg),
        ``displacement`` (deg); derived ``displacement_um``, ``volume`` (Å³); statistics
        ``chi2_red``, ``n_indexed``, ``table`` (hkl, obs, calc, residual) and ``unindexed``.
        Suspect when χ²_red > 10 (the cell and corrections do not explain the positions),
        when fewer peaks than free parameters + 1 are indexed, or when a length did not move.
    """
    system = as_choice(CrystalSystem, system, "system").value
    tt, err = peak_positions(peaks, errors)
    lam = wavelength_angstrom
    if lam is None and isinstance(peaks, Result):
        lam = peaks.statistics.get("wavelength_angstrom")
    if lam is None or not lam > 0:
        raise ParameterError("the wavelength is unknown: pass wavelength_angstrom=")
    names = SYSTEMS[system]
    start = {"a": a, "b": b if b is not None else a, "c": c if c is not None else a}
    lengths0 = np.array([start[n] for n in names], dtype=float)
    if np.any(lengths0 <= 0):
        raise ParameterError(
            f"cell lengths must be positive, got {dict(zip(names, lengths0, strict=False))}"
        )
    n_corr = int(zero_shift) + int(displacement)
    order = np.argsort(tt)
    tt, err = tt[order], err[order]
    theta_half = np.radians(tt / 2)

    def fit(idx: np.ndarray, hkls: np.ndarray, p0: np.ndarray, use_corr: bool):
        def resid(p: np.ndarray) -> np.ndarray:
            calc = _two_theta(hkls, system, p[: len(names)], lam, space_group)
            k = len(names)
            if use_corr and zero_shift:
                calc = calc + p[k]
                k += 1
            if use_corr and displacement:
                calc = calc + p[k] * np.cos(theta_half[idx])
            return (tt[idx] - calc) / err[idx]

        # MINPACK's lm needs as many residuals as parameters; an early indexing stage of a
        # low-symmetry cell may match fewer peaks than it has lengths
        method = "lm" if idx.size >= p0.size else "trf"
        return least_squares(resid, p0, x_scale="jac", method=method, xtol=1e-14, ftol=1e-14)

    if hkl is not None:
        hkl_arr = np.asarray(hkl, dtype=int)[order]
        if hkl_arr.shape != (tt.size, 3):
            raise ParameterError(
                f"hkl must be one triple per peak ({tt.size}), got {hkl_arr.shape}"
            )
        idx = np.arange(tt.size)
    else:
        idx, hkl_arr = _index(
            tt, err, system, lengths0, lam, space_group, tolerance_deg, fit, n_corr
        )
        if idx.size == 0:
            result = Result(kind="xrd.lattice", statistics={"n_indexed": 0})
            result.mark_failed(
                f"no peak within {tolerance_deg}° of a reflection of the start cell "
                f"{dict(zip(names, lengths0, strict=False))} Å"
            )
            return result
    use_corr = idx.size >= len(names) + n_corr + 1
    p0 = np.r_[lengths0, np.zeros(n_corr if use_corr else 0)]
    sol = fit(idx, hkl_arr, p0, use_corr)
    r_zd = _zero_displacement_correlation(sol, len(names)) if use_corr and n_corr == 2 else None
    degenerate = r_zd is not None and abs(r_zd) > DEGENERATE_CORRELATION
    if degenerate:
        zero_shift = False
        p0 = np.r_[lengths0, 0.0]
        sol = fit(idx, hkl_arr, p0, use_corr)
    result = _lattice_result(
        sol,
        idx,
        hkl_arr,
        tt,
        err,
        names,
        system,
        space_group,
        lam,
        lengths0,
        use_corr,
        zero_shift,
        displacement,
        goniometer_radius_mm,
        theta_half,
    )
    if r_zd is not None:
        result.statistics["correlation_zero_shift_displacement"] = r_zd
    if degenerate:
        result.warnings.append(
            f"zero shift and displacement are degenerate on these peaks (correlation "
            f"{r_zd:+.3f}: constant vs cos θ over {tt[idx].min():.1f}–{tt[idx].max():.1f}°); "
            "the zero shift was fixed at 0 and only the displacement refined — calibrate the "
            "zero on a standard and pass the corrected positions, or refine the zero shift "
            "alone (displacement=False)"
        )
    if isinstance(peaks, Result) and peaks.status != "ok":
        result.mark_suspect(f"the peak fit is {peaks.status}: {peaks.message}")
    profile_used = peaks.statistics.get("profile") if isinstance(peaks, Result) else None
    chi2_red = result.statistics.get("chi2_red", math.nan)
    if profile_used in ("pseudo_voigt", "pearson7", "voigt") and chi2_red > 10:
        result.warnings.append(
            f"the peaks were fitted with a symmetric {profile_used}: asymmetric lines (axial "
            "divergence) shift its centres by up to a few 0.001°; fit them with "
            "profile_name='split_pseudo_voigt' (CLI --profile split_pseudo_voigt)"
        )
    return result


def _zero_displacement_correlation(sol: Any, n_lengths: int) -> float | None:
    """Correlation coefficient of Z and D from the fit's (JᵀJ)⁻¹ (None when singular)."""
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac)
    except np.linalg.LinAlgError:
        return None
    i, j = n_lengths, n_lengths + 1
    den = math.sqrt(cov[i, i] * cov[j, j])
    return float(cov[i, j] / den) if den > 0 else None


def _index(tt, err, system, lengths0, lam, space_group, tol, fit, n_corr):
    """Progressive indexing from low angle (see module doc)."""
    lengths = lengths0.copy()
    n_len = lengths.size
    idx = np.array([], dtype=int)
    hkls = np.zeros((0, 3), dtype=int)
    corr = np.zeros(0)
    stages = sorted({min(tt.size, n) for n in (3, 5, 8, 12, 20, tt.size)})
    for n_use in [*stages, tt.size, tt.size]:
        calc_tt, calc_hkl = _candidates(system, lengths, lam, space_group, float(tt.max()) + 2)
        shift = 0.0
        if corr.size:
            shift = (
                corr[0] if corr.size == 1 else corr[0] + corr[1] * np.cos(np.radians(calc_tt / 2))
            )
        pairs = _assign(tt[:n_use], calc_tt + shift, tol)
        if not pairs:
            continue
        idx = np.array([i for i, _j in pairs])
        hkls = np.array([calc_hkl[j] for _i, j in pairs], dtype=int)
        use_corr = idx.size >= n_len + n_corr + 2
        p0 = np.r_[
            lengths,
            corr if (use_corr and corr.size == n_corr) else np.zeros(n_corr if use_corr else 0),
        ]
        sol = fit(idx, hkls, p0, use_corr)
        lengths = sol.x[:n_len]
        corr = sol.x[n_len:] if use_corr else np.zeros(0)
    return idx, hkls


def _lattice_result(
    sol,
    idx,
    hkl_arr,
    tt,
    err,
    names,
    system,
    space_group,
    lam,
    lengths0,
    use_corr,
    zero_shift,
    displacement,
    radius_mm,
    theta_half,
) -> Result:
    n = idx.size
    npar = sol.x.size
    dof = n - npar
    chi2 = float(np.sum(sol.fun**2))
    chi2_red = chi2 / dof if dof > 0 else math.nan
    scale = chi2_red if dof > 0 else 1.0
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac) * max(scale, 1e-300)
        perr = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        perr = np.full(npar, np.nan)
    if dof <= 0:
        perr = np.full(npar, np.nan)
    params: dict[str, Quantity] = {}
    for k, name in enumerate(names):
        params[name] = Quantity(float(sol.x[k]), float(perr[k]), "angstrom")
    k = len(names)
    disp = None
    if use_corr and zero_shift:
        params["zero_shift"] = Quantity(float(sol.x[k]), float(perr[k]), "deg")
        k += 1
    if use_corr and displacement:
        params["displacement"] = Quantity(float(sol.x[k]), float(perr[k]), "deg")
        disp = (sol.x[k], perr[k])
    cell = _cell(system, sol.x[: len(names)], space_group)
    derived: dict[str, Quantity] = {}
    g = np.linalg.inv(reciprocal_metric(cell))
    vol = math.sqrt(np.linalg.det(g))
    # V ∝ Π lengths^power (a² c tetragonal/hexagonal, a³ cubic): relative errors add in quadrature
    power = {"cubic": [3], "tetragonal": [2, 1], "hexagonal": [2, 1]}.get(system, [1, 1, 1])
    rel = float(
        np.sqrt(np.sum((np.asarray(power) * perr[: len(names)] / sol.x[: len(names)]) ** 2))
    )
    derived["volume"] = Quantity(vol, vol * rel, "angstrom^3")
    if disp is not None and radius_mm:
        s_um = -math.radians(disp[0]) * radius_mm / 2 * 1000.0
        derived["displacement_um"] = Quantity(
            s_um, abs(math.radians(disp[1]) * radius_mm / 2 * 1000), "um"
        )
    calc = tt[idx] - sol.fun * err[idx]
    table = [
        {
            "hkl": "".join(str(int(v)) for v in h)
            if np.all(np.abs(h) < 10)
            else " ".join(map(str, h)),
            "two_theta_obs": float(tt[i]),
            "two_theta_err": float(err[i]),
            "two_theta_calc": float(cl),
            "residual_deg": float(tt[i] - cl),
            "d_obs": float(lam / (2 * math.sin(theta_half[i]))),
        }
        for i, h, cl in zip(idx, hkl_arr, calc, strict=True)
    ]
    unindexed = [float(t) for i, t in enumerate(tt) if i not in set(idx.tolist())]
    result = Result(
        kind="xrd.lattice",
        parameters=params,
        derived=derived,
        statistics={
            "chi2_red": chi2_red,
            "dof": dof,
            "n_indexed": n,
            "system": system,
            "space_group": space_group,
            "wavelength_angstrom": lam,
            "table": table,
            "unindexed": unindexed,
        },
    )
    if dof < 1:
        result.mark_suspect(
            f"{n} indexed peaks for {npar} parameters: no degrees of freedom, errors unknown"
        )
    elif chi2_red > 10:
        result.mark_suspect(
            f"chi2_red = {chi2_red:.3g}: one {system} cell"
            + (" with zero shift/displacement" if use_corr else "")
            + " does not explain the peak positions within their errors"
        )
    if np.any(np.abs(sol.x[: len(names)] - lengths0) < 1e-12):
        result.mark_suspect("a cell length did not move from its start value")
    if unindexed:
        result.warnings.append(f"{len(unindexed)} peaks not indexed: {unindexed}")
    return result
