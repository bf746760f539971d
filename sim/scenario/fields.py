"""Walking the schema: dotted keys, their fields and the tags other modules read.

Capacity fields and planner levers are tagged where they are declared (``capacity(...)``,
``tagged(...)`` in ``sim.scenario.base``), so scaling, costs, the README's levers table and
the web app all find them here rather than in lists of their own.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo


def field_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``X``, ``X | None``, ``list[X]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = field_model(arg)
        if found is not None:
            return found
    return None


def iter_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    """Every field below ``model`` as (dotted key, field), depth first, in schema order."""
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        yield key, info
        inner = field_model(info.annotation)
        if inner is not None and typing.get_origin(info.annotation) is not list:
            yield from iter_fields(inner, key + ".")


def field_at(model: type[BaseModel], key: str) -> FieldInfo:
    """The field a dotted key names; KeyError if the schema has no such key."""
    info: FieldInfo | None = None
    current: type[BaseModel] | None = model
    for part in key.split("."):
        if current is None or part not in current.model_fields:
            raise KeyError(key)
        info = current.model_fields[part]
        current = field_model(info.annotation)
    assert info is not None
    return info


def tags(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def capacity_keys(model: type[BaseModel]) -> list[str]:
    """Dotted keys of every field tagged as capacity."""
    return [k for k, info in iter_fields(model) if tags(info).get("capacity")]


def demand_keys(model: type[BaseModel]) -> list[str]:
    """Dotted keys of every field tagged as demand."""
    return [k for k, info in iter_fields(model) if tags(info).get("demand")]


def lever_keys(model: type[BaseModel]) -> dict[str, str]:
    """The planner levers: dotted key -> its unit in words."""
    return {k: str(tags(info)["lever_unit"]) for k, info in iter_fields(model)
            if "lever_unit" in tags(info)}


def description(model: type[BaseModel], key: str) -> str:
    return " ".join((field_at(model, key).description or "").split())


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested scenario data (``model_dump``) as (dotted key, value) pairs, in order."""
    if isinstance(data, dict):
        rows = []
        for k, v in data.items():
            rows += flatten(v, f"{prefix}.{k}" if prefix else k)
        return rows
    return [(prefix, data)]
