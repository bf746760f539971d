"""Scenario schema of Acute (G&A) beds: parameters with their units in their names."""

from __future__ import annotations

from itertools import pairwise

from pydantic import Field, model_validator

from sim.scenario.base import (
    Count,
    Duration,
    HourProfile,
    NonNeg,
    Prob,
    Shares,
    Strict,
    capacity,
    demand,
    tagged,
)
from sim.scenario.costs import CostsSection


class DischargeDestinations(Shares):
    """Where emergency inpatients (stays over a day) go when medically fit."""

    home: Prob = Field(description="Home without support.")
    reablement: Prob = Field(description="Home with reablement (waits in bed for a package).")
    other_support: Prob = Field(description="Care home or long-term home care: waits in bed for "
                                "other_support_wait_days.")


class AcuteSection(Strict):
    enabled: bool = Field(default=True, description="Switch the acute bed pool on or off.")
    beds: Count = capacity("General and acute (G&A) beds shared by emergency and elective "
                           "inpatients.", lever="G&A beds")
    elective_ring_fenced_beds: Count = capacity(
        "Of those beds, how many only elective inpatients may use (an elective ward or hub); "
        "electives overflow into the rest when these are full.",
        lever="beds (within acute.beds)", default=0)
    wards: int = Field(
        default=1, ge=1, le=1000, description="The general beds (acute.beds less the ring-fenced "
        "elective beds) as this many equal wards (specialty groups): an emergency patient needs "
        "a bed in their own ward (each equally likely), so a free bed elsewhere does not help "
        "them and beds fill unevenly; escalation beds are shared out among the wards the same "
        "way. 1 = one pooled bed base.")
    ward_outlying_after_hours: NonNeg | None = Field(
        default=None, description="A patient who has waited this many hours for a bed in their "
        "own ward takes the first bed free in any ward (an outlier on another specialty's "
        "ward), ahead of that ward's own queue; none = never.")
    escalation_beds: Count = capacity(
        "Escalation beds (extra G&A beds opened under pressure, on top of acute.beds): each "
        "ward's share open while its occupancy is at or above escalation_trigger_pct at an "
        "hourly review, closed (as patients leave) below it; with opel_review, the share "
        "escalation_open_pct_by_level gives at the level declared. Costed by the bed-days "
        "they are open (escalation_bed_days).", lever="escalation beds", default=0)
    escalation_trigger_pct: NonNeg = Field(
        default=95.0, le=100.0, description="Occupancy of a ward's general (not ring-fenced) "
        "G&A beds, %, at or above which its share of the escalation beds is opened at the "
        "hourly review (with opel_review off).",
        json_schema_extra={"applies_when": "acute.escalation_beds > 0 and acute.opel_review "
                           "is false"})
    opel_review: bool = Field(
        default=False, description="Declare a pressure level (OPEL-like: 0 = OPEL 1 normal, "
        "1-3 = OPEL 2-4) at opel_review_hours from G&A occupancy (occupied general beds / the "
        "base general beds, escalation beds not in the denominator) and ED crowding (patients "
        "boarding in ED per 100 base general beds; none when ED is off): the highest level "
        "either reaches. Acute then opens escalation beds by level "
        "(escalation_open_pct_by_level, instead of the ward-by-ward hourly trigger) and defers "
        "elective inpatients at elective_deferral_level; other services act on the level too. "
        "Off: the level stays 0 and escalation beds follow escalation_trigger_pct.")
    opel_review_hours: list[int] = Field(
        default=[8, 14, 20], min_length=1, max_length=24, description="Hours of the day (0-23) "
        "at which the level is reviewed and declared; it holds until the next review.",
        json_schema_extra={"applies_when": "acute.opel_review is true"})
    opel_occupancy_pct_by_level: list[NonNeg] = Field(
        default=[92.0, 96.0, 100.0], min_length=3, max_length=3, description="G&A occupancy of "
        "the base general beds, %, at or above which the review declares levels 1, 2 and 3 "
        "(OPEL 2, 3, 4); may exceed 100 (escalation beds in use).",
        json_schema_extra={"applies_when": "acute.opel_review is true"})
    opel_ed_boarders_per_100_beds_by_level: list[NonNeg] = Field(
        default=[1.0, 2.0, 3.0], min_length=3, max_length=3, description="Patients boarding in "
        "ED (decided to admit, waiting for a bed) per 100 base general beds at or above which "
        "the review declares levels 1, 2 and 3 (per 100 beds so that it scales with the bed "
        "base).", json_schema_extra={"applies_when": "acute.opel_review is true"})
    escalation_open_pct_by_level: list[NonNeg] = Field(
        default=[0.0, 30.0, 70.0, 100.0], min_length=4, max_length=4, description="Share of "
        "escalation_beds open, %, at each level 0-3 (OPEL 1-4), shared out among the wards; "
        "when the level falls the beds above the new count close as their patients leave.",
        json_schema_extra={"applies_when": "acute.opel_review is true"})
    elective_deferral_level: int = Field(
        default=0, ge=0, le=3, description="At a review declaring this level or higher "
        "(1-3 = OPEL 2-4), elective inpatients due in the next 24 hours are deferred: not "
        "admitted, back on the admitted list (counted as elective_deferred, apart from "
        "cancellations on the day for want of a bed); 0 = never (level 0 is normal).",
        json_schema_extra={"applies_when": "acute.opel_review is true"})
    outlying: bool = Field(
        default=True, description="Emergency patients outlie into free ring-fenced elective "
        "beds when every general bed is taken; elective inpatients then find fewer beds and "
        "are cancelled on the day.")
    outlying_max_patients: Count | None = tagged(
        "At most this many emergency patients outlie in ring-fenced elective beds at once "
        "(elective wards protect their beds; nurses and specialty teams limit how many outliers "
        "they take); none = any free elective bed. The rest board in ED.",
        lever="outliers at once", default=None, applies_when="acute.outlying is true")
    elective_general_bed_below_pct: float = Field(
        ge=0.0, le=100.0,
        default=100.0, description="An elective inpatient whose ring-fenced beds are full takes "
        "a free general bed only while the general beds (escalation beds open included) are "
        "less than this full: bed managers keep the last beds for emergencies, so on the "
        "busiest days the operation is cancelled for want of a bed. 100 = any free general bed.")
    sdec_spaces: Count = capacity(
        "Same-day emergency care (SDEC) / assessment-area spaces for zero-day emergency "
        "patients, outside the G&A beds; a zero-day patient takes a G&A bed when none is free.",
        lever="SDEC spaces", default=0)
    direct_admissions_per_100k_per_year: NonNeg = demand(
        description="Emergency admissions not through ED (GP, SDEC, other), per 100k per year.")
    direct_admission_hour_profile: HourProfile
    zero_day_share: Prob = Field(
        description="Share of emergency admissions with a clinically short (zero-day, SDEC) "
        "stay: they use an SDEC space when one is free (else a G&A bed) and leave at any hour "
        "when the stay is over (no discharge window).")
    zero_day_los_hours: Duration = Field(
        description="Length of stay of zero-day admissions, hours.")
    emergency_los_days: Duration = Field(
        description="Length of stay until medically fit, other emergency stays, days (at least "
        "1.01: shorter draws are raised to it).")
    elective_los_days: Duration = Field(description="Length of stay, elective inpatients, days.")
    discharge_open_hour: int = Field(ge=0, le=23, description="Discharges start at this hour.")
    discharge_close_hour: int = Field(ge=1, le=24, description="No discharges after this hour; "
                                      "patients fit later leave the next day.")
    weekend_discharge_share: Prob = Field(
        description="Share of patients fit to leave at a weekend who are discharged then; the "
        "rest wait for Monday (fewer senior reviews and services at weekends).")
    discharge_window_all_routes: bool = Field(
        default=False, description="The discharge window (discharge_open_hour to "
        "discharge_close_hour, weekend_discharge_share at weekends and bank holidays) applies to "
        "every route out of a bed: a fit patient whose reablement package, discharge to assess "
        "place or other support becomes available leaves at the next window, the package or "
        "place held for them meanwhile. False: they leave the moment it is available (only home "
        "discharges and other support without discharge to assess follow the window).")
    discharge_push_level: int | None = tagged(
        "A discharge push at pressure: while the system's pressure level (0-3, OPEL 1-4, set by "
        "the escalation review) is at or above this, the discharge window closes "
        "discharge_push_hours later and weekends and bank holidays discharge at the weekday "
        "rate, decided when each patient is ready to leave. It only shortens the wait from "
        "ready to out of the bed: it never creates a package, place or other support. None: "
        "no push.", default=None, ge=1, le=3)
    discharge_push_hours: NonNeg = tagged(
        "Hours the discharge window stays open later during a discharge push (capped at "
        "midnight).", default=3.0, le=24.0, applies_when="acute.discharge_push_level is not none")
    discharge_spread_hours: NonNeg = Field(description="Patients held overnight leave spread "
                                           "uniformly over this many hours after opening.")
    turnaround_hours: NonNeg = Field(description="Bed cleaning and preparation between patients, "
                                     "h (bed neither occupied nor available).")
    destinations: DischargeDestinations = Field(
        description="Where emergency inpatients go when medically fit (shares sum to 1).")
    other_support_wait_days: Duration = Field(
        description="Wait in bed for a care home place or home care (medically fit), days. "
        "Read only with discharge to assess off: with it on, the wait is the queue for its "
        "packages, beds and places (the discharge section's enabled says so: makes_inert).")
    vw_step_down_share: Prob = Field(
        description="Share of emergency inpatients (stays over a day) clinically eligible to "
        "finish their stay on a virtual ward: from the ward round after becoming eligible they "
        "queue for a bed on their virtual ward until medically fit. Was "
        "virtual_ward.step_down_share.")
    vw_step_down_saving_days: Duration = Field(
        description="Acute days saved by a step-down (cut from the remaining stay). Was "
        "virtual_ward.step_down_saving_days.")

    @model_validator(mode="after")
    def _hours(self) -> AcuteSection:
        if self.discharge_close_hour <= self.discharge_open_hour:
            raise ValueError("discharge_close_hour must be after discharge_open_hour")
        if self.elective_ring_fenced_beds > self.beds:
            raise ValueError("elective_ring_fenced_beds cannot exceed beds")
        if any(not 0 <= h <= 23 for h in self.opel_review_hours) \
                or len(set(self.opel_review_hours)) != len(self.opel_review_hours):
            raise ValueError("opel_review_hours must be distinct hours 0-23")
        for key in ("opel_occupancy_pct_by_level", "opel_ed_boarders_per_100_beds_by_level",
                    "escalation_open_pct_by_level"):
            values = getattr(self, key)
            if any(b < a for a, b in pairwise(values)):
                raise ValueError(f"{key} must not fall from one level to the next")
        if self.escalation_open_pct_by_level[-1] > 100:
            raise ValueError("escalation_open_pct_by_level is a share of escalation_beds: at "
                             "most 100")
        return self

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """(G&A beds + SDEC spaces) x days x the cost of a staffed G&A bed-day (an SDEC space
        costed as a bed). Escalation beds are not here: they open only under pressure, so the
        cost KPIs charge them by the bed-days they were open (``escalation_bed_days``)."""
        return (self.beds + self.sdec_spaces) * days * costs.acute_bed_day_gbp
