"""What every service of one replication receives, in one object."""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from sim.core.clock import Calendar
from sim.core.monitor import Monitor
from sim.core.rng import Streams


@dataclass(frozen=True)
class Context:
    """The shared world of one replication: its clock, randomness, observations and people."""

    env: simpy.Environment
    calendar: Calendar
    streams: Streams
    monitor: Monitor
    population: int  # GP-registered people
    growth_pct: float  # compound demand growth, % a year from the start date
