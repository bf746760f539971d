"""The twin's salabim components: one process per patient (ED type 1 attendance, emergency
inpatient, reablement referral), the arrival sources, the hourly staff rotas and the hourly
escalation review. Each reads the scenario through the :class:`~.state.Twin` it belongs to."""

from __future__ import annotations

import math
from collections.abc import Iterator

import salabim as sb

from sim.checks.twin.state import Twin
from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR


class Patient(sb.Component):
    """Base of the twin's per-patient components.

    Creating a salabim component is costly (monitors, signature checks), so a component whose
    process has ended waits in its class's pool and is re-activated for the next patient:
    ``Twin.start`` hands out pooled components before making new ones.
    """

    def setup(self, twin: Twin, **attrs: object) -> None:
        self.twin = twin
        self.status.monitor(False)  # nobody reads a patient's status history: save the time
        self.mode.monitor(False)
        self.prepare(**attrs)

    def prepare(self, **attrs: object) -> None:
        """Set the patient's attributes (for a new or a recycled component)."""

    def done(self) -> None:
        self.twin.pools.setdefault(type(self), []).append(self)


class Source(sb.Component):
    """Starts one patient component per arrival at the given (sorted) times."""

    def setup(self, twin: Twin, times: list[float], kinds: list[bool], what: str) -> None:
        self.twin, self.times, self.kinds, self.what = twin, times, kinds, what

    def process(self) -> Iterator:
        tw = self.twin
        for t, kind in zip(self.times, self.kinds, strict=True):
            yield self.hold(till=t)
            if self.what == "ed":
                tw.start(EDPatient, ambulance=kind)
            elif self.what == "direct":
                tw.start(Inpatient)
            else:
                tw.start(Referral, inpatient=None)


class Rota(sb.Component):
    """Sets a resource's capacity on the hour from a week of hourly staff numbers."""

    def setup(self, twin: Twin, resource: sb.Resource, week: list[int]) -> None:
        self.twin, self.resource, self.week = twin, resource, week

    def process(self) -> Iterator:
        hour = 0
        while True:
            weekday = (self.twin.weekday0 + hour // 24) % 7
            self.resource.set_capacity(self.week[weekday * 24 + hour % 24])
            hour += 1
            yield self.hold(till=hour * MIN_PER_HOUR)


class Escalation(sb.Component):
    """The hourly review: escalation beds open while general beds are at the trigger or above."""

    def setup(self, twin: Twin) -> None:
        self.twin = twin

    def process(self) -> Iterator:
        tw = self.twin
        ac = tw.sc.acute
        while True:
            for ward, base, extra in zip(tw.wards, tw.ward_beds, tw.ward_escalation,
                                         strict=True):
                high = ward.claimed_quantity() >= base * ac.escalation_trigger_pct / 100
                capacity = base + (extra if high else 0)
                if capacity != ward.capacity():
                    ward.set_capacity(capacity)
            tw.available.tally(sum(w.capacity() for w in tw.wards))
            yield self.hold(MIN_PER_HOUR)


class Inpatient(Patient):
    """An emergency admission: queue for a bed, stay, become fit, leave by the discharge rules."""

    def process(self) -> Iterator:
        yield from self.stay()
        self.done()

    def admitted(self) -> None:
        """Hook: the patient has reached a bed (ED patients leave the department now)."""

    def stay(self) -> Iterator:
        tw = self.twin
        ac = tw.sc.acute
        zero_day = tw.u_zero() < ac.zero_day_share
        if zero_day and not tw.zero_day_discharge_hours and tw.sdec.available_quantity() > 0:
            yield self.request(tw.sdec)
            self.admitted()
            yield self.hold(tw.d_zero())
            self.release(tw.sdec)
            return
        ward = tw.wards[min(int(tw.u_ward() * len(tw.wards)), len(tw.wards) - 1)]
        ring = [tw.ring_fenced] if tw.outlying and ac.elective_ring_fenced_beds > 0 else []
        after = ac.ward_outlying_after_hours
        if after is None:
            yield self.request(ward, *ring, oneof=True)
        else:
            yield self.request(ward, *ring, oneof=True, fail_delay=after * MIN_PER_HOUR)
            if self.failed():  # a long wait: the first bed free in any ward, ahead of its queue
                yield self.request(*[(w, 1, -1) for w in tw.wards], *ring, oneof=True)
        bed = next(r for r in (*tw.wards, tw.ring_fenced) if self.isclaiming(r))
        self.admitted()
        tw.occupy(+1)
        if bed is not tw.ring_fenced:
            tw.in_general(+1)
        if zero_day:
            yield self.hold(tw.d_zero())
            if tw.zero_day_discharge_hours:
                yield self.hold(till=tw.discharge_time(self.env.now()))
        else:
            # "stays over a day": a draw under a day is raised to one day
            yield self.hold(max(tw.d_los() * tw.season.los_factor(self.env.now()),
                                MIN_PER_DAY))  # now medically fit
            u = tw.u_dest()
            dest = ac.destinations
            if u < dest.home:
                yield self.hold(till=tw.discharge_time(self.env.now()))
            elif u < dest.home + dest.reablement:
                tw.delay(+1)
                tw.start(Referral, inpatient=self)
                yield self.passivate()  # until the package's care starts: the bed is freed then
                tw.delay(-1)
            else:
                tw.delay(+1)
                yield self.hold(tw.d_other())
                tw.delay(-1)  # a place is found; the move itself is a daytime discharge
                yield self.hold(till=tw.discharge_time(self.env.now()))
        tw.occupy(-1)
        if bed is not tw.ring_fenced:
            tw.in_general(-1)
        yield self.hold(ac.turnaround_hours * MIN_PER_HOUR)
        self.release(bed)


class EDPatient(Inpatient):
    """A type 1 attendance: handover (ambulance), clinician, tests, decision, boarding."""

    def prepare(self, ambulance: bool = False) -> None:  # type: ignore[override]
        tw = self.twin
        self.ambulance = ambulance
        self.arrival = self.env.now()
        self.index = len(tw.t1_arrival)
        tw.t1_arrival.append(self.arrival)
        tw.t1_departure.append(math.nan)

    def leave_department(self) -> None:
        self.twin.t1_departure[self.index] = self.env.now()
        if self.isclaiming(self.twin.spaces):
            self.release(self.twin.spaces)

    admitted = leave_department

    def process(self) -> Iterator:
        tw = self.twin
        ed = tw.sc.ed
        first = self.ambulance and ed.ambulance_priority  # else first come, first served
        yield self.request((tw.spaces, 1, -1 if first else 0))
        if self.ambulance:
            yield self.request(tw.handover)
            yield self.hold(tw.d_handover())
            self.release(tw.handover)
        yield self.request(tw.clinicians)
        yield self.hold(tw.d_assess())
        self.release(tw.clinicians)
        yield self.hold(tw.d_invest())
        if tw.u_admit() < ed.admission_share * tw.season.admission_factor(self.arrival):
            rule = ed.decision_bunching
            if (self.env.now() - self.arrival < rule.window_start_mins
                    and tw.u_bunch() < rule.share):
                held = rule.window_start_mins + tw.u_bunch() * (rule.window_end_mins
                                                                 - rule.window_start_mins)
                yield self.hold(till=self.arrival + held)
            if not tw.boarders_hold_space:  # the deliberately different reading
                self.release(tw.spaces)
            yield from self.stay()
        else:
            self.leave_department()
        self.done()


class Referral(Patient):
    """A reablement referral: wait for a package, set-up, care (frees the acute bed)."""

    def prepare(self, inpatient: Inpatient | None = None) -> None:  # type: ignore[override]
        self.inpatient = inpatient

    def process(self) -> Iterator:
        tw = self.twin
        index = len(tw.reab_referral)
        tw.reab_referral.append(self.env.now())
        tw.reab_start.append(math.nan)
        first = tw.sc.reablement.acute_first and self.inpatient is not None
        yield self.request((tw.packages, 1, -1 if first else 0))
        yield self.hold(tw.d_setup())
        tw.reab_start[index] = self.env.now()
        if self.inpatient is not None:
            self.inpatient.activate()
            self.inpatient = None
        yield self.hold(tw.d_episode())
        self.release(tw.packages)
        self.done()
