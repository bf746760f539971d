"""Reading scenario files: TOML, ``extends`` chains, ``--set`` overrides and readable errors.

Every problem is reported with the file that supplied the offending value, so a planner who
overrides one key of the baseline is pointed at their own file, not at the baseline.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.core.errors import InputError, Problem, did_you_mean
from sim.scenario.applies import inert_warnings
from sim.scenario.capacity_plan import split_schedules
from sim.scenario.fields import field_model, iter_fields
from sim.scenario.relative import Change, Notes, pop_intent, resolve_file, resolve_set
from sim.scenario.schema import RENAMED_KEYS, Scenario, Target, scenario_model

SET_SOURCE = "--set"
Raw = dict[str, Any]
Provenance = dict[tuple[str, ...], str]


def _read_toml(path: Path, chain: tuple[Path, ...],
               notes: Notes | None = None) -> tuple[Raw, Provenance]:
    """Load one file and the files it extends, child values winning; relative values
    (``"+95"``, ``"x1.08"``) are resolved against what the files it extends give."""
    label = _display(path)
    if path in chain:
        raise InputError.one(label, "extends", "circular extends chain")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.one(label, "(file)", "file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError.one(label, "(file)", f"cannot read: {exc}") from None
    try:
        data = _toml(text)
    except ValueError as exc:
        raise InputError.one(label, "(file)", f"invalid TOML: {exc}") from None
    parent = data.pop("extends", None)
    pop_intent(data, label, scenario_model())
    _rename_old_keys(data)
    own_prov: Provenance = {}
    _record(data, (), label, own_prov)
    if parent is None:
        if notes is not None:
            notes.root = label
        return resolve_file(data, None, label, scenario_model(), notes), own_prov
    if not isinstance(parent, str):
        raise InputError.one(label, "extends", "must be a file name (a string)")
    try:
        parent_path = (path.parent / parent).resolve()
        found = parent_path.is_file()
    except (OSError, ValueError) as exc:
        raise InputError.one(label, "extends", f"not a usable file name: {exc}") from None
    if not found:
        raise InputError.one(label, "extends", f"file not found: {_display(parent_path)}")
    base, base_prov = _read_toml(parent_path, (*chain, path), notes)
    merged = _merge(base, resolve_file(data, base, label, scenario_model(), notes))
    base_prov.update(own_prov)
    return merged, base_prov


def _rename_old_keys(data: Raw) -> None:
    """Move values given under a key's old name to its new one (scenario files outlive us)."""
    for old, new in RENAMED_KEYS.items():
        section, key = old.split(".")
        table = data.get(section)
        if isinstance(table, dict) and key in table:
            new_section, new_key = new.split(".")
            target = data.setdefault(new_section, {})
            if isinstance(target, dict):
                target.setdefault(new_key, table.pop(key))


def _toml(text: str) -> dict[str, Any]:
    """tomllib, with its non-TOMLDecodeError failures (huge integers, deep nesting) as
    ValueError so that callers handle one kind of problem."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise
    except (ValueError, RecursionError) as exc:
        raise ValueError(str(exc) or type(exc).__name__) from None


def _target_id(item: Any) -> str | None:
    return item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None


def _record(data: Any, prefix: tuple[str, ...], label: str, prov: Provenance) -> None:
    prov[prefix] = label
    if isinstance(data, dict):
        for k, v in data.items():
            _record(v, (*prefix, str(k)), label, prov)
    elif isinstance(data, list) and prefix == ("targets",):
        for item in data:
            if _target_id(item) is not None:
                _record(item, ("targets", _target_id(item)), label, prov)


def _merge(base: Raw, child: Raw) -> Raw:
    """Deep merge; targets merge by id so a scenario can edit one threshold."""
    out = dict(base)
    for key, value in child.items():
        if key == "targets" and isinstance(value, list) and isinstance(base.get(key), list):
            out[key] = _merge_targets(base[key], value)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merge(base[key], value)
        else:
            out[key] = value
    return out


def _merge_targets(base: list[Any], child: list[Any]) -> list[Any]:
    merged = list(base)
    index = {_target_id(t): i for i, t in enumerate(merged) if _target_id(t) is not None}
    for t in child:
        tid = _target_id(t)
        if tid is not None and tid in index:
            merged[index[tid]] = _merge(_without_final(merged[index[tid]], t), t)
        else:
            merged.append(t)
    return merged


def _without_final(base: Any, child: Any) -> Any:
    """A child giving a trajectory (``thresholds``) replaces the single threshold and deadline
    it inherits, unless it gives them too: they default to its last point."""
    if not (isinstance(base, dict) and isinstance(child, dict) and "thresholds" in child):
        return base
    return {k: v for k, v in base.items() if k not in ("threshold", "deadline")}


def parse_set(item: str) -> tuple[list[str], Any]:
    """``a.b=value`` -> (["a", "b"], value); the value is read as TOML, else as a bare string;
    ``none`` unsets an optional setting (TOML has no null: ``elective.work.preop_days=none``)."""
    if "=" not in item:
        raise InputError.one(SET_SOURCE, item, "expected KEY=VALUE")
    key, _, text = item.partition("=")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise InputError.one(SET_SOURCE, item, "expected KEY=VALUE with a dotted key")
    try:
        value = None if text.strip() == "none" else _set_value(text.strip())
    except ValueError:  # not a TOML value: take it as a bare string
        value = text.strip()
    parts = key.split(".")
    for old, new in RENAMED_KEYS.items():
        if parts[:2] == old.split("."):
            parts = new.split(".") + parts[2:]
    return parts, value


def _set_value(text: str) -> Any:
    """A ``--set`` value as TOML, except that a leading ``+`` means a relative change
    (``beds=+95``: TOML would read it as 95); ``-25`` stays a negative number, so a decrease
    is written ``x0.9``, ``-10%`` or quoted (``'beds="-25"'``)."""
    if text.startswith("+"):
        return text
    return _toml(f"v = {text}")["v"]


def _check_set_path(path: list[str], raw: Raw) -> None:
    """A ``--set`` must name a key the schema knows; typos are errors, never new keys."""
    dotted = ".".join(path)
    if path[0] == "targets":
        targets = raw.get("targets")
        ids = [_target_id(t) for t in targets] if isinstance(targets, list) else []
        ids = [i for i in ids if i is not None]
        if len(path) != 3 or path[1] not in ids:
            hint = did_you_mean(path[1], ids, "targets.") if len(path) > 1 else ""
            raise InputError.one(SET_SOURCE, dotted,
                                 f"no such target (targets: {', '.join(ids)}){hint}")
        if path[2] not in Target.model_fields:
            hint = did_you_mean(path[2], Target.model_fields, f"targets.{path[1]}.")
            raise InputError.one(SET_SOURCE, dotted, f"no such target field{hint}")
        return
    model: type[BaseModel] | None = scenario_model()
    for i, part in enumerate(path):
        if model is None or part not in model.model_fields:
            where = ".".join(path[:i])
            hint = did_you_mean(part, model.model_fields, where + "." if where else "") \
                if model is not None else ""
            raise InputError.one(SET_SOURCE, dotted,
                                 f"no such key in {where or 'the scenario'}{hint}")
        model = field_model(model.model_fields[part].annotation)


def apply_set(raw: Raw, prov: Provenance, items: list[str],
              notes: Notes | None = None) -> tuple[Raw, list[Problem]]:
    """Apply overrides; bad ones are skipped and returned as problems (reported with the rest).
    A relative value is resolved against what the files and the earlier overrides give."""
    out = copy.deepcopy(raw)
    problems: list[Problem] = []
    for item in items:
        try:
            path, value = parse_set(item)
            _check_set_path(path, out)
            value = resolve_set(path, value, out, SET_SOURCE, scenario_model(), notes)
        except InputError as exc:
            problems += exc.problems
            continue
        if path[0] == "targets":
            for i, t in enumerate(out["targets"]):
                if _target_id(t) == path[1]:
                    out["targets"][i] = {**_without_final(t, {path[2]: value}),
                                         path[2]: value}
            prov[tuple(path)] = SET_SOURCE
        else:
            node = out
            for part in path[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    break
            else:
                node[path[-1]] = value
                prov[tuple(path)] = SET_SOURCE
                continue
            problems.append(Problem(SET_SOURCE, ".".join(path), "parent is not a table"))
    return out, problems



def _key_for(loc: tuple[Any, ...], raw: Raw) -> tuple[str, tuple[str, ...]]:
    """Turn a pydantic location into a dotted key, naming targets by id rather than index."""
    parts: list[str] = []
    prov_path: list[str] = []
    i = 0
    while i < len(loc):
        part = loc[i]
        if part == "targets" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            idx = loc[i + 1]
            targets = raw.get("targets", [])
            tid = targets[idx].get("id") if idx < len(targets) and isinstance(
                targets[idx], dict) else None
            label = tid if isinstance(tid, str) else str(idx)
            parts.append(f"targets[{label}]")
            prov_path += ["targets", label]
            i += 2
            continue
        parts.append(str(part))
        prov_path.append(str(part))
        i += 1
    return ".".join(parts) or "(scenario)", tuple(prov_path)


def _source(prov: Provenance, path: tuple[str, ...], default: str) -> str:
    """The file that set this key; for a table, every file that set something inside it."""
    inside = [src for p, src in prov.items() if len(p) > len(path) and p[: len(path)] == path]
    if inside:
        own = prov.get(path)
        labels = dict.fromkeys([*([own] if own else []), *inside])
        return " + ".join(labels)
    for n in range(len(path), -1, -1):
        if path[:n] in prov:
            return prov[path[:n]]
    return default


def build(raw: Raw, prov: Provenance, label: str, problems: list[Problem] | None = None,
          known_kpis: Collection[str] | None = None,
          warnings: list[Problem] | None = None, notes: Notes | None = None) -> Scenario:
    """Validate merged data, collecting every problem with the file that set it.

    ``known_kpis``: the KPI ids targets may name (the outputs layer owns them, so the caller
    passes them in; None skips that check); a mapping of id to unit also lets targets on a %
    KPI be checked for fractions. ``warnings``, when given, receives the values that are valid
    but probably not what was meant (:func:`percentage_warnings`) and, with ``notes`` (which
    file is the root of the extends chain), the keys set that do not apply in this scenario
    (:func:`sim.scenario.applies.inert_warnings`)."""
    problems = [*(problems or []), *_target_problems(raw, prov, label, known_kpis)]
    raw, late = split_schedules(raw, scenario_model(),
                                lambda key: _source(prov, tuple(key.split(".")), label))
    problems += late
    scheduled = {key for p in late for key in [p.key, p.key.rpartition(".")[0]]}
    try:
        scenario = scenario_model().model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            key, path = _key_for(tuple(err["loc"]), raw)
            if key in scheduled:
                continue  # a schedule already reported with its own reason
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key" + _unknown_key_hint(tuple(err["loc"]), key)
            problems.append(Problem(_source(prov, path, label), key, msg))
        raise InputError(problems) from None
    problems += _late_points(scenario, prov, label) + _late_deadlines(scenario, prov, label)
    if problems:
        raise InputError(problems)
    if warnings is not None:
        units = known_kpis if isinstance(known_kpis, Mapping) else {}
        warnings += percentage_warnings(scenario, prov, label, units)
        if notes is not None:
            warnings += inert_warnings(scenario, prov, notes.root)
    return scenario


def _unknown_key_hint(loc: tuple[Any, ...], key: str) -> str:
    """"; did you mean ..." from the keys the schema knows where the unknown one was found."""
    model: type[BaseModel] | None = scenario_model()
    for part in loc[:-1]:
        if isinstance(part, int):
            continue  # an item of a list: field_model already stepped inside it
        if model is None or part not in model.model_fields:
            return ""
        model = field_model(model.model_fields[part].annotation)
    if model is None:
        return ""
    prefix = key.rpartition(".")[0]
    return did_you_mean(str(loc[-1]), model.model_fields, prefix + "." if prefix else "")


# -- values that are valid but probably a slip -------------------------------------------------
PCT_FIELD = re.compile(r"_pct(_per_|$)")


def fraction_slip(value: float, kind: str) -> bool:
    """Whether a percentage looks like a fraction typed by mistake (0.78 for 78%).

    ``kind`` "share" (a % of something, or a target the KPI must reach): any value in (0, 1].
    "rate" (``_pct_per_year``, ``_pct_per_month``): 0 < |value| <= 0.1, since genuine rates of
    half a percent or 1% a month are normal. "ceiling" (a ``<=`` target on a % KPI): values in
    (0.5, 1), an occupancy of 0.85 or 0.92 written as a fraction; small tolerances such as
    0.5% or 1% are normal ceilings and stay silent."""
    if kind == "rate":
        return 0 < abs(value) <= 0.1
    if kind == "ceiling":
        return 0.5 < value < 1
    return 0 < value <= 1


def _slip(key: str, value: float, source: str) -> Problem:
    return Problem(source, key, f"{value:g} is read as {value:g}% (a percentage, not a "
                                f"fraction); did you mean {value * 100:g}?")


def percentage_warnings(scenario: Scenario, prov: Provenance, label: str,
                        kpi_units: Mapping[str, str]) -> list[Problem]:
    """Percentages given as fractions: schema fields named ``*_pct`` or ``*_pct_per_*`` and
    thresholds of targets on a KPI whose unit is "%". Valid values, so the run goes on, but
    a verdict judged against 0.78% instead of 78% is a wrong answer without this warning."""
    found: list[Problem] = []
    for key, _info in iter_fields(type(scenario)):
        value = _value_at(scenario, key)
        name = key.rpartition(".")[2]
        if PCT_FIELD.search(name) and isinstance(value, int | float) \
                and not isinstance(value, bool):
            kind = "rate" if "_pct_per_" in name else "share"
            if fraction_slip(float(value), kind):
                found.append(_slip(key, float(value),
                                   _source(prov, tuple(key.split(".")), label)))
    for target in scenario.targets:
        for t in target.points():
            field = f"thresholds.{t.deadline}" if target.thresholds else "threshold"
            kind = "ceiling" if t.op == "<=" else "share"
            if kpi_units.get(t.kpi) == "%" and fraction_slip(t.threshold, kind):
                source = _source(prov, ("targets", t.id, field.partition(".")[0]), label)
                found.append(_slip(f"targets[{t.id}].{field}", t.threshold, source))
    return found


def _value_at(scenario: BaseModel, key: str) -> Any:
    node: Any = scenario
    for part in key.split("."):
        node = getattr(node, part, None)
    return node


def last_month(scenario: Scenario) -> str:
    """The run's last simulated month, YYYY-MM."""
    r = scenario.run
    try:
        last_day = r.start_date + dt.timedelta(days=r.warmup_days + r.measurement_days - 1)
    except OverflowError:  # past year 9999: the run's own check reports it
        return "9999-12"
    return last_day.strftime("%Y-%m")


def _late_points(scenario: Scenario, prov: Provenance, label: str) -> list[Problem]:
    """Trajectory points after the run's end: a planned deadline the run cannot judge is an
    input error (judging it on the window instead would answer a different question)."""
    end = last_month(scenario)
    return [Problem(_source(prov, ("targets", t.id, "thresholds"), label),
                    f"targets[{t.id}].thresholds.{month}",
                    f"deadline {month} is after the run's end ({end}); lengthen "
                    "run.measurement_days or drop the point")
            for t in scenario.targets for month in (t.thresholds or {}) if month > end]


RUN_LENGTH_KEYS = ("start_date", "warmup_days", "measurement_days")


def _late_deadlines(scenario: Scenario, prov: Provenance, label: str) -> list[Problem]:
    """A plain deadline after the run's end, when the files set the run's length: the plan
    asks a question its own run cannot answer (judged on the window instead, the verdict would
    be about another year). A run shortened by --set (a quick trial) keeps its targets, judged
    on the window and labelled "deadline ... is after the window"."""
    if any(prov.get(("run", k)) == SET_SOURCE for k in RUN_LENGTH_KEYS):
        return []
    end = last_month(scenario)
    return [Problem(_source(prov, ("targets", t.id, "deadline"), label),
                    f"targets[{t.id}].deadline",
                    f"deadline {t.deadline} is after the run's end ({end}); lengthen "
                    "run.measurement_days or move the deadline")
            for t in scenario.targets
            if not t.thresholds and t.deadline and t.deadline > end]


def _target_problems(raw: Raw, prov: Provenance, label: str,
                     known_kpis: Collection[str] | None) -> list[Problem]:
    """Duplicate ids and unknown KPIs, checked on the raw data so that they are reported
    together with any schema problems."""
    problems: list[Problem] = []
    targets = raw.get("targets")
    if not isinstance(targets, list):
        return problems
    seen: set[str] = set()
    for item in targets:
        tid = _target_id(item)
        if tid is None:
            continue
        if tid in seen:
            src = _source(prov, ("targets", tid, "id"), label)
            problems.append(Problem(src, f"targets[{tid}].id", "target id appears twice"))
        seen.add(tid)
        kpi = item.get("kpi")
        if isinstance(kpi, str) and known_kpis is not None and kpi not in known_kpis:
            src = _source(prov, ("targets", tid, "kpi"), label)
            problems.append(Problem(src, f"targets[{tid}].kpi", f"unknown KPI {kpi!r}"))
    return problems


def load_raw(path: str | Path, sets: list[str] | None = None,
             notes: Notes | None = None) -> tuple[Raw, Provenance, list[Problem]]:
    """Merged values of a file, its extends chain and ``sets``, before validation; ``notes``
    receives the relative changes resolved and the chain's root file."""
    raw, prov = _read_toml(Path(path).resolve(), (), notes)
    raw, problems = apply_set(raw, prov, list(sets or []), notes)
    return raw, prov, problems


def relative_changes(path: str | Path, sets: list[str] | None = None) -> list[Change]:
    """Every relative change a file, its extends chain and ``sets`` make, as resolved (for
    ``describe``: "2,200 -> 2,295 (+95)"). Assumes the file loads (load_scenario first)."""
    notes = Notes()
    load_raw(path, sets, notes)
    return notes.changes


def _display(path: Path) -> str:
    """Show files relative to where the user is, when they are below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_scenario(path: str | Path, sets: list[str] | None = None,
                  known_kpis: Collection[str] | None = None,
                  warnings: list[Problem] | None = None) -> Scenario:
    """Read, merge, override and validate a scenario file. Raises InputError on bad input;
    values that are valid but look like slips are appended to ``warnings`` when it is given."""
    notes = Notes()
    raw, prov, problems = load_raw(path, sets, notes)
    return build(raw, prov, str(path), problems, known_kpis, warnings, notes)


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the resolved scenario: the identity that resume and provenance rely on."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
