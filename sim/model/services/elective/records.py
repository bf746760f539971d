"""What elective care records: the names KPIs read, and the month-end returns.

NHS England counts RTT and DM01 waits as snapshots of the incomplete pathways at month end
(waiting time of those still waiting), so the service takes one at the end of the warm-up and of
each month (12 or so a year, each a numpy pass over the store), beside daily activity counts and
a tally per pathway ended (about 390,000 clock stops and removals a year).
"""

from __future__ import annotations

import numpy as np

from sim.core.clock import MIN_PER_DAY
from sim.core.monitor import Observations, SeriesSpec
from sim.model.services.elective.pathways import (
    ADM,
    C_DIAG,
    CANCER,
    DAYS_PER_WEEK,
    DIAG,
    PathwayStore,
)
from sim.scenario.sections.elective import MODALITIES, SPECIALTIES

SNAPSHOTS = ("list_size", "within_18w_pct", "over_52w", "over_65w", "over_78w", "over_104w",
             "median_weeks", "diag_within_6w_pct", "diag_waiting",
             *(f"diag_within_6w_pct.{m}" for m in MODALITIES),
             *(f"list_size.{s}" for s in SPECIALTIES))
ACTIVITIES = ("outpatient_first", "outpatient_followup", "diagnostic", "day_case", "inpatient",
              "non_admitted_stop", "removed", "cancer_treatment", "independent_sector")
LIST_SIZE = "rtt.list_size"  # a level (every change) and a month-end snapshot tally
DIAG_QUEUE = "elective.diag_queue"  # level: everyone waiting for a routine test (DM01 list)
CANCER_DX_QUEUE = "elective.cancer_dx_queue"  # level: cancer referrals waiting for results
DAYS_ON_LIST = "elective.days_on_list"  # by clock start, for Little's law
OPEN_WEEKS = "rtt.open_weeks"  # weeks waited by every open pathway at the end
CANCER_FDS = "cancer.fds_days"  # at diagnosis or ruled out: days since referral
CANCER_62D = "cancer.referral_to_treatment_days"  # at first treatment
CANCER_31D = "cancer.decision_to_treatment_days"  # at first treatment


def snapshot(name: str) -> str:
    """Month-end snapshot tally of ``name`` (one of SNAPSHOTS), as NHS England's return."""
    return f"rtt.{name}"


def activity(name: str) -> str:
    """Tally of daily counts of ``name`` (one of ACTIVITIES)."""
    return f"elective.{name}"


OBSERVATIONS = Observations(
    tallies=(*map(snapshot, SNAPSHOTS), *map(activity, ACTIVITIES), DAYS_ON_LIST, CANCER_FDS,
             CANCER_62D, CANCER_31D),
    levels=(LIST_SIZE, DIAG_QUEUE, CANCER_DX_QUEUE), arrays=(OPEN_WEEKS,))

SERIES = (SeriesSpec("rtt_list_size", "RTT waiting list", "elective", LIST_SIZE, "level",
                     queue=True),
          SeriesSpec("diagnostic_list", "waiting for a test", "elective", DIAG_QUEUE, "level",
                     queue=True))

DM01_DAYS = 42.0  # 6 weeks


class MonthEnd(PathwayStore):
    """Month-end snapshots (``snapshot``) and the pathways open at the end (``close``)."""

    def _snapshots(self):
        cal = self.calendar
        times = [cal.warmup_end] + [m.window.end for m in cal.months()]
        for t in times:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.snapshot()

    def snapshot(self) -> None:
        """Waiting times of incomplete pathways now, as NHS England's month-end returns (open
        cancer pathways among them with ``cancer.in_rtt_list``, as England counts them).
        An empty list has nobody waiting too long: it scores 100% (never NaN)."""
        now_days = self.env.now / MIN_PER_DAY
        st, clock, stage_start = self._views()
        open_ = st <= ADM
        if self.cfg.cancer.in_rtt_list:  # urgent suspected cancer pathways, referral to treatment
            open_ |= st >= CANCER
        weeks = (now_days - clock[open_]) / DAYS_PER_WEEK
        size = weeks.size
        self.last_snapshot = self.env.now
        t = self.env.now - 1e-6  # belongs to the month that ends now
        rec = {"list_size": float(size),
               "within_18w_pct": 100.0 * np.count_nonzero(weeks <= 18) / size if size else 100.0,
               "median_weeks": float(np.median(weeks)) if size else 0.0}
        for w in (52, 65, 78, 104):
            rec[f"over_{w}w"] = float(np.count_nonzero(weeks > w))
        spec = np.frombuffer(self.spec, dtype=np.uint8)[open_]
        for si, k in enumerate(SPECIALTIES):
            rec[f"list_size.{k}"] = float(np.count_nonzero(spec == si))
        in_diag = (st == DIAG) | (st == C_DIAG)
        waited = now_days - stage_start[in_diag]
        mods = np.frombuffer(self.mod, dtype=np.uint8)[in_diag]
        total = under = 0.0
        for mi, k in enumerate(MODALITIES):
            w = waited[mods == mi]
            lw, lc = self.diag_direct[mi].waited(now_days)
            n = w.size + lc.sum()
            u = np.count_nonzero(w < DM01_DAYS) + lc[lw < DM01_DAYS].sum()
            rec[f"diag_within_6w_pct.{k}"] = 100.0 * u / n if n else 100.0
            total += n
            under += u
        rec["diag_waiting"] = float(total)
        rec["diag_within_6w_pct"] = 100.0 * under / total if total else 100.0
        for k, v in rec.items():
            self.snap[k].record(t, float(v))

    def close(self) -> None:
        """Pathways still open at the end are counted with their time so far (censored).

        The last month end is the end of the run, where SimPy stops before running events, so
        its snapshot is taken here."""
        if self.last_snapshot < self.env.now:
            self.snapshot()
        now = self.env.now / MIN_PER_DAY
        st, clock, _ = self._views()
        clock = clock[st <= ADM]
        self.monitor.put_array(OPEN_WEEKS, (now - clock) / DAYS_PER_WEEK)
        self.t_on_list.extend(clock * MIN_PER_DAY, now - clock, np.ones(clock.size, dtype=bool))
