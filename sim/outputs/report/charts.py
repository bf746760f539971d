"""The report's charts (matplotlib, drawn headless): KPIs month by month with their 95% CI
and target line or trajectory, distributions, the paired comparison and the capacity plan;
each saved as a PNG beside the report and returned as base64 for embedding."""

from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path

import numpy as np

from sim.core.rota import mean_on_duty
from sim.core.stats import mean_ci
from sim.outputs.kpis import KPIS
from sim.outputs.report.folder import Folder

SERIES = [("ed_4h_pct", "ED 4-hour performance", "% of attendances within 4 hours"),
          ("rtt_18w_pct", "RTT: incomplete pathways within 18 weeks", "% of the waiting list"),
          ("waiting_list_size", "RTT waiting list (incomplete pathways)", "pathways"),
          ("acute_occupancy_pct", "G&A bed occupancy", "% of beds occupied"),
          ("vw_occupancy_pct", "Virtual ward occupancy", "% of beds occupied"),
          ("ucr_2h_pct", "UCR 2-hour response", "% of in-scope referrals")]
COMPARED = ["ed_4h_pct", "ed_12h_pct", "acute_occupancy_pct", "ucr_2h_pct",
            "reablement_2d_pct", "rtt_18w_pct", "delayed_discharge_bed_days", "cost_total_gbp"]
CHARTED = 6  # scenarios drawn on one month-by-month or distribution chart


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_chart(fig, folder: Path, name: str, stamp: str = "") -> tuple[str, str]:
    """Write the PNG beside the report and return (file name, base64 data). A scaled or quick
    trial's ``stamp`` is printed on the chart, which may travel to a slide without the
    report."""
    if stamp:
        fig.text(0.5, 0.995, stamp, ha="center", va="bottom", fontsize=9, color="#c51b1b",
                 fontweight="bold")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    data = buf.getvalue()
    (folder / f"{name}.png").write_bytes(data)
    return f"{name}.png", base64.b64encode(data).decode()


def _threshold(folder: Folder, kpi: str) -> float | None:
    rows = folder.targets[folder.targets["kpi"] == kpi]
    return float(rows["threshold"].iloc[0]) if len(rows) else None


def trajectory(folder: Folder, kpi: str) -> list[tuple[str, float]]:
    """The (month, threshold) points of the first target on ``kpi`` when it is a trajectory
    (more than one row in targets.csv), in month order; [] otherwise."""
    t = folder.targets[folder.targets["kpi"] == kpi]
    if t.empty:
        return []
    first = t[(t["target"] == t["target"].iloc[0]) & (t["scenario"] == t["scenario"].iloc[0])]
    if len(first) < 2:
        return []
    return sorted((str(r["deadline"]), float(r["threshold"])) for _, r in first.iterrows())


def _draw_target(ax, folder: Folder, kpi: str, months: list[str]) -> None:
    """A trajectory as a step line through its points (each in force from its month on; a
    point before the chart starts is in force from its first month); else one level line."""
    points = trajectory(folder, kpi)
    if not points:
        target = _threshold(folder, kpi)
        if target is not None:
            ax.axhline(target, color="black", ls="--", lw=1, label=f"target {target:g}")
        return
    xs = [0 if m < months[0] else months.index(m) for m, _v in points if m <= months[-1]
          and (m < months[0] or m in months)]
    ys = [v for m, v in points if m <= months[-1] and (m < months[0] or m in months)]
    if xs:
        ax.step([*xs, len(months) - 1], [*ys, ys[-1]], where="post", color="black", ls="--",
                lw=1, label="target trajectory")
        ax.plot(xs, ys, "kD", ms=4)


def series_chart(folder: Folder, kpi: str, title: str, unit: str):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    m = folder.monthly[folder.monthly["kpi"] == kpi]
    if m.empty or m["value"].isna().all():
        plt.close(fig)
        return None
    all_months = sorted(m["month"].astype(str).unique())
    for name in folder.scenarios[:CHARTED]:
        rows = m[m["scenario"] == name]
        months = sorted(rows["month"].unique())
        stats = [mean_ci(rows[rows["month"] == mo]["value"].to_numpy()) for mo in months]
        mean = np.array([s[0] for s in stats])
        lo = np.array([s[2] if np.isfinite(s[2]) else s[0] for s in stats])
        hi = np.array([s[3] if np.isfinite(s[3]) else s[0] for s in stats])
        x = np.arange(len(months))
        ax.plot(x, mean, marker="o", ms=3, label=name)
        ax.fill_between(x, lo, hi, alpha=0.2)
        step = 1 if len(months) <= 24 else 3 if len(months) <= 60 else 6  # multi-year runs
        ax.set_xticks(x[::step], months[::step], rotation=45, ha="right", fontsize=8)
    _draw_target(ax, folder, kpi, all_months)
    ax.set_title(f"{title}, by month (mean and 95% CI over replications)", fontsize=10)
    ax.set_ylabel(unit)
    ax.set_xlabel("month (measurement window; warm-up excluded)")
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    return fig


def _resolved(folder: Folder) -> dict[str, dict]:
    """Each scenario's resolved settings, as the manifest keeps them (a run or a batch)."""
    man = folder.manifest
    if isinstance(man.get("scenarios"), dict):
        return {k: v for k, v in man["scenarios"].items() if isinstance(v, dict)}
    return {str(man.get("scenario_name", "")): man["scenario"]} if isinstance(
        man.get("scenario"), dict) else {}


def _level_number(level: object) -> float:
    """A dated level as one number: a rota as its mean staff on duty over the week."""
    return float(mean_on_duty(level)) if isinstance(level, list) else float(level)


def schedule_chart(folder: Folder):
    """Every capacity schedule as a step line (level against date, to the run's end): the
    plan a scenario was run with. A rota level is drawn as its mean staff on duty."""
    plans = {name: sc.get("schedules") or {} for name, sc in _resolved(folder).items()}
    keys = sorted({k for sched in plans.values() for k in sched})
    if not keys:
        return None
    plt = _plt()
    fig, axes = plt.subplots(len(keys), 1, figsize=(7.5, 1.9 * len(keys) + 0.6), squeeze=False)
    for ax, key in zip(axes[:, 0], keys, strict=True):
        for name, sched in list(plans.items())[:CHARTED]:
            if key not in sched:
                continue
            run = _resolved(folder)[name]["run"]
            start = dt.date.fromisoformat(run["start_date"])
            end = start + dt.timedelta(days=run["warmup_days"] + run["measurement_days"])
            days = sorted(sched[key])
            xs = [dt.date.fromisoformat(d) for d in days] + [end]
            ys = [_level_number(sched[key][d]) for d in days]
            ax.step(xs, [*ys, ys[-1]], where="post", label=name)
        rota = any(isinstance(v, list) for sched in plans.values()
                   for v in sched.get(key, {}).values())
        ax.set_title(f"{key}{' (mean staff on duty)' if rota else ''}, by date", fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def distribution_chart(folder: Folder, h) -> object | None:
    d = folder.distributions
    if d is None or d.empty:
        return None
    d = d[d["measure"] == h.name]
    if d.empty:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    for name in folder.scenarios[:CHARTED]:
        rows = d[d["scenario"] == name].groupby("bin_low", as_index=False)["count"].sum()
        total = rows["count"].sum()
        if total == 0:
            continue
        ax.step(rows["bin_low"], 100 * rows["count"] / total, where="post", label=name)
    if h.marker is not None:
        ax.axvline(h.marker, color="black", ls="--", lw=1, label=f"standard ({h.marker:g} "
                   f"{h.unit})")
    ax.set_title(f"{h.title}: share of patients by {h.unit} (all replications; the last bin "
                 "holds everything beyond)", fontsize=9)
    ax.set_xlabel(h.unit)
    ax.set_ylabel("% of patients")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return fig


def comparison_chart(folder: Folder):
    c = folder.comparison
    if c is None or c.empty:
        return None
    c = c.drop_duplicates(["scenario", "kpi"])
    c = c[c["kpi"].isin(COMPARED)]
    plt = _plt()
    kpis = [k for k in COMPARED if k in set(c["kpi"])]
    fig, axes = plt.subplots(len(kpis), 1, figsize=(7.5, 1.3 * len(kpis) + 0.8))
    axes = np.atleast_1d(axes)
    for ax, k in zip(axes, kpis, strict=True):
        rows = c[c["kpi"] == k]
        diff = rows["mean_diff"].astype(float).to_numpy()
        lo = rows["ci_low"].replace("", np.nan).astype(float).to_numpy()
        hi = rows["ci_high"].replace("", np.nan).astype(float).to_numpy()
        y = np.arange(len(rows))
        err = np.vstack([np.nan_to_num(diff - lo), np.nan_to_num(hi - diff)])
        ax.errorbar(diff, y, xerr=err, fmt="o", capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, rows["scenario"], fontsize=7)
        ax.set_title(f"{k} ({KPIS[k].unit}): option minus {rows['comparator'].iloc[0]}, "
                     "paired, 95% CI", fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
