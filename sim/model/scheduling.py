"""Capacity schedules applied in one replication: one helper call per capacity a service holds.

A service passes its section name, its config and what to do with a config at a new level;
the helpers find the dates its capacity fields change (``Scenario.schedules``) and apply each
level from its date (:mod:`sim.core.schedule`). Without schedules they apply the config once,
at the start, so a service calls them the same way either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sim.core.rota import RotaSpec
from sim.core.schedule import run_schedule, run_scheduled_rota, staff_changes
from sim.model.context import Context
from sim.scenario.schedules import levels_of

C = TypeVar("C")


def levels(ctx: Context, section: str, cfg: C) -> list[tuple[float, C]]:
    """(minute, the section's config at that level) from each date its capacity changes."""
    return [(ctx.calendar.minutes_at(day), level) for day, level in
            levels_of(cfg, section, ctx.schedules, ctx.calendar.start_date)]  # type: ignore[arg-type]


def scheduled(ctx: Context, section: str, cfg: C) -> bool:
    return len(levels(ctx, section, cfg)) > 1


def follow(ctx: Context, section: str, cfg: C, apply: Callable[[C], Any]) -> None:
    """``apply(config)`` with the levels in force now, and again from each date they change."""
    run_schedule(ctx.env, levels(ctx, section, cfg), apply)


def rota(ctx: Context, section: str, cfg: C, rota: Callable[[C], RotaSpec],
         open_hours: Callable[[int], bool] | None = None) -> Iterator[tuple[float, int]]:
    """The staff on duty over the whole run, (minute, staff) at each change, for a queue
    booked in advance (:class:`sim.core.booked.BookedQueue`) rather than one staffed by
    events."""
    return staff_changes([(t, rota(c)) for t, c in levels(ctx, section, cfg)],
                         ctx.calendar.start_date.weekday(), open_hours)


def staff(ctx: Context, section: str, cfg: C, pool: Any, rota: Callable[[C], RotaSpec],
          open_hours: Callable[[int], bool] | None = None) -> None:
    """A pool staffed hour by hour by ``rota(config)``, the rota itself changing on dates."""
    run_scheduled_rota(ctx.env, pool, [(t, rota(c)) for t, c in levels(ctx, section, cfg)],
                       ctx.calendar.start_date.weekday(), open_hours)
