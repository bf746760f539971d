"""Re-measure the manual's calibration table (docs/calibration.md) from a results folder, so
the documentation cannot contradict the tool.

    python benchmarks/readme_claims.py RUN_DIR                 # print the table
    python benchmarks/readme_claims.py RUN_DIR --write docs/calibration.md   # replace the block
    python benchmarks/readme_claims.py RUN_DIR --check docs/calibration.md   # exit 1 if it differs
    python benchmarks/readme_claims.py --run --write docs/calibration.md     # run it first
                                                               # (what `make docs` does)

Every figure comes from the folder's summary.csv (means and 95% CIs over replications of the
tool's own KPIs); the published ranges and their tags are those of
``sim.checks.validation.PUBLISHED`` (../shared/domain.md), plus the waiting-list change, whose
range is an assumption [E]. Under the table, each replication's lowest and highest value of the
``SPREAD`` KPIs (from replications.csv), which the page's prose discusses instead of quoting
figures that would go stale. The block names the run that produced it.

A second block (between the ``MONTHLY_START`` and ``MONTHLY_END`` markers) is the same run month
by month: each KPI of ``sim.checks.validation.MONTHLY_PUBLISHED`` as its mean over replications
in every month of the window (monthly.csv), beside England's range for that calendar month
(../shared/domain-dynamics.md), a mark on each month outside it. ``--write`` and ``--check``
cover both blocks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.checks.validation import (  # noqa: E402
    MONTHLY_SOURCES,
    PUBLISHED,
    monthly_validation_table,
)

DOCUMENTED = ["scenarios/baseline.toml", "-n", "10", "--seed", "2026"]
START, END = "<!-- calibration:start -->", "<!-- calibration:end -->"
MONTHLY_START = "<!-- calibration-monthly:start -->"
MONTHLY_END = "<!-- calibration-monthly:end -->"
MARK = {"low": " ↓", "high": " ↑", "in": "", "no data": ""}  # outside England's range
PAGE = ROOT / "docs" / "calibration.md"
SPREAD = ("ed_12h_pct", "ed_type1_4h_pct")  # per-replication ranges the page's prose discusses


@dataclass(frozen=True)
class Claim:
    kpi: str
    low: float
    high: float
    published: str  # the published figure or range, with its tag
    by_construction: bool = False  # the range was set from the baseline itself
    signed: bool = False  # show a + sign (changes)


def _published(kpi: str) -> Claim:
    p = next(p for p in PUBLISHED if p.kpi == kpi)
    return Claim(kpi, p.low, p.high, f"{p.low:g}-{p.high:g}: {p.source}",
                 by_construction="from the baseline" in p.source)


CLAIMS = [
    _published("ed_4h_pct"), _published("ed_type1_4h_pct"), _published("ed_12h_pct"),
    _published("ed_admitted_4th_hour_pct"),
    _published("ga_occupancy_0800_pct"), _published("delayed_discharge_beds_pct"),
    _published("no_criteria_to_reside_pct"),
    _published("rtt_18w_pct"),
    Claim("waiting_list_change_pct", -10.0, 10.0,
          "-10 to +10: within 10% of its size at the start [E]", signed=True),
    _published("rtt_over_52w_pct"), _published("rtt_median_weeks"), _published("ucr_2h_pct"),
    _published("vw_occupancy_pct"), _published("gp_2w_pct"),
    _published("elective_activity_pct"),
    _published("cancer_fds_28d_pct"), _published("cancer_62d_pct"), _published("cancer_31d_pct"),
]


def _num(x: float, signed: bool) -> str:
    return f"{x:+,.1f}" if signed else f"{x:,.1f}"


def model_text(row: pd.Series, signed: bool = False) -> str:
    """"75.6 (73.9 to 77.2)": the mean and its 95% CI as summary.csv has them."""
    mean, lo, hi = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
    if mean != mean:
        return "-"
    if lo != lo:
        return _num(mean, signed)
    return f"{_num(mean, signed)} ({_num(lo, signed)} to {_num(hi, signed)})"


def in_range(claim: Claim, mean: float) -> str:
    if mean != mean:
        return "no data"
    if claim.by_construction:
        return "by construction"
    return "yes" if claim.low <= mean <= claim.high else "low" if mean < claim.low else "high"


def claims_rows(folder: Path) -> list[tuple[str, str, str, str]]:
    """(kpi, model mean (95% CI), published, in range) for the folder's first scenario."""
    summary = pd.read_csv(folder / "summary.csv")
    name = summary["scenario"].iloc[0]
    means = summary[summary["scenario"] == name].set_index("kpi")
    rows = []
    for c in CLAIMS:
        row = means.loc[c.kpi]
        rows.append((c.kpi, model_text(row, c.signed), c.published,
                     in_range(c, float(row["mean"]))))
    return rows


def spread(folder: Path) -> dict[str, tuple[float, float, int]]:
    """kpi -> (lowest, highest, replications) over the first scenario's replications."""
    reps = pd.read_csv(folder / "replications.csv")
    reps = reps[reps["scenario"] == reps["scenario"].iloc[0]]
    out = {}
    for kpi in SPREAD:
        values = reps.loc[reps["kpi"] == kpi, "value"]
        out[kpi] = (float(values.min()), float(values.max()), int(values.size))
    return out


def spread_line(folder: Path) -> str:
    """"Per replication: `ed_12h_pct` 2.9 to 12.1, ...": how far single replications stray."""
    parts = [f"`{k}` {lo:,.1f} to {hi:,.1f}" for k, (lo, hi, _n) in spread(folder).items()]
    n = next(iter(spread(folder).values()))[2]
    return f"Lowest to highest of the {n} replications (`replications.csv`): {', '.join(parts)}."


def _run_named(folder: Path) -> str:
    man = json.loads((folder / "manifest.json").read_text())
    return (f"`{man.get('scenario_name')}`, {man.get('replications')} replications, seed "
            f"{man.get('seed')}, git commit {str(man.get('git_commit', ''))[:10]}")


def block(folder: Path) -> str:
    """The calibration block: which run, then the table, then the per-replication spread."""
    head = (f"Measured by `python benchmarks/readme_claims.py` from a run of {_run_named(folder)}"
            ": means over replications with 95% confidence intervals (the tool's own KPIs, "
            "`summary.csv`).")
    lines = [head, "", "| KPI | model mean (95% CI) | published / calibration range | in range |",
             "|---|---|---|---|"]
    lines += [f"| `{k}` | {m} | {p} | {r} |" for k, m, p, r in claims_rows(folder)]
    return "\n".join([*lines, "", spread_line(folder)])


def _month_label(month: str) -> str:
    """"2025-04" -> "Apr 2025"."""
    return dt.date(int(month[:4]), int(month[5:7]), 1).strftime("%b %Y")


def _shown(row: pd.Series) -> str:
    """Where the mean sits as the page shows it (one decimal), so a figure printed equal to a
    bound of England's printed range is not marked outside it."""
    mean = round(float(row["model_mean"]), 1)
    if mean != mean:
        return "no data"
    low, high = round(float(row["range_low"]), 1), round(float(row["range_high"]), 1)
    return "low" if mean < low else "high" if mean > high else "in"


def _cell(mean: float, position: str) -> str:
    return "-" if mean != mean else f"{mean:,.1f}{MARK[position]}"


def monthly_block(folder: Path) -> str:
    """The monthly calibration block: which run, then per KPI a row of the tool's monthly
    means and a row of England's range for each month, then the count outside and the sources."""
    table = monthly_validation_table(folder)
    months = list(dict.fromkeys(table["month"]))
    n = int(table["replications"].max()) if len(table) else 0
    head = (f"Measured by `python benchmarks/readme_claims.py` from the same run of "
            f"{_run_named(folder)}: each month's mean over the {n} replications (the tool's own "
            "KPIs, `monthly.csv`), with England's range for that calendar month under it; "
            "↑ above England's range, ↓ below.")
    lines = [head, "", "| KPI | " + " | ".join(map(_month_label, months)) + " |",
             "|---" * (len(months) + 1) + "|"]
    for kpi, rows in table.groupby("kpi", sort=False):
        rows = rows.set_index("month")
        lines.append(f"| `{kpi}` | " + " | ".join(
            _cell(float(rows.loc[m, "model_mean"]), _shown(rows.loc[m]))
            for m in months) + " |")
        lines.append("| England | " + " | ".join(
            f"{rows.loc[m, 'range_low']:,.1f}-{rows.loc[m, 'range_high']:,.1f}"
            for m in months) + " |")
    outside = table.apply(_shown, axis=1).isin(["low", "high"])
    judged = table["position"] != "no data"
    lines += ["", f"Outside England's range: {int(outside.sum())} of {int(judged.sum())} KPI "
              "months (`sim.checks.validation.monthly_validation_table`).", ""]
    for s in MONTHLY_SOURCES:
        tol = (f" (England's figures ± {s.tolerance:g} point{'s' * (s.tolerance != 1)} [E])"
               if s.tolerance else "")
        estimated: dict[str, list[str]] = {}  # England's note -> the months it is for
        for m, e in table.loc[table["kpi"] == s.kpi, ["month", "england"]].itertuples(
                index=False):
            if "[E]" in e:
                estimated.setdefault(e, []).append(_month_label(m)[:3])
        notes = "; ".join(f"{', '.join(ms)}: {e}" for e, ms in estimated.items())
        lines.append(f"- `{s.kpi}`{tol}: {s.source}." + (f" Estimated: {notes}." if notes
                                                         else ""))
    return "\n".join(lines)


def _pattern(page: str, start: str, end: str) -> re.Pattern[str]:
    pattern = re.compile(rf"({re.escape(start)}\n).*?({re.escape(end)})", re.S)
    if not pattern.search(page):
        raise SystemExit(f"no {start} ... {end} block in the page")
    return pattern


def _replace(page: str, start: str, end: str, text: str) -> str:
    return _pattern(page, start, end).sub(lambda m: m.group(1) + text + "\n" + m.group(2),
                                          page)


def render(page: str, folder: Path) -> str:
    """The page with both blocks (annual, then monthly) regenerated from the folder; a page
    missing either block's markers is refused before anything is read."""
    _pattern(page, START, END), _pattern(page, MONTHLY_START, MONTHLY_END)
    page = _replace(page, START, END, block(folder))
    return _replace(page, MONTHLY_START, MONTHLY_END, monthly_block(folder))


def run_documented(out: Path) -> Path:
    """Run the documented baseline (``DOCUMENTED``) into ``out`` (replacing an earlier run
    there, so ``make docs`` can be repeated)."""
    cmd = [sys.executable, str(ROOT / "run_sim.py"), "run", *DOCUMENTED, "--out", str(out),
           "--quiet", "--force"]
    subprocess.run(cmd, cwd=ROOT, check=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", help="a results folder of the baseline")
    ap.add_argument("--run", action="store_true", help="run the documented baseline first")
    ap.add_argument("--write", metavar="PAGE", help="replace the calibration block in place "
                    "(docs/calibration.md)")
    ap.add_argument("--check", metavar="PAGE", help="exit 1 when the block differs")
    args = ap.parse_args(argv)
    if args.run:
        folder = run_documented(Path(args.folder or ROOT / "results" / "readme-claims"))
    elif args.folder:
        folder = Path(args.folder)
    else:
        ap.error("give a results folder or --run")
    if args.write:
        path = Path(args.write)
        path.write_text(render(path.read_text(), folder))
        print(f"written: {path}")
    elif args.check:
        text = Path(args.check).read_text()
        if render(text, folder) != text:
            print(f"{args.check}: the calibration blocks differ from {folder}")
            return 1
        print(f"{args.check}: the calibration blocks match the run")
    else:
        print(block(folder))
        print()
        print(monthly_block(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
