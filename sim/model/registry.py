"""The service registry: the one list of the services a replication can hold.

Every other module derives its lists from here: which sections are services, which classes
build them, their capacity fields (tagged in the schema), their unit costs and the
observations they record. Adding a service means one entry here (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.core.monitor import Observations, SeriesSpec
from sim.model.pathways import LINKS, Link
from sim.model.services import (
    acute,
    d2a,
    ed,
    elective,
    primary_care,
    reablement,
    ucr,
    virtual_ward,
)
from sim.model.services.base import Service
from sim.scenario.capacity_plan import day_weighted
from sim.scenario.fields import capacity_keys
from sim.scenario.schema import Scenario, add_section, remove_section


@dataclass(frozen=True)
class ServiceEntry:
    """One service: its scenario section, the class built for a replication and what the
    rest of the tool needs to know about it."""

    section: str  # the scenario section, e.g. "ed"
    title: str  # what planners call it
    service: type[Service]
    observations: Observations
    unit_costs: tuple[str, ...] = ()  # the [costs] keys its capacity_cost uses
    schema: type[BaseModel] | None = None  # only for sections not in the static Scenario
    links: tuple[Link, ...] = ()  # connections beyond sim.model.pathways.LINKS (plugins)
    series: tuple[SeriesSpec, ...] = ()  # daily series whose queues must settle (advise)
    # fed only through ports: no demand of its own (no arrivals in its section); patients
    # reach it only through the links into it, so it must have one
    ports_only: bool = False

    def section_model(self) -> type[BaseModel]:
        if self.schema is not None:
            return self.schema
        return Scenario.model_fields[self.section].annotation  # type: ignore[return-value]

    @property
    def capacity(self) -> tuple[str, ...]:
        """Dotted keys of its capacity fields (``--scale`` and ``--capacity-factor``)."""
        return tuple(f"{self.section}.{k}" for k in capacity_keys(self.section_model()))

    @property
    def module_doc(self) -> str:
        import sys

        return (sys.modules[self.service.__module__].__doc__ or "").strip()


BUILT_IN = (
    ServiceEntry("primary_care", "Primary care", primary_care.PrimaryCare,
                 primary_care.OBSERVATIONS, ("gp_slot_gbp",)),
    ServiceEntry("ucr", "2-hour urgent community response",
                 ucr.UrgentCommunityResponse, ucr.OBSERVATIONS,
                 ("wte_per_post_24x7", "ucr_clinician_wte_per_year_gbp"),
                 series=ucr.SERIES),
    ServiceEntry("reablement", "Reablement", reablement.Reablement, reablement.OBSERVATIONS,
                 ("reablement_package_day_gbp",), series=reablement.SERIES),
    ServiceEntry("d2a", "Discharge to assess (pathways 1-3)", d2a.DischargeToAssess,
                 d2a.OBSERVATIONS, ("home_care_hour_gbp", "community_bed_day_gbp",
                                          "care_home_place_day_gbp"), series=d2a.SERIES),
    ServiceEntry("virtual_ward", "Virtual wards", virtual_ward.VirtualWard,
                 virtual_ward.OBSERVATIONS, ("vw_bed_day_gbp",), series=virtual_ward.SERIES),
    ServiceEntry("ed", "Emergency department", ed.EmergencyDepartment, ed.OBSERVATIONS,
                 ("wte_per_post_24x7", "ed_clinician_wte_per_year_gbp",
                  "ed_handover_wte_per_year_gbp", "ed_cubicle_day_gbp"), series=ed.SERIES),
    ServiceEntry("acute", "Acute (G&A) beds", acute.AcuteBeds, acute.OBSERVATIONS,
                 ("acute_bed_day_gbp",), series=acute.SERIES),
    ServiceEntry("elective", "Elective care", elective.Elective, elective.OBSERVATIONS,
                 ("theatre_session_gbp", "outpatient_slot_gbp", "diagnostic_slot_gbp"),
                 series=elective.SERIES),
)



def _check_fed(entry: ServiceEntry, known: list[Link]) -> None:
    """A service fed only through ports needs a link into it, or nobody would ever reach it."""
    if entry.ports_only and not any(link.offerer == entry.section
                                    for link in [*known, *entry.links]):
        raise ValueError(f"service {entry.section!r} is fed only through ports, but no Link "
                         "sends patients to it: give the links into it (entry.links)")


REGISTRY: dict[str, ServiceEntry] = {e.section: e for e in BUILT_IN}
for _entry in BUILT_IN:
    _check_fed(_entry, [*LINKS])


def register(entry: ServiceEntry) -> None:
    """Add a service (a plugin, or a test's toy). A section the static Scenario does not have
    needs ``entry.schema``; such a scenario runs in this process (its class is made at run
    time and cannot be sent to pool workers)."""
    if entry.section in REGISTRY:
        raise ValueError(f"service {entry.section!r} is registered already")
    _check_fed(entry, links())
    if entry.section not in Scenario.model_fields:
        if entry.schema is None:
            raise ValueError(f"{entry.section!r} is not a scenario section: give its schema")
        add_section(entry.section, entry.schema)
    REGISTRY[entry.section] = entry


def unregister(section: str) -> None:
    entry = REGISTRY.pop(section)
    if entry.schema is not None and section not in Scenario.model_fields:
        remove_section(section)


def enabled(scenario: Any) -> list[ServiceEntry]:
    """The registered services this scenario switches on, in registry order."""
    out = []
    for entry in REGISTRY.values():
        cfg = getattr(scenario, entry.section, None)
        if cfg is not None and getattr(cfg, "enabled", True):
            out.append(entry)
    return out


def all_observations() -> list[Observations]:
    return [e.observations for e in REGISTRY.values()]


def capacity_cost(scenario: Any, section: str, days: float,
                  first_day: float | None = None) -> float:
    """What ``section``'s capacity costs over ``days`` (0 when switched off or not costed).
    Given ``first_day`` (days from the run's start), the ``days`` from it are costed at the
    levels in force on each day (capacity schedules); otherwise at the first level."""
    cfg = getattr(scenario, section)
    if not getattr(cfg, "enabled", True) or not hasattr(cfg, "capacity_cost"):
        return 0.0
    if first_day is None:
        return float(cfg.capacity_cost(scenario.costs, days))
    return day_weighted(scenario, section, first_day, first_day + days,
                        lambda level: float(level.capacity_cost(scenario.costs, 1.0)))


def links() -> list[Link]:
    return [*LINKS, *(link for e in REGISTRY.values() for link in e.links)]
