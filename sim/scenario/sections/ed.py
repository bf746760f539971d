"""Scenario schema of Emergency department: parameters with their units in their names."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from sim.core.rota import mean_on_duty
from sim.scenario.base import (
    Count,
    Duration,
    HourProfile,
    MonthProfile,
    NonNeg,
    Prob,
    Rota,
    Shares,
    Strict,
    WeekdayProfile,
    capacity,
    demand,
)
from sim.scenario.costs import CostsSection, years


def _four_levels(counts: list[int]) -> list[int]:
    if len(counts) not in (0, 4):
        raise ValueError(f"four counts (pressure levels 0..3) or none, not {len(counts)}")
    return counts


ByLevel = Annotated[list[Count], AfterValidator(_four_levels)]  # one a pressure level, 0..3


class EDArrivalMix(Shares):
    """Shares of all A&E attendances."""

    type3: Prob = Field(description="Walk-ins to type 3 units (UTC, minor injury units).")
    type1_walk_in: Prob = Field(description="Walk-ins to type 1 (major) EDs.")
    type1_ambulance: Prob = Field(description="Ambulance arrivals (all to type 1 EDs).")


class DecisionBunching(Strict):
    """The documented 4-hour rule: admissions decided early are held and released in the 4th
    hour. HSCIC 2014 found 51% of admissions from A&E in the 4th hour; the model's share is
    measured (ed_admitted_4th_hour_pct), not fitted to it."""

    share: Prob = Field(description="Share of admitted patients decided before window_start_mins "
                        "who are held until the window.")
    window_start_mins: NonNeg = Field(default=180.0, description="Window opens, minutes after "
                                      "arrival.")
    window_end_mins: NonNeg = Field(default=240.0, description="Window closes, minutes after "
                                    "arrival.")

    @model_validator(mode="after")
    def _window(self) -> DecisionBunching:
        if self.window_end_mins <= self.window_start_mins:
            raise ValueError("window_end_mins must be after window_start_mins")
        return self


class EDSection(Strict):
    """Emergency department: type 1 (major) with ambulance handover, and type 3 (UTC/MIU)."""

    enabled: bool = Field(default=True, description="Switch the ED (and its arrivals) on or off.")
    attendances_per_1000_per_year: NonNeg = demand(
        description="A&E attendances of all types per 1,000 population per year, other than "
        "those the model sends from primary care and UCR.")
    arrival_mix: EDArrivalMix = Field(description="Attendances by route and type (shares).")
    hour_profile: HourProfile
    weekday_profile: WeekdayProfile
    month_profile: MonthProfile
    clinicians_follow_month_profile: bool = Field(
        default=False, description="Decision-makers' rota planned to each month's expected "
        "arrivals: clinicians_per_shift x month_profile (mean 1), rounded, so the year's "
        "clinician hours stay the same while summer's busier months get more. Off: the same "
        "rota all year (a busier month then queues on the same staff).")
    handover_staff: Rota = capacity(
        "ED staff receiving ambulance handovers at once (handover servers): one number (every "
        "hour), 24 hourly values or 7 x 24 (Mon..Sun).",
        lever="handovers at once (by hour)")
    cubicles: Count = capacity(
        "Type 1 treatment spaces (cubicles, majors, resus and minors spaces) across the type 1 "
        "units. Every type 1 patient holds one from handover (ambulance) or from being called "
        "in (walk-in) until leaving the department, boarders included; a handover completes "
        "only when a space can take the patient.", lever="treatment spaces", default=1)
    corridor_spaces: Count = capacity(
        "Corridor-care allowance: extra places used as spaces when every cubicle is full "
        "(0 = no corridor care), open at every pressure level (unless "
        "corridor_spaces_by_level is given).", lever="corridor places", default=0,
        applies_when="ed.corridor_spaces_by_level is empty")
    corridor_spaces_by_level: ByLevel = capacity(
        "Corridor care as an escalation action: the corridor places open at each system "
        "pressure level 0..3 (OPEL 1-4; sim.model.pressure), four counts. A place closed when "
        "the level falls stays in use until its patient leaves. Empty (the default): "
        "corridor_spaces at every level.", lever="corridor places by pressure level",
        default_factory=list)
    ambulance_priority: bool = Field(
        default=True, description="Ambulance patients take a free treatment space before "
        "walk-ins who are waiting (true); false: ambulance and walk-in patients compete for "
        "spaces first come, first served (acuity is not modelled, so arrival order stands for "
        "triage by clinical need rather than by mode of arrival).")
    ambulance_first_share: Prob = Field(
        default=1.0, description="With ambulance_priority: the share of ambulance patients "
        "who take a free space before waiting walk-ins (drawn per patient; the rest wait with "
        "the walk-ins, first come, first served). 1 = every one; in practice crews' patients "
        "are brought in first when sick or when the crew is needed (fit to sit, cohorting), "
        "not always.")
    handover_release_mins: NonNeg | None = Field(
        default=None, gt=0, description="Release to respond (the 45-minute rule, NHS England "
        "2023): a crew that has waited this long from arrival hands the patient over anyway, "
        "to an ambulance-cohort / corridor queue that holds no treatment space (the patient "
        "still waits for a space before assessment); the handover KPIs record the crew's "
        "time, so none is over it. None (default) = crews wait until a space takes the "
        "patient.")
    handover_mins: Duration = Field(description="Time to hand a patient over, minutes.")
    clinicians_per_shift: Rota = capacity(
        "Type 1 ED clinicians on duty (assessment servers): one number (every hour), 24 "
        "hourly values (00..23) or 7 x 24 (Mon..Sun).",
        lever="clinicians on duty (by hour)")
    assessment_mins: Duration = Field(
        description="Clinician time per type 1 patient (triage to decision), minutes.")
    investigation_mins: Duration = Field(
        description="Time after assessment for tests, results and treatment before the "
        "decision (no clinician held), minutes.")
    admission_share: Prob = Field(description="Share of type 1 attendances admitted.")
    vw_step_up_share: Prob = Field(
        description="Share of ED patients decided for admission whom ED sends to a virtual ward "
        "instead, when one takes them (else a bed). Was virtual_ward.ed_step_up_share.")
    decision_bunching: DecisionBunching = Field(
        description="The 4-hour decision-timing rule for admitted patients.")
    type3_time_in_dept_mins: Duration = Field(
        description="Time in department at a type 3 unit, minutes (no queue modelled).")

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """Clinicians and handover staff on duty (mean over the week's hours) x WTE per 24x7
        post x cost per WTE (costs follow the hours staffed), plus cubicles x days x the cost
        of a cubicle-day (corridor places are not costed)."""
        staff = (mean_on_duty(self.clinicians_per_shift) * costs.ed_clinician_wte_per_year_gbp
                 + mean_on_duty(self.handover_staff) * costs.ed_handover_wte_per_year_gbp)
        return (staff * costs.wte_per_post_24x7 * years(days)
                + self.cubicles * days * costs.ed_cubicle_day_gbp)
