"""ics-sim: a discrete-event simulation of an NHS integrated care system.

The package is split the way the questions are: ``scenario`` (what is configured), ``model`` and
``services`` (how patients flow in one replication), ``experiment`` (replications, seeds,
parallelism) and ``results`` (KPIs, targets and files on disk).
"""

__version__ = "0.1.0"
