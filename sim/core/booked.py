"""A FIFO multi-server queue booked when each request joins, without events of its own.

When requests are served first come, first served, each one's service time is known when it
joins, nobody leaves the queue, and the number of servers over time is known in advance (an
hourly rota, dated changes), a request's start is decided by those before it and the rota
alone: it starts at the first moment at or after it joins, and not before the one ahead of it
started, when fewer servers are busy than are on duty (the Kiefer-Wolfowitz recursion, with a
capacity that varies in time). ``BookedQueue.start`` computes that moment when the request
joins. The journey then schedules its own next step at start + service + whatever follows,
so a service costs no event: the ED assessment queue, about 420,000 a year, is booked this way.

It gives the same starts as :class:`sim.core.station.Station` driven by the same rota (units
busy above a lower capacity finish their work; a unit that frees, or a rota step up, starts
the next in line at once), which ``tests/test_booked.py`` checks request by request.

That holds only under the recursion's preconditions, which ``start`` checks (ValueError):
requests join in time order and are served in that order (FIFO: no priorities), each with a
known, non-negative service time, on a rota given in time order; and a booking is final: no
request leaves the queue before its start (no reneging, no cancelling), so there is no method
to withdraw one. A queue that needs any of those is a :class:`~sim.core.station.Pool`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from heapq import heappop, heappush


class BookedQueue:
    """FIFO queue for servers whose number over time is ``changes``: (minute, servers) from
    minute 0 on, in time order (e.g. :func:`sim.core.capacity.staff_changes`)."""

    __slots__ = ("_capacity", "_changes", "_ends", "_joined", "_last_start", "_next_at",
                 "_next_capacity", "name")

    def __init__(self, changes: Iterator[tuple[float, int]], name: str = "booked") -> None:
        self.name = name
        self._changes = changes
        self._capacity = 0
        self._next_at, self._next_capacity = -math.inf, 0
        self._next_rota_step()
        self._ends: list[float] = []  # ends of services that may still be running
        self._last_start = -math.inf
        self._joined = -math.inf  # when the last request joined (FIFO: none may join earlier)

    def start(self, now: float, service: float) -> float:
        """Book a request joining at ``now`` for ``service`` minutes: the minute it starts
        (infinite if no server is ever free for it). The booking is final."""
        if not (now >= self._joined and service >= 0.0):  # (NaN fails too)
            self._refuse(now, service)
        self._joined = now
        at = now if now > self._last_start else self._last_start
        ends = self._ends
        while True:
            while self._next_at <= at:  # the rota in force at ``at``
                self._capacity = self._next_capacity
                self._next_rota_step()
            while ends and ends[0] <= at:  # services over by then free their servers
                heappop(ends)
            if len(ends) < self._capacity:
                break
            # all on duty are busy: the next chance is a service ending or the rota changing
            at = ends[0] if ends and ends[0] < self._next_at else self._next_at
            if at == math.inf:
                return at
        heappush(ends, at + service)
        self._last_start = at
        return at

    def _next_rota_step(self) -> None:
        at, capacity = next(self._changes, (math.inf, 0))
        if not (at >= self._next_at and capacity >= 0):
            raise ValueError(f"{self.name}: the rota's changes must be in time order with no "
                             f"negative count (got {capacity} at minute {at} after minute "
                             f"{self._next_at})")
        self._next_at, self._next_capacity = at, capacity

    def _refuse(self, now: float, service: float) -> None:
        if not service >= 0.0:
            raise ValueError(f"{self.name}: a booked service needs a known, non-negative time "
                             f"(got {service} minutes)")
        raise ValueError(f"{self.name}: requests are booked first come, first served, in time "
                         f"order: one joining at minute {now} after one at minute "
                         f"{self._joined}")

    def busy(self, now: float) -> int:
        """Servers busy at ``now`` with requests booked so far (for checks)."""
        return sum(1 for e in self._ends if e > now)
