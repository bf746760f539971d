"""The seek folder's report page and workbook: the answer in words, what it rests on, and the
P(met)-versus-capacity curve, so nobody reads the answer without the curve under it.

Reads only seek.json and seek.csv (written by :mod:`sim.experiment.seek`), so it can be
rebuilt from the files alone.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import pandas as pd


def _p_met_yerr(df: pd.DataFrame) -> list[pd.Series]:
    """Error-bar lengths below and above P(met), never negative: matplotlib refuses a negative
    length, and a bound a rounding error inside the share must not stop the report."""
    return [(df["p_met"] - df["p_met_low"]).clip(lower=0),
            (df["p_met_high"] - df["p_met"]).clip(lower=0)]


def _curve_png(curve: pd.DataFrame, lever: str, answer: int | None, confidence: float) -> bytes:
    """P(met) against capacity: each capacity's observed share with its Wilson 95% interval,
    the share implied by the critical capacities, the confidence asked and the answer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    x = curve["capacity"]
    ax.errorbar(x, curve["p_met"], yerr=_p_met_yerr(curve),
                fmt="o", color="#1f77b4", capsize=3,
                label="replications run there: P(met), Wilson 95%")
    ax.step(x, curve["p_met_implied"], where="post", color="#555555",
            label="all replications (from their critical capacities)")
    if answer is not None:
        ax.axvline(answer, color="#2ca02c", linestyle=":", label=f"answer {answer}")
    return _p_met_png(fig, ax, lever, confidence)


def _p_met_png(fig, ax, xlabel: str, confidence: float) -> bytes:
    """Finish a P(met) chart (the confidence line, labels, legend) and return it as PNG."""
    import matplotlib.pyplot as plt

    ax.axhline(confidence, color="#c51b1b", linestyle="--", label=f"confidence {confidence:g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("P(every named target met)")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="lower right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def answer_sentence(data: dict) -> str:
    """The answer with its confidence and interval in one sentence (or why there is none)."""
    lever = data["lever"]
    answer = data["answer"][lever]
    lo, hi = data["interval"][lever]
    targets = ", ".join(data["targets"])
    if answer is None:
        return (f"No {lever} in {data['search_range'][0]}..{data['search_range'][1]} meets "
                f"{targets} in {data['confidence']:.0%} of replications.")
    show = lambda v: "unbounded" if v is None else f"{v:,}"  # noqa: E731
    grain = data.get("resolution", 1)
    on = f" on a grid of {grain}" if grain > 1 else ""
    return (f"{lever} = {answer:,} is the least value{on} meeting {targets} in at least "
            f"{data['confidence']:.0%} of {data['replications']} replications (95% interval "
            f"{show(lo)} to {show(hi)}); monotonicity violations: "
            f"{data['monotone_violations']}. {verdict_sentence(data)}").rstrip()


def verdict_sentence(data: dict) -> str:
    """What the report's verdict rule says at the answer, in the report's own words: seek
    counts the share of replications meeting, the verdict asks more (a lower bound)."""
    v = data.get("verdict_at_answer") or {}
    if not v:
        return ""
    return (f"That is the share of replications meeting ({v['n_met']} of {v['replications']}), "
            f"not the verdict rule: at {v['capacity']:,} the report's verdict reads "
            f"'{v['verdict']}' ({v['rule']}; {v['n_met']} of {v['replications']} gives P(met) "
            f">= {v['p_met_low']:.2f}).")


def build_seek_report(folder: Path) -> Path:
    """seek.html (answer, warnings, method, curve, table) and summary.xlsx (a Seek sheet and
    the curve) in the seek folder."""
    data = json.loads((folder / "seek.json").read_text())
    curve = pd.read_csv(folder / "seek.csv")
    lever = data["lever"]
    png = _curve_png(curve, lever, data["answer"][lever], data["confidence"])
    (folder / "seek_curve.png").write_bytes(png)
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in data.get("warnings", []))
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Seek: {html.escape(lever)}
</title></head><body style="font-family:sans-serif;max-width:60em">
<h1>Capacity seek: {html.escape(lever)}</h1>
<p><b>{html.escape(answer_sentence(data))}</b></p>
{f'<h2>Warnings</h2><ul style="color:#c51b1b">{warnings}</ul>' if warnings else ''}
<p>Method: {html.escape(data['method'])}. Seed {data['seed']}, {data['evaluations']} runs.</p>
<h2>P(met) against capacity</h2>
<img alt="P(met) against {html.escape(lever)}"
 src="data:image/png;base64,{base64.b64encode(png).decode()}">
<p>Points: the replications run at that capacity (a subset, except at the answer and one
below, where every replication was run). Line: every replication, from its critical capacity,
where each is known on that side (gaps: a replication not sought that closely, its critical
capacity only bracketed).</p>
{curve.to_html(index=False, float_format=lambda v: f"{v:.3g}")}
</body></html>
"""
    out = folder / "seek.html"
    out.write_text(page, encoding="utf-8")
    summary = pd.DataFrame([{"lever": lever, "targets": ", ".join(data["targets"]),
                             "answer": data["answer"][lever],
                             "confidence": data["confidence"],
                             "interval_low": data["interval"][lever][0],
                             "interval_high": data["interval"][lever][1],
                             "monotone_violations": data["monotone_violations"],
                             "replications": data["replications"],
                             "warnings": "; ".join(data.get("warnings", [])),
                             "answer_text": answer_sentence(data)}])
    with pd.ExcelWriter(folder / "summary.xlsx", engine="openpyxl") as xl:
        summary.to_excel(xl, sheet_name="Seek", index=False)
        curve.to_excel(xl, sheet_name="Seek curve", index=False)
    return out


def _frontier_png(frontier: pd.DataFrame, confidence: float) -> bytes:
    """Each plan's yearly cost against its P(met) (Wilson 95%), by where it came from."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    run = frontier[frontier["replications"] > 0]
    for source, part in run.groupby("source"):
        ax.errorbar(part["cost_per_year"], part["p_met"],
                    yerr=_p_met_yerr(part),
                    fmt="o", capsize=3, label=str(source))
    return _p_met_png(fig, ax, "capacity cost a year", confidence)


def build_plan_report(folder: Path) -> Path:
    """seek.html and summary.xlsx for a several-lever seek: the plan, why it is the answer,
    the cost frontier (table and chart) and a link to each lever's own seek page."""
    data = json.loads((folder / "seek.json").read_text())
    frontier = pd.read_csv(folder / "seek_frontier.csv")
    png = _frontier_png(frontier, data["confidence"])
    plan = ", ".join(f"{k} = {v if v is None else f'{v:,}'}" for k, v in data["answer"].items())
    cost = data.get("cost_per_year")
    links = "".join(f'<li><a href="lever-{html.escape(lv)}/seek.html">{html.escape(lv)} '
                    "alone</a></li>" for lv in data["levers"]
                    if (folder / f"lever-{lv}" / "seek.html").exists())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Seek: cheapest plan
</title></head><body style="font-family:sans-serif;max-width:60em">
<h1>Capacity seek: the cheapest plan over {html.escape(', '.join(data['levers']))}</h1>
<p><b>{html.escape(plan)}</b>{'' if cost is None else f', costing {cost:,.0f} a year'}, meeting
{html.escape(', '.join(data['targets']))} with confidence {data['confidence']:g}
(P(met) observed {data['p_met'] if data['p_met'] is None else f"{data['p_met']:.0%}"} of
{data['replications']} replications).</p>
<p>Why: {html.escape(data['why'])}.</p>
<p>Each lever's interval, alone ({html.escape(data['interval_basis'])}):
{html.escape(json.dumps(data['interval']))}; monotonicity violations
{data['monotone_violations']}. Seed {data['seed']}.</p>
<h2>Cost frontier</h2>
<img alt="P(met) against cost" src="data:image/png;base64,{base64.b64encode(png).decode()}">
{frontier.to_html(index=False, float_format=lambda v: f"{v:.3g}")}
{f'<h2>Each lever alone</h2><ul>{links}</ul>' if links else ''}
</body></html>
"""
    out = folder / "seek.html"
    out.write_text(page, encoding="utf-8")
    summary = pd.DataFrame([{"levers": ", ".join(data["levers"]), "plan": plan,
                             "cost_per_year": cost, "p_met": data["p_met"],
                             "confidence": data["confidence"], "why": data["why"],
                             "replications": data["replications"]}])
    with pd.ExcelWriter(folder / "summary.xlsx", engine="openpyxl") as xl:
        summary.to_excel(xl, sheet_name="Seek", index=False)
        frontier.to_excel(xl, sheet_name="Seek frontier", index=False)
    return out
