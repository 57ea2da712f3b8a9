"""Reading and validating ``campaign.toml``.

Format::

    [campaign]
    name = "Thesis TRPL, chapters 3 and 4"
    description = "..."

    [[step]]
    id = "het-original"                      # unique, letters, digits, _ and -
    type = "trpl.fit"                        # one of heterolab.campaign.steps.STEP_TYPES
    label = "2D-3D film, no quencher"        # for tables and figure titles
    inputs = { decay = "data/het.csv", irf = "data/irf.csv" }   # files, relative to the TOML
    options = { components = 1 }             # keyword options of the analysis
    uses = { tau0 = "het-original.tau_avg_intensity" }          # quantities of earlier steps
    reference = { tau_1 = 9.2 }              # published values to compare with (optional)

Every problem in a file is reported at once (:class:`heterolab.errors.ModelError`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from heterolab.errors import FormatError, ModelError

__all__ = ["Campaign", "Step", "load_campaign"]

_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
_STEP_KEYS = {"id", "type", "label", "inputs", "options", "uses", "reference", "note"}


@dataclass(frozen=True)
class Step:
    """One analysis of a campaign (see module docstring for the fields)."""

    id: str
    type: str
    label: str = ""
    inputs: dict[str, Path] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    uses: dict[str, tuple[str, str]] = field(default_factory=dict)
    reference: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def depends_on(self) -> set[str]:
        """Ids of the steps whose results this step uses."""
        return {sid for sid, _ in self.uses.values()}


@dataclass(frozen=True)
class Campaign:
    """A validated campaign: its name, description, source file and steps in run order."""

    name: str
    description: str
    path: Path
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step:
        """The step with id ``step_id``."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


def load_campaign(path: str | PathLike[str]) -> Campaign:
    """Read, validate and order the steps of a campaign file.

    Raises
    ------
    FormatError
        If the file is missing or not valid TOML.
    ModelError
        Listing every problem: unknown step types or keys, duplicate ids, missing input
        files, references to unknown steps, dependency cycles.
    """
    from heterolab.campaign.steps import STEP_TYPES

    p = Path(path)
    if not p.is_file():
        raise FormatError(p, "campaign file does not exist")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FormatError(p, f"not valid TOML: {exc}") from None
    problems: list[str] = []
    head = raw.get("campaign", {})
    steps: list[Step] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw.get("step", []), start=1):
        where = f"step {i}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a table")
            continue
        sid = str(entry.get("id", ""))
        where = f"step {i} ({sid or 'no id'})"
        unknown = set(entry) - _STEP_KEYS
        if unknown:
            problems.append(
                f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_STEP_KEYS)}"
            )
        if not sid or not _ID.match(sid):
            problems.append(f"{where}: 'id' must be a non-empty name of letters, digits, _ and -")
        elif sid in seen:
            problems.append(f"{where}: duplicate id {sid!r}")
        seen.add(sid)
        stype = str(entry.get("type", ""))
        if stype not in STEP_TYPES:
            problems.append(
                f"{where}: unknown type {stype!r}; known: {', '.join(sorted(STEP_TYPES))}"
            )
        inputs = {}
        for name, rel in dict(entry.get("inputs", {})).items():
            f = (p.parent / str(rel)).resolve()
            if not f.exists():
                problems.append(f"{where}: input {name!r} file not found: {f}")
            inputs[name] = f
        uses = {}
        for name, ref in dict(entry.get("uses", {})).items():
            if not isinstance(ref, str) or ref.count(".") < 1:
                problems.append(f"{where}: uses.{name} must be 'STEP_ID.QUANTITY', got {ref!r}")
                continue
            step_id, quantity = ref.split(".", 1)
            uses[name] = (step_id, quantity)
        steps.append(
            Step(
                id=sid,
                type=stype,
                label=str(entry.get("label", sid)),
                inputs=inputs,
                options=dict(entry.get("options", {})),
                uses=uses,
                reference=dict(entry.get("reference", {})),
                note=str(entry.get("note", "")),
            )
        )
    ids = {s.id for s in steps}
    for s in steps:
        for dep in s.depends_on - ids:
            problems.append(f"step {s.id}: uses unknown step {dep!r}")
    ordered = _topological_order(steps, problems)
    if problems:
        raise ModelError(problems, source=str(p))
    return Campaign(
        name=str(head.get("name", p.stem)),
        description=str(head.get("description", "")),
        path=p.resolve(),
        steps=tuple(ordered),
    )


def _topological_order(steps: list[Step], problems: list[str]) -> list[Step]:
    """Steps ordered so that every step comes after those it uses (file order otherwise)."""
    by_id = {s.id: s for s in steps}
    done: list[Step] = []
    state: dict[str, int] = {}

    def visit(s: Step, chain: tuple[str, ...]) -> None:
        if state.get(s.id) == 2:
            return
        if state.get(s.id) == 1:
            problems.append(f"dependency cycle: {' -> '.join((*chain, s.id))}")
            return
        state[s.id] = 1
        for dep in sorted(s.depends_on):
            if dep in by_id:
                visit(by_id[dep], (*chain, s.id))
        state[s.id] = 2
        done.append(s)

    for s in steps:
        visit(s, ())
    return done
