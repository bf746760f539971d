"""All randomness comes from named streams; streams are stable and independent."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from sim.core.rng import Streams, stream

SIM = Path(__file__).resolve().parents[1] / "sim"
STRAY = re.compile(
    r"(^|[^.\w])random\.\w+\(|np\.random\.(?!Generator\b|SeedSequence\b|default_rng\b)\w+"
    r"|default_rng\(|SeedSequence\(|import random\b|from random import"
)


def test_no_generator_is_created_outside_rng_module() -> None:
    offenders = []
    for path in SIM.rglob("*.py"):
        if path.name == "rng.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if STRAY.search(line.split("#")[0]):
                offenders.append(f"{path.relative_to(SIM.parent)}:{n}: {line.strip()}")
    assert offenders == []


def test_grep_pattern_catches_stray_use() -> None:
    for bad in ("x = np.random.exponential(3)", "import random", "random.random()",
                "g = np.random.default_rng(1)"):
        assert STRAY.search(bad), bad
    assert not STRAY.search("def f(rng: np.random.Generator) -> None:")


def test_same_name_same_numbers_and_names_are_independent() -> None:
    a = stream(7, 3, "arrivals.ed").random(5)
    assert np.array_equal(a, stream(7, 3, "arrivals.ed").random(5))
    assert not np.array_equal(a, stream(7, 4, "arrivals.ed").random(5))
    assert not np.array_equal(a, stream(7, 3, "arrivals.ucr").random(5))
    assert not np.array_equal(a, stream(8, 3, "arrivals.ed").random(5))


def test_adding_a_stream_does_not_shift_others() -> None:
    s1, s2 = Streams(1, 0), Streams(1, 0)
    s2("something.new").random(100)
    assert np.array_equal(s1("los.acute").random(10), s2("los.acute").random(10))
