"""The audit result: one object every renderer (terminal, Excel, JSON) takes.

Frames hold dates as ``datetime64`` columns (NaT = absent). Renderers are
views of these frames, never recomputations. The deadlines frame (millions of
rows) holds its text as categoricals whose categories are sorted, so sorting
and grouping it work on small integer codes and still give text order; the
smaller frames (findings, upcoming, quality) hold plain text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from visit_audit.arrow import arrow_text

# Defined where no pandas import is needed to read them; still importable from here.
from visit_audit.columns import CASE_DATE_COLUMNS as CASE_DATE_COLUMNS
from visit_audit.columns import REJECTED_COLUMNS as REJECTED_COLUMNS
from visit_audit.columns import SUMMARY_FIELDS as SUMMARY_FIELDS

# Columns of the findings frame, in the order of the JSON result's findings.
FINDING_COLUMNS: tuple[str, ...] = (
    "child_id",
    "episode_id",
    "plan_type",
    "kind",  # initial | interval | count | milestone
    "requirement",
    "anchor_date",
    "due_date",
    "visit_date",
    "status",  # late | missed | overdue
    "days_late",
    "worker",
    "team",
)
# Every assessed deadline: the finding columns plus the day it was settled.
# status here is also "on_time" (met) or "pending" (not yet due / open).
DEADLINE_COLUMNS: tuple[str, ...] = FINDING_COLUMNS + ("settled_date",)
UPCOMING_COLUMNS: tuple[str, ...] = (
    "child_id",
    "episode_id",
    "plan_type",
    "kind",
    "requirement",
    "anchor_date",
    "due_date",
    "worker",
    "team",
)
QUALITY_COLUMNS: tuple[str, ...] = (
    "child_id",
    "episode_id",
    "plan_type",
    "visit_date",
    "check",  # seen_alone | at_home | bedroom_seen
    "value",  # "N" or None (not recorded)
    "worker",
    "team",
)
EPISODE_COLUMNS: tuple[str, ...] = (
    "child_id",
    "episode_id",
    "plan_type",
    "start_date",
    "end_date",
    "worker",
    "team",
)


def sorted_categorical(codes: np.ndarray, names: pd.Series | np.ndarray | list) -> pd.Categorical:
    """Text per row given as ``names[codes]`` (code -1 = missing), as a categorical
    whose categories are the used names, sorted, so that code order is text order.

    ``names`` may repeat a name or hold missing values. The names are hashed and
    sorted by Arrow (code point order, as Python sorts text); the rows only
    have their codes gathered.
    """
    names = arrow_text(names)
    present = codes if len(codes) == 0 or codes.min() >= 0 else codes[codes >= 0]
    used = np.flatnonzero(np.bincount(present, minlength=len(names)))
    used_names = names.take(pa.array(used))
    if isinstance(used_names, pa.ChunkedArray):  # a large column read in chunks
        used_names = used_names.combine_chunks()
    encoded = pc.dictionary_encode(used_names)
    distinct = encoded.dictionary
    order = pc.sort_indices(distinct).to_numpy()
    rank = np.full(len(order) + 1, -1, dtype=np.int32)  # the last: a missing name
    rank[order] = np.arange(len(order), dtype=np.int32)
    index = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    remap = np.full(len(names) + 1, -1, dtype=np.int32)  # the last: code -1 stays missing
    remap[used] = rank[index]
    categories = pd.Index(distinct.take(pa.array(order)).to_pandas())  # str, no Python objects
    return pd.Categorical.from_codes(remap[codes], categories=categories, validate=False)


def plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical columns as plain text (object, missing = NaN)."""
    cat = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not cat:
        return frame
    return frame.assign(**{c: frame[c].astype(object) for c in cat})


@dataclass(frozen=True)
class InputSummary:
    """One input file: what was read and what was rejected."""

    role: str  # "cases" | "visits"
    file: str  # name shown in outputs (the file's base name)
    path: str  # path as given on the command line
    sha256: str
    rows: int  # data rows read (header excluded)
    rejected: int

    @property
    def audited(self) -> int:
        return self.rows - self.rejected


@dataclass
class AuditResult:
    """Everything one audit run produced."""

    tool_version: str
    framework: str
    framework_title: str
    region: str
    as_of: dt.date
    period: tuple[dt.date, dt.date] | None
    run_at: dt.datetime
    inputs: list[InputSummary]
    deadlines: pd.DataFrame  # DEADLINE_COLUMNS, every assessed deadline
    findings: pd.DataFrame  # FINDING_COLUMNS (+ settled_date), by sort_findings
    upcoming: pd.DataFrame  # UPCOMING_COLUMNS
    quality: pd.DataFrame  # QUALITY_COLUMNS
    # {"by_plan_type": {pt: {SUMMARY_FIELDS...}}, "by_team": {team: {...}},
    #  "quality": {check: {"checked": n, "exceptions": n, "percent_passed": x}}}
    summary: dict
    rejected: pd.DataFrame  # REJECTED_COLUMNS
    warnings: list[str] = field(default_factory=list)
    # Values no rule recognised, per field ({"visit_type": {"Family Time": 3}}), most
    # common first: unrecognised visit types counted for nothing, plan types rejected.
    unrecognised: dict[str, dict[str, int]] = field(default_factory=dict)
    # With a history (README "Month to month"): the deadlines newly overdue, no longer
    # overdue and still overdue against the previous period, as the JSON "changes":
    # {"previous": {"from", "to"} | None, "newly_overdue": frame, "no_longer_overdue":
    # frame, "still_overdue": frame (+ "periods")}, each frame of the five key columns
    # (visit_audit.views.changes.KEY_COLUMNS).
    changes: dict | None = None
    # Local non-working days the working days skipped (the framework's [calendar]
    # closed and --closed-days), shown on the About sheet.
    closed_days: tuple[dt.date, ...] = ()
    # With --compare: {"framework": name, "summary": {...}}, the summary an audit of
    # the same extracts under that framework alone reports (README "Comparing frameworks").
    compare: dict | None = None
    # The framework's label of each plan type ({"child_protection": "Child Protection
    # Plan"}): what the workbook and the terminal show; the JSON keeps the names.
    plan_type_labels: dict[str, str] = field(default_factory=dict)
    # With a history: % on time of every recorded period of the framework, overall
    # (team None) and per team (visit_audit.history.TREND_COLUMNS), for the Trend sheet.
    trend: pd.DataFrame | None = None
    # What was read when it is not a pair of extracts (the SSD's tables, Annex A's
    # lists): one line for the terminal, the About sheet and the JSON "source".
    source: str | None = None
    # Each episode's last visit (child_id, episode_id, last_visit) where the
    # deadlines cannot tell it: an Annex A snapshot holds no met deadline, only
    # the date the list gives. None: worked out from the met deadlines.
    last_visits: pd.DataFrame | None = None
    # The audited episodes (EPISODE_COLUMNS), so that a view of one team or worker
    # (visit_audit.views.split) counts its episodes as the whole summary does.
    episodes: pd.DataFrame | None = None
