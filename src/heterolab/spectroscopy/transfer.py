"""Carrier-transfer efficiency from NIR PL and its collection factor (thesis §3.2, Table 3-1).

Model (spec P-29; after Ning et al., Nature 523, 324 (2015); Wang et al., Infrared Phys.
Technol. 98, 16 (2019)):

    PL_PbS = k (a_PbS + η a_perov) PLQY_PbS I_ex

with a_i the light absorbed by component i: the absorbance A_i itself (``absorbed="linear"``,
as in the thesis) or the absorptance share f_i = (A_i/A_tot)(1 − 10^(−A_tot))
(``absorbed="absorptance"``, spec P-21). k is the instrument collection factor that the thesis
leaves out; Table 3-1 implies one common k = 0.03359 (spec verification C2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.io.spectra import TRANSFER_TABLE_COLUMNS
from heterolab.io.spectra import read_transfer_table as read_transfer_table  # moved to io (#8)
from heterolab.result import Quantity, Result, make_provenance, mark_outside_unit_interval
from heterolab.spectroscopy.choices import Absorbed
from heterolab.uncertainty import propagate_independent

__all__ = [
    "TABLE_COLUMNS",
    "absorbed_fractions",
    "collection_factor",
    "collection_factor_from_reference",
    "transfer_efficiency",
    "transfer_table_analysis",
]


#: Columns of a transfer-efficiency table (CSV header or reference table 3-1).
TABLE_COLUMNS = TRANSFER_TABLE_COLUMNS


def absorbed_fractions(
    absorbance_pbs: float, absorbance_perov: float, absorbed: Absorbed | str = Absorbed.LINEAR
) -> tuple[float, float]:
    """Light absorbed by the PbS and perovskite components at the excitation wavelength.

    ``"linear"``: the absorbances themselves (thesis §3.2). ``"absorptance"``:
    f_i = (A_i/A_tot)(1 − 10^(−A_tot)) (spec P-21); at the thesis' A_tot = 0.16–0.29 the linear
    form overstates absorption by 16–27 % relative to ln(10)·f (verification V21).
    """
    absorbed = as_choice(Absorbed, absorbed, "absorbed")
    if absorbed == "linear":
        return absorbance_pbs, absorbance_perov
    if absorbed == "absorptance":
        tot = absorbance_pbs + absorbance_perov
        if tot <= 0:
            raise ParameterError("total absorbance must be > 0 for absorbed='absorptance'")
        f = 1.0 - 10.0 ** (-tot)
        return absorbance_pbs / tot * f, absorbance_perov / tot * f
    raise AssertionError(absorbed)  # as_choice admits only the two members


def _check_inputs(**values: float) -> None:
    bad = [f"{k}={v!r}" for k, v in values.items() if not math.isfinite(v) or v < 0]
    if bad:
        raise ParameterError(f"inputs must be finite and >= 0: {', '.join(bad)}")
    zero = [k for k in ("absorbance_perov", "plqy_pbs", "excitation", "k") if values.get(k) == 0]
    if zero:
        raise ParameterError(f"must be > 0: {', '.join(zero)}")


def _eta(
    pl: float, a_pbs: float, a_perov: float, q: float, iex: float, k: float, absorbed: Absorbed
) -> float:
    f_pbs, f_perov = absorbed_fractions(a_pbs, a_perov, absorbed)
    return (pl / (k * q * iex) - f_pbs) / f_perov


def _value_and_error(x: float | Quantity) -> tuple[float, float | None]:
    """A plain number is exact; a :class:`Quantity` brings its standard error (issue #8)."""
    if isinstance(x, Quantity):
        return float(x.value), (None if x.stderr is None else float(x.stderr))
    return float(x), None


def transfer_efficiency(
    pl_pbs: float | Quantity,
    absorbance_pbs: float | Quantity,
    absorbance_perov: float | Quantity,
    plqy_pbs: float | Quantity,
    excitation: float | Quantity,
    k: float | Quantity,
    *,
    absorbed: Absorbed | str = Absorbed.LINEAR,
    plqy_from_heterostructure: bool = False,
) -> Result:
    """η_trans = [PL_PbS/(k PLQY_PbS I_ex) − a_PbS]/a_perov (thesis §3.2, spec P-29).

    Every input is a number (exact) or a :class:`~heterolab.result.Quantity` whose standard
    error is propagated to η (first order, independent inputs). Units are the ones listed
    below; a Quantity's unit is not converted.

    Parameters
    ----------
    pl_pbs
        Integrated NIR PL of the PbS band [counts].
    absorbance_pbs, absorbance_perov
        Absorbances of each component at the excitation wavelength [OD].
    plqy_pbs
        PLQY of PbS (fraction). Should be the intrinsic PbS QY (below-perovskite-gap
        excitation).
    excitation
        Excitation intensity I_ex [counts].
    k
        Collection factor [counts per (OD · count)]; see :func:`collection_factor_from_reference`.
    absorbed
        ``"linear"`` (thesis) or ``"absorptance"``.
    plqy_from_heterostructure
        True when ``plqy_pbs`` is the PbS share of the heterostructure PLQY (P-28): a warning
        says that η is then circular.
    """
    absorbed = as_choice(Absorbed, absorbed, "absorbed")
    names = ["pl_pbs", "absorbance_pbs", "absorbance_perov", "plqy_pbs", "excitation", "k"]
    given = [pl_pbs, absorbance_pbs, absorbance_perov, plqy_pbs, excitation, k]
    x = [_value_and_error(g)[0] for g in given]
    err = [_value_and_error(g)[1] for g in given]
    _check_inputs(**dict(zip(names, x, strict=True)))
    bad = [f"{n}={e!r}" for n, e in zip(names, err, strict=True) if e is not None and not e >= 0]
    if bad:
        raise ParameterError(f"standard errors must be >= 0: {', '.join(bad)}")
    v, e = propagate_independent(lambda p: _eta(*p, absorbed), x, err)
    res = Result(
        kind="spectrum.transfer_efficiency",
        provenance=make_provenance(
            [], {**dict(zip(names, x, strict=True)), "absorbed": absorbed.value}
        ),
    )
    res.parameters["eta_trans"] = Quantity(v, e if any(s is not None for s in err) else None, "1")
    if not 0 <= v <= 1:
        res.warnings.append(f"eta_trans = {v:.4g} is outside [0, 1]: inputs or k are inconsistent")
        mark_outside_unit_interval(res, "eta_trans")
    if plqy_from_heterostructure:
        res.warnings.append(
            "PLQY_PbS is the PbS share of the heterostructure PLQY, which already contains "
            "transferred excitations: eta_trans is circular (spec P-29, verification item 15)"
        )
    return res


def collection_factor(
    pl_pbs: float,
    absorbance_pbs: float,
    absorbance_perov: float,
    plqy_pbs: float,
    excitation: float,
    eta: float,
    *,
    absorbed: Absorbed | str = Absorbed.LINEAR,
) -> float:
    """k = PL_PbS / [(a_PbS + η a_perov) PLQY_PbS I_ex] (the thesis' formula solved for k)."""
    f_pbs, f_perov = absorbed_fractions(absorbance_pbs, absorbance_perov, absorbed)
    denom = (f_pbs + eta * f_perov) * plqy_pbs * excitation
    if denom <= 0:
        raise ParameterError("(a_PbS + eta a_perov) PLQY I_ex must be > 0 to solve for k")
    return pl_pbs / denom


def collection_factor_from_reference(
    pl_pbs: float, absorbance_pbs: float, plqy_pbs: float, excitation: float
) -> float:
    """k from a pure-PbS reference measured identically (no perovskite: η term absent).

    k = PL/(A_PbS PLQY_PbS I_ex) (spec P-29, calibration option).
    """
    return collection_factor(pl_pbs, absorbance_pbs, 0.0, plqy_pbs, excitation, 0.0)


def _k_range(
    row: Mapping[str, float], rnd: Mapping[str, float], absorbed: Absorbed | str = Absorbed.LINEAR
) -> tuple[float, float]:
    """Extremes of k over the rounding box of the printed inputs (vertices of the box).

    ``absorbed`` must be the same model as the k it is compared with: a box computed with the
    linear form around a k solved with the absorptance form never contains it.
    """
    ks = []
    for s_pl in (-1, 1):
        for s_a in (-1, 1):
            for s_b in (-1, 1):
                for s_q in (-1, 1):
                    for s_e in (-1, 1):
                        eta = row["eta_trans"] / 100 + s_e * rnd.get("eta_trans", 0) / 100
                        ks.append(
                            collection_factor(
                                row["PL_PbS"] + s_pl * rnd.get("PL_PbS", 0),
                                row["A_PbS"] + s_a * rnd.get("A_PbS", 0),
                                row["A_perov"] + s_b * rnd.get("A_perov", 0),
                                row["PLQY_PbS"] + s_q * rnd.get("PLQY_PbS", 0),
                                row["I_ex"],
                                eta,
                                absorbed=absorbed,
                            )
                        )
    return min(ks), max(ks)


def transfer_table_analysis(
    rows: Sequence[Mapping[str, Any]],
    *,
    k: float | None = None,
    rounding: Mapping[str, float] | None = None,
    absorbed: Absorbed | str = Absorbed.LINEAR,
    source: str = "",
) -> Result:
    """Solve a transfer-efficiency table for η (given k) or for k and the inconsistent rows.

    Each row maps ``ratio`` (label), ``I_ex``, ``PL_PbS``, ``A_PbS``, ``A_perov``,
    ``PLQY_PbS`` and optionally ``eta_trans`` [%] (thesis Table 3-1 layout).

    * With ``eta_trans`` in every row and no ``k``: k is solved per row; the rows whose
      rounding interval of k (from the printed digits, ``rounding``) does not contain the
      median k are reported as inconsistent; the common k is the mean over the consistent
      rows; each row's η is recomputed with it, with the A_PbS and PLQY_PbS that would make
      an inconsistent row fit.
    * With ``k``: η is computed for each row (and compared with ``eta_trans`` if given).

    Returns
    -------
    Result
        kind ``"spectrum.transfer_table"``: ``k`` (common collection factor), per row
        ``eta_<ratio>`` [%] and ``k_<ratio>``; ``statistics["inconsistent_rows"]``;
        warnings naming each inconsistent row with the numbers.
    """
    absorbed = as_choice(Absorbed, absorbed, "absorbed")
    if not rows:
        raise ParameterError("transfer table has no rows")
    problems = []
    for i, r in enumerate(rows):
        missing = [c for c in TABLE_COLUMNS if c not in r]
        if missing:
            problems.append(f"row {i + 1} ({r.get('ratio', '?')}): missing {', '.join(missing)}")
    if problems:
        raise ParameterError(
            "; ".join(problems) + f"; required columns: {', '.join(TABLE_COLUMNS)}"
        )
    labels = [str(r.get("ratio", i + 1)) for i, r in enumerate(rows)]
    res = Result(
        kind="spectrum.transfer_table",
        provenance=make_provenance([], {"k": k, "absorbed": absorbed.value, "source": source}),
    )
    has_eta = all("eta_trans" in r for r in rows)
    rnd = dict(rounding or {})
    inconsistent: list[str] = []
    if k is None:
        if not has_eta:
            raise ParameterError("give k, or an eta_trans column in every row to solve for k")
        ks = np.array(
            [
                collection_factor(
                    r["PL_PbS"],
                    r["A_PbS"],
                    r["A_perov"],
                    r["PLQY_PbS"],
                    r["I_ex"],
                    r["eta_trans"] / 100,
                    absorbed=absorbed,
                )
                for r in rows
            ]
        )
        k_med = float(np.median(ks))
        ranges = [_k_range(r, rnd, absorbed) for r in rows]
        for lab, (lo, hi) in zip(labels, ranges, strict=True):
            if not lo <= k_med <= hi:
                inconsistent.append(lab)
        if 2 * len(inconsistent) > len(rows):
            # No majority shares one k: no row can be singled out as the odd one.
            res.mark_suspect(
                f"{len(inconsistent)} of {len(rows)} rows do not share one collection factor "
                f"with absorbed={absorbed.value!r} (k spread {100 * np.std(ks) / np.mean(ks):.1f} %); "
                "the printed eta were probably computed with another absorbed-light model"
            )
            inconsistent = []
        good = [kk for kk, lab in zip(ks, labels, strict=True) if lab not in inconsistent]
        k_common = float(np.mean(good))
        spread = float(np.std(good, ddof=1)) if len(good) > 1 else math.nan
        res.parameters["k"] = Quantity(
            k_common, spread / math.sqrt(len(good)) if len(good) > 1 else None, "counts/(OD*counts)"
        )
        res.statistics["k_relative_spread"] = spread / k_common if len(good) > 1 else math.nan
        for lab, kk, (lo, hi) in zip(labels, ks, ranges, strict=True):
            res.derived[f"k_{lab}"] = Quantity(float(kk), None, "counts/(OD*counts)")
            res.statistics[f"k_range_{lab}"] = [lo, hi]
        k_use = k_common
    else:
        k_use = k
        res.parameters["k"] = Quantity(k, None, "counts/(OD*counts)")
    for lab, r in zip(labels, rows, strict=True):
        eta = _eta(r["PL_PbS"], r["A_PbS"], r["A_perov"], r["PLQY_PbS"], r["I_ex"], k_use, absorbed)
        res.derived[f"eta_{lab}"] = Quantity(100 * eta, None, "%")
        if "eta_trans" in r:
            res.statistics[f"eta_printed_{lab}"] = float(r["eta_trans"])
        if lab in inconsistent:
            eta_p = r["eta_trans"] / 100
            scale = r["PL_PbS"] / (k_use * r["I_ex"])
            a_impl = scale / r["PLQY_PbS"] - eta_p * r["A_perov"]
            q_impl = scale / (r["A_PbS"] + eta_p * r["A_perov"])
            res.derived[f"A_PbS_implied_{lab}"] = Quantity(a_impl, None, "OD")
            res.derived[f"PLQY_PbS_implied_{lab}"] = Quantity(q_impl, None, "1")
            res.warnings.append(
                f"row {lab} does not fit the others: its k = {res.derived[f'k_{lab}'].value:.5f} "
                f"({100 * (res.derived[f'k_{lab}'].value / k_use - 1):+.1f} % from k = {k_use:.5f}, "
                f"outside its input-rounding range); with the common k its eta is {100 * eta:.2f} % "
                f"(printed {r['eta_trans']} %); the printed eta follows if A_PbS = {a_impl:.4f} "
                f"(printed {r['A_PbS']}) or PLQY_PbS = {q_impl:.4f} (printed {r['PLQY_PbS']})"
            )
    res.statistics["inconsistent_rows"] = inconsistent
    res.statistics["n_rows"] = len(rows)
    return res
