"""Command-line interface: parses arguments, calls the library and prints; the CLI owns the terminal
(orchestration of runs and batches lives in sim.experiment.orchestrate)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from sim import scenario as scenarios
from sim.core.errors import InputError, Problem, RunWarning
from sim.scenario import Scenario
from sim.scenario.scale import load_resized

EXIT_INPUT = 2
# 20: with every replication meeting a target, the Wilson lower bound of P(met) first reaches
# the default required confidence (0.8) at 16 replications
DEFAULT_REPLICATIONS = 20
QUICK_REPLICATIONS = 5  # sim.experiment.orchestrate.QUICK_REPLICATIONS (a test checks)
QUICK_MEASUREMENT_DAYS = 91  # sim.experiment.orchestrate.QUICK_MEASUREMENT_DAYS


def _kpi_ids() -> Mapping[str, str]:
    """Targets may name only these KPIs (id -> unit): every scenario the command line reads is
    checked, and a target on a % KPI given a fraction (0.78) is warned about."""
    from sim.outputs.kpis import KPIS

    return {kpi_id: k.unit for kpi_id, k in KPIS.items()}


def load_scenario(path: str | Path, sets: list[str] | None = None) -> Scenario:
    return scenarios.load_scenario(path, sets, known_kpis=_kpi_ids())


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


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


def _sizes(args: argparse.Namespace) -> tuple[float, float]:
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


def _folder_flags(args: argparse.Namespace) -> None:
    """--resume needs the folder to resume, and --force (start again) contradicts it."""
    if args.resume and args.force:
        raise InputError.one("--force", "--resume", "use one of them: --resume finishes the "
                             "run in --out, --force replaces it")
    if args.resume and not args.out:
        raise InputError.one("--resume", "--out", "say which folder to resume: --out FOLDER")


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the seed must be >= 0")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run_sim.py", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def sets(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override one scenario value, e.g. --set ed.clinicians_per_shift=14")

    def folder(sp: argparse.ArgumentParser) -> None:
        what = sp.prog.split()[-1]
        sp.add_argument("--resume", action="store_true",
                        help=f"finish the interrupted {what} in --out: run only the "
                        "replications missing there")
        sp.add_argument("--force", action="store_true",
                        help="replace the results already in --out (without it a folder "
                        "holding results is refused)")

    def scale(sp: argparse.ArgumentParser) -> None:
        # checked by _sizes (one line per bad value, exit 2), not by argparse
        sp.add_argument("--scale", default="1", metavar="F",
                        help="multiply population and every capacity by F (quick trials)")
        sp.add_argument("--capacity-factor", default="1", metavar="F",
                        help="multiply every capacity by F, population and demand unchanged "
                        "(4: ample capacity; below 1: a shortage); composes with --scale")

    def quick(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--quick", action="store_true",
                        help="quick trial with capacities whole: at most "
                        f"{QUICK_MEASUREMENT_DAYS} days measured (warm-up kept), at most "
                        f"{QUICK_REPLICATIONS} replications")

    run = sub.add_parser("run", help="run replications of a scenario and write the results")
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--replications", "-n", type=_positive_int, default=None,
                     help=f"replications (default {DEFAULT_REPLICATIONS}; "
                     f"{QUICK_REPLICATIONS} with --quick)")
    run.add_argument("--seed", type=_seed, default=12345)
    run.add_argument("--workers", type=_positive_int, default=None,
                     help="worker processes (default: all cores)")
    run.add_argument("--out", default=None, help="output folder (default results/NAME-TIME)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    folder(run)
    quick(run)
    scale(run)
    sets(run)

    val = sub.add_parser("validate", help="check a scenario or batch file and print OK or "
                         "every problem")
    val.add_argument("scenario", help="scenario or batch TOML file (a batch file: every "
                     "scenario of it is checked)")
    sets(val)

    bat = sub.add_parser("batch", help="run every scenario of a batch file, with comparisons")
    bat.add_argument("batch", help="batch TOML file")
    bat.add_argument("--out", default=None, help="output folder (default results/NAME-TIME)")
    bat.add_argument("--workers", type=_positive_int, default=None,
                     help="local worker processes (default: all cores)")
    bat.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    bat.add_argument("--dask-workers", type=_positive_int, default=None, metavar="N",
                     help="start a local Dask cluster with N workers")
    bat.add_argument("--quiet", action="store_true", help="no progress bar")
    bat.add_argument("--verbose", action="store_true",
                     help="print every scenario's targets table (default: one line each)")
    folder(bat)
    quick(bat)
    scale(bat)
    sets(bat)

    cmp_ = sub.add_parser("compare", help="paired comparison of two earlier runs")
    cmp_.add_argument("dir_a", help="the comparator's results folder")
    cmp_.add_argument("dir_b", help="the option's results folder")
    cmp_.add_argument("--out", default=None, help="also write comparison.csv here")

    ver = sub.add_parser("verify", help="check each service against queueing theory and the "
                         "model's invariants; writes verification.csv")
    ver.add_argument("--out", default=None, help="folder for verification.csv "
                     "(default results/verification-TIME)")
    ver.add_argument("--seed", type=_seed, default=None, help="seed (default 1; any seed passes "
                     "with probability >= 95%%: Holm over the interval checks)")
    ver.add_argument("--section", action="append", default=None,
                     help="run only this section (repeatable): a service checked against "
                     "theory, or conservation, deterministic, monotonicity (an unknown "
                     "name lists them)")

    val2 = sub.add_parser("validation", help="compare a results folder with published figures")
    val2.add_argument("folder", help="a results folder from run (e.g. of the baseline)")

    des = sub.add_parser("describe", help="write STRESS-DES model documentation (markdown)")
    des.add_argument("scenario")
    des.add_argument("--out", default=None, help="file to write (default: print)")

    rpt = sub.add_parser("report", help="(re)build report.html, PNG charts and summary.xlsx")
    rpt.add_argument("folder", help="a results folder from run or batch")

    adv = sub.add_parser("advise", help="suggest the warm-up (MSER-5) and the number of "
                         "replications; warn when a queue never settles")
    adv.add_argument("scenario")
    adv.add_argument("--seed", type=_seed, default=12345)
    adv.add_argument("--pilot", type=_positive_int, default=5, help="pilot replications")
    adv.add_argument("--workers", type=_positive_int, default=None)
    scale(adv)
    sets(adv)

    _seek_parser(sub, sets)

    sub.add_parser("schema", help="print the scenario JSON Schema (for editor completion)")
    sub.add_parser("kpis", help="print the KPI definitions as a markdown table")
    return p


def _seek_parser(sub, sets) -> None:
    """``seek``: the least capacity meeting named targets with stated confidence (issue 12)."""
    sk = sub.add_parser("seek", help="find the least capacity that meets the named targets "
                        "with the confidence asked; writes seek.json and seek.csv")
    sk.add_argument("scenario", help="scenario TOML file")
    sk.add_argument("--lever", action="append", required=True, metavar="KEY",
                    help="a whole-number capacity key, e.g. acute.beds")
    sk.add_argument("--target", action="append", required=True, metavar="ID",
                    help="a target id of the scenario (repeatable: all must be met)")
    sk.add_argument("--confidence", type=float, default=0.8,
                    help="share of replications that must meet (default 0.8)")
    sk.add_argument("--replications", "-n", type=_positive_int, default=DEFAULT_REPLICATIONS)
    sk.add_argument("--range", dest="search", default=None, metavar="LO:HI",
                    help="search range (default: the scenario's value, halved or doubled)")
    sk.add_argument("--step", type=_positive_int, default=None, metavar="N",
                    help="the answer's grain: capacities tried are multiples of N (default: "
                    "a round number near 0.25%% of the lever's value, 1 below 800; --step 1 "
                    "for the exact least value)")
    sk.add_argument("--seed", type=_seed, default=12345)
    sk.add_argument("--out", default=None, help="output folder (default results/seek-TIME)")
    sk.add_argument("--workers", type=_positive_int, default=None)
    sk.add_argument("--dask-workers", type=_positive_int, default=None, metavar="N")
    sk.add_argument("--scheduler", default=None, metavar="ADDRESS")
    sk.add_argument("--resume", action="store_true",
                    help="finish an interrupted seek in --out without rerunning anything")
    sk.add_argument("--quiet", action="store_true", help="no progress bar")
    sets(sk)


def main(argv: list[str] | None = None) -> int:
    from sim.experiment.runner import BackendError

    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return EXIT_INPUT
    except BackendError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT


def cmd_schema(_args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def cmd_kpis(_args: argparse.Namespace) -> int:
    from sim.outputs.kpis import markdown_table

    print(markdown_table())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """OK, or every problem; a batch file (recognised by its content) has every scenario
    checked. Warnings are printed but do not fail validation."""
    from sim.experiment.batch import load_batch, looks_like_batch

    found: list[Problem] = []
    if looks_like_batch(args.scenario):
        load_batch(args.scenario, args.sets, known_kpis=_kpi_ids(), warnings=found)
    else:
        scenarios.load_scenario(args.scenario, args.sets, _kpi_ids(), found)
    _print_warnings(_input_warnings(found))
    print("OK")
    return 0


def _input_warnings(found: list[Problem]) -> list[RunWarning]:
    return [RunWarning.from_problem(p, kind="input") for p in dict.fromkeys(found)]


def _print_warnings(warnings: list[RunWarning]) -> None:
    for w in warnings:
        print(str(w), file=sys.stderr)


def _resume_command(args: argparse.Namespace, out: Path) -> str:
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

    _folder_flags(args)
    scale, capacity_factor = _sizes(args)
    found: list[Problem] = []
    scenario = load_resized(args.scenario, args.sets, scale, capacity_factor,
                            known_kpis=_kpi_ids(), warnings=found)
    warnings = _input_warnings(found)
    _print_warnings(warnings)
    replications = args.replications or (QUICK_REPLICATIONS if args.quick
                                         else DEFAULT_REPLICATIONS)
    bar = _Bar("replications", args.quiet)
    try:
        outcome = run_scenario(scenario, args.seed, replications,
                               Path(args.out) if args.out else None, args.workers, bar,
                               scale, capacity_factor, resume=args.resume, force=args.force,
                               warnings=warnings, quick=args.quick)
    finally:
        bar.close()
    if outcome.interrupted:
        print(f"\ninterrupted: {outcome.left} of {outcome.replications} replications still to "
              f"run. Resume with:\n  {_resume_command(args, outcome.out)}", file=sys.stderr)
        return 130
    _print_stamp(outcome.warnings)
    print(_targets_text(outcome.judged, outcome.replications))
    _print_run_warnings(outcome.warnings)
    _write_report(outcome.out)
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


def _progress(total: int, unit: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit=unit[:-1] if unit.endswith("s") else unit, desc=unit,
                disable=quiet or not sys.stderr.isatty(), leave=False)


class _Bar:
    """A progress callback ``(done, total)`` drawing a bar, opened at the first call."""

    def __init__(self, unit: str, quiet: bool):
        self.unit, self.quiet, self.bar = unit, quiet, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = _progress(total, self.unit, self.quiet)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _fmt(x: float) -> str:
    return "-" if x != x else f"{x:.1f}"


def _targets_text(judged, replications: int) -> str:
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

    _folder_flags(args)
    scale, capacity_factor = _sizes(args)
    found: list[Problem] = []
    batch = load_batch(args.batch, args.sets, scale, capacity_factor, known_kpis=_kpi_ids(),
                       warnings=found)
    warnings = _input_warnings(found)
    _print_warnings(warnings)
    bar = _Bar("tasks", args.quiet)
    try:
        outcome = run_batch(batch, Path(args.out) if args.out else None, args.workers,
                            args.scheduler, args.dask_workers, args.resume, bar,
                            batch_file=args.batch, force=args.force, warnings=warnings,
                            quick=args.quick)
    finally:
        bar.close()
    if outcome.interrupted:
        print(f"\ninterrupted: {outcome.left} of {outcome.total} replications still to run. "
              f"Resume with:\n  {_resume_command(args, outcome.out)}", file=sys.stderr)
        return 130
    replications = outcome.total // max(1, len(outcome.judged))  # fewer with --quick
    _print_stamp(outcome.warnings)
    if args.verbose:
        for name, j in outcome.judged.items():
            print(f"\n{name}" + (" (comparator)" if name == batch.comparator else ""))
            print(_targets_text(j, replications))
    else:
        print(f"Targets per scenario ({replications} replications; --verbose for "
              "every target)")
        print("\n".join(batch_lines(outcome.judged, batch.comparator)))
    _print_run_warnings(outcome.warnings)
    _write_report(outcome.out)
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


def cmd_verify(args: argparse.Namespace) -> int:
    import dataclasses

    import pandas as pd

    from sim.checks import verify
    from sim.outputs.store import write_csv

    unknown = [s for s in args.section or [] if s not in verify.SECTIONS]
    if unknown:
        raise InputError.one("--section", ", ".join(unknown),
                             f"unknown section (known: {', '.join(verify.SECTIONS)})")
    seed = verify.SEED if args.seed is None else args.seed
    out = Path(args.out) if args.out else Path("results") / (
        "verification-" + dt.datetime.now().strftime("%Y%m%d-%H%M%S"))
    rows = []
    sections = args.section or list(verify.SECTIONS)
    bar = _progress(len(sections), "sections", False)
    for name in sections:
        rows += list(verify.SECTIONS[name](seed))
        bar.update(1)
    bar.close()
    rows = verify.judge(rows)
    table = pd.DataFrame([dataclasses.asdict(r) for r in rows])
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "verification.csv", table)
    for r in rows:
        if r.p_value == r.p_value:
            judged = f"p={r.p_value:.3g} {'>' if r.passed else '<='} {r.threshold:.3g}"
        else:
            judged = r.rule.split(" (")[0]
        print(f"{'PASS' if r.passed else 'FAIL'}  {r.service:13s} {r.check}: theory "
              f"{r.theory:.5g}, simulated {r.mean:.5g} [95% CI {r.ci_low:.5g}, {r.ci_high:.5g}]"
              f"; {judged}")
    failed = sum(not r.passed for r in rows)
    family = [r for r in rows if r.p_value == r.p_value]
    print(f"\n{len(rows) - failed} of {len(rows)} checks passed (seed {seed}); {out}")
    if family:
        print(f"Rule: {family[0].rule}. Each interval check is a one-sample t-test of its "
              "replications against theory (p-value shown) and passes when p is above its "
              "threshold; the 95% CIs are for reading only. Tolerance and exact checks are "
              "outside the family.")
    return 1 if failed else 0


def cmd_validation(args: argparse.Namespace) -> int:
    from sim.checks.validation import mape, validation_table
    from sim.outputs.store import write_csv

    folder = Path(args.folder)
    table = validation_table(folder)
    write_csv(folder / "validation.csv", table)
    for r in table.itertuples(index=False):
        flag = "" if r.in_range else "   <-- outside the range"
        print(f"{r.kpi:28s} model {r.model_mean:8.2f}  published {r.published:7.2f} "
              f"(range {r.range_low:g}-{r.range_high:g})  error {r.abs_error:+7.2f}  "
              f"APE {r.ape_pct:5.1f}%{flag}")
    print(f"\nMAPE {mape(table):.1f}% (fitted figures {mape(table, True):.1f}%, "
          f"not fitted {mape(table, False):.1f}%); {folder / 'validation.csv'}")
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


def cmd_report(args: argparse.Namespace) -> int:
    from sim.outputs.store import require_complete

    require_complete(Path(args.folder))  # an interrupted or dead run is said to be one
    out = _write_report(Path(args.folder))
    return 0 if out else EXIT_INPUT


def _write_report(folder: Path) -> Path | None:
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


def cmd_advise(args: argparse.Namespace) -> int:
    from sim.experiment.advise import advise, format_advice

    if args.pilot < 2:
        raise InputError.one("--pilot", "--pilot", "needs at least 2 pilot replications")
    scale, capacity_factor = _sizes(args)
    scenario = load_resized(args.scenario, args.sets, scale, capacity_factor,
                            known_kpis=_kpi_ids())
    bar = _progress(2 * args.pilot, "pilot runs", False)
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
    shown = table[["kpi", "target", "comparator_mean", "scenario_mean", "mean_diff", "ci_low",
                   "ci_high", "comparator_verdict", "scenario_verdict"]]
    print(shown.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    costs = cost_lines(table)
    if costs:
        print("\nCosts (option minus comparator, over the window):")
        print("\n".join(f"  {line}" for line in costs))
    return 0


def _search_range(text: str | None) -> tuple[int, int] | None:
    """--range LO:HI as two whole numbers, 0 <= LO < HI (one-line error otherwise)."""
    if text is None:
        return None
    try:
        lo, hi = (int(x) for x in text.split(":"))
    except ValueError:
        lo = hi = -1
    if not 0 <= lo < hi:
        raise InputError.one("(command line)", "--range",
                             f"{text}: expected LO:HI, whole numbers with 0 <= LO < HI")
    return lo, hi


def cmd_seek(args: argparse.Namespace) -> int:
    """Parse, call sim.experiment.seek, print the answer and where the files are."""
    from sim.experiment import seek as sk

    lever, search = args.lever[0], _search_range(args.search)
    base = load_scenario(args.scenario, args.sets)
    for other in args.lever[1:]:
        sk.check_request(base, other, args.target, args.scenario)
    targets = sk.check_request(base, lever, args.target, args.scenario)
    out = Path(args.out) if args.out else Path("results") / \
        f"seek-{dt.datetime.now():%Y%m%d-%H%M%S}"
    if any(out.glob("seek_evals*.jsonl")) and not args.resume:
        raise InputError.one(str(out), "--out", "holds an earlier seek: add --resume to finish "
                             "it or choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    if len(args.lever) > 1:
        if search is not None:
            raise InputError.one("(command line)", "--range", "applies to one lever only")
        if args.step is not None:
            raise InputError.one("(command line)", "--step", "applies to one lever only (a "
                                 "plan searches each lever on its default grain)")
        return _seek_plan(args, base, targets, out)
    store = out / sk.EVALS_FILE
    sk.guard_request(out, base, args.lever, targets, args.seed, args.resume, args.step)
    floor, cap, start, _step = sk.bounds(base, lever, search)
    grain = args.step or sk.default_resolution(start)
    total = sk.expected_evaluations(args.replications, floor, cap, start, grain)
    workers = args.workers or _default_workers()
    print(f"seek {lever} for {', '.join(args.target)} at confidence {args.confidence:g}: "
          f"{args.replications} replications, about {total} runs (search {floor}..{cap} in "
          f"steps of {grain}, starting at {start}); the time estimate follows the first runs")
    bar = _Bar("runs", args.quiet)
    clock = _Estimate(total, workers, args.quiet)

    def progress(done: int) -> None:
        clock(done)
        bar(min(done, total), total)

    ev = sk.Evaluator(lambda c: load_scenario(args.scenario, [*args.sets, f"{lever}={c}"]),
                      targets, args.seed, workers, args.scheduler, args.dask_workers, store,
                      progress)
    if args.resume:
        clock.skip(ev.load())
        print(f"resuming: {clock.skipped} runs already done")
    try:
        result = sk.seek(ev.make, base, lever, targets, args.replications, args.seed,
                         args.confidence, search, ev, args.step)
    finally:
        bar.close()
        ev.session.close()
    sk.write_outputs(result, out, base.name, args.seed)
    from sim.outputs.seek_report import build_seek_report

    build_seek_report(out)
    print(_seek_text(result))
    print(f"\nresults: {out}")
    return 0


class _Estimate:
    """Prints, once the first runs are back, how long the whole seek should take: their mean
    wall time a run, times the runs expected, over the workers."""

    def __init__(self, total: int, workers: int, quiet: bool):
        self.total, self.workers, self.quiet = total, max(1, workers), quiet
        self.skipped, self.t0, self.done = 0, time.perf_counter(), False

    def skip(self, n: int) -> None:
        self.skipped = n

    def __call__(self, done: int) -> None:
        ran = done - self.skipped
        if self.done or ran < self.workers:
            return
        self.done = True
        per_run = (time.perf_counter() - self.t0) / ran
        left = max(0, self.total - done) * per_run
        if not self.quiet:
            print(f"\ntime estimate: {per_run:.1f} s a run on {self.workers} worker(s), about "
                  f"{left / 60:.0f} more minutes for about {max(0, self.total - done)} more "
                  "runs (the count is a guess: fewer when replications agree)", file=sys.stderr)


def _seek_plan(args: argparse.Namespace, base: Scenario, targets, out: Path) -> int:
    """Several levers: the cheapest plan (sim.experiment.seek_plan), printed with why."""
    from sim.experiment import seek as sk
    from sim.experiment.seek_plan import plan_summary, seek_plan, write_frontier

    def plan(values: dict[str, int]) -> Scenario:
        return load_scenario(args.scenario, [*args.sets, *(f"{k}={v}" for k, v in
                                                           values.items())])

    from sim.experiment.runner import Session

    sk.guard_request(out, base, args.lever, targets, args.seed, args.resume)
    session = Session(args.workers or _default_workers(), args.scheduler, args.dask_workers)

    def evaluator(name: str, factory):
        ev = sk.Evaluator(factory, targets, args.seed, store=out / f"seek_evals_{name}.jsonl",
                          session=session)
        if args.resume:
            ev.load()
        return ev

    print(f"seek the cheapest plan over {', '.join(args.lever)} for {', '.join(args.target)} "
          f"at confidence {args.confidence:g}: each lever alone first, then combinations "
          f"cheaper than the best of those, {args.replications} replications each")
    try:
        result = seek_plan(plan, base, args.lever, targets, args.replications, args.seed,
                           args.confidence, evaluator)
    finally:
        session.close()
    data = plan_summary(result, base.name, args.seed)
    (out / "seek.json").write_text(json.dumps(data, indent=2) + "\n")
    write_frontier(result, out)
    from sim.outputs.seek_report import build_plan_report, build_seek_report

    for lever, single in result.singles.items():
        sk.write_outputs(single, out / f"lever-{lever}", base.name, args.seed)
        build_seek_report(out / f"lever-{lever}")
    build_plan_report(out)
    print(f"plan: {data['answer']} costing {data['cost_per_year'] or 0:,.0f} a year, "
          f"P(met) {data['p_met']}; {result.why}")
    print(f"\nresults: {out}")
    return 0


def _default_workers() -> int:
    from sim.experiment.runner import default_workers

    return default_workers()


def _seek_text(result) -> str:
    """The answer with its confidence, interval and the monotonicity check, in words."""
    lo, hi = result.interval
    show = lambda v: "unbounded" if v is None else str(v)  # noqa: E731
    if result.answer is None:
        head = (f"no {result.lever} in {result.floor}..{result.cap} meets "
                f"{', '.join(result.targets)} in {result.confidence:.0%} of replications")
    else:
        head = (f"{result.lever} = {result.answer} meets {', '.join(result.targets)} in at "
                f"least {result.confidence:.0%} of replications ({result.p_met_at_answer:.0%} "
                f"of {result.replications} met there); 95% interval {show(lo)}..{show(hi)}"
                + (f" (to the nearest {result.resolution}: --step)" if result.resolution > 1
                   else ""))
    mono = (f"monotonicity: {result.monotone_violations} violation(s) at the answer and one "
            "below" + (" - the answer is from direct runs there; see seek.csv"
                       if result.monotone_violations else ""))
    return "\n".join([head, mono, *result.warnings])


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "schema": cmd_schema, "kpis": cmd_kpis,
            "batch": cmd_batch, "compare": cmd_compare, "verify": cmd_verify,
            "validation": cmd_validation, "describe": cmd_describe, "report": cmd_report,
            "advise": cmd_advise, "seek": cmd_seek}
