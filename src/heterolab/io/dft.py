"""Readers of DFT outputs (VASP vasprun.xml, CHGCAR/LOCPOT/AECCAR/PARCHG) through pymatgen.

pymatgen does the parsing (Ong et al., Comput. Mater. Sci. 68, 314 (2013),
doi:10.1016/j.commatsci.2012.10.028); this module turns its exceptions into
:class:`~heterolab.errors.FormatError` naming the file, turns its warnings into notes, and
offers registered readers that return labelled arrays:

- ``vasp_dos`` (kind ``"dos"``): total and element-projected DOS of a ``vasprun.xml`` as an
  ``xarray.Dataset`` over ``energy`` (eV, absolute; ``attrs["efermi"]``).
- ``vasp_volumetric`` (kind ``"volumetric"``): a CHGCAR-format grid as a 3-D DataArray over
  fractional coordinates ``a, b, c``. Charge files are converted from VASP's ρ·V_cell to
  ρ in e/Å³; LOCPOT stays in eV.

gzip-compressed files (``*.gz``) are read directly. pymatgen is imported inside functions
only, so ``import heterolab`` stays light.
"""

from __future__ import annotations

import gzip
import re
import warnings
import zlib
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from heterolab.errors import FormatError, ParameterError
from heterolab.io.registry import register_reader

if TYPE_CHECKING:
    import xarray as xr
    from pymatgen.io.vasp import Vasprun, VolumetricData

__all__ = [
    "load_vasprun",
    "load_volumetric",
    "read_vasp_dos",
    "read_vasp_volumetric",
    "volumetric_quantity",
]

VolumetricKind = Literal["charge", "potential"]

#: File-name stems that VASP writes in CHGCAR format, and what they hold.
_CHARGE_NAMES = ("CHGCAR", "CHG", "AECCAR0", "AECCAR1", "AECCAR2", "PARCHG", "ELFCAR")
_POTENTIAL_NAMES = ("LOCPOT",)


def _text_head(head: bytes) -> str:
    """First bytes as text, decompressing a gzip stream when the gzip magic is present."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
        except zlib.error:
            return ""
    return head.decode("latin-1", errors="replace")


def _sniff_vasprun(head: bytes) -> bool:
    text = _text_head(head)
    return "<modeling>" in text and "<generator>" in text


_FLOATS3 = re.compile(r"^\s*[-+.\d]+(?:[eE][-+]?\d+)?(\s+[-+.\d]+(?:[eE][-+]?\d+)?){2}\s*$")


def _sniff_volumetric(head: bytes) -> bool:
    """POSCAR header (scale, three lattice rows) followed by a blank line and a grid line."""
    lines = _text_head(head).splitlines()
    if len(lines) < 8:
        return False
    try:
        float(lines[1].split()[0])
    except (ValueError, IndexError):
        return False
    if not all(_FLOATS3.match(lines[i]) for i in (2, 3, 4)):
        return False
    for i, line in enumerate(lines[6:], start=6):
        if not line.strip() and i + 1 < len(lines):
            grid = lines[i + 1].split()
            return len(grid) == 3 and all(g.isdigit() for g in grid)
    return False


def volumetric_quantity(path: str | PathLike[str]) -> VolumetricKind:
    """``"potential"`` for a LOCPOT, ``"charge"`` for CHGCAR/CHG/AECCAR*/PARCHG (by name).

    Raises
    ------
    ParameterError
        When the file name does not say which it is (pass ``quantity=`` explicitly).
    """
    name = Path(path).name.upper()
    if any(n in name for n in _POTENTIAL_NAMES):
        return "potential"
    if any(n in name for n in _CHARGE_NAMES):
        return "charge"
    raise ParameterError(
        f"cannot tell from the name {Path(path).name!r} whether the grid is a charge density "
        "or a potential; pass quantity='charge' (CHGCAR) or quantity='potential' (LOCPOT)"
    )


def _check_file(path: str | PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        raise FormatError(p, "file does not exist")
    if p.is_dir():
        raise FormatError(p, "is a directory, expected a file")
    if p.stat().st_size == 0:
        raise FormatError(p, "file is empty")
    return p


def load_vasprun(
    path: str | PathLike[str],
    *,
    parse_dos: bool = True,
    parse_projected_eigen: bool = False,
    notes: list[str] | None = None,
) -> Vasprun:
    """Parse a ``vasprun.xml`` (or ``.xml.gz``) with :class:`pymatgen.io.vasp.Vasprun`.

    Parameters
    ----------
    path
        The file.
    parse_dos
        Read the (projected) DOS.
    parse_projected_eigen
        Read the per-state site/orbital projections (needed for band edges per region).
    notes
        If given, pymatgen's warnings (unconverged run, ...) are appended here as text
        instead of being raised.

    Raises
    ------
    FormatError
        Missing, empty, truncated or non-vasprun file (names the file and pymatgen's reason).
    """
    from pymatgen.io.vasp import Vasprun

    p = _check_file(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            vr = Vasprun(
                str(p),
                parse_dos=parse_dos,
                parse_eigen=True,
                parse_projected_eigen=parse_projected_eigen,
                parse_potcar_file=False,
            )
        except Exception as exc:  # pymatgen raises bare ParseError/KeyError/ValueError
            raise FormatError(
                p, f"not a readable vasprun.xml ({type(exc).__name__}: {exc})"
            ) from None
    if notes is not None:
        notes.extend(f"{p.name}: {w.message}" for w in caught)
    return vr


def load_volumetric(
    path: str | PathLike[str],
    *,
    quantity: VolumetricKind | None = None,
) -> VolumetricData:
    """Read a CHGCAR-format grid with pymatgen (``Chgcar`` or ``Locpot``).

    Parameters
    ----------
    path
        CHGCAR, LOCPOT, AECCAR*, PARCHG (optionally gzipped).
    quantity
        ``"charge"`` or ``"potential"``; from the file name when ``None``.

    Returns
    -------
    pymatgen VolumetricData
        ``data["total"]`` is ρ·V_cell (e) for charge files (VASP's convention) and the
        potential (eV) for LOCPOT.

    Raises
    ------
    FormatError
        Unreadable or truncated file.
    """
    from pymatgen.io.vasp import Chgcar, Locpot

    p = _check_file(path)
    kind = quantity or volumetric_quantity(p)
    if kind not in ("charge", "potential"):
        raise ParameterError(f"quantity must be 'charge' or 'potential', got {kind!r}")
    cls = Chgcar if kind == "charge" else Locpot
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vol = cls.from_file(str(p))
    except (EOFError, gzip.BadGzipFile) as exc:
        raise FormatError(p, f"truncated or damaged compressed file ({exc})") from None
    except Exception as exc:
        raise FormatError(p, f"not a readable {kind} grid ({type(exc).__name__}: {exc})") from None
    data = np.asarray(vol.data["total"])
    if data.ndim != 3 or data.size == 0 or not np.all(np.isfinite(data)):
        raise FormatError(p, f"grid is empty, not 3-D or holds non-finite values ({data.shape})")
    return vol


@register_reader("vasp_dos", "dos", extensions=(".xml",), sniff=_sniff_vasprun)
def read_vasp_dos(path: str | PathLike[str]) -> xr.Dataset:
    """Total and element-projected DOS of a ``vasprun.xml`` as an ``xarray.Dataset``.

    Variables ``total`` and one per element (states/eV, spin channels summed), over the
    ``energy`` coordinate in absolute eV; ``attrs["efermi"]`` is VASP's Fermi level (eV).
    """
    import xarray as xr

    notes: list[str] = []
    vr = load_vasprun(path, notes=notes)
    try:  # a damaged file parses but its DOS blocks disagree (pymatgen raises bare errors)
        dos = vr.complete_dos
        e = np.asarray(dos.energies, float)
        data: dict[str, Any] = {
            "total": ("energy", _spin_sum(dos.densities), {"units": "states/eV"}),
        }
        for el, d in dos.get_element_dos().items():
            data[str(el)] = ("energy", _spin_sum(d.densities), {"units": "states/eV"})
        efermi = float(dos.efermi)
    except Exception as exc:
        raise FormatError(
            path, f"the DOS in this vasprun.xml is incomplete ({type(exc).__name__}: {exc})"
        ) from None
    bad = [k for k, (_, v, _) in data.items() if np.shape(v) != e.shape or not np.isfinite(v).all()]
    if e.size < 2 or not np.all(np.diff(e) > 0) or bad:
        raise FormatError(
            path,
            "the DOS has a non-increasing energy grid or non-finite/mismatched densities"
            + (f" ({', '.join(bad)})" if bad else ""),
        )
    energy = xr.Variable("energy", e, {"units": "eV"})
    return xr.Dataset(
        data,
        coords={"energy": energy},
        attrs={
            "efermi": efermi,
            "source": str(path),
            "reader": "vasp_dos",
            "notes": "; ".join(notes),
        },
    )


def _spin_sum(densities: dict[Any, np.ndarray]) -> np.ndarray:
    return np.sum([np.asarray(v, float) for v in densities.values()], axis=0)


@register_reader("vasp_volumetric", "volumetric", sniff=_sniff_volumetric)
def read_vasp_volumetric(
    path: str | PathLike[str], *, quantity: VolumetricKind | None = None
) -> xr.DataArray:
    """A CHGCAR/LOCPOT grid as a DataArray over fractional coordinates (``a``, ``b``, ``c``).

    Charge densities are divided by the cell volume (VASP stores ρ·V) and returned in
    e/Å³; potentials in eV. ``attrs["lattice"]`` holds the 3×3 lattice matrix (Å, rows).
    """
    import xarray as xr

    kind = quantity or volumetric_quantity(path)
    vol = load_volumetric(path, quantity=kind)
    data = np.asarray(vol.data["total"], float)
    volume = float(vol.structure.lattice.volume)
    values = data / volume if kind == "charge" else data
    coords = {
        ax: xr.Variable(ax, np.arange(n) / n, {"units": "1"})
        for ax, n in zip(("a", "b", "c"), data.shape, strict=True)
    }
    return xr.DataArray(
        values,
        dims=("a", "b", "c"),
        coords=coords,
        name="charge_density" if kind == "charge" else "potential",
        attrs={
            "units": "e/angstrom^3" if kind == "charge" else "eV",
            "lattice": vol.structure.lattice.matrix.tolist(),
            "formula": vol.structure.composition.formula,
            "source": str(path),
            "reader": "vasp_volumetric",
        },
    )
