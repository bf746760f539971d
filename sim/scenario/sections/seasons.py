"""Scenario schema of seasons and bank holidays: when in the year demand and stays change."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.base import MonthProfile, Strict

FLAT_YEAR = [1.0] * 12


class SeasonsSection(Strict):
    """Winter pressure and bank holidays. Defaults are neutral (flat months, no holidays), so a
    scenario without this section runs as before."""

    emergency_los_month_profile: MonthProfile = Field(
        default=FLAT_YEAR, description="Emergency length of stay by month of admission (Jan..Dec), "
        "relative multipliers normalised to mean 1: winter stays longer, the year's mean stays "
        "the calibrated emergency_los_days.")
    emergency_admission_month_profile: MonthProfile = Field(
        default=FLAT_YEAR, description="ED admission conversion by month of arrival (Jan..Dec), "
        "relative multipliers of ed.admission_share normalised to mean 1 (capped at 1).")
    bank_holidays: bool = Field(
        default=False, description="England bank holidays (the maintained 'holidays' package): "
        "planned capacity (theatres, outpatients, diagnostics, cancer treatment starts) closed, "
        "general practice as on a Sunday (its slots and demand), and discharges reduced as at "
        "a weekend (acute.weekend_discharge_share).")
