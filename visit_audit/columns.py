"""Column names shared by the loaders, the frameworks and the result.

Kept free of pandas (and of anything that imports it), so that the raw CSV
reader and the framework loader can be imported, and start work, while pandas
is still being imported.
"""

from __future__ import annotations

# Date columns of the canonical cases frame (README, "Input format": Cases).
CASE_DATE_COLUMNS: tuple[str, ...] = (
    "start_date",
    "end_date",
    "date_of_birth",
    "first_review_date",
    "reduced_frequency_date",
    "decision_date",
)
# Columns of the rejected-rows frame.
REJECTED_COLUMNS: tuple[str, ...] = ("file", "row", "reason")
# The figures of every summary row, in JSON order.
SUMMARY_FIELDS: tuple[str, ...] = (
    "episodes",
    "children",
    "deadlines",
    "on_time",
    "late",
    "missed",
    "overdue",
    "percent_on_time",
)
