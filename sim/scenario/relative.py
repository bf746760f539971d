"""Changes stated relative to a base: ``beds = "+95"``, ``mean = "x1.08"``, ``packages = "+25%"``.

A what-if written as absolute numbers silently changes meaning when the baseline is
recalibrated (2,175 beds was "+95" on 2,080 and became "-25" on 2,200). A relative value keeps
the planner's intent. The loader resolves each one at load time against its base: the value the
``extends`` chain gives for a scenario file; for ``--set`` (and so a batch option, which is a set
of overrides), the value the files and the earlier overrides give. docs/relative-changes.md is
the user's page; this module is the grammar and the arithmetic.

Forms: ``"+N"`` / ``"-N"`` add, ``"+N%"`` / ``"-N%"`` change by a percentage, ``"xN"`` (or
``"*N"``) multiply. A whole-number key (beds, packages, staff on a rota) stays whole: an added
amount must be whole, and a product is rounded half to even (437.5 -> 438, 2.5 -> 2), which
:attr:`Change.note` says. A list (a rota, a profile) or a capacity schedule changes value by
value.
"""

from __future__ import annotations

import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.core.errors import InputError, Problem
from sim.scenario.fields import field_model
from sim.scenario.schema import scenario_model

NUM = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
RELATIVE = re.compile(rf"^\s*(?:(?P<sign>[+-])\s*(?P<num>{NUM})\s*(?P<pct>%)?"
                      rf"|[xX*×]\s*(?P<factor>{NUM}))\s*$")
# Text that is meant as a relative change (so a malformed one is an error, not a string value)
LOOKS_RELATIVE = re.compile(r"^\s*(?:[+\-*×]|[xX]\s*[-+\d.])")
DATE_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FORMS = 'write "+N", "-N", "+N%", "-N%" or "xN" (e.g. "+95", "-10%", "x1.08")'
INTENTS = ("up", "down")


@dataclass(frozen=True)
class Change:
    """One relative change as resolved: shown by ``describe`` as "2,200 -> 2,295 (+95)"."""

    key: str
    before: Any
    after: Any
    text: str
    source: str
    note: str = ""  # e.g. "437.5 rounded"

    def display(self) -> str:
        note = f", {self.note}" if self.note else ""
        return f"{fmt(self.before)} -> {fmt(self.after)} ({self.text.strip()}{note})"


@dataclass
class Notes:
    """What the loader learnt besides the values: relative changes resolved, and which file is
    the root of the ``extends`` chain (its values are the base, not changes to warn about)."""

    changes: list[Change] = field(default_factory=list)
    root: str | None = None


def fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.10g}"
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def looks_relative(value: Any) -> bool:
    return isinstance(value, str) and bool(LOOKS_RELATIVE.match(value))


def parse(text: str) -> tuple[str, float]:
    """("add", amount) or ("mul", factor); ValueError with the reason when malformed."""
    m = RELATIVE.match(text)
    if m is None:
        raise ValueError(f"cannot read it: {FORMS}")
    if m.group("factor") is not None:
        return "mul", float(m.group("factor"))
    amount = float(m.group("num")) * (-1 if m.group("sign") == "-" else 1)
    if m.group("pct"):
        if amount <= -100:
            raise ValueError("it would leave nothing (a change of -100% or less)")
        return "mul", 1 + amount / 100
    return "add", amount


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _schedule(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and DATE_KEY.match(k) for k in value)


def _apply_one(op: str, amount: float, value: int | float, whole: bool) -> tuple[Any, bool]:
    """(new value, rounded?)."""
    if op == "add":
        if whole and not float(amount).is_integer():
            raise ValueError("this key takes whole numbers: add a whole number")
        new = value + amount
    else:
        new = value * amount
    if whole:
        rounded = round(new)  # round half to even
        return int(rounded), abs(rounded - new) > 1e-9  # float noise (x1.1) is not rounding
    return float(f"{new:.12g}"), False


def apply(text: str, base: Any, whole: bool) -> tuple[Any, str]:
    """``base`` changed by ``text``: (new value, note). ValueError says why not."""
    op, amount = parse(text)
    rounded = False

    def one(v: Any) -> Any:
        nonlocal rounded
        if isinstance(v, list):
            return [one(x) for x in v]
        if not _number(v):
            raise ValueError(f"its base value {fmt(v)} is not a number")
        new, r = _apply_one(op, amount, v, whole)
        rounded = rounded or r
        return new

    if _schedule(base):
        new: Any = {k: one(v) for k, v in base.items()}
    elif isinstance(base, dict):
        raise ValueError("its base is a table: change a number inside it (e.g. "
                         "emergency_los_days.mean)")
    else:
        new = one(base)
    note = ""
    if rounded:
        exact = base * amount if _number(base) else None
        note = (f"{exact:,.10g} rounded half to even" if exact is not None
                else "rounded half to even to whole numbers")
    return new, note


def _leaves(annotation: Any) -> set[Any]:
    args = typing.get_args(annotation)
    if not args:
        return {annotation}
    out: set[Any] = set()
    for a in args:
        out |= _leaves(a)
    return out


def annotation_at(model: type[BaseModel], path: tuple[str, ...]) -> Any:
    """The annotation of the schema field at ``path`` (keys of a dict-valued field, such as
    specialties or wards, stepped over); None when the schema has no such key."""
    current: type[BaseModel] | None = model
    annotation: Any = None
    skip = False
    for part in path:
        if skip:
            skip = False
            continue
        if current is None or part not in current.model_fields:
            return None
        annotation = current.model_fields[part].annotation
        skip = any(typing.get_origin(a) is dict for a in (annotation, *typing.get_args(annotation)))
        current = field_model(annotation)
    return annotation


def whole_number(model: type[BaseModel], path: tuple[str, ...]) -> bool:
    """Whether the schema field at ``path`` holds whole numbers (a count, a rota)."""
    leaves = _leaves(annotation_at(model, path))
    return int in leaves and float not in leaves


def _resolve(key: tuple[str, ...], text: str, base: Any, source: str, model: type[BaseModel],
             notes: Notes | None) -> Any:
    dotted = ".".join(key)
    if base is None:
        raise InputError.one(source, dotted, f"relative change {text!r} but the base gives no "
                             "value for this key to change; give the value itself")
    try:
        new, note = apply(text, base, whole_number(model, key))
    except ValueError as exc:
        raise InputError.one(source, dotted, f"relative change {text!r}: {exc}") from None
    if notes is not None:
        notes.changes.append(Change(dotted, base, new, text, source, note))
    return new


def resolve_file(data: dict[str, Any], base: dict[str, Any] | None, label: str,
                 model: type[BaseModel], notes: Notes | None) -> dict[str, Any]:
    """A file's own values with every relative text resolved against ``base`` (the merged
    values of the files it extends; None for a file that extends none, where relative text is
    an error). Every problem is collected and raised together."""
    problems: list[Problem] = []

    def walk(node: dict[str, Any], under: Any, prefix: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in node.items():
            key = (*prefix, str(k))
            below = under.get(k) if isinstance(under, dict) else None
            if isinstance(v, dict) and not _schedule(v):
                out[k] = walk(v, below, key)
            elif _schedule(v) and any(looks_relative(x) for x in v.values()):
                out[k] = _levels(key, v, below)
            elif looks_relative(v) and (prefix or k not in ("name", "description")):
                if base is None:
                    problems.append(Problem(label, ".".join(key), (
                        f"relative change {v!r} needs a base: this file extends no other "
                        "file (add extends = \"baseline.toml\")")))
                    out[k] = v
                    continue
                try:
                    out[k] = _resolve(key, v, below, label, model, notes)
                except InputError as exc:
                    problems.extend(exc.problems)
                    out[k] = v
            else:
                out[k] = v
        return out

    def _levels(key: tuple[str, ...], levels: dict[str, Any], below: Any) -> dict[str, Any]:
        """A capacity schedule whose levels are relative: each against the base's value."""
        if base is None or _schedule(below):
            problems.append(Problem(label, ".".join(key), "relative levels in a schedule need "
                                    "a base that gives one value for this key (not a schedule)"))
            return levels
        try:
            new = {d: _resolve(key, x, below, label, model, None) if looks_relative(x) else x
                   for d, x in levels.items()}
        except InputError as exc:
            problems.extend(exc.problems)
            return levels
        if notes is not None:
            text = ", ".join(f"{d}: {x}" for d, x in levels.items())
            notes.changes.append(Change(".".join(key), below, new, text, label))
        return new

    resolved = walk(data, base, ())
    if problems:
        raise InputError(problems)
    return resolved


def resolve_set(path: list[str], value: Any, raw: dict[str, Any], source: str,
                model: type[BaseModel], notes: Notes | None) -> Any:
    """A ``--set`` value, resolved against what the files (and earlier overrides) give."""
    if not looks_relative(value):
        return value
    if path[0] == "targets":
        raise InputError.one(source, ".".join(path), f"relative change {value!r}: a target's "
                             "threshold is given as itself, not relative to the file's")
    node: Any = raw
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return _resolve(tuple(path), value, node, source, model, notes)


def pop_intent(data: dict[str, Any], label: str, model: type[BaseModel]) -> dict[str, str]:
    """Take a file's ``[intent]`` out of its data (it is not part of the scenario), checked."""
    intent = data.pop("intent", None)
    return {} if intent is None else check_intent(intent, label, model)


def read_intent(path: str | Path) -> dict[str, str]:
    """The ``[intent]`` of one scenario file as dotted key -> "up" / "down" (not of the files
    it extends); empty when it declares none."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError.one(str(path), "(file)", f"cannot read: {exc}") from None
    return pop_intent(data, str(path), scenario_model())


def check_intent(intent: Any, label: str, model: type[BaseModel]) -> dict[str, str]:
    """An ``[intent]`` table: lever key -> "up" or "down", what the file means to do (quoted
    dotted keys or nested tables); tests/test_whatifs.py holds every shipped file to it. Not
    part of the scenario. Returns it flat (dotted key -> direction)."""
    if not isinstance(intent, dict):
        raise InputError.one(label, "intent", 'a table of key = "up" or "down"')
    flat: dict[str, str] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for k, v in node.items():
            if isinstance(v, dict):
                walk(v, f"{prefix}{k}.")
            else:
                flat[f"{prefix}{k}"] = v

    walk(intent, "")
    problems = []
    for key, direction in flat.items():
        if direction not in INTENTS:
            problems.append(Problem(label, f"intent.{key}", 'give "up" or "down"'))
        if annotation_at(model, tuple(key.split("."))) is None:
            problems.append(Problem(label, f"intent.{key}", "no such key in the scenario"))
    if problems:
        raise InputError(problems)
    return flat
