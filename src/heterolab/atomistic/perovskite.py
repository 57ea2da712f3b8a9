"""Orthorhombic (Pnma) CsPbBr3 built from the cubic perovskite by a Glazer a⁻a⁻c⁺ tilt.

A MODEL structure, not a refinement: no redistributable experimental Pnma CIF is in the
project's data. The procedure is deterministic and documented here.

1. **Cell**: Stoumpos et al., Cryst. Growth Des. 13, 2722 (2013) (room temperature, Pnma with
   b the long axis): a = 8.2440, b = 11.7351, c = 8.1982 Å (from :mod:`heterolab.materials`).
2. **Tilt angles from the cell** by the rigid-octahedron relations of the GdFeO3 structure
   (O'Keeffe & Hyde, Acta Cryst. B 33, 3802 (1977)): in Glazer's a⁻a⁻c⁺ (Glazer, Acta
   Cryst. B 28, 3384 (1972)) the two equal antiphase tilts about the pseudo-cubic x and z axes
   add up to one antiphase rotation θ about the orthorhombic **a** axis, and the in-phase
   tilt is a rotation φ about **b**. Octahedra of Pb–Br length d then give

   .. math::

       a = 2\\sqrt{2}\\, d \\cos φ, \\quad b = 4 d \\cos θ, \\quad c = 2\\sqrt{2}\\, d \\cos φ \\cos θ,

   so cos θ = c/a, d = b/(4 cos θ), cos φ = a/(2√2 d). Stoumpos's cell gives θ = 6.04°,
   φ = 8.89° and d = 2.950 Å.
3. **Positions**: Pb on Pnma 4b, (0, 0, ½), (½, 0, 0), (0, ½, ½), (½, ½, 0). Each PbBr6
   octahedron (Pb–Br = d, bonds along the pseudo-cubic axes (a/2, 0, ±c/2) and (0, b/2, 0))
   is rotated rigidly by R = R_b(±φ) R_a(±θ): the sign of φ alternates between neighbours
   in the ac plane and is the same along b (in-phase, ⁺); the sign of θ alternates between
   all neighbours (antiphase, ⁻). Each Br is shared by two octahedra; along b their two
   images coincide exactly, in the ac plane they differ by a second-order amount and the Br
   is put at their midpoint.
4. **Cs** stays on the ideal A site (½, ¼, ½) and equivalents: the Cs displacements of the
   real structure are NOT modelled.

The apical Pb–Br–Pb angle (along b) is then exactly 180° − 2θ; the equatorial one is
180° minus twice the tilt of an in-plane bond. Relax with DFT (or screen with an ML
potential) before quantitative use, or pass a CIF to :func:`heterolab.atomistic.build.bulk`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from heterolab.errors import ParameterError

if TYPE_CHECKING:
    from pymatgen.core import Structure

__all__ = ["pb_x_pb_angles", "pnma_tilted", "tilts_from_lattice"]


def tilts_from_lattice(a: float, b: float, c: float) -> dict[str, float]:
    """Rigid-octahedron tilt angles (degrees) and Pb–X length (Å) of an a⁻a⁻c⁺ Pnma cell.

    ``a`` is the axis of the antiphase rotation (the longer of the two short axes), ``b`` the
    long (in-phase) axis. Returns ``theta_deg`` (antiphase, about a), ``phi_deg`` (in-phase,
    about b), ``bond`` (Å) and the per-axis Glazer angle ``glazer_minus_deg`` = θ/√2 (small
    angles).

    Raises
    ------
    ParameterError
        A cell that no rigid a⁻a⁻c⁺ tilt gives (c > a, or a > 2√2 d).
    """
    if not (a > 0 and b > 0 and c > 0) or c > a:
        raise ParameterError(
            f"need a >= c > 0 and b > 0 (a: antiphase axis, b: long axis), got a = {a}, "
            f"b = {b}, c = {c}"
        )
    cos_t = c / a
    d = b / (4 * cos_t)
    cos_p = a / (2 * math.sqrt(2) * d)
    if cos_p > 1:
        raise ParameterError(
            f"a = {a} Å exceeds 2√2 d = {2 * math.sqrt(2) * d:.4f} Å: no in-phase tilt fits"
        )
    theta = math.degrees(math.acos(cos_t))
    return {
        "theta_deg": theta,
        "phi_deg": math.degrees(math.acos(cos_p)),
        "bond": d,
        "glazer_minus_deg": theta / math.sqrt(2),
    }


def _rot(axis: int, angle_deg: float) -> np.ndarray:
    t = math.radians(angle_deg)
    c, s = math.cos(t), math.sin(t)
    i, j = [k for k in range(3) if k != axis]
    r = np.eye(3)
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


#: Pb on Pnma 4b and the signs (in-phase φ about b, antiphase θ about a) of its octahedron.
_PB_SITES: tuple[tuple[tuple[float, float, float], int, int], ...] = (
    ((0.0, 0.0, 0.5), +1, +1),
    ((0.5, 0.0, 0.0), -1, -1),
    ((0.0, 0.5, 0.5), +1, -1),
    ((0.5, 0.5, 0.0), -1, +1),
)


def pnma_tilted(
    a: float | None = None,
    b: float | None = None,
    c: float | None = None,
    *,
    halide: str = "Br",
    a_site: str = "Cs",
    b_site: str = "Pb",
) -> Structure:
    """Pnma ABX3 from rigid a⁻a⁻c⁺ tilts of the cubic perovskite (see the module docstring).

    Defaults: Stoumpos et al.'s room-temperature CsPbBr3 cell. ``properties`` record the
    source, ``model=True``, the tilt angles (degrees) and the octahedron's X–B length (Å).
    """
    from pymatgen.core import Lattice, Structure

    from heterolab import materials

    if a is None or b is None or c is None:
        lat = materials.get("CsPbBr3").lattices["orthorhombic"]
        a, b, c = lat.a, lat.b, lat.c
        cell_source = lat.source
    else:
        cell_source = "user-given cell"
    t = tilts_from_lattice(a, b, c)
    lattice = Lattice.orthorhombic(a, b, c)
    m = lattice.matrix
    d = t["bond"]
    # pseudo-cubic bond directions (Cartesian unit vectors): two in the ac plane, one along b
    dirs = [np.array([a / 2, 0.0, c / 2]), np.array([a / 2, 0.0, -c / 2]), np.array([0, b / 2, 0])]
    dirs = [v / np.linalg.norm(v) for v in dirs]
    images: list[np.ndarray] = []
    for frac, s_phi, s_theta in _PB_SITES:
        rot = _rot(1, s_phi * t["phi_deg"]) @ _rot(0, s_theta * t["theta_deg"])
        centre = np.asarray(frac) @ m
        for u in dirs:
            for sign in (+1, -1):
                images.append(centre + sign * d * (rot @ u))
    br = _merge_shared(np.array(images), lattice)
    cs = [[0.5, 0.25, 0.5], [0.0, 0.75, 0.0], [0.5, 0.75, 0.5], [0.0, 0.25, 0.0]]
    species = [a_site] * 4 + [b_site] * 4 + [halide] * len(br)
    coords = np.vstack([cs, [p[0] for p in _PB_SITES], lattice.get_fractional_coords(br)])
    s = Structure(lattice, species, coords % 1.0)
    s.properties.update(
        source=(
            f"MODEL (heterolab.atomistic.perovskite.pnma_tilted): rigid a-a-c+ tilts of the "
            f"cubic perovskite, theta = {t['theta_deg']:.2f} deg about a (antiphase), "
            f"phi = {t['phi_deg']:.2f} deg about b (in-phase), d = {d:.4f} Å, from the cell "
            f"{a}, {b}, {c} Å ({cell_source}) by O'Keeffe & Hyde's rigid-octahedron relations; "
            "Cs on the ideal A site"
        ),
        model=True,
        tilt_theta_deg=t["theta_deg"],
        tilt_phi_deg=t["phi_deg"],
        octahedron_bond=d,
    )
    return s


def _merge_shared(images: np.ndarray, lattice: Any, tol: float = 0.5) -> np.ndarray:
    """Average pairs of periodic images closer than ``tol`` Å (shared octahedron corners)."""
    frac = lattice.get_fractional_coords(images)
    n = len(frac)
    used = np.zeros(n, bool)
    out = []
    for i in range(n):
        if used[i]:
            continue
        diff = frac - frac[i]
        diff -= np.round(diff)
        dist = np.linalg.norm(lattice.get_cartesian_coords(diff), axis=1)
        partners = [j for j in np.flatnonzero(dist < tol) if j != i and not used[j]]
        if len(partners) != 1:
            raise ParameterError(
                f"octahedron corner {i} is shared by {len(partners) + 1} octahedra, not 2: "
                "the tilt angles are too large for this cell"
            )
        j = partners[0]
        used[i] = used[j] = True
        out.append(lattice.get_cartesian_coords(frac[i] + diff[j] / 2))
    return np.array(out)


def pb_x_pb_angles(
    structure: Structure, metal: str = "Pb", halide: str = "Br", cutoff: float = 3.6
) -> dict[str, list[float]]:
    """B–X–B angles (degrees) at each bridging halide, split into ``apical`` (both B along
    the lattice's b axis, |Δb| > 0.9 |Δr|) and ``equatorial``; computed from the periodic
    structure with pymatgen's neighbour search (independent of how it was built)."""
    out: dict[str, list[float]] = {"apical": [], "equatorial": []}
    for site in structure:
        if site.specie.symbol != halide:
            continue
        nbrs = [n for n in structure.get_neighbors(site, cutoff) if n.specie.symbol == metal]
        if len(nbrs) != 2:
            continue
        v1, v2 = (n.coords - site.coords for n in nbrs)
        cos = float(np.dot(v1, v2) / (np.linalg.norm(v1) * np.linalg.norm(v2)))
        ang = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
        pb_pb = nbrs[0].coords - nbrs[1].coords
        b_dir = structure.lattice.matrix[1] / structure.lattice.b
        key = "apical" if abs(np.dot(pb_pb, b_dir)) > 0.9 * np.linalg.norm(pb_pb) else "equatorial"
        out[key].append(ang)
    return out
