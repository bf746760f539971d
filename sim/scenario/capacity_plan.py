"""The scenario's capacity plan: every capacity lever by date, checked, costed and handed over.

A capacity field holds one level, or a schedule of dated levels (``virtual_ward.beds =
{ "2025-02-01" = 260, "2025-10-01" = 520 }``): each level applies from its date until the next.
A level has the field's own kind (a number of beds, a rota for staff on duty), so a dated level
may itself be a rota. The loader splits a schedule off its field (:func:`split_schedules`): the
field keeps the first level, which every reader that wants one number (scaling, the README
levers, the web app) sees; ``Scenario.schedules`` keeps the dates. :func:`capacity_plan` gives a
replication every capacity as dated levels (``Context.levels`` turns them into minutes and
hourly rotas, :mod:`sim.core.capacity`); costs count the days at each level
(:func:`day_weighted`).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from sim.core.errors import Problem
from sim.scenario.base import Rota
from sim.scenario.fields import capacity_keys, field_at

Schedules = dict[str, dict[dt.date, Any]]


def run_dates(raw_run: Any) -> tuple[dt.date, dt.date] | None:
    """[start, end) of the run as dates, or None when the run section is not valid yet."""
    try:
        start = raw_run["start_date"]
        if isinstance(start, str):
            start = dt.date.fromisoformat(start)
        if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
            return None
        days = int(raw_run["warmup_days"]) + int(raw_run["measurement_days"])
        return start, start + dt.timedelta(days=days)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None  # the run section's own checks report it


def _date(text: Any) -> dt.date:
    if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    return dt.date.fromisoformat(str(text))


def _check_level(model: type[BaseModel], key: str, value: Any) -> Any:
    """The level validated as the field's own kind (constraints and validators included)."""
    info = field_at(model, key)
    return TypeAdapter(Annotated[info.annotation, *info.metadata]).validate_python(value)


def check_schedule(model: type[BaseModel], key: str, table: dict[Any, Any],
                   run: tuple[dt.date, dt.date] | None) -> tuple[dict[dt.date, Any], list[str]]:
    """A schedule's levels by date, and what is wrong with it (``key.DATE: reason`` pieces)."""
    out: dict[dt.date, Any] = {}
    problems: list[str] = []
    if not table:
        return out, [": a schedule needs at least one date = level"]
    for text, value in table.items():
        try:
            day = _date(text)
        except ValueError:
            problems.append(f".{text}: not a date written YYYY-MM-DD")
            continue
        try:
            out[day] = _check_level(model, key, value)
        except ValidationError as exc:
            reason = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            problems.append(f".{text}: {reason}")
        if run is not None and not run[0] <= day < run[1]:
            problems.append(f".{text}: date outside the run ({run[0]} to "
                            f"{run[1] - dt.timedelta(days=1)})")
    if run is not None and out and min(out) != run[0] and not any(
            p.startswith(".") and "outside" in p for p in problems):
        problems.append(f": the first level must start on run.start_date ({run[0]}), so the "
                        "capacity is known from the start")
    return dict(sorted(out.items())), problems


def _get(raw: dict[str, Any], key: str) -> Any:
    node: Any = raw
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _put(raw: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = raw
    for part in parents:
        node = node[part]
    node[last] = value


def split_schedules(raw: dict[str, Any], model: type[BaseModel],
                    source: Callable[[str], str]) -> tuple[dict[str, Any], list[Problem]]:
    """Move every capacity field given as a dated table into ``raw["schedules"]``, leaving its
    first level in the field. ``source(key)`` names the file that set a key, for errors."""
    run = run_dates(raw.get("run")) if isinstance(raw.get("run"), dict) else None
    problems: list[Problem] = []
    schedules = dict(raw.get("schedules") or {})
    out = raw
    for key in capacity_keys(model):
        table = _get(raw, key)
        if not isinstance(table, dict):
            continue
        levels, wrong = check_schedule(model, key, table, run)
        problems += [Problem(source(key), key + w.partition(":")[0],
                             w.partition(":")[2].strip()) for w in wrong]
        if wrong or not levels:
            continue
        if out is raw:
            out = copy.deepcopy(raw)
        _put(out, key, levels[min(levels)])
        schedules[key] = {d.isoformat(): v for d, v in levels.items()}
    if schedules and out is raw:
        out = copy.deepcopy(raw)
    if schedules:
        out["schedules"] = schedules
    return out, problems



def section_levels(scenario: Any, section: str) -> list[tuple[dt.date, Any]]:
    """The section's config in force from each date its schedules change (the run's start
    first): ``[(date, section config with that day's levels)]``; one entry without schedules."""
    cfg, start = getattr(scenario, section), scenario.run.start_date
    prefix = section + "."
    mine = {k[len(prefix):]: v for k, v in scenario.schedules.items() if k.startswith(prefix)}
    if not mine:
        return [(start, cfg)]
    dates = sorted({d for levels in mine.values() for d in levels} | {start})
    out = []
    for day in dates:
        update: dict[str, Any] = {}
        for key, levels in mine.items():
            now = [v for d, v in levels.items() if d <= day]
            if now:
                update[key] = now[-1]
        out.append((day, _with(cfg, update)))
    return out


def _with(cfg: BaseModel, update: dict[str, Any]) -> BaseModel:
    """``cfg`` with dotted fields (inside nested tables too) set to new levels."""
    direct = {k: v for k, v in update.items() if "." not in k}
    nested: dict[str, dict[str, Any]] = {}
    for k, v in update.items():
        if "." in k:
            head, _, rest = k.partition(".")
            nested.setdefault(head, {})[rest] = v
    for head, inner in nested.items():
        direct[head] = _with(getattr(cfg, head), inner)
    return cfg.model_copy(update=direct)


def day_weighted(scenario: Any, section: str, first_day: float, last_day: float,
                 value: Callable[[Any], float]) -> float:
    """Sum over the section's levels of ``value(config) x days`` it applies within
    [first_day, last_day) (days from the run's start): costs by the days at each level."""
    levels = section_levels(scenario, section)
    start = scenario.run.start_date
    offsets = [(d - start).days for d, _ in levels]
    total = 0.0
    for i, (_d, cfg) in enumerate(levels):
        lo = max(offsets[i], first_day)
        hi = min(offsets[i + 1] if i + 1 < len(levels) else last_day, last_day)
        if hi > lo:
            total += value(cfg) * (hi - lo)
    return total


@dataclass(frozen=True)
class CapacityPlan:
    """Every capacity of one scenario as dated levels, the run's start first: ``levels[key]``
    for each capacity field (its dotted key, as in ``--set``) and for each section holding one
    (its config with the levels in force, for capacities that combine fields); ``rotas``: the
    keys whose levels are rotas of staff on duty."""

    levels: Mapping[str, list[tuple[dt.date, Any]]] = field(default_factory=dict)
    rotas: frozenset[str] = frozenset()


def capacity_plan(scenario: Any) -> CapacityPlan:
    """The scenario's :class:`CapacityPlan` (one per replication; the scenario is frozen)."""
    model, start = type(scenario), scenario.run.start_date
    keys = capacity_keys(model)
    levels: dict[str, list[tuple[dt.date, Any]]] = {}
    for key in keys:
        dated = scenario.schedules.get(key)
        levels[key] = sorted(dated.items()) if dated else [(start, _value(scenario, key))]
    for section in dict.fromkeys(k.partition(".")[0] for k in keys):
        levels[section] = section_levels(scenario, section)
    return CapacityPlan(levels, frozenset(k for k in keys if _is_rota(model, k)))


def _value(scenario: Any, key: str) -> Any:
    node = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


def _is_rota(model: type[BaseModel], key: str) -> bool:
    info = field_at(model, key)
    return Annotated[info.annotation, *info.metadata] == Rota
