"""Frameworks against the visiting minimums set in law (``frameworks check``).

README "Checking against the law" says what the command reports.

The minimums are data (``statutory.toml`` beside the frameworks: instrument,
regulation, what it sets, its source, what is not checked), written in the
frameworks' own language of initial deadlines and phases. A framework's rule
is *looser* than the law when some history of visits meets every framework
deadline and still breaks the law. That is decided on dates, never by
comparing numbers across units (6 weeks against 2 months, 20 working days
against 4 weeks): for several start dates (month ends, a leap day, Christmas)
and for each way the dates a phase waits for can fall (first review early or
late or never, reduced frequency agreed or not), both deadlines are worked out
with the arithmetic of docs/rules.md (§1, "Phases and until dates") and compared:

1. the first visit: the framework's first deadline (its first initial
   deadline, or its recurring deadline from the start) on or before the law's;
2. its later initial deadlines: each on or before the law's next deadline after
   the earliest day the visit before it can fall;
3. recurring: after a visit on any day of the first three years, the
   framework's next deadline on or before the law's.

The first failing case is kept as the example a reader can check by hand.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from importlib import resources

import numpy as np

from visit_audit.calendar import NEVER, Duration, WorkingCalendar, add_months
from visit_audit.errors import FrameworkError
from visit_audit.frameworks.model import Boundary, Framework, PlanType

STATUSES = ("checked", "no statutory interval", "not checked")
# Start dates the check tries: month ends (months clip), a leap day, Christmas.
STARTS = tuple(
    np.datetime64(d, "D")
    for d in ("2024-02-29", "2025-01-31", "2025-06-02", "2025-12-19", "2026-08-31")
)
HORIZON_DAYS = 3 * 366  # visits on every day of the first three years
_STATUTORY_FILE = "statutory.toml"


@dataclass(frozen=True)
class LawPhase:
    """A span in which the law sets a maximum interval (None: the law leaves it open)."""

    interval: Duration | None
    until: Boundary | None


@dataclass(frozen=True)
class Minimum:
    """One entry of statutory.toml: what the law sets for some plan types, and where."""

    plan_types: tuple[str, ...]
    status: str
    instrument: str
    provision: str
    source: str
    sets: str
    initial: tuple[Duration, ...] = ()
    phases: tuple[LawPhase, ...] = ()
    reading: str = ""
    not_checked: str = ""

    def rule(self) -> str:
        """The legal maximum in the words ``frameworks show`` uses."""
        parts = [f"first visit within {d}" for d in self.initial]
        for p in self.phases:
            every = f"every {p.interval}" if p.interval else "no interval"
            parts.append(every + (f" until {p.until}" if p.until else ""))
        return "; ".join(parts)


@dataclass(frozen=True)
class Verdict:
    """One plan type of a framework against the law."""

    plan_type: str
    status: str  # meets | looser | no statutory interval | not checked | not listed
    framework_rule: str
    minimum: Minimum | None
    example: str = ""

    @property
    def looser(self) -> bool:
        return self.status == "looser"


def load_statutory() -> dict[str, Minimum]:
    """The minimums of statutory.toml, by plan type."""
    from visit_audit.frameworks.loader import _Ctx

    text = (resources.files("visit_audit.frameworks") / _STATUTORY_FILE).read_text("utf-8")
    ctx = _Ctx(_STATUTORY_FILE)
    data = tomllib.loads(text)
    out: dict[str, Minimum] = {}
    for i, raw in enumerate(data.get("minimum", [])):
        key = f"minimum[{i}]"
        ctx.keys(
            raw,
            key,
            {"plan_types", "status", "instrument", "provision", "source", "sets", "initial"}
            | {"phases", "reading", "not_checked"},
        )
        if raw.get("status") not in STATUSES:
            raise ctx.fail(f"{key}.status", f"must be one of: {', '.join(STATUSES)}")
        initial = tuple(ctx.duration(v, f"{key}.initial") for v in raw.get("initial", []))
        if len(initial) > 1:
            raise ctx.fail(f"{key}.initial", "the check knows one first visit at most")
        phases = []
        for j, p in enumerate(raw.get("phases", [])):
            pk = f"{key}.phases[{j}]"
            every = p.get("every")
            interval = None if every == "none" else ctx.duration(every, f"{pk}.every")
            until = ctx.boundary(p["until"], f"{pk}.until") if "until" in p else None
            phases.append(LawPhase(interval, until))
        if raw["status"] == "checked" and not (initial or phases):
            raise ctx.fail(key, "a checked minimum needs initial or phases")
        minimum = Minimum(
            plan_types=tuple(raw["plan_types"]),
            status=raw["status"],
            instrument=ctx.text(raw.get("instrument"), f"{key}.instrument"),
            provision=ctx.text(raw.get("provision"), f"{key}.provision"),
            source=ctx.text(raw.get("source"), f"{key}.source"),
            sets=ctx.text(raw.get("sets"), f"{key}.sets"),
            initial=initial,
            phases=tuple(phases),
            reading=raw.get("reading", ""),
            not_checked=raw.get("not_checked", ""),
        )
        for pt in minimum.plan_types:
            if pt in out:
                raise FrameworkError(f"{_STATUTORY_FILE}: {key}: {pt} is listed twice")
            out[pt] = minimum
    return out


def check_framework(fw: Framework, law: dict[str, Minimum]) -> list[Verdict]:
    """Each plan type of ``fw`` against the law, in the framework's order."""
    fw_cal = WorkingCalendar("england", closed=fw.closed_days)
    law_cal = WorkingCalendar("england")
    verdicts = []
    for name, plan in fw.plan_types.items():
        minimum = law.get(name)
        rule = framework_rule(plan)
        if minimum is None:
            verdicts.append(Verdict(name, "not listed", rule, None))
        elif minimum.status != "checked":
            verdicts.append(Verdict(name, minimum.status, rule, minimum))
        else:
            example = _first_breach(plan, minimum, fw_cal, law_cal)
            verdicts.append(
                Verdict(name, "looser" if example else "meets", rule, minimum, example or "")
            )
    return verdicts


def framework_rule(plan: PlanType) -> str:
    parts = []
    if plan.initial:
        firsts = ", ".join(f"start + {d.within}" for d in plan.initial)
        parts.append(f"first visits by {firsts}")
    for p in plan.phases:
        parts.append(f"every {p.interval}" + (f" until {p.until}" if p.until else ""))
    if plan.no_rule:
        parts.append("no rule of its own")
    if not parts:
        parts.append("no visiting deadline")
    return "; ".join(parts)


# --- the dates ---------------------------------------------------------------------------

_Dates = dict[str, np.datetime64]


def _first_breach(
    plan: PlanType, law: Minimum, fw_cal: WorkingCalendar, law_cal: WorkingCalendar
) -> str | None:
    """The first case in which the framework allows what the law does not, in words."""
    fw_phases = [LawPhase(p.interval, p.until) for p in plan.phases]
    columns = sorted(
        {c for p in [*fw_phases, *law.phases] if p.until for c in p.until.columns()}
        - {"start_date"}
    )
    for start in STARTS:
        for dates in _scenarios(start, columns):
            days = np.arange(start, start + np.timedelta64(HORIZON_DAYS, "D"))

            def fw_due(a, dates=dates):
                return _due(a, fw_phases, dates, fw_cal)

            def law_due(a, dates=dates):
                return _due(a, list(law.phases), dates, law_cal)

            one = np.array([start])
            fw_first = fw_cal.add(one, plan.initial[0].within) if plan.initial else fw_due(one)
            law_first = law_cal.add(one, law.initial[0]) if law.initial else law_due(one)
            if fw_first[0] > law_first[0]:
                return (
                    f"{_case(start, dates)}: the framework's first visit is due by "
                    f"{_day(fw_first[0])}, the law's by {_day(law_first[0])}"
                )
            for k in range(1, len(plan.initial)):
                before = one + np.timedelta64(k - 1, "D")  # the earliest the visit before can be
                due = fw_cal.add(one, plan.initial[k].within)[0]
                limit = law_due(before)[0]
                if due > limit:
                    return (
                        f"{_case(start, dates)}, visited {_day(before[0])}: the framework's "
                        f"next visit is due by {_day(due)}, the law's by {_day(limit)}"
                    )
            after = days[max(len(plan.initial) - 1, 0) :]
            fw_next, law_next = fw_due(after), law_due(after)
            bad = np.flatnonzero(fw_next > law_next)
            if bad.size:
                i = bad[0]
                allowed = "no later visit at all" if fw_next[i] == NEVER else _day(fw_next[i])
                return (
                    f"{_case(start, dates)}, visited {_day(after[i])}: the framework next "
                    f"requires a visit by {allowed}, the law by {_day(law_next[i])}"
                )
    return None


def _due(anchors: np.ndarray, phases: list[LawPhase], dates: _Dates, cal) -> np.ndarray:
    """The next deadline after each anchor (docs/rules.md, "Phases and until dates"):
    the smallest ``max(B_(p-1) + 1 day, a + interval_p)`` that is on or before ``B_p``."""
    best = np.full(anchors.shape, NEVER)
    previous = None
    for p in phases:
        until = _boundary(p.until, dates, cal) if p.until else NEVER
        if p.interval is not None:
            candidate = cal.add(anchors, p.interval)
            if previous is not None:
                candidate = np.maximum(candidate, previous + np.timedelta64(1, "D"))
            valid = (candidate <= until) & (candidate < best)
            best = np.where(valid, candidate, best)
        if until == NEVER:
            break  # later phases never start: their until date never arrives
        previous = until
    return best


def _boundary(b: Boundary, dates: _Dates, cal) -> np.datetime64:
    if b.later_of:
        return max(_boundary(part, dates, cal) for part in b.later_of)
    base = dates[b.column]
    if np.isnat(base):
        return NEVER
    return cal.add(np.array([base]), b.offset)[0] if b.offset else base


def _scenarios(start: np.datetime64, columns: list[str]):
    """The dates a phase may wait for: blank (never), soon, later, after a year."""
    one = np.array([start])
    choices = []
    for column in columns:
        if column == "date_of_birth":  # aged 19½ (turns 20 soon) or 10 at the start
            options = [add_months(one, -234)[0], add_months(one, -120)[0]]
        else:
            options = [
                start + np.timedelta64(10, "D"),
                start + np.timedelta64(28, "D"),
                start + np.timedelta64(140, "D"),
                add_months(one, 13)[0],
            ]
        choices.append([np.datetime64("NaT", "D"), *options])
    for values in itertools.product(*choices):
        yield {"start_date": start, **dict(zip(columns, values, strict=True))}


def _case(start: np.datetime64, dates: _Dates) -> str:
    text = f"e.g. started {_day(start)}"
    for column, value in dates.items():
        if column != "start_date":
            text += f", {column} {'blank' if np.isnat(value) else _day(value)}"
    return text


def _day(value: np.datetime64) -> str:
    d = value.astype("datetime64[D]").item()
    return f"{d.day} {d:%b %Y}"


__all__ = ["Minimum", "Verdict", "check_framework", "load_statutory"]
