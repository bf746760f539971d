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
    set = { "ucr.clinicians_per_shift" = 11 }

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
from typing import Any

from pydantic import Field, ValidationError, model_validator

from sim.core.errors import InputError, Problem
from sim.scenario import Scenario
from sim.scenario.base import Strict
from sim.scenario.scale import load_resized

NAME = r"^[A-Za-z0-9_.-]+$"
Value = bool | int | float | str | list[Any]


class BatchScenario(Strict):
    name: str = Field(pattern=NAME, description="Scenario name within the batch.")
    description: str = Field(default="", description="Why this option is in the batch.")
    set: dict[str, Value] = Field(default_factory=dict,
                                  description="Overrides of the base, as dotted keys.")


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


def load_batch(path: str | Path, sets: list[str] | None = None, scale: float = 1.0,
               capacity_factor: float = 1.0,
               known_kpis: Collection[str] | None = None) -> Batch:
    """Read and validate a batch file and every scenario in it (``sets`` apply to all; ``scale``
    shrinks or grows population and every capacity, for a quick trial of a big batch;
    ``capacity_factor`` multiplies every capacity and keeps the population)."""
    path = Path(path)
    label = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError.one(label, "(file)", "file not found") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError.one(label, "(file)", f"cannot read: {exc}") from None
    try:
        spec = BatchFile.model_validate(data)
    except ValidationError as exc:
        raise InputError([Problem(label, ".".join(str(p) for p in e["loc"]) or "(batch)",
                                  "unknown key" if e["type"] == "extra_forbidden"
                                  else e["msg"].removeprefix("Value error, "))
                          for e in exc.errors()]) from None
    points = expand(spec)
    if not points:
        raise InputError.one(label, "scenarios", "the batch has no scenarios or sweeps")
    names = [p[0] for p in points]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError.one(label, "scenarios", f"names used twice: {', '.join(dupes)}")
    comparator = spec.comparator or names[0]
    if comparator not in names:
        raise InputError.one(label, "comparator", f"no scenario called {comparator!r}")
    base = path.parent / spec.base
    problems: list[Problem] = []
    scenarios: dict[str, Scenario] = {}
    for name, description, overrides in points:
        try:
            sc = load_resized(base, [*overrides, *(sets or [])], scale, capacity_factor,
                              known_kpis)
        except InputError as exc:
            ours = {o.split("=", 1)[0] for o in overrides}
            problems += [Problem(f"{label} [{name}]" if p.file == "--set" and p.key in ours
                                 else p.file, p.key, p.reason) for p in exc.problems]
            continue
        desc = description or sc.description
        scenarios[name] = sc.model_copy(update={"name": name, "description": desc})
    if problems:
        raise InputError(problems)
    return Batch(spec.name, spec.description, spec.replications, spec.seed, comparator,
                 scenarios, scale, capacity_factor)
