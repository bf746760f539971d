"""Scenario schema of Primary care: parameters with their units in their names."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.base import (
    Duration,
    NonNeg,
    Prob,
    Shares,
    Strict,
    WeekdayProfile,
    capacity,
    demand,
)
from sim.scenario.costs import CostsSection


class SameDayOverflow(Shares):
    """Where same-day need goes when no GP slot is left that day."""

    ed_type1: Prob = Field(description="Walks in to a type 1 ED the same evening.")
    ed_type3: Prob = Field(description="Goes to an urgent treatment centre (type 3) that evening.")
    ucr: Prob = Field(description="Referred to the 2-hour urgent community response.")
    next_day: Prob = Field(description="Tries the practice again the next working day.")
    self_care: Prob = Field(description="Manages without (111 advice, pharmacy): leaves the model.")


class PrimaryCareSection(Strict):
    """GP appointments, booked day by day in a ledger (no process per appointment)."""

    enabled: bool = Field(default=True, description="Switch primary care on or off.")
    appointments_per_person_per_year: NonNeg = demand(
        description="GP appointment demand per registered person per year.")
    same_day_share: Prob = Field(description="Share of demand that needs a same-day appointment.")
    gp_slots_per_weekday: list[NonNeg] = capacity(
        "GP appointment slots offered on each day Mon..Sun (whole ICS).",
        lever="appointments a day, Mon..Sun", min_length=7, max_length=7)
    weekday_demand_profile: WeekdayProfile
    same_day_slot_share: Prob = Field(
        description="Share of each day's slots held for same-day booking (unused ones are lost).")
    routine_lead_days: Duration = Field(
        description="Days from a routine request to the earliest day the patient wants "
        "(patient choice, planned reviews), before any capacity wait.")
    booking_horizon_days: int = Field(
        default=56, ge=14, le=365, description="How far ahead the ledger books, days.")
    dna_share: Prob = Field(description="Share of booked appointments not attended (DNA).")
    same_day_overflow: SameDayOverflow = Field(
        description="Where unmet same-day need goes (shares sum to 1).")
    vw_step_up_per_1000_appointments: NonNeg = Field(
        description="Direct step-ups to a virtual ward per 1,000 same-day appointments.")

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """Slots offered over ``days`` x the cost of one GP appointment."""
        return sum(self.gp_slots_per_weekday) / 7 * days * costs.gp_slot_gbp
