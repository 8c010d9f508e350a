"""The lists a team manager acts on: who is overdue, who is due soon, and by which worker.

Each list row carries the child's **last visit**: the latest visit that
counted towards a deadline of that child's episode (an initial or a recurring
deadline's meeting record), on or before the audit date. It comes from the
deadlines frame, where every counting record of a recurring chain is the
record that met the deadline before it; a milestone's date (a decision, say)
and a count window are not visits and are left out. An episode with no counted
visit yet has no last visit (blank).

"Days until due" is calendar days from the audit date to the due date (0: due
that day), as "days overdue" is calendar days past it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from visit_audit.result import AuditResult
from visit_audit.views.labels import NO_WORKER
from visit_audit.views.summary import UPCOMING_WORKING_DAYS

KEYS = ("child_id", "episode_id")
# The kinds of deadline a visit meets (a milestone is met by a case date, a count by none).
VISIT_KINDS = ("initial", "interval")


def last_visits(deadlines: pd.DataFrame, as_of: dt.date, episodes=None) -> pd.DataFrame:
    """``child_id, episode_id, last_visit``: each episode's latest counted visit up to ``as_of``.

    ``episodes``: only these episode ids are wanted (the few on a list), so the
    million-row deadlines frame is filtered by one ``isin`` before grouping.
    """
    keep = (
        deadlines["visit_date"].notna()
        & (deadlines["visit_date"] <= pd.Timestamp(as_of))
        & deadlines["kind"].isin(VISIT_KINDS)
    )
    if episodes is not None:
        keep &= deadlines["episode_id"].isin(pd.unique(pd.Series(episodes).dropna()))
    # Grouped as plain values: the few rows kept would otherwise carry every category
    # of the million-row frame, which grouping recodes (most of this function's time).
    met = deadlines.loc[keep, [*KEYS, "visit_date"]].astype({k: object for k in KEYS})
    last = met.groupby(list(KEYS), sort=False)["visit_date"].max()
    out = last.rename("last_visit").reset_index()
    return out.astype({k: object for k in KEYS})


def with_last_visit(frame: pd.DataFrame, result: AuditResult) -> pd.DataFrame:
    """``frame`` (rows of children's episodes) with a ``last_visit`` column, rows in order."""
    if result.last_visits is not None:  # (a snapshot: the lists' own dates)
        last = result.last_visits.astype({k: object for k in KEYS})
    else:
        last = last_visits(result.deadlines, result.as_of, frame["episode_id"])
    keys = frame[list(KEYS)].astype(object)
    found = keys.merge(last, on=list(KEYS), how="left")["last_visit"]
    return frame.assign(last_visit=found.to_numpy(dtype="datetime64[ns]"))


def overdue_list(result: AuditResult) -> pd.DataFrame:
    """The overdue findings, most days overdue first, with last visit and ``days_overdue``."""
    f = result.findings
    over = f.loc[f["status"] == "overdue"].sort_values("days_late", ascending=False, kind="stable")
    return with_last_visit(over, result).assign(days_overdue=over["days_late"].to_numpy())


def due_soon_list(result: AuditResult) -> pd.DataFrame:
    """The upcoming deadlines (earliest first), with last visit and ``days_until_due``."""
    up = result.upcoming
    days = (pd.to_datetime(up["due_date"]) - pd.Timestamp(result.as_of)).dt.days
    return with_last_visit(up, result).assign(days_until_due=days.to_numpy(dtype="int64"))


def due_soon_by_worker(result: AuditResult) -> pd.DataFrame:
    """``worker, children, deadlines, earliest_due``: who has children due on the audit date
    or in the next 10 working days; the earliest due first, then the most children."""
    up = result.upcoming
    if not len(up):
        return pd.DataFrame(
            {
                "worker": pd.Series(dtype=object),
                "children": pd.Series(dtype="int64"),
                "deadlines": pd.Series(dtype="int64"),
                "earliest_due": pd.Series(dtype="datetime64[ns]"),
            }
        )
    worker = up["worker"].astype(object).where(up["worker"].notna() & (up["worker"] != ""))
    by = up.assign(worker=worker.fillna(NO_WORKER)).groupby("worker", sort=False)
    out = pd.DataFrame(
        {
            "children": by["child_id"].nunique(),
            "deadlines": by.size(),
            "earliest_due": by["due_date"].min(),
        }
    ).reset_index()
    out = out.sort_values(
        ["earliest_due", "children", "worker"], ascending=[True, False, True], kind="stable"
    )
    return out.reset_index(drop=True)


def empty_reasons(result: AuditResult) -> dict[str, str]:
    """Why each list is empty, when it is, in a manager's words (keyed by list name)."""
    as_of = f"{result.as_of:%d/%m/%Y}"
    if result.period is not None:
        lo, hi = result.period
        when = f"settled from {lo:%d/%m/%Y} to {hi:%d/%m/%Y}, and none overdue at {as_of}"
    else:
        when = f"up to {as_of}"
    checks = (result.summary or {}).get("quality") or {}
    return {
        "Findings": f"No late, missed or overdue deadlines {when}.",
        "Overdue": f"Nothing overdue at {as_of}.",
        "Due soon": (
            f"Nothing due on {as_of} or in the {UPCOMING_WORKING_DAYS} working days after it."
        ),
        "Quality": (
            "No quality exceptions: every visit checked was answered Yes."
            if checks
            else f"No quality checks in this framework ({result.framework})."
        ),
        "Rejected rows": "No rows were rejected: every input row was audited.",
        "Unrecognised values": "Every visit type and plan type was recognised.",
    }
