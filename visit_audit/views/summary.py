"""Views of the deadlines frame: findings, upcoming, and the compliance summary.

docs/rules.md §4 Outcomes: a deadline is settled on the day of the record that
met it (for a milestone, the column's date), on the episode's end_date when it
was missed, and on its due_date for a count window. With a period, findings are
the late and missed deadlines settled in it plus every deadline overdue at as_of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from visit_audit.calendar import WorkingCalendar
from visit_audit.engine.days import lookup
from visit_audit.frameworks.model import Framework
from visit_audit.result import (
    FINDING_COLUMNS,
    SUMMARY_FIELDS,
    UPCOMING_COLUMNS,
    plain_text,
    sorted_categorical,
)


class PlanTypes(Protocol):
    """What :func:`summarise` reads of a framework: its plan types, in order, and
    whether each has rules (``no_rule``). A part of a result (views/split.py)
    gives the whole result's plan types this way."""

    @property
    def plan_types(self) -> Mapping[str, Any]: ...


FINDING_STATUSES = ("late", "missed", "overdue")
NO_TEAM = "(no team)"
UPCOMING_WORKING_DAYS = 10
_KIND_ORDER = {"initial": 0, "interval": 1, "count": 2, "milestone": 3}


def in_scope(deadlines: pd.DataFrame, period: tuple[dt.date, dt.date] | None) -> np.ndarray:
    """Which deadlines a run reports on: settled in the period (or ever) plus those overdue now."""
    status = deadlines["status"]
    if period is None:
        return (status != "pending").to_numpy(bool)
    lo, hi = (pd.Timestamp(d) for d in period)
    settled = deadlines["settled_date"]
    keep = (status == "overdue") | (
        status.isin(["on_time", "late", "missed"]) & (settled >= lo) & (settled <= hi)
    )
    return keep.to_numpy(bool)


def sort_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """By due_date, child_id, plan_type (the JSON result's order), then a total order for
    determinism.

    Categorical text sorts by its (sorted) categories, i.e. as text.
    """
    key = frame.assign(_kind=frame["kind"].map(_KIND_ORDER).astype(np.int64))
    key = key.sort_values(
        ["due_date", "child_id", "plan_type", "episode_id", "_kind", "anchor_date", "requirement"],
        kind="stable",
    )
    return frame.loc[key.index].reset_index(drop=True)


def findings(deadlines: pd.DataFrame, scope: np.ndarray) -> pd.DataFrame:
    """The late, missed and overdue deadlines in scope, sorted by :func:`sort_findings`."""
    found = deadlines.loc[scope & deadlines["status"].isin(FINDING_STATUSES).to_numpy(bool)]
    return plain_text(sort_findings(found)[list(FINDING_COLUMNS) + ["settled_date"]])


def upcoming(
    deadlines: pd.DataFrame, episodes: pd.DataFrame, as_of: dt.date, calendar: WorkingCalendar
) -> pd.DataFrame:
    """Open episodes whose next deadline falls on as_of or within the next 10 working days."""
    as_of_d = np.datetime64(as_of, "D")
    horizon = calendar.add_working_days(np.array([as_of_d]), UPCOMING_WORKING_DAYS)[0]
    if deadlines.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in UPCOMING_COLUMNS})
    due = deadlines["due_date"]
    window = plain_text(
        deadlines.loc[
            (deadlines["status"] == "pending")
            & (due >= pd.Timestamp(as_of_d))
            & (due <= pd.Timestamp(horizon))
        ]
    )
    # The window's episodes among all (one Arrow hash table of the episode ids).
    at = lookup(window["episode_id"], episodes["episode_id"])
    ends = episodes["end_date"].to_numpy()
    end = pd.Series(np.where(at >= 0, ends[at], np.datetime64("NaT")), index=window.index)
    # Open at as_of, and not closing on or before the deadline (then it is nothing,
    # docs/rules.md §4).
    open_ = end.isna() | ((end > pd.Timestamp(as_of_d)) & (end > window["due_date"]))
    return sort_findings(window.loc[open_])[list(UPCOMING_COLUMNS)]


def _counts(
    by: tuple[np.ndarray, list],
    status: tuple[np.ndarray, list],
    scope: np.ndarray,
    label=None,
) -> pd.DataFrame:
    """Deadlines in ``scope`` per value of ``by`` (rows) and status (columns), both
    given as (codes, names) (see :func:`_codes`): one ``bincount`` of codes.

    ``label``: the row's name for each value (a missing one: None); values with
    the same label are added up."""
    by_codes, by_names = by
    status_codes, status_names = status
    width = len(status_names)
    if label is not None:  # a missing value (-1) has a row too, the last
        by_codes = np.where(by_codes < 0, len(by_names), by_codes.astype(np.int32))
        by_names = [label(n) for n in by_names] + [label(None)]
    ok = scope & (by_codes >= 0)
    key = by_codes[ok].astype(np.int32)  # (by value, status) as one small number
    key *= width
    key += status_codes[ok]
    flat = np.bincount(key, minlength=len(by_names) * width).reshape(len(by_names), width)
    tally = pd.DataFrame(flat, index=pd.Index(by_names, dtype=object), columns=list(status_names))
    if label is not None:
        tally = tally.groupby(level=0, sort=False).sum()
    tally = tally.loc[tally.sum(axis=1) > 0]
    for s in ("on_time", "late", "missed", "overdue"):
        if s not in tally:
            tally[s] = 0
    return tally


def _codes(values: pd.Series) -> tuple[np.ndarray, list]:
    """(integer code per row, -1 = missing; the distinct values), without hashing
    the rows again when ``values`` is already categorical."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # the codes as they are (often 1 byte)
        return values.cat.codes.to_numpy(), list(values.cat.categories)
    codes, names = pd.factorize(values.to_numpy(dtype=object))
    return codes, list(names)


def _row(episodes: int, children: int, tally: pd.Series | None) -> dict:
    get = (lambda s: int(tally.get(s, 0))) if tally is not None else (lambda s: 0)
    on_time, late, missed, overdue = (get(s) for s in ("on_time", "late", "missed", "overdue"))
    total = on_time + late + missed + overdue
    row = {
        "episodes": episodes,
        "children": children,
        "deadlines": total,
        "on_time": on_time,
        "late": late,
        "missed": missed,
        "overdue": overdue,
        "percent_on_time": round(100.0 * on_time / total, 1) if total else 100.0,
    }
    assert tuple(row) == SUMMARY_FIELDS
    return row


def active_episodes(episodes: pd.DataFrame, period: tuple[dt.date, dt.date] | None) -> pd.DataFrame:
    """Episodes the summary counts: all audited, or those open at some point in the period."""
    if period is None:
        return episodes
    lo, hi = (pd.Timestamp(d) for d in period)
    end = episodes["end_date"]
    return episodes.loc[(episodes["start_date"] <= hi) & (end.isna() | (end >= lo))]


def summarise(
    deadlines: pd.DataFrame,
    scope: np.ndarray,
    episodes: pd.DataFrame,
    framework: Framework | PlanTypes,
    period: tuple[dt.date, dt.date] | None,
) -> dict:
    """Compliance by plan type and by team, plus the overall figures, over the
    deadlines in ``scope``."""
    status = _codes(deadlines["status"])  # the rows in scope are picked by the tallies
    active = active_episodes(episodes, period)
    active = active.loc[active["plan_type"].isin(list(framework.plan_types))]
    child, children = pd.factorize(active["child_id"])  # hashed once, used thrice
    child = child.astype(np.int64)
    by_plan: dict[str, dict] = {}
    tally = _counts(_codes(deadlines["plan_type"]), status, scope)
    plan_eps = _episode_counts(child, active["plan_type"])
    for name in framework.plan_types:
        if name not in plan_eps:
            continue
        n_eps, n_children = plan_eps[name]
        row = _row(n_eps, n_children, tally.loc[name] if name in tally.index else None)
        if framework.plan_types[name].no_rule:
            row["covered_by_other_plans"] = True
        by_plan[name] = row

    team_tally = _counts(_codes(deadlines["team"]), status, scope, label=_team_label)
    team_eps = _episode_counts(child, _team_labels(active["team"]))
    by_team = {}
    for team in sorted(set(team_eps) | set(team_tally.index)):
        n_eps, n_children = team_eps.get(team, (0, 0))
        by_team[team] = _row(
            n_eps, n_children, team_tally.loc[team] if team in team_tally.index else None
        )
    overall = pd.Series(
        np.bincount(status[0][scope & (status[0] >= 0)], minlength=len(status[1])),
        index=status[1],
    )
    return {
        "by_plan_type": by_plan,
        "by_team": by_team,
        "overall": _row(len(active), len(children), overall),
    }


def _episode_counts(child: np.ndarray, by: pd.Series) -> dict[str, tuple[int, int]]:
    """(episodes, distinct children) per value of ``by``, given each episode's
    child code (-1: no child id): bincounts of integer codes."""
    if len(child) == 0:
        return {}
    group, groups = _codes(by)
    known = group >= 0
    group, child = group[known].astype(np.int64), child[known]
    n_eps = np.bincount(group, minlength=len(groups))
    width = int(child.max()) + 1 if len(child) else 1
    pairs = np.sort(group * width + child)
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]  # each (group, child) once
    n_children = np.bincount(pairs // width, minlength=len(groups))
    return {groups[i]: (int(n_eps[i]), int(n_children[i])) for i in range(len(groups)) if n_eps[i]}


def _team_label(name: object) -> str:
    """A team's name; a blank or missing one reads "(no team)"."""
    return NO_TEAM if _blank(name) else str(name)


def _team_labels(team: pd.Series) -> pd.Series:
    """Team names, with a blank or missing team shown as "(no team)"."""
    if isinstance(team.dtype, pd.CategoricalDtype):
        codes, names = _codes(team)
        labels = [_team_label(n) for n in names] + [_team_label(None)]
        codes = np.where(codes < 0, len(names), codes.astype(np.int32))
        return pd.Series(sorted_categorical(codes, labels), index=team.index)
    text = team.astype(object)
    return text.where(text.notna() & (text != ""), NO_TEAM)


def _blank(name: object) -> bool:
    return name is None or (isinstance(name, float) and np.isnan(name)) or str(name) == ""
