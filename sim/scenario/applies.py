"""Settings that do not apply: a key the scenario's other settings make inert is a warning.

A field declares when the model reads it with ``applies_when`` (``tagged(..., applies_when=
"acute.outlying is true")`` or ``json_schema_extra={"applies_when": ...}``), or a switch
declares the keys it makes inert when on (``makes_inert``: discharge to assess on replaces
``acute.other_support_wait_days``); the JSON Schema carries both.
Every key of a service section also applies only while the service is enabled. A key set by a
file that extends another, or by ``--set`` (so a batch option), whose condition is false in the
resolved scenario is reported: setting it changes nothing, which a planner must hear rather than
read as "no effect". The root of the ``extends`` chain (the baseline) sets every key, so its own
values are not reported.

Condition grammar: ``KEY OP VALUE`` joined by `` and ``; KEY dotted from the scenario's root,
or starting with ``.`` for a sibling of the field (``.dist``); OP one of ``is``, ``is not``,
``==``, ``!=``, ``>``, ``>=``, ``<``, ``<=``; VALUE ``true``, ``false``, ``none``, ``empty``, a
number or a bare word.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from sim.core.errors import Problem
from sim.scenario.fields import iter_fields, tags

Provenance = dict[tuple[str, ...], str]
CONDITION = re.compile(r"^\s*(?P<key>\.?[A-Za-z0-9_.]+)\s+(?P<op>is not|is|==|!=|>=|<=|>|<)\s+"
                       r"(?P<value>\S+)\s*$")
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "is": operator.eq, "==": operator.eq, "is not": operator.ne, "!=": operator.ne,
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _literal(text: str) -> Any:
    words: dict[str, Any] = {"true": True, "false": False, "none": None, "empty": []}
    if text in words:
        return words[text]
    try:
        return float(text)
    except ValueError:
        return text


def _value_at(scenario: BaseModel, key: str) -> Any:
    node: Any = scenario
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    return node


def failing(condition: str, scenario: BaseModel, key: str) -> list[str]:
    """The clauses of ``condition`` (the grammar above) that do not hold for the field ``key``
    of ``scenario``, with sibling keys written out; empty when it applies."""
    out = []
    for clause in condition.split(" and "):
        m = CONDITION.match(clause)
        if m is None:
            raise ValueError(f"{key}: applies_when {condition!r} does not parse")
        name = m.group("key")
        if name.startswith("."):
            name = key.rpartition(".")[0] + name
        value, want = _value_at(scenario, name), _literal(m.group("value"))
        if isinstance(value, list | tuple | dict) and want == []:
            value = list(value)
        try:
            ok = OPS[m.group("op")](value, want)
        except TypeError:
            ok = False
        if not ok:
            out.append(f"{name} {m.group('op')} {m.group('value')}")
    return out


def holds(condition: str, scenario: BaseModel, key: str) -> bool:
    return not failing(condition, scenario, key)


def conditions(model: type[BaseModel]) -> dict[str, str]:
    """Dotted key -> its ``applies_when`` condition, for every field that declares one, plus
    ``SECTION.enabled is true`` for every key of a section that can be switched off."""
    out: dict[str, str] = {}
    inert_when_on = {other: f"{key} is false" for key, info in iter_fields(model)
                     for other in tags(info).get("makes_inert", ())}
    for key, info in iter_fields(model):
        when = tags(info).get("applies_when")
        section = key.partition(".")[0]
        switchable = "." in key and not key.endswith(".enabled") and "enabled" in getattr(
            model.model_fields[section].annotation, "model_fields", {})
        parts = [f"{section}.enabled is true"] if switchable else []
        if when:
            parts.append(str(when))
        if key in inert_when_on:
            parts.append(inert_when_on[key])
        if parts:
            out[key] = " and ".join(parts)
    return out


def _changed_by(prov: Provenance, key: str, root: str | None) -> str | None:
    """The file (or ``--set``) other than the root file that set ``key`` or a value inside it."""
    path = tuple(key.split("."))
    for p, source in prov.items():
        if p[: len(path)] == path and source != root:
            return source
    return None


def inert_warnings(scenario: BaseModel, prov: Provenance, root: str | None) -> list[Problem]:
    """One warning per key set (by a file other than ``root``, or by ``--set``) whose
    condition does not hold: the model does not read it in this scenario."""
    found: list[Problem] = []
    for key, condition in conditions(type(scenario)).items():
        source = _changed_by(prov, key, root)
        unmet = [] if source is None else failing(condition, scenario, key)
        if unmet:
            found.append(Problem(source, key, "has no effect in this scenario: it applies only "
                                 f"when {' and '.join(unmet)}"))
    return _outermost(found)


def _outermost(found: list[Problem]) -> list[Problem]:
    """A switched-off section's table and every key in it would each warn: keep the outermost
    key set (``d2a.home_care_days``, not also ``d2a.home_care_days.mean``)."""
    keys = {p.key for p in found}
    return [p for p in found
            if not any(p.key.startswith(k + ".") for k in keys if k != p.key)]
