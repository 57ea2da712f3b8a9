"""Spectra shared across datasets, dataset scales and guidance spectra (issue #11).

Three features of pyglotaran's modelling language (Snellenburg et al., J. Stat. Softw. 49(3),
2012; pyglotaran 0.7 ``link_clp``/``clp_link_tolerance``, dataset ``scale``, the
``clp-guide`` megacomplex) and KiMoPack's external spectra (Müller et al., J. Chem. Phys.
156, 054103 (2022)):

- **scale**: dataset d's model is ``scale_d · C_d(λ) · S(λ)``;
- **linked spectra**: at wavelengths of several datasets within ``tolerance`` nm of each
  other, the species' spectra S(λ) are ONE set of linear parameters, projected over the
  stacked weighted matrices ``[w_1 scale_1 C_1(λ); w_2 scale_2 C_2(λ); ...]`` (wavelengths
  aligned as pyglotaran does: each dataset's wavelength onto the nearest one of the earlier
  datasets within the tolerance);
- **guide**: rows ``weight (scale S_s(λ) - g(λ))`` appended to each guided wavelength's linear
  problem (soft), or S_s(λ) = g(λ) with its contribution subtracted (``fixed``).

The wavelengths whose problems share one structure (same datasets, constraint pattern and
guides) are solved together with numpy's stacked QR, as in :mod:`~heterolab.kinetics.ta.
varpro`; the Jacobian of their residuals is the projected one of :mod:`~heterolab.kinetics.ta.
objective`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from heterolab.errors import ModelError
from heterolab.kinetics.ta.derivatives import (
    ColumnTerm,
    analytic_names,
    contract_terms,
    derivative_terms,
    scaled_terms,
    used_names,
)
from heterolab.kinetics.ta.model import Guide, SpectralLink
from heterolab.kinetics.ta.projection import FactoredBlock, LinearBlock, solve_block
from heterolab.kinetics.ta.varpro import (
    _in_range,
    _values_key,
    dependent_sets,
    nonnegative_columns,
)

if TYPE_CHECKING:
    from heterolab.kinetics.ta.target import TargetModel
    from heterolab.kinetics.ta.varpro import PreparedDataset

__all__ = [
    "JointSpectra",
    "link_problems",
    "parse_guides",
    "parse_link",
    "read_guide_file",
]

LINKED = "linked"  # curve prefix of the shared spectra


# ---------------------------------------------------------------------------- model file
def read_guide_file(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Two columns (wavelength nm, value) from a text file: comma, semicolon, tab or space
    separated; ``#`` comments and non-numeric header lines are skipped.

    Raises
    ------
    ModelError
        When the file is missing or holds no two-column numeric table (names file and line).
    """
    if not path.is_file():
        raise ModelError(f"guide file {path} does not exist")
    rows: list[tuple[float, float]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        text = line.split("#", 1)[0].replace(",", " ").replace(";", " ").split()
        if not text:
            continue
        try:
            vals = [float(v) for v in text]
        except ValueError:
            if rows:
                raise ModelError(
                    f"guide file {path}, line {n}: not a number: {line.strip()!r}"
                ) from None
            continue  # a header line
        if len(vals) < 2:
            raise ModelError(
                f"guide file {path}, line {n}: needs two columns (wavelength nm, value)"
            )
        rows.append((vals[0], vals[1]))
    if len(rows) < 2:
        raise ModelError(f"guide file {path} holds fewer than two (wavelength, value) rows")
    arr = np.array(rows)
    order = np.argsort(arr[:, 0], kind="stable")
    return arr[order, 0], arr[order, 1]


def parse_guides(items: Any, where: str, base: Path | None, problems: list[str]) -> list[Guide]:
    """``guide = [{compartment, file | wavelength + value, weight, fixed, scale}]`` of a dataset;
    relative files resolve against ``base`` (the model file's folder)."""
    out: list[Guide] = []
    if not isinstance(items, list):
        problems.append(f"{where}: guide must be an array of tables")
        return out
    for k, g in enumerate(items):
        head = f"{where}: guide #{k + 1}"
        if not isinstance(g, Mapping) or "compartment" not in g:
            problems.append(f"{head} needs 'compartment' and 'file' (or 'wavelength' and 'value')")
            continue
        unknown = set(g) - {
            "compartment",
            "file",
            "wavelength",
            "value",
            "weight",
            "fixed",
            "scale",
        }
        if unknown:
            problems.append(f"{head}: unknown keys {sorted(unknown)}")
        try:
            if "file" in g:
                path = Path(str(g["file"]))
                path = path if path.is_absolute() or base is None else base / path
                wl, val = read_guide_file(path)
                source = str(path)
            elif "wavelength" in g and "value" in g:
                wl = np.asarray(g["wavelength"], float)
                val = np.asarray(g["value"], float)
                source = "inline"
            else:
                problems.append(f"{head} needs 'file' or 'wavelength' and 'value' arrays")
                continue
            weight = float(g.get("weight", 1.0))
        except ModelError as exc:
            problems += [f"{head}: {p}" for p in exc.problems]
            continue
        except (TypeError, ValueError) as exc:
            problems.append(f"{head}: {exc}")
            continue
        fixed = g.get("fixed", False)
        if not isinstance(fixed, bool):
            problems.append(f"{head}: fixed must be true or false, got {fixed!r}")
            continue
        scale = g.get("scale", 1.0)
        if isinstance(scale, bool) or not isinstance(scale, str | int | float):
            problems.append(f"{head}: scale must be a parameter name or a number, got {scale!r}")
            continue
        scale = scale if isinstance(scale, str) else float(scale)
        out.append(Guide(str(g["compartment"]), wl, val, weight, fixed, source, scale))
    return out


def parse_link(
    item: Any, names: Sequence[str], problems: list[str], compartments: Sequence[str] = ()
) -> SpectralLink | None:
    """Top-level ``link_spectra = {tolerance = 0.5, datasets = ["a", "b"]}`` (or ``true``);
    ``names``: the model's dataset names (the link's problems are added to ``problems``)."""
    if item is None or item is False:
        return None
    if item is True:
        return SpectralLink()
    if not isinstance(item, Mapping):
        problems.append("link_spectra must be a table {tolerance = nm, datasets = [...]} or true")
        return None
    unknown = set(item) - {"tolerance", "datasets", "same_spectrum"}
    if unknown:
        problems.append(
            f"link_spectra: unknown keys {sorted(unknown)}; known: datasets, same_spectrum, tolerance"
        )
    same = item.get("same_spectrum", {})
    if not isinstance(same, Mapping):
        problems.append("link_spectra: same_spectrum must be a table {compartment = compartment}")
        same = {}
    try:
        tol = float(item.get("tolerance", 0.0))
    except (TypeError, ValueError):
        problems.append(f"link_spectra: tolerance must be a number (nm), got {item['tolerance']!r}")
        return None
    chosen = item.get("datasets")
    link = SpectralLink(
        tol,
        None if chosen is None else tuple(str(n) for n in chosen),
        {str(a): str(b) for a, b in same.items()},
    )
    problems += link.problems(names, compartments)
    return link


def link_problems(model: TargetModel) -> list[str]:
    """Scale and link problems of a model: a free scale that nothing determines."""
    names = [d.name for d in model.datasets]
    link = model.link
    problems = link.problems(names, model.scheme.compartments) if link is not None else []
    linked = set(link.members(names)) if link is not None else set()
    free = set(model.params.free)

    def free_scale(d: Any) -> bool:
        return isinstance(d.scale, str) and d.scale in free

    for d in model.datasets:
        if free_scale(d) and d.name not in linked and not d.guide:
            problems.append(
                f"dataset {d.name!r}: the free scale {d.scale!r} is degenerate with the "
                "spectra (any scale is absorbed by them); link the spectra to another dataset "
                "(link_spectra), guide one, or fix the scale"
            )
    group = [d for d in model.datasets if d.name in linked]
    if group and all(free_scale(d) for d in group) and not any(d.guide for d in group):
        problems.append(
            f"link_spectra: the scales of all linked datasets ({', '.join(d.name for d in group)}) "
            "are free; a common factor of them is degenerate with the spectra: fix one "
            "(e.g. scale = 1.0)"
        )
    return problems


def uses_joint(model: TargetModel) -> bool:
    """Whether any dataset needs the joint solver (linked, scaled or guided)."""
    return model.link is not None or any(d.guide or d.scale != 1.0 for d in model.datasets)


# ---------------------------------------------------------------------------- solver
@dataclass
class _Batch:
    """Aligned wavelengths whose linear problems share one structure."""

    datasets: tuple[int, ...]  # positions in the prepared list
    patterns: tuple[tuple[bool, ...], ...]  # constraint pattern per member
    guided: tuple[tuple[bool, ...], ...]  # guides that cover the wavelength, per member
    rows: np.ndarray  # (n_cl, n_members) wavelength index of each member


class JointSpectra:
    """The linear problems of the linked, scaled and guided datasets of a model.

    Parameters
    ----------
    model
        The target model (its ``link`` and the datasets' ``scale`` and ``guide``).
    prepared
        One :class:`~heterolab.kinetics.ta.varpro.PreparedDataset` per dataset.

    Raises
    ------
    ModelError
        A guide that covers none of its dataset's wavelengths; a tolerance that maps two
        wavelengths of one dataset onto one.
    """

    def __init__(self, model: TargetModel, prepared: Sequence[PreparedDataset]) -> None:
        self.model = model
        self.prepared = list(prepared)
        self.alias = dict(model.link.same_spectrum) if model.link is not None else {}
        self.species = [c for c in model.scheme.compartments if c not in self.alias]
        names = [p.name for p in prepared]
        linked = model.link.members(names) if model.link is not None else []
        self.linked = [i for i, n in enumerate(names) if n in linked]
        self.members = [
            i
            for i, p in enumerate(prepared)
            if i in self.linked or p.spec.guide or p.spec.scale != 1.0
        ]
        problems: list[str] = []
        for i in self.members:
            p = prepared[i]
            for g in p.spec.guide:
                if not np.any(np.isfinite(g.at(p.wavelength))):
                    problems.append(
                        f"dataset {p.name!r}: the guide for {g.compartment!r} ({g.source}) covers "
                        f"{g.wavelength[0]:.6g}-{g.wavelength[-1]:.6g} nm, none of the data's "
                        f"wavelengths ({p.wavelength.min():.6g}-{p.wavelength.max():.6g} nm)"
                    )
        clusters = self._clusters(model.link.tolerance if model.link else 0.0, problems)
        if problems:
            raise ModelError(problems, source=model.source)
        self.batches = self._batches(clusters)
        self.aligned = np.array(sorted(k for k in clusters if isinstance(k, float)))
        self._cache: tuple[Any, Any] | None = None

    # ------------------------------------------------------------------ structure
    def _clusters(self, tol: float, problems: list[str]) -> dict[Any, list[tuple[int, int]]]:
        """Aligned wavelength (float) or (dataset, index) -> members [(dataset, index)]."""
        out: dict[Any, list[tuple[int, int]]] = {}
        axis = np.zeros(0)
        for i in self.members:
            wl = self.prepared[i].wavelength
            if i not in self.linked:
                for j in range(wl.size):
                    out[(i, j)] = [(i, j)]
                continue
            keys = []
            for v in wl:
                d = np.abs(axis - v)
                keys.append(float(axis[np.argmin(d)]) if d.size and d.min() <= tol else float(v))
            if len(set(keys)) != len(keys):
                problems.append(
                    f"link_spectra: the tolerance {tol} nm maps several wavelengths of dataset "
                    f"{self.prepared[i].name!r} onto one; lower it"
                )
                return out
            for j, k in enumerate(keys):
                out.setdefault(k, []).append((i, j))
            axis = np.union1d(axis, keys)
        return out

    def _batches(self, clusters: dict[Any, list[tuple[int, int]]]) -> list[_Batch]:
        groups: dict[tuple[Any, ...], list[tuple[int, ...]]] = {}
        for members in clusters.values():
            ds = tuple(i for i, _ in members)
            pats = tuple(self._pattern(i, j) for i, j in members)
            guided = tuple(self._guided(i, j) for i, j in members)
            groups.setdefault((ds, pats, guided), []).append(tuple(j for _, j in members))
        return [
            _Batch(ds, pats, guided, np.array(rows, dtype=int))
            for (ds, pats, guided), rows in groups.items()
        ]

    def _pattern(self, i: int, j: int) -> tuple[bool, ...]:
        wl = self.prepared[i].wavelength[j : j + 1]
        return tuple(bool(_in_range(wl, c.range)[0]) for c in self.prepared[i].spec.constraints)

    def _guided(self, i: int, j: int) -> tuple[bool, ...]:
        wl = self.prepared[i].wavelength[j]
        return tuple(
            bool(np.isfinite(g.at(np.array([wl]))[0])) for g in self.prepared[i].spec.guide
        )

    def scale(self, i: int, values: Mapping[str, float]) -> float:
        s = self.prepared[i].spec.scale
        return float(values[s]) if isinstance(s, str) else float(s)

    # ------------------------------------------------------------------ one batch
    def _union(self, b: _Batch, cols: Mapping[int, Any]) -> list[str]:
        """Columns of a batch's joint problem: the (shared) species, then each member's
        artefact, oscillation and baseline columns as ``dataset:label``."""
        comps = set(self.model.scheme.compartments)
        out = list(self.species)
        for i in b.datasets:
            out += [f"{self.prepared[i].name}:{lab}" for lab in cols[i][1] if lab not in comps]
        return out

    def _key(self, label: str) -> str:
        """The shared column of a compartment (its ``same_spectrum`` target, or itself)."""
        return self.alias.get(label, label)

    def _place(self, i: int, labels: list[str], union: list[str]) -> list[int]:
        comps = set(self.model.scheme.compartments)
        name = self.prepared[i].name
        return [union.index(self._key(lab) if lab in comps else f"{name}:{lab}") for lab in labels]

    def _transform(
        self, b: _Batch, union: list[str], values: Mapping[str, float], active: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, float, np.ndarray, float]]]:
        """T (n_u, n_free), the fixed part f (n_cl, n_u) and soft guide rows
        (union index, weight, g per cluster, guide scale): full spectra = T @ free + f."""
        n_cl = b.rows.shape[0]
        t = np.diag(active.astype(float))
        f = np.zeros((n_cl, len(union)))
        soft = []
        for slot, i in enumerate(b.datasets):
            p = self.prepared[i]
            wl = p.wavelength[b.rows[:, slot]]
            for g, on in zip(p.spec.guide, b.guided[slot], strict=True):
                if not on:
                    continue
                s = union.index(self._key(g.compartment))
                if g.fixed:
                    t[s] = 0.0
                    f[:, s] = g.at(wl)
                else:
                    soft.append((s, g.weight, g.at(wl), g.scale_value(values)))
        for slot, i in enumerate(b.datasets):
            for con, on in zip(self.prepared[i].spec.constraints, b.patterns[slot], strict=True):
                if not on:
                    continue
                s = union.index(self._key(con.compartment))
                if con.kind == "zero":
                    t[s], f[:, s] = 0.0, 0.0
                else:
                    j = union.index(self._key(con.target))  # type: ignore[arg-type]
                    ratio = values[con.ratio] if isinstance(con.ratio, str) else float(con.ratio)
                    t[s], f[:, s] = ratio * t[j], ratio * f[:, j]
        keep = np.flatnonzero(np.any(t != 0, axis=0))
        return t[:, keep], f, soft

    def _members(
        self, b: _Batch, cols: Mapping[int, Any], union: list[str]
    ) -> tuple[list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]], np.ndarray]:
        """Per member of a batch (slot, dataset, concentrations, place of its columns in
        ``union``, its active columns), and which union columns carry signal."""
        active = np.zeros(len(union), dtype=bool)
        members = []
        for slot, i in enumerate(b.datasets):
            c, labels, act = cols[i]
            place = np.array(self._place(i, labels, union), dtype=int)
            active[place[act]] = True
            members.append((slot, i, c, place, act))
        return members, active

    def _assemble_batch(
        self, b: _Batch, cols: Mapping[int, Any], values: Mapping[str, float]
    ) -> tuple[LinearBlock, list[str], np.ndarray]:
        """One batch's stacked weighted problems ``M coef = rhs``, one per cluster.

        Member d contributes the rows ``w_d (scale_d C_d T[place_d])`` with right-hand side
        ``w_d (y_d - scale_d C_d f[place_d])``; compartments of one dataset that share a
        spectrum (``same_spectrum``) pick the same row of T, so their columns add up. Soft
        guides append the rows ``weight (scale S - g)``. Spectra of non-negative species
        get a zero lower bound.

        Returns
        -------
        block, union, active
            The problems, the labels of the full spectra and which of them carry signal.
        """
        union = self._union(b, cols)
        n_cl = b.rows.shape[0]
        members, active = self._members(b, cols, union)
        t, f, soft = self._transform(b, union, values, active)
        m_parts, rhs_parts = [], []
        for slot, i, c, place, act in members:
            p = self.prepared[i]
            jj = b.rows[:, slot]
            gain = self.scale(i, values) * act.astype(float)
            lin = gain[:, None] * t[place]  # (n_col, n_free)
            if c.shape[0] == 1:
                mi = np.broadcast_to((c[0] @ lin)[None], (n_cl, p.time.size, lin.shape[1]))
            else:
                mi = c[jj] @ lin
            y = p.y[jj]
            if np.any(f):
                off = gain[None, :] * f[:, place]  # (n_cl, n_col)
                ci = c[jj] if c.shape[0] > 1 else c[:1]
                y = y - (ci @ off[:, :, None])[:, :, 0]
            m_parts.append(mi * p.w[jj][:, :, None])
            rhs_parts.append(p.w[jj] * y)
        m = np.concatenate(m_parts, axis=1)  # (n_cl, n_rows, n_free)
        rhs = np.concatenate(rhs_parts, axis=1)
        if soft:
            # guide row: weight (scale S - g), S = T free + f
            rows = np.stack([wt * sc * t[s] for s, wt, _, sc in soft])  # (n_g, n_free)
            g_rhs = np.stack([wt * (g - sc * f[:, s]) for s, wt, g, sc in soft], axis=1)
            m = np.concatenate([m, np.broadcast_to(rows, (n_cl, *rows.shape))], axis=1)
            rhs = np.concatenate([rhs, g_rhs], axis=1)
        nonneg = {self._key(c) for i in b.datasets for c in self.prepared[i].nonnegative}
        lo = nonnegative_columns(t, union, nonneg)
        return LinearBlock(m, rhs, lo, t, f), union, active

    def _solve_batch(
        self, b: _Batch, cols: dict[int, Any], values: Mapping[str, float]
    ) -> dict[str, Any]:
        """One batch assembled (:meth:`_assemble_batch`) and solved (stacked QR, or NNLS
        where spectra must be >= 0)."""
        block, union, active = self._assemble_batch(b, cols, values)
        coef = solve_block(block)
        return {
            "union": union,
            "active": active,
            "full": block.full(coef),
            "resid": block.residuals(coef),
            "n_free": block.t.shape[1],
            "m0": block.m[0],
            "t": block.t,
            "block": block,
            "coef": coef,
        }

    # ------------------------------------------------------------------ public
    def _columns(
        self, values: Mapping[str, float], actives: Mapping[int, np.ndarray] | None = None
    ) -> dict[int, Any]:
        """Member i -> (concentrations, labels, active columns); ``actives`` fixes the last."""
        cols = {}
        for i in self.members:
            c, labels = self.prepared[i].full_columns(values)
            act = self.prepared[i].active_columns(c, labels) if actives is None else actives[i]
            cols[i] = (c, list(labels), act)
        return cols

    def solved_blocks(
        self, values: Mapping[str, float]
    ) -> tuple[list[LinearBlock], list[np.ndarray], dict[int, Any]]:
        """The batches' linear problems at ``values``, their solutions and the members'
        columns (the memoised solve of :meth:`residuals`)."""
        cols, solved = self._solve(values)
        return [s["block"] for s in solved], [s["coef"] for s in solved], cols

    def linear_blocks(
        self, values: Mapping[str, float], like: Mapping[int, Any]
    ) -> tuple[list[LinearBlock], dict[int, Any]]:
        """The batches' linear problems at ``values`` with the column structure of ``like``
        (members' columns from :meth:`solved_blocks`), unsolved."""
        cols = self._columns(values, {i: v[2] for i, v in like.items()})
        return [self._assemble_batch(b, cols, values)[0] for b in self.batches], cols

    def design_derivatives(
        self,
        values: Mapping[str, float],
        points: list[dict[str, float]],
        steps: np.ndarray,
        factored: list[FactoredBlock],
        cols: Mapping[int, Any],
    ) -> tuple[list[np.ndarray], list[np.ndarray], list[list[LinearBlock]], list[Any]]:
        """The contractions ``v = ∂rhs - ∂M a`` and ``u = ∂Mᵀ r`` of every batch along
        optimiser directions (forward points ``points``, steps ``steps``), like
        :func:`~heterolab.kinetics.ta.derivatives.design_derivatives`.

        A direction that moves only values the members' columns take in closed form (rates,
        IRF, chirp, backsweep, initial populations) or dataset scales forms them from ∂C
        (:func:`~heterolab.kinetics.ta.derivatives.derivative_terms`; a scale s_d enters as
        ∂C_d = C_d / s_d): member d's rows of v are ``-w_d (∂C_d · scale_d S_d)`` with S_d
        its full spectra (fixed guides included), and u collects
        ``(scale_d T_d)ᵀ ∂C_dᵀ (w_d r_d)``; guide rows do not move. A direction that moves
        a guide scale or anything else is the forward difference of the assembled batches.

        Returns
        -------
        vs, us
            Per batch, shapes (n_d, n_cl, n_rows) and (n_d, n_cl, n_free).
        blocks, columns
            Per direction, the blocks and member columns the linearised spectra use.
        """
        guide_scales = {
            g.scale
            for i in self.members
            for g in self.prepared[i].spec.guide
            if isinstance(g.scale, str)
        }
        used = {i: used_names(self.prepared[i]) for i in self.members}
        allowed = {i: analytic_names(self.prepared[i]) for i in self.members}
        scales = {i: self._scale_term(i, values, cols) for i in self.members}
        moves = [
            {n: (v2[n] - values[n]) / h for n in v2 if v2[n] != values[n]}
            for v2, h in zip(points, steps, strict=True)
        ]
        own = {i: set(scales[i]) for i in self.members}
        reach = {i: used[i] | own[i] for i in self.members}
        possible = [
            not set(m) & guide_scales
            and all(set(m) & reach[i] <= allowed[i] | own[i] for i in self.members)
            for m in moves
        ]
        wanted = {n for m, ok in zip(moves, possible, strict=True) if ok for n in m}
        terms: dict[int, dict[str, list[ColumnTerm]]] = {}
        for i in self.members:
            found = derivative_terms(self.prepared[i], values, sorted(wanted & used[i]))
            terms[i] = {n: found.get(n, []) + scales[i].get(n, []) for n in {*found, *scales[i]}}
        closed = [
            d
            for d, (m, ok) in enumerate(zip(moves, possible, strict=True))
            if ok and all(set(m) & reach[i] <= set(terms[i]) for i in self.members)
        ]
        directions = {i: scaled_terms([moves[d] for d in closed], terms[i]) for i in self.members}
        vs = [np.empty((len(moves), *fb.resid.shape)) for fb in factored]
        us = [np.empty((len(moves), *fb.coef.shape)) for fb in factored]
        for k, (b, fb) in enumerate(zip(self.batches, factored, strict=True)):
            vs[k][closed], us[k][closed] = self._contracted(b, fb, cols, directions, values)
        blocks: list[list[LinearBlock]] = [[fb.block for fb in factored]] * len(moves)
        structs: list[Any] = [cols] * len(moves)
        for d in sorted(set(range(len(moves))) - set(closed)):
            moved, cols2 = self.linear_blocks(points[d], cols)
            for k, (m2, fb) in enumerate(zip(moved, factored, strict=True)):
                v, u = fb.contract(
                    ((m2.m - fb.block.m) / steps[d])[None],
                    ((m2.rhs - fb.block.rhs) / steps[d])[None],
                )
                vs[k][d], us[k][d] = v[0], u[0]
            blocks[d], structs[d] = moved, cols2
        return vs, us, blocks, structs

    def _scale_term(
        self, i: int, values: Mapping[str, float], cols: Mapping[int, Any]
    ) -> dict[str, list[ColumnTerm]]:
        """Member i's fitted scale s as a column term: its rows are s C T, so ∂/∂s acts
        like ∂C = C / s (empty for a fixed or zero scale)."""
        name, scale = self.prepared[i].spec.scale, self.scale(i, values)
        if not isinstance(name, str) or scale == 0.0:
            return {}
        c = cols[i][0]
        return {name: [ColumnTerm(c, np.eye(c.shape[2]), 1.0 / scale)]}

    def _contracted(
        self,
        b: _Batch,
        fb: FactoredBlock,
        cols: Mapping[int, Any],
        directions: Mapping[int, list[list[ColumnTerm]]],
        values: Mapping[str, float],
    ) -> tuple[np.ndarray, np.ndarray]:
        """v (n_d, n_cl, n_rows) and u (n_d, n_cl, n_free) of one batch for the members'
        column-derivative terms per direction (:func:`~heterolab.kinetics.ta.derivatives.
        contract_terms`)."""
        union = self._union(b, cols)
        members, _ = self._members(b, cols, union)
        full = fb.block.full(fb.coef)  # (n_cl, n_union), fixed guides included
        n_d = len(next(iter(directions.values()), []))
        v = np.zeros((n_d, *fb.resid.shape))
        u = np.zeros((n_d, *fb.coef.shape))
        start = 0
        for slot, i, _, place, act in members:
            p = self.prepared[i]
            rows = slice(start, start + p.time.size)
            start += p.time.size
            jj = b.rows[:, slot]
            w = p.w[jj]
            gain = self.scale(i, values) * act.astype(float)
            spectra = gain[None, :] * full[:, place]  # (n_cl, n_col)
            dm, back = contract_terms(directions[i], spectra, w * fb.resid[:, rows], jj)
            assert dm is not None  # formed: no low-rank parts were asked for
            v[:, :, rows] = -w * dm
            u += back @ (gain[:, None] * fb.block.t[place])
        return v, u

    @staticmethod
    def residual_parts(residual: np.ndarray, parts: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The residual vector of :meth:`residuals` cut like per-batch arrays ``parts``
        (n_d, n_cl, n_rows) (the order of :meth:`place_residuals`): arrays (n_cl, n_rows)."""
        out, start = [], 0
        for part in parts:
            size = part[0].size
            out.append(residual[start : start + size].reshape(part.shape[1:]))
            start += size
        return out

    @staticmethod
    def place_residuals(parts: Sequence[np.ndarray], dest: np.ndarray) -> None:
        """Write per-batch arrays (n_d, n_cl, n_rows) into ``dest`` (n_d, total), each row in
        the order of :meth:`residuals`."""
        start = 0
        for part in parts:
            size = part[0].size
            dest[:, start : start + size] = part.reshape(part.shape[0], size)
            start += size

    def spectra_from(
        self, i: int, cols: Mapping[int, Any], fulls: Sequence[np.ndarray]
    ) -> np.ndarray:
        """Dataset ``i``'s spectra (n_w, n_col) from the batches' full spectra; NaN where a
        column is unused."""
        p = self.prepared[i]
        _, labels, act = cols[i]
        spectra = np.full((p.wavelength.size, len(labels)), np.nan)
        for b, full in zip(self.batches, fulls, strict=True):
            if i not in b.datasets:
                continue
            jj = b.rows[:, b.datasets.index(i)]
            place = self._place(i, labels, self._union(b, cols))
            spectra[jj] = np.where(act[None, :], full[:, place], np.nan)
        return spectra

    def _solve(self, values: Mapping[str, float]) -> tuple[dict[int, Any], list[dict[str, Any]]]:
        key = _values_key(values)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        cols = self._columns(values)
        out = (cols, [self._solve_batch(b, cols, values) for b in self.batches])
        self._cache = (key, out)
        return out

    def residuals(self, values: Mapping[str, float]) -> np.ndarray:
        """Weighted residuals of every member dataset and guide row, flattened."""
        _, solved = self._solve(values)
        return np.concatenate([s["resid"].ravel() for s in solved])

    def n_linear(self, values: Mapping[str, float]) -> int:
        """Number of spectral (linear) parameters of the joint problems."""
        _, solved = self._solve(values)
        return sum(s["n_free"] * b.rows.shape[0] for b, s in zip(self.batches, solved, strict=True))

    def n_guide_rows(self) -> int:
        """Number of soft-guide residual elements (they add to the data points)."""
        return sum(
            sum(
                1
                for slot, i in enumerate(b.datasets)
                for g, on in zip(self.prepared[i].spec.guide, b.guided[slot], strict=True)
                if on and not g.fixed
            )
            * b.rows.shape[0]
            for b in self.batches
        )

    def dependent_columns(self, values: Mapping[str, float]) -> list[str]:
        """Problems: species whose spectra the stacked problem cannot separate (at ``values``)."""
        cols = self._columns(values)
        out = []
        for b in self.batches:
            solved = self._solve_batch(b, cols, values)
            for names in dependent_sets(solved["m0"], solved["t"], solved["union"]):
                msg = (
                    f"datasets {', '.join(self.prepared[i].name for i in b.datasets)}: the "
                    f"concentrations of {' and '.join(names)} are linearly dependent at the "
                    "start values even with the spectra linked and guided, so their spectra "
                    "cannot be separated; tie them with an 'equal' constraint, guide one, "
                    "or give their rates different start values"
                )
                if msg not in out:
                    out.append(msg)
        return out

    def solve(
        self, i: int, values: Mapping[str, float]
    ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
        """Dataset ``i``'s spectra (n_w, n_col), model (n_w, n_t), labels and concentrations,
        like :meth:`PreparedDataset.solve`; the model includes the scale."""
        cols, solved = self._solve(values)
        p = self.prepared[i]
        c, labels, _ = cols[i]
        spectra = self.spectra_from(i, cols, [s["full"] for s in solved])
        model = np.zeros_like(p.y)
        for b in self.batches:
            if i not in b.datasets:
                continue
            jj = b.rows[:, b.datasets.index(i)]
            full = np.nan_to_num(spectra[jj])
            ci = c[jj] if c.shape[0] > 1 else np.broadcast_to(c[0], (jj.size, *c.shape[1:]))
            model[jj] = self.scale(i, values) * (ci @ full[:, :, None])[:, :, 0]
        return spectra, model, labels, c

    def linked_spectra(
        self, values: Mapping[str, float]
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The shared species spectra on the aligned wavelength axis of the linked datasets:
        (wavelength nm, spectra (n_aligned, n_species), species labels); NaN where a species
        has no spectrum."""
        _, solved = self._solve(values)
        species = self.species
        linked = set(self.linked)
        out = np.full((self.aligned.size, len(species)), np.nan)
        for b, s in zip(self.batches, solved, strict=True):
            if not linked & set(b.datasets):
                continue
            slot = next(k for k, i in enumerate(b.datasets) if i in linked)
            wl = self.prepared[b.datasets[slot]].wavelength[b.rows[:, slot]]
            pos = np.searchsorted(self.aligned, wl)
            ok = (pos < self.aligned.size) & (
                self.aligned[np.minimum(pos, self.aligned.size - 1)] == wl
            )
            act = s["active"][: len(species)]
            out[pos[ok]] = np.where(act[None, :], s["full"][ok, : len(species)], np.nan)
        keep = ~np.all(np.isnan(out), axis=0)
        return self.aligned, out[:, keep], [n for n, k in zip(species, keep, strict=True) if k]
