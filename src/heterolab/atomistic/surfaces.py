"""Surface cells of slabs: the primitive in-plane cell and the polarity of the stacking.

- :func:`primitive_surface_cell` reduces a slab to its smallest in-plane cell (pymatgen's
  ``get_primitive_structure`` finds the in-plane translations; the vacuum forbids any along
  the normal) and writes it right-handed with c along +z, a along x and, for a hexagonal
  net, γ = 120°. A rock-salt (111) slab cut from the conventional cube comes out of
  pymatgen's ``SlabGenerator`` as a 2 × 2 cell (four atoms a layer); its primitive surface
  cell has one atom a layer, a = a_bulk/√2 and area √3 a_bulk²/4.
- :func:`polarity`: nominal layer charges (pymatgen's most likely oxidation states of the
  bulk) classify the stacking after Tasker (J. Phys. C 12, 4977 (1979)): type I when every
  layer is neutral (CsPbBr3 (100): CsBr⁰ / PbBr2⁰; PbS (100)), type III when the layers are
  charged and alternate (PbS (111): Pb²⁺ / S²⁻ planes). A type-III slab with different top
  and bottom layers is stoichiometric but carries a dipole across the slab (nominal charges,
  e·Å per surface cell, reported); with the same layer on both faces it has no dipole but is
  off-stoichiometric. Either way the DFT inputs need the dipole correction (the VASP inputs
  of :mod:`heterolab.atomistic.vasp` set LDIPOL/IDIPOL = 3 for slabs) and real (111) surfaces
  reconstruct or adsorb to compensate; the ideal polar slab is a model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pymatgen.core import Structure

__all__ = ["polarity", "primitive_surface_cell"]


def primitive_surface_cell(slab: Structure, tol: float = 0.01) -> Structure:
    """The slab on its smallest in-plane cell (right-handed, c along +z, a along x).

    Returns ``slab`` itself when no smaller cell exists. Site properties (selective
    dynamics) and ``properties`` are kept.
    """
    from pymatgen.core import Lattice, Structure

    prim = slab.get_primitive_structure(tolerance=tol, use_site_props=True)
    if len(prim) >= len(slab):
        return slab
    m = prim.lattice.matrix
    normal_idx = int(np.argmax(np.abs(m[:, 2])))
    a1, a2 = (m[i] for i in range(3) if i != normal_idx)
    if abs(np.dot(a1, a2)) > 1e-6 and np.dot(a1, a2) > 0:
        # an acute 60° pair becomes the conventional 120° one; other obtuse/acute: keep
        cos = np.dot(a1, a2) / (np.linalg.norm(a1) * np.linalg.norm(a2))
        if math.isclose(cos, 0.5, abs_tol=1e-3):
            a2 = a2 - a1
    if np.cross(a1, a2)[2] < 0:
        a1, a2 = a2, a1
    phi = math.atan2(a1[1], a1[0])
    rot = np.array(
        [[math.cos(-phi), -math.sin(-phi), 0.0], [math.sin(-phi), math.cos(-phi), 0.0], [0, 0, 1]]
    )
    height = float(slab.lattice.matrix[2, 2])
    lattice = Lattice([rot @ a1, rot @ a2, [0.0, 0.0, height]])
    cart = np.asarray(prim.cart_coords) @ rot.T
    frac = lattice.get_fractional_coords(cart)
    frac[:, :2] %= 1.0
    frac[:, 2] -= np.floor(frac[:, 2].min())  # keep the slab's z, undo a wrap of c
    out = Structure(
        lattice,
        prim.species,
        frac,
        site_properties=prim.site_properties or None,
    )
    out.properties.update(slab.properties)
    out.properties["area"] = float(abs(np.cross(lattice.matrix[0], lattice.matrix[1])[2]))
    return out


def polarity(slab: Structure, bulk: Structure, layers: list[list[int]]) -> dict[str, Any]:
    """Nominal charge of each atomic layer (e per surface cell), net charge, dipole along z
    (e·Å per surface cell) and the Tasker type; ``{"tasker_type": "unknown"}`` when the
    bulk has no charge-balanced set of oxidation states."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        guesses = bulk.composition.oxi_state_guesses()
    if not guesses:
        return {"tasker_type": "unknown"}
    ox = {str(k): float(v) for k, v in guesses[0].items()}
    z = np.asarray(slab.cart_coords)[:, 2]
    charges = [sum(ox[slab[i].specie.symbol] for i in layer) for layer in layers]
    dipole = sum(ox[slab[i].specie.symbol] * (z[i] - z.mean()) for layer in layers for i in layer)
    charged = any(abs(q) > 1e-9 for q in charges)
    return {
        "oxidation_states": ox,
        "layer_charges": [round(q, 6) for q in charges],
        "net_charge": round(float(sum(charges)), 6),
        "dipole_e_angstrom": round(float(dipole), 6),
        "tasker_type": "III" if charged else "I",
        "polar": charged,
    }


def retune_interface(
    interface_structure: Structure,
    *,
    film_bottom: str | None = None,
    shift: tuple[float, float] = (0.0, 0.0),
    gap: float | None = None,
) -> Structure:
    """Change an interface's film-side contact: bottom termination, registry and gap.

    pymatgen's ``CoherentInterfaceBuilder`` offers one termination pair per distinct slab
    (for CsPbBr3 (100) on PbS (100) only the CsBr-terminated film) and puts the film at one
    in-plane registry. Here:

    - ``film_bottom``: remove the film's bottom atomic layers until the layer touching the
      substrate has this reduced formula (``"PbBr2"``); the film keeps its top.
    - ``shift``: translate the film by this fraction of the in-plane cell vectors (the
      registry; e.g. ``(0.5, 0)`` puts Pb of a PbBr2 contact over S of PbS (100) and Br
      over Pb, the rock-salt-like continuation).
    - ``gap``: distance (Å) between the substrate's top plane and the film's bottom plane
      (default: the gap before the change).

    Site labels (``interface_label``) and ``properties`` are kept and updated.

    Raises
    ------
    ParameterError
        No film labels, or the requested termination is not among the film's layers.
    """
    from pymatgen.core import Composition

    from heterolab.atomistic.build import atomic_layers
    from heterolab.errors import ParameterError

    labels = interface_structure.site_properties.get("interface_label")
    if labels is None:
        raise ParameterError(
            "the structure has no interface_label site property (not an interface)"
        )
    s = interface_structure.copy()
    film = [i for i, lab in enumerate(labels) if lab == "film"]
    sub = [i for i, lab in enumerate(labels) if lab != "film"]
    z = np.asarray(s.cart_coords)[:, 2]
    old_gap = float(z[film].min() - z[sub].max())
    if film_bottom is not None:
        want = Composition(film_bottom).reduced_formula
        film_part = s.copy()
        film_part.remove_sites(sub)
        layers = atomic_layers(film_part)
        names = [
            Composition("".join(film_part[i].specie.symbol for i in g)).reduced_formula
            for g in layers
        ]
        if want not in names[:-1]:
            raise ParameterError(
                f"film termination {film_bottom!r} not among the film's layers {names} "
                "(bottom first; the top layer is kept)"
            )
        cut = names.index(want)
        zf = np.asarray(film_part.cart_coords)[:, 2]
        z_cut = zf[layers[cut]].min() - 1e-3
        s.remove_sites([i for i in film if z[i] < z_cut])
    labels = s.site_properties["interface_label"]
    film = [i for i, lab in enumerate(labels) if lab == "film"]
    sub = [i for i, lab in enumerate(labels) if lab != "film"]
    z = np.asarray(s.cart_coords)[:, 2]
    target = old_gap if gap is None else float(gap)
    dz = target - float(z[film].min() - z[sub].max())
    s.translate_sites(film, [float(shift[0]), float(shift[1]), 0.0], frac_coords=True)
    s.translate_sites(film, [0.0, 0.0, dz], frac_coords=False, to_unit_cell=False)
    s.properties.update(interface_structure.properties)
    s.properties.update(
        gap=target,
        registry_shift=[float(shift[0]), float(shift[1])],
        film_atoms=len(film),
        n_atoms=len(s),
    )
    if film_bottom is not None:
        s.properties["film_termination_bottom"] = film_bottom
    return s
