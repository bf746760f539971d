"""Scenario schema of Elective care: parameters with their units in their names."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.base import Duration, NonNeg, Prob, Shares, Strict, capacity
from sim.scenario.costs import CostsSection


class ElectiveRouting(Shares):
    """What happens after the first outpatient appointment (and any diagnostics)."""

    non_admitted: Prob = Field(description="Clock stops without admission (treated in "
                               "outpatients, discharged).")
    day_case: Prob = Field(description="Added to the admitted list for a day case.")
    inpatient: Prob = Field(description="Added to the admitted list for an inpatient stay.")


class InitialStages(Shares):
    """Where the pathways on the starting list are (shares of the list)."""

    outpatient: Prob = Field(description="Waiting for a first outpatient appointment.")
    diagnostics: Prob = Field(description="Waiting for a diagnostic test.")
    decision: Prob = Field(description="Between appointment and decision (follow-ups, results).")
    admitted: Prob = Field(description="On the admitted list, waiting for treatment.")


class InitialList(Strict):
    """The waiting list at time zero: size, time-waited profile and stage."""

    pathways_per_100k: NonNeg = Field(description="Incomplete RTT pathways per 100k at start.")
    weeks_waited_median: NonNeg = Field(description="Median weeks waited at start.")
    weeks_waited_cv: NonNeg = Field(description="Coefficient of variation of weeks waited "
                                    "(lognormal), sets the tail beyond 52 weeks.")
    stages: InitialStages = Field(description="Where starting pathways are (shares).")


class ElectiveWeights(Strict):
    """Relative value of each activity for elective_activity_pct (value-weighted activity)."""

    outpatient_first: NonNeg = Field(description="Weight of a first outpatient attendance.")
    diagnostic: NonNeg = Field(description="Weight of a diagnostic test.")
    day_case: NonNeg = Field(description="Weight of a day case.")
    inpatient: NonNeg = Field(description="Weight of an elective inpatient admission.")


class ElectiveSection(Strict):
    enabled: bool = Field(default=True, description="Switch elective care on or off.")
    referrals_per_100k_per_month: NonNeg = Field(description="New RTT referrals (clock starts).")
    urgent_share: Prob = Field(description="Share of referrals of urgent clinical priority.")
    order: Literal["priority_then_longest_wait", "longest_wait"] = Field(
        description="Order of treatment at every stage.")
    outpatient_slots_per_week: NonNeg = capacity("First outpatient appointments a week.",
                                                 lever="first appointments a week")
    diagnostic_slots_per_week: NonNeg = capacity("Diagnostic tests a week.", lever="tests a week")
    theatre_sessions_per_week: NonNeg = capacity("4-hour theatre lists a week.",
                                                 lever="4-hour lists a week")
    inpatient_session_share: Prob = Field(description="Share of sessions that are inpatient lists.")
    day_cases_per_session: NonNeg = Field(description="Day cases per day-case list.")
    inpatients_per_session: NonNeg = Field(description="Inpatients per inpatient list.")
    admission_hour: float = Field(ge=0, lt=24, description="Hour of day elective inpatients "
                                  "arrive for a bed; no free bed then means cancellation.")
    diagnostics_share: Prob = Field(description="Share of patients needing a diagnostic test "
                                    "after the first appointment.")
    decision_days: Duration = Field(description="Follow-ups, results and MDT between first "
                                    "appointment (or test) and decision, days (no capacity).")
    routing: ElectiveRouting = Field(
        description="Outcome after the first appointment (shares sum to 1).")
    removal_pct_per_month: NonNeg = Field(description="Pathways removed without treatment "
                                          "(validation, treated elsewhere), % of list a month.")
    initial_list: InitialList = Field(description="The waiting list at the start of the run.")
    reference_activity_per_year_per_100k: NonNeg = Field(
        description="Reference-year (2019/20) elective activity, value-weighted units per 100k.")
    activity_weights: ElectiveWeights = Field(
        description="Relative values for value-weighted elective activity.")

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """Theatre sessions, outpatient and diagnostic slots a week x their unit costs."""
        return (self.theatre_sessions_per_week * costs.theatre_session_gbp
                + self.outpatient_slots_per_week * costs.outpatient_slot_gbp
                + self.diagnostic_slots_per_week * costs.diagnostic_slot_gbp) * days / 7
