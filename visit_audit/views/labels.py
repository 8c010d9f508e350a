"""What every renderer calls things: grades, labels and the summary's fields.

The terminal, the workbook, the CSV files and the e-mail show the same figures
under the same names and colours; they take them from here rather than each
keeping its own copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal

from visit_audit.columns import SUMMARY_FIELDS

if TYPE_CHECKING:  # pandas is imported where a column is worded, not before
    import pandas as pd

# What a blank worker is called in every table that lists workers.
NO_WORKER = "(no worker)"

# % on time: green at or above the first, amber at or above the second, else red.
THRESHOLDS: tuple[float, float] = (95.0, 80.0)

Grade = Literal["green", "amber", "red"]

# The counted fields of every summary row (by plan type, team, worker, overall),
# in the order they are shown, and their headings.
SUMMARY_COUNTS: tuple[str, ...] = tuple(f for f in SUMMARY_FIELDS if f != "percent_on_time")
SUMMARY_HEADINGS: dict[str, str] = {
    "episodes": "Episodes",
    "children": "Children",
    "deadlines": "Deadlines",
    "on_time": "On time",
    "late": "Late",
    "missed": "Missed",
    "overdue": "Overdue",
    "percent_on_time": "% on time",
}

QUALITY_CHECKS: dict[str, str] = {
    "seen_alone": "Seen alone",
    "at_home": "Seen at home",
    "bedroom_seen": "Bedroom seen",
}
QUALITY_VALUES: dict[str, str] = {"N": "No"}
NOT_RECORDED = "Not recorded"

STATUS_LEGEND = (
    "Late: visited, but after the due date; "
    "Missed: the episode ended (or the count window closed) without the visit; "
    "Overdue: past its due date and still not met on the as-of date"
)

COLUMN_LEGEND = (
    "Counted from: the day a deadline is counted from (the start, or the visit before); "
    "Last visit: the child's latest visit that counted towards that episode's deadlines, "
    "on or before the as-of date (blank: none yet); "
    "Days overdue, Days until due: calendar days from the as-of date (0: due that day)"
)

# A deadline's status and kind as a manager reads them (the JSON keeps the codes).
STATUS_WORDS: dict[str, str] = {
    "on_time": "On time",
    "late": "Late",
    "missed": "Missed",
    "overdue": "Overdue",
    "pending": "Not yet due",
}
KIND_WORDS: dict[str, str] = {
    "initial": "Initial visit",
    "interval": "Regular visit",
    "count": "Visit count",
    "milestone": "Milestone",
}

# The heading of every column a list (workbook sheet, CSV file) shows, by the
# column's name in the result's frames. "Counted from" is the anchor: the day
# the deadline is counted from (the start, or the visit before).
HEADERS: dict[str, str] = {
    "child_id": "Child ID",
    "episode_id": "Episode ID",
    "plan_type": "Plan type",
    "kind": "Rule",
    "requirement": "Requirement",
    "anchor_date": "Counted from",
    "due_date": "Due date",
    "visit_date": "Visit date",
    "status": "Status",
    "days_late": "Days late",
    "days_overdue": "Days overdue",
    "days_until_due": "Days until due",
    "last_visit": "Last visit",
    "worker": "Worker",
    "team": "Team",
    "check": "Check",
    "recorded": "Recorded",
    "value": "Value",
    "file": "File",
    "row": "Row",
    "reason": "Reason",
    "field": "Field",
    "records": "Records",
    "children": "Children",
    "deadlines": "Deadlines",
    "earliest_due": "Earliest due",
    "change": "Change",
    "periods": "Periods overdue",
    "now": "Now",
}


def grade(percent: float, thresholds: tuple[float, float] = THRESHOLDS) -> Grade:
    """The colour grade of a % on time."""
    good, fair = thresholds
    return "green" if percent >= good else "amber" if percent >= fair else "red"


def parse_thresholds(value: str) -> tuple[float, float]:
    """``GREEN,AMBER``: two percentages from 0 to 100, GREEN at least AMBER.

    Raises ValueError with the sentence to show.
    """
    parts = [p.strip() for p in str(value).split(",")]
    try:
        green, amber = (float(p) for p in parts)
    except ValueError:
        green = amber = float("nan")
    if not (0 <= amber <= green <= 100):  # also false for NaN
        raise ValueError(
            f"'{value}' is not GREEN,AMBER: two percentages from 0 to 100, GREEN at least AMBER"
        )
    return green, amber


def plan_type_words(name: object) -> str:
    """A plan type as a manager reads it: ``child_protection`` → ``child protection``."""
    return str(name).replace("_", " ")


def plan_type_label(name: object, labels: Mapping[str, str] | None = None) -> str:
    """The framework's label of a plan type (``Child Protection Plan``), else its name in
    words with a capital (``looked_after`` → ``Looked after``)."""
    if labels and name in labels:
        return labels[name]  # type: ignore[index]
    words = plan_type_words(name)
    return words[:1].upper() + words[1:]


def worded(series: pd.Series, words: Mapping[str, str] | Callable[[str], str]) -> pd.Series:
    """``series`` (codes) in words, as a categorical: a code ``words`` lacks stays as it is.

    Each distinct code is looked up once; the rows keep small integer codes into
    the words, so a million-row column costs one factorise, not a million look-ups.
    """
    look_up = words if callable(words) else (lambda code: words.get(code, code))
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    shown = [look_up(u) for u in np.asarray(uniques, dtype=object).tolist()]
    # Two codes may share a word: the categories are the distinct words.
    word_codes, categories = pd.factorize(pd.Series(shown, dtype=object))
    remap = np.append(word_codes, -1)  # code -1 (missing) stays missing
    values = pd.Categorical.from_codes(remap[codes], categories=categories)
    return pd.Series(values, index=series.index, name=series.name)


def plan_types_worded(series: pd.Series, labels: Mapping[str, str] | None = None) -> pd.Series:
    """A plan type column in words: the framework's labels, else :func:`plan_type_label`."""
    return worded(series, lambda name: plan_type_label(name, labels))


def region_name(region: str) -> str:
    """A bank-holiday region as written: ``northern-ireland`` → ``Northern Ireland``."""
    return {"northern-ireland": "Northern Ireland"}.get(region, region.title())


def period_label(lo: dt.date, hi: dt.date) -> str:
    """A whole calendar month as ``Aug 2026``; any other period ``1 Aug 2026 to 15 Aug 2026``."""
    next_day = hi + dt.timedelta(days=1)
    if lo.day == 1 and next_day.day == 1 and (lo.year, lo.month) == (hi.year, hi.month):
        return f"{lo:%b %Y}"
    return f"{lo.day} {lo:%b %Y} to {hi.day} {hi:%b %Y}"


# A grade's colours (Excel's own Good / Neutral / Bad): background, text.
GRADE_COLOURS: dict[str, tuple[str, str]] = {
    "green": ("#C6EFCE", "#006100"),
    "amber": ("#FFEB9C", "#9C5700"),
    "red": ("#FFC7CE", "#9C0006"),
}
