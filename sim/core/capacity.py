"""Capacity over simulated time: levels that change at given minutes, rotas hour by hour.

A capacity is a run of ``(minute, level)`` steps from minute 0 (``Context.levels`` gives a
service each of its own). A level is whatever the capacity is made of: a number of beds, a
section's config, or staff on duty, where a rota (:mod:`sim.core.rota`) given for a date
becomes one step at every hour the staff on duty change (:func:`staff_changes`). A booked
queue (:class:`sim.core.booked.BookedQueue`) reads the steps as it goes; a pool or any other
holder of capacity ``follow``\\s them (units busy above a lower capacity finish their work
first, as ``Pool.set_capacity`` does).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import simpy

from sim.core.clock import MIN_PER_HOUR
from sim.core.rota import HOURS_PER_WEEK, RotaSpec, week_of

Steps = Sequence[tuple[float, Any]]


def follow(env: simpy.Environment, levels: Iterable[tuple[float, Any]],
           apply: Callable[[Any], object]) -> None:
    """``apply`` the level in force now, then each later level at its minute, in one process
    (none when there is no later level). ``levels`` are in time order and may be endless (an
    hourly rota); they are read one step ahead."""
    steps = iter(levels)
    level = next(steps)[1]
    ahead = next(steps, None)
    while ahead is not None and ahead[0] <= env.now:
        level, ahead = ahead[1], next(steps, None)
    apply(level)
    if ahead is None:
        return

    def changes(step: tuple[float, Any] | None):
        while step is not None:
            at, level = step
            if at > env.now:
                yield env.timeout(at - env.now)
            apply(level)
            step = next(steps, None)

    env.process(changes(ahead))


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
