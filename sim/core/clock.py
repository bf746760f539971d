"""One base clock (minutes) and the calendar that maps it to days and months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MIN_PER_HOUR = 60.0
MIN_PER_DAY = 1440.0
MIN_PER_WEEK = 7 * MIN_PER_DAY
DAYS_PER_YEAR = 365.25
MIN_PER_YEAR = DAYS_PER_YEAR * MIN_PER_DAY


@dataclass(frozen=True)
class Window:
    """A half-open interval [start, end) of simulated minutes."""

    start: float
    end: float

    @property
    def days(self) -> float:
        return (self.end - self.start) / MIN_PER_DAY


@dataclass(frozen=True)
class Month:
    label: str  # YYYY-MM
    window: Window


@dataclass(frozen=True)
class Calendar:
    start_date: dt.date
    warmup_days: int
    measurement_days: int

    @property
    def warmup_end(self) -> float:
        return self.warmup_days * MIN_PER_DAY

    @property
    def end(self) -> float:
        return (self.warmup_days + self.measurement_days) * MIN_PER_DAY

    @property
    def measurement(self) -> Window:
        return Window(self.warmup_end, self.end)

    def date_at(self, minutes: float) -> dt.date:
        return self.start_date + dt.timedelta(days=int(minutes // MIN_PER_DAY))

    def minutes_at(self, day: dt.date) -> float:
        return (day - self.start_date).days * MIN_PER_DAY

    def months(self) -> list[Month]:
        """Calendar months overlapping the measurement window, clipped to it."""
        out: list[Month] = []
        day = self.date_at(self.warmup_end).replace(day=1)
        while self.minutes_at(day) < self.end:
            nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            start = max(self.minutes_at(day), self.warmup_end)
            end = min(self.minutes_at(nxt), self.end)
            out.append(Month(day.strftime("%Y-%m"), Window(start, end)))
            day = nxt
        return out
