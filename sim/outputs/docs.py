"""Generated documentation: the pages of the manual (docs/) that must never drift from the code.

``python run_sim.py docs [FOLDER]`` (``make docs``) writes the KPI table, the planner
levers, the shipped scenarios, the flow diagram drawn from ``sim/model/pathways.py`` and the
STRESS-DES description of the baseline into FOLDER (default ``docs/``); ``--check`` writes
nothing and exits 1 naming each page that differs. A test regenerates them into a temporary
folder and compares. The calibration table needs a run of the baseline, so
``benchmarks/readme_claims.py`` writes it (``make docs`` calls both).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sim.outputs.describe import describe, flow_diagram, links_table
from sim.outputs.kpis import markdown_table
from sim.scenario import baseline_path, load_scenario
from sim.scenario.fields import description, lever_keys
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
STAMP = ("*Generated from the code by `make docs` (`python run_sim.py docs`); a test fails "
         "when it is stale. Do not edit by hand.*")


def levers_table() -> str:
    """The planner levers: every schema field tagged with a lever unit, baseline values."""
    base = load_scenario(baseline_path())
    lines = ["| `--set` key | unit | baseline | what it is |", "|---|---|---|---|"]
    for key, unit in lever_keys(Scenario).items():
        value = base
        for part in key.split("."):
            value = getattr(value, part)
        shown = (", ".join(f"{v:g}" for v in value) if isinstance(value, list)
                 else f"{value:,}" if isinstance(value, int) else f"{value:g}")
        lines.append(f"| `{key}` | {unit} | {shown} | {description(Scenario, key)} |")
    return "\n".join(lines)


def scenarios_table() -> str:
    """Every shipped scenario with the question its own description says it asks."""
    lines = ["| file | what it asks |", "|---|---|"]
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        sc = load_scenario(path)
        lines.append(f"| `scenarios/{path.name}` | {' '.join(sc.description.split())} |")
    return "\n".join(lines)


def kpis_page() -> str:
    return "\n".join([
        "# KPIs", "", STAMP, "",
        "Every KPI the tool computes, with its exact definition (numerator, denominator, "
        "window). The definitions are the KPI functions' docstrings (`sim/outputs/kpis/`); "
        "`python run_sim.py kpis` prints the same table. A target names one of these ids "
        "(see [Scenario files](scenario-files.md)).", "",
        markdown_table(), ""])


def levers_page() -> str:
    return "\n".join([
        "# Planner levers", "", STAMP, "",
        "Stable `--set` keys, with the baseline's values (any other schema key works too; "
        "`python run_sim.py schema` lists them all). The web app shows each of them as an "
        "input. Every schema field tagged with a lever unit is listed.", "",
        levers_table(), "",
        "Example: `python run_sim.py run scenarios/baseline.toml --set "
        "ucr.clinicians_per_shift=11 -n 20`.", ""])


def scenarios_page() -> str:
    return "\n".join([
        "# Shipped scenarios", "", STAMP, "",
        "The scenario files under `scenarios/`, each with the question its own `description` "
        "says it asks. How to write one: [Scenario files](scenario-files.md); how to compare "
        "many: [Batches](batches.md).", "",
        scenarios_table(), ""])


def flow_page() -> str:
    return "\n".join([
        "# How patients move between services", "", STAMP, "",
        "Drawn from the `Link` list of `sim/model/pathways.py` (and any link a registered "
        "service adds), so it cannot disagree with the code. An arrow runs from the service "
        "that hands a patient on to the service that takes them; its label is the port the "
        "sender needs and, after the arrow, the port of the receiver that serves it. Routing "
        "decisions (who goes where, with what probability) are made by the sending service, "
        "with their parameters in its scenario section. What happens inside each service is in "
        "[The model](overview.md) and the [STRESS-DES description](model.md).", "",
        flow_diagram(), "", links_table(), ""])


def model_page() -> str:
    path = ROOT / "scenarios" / "baseline.toml"
    return describe(load_scenario(path), path, "scenarios/baseline.toml")


PAGES: dict[str, Callable[[], str]] = {
    "kpis.md": kpis_page, "levers.md": levers_page, "scenarios.md": scenarios_page,
    "flow.md": flow_page, "model.md": model_page,
}


def write(folder: Path) -> list[Path]:
    """Write every generated page into ``folder``; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, make in PAGES.items():
        path = folder / name
        path.write_text(make())
        out.append(path)
    return out


def stale(folder: Path) -> list[str]:
    """The generated pages that are missing from ``folder`` or differ from the code's."""
    return [name for name, make in PAGES.items()
            if not (folder / name).is_file() or (folder / name).read_text() != make()]

