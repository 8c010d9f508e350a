"""The deadlines of one plan type, vectorised over all its episodes (docs/rules.md §3–§6).

Each function returns a :class:`Block` of deadline rows (one shape for every
rule kind); loops run over the few initial deadlines, phases and windows of
the plan type, never over episodes or records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from visit_audit.calendar import NAT, NEVER, Duration, WorkingCalendar, add_months
from visit_audit.engine.days import CONDITION_BITS, FILTER_BITS, DayTable, group_rank
from visit_audit.frameworks.model import Boundary, PlanType

ON_TIME, LATE, MISSED, OVERDUE, PENDING = 0, 1, 2, 3, 4
STATUS_NAMES = np.array(["on_time", "late", "missed", "overdue", "pending"], dtype=object)
ONE_DAY = np.timedelta64(1, "D")


@dataclass
class Episodes:
    """The audited episodes of one plan type; every array is aligned with ``idx``."""

    idx: np.ndarray  # int64 index into the whole episode table
    start: np.ndarray  # datetime64[D]
    end: np.ndarray  # datetime64[D], NaT when open-ended
    closed: np.ndarray  # bool: end_date <= as_of
    columns: dict[str, np.ndarray]  # case date columns, datetime64[D]
    frequency: np.ndarray  # int64: index into ``durations`` of the child's own plan, -1 none
    durations: list[Duration]
    as_of: np.datetime64

    def __len__(self) -> int:
        return len(self.idx)


@dataclass
class Block:
    """Deadline rows; ``ep`` indexes into :class:`Episodes` (not the whole table)."""

    ep: np.ndarray
    kind: str
    requirement: np.ndarray  # int codes into ``requirements``
    requirements: list[str]
    anchor: np.ndarray
    due: np.ndarray
    visit: np.ndarray
    status: np.ndarray  # int8 codes
    days_late: np.ndarray  # int64
    settled: np.ndarray


def settle(
    eps: Episodes, ep: np.ndarray, due: np.ndarray, visit: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outcome of each deadline (docs/rules.md §4 Outcomes): status, days late, settled day.

    Met on or before the deadline: on time; after it: late. Unmet: missed when the
    episode closed after the deadline, overdue when still open past it, else pending.
    """
    closed, end = eps.closed[ep], eps.end[ep]
    met = ~np.isnat(visit)
    status = np.full(len(ep), PENDING, dtype=np.int8)
    days = np.zeros(len(ep), dtype=np.int64)
    settled = np.full(len(ep), NAT)
    status[met & (visit <= due)] = ON_TIME
    late = met & (visit > due)
    status[late] = LATE
    days[late] = (visit[late] - due[late]).astype(np.int64)
    settled[met] = visit[met]
    missed = ~met & closed & (due < end)
    status[missed] = MISSED
    days[missed] = (end[missed] - due[missed]).astype(np.int64)
    settled[missed] = end[missed]
    overdue = ~met & ~closed & (due < eps.as_of)
    status[overdue] = OVERDUE
    days[overdue] = (eps.as_of - due[overdue]).astype(np.int64)
    return status, days, settled


def boundary_dates(eps: Episodes, boundary: Boundary, cal: WorkingCalendar) -> np.ndarray:
    """The until date of each episode; NEVER where a column it depends on is blank."""
    if boundary.later_of:
        parts = [boundary_dates(eps, b, cal) for b in boundary.later_of]
        return np.maximum.reduce(parts)
    base = eps.columns[boundary.column]
    base = np.where(np.isnat(base), NEVER, base)
    return cal.add(base, boundary.offset) if boundary.offset else base


def initial_deadlines(
    plan: PlanType, eps: Episodes, days: DayTable, cal: WorkingCalendar
) -> tuple[list[Block], np.ndarray]:
    """The k-th counting day is due by start + initial[k]; an unmet one stops the chain.

    Returns the blocks and, per episode, the anchor of the recurring chain
    (the last initial record, or the start when there are none; NaT when the
    chain stopped).
    """
    n = len(eps)
    if not plan.initial:
        return [], eps.start.copy()
    sub = days.take((days.bits & FILTER_BITS[plan.initial_filter]) != 0)
    rank = group_rank(sub.ep)
    alive = np.ones(n, dtype=bool)
    blocks: list[Block] = []
    visit = np.full(n, NAT)
    for k, deadline in enumerate(plan.initial):
        visit = np.full(n, NAT)
        hit = rank == k
        visit[sub.ep[hit]] = sub.day[hit]
        ep = np.flatnonzero(alive)
        due = cal.add(eps.start[ep], deadline.within)
        status, late, settled = settle(eps, ep, due, visit[ep])
        blocks.append(
            Block(
                ep=ep,
                kind="initial",
                requirement=np.zeros(len(ep), dtype=np.int16),
                requirements=[deadline.requirement],
                anchor=eps.start[ep],
                due=due,
                visit=visit[ep],
                status=status,
                days_late=late,
                settled=settled,
            )
        )
        alive &= ~np.isnat(visit)
    chain_start = np.where(alive, visit, NAT)
    return blocks, chain_start


def recurring_deadlines(
    plan: PlanType,
    eps: Episodes,
    days: DayTable,
    chain_start: np.ndarray,
    cal: WorkingCalendar,
) -> Block | None:
    """Each counting record after the anchor is due by due(anchor) (docs/rules.md §3: "Recurring
    deadlines", "Phases and until dates", "A child's own visiting plan").

    due(a) is the smallest valid phase candidate: ``a + interval_0`` when on or
    before B_0, and ``max(B_(p-1) + 1, a + interval_p)`` when on or before B_p;
    a stricter phase that ends before its deadline lapses. The child's own
    visit_frequency makes it the earlier of that and ``a + frequency``.
    """
    phases = plan.phases
    if not phases:
        return None
    n = len(eps)
    # Until dates per episode, made non-decreasing: a phase never starts before the previous ends.
    bounds: list[np.ndarray] = []
    for phase in phases[:-1]:
        assert phase.until is not None  # the loader gives every phase but the last an until
        b = boundary_dates(eps, phase.until, cal)
        bounds.append(np.maximum(b, bounds[-1]) if bounds else b)
    bounds.append(np.full(n, NEVER))

    # A record counts when it matches the filter of the phase governing its date.
    phase_of_day = np.zeros(len(days.ep), dtype=np.int64)
    for b in bounds[:-1]:
        phase_of_day += days.day > b[days.ep]
    filter_bits = np.array([FILTER_BITS[p.filter] for p in phases], dtype=np.uint16)
    counting = (days.bits & filter_bits[phase_of_day]) != 0
    alive = ~np.isnat(chain_start)
    counting &= alive[days.ep] & (days.day > np.where(alive, chain_start, NEVER)[days.ep])

    # Anchors: the chain start of each live episode, then each counting day after it.
    # Both lists are sorted by episode (then day) and a chain start comes before
    # the counting days of its episode: merge them by position, without a sort.
    start_ep = np.flatnonzero(alive)
    c_ep, c_day = days.ep[counting], days.day[counting]
    per_ep = np.bincount(c_ep, minlength=n)
    c_before = np.cumsum(per_ep) - per_ep
    at_start = np.arange(len(start_ep)) + c_before[start_ep]
    at_count = np.arange(len(c_ep)) + np.cumsum(alive)[c_ep]
    a_ep = np.empty(len(start_ep) + len(c_ep), dtype=np.int64)
    a_day = np.empty(len(a_ep), dtype="datetime64[D]")
    a_ep[at_start], a_day[at_start] = start_ep, chain_start[start_ep]
    a_ep[at_count], a_day[at_count] = c_ep, c_day
    nxt = np.full(len(a_ep), NAT)
    same = a_ep[1:] == a_ep[:-1]
    nxt[:-1] = np.where(same, a_day[1:], NAT)

    due = np.full(len(a_ep), NEVER)
    winner = np.zeros(len(a_ep), dtype=np.int64)
    for p, phase in enumerate(phases):
        cand = cal.add(a_day, phase.interval)
        if p > 0:
            prev = bounds[p - 1][a_ep]
            cand = np.maximum(cand, np.where(prev < NEVER, prev + ONE_DAY, NEVER))
        valid = cand <= bounds[p][a_ep]
        better = valid & (cand < due)
        due = np.where(better, cand, due)
        winner = np.where(better, p, winner)

    requirements = [p.requirement for p in phases]
    requirement = winner.astype(np.int16)
    freq = eps.frequency[a_ep]
    for code, duration in enumerate(eps.durations):
        sel = np.flatnonzero(freq == code)
        if len(sel) == 0:
            continue
        own = cal.add(a_day[sel], duration)
        stricter = own < due[sel]
        due[sel[stricter]] = own[stricter]
        requirement[sel[stricter]] = len(requirements)
        requirements.append(f"Child's own plan: seen at least every {duration}")

    status, late, settled = settle(eps, a_ep, due, nxt)
    return Block(
        a_ep, "interval", requirement, requirements, a_day, due, nxt, status, late, settled
    )


def count_windows(plan: PlanType, eps: Episodes, days: DayTable) -> list[Block]:
    """At least n matching seen records (distinct days) in each complete window (docs/rules.md §5).

    Window k runs from start + k·per to the day before start + (k+1)·per; only
    windows whose last day is on or before min(end_date, as_of) are judged.
    """
    blocks = []
    limit = np.where(eps.closed, eps.end, eps.as_of)
    for rule in plan.counts:
        months = rule.window.n * (12 if rule.window.unit == "years" else 1)
        # Complete windows: largest j with start + j·per <= limit + 1 day.
        n_win = _periods_between(eps.start, limit + ONE_DAY, months)
        ep = np.repeat(np.arange(len(eps)), n_win)
        k = group_rank(ep)
        w_start = add_months(eps.start[ep], k * months)
        w_end = add_months(eps.start[ep], (k + 1) * months) - ONE_DAY
        match = (days.bits & CONDITION_BITS[rule.condition]) != 0
        d_ep, d_day = days.ep[match], days.day[match]
        d_k = _periods_between(eps.start[d_ep], d_day, months)
        # Count per (episode, window) with one integer key.
        width = int(n_win.max()) + 1 if len(n_win) else 1
        counts = np.bincount(d_ep * width + d_k, minlength=len(eps) * width)
        have = counts[ep * width + k] if len(ep) else np.zeros(0, dtype=np.int64)
        ok = have >= rule.minimum
        status = np.where(ok, ON_TIME, MISSED).astype(np.int8)
        blocks.append(
            Block(
                ep=ep,
                kind="count",
                requirement=np.zeros(len(ep), dtype=np.int16),
                requirements=[rule.requirement],
                anchor=w_start,
                due=w_end,
                visit=np.full(len(ep), NAT),
                status=status,
                days_late=np.zeros(len(ep), dtype=np.int64),
                settled=w_end,
            )
        )
    return blocks


def _periods_between(start: np.ndarray, day: np.ndarray, months: int) -> np.ndarray:
    """Whole periods of ``months`` from start to day: largest j >= 0 with start + j·months <= day."""
    ms = start.astype("datetime64[M]").astype(np.int64)
    md = day.astype("datetime64[M]").astype(np.int64)
    j = np.maximum((md - ms) // months, 0)
    too_far = add_months(start, j * months) > day
    j = j - too_far
    return np.maximum(j, 0)


def milestones(plan: PlanType, eps: Episodes, cal: WorkingCalendar) -> list[Block]:
    """A case date column due within an interval of the start (docs/rules.md §6)."""
    blocks = []
    ep = np.arange(len(eps))
    for rule in plan.milestones:
        due = cal.add(eps.start, rule.within)
        done = eps.columns[rule.column]
        done = np.where(done <= eps.as_of, done, NAT)
        status, late, settled = settle(eps, ep, due, done)
        blocks.append(
            Block(
                ep=ep,
                kind="milestone",
                requirement=np.zeros(len(ep), dtype=np.int16),
                requirements=[rule.requirement],
                anchor=eps.start,
                due=due,
                visit=done,
                status=status,
                days_late=late,
                settled=settled,
            )
        )
    return blocks


def parse_frequency(values: pd.Series) -> tuple[np.ndarray, list[Duration], int, str | None]:
    """The child's own visit_frequency per episode, as codes into a list of durations.

    Returns the codes (-1 = none or unreadable), the durations, how many non-blank
    values could not be read, and one example of them.
    """
    codes, uniques = pd.factorize(values.fillna("").astype(str).str.strip())
    durations: list[Duration] = []
    remap = np.full(len(uniques) + 1, -1, dtype=np.int64)
    bad, example = 0, None
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    for i, text in enumerate(uniques):
        if not text:
            continue
        try:
            duration = Duration.parse(text)
        except ValueError:
            bad += int(counts[i])
            example = example or text
            continue
        if duration not in durations:
            durations.append(duration)
        remap[i] = durations.index(duration)
    return remap[codes], durations, bad, example
