"""Command-line interface: argument parsing and orchestration only; the CLI owns the terminal."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from .errors import InputError
from .scenario import Scenario, load_scenario

EXIT_INPUT = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
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

    run = sub.add_parser("run", help="run replications of a scenario and write the results")
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--replications", "-n", type=_positive_int, default=10)
    run.add_argument("--seed", type=_seed, default=12345)
    run.add_argument("--workers", type=_positive_int, default=None,
                     help="worker processes (default: all cores)")
    run.add_argument("--out", default=None, help="output folder (default results/NAME-TIME)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    sets(run)

    val = sub.add_parser("validate", help="check a scenario file and print OK or every problem")
    val.add_argument("scenario")
    sets(val)

    sub.add_parser("schema", help="print the scenario JSON Schema (for editor completion)")
    sub.add_parser("kpis", help="print the KPI definitions as a markdown table")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return EXIT_INPUT


def cmd_schema(_args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def cmd_kpis(_args: argparse.Namespace) -> int:
    from .kpis import markdown_table

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
    from .experiment import default_workers, run_replications
    from .results import flows_total, manifest, now_iso, write_manifest, write_run

    scenario = load_scenario(args.scenario, args.sets)
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


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "schema": cmd_schema, "kpis": cmd_kpis}
