"""What every verb of the command line shares: scenarios loaded with the KPI ids their targets
may name, the size and folder options checked into one-line errors, warnings printed to
stderr, progress bars."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from sim import scenario as scenarios
from sim.core.errors import InputError, Problem, RunWarning
from sim.scenario import Scenario

EXIT_INPUT = 2
# 20: with every replication meeting a target, the Wilson lower bound of P(met) first reaches
# the default required confidence (0.8) at 16 replications
DEFAULT_REPLICATIONS = 20
QUICK_REPLICATIONS = 5  # sim.experiment.orchestrate.QUICK_REPLICATIONS (a test checks)
QUICK_MEASUREMENT_DAYS = 91  # sim.experiment.orchestrate.QUICK_MEASUREMENT_DAYS


def kpi_ids() -> Mapping[str, str]:
    """Targets may name only these KPIs (id -> unit): every scenario the command line reads is
    checked, and a target on a % KPI given a fraction (0.78) is warned about."""
    from sim.outputs.kpis import KPIS

    return {kpi_id: k.unit for kpi_id, k in KPIS.items()}


def load_scenario(path: str | Path, sets: list[str] | None = None) -> Scenario:
    return scenarios.load_scenario(path, sets, known_kpis=kpi_ids())


MAX_FACTOR = 100.0


def _factor(text: str, option: str) -> float:
    """A --scale or --capacity-factor value: a number above 0 and at most 100."""
    shown = text if text.strip() else repr(text)
    try:
        value = float(text)
    except ValueError:
        raise InputError.one(option, shown, "not a number") from None
    if not 0 < value <= MAX_FACTOR:  # also refuses nan and inf
        raise InputError.one(option, shown, f"must be above 0 and at most {MAX_FACTOR:g}")
    return value


def sizes(args: argparse.Namespace) -> tuple[float, float]:
    """(--scale, --capacity-factor), checked: a bad value is one ``OPTION: VALUE: REASON`` line
    (both, when both are bad) and exit status 2, like every other input problem."""
    values, problems = [], []
    for option, text in (("--scale", args.scale), ("--capacity-factor", args.capacity_factor)):
        try:
            values.append(_factor(text, option))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return values[0], values[1]


def folder_flags(args: argparse.Namespace) -> None:
    """--resume needs the folder to resume, and --force (start again) contradicts it."""
    if args.resume and args.force:
        raise InputError.one("--force", "--resume", "use one of them: --resume finishes the "
                             "run in --out, --force replaces it")
    if args.resume and not args.out:
        raise InputError.one("--resume", "--out", "say which folder to resume: --out FOLDER")


def input_warnings(found: list[Problem]) -> list[RunWarning]:
    return [RunWarning.from_problem(p, kind="input") for p in dict.fromkeys(found)]


def print_warnings(warnings: list[RunWarning]) -> None:
    for w in warnings:
        print(str(w), file=sys.stderr)


def progress_bar(total: int, unit: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit=unit[:-1] if unit.endswith("s") else unit, desc=unit,
                disable=quiet or not sys.stderr.isatty(), leave=False)


class Bar:
    """A progress callback ``(done, total)`` drawing a bar, opened at the first call."""

    def __init__(self, unit: str, quiet: bool):
        self.unit, self.quiet, self.bar = unit, quiet, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = progress_bar(total, self.unit, self.quiet)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
