"""Levers aimed at long waiters: extra theatre time for them and a cohort moved out.

NHS England's recovery plans aimed capacity at the longest waiters (the 104-, 78- and 65-week
"eliminations") by booking them first and by sending cohorts to the independent sector
(``elective.long_waiters``). Both pick pathways by weeks waited on the RTT clock, longest first,
in one numpy pass over the store a day (only when the lever is on).
"""

from __future__ import annotations

import numpy as np

from sim.model.services.elective.pathways import ADM, DAYS_PER_WEEK, STOPPED, PathwayStore

DAYS_PER_MONTH = 365.25 / 12


class LongWaits(PathwayStore):
    """Long-waiter selection (``_long_waiters``) and independent-sector transfers
    (``_independent_sector``)."""

    population: float
    is_carry: float = 0.0

    def _long_waiters(self, now: float) -> list[list[int]]:
        """Per specialty: admitted pathways waiting over ``long_waiters.weeks``, longest
        first (empty lists when the lever is off)."""
        lw = self.cfg.long_waiters
        out: list[list[int]] = [[] for _ in self.specs]
        if lw.theatre_pct <= 0:
            return out
        st = np.frombuffer(self.stage, dtype=np.uint8)
        on_list = np.flatnonzero(st == ADM)
        del st
        clock = np.frombuffer(self.clock, dtype=float)[on_list]
        old = clock < now - lw.weeks * DAYS_PER_WEEK
        ids, clock = on_list[old], clock[old]
        ids = ids[np.argsort(clock, kind="stable")]
        if self.pending:  # not ready yet (pre-operative assessment): not on the list's lanes
            busy = np.fromiter((i for _, i in self.pending), dtype=np.int64)
            ids = ids[~np.isin(ids, busy)]
        spec = np.frombuffer(self.spec, dtype=np.uint8)[ids]
        for s in range(len(self.specs)):
            out[s] = ids[spec == s].tolist()
        return out

    def _independent_sector(self, now: float) -> int:
        """Move today's share of the month's cohort (pathways waiting over
        ``independent_sector_weeks``, any stage, longest first) to the independent sector:
        each leaves the list as treated elsewhere (a clock stop the model does not hold)."""
        lw = self.cfg.long_waiters
        per_month = lw.independent_sector_per_100k_per_month * self.population / 1e5
        if per_month <= 0:
            return 0
        self.is_carry += per_month / DAYS_PER_MONTH
        quota = int(self.is_carry)
        if not quota:
            return 0
        st = np.frombuffer(self.stage, dtype=np.uint8)
        waiting = np.flatnonzero(st <= ADM)
        del st
        clock = np.frombuffer(self.clock, dtype=float)[waiting]
        old = clock < now - lw.independent_sector_weeks * DAYS_PER_WEEK
        ids, clock = waiting[old], clock[old]
        take = ids[np.argsort(clock, kind="stable")[:quota]]
        for i in take.tolist():
            self._stop(i, "redirected", STOPPED)
        # fewer long waiters than the quota: the rest of the day's share is not owed later
        self.is_carry = self.is_carry - quota if take.size == quota else 0.0
        self._count("independent_sector", int(take.size))
        return int(take.size)
