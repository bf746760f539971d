"""The acute bed base: how many beds are open in each ward, and where an emergency patient
outlies when their own ward is full.

Part of :class:`sim.model.services.acute.AcuteBeds` (which inherits it), kept apart from the
patients' journeys so that each module has one job. ``AcuteBeds.__init__`` makes the beds
(wards, ring-fenced elective beds, SDEC spaces); here they open and close (a capacity schedule
calls ``_set_beds``; escalation beds open at an hourly review, one SimPy process of 8,760
wake-ups a year) and ring-fenced beds are lent to emergencies (outlying).
"""

from __future__ import annotations

from typing import Any

from sim.core.clock import MIN_PER_HOUR
from sim.scenario.sections.acute import AcuteSection


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
        review reopens them)."""
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
