"""Scenario schema of Reablement: parameters with their units in their names."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.base import Count, Duration, NonNeg, Prob, Strict, capacity, demand
from sim.scenario.costs import CostsSection


class ReablementSection(Strict):
    enabled: bool = Field(default=True, description="Switch reablement on or off.")
    packages: Count = capacity("Concurrent reablement packages the service can run.",
                               lever="packages at once")
    community_referrals_per_100k_per_year: NonNeg = demand(
        description="Referrals from the community (GP, social care), per 100k per year.")
    setup_days: Duration = Field(
        description="Assessment and set-up from a package being free to care starting, days.")
    duration_days: Duration = Field(description="Length of a reablement episode, days.")
    to_home_care_share: Prob = Field(
        default=0.0, description="Share of clients who need long-term home care when the "
        "episode ends; they keep the reablement package until a home care package starts "
        "(d2a.home_care_packages).")
    acute_first: bool = Field(
        default=False, description="Give patients waiting in acute beds priority over others.")

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """Packages x days x the cost of a package's capacity for a day."""
        return self.packages * days * costs.reablement_package_day_gbp
