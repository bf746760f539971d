"""What every service shares: its context, flow ledger, ports and the patients it holds now.

A service is built from the replication's :class:`~sim.model.context.Context` and its own
scenario section. It declares the observations it records (``OBSERVATIONS`` in its module),
the ports it needs (a dataclass in ``needs``, filled by ``sim.model.pathways``) and the ports it
offers (``offers()``, the referral kinds each takes in ``accepts``: ``sim.model.ports``). It
reads each capacity it holds with ``ctx.levels(dotted key)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.model.context import Context
from sim.model.ports import Port, accepting

Exit = Literal["finished", "transferred", "redirected"]
# the three exits as names: a journey passes one of these to ``leave``
FINISHED: Exit = "finished"  # care ended
TRANSFERRED: Exit = "transferred"  # to another modelled service
REDIRECTED: Exit = "redirected"  # to care the model does not hold


class Record:
    """A patient as one service sees them; services add attributes through subclasses.

    A record is also the SimPy event of its own next step (``Engine.wake``: ``callbacks``,
    ``_ok``), so a step costs no object of its own."""

    __slots__ = ("arrived", "callbacks", "id", "source")
    _ok = True  # (as an event, a patient's step never fails)

    def __init__(self, pid: int, arrived: float, source: str = ""):
        self.id = pid
        self.arrived = arrived
        self.source = source
        self.callbacks: tuple | None = None


@dataclass
class NoNeeds:
    """A service that sends patients nowhere else."""


class Service:
    name = "service"

    def __init__(self, ctx: Context, cfg: Any):
        self.ctx = ctx
        self.cfg = cfg
        self.env = ctx.env
        self.monitor = ctx.monitor
        self.flows = ctx.monitor.flows
        self.present: dict[int, Any] = {}
        self._ids = itertools.count()
        self.new_id = self._ids.__next__  # (hot: one call per patient, no Python frame)
        self.needs: Any = NoNeeds()
        # scheduling without a frame of our own: ``after(delay, fn, arg)`` / ``after0(delay, fn)``
        self.after = ctx.env.after
        self.after0 = ctx.env.after0
        self.wake = ctx.env.wake  # (when, who, steps): a patient as their own next event
        self.wake_after = ctx.env.wake_after
        f = self.flows  # the ledger's counters, for the hot enter/leave
        f.register(self.name)
        self._entered, self._external = f.entered, f.external
        self._exits = {"finished": f.finished, "transferred": f.transferred,
                       "redirected": f.redirected}

    # offered port -> the Referral.kind values it accepts (a port not named: plain ones only)
    accepts: ClassVar[Mapping[str, tuple[str, ...]]] = accepting()

    def offers(self) -> dict[str, Port]:
        """The ports through which other services hand patients to this one."""
        return {}

    def enter(self, record: Any, external: bool = True) -> None:
        """The patient is this service's now (``external``: from outside the model)."""
        self._entered[self.name] += 1
        if external:
            self._external[self.name] += 1
        self.present[record.id] = record

    def leave(self, record: Any, how: Exit) -> None:
        del self.present[record.id]
        self._exits[how][self.name] += 1

    def in_system(self) -> int:
        return len(self.present)

    def close(self) -> None:
        """Record censored observations for patients still here at the end (default: none)."""

    def arrivals(self, times: Sequence[float], action: Callable[..., Any],
                 *args: Any) -> None:
        """Call ``action(*args)`` at each of the (sorted) times: one pending call per stream."""
        self.env.feed(list(times), (lambda: action(*args)) if args else action)


def hour_of(minutes: float) -> float:
    return (minutes % MIN_PER_DAY) / MIN_PER_HOUR


def next_opening(now: float, open_hour: float, close_hour: float) -> float:
    """``now`` if inside [open, close) today, else the next time the window opens."""
    h = hour_of(now)
    day0 = now - (now % MIN_PER_DAY)
    if open_hour <= h < close_hour:
        return now
    if h < open_hour:
        return day0 + open_hour * MIN_PER_HOUR
    return day0 + MIN_PER_DAY + open_hour * MIN_PER_HOUR
