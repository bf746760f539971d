"""A quick trial judges only what it measured (issue 24).

``--quick`` measures at most 13 weeks (April to June for the baseline). A target judged on
its deadline month (March) or on the whole year was not measured, and a spring quarter is no
guide to either: ED 12-hour waits were 1.8% in the quarter and 16.2% over the year. Such a
target's verdict reads ``not judged`` and its reason names the quick window, its season and
the period a full run judges it on; a target whose deadline month lies inside the quick
window keeps its verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from sim.core.clock import Calendar
from sim.model.replication import calendar_of
from sim.outputs.store import targets_table, write_csv
from sim.outputs.targets import (
    MONTH_NAMES,
    NO_DATA,
    NOT_JUDGED,
    WINDOW,
    TargetResult,
    judged_on,
)
from sim.scenario import Scenario

SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
           6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}


def window_text(calendar: Calendar) -> str:
    """The months a run measured and their season, e.g. "April to June 2025 (spring-summer)"."""
    months = [dt.date.fromisoformat(m.label + "-01") for m in calendar.months()]
    first, last = months[0], months[-1]
    span = (f"{MONTH_NAMES[first.month - 1]} {first.year}" if first == last else
            f"{MONTH_NAMES[first.month - 1]}"
            f"{'' if first.year == last.year else f' {first.year}'} to "
            f"{MONTH_NAMES[last.month - 1]} {last.year}")
    seasons = list(dict.fromkeys(SEASONS[m.month] for m in months))
    return f"{span} ({'-'.join(seasons)})"


def unmeasured(result: TargetResult, full: Calendar, quick: Calendar) -> str | None:
    """Why a quick trial cannot judge this target, or None when it measured the period a full
    run judges it on (its deadline month inside the quick window, or the same window)."""
    if [m.label for m in full.months()] == [m.label for m in quick.months()]:
        return None
    on = judged_on(result.target, full)
    if on.on != WINDOW and on.on == result.judged_on:
        return None
    return (f"not judged: the quick trial measured {window_text(quick)}; a full run judges "
            f"this target on {on.label}")


def as_quick(judged: list[TargetResult], full: Scenario, quick: Scenario) -> list[TargetResult]:
    """The quick trial's verdicts as shown: ``not judged`` where it did not measure the judged
    period (``no data`` stays: a service switched off is off in every window)."""
    full_cal, quick_cal = calendar_of(full), calendar_of(quick)
    out = []
    for j in judged:
        why = None if j.verdict == NO_DATA else unmeasured(j, full_cal, quick_cal)
        out.append(j if why is None else replace(j, verdict=NOT_JUDGED, reason=why))
    return out


def mark_quick_comparison(out: Path, judged: Mapping[str, list[TargetResult]]) -> None:
    """comparison.csv's verdict columns read ``not judged`` where the quick trial did not
    judge the target, and a change between two unjudged verdicts is no change."""
    path = out / "comparison.csv"
    if not path.exists():
        return
    unjudged = {(name, j.target.id) for name, js in judged.items() for j in js
                if j.verdict == NOT_JUDGED}
    c = pd.read_csv(path, dtype=str, keep_default_na=False)
    if c.empty:
        return
    for col, who in (("comparator_verdict", "comparator"), ("scenario_verdict", "scenario")):
        hit = [(n, t) in unjudged for n, t in zip(c[who], c["target"], strict=True)]
        c.loc[hit, col] = NOT_JUDGED
    c["verdict_changed"] = [str(bool(t) and a != b) for t, a, b in zip(
        c["target"], c["comparator_verdict"], c["scenario_verdict"], strict=True)]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(c.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    tmp.replace(path)


def judge_quick(out: Path, judged: Mapping[str, list[TargetResult]],
                full: Mapping[str, Scenario], quick: Mapping[str, Scenario]
                ) -> dict[str, list[TargetResult]]:
    """A finished quick trial's verdicts (:func:`as_quick`), rewritten in targets.csv and
    comparison.csv; ``full`` and ``quick`` are each scenario before and after shortening."""
    shown = {n: as_quick(j, full[n], quick[n]) for n, j in judged.items()}
    write_csv(out / "targets.csv", pd.concat([targets_table(n, shown[n]) for n in shown],
                                             ignore_index=True))
    mark_quick_comparison(out, shown)
    return shown
