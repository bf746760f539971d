"""The scenario editor's logic, free of Streamlit so that it can be tested alone.

An edited scenario is a base file (a shipped scenario, or an upload kept under the results
folder) plus ``--set`` overrides, the command line's own representation: the page's levers
become overrides, they are validated by the same loader as the command line, and saving writes
them as a TOML file that ``extends`` the base, holding only the changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.core.errors import InputError, Problem
from sim.experiment.jobs import known_kpis
from sim.scenario import Scenario, parse_set
from sim.scenario.fields import description, lever_keys
from sim.scenario.loader import relative_changes
from sim.scenario.scale import CAPACITY_KEYS, load_resized


@dataclass(frozen=True)
class Lever:
    """A planner lever as the page shows it: key, unit, description and the base's value."""

    key: str
    unit: str
    description: str
    base: Any  # int, float or a list of numbers

    @property
    def kind(self) -> str:
        return ("list" if isinstance(self.base, list) else
                "int" if isinstance(self.base, int) else "float")


def value_at(scenario: Scenario, key: str) -> Any:
    node: Any = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


def levers(base: Scenario) -> list[Lever]:
    """Every field the schema tags as a lever (the README's levers table), with its value."""
    return [Lever(k, unit, description(type(base), k), value_at(base, k))
            for k, unit in lever_keys(type(base)).items()]


def seek_levers(base: Scenario) -> list[str]:
    """Levers a seek can search: whole-number capacities."""
    return [lv.key for lv in levers(base) if lv.key in CAPACITY_KEYS and lv.kind == "int"]


def parse_list(text: str) -> list[float] | None:
    """"30000, 29000, ..." as numbers (whole ones as int), or None when it is not a list."""
    try:
        values = [float(x) for x in text.replace(";", ",").split(",") if x.strip()]
    except ValueError:
        return None
    return [int(v) if v.is_integer() else v for v in values]


INT_TEXT = re.compile(r"^[+-]?\d{1,3}(,\d{3})*$|^[+-]?\d+(_\d+)*$")


def parse_int(text: str) -> int | str:
    """A whole number as typed: "2200", "2,200", "1_000" or exactly-whole float text such as
    "1e9" or "2200.0" (read exactly, never cut to its first digit); anything else is returned
    as typed, so the loader refuses it beside the field with its own words."""
    t = text.strip().replace(" ", "")
    if INT_TEXT.match(t):
        return int(t.replace(",", "").replace("_", ""))
    try:
        v = float(t)
    except ValueError:
        return text
    return int(v) if v.is_integer() and abs(v) < 2**63 else text


SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text: str) -> str:
    """A natural scenario name ("UCR plus 12 WTE") as the file-safe name runs are stored
    under ("UCR_plus_12_WTE"); "" when nothing file-safe is left."""
    return SAFE_NAME.sub("_", text.strip()).strip("_.-")


def lever_sets(levers_: Sequence[Lever], values: Mapping[str, Any]) -> list[str]:
    """``--set`` overrides for the levers whose value differs from the base's."""
    out = []
    for lv in levers_:
        if lv.key in values and values[lv.key] != lv.base:
            out.append(f"{lv.key}={toml_value(values[lv.key])}")
    return out


def extra_sets(text: str) -> list[str]:
    """Further overrides typed one ``KEY=VALUE`` a line (blank lines and # comments skipped);
    each is checked by the loader, which names a bad line (``expected KEY=VALUE``)."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def well_formed(sets: Sequence[str]) -> list[str]:
    """The overrides that parse as ``KEY=VALUE`` (what a saved file can hold); the others
    are reported by :func:`check`, line by line, and keep Run disabled."""
    out = []
    for item in sets:
        try:
            parse_set(item)
        except InputError:
            continue
        out.append(item)
    return out


@dataclass(frozen=True)
class Checked:
    """A scenario checked by the loader: the scenario when valid, else every problem; the
    problems by the key they concern so each shows beside its field."""

    scenario: Scenario | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.scenario is not None

    def by_key(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.problems:
            key = p.key.split("=", 1)[0] if p.file == "--set" else p.key
            out.setdefault(key, []).append(p.reason)
        return out


def check(scenario_file: Path, sets: Sequence[str], scale: float = 1.0,
          label: str | None = None) -> Checked:
    """Validate exactly as the command line does (same loader, same KPI list); ``label``
    names an upload in messages instead of the file it is kept in."""
    found: list[Problem] = []
    try:
        sc = load_resized(scenario_file, list(sets), scale, 1.0, known_kpis(), found)
    except InputError as exc:
        return Checked(None, [relabel(p, scenario_file, label) for p in exc.problems])
    return Checked(sc, [], [relabel(p, scenario_file, label) for p in dict.fromkeys(found)])


def resolved_changes(scenario_file: Path, sets: Sequence[str]) -> list[str]:
    """The relative changes (``+95``, ``x1.08``) the base file and ``sets`` make, resolved
    ("acute.beds: 2,200 -> 2,295 (+95)"); call only for a scenario :func:`check` passed."""
    return [f"{c.key}: {c.display()}" for c in relative_changes(scenario_file, list(sets))]


def relabel(problem: Problem, path: Path, label: str | None) -> Problem:
    if label and Path(problem.file).name == path.name:
        return Problem(label, problem.key, problem.reason)
    return problem


# -- TOML out -----------------------------------------------------------------------------------
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: object) -> str:
    """A TOML key; a date (a capacity schedule's) is written as its ISO text, quoted."""
    k = k.isoformat() if isinstance(k, dt.date) else str(k)
    return k if BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def toml_value(v: Any) -> str:
    """One value as TOML (the values scenarios hold: booleans, numbers, strings, dates and
    lists of them)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):  # a JSON string is a TOML basic string, once DEL is escaped
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML form for {type(v).__name__}")


def to_toml(data: Mapping[str, Any], prefix: str = "") -> str:
    """Nested tables as TOML: values first, then sub-tables, then arrays of tables (None is
    left out: it means the default)."""
    lines: list[str] = []
    tables, arrays = [], []
    for k, v in data.items():
        if v is None:
            continue
        if isinstance(v, Mapping):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, Mapping) for x in v):
            arrays.append((k, v))
        else:
            lines.append(f"{_key(k)} = {toml_value(v)}")
    for k, v in tables:
        name = f"{prefix}{_key(k)}"
        lines += ["", f"[{name}]", to_toml(v, name + ".").strip("\n")]
    for k, items in arrays:
        name = f"{prefix}{_key(k)}"
        for item in items:
            lines += ["", f"[[{name}]]", to_toml(item, name + ".").strip("\n")]
    return "\n".join(x for x in lines if x is not None).strip("\n") + "\n"


def nested(sets: Sequence[str]) -> dict[str, Any]:
    """``--set`` overrides as the tables a scenario file holds (targets by id)."""
    out: dict[str, Any] = {}
    targets: dict[str, dict[str, Any]] = {}
    for item in sets:
        path, value = parse_set(item)
        if path[0] == "targets" and len(path) == 3:
            targets.setdefault(path[1], {"id": path[1]})[path[2]] = value
            continue
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    if targets:
        out["targets"] = list(targets.values())
    return out


def extends_toml(base_name: str, sets: Sequence[str], note: str = "") -> str:
    """A scenario file holding only the changes: ``extends`` the base, then the overrides.
    Saved beside the base it loads as the edited scenario (a test checks the hash)."""
    head = [f"# {line}" for line in note.splitlines()] if note else []
    body = {"extends": base_name, **nested(well_formed(sets))}
    return "\n".join([*head, to_toml(body)])


def scenario_toml(scenario: Scenario, note: str = "") -> str:
    """A whole resolved scenario as one self-contained TOML file (no ``extends``): what an
    edit of an upload is saved as, so the saved file can itself be uploaded again."""
    head = [f"# {line}" for line in note.splitlines()] if note else []
    return "\n".join([*head, to_toml(scenario.model_dump(mode="python"))])


# -- uploads ------------------------------------------------------------------------------------
EXTENDS_LINE = re.compile(r"^[ \t]*extends[ \t]*=.*$", re.M)


def read_upload(label: str, data: bytes, shipped: Mapping[str, Path], store: Path,
                limit: int) -> Path:
    """Keep an uploaded scenario under ``store`` and return where; InputError (naming the
    upload) if it is too big, not UTF-8 TOML, or ``extends`` anything but a shipped scenario
    by name (an upload may not make the loader read any other file). The file is then
    validated like any other by :func:`check`."""
    if len(data) > limit:
        raise InputError.one(label, "(file)", f"{len(data):,} bytes: larger than the "
                             f"{limit:,} bytes a scenario file may be")
    try:
        text = data.decode("utf-8")
        parsed = tomllib.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError.one(label, "(file)", f"invalid TOML: {exc}") from None
    parent = parsed.get("extends")
    if parent is not None:
        if not isinstance(parent, str) or parent not in shipped:
            raise InputError.one(label, "extends", "may only name a shipped scenario (one of "
                                 f"{', '.join(shipped)}), not {parent!r}")
        lines = EXTENDS_LINE.findall(text)
        if len(lines) != 1:
            raise InputError.one(label, "extends", "give extends once, on a line of its own")
        text = EXTENDS_LINE.sub(lambda _m: f"extends = {toml_value(str(shipped[parent]))}",
                                text, count=1)
        if tomllib.loads(text).get("extends") != str(shipped[parent]):
            raise InputError.one(label, "extends", "could not be read as a plain line")
    store.mkdir(parents=True, exist_ok=True)
    path = store / f"upload-{hashlib.sha256(data).hexdigest()[:16]}.toml"
    path.write_text(text, encoding="utf-8")
    return path
