"""How patients move between services: the only module that knows more than one service.

Each service exposes hooks (callables) for the moments a patient could leave it for another;
``connect`` fills them according to which services are switched on. A hook returns True when
the receiving service took the patient (the sender records a transfer), False when the patient
leaves the model instead (a redirect) or, for loss systems, stays with the sender.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.core.clock import MIN_PER_DAY
from sim.core.distributions import Sampler, Uniforms
from sim.core.rng import Streams
from sim.model.services.acute import AcuteBeds
from sim.model.services.crisis_response import CrisisResponse
from sim.model.services.ed import TYPE1_AMBULANCE, EmergencyDepartment
from sim.model.services.elective import Elective
from sim.model.services.primary_care import PrimaryCare
from sim.model.services.reablement import Reablement
from sim.model.services.virtual_ward import STEP_DOWN, STEP_UP, VirtualWard
from sim.scenario import Scenario


@dataclass
class Services:
    primary_care: PrimaryCare | None = None
    ucr: CrisisResponse | None = None
    reablement: Reablement | None = None
    virtual_ward: VirtualWard | None = None
    ed: EmergencyDepartment | None = None
    acute: AcuteBeds | None = None
    elective: Elective | None = None

    def enabled(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


def connect(s: Services, scenario: Scenario, streams: Streams) -> None:
    """Wire the services of one replication together."""
    ed, acute, vw, reab, ucr, gp, el = (s.ed, s.acute, s.virtual_ward, s.reablement, s.ucr,
                                        s.primary_care, s.elective)

    def to_ed(kind: str, source: str) -> bool:
        if ed is None:
            return False
        ed.arrive(kind, source, external=False)
        return True

    def vw_step_up(source: str) -> bool:
        return vw is not None and vw.try_admit(STEP_UP, source)

    if ed is not None:
        u_vw = Uniforms(streams("route.ed.vw_step_up"))
        vw_share = scenario.virtual_ward.ed_step_up_share if vw is not None else 0.0

        def ed_admit(patient: Any, done: Callable[[str], Any]) -> None:
            if u_vw() < vw_share and vw_step_up("ed"):
                done("transferred")
            elif acute is not None:
                acute.admit_emergency("ed", on_admitted=lambda: done("transferred"))
            else:
                done("redirected")  # admitted to a hospital outside the model

        ed.on_admit = ed_admit

    if acute is not None:
        if vw is not None:
            acute.step_down_share = scenario.virtual_ward.step_down_share
            acute.saving = Sampler(scenario.virtual_ward.step_down_saving_days,
                                   streams("los.vw.step_down_saving"), MIN_PER_DAY)
            acute.step_down = lambda p: vw.try_admit(STEP_DOWN, "acute")
        if reab is not None:
            acute.to_reablement = lambda p, started: reab.refer("acute", on_start=started)
            acute.reablement_redirected = False

    if ucr is not None:
        ucr.to_ed = lambda r: to_ed(TYPE1_AMBULANCE, "ucr")
        ucr.route = {"virtual_ward": lambda r: vw_step_up("ucr")}
        if reab is not None:
            ucr.route["reablement"] = lambda r: (reab.refer("ucr"), True)[1]

    if gp is not None:
        gp.to_ed = lambda kind: to_ed(kind, "gp_overflow")
        gp.to_vw = lambda: vw_step_up("gp")
        if ucr is not None:
            gp.to_ucr = lambda: (ucr.refer("gp_overflow", external=False), True)[1]

    if el is not None and acute is not None:
        el.admit_inpatient = acute.admit_elective
        el.inpatient_transfers = True
