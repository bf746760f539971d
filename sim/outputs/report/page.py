"""report.html: one self-contained page (charts embedded, styles inline, nothing fetched):
the warnings banner, the targets (an overview for a board and every verdict with why), the
trajectories year by year, the charts, the costs and the provenance."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from sim.outputs.histograms import HISTOGRAMS
from sim.outputs.report.charts import (
    CHARTED,
    SERIES,
    comparison_chart,
    distribution_chart,
    save_chart,
    schedule_chart,
    series_chart,
)
from sim.outputs.report.excel import write_excel
from sim.outputs.report.folder import Folder, costs_table
from sim.outputs.soundness import STAMPS, manifest_warnings, stamp_text
from sim.outputs.store import SHARE_OF, cost_label
from sim.outputs.targets import rule_text

COLOURS = {"met": "#1b7837", "not met": "#c51b1b", "uncertain": "#e08214", "no data": "#888888"}
SYMBOLS = {"met": "\u2713", "not met": "\u2717", "uncertain": "?", "no data": "\u2013",
           "not judged": "\u00b7"}
TINTS = {"met": "#d9f0d3", "not met": "#f6cfcb", "uncertain": "#fde3bd", "no data": "#eeeeee",
         "not judged": "#eeeeee"}
WIDE_OVERVIEW = 6  # more scenarios than this: scenarios as rows, targets as columns


def _table(frame: pd.DataFrame, cls: str = "") -> str:
    return frame.to_html(index=False, classes=cls, border=0, float_format=lambda x: f"{x:,.2f}",
                         na_rep="-", escape=True)


def _number(x: object, digits: int = 1) -> str:
    """A value for reading: thousands separated, 1 decimal (none from 1,000 up), "-" if none."""
    if x == "" or x is None:
        return "-"
    v = float(x)
    if v != v:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.{digits}f}"


def _cell(row, col: str, default: object = "") -> object:
    """A column of a targets row, tolerating folders written before the column existed."""
    if isinstance(row, pd.Series):
        return row.get(col, default)
    return getattr(row, col, default)


def _p_met_text(r) -> str:
    """P(met) with its Wilson 95% interval, e.g. "0.90 (0.60-0.98)"."""
    p, lo, hi = _cell(r, "p_met"), _cell(r, "p_met_low"), _cell(r, "p_met_high")
    if p == "" or float(p) != float(p):
        return "-"
    if lo == "" or float(lo) != float(lo):
        return f"{float(p):.2f}"
    return f"{float(p):.2f} ({float(lo):.2f}-{float(hi):.2f})"


def _targets_html(folder: Folder) -> str:
    """Every target: what it was judged on beside the value judged, P(met) with its interval,
    the verdict and why."""
    rows = []
    for r in folder.targets.itertuples(index=False):
        colour = COLOURS.get(r.verdict, "#888888")
        ci = "-" if r.ci_low == "" else f"{_number(r.ci_low)} to {_number(r.ci_high)}"
        on = _cell(r, "judged_label") or r.judged_on
        month_judged = r.judged_on not in ("", "window")
        window = _number(_cell(r, "window_mean")) if month_judged else "same"
        rows.append(
            f"<tr><td>{html.escape(str(r.scenario))}</td>"
            f'<td title="{html.escape(r.kpi)}">{html.escape(r.target)}</td>'
            f"<td>{html.escape(r.op)} {r.threshold:g}</td>"
            f'<td class="wrap">{html.escape(str(on))}</td>'
            f"<td>{_number(r.mean)}</td><td>{ci}</td><td>{window}</td>"
            f"<td>{_p_met_text(r)}</td>"
            f'<td><span class="light" style="background:{colour}"></span>'
            f'{html.escape(r.verdict)}</td><td class="wrap">'
            f"{html.escape(str(_cell(r, 'reason')))}</td></tr>")
    head = ("<tr><th>scenario</th><th>target</th><th>rule</th><th>judged on</th>"
            "<th>value judged (mean)</th><th>95% CI</th><th>window mean</th>"
            "<th>P(met) (95% CI)</th><th>verdict</th><th>why</th></tr>")
    return f'<table id="targets" class="targets">{head}{"".join(rows)}</table>'


def _verdict_cell(r) -> str:
    """One overview cell: tinted by verdict, a symbol for readers without colour, the value."""
    v = str(r["verdict"])
    title = html.escape(f"{v}: {_cell(r, 'reason')} ({_cell(r, 'judged_label')})")
    return (f'<td style="background:{TINTS.get(v, "#eee")}" title="{title}">'
            f"{SYMBOLS.get(v, '')} {_number(r['mean'])}</td>")


def _point_name(targets: pd.DataFrame, r) -> str:
    """A target's name in the overview: its id, with "by YYYY-MM" for a trajectory's point."""
    same = targets[(targets["target"] == r["target"]) & (targets["scenario"] == r["scenario"])]
    return f"{r['target']} by {r['deadline']}" if len(same) > 1 else str(r["target"])


def _overview_html(folder: Folder) -> str:
    """Verdicts for a board's glance: targets down and scenarios across for a few scenarios;
    scenarios down and targets across (headers turned) when there are many, so it fits."""
    t = folder.targets.copy()
    t["target"] = [_point_name(folder.targets, r) for _, r in folder.targets.iterrows()]
    tids = list(dict.fromkeys(t["target"]))
    by = {(r["scenario"], r["target"]): r for _, r in t.iterrows()}
    if len(folder.scenarios) <= WIDE_OVERVIEW:
        head = "<tr><th>target</th><th>rule</th>" + "".join(
            f"<th>{html.escape(s)}</th>" for s in folder.scenarios) + "</tr>"
        rows = []
        for tid in tids:
            first = t[t["target"] == tid].iloc[0]
            cells = "".join(_verdict_cell(by[(s, tid)]) if (s, tid) in by else "<td>-</td>"
                            for s in folder.scenarios)
            rows.append(f"<tr><td>{html.escape(tid)}</td><td>{html.escape(first['op'])} "
                        f"{first['threshold']:g}</td>{cells}</tr>")
        return f'<table id="targets-overview">{head}{"".join(rows)}</table>'
    head = "<tr><th>scenario</th>" + "".join(
        f'<th class="turn"><span>{html.escape(tid)} '
        f"{html.escape(t[t['target'] == tid].iloc[0]['op'])} "
        f"{t[t['target'] == tid].iloc[0]['threshold']:g}</span></th>" for tid in tids) + "</tr>"
    rows = [f"<tr><td>{html.escape(s)}</td>" + "".join(
        _verdict_cell(by[(s, tid)]) if (s, tid) in by else "<td>-</td>" for tid in tids)
        + "</tr>" for s in folder.scenarios]
    return f'<table id="targets-overview" class="wide">{head}{"".join(rows)}</table>'


def on_track_table(folder: Folder) -> pd.DataFrame:
    """Trajectory targets year by year: one row per (scenario, target), one column per
    trajectory month, each cell the verdict symbol, the value judged and the threshold."""
    t = folder.targets
    if t.empty:
        return pd.DataFrame()
    points = t.groupby(["scenario", "target"])["deadline"].transform("count")
    t = t[points > 1]
    if t.empty:
        return pd.DataFrame()
    rows = []
    for (scenario, target), g in t.groupby(["scenario", "target"], sort=False):
        row = {"scenario": scenario, "target": target}
        for _, r in g.iterrows():
            row[str(r["deadline"])] = (f"{SYMBOLS.get(str(r['verdict']), '')} "
                                       f"{_number(r['mean'])} ({r['op']} {r['threshold']:g})")
        rows.append(row)
    frame = pd.DataFrame(rows)
    months = sorted(c for c in frame.columns if c not in ("scenario", "target"))
    return frame[["scenario", "target", *months]].fillna("")


def _on_track_parts(folder: Folder) -> list[str]:
    table = on_track_table(folder)
    if table.empty:
        return []
    return ["<h2>On track, year by year</h2>", "<p class='note'>Each trajectory point judged in "
            "its month (✓ met, ? uncertain, ✗ not met; the month's mean over "
            "replications, then the point's threshold). A point before the measurement window "
            "is judged on the window (in force).</p>", _table(table, "targets")]


def _rule_html(folder: Folder) -> str:
    """The verdict rule as the report states it, with the folder's required confidence."""
    req = folder.targets.get("required_confidence")
    if req is None or req.empty or req.iloc[0] == "":
        return ("A target is met only when the whole interval is on the right side of it "
                "(a folder written before P(met) had its interval).")
    reps = int(folder.manifest.get("replications") or 0)
    return "Verdicts: " + html.escape(rule_text(float(req.iloc[0]), reps)) + (
        "; 'not met' when the interval is wholly on the wrong side; otherwise 'uncertain', "
        "with the reason. A target with a deadline inside the window is judged on that "
        "month's values.")


def _charted_note(folder: Folder) -> str:
    """Which scenarios the month-by-month and distribution charts show, and which not."""
    shown, left = folder.scenarios[:CHARTED], folder.scenarios[CHARTED:]
    if not left:
        return ""
    return ("<p class='note'>These charts show " + ", ".join(map(html.escape, shown))
            + f" (at most {CHARTED} lines a chart). Not charted: "
            + ", ".join(map(html.escape, left)) + "; their monthly means are in summary.xlsx "
            "(sheet Monthly), and every scenario is in the comparison chart.</p>")


def _unit_costs(folder: Folder) -> dict:
    """The unit costs the folder's (first) scenario ran with, from its manifest."""
    man = folder.manifest
    resolved = man.get("scenario") or next(iter(man.get("scenarios", {}).values()), {})
    return resolved.get("costs", {})


def _costs_note(folder: Folder) -> str:
    costs = _unit_costs(folder)
    s = folder.summary
    bed_days = s[s["kpi"] == "escalation_bed_days"]["mean"]
    opened = (f" (mean {float(bed_days.iloc[0]):,.0f} bed-days open, KPI escalation_bed_days)"
              if not bed_days.empty else "")
    return (f"<p class='note'>Costs of capacity over the measurement window, "
            f"{html.escape(str(costs.get('currency', 'GBP')))} at "
            f"{html.escape(str(costs.get('price_year', '?')))} prices, rounded to the pound. "
            "ED includes its cubicles (ed_cubicle_day_gbp); acute includes escalation beds by "
            f"the bed-days they were open{opened}, at acute_bed_day_gbp. "
            f"Unit costs: {html.escape(cost_label(costs))}.</p>")


def _costs_html(folder: Folder) -> str:
    """The cost table, formatted to the pound; scenarios as rows when there are many."""
    table = costs_table(folder)
    if table.shape[1] == 1:
        return _table(table, "costs")
    shown = table.set_index(table.columns[0])
    if len(folder.scenarios) > WIDE_OVERVIEW:
        shown = shown.T.rename_axis("scenario")
    return _table(shown.map(_number).reset_index(), "costs")


def _money(x: object) -> str:
    return "-" if x == "" or float(x) != float(x) else f"{float(x):,.0f}"


def _signed(x: object) -> str:
    """A difference to 0.1 with its sign; 0.0 without one (never "-0.0")."""
    v = round(float(x), 1)
    return "0.0" if v == 0 else f"{v:+.1f}"


def per_patient_table(folder: Folder) -> pd.DataFrame | None:
    """Incremental cost and cost per extra patient meeting each per-patient target, for
    reading: the difference and its CI to 0.1, GBP to the pound, "not costed" where no costed
    capacity changed, and the note saying why a cost per patient is blank."""
    c = folder.comparison
    if c is None or c.empty or "cost_per_extra_patient_gbp" not in c:
        return None
    c = c[(c["target"] != "") & c["kpi"].isin(SHARE_OF)]
    if c.empty:
        return None
    note = c["cost_note"] if "cost_note" in c else pd.Series("", index=c.index)
    not_costed = note.astype(str).str.startswith("not costed")
    ci = [f"{_signed(lo)} to {_signed(hi)}" if lo != "" else "-"
          for lo, hi in zip(c["ci_low"], c["ci_high"], strict=True)]
    return pd.DataFrame({
        "scenario": c["scenario"], "target": c["target"],
        "difference": [_signed(x) for x in c["mean_diff"]],
        "95% CI": ci,
        "verdict": [f"{a} -> {b}" for a, b in zip(c["comparator_verdict"],
                                                   c["scenario_verdict"], strict=True)],
        "incremental cost (GBP)": ["not costed" if nc else _money(x) for nc, x in
                                   zip(not_costed, c["incremental_cost_gbp"], strict=True)],
        "extra patients meeting": [_number(x) for x in c["extra_patients_meeting"]],
        "per extra patient (GBP)": [_money(x) for x in c["cost_per_extra_patient_gbp"]],
        "note": note})


def _warnings_html(folder: Folder) -> str:
    """The banner at the top of the report: a scaled or quick trial's stamp, then every
    warning (queues that never settle, targets measured too loosely), so no verdict below is
    read without them."""
    found = manifest_warnings(folder.manifest)
    stamp = stamp_text(found)
    rest = [w for w in found if w.kind not in STAMPS]
    parts = [f'<p id="stamp" class="stamp">{html.escape(stamp)}</p>'] if stamp else []
    if rest:
        items = "".join(f"<li><b>{html.escape(w.kind)}</b>: {html.escape(w.message)}</li>"
                        for w in rest)
        parts.append(f'<div id="warnings" class="warnings"><b>Warnings</b><ul>{items}</ul>'
                     "</div>")
    return "".join(parts)


CSS = """body{font-family:Arial,Helvetica,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ccc;padding-bottom:4px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{padding:3px 8px;
border-bottom:1px solid #e5e5e5;text-align:left;white-space:nowrap}
.light{display:inline-block;width:11px;height:11px;border-radius:6px;margin-right:5px;vertical-align:middle}img{max-width:100%}
.note{color:#555;font-size:12px}.wrap{white-space:normal;min-width:150px;max-width:280px}
.wide td,.wide th{padding:2px 3px;font-size:11px}.turn{vertical-align:bottom}
table.costs td:last-child{white-space:normal;min-width:160px}
.turn span{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg)}
.stamp{background:#c51b1b;color:#fff;font-weight:bold;padding:6px 10px}
.warnings{background:#fff4e5;border-left:4px solid #e08214;padding:4px 10px;font-size:13px}"""


def build_report(path: Path) -> Path:
    """Write report.html, the PNG charts and summary.xlsx into ``path``; returns report.html."""
    folder = Folder(path)
    man = folder.manifest
    banner, stamp = _warnings_html(folder), stamp_text(manifest_warnings(man))
    charts: list[tuple[str, str, str]] = []  # (section, file, data)
    for kpi, title, unit in SERIES:
        fig = series_chart(folder, kpi, title, unit)
        if fig is not None:
            charts.append(("series", *save_chart(fig, path, f"chart_{kpi}", stamp)))
    for h in HISTOGRAMS:
        fig = distribution_chart(folder, h)
        if fig is not None:
            charts.append(("distribution", *save_chart(fig, path, f"chart_{h.name}", stamp)))
    fig = comparison_chart(folder)
    if fig is not None:
        charts.append(("comparison", *save_chart(fig, path, "chart_comparison", stamp)))
    fig = schedule_chart(folder)
    if fig is not None:
        charts.append(("schedules", *save_chart(fig, path, "chart_capacity_schedules", stamp)))

    def imgs(section: str) -> str:
        return "".join(f'<figure><img class="chart" alt="{f}" src="data:image/png;base64,{d}">'
                       f"</figure>" for s, f, d in charts if s == section)

    title = man.get("batch_name") or man.get("scenario_name") or path.name
    provenance = pd.DataFrame([
        ("kind", man.get("kind", "run")), ("seed", man.get("seed")),
        ("replications", man.get("replications")), ("scenarios", ", ".join(folder.scenarios)),
        ("started", man.get("started")), ("finished", man.get("finished")),
        ("git commit", man.get("git_commit")), ("command line", " ".join(man.get(
            "command_line", []))), *((f"version: {k}", v) for k, v in man.get(
                "versions", {}).items())], columns=["item", "value"])
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{CSS}</style></head><body>",
             f"<h1>Does this configuration meet its targets? {html.escape(str(title))}</h1>",
             banner,
             f"<p class='note'>{man.get('replications')} replications, seed {man.get('seed')}; "
             f"means with 95% confidence intervals. {_rule_html(folder)}</p>",
             "<h2>Targets</h2>",
             *([_overview_html(folder), "<p class='note'>\u2713 green met, ? amber uncertain, "
                "\u2717 red not met, \u2013 grey no data; the value is the one judged (hover "
                "for why). Details below.</p><details><summary>every target and "
                "scenario</summary>", _targets_html(folder), "</details>"]
               if len(folder.scenarios) > 1 else [_targets_html(folder)]),
             *_on_track_parts(folder),
             "<h2>Month by month</h2>", _charted_note(folder), imgs("series"),
             "<h2>Distributions</h2>", _charted_note(folder), imgs("distribution")]
    if folder.comparison is not None:
        parts += ["<h2>Scenario comparison</h2>", imgs("comparison")]
    if any(s == "schedules" for s, _f, _d in charts):
        parts += ["<h2>Capacity plan</h2>", "<p class='note'>Capacities given as dated levels "
                  "(each in force from its date to the next); costs count the days at each "
                  "level.</p>", imgs("schedules")]
    parts += ["<h2>Costs</h2>", _costs_note(folder), _costs_html(folder)]
    per = per_patient_table(folder)
    if per is not None:
        parts += ["<p class='note'>Against the comparator: the paired difference in each "
                  "per-patient target, the incremental cost of capacity and the cost per extra "
                  "patient meeting the target, given only where the difference is significant "
                  "and helps; \"not costed\" where no costed capacity changed (a process "
                  "change).</p>", _table(per, "costs")]
    parts += ["<h2>Provenance</h2>", _table(provenance, "provenance"), "</body></html>"]
    out = path / "report.html"
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(parts), encoding="utf-8")
    tmp.replace(out)
    write_excel(folder)
    return out
