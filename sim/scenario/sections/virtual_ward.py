"""Scenario schema of Virtual wards: parameters with their units in their names."""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from sim.scenario.base import (
    Count,
    Duration,
    NonNeg,
    Prob,
    Strict,
    capacity,
    check_shares,
    demand,
    tagged,
)
from sim.scenario.costs import CostsSection, years


class WardShare(Strict):
    """One virtual ward (a clinical pathway: frailty, respiratory, ...): its share of the beds
    and of the patients referred."""

    bed_share: Prob = Field(description="Share of virtual_ward.beds (and of its staffing).")
    demand_share: Prob = Field(
        description="Share of the patients referred (step-up and step-down).")


class VirtualWardSection(Strict):
    enabled: bool = Field(default=True, description="Switch virtual wards on or off.")
    beds: Count = capacity("Virtual ward beds (patients who can be held at once).", lever="beds")
    accept_below_pct: float = tagged(
        lever="% of beds", default=100.0, gt=0, le=100,
        description="Optional lever: new patients are taken only while occupancy is below this % "
        "of beds (headroom kept for step-ups); 100 = off, a pure loss system.")
    clinicians: Count = capacity(
        "Virtual ward clinicians holding a caseload (used with caseload_per_clinician).",
        lever="clinicians", default=0,
        applies_when="virtual_ward.caseload_per_clinician > 0")
    caseload_per_clinician: NonNeg = Field(
        default=0.0, description="Patients one clinician can hold: the ward takes patients "
        "while fewer than clinicians x this (and a bed) are in use. 0: staffing not modelled, "
        "beds only (and clinicians not costed).")
    step_up_los_days: Duration = Field(description="Length of stay of step-up patients, days.")
    step_down_los_days: Duration = Field(description="Length of stay of step-down patients, days.")
    escalation_share: Prob = Field(
        default=0.0, description="Share of virtual ward patients who deteriorate and are "
        "admitted to an acute bed part-way through their stay (uniformly within it).")
    wards: dict[str, WardShare] = Field(
        default_factory=lambda: {"all": WardShare(bed_share=1.0, demand_share=1.0)},
        description="Virtual wards by pathway, each with its share of beds and of referrals "
        "(each set of shares sums to 1); a patient can use only their pathway's ward. Default: "
        "one pooled ward.")
    admissions_avoided_per_step_up: Prob = tagged(
        lever="share", default=1.0,
        description="Emergency admissions one step-up avoids: the chance that a step-up "
        "patient would have been admitted without a virtual ward. A step-up refused because "
        "its ward is full is admitted with this probability; the others stay at home in their "
        "GP's or community team's care (counted as taken by the virtual ward and redirected: "
        "care the model does not hold). 1 = every step-up avoids a whole admission.")
    direct_referrals_per_100k_per_year: NonNeg = demand(
        default=0.0, description="Step-ups from community teams other than UCR and GP, per 100k "
        "per year (Poisson; used alone for the Erlang B check). Refused ones are admitted.")

    @model_validator(mode="after")
    def _staffing(self) -> VirtualWardSection:
        if self.caseload_per_clinician > 0 and self.clinicians == 0:
            raise ValueError("caseload_per_clinician needs clinicians > 0")
        if not self.wards:
            raise ValueError("wards needs at least one ward")
        check_shares({k: w.bed_share for k, w in self.wards.items()}, "wards.*.bed_share")
        check_shares({k: w.demand_share for k, w in self.wards.items()},
                     "wards.*.demand_share")
        return self

    def ward_places(self) -> dict[str, int]:
        """Places per ward: ``places()`` (less the ``accept_below_pct`` headroom) split by the
        bed shares, largest remainder first, so the wards add up to the whole."""
        total = math.ceil(min(self.places(), self.beds * self.accept_below_pct / 100) - 1e-9)
        exact = {k: total * w.bed_share for k, w in self.wards.items()}
        out = {k: math.floor(v) for k, v in exact.items()}
        for k in sorted(exact, key=lambda k: out[k] - exact[k])[: total - sum(out.values())]:
            out[k] += 1
        return out

    def places(self) -> float:
        """Patients the ward can hold: beds, or fewer when staffing (caseload) is short."""
        if self.caseload_per_clinician == 0:
            return float(self.beds)
        return min(float(self.beds), self.clinicians * self.caseload_per_clinician)

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """Beds x days x the cost of a virtual ward bed-day, plus caseload clinicians x the
        cost of a WTE (7-day cover, ``wte_per_post_24x7`` / 2 for a 12-hour day)."""
        staff = 0.0
        if self.caseload_per_clinician > 0:
            staff = (self.clinicians * costs.wte_per_post_24x7 / 2
                     * costs.vw_clinician_wte_per_year_gbp * years(days))
        return self.beds * days * costs.vw_bed_day_gbp + staff
