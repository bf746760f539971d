"""A day ledger: patients who need the same capacity, kept as counts by the day they joined.

1.35 million follow-ups and the GP direct-access tests are too many to hold one by one and need
no attribute but when they joined, so (as primary care does) they live as daily counts: served
oldest first, thinned by removal, and read at month end for their time waited.
"""

from __future__ import annotations

from collections import deque

import numpy as np


class DayLedger:
    """Counts of waiting patients by join day (days since time zero), oldest first."""

    __slots__ = ("counts", "days", "total")

    def __init__(self) -> None:
        self.days: deque[float] = deque()
        self.counts: deque[int] = deque()
        self.total = 0

    def add(self, day: float, n: int) -> None:
        if n <= 0:
            return
        if self.days and self.days[-1] == day:
            self.counts[-1] += n
        else:
            self.days.append(day)
            self.counts.append(n)
        self.total += n

    def head_day(self) -> float:
        """Join day of the longest waiting (infinity when empty)."""
        return self.days[0] if self.days else float("inf")

    def take(self, n: int, before: float = float("inf")) -> int:
        """Serve up to ``n`` oldest who joined on or before ``before``; returns how many."""
        taken = 0
        while taken < n and self.days and self.days[0] <= before:
            k = min(self.counts[0], n - taken)
            taken += k
            if k == self.counts[0]:
                self.days.popleft()
                self.counts.popleft()
            else:
                self.counts[0] -= k
        self.total -= taken
        return taken

    def thin(self, p: float | np.ndarray, rng: np.random.Generator) -> int:
        """Each waiting patient leaves with probability ``p`` (removal; or one for each join
        day, oldest first); returns how many."""
        if not self.total or (np.isscalar(p) and p <= 0):
            return 0
        counts = np.fromiter(self.counts, dtype=np.int64, count=len(self.counts))
        gone = rng.binomial(counts, p)
        removed = int(gone.sum())
        if removed:
            left = (counts - gone).tolist()
            days = list(self.days)
            self.days = deque(d for d, c in zip(days, left, strict=True) if c)
            self.counts = deque(c for c in left if c)
            self.total -= removed
        return removed

    def waited(self, now: float) -> tuple[np.ndarray, np.ndarray]:
        """(days waited, count) for every join day still waiting."""
        days = np.fromiter(self.days, dtype=float, count=len(self.days))
        counts = np.fromiter(self.counts, dtype=float, count=len(self.counts))
        return now - days, counts
