"""Generated documentation: the parts of the README that must never drift from the code.

``python -m sim.docs`` rewrites the marked sections of README.md in place; a test checks that
running it would change nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .kpis import markdown_table

SECTIONS = {"kpis": markdown_table}


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
