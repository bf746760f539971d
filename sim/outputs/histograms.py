"""Distributions a report shows (ED time in department, UCR response, RTT waits at the end),
kept as counts in fixed bins so that they travel with the results and add up over
replications, without holding any patient after the replication ends."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.clock import Window
from sim.core.monitor import Monitor


@dataclass(frozen=True)
class Histogram:
    name: str
    title: str
    unit: str
    edges: tuple[float, ...]  # the last bin is open: values >= edges[-2] fall in it
    source: str  # tally name (values in the window) or "rtt.open_weeks" (open pathways at end)
    scale: float = 1.0  # multiply the tally's values by this to get ``unit``
    marker: float | None = None  # the standard's limit, drawn on the chart

    def counts(self, values: np.ndarray) -> list[int]:
        clipped = np.minimum(np.asarray(values, dtype=float) * self.scale, self.edges[-2])
        counts, _ = np.histogram(clipped, bins=np.asarray(self.edges))
        return counts.astype(int).tolist()


def _edges(stop: float, step: float) -> tuple[float, ...]:
    """Bins of ``step`` from 0 to ``stop``, then one open bin for everything beyond."""
    return (*(float(x) for x in np.arange(0, stop + step / 2, step)), OPEN_END)


OPEN_END = 1e9
HISTOGRAMS = (
    Histogram("ed_time_in_dept", "ED time in department (all types)", "hours",
              _edges(24, 0.5), "ed.time_in_dept", 1 / 60, 4.0),
    Histogram("ucr_response", "UCR response time (in-scope referrals)", "minutes",
              _edges(480, 15), "ucr.response_mins", 1.0, 120.0),
    Histogram("rtt_wait_at_end", "RTT waits of incomplete pathways at the end", "weeks",
              _edges(104, 2), "rtt.open_weeks", 1.0, 18.0),
)


def collect(monitor: Monitor, window: Window) -> dict[str, list[int]]:
    out = {}
    for h in HISTOGRAMS:
        if h.source in monitor.arrays:
            out[h.name] = h.counts(monitor.arrays[h.source])
        elif h.source in monitor.tallies and len(monitor.tallies[h.source]):
            out[h.name] = h.counts(monitor.tallies[h.source].select(window)[0])
    return out
