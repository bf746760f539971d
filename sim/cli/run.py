"""``run``, ``batch`` and ``report``: run replications through sim.experiment.orchestrate,
print the verdicts (a table per scenario, or one line each for a batch), say how to resume an
interrupted run, and write the report pack."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections import Counter
from pathlib import Path

from sim.cli.common import (
    DEFAULT_REPLICATIONS,
    EXIT_INPUT,
    QUICK_REPLICATIONS,
    Bar,
    folder_flags,
    input_warnings,
    kpi_ids,
    print_warnings,
    sizes,
)
from sim.core.errors import Problem, RunWarning
from sim.scenario.scale import load_resized


def resume_command(args: argparse.Namespace, out: Path) -> str:
    """The command that finishes an interrupted run or batch: the same inputs, --resume."""
    words = ["python", "run_sim.py", args.command,
             args.scenario if args.command == "run" else args.batch, "--out", str(out),
             "--resume"]
    if args.command == "run":
        if args.replications is not None:
            words += ["--replications", str(args.replications)]
        words += ["--seed", str(args.seed)]
    if args.quick:
        words.append("--quick")
    for option, value in (("--scale", args.scale), ("--capacity-factor", args.capacity_factor)):
        if float(value) != 1.0:
            words += [option, str(value)]
    for item in args.sets:
        words += ["--set", item]
    return shlex.join(words)


def cmd_run(args: argparse.Namespace) -> int:
    from sim.experiment.orchestrate import run_scenario

    folder_flags(args)
    scale, capacity_factor = sizes(args)
    found: list[Problem] = []
    scenario = load_resized(args.scenario, args.sets, scale, capacity_factor,
                            known_kpis=kpi_ids(), warnings=found)
    warnings = input_warnings(found)
    print_warnings(warnings)
    replications = args.replications or (QUICK_REPLICATIONS if args.quick
                                         else DEFAULT_REPLICATIONS)
    bar = Bar("replications", args.quiet)
    try:
        outcome = run_scenario(scenario, args.seed, replications,
                               Path(args.out) if args.out else None, args.workers, bar,
                               scale, capacity_factor, resume=args.resume, force=args.force,
                               warnings=warnings, quick=args.quick)
    finally:
        bar.close()
    if outcome.interrupted:
        print(f"\ninterrupted: {outcome.left} of {outcome.replications} replications still to "
              f"run. Resume with:\n  {resume_command(args, outcome.out)}", file=sys.stderr)
        return 130
    _print_stamp(outcome.warnings)
    print(targets_text(outcome.judged, outcome.replications))
    _print_run_warnings(outcome.warnings)
    write_report(outcome.out)
    print(f"\nresults: {outcome.out}")
    return 0


def _print_stamp(warnings) -> None:
    """A scaled or quick trial says so above its verdicts."""
    from sim.outputs.soundness import format_stamp

    if format_stamp(warnings):
        print(format_stamp(warnings))


def _print_run_warnings(warnings: list[RunWarning]) -> None:
    """Stamps and warnings again below the targets, so no verdict is read without them (input
    warnings were printed when the scenario was read)."""
    from sim.outputs.soundness import format_warnings

    warnings = [w for w in warnings if w.kind != "input"]
    text = format_warnings(warnings)
    if text:
        print("\n" + text)


def _fmt(x: float) -> str:
    return "-" if x != x else f"{x:.1f}"


def targets_text(judged, replications: int) -> str:
    """The verdicts with what each was judged on beside the value judged, P(met) with its
    Wilson interval, and the reason; headed by the verdict rule."""
    from sim.outputs.targets import rule_text

    head = ("target", "rule", "judged on", "value", "95% CI", "P(met) [95% CI]", "verdict",
            "why")
    rows = [head]
    for j in judged:
        t = j.target
        ci = "-" if j.ci_low != j.ci_low else f"{j.ci_low:.1f}..{j.ci_high:.1f}"
        p = ("-" if j.p_met != j.p_met else
             f"{j.p_met:.2f} [{j.p_met_low:.2f}-{j.p_met_high:.2f}]")
        rows.append((t.id, f"{t.kpi} {t.op} {t.threshold:g}", j.judged_label, _fmt(j.mean), ci,
                     p, j.verdict, j.reason))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"Targets ({replications} replications)"]
    if judged:
        lines.append(rule_text(judged[0].required_confidence, replications))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    return "\n".join(lines)


def cmd_batch(args: argparse.Namespace) -> int:
    from sim.experiment.batch import load_batch
    from sim.experiment.orchestrate import run_batch

    folder_flags(args)
    scale, capacity_factor = sizes(args)
    found: list[Problem] = []
    batch = load_batch(args.batch, args.sets, scale, capacity_factor, known_kpis=kpi_ids(),
                       warnings=found)
    warnings = input_warnings(found)
    print_warnings(warnings)
    bar = Bar("tasks", args.quiet)
    try:
        outcome = run_batch(batch, Path(args.out) if args.out else None, args.workers,
                            args.scheduler, args.dask_workers, args.resume, bar,
                            batch_file=args.batch, force=args.force, warnings=warnings,
                            quick=args.quick)
    finally:
        bar.close()
    if outcome.interrupted:
        print(f"\ninterrupted: {outcome.left} of {outcome.total} replications still to run. "
              f"Resume with:\n  {resume_command(args, outcome.out)}", file=sys.stderr)
        return 130
    replications = outcome.total // max(1, len(outcome.judged))  # fewer with --quick
    _print_stamp(outcome.warnings)
    if args.verbose:
        for name, j in outcome.judged.items():
            print(f"\n{name}" + (" (comparator)" if name == batch.comparator else ""))
            print(targets_text(j, replications))
    else:
        print(f"Targets per scenario ({replications} replications; --verbose for "
              "every target)")
        print("\n".join(batch_lines(outcome.judged, batch.comparator)))
    _print_run_warnings(outcome.warnings)
    write_report(outcome.out)
    print(f"\nresults: {outcome.out}  (comparison.csv: paired differences against "
          f"{batch.comparator})")
    return 0


VERDICT_ORDER = ("met", "uncertain", "not met", "no data")


def _verdict_counts(judged) -> str:
    """"met 9  uncertain 4  not met 6": every verdict that occurs, the usual ones first."""
    counts = Counter(j.verdict for j in judged)
    order = [*VERDICT_ORDER, *sorted(set(counts) - set(VERDICT_ORDER))]
    return "  ".join(f"{v} {counts[v]}" for v in order if counts[v])


def batch_lines(judged: dict[str, list], comparator: str) -> list[str]:
    """One line per scenario: its verdict counts and how many verdicts differ from the
    comparator's, so a board sees the whole batch at a glance."""
    base = {j.target.id: j.verdict for j in judged.get(comparator, [])}
    rows = []
    for name, results in judged.items():
        if name == comparator:
            tail = "(comparator)"
        else:
            changed = sum(base.get(j.target.id) != j.verdict for j in results)
            tail = f"vs {comparator}: {changed} verdict{'' if changed == 1 else 's'} changed"
        rows.append((name, _verdict_counts(results), tail))
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(2)]
    return [f"{n.ljust(widths[0])}   {c.ljust(widths[1])}   {t}" for n, c, t in rows]


def cmd_report(args: argparse.Namespace) -> int:
    from sim.outputs.store import require_complete

    require_complete(Path(args.folder))  # an interrupted or dead run is said to be one
    out = write_report(Path(args.folder))
    return 0 if out else EXIT_INPUT


def write_report(folder: Path) -> Path | None:
    """The business-case pack, when the report extra (matplotlib, openpyxl) is installed."""
    try:
        import matplotlib  # noqa: F401
        import openpyxl  # noqa: F401
    except ImportError:
        print("report skipped: pip install '.[report]' for report.html and summary.xlsx",
              file=sys.stderr)
        return None
    from sim.outputs.report import build_report

    out = build_report(folder)
    print(f"report: {out}  (charts as PNG and summary.xlsx beside it)")
    return out
