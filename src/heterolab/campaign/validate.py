"""Load-time checks of a step against its step type's function signature.

Every option must be a keyword argument of the function (an unknown one names the closest valid
name), its TOML value must fit the annotation (``float``, ``int``, ``bool``, ``str``,
``Literal[...]`` choices, sequences, tables), inputs must be the step type's inputs, ``uses``
must fill parameters that are not also options, and every required parameter must be given.
"""

from __future__ import annotations

import ast
import difflib
import enum
import inspect
import typing
from collections.abc import Callable
from typing import Any

from heterolab.campaign.registry import StepType

__all__ = ["check_step", "expected_type"]

_SCALARS: dict[str, Callable[[Any], bool]] = {
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "None": lambda v: False,
    "Quantity": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "Path": lambda v: isinstance(v, str),
}
_SEQUENCES = ("tuple", "list", "Sequence")
_READER_OPTIONS = {"time_unit", "time_column", "counts_column", "axis", "signal_unit", "channel"}
_MAPPINGS = ("dict", "Mapping")


def _split_top(text: str, sep: str = "|") -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == sep and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return [p for p in parts if p]


def _literal_choices(alt: str, namespace: dict[str, Any]) -> tuple[Any, ...] | None:
    if alt.startswith("Literal["):
        try:
            value = ast.literal_eval(alt[len("Literal[") : -1])
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, tuple) else (value,)
    obj = namespace.get(alt)
    if obj is not None and typing.get_origin(obj) is typing.Literal:
        return typing.get_args(obj)
    if isinstance(obj, type) and issubclass(obj, enum.StrEnum):  # a choice: its values
        return tuple(m.value for m in obj)
    return None


def _fits(value: Any, annotation: str, namespace: dict[str, Any]) -> bool | None:
    """True/False when the annotation decides, None when it cannot be judged from text."""
    alts = _split_top(annotation)
    for alt in alts:  # ``Choice | str``: the enum's values decide a string (any case)
        obj = namespace.get(alt)
        if isinstance(value, str) and isinstance(obj, type) and issubclass(obj, enum.StrEnum):
            return value.strip().lower() in {m.value.lower() for m in obj}
    verdicts: list[bool | None] = []
    for alt in alts:
        base = alt.split("[", 1)[0].split(".")[-1]
        choices = _literal_choices(alt, namespace)
        if choices is not None:
            verdicts.append(value in choices)
        elif base in _SCALARS:
            verdicts.append(_SCALARS[base](value))
        elif base in _SEQUENCES:
            verdicts.append(isinstance(value, list))
        elif base in _MAPPINGS:
            verdicts.append(isinstance(value, dict))
        else:
            verdicts.append(None)
    if any(v is True for v in verdicts):
        return True
    if any(v is None for v in verdicts):
        return None
    return False


def expected_type(annotation: str, namespace: dict[str, Any]) -> str:
    """Readable form of an annotation (``Literal`` aliases expanded to their choices)."""
    out = []
    for alt in _split_top(annotation):
        choices = _literal_choices(alt, namespace)
        if choices is not None:
            out.append("one of " + ", ".join(repr(c) for c in choices))
        elif alt != "None":
            out.append(alt)
    return " or ".join(out) or annotation


def _toml(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def check_step(step: Any, stype: StepType, template: bool = False) -> list[tuple[str, str | None]]:
    """Problems of ``step`` against ``stype``: ``[(message, key for the line number)]``."""
    try:
        func = stype.resolve()
        sig = inspect.signature(func)
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        return [(f"step type {stype.name} cannot load {stype.function_name}: {exc}", "type")]
    namespace = getattr(func, "__globals__", {})
    params = sig.parameters
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    problems: list[tuple[str, str | None]] = []
    specs = stype.input_specs
    filled: set[str] = set()
    for name in step.inputs:
        if name not in specs:
            close = difflib.get_close_matches(name, list(specs), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            known = ", ".join(specs) or "none (it takes quantities and options only)"
            problems.append(
                (f"unknown input {name!r}; {hint}inputs of {stype.name}: {known}", name)
            )
            continue
        spec = specs[name]
        if not spec.many and len(step.inputs[name]) > 1:
            problems.append(
                (
                    f"input {name!r} matches {len(step.inputs[name])} files; {stype.name} takes one",
                    name,
                )
            )
        filled.update(spec.fills)
    for name, spec in specs.items():
        if name not in step.inputs and not spec.optional and not template:
            problems.append((f"{stype.name} needs inputs.{name} ({spec.kind} file)", "inputs"))
        elif name not in step.inputs and not spec.optional:
            filled.update(spec.fills)  # filled by for_each
    valid = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    settable = [n for n in valid if n not in filled]
    for group, names in (("option", step.options), ("uses", step.uses)):
        for name in names:
            if name in filled:
                problems.append((f"{group} {name!r} is given by the step's input files", name))
            elif name not in params and not var_kw:
                close = difflib.get_close_matches(name, settable, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                if group == "option" and name in _READER_OPTIONS and specs:
                    hint = f"; reader options go in read = {{ {name} = ... }}"
                problems.append(
                    (
                        f"unknown {group} {name!r} for {stype.name} ({stype.function_name}){hint}",
                        name,
                    )
                )
    for name in step.uses:
        p = params.get(name)
        if p is None or p.annotation is inspect.Parameter.empty:
            continue
        annotation = (
            p.annotation
            if isinstance(p.annotation, str)
            else inspect.formatannotation(p.annotation)
        )
        if _fits(1.0, annotation, namespace) is False:
            problems.append(
                (
                    f"uses {name}: a quantity is a number, but {name} expects "
                    f"{expected_type(annotation, namespace)}",
                    name,
                )
            )
    if getattr(step, "chunk_pixels", 0) and "map_chunks" not in params:
        problems.append(
            (
                f"chunk_pixels: {stype.name} does not fit in chunks (it applies to step types "
                "that fit many decays independently: trpl.flim, trpl.batch)",
                "chunk_pixels",
            )
        )
    for name in ("chunk_size", "map_chunks"):
        if name in step.options:
            problems.append(
                (f"option {name!r} is set by the campaign runner; use chunk_pixels = N", name)
            )
    for name in sorted(set(step.options) & set(step.uses)):
        problems.append((f"{name!r} is given both as an option and in uses", name))
    for name, value in step.options.items():
        p = params.get(name)
        if p is None or p.annotation is inspect.Parameter.empty:
            continue
        annotation = (
            p.annotation
            if isinstance(p.annotation, str)
            else inspect.formatannotation(p.annotation)
        )
        if _fits(value, annotation, namespace) is False:
            problems.append(
                (
                    f"option {name} = {_toml(value)} has the wrong type; "
                    f"expected {expected_type(annotation, namespace)}",
                    name,
                )
            )
    all_fills = {f for spec in specs.values() for f in spec.fills}
    for name, p in params.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.default is not inspect.Parameter.empty:
            continue
        if (
            name not in all_fills
            and name not in filled
            and name not in step.options
            and name not in step.uses
        ):
            problems.append((f"{stype.name} needs {name!r} (an option or a 'uses' quantity)", None))
    return problems
