"""Command-line interface: parses arguments, calls the library and prints; the CLI owns the terminal
(orchestration of runs and batches lives in sim.experiment.orchestrate).

The package: :mod:`.parser` (arguments), :mod:`.common` (what every verb shares) and one
module per family of verbs (:mod:`.run`, :mod:`.seek`, :mod:`.checks`, :mod:`.info`).
``run_sim.py``, ``ics-sim`` and ``python -m sim.cli`` all call :func:`main`.
"""

from __future__ import annotations

import sys

from sim.cli.checks import cmd_validation, cmd_verify
from sim.cli.common import (
    DEFAULT_REPLICATIONS,
    EXIT_INPUT,
    QUICK_MEASUREMENT_DAYS,
    QUICK_REPLICATIONS,
    load_scenario,
)
from sim.cli.info import (
    cmd_advise,
    cmd_compare,
    cmd_describe,
    cmd_docs,
    cmd_kpis,
    cmd_schema,
    cmd_validate,
)
from sim.cli.parser import build_parser
from sim.cli.run import batch_lines, cmd_batch, cmd_report, cmd_run, targets_text
from sim.cli.seek import cmd_seek
from sim.core.errors import InputError

__all__ = ["COMMANDS", "DEFAULT_REPLICATIONS", "EXIT_INPUT", "QUICK_MEASUREMENT_DAYS",
           "QUICK_REPLICATIONS", "batch_lines", "build_parser", "cmd_advise", "cmd_batch",
           "cmd_compare", "cmd_describe", "cmd_docs", "cmd_kpis", "cmd_report", "cmd_run",
           "cmd_schema", "cmd_seek", "cmd_validate", "cmd_validation", "cmd_verify",
           "load_scenario", "main",
           "targets_text"]


def main(argv: list[str] | None = None) -> int:
    from sim.experiment.runner import BackendError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return EXIT_INPUT
    except BackendError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "schema": cmd_schema, "kpis": cmd_kpis,
            "batch": cmd_batch, "compare": cmd_compare, "verify": cmd_verify,
            "validation": cmd_validation, "describe": cmd_describe, "report": cmd_report,
            "advise": cmd_advise, "seek": cmd_seek, "docs": cmd_docs}
