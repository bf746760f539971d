"""Generated documentation: the parts of the README that must never drift from the code.

``python -m sim.outputs.docs`` rewrites the marked sections of README.md in place; a test
checks that running it would change nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sim.outputs.kpis import markdown_table
from sim.scenario import load_scenario
from sim.scenario.loader import _field_model  # the schema walk the --set check uses
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]

# The planner levers: stable --set keys, with the unit each is counted in.
LEVERS = {
    "population.size": "people",
    "demand.growth_pct_per_year": "% a year",
    "primary_care.gp_slots_per_weekday": "appointments a day, Mon..Sun",
    "ucr.clinicians_per_shift": "clinicians on duty, 08:00-20:00",
    "reablement.packages": "packages at once",
    "virtual_ward.beds": "beds",
    "virtual_ward.accept_below_pct": "% of beds",
    "ed.clinicians_per_shift": "clinicians on duty",
    "ed.handover_staff": "handovers at once",
    "acute.beds": "G&A beds",
    "acute.elective_ring_fenced_beds": "beds (within acute.beds)",
    "elective.theatre_sessions_per_week": "4-hour lists a week",
    "elective.outpatient_slots_per_week": "first appointments a week",
    "elective.diagnostic_slots_per_week": "tests a week",
}


def _describe(key: str) -> str:
    model: type | None = Scenario
    field = None
    for part in key.split("."):
        field = model.model_fields[part]
        model = _field_model(field.annotation)
    return " ".join((field.description or "").split())


def levers_table() -> str:
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    lines = ["| `--set` key | unit | baseline | what it is |", "|---|---|---|---|"]
    for key, unit in LEVERS.items():
        value = base
        for part in key.split("."):
            value = getattr(value, part)
        shown = (", ".join(f"{v:g}" for v in value) if isinstance(value, list)
                 else f"{value:,}" if isinstance(value, int) else f"{value:g}")
        lines.append(f"| `{key}` | {unit} | {shown} | {_describe(key)} |")
    return "\n".join(lines)


def scenarios_table() -> str:
    lines = ["| file | what it asks |", "|---|---|"]
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        sc = load_scenario(path)
        lines.append(f"| `scenarios/{path.name}` | {' '.join(sc.description.split())} |")
    return "\n".join(lines)


SECTIONS = {"kpis": markdown_table, "levers": levers_table, "scenarios": scenarios_table}


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main(argv: list[str] | None = None) -> int:
    path = Path((argv or sys.argv[1:] or ["README.md"])[0])
    path.write_text(render(path.read_text()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
