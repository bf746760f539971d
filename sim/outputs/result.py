"""What one replication yields: its KPI values, monthly values, flows and histograms."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ReplicationResult:
    scenario: str
    replication: int
    kpis: dict[str, float]
    monthly: dict[str, dict[str, float]]  # month label -> kpi -> value
    flows: dict[str, dict[str, int]] = field(default_factory=dict)
    histograms: dict[str, list[int]] = field(default_factory=dict)  # see sim.outputs.histograms
    # queue -> weekly means over the measurement window (sim.outputs.settling.queue_weeks)
    queue_weeks: dict[str, list[float]] = field(default_factory=dict)
