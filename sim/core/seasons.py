"""The year's shape: month-of-year multipliers and England bank holidays, by day of the run.

Built once per replication from the scenario (``Season.of``); services ask it by simulated
minute or day. Bank holidays come from the maintained ``holidays`` package (England, i.e. GB
with subdivision ENG), so new years and moved holidays need no edits here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.core.clock import MIN_PER_DAY, Calendar


def england_bank_holidays(first: dt.date, last: dt.date) -> list[dt.date]:
    """England bank holidays from ``first`` to ``last`` inclusive."""
    import holidays

    found = holidays.country_holidays("GB", subdiv="ENG", years=range(first.year,
                                                                       last.year + 1))
    return sorted(d for d in found if first <= d <= last)


def by_day(calendar: Calendar, profile: Sequence[float], days: int) -> np.ndarray:
    """The month profile (Jan..Dec, normalised to mean 1) for each day of the run."""
    p = np.asarray(profile, dtype=float)
    p = p / p.mean() if p.mean() > 0 else np.ones(12)
    months = [(calendar.start_date + dt.timedelta(days=d)).month - 1 for d in range(days)]
    return p[months]


@dataclass(frozen=True)
class Season:
    """Per-day multipliers and holidays of one run; neutral by default."""

    los: np.ndarray = field(default_factory=lambda: np.ones(0))
    admission: np.ndarray = field(default_factory=lambda: np.ones(0))
    holidays: frozenset[int] = frozenset()  # days from the run's start

    @classmethod
    def of(cls, calendar: Calendar, los_profile: Sequence[float],
           admission_profile: Sequence[float], bank_holidays: bool) -> Season:
        days = int(np.ceil(calendar.end / MIN_PER_DAY)) + 1
        hol: frozenset[int] = frozenset()
        if bank_holidays:
            last = calendar.start_date + dt.timedelta(days=days)
            hol = frozenset((d - calendar.start_date).days
                            for d in england_bank_holidays(calendar.start_date, last))
        return cls(by_day(calendar, los_profile, days), by_day(calendar, admission_profile, days),
                   hol)

    def __post_init__(self) -> None:
        # plain lists for the hot lookups (one per ED arrival and per emergency admission)
        object.__setattr__(self, "_los", self.los.tolist() or [1.0])
        object.__setattr__(self, "_admission", self.admission.tolist() or [1.0])

    def los_factor(self, minute: float) -> float:
        """Emergency length-of-stay multiplier for an admission at ``minute``."""
        values, day = self._los, int(minute // MIN_PER_DAY)  # type: ignore[attr-defined]
        return values[day] if day < len(values) else values[-1]

    def admission_factor(self, minute: float) -> float:
        """ED admission-conversion multiplier for an arrival at ``minute``."""
        values, day = self._admission, int(minute // MIN_PER_DAY)  # type: ignore[attr-defined]
        return values[day] if day < len(values) else values[-1]

    def closed(self, day: int) -> bool:
        """Whether day ``day`` of the run is a bank holiday (planned capacity closed)."""
        return day in self.holidays
