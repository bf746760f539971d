"""Scenario schema of Virtual wards: parameters with their units in their names."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.base import Count, Duration, NonNeg, Prob, Strict, capacity, tagged
from sim.scenario.costs import CostsSection


class VirtualWardSection(Strict):
    enabled: bool = Field(default=True, description="Switch virtual wards on or off.")
    beds: Count = capacity("Virtual ward beds (patients who can be held at once).", lever="beds")
    accept_below_pct: float = tagged(
        lever="% of beds", default=100.0, gt=0, le=100,
        description="Optional lever: new patients are taken only while occupancy is below this % "
        "of beds (headroom kept for step-ups); 100 = off, a pure loss system.")
    step_up_los_days: Duration = Field(description="Length of stay of step-up patients, days.")
    step_down_los_days: Duration = Field(description="Length of stay of step-down patients, days.")
    escalation_share: Prob = Field(
        default=0.0, description="Share of virtual ward patients who deteriorate and are "
        "admitted to an acute bed part-way through their stay (uniformly within it).")
    direct_referrals_per_100k_per_year: NonNeg = Field(
        default=0.0, description="Step-ups from community teams other than UCR and GP, per 100k "
        "per year (Poisson; used alone for the Erlang B check). Refused ones are admitted.")

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """Beds x days x the cost of a virtual ward bed-day."""
        return self.beds * days * costs.vw_bed_day_gbp
