"""Property tests: whatever a planner writes, ``validate`` answers OK (0) or lists problems (2).

Random values go into existing and made-up keys of the baseline (as a full copy and as a child
file that extends it), random ``--set`` options go on the command line, and random bytes go in
as a whole file. ``sim.cli.main`` must return 0 or 2, or exit 2 through argparse; any other
exception is a bug. Examples are derandomized so the suite is repeatable; set ICS_SIM_FUZZ=1 to
explore new ones (ten times as many, fresh seed).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import os
import re
import tomllib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from conftest import BASELINE
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from sim.cli import main

FUZZ = bool(os.environ.get("ICS_SIM_FUZZ"))
SETTINGS = settings(
    max_examples=2000 if FUZZ else 200,
    deadline=None,
    derandomize=not FUZZ,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)

BASE: dict[str, Any] = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
DELETE = object()  # sentinel: remove the key instead of setting it


# -- a small TOML writer (inline tables only, which is all tomllib needs) ---------------------
def _toml_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_str(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_str(value)
    if isinstance(value, dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        body = ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + body + " }" if body else "{}"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_doc(doc: dict[str, Any]) -> str:
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in doc.items())


# -- where values can go ----------------------------------------------------------------------
def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found: list[tuple[str | int, ...]] = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(node, list) and prefix == ("targets",):
        for i, v in enumerate(node):
            found += _paths(v, (*prefix, i))
    return found


EXISTING = _paths(BASE)
def _lookup(doc: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


TABLES = [()] + [p for p in EXISTING if isinstance(_lookup(BASE, p), dict)]
DOTTED = sorted({".".join(str(x) for x in p) for p in EXISTING if "targets" not in p})
TARGET_IDS = [t["id"] for t in BASE.get("targets", [])]
TARGET_FIELDS = sorted({k for t in BASE.get("targets", []) for k in t} | {"deadline"})

# -- random values ----------------------------------------------------------------------------
names = st.one_of(
    st.sampled_from(sorted({str(p[-1]) for p in EXISTING if isinstance(p[-1], str)})),
    st.text(max_size=12),
    st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
)
scalars = st.one_of(
    st.integers(),
    st.integers(min_value=-5, max_value=100),
    st.floats(),  # includes nan, inf and -inf
    st.floats(min_value=0, max_value=1),
    st.text(max_size=20),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.sampled_from(["lognormal", "exponential", "uniform", "ed_4h_pct", ">=", "<=", "2026-03",
                     "2026-13", "", "baseline"]),
)
values = st.one_of(
    st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                  st.dictionaries(names, inner, max_size=4)),
                 max_leaves=12),
    st.lists(st.floats(min_value=0, max_value=3), min_size=7, max_size=7),
    st.lists(st.floats(min_value=0, max_value=3), min_size=12, max_size=12),
    st.lists(st.floats(min_value=0, max_value=3), min_size=24, max_size=24),
    st.builds(lambda a, b, c: {"type3": a, "type1_walk_in": b, "type1_ambulance": c},
              st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)),
    st.fixed_dictionaries({"dist": st.sampled_from(["lognormal", "gamma", "fixed", "uniform",
                                                    "exponential", "normal"]),
                           "mean": st.floats(), "cv": st.floats()}),
)


@st.composite
def edits(draw) -> tuple[tuple[str | int, ...], Any]:
    """One change: a value for an existing key, a removal, or a value for a made-up key."""
    kind = draw(st.sampled_from(["existing", "existing", "delete", "made_up"]))
    if kind == "made_up":
        prefix = draw(st.sampled_from(TABLES))
        extra = draw(st.lists(names, min_size=1, max_size=3))
        return (*prefix, *extra), draw(values)
    path = draw(st.sampled_from(EXISTING))
    return path, DELETE if kind == "delete" else draw(values)


def _apply(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    node: Any = doc
    for part in path[:-1]:
        if isinstance(node, dict):
            child = node.get(part)
            if not isinstance(child, dict | list):
                child = node[part] = {}
            node = child
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return
    last = path[-1]
    if isinstance(node, list) and isinstance(last, int) and last < len(node):
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    elif isinstance(node, dict) and isinstance(last, str):
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value


def _child_doc(changes: list[tuple[tuple[str | int, ...], Any]]) -> dict[str, Any]:
    """A file extending the baseline that makes only these changes (targets matched by id)."""
    doc: dict[str, Any] = {"extends": BASELINE.as_posix()}
    for path, value in changes:
        if value is DELETE:
            continue  # a child file cannot remove a key
        if len(path) >= 2 and path[0] == "targets" and isinstance(path[1], int):
            entry: dict[str, Any] = {"id": BASE["targets"][path[1]]["id"]}
            if len(path) == 2:
                entry = value if isinstance(value, dict) else entry
            else:
                _apply(entry, path[2:], value)
            doc.setdefault("targets", [])
            if isinstance(doc["targets"], list):
                doc["targets"].append(entry)
        else:
            _apply(doc, path, value)
    return doc


# -- the property -----------------------------------------------------------------------------
def _validate(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage error
            code = exc.code
            note(f"argparse exit: {err.getvalue()}")
            assert code == 2
            return
    note(f"exit {code}\nstdout: {out.getvalue()}\nstderr: {err.getvalue()}")
    assert code in (0, 2)
    if code == 0:
        assert out.getvalue().strip() == "OK"
    else:
        assert err.getvalue().strip(), "exit 2 without saying why"
        assert "Traceback" not in err.getvalue()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("props")


def _write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_bytes(data.encode("utf-8"))
    return path


def test_toml_writer_round_trips() -> None:
    doc = copy.deepcopy(BASE)
    doc["odd \"key\"\n"] = {"x": [1, 2.5, float("inf"), "a\x7fb", dt.time(1, 2, 3)]}
    assert tomllib.loads(_toml_doc(doc)) == doc


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
@SETTINGS
@given(changes=st.lists(edits(), min_size=1, max_size=3), as_child=st.booleans())
def test_random_values_in_random_keys(workdir: Path, changes, as_child: bool) -> None:
    if as_child:
        doc = _child_doc(changes)
    else:
        doc = copy.deepcopy(BASE)
        for path, value in changes:
            _apply(doc, path, value)
    text = _toml_doc(doc)
    note(text)
    tomllib.loads(text)  # the writer itself must produce valid TOML
    path = _write(workdir / "values.toml", text)
    _validate(["validate", str(path)])


no_nul = st.characters(exclude_characters="\x00")  # a real argv cannot hold NUL
set_keys = st.one_of(
    st.sampled_from(DOTTED),
    st.builds(lambda t, f: f"targets.{t}.{f}", st.sampled_from([*TARGET_IDS, "nope", ""]),
              st.sampled_from([*TARGET_FIELDS, "nope"])),
    st.lists(st.text(no_nul, max_size=8), min_size=1, max_size=4).map(".".join),
    st.text(no_nul, max_size=20),
)
set_values = st.one_of(st.text(no_nul, max_size=30), values.map(_toml_value),
                       st.sampled_from(["", " ", "[", "{", "nan", "-inf", "1e999", "0x10", "+1",
                                        "2025-02-30", "true", '"', "'''", "1 # c"]))
set_items = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", set_keys, set_values.filter(lambda v: "\x00" not in v)),
    st.text(no_nul, max_size=40),
)


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
@SETTINGS
@given(items=st.lists(set_items, max_size=4), equals_form=st.booleans())
def test_random_set_options(items: list[str], equals_form: bool) -> None:
    argv = ["validate", str(BASELINE)]
    for item in items:
        argv += [f"--set={item}"] if equals_form else ["--set", item]
    _validate(argv)


baseline_lines = BASELINE.read_text(encoding="utf-8").splitlines()
toml_ish = st.lists(
    st.one_of(st.sampled_from(baseline_lines),
              st.sampled_from(baseline_lines).flatmap(
                  lambda line: st.integers(0, len(line)).flatmap(
                      lambda i: st.text(max_size=5).map(lambda s: line[:i] + s + line[i + 1:]))),
              st.text(max_size=30)),
    max_size=40,
).map("\n".join)


@SETTINGS
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=500), toml_ish,
                      toml_ish.map(lambda t: f'extends = "{BASELINE.as_posix()}"\n{t}')))
def test_random_file_contents(workdir: Path, data: str | bytes) -> None:
    path = _write(workdir / "whole.toml", data)
    _validate(["validate", str(path)])
