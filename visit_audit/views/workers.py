"""Compliance by worker (README "One workbook per team"): the **By worker** table.

Episodes, deadlines, on time, late, missed, overdue, % on time and due soon for
each worker, counted as the summary counts teams: deadlines in the run's scope,
episodes open in the period, due soon from the upcoming list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from visit_audit.columns import SUMMARY_FIELDS
from visit_audit.result import AuditResult
from visit_audit.views.labels import NO_WORKER
from visit_audit.views.summary import (
    _blank,
    _codes,
    _counts,
    _episode_counts,
    _row,
    active_episodes,
)
from visit_audit.views.summary import in_scope as deadlines_in_scope

# A worker's row: the summary's figures but children (an episode is one child
# of one worker), and how many of theirs are due soon.
WORKER_FIELDS = (*(f for f in SUMMARY_FIELDS if f != "children"), "due_soon")


def worker_label(name: object) -> str:
    """A worker's name; a blank or missing one reads "(no worker)"."""
    return NO_WORKER if _blank(name) else str(name)


def worker_labels(worker: pd.Series) -> pd.Series:
    text = worker.astype(object)
    return text.where(text.notna() & (text != ""), NO_WORKER)


def worker_summary(result: AuditResult) -> dict[str, dict]:
    """``{worker: {WORKER_FIELDS…}}``, workers in name order, "(no worker)" last."""
    deadlines = result.deadlines
    scope = deadlines_in_scope(deadlines, result.period)
    tally = _counts(_codes(deadlines["worker"]), _codes(deadlines["status"]), scope, worker_label)
    episodes: dict[str, tuple[int, int]] = {}
    if result.episodes is not None:
        active = active_episodes(result.episodes, result.period)
        active = active.loc[active["plan_type"].isin(list(result.summary.get("by_plan_type", {})))]
        child = pd.factorize(active["child_id"])[0].astype(np.int64)
        episodes = _episode_counts(child, worker_labels(active["worker"]))
    else:  # a result built by hand: the episodes that have a deadline in scope
        seen = deadlines.loc[scope, ["worker", "episode_id"]].astype(object).drop_duplicates()
        counts = worker_labels(seen["worker"]).value_counts()
        episodes = {str(k): (int(v), 0) for k, v in counts.items()}
    due_soon = (
        worker_labels(result.upcoming["worker"]).value_counts() if len(result.upcoming) else {}
    )
    names = set(episodes) | set(tally.index) | set(due_soon.keys())
    out = {}
    for name in sorted(names, key=lambda n: (n == NO_WORKER, n)):
        n_eps = episodes.get(name, (0, 0))[0]
        row = _row(n_eps, 0, tally.loc[name] if name in tally.index else None)
        row["due_soon"] = int(due_soon.get(name, 0))
        out[name] = {f: row[f] for f in WORKER_FIELDS}
    return out
