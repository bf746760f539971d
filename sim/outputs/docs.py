"""Generated documentation: the parts of the README that must never drift from the code.

``python -m sim.outputs.docs`` rewrites the marked sections of README.md in place; a test
checks that running it would change nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sim.outputs.kpis import markdown_table
from sim.scenario import baseline_path, load_scenario
from sim.scenario.fields import description, lever_keys
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]


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
