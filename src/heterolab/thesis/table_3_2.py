"""Recomputations of the reference thesis's derived lifetime tables from their printed inputs.

Yang Yongge, PhD thesis, UEC Tokyo (2024). The tables are kept as data in
:mod:`heterolab.reference`; every disagreement beyond the printed rounding is reported in the
Result's warnings, never hidden.
"""

from __future__ import annotations

import numpy as np

from heterolab.kinetics.trpl.averages import (
    amplitude_weighted_lifetime,
    intensity_weighted_lifetime,
)
from heterolab.reference import load_table
from heterolab.result import Quantity, Result, make_provenance
from heterolab.uncertainty import propagate_independent, rounding_half_width, rounding_stderr

__all__ = ["thesis_table_3_2"]


def thesis_table_3_2(decimals: int = 2) -> Result:
    """Recompute Table 3-2's tau_ave from its printed (tau_1, A_1, tau_2, A_2).

    Table 3-2 (thesis §3.3.2) lists bi-exponential fits of ns-TA decays of the Pb/S series excited
    at 600 nm (PbS only) and an average lifetime tau_ave; tau_ave is the intensity-weighted mean
    sum(A tau^2)/sum(A tau) (Sillen & Engelborghs, Photochem. Photobiol. 67, 475 (1998);
    verification V1), not the amplitude-weighted one. The printed inputs carry only
    ``decimals`` decimals, whose rounding is propagated as the standard error.

    Returns
    -------
    Result
        Derived ``tau_avg_intensity_<ratio>`` and ``tau_avg_amplitude_<ratio>`` (µs) per row;
        statistics with the printed tau_ave; a warning for each row whose printed tau_ave differs
        from the recomputed one by more than 3 standard errors plus its own rounding.
    """
    table = load_table("table_3_2")
    derived: dict[str, Quantity] = {}
    warnings: list[str] = []
    printed: dict[str, float] = {}
    for row in table["rows"]:
        ratio = str(row["ratio"]).replace(":", "to")
        x = np.array([row["A1"], row["A2"], row["tau1"], row["tau2"]], dtype=float)
        u = [rounding_stderr(v, decimals) for v in x]
        val_i, err_i = propagate_independent(
            lambda v: intensity_weighted_lifetime(v[:2], v[2:]), x, u
        )
        val_a, err_a = propagate_independent(
            lambda v: amplitude_weighted_lifetime(v[:2], v[2:]), x, u
        )
        derived[f"tau_avg_intensity_{ratio}"] = Quantity(val_i, err_i, "us")
        derived[f"tau_avg_amplitude_{ratio}"] = Quantity(val_a, err_a, "us")
        printed[ratio] = float(row["tau_ave"])
        allowed = 3 * err_i + rounding_half_width(row["tau_ave"], decimals)
        if abs(val_i - row["tau_ave"]) > allowed:
            warnings.append(
                f"Table 3-2 row {row['ratio']}: printed tau_ave {row['tau_ave']} us, recomputed "
                f"sum(A tau^2)/sum(A tau) = {val_i:.3f} ± {err_i:.3f} us from the printed inputs"
            )
        if abs(row["A1"] + row["A2"] - 1.0) > 0.011:
            warnings.append(
                f"Table 3-2 row {row['ratio']}: A1 + A2 = {row['A1'] + row['A2']:.2f}, not 1"
            )
    return Result(
        kind="trpl.table_averages",
        derived=derived,
        statistics={"printed_tau_ave_us": printed, "source": table["source"]},
        provenance=make_provenance(settings={"table": "table_3_2", "decimals": decimals}),
        warnings=warnings,
    )
