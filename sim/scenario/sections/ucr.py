"""Scenario schema of the 2-hour urgent community response (UCR), units in every name."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.core.rota import mean_on_duty
from sim.scenario.base import (
    Count,
    Duration,
    HourProfile,
    NonNeg,
    Prob,
    Rota,
    Shares,
    Strict,
    capacity,
    check_shares,
    demand,
    tagged,
)
from sim.scenario.costs import CostsSection, years


class UCRSources(Shares):
    gp: Prob = Field(description="Share of UCR referrals from general practice.")
    nhs_111_999: Prob = Field(description="Share from NHS 111 and 999 (ambulance) services.")
    care_home: Prob = Field(description="Share from care homes.")


class UCROutcomes(Shares):
    home: Prob = Field(description="Treated at home: episode ends.")
    virtual_ward: Prob = Field(description="Stepped up to a virtual ward (ED if none free).")
    reablement: Prob = Field(description="Referred on to reablement after the visit.")
    ed: Prob = Field(description="Escalated to ED (by ambulance).")


class Locality(Strict):
    """One locality team: its share of referrals and of the clinicians on duty, and its travel
    times (a rural patch travels further)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_]+$", description="Short name of the locality.")
    referral_share: Prob = Field(description="Share of UCR referrals from this locality.")
    clinician_share: Prob = Field(
        description="Share of ucr.clinicians_per_shift on this team (largest remainders, at "
        "least one clinician while the service has any).")
    travel_mins: Duration = Field(description="Travel to a patient in this locality, minutes.")


class UCRSection(Strict):
    """2-hour urgent community (crisis) response."""

    enabled: bool = Field(default=True, description="Switch UCR on or off.")
    referrals_per_100k_per_month: NonNeg = demand(
        description="Referrals per 100,000 population per month (excluding GP overflow).")
    sources: UCRSources = Field(description="Where referrals come from (shares).")
    hour_profile: HourProfile
    open_hour: int = Field(ge=0, le=23, description="Service opens at this hour (08 = 08:00).")
    close_hour: int = Field(ge=1, le=24, description="Service closes at this hour (20 = 20:00).")
    out_of_hours: Literal["wait", "ed"] = Field(
        description="Referrals received while closed: wait for opening, or go to ED.")
    clinicians_per_shift: Rota = capacity(
        "Clinicians on duty while the service is open: one number (every open hour), 24 hourly "
        "values (00..23) or 7 x 24 (Mon..Sun); hours outside open_hour-close_hour count as 0.",
        lever="clinicians on duty, 08:00-20:00 (by hour)")
    travel_mins: Duration = Field(
        description="Travel to the patient, minutes (one ICS-wide team: with localities, "
        "each locality's own travel_mins).",
        json_schema_extra={"applies_when": "ucr.localities is empty"})
    visit_mins: Duration = Field(description="First visit, minutes.")
    outcomes: UCROutcomes = Field(description="What happens after the visit (shares).")
    localities: list[Locality] = Field(
        default_factory=list, max_length=20,
        description="Locality teams, each serving its own patients with its own clinicians and "
        "travel times; empty: one ICS-wide team using travel_mins.")
    conveyance_per_hour_waited: NonNeg = Field(
        default=0.0, description="Risk of conveyance to ED rising with the wait: a patient not "
        "already escalating is conveyed with probability 1 - exp(-this x hours from referral "
        "to the clinician's arrival).")

    nhs_111_999_from_ed: bool = Field(
        default=False,
        description="Take UCR's NHS 111 / 999 referrals out of ED's type 1 ambulance arrivals "
        "(call before convey): each one withholds ED's next ambulance arrival from the "
        "community, so the 999 stream's total stays ED's and UCR takes its share of it (ED's "
        "own volume then includes them: raise it by UCR's 111 / 999 referrals); off: they are "
        "demand on top of ED's.")
    decline_when_waiting_at_least: Count = tagged(
        lever="referrals waiting", default=0,
        description="A referral arriving while its locality team already has this many "
        "referrals waiting for a clinician is declined and the patient is conveyed to ED as an "
        "ambulance arrival (not counted in the 2-hour measure), also while the service is "
        "closed and referrals wait for opening; 0 = never declined (referrals wait).")

    @model_validator(mode="after")
    def _hours(self) -> UCRSection:
        if self.close_hour <= self.open_hour:
            raise ValueError("close_hour must be after open_hour")
        if self.localities:
            check_shares({x.name: x.referral_share for x in self.localities},
                         "localities' referral_share")
            check_shares({x.name: x.clinician_share for x in self.localities},
                         "localities' clinician_share")
            if len({x.name for x in self.localities}) != len(self.localities):
                raise ValueError("locality names must differ")
        return self

    def team_sizes(self, total: int) -> list[int]:
        """Clinicians on duty in each locality team when ``total`` are on duty (an hour of the
        rota): split by the clinician shares (largest remainders), each team at least one
        while there are at least as many clinicians as teams."""
        shares = [x.clinician_share for x in self.localities] or [1.0]
        exact = [total * s for s in shares]
        sizes = [int(e) for e in exact]
        by_remainder = sorted(range(len(shares)), key=lambda i: exact[i] - sizes[i], reverse=True)
        for i in by_remainder[:total - sum(sizes)]:
            sizes[i] += 1
        if total >= len(sizes):
            while 0 in sizes:  # take one from the largest team
                sizes[sizes.index(max(sizes))] -= 1
                sizes[sizes.index(0)] = 1
        return sizes

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """Clinicians on duty (mean over the week's hours, 0 while closed) x WTE per 24x7 post
        x cost per WTE: costs follow the hours staffed."""
        on_duty = mean_on_duty(self.clinicians_per_shift, self.is_open_hour)
        return (on_duty * costs.wte_per_post_24x7 * costs.ucr_clinician_wte_per_year_gbp
                * years(days))

    def is_open_hour(self, hour: int) -> bool:
        return self.open_hour <= hour < self.close_hour
