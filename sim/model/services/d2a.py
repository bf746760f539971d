"""Discharge to assess (D2A) pathways 1-3: home care packages, community rehabilitation beds
and new care-home placements, each a pool with its own capacity and length of stay.

A medically fit patient who needs support is referred here from the acute bed and waits in it
(no criteria to reside) until their pathway has room; each pathway serves in order of becoming
fit. Reablement patients (pathway 1) are passed on to the reablement service; the rest are
drawn to pathway 1 home care, 2 or 3 by the section's shares. Reablement clients who need
long-term home care at the end of their episode queue for a home care package too, holding
their reablement package meanwhile: a home care shortage blocks reablement and, through it,
acute beds. When a place is a patient's, the referrer's ``on_taken`` may return the minutes
until the patient is out of the acute bed (acute's discharge window: a float); the place is held
for them meanwhile and their stay starts when they arrive.

A patient from an acute bed may first spend ``pN_arrangement_days`` on arrangements (assessment,
the care hub, funding, choosing a home: NHS England's "awaiting ... arrangements" delay reasons)
in the bed, using no place; then they queue. With ``bridging`` a pathway 1 patient may wait in a
free pathway 2 bed nobody is queueing for, freeing the acute bed earlier. With
``alternative_arranged_days`` a patient still waiting in the acute bed after that long leaves it
for support arranged outside D2A (family care, a self-funded place, a placement the council
finds elsewhere). It bounds the waits (an Erlang-A queue): the longer the queue, the more leave
that way, so with short capacity it hides the shortage as much as it models choice. Every such
exit is counted (``ARRANGED_ELSEWHERE``; the KPI ``d2a_arranged_elsewhere_pct``) and a run where
over 5% leave that way is warned about: the delays it shows are then held down by that input,
not by pathway capacity. Days from fit to out of the bed are tallied by pathway
(``fit_to_discharge``) and for those who left for support arranged elsewhere
(``ELSEWHERE_FIT_TO_DISCHARGE``).

A placement is one SimPy process (``_placement``). Volume: about 8,700 referrals a year at
baseline (10,080 in one 424-day baseline replication; 9,825 entered). Cost: 1.6% of a baseline
replication's time under cProfile (which overstates short calls), its SimPy events included.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import simpy

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.capacity import follow
from sim.core.clock import MIN_PER_DAY
from sim.core.distributions import Sampler, uniforms
from sim.core.monitor import Observations, SeriesSpec
from sim.core.station import Claim, Pool
from sim.model.context import Context
from sim.model.ports import Port, Referral, accepting, call, sends
from sim.model.services.base import FINISHED, REDIRECTED, Record, Service
from sim.scenario.sections.d2a import D2ASection

P1, P2, P3 = "p1", "p2", "p3"
PATHWAYS = (P1, P2, P3)
REABLEMENT_KIND = "reablement"  # the acute destination passed on to reablement


def in_use(pathway: str) -> str:
    return f"d2a.{pathway}_in_use"


def queue(pathway: str) -> str:
    return f"d2a.{pathway}_queue"


def wait_days(pathway: str) -> str:
    """Days from referral (medically fit, or reablement ended) to the pathway starting."""
    return f"d2a.{pathway}_wait_days"


def fit_to_discharge(pathway: str) -> str:
    """By referral time: days from medically fit in an acute bed to out of it, to ``pathway``."""
    return f"d2a.{pathway}_fit_to_discharge_days"


def held_days(pathway: str) -> str:
    """By start time: days a place of ``pathway`` is held by the patient who got it (the wait
    for them to leave the acute bed, then the stay); its count is the pathway's throughput."""
    return f"d2a.{pathway}_held_days"


ELSEWHERE_FIT_TO_DISCHARGE = "d2a.elsewhere_fit_to_discharge_days"  # arranged elsewhere
BRIDGED = "d2a.bridged"  # pathway 1 patients waiting in a pathway 2 bed
# by referral time, patients in an acute bed whose wait ended: 1 = left for support arranged
# outside D2A (alternative_arranged_days), 0 = their pathway started
ARRANGED_ELSEWHERE = "d2a.arranged_elsewhere"
OBSERVATIONS = Observations(tallies=(*(wait_days(p) for p in PATHWAYS), ARRANGED_ELSEWHERE,
                                     *(fit_to_discharge(p) for p in PATHWAYS),
                                     ELSEWHERE_FIT_TO_DISCHARGE,
                                     *(held_days(p) for p in PATHWAYS)),
                            levels=(*(in_use(p) for p in PATHWAYS),
                                    *(queue(p) for p in PATHWAYS), BRIDGED))

SERIES = tuple(SeriesSpec(f"d2a_{p}_queue", f"pathway {p[1]} queue", "d2a", queue(p),
                          "level", queue=True) for p in PATHWAYS)


@dataclass
class DischargeNeeds:
    reablement: Port | None = sends(REABLEMENT_KIND)  # pathway 1 reablement (acute's kind)


class Placement(Record):
    __slots__ = ("on_taken", "pathway", "started")


class DischargeToAssess(Service):
    name = "d2a"

    def __init__(self, ctx: Context, cfg: D2ASection):
        super().__init__(ctx, cfg)
        streams, monitor = ctx.streams, ctx.monitor
        sizes = {P1: cfg.home_care_packages, P2: cfg.p2_beds, P3: cfg.p3_places}
        self.pools = {p: Pool(ctx.env, sizes[p], f"d2a.{p}", busy=monitor.steps(in_use(p)),
                              queue=monitor.steps(queue(p))) for p in PATHWAYS}
        follow(ctx.env, ctx.levels("d2a"), self._set_sizes)
        self.t_wait = {p: monitor.tally(wait_days(p)) for p in PATHWAYS}
        self.bridged = monitor.steps(BRIDGED)
        self.arranged_elsewhere = monitor.tally(ARRANGED_ELSEWHERE)
        self.t_fit = {p: monitor.tally(fit_to_discharge(p)) for p in PATHWAYS}
        self.t_fit_elsewhere = monitor.tally(ELSEWHERE_FIT_TO_DISCHARGE)
        self.t_held = {p: monitor.tally(held_days(p)) for p in PATHWAYS}
        self.los = {P1: Sampler(cfg.home_care_days, streams("los.d2a.home_care"), MIN_PER_DAY),
                    P2: Sampler(cfg.p2_los_days, streams("los.d2a.p2"), MIN_PER_DAY),
                    P3: Sampler(cfg.p3_assessment_days, streams("los.d2a.p3"), MIN_PER_DAY)}
        self.u_pathway = uniforms(streams("route.d2a.pathway"))
        arrangement = {P1: cfg.p1_arrangement_days, P2: cfg.p2_arrangement_days,
                       P3: cfg.p3_arrangement_days}
        self.arrangement = {p: Sampler(spec, streams(f"time.d2a.arrangement.{p}"), MIN_PER_DAY)
                            for p, spec in arrangement.items() if spec is not None}
        self.patience = (None if cfg.alternative_arranged_days is None else
                         Sampler(cfg.alternative_arranged_days, streams("time.d2a.alternative"),
                                 MIN_PER_DAY))
        self.waiting: dict[int, Placement] = {}  # held by their referrer until they start
        self.needs: DischargeNeeds = DischargeNeeds()
        per_day = cfg.community_referrals_per_100k_per_year * ctx.population / 1e5 / 365.25
        times = poisson_times(streams("arrivals.d2a.community"),
                              hourly_rates(ctx.calendar, per_day, ctx.growth_pct))
        self.arrivals(times.tolist(), self._community)

    def _set_sizes(self, cfg: D2ASection) -> None:
        """Packages, beds and places in force (a capacity schedule changes them)."""
        sizes = {P1: cfg.home_care_packages, P2: cfg.p2_beds, P3: cfg.p3_places}
        for p in PATHWAYS:
            self.pools[p].set_capacity(sizes[p])

    accepts = accepting(fit=(REABLEMENT_KIND, "other_support"), home_care=("home_care",))

    def offers(self) -> dict[str, Port]:
        return {"fit": self._take_fit, "home_care": self._take_home_care}

    def _take_fit(self, r: Referral) -> bool:
        """A medically fit patient from an acute bed; ``r.on_taken`` frees the bed."""
        if r.kind == REABLEMENT_KIND:
            return call(self.needs.reablement, r)
        self.refer(self._pathway(), r.source, r.on_taken)
        return True

    def _community(self) -> None:
        """A step-up referral from the community: waits at home, in this service's care."""
        self.refer(self._pathway(), "community", None)

    def _pathway(self) -> str:
        s = self.cfg.pathways
        u = self.u_pathway()
        return P1 if u < s.p1_home_care else P2 if u < s.p1_home_care + s.p2_bed else P3

    def _take_home_care(self, r: Referral) -> bool:
        """A reablement client who needs long-term home care: held by reablement meanwhile."""
        self.refer(P1, r.source, r.on_taken)
        return True

    def refer(self, pathway: str, source: str, on_taken: Callable[[], Any] | None) -> None:
        """Queue for ``pathway`` (FIFO: in order of referral); the referrer keeps the patient
        until it starts, unless ``on_taken`` is None (then they are here from now)."""
        p = Placement(self.new_id(), self.env.now, source)
        p.pathway, p.on_taken, p.started = pathway, on_taken, False
        if on_taken is None:
            self.enter(p, external=True)
        else:
            self.waiting[p.id] = p
        patience = self.patience.next() if self.patience is not None else None
        arranging = 0.0
        if on_taken is None or source == "reablement":  # only a patient in an acute bed
            patience = None
        elif pathway in self.arrangement:
            arranging = self.arrangement[pathway].next()
        self.env.process(self._placement(p, patience, arranging))

    def _placement(self, p: Placement, patience: float | None, arranging: float = 0.0
                   ) -> Generator[simpy.Event, Any, None]:
        """Wait for the pathway (with bridging, a pathway 1 patient from an acute bed waits in a
        spare pathway 2 bed), then the stay; or, once ``patience`` runs out, leave for support
        arranged outside D2A. The referrer's bed is freed when the wait ends either way (in
        acute's discharge window, if it says so: the place is held until they arrive)."""
        if arranging > 0.0:  # the pathway's arrangements first, in the acute bed
            yield self.env.timeout(arranging)
        bridging = p.pathway == P1 and self.cfg.bridging and p.on_taken is not None
        with self.pools[p.pathway].claim(patience=patience) as place:
            bed = self._bridge(p) if bridging and not place.granted else None
            if bed is not None:
                yield from self._take_over(p, True)
            started = yield place
            if patience is not None:
                self.arranged_elsewhere.record(p.arrived, 0.0 if started else 1.0)
            p.started = True
            self.t_wait[p.pathway].record(p.arrived, (self.env.now - p.arrived) / MIN_PER_DAY)
            if bed is not None:  # home care starts: the pathway 2 bed is given back
                self.bridged.down(self.env.now)
                bed.release()
            granted = self.env.now
            yield from self._take_over(p, started)
            if not started:
                self.leave(p, REDIRECTED)
                return
            stay = self.los[p.pathway].next()
            self.t_held[p.pathway].record(granted, (self.env.now - granted + stay) / MIN_PER_DAY)
            yield self.env.timeout(stay)
        self.leave(p, FINISHED)

    def _bridge(self, p: Placement) -> Claim | None:
        """A pathway 2 bed that is free and nobody queues for, taken now; None if there is
        none. The patient leaves their acute bed for it."""
        p2 = self.pools[P2]
        if p2.in_use >= p2.capacity or p2.queued > 0:
            return None
        bed = p2.claim()  # granted at once
        self.bridged.up(self.env.now)
        return bed

    def _take_over(self, p: Placement, started: bool) -> Generator[simpy.Event, Any, None]:
        """The patient leaves their referrer (the acute bed or reablement is freed), now or
        after the minutes the referrer's ``on_taken`` returns (acute's discharge window)."""
        if p.on_taken is None:
            return
        wait = p.on_taken()
        p.on_taken = None
        if isinstance(wait, float) and wait > 0.0:
            yield self.env.timeout(wait)
        del self.waiting[p.id]
        self.enter(p, external=False)
        if p.source == "acute":
            days = (self.env.now - p.arrived) / MIN_PER_DAY
            (self.t_fit[p.pathway] if started else self.t_fit_elsewhere).record(p.arrived, days)

    def close(self) -> None:
        """Patients still waiting at the end are counted with their wait so far (censored)."""
        now = self.env.now
        for p in [*self.present.values(), *self.waiting.values()]:
            if not p.started:
                self.t_wait[p.pathway].record(p.arrived, (now - p.arrived) / MIN_PER_DAY,
                                              censored=True)
        for p in self.waiting.values():  # still in the acute bed (or on their way out of it)
            if p.source == "acute":
                self.t_fit[p.pathway].record(p.arrived, (now - p.arrived) / MIN_PER_DAY,
                                             censored=True)
