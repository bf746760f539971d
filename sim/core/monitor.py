"""Observations of one replication: tallies, time-weighted levels and patient-flow counts.

Tallies keep each observation with a reference time (usually the arrival), so a KPI applies its
window by when the patient arrived; patients still waiting at the end are added as censored
observations rather than dropped. Levels keep the whole step trace so that any window (the
measurement period, one month) can be averaged later. Arrays are compact (``array('d')``).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import NoReturn

import numpy as np

from sim.core.clock import Window


class Tally:
    """Observations (reference time, value); censored ones are few, so kept as indices."""

    __slots__ = ("censored_at", "t", "v")

    def __init__(self) -> None:
        self.t = array("d")
        self.v = array("d")
        self.censored_at = array("q")

    def record(self, t_ref: float, value: float, censored: bool = False) -> None:
        if censored:
            self.censored_at.append(len(self.t))
        self.t.append(t_ref)
        self.v.append(value)

    def extend(self, t_ref: np.ndarray, values: np.ndarray, censored: np.ndarray) -> None:
        """Many observations at once (bulk-handled patients)."""
        start = len(self.t)
        self.censored_at.extend((np.flatnonzero(censored) + start).tolist())
        self.t.extend(np.asarray(t_ref, dtype=float).tolist())
        self.v.extend(np.asarray(values, dtype=float).tolist())

    def select(self, window: Window) -> tuple[np.ndarray, np.ndarray]:
        """Values (and censored flags) whose reference time falls in the window."""
        t = np.array(self.t, dtype=float)
        v = np.array(self.v, dtype=float)
        c = np.zeros(t.size, dtype=bool)
        c[np.array(self.censored_at, dtype=np.int64)] = True
        keep = (t >= window.start) & (t < window.end)
        return v[keep], c[keep]

    def total(self, window: Window) -> float:
        """Sum of the values in the window (tallies of daily counts)."""
        values, _ = self.select(window)
        return float(values.sum())

    def last_before(self, when: float) -> float:
        """The last value recorded with reference time before ``when`` (NaN if none)."""
        t = np.array(self.t, dtype=float)
        i = int(np.searchsorted(t, when, side="left")) - 1
        return float(self.v[i]) if i >= 0 else float("nan")

    def __len__(self) -> int:
        return len(self.t)


class NotFinished(RuntimeError):
    """A level recorded as steps was read before ``Monitor.finish`` made it: it would read 0."""


class Level:
    """A piecewise-constant quantity (beds occupied, list size) and its time average."""

    __slots__ = ("last", "pending", "t", "v", "value")

    def __init__(self, value: float = 0.0, t0: float = 0.0) -> None:
        self.t = array("d", [t0])
        self.v = array("d", [value])
        self.value = value
        self.last = t0  # time of the last change (the hot path compares with it)
        self.pending = ""  # the name of the level while a Steps recorder still holds its trace

    def set(self, now: float, value: float) -> None:
        if now == self.last:
            self.v[-1] = value
        else:
            self.t.append(now)
            self.v.append(value)
            self.last = now
        self.value = value

    def add(self, now: float, delta: float) -> None:
        self.set(now, self.value + delta)

    def load(self, times: np.ndarray, deltas: np.ndarray) -> None:
        """Record at once, at the end of a run, the changes ``deltas`` made at ``times`` to a
        level that has not changed yet: the trace ``add`` would have made call by call (the
        value after the last change at each moment), for a level whose changes are cheaper to
        keep as spells than to record as they happen."""
        if len(self.t) != 1:
            raise ValueError("load() fills a level that has not changed yet")
        times = np.asarray(times, dtype=float)
        if not times.size:
            return
        order = np.argsort(times, kind="stable")
        t = times[order]
        v = self.value + np.cumsum(np.asarray(deltas, dtype=float)[order])
        last = np.append(t[1:] != t[:-1], True)  # the value after each moment's last change
        t, v = t[last], v[last]
        if t[0] == self.last:
            self.v[0] = v[0]
            t, v = t[1:], v[1:]
        self.t.frombytes(np.ascontiguousarray(t, dtype=float).tobytes())
        self.v.frombytes(np.ascontiguousarray(v, dtype=float).tobytes())
        self.last = float(self.t[-1])
        self.value = float(self.v[-1])

    def mean(self, window: Window) -> float:
        """Time average over the window (the level holds its last value to the window's end)."""
        if self.pending:
            _not_finished(self.pending)
        if window.end <= window.start:
            return float("nan")
        t = np.frombuffer(self.t, dtype=float)
        v = np.frombuffer(self.v, dtype=float)
        edges = np.clip(np.append(t, np.inf), window.start, window.end)
        return float(np.sum(v * np.diff(edges)) / (window.end - window.start))

    def at(self, when: float) -> float:
        """Value in force at time ``when`` (after any change made exactly then)."""
        if self.pending:
            _not_finished(self.pending)
        t = np.frombuffer(self.t, dtype=float)
        i = int(np.searchsorted(t, when, side="right")) - 1
        return float(self.v[max(i, 0)])


class Steps:
    """A level that moves one at a time (beds occupied, patients waiting), kept during the run
    as the times it stepped up and down and made into its :class:`Level` at the end
    (``Monitor.finish``). ``up(now)`` and ``down(now)`` are bare appends, not calls of ours:
    about a million steps a year at baseline, in time order, so the two sorted runs merge in
    one pass."""

    __slots__ = ("down", "downs", "level", "up", "ups")

    def __init__(self, level: Level, name: str = "steps") -> None:
        self.level = level
        level.pending = name  # reading it before finish() raises rather than giving 0
        self.ups, self.downs = array("d"), array("d")
        self.up, self.down = self.ups.append, self.downs.append

    def finish(self) -> None:
        up, down = np.frombuffer(self.ups, dtype=float), np.frombuffer(self.downs, dtype=float)
        self.level.pending = ""
        self.level.load(np.concatenate([up, down]),
                        np.concatenate([np.ones(up.size), np.full(down.size, -1.0)]))


def _not_finished(name: str) -> NoReturn:
    raise NotFinished(f"level {name!r} is recorded as steps during the run and made by "
                      "Monitor.finish(): read it after the run has finished (before, it reads 0)")


@dataclass
class Flows:
    """Patient-flow ledger per service, for conservation checks.

    Every entry is either from outside the model (``external``) or a transfer from another
    service; every exit is ``finished`` (care ended), ``transferred`` (to another modelled
    service) or ``redirected`` (to something the model does not hold: 111, social care, a
    switched-off service). Plain dicts (a service registers its name, :meth:`register`):
    services count into them directly, about 1.3 million times a year.
    """

    entered: dict[str, int] = field(default_factory=dict)
    external: dict[str, int] = field(default_factory=dict)
    finished: dict[str, int] = field(default_factory=dict)
    transferred: dict[str, int] = field(default_factory=dict)
    redirected: dict[str, int] = field(default_factory=dict)

    def register(self, service: str) -> None:
        for counts in (self.entered, self.external, self.finished, self.transferred,
                       self.redirected):
            counts.setdefault(service, 0)

    def enter(self, service: str, external: bool = True, n: int = 1) -> None:
        self.entered[service] = self.entered.get(service, 0) + n
        if external:
            self.external[service] = self.external.get(service, 0) + n

    def finish(self, service: str, n: int = 1) -> None:
        self.finished[service] = self.finished.get(service, 0) + n

    def transfer(self, service: str, n: int = 1) -> None:
        self.transferred[service] = self.transferred.get(service, 0) + n

    def redirect(self, service: str, n: int = 1) -> None:
        self.redirected[service] = self.redirected.get(service, 0) + n

    def expected_in_system(self, service: str) -> int:
        return (self.entered.get(service, 0) - self.finished.get(service, 0)
                - self.transferred.get(service, 0) - self.redirected.get(service, 0))


@dataclass(frozen=True)
class Observations:
    """The observation names a service records: declared once, so a typo is an error."""

    tallies: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    arrays: tuple[str, ...] = ()  # end-of-run snapshots (e.g. open RTT waits)


@dataclass(frozen=True)
class SeriesSpec:
    """One daily output: a level's daily time average, or a tally's daily share within a limit.

    ``queue`` marks things that wait (a queue, a list, patients stuck in beds): they are the
    ones that grow without bound when demand is at or above capacity, so only they are checked
    by :func:`growth_check`. Occupancies are bounded by their beds and shares by 0-100%.
    """

    name: str
    label: str
    needs: str  # the scenario section of the service that records it
    source: str  # monitor name
    kind: str  # "level" (daily mean) or "share" (daily % of a tally's values <= limit)
    limit: float = math.nan
    queue: bool = False



class UndeclaredObservation(KeyError):
    """A name no service declared: a KPI would silently read nothing."""


class Monitor:
    """The declared tallies and levels of one replication; asking for any other name raises."""

    def __init__(self, *declared: Observations) -> None:
        self.tallies: dict[str, Tally] = {}
        self.levels: dict[str, Level] = {}
        self.flows = Flows()
        self.arrays: dict[str, np.ndarray] = {}
        self._array_names: set[str] = set()
        self._steps: dict[str, Steps] = {}
        for obs in declared:
            self.declare(obs)

    def declare(self, obs: Observations) -> None:
        for name in obs.tallies:
            self.tallies.setdefault(name, Tally())
        for name in obs.levels:
            self.levels.setdefault(name, Level())
        self._array_names.update(obs.arrays)

    def tally(self, name: str) -> Tally:
        return _declared(self.tallies, "tally", name)

    def level(self, name: str) -> Level:
        """The declared level ``name``; one recorded as steps raises :class:`NotFinished` until
        :meth:`finish` has made it."""
        level = _declared(self.levels, "level", name)
        if level.pending:
            _not_finished(name)
        return level

    def steps(self, name: str) -> Steps:
        """The declared level ``name`` recorded as unit steps (one recorder per level, however
        many pools step it); it is complete, and readable, after :meth:`finish`."""
        if name not in self._steps:
            self._steps[name] = Steps(_declared(self.levels, "level", name), name)
        return self._steps[name]

    def finish(self) -> None:
        """The run is over: levels recorded as steps are made (once)."""
        for steps in self._steps.values():
            steps.finish()
        self._steps.clear()

    def put_array(self, name: str, values: np.ndarray) -> None:
        if name not in self._array_names:
            raise UndeclaredObservation(f"array {name!r} is not declared by any service")
        self.arrays[name] = values

    def array(self, name: str) -> np.ndarray:
        if name not in self._array_names:
            raise UndeclaredObservation(f"array {name!r} is not declared by any service")
        return self.arrays.get(name, np.empty(0))


def _declared(found: dict, kind: str, name: str):
    try:
        return found[name]
    except KeyError:
        raise UndeclaredObservation(f"{kind} {name!r} is not declared by any service "
                                    f"(declared: {', '.join(sorted(found))})") from None
