"""Reading and validating ``campaign.toml``.

Format (every table is optional except ``[[step]]``; unknown tables and keys are refused)::

    [campaign]
    name = "Pb/S series"
    description = "..."
    figures = true                            # draw one figure per step (default true)

    [[sample]]
    name = "PbS-1to3"                         # unique
    material = "CsPbBr3/PbS"
    synthesis = { pb_s_ratio = 3, recipe = "hot injection" }
    metadata = { operator = "YY" }            # free

    [[measurement]]
    id = "pl-1to3"                            # unique
    sample = "PbS-1to3"                       # a [[sample]] name
    technique = "trpl"
    file = "data/1to3.csv"                    # or files = [...] or glob = "data/1to3_*.csv"
    instrument = { repetition_rate_hz = 20e6 }   # default options of the steps reading it

    [[step]]
    id = "fit"                                # letters, digits, _ and -
    type = "trpl.fit"                         # a name in heterolab.campaign.registry.STEP_TYPES
    label = "..."                             # for tables and figure titles
    for_each = "trpl"                         # one step per measurement of this technique,
                                              #   id "fit-<measurement id>", its sample
    inputs = { irf = "data/irf.csv" }         # files (or measurement ids), relative to the TOML
    read = { time_unit = "ps" }               # options of the readers
    options = { n_components = 1 }            # keyword arguments of the step's function
    uses = { tau = "other-step.tau_1" }       # quantities of earlier steps
    reference = { tau_1 = 9.2 }               # published values ({name = [value, half_width]})
    sample = "PbS-1to3"                       # optional (default: its measurements' sample)
    note = "..."

    [[series]]
    id = "tau-vs-ratio"
    quantity = "tau_1"                        # a quantity name
    x = "pb_s_ratio"                          # a key of the samples' synthesis or metadata
    steps = ["fit"]                           # optional: step ids or for_each templates

Options are checked against the signature of the step type's function when the file is loaded:
an unknown option names the closest valid one, a value of the wrong type names the expected
type, every problem is reported at once with its line number (:class:`ModelError`).
"""

from __future__ import annotations

import difflib
import glob as globmod
import re
import tomllib
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from heterolab.errors import FormatError, ModelError

__all__ = ["Campaign", "Measurement", "Sample", "Series", "Step", "load_campaign"]

_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
_SAFE = re.compile(r"[^A-Za-z0-9_\-]")
_TOP = {"campaign", "sample", "measurement", "step", "series"}
_CAMPAIGN_KEYS = {"name", "description", "figures"}
_SAMPLE_KEYS = {"name", "material", "synthesis", "metadata", "label"}
_MEAS_KEYS = {"id", "sample", "technique", "file", "files", "glob", "instrument", "note"}
_STEP_KEYS = {
    "id",
    "type",
    "label",
    "inputs",
    "read",
    "options",
    "uses",
    "reference",
    "note",
    "sample",
    "for_each",
    "chunk_pixels",
}
_SERIES_KEYS = {"id", "quantity", "x", "steps", "label"}


@dataclass(frozen=True)
class Sample:
    """A sample: name, material system, synthesis parameters, free metadata."""

    name: str
    material: str = ""
    synthesis: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def parameter(self, key: str) -> Any:
        """A synthesis parameter or metadata value (None if absent)."""
        return self.synthesis.get(key, self.metadata.get(key))


@dataclass(frozen=True)
class Measurement:
    """Measured files of one sample by one technique."""

    id: str
    sample: str
    technique: str
    files: tuple[Path, ...]
    instrument: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One analysis of a campaign (see the module docstring for the fields)."""

    id: str
    type: str
    label: str = ""
    inputs: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    uses: dict[str, tuple[str, str]] = field(default_factory=dict)
    reference: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    sample: str = ""
    read: dict[str, Any] = field(default_factory=dict)
    template: str = ""
    measurement: str = ""
    #: Decays per chunk for step types that fit many decays (FLIM, batch): chunks are fitted
    #: in parallel (on the Dask workers with --workers/--scheduler); the result is identical.
    chunk_pixels: int = 0

    @property
    def depends_on(self) -> set[str]:
        """Ids of the steps whose results this step uses."""
        return {sid for sid, _ in self.uses.values()}

    @property
    def files(self) -> list[Path]:
        """Every input file, in input order."""
        return [p for paths in self.inputs.values() for p in paths]


@dataclass(frozen=True)
class Series:
    """One quantity against a sample parameter, over a set of steps."""

    id: str
    quantity: str
    x: str
    steps: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Campaign:
    """A validated campaign: samples, measurements, steps in run order, series tables."""

    name: str
    description: str
    path: Path
    steps: tuple[Step, ...]
    samples: tuple[Sample, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    series: tuple[Series, ...] = ()
    figures: bool = True

    def step(self, step_id: str) -> Step:
        """The step with id ``step_id``."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def sample(self, name: str) -> Sample | None:
        """The sample called ``name`` (None if not declared)."""
        return next((s for s in self.samples if s.name == name), None)


# ---------------------------------------------------------------------- line numbers
class _Lines:
    """Line numbers of tables and keys in a TOML text (tomllib gives none)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.blocks: dict[tuple[str, int], tuple[int, int]] = {}
        counts: dict[str, int] = {}
        current: tuple[str, int] | None = None
        for i, line in enumerate(self.lines, start=1):
            m = self._HEADER.match(line)
            if not m:
                continue
            name = m.group(2).strip().strip("\"'")
            idx = counts.get(name, 0)
            counts[name] = idx + 1
            if current is not None:
                self.blocks[current] = (self.blocks[current][0], i - 1)
            current = (name, idx)
            self.blocks[current] = (i, len(self.lines))

    def of(self, table: str, index: int = 0, key: str | None = None) -> int | None:
        """Line of ``key`` inside the ``index``-th ``table`` (its header line without key)."""
        span = self.blocks.get((table, index))
        if span is None:
            return None
        if key is None:
            return span[0]
        pat = re.compile(rf"(^|[\s{{,])[\"']?{re.escape(key)}[\"']?\s*=")
        for i in range(span[0], span[1] + 1):
            if pat.search(self.lines[i - 1].split("#", 1)[0]):
                return i
        return span[0]


class _Problems:
    def __init__(self, lines: _Lines) -> None:
        self.lines = lines
        self.items: list[tuple[int, str]] = []

    def add(self, msg: str, table: str = "", index: int = 0, key: str | None = None) -> None:
        line = self.lines.of(table, index, key) if table else None
        self.items.append((line or 0, f"line {line}: {msg}" if line else msg))

    def sorted(self) -> list[str]:
        return [m for _, m in sorted(self.items, key=lambda t: t[0] or 10**9)]


# ---------------------------------------------------------------------- loading
def load_campaign(path: str | PathLike[str]) -> Campaign:
    """Read, validate and order a campaign file; nothing runs before it passes.

    Raises
    ------
    FormatError
        If the file is missing or not valid TOML.
    ModelError
        Listing every problem, each with its line: unknown tables, keys, step types, options
        (with the closest valid name), wrongly typed options, missing files, duplicate ids,
        references to unknown steps/samples/measurements, dependency cycles.
    """
    p = Path(path)
    if not p.is_file():
        raise FormatError(p, "campaign file does not exist")
    try:
        text = p.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise FormatError(
            p, f"not a text (UTF-8) campaign file: {exc.reason} at byte {exc.start}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise FormatError(p, f"not valid TOML: {exc}") from None
    lines = _Lines(text)
    problems = _Problems(lines)
    for key in raw:
        if key not in _TOP:
            close = difflib.get_close_matches(key, sorted(_TOP), n=1)
            hint = f"; did you mean [[{close[0]}]]?" if close else ""
            problems.add(f"unknown table [{key}]{hint} (known: {', '.join(sorted(_TOP))})", key, 0)
    head = raw.get("campaign", {})
    if not isinstance(head, dict):
        problems.add("[campaign] must be a table")
        head = {}
    _unknown_keys(head, _CAMPAIGN_KEYS, "[campaign]", problems, "campaign", 0)
    samples = _samples(raw.get("sample", []), problems)
    measurements = _measurements(raw.get("measurement", []), p.parent, samples, problems)
    steps, index_of = _steps(raw.get("step", []), p.parent, samples, measurements, problems)
    if not raw.get("step"):
        problems.add("the campaign has no [[step]] table: nothing to run")
    series = _series(raw.get("series", []), samples, raw.get("step", []), problems)
    ordered = _topological_order(steps, problems, index_of)
    if problems.items:
        raise ModelError(problems.sorted(), source=str(p))
    return Campaign(
        name=str(head.get("name", p.stem)),
        description=str(head.get("description", "")),
        path=p.resolve(),
        steps=tuple(ordered),
        samples=tuple(samples.values()),
        measurements=tuple(measurements.values()),
        series=tuple(series),
        figures=bool(head.get("figures", True)),
    )


def _entries(value: Any, table: str, problems: _Problems) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        problems.add(f"[{table}] must be written [[{table}]] (an array of tables)", table, 0)
        return []
    return [v if isinstance(v, dict) else {} for v in value]


def _unknown_keys(
    entry: dict[str, Any], allowed: set[str], where: str, problems: _Problems, table: str, i: int
) -> None:
    for key in entry:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.add(f"{where}: unknown key {key!r}{hint}", table, i, key)


def _samples(value: Any, problems: _Problems) -> dict[str, Sample]:
    out: dict[str, Sample] = {}
    for i, e in enumerate(_entries(value, "sample", problems)):
        name = str(e.get("name", ""))
        where = f"sample {name or i + 1}"
        _unknown_keys(e, _SAMPLE_KEYS, where, problems, "sample", i)
        if not name:
            problems.add(f"{where}: 'name' is required", "sample", i)
            continue
        if name in out:
            problems.add(f"{where}: duplicate sample name {name!r}", "sample", i, "name")
        for key in ("synthesis", "metadata"):
            if not isinstance(e.get(key, {}), dict):
                problems.add(f"{where}: {key!r} must be a table", "sample", i, key)
        out[name] = Sample(
            name,
            str(e.get("material", "")),
            dict(e.get("synthesis", {}) if isinstance(e.get("synthesis"), dict) else {}),
            dict(e.get("metadata", {}) if isinstance(e.get("metadata"), dict) else {}),
        )
    return out


def _files(base: Path, patterns: list[str]) -> list[Path]:
    found: list[Path] = []
    for pat in patterns:
        if any(c in pat for c in "*?["):
            found += sorted(Path(f).resolve() for f in globmod.glob(str(base / pat)))
        else:
            found.append((base / pat).resolve())
    return found


def _measurements(
    value: Any, base: Path, samples: dict[str, Sample], problems: _Problems
) -> dict[str, Measurement]:
    out: dict[str, Measurement] = {}
    for i, e in enumerate(_entries(value, "measurement", problems)):
        mid = str(e.get("id", ""))
        where = f"measurement {mid or i + 1}"
        _unknown_keys(e, _MEAS_KEYS, where, problems, "measurement", i)
        if not mid or not _ID.match(mid):
            problems.add(f"{where}: 'id' must be letters, digits, _ and -", "measurement", i)
            continue
        if mid in out:
            problems.add(f"{where}: duplicate measurement id {mid!r}", "measurement", i, "id")
        sample = str(e.get("sample", ""))
        if samples and sample not in samples:
            close = difflib.get_close_matches(sample, list(samples), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.add(f"{where}: unknown sample {sample!r}{hint}", "measurement", i, "sample")
        if not e.get("technique"):
            problems.add(f"{where}: 'technique' is required", "measurement", i)
        given = [k for k in ("file", "files", "glob") if k in e]
        if len(given) != 1:
            problems.add(f"{where}: give exactly one of file, files, glob", "measurement", i)
            continue
        raw = e[given[0]]
        patterns = [str(x) for x in raw] if isinstance(raw, list) else [str(raw)]
        files = _files(base, patterns)
        if not files:
            problems.add(f"{where}: {given[0]} {raw!r} matches no file", "measurement", i, given[0])
        for f in files:
            if not f.is_file():
                problems.add(f"{where}: file not found: {f}", "measurement", i, given[0])
        out[mid] = Measurement(
            mid, sample, str(e.get("technique", "")), tuple(files), dict(e.get("instrument", {}))
        )
    return out


def _resolve_input(
    rel: Any, base: Path, measurements: dict[str, Measurement]
) -> tuple[tuple[Path, ...], str, dict[str, Any]]:
    """Files of an input value (path, glob, measurement id, or a list of them), its sample and
    the instrument settings of its measurements."""
    items = rel if isinstance(rel, list) else [rel]
    files: list[Path] = []
    sample = ""
    instrument: dict[str, Any] = {}
    for item in items:
        m = measurements.get(str(item))
        if m is not None:
            files += m.files
            sample = sample or m.sample
            instrument = {**m.instrument, **instrument}
        else:
            files += _files(base, [str(item)])
    return tuple(files), sample, instrument


def with_instrument(step: Step, instrument: dict[str, Any]) -> Step:
    """``step`` with the measurement's instrument settings as default options: those that are
    keyword arguments of the step's function and are not set by the step itself."""
    from dataclasses import replace

    from heterolab.campaign.registry import STEP_TYPES

    stype = STEP_TYPES.get(step.type)
    if stype is None or not instrument:
        return step
    try:
        params = stype.signature().parameters
    except (ImportError, AttributeError, ValueError, TypeError):
        return step
    fills = {f for spec in stype.input_specs.values() for f in spec.fills}
    extra = {
        k: v
        for k, v in instrument.items()
        if k in params and k not in fills and k not in step.options and k not in step.uses
    }
    return replace(step, options={**extra, **step.options}) if extra else step


def _steps(
    value: Any,
    base: Path,
    samples: dict[str, Sample],
    measurements: dict[str, Measurement],
    problems: _Problems,
) -> tuple[list[Step], dict[str, int]]:
    from heterolab.campaign.registry import STEP_TYPES
    from heterolab.campaign.validate import check_step

    steps: list[Step] = []
    seen: dict[str, int] = {}
    for i, e in enumerate(_entries(value, "step", problems)):
        sid = str(e.get("id", ""))
        where = f"step {sid or i + 1}"
        _unknown_keys(e, _STEP_KEYS, where, problems, "step", i)
        if not sid or not _ID.match(sid):
            problems.add(f"{where}: 'id' must be a name of letters, digits, _ and -", "step", i)
            continue
        stype = str(e.get("type", ""))
        if stype not in STEP_TYPES:
            close = difflib.get_close_matches(stype, list(STEP_TYPES), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.add(
                f"{where}: unknown type {stype!r}; {hint}known: {', '.join(sorted(STEP_TYPES))}",
                "step",
                i,
                "type",
            )
        for key in ("inputs", "options", "uses", "reference", "read"):
            if not isinstance(e.get(key, {}), dict):
                problems.add(f"{where}: {key!r} must be a table", "step", i, key)
                e[key] = {}
        inputs: dict[str, tuple[Path, ...]] = {}
        sample = str(e.get("sample", ""))
        instrument: dict[str, Any] = {}
        for name, rel in e.get("inputs", {}).items():
            files, s, settings = _resolve_input(rel, base, measurements)
            sample = sample or s
            instrument = {**settings, **instrument}
            if not files:
                problems.add(f"{where}: input {name!r}: {rel!r} matches no file", "step", i, name)
            for f in files:
                if not f.exists():
                    problems.add(f"{where}: input {name!r} file not found: {f}", "step", i, name)
            inputs[name] = files
        uses: dict[str, tuple[str, str]] = {}
        for name, ref in e.get("uses", {}).items():
            if not isinstance(ref, str) or "." not in ref:
                problems.add(
                    f"{where}: uses.{name} must be 'STEP_ID.QUANTITY', got {ref!r}", "step", i, name
                )
                continue
            step_id, quantity = ref.split(".", 1)
            uses[name] = (step_id, quantity)
        if sample and samples and sample not in samples:
            problems.add(f"{where}: unknown sample {sample!r}", "step", i, "sample")
        chunk = e.get("chunk_pixels", 0)
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 0:
            problems.add(
                f"{where}: chunk_pixels must be a whole number of pixels (0: not chunked), got {chunk!r}",
                "step",
                i,
                "chunk_pixels",
            )
            chunk = 0
        proto = Step(
            id=sid,
            type=stype,
            label=str(e.get("label", sid)),
            inputs=inputs,
            options=dict(e.get("options", {})),
            uses=uses,
            reference=dict(e.get("reference", {})),
            note=str(e.get("note", "")),
            sample=sample,
            read=dict(e.get("read", {})),
            chunk_pixels=chunk,
        )
        proto = with_instrument(proto, instrument)
        reported: set[str] = set()
        if stype in STEP_TYPES:
            for msg, at in check_step(proto, STEP_TYPES[stype], bool(e.get("for_each"))):
                reported.add(msg)
                problems.add(f"{where}: {msg}", "step", i, at)
        for inst in _expand(proto, e.get("for_each"), measurements, problems, i):
            if inst.options != proto.options and stype in STEP_TYPES:  # instrument settings
                for msg, _ in check_step(inst, STEP_TYPES[stype]):
                    if msg not in reported:
                        reported.add(msg)
                        problems.add(
                            f"measurement {inst.measurement} instrument settings for step "
                            f"{inst.id}: {msg}",
                            "measurement",
                            list(measurements).index(inst.measurement),
                            "instrument",
                        )
            if inst.id in seen:
                problems.add(f"{where}: duplicate id {inst.id!r}", "step", i, "id")
            seen[inst.id] = i
            steps.append(inst)
    ids = {st.id for st in steps}
    templates = {st.template for st in steps if st.template}
    for st in steps:
        for dep in sorted(st.depends_on - ids):
            hint = " (a for_each template: use one of its instances)" if dep in templates else ""
            problems.add(
                f"step {st.id}: uses unknown step {dep!r}{hint}", "step", seen[st.id], "uses"
            )
    return steps, seen


def _expand(
    proto: Step,
    technique: Any,
    measurements: dict[str, Measurement],
    problems: _Problems,
    index: int,
) -> list[Step]:
    """One step per measurement of ``technique`` (``for_each``), or the step itself."""
    if not technique:
        return [proto]
    from heterolab.campaign.registry import STEP_TYPES

    stype = STEP_TYPES.get(proto.type)
    primary = stype.primary_input if stype else None
    chosen = [m for m in measurements.values() if m.technique == str(technique)]
    if not chosen:
        known = sorted({m.technique for m in measurements.values()})
        problems.add(
            f"step {proto.id}: for_each {technique!r} matches no measurement (techniques: "
            f"{', '.join(known) or 'none declared'})",
            "step",
            index,
            "for_each",
        )
        return []
    if primary is None:
        problems.add(
            f"step {proto.id}: type {proto.type} has no file input for for_each", "step", index
        )
        return []
    spec = stype.input_specs[primary] if stype else None
    out = []
    for m in chosen:
        # an input taking one file gets one step per file of a multi-file measurement
        groups = (
            [(f"{m.id}", m.files)]
            if (spec is not None and spec.many) or len(m.files) == 1
            else [(f"{m.id}-{_SAFE.sub('_', f.stem)}", (f,)) for f in m.files]
        )
        for suffix, files in groups:
            inputs = dict(proto.inputs)
            inputs[primary] = files
            out.append(
                with_instrument(
                    Step(
                        id=f"{proto.id}-{suffix}",
                        type=proto.type,
                        label=f"{proto.label} ({m.sample or m.id})",
                        inputs=inputs,
                        options=proto.options,
                        uses=proto.uses,
                        reference=proto.reference,
                        note=proto.note,
                        sample=proto.sample or m.sample,
                        read=proto.read,
                        template=proto.id,
                        measurement=m.id,
                        chunk_pixels=proto.chunk_pixels,
                    ),
                    m.instrument,
                )
            )
    return out


def _series(
    value: Any, samples: dict[str, Sample], raw_steps: Any, problems: _Problems
) -> list[Series]:
    out: list[Series] = []
    step_ids = {str(e.get("id")) for e in raw_steps if isinstance(e, dict)}
    for i, e in enumerate(_entries(value, "series", problems)):
        sid = str(e.get("id", ""))
        where = f"series {sid or i + 1}"
        _unknown_keys(e, _SERIES_KEYS, where, problems, "series", i)
        if not sid or not _ID.match(sid):
            problems.add(f"{where}: 'id' must be letters, digits, _ and -", "series", i)
            continue
        if not e.get("quantity"):
            problems.add(f"{where}: 'quantity' is required", "series", i)
        x = str(e.get("x", ""))
        if not x:
            problems.add(f"{where}: 'x' (a sample parameter) is required", "series", i)
        elif not any(s.parameter(x) is not None for s in samples.values()):
            known = sorted({k for s in samples.values() for k in (*s.synthesis, *s.metadata)})
            close = difflib.get_close_matches(x, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.add(f"{where}: no sample has the parameter {x!r}{hint}", "series", i, "x")
        steps = e.get("steps", [])
        steps = [steps] if isinstance(steps, str) else list(steps)
        for s in steps:
            if s not in step_ids:
                problems.add(f"{where}: unknown step {s!r}", "series", i, "steps")
        out.append(
            Series(sid, str(e.get("quantity", "")), x, tuple(steps), str(e.get("label", "")))
        )
    return out


def _topological_order(
    steps: list[Step], problems: _Problems, index_of: dict[str, int]
) -> list[Step]:
    """Steps ordered so that every step comes after those it uses (file order otherwise)."""
    by_id = {s.id: s for s in steps}
    done: list[Step] = []
    state: dict[str, int] = {}

    def visit(s: Step, chain: tuple[str, ...]) -> None:
        if state.get(s.id) == 2:
            return
        if state.get(s.id) == 1:
            cycle = (*chain[chain.index(s.id) :], s.id) if s.id in chain else (*chain, s.id)
            problems.add(
                f"dependency cycle: {' -> '.join(cycle)}", "step", index_of.get(s.id, 0), "uses"
            )
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
