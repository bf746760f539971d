"""One patient through each low-volume journey (UCR visit, virtual ward stay, discharge to
assess placement, reablement episode), with fixed durations and no other demand: the whole
trace of units asked for, granted and given back, ports called and ledger entries and exits
equals the list a clinician would tell, at the minutes the durations add up to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sim.core.clock import MIN_PER_DAY, Window
from sim.core.engine import Engine
from sim.core.monitor import Monitor
from sim.core.rng import Streams
from sim.core.station import Pool
from sim.model import registry
from sim.model.context import Context
from sim.model.ports import Referral
from sim.model.replication import calendar_of
from sim.model.services import d2a, reablement, ucr, virtual_ward
from sim.model.services.base import Service
from sim.scenario import baseline_path, load_scenario
from sim.scenario.capacity_plan import capacity_plan

T0 = 60.0  # the patient is referred at 01:00 on the first day
DAY = MIN_PER_DAY
Step = tuple[float, str]


class Journey:
    """One service alone (no demand of its own), its steps logged as (minute, what)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cls: type[Service], section: str,
                 sets: list[str], unset: tuple[str, ...] = ()):
        """``unset``: optional fields of the section set to None (which ``--set`` cannot say)."""
        self.steps: list[Step] = []
        self.env = Engine()
        log = self.log
        submit, release = Pool._submit, Pool.release

        def traced_submit(pool: Pool, ticket: Any, priority: float, patience: float | None):
            """Every request (``request``, ``claim``, ``join``) is submitted here."""
            if pool.env is self.env:  # (not a pool of another test's replication)
                log(f"{pool.name} asked")
            on_grant, on_renege = ticket.on_grant, ticket.on_renege

            def granted(t: Any) -> None:
                if pool.env is self.env:
                    log(f"{pool.name} granted")
                on_grant(t)

            def reneged(t: Any) -> None:
                if pool.env is self.env:
                    log(f"{pool.name} gave up")
                if on_renege is not None:
                    on_renege(t)

            ticket.on_grant, ticket.on_renege = granted, reneged
            return submit(pool, ticket, priority, patience)

        def traced_release(pool: Pool, n: int = 1) -> None:
            if pool.env is self.env:
                log(f"{pool.name} freed")
            release(pool, n)

        monkeypatch.setattr(Pool, "_submit", traced_submit)
        monkeypatch.setattr(Pool, "release", traced_release)
        sc = load_scenario(baseline_path(), sets)
        self.monitor = Monitor(*registry.all_observations())
        ctx = Context(self.env, calendar_of(sc), Streams(1, 0), self.monitor,
                      sc.population.size, 0.0, capacity_plan(sc))
        cfg = getattr(sc, section)
        if unset:
            cfg = cfg.model_copy(update=dict.fromkeys(unset))
        self.svc = svc = cls(ctx, cfg)
        name = svc.name
        svc.enter = lambda rec, external=True: (  # type: ignore[method-assign]
            log(f"{name} enter" + (" (external)" if external else "")),
            Service.enter(svc, rec, external))
        svc.leave = lambda rec, how: (  # type: ignore[method-assign]
            log(f"{name} leave {how}"), Service.leave(svc, rec, how))

    def log(self, what: str) -> None:
        self.steps.append((self.env.now, what))

    def port(self, name: str, taken_after: float | None = 0.0, accept: bool = True
             ) -> Callable[[Referral], bool]:
        """A receiving service: logs the call; ``on_taken`` runs ``taken_after`` minutes later
        (None: never)."""
        def receive(r: Referral) -> bool:
            self.log(name)
            if accept and r.on_taken is not None and taken_after is not None:
                self.env.after(taken_after, lambda _: r.on_taken(), None)
            return accept
        return receive

    def at(self, when: float, fn: Callable[[], Any]) -> None:
        self.env.after(when, lambda _: fn(), None)

    def run(self, days: float) -> list[Step]:
        self.env.run(until=T0 + days * DAY)
        self.svc.close()
        self.monitor.finish()
        return self.steps

    def tally(self, name: str) -> list[float]:
        return list(self.monitor.tally(name).select(Window(0.0, T0 + 1e6))[0])


UCR = ["ucr.referrals_per_100k_per_month=0", "ucr.localities=[]", "ucr.open_hour=0",
       "ucr.close_hour=24", "ucr.clinicians_per_shift=1",
       'ucr.travel_mins={dist="fixed", mean=30.0}', 'ucr.visit_mins={dist="fixed", mean=45.0}',
       "ucr.conveyance_per_hour_waited=0.0",
       "ucr.outcomes={home=0.0, virtual_ward=1.0, reablement=0.0, ed=0.0}"]


@pytest.mark.parametrize("vw_bed", [True, False])
def test_ucr_visit(monkeypatch, vw_bed: bool) -> None:
    """Referred at T0: a clinician at once, travels 30 min (the 2-hour clock stops), visits
    45 min; then a virtual ward bed, or with none an admission held here until the acute bed
    is reached (2 hours later)."""
    j = Journey(monkeypatch, ucr.UrgentCommunityResponse, "ucr", UCR)
    j.svc.needs.step_up = j.port("virtual ward step-up", accept=vw_bed)
    j.svc.needs.admission = j.port("admission", taken_after=120.0)
    j.at(T0, lambda: j.svc.refer("gp"))
    t = T0 + 30 + 45
    tail = [(t, "ucr leave transferred")] if vw_bed else [
        (t, "admission"), (t + 120, "ucr leave transferred")]
    assert j.run(1) == [(T0, "ucr enter (external)"), (T0, "ucr.clinicians.ics asked"),
                        (T0, "ucr.clinicians.ics granted"), (t, "ucr.clinicians.ics freed"),
                        (t, "virtual ward step-up"), *tail]
    assert j.tally(ucr.RESPONSE_MINS) == [30.0]


VW = ["virtual_ward.direct_referrals_per_100k_per_year=0", "virtual_ward.beds=1",
      "virtual_ward.wards={w={bed_share=1.0, demand_share=1.0}}",
      'virtual_ward.step_down_los_days={dist="fixed", mean=6.0}',
      'virtual_ward.step_up_los_days={dist="fixed", mean=7.0}']


def test_virtual_ward_step_down_that_escalates(monkeypatch) -> None:
    """An eligible inpatient: the bed at once (the acute bed is freed), deteriorates half-way
    through a 6-day stay, keeps the virtual ward bed until the acute bed is reached."""
    j = Journey(monkeypatch, virtual_ward.VirtualWard, "virtual_ward",
                [*VW, "virtual_ward.escalation_share=1.0"])
    j.svc.u_when = lambda: 0.5  # escalates half-way through the stay
    j.svc.needs.admission = j.port("admission", taken_after=120.0)
    down = Referral("acute", on_taken=lambda: j.log("acute bed freed"),
                    patience_mins=2 * DAY, on_gave_up=lambda: j.log("back to acute"))
    j.at(T0, lambda: j.svc.offers()["step_down"](down))
    t = T0 + 3 * DAY
    assert j.run(10) == [(T0, "vw.w asked"), (T0, "vw.w granted"), (T0, "virtual_ward enter"),
                         (T0, "acute bed freed"), (t, "admission"), (t + 120, "vw.w freed"),
                         (t + 120, "virtual_ward leave transferred")]
    assert j.tally(virtual_ward.ESCALATED) == [1.0]
    assert j.tally(virtual_ward.LOS_DAYS) == [3 + 120 / DAY]


def test_virtual_ward_step_up_goes_home(monkeypatch) -> None:
    j = Journey(monkeypatch, virtual_ward.VirtualWard, "virtual_ward",
                [*VW, "virtual_ward.escalation_share=0.0"])
    j.at(T0, lambda: j.svc.offers()["step_up"](Referral("gp")))
    t = T0 + 7 * DAY
    assert j.run(10) == [(T0, "vw.w asked"), (T0, "vw.w granted"), (T0, "virtual_ward enter"),
                         (t, "vw.w freed"), (t, "virtual_ward leave finished")]
    assert j.tally(virtual_ward.ESCALATED) == [0.0]


def test_virtual_ward_step_down_gives_up_and_the_pool_records_its_queue(monkeypatch) -> None:
    """No bed: the inpatient waits 2 days (until medically fit) and goes back to the acute
    stay; the step-down queue level, kept by the ward's pool, is 1 for exactly those 2 days."""
    j = Journey(monkeypatch, virtual_ward.VirtualWard, "virtual_ward",
                [*VW, "virtual_ward.beds=0"])
    down = Referral("acute", on_taken=lambda: j.log("acute bed freed"),
                    patience_mins=2 * DAY, on_gave_up=lambda: j.log("back to acute"))
    j.at(T0, lambda: j.svc.offers()["step_down"](down))
    t = T0 + 2 * DAY
    assert j.run(10) == [(T0, "vw.w asked"), (t, "vw.w gave up"), (t, "back to acute")]
    queue = j.monitor.level(virtual_ward.STEP_DOWN_QUEUE)
    assert queue.mean(Window(0.0, 10 * DAY)) == pytest.approx(0.2, abs=1e-12)
    assert j.tally(virtual_ward.STEP_DOWN_TAKEN) == [0.0]
    assert j.tally(virtual_ward.STEP_DOWN_WAIT) == [2.0]


def test_virtual_ward_refused_community_step_up_waits_at_home(monkeypatch) -> None:
    j = Journey(monkeypatch, virtual_ward.VirtualWard, "virtual_ward",
                [*VW, "virtual_ward.beds=0", "virtual_ward.admissions_avoided_per_step_up=1.0"])
    j.svc.needs.admission = j.port("admission", taken_after=90.0)
    j.at(T0, lambda: j.svc.try_admit(virtual_ward.STEP_UP, "community", True))
    assert j.run(1) == [(T0, "virtual_ward enter (external)"), (T0, "admission"),
                        (T0 + 90, "virtual_ward leave transferred")]


D2A = ["d2a.community_referrals_per_100k_per_year=0",
       'd2a.p2_los_days={dist="fixed", mean=10.0}',
       'd2a.home_care_days={dist="fixed", mean=28.0}',
       'd2a.alternative_arranged_days={dist="fixed", mean=3.0}']
# No arrangement time before a pathway is asked for (the baseline has some since issue 25; the
# traces below are about the queue for places: arrangements have their own trace)
NO_ARRANGEMENTS = ("p1_arrangement_days", "p2_arrangement_days", "p3_arrangement_days")


def _fit_patient(j: Journey) -> None:
    fit = Referral("acute", "other_support", on_taken=lambda: j.log("acute bed freed"))
    j.at(T0, lambda: j.svc.offers()["fit"](fit))


def test_d2a_placement(monkeypatch) -> None:
    """A fit patient: a pathway 2 bed at once (the acute bed is freed), 10 days, home."""
    j = Journey(monkeypatch, d2a.DischargeToAssess, "d2a",
                [*D2A, "d2a.p2_beds=1", "d2a.pathways={p1_home_care=0, p2_bed=1, p3_care_home=0}"],
                NO_ARRANGEMENTS)
    _fit_patient(j)
    t = T0 + 10 * DAY
    assert j.run(20) == [(T0, "d2a.p2 asked"), (T0, "d2a.p2 granted"), (T0, "acute bed freed"),
                         (T0, "d2a enter"), (t, "d2a.p2 freed"), (t, "d2a leave finished")]
    assert j.tally(d2a.wait_days(d2a.P2)) == [0.0]
    assert j.tally(d2a.ARRANGED_ELSEWHERE) == [0.0]


def test_d2a_support_arranged_elsewhere(monkeypatch) -> None:
    """No bed: after 3 days waiting in the acute bed, support is arranged outside D2A."""
    j = Journey(monkeypatch, d2a.DischargeToAssess, "d2a",
                [*D2A, "d2a.p2_beds=0", "d2a.pathways={p1_home_care=0, p2_bed=1, p3_care_home=0}"],
                NO_ARRANGEMENTS)
    _fit_patient(j)
    t = T0 + 3 * DAY
    assert j.run(20) == [(T0, "d2a.p2 asked"), (t, "d2a.p2 gave up"), (t, "acute bed freed"),
                         (t, "d2a enter"), (t, "d2a leave redirected")]
    assert j.tally(d2a.wait_days(d2a.P2)) == [3.0]
    assert j.tally(d2a.ARRANGED_ELSEWHERE) == [1.0]


def test_d2a_bridging(monkeypatch) -> None:
    """Home care full, a pathway 2 bed spare: the patient waits in it (the acute bed is freed
    at once); a package frees on day 2, the bridging bed is given back, 28 days of care."""
    j = Journey(monkeypatch, d2a.DischargeToAssess, "d2a",
                [*D2A, "d2a.home_care_packages=0", "d2a.p2_beds=1", "d2a.bridging=true",
                 'd2a.alternative_arranged_days={dist="fixed", mean=100.0}',
                 "d2a.pathways={p1_home_care=1, p2_bed=0, p3_care_home=0}"],
                NO_ARRANGEMENTS)
    _fit_patient(j)
    j.at(T0 + 2 * DAY, lambda: j.svc.pools[d2a.P1].set_capacity(1))
    t, end = T0 + 2 * DAY, T0 + 30 * DAY
    assert j.run(40) == [(T0, "d2a.p1 asked"), (T0, "d2a.p2 asked"), (T0, "d2a.p2 granted"),
                         (T0, "acute bed freed"), (T0, "d2a enter"), (t, "d2a.p1 granted"),
                         (t, "d2a.p2 freed"), (end, "d2a.p1 freed"),
                         (end, "d2a leave finished")]
    assert j.monitor.level(d2a.BRIDGED).mean(Window(0.0, 40 * DAY)) == pytest.approx(
        2 / 40, abs=1e-12)


def test_reablement_episode_held_for_home_care(monkeypatch) -> None:
    """From an acute bed: a package at once, a day's set-up (then care starts and the acute
    bed is freed), 20 days of care, then the package is held 5 days until home care starts."""
    j = Journey(monkeypatch, reablement.Reablement, "reablement",
                ["reablement.community_referrals_per_100k_per_year=0", "reablement.packages=1",
                 'reablement.setup_days={dist="fixed", mean=1.0}',
                 'reablement.duration_days={dist="fixed", mean=20.0}',
                 "reablement.to_home_care_share=1.0"])
    j.svc.needs.home_care = j.port("home care", taken_after=5 * DAY)
    acute = Referral("acute", on_taken=lambda: j.log("acute bed freed"))
    j.at(T0, lambda: j.svc.offers()["referral"](acute))
    start, end = T0 + DAY, T0 + 26 * DAY
    assert j.run(30) == [(T0, "reablement.packages asked"), (T0, "reablement.packages granted"),
                         (start, "acute bed freed"), (start, "reablement enter"),
                         (T0 + 21 * DAY, "home care"), (end, "reablement.packages freed"),
                         (end, "reablement leave transferred")]
    assert j.tally(reablement.DAYS_TO_START) == [1.0]
