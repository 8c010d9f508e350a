"""A small, realistic :class:`AuditResult` for renderer tests, built against the dataclass.

Two teams, every status and kind, a child id with leading zeros, a missing
worker, and a worker whose name is an Excel formula (it must stay text).
"""

# ruff: noqa: E501  (the fixture rows below read best as one table row per line)

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from visit_audit.result import (
    DEADLINE_COLUMNS,
    FINDING_COLUMNS,
    QUALITY_COLUMNS,
    REJECTED_COLUMNS,
    UPCOMING_COLUMNS,
    AuditResult,
    InputSummary,
)

EVIL = '=HYPERLINK("http://evil","x")'
NORTH, SOUTH = "North Locality", "South Locality"
DATES = ("anchor_date", "due_date", "visit_date", "settled_date")
TEXT = ("child_id", "episode_id", "plan_type", "kind", "requirement", "status", "worker", "team")

CP10 = "Visited at least every 10 working days"
CIN20 = "Visited at least every 20 working days"
CLA_INIT = "Visited within 5 working days of the placement"
CLA6 = "Visited at least every 6 weeks"
CP_COUNT = "At least 2 visits in each calendar month"
RHI = "Return home interview within 72 hours"

# fmt: off
# child, episode, plan, kind, requirement, anchor, due, visit, status, days_late, worker, team, settled
_FINDINGS = [
    ("0012345", "E100", "child_protection", "interval", CP10, "2026-08-14", "2026-08-28", None, "overdue", 64, EVIL, NORTH, None),
    ("C0456", "E200", "looked_after", "initial", CLA_INIT, "2026-09-01", "2026-09-08", "2026-10-02", "late", 24, "Sam Patel", SOUTH, "2026-10-02"),
    ("C0789", "E300", "child_in_need", "interval", CIN20, "2026-08-20", "2026-09-17", None, "missed", 20, "Jo Smith", NORTH, "2026-10-07"),
    ("C0456", "E201", "missing_episode", "milestone", RHI, "2026-10-01", "2026-10-06", "2026-10-09", "late", 3, "Sam Patel", SOUTH, "2026-10-09"),
    ("C0999", "E400", "looked_after", "interval", CLA6, "2026-08-30", "2026-10-11", None, "overdue", 20, None, SOUTH, None),
    ("C0789", "E300", "child_in_need", "interval", CIN20, "2026-09-23", "2026-10-21", "2026-10-23", "late", 2, "Jo Smith", NORTH, "2026-10-23"),
    ("C1001", "E500", "child_protection", "initial", "Visited within 5 working days of the conference", "2026-10-19", "2026-10-26", None, "overdue", 5, "Ana Łukasz", NORTH, None),
    ("0012345", "E100", "child_protection", "count", CP_COUNT, "2026-10-01", "2026-10-31", None, "missed", 0, EVIL, NORTH, "2026-10-31"),
]
_ON_TIME = [
    # The visit that the overdue E100 deadline counts from: the child's last visit.
    ("0012345", "E100", "child_protection", "interval", CP10, "2026-07-31", "2026-08-14", "2026-08-14", "on_time", 0, EVIL, NORTH, "2026-08-14"),
    ("C0789", "E300", "child_in_need", "interval", CIN20, "2026-07-23", "2026-08-20", "2026-08-20", "on_time", 0, "Jo Smith", NORTH, "2026-08-20"),
    ("C0456", "E200", "looked_after", "interval", CLA6, "2026-10-02", "2026-11-13", None, "pending", 0, "Sam Patel", SOUTH, None),
]
_UPCOMING = [
    ("C0456", "E200", "looked_after", "interval", CLA6, "2026-09-22", "2026-11-03", "Sam Patel", SOUTH),
    ("0012345", "E101", "child_in_need", "interval", CIN20, "2026-10-16", "2026-11-13", EVIL, NORTH),
]
_QUALITY = [
    ("0012345", "E100", "child_protection", "2026-10-05", "seen_alone", "N", EVIL, NORTH),
    ("C0456", "E200", "looked_after", "2026-10-02", "bedroom_seen", None, "Sam Patel", SOUTH),
    ("C0789", "E300", "child_in_need", "2026-10-23", "at_home", "N", "Jo Smith", NORTH),
]
_REJECTED = [
    ("cases.csv", 7, "start_date '31/02/2026' is not a date"),
    ("visits.csv", 17, "visit_date 'not a date' is not a date"),
    ("visits.csv", 23, "no child_id"),
]
# fmt: on


def _stats(episodes, children, on_time, late, missed, overdue) -> dict:
    total = on_time + late + missed + overdue
    return {
        "episodes": episodes,
        "children": children,
        "deadlines": total,
        "on_time": on_time,
        "late": late,
        "missed": missed,
        "overdue": overdue,
        "percent_on_time": round(100.0 * on_time / total, 1) if total else 100.0,
    }


def _frame(rows, columns) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    for c in columns:
        if c in DATES:
            frame[c] = pd.to_datetime(frame[c], format="%Y-%m-%d").astype("datetime64[s]")
        elif c in ("days_late", "row"):
            frame[c] = frame[c].astype("int64")
        elif c in TEXT or c in ("check", "value", "file", "reason"):
            # Text with its absent values kept absent, in every pandas ("str"
            # made None the text 'None' before pandas 3).
            frame[c] = pd.Series(frame[c].to_numpy(dtype=object), index=frame.index, dtype="str")
    return frame


def make_result(
    *,
    period: tuple[dt.date, dt.date] | None = (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
    findings: pd.DataFrame | None = None,
    warnings: list[str] | None = None,
) -> AuditResult:
    """The fixture result; ``findings`` replaces the findings frame (e.g. a large one)."""
    found = _frame(_FINDINGS, DEADLINE_COLUMNS) if findings is None else findings
    deadlines = pd.concat([found, _frame(_ON_TIME, DEADLINE_COLUMNS)], ignore_index=True)
    summary = {
        "by_plan_type": {
            "child_protection": _stats(2, 2, 58, 0, 1, 2),  # 95.1%: green
            "child_in_need": _stats(1, 1, 9, 1, 1, 0),  # 81.8%: amber
            "looked_after": _stats(2, 2, 3, 1, 0, 1),  # 60.0%: red
            "missing_episode": _stats(1, 1, 0, 1, 0, 0),
        },
        "by_team": {
            NORTH: _stats(3, 3, 67, 1, 2, 2),
            SOUTH: _stats(3, 2, 3, 2, 0, 1),
        },
        "overall": _stats(6, 4, 70, 3, 2, 3),
        "quality": {
            "seen_alone": {"checked": 40, "exceptions": 1, "percent_passed": 97.5},
            "at_home": {"checked": 52, "exceptions": 1, "percent_passed": 98.1},
            "bedroom_seen": {"checked": 12, "exceptions": 1, "percent_passed": 91.7},
        },
    }
    return AuditResult(
        tool_version="0.1.0",
        framework="barnsley",
        framework_title="Barnsley visiting framework",
        region="england",
        as_of=dt.date(2026, 10, 31),
        period=period,
        run_at=dt.datetime(2026, 11, 1, 8, 30, 5, tzinfo=dt.UTC),
        inputs=[
            InputSummary("cases", "cases.csv", "extracts/cases.csv", "a" * 64, 12, 1),
            InputSummary("visits", "visits.csv", "extracts/visits.csv", "b" * 64, 40, 2),
        ],
        deadlines=deadlines,
        findings=found,
        upcoming=_frame(_UPCOMING, UPCOMING_COLUMNS),
        quality=_frame(_QUALITY, QUALITY_COLUMNS),
        summary=summary,
        rejected=_frame(_REJECTED, REJECTED_COLUMNS),
        warnings=[
            "visits.csv: 2 visits name no episode and the child has two open plans; "
            "both plans were credited",
            "cases.csv: column 'Visit Frequency' is blank for every row",
        ]
        if warnings is None
        else warnings,
        # The framework's labels; looked_after and missing_episode have none (shown in words).
        plan_type_labels={
            "child_protection": "Child Protection Plan",
            "child_in_need": "Child in Need",
        },
    )


def big_findings(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` realistic findings rows (sorted by due date), built without Python loops."""
    rng = np.random.default_rng(seed)
    plans = np.array(["child_protection", "child_in_need", "looked_after", "care_leaver"])
    kinds = np.array(["initial", "interval", "count", "milestone"])
    reqs = np.array([CP10, CIN20, CLA6, CP_COUNT, RHI])
    status = np.array(["late", "missed", "overdue"])
    child = rng.integers(0, max(n // 8, 1), n)
    due = np.sort(np.datetime64("2020-01-01") + rng.integers(0, 2400, n).astype("timedelta64[D]"))
    st = status[rng.integers(0, 3, n)]
    late = rng.integers(1, 90, n)
    visit = np.where(st == "late", due + late.astype("timedelta64[D]"), np.datetime64("NaT"))
    workers = np.array([f"Worker {i}" for i in range(300)], dtype=object)
    teams = np.array([f"Team {i}" for i in range(25)], dtype=object)
    frame = pd.DataFrame(
        {
            "child_id": pd.Series(
                np.char.add("C", np.char.zfill(child.astype(str), 7)), dtype="str"
            ),
            "episode_id": pd.Series(np.char.add("E", child.astype(str)), dtype="str"),
            "plan_type": pd.Series(plans[child % 4], dtype="str"),
            "kind": pd.Series(kinds[rng.integers(0, 4, n)], dtype="str"),
            "requirement": pd.Series(reqs[rng.integers(0, 5, n)], dtype="str"),
            "anchor_date": (due - np.timedelta64(14, "D")).astype("datetime64[s]"),
            "due_date": due.astype("datetime64[s]"),
            "visit_date": visit.astype("datetime64[s]"),
            "status": pd.Series(st, dtype="str"),
            "days_late": late.astype("int64"),
            "worker": pd.Series(workers[child % 300], dtype="str"),
            "team": pd.Series(teams[child % 25], dtype="str"),
            "settled_date": visit.astype("datetime64[s]"),
        }
    )
    return frame[list(FINDING_COLUMNS) + ["settled_date"]]
