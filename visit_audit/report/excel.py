"""The Excel report (README "The Excel workbook"): one workbook a manager can open and act on.

The only module that writes the workbook (the one shortcut through xlsxwriter's
internals is in visit_audit/adapters/xlsxwriter_rows.py). Written with xlsxwriter in
``constant_memory`` mode, row by row, so a report of a million findings needs
little memory; values are prepared per column (vectorised) before the row loop.

Every text value from the extracts goes through ``write_string`` and the
workbook never converts strings to formulas, URLs or numbers, so a worker
named ``=HYPERLINK(...)`` stays text. The file is written atomically, mode 0600.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from visit_audit.adapters import xlsxwriter_rows as xlsx_rows
from visit_audit.report.atomic import atomic_write
from visit_audit.result import AuditResult
from visit_audit.views.labels import (
    COLUMN_LEGEND,
    GRADE_COLOURS,
    HEADERS,
    KIND_WORDS,
    NOT_RECORDED,
    QUALITY_CHECKS,
    QUALITY_VALUES,
    STATUS_LEGEND,
    STATUS_WORDS,
    SUMMARY_COUNTS,
    SUMMARY_HEADINGS,
    THRESHOLDS,
    plan_type_label,
    plan_types_worded,
    region_name,
    worded,
)
from visit_audit.views.labels import grade as grade_of
from visit_audit.views.lists import due_soon_list, empty_reasons, overdue_list

MAX_ROWS = 1_048_576  # Excel's row limit; a list sheet holds MAX_ROWS - 1 items under its header
MAX_WIDTH = 50
WIDTH_SAMPLE = 500  # values from each end of a column used to size it
DATE_FORMAT = "dd/mm/yyyy"
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_FIRST_SAFE_DAY = np.datetime64("1900-03-01", "D")  # before it, Excel's 1900 leap-year bug

# Overdue and Due soon first: what a manager acts on this week.
SHEETS = (
    "Summary",
    "Overdue",
    "Due soon",
    "Findings",
    "Quality",
    "Rejected rows",
    "Unrecognised values",
    "About",
)
SUMMARY_HEADERS = tuple(SUMMARY_HEADINGS[k] for k in (*SUMMARY_COUNTS, "percent_on_time"))
_SUMMARY_KEYS = SUMMARY_COUNTS

# The grades' colours (views.labels: Excel's own Good / Neutral / Bad), and an orange
# between Neutral and Bad.
GRADE_FORMATS = {g: {"bg_color": bg, "font_color": fg} for g, (bg, fg) in GRADE_COLOURS.items()}
ORANGE = {"bg_color": "#F8CBAD", "font_color": "#833C0B"}
STATUS_COLOURS = {
    "late": GRADE_FORMATS["amber"],
    "missed": ORANGE,
    "overdue": GRADE_FORMATS["red"],
}
CHART_COLOURS = {"green": "#63BE7B", "amber": "#FFC000", "red": "#F8696B"}


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str = "text"  # text | date | int | status


def _list(*spec: str | tuple[str, str]) -> tuple[Column, ...]:
    """Columns by the frame's column name (headers from views.labels.HEADERS), text by default."""
    out = []
    for item in spec:
        key, kind = (item, "text") if isinstance(item, str) else item
        out.append(Column(HEADERS[key], key, kind))
    return tuple(out)


_WHO = ("child_id", "episode_id", "plan_type")
_STAFF = ("worker", "team")
FINDINGS_COLUMNS = _list(
    *_WHO,
    "kind",
    "requirement",
    ("anchor_date", "date"),
    ("due_date", "date"),
    ("visit_date", "date"),
    ("status", "status"),
    ("days_late", "int"),
    *_STAFF,
)
# What a manager acts on: when it was due, how far past (or until) it is, when the
# child was last visited, and whose it is.
OVERDUE_COLUMNS = _list(
    *_WHO,
    "requirement",
    ("due_date", "date"),
    ("days_overdue", "int"),
    ("last_visit", "date"),
    *_STAFF,
)
DUE_SOON_COLUMNS = _list(
    *_WHO,
    "requirement",
    ("due_date", "date"),
    ("days_until_due", "int"),
    ("last_visit", "date"),
    *_STAFF,
)
QUALITY_SHEET_COLUMNS = _list(*_WHO, ("visit_date", "date"), "check", "recorded", *_STAFF)
REJECTED_SHEET_COLUMNS = _list("file", ("row", "int"), "reason")
UNRECOGNISED_SHEET_COLUMNS = _list("field", "value", ("records", "int"))
UNRECOGNISED_FIELDS = {"visit_type": "Visit type", "plan_type": "Plan type"}

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": DATE_FORMAT,
}


def write_report(
    result: AuditResult,
    path: str | Path,
    *,
    thresholds: tuple[float, float] = THRESHOLDS,
) -> Path:
    """Write the workbook to ``path`` atomically (mode 0600); returns the path."""
    return atomic_write(path, lambda fh: _write_workbook(result, fh, thresholds))


def workbook_bytes(result: AuditResult, *, thresholds: tuple[float, float] = THRESHOLDS) -> bytes:
    """The workbook as bytes (an e-mail attachment), as :func:`write_report` would write it."""
    import io

    buffer = io.BytesIO()
    _write_workbook(result, buffer, thresholds)
    return buffer.getvalue()


def _write_workbook(result: AuditResult, fh: BinaryIO, thresholds: tuple[float, float]) -> None:
    wb = xlsxwriter.Workbook(fh, WORKBOOK_OPTIONS)
    try:
        fmt = _Formats(wb)
        wb.set_properties(
            {
                "title": f"Visit audit: {result.framework_title or result.framework}",
                "subject": f"Statutory visits as of {result.as_of:%d/%m/%Y}",
                "author": "visit-audit",
                "comments": f"visit-audit {result.tool_version}",
                "created": _utc_naive(result.run_at),
            }
        )
        _summary_sheet(wb, fmt, result, thresholds)
        if result.compare is not None:
            _compare_sheet(wb, fmt, result, thresholds)
        empty = empty_reasons(result)
        labels = result.plan_type_labels

        def lists(name: str, columns: Sequence[Column], frame: pd.DataFrame, **kw) -> None:
            _list_sheets(wb, fmt, name, columns, _in_words(frame, labels), empty=empty[name], **kw)

        lists("Overdue", OVERDUE_COLUMNS, overdue_list(result), bars="days_overdue")
        lists("Due soon", DUE_SOON_COLUMNS, due_soon_list(result))
        if result.changes is not None:
            _changes_sheet(wb, fmt, result)
        if result.trend is not None:
            _trend_sheet(wb, fmt, result)
        lists("Findings", FINDINGS_COLUMNS, result.findings)
        q = result.quality
        quality = q.assign(
            check=worded(q["check"], QUALITY_CHECKS),
            recorded=q["value"].astype(object).replace(QUALITY_VALUES).fillna(NOT_RECORDED),
        )
        lists("Quality", QUALITY_SHEET_COLUMNS, quality)
        lists("Rejected rows", REJECTED_SHEET_COLUMNS, result.rejected)
        lists("Unrecognised values", UNRECOGNISED_SHEET_COLUMNS, _unrecognised(result))
        _about_sheet(wb, fmt, result, thresholds)
    finally:
        wb.close()  # also removes constant_memory temp files when a sheet failed


def _in_words(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Plan types, kinds and statuses as words: each distinct code looked up once."""
    words = {"kind": KIND_WORDS, "status": STATUS_WORDS}
    changes = {c: worded(frame[c], w) for c, w in words.items() if c in frame.columns}
    if "plan_type" in frame.columns:
        changes["plan_type"] = plan_types_worded(frame["plan_type"], labels)
    return frame.assign(**changes) if changes else frame


def _unrecognised(result: AuditResult) -> pd.DataFrame:
    """One row per field and value no rule recognised, most common first within a field."""
    rows = [
        (UNRECOGNISED_FIELDS.get(name, name), value, n)
        for name, counts in result.unrecognised.items()
        for value, n in counts.items()
    ]
    return pd.DataFrame(rows, columns=["field", "value", "records"]).astype(
        {"field": object, "value": object, "records": np.int64}
    )


# --- formats -----------------------------------------------------------------------------


class _Formats:
    def __init__(self, wb: Workbook) -> None:
        add = wb.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.section = add({"bold": True, "font_size": 12})
        header = {"bold": True, "bg_color": "#D9E1F2", "bottom": 1, "valign": "top"}
        self.header = add(header)
        self.header_centre = add({**header, "align": "center"})
        self.header_right = add({**header, "align": "right"})
        self.header_indent = add({**header, "align": "left", "indent": 1})
        self.indent = add({"align": "left", "indent": 1})
        self.date = add({"num_format": DATE_FORMAT, "align": "center"})
        self.about_date = add({"num_format": DATE_FORMAT, "align": "left"})
        self.number = add({"align": "center"})
        self.note = add({"italic": True, "font_color": "#595959", "indent": 1})
        self.datetime = add({"num_format": "dd/mm/yyyy hh:mm:ss", "align": "left"})
        self.label = add({"bold": True, "valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.left = add({"align": "left"})
        self.total = add({"bold": True, "top": 1, "num_format": "#,##0"})
        self.total_label = add({"bold": True, "top": 1})
        self.count = add({"num_format": "#,##0"})
        self.status = {STATUS_WORDS[s]: add(c) for s, c in STATUS_COLOURS.items()}
        self.empty = {"italic": True, "color": "#595959", "size": 11}
        self.grade = {name: add({**c, "num_format": "0.0%"}) for name, c in GRADE_FORMATS.items()}
        self.grade_total = {
            name: add({**c, "num_format": "0.0%", "bold": True, "top": 1})
            for name, c in GRADE_FORMATS.items()
        }
        self.percent = add({"num_format": "0.0%"})


# --- list sheets -------------------------------------------------------------------------


def _list_sheets(
    wb: Workbook,
    fmt: _Formats,
    name: str,
    columns: Sequence[Column],
    frame: pd.DataFrame,
    *,
    bars: str | None = None,
    empty: str = "",
) -> None:
    """Header in row 1, then one row per item; beyond Excel's limit on "Name (2)", … .

    An empty list says why (``empty``) in a text box under the header: a
    drawing, not a row, so the sheet still holds exactly one row per item.
    """
    per_sheet = MAX_ROWS - 1
    n = len(frame)
    sample = (
        frame if n <= 2 * WIDTH_SAMPLE else frame.iloc[np.r_[:WIDTH_SAMPLE, n - WIDTH_SAMPLE : n]]
    )
    widths = [_width(c, _prepare(sample[c.key], c.kind)) for c in columns]
    starts = range(0, n, per_sheet) if n else range(1)
    for part, start in enumerate(starts):
        ws = wb.add_worksheet(name if part == 0 else f"{name} ({part + 1})")
        stop = min(start + per_sheet, n)
        for col, w in enumerate(widths):
            ws.set_column(col, col, w)
        ws.freeze_panes(1, 0)
        _print_setup(ws)
        ws.repeat_rows(0)
        last_row = max(stop - start, 0)
        ws.autofilter(0, 0, last_row, len(columns) - 1)
        for col, c in enumerate(columns):
            centred = c.kind in ("date", "int")
            ws.write_string(0, col, c.header, fmt.header_centre if centred else fmt.header)
        _write_rows(ws, fmt, columns, frame, start, stop)
        if n == 0 and empty:
            _empty_note(ws, fmt, empty, widths)
        if bars is not None and stop > start:
            col = [c.key for c in columns].index(bars)
            bar = {"type": "data_bar", "bar_color": "#F8696B", "data_bar_2010": False}
            ws.conditional_format(1, col, last_row, col, bar)


def _empty_note(ws: Worksheet, fmt: _Formats, text: str, widths: Sequence[float]) -> None:
    width = max(360, min(int(sum(widths) * 7), 720))
    ws.insert_textbox(
        2,
        0,
        text,
        {
            "width": width,
            "height": 26,
            "x_offset": 4,
            "font": fmt.empty,
            "border": {"none": True},
            "fill": {"none": True},
            "object_position": 3,
        },
    )


def _write_rows(
    ws: Worksheet,
    fmt: _Formats,
    columns: Sequence[Column],
    frame: pd.DataFrame,
    start: int,
    stop: int,
) -> None:
    """Items ``start:stop`` as rows 2… of ``ws``, with a fixed format per column (or status).

    Values are converted a chunk at a time, so memory stays flat however many rows.
    """
    formats: list[tuple[Format | None, dict | None]] = []
    for c in columns:
        if c.kind == "date":
            formats.append((fmt.date, None))
        elif c.kind == "int":
            formats.append((fmt.number, None))
        elif c.kind == "status":
            formats.append((None, fmt.status))
        else:
            formats.append((None, None))
    chunks = _chunks(frame, columns, start, stop)
    if xlsx_rows.can_stream(ws):
        xlsx_rows.stream_rows(ws, len(columns), formats, chunks, stop - start)
    else:
        _write_cells(ws, columns, formats, chunks, start)


CHUNK_ROWS = 20_000


def _chunks(frame: pd.DataFrame, columns: Sequence[Column], start: int, stop: int):
    """``(first item, [column values])`` for each block of CHUNK_ROWS items."""
    for a in range(start, stop, CHUNK_ROWS):
        part = frame.iloc[a : min(a + CHUNK_ROWS, stop)]
        yield a - start, [_prepare(part[c.key], c.kind) for c in columns]


def _write_cells(ws, columns, formats, chunks, start) -> None:
    """The plain way: one xlsxwriter call per non-empty cell (about 7 µs each)."""
    writers = [
        _number_or_text(ws) if c.kind in ("date", "int") else ws.write_string for c in columns
    ]
    plan = list(zip(range(len(columns)), writers, formats, strict=True))
    for offset, values in chunks:
        for j in range(len(values[0])):
            row = offset + j + 1
            for col, write, (fixed, by_value) in plan:
                v = values[col][j]
                if v is None:
                    continue
                write(row, col, v, fixed if by_value is None else by_value.get(v))


def _number_or_text(ws: Worksheet) -> Callable:
    """Numbers with the column's format; a date too early for Excel arrives as ISO text."""

    def write(row: int, col: int, value, cell_format: Format | None) -> None:
        if type(value) is str:
            ws.write_string(row, col, value)
        else:
            ws.write_number(row, col, value, cell_format)

    return write


def _prepare(series: pd.Series, kind: str) -> list:
    """A column as a list of cell values (None = empty), converted once, without row loops."""
    if kind == "date":
        return _excel_dates(series)
    if kind == "int":
        if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
            return series.to_numpy(dtype="int64").tolist()
        numeric = pd.to_numeric(series, errors="coerce")
        out = numeric.astype(object).where(numeric.notna(), None)
        return [None if v is None else int(v) for v in out.tolist()]
    if isinstance(series.dtype, pd.CategoricalDtype):
        # Each category converted once; the rows only gather (code -1, missing: None).
        names = [str(c) for c in series.cat.categories.tolist()]
        text = np.array([*names, None], dtype=object)[series.cat.codes.to_numpy()]
        out = text.tolist()
        return [None if v == "" else v for v in out] if "" in names else out
    text = series.to_numpy(dtype=object, na_value=None)
    if not pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
        text = np.array([None if v is None else str(v) for v in text], dtype=object)
    out = text.tolist()
    return [None if v == "" else v for v in out] if "" in out else out


def _excel_dates(series: pd.Series) -> list:
    """Excel serial day numbers (real date cells once formatted), None for absent dates."""
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series.astype(object))
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)
    days = series.to_numpy(dtype="datetime64[D]")
    missing = np.isnat(days)
    serial = (days - _EXCEL_EPOCH).astype("int64").astype(object)
    serial[missing] = None
    early = ~missing & (days < _FIRST_SAFE_DAY)
    if early.any():
        serial[early] = days[early].astype(str).astype(object)
    return serial.tolist()


def _width(column: Column, sample: list) -> float:
    """Fit the header (plus the filter button) and a sample of values; capped at MAX_WIDTH."""
    longest = len(column.header) + 3
    if column.kind == "date":
        return max(longest, 12)
    for v in sample:
        if v is not None:
            longest = max(longest, len(str(v)) + 2)
    return min(longest, MAX_WIDTH)


# --- Summary -----------------------------------------------------------------------------


def _summary_sheet(
    wb: Workbook, fmt: _Formats, result: AuditResult, thresholds: tuple[float, float]
) -> None:
    ws = wb.add_worksheet("Summary")
    _print_setup(ws)
    summary = result.summary or {}
    overall = summary.get("overall")
    from visit_audit.views.workers import worker_summary

    workers = worker_summary(result)
    labels = result.plan_type_labels
    plan_names = {p: plan_type_label(p, labels) for p in summary.get("by_plan_type", {})}
    names = [
        *plan_names.values(),
        *summary.get("by_team", {}),
        *workers,
        _total_label(summary),
        "Whole authority",
    ]
    ws.set_column(0, 0, min(max([len("Plan type") + 2, *(len(str(n)) + 2 for n in names)]), 44))
    ws.set_column(1, len(SUMMARY_HEADERS), 11)
    ws.set_column(len(SUMMARY_HEADERS) + 1, len(SUMMARY_HEADERS) + 1, 3)
    title = f"Visit audit: {result.framework_title or result.framework}"
    if summary.get("part"):
        part = summary["part"]
        title += f" — {part['name']}" if part["by"] == "team" else f" — worker {part['name']}"
    ws.write_string(0, 0, title, fmt.title)
    ws.write_string(1, 0, _scope_line(result))
    row = 3
    charts: list[tuple[str, int, int, list[str]]] = []
    for title, key, label in (
        ("Compliance by plan type", "by_plan_type", "Plan type"),
        ("Compliance by team", "by_team", "Team"),
    ):
        rows = summary.get(key) or {}
        ws.write_string(row, 0, title, fmt.section)
        row += 1
        ws.write_string(row, 0, label, fmt.header)
        ws.write_row(row, 1, SUMMARY_HEADERS, fmt.header_right)
        row += 1
        if not rows:
            ws.write_string(row, 0, "No deadlines in scope.")
            row += 2
            continue
        first = row
        grades = []
        for name, stats in rows.items():
            shown = plan_names[name] if key == "by_plan_type" else str(name)
            grades.append(_write_stats(ws, fmt, row, shown, stats, thresholds, total=False))
            row += 1
        charts.append((title, first, row - 1, grades))
        part = summary.get("part")
        if overall is not None and not (key == "by_team" and part and part["by"] == "team"):
            _write_stats(ws, fmt, row, _total_label(summary), overall, thresholds, total=True)
            row += 1
        if summary.get("authority"):  # a team's workbook: the whole authority for context
            _write_stats(
                ws, fmt, row, "Whole authority", summary["authority"], thresholds, total=False
            )
            row += 1
        row += 1
    ws.write_string(row, 0, "Totals", fmt.section)
    row += 1
    status = result.findings["status"].value_counts() if len(result.findings) else {}
    n_quality = sum(int(q.get("exceptions", 0)) for q in (summary.get("quality") or {}).values())
    for label, value, meaning in (
        ("Late", int(status.get("late", 0)), "visited, but after the due date"),
        ("Missed", int(status.get("missed", 0)), "the episode ended without the visit"),
        (
            "Overdue",
            int(status.get("overdue", 0)),
            f"past due and not met on {result.as_of:%d/%m/%Y}: see the Overdue sheet",
        ),
        (
            "Due soon",
            len(result.upcoming),
            "due that day or in the next 10 working days: see the Due soon sheet",
        ),
        (
            "Quality exceptions",
            n_quality,
            "see the Quality sheet"
            if summary.get("quality")
            else "no quality checks in this framework",
        ),
        _rejected_line(result),
    ):
        ws.write_string(row, 0, label)
        ws.write_number(row, 1, value, fmt.count)
        ws.write_string(row, 2, meaning, fmt.note)
        row += 1
    row += 1
    good, fair = thresholds
    ws.write_string(
        row,
        0,
        f"% on time: green at or above {good:g}%, amber at or above {fair:g}%, "
        f"red below {fair:g}%. Each late, missed and overdue deadline is on the Findings sheet.",
    )
    # Last: one row per worker can run long, and the totals above are what is read first.
    _worker_table(ws, fmt, row + 2, workers, thresholds)

    anchor_col = len(SUMMARY_HEADERS) + 2
    anchor_row = 3
    for title, first, last, grades in charts:
        height = max(220, 90 + 26 * len(grades))
        chart = _bar_chart(wb, f"% on time — {title[len('Compliance ') :]}", first, last, grades)
        chart.set_size({"width": 600, "height": height})
        ws.insert_chart(anchor_row, anchor_col, chart, {"x_offset": 5, "y_offset": 5})
        anchor_row += math.ceil(height / 20) + 2


def _rejected_line(result: AuditResult) -> tuple[str, int, str]:
    """Rejected rows belong to the extract: a team's workbook counts the whole
    extract's and points to the whole-authority report, where they are listed."""
    part = (result.summary or {}).get("part")
    if part and "rejected" in part:
        return ("Rejected rows", int(part["rejected"]), "in the extracts: see the whole report")
    return ("Rejected rows", len(result.rejected), "left out of the audit: see Rejected rows")


def _total_label(summary: dict) -> str:
    part = summary.get("part")
    return f"Total: {part['name']}" if part else "Total"


WORKER_HEADERS = (
    "Episodes",
    "Deadlines",
    "On time",
    "Late",
    "Missed",
    "Overdue",
    "% on time",
    "Due soon",
)


def _worker_table(
    ws: Worksheet, fmt: _Formats, row: int, workers: dict, thresholds: tuple[float, float]
) -> int:
    """The By worker table (README "One workbook per team"): one row per worker; returns
    the next free row."""
    from visit_audit.views.workers import WORKER_FIELDS

    ws.write_string(row, 0, "By worker", fmt.section)
    row += 1
    ws.write_string(row, 0, "Worker", fmt.header)
    ws.write_row(row, 1, WORKER_HEADERS, fmt.header_right)
    row += 1
    if not workers:
        ws.write_string(row, 0, "No deadlines in scope.")
        return row + 2
    for name, stats in workers.items():
        ws.write_string(row, 0, name)
        for col, key in enumerate(WORKER_FIELDS, start=1):
            if key == "percent_on_time":
                pct = float(stats[key])
                ws.write_number(row, col, pct / 100.0, fmt.grade[grade_of(pct, thresholds)])
            else:
                ws.write_number(row, col, int(stats[key]), fmt.count)
        row += 1
    return row + 1


def _write_stats(
    ws: Worksheet,
    fmt: _Formats,
    row: int,
    name: str,
    stats: dict,
    thresholds: tuple[float, float],
    *,
    total: bool,
) -> str:
    ws.write_string(row, 0, name, fmt.total_label if total else None)
    return _write_figures(ws, fmt, row, 1, _SUMMARY_KEYS, stats, thresholds, total=total)


def _write_figures(
    ws: Worksheet,
    fmt: _Formats,
    row: int,
    first: int,
    keys: Sequence[str],
    stats: dict,
    thresholds: tuple[float, float],
    *,
    total: bool,
) -> str:
    """One summary row's counts (``keys``) from column ``first``, then its % on time
    graded (none: 100%); returns the grade."""
    for col, key in enumerate(keys, start=first):
        ws.write_number(row, col, int(stats.get(key, 0)), fmt.total if total else fmt.count)
    pct = stats.get("percent_on_time")
    pct = 100.0 if pct is None or pd.isna(pct) else float(pct)
    grade = grade_of(pct, thresholds)
    formats = fmt.grade_total if total else fmt.grade
    ws.write_number(row, first + len(keys), pct / 100.0, formats[grade])
    return grade


def _bar_chart(wb: Workbook, title: str, first: int, last: int, grades: list[str]):
    chart = wb.add_chart({"type": "bar"})
    pct_col = len(_SUMMARY_KEYS) + 1
    chart.add_series(
        {
            "name": "% on time",
            "categories": ["Summary", first, 0, last, 0],
            "values": ["Summary", first, pct_col, last, pct_col],
            "points": [{"fill": {"color": CHART_COLOURS[g]}} for g in grades],
            "data_labels": {"value": True, "num_format": "0.0%"},
            "gap": 60,
        }
    )
    chart.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})  # first row at the top, as in the table
    return chart


def _scope_line(result: AuditResult) -> str:
    text = f"As of {result.as_of:%d/%m/%Y}"
    if result.period is not None:
        lo, hi = result.period
        text += f"; period {lo:%d/%m/%Y} to {hi:%d/%m/%Y}"
    else:
        text += "; every deadline up to that day"
    return f"{text}; framework {result.framework}; {region_name(result.region)} bank holidays"


# --- About -------------------------------------------------------------------------------


def _about_sheet(
    wb: Workbook, fmt: _Formats, result: AuditResult, thresholds: tuple[float, float]
) -> None:
    ws = wb.add_worksheet("About")
    _print_setup(ws)
    widths = (16, 36, 11, 11, 11, 68)
    for col, w in enumerate(widths):
        ws.set_column(col, col, w)
    row = 0

    def pair(label: str, value, cell_format: Format | None = None) -> None:
        nonlocal row
        ws.write_string(row, 0, label, fmt.label)
        if isinstance(value, str):
            ws.write_string(row, 1, value, cell_format)
        else:
            ws.write_number(row, 1, value, cell_format)
        row += 1

    def note(label: str, text: str) -> None:
        """A long line over columns B:F, tall enough for its wrapped text."""
        nonlocal row
        lines = max(1, math.ceil(len(text) / (sum(widths[1:]) * 0.9)))
        ws.set_row(row, 15 * lines)
        ws.write_string(row, 0, label, fmt.label)
        ws.merge_range(row, 1, row, len(widths) - 1, "", fmt.wrap)
        ws.write_string(row, 1, text, fmt.wrap)
        row += 1

    ws.write_string(row, 0, "About this report", fmt.title)
    row += 2
    pair("Framework", result.framework)
    pair("Title", result.framework_title or "")
    pair("Region", region_name(result.region))
    if result.closed_days:
        pair(
            "Closed days",
            ", ".join(f"{d:%d/%m/%Y}" for d in result.closed_days)
            + " (skipped as bank holidays are, for working days only)",
        )
    pair("As of", _serial(result.as_of), fmt.about_date)
    if result.period is not None:
        pair("Period from", _serial(result.period[0]), fmt.about_date)
        pair("Period to", _serial(result.period[1]), fmt.about_date)
    else:
        pair("Period", "none: every deadline up to the as-of date")
    pair("Tool version", f"visit-audit {result.tool_version}")
    pair("Run at (UTC)", _serial(result.run_at), fmt.datetime)
    row += 1
    ws.write_string(row, 0, "Inputs", fmt.section)
    row += 1
    ws.write_row(row, 0, ["Extract", "File"], fmt.header)
    ws.write_row(row, 2, ["Rows read", "Audited", "Rejected"], fmt.header_right)
    ws.write_string(row, 5, "SHA-256", fmt.header_indent)
    row += 1
    for i in result.inputs:
        ws.write_string(row, 0, i.role)
        ws.write_string(row, 1, i.file)
        for col, n in enumerate((i.rows, i.audited, i.rejected), start=2):
            ws.write_number(row, col, int(n), fmt.count)
        ws.write_string(row, 5, i.sha256, fmt.indent)
        row += 1
    row += 1
    if result.source:
        note("Source", result.source)
    good, fair = thresholds
    note("Statuses", STATUS_LEGEND)
    note("Columns", COLUMN_LEGEND)
    note(
        "Colours", f"% on time: green at or above {good:g}%, amber at or above {fair:g}%, red below"
    )
    for warning in result.warnings:
        note("Warning", str(warning))


def _print_setup(ws: Worksheet) -> None:
    """Printed, a sheet is landscape A4 and one page wide."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _serial(value: dt.date | dt.datetime) -> float:
    """Excel's day number for a date or (UTC) date and time."""
    if isinstance(value, dt.datetime):
        value = _utc_naive(value)
        midnight = dt.datetime(1899, 12, 30)
        return (value - midnight).total_seconds() / 86400.0
    return float((value - dt.date(1899, 12, 30)).days)


def _utc_naive(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


# --- Compare (--compare) -----------------------------------------------------------------

COMPARE_KEYS = ("deadlines", "on_time", "late", "missed", "overdue", "percent_on_time")


def _compare_sheet(
    wb: Workbook, fmt: _Formats, result: AuditResult, thresholds: tuple[float, float]
) -> None:
    """Both frameworks' summaries side by side, per plan type and overall (README
    "Comparing frameworks")."""
    ws = wb.add_worksheet("Compare")
    _print_setup(ws)
    compare = result.compare or {}
    mine, theirs = result.summary or {}, compare.get("summary") or {}
    names = {"A": result.framework, "B": str(compare.get("framework", ""))}
    width = len(COMPARE_KEYS)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 2 * width, 11)
    ws.write_string(0, 0, f"Compared: A = {names['A']}, B = {names['B']}", fmt.title)
    ws.write_string(
        1,
        0,
        "The same extracts audited under each framework; B's figures are those an audit "
        "under B alone reports.",
    )
    ws.merge_range(3, 1, 3, width, f"A: {names['A']}", fmt.header_centre)
    ws.merge_range(3, width + 1, 3, 2 * width, f"B: {names['B']}", fmt.header_centre)
    ws.write_string(4, 0, "Plan type", fmt.header)
    headings = [SUMMARY_HEADINGS[k] for k in COMPARE_KEYS]
    ws.write_row(4, 1, headings * 2, fmt.header_right)
    ws.freeze_panes(5, 1)
    a_rows, b_rows = mine.get("by_plan_type") or {}, theirs.get("by_plan_type") or {}
    row = 5
    rows = [(n, a_rows.get(n), b_rows.get(n), False) for n in dict.fromkeys([*a_rows, *b_rows])]
    rows.append(("Total", mine.get("overall"), theirs.get("overall"), True))
    for name, a, b, total in rows:
        label = str(name) if total else plan_type_label(name, result.plan_type_labels)
        ws.write_string(row, 0, label, fmt.total_label if total else None)
        for first, stats in ((1, a), (width + 1, b)):
            if stats is None:
                ws.write_string(row, first, "no rule", fmt.note)
                continue
            _write_figures(ws, fmt, row, first, COMPARE_KEYS[:-1], stats, thresholds, total=total)
        row += 1


# --- history: Changes and Trend ----------------------------------------------------------

CHANGES_COLUMNS = _list(
    "change",
    *_WHO,
    "kind",
    ("due_date", "date"),
    ("periods", "int"),
    "now",
    ("days_overdue", "int"),
    *_STAFF,
)
CHANGE_NAMES = {
    "newly_overdue": "Newly overdue",
    "still_overdue": "Still overdue",
    "no_longer_overdue": "No longer overdue",
}
NOT_ASSESSED = "Not in this run"  # the deadline's episode was not audited this time
TREND_SHEET = "Trend"
# Ten colours told apart in print and by most colour-blind readers (Tableau 10),
# then the same colours again with another marker.
TREND_COLOURS = (
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
    "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC",
)  # fmt: skip
TREND_MARKERS = ("circle", "square", "diamond", "triangle")


def _changes_sheet(wb: Workbook, fmt: _Formats, result: AuditResult) -> None:
    """**Changes**: the deadlines newly overdue, still overdue (for how many
    periods running) and no longer overdue since the previous period, each with
    what it is now and its worker and team in this run, where this run assessed it."""
    from visit_audit.views.changes import with_staff
    from visit_audit.views.labels import period_label

    changes = result.changes or {}
    parts = []
    for name, label in CHANGE_NAMES.items():
        keys = changes[name]
        if "periods" not in keys:
            keys = keys.assign(periods=1 if name == "newly_overdue" else np.nan)
        rows = with_staff(keys, result.deadlines)
        status = rows["status"].astype(object)
        parts.append(
            rows.assign(
                change=label,
                now=status.map(STATUS_WORDS).where(status.notna(), NOT_ASSESSED),
                days_overdue=rows["days_late"].where(status == "overdue"),
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.assign(periods=pd.to_numeric(frame["periods"]).astype("Float64"))
    previous = changes.get("previous")
    if previous is None:
        empty = (
            "No earlier period of this framework is in the history: the changes start with "
            "the next period recorded."
        )
    else:
        lo, hi = (dt.date.fromisoformat(previous[k]) for k in ("from", "to"))
        empty = f"No deadline became overdue, stayed overdue or stopped being overdue since {period_label(lo, hi)}."
    frame = _in_words(frame.drop(columns="status"), result.plan_type_labels)
    _list_sheets(wb, fmt, "Changes", CHANGES_COLUMNS, frame, empty=empty)


def _trend_sheet(wb: Workbook, fmt: _Formats, result: AuditResult) -> None:
    """**Trend**: % on time per recorded period, for all teams and for each
    team, as a table and a native line chart."""
    from visit_audit.views.changes import ALL_TEAMS, trend_by_team
    from visit_audit.views.labels import period_label

    table = trend_by_team(result.trend)
    names = [c for c in table.columns if c not in ("period_from", "period_to")]
    labels = [
        period_label(dt.date.fromisoformat(lo), dt.date.fromisoformat(hi))
        for lo, hi in zip(table["period_from"], table["period_to"], strict=True)
    ]
    ws = wb.add_worksheet(TREND_SHEET)
    _print_setup(ws)
    first_width = max([10, *(len(p) + 2 for p in labels)])
    ws.set_column(0, 0, first_width)
    ws.set_column(1, len(names), 13)
    table_pixels = first_width * 7 + 5 + len(names) * (13 * 7 + 5)
    ws.write_string(0, 0, "% on time by period", fmt.title)
    ws.write_string(
        1,
        0,
        f"Every period of framework {result.framework} recorded in the history, oldest first; "
        "blank where a team had no deadline in the period.",
    )
    chart_rows = 22
    head = 3 + chart_rows
    header = {"bold": True, "bg_color": "#D9E1F2", "bottom": 1, "text_wrap": True}
    ws.write_string(head, 0, "Period", wb.add_format({**header, "valign": "bottom"}))
    right = wb.add_format({**header, "valign": "bottom", "align": "right"})
    for col, name in enumerate(names, start=1):
        ws.write_string(head, col, str(name), right)
    longest = max([len(str(n)) for n in names] or [1])
    ws.set_row(head, 15 * min(4, math.ceil(longest / 11)))
    lows = []
    for i, row in enumerate(table.itertuples(index=False), start=head + 1):
        ws.write_string(i, 0, labels[i - head - 1])
        for col, value in enumerate(row[2:], start=1):
            if value is not None and not pd.isna(value):
                ws.write_number(i, col, float(value) / 100.0, fmt.percent)
                lows.append(float(value))
    last = head + len(table)
    ws.freeze_panes(head + 1, 1)
    if not len(table) or not names:  # no period with a deadline: nothing to draw
        return
    chart = wb.add_chart({"type": "line"})
    for col, name in enumerate(names, start=1):
        overall = name == ALL_TEAMS
        colour = "#000000" if overall else TREND_COLOURS[(col - 2) % len(TREND_COLOURS)]
        shape = "circle" if overall else TREND_MARKERS[(col - 2) // len(TREND_COLOURS) % 4]
        chart.add_series(
            {
                "name": [TREND_SHEET, head, col],
                "categories": [TREND_SHEET, head + 1, 0, last, 0],
                "values": [TREND_SHEET, head + 1, col, last, col],
                "line": {"color": colour, "width": 3.0 if overall else 1.5},
                "marker": {
                    "type": shape,
                    "size": 6 if overall else 5,
                    "fill": {"color": colour},
                    "border": {"color": colour},
                },
                "data_labels": {
                    "value": True,
                    "num_format": "0.0%",
                    "position": "above",
                    "font": {"size": 10, "bold": True},
                }
                if overall
                else {},
            }
        )
    floor = max(0.0, math.floor((min(lows, default=100.0) - 5) / 10.0) * 10.0)
    chart.set_title({"name": "% on time per period", "name_font": {"size": 14, "bold": True}})
    chart.set_y_axis(
        {
            "min": floor / 100.0,
            "max": 1,
            "num_format": "0%",
            "num_font": {"size": 11},
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
        }
    )
    chart.set_x_axis({"num_font": {"size": 11}})
    chart.set_legend({"position": "right", "font": {"size": 11}})
    chart.show_blanks_as("gap")
    chart.set_size({"width": max(720, table_pixels), "height": 20 * chart_rows})
    ws.insert_chart(3, 0, chart, {"x_offset": 5, "y_offset": 0})
