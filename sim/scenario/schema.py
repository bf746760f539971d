"""The scenario schema: every parameter with its unit in its name and a description.

Pure data (no simpy). ``python run_sim.py schema`` prints the JSON Schema generated from here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ConfigDict, Field, create_model, field_validator, model_validator

from sim.scenario.base import Op, Prob, Strict, tagged
from sim.scenario.costs import CostsSection
from sim.scenario.sections.acute import AcuteSection
from sim.scenario.sections.d2a import D2ASection
from sim.scenario.sections.ed import EDSection
from sim.scenario.sections.elective import ElectiveSection
from sim.scenario.sections.primary_care import PrimaryCareSection
from sim.scenario.sections.reablement import ReablementSection
from sim.scenario.sections.seasons import SeasonsSection
from sim.scenario.sections.ucr import UCRSection
from sim.scenario.sections.virtual_ward import VirtualWardSection

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# Keys that moved (old dotted key -> new): files and --set may still use the old names.
RENAMED_KEYS = {
    "virtual_ward.ed_step_up_share": "ed.vw_step_up_share",
    "virtual_ward.step_down_share": "acute.vw_step_down_share",
    "virtual_ward.step_down_saving_days": "acute.vw_step_down_saving_days",
}


class RunSection(Strict):
    """When the simulated period starts and how much of it is measured."""

    start_date: dt.date = Field(description="Calendar date at simulated time zero.")
    warmup_days: int = Field(
        ge=0, le=3660, description="Days simulated before measurement starts; results exclude them."
    )
    measurement_days: int = Field(gt=0, le=3660, description="Days measured after the warm-up.")

    @field_validator("start_date")
    @classmethod
    def _plausible(cls, v: dt.date) -> dt.date:
        if not 1900 <= v.year <= 2200:
            raise ValueError("start_date must be between 1900 and 2200")
        return v


class PopulationSection(Strict):
    size: int = tagged("GP-registered population of the ICS (people).", lever="people", gt=0,
                       le=100_000_000)
    adult_share: Prob = Field(
        default=0.8, description="Share of the registered population aged 16+ (for VW per 100k)."
    )


class DemandSection(Strict):
    growth_pct_per_year: float = tagged(
        "Compound growth of every demand stream, % per year from the start date (the default "
        "for every service not named in growth_pct_per_year_by_service).",
        lever="% a year", default=0.0, ge=-50, le=100)
    growth_pct_per_year_by_service: dict[str, float] = Field(
        default_factory=dict,
        description="Growth of one service's demand, % per year from the start date, by "
        "section name (ed = 2.0, elective = 3.5); overrides growth_pct_per_year for it.")

    @field_validator("growth_pct_per_year_by_service")
    @classmethod
    def _plausible(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [f"{k} = {g:g}" for k, g in v.items() if not -50 <= g <= 100]
        if bad:
            raise ValueError(f"growth must be between -50 and 100 % a year ({', '.join(bad)})")
        return v

    def growth_for(self, section: str) -> float:
        """The demand growth of one service, % a year."""
        return self.growth_pct_per_year_by_service.get(section, self.growth_pct_per_year)


class Target(Strict):
    """A national or local target: a KPI, a comparison, a threshold and when it is judged."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Stable target identifier.")
    kpi: str = Field(description="KPI id the target is judged on.")
    op: Op = Field(description="'>=' (at least) or '<=' (at most).")
    threshold: float = Field(description="Value the KPI must reach, in the KPI's unit.")
    deadline: str | None = Field(
        default=None,
        description="Month (YYYY-MM) at which it is judged; that month's value is used when it "
        "falls inside the measurement window, otherwise the whole window's.",
    )
    thresholds: dict[str, float] | None = Field(
        default=None,
        description="A trajectory: month (YYYY-MM) -> threshold, each point judged in its "
        "month (one row per point in targets.csv). ``threshold`` and ``deadline`` then default "
        "to the last point (the final goal, which seek and the overview use). A point after "
        "the run's end is an input error.",
    )
    source: str = Field(default="", description="Where the target comes from.")

    @model_validator(mode="before")
    @classmethod
    def _final_point(cls, data: Any) -> Any:
        """A trajectory's final point stands in for ``threshold``/``deadline`` left out, so
        code that reads one threshold reads the final goal."""
        if not isinstance(data, dict) or not isinstance(data.get("thresholds"), dict) \
                or not data["thresholds"]:
            return data
        points = {str(m): v for m, v in data["thresholds"].items() if MONTH_RE.match(str(m))}
        if not points:
            return data
        last = max(points)
        out = dict(data)
        out.setdefault("threshold", points[last])
        out.setdefault("deadline", last)
        return out

    @field_validator("deadline")
    @classmethod
    def _month(cls, v: str | None) -> str | None:
        if v is not None and not MONTH_RE.match(v):
            raise ValueError("deadline must be a month written YYYY-MM")
        return v

    @field_validator("thresholds")
    @classmethod
    def _months(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("thresholds needs at least one month = threshold")
        bad = [m for m in v if not MONTH_RE.match(m)]
        if bad:
            raise ValueError(f"thresholds: {', '.join(bad)} is not a month written YYYY-MM")
        return dict(sorted(v.items()))

    @model_validator(mode="after")
    def _final_agrees(self) -> Target:
        if self.thresholds:
            last = max(self.thresholds)
            if (self.deadline, self.threshold) != (last, self.thresholds[last]):
                raise ValueError(
                    f"threshold and deadline must be the trajectory's last point ({last} = "
                    f"{self.thresholds[last]:g}) or be left out")
        return self

    def points(self) -> list[Target]:
        """The target as judged: itself, or one target per trajectory point (its month as the
        deadline, its threshold)."""
        if not self.thresholds:
            return [self]
        return [self.model_copy(update={"threshold": v, "deadline": m, "thresholds": None})
                for m, v in self.thresholds.items()]


class JudgementSection(Strict):
    """How sure a verdict must be before a target is called met."""

    required_confidence: float = Field(
        default=0.8, ge=0.5, le=0.999,
        description="A target is 'met' only when the Wilson 95% lower bound of P(met) (the "
        "share of replications meeting it) is at least this, besides the mean's 95% CI lying "
        "on the right side; 0.8 needs at least 16 replications, all meeting.")


class Scenario(Strict):
    """One ICS configuration: what is simulated, with what capacity, against which targets."""

    model_config = ConfigDict(json_schema_extra={"$comment": (
        "This schema describes a resolved scenario. In a file that extends another, in a batch "
        "option and in --set, a number may instead be a change relative to its base, as a "
        "string: \"+95\", \"-25\", \"+10%\", \"-10%\", \"x1.08\" (whole-number fields "
        "stay whole, rounded half to even; docs/relative-changes.md). A field's applies_when "
        "says when the model reads it: setting it while that does not hold is a warning.")})

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="Short name used in file names.")
    description: str = Field(default="", description="Why this scenario exists, for planners.")
    run: RunSection
    population: PopulationSection
    demand: DemandSection = DemandSection()
    primary_care: PrimaryCareSection
    ucr: UCRSection
    reablement: ReablementSection
    d2a: D2ASection
    virtual_ward: VirtualWardSection
    ed: EDSection
    acute: AcuteSection
    elective: ElectiveSection
    targets: list[Target] = Field(default_factory=list, description="Targets judged for this run.")
    judgement: JudgementSection = JudgementSection()
    costs: CostsSection = CostsSection()
    seasons: SeasonsSection = SeasonsSection()
    schedules: dict[str, dict[dt.date, Any]] = Field(
        default_factory=dict,
        description="Capacity schedules by dotted key: date -> level from that date. Written "
        "where the capacity is (``virtual_ward.beds = { \"2025-02-01\" = 260, \"2025-10-01\" = "
        "520 }``); the loader moves them here and leaves the first level in the field.")

    @model_validator(mode="after")
    def _growth_names_services(self) -> Scenario:
        fields = type(self).model_fields
        unknown = [k for k in self.demand.growth_pct_per_year_by_service
                   if k not in fields or not hasattr(getattr(self, k), "enabled")]
        if unknown:
            services = [k for k in fields if hasattr(getattr(self, k), "enabled")]
            raise ValueError(f"demand.growth_pct_per_year_by_service: {', '.join(unknown)} is "
                             f"not a service (services: {', '.join(services)})")
        return self

    @model_validator(mode="after")
    def _schedules_agree(self) -> Scenario:
        """A schedule (as a resolved scenario carries it) names a capacity field, starts on
        the run's start date and its first level is the field's value."""
        from sim.scenario.fields import capacity_keys

        known = set(capacity_keys(type(self)))
        for key, levels in self.schedules.items():
            if key not in known:
                raise ValueError(f"schedules: {key} is not a capacity field")
            node: Any = self
            for part in key.split("."):
                node = getattr(node, part)
            first = min(levels) if levels else None
            if first != self.run.start_date or levels[first] != node:
                raise ValueError(f"schedules: {key} must start on run.start_date with the "
                                 "field's value")
        return self


# Sections that services registered at run time add (sim.model.registry.register); the static
# Scenario above is what shipped scenarios and pool workers use.
_EXTRA_SECTIONS: dict[str, type[Strict]] = {}
_EXTENDED: list[type[Scenario]] = []


def add_section(name: str, schema: type[Strict]) -> None:
    _EXTRA_SECTIONS[name] = schema
    _EXTENDED.clear()


def remove_section(name: str) -> None:
    _EXTRA_SECTIONS.pop(name, None)
    _EXTENDED.clear()


def scenario_model() -> type[Scenario]:
    """The Scenario class to validate with: the static one, or one extended by sections of
    services registered at run time (each with defaults, so files without them still load)."""
    if not _EXTRA_SECTIONS:
        return Scenario
    if not _EXTENDED:
        fields: dict[str, Any] = {name: (schema, schema()) for name, schema in
                                  _EXTRA_SECTIONS.items()}
        _EXTENDED.append(create_model("Scenario", __base__=Scenario, **fields))
    return _EXTENDED[0]
