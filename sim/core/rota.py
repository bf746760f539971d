"""Staff on duty by hour of the day (and optionally by weekday): the hourly rota.

A rota is given as one number (flat: that many on duty at every hour), 24 values (hour 00..23,
every day) or 7 x 24 values (Monday..Sunday, then hour). ``run_rota`` changes a pool's capacity
at each hour where the rota changes; units busy above the new capacity finish their work first
(``Pool.set_capacity``). Costs follow the hours staffed: ``mean_on_duty`` is the average number
on duty over a week, which times a 24x7 post's WTE gives the staff paid for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import simpy

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR

RotaSpec = int | Sequence[int] | Sequence[Sequence[int]]
HOURS_PER_WEEK = 168


def week_of(spec: RotaSpec) -> list[int]:
    """The rota as 168 values, Monday 00:00 first."""
    if isinstance(spec, int | float):
        return [int(spec)] * HOURS_PER_WEEK
    values = list(spec)
    if len(values) == 24 and all(isinstance(v, int | float) for v in values):
        return [int(v) for v in values] * 7
    if len(values) == 7 and all(not isinstance(v, int | float) and len(v) == 24 for v in values):
        return [int(v) for day in values for v in day]
    raise ValueError("a rota is one number, 24 hourly values or 7 x 24 values (Mon..Sun)")


def mean_on_duty(spec: RotaSpec, open_hours: Callable[[int], bool] | None = None) -> float:
    """Average staff on duty over a week (hours outside ``open_hours(hour)`` count as 0)."""
    week = week_of(spec)
    if open_hours is not None:
        week = [v if open_hours(h % 24) else 0 for h, v in enumerate(week)]
    return sum(week) / HOURS_PER_WEEK


def peak_on_duty(spec: RotaSpec) -> int:
    return max(week_of(spec))


def run_rota(env: simpy.Environment, pool: Any, spec: RotaSpec, first_weekday: int,
             open_hours: Callable[[int], bool] | None = None) -> None:
    """Set ``pool``'s capacity now and at every hour where the rota changes (a process only
    when it does change). ``first_weekday`` is the weekday (Mon = 0) of simulated minute 0."""
    week = week_of(spec)
    if open_hours is not None:
        week = [v if open_hours(h % 24) else 0 for h, v in enumerate(week)]
    # hour h of the run (from minute 0) is hour (first_weekday * 24 + h) of the rota's week
    shift = first_weekday * 24
    hourly = [week[(shift + h) % HOURS_PER_WEEK] for h in range(HOURS_PER_WEEK)]
    pool.set_capacity(hourly[0])
    if len(set(hourly)) == 1:
        return
    changes = [h for h in range(HOURS_PER_WEEK) if hourly[h] != hourly[h - 1]]

    def shifts():
        week_start = 0.0
        while True:
            for h in changes:
                at = week_start + h * MIN_PER_HOUR
                if at > env.now:
                    yield env.timeout(at - env.now)
                pool.set_capacity(hourly[h])
            week_start += 7 * MIN_PER_DAY

    env.process(shifts())


def by_month(steps: Any, start: Any, profile: Sequence[float]) -> Any:
    """Staff steps ``(minute, on duty)`` planned to each month's expected demand: every level
    times the month's share of ``profile`` (Jan..Dec, normalised to mean 1), rounded, with a
    step at each midnight that starts a month. ``start`` is the run's first date."""
    import datetime as dt

    mean = sum(profile) / len(profile)
    factor = [p / mean for p in profile]

    def month_at(minute: float) -> int:
        return (start + dt.timedelta(days=int(minute // MIN_PER_DAY))).month - 1

    def month_starts(after: float) -> float:
        day = start + dt.timedelta(days=int(after // MIN_PER_DAY))
        first = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return (first - start).days * MIN_PER_DAY

    level, boundary = None, None
    for minute, on_duty in steps:
        while boundary is not None and level is not None and boundary < minute:
            yield boundary, round(level * factor[month_at(boundary)])
            boundary = month_starts(boundary)
        level = on_duty
        if boundary is None:
            boundary = month_starts(minute)
        yield minute, round(on_duty * factor[month_at(minute)])
