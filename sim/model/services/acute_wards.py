"""The acute bed base: how many beds are open in each ward, and where an emergency patient
outlies when their own ward is full.

Part of :class:`sim.model.services.acute.AcuteBeds` (which inherits it), kept apart from the
patients' journeys so that each module has one job. ``AcuteBeds.__init__`` makes the beds
(wards, ring-fenced elective beds, SDEC spaces); here they open and close (a capacity schedule
calls ``_set_beds``; escalation beds open at an hourly review, one SimPy process of 8,760
wake-ups a year) and ring-fenced beds are lent to emergencies (outlying).

With ``opel_review`` the acute trust declares the system's pressure level instead (OPEL-like,
``ctx.pressure``): at a few set hours a day (the OPEL framework asks for a review at least twice
a day) from G&A occupancy of the base general beds and the patients boarding in ED, the highest
level either reaches. The level opens escalation beds (a share of ``escalation_beds``, spread
over the wards) and, at ``elective_deferral_level``, defers the next day's elective inpatients;
other services read the same level for their own actions (ED corridor spaces, discharge pushes).
"""

from __future__ import annotations

from typing import Any

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.scenario.sections.acute import AcuteSection

# Patients boarding in ED (decided to admit, waiting for a bed), read by name from the monitor:
# services do not import each other, and with ED off nobody steps it (occupancy alone decides).
ED_BOARDING = "ed.boarding"


def split_beds(total: int, parts: int) -> list[int]:
    """``total`` beds in ``parts`` wards as equal as whole beds allow."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class BedBase:
    """Outlying and escalation for ``AcuteBeds``; the state it uses is made there: ``wards``,
    ``ward_beds``, ``escalation`` (each ward's escalation beds), ``elective_pool``, ``sdec``,
    ``outliers`` / ``n_outliers``, ``available``, ``escalation_open`` / ``escalation_bed_days``
    and ``beds_cfg``; an outlier's bed is granted to the journey's ``_granted`` step."""

    def _elective_free(self) -> bool:
        e, cap = self.elective_pool, self.cfg.outlying_max_patients
        return (self.cfg.outlying and e.in_use < e.capacity and not e.queued
                and (cap is None or self.n_outliers < cap))

    def _outlie(self, p: Any) -> None:
        """An emergency patient takes a free ring-fenced elective bed (at once)."""
        self.outliers.up(self.env.now)
        self.n_outliers += 1
        p.pool = self.elective_pool
        self.elective_pool.request(self._granted, data=p)

    def _outlie_waiting(self) -> None:
        """A ring-fenced bed (or an outlier place) came free: the next patient waiting for the
        ward with the longest queue outlies into it."""
        while self._elective_free():
            waiting = [w for w in self.wards if w.queued]
            if not waiting:
                return
            ticket = max(waiting, key=lambda w: w.queued).withdraw_next()
            if ticket is None:  # pragma: no cover
                return
            self._outlie(ticket.data)

    def _set_beds(self, cfg: AcuteSection) -> None:
        """Beds and SDEC spaces in force from now, each ward its equal share; patients in beds
        above a lower count stay until they leave (escalation beds close until the next hourly
        review reopens them; by level, the level in force reopens them at once)."""
        self.beds_cfg = cfg
        self.general_beds = cfg.beds - cfg.elective_ring_fenced_beds
        self.elective_pool.set_capacity(cfg.elective_ring_fenced_beds)
        self.sdec.set_capacity(cfg.sdec_spaces)
        self.ward_beds = split_beds(self.general_beds, len(self.wards))
        self.escalation = split_beds(cfg.escalation_beds, len(self.wards))
        for ward, base in zip(self.wards, self.ward_beds, strict=True):
            if ward.capacity != base:
                ward.set_capacity(base)
        self.escalation_open = 0
        now = self.env.now
        self.available.set(now, self.general_beds)
        self.escalation_bed_days.set(now, 0)
        if cfg.opel_review:  # the level in force opens its share of the new escalation beds
            self._open_for_level(self.ctx.pressure.level)

    def _escalation_reviews(self):
        """Hourly, ward by ward: open the ward's escalation beds while its occupancy is at or
        above the trigger, close them (as their patients leave) below it."""
        while True:
            trigger = self.beds_cfg.escalation_trigger_pct / 100
            for ward, base, extra in zip(self.wards, self.ward_beds, self.escalation, strict=True):
                capacity = base + extra if ward.in_use >= base * trigger else base
                if capacity != ward.capacity:
                    self.escalation_open += capacity - ward.capacity
                    ward.set_capacity(capacity)
            now = self.env.now
            self.available.set(now, self.general_beds + self.escalation_open)
            self.escalation_bed_days.set(now, self.escalation_open)
            yield self.env.timeout(MIN_PER_HOUR)

    # -- the pressure level (opel_review) ------------------------------------------------------
    def _opel_reviews(self):
        """At each of ``opel_review_hours``, every day: declare the level (``_review``)."""
        hours = sorted(self.cfg.opel_review_hours)
        day = 0
        while True:
            for hour in hours:
                wait = day * MIN_PER_DAY + hour * MIN_PER_HOUR - self.env.now
                if wait >= 0:
                    yield self.env.timeout(wait)
                    self._review()
            day += 1

    def level_now(self) -> int:
        """The level the G&A occupancy of the base general beds and ED's boarders (per 100
        base general beds) reach now: the highest of the two (0-3)."""
        cfg, base = self.beds_cfg, self.general_beds
        if base <= 0:
            return 0
        occupancy_pct = 100.0 * sum(w.in_use for w in self.wards) / base
        boarding = self.ed_boarding
        boarders_per_100 = 100.0 * (len(boarding.ups) - len(boarding.downs)) / base
        return max(sum(occupancy_pct >= t for t in cfg.opel_occupancy_pct_by_level),
                   sum(boarders_per_100 >= t for t in cfg.opel_ed_boarders_per_100_beds_by_level))

    def _review(self) -> None:
        """Declare the level (every service listening acts on a change) and, at or above
        ``elective_deferral_level``, defer the elective inpatients due in the next 24 hours
        (patients told are not recalled if the next review lowers the level)."""
        level = self.level_now()
        now = self.env.now
        self.pressure_level.set(now, level)
        self.ctx.pressure.set(level)
        defer_at = self.beds_cfg.elective_deferral_level
        if 0 < defer_at <= level:
            self.defer_until = now + MIN_PER_DAY

    def _open_for_level(self, level: int) -> None:
        """Open the share of the escalation beds the level gives, spread over the wards as the
        beds are; above a lower count beds close as their patients leave (``_free``)."""
        cfg = self.beds_cfg
        n = int(cfg.escalation_beds * cfg.escalation_open_pct_by_level[level] / 100 + 0.5)
        for ward, base, extra in zip(self.wards, self.ward_beds, split_beds(n, len(self.wards)),
                                     strict=True):
            if ward.capacity != base + extra:
                ward.set_capacity(base + extra)
        self.escalation_open = n
        now = self.env.now
        self.available.set(now, self.general_beds + n)
        self.escalation_bed_days.set(now, n)
