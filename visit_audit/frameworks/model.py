"""A visiting framework as frozen data: plan types, their deadlines, phases and checks.

The semantics of every field are those of docs/rules.md; the TOML files
beside this module only choose the numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from visit_audit.calendar import Duration
from visit_audit.columns import CASE_DATE_COLUMNS

FILTERS = ("seen", "any")
# Case columns that may anchor an until date or a milestone.
DATE_COLUMNS = CASE_DATE_COLUMNS
COUNT_CONDITIONS = ("unannounced", "bedroom_seen", "seen_alone", "at_home")
QUALITY_CHECKS = ("seen_alone", "at_home", "bedroom_seen")


@dataclass(frozen=True)
class Boundary:
    """An until date: ``column + offset``, or the later of several such dates.

    ``column`` "start_date" is the episode's start. A blank column means the
    date never arrives (docs/rules.md, "Phases and until dates"), and so does a
    ``later of`` any part of which is blank.
    """

    column: str = "start_date"
    offset: Duration | None = None
    later_of: tuple[Boundary, ...] = ()

    def columns(self) -> tuple[str, ...]:
        if self.later_of:
            return tuple(c for b in self.later_of for c in b.columns())
        return (self.column,)

    def __str__(self) -> str:
        if self.later_of:
            return "the later of " + " and ".join(str(b) for b in self.later_of)
        name = "start" if self.column == "start_date" else self.column
        return f"{name} + {self.offset}" if self.offset else name


@dataclass(frozen=True)
class InitialDeadline:
    within: Duration
    requirement: str


@dataclass(frozen=True)
class Phase:
    """A recurring interval governing deadlines after the previous phase's until date."""

    interval: Duration
    until: Boundary | None
    filter: str
    requirement: str


@dataclass(frozen=True)
class CountWindow:
    """At least ``minimum`` seen records (distinct days) matching ``condition`` per window."""

    minimum: int
    condition: str | None
    window: Duration
    requirement: str


@dataclass(frozen=True)
class Milestone:
    """A date column of the case row due within ``within`` of the start (e.g. a decision)."""

    column: str
    within: Duration
    requirement: str


@dataclass(frozen=True)
class PlanType:
    name: str
    label: str
    start_means: str
    initial: tuple[InitialDeadline, ...] = ()
    initial_filter: str = "seen"
    phases: tuple[Phase, ...] = ()
    counts: tuple[CountWindow, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    # "in line with the plan they are subject to" (docs/rules.md, "Plan types without rules")
    no_rule: bool = False
    end_means: str = ""
    note: str = ""

    @property
    def boundary_columns(self) -> tuple[str, ...]:
        """Case columns this plan type's phase boundaries expect (warned about when blank).

        A column inside ``later of`` is optional (a blank reduced_frequency_date is
        the normal case: the stricter phase simply continues), so only columns an
        until date names directly are expected.
        """
        seen: list[str] = []
        for phase in self.phases:
            if phase.until is not None and not phase.until.later_of:
                for c in phase.until.columns():
                    if c != "start_date" and c not in seen:
                        seen.append(c)
        return tuple(seen)


@dataclass(frozen=True)
class QualityRules:
    plan_types: tuple[str, ...]
    checks: tuple[str, ...]
    seen_alone_min_age: int = 4


@dataclass(frozen=True)
class Framework:
    name: str
    title: str
    source: str
    plan_types: dict[str, PlanType]
    quality: QualityRules | None = None
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path: str = ""
    # Local non-working days ([calendar] closed, README "Tuning a framework"): they
    # count as bank holidays for working days and nowhere else.
    closed_days: tuple[dt.date, ...] = ()
    # The frameworks this one extends, nearest first (``extends``, README "Tuning a framework").
    extends: tuple[str, ...] = ()
