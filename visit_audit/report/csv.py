"""CSV output (README "CSV files", ``--csv DIR``): the lists and summaries for
Power BI, SharePoint or a spreadsheet.

One file per list: ``findings.csv``, ``overdue.csv``, ``due_soon.csv``,
``quality.csv``, ``rejected.csv``, ``by_team.csv``, ``by_worker.csv``. Each is
UTF-8 with a byte-order mark (so Excel reads it as UTF-8), one header row,
dates as ISO ``YYYY-MM-DD``, and text that begins with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return, which some spreadsheets skip before
reading a formula) prefixed with ``'`` so that opening the file never runs it.
Every file is written atomically, mode 0600.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from visit_audit.report.atomic import atomic_write_bytes
from visit_audit.result import (
    FINDING_COLUMNS,
    QUALITY_COLUMNS,
    REJECTED_COLUMNS,
    SUMMARY_FIELDS,
    UPCOMING_COLUMNS,
    AuditResult,
)

FILES = (
    "findings.csv",
    "overdue.csv",
    "due_soon.csv",
    "quality.csv",
    "rejected.csv",
    "by_team.csv",
    "by_worker.csv",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_COLUMNS = frozenset({"anchor_date", "due_date", "visit_date", "settled_date"})


def write_csv(result: AuditResult, folder: str | Path) -> list[Path]:
    """Write the seven CSV files into ``folder`` (made if missing); returns their paths."""
    from visit_audit.views.workers import WORKER_FIELDS, worker_summary

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    found = result.findings
    overdue = found.loc[found["status"] == "overdue"]
    overdue = overdue.sort_values("days_late", ascending=False, kind="stable")
    by_team = _table("team", (result.summary or {}).get("by_team", {}), SUMMARY_FIELDS)
    by_worker = _table("worker", worker_summary(result), WORKER_FIELDS)
    frames = {
        "findings.csv": found[list(FINDING_COLUMNS)],
        "overdue.csv": overdue[list(FINDING_COLUMNS)],
        "due_soon.csv": result.upcoming[list(UPCOMING_COLUMNS)],
        "quality.csv": result.quality[list(QUALITY_COLUMNS)],
        "rejected.csv": result.rejected[list(REJECTED_COLUMNS)],
        "by_team.csv": by_team,
        "by_worker.csv": by_worker,
    }
    return [_write(folder / name, frames[name]) for name in FILES]


def _table(label: str, rows: dict[str, dict], fields: tuple[str, ...]) -> pd.DataFrame:
    records = [{label: name, **{f: row.get(f) for f in fields}} for name, row in rows.items()]
    return pd.DataFrame(records, columns=[label, *fields])


def _write(path: Path, frame: pd.DataFrame) -> Path:
    text = safe_frame(frame).to_csv(index=False, lineterminator="\r\n", date_format="%Y-%m-%d")
    return atomic_write_bytes(path, text.encode("utf-8-sig"))


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO text and formula-like text prefixed with ``'``, column by column."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if column in DATE_COLUMNS or pd.api.types.is_datetime64_any_dtype(values.dtype):
            dates = pd.to_datetime(values)
            out[column] = dates.dt.strftime("%Y-%m-%d").where(dates.notna(), None)
        elif pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(
            values.dtype
        ):
            out[column] = values
        else:
            text = values.astype(object)
            present = text.notna()
            as_text = text.astype(str)
            risky = present & as_text.str.startswith(FORMULA_STARTS)
            out[column] = text.where(~present, as_text.where(~risky, "'" + as_text))
    return pd.DataFrame(out, columns=list(frame.columns))
