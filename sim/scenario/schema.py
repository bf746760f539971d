"""The scenario schema: every parameter with its unit in its name and a description.

Pure data (no simpy). ``python run_sim.py schema`` prints the JSON Schema generated from here.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field, field_validator

from sim.scenario.base import NonNeg, Op, Prob, Strict
from sim.scenario.services import (
    AcuteSection,
    EDSection,
    ElectiveSection,
    PrimaryCareSection,
    ReablementSection,
    UCRSection,
    VirtualWardSection,
)

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class RunSection(Strict):
    """When the simulated period starts and how much of it is measured."""

    start_date: dt.date = Field(description="Calendar date at simulated time zero.")
    warmup_days: int = Field(
        ge=0, le=3660, description="Days simulated before measurement starts; results exclude them."
    )
    measurement_days: int = Field(gt=0, le=3660, description="Days measured after the warm-up.")

    @field_validator("start_date")
    @classmethod
    def _plausible(cls, v: dt.date) -> dt.date:
        if not 1900 <= v.year <= 2200:
            raise ValueError("start_date must be between 1900 and 2200")
        return v


class PopulationSection(Strict):
    size: int = Field(gt=0, le=100_000_000,
                      description="GP-registered population of the ICS (people).")
    adult_share: Prob = Field(
        default=0.8, description="Share of the registered population aged 16+ (for VW per 100k)."
    )


class DemandSection(Strict):
    growth_pct_per_year: float = Field(
        default=0.0,
        ge=-50,
        le=100,
        description="Compound growth of every demand stream, % per year from the start date.",
    )


class Target(Strict):
    """A national or local target: a KPI, a comparison, a threshold and when it is judged."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Stable target identifier.")
    kpi: str = Field(description="KPI id the target is judged on.")
    op: Op = Field(description="'>=' (at least) or '<=' (at most).")
    threshold: float = Field(description="Value the KPI must reach, in the KPI's unit.")
    deadline: str | None = Field(
        default=None,
        description="Month (YYYY-MM) at which it is judged; that month's value is used when it "
        "falls inside the measurement window, otherwise the whole window's.",
    )
    source: str = Field(default="", description="Where the target comes from.")

    @field_validator("deadline")
    @classmethod
    def _month(cls, v: str | None) -> str | None:
        if v is not None and not MONTH_RE.match(v):
            raise ValueError("deadline must be a month written YYYY-MM")
        return v


class CostsSection(Strict):
    """Unit costs of capacity: what the configuration costs to run, whatever its activity."""

    currency: str = Field(default="GBP", description="Currency of every cost.")
    price_year: str = Field(default="2024/25", description="Price base of the unit costs.")
    wte_per_post_24x7: NonNeg = Field(
        default=5.5, description="Whole-time equivalents needed to keep one post filled 24 hours "
        "a day, 7 days a week (shifts, leave, training); posts open fewer hours scale down.")
    ed_clinician_wte_per_year_gbp: NonNeg = Field(
        default=0.0, description="ED clinician cost per WTE per year, with on-costs.")
    ed_handover_wte_per_year_gbp: NonNeg = Field(
        default=0.0, description="ED handover nurse cost per WTE per year, with on-costs.")
    ucr_clinician_wte_per_year_gbp: NonNeg = Field(
        default=0.0, description="UCR clinician cost per WTE per year, with on-costs.")
    gp_slot_gbp: NonNeg = Field(default=0.0, description="Cost of one GP appointment offered.")
    acute_bed_day_gbp: NonNeg = Field(
        default=0.0, description="Cost of one G&A bed available for a day (staffed).")
    vw_bed_day_gbp: NonNeg = Field(default=0.0, description="Cost of one VW bed for a day.")
    reablement_package_day_gbp: NonNeg = Field(
        default=0.0, description="Cost of one reablement package's capacity for a day.")
    theatre_session_gbp: NonNeg = Field(default=0.0, description="Cost of one 4-hour list.")
    outpatient_slot_gbp: NonNeg = Field(
        default=0.0, description="Cost of one first outpatient appointment offered.")
    diagnostic_slot_gbp: NonNeg = Field(
        default=0.0, description="Cost of one diagnostic test slot offered.")


class Scenario(Strict):
    """One ICS configuration: what is simulated, with what capacity, against which targets."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="Short name used in file names.")
    description: str = Field(default="", description="Why this scenario exists, for planners.")
    run: RunSection
    population: PopulationSection
    demand: DemandSection = DemandSection()
    primary_care: PrimaryCareSection
    ucr: UCRSection
    reablement: ReablementSection
    virtual_ward: VirtualWardSection
    ed: EDSection
    acute: AcuteSection
    elective: ElectiveSection
    targets: list[Target] = Field(default_factory=list, description="Targets judged for this run.")
    costs: CostsSection = CostsSection()
