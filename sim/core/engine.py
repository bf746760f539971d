"""The replication's clock: SimPy's ``Environment`` with cheap scheduled calls.

Most of the model's events are "run this function then" (a patient's stay ends, a clinician
finishes). A ``Timeout`` with a lambda costs a callbacks list, a closure and three Python calls
per event; a :class:`Call` is one small object put on SimPy's own queue and run by SimPy's own
``step``, in the same (time, priority, insertion) order as a ``Timeout`` created at the same
moment. So processes, timeouts and calls mix freely and the order of events is unchanged.

This leans on SimPy internals, not its public API (pyproject.toml pins simpy to the tested
minor version, 4.1, for this reason): ``Environment._queue`` (a heap of (time, priority, id,
event)), ``_eid`` (the id counter), ``_now``, ``simpy.core.NORMAL``, and what
``Environment.step`` does with an event: it sets ``callbacks`` to None, calls each callback
with the event, then reads ``_ok``. ``Engine.wake`` relies on that reset to know a patient
has no step pending; ``Journey`` sets ``Process``'s ``_generator`` and ``_target`` and the
environment's ``_active_proc`` as SimPy's ``Process._resume`` does. Before moving to a new
SimPy minor, re-read its ``step`` and ``Process._resume`` and run ``tests/test_golden.py`` and
``tests/test_engine_journey.py``.

Journeys written as generators (``env.process``) run as :class:`Journey`: SimPy's ``Process``
without its ``Initialize`` event (a slot object on the queue at the same URGENT priority), without
the end-of-process event when nobody waits on it, and resumed by a loop that only handles what
this model yields; ``env.timeout`` and ``env.event`` skip SimPy's ``BoundClass`` and ``schedule``
calls. Events happen in the same order (a baseline run's outputs are byte-identical); a
journey costs about five Python calls and one queue event fewer, a timeout two calls fewer.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from operator import attrgetter
from typing import Any

import simpy
from simpy.core import NORMAL, EmptySchedule, StopSimulation
from simpy.events import URGENT, Event, Process, Timeout


def _fire(call: Call) -> None:
    call.fn(call.arg)


def _fire0(call: Call) -> None:
    call.fn()


_FIRE = (_fire,)  # shared, never mutated: SimPy only iterates an event's callbacks
_FIRE0 = (_fire0,)


class Call:
    """What SimPy's ``step`` needs of an event (``callbacks``, ``_ok``) and a function to run.

    Made without ``__init__`` (``_new(Call)`` and three stores): this is the hottest
    allocation of a replication, about two million a year at baseline."""

    __slots__ = ("arg", "callbacks", "fn")
    _ok = True  # a call never fails (SimPy reads it after the callbacks)


_new = object.__new__


class _Start:
    """What starts a journey (SimPy's ``Initialize``, as a slot object): resumes it with None."""

    __slots__ = ("callbacks",)
    _ok = True
    _value = None


class Journey(Process):
    """A SimPy ``Process`` that costs fewer calls (see the module docstring); the same
    ``Process`` to whoever yields it, interrupts it or reads ``is_alive``."""

    def __init__(self, env: Engine, generator: Any):
        try:
            generator.throw  # noqa: B018 - SimPy's test for a generator (a Cython one too)
        except AttributeError:
            raise ValueError(f"{generator} is not a generator.") from None
        self.env = env
        self.callbacks: list | None = []
        self._generator = generator
        resume = self._resume_cb = self._resume  # one bound method a journey, not a wait
        start = _new(_Start)
        start.callbacks = (resume,)
        self._target = start  # type: ignore[assignment]
        heappush(env._queue, (env._now, URGENT, next(env._eid), start))

    def _resume(self, event: Event) -> None:
        """SimPy's ``Process._resume`` for events that succeeded; a failed event goes to it."""
        if not event._ok:
            Process._resume(self, event)
            return
        env = self.env
        env._active_proc = self
        send = self._generator.send
        while True:
            try:
                event = send(event._value)
            except StopIteration as stop:
                self._ok, self._value = True, stop.value
                if self.callbacks:  # someone waits on this journey: SimPy's end event
                    heappush(env._queue, (env._now, NORMAL, next(env._eid), self))
                else:  # nobody: processed now (a later yield on it resumes at once)
                    self.callbacks = None
                env._active_proc = None
                self._target = None  # type: ignore[assignment]
                return
            except BaseException as e:
                self._ok = False
                e.__traceback__ = e.__traceback__.tb_next  # type: ignore[union-attr]
                self._value = e
                env.schedule(self)
                env._active_proc = None
                self._target = None  # type: ignore[assignment]
                return
            try:
                callbacks = event.callbacks
            except AttributeError:
                raise RuntimeError(f'Invalid yield value "{event}"') from None
            if callbacks is not None:
                callbacks.append(self._resume_cb)
                break
            if not event._ok:  # yielded an event that already failed: SimPy's handling
                self._target = event
                env._active_proc = None
                Process._resume(self, event)
                return
        self._target = event
        env._active_proc = None


class Engine(simpy.Environment):
    """A SimPy environment whose ``after`` schedules a function call without a ``Timeout``."""

    # the clock read without a Python frame (SimPy's ``now`` is a property function; the model
    # reads it about six million times a run)
    now = property(attrgetter("_now"))  # type: ignore[assignment]

    def run(self, until: float | Event | None = None) -> Any:
        """SimPy's ``run`` with its ``step`` written into the loop: one Python call fewer per
        event (about 1.6 million a baseline year). The same semantics, ``until`` included."""
        if until is not None:
            if not isinstance(until, Event):
                at = until if isinstance(until, int) else float(until)
                if at <= self._now:
                    raise ValueError(
                        f"until ({at}) must be greater than the current simulation time")
                until = _new(Event)
                until.env, until.callbacks, until._ok, until._value = self, [], True, None
                now = self._now  # (the same float as SimPy's now + (at - now))
                heappush(self._queue, (now + (at - now), URGENT, next(self._eid), until))
            elif until.callbacks is None:
                return until.value
            until.callbacks.append(StopSimulation.callback)
        queue = self._queue
        try:
            while True:
                try:
                    self._now, _, _, event = heappop(queue)
                except IndexError:
                    raise EmptySchedule from None
                callbacks, event.callbacks = event.callbacks, None
                try:
                    for callback in callbacks:
                        callback(event)
                except StopSimulation:  # as SimPy: what is left runs when the run resumes
                    event.callbacks = list(callbacks[callbacks.index(callback) + 1:])
                    self.schedule(event, -1)  # type: ignore[arg-type]
                    raise
                if not event._ok and not hasattr(event, "_defused"):
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    raise exc
        except StopSimulation as stop:
            return stop.args[0]
        except EmptySchedule:
            if until is not None:
                raise RuntimeError(f'No scheduled events left but "until" event was not '
                                   f"triggered: {until}") from None
        return None

    def process(self, generator: Any) -> Journey:  # type: ignore[override]
        """Start a journey now (after this instant's URGENT events, as SimPy does)."""
        return Journey(self, generator)

    def timeout(self, delay: float, value: Any = None) -> Timeout:  # type: ignore[override]
        """SimPy's ``Timeout``, made and queued without its ``__init__`` and ``schedule``."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        t = _new(Timeout)
        t.env, t.callbacks, t._value, t._delay, t._ok = self, [], value, delay, True
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), t))
        return t

    def event(self) -> Event:  # type: ignore[override]
        """SimPy's ``Event``, made without ``BoundClass`` and ``__init__``."""
        e = _new(Event)
        e.env, e.callbacks = self, []
        return e

    def after(self, delay: float, fn: Callable[[Any], Any], arg: Any) -> None:
        """Call ``fn(arg)`` in ``delay`` minutes (a negative delay means now)."""
        call = _new(Call)
        call.callbacks, call.fn, call.arg = _FIRE, fn, arg
        heappush(self._queue, (self._now + (delay if delay > 0.0 else 0.0), NORMAL,
                               next(self._eid), call))

    def at(self, when: float, fn: Callable[[Any], Any], arg: Any) -> None:
        """Call ``fn(arg)`` at minute ``when`` (now if that has passed): for a journey that
        booked its next step's time itself (the same float a chain of delays would give)."""
        call = _new(Call)
        call.callbacks, call.fn, call.arg = _FIRE, fn, arg
        heappush(self._queue, (when if when > self._now else self._now, NORMAL,
                               next(self._eid), call))

    def wake(self, when: float, who: Any, steps: tuple) -> None:
        """Schedule ``who`` itself as the event (a patient: see ``Record``) at minute ``when``:
        SimPy then calls each of ``steps`` with it. No object is made per event; ``steps`` is
        a tuple the caller built once. A patient has one next step pending at a time."""
        if who.callbacks is not None:
            raise RuntimeError(f"{who!r} already has a step pending")
        who.callbacks = steps
        heappush(self._queue, (when if when > self._now else self._now, NORMAL,
                               next(self._eid), who))

    def wake_after(self, delay: float, who: Any, steps: tuple) -> None:
        """``wake`` in ``delay`` minutes (a negative delay means now)."""
        if who.callbacks is not None:
            raise RuntimeError(f"{who!r} already has a step pending")
        who.callbacks = steps
        heappush(self._queue, (self._now + (delay if delay > 0.0 else 0.0), NORMAL,
                               next(self._eid), who))

    def after0(self, delay: float, fn: Callable[[], Any]) -> None:
        """Call ``fn()`` in ``delay`` minutes (a negative delay means now)."""
        call = _new(Call)
        call.callbacks, call.fn = _FIRE0, fn
        heappush(self._queue, (self._now + (delay if delay > 0.0 else 0.0), NORMAL,
                               next(self._eid), call))

    def feed(self, times: list[float], fn: Callable[..., Any], args: list | None = None) -> None:
        """Call ``fn()`` (or ``fn(args[k])``) at each of the (sorted) ``times[k]``, one call
        scheduled at a time, as a process looping over the times would."""
        items = iter(zip(times, args, strict=True) if args is not None
                     else ((t, None) for t in times))
        action = fn if args is not None else (lambda _arg: fn())
        pending = _new(Call)  # a feed has one call pending at a time: the same object serves
        queue, eid = self._queue, self._eid

        def fire(arg: Any) -> None:
            action(arg)
            for t, a in items:
                now = self._now
                if t > now:
                    pending.callbacks, pending.arg = _FIRE, a
                    heappush(queue, (now + (t - now), NORMAL, next(eid), pending))
                    return
                action(a)  # at the same moment: at once

        pending.fn = fire
        for t, a in items:
            pending.callbacks, pending.arg = _FIRE, a
            heappush(queue, (self._now + max(t - self._now, 0.0), NORMAL, next(eid), pending))
            return


def call_at(env: simpy.Environment, when: float, fn: Callable[[Any], Any], arg: Any = None
            ) -> None:
    """``fn(arg)`` at minute ``when``, on an :class:`Engine` (at that very minute) or on any
    SimPy environment (after the delay to it)."""
    if isinstance(env, Engine):
        env.at(when, fn, arg)
    else:
        env.timeout(max(when - env.now, 0.0)).callbacks.append(lambda _e: fn(arg))
