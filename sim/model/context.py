"""What every service of one replication receives, in one object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.core.clock import Calendar
from sim.core.engine import Engine
from sim.core.monitor import Monitor
from sim.core.rng import Streams
from sim.core.seasons import Season


@dataclass(frozen=True)
class Context:
    """The shared world of one replication: its clock, randomness, observations and people."""

    env: Engine
    calendar: Calendar
    streams: Streams
    monitor: Monitor
    population: int  # GP-registered people
    growth_pct: float  # compound demand growth, % a year from the start date
    # capacity schedules (dotted key -> date -> level): sim.model.scheduling applies them
    schedules: Mapping[str, Mapping[dt.date, Any]] = field(default_factory=dict)
    season: Season = field(default_factory=Season)  # winter multipliers, bank holidays
