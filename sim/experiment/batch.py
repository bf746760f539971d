"""Batch files: a base scenario, named scenarios (override sets) and sweeps, run together.

A batch file is TOML validated like a scenario (unknown keys rejected)::

    name = "winter_planning"
    description = "..."
    base = "../baseline.toml"          # relative to the batch file
    replications = 20
    seed = 2026
    comparator = "baseline"            # the scenario every other one is compared with

    [[scenarios]]
    name = "baseline"                  # no overrides: the base as it is

    [[scenarios]]
    name = "ucr_plus_3"
    set = { "ucr.clinicians_per_shift" = "+3" }    # relative to the base's value
    intent = { "ucr.clinicians_per_shift" = "up" }  # checked by tests/test_whatifs.py

    [[sweeps]]
    name = "vw"                        # points are named vw-beds380-packages400, ...
    [sweeps.values]
    "virtual_ward.beds" = [260, 380, 480]
    "reablement.packages" = [320, 400]

Every scenario of the batch uses the same streams for replication k (common random numbers),
which is what makes the paired comparisons sharp.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from sim.core.errors import InputError, Problem, did_you_mean
from sim.scenario import Scenario
from sim.scenario.base import Strict
from sim.scenario.scale import load_resized

NAME = r"^[A-Za-z0-9_.-]+$"
Value = bool | int | float | str | list[Any]


class BatchScenario(Strict):
    name: str = Field(pattern=NAME, description="Scenario name within the batch.")
    description: str = Field(default="", description="Why this option is in the batch.")
    set: dict[str, Value] = Field(default_factory=dict,
                                  description="Overrides of the base, as dotted keys; relative "
                                  "text (\"+95\", \"x1.08\") changes the base's value.")
    intent: dict[str, Literal["up", "down"]] = Field(
        default_factory=dict, description="Which way each override moves its lever (checked by "
        "tests/test_whatifs.py).")


class Sweep(Strict):
    name: str = Field(pattern=NAME, description="Prefix of the sweep's point names.")
    values: dict[str, list[Value]] = Field(
        min_length=1, description="For each dotted key, the values to sweep (all combinations).")

    @model_validator(mode="after")
    def _non_empty(self) -> Sweep:
        for key, vals in self.values.items():
            if not vals:
                raise ValueError(f"{key}: give at least one value")
        return self


class BatchFile(Strict):
    name: str = Field(pattern=NAME, description="Batch name, used in the output folder name.")
    description: str = Field(default="", description="What question the batch answers.")
    base: str = Field(description="Base scenario file, relative to the batch file.")
    replications: int = Field(default=10, ge=1, le=100_000, description="Replications each.")
    seed: int = Field(default=12345, ge=0, description="Base seed shared by every scenario.")
    comparator: str | None = Field(default=None, description="Scenario the others are compared "
                                   "with (default: the first).")
    scenarios: list[BatchScenario] = Field(default_factory=list, description="Named options.")
    sweeps: list[Sweep] = Field(default_factory=list, description="Parameter sweeps.")


@dataclass(frozen=True)
class Batch:
    name: str
    description: str
    replications: int
    seed: int
    comparator: str
    scenarios: dict[str, Scenario]  # in the order given, comparator included
    scale: float = 1.0  # --scale the scenarios were loaded with (population and capacity)
    capacity_factor: float = 1.0  # --capacity-factor (capacity only)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def _point_name(prefix: str, combo: dict[str, Any]) -> str:
    parts = [f"{key.split('.')[-1].split('_')[0]}{value}" for key, value in combo.items()]
    return re.sub(r"[^A-Za-z0-9_.-]", "", "-".join([prefix, *parts]))


def expand(spec: BatchFile) -> list[tuple[str, str, list[str]]]:
    """(name, description, overrides) for every scenario and sweep point, in order."""
    out = [(s.name, s.description, [f"{k}={_toml_value(v)}" for k, v in s.set.items()])
           for s in spec.scenarios]
    for sweep in spec.sweeps:
        keys = list(sweep.values)
        for combo in itertools.product(*(sweep.values[k] for k in keys)):
            point = dict(zip(keys, combo, strict=True))
            out.append((_point_name(sweep.name, point), f"sweep {sweep.name}: {point}",
                        [f"{k}={_toml_value(v)}" for k, v in point.items()]))
    return out


BATCH_KEYS = ("base", "scenarios", "sweeps")


def looks_like_batch(path: str | Path) -> bool:
    """Whether a TOML file is a batch file (it has ``base``, ``scenarios`` or ``sweeps``, which
    no scenario has); an unreadable file is not, so the scenario loader reports it."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    return any(key in data for key in BATCH_KEYS)


def _read_spec(path: Path, label: str) -> BatchFile:
    """The batch file itself, validated; every problem names the file and the key once."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError.one(label, "(file)", "file not found") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError.one(label, "(file)", f"cannot read: {exc}") from None
    try:
        return BatchFile.model_validate(data)
    except ValidationError as exc:
        raise InputError([Problem(label, _spec_key(e["loc"], data), _spec_reason(e))
                          for e in exc.errors()]) from None


def _spec_key(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """A pydantic location in a batch file as a key: list items by their name when they have
    one (``scenarios[ucr_plus_3].set``), else by position from 1."""
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int) and parts:
            item = node[part] if isinstance(node, list) and part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts[-1] += f"[{name if isinstance(name, str) else part + 1}]"
            node = item
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts) or "(batch)"


def _spec_reason(err: Any) -> str:
    """pydantic's message, said the way a batch file's author needs it."""
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        model: type[Any] = {"scenarios": BatchScenario, "sweeps": Sweep}.get(
            str(loc[0]), BatchFile) if len(loc) > 1 else BatchFile
        return "unknown key" + did_you_mean(str(loc[-1]), model.model_fields)
    if err["type"] == "missing" and loc == ("base",):
        return 'missing: the scenario every option starts from, e.g. base = "../baseline.toml"'
    return err["msg"].removeprefix("Value error, ")


def _base_file(path: Path, spec: BatchFile, label: str) -> Path:
    """The base scenario file, checked once here rather than once per scenario."""
    base = path.parent / spec.base
    try:
        found = base.is_file()
    except (OSError, ValueError) as exc:
        raise InputError.one(label, "base", f"not a usable file name: {exc}") from None
    if not found:
        raise InputError.one(label, "base", f"file not found: {base}")
    return base


def load_batch(path: str | Path, sets: list[str] | None = None, scale: float = 1.0,
               capacity_factor: float = 1.0,
               known_kpis: Collection[str] | None = None,
               warnings: list[Problem] | None = None) -> Batch:
    """Read and validate a batch file and every scenario in it (``sets`` apply to all; ``scale``
    shrinks or grows population and every capacity, for a quick trial of a big batch;
    ``capacity_factor`` multiplies every capacity and keeps the population). A problem shared
    by every scenario (one in the base file, or in ``--set``) is reported once; one in an
    option's own overrides names the batch file and the option. ``warnings``, when given,
    receives the loader's warnings the same way."""
    path = Path(path)
    label = str(path)
    spec = _read_spec(path, label)
    points = expand(spec)
    if not points:
        raise InputError.one(label, "scenarios", "the batch has no scenarios or sweeps")
    names = [p[0] for p in points]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError.one(label, "scenarios", f"names used twice: {', '.join(dupes)}")
    comparator = spec.comparator or names[0]
    if comparator not in names:
        raise InputError.one(label, "comparator", f"no scenario called {comparator!r}"
                             + did_you_mean(comparator, names))
    base = _base_file(path, spec, label)
    problems: list[Problem] = []
    found: list[Problem] = []
    scenarios: dict[str, Scenario] = {}
    for name, description, overrides in points:
        ours = {o.split("=", 1)[0] for o in overrides}
        mine: list[Problem] = []
        try:
            sc = load_resized(base, [*overrides, *(sets or [])], scale, capacity_factor,
                              known_kpis, mine)
        except InputError as exc:
            problems += [_blame(p, ours, f"{label} [{name}]") for p in exc.problems]
            continue
        found += [_blame(p, ours, f"{label} [{name}]") for p in mine]
        desc = description or sc.description
        scenarios[name] = sc.model_copy(update={"name": name, "description": desc})
    if problems:
        raise InputError(problems)
    if warnings is not None:
        warnings += list(dict.fromkeys(found))
    return Batch(spec.name, spec.description, spec.replications, spec.seed, comparator,
                 scenarios, scale, capacity_factor)


def _blame(problem: Problem, ours: set[str], where: str) -> Problem:
    """A ``--set`` problem on a key of the option's own overrides belongs to the batch file."""
    if problem.file == "--set" and _set_key(problem.key) in ours:
        return Problem(where, problem.key, problem.reason)
    return problem


def _set_key(key: str) -> str:
    """The ``--set`` spelling of a loader key (``targets[ed_4h].threshold`` ->
    ``targets.ed_4h.threshold``)."""
    return re.sub(r"\[([^\]]*)\]", r".\1", key)
