"""What every service of one replication receives, in one object."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sim.core.capacity import staff_changes
from sim.core.clock import Calendar
from sim.core.engine import Engine
from sim.core.monitor import Monitor
from sim.core.rng import Streams
from sim.core.seasons import Season
from sim.model.pressure import Pressure
from sim.scenario.capacity_plan import CapacityPlan


@dataclass(frozen=True)
class Context:
    """The shared world of one replication: its clock, randomness, observations and people."""

    env: Engine
    calendar: Calendar
    streams: Streams
    monitor: Monitor
    population: int  # GP-registered people
    growth_pct: float  # compound demand growth, % a year from the start date
    capacity: CapacityPlan = field(default_factory=CapacityPlan)  # read through levels()
    season: Season = field(default_factory=Season)  # winter multipliers, bank holidays
    pressure: Pressure = field(default_factory=Pressure)  # OPEL-like level, shared by services

    def levels(self, key: str, open_hours: Callable[[int], bool] | None = None
               ) -> Iterator[tuple[float, Any]]:
        """Capacity ``key`` over the run, flat, scheduled by date or by hour alike: (minute,
        level) from minute 0, then at each change, in time order.

        ``key`` is a capacity field's dotted key, as typed in ``--set``
        (``"ed.clinicians_per_shift"``): a rota gives staff on duty at every hour they change,
        zero outside ``open_hours(hour)`` when given (endless: read it as you go); any other
        field gives its value at each dated level. A section's name (``"acute"``) gives its
        config with the levels in force, for a capacity that combines fields. A booked queue
        takes the steps as they are; a pool follows them (:func:`sim.core.capacity.follow`).
        """
        try:
            dated = self.capacity.levels[key]
        except KeyError:
            raise KeyError(f"{key!r} is not a capacity: tag its field with capacity(...) in "
                           "the section's schema (or name a section that holds one)") from None
        steps = [(self.calendar.minutes_at(day), level) for day, level in dated]
        if key in self.capacity.rotas:
            return staff_changes(steps, self.calendar.start_date.weekday(), open_hours)
        if open_hours is not None:
            raise ValueError(f"{key!r} is not a rota: open_hours applies to staff on duty")
        return iter(steps)
