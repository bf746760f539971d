"""Schema of each service's parameters (one model per service, units in every name)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.base import (
    Count,
    Duration,
    HourProfile,
    MonthProfile,
    NonNeg,
    Prob,
    Strict,
    WeekdayProfile,
    check_shares,
)


class Shares(Strict):
    """A set of routing shares that must sum to 1 so that every patient goes somewhere."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> Shares:
        check_shares(self.model_dump(), "shares")
        return self


# -- Primary care -------------------------------------------------------------------------------
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
    appointments_per_person_per_year: NonNeg = Field(
        description="GP appointment demand per registered person per year.")
    same_day_share: Prob = Field(description="Share of demand that needs a same-day appointment.")
    gp_slots_per_weekday: list[NonNeg] = Field(
        min_length=7, max_length=7,
        description="GP appointment slots offered on each day Mon..Sun (whole ICS).")
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


# -- Urgent community response ---------------------------------------------------------------
class UCRSources(Shares):
    gp: Prob = Field(description="Share of UCR referrals from general practice.")
    nhs_111_999: Prob = Field(description="Share from NHS 111 and 999 (ambulance) services.")
    care_home: Prob = Field(description="Share from care homes.")


class UCROutcomes(Shares):
    home: Prob = Field(description="Treated at home: episode ends.")
    virtual_ward: Prob = Field(description="Stepped up to a virtual ward (ED if none free).")
    reablement: Prob = Field(description="Referred on to reablement after the visit.")
    ed: Prob = Field(description="Escalated to ED (by ambulance).")


class UCRSection(Strict):
    """2-hour urgent community (crisis) response."""

    enabled: bool = Field(default=True, description="Switch UCR on or off.")
    referrals_per_100k_per_month: NonNeg = Field(
        description="Referrals per 100,000 population per month (excluding GP overflow).")
    sources: UCRSources = Field(description="Where referrals come from (shares).")
    hour_profile: HourProfile
    open_hour: int = Field(ge=0, le=23, description="Service opens at this hour (08 = 08:00).")
    close_hour: int = Field(ge=1, le=24, description="Service closes at this hour (20 = 20:00).")
    out_of_hours: Literal["wait", "ed"] = Field(
        description="Referrals received while closed: wait for opening, or go to ED.")
    clinicians_per_shift: Count = Field(description="Clinicians on duty while the service is open.")
    travel_mins: Duration = Field(description="Travel to the patient, minutes.")
    visit_mins: Duration = Field(description="First visit, minutes.")
    outcomes: UCROutcomes = Field(description="What happens after the visit (shares).")

    @model_validator(mode="after")
    def _hours(self) -> UCRSection:
        if self.close_hour <= self.open_hour:
            raise ValueError("close_hour must be after open_hour")
        return self


# -- Reablement -------------------------------------------------------------------------------
class ReablementSection(Strict):
    enabled: bool = Field(default=True, description="Switch reablement on or off.")
    packages: Count = Field(description="Concurrent reablement packages the service can run.")
    community_referrals_per_100k_per_year: NonNeg = Field(
        description="Referrals from the community (GP, social care), per 100k per year.")
    setup_days: Duration = Field(
        description="Assessment and set-up from a package being free to care starting, days.")
    duration_days: Duration = Field(description="Length of a reablement episode, days.")
    acute_first: bool = Field(
        default=False, description="Give patients waiting in acute beds priority over others.")


# -- Virtual wards ----------------------------------------------------------------------------
class VirtualWardSection(Strict):
    enabled: bool = Field(default=True, description="Switch virtual wards on or off.")
    beds: Count = Field(description="Virtual ward beds (patients who can be held at once).")
    accept_below_pct: float = Field(
        default=100.0, gt=0, le=100,
        description="New patients are taken only while occupancy is below this % of beds "
        "(teams keep headroom for step-ups and staffing); 100 = a pure loss system.")
    step_up_los_days: Duration = Field(description="Length of stay of step-up patients, days.")
    step_down_los_days: Duration = Field(description="Length of stay of step-down patients, days.")
    ed_step_up_share: Prob = Field(
        description="Share of ED patients decided for admission who go to a VW instead, "
        "when a bed is free.")
    step_down_share: Prob = Field(
        description="Share of emergency inpatients (stays over a day) eligible for early "
        "step-down to a VW.")
    step_down_saving_days: Duration = Field(
        description="Acute days saved by a step-down (cut from the remaining stay).")
    direct_referrals_per_100k_per_year: NonNeg = Field(
        default=0.0, description="Step-ups from community teams other than UCR and GP, per 100k "
        "per year (Poisson; used alone for the Erlang B check).")


# -- ED -------------------------------------------------------------------------------------
class EDArrivalMix(Shares):
    """Shares of all A&E attendances."""

    type3: Prob = Field(description="Walk-ins to type 3 units (UTC, minor injury units).")
    type1_walk_in: Prob = Field(description="Walk-ins to type 1 (major) EDs.")
    type1_ambulance: Prob = Field(description="Ambulance arrivals (all to type 1 EDs).")


class DecisionBunching(Strict):
    """The documented 4-hour rule: admissions decided early are held and released in the 4th
    hour (HSCIC 2014: 51% of admissions from A&E happen in the 4th hour)."""

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
    attendances_per_1000_per_year: NonNeg = Field(
        description="A&E attendances of all types per 1,000 population per year, other than "
        "those the model sends from primary care and UCR.")
    arrival_mix: EDArrivalMix = Field(description="Attendances by route and type (shares).")
    hour_profile: HourProfile
    weekday_profile: WeekdayProfile
    month_profile: MonthProfile
    handover_staff: Count = Field(
        description="ED staff receiving ambulance handovers at once (handover servers).")
    handover_mins: Duration = Field(description="Time to hand a patient over, minutes.")
    clinicians_per_shift: Count = Field(
        description="Type 1 ED clinicians on duty at any time (assessment servers).")
    assessment_mins: Duration = Field(
        description="Clinician time per type 1 patient (triage to decision), minutes.")
    investigation_mins: Duration = Field(
        description="Time after assessment for tests, results and treatment before the "
        "decision (no clinician held), minutes.")
    admission_share: Prob = Field(description="Share of type 1 attendances admitted.")
    decision_bunching: DecisionBunching = Field(
        description="The 4-hour decision-timing rule for admitted patients.")
    type3_time_in_dept_mins: Duration = Field(
        description="Time in department at a type 3 unit, minutes (no queue modelled).")


# -- Acute beds --------------------------------------------------------------------------------
class DischargeDestinations(Shares):
    """Where emergency inpatients (stays over a day) go when medically fit."""

    home: Prob = Field(description="Home without support.")
    reablement: Prob = Field(description="Home with reablement (waits in bed for a package).")
    other_support: Prob = Field(description="Care home or long-term home care: waits in bed for "
                                "other_support_wait_days.")


class AcuteSection(Strict):
    enabled: bool = Field(default=True, description="Switch the acute bed pool on or off.")
    beds: Count = Field(description="General and acute (G&A) beds shared by emergency and "
                        "elective inpatients.")
    elective_ring_fenced_beds: Count = Field(
        default=0, description="Of those beds, how many only elective inpatients may use "
        "(an elective ward or hub); electives overflow into the rest when these are full.")
    direct_admissions_per_100k_per_year: NonNeg = Field(
        description="Emergency admissions not through ED (GP, SDEC, other), per 100k per year.")
    direct_admission_hour_profile: HourProfile
    zero_day_share: Prob = Field(
        description="Share of emergency admissions with a clinically short (zero-day) stay. "
        "Like every discharge they leave only in daytime hours, so one whose stay ends in the "
        "evening or at night stays until the next discharge window.")
    zero_day_los_hours: Duration = Field(
        description="Clinical length of stay of zero-day admissions, hours (before the "
        "daytime-discharge rule).")
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
    discharge_spread_hours: NonNeg = Field(description="Patients held overnight leave spread "
                                           "uniformly over this many hours after opening.")
    turnaround_hours: NonNeg = Field(description="Bed cleaning and preparation between patients, "
                                     "h (bed neither occupied nor available).")
    destinations: DischargeDestinations = Field(
        description="Where emergency inpatients go when medically fit (shares sum to 1).")
    other_support_wait_days: Duration = Field(
        description="Wait in bed for a care home place or home care (medically fit), days.")

    @model_validator(mode="after")
    def _hours(self) -> AcuteSection:
        if self.discharge_close_hour <= self.discharge_open_hour:
            raise ValueError("discharge_close_hour must be after discharge_open_hour")
        if self.elective_ring_fenced_beds > self.beds:
            raise ValueError("elective_ring_fenced_beds cannot exceed beds")
        return self


# -- Elective care -------------------------------------------------------------------------------
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


class ElectiveSection(Strict):
    enabled: bool = Field(default=True, description="Switch elective care on or off.")
    referrals_per_100k_per_month: NonNeg = Field(description="New RTT referrals (clock starts).")
    urgent_share: Prob = Field(description="Share of referrals of urgent clinical priority.")
    order: Literal["priority_then_longest_wait", "longest_wait"] = Field(
        description="Order of treatment at every stage.")
    outpatient_slots_per_week: NonNeg = Field(description="First outpatient appointments a week.")
    diagnostic_slots_per_week: NonNeg = Field(description="Diagnostic tests a week.")
    theatre_sessions_per_week: NonNeg = Field(description="4-hour theatre lists a week.")
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


class ElectiveWeights(Strict):
    """Relative value of each activity for elective_activity_pct (value-weighted activity)."""

    outpatient_first: NonNeg = Field(description="Weight of a first outpatient attendance.")
    diagnostic: NonNeg = Field(description="Weight of a diagnostic test.")
    day_case: NonNeg = Field(description="Weight of a day case.")
    inpatient: NonNeg = Field(description="Weight of an elective inpatient admission.")


ElectiveSection.model_rebuild()
