"""Shared building blocks of the scenario schema: strict frozen models, durations, profiles."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WrapValidator, model_validator

PROB_TOLERANCE = 1e-6


class Strict(BaseModel):
    """Frozen and closed: a typo in a scenario file is an error, never a silently ignored key."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True,
                              allow_inf_nan=False)


Prob = Annotated[float, Field(ge=0.0, le=1.0)]
# Upper bounds only keep absurd values (1e300 arrivals a day) from reaching numpy as crashes.
MAX_VALUE = 1e7
NonNeg = Annotated[float, Field(ge=0.0, le=MAX_VALUE)]
Count = Annotated[int, Field(ge=0, le=int(MAX_VALUE))]


class Duration(Strict):
    """A random duration; its unit is the one in the name of the field that holds it."""

    dist: Literal["exponential", "lognormal", "gamma", "fixed", "uniform"] = Field(
        description="Distribution family. exponential ignores cv (it is 1); fixed ignores cv (0)."
    )
    mean: float = Field(gt=0, le=MAX_VALUE,
                        description="Mean duration, in the unit of the enclosing field.")
    cv: float = Field(
        ge=0.0, le=100.0,
        default=1.0,
        description="Coefficient of variation (sd / mean) for lognormal, gamma and uniform.",
        json_schema_extra={"applies_when": ".dist is not exponential and .dist is not fixed"},
    )
    cap: float | None = Field(
        default=None, gt=0, le=MAX_VALUE,
        description="Optional upper limit; longer draws are cut to it."
    )

    @model_validator(mode="after")
    def _uniform_non_negative(self) -> Duration:
        if self.dist == "uniform" and self.cv > 1 / 3**0.5:
            raise ValueError("uniform with this cv would give negative durations (cv <= 0.577)")
        return self


def check_shares(values: dict[str, float], what: str) -> None:
    """Routing shares must sum to 1 so that every patient goes somewhere."""
    total = sum(values.values())
    if abs(total - 1.0) > PROB_TOLERANCE:
        parts = ", ".join(f"{k}={v:g}" for k, v in values.items())
        raise ValueError(f"{what} must sum to 1 (got {total:.6g}: {parts})")


def profile(length: int, what: str) -> type:
    """A list of non-negative multipliers (e.g. 24 hours) whose mean is 1 after normalisation."""
    return Annotated[
        list[NonNeg],
        Field(
            min_length=length,
            max_length=length,
            description=f"{length} relative {what} multipliers; normalised to mean 1 when used.",
        ),
    ]


HourProfile = profile(24, "hour-of-day (00..23)")


def _staff(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Input should be a valid integer (staff on duty), not {value!r}")
    if not 0 <= value <= MAX_VALUE:
        raise ValueError(f"Input should be greater than or equal to 0 (and at most {MAX_VALUE:g})")
    return value


def _rota(value: Any, _handler: Any) -> Any:
    """One clean error for a rota (a union would report each alternative)."""
    if not isinstance(value, list):
        return _staff(value)
    if len(value) == 24 and not any(isinstance(v, list) for v in value):
        return [_staff(v) for v in value]
    if len(value) == 7 and all(isinstance(v, list) and len(v) == 24 for v in value):
        return [[_staff(v) for v in day] for day in value]
    raise ValueError("a rota is one number, 24 hourly values (00..23) or 7 lists of 24 values "
                     "(Mon..Sun)")


# Staff on duty: one number (flat, every hour), 24 hourly values (00..23) or 7 x 24 (Mon..Sun);
# see sim.core.rota.
Rota = Annotated[int | list[int] | list[list[int]], WrapValidator(_rota)]
WeekdayProfile = profile(7, "day-of-week (Mon..Sun)")
MonthProfile = profile(12, "month-of-year (Jan..Dec)")

Op = Literal[">=", "<="]


class Shares(Strict):
    """A set of routing shares that must sum to 1 so that every patient goes somewhere."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> Shares:
        check_shares(self.model_dump(), "shares")
        return self


def capacity(description: str, lever: str | None = None, **kwargs: Any) -> Any:
    """A capacity field: ``--scale`` and ``--capacity-factor`` multiply every field made here,
    and costs are counted on them. ``lever`` (its unit, in words) also lists it among the
    planner levers in the README."""
    return tagged(description, capacity=True, lever=lever, **kwargs)


def demand(description: str, **kwargs: Any) -> Any:
    """A demand field: a per-head rate of patients arriving from outside the model (or, for
    the elective list, waiting at the start); all of them at 0 is a run with no patients."""
    return tagged(description, demand=True, **kwargs)


def tagged(description: str, *, capacity: bool = False, demand: bool = False,
           lever: str | None = None, applies_when: str | None = None, **kwargs: Any) -> Any:
    """A field with the tags the rest of the tool reads from the schema (never from lists).
    ``applies_when``: the condition under which the model reads it (``"d2a.enabled is false"``;
    grammar in sim.scenario.applies); a change to it while the condition is false warns."""
    extra: dict[str, Any] = {}
    if capacity:
        extra["capacity"] = True
    if demand:
        extra["demand"] = True
    if lever:
        extra["lever_unit"] = lever
    if applies_when:
        extra["applies_when"] = applies_when
    return Field(description=description, json_schema_extra=extra or None, **kwargs)
