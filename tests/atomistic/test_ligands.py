"""PMA+ on a CsPbBr3 (100) surface: adsorption sites and the placed ligand (issue #16)."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.errors import ParameterError

pytest.importorskip("pymatgen", reason="the atomistic extra (pymatgen) is not installed")

from pymatgen.core import Composition

from heterolab.atomistic import build, ligands

A = 5.874


@pytest.fixture(scope="module")
def csbr_slab():
    return build.slab(build.bulk("CsPbBr3"), (1, 0, 0), layers=5, termination="CsBr", vacuum=20)


def test_sites_sit_above_the_top_layer(csbr_slab) -> None:
    sites = ligands.adsorption_sites(csbr_slab, distance=2.0)
    top = csbr_slab.cart_coords[:, 2].max()
    assert set(sites) == {"ontop", "bridge", "hollow"}
    for pos in sites.values():
        assert len(pos) >= 1
        assert pos[:, 2] == pytest.approx(np.full(len(pos), top + 2.0))
    # on-top sites of the CsBr (100) face sit over Cs or Br: at (0,0) or (a/2, a/2)
    xy = np.mod(sites["ontop"][:, :2], A)
    xy = np.where(np.isclose(xy, A, atol=1e-6), 0.0, xy)
    assert sorted(map(tuple, xy.round(6))) == [(0.0, 0.0), (A / 2, A / 2)]


def test_pma_swap_keeps_the_slab_neutral(csbr_slab) -> None:
    s = ligands.adsorb_pma(csbr_slab, "hollow", replace="Cs")
    # Cs3Pb2Br7 - Cs + C7H10N
    assert s.composition == csbr_slab.composition - Composition("Cs") + Composition("C7H10N")
    lig = s.properties["ligand_indices"]
    assert len(lig) == 18
    n = next(i for i in lig if s[i].specie.symbol == "N")
    top = csbr_slab.cart_coords[:, 2].max()
    assert s[n].coords[2] == pytest.approx(top + 2.0)
    rest = [i for i in range(len(s)) if i not in lig]
    assert s.distance_matrix[np.ix_(lig, rest)].min() > 1.5
    with pytest.raises(ParameterError, match="valid: ontop, bridge, hollow"):
        ligands.adsorb_pma(csbr_slab, "atop")
    tight = build.slab(build.bulk("CsPbBr3"), (1, 0, 0), layers=5, termination="CsBr", vacuum=6)
    with pytest.raises(ParameterError, match="more vacuum"):
        ligands.adsorb_pma(tight, "hollow")
