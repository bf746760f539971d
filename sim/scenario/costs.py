"""Unit costs of capacity: what a configuration costs to run, whatever its activity.

Each service section says how its capacity is costed (``capacity_cost``) from these figures.
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.base import NonNeg, Strict

DAYS_PER_YEAR = 365.25


def years(days: float) -> float:
    return days / DAYS_PER_YEAR


class CostsSection(Strict):
    """Unit costs of capacity: what the configuration costs to run, whatever its activity."""

    currency: str = Field(default="GBP", description="Currency of every cost.")
    price_year: str = Field(default="2024/25", description="Price base of the unit costs.")
    wte_per_post_24x7: NonNeg = Field(
        default=5.5, description="Whole-time equivalents needed to keep one post filled 24 hours "
        "a day, 7 days a week (shifts, leave, training); posts open fewer hours scale down.")
    ed_clinician_wte_per_year_gbp: NonNeg = Field(
        default=0.0, description="ED clinician cost per WTE per year, with on-costs.")
    ed_handover_wte_per_year_gbp: NonNeg = Field(
        default=0.0, description="ED handover nurse cost per WTE per year, with on-costs.")
    ed_cubicle_day_gbp: NonNeg = Field(
        default=0.0, description="Cost of one ED cubicle (type 1 treatment space) for a day: "
        "estates, equipment and cleaning, staff not included (they are costed as clinicians "
        "and handover staff); corridor places have no cost of their own.")
    ucr_clinician_wte_per_year_gbp: NonNeg = Field(
        default=0.0, description="UCR clinician cost per WTE per year, with on-costs.")
    gp_slot_gbp: NonNeg = Field(default=0.0, description="Cost of one GP appointment offered.")
    acute_bed_day_gbp: NonNeg = Field(
        default=0.0, description="Cost of one G&A bed available for a day (staffed).")
    escalation_bed_day_premium_pct: NonNeg = Field(
        default=0.0, description="Extra cost of an escalation bed-day over acute_bed_day_gbp, "
        "%: escalation beds are opened at short notice and staffed largely from bank and "
        "agency shifts. Escalation beds are costed by the bed-days they were open.")
    vw_bed_day_gbp: NonNeg = Field(default=0.0, description="Cost of one VW bed for a day.")
    vw_clinician_wte_per_year_gbp: NonNeg = Field(
        default=0.0, description="Virtual ward caseload clinician cost per WTE per year, with "
        "on-costs (only when virtual_ward.caseload_per_clinician is set).")
    reablement_package_day_gbp: NonNeg = Field(
        default=0.0, description="Cost of one reablement package's capacity for a day.")
    home_care_hour_gbp: NonNeg = Field(
        default=0.0, description="Cost of one hour of home care (pathway 1 packages).")
    community_bed_day_gbp: NonNeg = Field(
        default=0.0, description="Cost of one pathway 2 community rehabilitation bed for a day.")
    care_home_place_day_gbp: NonNeg = Field(
        default=0.0, description="Cost of one pathway 3 care-home place for a day.")
    theatre_session_gbp: NonNeg = Field(default=0.0, description="Cost of one 4-hour list.")
    outpatient_slot_gbp: NonNeg = Field(
        default=0.0, description="Cost of one first outpatient appointment offered.")
    diagnostic_slot_gbp: NonNeg = Field(
        default=0.0, description="Cost of one diagnostic test slot offered.")
