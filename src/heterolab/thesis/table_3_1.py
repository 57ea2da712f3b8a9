"""Thesis Table 3-1 recomputed: carrier-transfer efficiency and its collection factor.

Yang Yongge, PhD thesis, UEC Tokyo (2024), §3.2 and §3.3.2. The printed table gives, per
Pb/S ratio, the excitation intensity, the PbS NIR PL, both absorbances, the PbS PLQY and the
transfer efficiency η_trans, but not the collection factor k of the model

    PL_PbS = k (a_PbS + η a_perov) PLQY_PbS I_ex

(spec P-29). Solving each row for k exposes the table's own consistency: four rows share
k = 0.03359 (to 0.006 %), row 1:3 does not (verification C2). The analysis itself is the
general :func:`heterolab.spectroscopy.transfer.transfer_table_analysis`; this module only
feeds it the printed table.
"""

from __future__ import annotations

from heterolab.reference import load_table
from heterolab.result import Result
from heterolab.spectroscopy.transfer import Absorbed, transfer_table_analysis

__all__ = ["THESIS_COLLECTION_FACTOR", "thesis_table_3_1"]

#: The collection factor the printed Table 3-1 implies (rows 1:1, 1:5, 1:10, 1:30; linear
#: absorbed-light form) [counts/(OD·counts)] (spec verification C2).
THESIS_COLLECTION_FACTOR = 0.03359


def thesis_table_3_1(
    *, k: float | None = None, absorbed: Absorbed | str = Absorbed.LINEAR
) -> Result:
    """Recompute Table 3-1 from its printed inputs.

    Parameters
    ----------
    k
        Collection factor; solved from the printed η_trans when omitted.
    absorbed
        ``"linear"`` (the thesis's form, absorbances as absorbed light) or
        ``"absorptance"`` (f_i = (A_i/A_tot)(1 − 10^(−A_tot)), spec P-21). The printed η
        were computed with the linear form, so with ``"absorptance"`` the rows no longer share
        one k and the Result says so (status suspect).

    Returns
    -------
    Result
        As :func:`~heterolab.spectroscopy.transfer.transfer_table_analysis`: ``k``, per row
        ``eta_<ratio>`` [%] and ``k_<ratio>``; ``statistics["inconsistent_rows"]`` is
        ``["1:3"]`` for the printed table with the linear form.
    """
    table = load_table("table_3_1")
    res = transfer_table_analysis(
        table["rows"], k=k, rounding=table["rounding"], absorbed=absorbed, source=table["source"]
    )
    res.statistics["table"] = "thesis Table 3-1"
    return res
