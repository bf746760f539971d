"""Elective care: RTT and cancer pathways (``service``, the day's cycle, made of ``pathways``,
``start``, ``clinics``, ``theatres`` and ``records``), the fluid equilibrium and start waits
(``fluid``) and the daily ledgers of follow-ups and direct-access tests (``ledger``)."""

from sim.model.services.elective.records import (
    ACTIVITIES,
    CANCER_31D,
    CANCER_62D,
    CANCER_DX_QUEUE,
    CANCER_FDS,
    DAYS_ON_LIST,
    DIAG_QUEUE,
    LIST_SIZE,
    OBSERVATIONS,
    OPEN_WEEKS,
    SERIES,
    SNAPSHOTS,
    activity,
    snapshot,
)
from sim.model.services.elective.service import Elective, ElectiveNeeds

__all__ = ["ACTIVITIES", "CANCER_31D", "CANCER_62D", "CANCER_DX_QUEUE", "CANCER_FDS",
           "DAYS_ON_LIST", "DIAG_QUEUE", "LIST_SIZE", "OBSERVATIONS", "OPEN_WEEKS", "SERIES",
           "SNAPSHOTS", "Elective", "ElectiveNeeds", "activity", "snapshot"]
