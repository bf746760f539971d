"""Scenario schema of Discharge to assess (D2A) pathways 1-3: parameters with their units in
their names."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.base import Count, Duration, NonNeg, Prob, Shares, Strict, capacity, demand
from sim.scenario.costs import CostsSection


class SupportPathways(Shares):
    """Which pathway a medically fit patient needing more than reablement goes to (acute's
    ``destinations.other_support`` share; reablement patients are pathway 1 already)."""

    p1_home_care: Prob = Field(description="Pathway 1: home with a home care package.")
    p2_bed: Prob = Field(description="Pathway 2: a community rehabilitation bed.")
    p3_care_home: Prob = Field(description="Pathway 3: a new care-home placement.")


class D2ASection(Strict):
    enabled: bool = Field(default=True, description="Switch discharge to assess on or off (off: "
                          "fit patients wait a fixed acute.other_support_wait_days).",
                          json_schema_extra={"makes_inert": ["acute.other_support_wait_days"]})
    home_care_packages: Count = capacity(
        "Pathway 1 home care packages the providers can run at once (D2A-funded home care and "
        "long-term care starting after reablement).", lever="packages at once")
    p2_beds: Count = capacity("Pathway 2 community rehabilitation (intermediate care) beds.",
                              lever="beds")
    p3_places: Count = capacity(
        "Pathway 3 care-home places for new placements (assessment period funded by D2A).",
        lever="places")
    pathways: SupportPathways = Field(
        description="Pathway of fit patients needing more than reablement (shares sum to 1).")
    community_referrals_per_100k_per_year: NonNeg = demand(
        default=0.0, description="Step-up referrals from the community to pathways 1-3 (same "
        "shares), per 100k per year; they wait at home (Poisson; used alone for the checks).")
    home_care_days: Duration = Field(
        description="Length of a home care package until it leaves D2A funding, days.")
    p2_los_days: Duration = Field(description="Stay in a community rehabilitation bed, days.")
    p3_assessment_days: Duration = Field(
        description="D2A-funded care-home stay before the placement becomes long-term (then it "
        "leaves the model), days.")
    p1_arrangement_days: Duration | None = Field(
        default=None, description="Pathway 1: days a fit patient in an acute bed spends on "
        "arrangements (assessment, the care hub, funding, family) before they can take a "
        "package; in the bed meanwhile, no package used. None: none.")
    p2_arrangement_days: Duration | None = Field(
        default=None, description="Pathway 2: as p1_arrangement_days, before a bed can be "
        "taken. None: none.")
    p3_arrangement_days: Duration | None = Field(
        default=None, description="Pathway 3: as p1_arrangement_days, before a care-home place "
        "can be taken (choosing a home, funding). None: none.")
    alternative_arranged_days: Duration | None = Field(
        default=None, description="While a fit patient waits in the acute bed, family care, a "
        "self-funded place or other support outside D2A may be arranged: after this long (if "
        "still waiting) they leave the bed to it (counted from the end of the pathway's "
        "arrangements). The longer the queue, the more leave this way, so with too few places "
        "it hides the shortage (the KPI d2a_arranged_elsewhere_pct; a run warns above 5%: "
        "compare d2a_pN_places_needed with the places). None: everyone waits for their pathway.")
    home_care_hours_per_week: NonNeg = Field(
        description="Care hours a week in one home care package (for costs).")
    bridging: bool = Field(
        default=False, description="A pathway 1 patient with no home care package may wait in a "
        "free pathway 2 bed no one is queueing for (the acute bed is freed), until a package "
        "starts.")

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """Home care packages x hours a week x hourly rate, plus P2 beds and P3 places x their
        daily cost, over ``days``."""
        weeks = days / 7.0
        return (self.home_care_packages * self.home_care_hours_per_week * weeks
                * costs.home_care_hour_gbp
                + self.p2_beds * days * costs.community_bed_day_gbp
                + self.p3_places * days * costs.care_home_place_day_gbp)
