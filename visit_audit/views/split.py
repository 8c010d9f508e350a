"""One result per team (or worker): what each team's workbook and e-mail show.

README "One workbook per team": each part holds only that team's rows,
and the rows of all parts add up to the whole result's. Reading: the rows
that are divided are the deadlines, findings, due soon and quality rows (each
row names its team); rejected rows and unrecognised values describe the
extract, not a team, and stay in the whole-authority report only. Warnings
qualify every figure (a stale extract, an ignored record) and are kept in
every part.

A part's summary is worked out again from its own rows, as the whole one was,
and carries the whole authority's figures beside it (``summary["authority"]``)
and what the part is (``summary["part"] = {"by": "team", "name": …}``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from visit_audit.config import SPLIT_BY
from visit_audit.result import AuditResult
from visit_audit.views.changes import CHANGE_LISTS
from visit_audit.views.summary import active_episodes, in_scope, summarise

UNALLOCATED = "Unallocated"  # the part of the episodes with no team (or no worker)
_FRAMES = ("deadlines", "findings", "upcoming", "quality", "episodes")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def split_result(result: AuditResult, by: str) -> dict[str, AuditResult]:
    """``{name: the part of result of that team or worker}``, in name order with
    "Unallocated" last.

    A team or worker has a part when the summary counts it: an episode open in
    the period, or a deadline in scope, a finding, a child due soon or a
    quality exception. (Reading: a worker who left years ago, with only old,
    closed episodes, gets no empty workbook; their deadlines, all outside the
    period, are in no part.)"""
    if by not in SPLIT_BY:
        raise ValueError(f"split by {by!r}: not one of {', '.join(SPLIT_BY)}")
    positions = {name: _positions(getattr(result, name), by) for name in _FRAMES}
    scope = in_scope(result.deadlines, result.period)
    names = set().union(*(positions[f].keys() for f in ("findings", "upcoming", "quality")))
    names |= {n for n, at in positions["deadlines"].items() if scope[at].any()}
    if result.episodes is not None and len(result.episodes):
        active = active_episodes(result.episodes, result.period)
        active = active.loc[active["plan_type"].isin(list(result.summary.get("by_plan_type", {})))]
        names |= set(_labels(active[by]).astype(str))
    plans = _PlanTypes.of(result)
    parts = {}
    for name in sorted(names, key=lambda n: (n == UNALLOCATED, n)):
        frames = {
            frame: _take(getattr(result, frame), positions[frame].get(name)) for frame in _FRAMES
        }
        parts[name] = _part(result, by, name, frames, plans)
    return parts


def safe_file_name(name: str) -> str:
    """A team's name as a file name: characters unsafe in a file name become ``_``."""
    text = _UNSAFE.sub("_", name).strip().strip(".")
    return text or "_"


def file_names(names: list[str]) -> dict[str, str]:
    """``{name: "<safe name>.xlsx"}``, two names that read the same once made safe
    ("A/B", "A_B") told apart by " (2)", so no workbook overwrites another."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        stem = safe_file_name(name)
        candidate, n = stem, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem} ({n})"
        taken.add(candidate.casefold())
        out[name] = f"{candidate}.xlsx"
    return out


def _labels(values: pd.Series) -> pd.Series:
    text = values.astype(object)
    return text.where(text.notna() & (text != ""), UNALLOCATED)


def _positions(frame: pd.DataFrame | None, by: str) -> dict[str, np.ndarray]:
    if frame is None or by not in frame.columns or not len(frame):
        return {}
    column = frame[by]
    if isinstance(column.dtype, pd.CategoricalDtype):  # millions of deadlines: group the codes
        codes = column.cat.codes.to_numpy()
        names = [*column.cat.categories.astype(object), None]
        codes = np.where(codes < 0, len(names) - 1, codes)
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        out: dict[str, list[np.ndarray]] = {}
        for block in np.split(order, bounds):
            label = _labels(pd.Series([names[codes[block[0]]]])).iloc[0]
            out.setdefault(str(label), []).append(block)
        return {k: np.sort(np.concatenate(v)) for k, v in out.items()}
    groups = _labels(column).groupby(_labels(column), sort=False).indices
    return {str(k): np.asarray(v) for k, v in groups.items()}


def _take(frame: pd.DataFrame | None, at: np.ndarray | None) -> pd.DataFrame | None:
    if frame is None:
        return None
    if at is None:
        return frame.iloc[0:0]
    return frame.iloc[at].reset_index(drop=True)


@dataclass(frozen=True)
class _Plan:
    no_rule: bool


@dataclass(frozen=True)
class _PlanTypes:
    """The framework's plan types as :func:`summarise` reads them (their order and
    whether each has rules), taken from the whole result's summary: a plan type
    with no episode there has none in any part."""

    plan_types: dict[str, _Plan]

    @classmethod
    def of(cls, result: AuditResult) -> _PlanTypes:
        rows = (result.summary or {}).get("by_plan_type", {})
        return cls({n: _Plan(bool(r.get("covered_by_other_plans"))) for n, r in rows.items()})


def _part(result: AuditResult, by: str, name: str, frames: dict, plans: _PlanTypes) -> AuditResult:
    deadlines = frames["deadlines"]
    episodes = frames["episodes"]
    if episodes is None:  # a result built by hand: its episodes are those with a deadline
        episodes = _episodes_of(deadlines)
    summary = summarise(
        deadlines, in_scope(deadlines, result.period), episodes, plans, result.period
    )
    quality = frames["quality"]
    counts = quality["check"].value_counts() if len(quality) else {}
    summary["quality"] = {
        check: {"exceptions": int(counts.get(check, 0))}
        for check in (result.summary or {}).get("quality", {})
    }
    summary["authority"] = dict((result.summary or {}).get("overall", {}))
    summary["part"] = {"by": by, "name": name, "rejected": len(result.rejected)}
    empty_rejected = result.rejected.iloc[0:0]
    return dataclasses.replace(
        result,
        **frames,
        summary=summary,
        rejected=empty_rejected,
        unrecognised={},
        changes=_changes(result.changes, frames),
        trend=_trend(result.trend, by, name),
    )


def _episodes_of(deadlines: pd.DataFrame) -> pd.DataFrame:
    cols = ["child_id", "episode_id", "plan_type", "worker", "team"]
    eps = deadlines[cols].astype(object).drop_duplicates(["child_id", "episode_id"])
    return eps.assign(start_date=pd.Timestamp("1900-01-01"), end_date=pd.NaT).reset_index(drop=True)


def _changes(changes: dict | None, frames: dict) -> dict | None:
    """The history's changes of the part's episodes only (a key names child and episode)."""
    if changes is None:
        return None
    source = frames["episodes"] if frames["episodes"] is not None else frames["deadlines"]
    mine = pd.MultiIndex.from_arrays(
        [source["child_id"].astype(object), source["episode_id"].astype(object)]
    )
    out = dict(changes)
    for kind in CHANGE_LISTS:
        keys = changes.get(kind)
        if keys is None:
            continue
        theirs = pd.MultiIndex.from_arrays(
            [keys["child_id"].astype(object), keys["episode_id"].astype(object)]
        )
        out[kind] = keys.loc[theirs.isin(mine)].reset_index(drop=True)
    return out


def _trend(trend: pd.DataFrame | None, by: str, name: str) -> pd.DataFrame | None:
    """A team's trend: the authority's line (team missing) and the team's own."""
    if trend is None:
        return None
    team = trend["team"].astype(object)
    keep = team.isna() | ((team == name) if by == "team" else False)
    return trend.loc[keep.to_numpy(bool)].reset_index(drop=True)


__all__ = ["UNALLOCATED", "file_names", "safe_file_name", "split_result"]
