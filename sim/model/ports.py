"""Ports: the one shape in which a patient passes from one service to another.

A service lists the ports it *needs* (where its patients may go: a bed, a virtual ward, ED) as
a small dataclass of ``Port | None`` fields, and the ports it *offers* (how it takes patients
in) from ``offers()``. ``sim.model.pathways`` connects needs to offers and does nothing else;
an unconnected need is None, and the service decides what that means (usually: the patient
leaves the model, redirected).

Kinds are declared on both sides, so a wrong one fails when the ports are joined rather than
mid-run: a need names the ``Referral.kind`` values it sends (``ed: Port | None =
sends("type1_walk_in", "type3")``; a plain ``= None`` sends only :data:`PLAIN`), and a service
names the kinds each offered port accepts in its ``accepts`` beside ``offers()``
(``accepts = accepting(attendance=(TYPE1_WALK_IN, TYPE1_AMBULANCE, TYPE3))``; a port not
named there takes :data:`PLAIN` referrals only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from types import MappingProxyType
from typing import Any

PLAIN = ""  # a referral of no particular kind: what a port takes unless it says otherwise
KINDS = "referral_kinds"  # the need field's metadata key for the kinds it sends


@dataclass(slots=True)
class Referral:
    """A patient handed over: who sends them, what kind of care, and who to tell.

    ``on_taken`` runs when the receiver actually takes over care (a bed is reached, a package
    starts); until then the sender keeps the patient (ED patients board, fit patients wait in
    their bed); if it returns a float, the patient reaches the receiver that many minutes later
    (acute's discharge window: d2a and reablement hold the place meanwhile). None: the receiver
    takes them at once. ``patience_mins`` / ``on_gave_up``: how long the sender lets the
    patient wait in a receiver's queue, and who to tell when they stop.
    """

    source: str
    kind: str = ""
    on_taken: Callable[[], object] | None = None
    # a receiver that queues may keep the patient waiting at most this long (minutes), then
    # calls ``on_gave_up`` and the sender keeps them; None: a receiver that cannot take the
    # patient now refuses (or queues without limit, as it documents)
    patience_mins: float | None = None
    on_gave_up: Callable[[], object] | None = None


# True: the receiver has the patient (now, or once on_taken runs); False: it refused them.
Port = Callable[[Referral], bool]


def call(port: Port | None, referral: Referral) -> bool:
    """Offer the patient through ``port``; an unconnected port refuses."""
    return port is not None and port(referral)


def sends(*kinds: str) -> Any:
    """A need (a ``Port | None`` field of a needs dataclass, unconnected until pathways joins
    it) that sends referrals of these kinds; none given: :data:`PLAIN` only."""
    return field(default=None, metadata={KINDS: kinds or (PLAIN,)})


def accepting(**ports: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    """A service's ``accepts``: offered port -> the ``Referral.kind`` values it takes."""
    return MappingProxyType(ports)


def kinds_sent(needs: object, need: str) -> tuple[str, ...]:
    """The ``Referral.kind`` values ``needs.need`` sends, as its field declares."""
    if is_dataclass(needs):
        for f in fields(needs):
            if f.name == need:
                return tuple(f.metadata.get(KINDS, (PLAIN,)))
    return (PLAIN,)
