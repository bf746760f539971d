"""``seek``: the least capacity meeting named targets (sim.experiment.seek), or the cheapest
plan over several levers (sim.experiment.seek_plan), with a time estimate and the answer in
words."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from sim.cli.common import Bar, load_scenario
from sim.core.errors import InputError
from sim.scenario import Scenario


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
    bar = Bar("runs", args.quiet)
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
