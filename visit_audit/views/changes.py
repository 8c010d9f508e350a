"""What changed since the previous period: deadlines newly overdue, no longer
overdue, and still overdue (README "Month to month").

A deadline is known by its key, (child_id, episode_id, plan_type, kind,
due_date): the same deadline in two runs has the same key, whatever else
(its days overdue, its worker) has moved on. These are set operations on key
frames, hashed once each by pandas; nothing here reads or writes a file.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from visit_audit.result import plain_text

KEY_COLUMNS: tuple[str, ...] = ("child_id", "episode_id", "plan_type", "kind", "due_date")
CHANGE_LISTS: tuple[str, ...] = ("newly_overdue", "no_longer_overdue", "still_overdue")
_TEXT_KEYS = KEY_COLUMNS[:-1]
ALL_TEAMS = "All teams"


def key_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The five key columns of ``frame``: text as Python ``str``, ``due_date`` as datetime64."""
    out = {c: frame[c].astype(object).to_numpy() for c in _TEXT_KEYS}
    out["due_date"] = pd.to_datetime(frame["due_date"]).astype("datetime64[ns]").to_numpy()
    return pd.DataFrame(out, columns=list(KEY_COLUMNS))


def overdue_keys(findings: pd.DataFrame) -> pd.DataFrame:
    """The keys of the deadlines overdue in a run's findings."""
    return key_frame(findings.loc[(findings["status"] == "overdue").to_numpy(bool)])


def _index(keys: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(keys[list(KEY_COLUMNS)])


def _sorted(keys: pd.DataFrame) -> pd.DataFrame:
    """In the findings' order: by due date, child, plan type, episode, kind."""
    by = ["due_date", "child_id", "plan_type", "episode_id", "kind"]
    return keys.sort_values(by, kind="stable").reset_index(drop=True)


def compare(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    earlier: Iterable[pd.DataFrame] = (),
) -> dict[str, pd.DataFrame]:
    """The three lists, given the overdue keys of this run, of the previous
    period and of each period before that, latest first.

    With no previous period (None) the three lists are empty: nothing can be
    said to have changed, and a deadline overdue for a year is not "newly"
    overdue because this is the first period recorded.

    ``still_overdue`` has ``periods``: in how many periods in a row, this one
    included, the deadline was overdue (2 when only the previous period had it).
    ``earlier`` is read only as far as some still-overdue deadline goes back.
    """
    current = current.drop_duplicates(list(KEY_COLUMNS))
    if previous is None:
        none = _sorted(current.iloc[:0])
        return {
            "newly_overdue": none,
            "no_longer_overdue": none,
            "still_overdue": none.assign(periods=pd.Series(dtype=np.int64)),
        }
    previous = previous.drop_duplicates(list(KEY_COLUMNS))
    now, then = _index(current), _index(previous)
    in_both = now.isin(then)
    still = current.loc[in_both].reset_index(drop=True)
    periods = np.full(len(still), 2, dtype=np.int64)
    running = np.ones(len(still), dtype=bool)  # still in an unbroken run of overdue periods
    if len(still):
        still_index = _index(still)
        for keys in earlier:
            hit = running & still_index.isin(_index(keys))
            periods += hit
            running = hit
            if not running.any():
                break
    still = still.assign(periods=periods)
    return {
        "newly_overdue": _sorted(current.loc[~in_both]),
        "no_longer_overdue": _sorted(previous.loc[~then.isin(now)]),
        "still_overdue": _sorted(still),
    }


def with_staff(keys: pd.DataFrame, deadlines: pd.DataFrame) -> pd.DataFrame:
    """``keys`` with each deadline's ``status``, ``days_late``, ``worker`` and
    ``team`` in this run, where this run assessed it (else missing).

    Only the deadlines of the keys' episodes are looked at, so a large deadlines
    frame is filtered once and never merged whole.
    """
    wanted = ["status", "days_late", "worker", "team"]
    if not len(keys):
        return keys.assign(**{c: pd.Series(dtype=object) for c in wanted})
    mine = deadlines.loc[deadlines["episode_id"].isin(keys["episode_id"].unique()).to_numpy(bool)]
    mine = plain_text(mine)[[*KEY_COLUMNS, *wanted]]
    mine = key_frame(mine).assign(**{c: mine[c].to_numpy() for c in wanted})
    mine = mine.drop_duplicates(list(KEY_COLUMNS), keep="last")
    return keys.merge(mine, on=list(KEY_COLUMNS), how="left", sort=False)


def trend_by_team(trend: pd.DataFrame) -> pd.DataFrame:
    """One row per period (oldest first), one column of % on time for all teams
    and then each team; blank where a team had no deadline in the period."""
    known = trend.loc[trend["deadlines"] > 0]
    wide = known.assign(
        team=known["team"].astype(object).where(known["team"].notna(), ALL_TEAMS)
    ).pivot_table(
        index=["period_from", "period_to"],
        columns="team",
        values="percent_on_time",
        aggfunc="first",
        sort=True,
    )
    periods = trend[["period_from", "period_to"]].drop_duplicates()
    periods = periods.sort_values(["period_to", "period_from"], kind="stable")
    wide = wide.reindex(pd.MultiIndex.from_frame(periods))
    teams = sorted(c for c in wide.columns if c != ALL_TEAMS)
    columns = ([ALL_TEAMS] if ALL_TEAMS in wide.columns else []) + teams
    return wide.reindex(columns=columns).reset_index()
