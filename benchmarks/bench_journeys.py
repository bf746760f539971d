"""Callbacks or processes? One M/M/5 queue of 200,000 patients written both ways on our Station.

The model keeps a fast form only for its high-volume journeys: ED attendances (about 420,000
type 1 a year) and emergency bed stays (about 150,000) are chains of scheduled steps, the patient
being the event of their own next step (``Engine.wake``), with ED's handover and assessment
queues booked on joining (``sim.core.booked``); each module carries a journey map and
``tests/test_journey_trace.py`` follows one patient through it. The low-volume journeys (UCR
visits, virtual ward stays, discharge-to-assess placements, reablement, elective inpatient
stays) are SimPy processes, one generator per patient that reads top to bottom, where the cost
is a small share of a replication. This measures what the callback style saves on one queue:
Station callbacks against a process per patient (ED's booked queues go further: no event at all
per handover or assessment). Usage:

    python benchmarks/bench_journeys.py [--patients 200000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.core.station import Station


def run(style: str, n: int) -> float:
    rng = np.random.default_rng(1)
    inter, service = rng.exponential(1.0, n).tolist(), rng.exponential(4.0, n).tolist()
    env = simpy.Environment()
    st = Station(env, 5)
    done = [0]

    def finish(_t=None) -> None:
        done[0] += 1

    def patient(i: int):
        yield st.acquire()
        yield env.timeout(service[i])
        st.release()
        finish()

    def source():
        for i in range(n):
            yield env.timeout(inter[i])
            if style == "callbacks":
                st.join(service[i], finish)
            else:
                env.process(patient(i))

    env.process(source())
    t = time.perf_counter()
    env.run()
    assert done[0] == n
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=200_000)
    n = ap.parse_args().patients
    rates = {style: run(style, n) for style in ("callbacks", "process")}
    for style, rate in rates.items():
        print(f"{style:10s} {rate:10,.0f} patients/s")
    print(f"callbacks are {rates['callbacks'] / rates['process']:.2f}x the process style")


if __name__ == "__main__":
    main()
