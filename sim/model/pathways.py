"""How patients move between services: every connection of the model, in one table.

Each service declares the ports it needs (``needs``: where its patients may go) and offers
(``offers()``: how it takes patients in); see ``sim.model.ports``. ``connect`` joins a need to
an offer when both services are switched on, and does nothing else: every routing decision
(who goes where, with what probability) is made by the service that decides, with its
parameters in that service's scenario section.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sim.model.ports import PLAIN, kinds_sent
from sim.model.services.base import Service


@dataclass(frozen=True)
class Link:
    """``needer.need`` is served by ``offerer.offer``."""

    needer: str
    need: str
    offerer: str
    offer: str


LINKS = (
    # ED: an admitted patient goes to a virtual ward (when ED chooses and one has room) or
    # boards until an acute bed is free
    Link("ed", "step_up", "virtual_ward", "step_up"),
    Link("ed", "bed", "acute", "emergency_bed"),
    # acute beds: early step-down to a virtual ward; fit patients needing support wait in bed
    # for discharge to assess (pathway 1 reablement or home care, 2, 3), or for reablement
    # when discharge to assess is switched off
    Link("acute", "step_down", "virtual_ward", "step_down"),
    Link("acute", "discharge", "d2a", "fit"),
    Link("acute", "reablement", "reablement", "referral"),
    Link("d2a", "reablement", "reablement", "referral"),
    # reablement clients needing long-term home care wait for a pathway 1 package
    Link("reablement", "home_care", "d2a", "home_care"),
    # virtual wards: escalation to an acute bed; refused community step-ups are admitted
    Link("virtual_ward", "admission", "acute", "emergency_bed"),
    # UCR after the visit: escalation to ED, a virtual ward (or an acute bed when none is free),
    # reablement
    Link("ucr", "ed", "ed", "attendance"),
    Link("ucr", "step_up", "virtual_ward", "step_up"),
    Link("ucr", "reablement", "reablement", "referral"),
    Link("ucr", "admission", "acute", "emergency_bed"),  # refused step-up: admitted directly
    # UCR takes a 999 call out of ED's ambulance arrivals (ucr.nhs_111_999_from_ed): ED
    # withholds its next one (a count, no patient moves: the patient is already UCR's)
    Link("ucr", "ed_stream", "ed", "ambulance_taken"),
    # primary care: unmet same-day need walks in to ED or is referred to UCR; GP step-ups to a
    # virtual ward, or an acute bed when none is free
    Link("primary_care", "ed", "ed", "attendance"),
    Link("primary_care", "ucr", "ucr", "referral"),
    Link("primary_care", "step_up", "virtual_ward", "step_up"),
    Link("primary_care", "admission", "acute", "emergency_bed"),  # refused step-up: admitted
    # elective inpatients need a bed on the day of surgery
    Link("elective", "bed", "acute", "elective_bed"),
)


def connect(services: dict[str, Service], links: Iterable[Link] = LINKS) -> None:
    """Join each need to its offer where both services are switched on; a port that is not
    there, or a referral kind the offer does not accept, is an error here, before the run."""
    for link in links:
        needer, offerer = services.get(link.needer), services.get(link.offerer)
        if needer is None or offerer is None:
            continue
        if not hasattr(needer.needs, link.need):
            raise ValueError(f"{link.needer} has no port {link.need!r} to connect")
        offers = offerer.offers()
        if link.offer not in offers:
            raise ValueError(f"{link.offerer} offers no port {link.offer!r}")
        _check_kinds(link, kinds_sent(needer.needs, link.need), offerer, offers)
        setattr(needer.needs, link.need, offers[link.offer])


def _check_kinds(link: Link, sent: tuple[str, ...], offerer: Service,
                 offers: dict[str, object]) -> None:
    unknown = [p for p in offerer.accepts if p not in offers]
    if unknown:
        raise ValueError(f"{link.offerer} declares the kinds accepted by {unknown[0]!r}, a port "
                         f"it does not offer (it offers {', '.join(offers)})")
    accepted = offerer.accepts.get(link.offer, (PLAIN,))
    wrong = [k for k in sent if k not in accepted]
    if wrong:
        said = ", ".join(repr(k) for k in accepted)
        raise ValueError(
            f"{link.needer}.{link.need} sends Referral kind {wrong[0]!r}, which "
            f"{link.offerer}'s port {link.offer!r} does not accept (it accepts {said}; "
            f"'' is a plain referral): send a kind it takes, or add it to "
            f"{type(offerer).__name__}.accepts[{link.offer!r}]")
