"""Multi-server building blocks every service is made of.

``Pool`` is c identical units (clinicians, beds, packages) with a FIFO or priority queue and
optional patience. ``Station`` is a pool whose units serve for a known time. Both run on SimPy's
event queue through callbacks rather than one process per request: a model with a million ED
attendances a year needs that (about 4x fewer Python frames than Resource + process). A FIFO
queue on a known rota without patience can be booked instead (``sim.core.booked``).

A low-volume journey is a SimPy process that reads top to bottom and asks a pool for a unit as
it would ask a SimPy ``Resource``: ``with pool.claim() as bed: yield bed`` (``Claim``).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

import simpy
from simpy.core import NORMAL
from simpy.events import PENDING

from sim.core.engine import call_at
from sim.core.monitor import Steps

Discipline = Literal["fifo", "priority"]
WAITING, SERVING, DONE, RENEGED, CANCELLED = range(5)
NAN = float("nan")
_new = object.__new__


class Ticket:
    """One request for a unit; ``state`` tells where it is, ``wait`` how long it queued.

    A station's ticket is also the SimPy event that ends its service (``callbacks``, ``_ok``),
    so a service costs one small object, not a timeout, a list and two closures."""

    __slots__ = ("arrived", "callbacks", "data", "on_done", "on_grant", "on_renege",
                 "on_start", "service", "started", "state")
    _ok = True  # (as an event, a ticket never fails)

    def __init__(self, arrived: float, on_grant: Callable[[Ticket], Any], data: Any = None):
        self.arrived = arrived
        self.started = float("nan")
        self.on_grant = on_grant
        self.on_renege: Callable[[Ticket], Any] | None = None
        self.data = data
        self.state = WAITING
        self.on_done = self.on_start = None
        self.service = 0.0

    @property
    def wait(self) -> float:
        return self.started - self.arrived


class Pool:
    """c units; requests beyond them queue FIFO or by (priority, arrival order)."""

    def __init__(self, env: simpy.Environment, capacity: int, name: str = "pool",
                 discipline: Discipline = "fifo", busy: Steps | None = None,
                 queue: Steps | None = None):
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.env = env
        self.name = name
        self.capacity = capacity
        self.discipline = discipline
        self.in_use = 0
        self.queued = 0  # live waiting tickets (reneged ones may still sit in the container)
        self._fifo: deque[Ticket] = deque()
        # priority: a FIFO lane per priority value, served lowest value first (the order of a
        # heap on (priority, arrival), without its cost; services use two or three values)
        self._lanes: dict[float, deque[Ticket]] = {}
        self._lane_order: list[float] = []
        # patience: (deadline, order, ticket) of waiting requests, and when the timer is set
        self._deadlines: list[tuple[float, int, Ticket]] = []
        self._deadline_seq = itertools.count()
        self._timer_at: float | None = None
        # units in use and requests waiting, as level steps (``Monitor.steps``), if recorded
        self._busy_up = busy.up if busy is not None else None
        self._busy_down = busy.down if busy is not None else None
        self._queue_up = queue.up if queue is not None else None
        self._queue_down = queue.down if queue is not None else None

    # -- requests -----------------------------------------------------------------------------
    # (hot: about 1.2 million requests a year, so tickets are made without ``__init__`` and a
    # grant, a dispatch and a release are written out rather than calling helpers)
    def request(self, on_grant: Callable[[Ticket], Any], priority: float = 0.0,
                patience: float | None = None, on_renege: Callable[[Ticket], Any] | None = None,
                data: Any = None) -> Ticket:
        """Ask for a unit; ``on_grant(ticket)`` runs when one is allocated (maybe at once)."""
        ticket = _new(Ticket)
        ticket.arrived = self.env.now
        ticket.on_grant = on_grant
        ticket.on_renege = on_renege
        ticket.data = data
        return self._submit(ticket, priority, patience)

    def _submit(self, ticket: Ticket, priority: float, patience: float | None) -> Ticket:
        """A unit now if one is free and nobody waits, else the queue."""
        if self.in_use < self.capacity and not self.queued:
            ticket.state = SERVING
            ticket.started = now = ticket.arrived
            self.in_use += 1
            if self._busy_up is not None:
                self._busy_up(now)
            ticket.on_grant(ticket)
        else:
            self._enqueue(ticket, priority, patience)
        return ticket

    def _enqueue(self, ticket: Ticket, priority: float, patience: float | None) -> None:
        ticket.state = WAITING
        ticket.started = NAN
        if self.discipline == "fifo":
            self._fifo.append(ticket)
        else:
            lane = self._lanes.get(priority)
            if lane is None:
                lane = self._lanes[priority] = deque()
                bisect.insort(self._lane_order, priority)
            lane.append(ticket)
        self.queued += 1
        if self._queue_up is not None:
            self._queue_up(self.env.now)
        if patience is not None:  # one timer a pool, at the earliest deadline still waiting
            deadline = self.env.now + patience
            heapq.heappush(self._deadlines, (deadline, next(self._deadline_seq), ticket))
            if self._timer_at is None or deadline < self._timer_at:
                self._arm(deadline)

    def _arm(self, at: float) -> None:
        self._timer_at = at
        call_at(self.env, at, self._deadlines_due)

    def _deadlines_due(self, _arg: Any = None) -> None:
        """Requests whose patience ran out leave the queue (in order of their deadlines); the
        timer moves to the next deadline of a request still waiting. (A timeout per request
        would leave hundreds of spent events in SimPy's queue, one per request served in
        time.)"""
        now = self.env.now
        if self._timer_at is not None and self._timer_at <= now:
            self._timer_at = None
        due = self._deadlines
        while due and due[0][0] <= now:
            self._renege(heapq.heappop(due)[2])
        while due and due[0][2].state != WAITING:
            heapq.heappop(due)
        if due and (self._timer_at is None or due[0][0] < self._timer_at):
            self._arm(due[0][0])

    def acquire(self, priority: float = 0.0) -> simpy.Event:
        """For process-style journeys: an event that succeeds with the ticket once a unit is
        allocated (``ticket = yield pool.acquire()``); call ``release()`` when done. The
        request is made now, so a free unit is taken at once, in order."""
        granted = self.env.event()
        self.request(granted.succeed, priority)
        return granted

    def claim(self, priority: float = 0.0, patience: float | None = None) -> Claim:
        """For process-style journeys: ``with pool.claim() as unit: yield unit`` waits for a unit
        and gives it back when the block ends, as a SimPy ``Resource`` request does. The request
        is made now (a free unit is taken at once, in order); with ``patience`` the yield gives
        False if it ran out first (the request has then left the queue), else True."""
        claim = _new(Claim)
        claim.arrived = self.env.now
        claim.on_grant, claim.on_renege = _claim_granted, _claim_reneged
        claim.data, claim.pool = None, self
        claim.callbacks, claim._value = None, True  # as if granted at once, until it queues
        self._submit(claim, priority, patience)
        if claim.state == WAITING:
            claim.callbacks, claim._value = [], PENDING
        return claim

    def cancel(self, ticket: Ticket) -> bool:
        """Withdraw a waiting request (e.g. a patient redirected elsewhere); False if served."""
        if ticket.state != WAITING:
            return False
        ticket.state = CANCELLED
        self._unqueued()
        return True

    def withdraw_next(self) -> Ticket | None:
        """Take the next waiting request out of the queue without granting it (the caller
        serves it elsewhere, e.g. an emergency patient outlying into another ward)."""
        if self.queued == 0:
            return None
        ticket = self._next_waiting()
        if ticket is None:  # pragma: no cover - queued counts only live tickets
            return None
        ticket.state = CANCELLED
        self._unqueued()
        return ticket

    def release(self, n: int = 1) -> None:
        self.in_use -= n
        if self._busy_down is not None:
            self._busy_down(self.env.now)
            if n > 1:
                for _ in range(n - 1):
                    self._busy_down(self.env.now)
        if self.queued > 0:
            self._dispatch()

    def set_capacity(self, capacity: int) -> None:
        """Change staffing (shift change); units in use above it finish their work first."""
        self.capacity = capacity
        self._dispatch()

    # -- internals ----------------------------------------------------------------------------
    def _next_waiting(self) -> Ticket | None:
        fifo = self._fifo
        while fifo:
            t = fifo.popleft()
            if t.state == WAITING:
                return t
        for priority in self._lane_order:
            lane = self._lanes[priority]
            while lane:
                t = lane.popleft()
                if t.state == WAITING:
                    return t
        return None

    def _dispatch(self) -> None:
        while self.in_use < self.capacity and self.queued > 0:
            ticket = self._next_waiting()
            if ticket is None:  # pragma: no cover - queued counts only live tickets
                break
            self.queued -= 1
            now = self.env.now
            if self._queue_down is not None:
                self._queue_down(now)
            ticket.state = SERVING
            ticket.started = now
            self.in_use += 1
            if self._busy_up is not None:
                self._busy_up(now)
            ticket.on_grant(ticket)

    def _renege(self, ticket: Ticket) -> None:
        if ticket.state != WAITING:
            return
        ticket.state = RENEGED
        ticket.started = self.env.now
        self._unqueued()
        if ticket.on_renege is not None:
            ticket.on_renege(ticket)

    def _unqueued(self) -> None:
        """A waiting request left the queue without a unit (cancelled, withdrawn, reneged)."""
        self.queued -= 1
        if self._queue_down is not None:
            self._queue_down(self.env.now)


class Station(Pool):
    """A pool whose units serve each request for a given time, then free themselves."""

    def __init__(self, env: simpy.Environment, capacity: int, name: str = "station",
                 discipline: Discipline = "fifo", busy: Steps | None = None,
                 queue: Steps | None = None):
        super().__init__(env, capacity, name, discipline, busy, queue)
        self._finish_callbacks = (self._finish,)  # every ticket's end-of-service callback
        self._on_grant = self._start  # bound once, not per request

    def join(self, service_mins: float, on_done: Callable[[Ticket], Any] | None = None,
             priority: float = 0.0, patience: float | None = None,
             on_renege: Callable[[Ticket], Any] | None = None, data: Any = None,
             on_start: Callable[[Ticket], Any] | None = None) -> Ticket:
        """Queue for a unit, hold it ``service_mins``, then ``on_done(ticket)``."""
        ticket = _new(Ticket)
        ticket.arrived = self.env.now
        ticket.on_grant = self._on_grant
        ticket.on_renege = on_renege
        ticket.data = data
        ticket.service = service_mins
        ticket.on_done = on_done
        ticket.on_start = on_start
        return self._submit(ticket, priority, patience)

    def serve(self, service_mins: float, priority: float = 0.0) -> simpy.Event:
        """For process-style code: an event that succeeds with the queueing wait when done."""
        done = self.env.event()
        self.join(service_mins, lambda t: done.succeed(t.wait), priority)
        return done

    def _start(self, ticket: Ticket) -> None:
        """Service starts: the ticket is scheduled as the event that ends it."""
        if ticket.on_start is not None:
            ticket.on_start(ticket)
        ticket.callbacks = self._finish_callbacks
        self.env.schedule(ticket, NORMAL, ticket.service)  # type: ignore[arg-type]

    def _finish(self, ticket: Ticket) -> None:
        ticket.state = DONE
        self.in_use -= 1
        if self._busy_down is not None:
            self._busy_down(self.env.now)
        if self.queued > 0:
            self._dispatch()
        if ticket.on_done is not None:
            ticket.on_done(ticket)


class Claim(Ticket):
    """A process's request for one unit of a pool: an event that succeeds with True once the
    unit is the process's, or False when its patience ran out. Leaving its ``with`` block (or
    ``release()``) gives the unit back, or withdraws the request if it is still waiting.

    The claim is its own ticket and its own SimPy event (``callbacks``, ``_ok``, ``_value``):
    one object a request, made without ``__init__``, like a station's ticket."""

    __slots__ = ("_value", "pool")

    @property
    def triggered(self) -> bool:
        """Granted or given up (as SimPy's ``Event.triggered``)."""
        return self._value is not PENDING

    @property
    def value(self) -> bool:
        """True once granted, False if patience ran out (as SimPy's ``Event.value``)."""
        if self._value is PENDING:
            raise AttributeError(f"Value of {self} is not yet available")
        return self._value

    @property
    def granted(self) -> bool:
        """The unit is held now (maybe before the process has been woken to use it)."""
        return self.state == SERVING

    def release(self) -> None:
        """Give the unit back, or leave the queue if still waiting (no-op once done)."""
        if self.state == SERVING:
            self.state = DONE
            self.pool.release()
        elif self.state == WAITING:
            self.pool.cancel(self)

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # GeneratorExit: a journey still waiting or served when the run ended is being garbage
        # collected; its pool belongs to a finished replication, so nothing is given back
        # (``release`` written out: a block ends about 50,000 times a year)
        if exc_type is not GeneratorExit:
            if self.state == SERVING:
                self.state = DONE
                self.pool.release()
            elif self.state == WAITING:
                self.pool.cancel(self)


def _claim_granted(claim: Claim) -> None:
    """A claim's unit: nothing more if granted at once (the claim was born processed, so
    yielding it costs no event), else the claim succeeds with True."""
    if claim.callbacks is not None:
        claim._value = True
        claim.pool.env.schedule(claim)  # type: ignore[arg-type]


def _claim_reneged(claim: Claim) -> None:
    claim._value = False
    claim.pool.env.schedule(claim)  # type: ignore[arg-type]
