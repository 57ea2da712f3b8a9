"""Analysis of returned DFT calculations: projected DOS, band edges per region, planar
averages, charge-density difference, potential step and interface energies.

Parsing is pymatgen's (:mod:`heterolab.io.dft`); the aggregation, the per-region band edges,
the planar averages and the bookkeeping of charge and energy are here. Conventions
(spec P-50, P-51):

- Energies in eV; DOS in states/eV; z along the surface normal (the lattice axis ``axis``)
  in Å, z = (fractional coordinate) × h with h = V / A the cell height over the in-plane
  area A.
- Charge density ρ in e/Å³ (VASP's CHGCAR stores ρ·V_cell; divided by V here).
  Planar average Δρ(z) = (1/A)∬[ρ_AB − ρ_A − ρ_B] dx dy, cumulative transferred charge
  ΔQ(z) = A ∫_0^z Δρ(z') dz' in e.
- Interface energy E_int = E_AB − E_A − E_B (negative = binding), per area
  γ = E_int / (n_interfaces · A).

References: Ong et al., Comput. Mater. Sci. 68, 314 (2013) (pymatgen);
Baldereschi, Baroni & Resta, Phys. Rev. Lett. 61, 734 (1988) (macroscopic average).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from heterolab.atomistic.choices import DosGrouping
from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result, make_provenance

if TYPE_CHECKING:
    import xarray as xr
    from pymatgen.electronic_structure.dos import CompleteDos
    from pymatgen.io.vasp import Vasprun, VolumetricData

__all__ = [
    "EV_PER_A2_TO_J_PER_M2",
    "DosGrouping",
    "aggregate_pdos",
    "band_edges",
    "charge_density_difference",
    "interface_energy",
    "interface_energy_table",
    "planar_average",
    "potential_step",
    "projected_dos",
]

#: 1 eV/Å² in J/m² (e · 1e20).
EV_PER_A2_TO_J_PER_M2 = 1.602176634e-19 * 1e20


_GROUPINGS = tuple(g.value for g in DosGrouping)


# --------------------------------------------------------------------------- DOS
def _vasprun(source: str | PathLike[str] | Vasprun, notes: list[str], **kw: Any) -> Vasprun:
    if isinstance(source, (str, PathLike)):
        from heterolab.io.dft import load_vasprun

        return load_vasprun(source, notes=notes, **kw)
    return source


def aggregate_pdos(
    cdos: CompleteDos,
    by: DosGrouping | str = DosGrouping.ELEMENT,
    sites: Sequence[int] | None = None,
) -> dict[str, np.ndarray]:
    """Sum the site- and orbital-projected DOS into groups.

    Parameters
    ----------
    cdos
        pymatgen ``CompleteDos`` (``Vasprun.complete_dos``).
    by
        ``"element"`` (Cs, Pb, ...), ``"orbital"`` (s, p, d, f over the chosen sites),
        ``"element_orbital"`` (``"Pb:s"``, ...) or ``"site"`` (``"Pb3"``, index in the cell).
    sites
        Site indices to include (e.g. one layer of a slab); all sites when ``None``.

    Returns
    -------
    dict
        Group name → array of shape (n_spin, n_energy) in states/eV, spin up first.
    """
    if str(by).lower() not in _GROUPINGS:
        raise ParameterError(f"unknown DOS grouping {by!r}; valid: {', '.join(_GROUPINGS)}")
    by = DosGrouping(str(by).lower())
    structure = cdos.structure
    chosen = set(range(len(structure))) if sites is None else {int(i) for i in sites}
    bad = sorted(i for i in chosen if not 0 <= i < len(structure))
    if bad:
        raise ParameterError(f"site indices {bad} outside 0..{len(structure) - 1}")
    spins = sorted(cdos.densities, key=lambda s: -int(s))
    out: dict[str, np.ndarray] = {}
    for idx, site in enumerate(structure):
        if idx not in chosen or site not in cdos.pdos:
            continue
        symbol = site.specie.symbol
        for orbital, dens in cdos.pdos[site].items():
            otype = orbital.orbital_type.name
            key = {
                "element": symbol,
                "orbital": otype,
                "element_orbital": f"{symbol}:{otype}",
                "site": f"{symbol}{idx}",
            }[by]
            arr = np.array([dens[s] for s in spins], dtype=float)
            out[key] = out[key] + arr if key in out else arr
    return out


def projected_dos(
    source: str | PathLike[str] | Vasprun,
    *,
    by: DosGrouping | str = DosGrouping.ELEMENT,
    sites: Sequence[int] | None = None,
    relative_to_fermi: bool = True,
    regions: Mapping[str, tuple[float, float]] | None = None,
    axis: int = 2,
) -> Result:
    """Total and projected DOS of a VASP run (``atomistic.dos``).

    Curves ``total`` and one per group (spin channels summed, states/eV) over ``energy``
    (eV, relative to E_F when ``relative_to_fermi``). With ``regions`` (name → z range in Å
    along lattice axis ``axis``) the groups are instead the layers of a slab: the DOS
    projected on the atoms inside each range (layer-resolved DOS). Derived: ``efermi`` (eV)
    and the number of electrons below E_F from the total DOS (∫ DOS dE, trapezoid).
    """
    import xarray as xr

    notes: list[str] = []
    vr = _vasprun(source, notes)
    cdos = vr.complete_dos
    if not cdos.pdos:
        raise ParameterError(
            "this vasprun.xml has no projected DOS (run VASP with LORBIT = 11 or 10)"
        )
    energies = np.asarray(cdos.energies, float)
    shift = float(cdos.efermi) if relative_to_fermi else 0.0
    coord = {"energy": ("energy", energies - shift, {"units": "eV"})}
    curves: dict[str, xr.DataArray] = {
        "total": xr.DataArray(
            np.sum(list(cdos.densities.values()), axis=0),
            dims="energy",
            coords=coord,
            name="total",
            attrs={"units": "states/eV"},
        )
    }
    if regions:
        z = _site_z(cdos.structure, axis)
        groups = {}
        for name, (lo, hi) in regions.items():
            inside = np.flatnonzero((z >= lo) & (z < hi))
            if inside.size == 0:
                raise ParameterError(f"region {name!r} ({lo}..{hi} Å) holds no atom")
            groups[name] = sum(aggregate_pdos(cdos, "element", inside.tolist()).values())
    else:
        groups = aggregate_pdos(cdos, by, sites)
    for key, arr in groups.items():
        curves[key] = xr.DataArray(
            arr.sum(axis=0), dims="energy", coords=coord, name=key, attrs={"units": "states/eV"}
        )
    below = energies <= cdos.efermi
    n_el = float(np.trapezoid(curves["total"].values[below], energies[below]))
    res = Result(
        kind="atomistic.dos",
        derived={
            "efermi": Quantity(float(cdos.efermi), None, "eV"),
            "electrons_below_efermi": Quantity(n_el, None, "1"),
        },
        statistics={
            "grouping": str(by),
            "groups": ",".join(k for k in curves if k != "total"),
            "energy_reference": "E_F" if relative_to_fermi else "absolute",
            "n_sites": len(cdos.structure) if sites is None else len(sites),
        },
        provenance=_prov(source, {"by": str(by), "sites": list(sites) if sites else None}),
        curves=curves,
        warnings=notes,
    )
    return res


def _prov(source: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    inputs = [source] if isinstance(source, (str, PathLike)) else []
    return make_provenance(inputs, settings)


# --------------------------------------------------------------------------- band edges
def _edges(
    eig: np.ndarray, efermi: float, mask: np.ndarray | None = None
) -> tuple[float, float, int, int]:
    """VBM, CBM and their k-point indices from eigenvalues (n_spin, n_k, n_band).

    Occupation by the Fermi level: states at or below E_F are occupied (as pymatgen's
    ``BandStructure.get_band_gap``), so a smeared partial occupation of a conduction band does
    not move the gap. ``mask`` (same shape, bool) restricts the states considered.
    """
    sel = np.ones(eig.shape, bool) if mask is None else mask
    occ = (eig <= efermi) & sel
    emp = (eig > efermi) & sel
    if not occ.any() or not emp.any():
        return math.nan, math.nan, -1, -1
    vbm = float(np.max(np.where(occ, eig, -np.inf)))
    cbm = float(np.min(np.where(emp, eig, np.inf)))
    k_v = int(np.argwhere(occ & (eig == vbm))[0][1])
    k_c = int(np.argwhere(emp & (eig == cbm))[0][1])
    return vbm, cbm, k_v, k_c


def band_edges(
    source: str | PathLike[str] | Vasprun,
    *,
    regions: Mapping[str, tuple[float, float]] | None = None,
    axis: int = 2,
    min_weight: float = 0.1,
) -> Result:
    """Band gap, VBM and CBM, overall and per region of a slab (``atomistic.band_edges``).

    Overall edges come from the eigenvalues, occupied meaning ≤ E_F. A region is a z range
    (Å, along lattice axis ``axis``); a state belongs to it when the fraction of its
    site-projected weight (VASP's PROCAR-type projections, LORBIT ≥ 10) on the region's
    atoms is at least ``min_weight``. Per region the derived quantities are
    ``<name>_vbm``, ``<name>_cbm`` and ``<name>_gap`` (eV); with exactly two regions the band
    offsets ``vbo = VBM_2 − VBM_1`` and ``cbo = CBM_2 − CBM_1`` (eV).

    Raises
    ------
    ParameterError
        Regions requested but the run has no projections; bad region bounds.
    """
    notes: list[str] = []
    vr = _vasprun(source, notes, parse_projected_eigen=bool(regions))
    spins = sorted(vr.eigenvalues, key=lambda s: -int(s))
    eig = np.array([vr.eigenvalues[s][..., 0] for s in spins])  # (spin, k, band)
    efermi = float(vr.efermi)
    vbm, cbm, k_v, k_c = _edges(eig, efermi)
    derived = {
        "gap": Quantity(max(cbm - vbm, 0.0), None, "eV"),
        "vbm": Quantity(vbm, None, "eV"),
        "cbm": Quantity(cbm, None, "eV"),
        "efermi": Quantity(efermi, None, "eV"),
    }
    stats: dict[str, Any] = {"direct": bool(k_v == k_c), "n_kpoints": eig.shape[1]}
    res = Result(
        kind="atomistic.band_edges",
        derived=derived,
        statistics=stats,
        provenance=_prov(source, {"regions": dict(regions or {}), "min_weight": min_weight}),
        warnings=notes,
    )
    if not math.isfinite(vbm + cbm):
        res.mark_failed("no occupied or no empty state relative to E_F: metal or too few bands")
        return res
    if regions:
        pe = vr.projected_eigenvalues
        if not pe:
            raise ParameterError(
                "band edges per region need site projections: run VASP with LORBIT = 11"
            )
        weights = np.array([pe[s].sum(axis=3) for s in spins])  # (spin, k, band, atom)
        total = weights.sum(axis=3)
        z = _site_z(vr.final_structure, axis)
        edges = {}
        for name, (lo, hi) in regions.items():
            if not hi > lo:
                raise ParameterError(f"region {name!r}: upper bound {hi} must exceed {lo}")
            atoms = (z >= lo) & (z < hi)
            if not atoms.any():
                raise ParameterError(
                    f"region {name!r} ({lo}..{hi} Å) holds no atom; atoms lie at "
                    f"z = {np.round(np.sort(z), 2).tolist()} Å"
                )
            frac = np.divide(
                weights[..., atoms].sum(axis=-1), total, out=np.zeros_like(total), where=total > 0
            )
            rv, rc, _, _ = _edges(eig, efermi, frac >= min_weight)
            edges[name] = (rv, rc)
            res.derived[f"{name}_vbm"] = Quantity(rv, None, "eV")
            res.derived[f"{name}_cbm"] = Quantity(rc, None, "eV")
            res.derived[f"{name}_gap"] = Quantity(rc - rv, None, "eV")
            res.statistics[f"{name}_atoms"] = int(atoms.sum())
        if len(edges) == 2:
            (v1, c1), (v2, c2) = edges.values()
            res.derived["vbo"] = Quantity(v2 - v1, None, "eV")
            res.derived["cbo"] = Quantity(c2 - c1, None, "eV")
            res.statistics["alignment"] = _alignment(v1, c1, v2, c2)
    return res


def _alignment(v1: float, c1: float, v2: float, c2: float) -> str:
    """Type I (straddling), II (staggered) or III (broken gap) from two regions' edges."""
    if not all(math.isfinite(x) for x in (v1, c1, v2, c2)):
        return "undetermined"
    if c1 <= v2 or c2 <= v1:
        return "type III"
    straddle_1 = v1 <= v2 and c1 >= c2
    straddle_2 = v2 <= v1 and c2 >= c1
    return "type I" if straddle_1 or straddle_2 else "type II"


def _site_z(structure: Any, axis: int) -> np.ndarray:
    """Site heights (Å) along lattice axis ``axis``: fractional coordinate × cell height."""
    lat = structure.lattice
    return np.asarray(structure.frac_coords[:, axis] % 1.0) * _height(lat.matrix, axis)


def _height(matrix: np.ndarray, axis: int) -> float:
    """Cell height along ``axis``: V / |a_i × a_j| of the two other lattice vectors."""
    others = [i for i in range(3) if i != axis]
    area = float(np.linalg.norm(np.cross(matrix[others[0]], matrix[others[1]])))
    return abs(float(np.linalg.det(matrix))) / area


# --------------------------------------------------------------------------- grids
def _volumetric(
    source: str | PathLike[str] | VolumetricData, quantity: str | None
) -> VolumetricData:
    if isinstance(source, (str, PathLike)):
        from heterolab.io.dft import load_volumetric

        return load_volumetric(source, quantity=quantity)  # type: ignore[arg-type]
    return source


def _check_axis(axis: int) -> None:
    if axis not in (0, 1, 2):
        raise ParameterError(f"axis must be 0, 1 or 2 (a, b, c), got {axis!r}")


def planar_average(
    source: str | PathLike[str] | VolumetricData,
    *,
    axis: int = 2,
    quantity: Literal["charge", "potential"] | None = None,
) -> xr.DataArray:
    """Average of a CHGCAR/LOCPOT grid over the planes normal to lattice axis ``axis``.

    Potential grids give eV; charge grids give ρ in e/Å³ (VASP's ρ·V divided by V). The
    coordinate ``z`` (Å) runs over the cell height in grid steps, z_i = i h / N.
    """
    import xarray as xr

    _check_axis(axis)
    vol = _volumetric(source, quantity)
    if quantity is None:
        quantity = "potential" if type(vol).__name__ == "Locpot" else "charge"
    data = np.asarray(vol.data["total"], float)
    others = tuple(i for i in range(3) if i != axis)
    avg = data.mean(axis=others)
    if quantity == "charge":
        avg = avg / float(vol.structure.lattice.volume)
    n = data.shape[axis]
    h = _height(vol.structure.lattice.matrix, axis)
    return xr.DataArray(
        avg,
        dims="z",
        coords={"z": ("z", np.arange(n) * h / n, {"units": "angstrom"})},
        name="charge_density" if quantity == "charge" else "potential",
        attrs={"units": "e/angstrom^3" if quantity == "charge" else "eV", "axis": axis},
    )


def _same_grid(vols: Mapping[str, VolumetricData]) -> None:
    ref_name, ref = next(iter(vols.items()))
    shape = np.shape(ref.data["total"])
    problems = []
    for name, v in vols.items():
        if np.shape(v.data["total"]) != shape:
            problems.append(f"{name} grid {np.shape(v.data['total'])} != {ref_name} grid {shape}")
        if not np.allclose(v.structure.lattice.matrix, ref.structure.lattice.matrix, atol=1e-4):
            problems.append(f"{name} lattice differs from {ref_name}'s (same cell required)")
    if problems:
        raise ParameterError("charge-density difference needs one grid: " + "; ".join(problems))


def charge_density_difference(
    ab: str | PathLike[str] | VolumetricData,
    a: str | PathLike[str] | VolumetricData,
    b: str | PathLike[str] | VolumetricData,
    *,
    axis: int = 2,
    interface_z: float | None = None,
    neutrality_tolerance: float = 1e-4,
) -> Result:
    """Planar-averaged charge-density difference Δρ(z) = ρ_AB − ρ_A − ρ_B (spec P-51).

    Parameters
    ----------
    ab, a, b
        CHGCAR files (or pymatgen Chgcar objects) of the combined system and its two parts,
        computed in the same cell on the same FFT grid.
    axis
        Lattice axis normal to the interface (2 = c).
    interface_z
        Height (Å) of the interface plane; ΔQ is reported there. When ``None``, the height
        where |ΔQ| is largest is used and reported.
    neutrality_tolerance
        |∫Δρ dV| (e) above which the result is marked suspect (the three runs should hold
        the same number of electrons).

    Returns
    -------
    Result
        ``atomistic.charge_difference`` with curves ``delta_rho`` (e/Å³) and
        ``transferred_charge`` ΔQ(z) = A ∫_0^z Δρ dz' (e); derived ``net_charge`` (e),
        ``transferred_charge`` at the interface (e), ``interface_z`` (Å),
        ``max_accumulation`` and ``max_depletion`` (e/Å³), electrons N_AB, N_A, N_B.
    """
    import xarray as xr

    _check_axis(axis)
    vols = {n: _volumetric(s, "charge") for n, s in (("AB", ab), ("A", a), ("B", b))}
    _same_grid(vols)
    lattice = vols["AB"].structure.lattice
    volume = float(lattice.volume)
    raw = {n: np.asarray(v.data["total"], float) for n, v in vols.items()}
    n_grid = raw["AB"].size
    electrons = {n: float(d.sum() / n_grid) for n, d in raw.items()}
    diff = (raw["AB"] - raw["A"] - raw["B"]) / volume  # e/Å^3
    others = tuple(i for i in range(3) if i != axis)
    drho = diff.mean(axis=others)
    n = drho.size
    h = _height(lattice.matrix, axis)
    area = volume / h
    dz = h / n
    dq = np.cumsum(drho) * area * dz
    z = np.arange(n) * dz
    zc = {"z": ("z", z, {"units": "angstrom"})}
    curves = {
        "delta_rho": xr.DataArray(drho, dims="z", coords=zc, attrs={"units": "e/angstrom^3"}),
        "transferred_charge": xr.DataArray(dq, dims="z", coords=zc, attrs={"units": "e"}),
    }
    if interface_z is None:
        i_int = int(np.argmax(np.abs(dq)))
    else:
        if not 0 <= interface_z <= h:
            raise ParameterError(
                f"interface_z = {interface_z} Å lies outside the cell 0..{h:.4g} Å"
            )
        i_int = min(round(interface_z / dz), n - 1)
    net = float(dq[-1])
    res = Result(
        kind="atomistic.charge_difference",
        derived={
            "net_charge": Quantity(net, None, "e"),
            "transferred_charge": Quantity(float(dq[i_int]), None, "e"),
            "interface_z": Quantity(float(z[i_int]), None, "angstrom"),
            "max_accumulation": Quantity(float(drho.max()), None, "e/angstrom^3"),
            "max_depletion": Quantity(float(drho.min()), None, "e/angstrom^3"),
            "electrons_AB": Quantity(electrons["AB"], None, "e"),
            "electrons_A": Quantity(electrons["A"], None, "e"),
            "electrons_B": Quantity(electrons["B"], None, "e"),
        },
        statistics={"axis": axis, "grid": list(raw["AB"].shape), "area_angstrom2": area},
        provenance=make_provenance(
            [s for s in (ab, a, b) if isinstance(s, (str, PathLike))],
            {"axis": axis, "interface_z": interface_z},
        ),
        curves=curves,
    )
    if abs(net) > neutrality_tolerance:
        res.mark_suspect(
            f"Δρ integrates to {net:.3g} e, not 0: N_AB = {electrons['AB']:.4f}, "
            f"N_A + N_B = {electrons['A'] + electrons['B']:.4f} (different electron counts or "
            "PAW core charges)"
        )
    return res


def macroscopic_average(profile: np.ndarray, dz: float, window: float) -> np.ndarray:
    """Periodic running average of a planar profile over ``window`` Å (Baldereschi 1988).

    A window equal to the crystal's period along z removes the atomic oscillations.
    """
    m = max(round(window / dz), 1)
    if m >= profile.size:
        raise ParameterError(
            f"window {window} Å spans the whole cell ({profile.size * dz:.4g} Å); use one period"
        )
    kernel = np.ones(m) / m
    ext = np.concatenate([profile[-m:], profile, profile[:m]])
    smooth = np.convolve(ext, kernel, mode="same")
    return smooth[m:-m]


def potential_step(
    source: str | PathLike[str] | VolumetricData,
    regions: tuple[tuple[float, float], tuple[float, float]],
    *,
    axis: int = 2,
    window: float | None = None,
) -> Result:
    """Electrostatic potential step between two z ranges of a LOCPOT (``atomistic.potential_step``).

    ΔV = ⟨V̄⟩_2 − ⟨V̄⟩_1 (eV), with V̄ the planar average, macroscopically averaged over
    ``window`` Å when given (use the bulk period; Baldereschi, Baroni & Resta, PRL 61, 734
    (1988)). For a slab with vacuum on both sides the two vacuum levels give the dipole step.
    Standard errors are the standard deviations of V̄ inside each range (flatness).
    """
    import xarray as xr

    pa = planar_average(source, axis=axis, quantity="potential")
    z = pa["z"].values
    dz = float(z[1] - z[0]) if z.size > 1 else 1.0
    values = pa.values if window is None else macroscopic_average(pa.values, dz, window)
    means = []
    for lo, hi in regions:
        sel = (z >= lo) & (z < hi)
        if not sel.any():
            raise ParameterError(f"range {lo}..{hi} Å holds no grid point (cell 0..{z[-1]:.4g} Å)")
        means.append((float(values[sel].mean()), float(values[sel].std())))
    (v1, s1), (v2, s2) = means
    curves = {"planar_average": pa}
    if window is not None:
        curves["macroscopic_average"] = xr.DataArray(
            values, dims="z", coords={"z": pa["z"]}, attrs={"units": "eV"}
        )
    return Result(
        kind="atomistic.potential_step",
        derived={
            "v1": Quantity(v1, s1, "eV"),
            "v2": Quantity(v2, s2, "eV"),
            "step": Quantity(v2 - v1, math.hypot(s1, s2), "eV"),
        },
        statistics={"axis": axis, "window_angstrom": window, "regions": [list(r) for r in regions]},
        provenance=_prov(source, {"regions": regions, "window": window}),
        curves=curves,
    )


# --------------------------------------------------------------------------- energies
def _energy(x: float | str | PathLike[str], notes: list[str]) -> tuple[float, str | None]:
    """A total energy (eV): the number itself, a vasprun.xml's final energy (pymatgen), or
    the energy of another code's output that ASE reads (GPAW, CP2K, Quantum ESPRESSO, ...)."""
    if isinstance(x, (str, PathLike)) and not _is_number(x):
        name = Path(x).name.lower()
        if "vasprun" in name or name.endswith((".xml", ".xml.gz")):
            vr = _vasprun(x, notes, parse_dos=False)
            if not vr.converged:
                notes.append(f"{Path(x).name}: VASP run not converged")
            return float(vr.final_energy), str(x)
        return _ase_energy(Path(x)), str(x)
    return float(x), None  # type: ignore[arg-type]


def _ase_energy(path: Path) -> float:
    from heterolab.errors import FormatError

    if not path.is_file():
        raise FormatError(path, "file does not exist")
    try:
        import ase.io

        atoms = ase.io.read(str(path))
        return float(atoms.get_potential_energy())  # type: ignore[union-attr]
    except Exception as exc:
        raise FormatError(
            path, f"no total energy readable by ASE ({type(exc).__name__}: {exc})"
        ) from None


def _is_number(x: Any) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


def interface_energy(
    e_ab: float | str | PathLike[str],
    e_a: float | str | PathLike[str],
    e_b: float | str | PathLike[str],
    area: float,
    *,
    n_interfaces: int = 1,
    method: str = "DFT",
) -> Result:
    """Interface energy E_int = E_AB − E_A − E_B and γ = E_int/(n A) (spec P-50).

    Parameters
    ----------
    e_ab, e_a, e_b
        Total energies (eV) or vasprun.xml paths (final energy read).
    area
        Interface area A (Å²).
    n_interfaces
        1 for one interface in the cell (slab on slab with vacuum), 2 for a periodic
        superlattice.
    method
        Label of where the energies come from (``"DFT (VASP PBE-D3)"``, ``"ML screening:
        SevenNet-0 ..."``); stored in ``statistics["method"]``.

    Returns
    -------
    Result
        ``atomistic.interface_energy``: ``e_int`` (eV), ``gamma`` (eV/Å²) and
        ``gamma_si`` (J/m²); negative = binding.
    """
    if not area > 0 or not math.isfinite(area):
        raise ParameterError(f"interface area must be a positive number of Å², got {area!r}")
    if n_interfaces not in (1, 2):
        raise ParameterError(f"n_interfaces must be 1 or 2, got {n_interfaces!r}")
    notes: list[str] = []
    (eab, pab), (ea, pa), (eb, pb) = (_energy(x, notes) for x in (e_ab, e_a, e_b))
    e_int = eab - ea - eb
    gamma = e_int / (n_interfaces * area)
    res = Result(
        kind="atomistic.interface_energy",
        parameters={
            "e_ab": Quantity(eab, None, "eV"),
            "e_a": Quantity(ea, None, "eV"),
            "e_b": Quantity(eb, None, "eV"),
        },
        derived={
            "e_int": Quantity(e_int, None, "eV"),
            "gamma": Quantity(gamma, None, "eV/angstrom^2"),
            "gamma_si": Quantity(gamma * EV_PER_A2_TO_J_PER_M2, None, "J/m^2"),
        },
        statistics={"method": method, "area_angstrom2": area, "n_interfaces": n_interfaces},
        provenance=make_provenance(
            [p for p in (pab, pa, pb) if p], {"method": method, "area": area}
        ),
        warnings=notes,
    )
    if notes:
        res.mark_suspect("; ".join(notes))
    return res


def interface_energy_table(results: Mapping[str, Result]) -> Result:
    """Compare interface models per area (``atomistic.interface_energy_table``).

    For each named :func:`interface_energy` result: γ (eV/Å², J/m²) and γ relative to the
    most negative (the favoured model: 0). Raw supercell totals such as the thesis's
    −237 … −1761 eV are not comparable across cells of different size (spec P-50); per-area
    values are. Mixing methods (DFT and ML screening) makes the table suspect.
    """
    if not results:
        raise ParameterError("no interface-energy results to tabulate")
    bad = [k for k, r in results.items() if r.kind != "atomistic.interface_energy"]
    if bad:
        raise ParameterError(f"not interface-energy results: {', '.join(bad)}")
    gammas = {k: r.value("gamma") for k, r in results.items()}
    best = min(gammas, key=lambda k: gammas[k])
    derived: dict[str, Quantity] = {}
    for k, r in results.items():
        derived[f"{k}_e_int"] = Quantity(r.value("e_int"), None, "eV")
        derived[f"{k}_gamma"] = Quantity(gammas[k], None, "eV/angstrom^2")
        derived[f"{k}_gamma_si"] = Quantity(r.value("gamma_si"), None, "J/m^2")
        derived[f"{k}_relative_gamma"] = Quantity(gammas[k] - gammas[best], None, "eV/angstrom^2")
    methods = sorted({str(r.statistics.get("method", "")) for r in results.values()})
    res = Result(
        kind="atomistic.interface_energy_table",
        derived=derived,
        statistics={"favoured": best, "methods": " | ".join(methods), "n_models": len(results)},
        provenance=make_provenance((), {"models": list(results)}),
    )
    if len(methods) > 1:
        res.mark_suspect(f"energies from different methods compared: {' | '.join(methods)}")
    for k, r in results.items():
        if not r.ok:
            res.mark_suspect(f"{k}: {r.message}")
    return res
