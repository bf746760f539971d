"""The service registry is the one list of services: a new service needs no edit under sim/.

A toy service is defined entirely here (schema section, class, observations, a port to ED and
a KPI), registered, and run through the ordinary runner and file writer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import pytest
from conftest import BASELINE
from helpers import small_scenario
from pydantic import Field

from sim.core.clock import MIN_PER_DAY, Window
from sim.core.monitor import Observations, UndeclaredObservation
from sim.core.station import Station
from sim.experiment.runner import run_replications
from sim.model import registry
from sim.model.context import Context
from sim.model.pathways import Link, connect
from sim.model.ports import Port, Referral, call, kinds_sent, sends
from sim.model.replication import simulate
from sim.model.services.base import Record, Service
from sim.outputs.kpis.base import KPIS, RunData, kpi
from sim.outputs.store import write_run
from sim.scenario import load_scenario
from sim.scenario.base import Count, Strict, capacity

WAIT = "toy.wait_mins"


class ToySection(Strict):
    enabled: bool = Field(default=True, description="Switch the toy clinic on or off.")
    arrivals_per_day: float = Field(default=40.0, ge=0, description="Walk-ins a day.")
    clinicians: Count = capacity("Clinicians on duty.", default=3)
    visit_mins: float = Field(default=60.0, gt=0, description="Visit length, minutes.")
    to_ed_share: float = Field(default=0.1, ge=0, le=1, description="Sent on to ED.")


@dataclass
class ToyNeeds:
    ed: Port | None = sends("type1_walk_in")
    ward: Port | None = None  # the toy ward, when registered (test_a_service_fed_only...)


class ToyClinic(Service):
    name = "toy"

    def __init__(self, ctx: Context, cfg: ToySection):
        super().__init__(ctx, cfg)
        rng = ctx.streams("arrivals.toy")
        self.u_ed = ctx.streams("route.toy.ed")
        self.wait = ctx.monitor.tally(WAIT)
        self.clinic = Station(ctx.env, cfg.clinicians, "toy.clinicians")
        self.needs = ToyNeeds()
        n = rng.poisson(cfg.arrivals_per_day * ctx.calendar.end / MIN_PER_DAY)
        self.arrivals(sorted(rng.uniform(0, ctx.calendar.end, n).tolist()), self.arrive)

    def arrive(self) -> None:
        p = Record(self.new_id(), self.env.now, "walk_in")
        self.enter(p)
        self.clinic.join(self.cfg.visit_mins, lambda t, p=p: self._seen(p, t))

    def _seen(self, p: Record, ticket) -> None:
        self.wait.record(p.arrived, ticket.wait)
        to_ed = self.u_ed.random() < self.cfg.to_ed_share and call(
            self.needs.ed, Referral(self.name, "type1_walk_in"))
        if to_ed or call(self.needs.ward, Referral(self.name)):
            self.leave(p, "transferred")
        else:
            self.leave(p, "finished")


class ToyWardSection(Strict):
    enabled: bool = Field(default=True, description="Switch the toy ward on or off.")


class ToyWard(Service):
    """Fed only through its port: every toy clinic patient not sent to ED, for a moment."""

    name = "toy_ward"

    def offers(self) -> dict[str, Port]:
        return {"referral": self._take}

    def _take(self, r: Referral) -> bool:
        p = Record(self.new_id(), self.env.now, r.source)
        self.enter(p, external=False)
        self.leave(p, "finished")
        return True


@pytest.fixture
def toy():
    entry = registry.ServiceEntry(
        "toy", "Toy clinic", ToyClinic, Observations(tallies=(WAIT,)), schema=ToySection,
        links=(Link("toy", "ed", "ed", "attendance"),))
    registry.register(entry)

    @kpi("toy_wait_mins", "minutes", "lower", "toy")
    def toy_wait(data: RunData, window: Window) -> float:
        """Mean wait for a toy clinician, walk-ins arriving in the window."""
        values, _ = data.monitor.tally(WAIT).select(window)
        return float(values.mean()) if values.size else float("nan")

    yield entry
    registry.unregister("toy")
    KPIS.pop("toy_wait_mins")


def test_a_service_defined_outside_sim_runs_and_reports(toy, tmp_path) -> None:
    small = ("run.warmup_days=5", "toy.clinicians=4")
    scenario = small_scenario(0.05, 20, *small)
    assert scenario.toy.clinicians == 4
    assert "toy.clinicians" in toy.capacity
    results = run_replications(scenario, 7, 2, workers=1)
    flows = results[0].flows
    assert flows["toy"]["entered"] > 500 and flows["toy"]["transferred"] > 0  # to ED
    write_run(tmp_path, scenario, results)
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("kpi")
    assert summary.loc["toy_wait_mins", "mean"] >= 0
    assert summary.loc["cost_total_gbp", "mean"] > 0
    # with the toy switched off its KPI is NaN and nothing of it is built
    off = run_replications(small_scenario(0.05, 20, *small, "toy.enabled=false"), 7, 1)
    assert "toy" not in off[0].flows


def test_a_service_fed_only_through_ports_needs_a_link_in_and_gets_patients(toy) -> None:
    ward = registry.ServiceEntry("toy_ward", "Toy ward", ToyWard, Observations(),
                                 schema=ToyWardSection, ports_only=True)
    with pytest.raises(ValueError, match="fed only through ports, but no Link"):
        registry.register(ward)
    assert "toy_ward" not in registry.REGISTRY
    registry.register(replace(ward, links=(Link("toy", "ward", "toy_ward", "referral"),)))
    try:
        small = small_scenario(0.02, 5, "run.warmup_days=1")
        flows = run_replications(small, 7, 1, workers=1)[0].flows
        assert flows["toy_ward"]["external"] == 0  # no demand of its own
        assert flows["toy_ward"]["entered"] == flows["toy_ward"]["finished"] > 0
    finally:
        registry.unregister("toy_ward")


def test_scenarios_without_the_new_section_still_load(toy) -> None:
    assert load_scenario(BASELINE).toy.clinicians == 3  # the section's defaults


def test_undeclared_observations_are_errors_not_empty_tallies() -> None:
    from sim.core.monitor import Monitor

    monitor = Monitor(*registry.all_observations())
    monitor.tally("ed.time_in_dept")
    with pytest.raises(UndeclaredObservation, match=r"ed\.time_in_dpt"):
        monitor.tally("ed.time_in_dpt")


def test_with_every_service_on_every_need_is_connected() -> None:
    tiny = small_scenario(0.02, 2, "run.warmup_days=1")
    rep = simulate(tiny, 1, 0)
    assert set(rep.services) == set(registry.REGISTRY)
    for name, svc in rep.services.items():
        for need, port in vars(svc.needs).items():
            assert port is not None, f"{name} needs {need} and nothing offers it"
    with pytest.raises(ValueError, match="no port"):
        connect(rep.services, [Link("ed", "bed", "acute", "no_such_port")])
    with pytest.raises(ValueError, match="no port"):
        connect(rep.services, [Link("ed", "no_such_need", "acute", "emergency_bed")])


def test_a_referral_kind_the_port_does_not_take_fails_when_ports_are_joined() -> None:
    """Declared on both sides, checked by pathways.connect before the run."""
    tiny = small_scenario(0.02, 1, "run.warmup_days=1")
    services = simulate(tiny, 1, 0).services

    @dataclass
    class Typo:
        ed: Port | None = sends("walk_in")

    services["reablement"].needs = Typo()
    with pytest.raises(ValueError, match=r"reablement\.ed sends Referral kind 'walk_in', which "
                       r"ed's port 'attendance' does not accept \(it accepts 'type1_walk_in'"):
        connect(services, [Link("reablement", "ed", "ed", "attendance")])
    # a plain need (no kinds declared) cannot reach ED, which takes only arrival types
    with pytest.raises(ValueError, match="sends Referral kind ''"):
        connect(services, [Link("acute", "step_down", "ed", "attendance")])
    ed = services["ed"]
    ed.accepts = {**ed.accepts, "atendance": ("type3",)}  # a typo in the declaration
    with pytest.raises(ValueError, match="'atendance', a port it does not offer"):
        connect(services, [Link("acute", "step_down", "ed", "attendance")])


def test_every_need_sends_only_the_kinds_it_declares(monkeypatch) -> None:
    """The declarations are what the services do: every referral of a run, by need, is of a
    kind its need declares (so the check at connect time can be trusted)."""
    import sim.model.replication as replication

    seen: dict[tuple[str, str], set[str]] = {}
    real = replication.connect

    def watching(services, links):
        real(services, links)
        for name, svc in services.items():
            for need, port in vars(svc.needs).items():
                if port is not None:
                    def spy(r: Referral, port=port, at=(name, need)) -> bool:
                        seen.setdefault(at, set()).add(r.kind)
                        return port(r)
                    setattr(svc.needs, need, spy)

    monkeypatch.setattr(replication, "connect", watching)
    small = small_scenario(0.05, 25, "run.warmup_days=5")
    rep = simulate(small, 3, 0)
    for (name, need), kinds in seen.items():
        assert kinds <= set(kinds_sent(rep.services[name].needs, need)), (name, need, kinds)
    assert seen[("acute", "discharge")] == {"reablement", "other_support"}
    assert {"type1_walk_in", "type3"} <= seen[("primary_care", "ed")]
