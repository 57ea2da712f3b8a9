"""Ligand adsorption on a slab: symmetry-distinct sites and a PMA⁺ placed on one of them.

Sites come from pymatgen's ``AdsorbateSiteFinder`` (Montoya & Persson, npj Comput. Mater. 3,
14 (2017)): on-top, bridge and hollow positions of the top surface, reduced by symmetry. The
benzylammonium (PMA⁺) geometry is the idealised one of
:func:`heterolab.atomistic.build.pma2pbbr4_model` (N down, the N–C(para) axis along the surface
normal), placed with its N ``height`` Å above the site: the "PMA⁺ as a surface ligand" model
of the thesis (§4.3.3, Fig. 4-13). A starting geometry for relaxation, not an equilibrium one.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from heterolab.errors import ParameterError

if TYPE_CHECKING:
    from pymatgen.core import Structure

__all__ = ["SITE_KINDS", "adsorb_pma", "adsorption_sites"]

SITE_KINDS = ("ontop", "bridge", "hollow")


def adsorption_sites(slab: Structure, *, distance: float = 2.0) -> dict[str, np.ndarray]:
    """Symmetry-distinct adsorption sites above the top surface of ``slab``.

    Returns ``{"ontop": (n, 3), "bridge": (n, 3), "hollow": (n, 3)}`` Cartesian positions
    (Å) ``distance`` Å above the surface atoms.
    """
    from pymatgen.analysis.adsorption import AdsorbateSiteFinder

    if distance <= 0:
        raise ParameterError(f"distance must be positive, got {distance}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = AdsorbateSiteFinder(slab)
        found = finder.find_adsorption_sites(
            distance=distance, positions=SITE_KINDS, no_obtuse_hollow=False
        )
    return {k: np.asarray(found.get(k, []), float).reshape(-1, 3) for k in SITE_KINDS}


def adsorb_pma(
    slab: Structure,
    site: str = "hollow",
    *,
    index: int = 0,
    height: float = 2.0,
    replace: str | None = None,
) -> Structure:
    """The slab with one PMA⁺ (C7H10N) standing on adsorption site ``site`` (N down).

    ``height`` is the N height above the site's surface plane (Å). The cell must leave room:
    the molecule is 7.3 Å tall. ``replace="Cs"`` removes the top-surface Cs nearest to the
    site, so the cation swap Cs⁺ → PMA⁺ keeps the slab neutral. ``properties["ligand_indices"]``
    lists the added atoms.

    Raises
    ------
    ParameterError
        Unknown site kind, index out of range, or too little vacuum above the slab.
    """
    from heterolab.atomistic.build import benzylammonium

    if site not in SITE_KINDS:
        raise ParameterError(f"unknown site {site!r}; valid: {', '.join(SITE_KINDS)}")
    sites = adsorption_sites(slab, distance=height)[site]
    if not 0 <= index < len(sites):
        raise ParameterError(f"{site} index {index} out of range: {len(sites)} such sites")
    species, xyz = benzylammonium()
    normal = np.cross(slab.lattice.matrix[0], slab.lattice.matrix[1])
    normal /= np.linalg.norm(normal)
    if not np.allclose(normal, [0, 0, 1], atol=1e-6):
        raise ParameterError("the slab's a x b must be along z (use build.slab)")
    top = float(np.max(slab.cart_coords[:, 2]))
    positions = sites[index] + xyz
    if positions[:, 2].max() + 2.0 > slab.lattice.c:
        raise ParameterError(
            f"the ligand reaches z = {positions[:, 2].max():.1f} Å but the cell ends at "
            f"{slab.lattice.c:.1f} Å; build the slab with more vacuum (>= {top + 12:.0f} Å cell)"
        )
    out = slab.copy()
    if replace is not None:
        z = out.cart_coords[:, 2]
        cands = [i for i, x in enumerate(out) if x.specie.symbol == replace and z[i] > top - 0.5]
        if not cands:
            raise ParameterError(f"no {replace} atom in the top surface layer to replace")
        lateral = [
            min(
                np.linalg.norm(out.lattice.get_cartesian_coords(f)[:2] - sites[index][:2])
                for f in _images(out.frac_coords[i])
            )
            for i in cands
        ]
        out.remove_sites([cands[int(np.argmin(lateral))]])
    start = len(out)
    sd = out.site_properties.get("selective_dynamics")
    for el, p in zip(species, positions, strict=True):
        props = {"selective_dynamics": [True] * 3} if sd is not None else None
        out.append(el, p, coords_are_cartesian=True, properties=props)
    out.properties.update(
        ligand="PMA+ (benzylammonium, C7H10N)",
        ligand_site=f"{site}[{index}]",
        ligand_indices=list(range(start, len(out))),
        model=True,
    )
    return out


def _images(frac: np.ndarray) -> list[np.ndarray]:
    """In-plane periodic images (−1, 0, +1 along a and b) of a fractional position."""
    return [frac + np.array([i, j, 0.0]) for i in (-1, 0, 1) for j in (-1, 0, 1)]
