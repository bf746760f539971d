"""Capacity by date: levels that change on given days, composed with hour-of-day rotas.

A schedule is a list of ``(minute, level)`` steps, the first at minute 0 (or before). A level is
whatever the capacity is made of: a number of beds, or a rota (:mod:`sim.core.rota`), so a
dated level may itself vary by hour. ``run_schedule`` calls ``apply(level)`` now and at each
step, in one process; ``run_scheduled_rota`` sets a pool's capacity from the rota in force,
hour by hour, switching rota on each step's date (units busy above a lower capacity finish
their work first, as ``Pool.set_capacity`` does).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import simpy

from sim.core.clock import MIN_PER_HOUR
from sim.core.rota import HOURS_PER_WEEK, RotaSpec, run_rota, week_of

Steps = Sequence[tuple[float, Any]]


def run_schedule(env: simpy.Environment, steps: Steps, apply: Callable[[Any], None]) -> None:
    """``apply`` the level in force now, then each later level at its minute (a process only
    when there is a later step)."""
    steps = sorted(steps, key=lambda s: s[0])
    now = [level for at, level in steps if at <= env.now]
    apply(now[-1] if now else steps[0][1])
    later = [(at, level) for at, level in steps if at > env.now]
    if not later:
        return

    def changes():
        for at, level in later:
            yield env.timeout(at - env.now)
            apply(level)

    env.process(changes())


def _hourly(spec: RotaSpec, first_weekday: int,
            open_hours: Callable[[int], bool] | None) -> list[int]:
    """Staff on duty in each hour of the run's week (hour 0 = minute 0's hour)."""
    week = week_of(spec)
    if open_hours is not None:
        week = [v if open_hours(h % 24) else 0 for h, v in enumerate(week)]
    shift = first_weekday * 24
    return [week[(shift + h) % HOURS_PER_WEEK] for h in range(HOURS_PER_WEEK)]


def rota_changes(spec: RotaSpec, first_weekday: int, start: float, end: float,
                 open_hours: Callable[[int], bool] | None = None
                 ) -> Iterator[tuple[float, int]]:
    """(minute, staff on duty) at ``start`` and at every hour in [start, end) where the rota
    changes; ``end`` may be infinite."""
    hourly = _hourly(spec, first_weekday, open_hours)
    hour = int(start // MIN_PER_HOUR)
    yield start, hourly[hour % HOURS_PER_WEEK]
    if len(set(hourly)) == 1:
        return
    h = hour + 1
    while h * MIN_PER_HOUR < end:
        if hourly[h % HOURS_PER_WEEK] != hourly[(h - 1) % HOURS_PER_WEEK]:
            yield h * MIN_PER_HOUR, hourly[h % HOURS_PER_WEEK]
        h += 1


def staff_changes(steps: Steps, first_weekday: int,
                  open_hours: Callable[[int], bool] | None = None
                  ) -> Iterator[tuple[float, int]]:
    """(minute, staff on duty) from minute 0, then at every change, for a rota that may change
    on dates (``steps`` = (minute, rota)): the whole capacity plan, known in advance, which
    a booked queue (:class:`sim.core.booked.BookedQueue`) reads as it goes."""
    steps = sorted(steps, key=lambda s: s[0])
    bounds = [max(at, 0.0) for at, _ in steps[1:]] + [math.inf]
    for (at, spec), end in zip(steps, bounds, strict=True):
        yield from rota_changes(spec, first_weekday, max(at, 0.0), end, open_hours)


def run_scheduled_rota(env: simpy.Environment, pool: Any, steps: Steps, first_weekday: int,
                       open_hours: Callable[[int], bool] | None = None) -> None:
    """A pool staffed by a rota that changes on dates: ``steps`` are (minute, rota). With one
    step this is :func:`sim.core.rota.run_rota`."""
    steps = sorted(steps, key=lambda s: s[0])
    if len(steps) == 1:
        run_rota(env, pool, steps[0][1], first_weekday, open_hours)
        return
    bounds = [max(at, 0.0) for at, _ in steps[1:]] + [math.inf]
    segments = [(max(at, 0.0), end, spec) for (at, spec), end in zip(steps, bounds, strict=True)]
    changes = (c for start, end, spec in segments
               for c in rota_changes(spec, first_weekday, start, end, open_hours))
    pool.set_capacity(next(changes)[1])  # now, as run_rota does

    def shifts():
        for at, staff in changes:
            if at > env.now:
                yield env.timeout(at - env.now)
            pool.set_capacity(staff)

    env.process(shifts())
