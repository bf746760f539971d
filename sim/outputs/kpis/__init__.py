"""KPIs: pure functions of one replication's observations over a window, each with a stable id.

The framework (registry, evaluation, helpers) is in ``base``; the KPIs are in one module per
family of services, imported here in the order the README's table lists them. Adding a KPI
means adding one decorated function to its family's module.
"""

# Imported to register their KPIs, in the order of the README's table.
from sim.outputs.kpis import emergency  # noqa: F401  # isort: skip
from sim.outputs.kpis import primary_care  # noqa: F401  # isort: skip
from sim.outputs.kpis import community  # noqa: F401  # isort: skip
from sim.outputs.kpis import discharge  # noqa: F401  # isort: skip
from sim.outputs.kpis import acute  # noqa: F401  # isort: skip
from sim.outputs.kpis import elective  # noqa: F401  # isort: skip
from sim.outputs.kpis import cancer  # noqa: F401  # isort: skip
from sim.outputs.kpis import counts  # noqa: F401  # isort: skip
from sim.outputs.kpis import costs  # noqa: F401  # isort: skip
from sim.outputs.kpis.base import KPIS, Kpi, RunData, evaluate, kpi, markdown_table, pct

__all__ = ["KPIS", "Kpi", "RunData", "evaluate", "kpi", "markdown_table", "pct"]
