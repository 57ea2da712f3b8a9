"""Structures for interface calculations: bulk cells, terminated slabs, matched interfaces.

Everything is a pymatgen :class:`~pymatgen.core.Structure` (Ong et al., Comput. Mater. Sci.
68, 314 (2013)); slabs come from pymatgen's ``SlabGenerator`` (Sun & Ceder, Surf. Sci. 617,
53 (2013)) and interface supercells from its ``CoherentInterfaceBuilder`` with the
Zur–McGill lattice search (Zur & McGill, J. Appl. Phys. 55, 378 (1984)). Lattice constants
come from :mod:`heterolab.materials` (each with its source); every structure carries
``properties["source"]`` and ``properties["model"]`` (True for a constructed approximation).

Bulk cells
----------
- ``CsPbBr3`` ``cubic``: Pm-3m, a from the materials data (5.874 Å).
- ``CsPbBr3`` ``orthorhombic``: MODEL — Pnma built from the cubic perovskite by a Glazer
  a⁻a⁻c⁺ tilt of rigid octahedra on Stoumpos et al.'s lattice (8.244, 11.735, 8.198 Å),
  tilt angles from that cell (θ = 6.04°, φ = 8.89°; :mod:`heterolab.atomistic.perovskite`);
  Cs on the ideal A site. No licensed experimental CIF was available; pass ``cif=`` for
  refined positions.
- ``PbS`` ``rocksalt``: Fm-3m, a = 5.9362 Å.
- ``PMA2PbBr4``: MODEL, see :func:`pma2pbbr4_model`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from heterolab.errors import FormatError, ParameterError
from heterolab.result import Result

if TYPE_CHECKING:
    from pymatgen.core import Structure

__all__ = [
    "BULK_PHASES",
    "THESIS_2D3D_PAIRS",
    "InterfaceMatch",
    "atomic_layers",
    "benzylammonium",
    "bulk",
    "describe",
    "find_matches",
    "interface",
    "load_structure",
    "match_interfaces",
    "plane_matches_2d3d",
    "pma2pbbr4_model",
    "slab",
]

#: Known bulk cells: material → phases.
BULK_PHASES: dict[str, tuple[str, ...]] = {
    "CsPbBr3": ("cubic", "orthorhombic"),
    "PbS": ("rocksalt",),
    "PMA2PbBr4": ("model",),
}


class _Quiet(warnings.catch_warnings):
    """Keeps pymatgen's informational warnings (symmetry, oxidation states) out of the way."""

    def __enter__(self) -> Any:
        out = super().__enter__()
        warnings.simplefilter("ignore")
        return out


# --------------------------------------------------------------------------- bulk
def bulk(
    name: str,
    phase: str | None = None,
    *,
    cif: str | PathLike[str] | None = None,
) -> Structure:
    """Bulk cell of ``name`` in ``phase`` (first known phase when ``None``), or from a CIF.

    Raises
    ------
    ParameterError
        Unknown material or phase (lists the known ones).
    FormatError
        Unreadable CIF.
    """
    from pymatgen.core import Lattice, Structure

    if cif is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                s = Structure.from_file(str(cif))
            except Exception as exc:
                raise FormatError(
                    cif, f"not a readable CIF ({type(exc).__name__}: {exc})"
                ) from None
        s.properties.update(source=f"CIF {cif}", model=False)
        return s
    if name not in BULK_PHASES:
        raise ParameterError(
            f"unknown material {name!r}; known: {', '.join(BULK_PHASES)} (or pass cif=)"
        )
    phase = phase or BULK_PHASES[name][0]
    if phase not in BULK_PHASES[name]:
        raise ParameterError(
            f"unknown phase {phase!r} of {name}; known: {', '.join(BULK_PHASES[name])}"
        )
    from heterolab import materials

    if name == "PMA2PbBr4":
        return pma2pbbr4_model()
    mat = materials.get(name)
    lat = mat.lattices[phase]
    if name == "PbS":
        s = Structure.from_spacegroup(
            "Fm-3m", Lattice.cubic(lat.a), ["Pb", "S"], [[0, 0, 0], [0.5, 0.5, 0.5]]
        )
        s.properties.update(source=f"rock salt, a = {lat.a} Å ({lat.source})", model=False)
        return s
    a_cub = mat.lattices["cubic"].a
    cubic = Structure.from_spacegroup(
        "Pm-3m",
        Lattice.cubic(a_cub),
        ["Cs", "Pb", "Br"],
        [[0, 0, 0], [0.5, 0.5, 0.5], [0, 0.5, 0.5]],
    )
    if phase == "cubic":
        cubic.properties.update(source=f"Pm-3m, a = {a_cub} Å ({lat.source})", model=False)
        return cubic
    # orthorhombic MODEL: Pnma from rigid a-a-c+ tilts fitted to Stoumpos's cell
    from heterolab.atomistic.perovskite import pnma_tilted

    return pnma_tilted()


# Idealised benzylammonium C6H5CH2NH3+ in a local frame: N at the origin, the N–CH2–C(ipso)
# –C(para) axis along +z, ring in the xz plane. Bond lengths: N–C 1.49, C–C 1.51, aromatic
# C–C 1.39, C–H 1.09, N–H 1.03 Å; NH3 tetrahedral about the N–C bond.
def benzylammonium() -> tuple[list[str], np.ndarray]:
    """Species and Cartesian positions (Å) of the idealised PMA⁺ (C7H10N), N at the origin."""
    species: list[str] = []
    xyz: list[tuple[float, float, float]] = []

    def add(el: str, p: Sequence[float]) -> None:
        species.append(el)
        xyz.append((float(p[0]), float(p[1]), float(p[2])))

    add("N", (0, 0, 0))
    s, c = math.sqrt(8) / 3, -1 / 3  # tetrahedral: 109.47° from the N→C bond
    for phi in (-90.0, 30.0, 150.0):  # one H points at an equatorial Br (−y)
        r = math.radians(phi)
        add("H", (1.03 * s * math.cos(r), 1.03 * s * math.sin(r), 1.03 * c))
    add("C", (0, 0, 1.49))
    add("H", (-0.63, 0.89, 1.49))
    add("H", (-0.63, -0.89, 1.49))
    z_ipso = 1.49 + 1.51
    centre = z_ipso + 1.39
    for k in range(6):  # ring atoms, ipso first, angle from −z
        t = math.radians(60 * k)
        pos = (1.39 * math.sin(t), 0.0, centre - 1.39 * math.cos(t))
        add("C", pos)
        if k:
            add("H", (2.48 * math.sin(t), 0.0, centre - 2.48 * math.cos(t)))
    return species, np.array(xyz)


#: Height of the ammonium N above the Pb plane in the model (Å): puts one N–H···Br(equatorial)
#: at 2.57 Å, the hydrogen-bond distance of ammonium–bromide contacts.
N_HEIGHT = 2.0


def pma2pbbr4_model(stacking_period: float | None = None, a: float | None = None) -> Structure:
    """MODEL structure of (PMA)2PbBr4 (benzylammonium lead bromide, n = 1), not a refined one.

    Procedure (documented, deterministic):

    1. Two corner-sharing PbBr4 layers per cell (Ruddlesden–Popper stacking): Pb at (0, 0, 0)
       and (½, ½, ½), equatorial Br on the cell edges (Pb–Br = a/2), apical Br at ±a/2
       along c; no octahedral tilts.
    2. In-plane a = the cubic CsPbBr3 constant (5.874 Å) unless given; c = the 33.4 Å
       stacking period of the materials data (thesis §4.3.1, spec V10) unless given.
    3. Two PMA⁺ per Pb, one each side of a layer, in the A-site pocket (½, ½) of that layer:
       N at 2.0 Å from the Pb plane, the N–CH2–C(ipso)–C(para) axis along ±c, ring plane
       ⟂ b, ideal bond lengths (N–C 1.49, C–C 1.51, aromatic 1.39, C–H 1.09, N–H 1.03 Å).

    The result has the right composition (C14H20N2PbBr4 per Pb), layer period and
    connectivity; bond angles at CH2 and all tilts are idealised. Relax it (ML screening or
    DFT) before use; use a licensed CIF (``bulk(..., cif=)``) for quantitative work.
    """
    from pymatgen.core import Lattice, Structure

    from heterolab import materials

    mat = materials.get("PMA2PbBr4")
    c = float(stacking_period or mat.parameters["stacking_period"].value)
    a = float(a or materials.get("CsPbBr3").lattices["cubic"].a)
    if not (a > 0 and c > 4 * a):
        raise ParameterError(f"need a > 0 and c > 4a for a layered cell, got a = {a}, c = {c}")
    mol_species, mol_xyz = benzylammonium()
    species: list[str] = []
    cart: list[np.ndarray] = []
    for shift, z0 in (((0.0, 0.0), 0.0), ((0.5, 0.5), c / 2)):
        ox, oy = shift[0] * a, shift[1] * a
        layer = [
            ("Pb", (0, 0, 0)),
            ("Br", (a / 2, 0, 0)),
            ("Br", (0, a / 2, 0)),
            ("Br", (0, 0, a / 2)),
            ("Br", (0, 0, -a / 2)),
        ]
        for el, p in layer:
            species.append(el)
            cart.append(np.array([ox + p[0], oy + p[1], z0 + p[2]]))
        for sign in (+1, -1):
            pocket = np.array([ox + a / 2, oy + a / 2, z0 + sign * N_HEIGHT])
            flip = np.array([1.0, sign, sign])  # mirror through the layer for the lower one
            for el, p in zip(mol_species, mol_xyz, strict=True):
                species.append(el)
                cart.append(pocket + p * flip)
    s = Structure(Lattice.tetragonal(a, c), species, np.array(cart), coords_are_cartesian=True)
    s.properties.update(
        source=(
            f"MODEL (heterolab.atomistic.build.pma2pbbr4_model): a = {a} Å, c = {c} Å "
            f"({mat.parameters['stacking_period'].source}); idealised PMA+ placement"
        ),
        model=True,
    )
    return s


# --------------------------------------------------------------------------- slabs
def atomic_layers(structure: Structure, tol: float = 0.3) -> list[list[int]]:
    """Site indices grouped into atomic layers along c (Å gap > ``tol``), bottom first."""
    z = np.asarray(structure.cart_coords)[:, 2]
    order = np.argsort(z)
    layers: list[list[int]] = [[int(order[0])]]
    for i in order[1:]:
        if z[i] - z[layers[-1][-1]] > tol:
            layers.append([])
        layers[-1].append(int(i))
    return layers


def _formula(structure: Structure, idx: Sequence[int]) -> str:
    from pymatgen.core import Composition

    comp = Composition()
    for i in idx:
        comp += Composition(structure[i].specie.symbol)
    return comp.reduced_formula


def slab(
    bulk_structure: Structure,
    miller: Sequence[int],
    *,
    layers: int = 7,
    vacuum: float = 15.0,
    termination: str | None = None,
    symmetric: bool = False,
    fix_bottom: int = 0,
    primitive: bool = True,
) -> Structure:
    """A slab of ``layers`` atomic layers with the chosen top termination.

    ``properties`` record the terminations, thickness, area and the polarity of the
    stacking (nominal layer charges, dipole, Tasker type: :func:`heterolab.atomistic.surfaces.
    polarity`). PbS (111) is polar (Tasker III: Pb²⁺ and S²⁻ planes): a slab with
    ``termination="Pb"`` and an even number of layers is stoichiometric with a dipole; with
    ``symmetric=True`` (odd layers) it has none but is off-stoichiometric.

    Parameters
    ----------
    bulk_structure
        Bulk cell (conventional setting).
    miller
        Surface plane (h, k, l).
    layers
        Number of atomic layers (planes of atoms separated by > 0.3 Å along the normal).
    vacuum
        Vacuum thickness (Å) above the slab (c is made normal to the surface).
    termination
        Reduced formula of the top layer: ``"CsBr"`` or ``"PbBr2"`` for CsPbBr3 (100);
        ``"PbS"`` for PbS (100); ``"Pb"`` or ``"S"`` for PbS (111). ``None``: as generated.
    symmetric
        Require the bottom layer to have the same termination (choose ``layers`` odd for
        alternating stacks).
    fix_bottom
        Number of bottom layers frozen (``selective_dynamics`` False) to mimic the bulk.
    primitive
        Reduce to the smallest in-plane cell (hexagonal 1 × 1 for rock-salt (111), one atom
        a layer), right-handed with c along +z (:func:`heterolab.atomistic.surfaces.
        primitive_surface_cell`).

    Raises
    ------
    ParameterError
        Unknown termination (lists those this plane offers), asymmetric slab when
        ``symmetric``, bad counts.
    """
    from pymatgen.core import Lattice, Structure
    from pymatgen.core.surface import SlabGenerator

    hkl = tuple(int(x) for x in miller)
    if len(hkl) != 3 or not any(hkl):
        raise ParameterError(f"miller must be three integers, not all zero; got {miller!r}")
    if layers < 1 or not 0 <= fix_bottom < layers or vacuum <= 0:
        raise ParameterError(
            f"need layers >= 1, 0 <= fix_bottom < layers, vacuum > 0; got layers = {layers}, "
            f"fix_bottom = {fix_bottom}, vacuum = {vacuum}"
        )
    # an over-thick slab (whole layers guaranteed away from its two faces) cut down to
    # ``layers`` layers; the outermost layer of each face may be cut by the shift: never used
    with _Quiet():
        probe = SlabGenerator(
            bulk_structure, hkl, min_slab_size=1, min_vacuum_size=vacuum, in_unit_planes=True
        )
        per_cell = len(atomic_layers(probe.get_slab(shift=0).get_orthogonal_c_slab()))
        gen = SlabGenerator(
            bulk_structure,
            hkl,
            min_slab_size=layers // max(per_cell, 1) + 3,
            min_vacuum_size=vacuum,
            in_unit_planes=True,
            lll_reduce=True,
        )
        thick = gen.get_slab(shift=0).get_orthogonal_c_slab()
    groups = atomic_layers(thick)
    names = [_formula(thick, g) for g in groups]
    inner = range(len(groups) - 2, layers - 1, -1)  # candidate top layers
    available = sorted({names[i] for i in inner})
    start_top = len(groups) - 2
    if termination is not None:
        from pymatgen.core import Composition

        want = Composition(termination).reduced_formula
        tops = [i for i in inner if names[i] == want]
        if not tops:
            raise ParameterError(
                f"termination {termination!r} does not occur on {hkl}; layers of this plane: "
                f"{', '.join(available)}"
            )
        start_top = tops[0]
    keep_layers = groups[start_top - layers + 1 : start_top + 1]
    if symmetric and names[start_top - layers + 1] != names[start_top]:
        raise ParameterError(
            f"{layers} layers give top {names[start_top]} and bottom "
            f"{names[start_top - layers + 1]}; use {layers + 1} or {layers - 1} layers"
        )
    idx = [i for g in keep_layers for i in g]
    cart = np.asarray(thick.cart_coords)[idx]
    z_min, z_max = cart[:, 2].min(), cart[:, 2].max()
    m = thick.lattice.matrix
    c_len = (z_max - z_min) + vacuum
    lattice = Lattice([m[0], m[1], [0.0, 0.0, c_len]])
    cart = cart - np.array([0.0, 0.0, z_min - 1e-6])
    frozen = {i for g in keep_layers[:fix_bottom] for i in g}
    out = Structure(
        lattice,
        [thick[i].species for i in idx],
        cart,
        coords_are_cartesian=True,
        # only with frozen layers: an all-free flag set makes pymatgen's Poscar warn
        site_properties=(
            {"selective_dynamics": [[i not in frozen] * 3 for i in idx]} if frozen else None
        ),
    )
    out.properties.update(
        source=f"slab {hkl} of {bulk_structure.properties.get('source', 'bulk')}",
        model=bool(bulk_structure.properties.get("model", False)),
        miller=list(hkl),
        termination_top=names[start_top],
        termination_bottom=names[start_top - layers + 1],
        layers=layers,
        fixed_layers=fix_bottom,
        thickness=float(z_max - z_min),
        vacuum=float(vacuum),
        area=float(lattice.volume / c_len),
    )
    from heterolab.atomistic.surfaces import polarity, primitive_surface_cell

    if primitive:
        out = primitive_surface_cell(out)
    out.properties.update(polarity(out, bulk_structure, atomic_layers(out)))
    return out


# --------------------------------------------------------------------------- matching
class _PythonZSL:
    """Run pymatgen's ZSL search with its numba kernels replaced by their Python originals.

    pymatgen compiles these kernels in every new process without a cache (11–19 s here on
    the first call); in Python a search up to 150 Å² takes 0.01 s and one up to 400 Å²
    0.2 s. The module's globals are restored on exit.
    """

    def __enter__(self) -> None:
        import pymatgen.analysis.interfaces.zsl as zsl

        self._saved = {n: o for n, o in vars(zsl).items() if hasattr(o, "py_func")}
        for n, o in self._saved.items():
            setattr(zsl, n, o.py_func)

    def __exit__(self, *exc: object) -> None:
        import pymatgen.analysis.interfaces.zsl as zsl

        for n, o in self._saved.items():
            setattr(zsl, n, o)


@dataclass(frozen=True)
class InterfaceMatch:
    """One coincidence-lattice match of a film plane on a substrate plane.

    Attributes
    ----------
    film_vectors, substrate_vectors
        In-plane superlattice vectors (Å, 2 × 3).
    area
        Substrate superlattice area (Å²).
    mismatch
        |s_i|/|f_i| − 1 for the two vectors (fraction): the film stretch along each.
    film_strain
        Principal in-plane strains of the film when it adopts the substrate (fraction).
    substrate_strain
        Principal strains of the substrate if it adopted the film (fraction).
    film_multiplicity, substrate_multiplicity
        Surface cells of each side in the supercell (det of the ZSL transformations).
    """

    film_vectors: np.ndarray
    substrate_vectors: np.ndarray
    area: float
    mismatch: tuple[float, float]
    film_strain: tuple[float, float]
    substrate_strain: tuple[float, float]
    film_multiplicity: int
    substrate_multiplicity: int

    @property
    def max_strain(self) -> float:
        """Largest |principal strain| of the film (fraction)."""
        return float(max(abs(x) for x in self.film_strain))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (strains in %)."""
        return {
            "area_angstrom2": round(self.area, 4),
            "film_lengths": np.linalg.norm(self.film_vectors, axis=1).round(4).tolist(),
            "substrate_lengths": np.linalg.norm(self.substrate_vectors, axis=1).round(4).tolist(),
            "mismatch_percent": [round(100 * x, 4) for x in self.mismatch],
            "film_strain_percent": [round(100 * x, 4) for x in self.film_strain],
            "substrate_strain_percent": [round(100 * x, 4) for x in self.substrate_strain],
            "film_cells": self.film_multiplicity,
            "substrate_cells": self.substrate_multiplicity,
        }


def _planar(v: np.ndarray) -> np.ndarray:
    """Two 3-D vectors as columns of a 2 × 2 matrix in their own plane (u along x)."""
    u, w = v[0], v[1]
    lu, lw = np.linalg.norm(u), np.linalg.norm(w)
    cos = float(np.dot(u, w) / (lu * lw))
    return np.array([[lu, lw * cos], [0.0, lw * math.sqrt(max(1 - cos * cos, 0.0))]])


def _principal_strains(f: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """Principal strains (eigenvalues of U − I, F = R U) taking lattice ``f`` onto ``s``."""
    from scipy.linalg import polar

    deform = _planar(s) @ np.linalg.inv(_planar(f))
    _, u = polar(deform)
    ev = np.sort(np.linalg.eigvalsh(u) - 1.0)
    return float(ev[0]), float(ev[1])


def _surface_vectors(structure: Structure, miller: Sequence[int]) -> np.ndarray:
    """In-plane primitive surface vectors, as CoherentInterfaceBuilder computes them."""
    from pymatgen.core.surface import SlabGenerator

    with _Quiet():
        gen = SlabGenerator(
            structure,
            tuple(miller),
            min_slab_size=1,
            min_vacuum_size=3,
            in_unit_planes=True,
            center_slab=True,
            primitive=True,
            reorient_lattice=False,
        )
        return np.asarray(gen.get_slab(shift=0).lattice.matrix[:2])


def find_matches(
    film: Structure,
    substrate: Structure,
    film_miller: Sequence[int],
    substrate_miller: Sequence[int],
    *,
    max_area: float = 100.0,
    max_length_tol: float = 0.03,
    max_angle_tol: float = 0.01,
) -> list[InterfaceMatch]:
    """Coincidence-lattice matches (ZSL) of two planes, smallest area then strain first.

    pymatgen's ``ZSLGenerator`` enumerates the superlattices; this adds the strain each side
    would carry (pymatgen reports only a von Mises strain of the film) and the number of
    surface cells of each. ``max_length_tol`` is the largest relative length mismatch
    admitted (0.03 = 3 %), ``max_angle_tol`` the relative angle mismatch.
    """
    from pymatgen.analysis.interfaces.zsl import ZSLGenerator

    if max_area <= 0 or max_length_tol <= 0 or max_angle_tol <= 0:
        raise ParameterError("max_area, max_length_tol and max_angle_tol must be positive")
    fv = _surface_vectors(film, film_miller)
    sv = _surface_vectors(substrate, substrate_miller)
    gen = ZSLGenerator(
        max_area=max_area, max_length_tol=max_length_tol, max_angle_tol=max_angle_tol
    )
    with _PythonZSL():
        raw = list(gen(fv, sv, lowest=False))
    out = []
    seen = set()
    for m in raw:
        f = np.asarray(m.film_sl_vectors)
        s = np.asarray(m.substrate_sl_vectors)
        lf, ls = np.linalg.norm(f, axis=1), np.linalg.norm(s, axis=1)
        area = float(abs(np.linalg.det(_planar(s))))  # not m.match_area: a numba kernel
        key = (round(area, 3), *np.round(np.sort(ls), 3))
        if key in seen:
            continue
        seen.add(key)
        film_strain = _principal_strains(f, s)
        sub_strain = _principal_strains(s, f)
        out.append(
            InterfaceMatch(
                film_vectors=f,
                substrate_vectors=s,
                area=area,
                mismatch=(float(ls[0] / lf[0] - 1), float(ls[1] / lf[1] - 1)),
                film_strain=film_strain,
                substrate_strain=sub_strain,
                film_multiplicity=round(abs(np.linalg.det(m.film_transformation))),
                substrate_multiplicity=round(abs(np.linalg.det(m.substrate_transformation))),
            )
        )
    return sorted(out, key=lambda x: (round(x.area, 2), x.max_strain))


def interface(
    film: Structure,
    substrate: Structure,
    film_miller: Sequence[int],
    substrate_miller: Sequence[int],
    *,
    termination: tuple[str, str] | None = None,
    film_layers: int = 2,
    substrate_layers: int = 2,
    gap: float = 2.5,
    vacuum: float = 15.0,
    max_area: float = 60.0,
    max_length_tol: float = 0.03,
    max_angle_tol: float = 0.01,
) -> Structure:
    """Interface supercell of ``film`` on ``substrate`` (smallest-area match), via pymatgen's
    ``CoherentInterfaceBuilder``.

    The film is strained onto the substrate. Quirks worked around: the builder wants
    conventional standard cells (converted here); its lattice search is given a bounded
    ``max_area`` (unbounded it enumerates for minutes); its ``ValueError`` when the ZSL
    vectors are not integer combinations ("lattice vectors changed") becomes a
    :class:`ParameterError` that says to tighten the tolerances; thicknesses are in unit
    planes (``in_layers``). ``properties`` records the terminations, strains, area, atom
    count and gap.
    """
    from pymatgen.analysis.interfaces.coherent_interfaces import CoherentInterfaceBuilder
    from pymatgen.analysis.interfaces.zsl import ZSLGenerator
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    with _Quiet(), _PythonZSL():
        film_c = SpacegroupAnalyzer(film).get_conventional_standard_structure()
        sub_c = SpacegroupAnalyzer(substrate).get_conventional_standard_structure()
        try:
            builder = CoherentInterfaceBuilder(
                substrate_structure=sub_c,
                film_structure=film_c,
                film_miller=tuple(film_miller),
                substrate_miller=tuple(substrate_miller),
                zslgen=ZSLGenerator(
                    max_area=max_area,
                    max_length_tol=max_length_tol,
                    max_angle_tol=max_angle_tol,
                ),
            )
        except ValueError as exc:
            raise ParameterError(
                f"pymatgen's interface builder refused the match ({exc}); tighten "
                "max_length_tol/max_angle_tol or lower max_area"
            ) from None
        if not builder.zsl_matches:
            raise ParameterError(
                f"no lattice match within {max_area} Å² and {100 * max_length_tol:.3g} % "
                "length mismatch; raise max_area or max_length_tol"
            )
        terms = builder.terminations
        if termination is None:
            termination = terms[0]
        elif termination not in terms:
            raise ParameterError(f"termination {termination!r} not offered; available: {terms}")
        made = next(
            iter(
                builder.get_interfaces(
                    termination,
                    gap=gap,
                    vacuum_over_film=vacuum,
                    film_thickness=film_layers,
                    substrate_thickness=substrate_layers,
                    in_layers=True,
                )
            ),
            None,
        )
    if made is None:
        raise ParameterError(f"pymatgen built no interface for termination {termination}")
    s = made.copy()
    m = s.lattice.matrix
    area = float(np.linalg.norm(np.cross(m[0], m[1])))
    strain = made.interface_properties.get("strain")
    s.properties.update(
        source=(
            f"interface {tuple(film_miller)} {film.composition.reduced_formula} on "
            f"{tuple(substrate_miller)} {substrate.composition.reduced_formula}"
        ),
        model=bool(film.properties.get("model") or substrate.properties.get("model")),
        termination=list(termination),
        area=area,
        n_atoms=len(s),
        gap=gap,
        film_atoms=len(made.film_indices),
        substrate_atoms=len(made.substrate_indices),
        von_mises_strain=float(made.interface_properties.get("von_mises_strain", math.nan)),
        # Green-Lagrange strain of the film, E = (F^T F - I)/2 (pymatgen's convention)
        film_strain_tensor=np.asarray(strain).tolist() if strain is not None else None,
    )
    return s


#: The thesis's 2D/3D plane pairs (§4.3.1): CsPbBr3 (hkl) against PMA2PbBr4 (00l) and the
#: printed mismatch (%).
THESIS_2D3D_PAIRS: tuple[tuple[tuple[int, int, int], int, float], ...] = (
    ((1, 1, 0), 8, 0.94),
    ((1, 1, 1), 10, 1.35),
    ((1, 0, 0), 6, 5.61),
)


def plane_matches_2d3d(
    layered: Structure | None = None, cubic: Structure | None = None
) -> list[dict[str, Any]]:
    """The thesis's 2D/3D plane-spacing matches recomputed from structures.

    f = (d_2D − d_3D)/d_3D (:func:`heterolab.physics.structure.lattice_mismatch` with the 3D
    phase as reference; with c = 33.54 Å it reproduces the printed 0.94 %; the thesis
    prints magnitudes and states no convention), with
    d_2D = d(00l) of ``layered`` (default: the PMA2PbBr4 model, c = 33.4 Å) and d_3D of
    ``cubic`` (default: cubic CsPbBr3, a = 5.874 Å), set beside the printed 0.94, 1.35 and
    5.61 %. Each row names the structures' sources.
    """
    from heterolab.physics.structure import lattice_mismatch

    layered = layered if layered is not None else pma2pbbr4_model()
    cubic = cubic if cubic is not None else bulk("CsPbBr3", "cubic")
    rows = []
    for hkl, l_index, printed in THESIS_2D3D_PAIRS:
        d3 = float(cubic.lattice.d_hkl(hkl))
        d2 = float(layered.lattice.d_hkl((0, 0, l_index)))
        rows.append(
            {
                "pair": f"CsPbBr3 {hkl} / PMA2PbBr4 (0 0 {l_index})",
                "d_3d_angstrom": d3,
                "d_2d_angstrom": d2,
                "mismatch_percent": 100 * lattice_mismatch(d2, d3),
                "convention": "(d_2D - d_3D)/d_3D",
                "thesis_percent": printed,
                "source_2d": layered.properties.get("source", ""),
                "source_3d": cubic.properties.get("source", ""),
            }
        )
    return rows


def load_structure(spec: str) -> Structure:
    """A bulk cell from a material name (``"CsPbBr3"``, ``"CsPbBr3:orthorhombic"``) or any
    structure file pymatgen reads (CIF, POSCAR, ...)."""
    from pathlib import Path

    from pymatgen.core import Structure

    path = Path(spec)
    if path.exists():
        if path.suffix.lower() == ".cif":
            return bulk("", cif=path)
        with _Quiet():
            try:
                s = Structure.from_file(str(path))
            except Exception as exc:
                raise FormatError(
                    path, f"not a readable structure ({type(exc).__name__}: {exc})"
                ) from None
        s.properties.update(source=f"file {path}", model=False)
        return s
    name, _, phase = spec.partition(":")
    return bulk(name, phase or None)


def describe(structure: Structure, path: str | PathLike[str] | None = None) -> Result:
    """A Result describing a structure (``atomistic.structure``): atom count, cell, area,
    slab thickness, terminations and whether it is a model."""
    from heterolab.result import Quantity, Result, make_provenance

    lat = structure.lattice
    m = lat.matrix
    p = structure.properties
    derived = {
        "n_atoms": Quantity(float(len(structure)), None, "1"),
        "a": Quantity(float(lat.a), None, "angstrom"),
        "b": Quantity(float(lat.b), None, "angstrom"),
        "c": Quantity(float(lat.c), None, "angstrom"),
        "area_ab": Quantity(float(np.linalg.norm(np.cross(m[0], m[1]))), None, "angstrom^2"),
    }
    if "thickness" in p:
        derived["thickness"] = Quantity(float(p["thickness"]), None, "angstrom")
    if "dipole_e_angstrom" in p:  # nominal-charge dipole of the slab per surface cell
        derived["dipole"] = Quantity(float(p["dipole_e_angstrom"]), None, "e*angstrom")
    stats: dict[str, Any] = {
        "formula": structure.composition.formula,
        "reduced_formula": structure.composition.reduced_formula,
        "source": p.get("source", ""),
        "model": bool(p.get("model", False)),
    }
    for key in ("termination_top", "termination_bottom", "layers", "fixed_layers", "termination"):
        if key in p:
            stats[key] = p[key] if not isinstance(p[key], list) else " / ".join(map(str, p[key]))
    if "selective_dynamics" in structure.site_properties:
        sd = structure.site_properties["selective_dynamics"]
        stats["fixed_atoms"] = sum(1 for f in sd if not any(f))
    for key in ("film_atoms", "substrate_atoms", "von_mises_strain", "tasker_type", "polar"):
        if key in p:
            stats[key] = p[key]
    res = Result(
        kind="atomistic.structure",
        derived=derived,
        statistics=stats,
        provenance=make_provenance([path] if path else [], {}),
    )
    if stats["model"]:
        res.warnings.append("MODEL structure: " + str(stats["source"]))
    if p.get("polar"):
        res.warnings.append(
            f"polar (Tasker {p['tasker_type']}) stacking: nominal dipole "
            f"{p['dipole_e_angstrom']:.3g} e·Å per surface cell; DFT needs the dipole "
            "correction (set for slabs in vasp-inputs) and real surfaces may reconstruct"
        )
    return res


def match_interfaces(
    film: Structure,
    substrate: Structure,
    film_miller: Sequence[int],
    substrate_miller: Sequence[int],
    *,
    max_area: float = 100.0,
    max_length_tol: float = 0.03,
    max_angle_tol: float = 0.01,
    n_show: int = 5,
) -> Result:
    """ZSL matches as a Result (``atomistic.interface_match``): the smallest-area match's
    strains (%) and area (Å²) as derived quantities, the first ``n_show`` in statistics."""
    from heterolab.result import Quantity, Result, make_provenance

    matches = find_matches(
        film,
        substrate,
        film_miller,
        substrate_miller,
        max_area=max_area,
        max_length_tol=max_length_tol,
        max_angle_tol=max_angle_tol,
    )
    settings = {
        "film": film.composition.reduced_formula,
        "substrate": substrate.composition.reduced_formula,
        "film_miller": list(film_miller),
        "substrate_miller": list(substrate_miller),
        "max_area": max_area,
        "max_length_tol": max_length_tol,
    }
    res = Result(
        kind="atomistic.interface_match",
        statistics={
            "n_matches": len(matches),
            "matches": [m.to_dict() for m in matches[:n_show]],
            "film_source": film.properties.get("source", ""),
            "substrate_source": substrate.properties.get("source", ""),
            "strain_convention": "film strained onto the substrate: principal strains of U - I, F = RU",
        },
        provenance=make_provenance((), settings),
    )
    if not matches:
        res.mark_failed(
            f"no match within {max_area} Å² and {100 * max_length_tol:.3g} % length mismatch"
        )
        return res
    best = matches[0]
    res.derived.update(
        {
            "area": Quantity(best.area, None, "angstrom^2"),
            "film_strain_max": Quantity(100 * max(best.film_strain, key=abs), None, "%"),
            "film_strain_min": Quantity(100 * min(best.film_strain, key=abs), None, "%"),
            "substrate_strain_max": Quantity(100 * max(best.substrate_strain, key=abs), None, "%"),
            "film_cells": Quantity(float(best.film_multiplicity), None, "1"),
            "substrate_cells": Quantity(float(best.substrate_multiplicity), None, "1"),
        }
    )
    if film.properties.get("model") or substrate.properties.get("model"):
        res.warnings.append("a MODEL structure enters this match (see the sources)")
    return res
