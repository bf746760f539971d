"""Ports: the one shape in which a patient passes from one service to another.

A service lists the ports it *needs* (where its patients may go: a bed, a virtual ward, ED) as
a small dataclass of ``Port | None`` fields, and the ports it *offers* (how it takes patients
in) from ``offers()``. ``sim.model.pathways`` connects needs to offers and does nothing else;
an unconnected need is None, and the service decides what that means (usually: the patient
leaves the model, redirected).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class Referral:
    """A patient handed over: who sends them, what kind of care, and who to tell.

    ``on_taken`` runs when the receiver actually takes over care (a bed is reached, a package
    starts); until then the sender keeps the patient (ED patients board, fit patients wait in
    their bed). None: the receiver takes them at once. ``patience_mins`` / ``on_gave_up``: how
    long the sender lets the patient wait in a receiver's queue, and who to tell when they stop.
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
