"""Command-line interface: argument parsing and orchestration only; the CLI owns the terminal."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from sim.core.errors import InputError
from sim.scenario import Scenario, load_scenario

EXIT_INPUT = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0 and at most 100")
    return value


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

    def scale(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--scale", type=_positive_float, default=1.0, metavar="F",
                        help="multiply population and every capacity by F (quick trials)")

    run = sub.add_parser("run", help="run replications of a scenario and write the results")
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--replications", "-n", type=_positive_int, default=10)
    run.add_argument("--seed", type=_seed, default=12345)
    run.add_argument("--workers", type=_positive_int, default=None,
                     help="worker processes (default: all cores)")
    run.add_argument("--out", default=None, help="output folder (default results/NAME-TIME)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    scale(run)
    sets(run)

    val = sub.add_parser("validate", help="check a scenario file and print OK or every problem")
    val.add_argument("scenario")
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
    bat.add_argument("--resume", action="store_true",
                     help="run only the replications missing from --out")
    bat.add_argument("--quiet", action="store_true", help="no progress bar")
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
                     help="run only this section (repeatable): ed, ucr, virtual_ward, acute, "
                     "elective, conservation, deterministic, monotonicity")

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

    sub.add_parser("schema", help="print the scenario JSON Schema (for editor completion)")
    sub.add_parser("kpis", help="print the KPI definitions as a markdown table")
    return p


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
    load_scenario(args.scenario, args.sets)
    print("OK")
    return 0


def _default_out(scenario: Scenario) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / f"{scenario.name}-{stamp}"


def cmd_run(args: argparse.Namespace) -> int:
    from sim.experiment.runner import default_workers, run_replications
    from sim.outputs.store import flows_total, manifest, now_iso, write_manifest, write_run

    scenario = load_scenario(args.scenario, args.sets)
    if args.scale != 1.0:
        from sim.scenario.scale import scale_overrides

        scenario = load_scenario(args.scenario,
                                 [*args.sets, *scale_overrides(scenario, args.scale)])
    out = Path(args.out) if args.out else _default_out(scenario)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError.one(str(out), "--out", f"cannot create the folder: {exc}") from None
    workers = args.workers or default_workers()
    started, t0 = now_iso(), time.perf_counter()
    write_manifest(out, manifest(scenario, args.seed, args.replications, "running", started))
    bar = _progress(args.replications, "replications", args.quiet)
    try:
        results = run_replications(scenario, args.seed, args.replications, workers,
                                   progress=lambda _r: bar.update(1))
    except KeyboardInterrupt:
        bar.close()
        write_manifest(out, manifest(scenario, args.seed, args.replications, "interrupted",
                                     started))
        print(f"interrupted; the partial folder {out} is marked incomplete", file=sys.stderr)
        return 130
    bar.close()
    judged = write_run(out, scenario, results)
    extra = {"finished": now_iso(), "wall_seconds": round(time.perf_counter() - t0, 3),
             "workers": workers, "flows": flows_total(results)}
    write_manifest(out, manifest(scenario, args.seed, args.replications, "complete", started,
                                 extra))
    print(_targets_text(judged, args.replications))
    _write_report(out)
    print(f"\nresults: {out}")
    return 0


def _progress(total: int, unit: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit=unit[:-1] if unit.endswith("s") else unit, desc=unit,
                disable=quiet or not sys.stderr.isatty(), leave=False)


def _fmt(x: float) -> str:
    return "-" if x != x else f"{x:.1f}"


def _targets_text(judged, replications: int) -> str:
    head = ("target", "kpi", "rule", "judged on", "mean", "95% CI", "P(met)", "verdict")
    rows = [head]
    for j in judged:
        t = j.target
        ci = "-" if j.ci_low != j.ci_low else f"{j.ci_low:.1f}..{j.ci_high:.1f}"
        rows.append((t.id, t.kpi, f"{t.op} {t.threshold:g}", j.judged_on, _fmt(j.mean), ci,
                     "-" if j.p_met != j.p_met else f"{j.p_met:.2f}", j.verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"Targets ({replications} replications)"]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    return "\n".join(lines)


def cmd_batch(args: argparse.Namespace) -> int:
    from sim.experiment.batch import load_batch
    from sim.experiment.runner import default_workers, run_tasks
    from sim.outputs.store import (
        load_task,
        manifest_base,
        now_iso,
        store_task,
        stored_tasks,
        task_path,
        write_batch,
        write_manifest,
    )
    from sim.scenario import scenario_hash

    batch = load_batch(args.batch, args.sets, args.scale)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(args.out) if args.out else Path("results") / f"{batch.name}-{stamp}"
    hashes = {name: scenario_hash(sc) for name, sc in batch.scenarios.items()}
    done = _check_resume(out, batch, hashes) if args.resume else _fresh_out(out)
    workers = args.workers or default_workers()
    backend = (f"dask:{args.scheduler}" if args.scheduler else
               f"dask-local:{args.dask_workers}" if args.dask_workers else f"pool:{workers}")
    started, t0 = now_iso(), time.perf_counter()
    info = {"kind": "batch", "batch_name": batch.name, "batch_file": str(args.batch),
            "description": batch.description, "seed": batch.seed,
            "replications": batch.replications, "comparator": batch.comparator,
            "scenario_sha256": hashes, "backend": backend, "started": started}
    write_manifest(out, {"status": "running", **manifest_base(), **info})
    all_tasks = [(name, r) for name in batch.scenarios for r in range(batch.replications)]
    todo = [(batch.scenarios[n], r) for n, r in all_tasks if (n, r) not in done]
    bar = _progress(len(all_tasks), "tasks", args.quiet)
    bar.update(len(all_tasks) - len(todo))
    try:
        for result in run_tasks(todo, batch.seed, workers, args.scheduler, args.dask_workers):
            store_task(out, result)
            bar.update(1)
    except KeyboardInterrupt:
        bar.close()
        write_manifest(out, {"status": "interrupted", **manifest_base(), **info})
        left = len(all_tasks) - len(stored_tasks(out))
        print(f"\ninterrupted: {left} of {len(all_tasks)} replications still to run. Resume "
              f"with:\n  python run_sim.py batch {args.batch} --out {out} --resume"
              + (f" --scale {args.scale:g}" if args.scale != 1.0 else "")
              + "".join(f" --set {s}" for s in args.sets), file=sys.stderr)
        return 130
    bar.close()
    results = {name: [load_task(task_path(out, name, r)) for r in range(batch.replications)]
               for name in batch.scenarios}
    judged = write_batch(out, batch.scenarios, batch.comparator, results)
    write_manifest(out, {"status": "complete", **manifest_base(), **info,
                         "finished": now_iso(),
                         "wall_seconds": round(time.perf_counter() - t0, 3),
                         "scenarios": {n: sc.model_dump(mode="json")
                                       for n, sc in batch.scenarios.items()}})
    for name, j in judged.items():
        print(f"\n{name}" + (" (comparator)" if name == batch.comparator else ""))
        print(_targets_text(j, batch.replications))
    _write_report(out)
    print(f"\nresults: {out}  (comparison.csv: paired differences against {batch.comparator})")
    return 0


def _fresh_out(out: Path) -> set[tuple[str, int]]:
    from sim.outputs.store import stored_tasks

    if stored_tasks(out):
        raise InputError.one(str(out), "--out", "holds replications of an earlier batch: add "
                             "--resume to finish it, or choose another folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError.one(str(out), "--out", f"cannot create the folder: {exc}") from None
    return set()


def _check_resume(out: Path, batch, hashes: dict[str, str]) -> set[tuple[str, int]]:
    """Resume only the same batch: same scenarios (by hash), seed and replications."""
    from sim.outputs.store import stored_tasks

    path = out / "manifest.json"
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        raise InputError.one(str(path), "--resume", "no batch to resume in this folder") from None
    problems = []
    for key, now in (("seed", batch.seed), ("replications", batch.replications)):
        if old.get(key) != now:
            problems.append(f"{key} was {old.get(key)}, now {now}")
    old_hashes = old.get("scenario_sha256", {})
    for name, h in hashes.items():
        if old_hashes.get(name) not in (None, h):
            problems.append(f"scenario {name} has changed (sha256 {old_hashes[name][:12]} "
                            f"-> {h[:12]})")
    if set(old_hashes) != set(hashes):
        problems.append("the batch's scenarios are not the same ones")
    if problems:
        raise InputError.one(str(path), "--resume", "refused: " + "; ".join(problems))
    return {t for t in stored_tasks(out) if t[0] in hashes and t[1] < batch.replications}


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
    scenario = load_scenario(args.scenario, args.sets)
    if args.scale != 1.0:
        from sim.scenario.scale import scale_overrides

        scenario = load_scenario(args.scenario,
                                 [*args.sets, *scale_overrides(scenario, args.scale)])
    bar = _progress(2 * args.pilot, "pilot runs", False)
    advice = advise(scenario, args.seed, pilot=args.pilot, workers=args.workers,
                    progress=lambda _kind, _rep: bar.update(1))
    bar.close()
    print(format_advice(advice))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.outputs.comparison import compare_dirs

    table, note = compare_dirs(Path(args.dir_a), Path(args.dir_b))
    if args.out:
        from sim.outputs.store import write_csv

        Path(args.out).mkdir(parents=True, exist_ok=True)
        write_csv(Path(args.out) / "comparison.csv", table)
    print(note)
    shown = table[["kpi", "target", "comparator_mean", "scenario_mean", "mean_diff", "ci_low",
                   "ci_high", "comparator_verdict", "scenario_verdict"]]
    print(shown.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    return 0


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "schema": cmd_schema, "kpis": cmd_kpis,
            "batch": cmd_batch, "compare": cmd_compare, "verify": cmd_verify,
            "validation": cmd_validation, "describe": cmd_describe, "report": cmd_report,
            "advise": cmd_advise}
