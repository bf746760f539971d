"""Every patient who arrives is accounted for: finished, still in a service, or redirected.

``run_replication`` checks the balance itself (sim/model/conservation.py) and raises on a lost
patient, so restating it here would prove nothing. These tests check what the run cannot:
every registered service is in the ledger the check reads (a miscount in any one of them stops
the run, naming it); each service alone gets its own demand (none if it is fed only through
ports) and sends nobody to services that are off; every service with demand of its own tags it
in the schema, and with every tagged demand field at 0 nobody arrives. Services and demand keys
come from the registry and the schema, so a new service needs no edit here.
"""

from __future__ import annotations

import math

import pytest
from helpers import small_run

from sim.model.conservation import ConservationError
from sim.model.registry import REGISTRY
from sim.scenario import Scenario
from sim.scenario.fields import demand_keys

SMALL = (0.1, 20, "run.warmup_days=5")  # a tenth of the size, 5 + 20 days
TINY = (0.02, 2, "run.warmup_days=1")


@pytest.mark.parametrize("alone", list(REGISTRY))
def test_each_service_alone_gets_its_demand_and_transfers_nobody(alone) -> None:
    """Alone, a service with demand of its own has patients; one fed only through ports
    (``ports_only`` in the registry) has none."""
    off = [f"{s}.enabled=false" for s in REGISTRY if s != alone]
    flows = small_run(*SMALL, *off).flows
    assert set(flows) == {alone, "all"}
    assert (flows[alone]["entered"] > 0) != REGISTRY[alone].ports_only, flows[alone]
    assert flows[alone]["transferred"] == 0  # nobody to transfer to: redirected instead


@pytest.mark.parametrize("section", list(REGISTRY))
def test_demand_of_its_own_is_tagged(section) -> None:
    """A service with demand of its own tags its demand fields (so the zero-demand run below
    reaches it), and one fed only through ports has none."""
    entry = REGISTRY[section]
    assert bool(demand_keys(entry.section_model())) != entry.ports_only


@pytest.mark.parametrize("section", list(REGISTRY))
def test_a_lost_patient_in_any_service_stops_the_run(section, monkeypatch) -> None:
    """One patient fewer in the service's own count than its flows say: the run raises,
    naming the service (so no registered service is left out of the check)."""
    service = REGISTRY[section].service
    real = service.in_system
    monkeypatch.setattr(service, "in_system", lambda self: real(self) - 1)
    with pytest.raises(ConservationError, match=rf"^{section}: "):
        small_run(*TINY)


def test_zero_demand_runs_and_reports_no_data() -> None:
    zero = [f"{key}=0" for key in demand_keys(Scenario)]
    assert zero, "no field is tagged demand in the schema"
    result = small_run(*SMALL, *zero)
    assert result.flows["all"]["external"] == 0 and result.flows["all"]["entered"] == 0
    assert math.isnan(result.kpis["ed_4h_pct"]) and result.kpis["acute_occupancy_pct"] == 0
