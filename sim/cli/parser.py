"""The command line's arguments: one sub-parser per verb, with the types that refuse bad
numbers before any work starts."""

from __future__ import annotations

import argparse

from sim.cli.common import DEFAULT_REPLICATIONS, QUICK_MEASUREMENT_DAYS, QUICK_REPLICATIONS

DESCRIPTION = ("Command-line interface: parses arguments, calls the library and prints; "
               "the CLI owns the terminal\n"
               "(orchestration of runs and batches lives in sim.experiment.orchestrate).")


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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run_sim.py", description=DESCRIPTION)
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
        # checked by sizes (one line per bad value, exit 2), not by argparse
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
    dc = sub.add_parser("docs", help="regenerate the manual's generated pages (make docs)")
    dc.add_argument("folder", nargs="?", default="docs", help="where the pages go (docs/)")
    dc.add_argument("--check", action="store_true", help="write nothing; exit 1 when stale")
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
