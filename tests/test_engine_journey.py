"""``Engine.process`` (a :class:`Journey`), ``Engine.timeout`` and ``Engine.event`` skip parts
of SimPy's machinery: the same program must log the same steps at the same minutes on a plain
SimPy environment, including a journey waited on, a journey that fails and zero delays."""

from __future__ import annotations

from typing import Any

import pytest
import simpy

from sim.core.engine import Engine, Journey


def _program(env: simpy.Environment) -> list[tuple[float, str]]:
    log: list[tuple[float, str]] = []

    def child(name: str, delay: float) -> Any:
        log.append((env.now, f"{name} starts"))
        yield env.timeout(delay)
        log.append((env.now, f"{name} ends"))
        return name.upper()

    def parent() -> Any:
        got = yield env.process(child("a", 2.0))  # waits on a journey: its end event
        log.append((env.now, f"parent got {got}"))
        signal = env.event()
        env.process(child("b", 0.0))
        signal.succeed("go")
        value = yield signal
        log.append((env.now, f"parent signalled {value}"))
        yield env.timeout(0.0)
        log.append((env.now, "parent after zero"))
        done = env.process(child("c", 1.0))
        yield env.timeout(5.0)
        log.append((env.now, f"parent late yield {(yield done)}"))  # ended long ago

    def failing() -> Any:
        yield env.timeout(1.0)
        try:
            yield env.process(_raises(env))
        except KeyError as e:
            log.append((env.now, f"caught {e.args[0]}"))

    env.process(parent())
    env.process(failing())
    env.process(child("d", 1.0))
    env.run()
    return log


def _raises(env: simpy.Environment) -> Any:
    yield env.timeout(1.0)
    raise KeyError("bad")


def test_engine_runs_a_program_as_simpy_does() -> None:
    plain = _program(simpy.Environment())
    assert len(plain) == 13 and (2.0, "caught bad") in plain
    assert plain[-1] == (7.0, "parent late yield C")
    assert _program(Engine()) == plain


def test_a_journey_is_a_process_and_refuses_a_non_generator() -> None:
    env = Engine()
    j = env.process(x for x in [env.timeout(1.0)])
    assert isinstance(j, Journey) and isinstance(j, simpy.Process) and j.is_alive
    env.run()
    assert not j.is_alive
    with pytest.raises(ValueError, match="not a generator"):
        env.process(lambda: None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Negative delay"):
        env.timeout(-1.0)


def test_an_uncaught_failure_in_a_journey_stops_the_run() -> None:
    env = Engine()
    env.process(_raises(env))
    with pytest.raises(KeyError, match="bad"):
        env.run()


def test_run_until_a_time_or_an_event_and_resume_as_simpy_does() -> None:
    """``Engine.run`` writes SimPy's ``step`` into its loop: stopping at a time, at an event
    (its value returned), resuming, and an empty queue before ``until`` all behave alike."""
    def trace(env: simpy.Environment) -> list:
        log: list = []

        def ticker() -> Any:
            for k in range(6):
                yield env.timeout(1.5)
                log.append((env.now, k))

        env.process(ticker())
        env.run(until=3.0)
        log.append(("paused", env.now))
        stop = env.timeout(2.0, value="v")
        log.append(("until event", env.run(until=stop), env.now))
        env.run()
        log.append(("end", env.now))
        with pytest.raises(RuntimeError, match="not triggered"):
            env.run(until=env.event())
        with pytest.raises(ValueError, match="greater than"):
            env.run(until=env.now)
        return log

    plain = trace(simpy.Environment())
    assert plain[:3] == [(1.5, 0), ("paused", 3.0), (3.0, 1)]  # until stops before 3.0's tick
    assert ("until event", "v", 5.0) in plain and plain[-1] == ("end", 9.0)
    assert trace(Engine()) == plain
