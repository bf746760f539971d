"""Scenario schema of Elective care: parameters with their units in their names.

Every wait on an elective pathway is a queue for a capacity named here: outpatient attendances
(first and follow-up share them), diagnostic tests by modality, theatre sessions and, for cancer,
non-surgical first treatments; before some of those queues a pathway spends irreducible work time
(``work``: booking notice, reporting, pre-operative assessment). Specialty groups and
modalities are fixed sets (named fields), so
``--set elective.specialties.trauma_orthopaedics.capacity_pct=120`` reaches one of them.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.base import (
    Duration,
    NonNeg,
    Prob,
    Shares,
    Strict,
    capacity,
    check_shares,
    demand,
    tagged,
)
from sim.scenario.costs import CostsSection

SPECIALTIES = ("trauma_orthopaedics", "ophthalmology", "general_surgery", "ent", "gynaecology",
               "urology", "dermatology", "cardiology", "other")
MODALITIES = ("mri", "ct", "ultrasound", "endoscopy", "echo")


class Specialty(Strict):
    """One group of treatment functions: its demand, pathway mix and share of capacity."""

    referral_share: Prob = Field(description="Share of RTT referrals (clock starts).")
    cancer_share: Prob = Field(description="Share of urgent suspected cancer referrals.")
    followup_share: Prob = Field(description="Share of follow-up attendances not on an RTT "
                                 "pathway (long-term and post-treatment review).")
    outpatient_share: Prob = Field(description="Share of outpatient attendances (capacity).")
    theatre_share: Prob = Field(description="Share of theatre sessions (capacity).")
    diagnostics_share: Prob = Field(description="Share of its RTT pathways that need a test "
                                    "after the first appointment.")
    admitted_share: Prob = Field(description="Share of its RTT pathways that end in treatment "
                                 "in theatre (the rest stop in outpatients).")
    day_case_share: Prob = Field(description="Share of its admitted pathways treated as day "
                                 "cases (the rest need an acute bed).")
    capacity_pct: NonNeg = tagged("This specialty's outpatient and theatre capacity, % of its "
                                  "share of the totals (an orthopaedic hub: above 100).",
                                  lever="% of its share", default=100.0)
    start_outpatient_weeks: NonNeg = Field(description="Outpatient wait (first and follow-up) "
                                           "in the start state, weeks.")
    start_admitted_weeks: NonNeg = Field(description="Wait on the admitted list for routine "
                                         "(P4) patients in the start state, weeks.")
    cancer_start_diagnosis_weeks: NonNeg = Field(
        default=0.0, description="Mean wait of its urgent suspected cancer referrals for a "
        "results appointment in the start state, weeks.")


class Specialties(Strict):
    """The specialty groups (treatment functions grouped); shares sum to 1 over the groups."""

    trauma_orthopaedics: Specialty = Field(description="Trauma and orthopaedics.")
    ophthalmology: Specialty = Field(description="Ophthalmology.")
    general_surgery: Specialty = Field(description="General surgery (colorectal, breast, GI).")
    ent: Specialty = Field(description="Ear, nose and throat.")
    gynaecology: Specialty = Field(description="Gynaecology.")
    urology: Specialty = Field(description="Urology.")
    dermatology: Specialty = Field(description="Dermatology.")
    cardiology: Specialty = Field(description="Cardiology.")
    other: Specialty = Field(description="Every other treatment function (medical and surgical).")

    @model_validator(mode="after")
    def _shares(self) -> Specialties:
        for what in ("referral_share", "cancer_share", "followup_share", "outpatient_share",
                     "theatre_share"):
            check_shares({k: getattr(getattr(self, k), what) for k in SPECIALTIES},
                         f"specialties' {what}")
        return self

    def items(self) -> list[tuple[str, Specialty]]:
        return [(k, getattr(self, k)) for k in SPECIALTIES]


class Modality(Strict):
    """One diagnostic modality (DM01 test group): demand from each source and its capacity."""

    capacity_share: Prob = Field(description="Share of diagnostic tests a week (capacity).")
    rtt_share: Prob = Field(description="Share of RTT pathways' tests.")
    cancer_share: Prob = Field(description="Share of cancer pathways' tests.")
    unscheduled_per_100k_per_month: NonNeg = Field(
        description="Emergency and inpatient tests; done first, not on the DM01 waiting list.")
    direct_access_per_100k_per_month: NonNeg = Field(
        description="GP direct access requests; they wait with RTT patients in turn.")
    capacity_pct: NonNeg = tagged("This modality's capacity, % of its share of the total.",
                                  lever="% of its share", default=100.0)
    start_weeks: NonNeg = Field(description="Wait for a routine test in the start state, weeks.")


class Modalities(Strict):
    """The key diagnostic tests, grouped by modality; shares sum to 1 over the modalities."""

    mri: Modality = Field(description="Magnetic resonance imaging.")
    ct: Modality = Field(description="Computed tomography.")
    ultrasound: Modality = Field(description="Non-obstetric ultrasound.")
    endoscopy: Modality = Field(description="Colonoscopy, sigmoidoscopy, gastroscopy, cystoscopy.")
    echo: Modality = Field(description="Echocardiography.")

    @model_validator(mode="after")
    def _shares(self) -> Modalities:
        for what in ("capacity_share", "rtt_share", "cancer_share"):
            check_shares({k: getattr(getattr(self, k), what) for k in MODALITIES},
                         f"modalities' {what}")
        return self

    def items(self) -> list[tuple[str, Modality]]:
        return [(k, getattr(self, k)) for k in MODALITIES]


class Priority(Shares):
    """Clinical priority of admitted pathways (Federation of Surgical Specialty Associations)."""

    p1: Prob = Field(description="Within 72 hours.")
    p2: Prob = Field(description="Within 1 month.")
    p3: Prob = Field(description="Within 3 months.")
    p4: Prob = Field(description="After 3 months (routine).")


class Cancer(Strict):
    """Urgent suspected cancer pathways: first in every queue they share with RTT (first
    appointment, test, surgery), then their own results clinics (split between the specialties,
    tumour sites, by their cancer share), treatment-planning clinics and non-surgical first
    treatments (one pool each), booked at random or by breach date (``order``), with optional
    working times between the stages (work-up, staging, the weekly MDT, preparation)."""

    referrals_per_100k_per_month: NonNeg = demand(
        description="Urgent suspected cancer referrals (each has a first appointment and a test).")
    conversion_share: Prob = Field(description="Share of referrals diagnosed with cancer.")
    surgical_share: Prob = Field(description="Share of diagnosed cancers whose first treatment "
                                 "is surgery (theatre); the rest start non-surgical treatment.")
    inpatient_share: Prob = Field(description="Share of cancer operations needing an acute bed.")
    diagnosis_clinics_per_week: NonNeg = capacity(
        "Results appointments a week at which an urgent referral is told cancer is diagnosed "
        "or ruled out (the Faster Diagnosis Standard clock stop).",
        lever="results appointments a week")
    decision_clinics_per_week: NonNeg = capacity(
        "Treatment-planning appointments a week after the multidisciplinary team meeting, "
        "where a diagnosed cancer's decision to treat is made (the 31-day clock start).",
        lever="appointments a week")
    treatment_starts_per_week: NonNeg = capacity(
        "Non-surgical first treatments (chemotherapy, radiotherapy) a week.",
        lever="first treatments a week")
    start_decision_weeks: NonNeg = Field(
        default=0.0, description="Mean wait of diagnosed cancers for a treatment-planning "
        "appointment in the start state, weeks.")
    start_treatment_weeks: NonNeg = Field(
        default=0.0, description="Mean wait for a non-surgical first treatment in the start "
        "state, weeks.")
    order: Literal["random", "breach_date"] = tagged(
        "Order in which the results clinics, treatment-planning clinics and non-surgical "
        "treatments book those waiting: at random (as availability allows), or earliest breach "
        "date first, as the NHS books (results: referral + 28 days; treatment planning: "
        "referral + 62; treatment: the earlier of referral + 62 and decision + 31).",
        default="random")
    mdt_weekly: bool = tagged(
        "A diagnosed cancer is discussed at its tumour site's weekly multidisciplinary team "
        "meeting (one weekday a site) before its treatment-planning appointment: the MDT cycle "
        "as working time (off: planned the day after the results).",
        default=False)
    capacity_cv: NonNeg = tagged(
        "Week-to-week variation of the three cancer capacities (leave, cancelled lists): each "
        "week's capacity is the set value times a lognormal factor of mean 1 and this "
        "coefficient of variation.", lever="coefficient of variation", default=0.0, le=2.0)
    workup_mean_days: NonNeg = tagged(
        "Mean working time between the first test and the results appointment (further tests, "
        "biopsy, histology and reports; lognormal, cv ``workup_cv``), days; 0: none.",
        lever="days", default=0.0)
    staging_mean_days: NonNeg = tagged(
        "Mean working time between the diagnosis (results appointment) and the MDT discussion "
        "(staging scans and tests; lognormal, cv ``workup_cv``), days; 0: none.",
        lever="days", default=0.0)
    prep_mean_days: NonNeg = tagged(
        "Mean working time between the decision to treat and the first treatment "
        "(radiotherapy planning, fitness, pre-operative assessment; lognormal, cv "
        "``workup_cv``), days; 0: none.", lever="days", default=0.0)
    workup_cv: NonNeg = tagged(
        "Coefficient of variation of the cancer working times (work-up, staging, preparation).",
        default=1.0, le=5.0)
    in_rtt_list: bool = tagged(
        "Count open urgent suspected cancer pathways (referral to first treatment) in the RTT "
        "month-end list, as NHS England's incomplete pathways include them.",
        default=False)


class WorkTimes(Strict):
    """Irreducible time on a pathway: work that takes time however much capacity there is
    (booking notice, reporting, pre-operative assessment). A pathway is not eligible for the
    next capacity until its time has passed; then it joins that queue's turn. Each is drawn
    per pathway from its own stream (``route.elective.work.NAME``). None: none (the pathway
    may move on the same day capacity allows)."""

    first_notice_days: Duration | None = Field(
        default=None, description="Booking notice before a first outpatient attendance, days "
        "from referral (the appointment offered with reasonable notice). None: none.")
    test_notice_days: Duration | None = Field(
        default=None, description="Booking notice before a diagnostic test, days from the "
        "request at the first attendance (counted on the DM01 list meanwhile). None: none.")
    reporting_days: Duration | None = Field(
        default=None, description="Test done to results available for the follow-up "
        "attendance (reporting turnaround and booking the results appointment), days. None: "
        "none.")
    preop_days: Duration | None = Field(
        default=None, description="Decision to admit to fit and ready for theatre (pre-"
        "operative assessment and notice of the date), days. None: none.")
    cancer_first_notice_days: Duration | None = Field(
        default=None, description="Urgent suspected cancer referral to the first appointment "
        "it can be booked into, days. None: none.")
    cancer_test_notice_days: Duration | None = Field(
        default=None, description="Urgent suspected cancer: first appointment to the test it "
        "can be booked into, days. None: none.")
    cancer_reporting_days: Duration | None = Field(
        default=None, description="Urgent suspected cancer: test done to results available "
        "for the results appointment, days. None: none.")


WORK_TIMES = tuple(WorkTimes.model_fields)


class InitialList(Strict):
    """The waiting list at time zero. Its stages and time waited follow the start waits of each
    specialty and modality (see ``sim.model.services.elective.start``)."""

    pathways_per_100k: NonNeg = demand(description="Incomplete RTT pathways per 100k at start.")


class RemovalByWait(Strict):
    """Untreated removals by weeks waited and stage: each waiting pathway leaves at
    ``removal_pct_per_month`` x its band's factor x its stage's factor (validation is done at
    set weeks waited, more often for long waiters). All factors 1: one flat rate."""

    band_weeks: list[float] = Field(
        default=[18.0, 52.0, 65.0], description="Band edges, weeks waited (RTT clock; for the "
        "follow-up and direct-access ledgers, time waited in the ledger), increasing.")
    band_factor: list[NonNeg] = Field(
        default=[1.0, 1.0, 1.0, 1.0], description="Removal rate in each band (one more than "
        "the edges), x removal_pct_per_month.")
    outpatient: NonNeg = Field(default=1.0, description="Factor for a first outpatient wait.")
    test: NonNeg = Field(default=1.0, description="Factor for a test wait (and direct access).")
    followup: NonNeg = Field(default=1.0, description="Factor for a follow-up wait (and the "
                             "follow-ups not on an RTT pathway).")
    admitted: NonNeg = Field(default=1.0, description="Factor on the admitted list.")

    @model_validator(mode="after")
    def _bands(self) -> RemovalByWait:
        e = self.band_weeks
        if any(b <= a for a, b in pairwise(e)) or any(x <= 0 for x in e):
            raise ValueError("band_weeks must be positive and increasing")
        if len(self.band_factor) != len(e) + 1:
            raise ValueError(f"band_factor needs {len(e) + 1} values (one more than band_weeks)")
        return self


class LongWaiters(Strict):
    """Capacity aimed at long waiters and a cohort treated in the independent sector."""

    theatre_pct: NonNeg = tagged(
        "Extra theatre time, % of each specialty's, used only for admitted pathways waiting "
        "over ``weeks``, longest first (waiting-list initiative lists); unused time is lost. "
        "Not in the capacity cost (theatre_sessions_per_week is).",
        lever="% extra theatre time", default=0.0, le=100.0)
    weeks: NonNeg = Field(default=52.0, description="Weeks waited (RTT clock) from which a "
                          "pathway counts as a long waiter for ``theatre_pct``.")
    independent_sector_per_100k_per_month: NonNeg = tagged(
        "Pathways waiting over ``independent_sector_weeks`` (any stage, longest first) moved to "
        "the independent sector a month: they leave the list as treated elsewhere (clock "
        "stop 'transferred'; counted, not costed: no unit cost yet).",
        lever="pathways per 100k a month", default=0.0)
    independent_sector_weeks: NonNeg = Field(
        default=52.0, description="Weeks waited from which a pathway may be moved to the "
        "independent sector.")


class ElectiveWeights(Strict):
    """Relative value of each activity for elective_activity_pct (value-weighted activity)."""

    outpatient_first: NonNeg = Field(description="Weight of a first outpatient attendance.")
    outpatient_followup: NonNeg = Field(description="Weight of a follow-up attendance.")
    diagnostic: NonNeg = Field(description="Weight of a diagnostic test.")
    day_case: NonNeg = Field(description="Weight of a day case.")
    inpatient: NonNeg = Field(description="Weight of an elective inpatient admission.")


class ElectiveSection(Strict):
    enabled: bool = Field(default=True, description="Switch elective care on or off.")
    referrals_per_100k_per_month: NonNeg = demand(description="New RTT referrals (clock starts).")
    order: Literal["priority_then_longest_wait", "longest_wait", "priority_then_in_turn",
                   "in_turn"] = Field(
        description="Order on the admitted list: by clinical priority or not, then longest RTT "
                    "wait (clock start) or in turn (the day the pathway joined the admitted "
                    "list, the decision to admit).")
    outpatient_slots_per_week: NonNeg = capacity(
        "Outpatient attendances a week, first and follow-up (they share the clinics).",
        lever="attendances a week")
    diagnostic_slots_per_week: NonNeg = capacity("Diagnostic tests a week, all modalities.",
                                                 lever="tests a week")
    theatre_sessions_per_week: NonNeg = capacity("4-hour theatre lists a week.",
                                                 lever="4-hour lists a week")
    day_cases_per_session: float = Field(gt=0, le=100, description="Day cases per list.")
    inpatients_per_session: float = Field(gt=0, le=100, description="Inpatients per list.")
    admission_hour: float = Field(ge=0, lt=24, description="Hour of day elective inpatients "
                                  "arrive for a bed; no free bed then means cancellation.")
    decision_followup_share: Prob = Field(
        description="Share of RTT pathways without a test that need a follow-up appointment "
                    "before the decision (every pathway with a test has one).")
    followups_per_100k_per_year: NonNeg = Field(
        description="Follow-up attendances not on an RTT pathway, before any reduction.")
    followup_reduction_pct: NonNeg = tagged(
        "Follow-ups avoided (patient-initiated follow-up, advice and guidance), % of the "
        "follow-ups not on an RTT pathway.", lever="% avoided", default=0.0, le=100.0)
    priority: Priority = Field(description="Clinical priority of admitted pathways (shares).")
    removal_pct_per_month: NonNeg = Field(description="Waiting pathways and overdue follow-ups "
                                          "removed without treatment (validation, treated "
                                          "elsewhere), % of those waiting a month.")
    removal_by_wait: RemovalByWait = Field(
        default_factory=RemovalByWait, description="Removal rate by weeks waited and stage "
        "(factors of removal_pct_per_month).")
    long_waiters: LongWaiters = Field(default_factory=LongWaiters,
                                      description="Capacity and transfers aimed at long waiters.")
    specialties: Specialties = Field(description="Specialty groups.")
    modalities: Modalities = Field(description="Diagnostic modalities.")
    cancer: Cancer = Field(description="Urgent suspected cancer pathways.")
    initial_list: InitialList = Field(description="The waiting list at the start of the run.")
    work: WorkTimes = Field(default_factory=WorkTimes,
                            description="Irreducible pathway times (work, not waits).")
    reference_activity_per_year_per_100k: NonNeg = Field(
        description="Reference-year (2019/20) elective activity, value-weighted units per 100k.")
    reference_followups_per_year_per_100k: NonNeg = Field(
        description="Reference-year (2019/20) follow-up attendances per 100k.")
    reference_tests_per_year_per_100k: NonNeg = Field(
        description="Reference-year (2019/20) diagnostic tests per 100k (the modalities here).")
    activity_weights: ElectiveWeights = Field(
        description="Relative values for value-weighted elective activity.")
    activity_scope: Literal["all_attendances", "erf"] = tagged(
        "What elective_activity_pct counts: every attendance, follow-ups included, or the "
        "Elective Recovery Fund's scope since 2023/24 (follow-up attendances out, with their "
        "own 25% reduction target; the reference year's follow-ups, "
        "reference_followups_per_year_per_100k at their weight, leave the reference too), so "
        "fewer follow-ups do not read as less elective activity.",
        default="all_attendances")

    def capacity_cost(self, costs: CostsSection, days: float) -> float:
        """Theatre sessions, outpatient and diagnostic slots a week x their unit costs
        (the cancer results and treatment-planning clinics and non-surgical treatments are not
        costed: no unit cost in the costs section yet)."""
        return (self.theatre_sessions_per_week * costs.theatre_session_gbp
                + self.outpatient_slots_per_week * costs.outpatient_slot_gbp
                + self.diagnostic_slots_per_week * costs.diagnostic_slot_gbp) * days / 7
