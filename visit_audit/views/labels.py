"""What every renderer calls things: grades, labels and the summary's fields.

The terminal, the workbook, the CSV files and the e-mail show the same figures
under the same names and colours; they take them from here rather than each
keeping its own copy.
"""

from __future__ import annotations

from typing import Literal

from visit_audit.result import SUMMARY_FIELDS

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
    "late: visited, but after the due date; "
    "missed: the episode ended (or the count window closed) without the visit; "
    "overdue: past its due date and still not met on the as-of date"
)


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
