"""``verify`` and ``validation``: the model against queueing theory and its invariants
(sim.checks.verify), and a results folder against published figures."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sim.cli.common import progress_bar
from sim.core.errors import InputError


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
    bar = progress_bar(len(sections), "sections", False)
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
    if (folder / "monthly.csv").exists():
        _monthly_validation(folder)
    return 0


def _monthly_validation(folder: Path) -> None:
    """England's year month by month beside the run's (validation_monthly.csv): one line per
    KPI, each month's mean with an arrow where it is outside England's range."""
    from sim.checks.validation import monthly_validation_table
    from sim.outputs.store import write_csv

    table = monthly_validation_table(folder)
    write_csv(folder / "validation_monthly.csv", table)
    arrow = {"low": "v", "high": "^", "in": " ", "no data": "?"}
    print("\nmonth by month (v below, ^ above England's range):")
    for kpi, rows in table.groupby("kpi", sort=False):
        cells = " ".join(f"{r.month[5:]}:{r.model_mean:5.1f}{arrow[r.position]}"
                         for r in rows.itertuples(index=False))
        print(f"  {kpi:26s} {cells}")
    outside = int((table.position.isin(["low", "high"])).sum())
    print(f"{outside} of {len(table)} KPI-months outside England's range; "
          f"{folder / 'validation_monthly.csv'}")
