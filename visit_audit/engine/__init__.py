"""The audit engine: canonical case and visit frames in, every deadline out.

Pure: no file I/O, no printing. ``run_engine`` applies a framework to the
frames the io layer produced and returns every assessed deadline (one frame
shape for every rule kind), the quality exceptions and the warnings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from visit_audit.calendar import NAT, NEVER, WorkingCalendar
from visit_audit.concurrency import Background, each, workers
from visit_audit.engine.days import (
    ALONE_N,
    ALONE_Y,
    AWAY,
    BEDROOM_N,
    BEDROOM_Y,
    HOME,
    SEEN,
    Attribution,
    Children,
    DayTable,
    attribute,
    group_rank,
    read_records,
    to_days,
)
from visit_audit.engine.rules import (
    STATUS_NAMES,
    Block,
    Episodes,
    count_windows,
    initial_deadlines,
    milestones,
    parse_frequency,
    recurring_deadlines,
)
from visit_audit.frameworks.model import DATE_COLUMNS, Framework
from visit_audit.result import DEADLINE_COLUMNS, QUALITY_COLUMNS, sorted_categorical

# Records per partition of children at most (see run_engine).
PARTITION_RECORDS = 600_000


@dataclass
class EngineOutput:
    deadlines: pd.DataFrame  # DEADLINE_COLUMNS, status includes on_time and pending
    quality: pd.DataFrame  # QUALITY_COLUMNS
    quality_summary: dict
    episodes: (
        pd.DataFrame
    )  # audited episodes: child_id, episode_id, plan_type, start/end, worker, team
    warnings: list[str] = field(default_factory=list)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _verb(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def run_engine(
    cases: pd.DataFrame,
    visits: pd.DataFrame,
    framework: Framework,
    *,
    as_of: dt.date,
    calendar: WorkingCalendar,
    partitions: int | None = None,
) -> EngineOutput:
    """Every deadline of every audited episode up to ``as_of`` (docs/rules.md §2–§7).

    The stages, each a function below: select the episodes that started by the
    audit date; lay them out as arrays (:class:`EpisodeTable`); read each
    record's child, tied episode and flags; split the children into partitions;
    audit each partition (attribute records to episodes, collapse them to
    episode-days, apply each plan type's rules); check visit quality; gather the
    deadlines into one frame.

    ``partitions``: how many groups of children to work through one after the
    other, two at a time (default: enough for PARTITION_RECORDS records each);
    the result is the same.
    """
    as_of_d = np.datetime64(as_of, "D")
    episodes, start_all, warnings = select_episodes(cases, as_of, as_of_d)
    visit_days = to_days(visits["visit_date"])
    # The bank holidays of the years the data spans are worked out (Python, in
    # the holidays package) while the ids are looked up (Arrow and numpy, which
    # let go of the GIL), not in the first partition's rules.
    with Background() as background:  # leaving it waits for the calendar
        background.start(calendar.prepare, _years(as_of_d, start_all, visit_days))
        future_visits = int((visit_days > as_of_d).sum())
        if future_visits:
            warnings.append(
                f"{_plural(future_visits, 'record')} dated after the audit date "
                f"{_verb(future_visits, 'was', 'were')} ignored"
            )
        table = EpisodeTable.of(episodes, framework, as_of_d)
        records = read_records(
            visits, pd.Series(table.child_ids, dtype="str"), episodes["episode_id"], visit_days
        )
        later = coverage_warnings(episodes, table, framework)
        parts = Partitions.of(table, records, len(visits), partitions)
    # (An error in the calendar's work is met again, and told, where it is used.)
    # Partitions side by side: numpy lets go of the GIL in its large steps, so
    # the second core works too. The results are taken in partition order.
    done = each(
        lambda part: audit_partition(part, parts, table, records, framework, calendar),
        range(parts.count),
    )
    blocks: list[tuple[np.ndarray, Block]] = []
    day_tables: list[DayTable] = []
    for att, found in done:
        day_tables.append(att.days)
        blocks += found
    warnings += attribution_warnings([att for att, _ in done])
    warnings += later

    quality, quality_summary = visit_quality(episodes, day_tables, framework)
    # What the deadlines frame does not need is let go first: the memory it
    # frees is used again for the frame (fresh memory costs the most here).
    done = day_tables = records = parts = None  # type: ignore[assignment]
    deadlines = _deadline_frame(episodes, blocks)
    return EngineOutput(deadlines, quality, quality_summary, episodes, warnings)


def select_episodes(
    cases: pd.DataFrame, as_of: dt.date, as_of_d: np.datetime64
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """The episodes that started on or before the audit date (docs/rules.md §2: later ones are
    ignored, and counted in a warning), every case's start day, the warnings."""
    start_all = to_days(cases["start_date"])
    warnings = []
    future_eps = int((start_all > as_of_d).sum())
    if future_eps:
        warnings.append(
            f"{_plural(future_eps, 'episode')} {_verb(future_eps, 'starts', 'start')} after the "
            f"audit date {as_of:%d/%m/%Y} and {_verb(future_eps, 'was', 'were')} not audited"
        )
    return cases.loc[start_all <= as_of_d].reset_index(drop=True), start_all, warnings


@dataclass
class EpisodeTable:
    """The audited episodes as aligned arrays, one entry per episode."""

    child: np.ndarray  # int64 child code (dense, from 0)
    child_ids: pd.Index  # the child id of each code
    start: np.ndarray  # datetime64[D]
    end: np.ndarray  # datetime64[D], NaT when open
    last: np.ndarray  # datetime64[D]: end, or NEVER when open
    closed: np.ndarray  # bool: end_date <= as_of
    columns: dict[str, np.ndarray]  # the case date columns a rule can name
    frequency: np.ndarray  # index into ``durations`` of the child's own plan, -1 none
    durations: list
    bad_frequency: tuple[int, str | None]  # episodes whose frequency cannot be read, an example
    plan_code: np.ndarray  # int16 index into the framework's plan types (their count: none)
    plan_names: list[str]
    as_of: np.datetime64

    @classmethod
    def of(cls, episodes: pd.DataFrame, framework: Framework, as_of: np.datetime64) -> EpisodeTable:
        codes, child_ids = pd.factorize(episodes["child_id"].astype(str))
        end = to_days(episodes["end_date"])
        frequency, durations, bad_freq, bad_example = parse_frequency(episodes["visit_frequency"])
        plan = episodes["plan_type"].to_numpy(dtype=object)
        plan_names = list(framework.plan_types)
        plan_code = np.full(len(episodes), len(plan_names), dtype=np.int16)
        for p, name in enumerate(plan_names):
            plan_code[plan == name] = p
        return cls(
            child=codes.astype(np.int64),
            child_ids=child_ids,
            start=to_days(episodes["start_date"]),
            end=end,
            last=np.where(np.isnat(end), NEVER, end),
            closed=~np.isnat(end) & (end <= as_of),
            columns={c: to_days(episodes[c]) for c in DATE_COLUMNS},
            frequency=frequency,
            durations=durations,
            bad_frequency=(bad_freq, bad_example),
            plan_code=plan_code,
            plan_names=plan_names,
            as_of=as_of,
        )

    def of_plan(self, idx: np.ndarray) -> Episodes:
        """The rules' view of the episodes at ``idx`` (all of one plan type)."""
        return Episodes(
            idx=idx,
            start=self.start[idx],
            end=self.end[idx],
            closed=self.closed[idx],
            columns={c: v[idx] for c, v in self.columns.items()},
            frequency=self.frequency[idx],
            durations=self.durations,
            as_of=self.as_of,
        )


def coverage_warnings(
    episodes: pd.DataFrame, table: EpisodeTable, framework: Framework
) -> list[str]:
    """What the framework cannot audit as asked: unreadable visit frequencies
    (docs/rules.md, "A child's own visiting plan"), plan types it has no rule for ("Plan
    types without rules"), and episodes lacking the column a phase ends on
    ("Phases and until dates")."""
    warnings = []
    bad_freq, bad_example = table.bad_frequency
    if bad_freq:
        warnings.append(
            f"{_plural(bad_freq, 'episode')} {_verb(bad_freq, 'has', 'have')} a visit_frequency that cannot be read "
            f"(e.g. '{bad_example}'): the framework's timescales apply"
        )
    uncovered = episodes.loc[~episodes["plan_type"].isin(list(framework.plan_types)), "plan_type"]
    for name, n in uncovered.value_counts().sort_index().items():
        warnings.append(
            f"{_plural(int(n), 'episode')} of plan type {name}: no rule in framework {framework.name}"
        )
    for p, (name, rules) in enumerate(framework.plan_types.items()):
        if rules.no_rule:
            continue
        for column in rules.boundary_columns:
            lacking = int(np.isnat(table.columns[column][table.plan_code == p]).sum())
            if lacking:
                warnings.append(
                    f"{_plural(lacking, 'episode')} of plan type {name} {_verb(lacking, 'lacks', 'lack')} "
                    f"{column}: "
                    f"the phase that ends on it stays in force"
                )
    return warnings


@dataclass
class Partitions:
    """Children in partitions: a child's episodes and records together.

    Each pass then works on arrays of at most PARTITION_RECORDS records, which
    is several times faster per record than on ten million (memory reused,
    caches hit), and two partitions at a time keep both cores busy; an even
    number of them (above one) lets the two workers finish together.
    """

    count: int
    by_record: np.ndarray  # record positions, partition by partition
    record_bounds: np.ndarray  # partition p's records: by_record[bounds[p]:bounds[p + 1]]
    children: Children
    by_group: np.ndarray  # episode positions by (partition, plan type), in episode order
    group_bounds: np.ndarray
    width: int  # plan types + 1 (episodes of plan types with no rule)
    local: np.ndarray  # each episode's position within its group

    @classmethod
    def of(
        cls, table: EpisodeTable, records, n_records: int, count: int | None = None
    ) -> Partitions:
        at_once = workers()
        n_parts = count or (
            1
            if n_records <= PARTITION_RECORDS
            else at_once * -(-n_records // (at_once * PARTITION_RECORDS))
        )
        ep_part = table.child % n_parts
        # (A small unsigned code: numpy sorts it stably by radix.)
        rec_part = np.where(
            records.child >= 0, records.child % n_parts, np.arange(n_records) % n_parts
        ).astype(np.min_scalar_type(n_parts))
        by_record = np.argsort(rec_part, kind="stable")
        record_bounds = np.concatenate([[0], np.cumsum(np.bincount(rec_part, minlength=n_parts))])
        # The episodes of each (partition, plan type) in episode order, and the
        # position of each among them: one stable sort of a small code.
        width = len(table.plan_names) + 1
        group = ep_part * width + table.plan_code
        by_group = np.argsort(group, kind="stable")
        group_bounds = np.concatenate(
            [[0], np.cumsum(np.bincount(group, minlength=n_parts * width))]
        )
        local = np.empty(len(group), dtype=np.int64)
        local[by_group] = group_rank(group[by_group])
        return cls(
            n_parts,
            by_record,
            record_bounds,
            Children.of(table.child),
            by_group,
            group_bounds,
            width,
            local,
        )

    def episodes(self, part: int, plan: int) -> np.ndarray:
        g = part * self.width + plan
        return self.by_group[self.group_bounds[g] : self.group_bounds[g + 1]]

    def records(self, part: int) -> np.ndarray:
        return self.by_record[self.record_bounds[part] : self.record_bounds[part + 1]]


def audit_partition(
    part: int,
    parts: Partitions,
    table: EpisodeTable,
    records,
    framework: Framework,
    calendar: WorkingCalendar,
) -> tuple[Attribution, list[tuple[np.ndarray, Block]]]:
    """One partition's records attributed and collapsed to episode-days (docs/rules.md §2), then
    each plan type's rules over its episodes: initial deadlines, the recurring
    chain, count windows, milestones (docs/rules.md §3, §5, §6). Returns the attribution and the
    deadline blocks, each with the episode positions it indexes."""
    att = attribute(
        records if parts.count == 1 else records.take(parts.records(part)),
        parts.children,
        table.child,
        table.start,
        table.last,
        table.as_of,
    )
    # The partition's episode-days grouped by plan type (one stable radix sort
    # of a small code), each group still sorted by episode and day.
    day_plan = table.plan_code[att.days.ep]
    by_plan = np.argsort(day_plan, kind="stable")
    bounds = np.concatenate(
        [[0], np.cumsum(np.bincount(day_plan, minlength=len(table.plan_names)))]
    )
    found: list[tuple[np.ndarray, Block]] = []
    for p, rules in enumerate(framework.plan_types.values()):
        idx = parts.episodes(part, p)
        if rules.no_rule or len(idx) == 0:
            continue
        sel = by_plan[bounds[p] : bounds[p + 1]]
        days = DayTable(parts.local[att.days.ep[sel]], att.days.day[sel], att.days.bits[sel])
        eps = table.of_plan(idx)
        initial, chain_start = initial_deadlines(rules, eps, days, calendar)
        plan_blocks = list(initial)
        recurring = recurring_deadlines(rules, eps, days, chain_start, calendar)
        if recurring is not None:
            plan_blocks.append(recurring)
        plan_blocks += count_windows(rules, eps, days)
        plan_blocks += milestones(rules, eps, calendar)
        found += [(idx, b) for b in plan_blocks]
    return att, found


def attribution_warnings(attributions: list[Attribution]) -> list[str]:
    """Records that counted for nothing (docs/rules.md §2): in no episode open on their date, or
    tied to an episode they are not dated within."""
    unattributed = sum(a.unattributed for a in attributions)
    no_case = sum(a.no_case for a in attributions)
    tied_outside = sum(a.tied_outside for a in attributions)
    warnings = []
    if unattributed:
        extra = f" ({no_case} of them for children with no episode)" if no_case else ""
        warnings.append(
            f"{_plural(unattributed, 'record')} {_verb(unattributed, 'falls', 'fall')} "
            f"in no episode open on {_verb(unattributed, 'its', 'their')} date{extra}"
        )
    if tied_outside:
        warnings.append(
            f"{_plural(tied_outside, 'record')} {_verb(tied_outside, 'names', 'name')} an "
            f"episode_id {_verb(tied_outside, 'it is', 'they are')} not dated within (or "
            f"that is not the child's, or not in the cases extract) and "
            f"{_verb(tied_outside, 'counts', 'count')} for nothing"
        )
    return warnings


def _years(as_of: np.datetime64, *dates: np.ndarray) -> range:
    """The years from the earliest of ``dates`` (NaT aside) to the audit date's,
    with one to spare either side (as WorkingCalendar widens them)."""
    first = as_of
    for d in dates:
        known = d[~np.isnat(d)]
        if known.size:
            first = min(first, known.min())
    year = int(first.astype("datetime64[Y]").astype(int)) + 1970
    return range(year - 1, int(as_of.astype("datetime64[Y]").astype(int)) + 1970 + 2)


def _episode_columns(episodes: pd.DataFrame, ep: np.ndarray) -> dict[str, object]:
    out = {}
    for c in ("child_id", "episode_id", "plan_type", "worker", "team"):
        out[c] = _text(episodes[c].to_numpy(dtype=object)[ep])
    return out


def _text(values: np.ndarray) -> pd.Series:
    """Object-dtype text: pandas would otherwise convert millions of strings to Arrow."""
    return pd.Series(values, dtype=object, copy=False)


KINDS = ("initial", "interval", "count", "milestone")


def _deadline_frame(episodes: pd.DataFrame, blocks: list[tuple[np.ndarray, Block]]) -> pd.DataFrame:
    """One frame of every block's deadlines; text as sorted categoricals (see visit_audit.result).

    Only integer codes are gathered per deadline: the text of an episode
    (child, episode, worker, team, plan type) is looked up once per episode.
    The columns are built two at a time (numpy and Arrow let go of the GIL).
    """
    if not blocks:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DEADLINE_COLUMNS})
    # NEVER marks a deadline that never arrives: it is not a deadline at all.
    real = [b.due < NEVER for _, b in blocks]
    every = all(r.all() for r in real)

    def cat(values: list[np.ndarray], dtype=None) -> np.ndarray:
        """The blocks' arrays end to end, cast to ``dtype`` on the way (one pass)."""
        parts = values if every else [v[r] for v, r in zip(values, real, strict=True)]
        return np.concatenate(parts, dtype=dtype, casting="same_kind")

    ep = cat([idx[b.ep] for idx, b in blocks])
    # Requirement codes: each block's own list, offset into one list of names.
    names: list[str] = []
    codes = []
    for _, b in blocks:
        codes.append(b.requirement.astype(np.int32) + len(names))
        names += b.requirements
    with_deadlines = np.flatnonzero(np.bincount(ep, minlength=len(episodes)))

    def episode_text(c: str) -> pd.Categorical:
        # The episodes' text as codes for the episodes with deadlines, then one
        # gather of those codes per deadline.
        per_ep = sorted_categorical(with_deadlines, episodes[c])
        codes_of_ep = np.full(len(episodes), -1, dtype=np.int32)
        codes_of_ep[with_deadlines] = per_ep.codes
        return pd.Categorical.from_codes(
            codes_of_ep[ep], categories=per_ep.categories, validate=False
        )

    def dates(field: str) -> np.ndarray:
        return cat(taken(field), dtype="datetime64[s]")

    def taken(field: str) -> list[np.ndarray]:
        """The blocks' arrays of ``field``, let go of by the blocks: each is
        needed for one column only, and the memory is used again for the next."""
        arrays = [getattr(b, field) for _, b in blocks]
        for _, b in blocks:
            setattr(b, field, None)
        return arrays

    def kinds() -> pd.Categorical:
        return sorted_categorical(
            cat([np.full(len(b.ep), KINDS.index(b.kind), dtype=np.int8) for _, b in blocks]),
            KINDS,
        )

    jobs: dict[str, tuple[Any, ...]] = {
        c: (episode_text, c) for c in ("child_id", "episode_id", "plan_type", "worker", "team")
    }
    jobs.update(
        kind=(kinds,),
        requirement=(lambda: sorted_categorical(cat(codes), names),),
        anchor_date=(dates, "anchor"),
        due_date=(dates, "due"),
        visit_date=(dates, "visit"),
        status=(lambda: sorted_categorical(cat(taken("status")), STATUS_NAMES),),
        days_late=(lambda: cat(taken("days_late")),),
        settled_date=(dates, "settled"),
    )
    built = each(lambda job: job[0](*job[1:]), list(jobs.values()))
    frame = dict(zip(jobs, built, strict=True))
    return pd.DataFrame(frame, columns=list(DEADLINE_COLUMNS), copy=False)


def _ts(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[s]")


def visit_quality(episodes: pd.DataFrame, day_tables: list[DayTable], framework: Framework):
    """Visit quality checks (docs/rules.md §7): one row per episode, seen day and failed check.

    ``day_tables``: the episode-days of each partition."""
    rules = framework.quality
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in QUALITY_COLUMNS})
    if rules is None:
        return empty, {}
    plan = episodes["plan_type"].to_numpy(dtype=object)
    in_scope = np.isin(plan, list(rules.plan_types))
    # The seen days of the episodes checked, from every partition.
    seen = [t.take(in_scope[t.ep] & ((t.bits & SEEN) != 0)) for t in day_tables]
    ep, day, bits = (np.concatenate([getattr(t, f) for t in seen]) for f in ("ep", "day", "bits"))
    dob = to_days(episodes["date_of_birth"])[ep]
    frames, summary = [], {}
    from visit_audit.calendar import add_months

    checks = {
        "seen_alone": (ALONE_Y, ALONE_N),
        "at_home": (HOME, AWAY),
        "bedroom_seen": (BEDROOM_Y, BEDROOM_N),
    }
    for check in rules.checks:
        passed_bit, no_bit = checks[check]
        applies = np.ones(len(ep), dtype=bool)
        if check == "seen_alone":
            old_enough = add_months(
                np.where(np.isnat(dob), NAT, dob), 12 * rules.seen_alone_min_age
            )
            applies = ~np.isnat(dob) & (old_enough <= day)
        failed = applies & ((bits & passed_bit) == 0)
        checked = int(applies.sum())
        exceptions = int(failed.sum())
        summary[check] = {
            "checked": checked,
            "exceptions": exceptions,
            "percent_passed": round(100.0 * (checked - exceptions) / checked, 1)
            if checked
            else 100.0,
        }
        f_ep = ep[failed]
        cols = _episode_columns(episodes, f_ep)
        value = np.full(len(f_ep), None, dtype=object)
        value[(bits[failed] & no_bit) != 0] = "N"
        frames.append(
            pd.DataFrame(
                {
                    "child_id": cols["child_id"],
                    "episode_id": cols["episode_id"],
                    "plan_type": cols["plan_type"],
                    "visit_date": _ts(day[failed]),
                    "check": check,
                    "value": value,
                    "worker": cols["worker"],
                    "team": cols["team"],
                }
            )
        )
    quality = pd.concat(frames, ignore_index=True) if frames else empty
    quality = quality.sort_values(
        ["child_id", "episode_id", "visit_date", "check"], kind="stable"
    ).reset_index(drop=True)
    return quality, summary
