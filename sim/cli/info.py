"""The verbs that read, check or describe without running a scenario's replications:
``schema``, ``kpis``, ``validate``, ``describe``, ``compare`` and ``advise`` (a pilot)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim import scenario as scenarios
from sim.cli.common import (
    input_warnings,
    kpi_ids,
    load_scenario,
    print_warnings,
    progress_bar,
    sizes,
)
from sim.core.errors import InputError, Problem
from sim.scenario import Scenario
from sim.scenario.scale import load_resized


def cmd_schema(_args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def cmd_kpis(_args: argparse.Namespace) -> int:
    from sim.outputs.kpis import markdown_table

    print(markdown_table())
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """The manual's generated pages: written into the folder, or with --check written nowhere
    and exit 1 naming each stale page."""
    from sim.outputs.docs import stale, write

    folder = Path(args.folder)
    if args.check:
        names = stale(folder)
        for name in names:
            print(f"{folder / name}: stale; regenerate with: make docs")
        return 1 if names else 0
    for path in write(folder):
        print(f"written: {path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """OK, or every problem; a batch file (recognised by its content) has every scenario
    checked. Warnings are printed but do not fail validation."""
    from sim.experiment.batch import load_batch, looks_like_batch

    found: list[Problem] = []
    if looks_like_batch(args.scenario):
        load_batch(args.scenario, args.sets, known_kpis=kpi_ids(), warnings=found)
    else:
        scenarios.load_scenario(args.scenario, args.sets, kpi_ids(), found)
    print_warnings(input_warnings(found))
    print("OK")
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    from sim.outputs.describe import describe

    text = describe(load_scenario(args.scenario), Path(args.scenario))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
        print(f"written: {args.out}")
    else:
        print(text)
    return 0


def cmd_advise(args: argparse.Namespace) -> int:
    from sim.experiment.advise import advise, format_advice

    if args.pilot < 2:
        raise InputError.one("--pilot", "--pilot", "needs at least 2 pilot replications")
    scale, capacity_factor = sizes(args)
    scenario = load_resized(args.scenario, args.sets, scale, capacity_factor,
                            known_kpis=kpi_ids())
    bar = progress_bar(2 * args.pilot, "pilot runs", False)
    advice = advise(scenario, args.seed, pilot=args.pilot, workers=args.workers,
                    progress=lambda _kind, _rep: bar.update(1))
    bar.close()
    print(format_advice(advice))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.outputs.comparison import compare_dirs, cost_lines

    table, note = compare_dirs(Path(args.dir_a), Path(args.dir_b))
    if args.out:
        from sim.outputs.store import write_csv

        Path(args.out).mkdir(parents=True, exist_ok=True)
        write_csv(Path(args.out) / "comparison.csv", table)
    print(note)
    print("Differences are option minus comparator: 'window' over the measured window; a "
          "target's 'judged' difference is on what its verdict is judged on (its deadline "
          "month, or the window).")
    shown = table[["kpi", "target", "comparator_mean", "scenario_mean", "mean_diff", "ci_low",
                   "ci_high", "judged_on", "judged_mean_diff", "judged_ci_low",
                   "judged_ci_high", "comparator_verdict", "scenario_verdict"]].rename(
        columns={"mean_diff": "window_diff", "ci_low": "window_ci_low",
                 "ci_high": "window_ci_high", "judged_mean_diff": "judged_diff",
                 "judged_ci_low": "judged_ci_lo", "judged_ci_high": "judged_ci_hi"})
    print(shown.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    costs = cost_lines(table)
    if costs:
        print("\nCosts (option minus comparator):")
        print("\n".join(f"  {line}" for line in costs))
    return 0
