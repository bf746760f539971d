"""Cancer waiting-time KPIs (urgent suspected cancer pathways inside elective care).

The October 2023 standards count more than the model's one referral stream (urgent suspected
cancer, USC): FDS also screening and breast-symptomatic referrals, 62-day also screening and
consultant upgrades, 31-day also subsequent treatments. The names stay (scenario files and
targets use them); each docstring says what is counted here."""

from __future__ import annotations

from sim.core.clock import Window
from sim.model.services import elective
from sim.outputs.kpis.base import RunData, kpi, share_within


@kpi("cancer_fds_28d_pct", "%", "higher", "elective")
def cancer_fds_28d_pct(data: RunData, window: Window) -> float:
    """Cancer Faster Diagnosis Standard (NHS England): urgent suspected cancer referrals told
    in the window that cancer is diagnosed or ruled out (here: at their results appointment)
    within 28 days of referral / all urgent suspected cancer referrals told in the window.
    USC referrals only: screening and breast-symptomatic referrals, in England's FDS since
    October 2023, are not modelled."""
    return share_within(data, elective.CANCER_FDS, window, 28.0)


@kpi("cancer_62d_pct", "%", "higher", "elective")
def cancer_62d_pct(data: RunData, window: Window) -> float:
    """Cancer 62-day: patients starting a first cancer treatment in the window within 62 days of
    their urgent suspected cancer referral / all first treatments started in the window.
    USC referrals only: screening referrals and consultant upgrades, in England's 62-day since
    October 2023, are not modelled."""
    return share_within(data, elective.CANCER_62D, window, 62.0)


@kpi("cancer_31d_pct", "%", "higher", "elective")
def cancer_31d_pct(data: RunData, window: Window) -> float:
    """Cancer 31-day: first treatments started in the window within 31 days of the decision to
    treat (here: the treatment-planning appointment after the MDT) / all first cancer
    treatments started in the window. First treatments only: England's 31-day has counted
    subsequent treatments too since October 2023 (not modelled)."""
    return share_within(data, elective.CANCER_31D, window, 31.0)
