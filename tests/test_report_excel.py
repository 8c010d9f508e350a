"""The Excel report, read back with openpyxl and compared with a golden structure (never bytes).

Set UPDATE_GOLDEN=1 to rewrite tests/golden/excel_structure.json after an intended change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from report_fixtures import EVIL, big_findings, make_result

import visit_audit.report.excel as excel
from visit_audit.adapters import xlsxwriter_rows as xlsx_rows
from visit_audit.errors import InputError
from visit_audit.result import FINDING_COLUMNS, QUALITY_COLUMNS, REJECTED_COLUMNS

GOLDEN = Path(__file__).parent / "golden" / "excel_structure.json"
LIST_SHEETS = ("Findings", "Overdue", "Due soon", "Quality", "Rejected rows")


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _colour(cell) -> str | None:
    rgb = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type else None
    return rgb if isinstance(rgb, str) else None


def workbook_structure(path: Path) -> dict:
    """What a reader sees: sheets, headers, cell types and formats, panes, filters, charts."""
    wb = openpyxl.load_workbook(path)
    out: dict = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        sheet: dict = {
            "max_row": ws.max_row,
            "max_column": ws.max_column,
            "freeze_panes": ws.freeze_panes,
            "autofilter": ws.auto_filter.ref,
            "charts": [type(c).__name__ for c in ws._charts],
        }
        if ws.title in LIST_SHEETS or ws.title.split(" (")[0] in LIST_SHEETS:
            header = [c.value for c in ws[1]]
            sheet["header"] = header
            types: dict[str, set] = {h: set() for h in header}
            formats: dict[str, set] = {h: set() for h in header}
            fills: dict[str, set] = {h: set() for h in header}
            rows = []
            for row in ws.iter_rows(min_row=2):
                rows.append([_plain(c.value) for c in row])
                for h, c in zip(header, row, strict=True):
                    if c.value is None:
                        continue
                    types[h].add(type(c.value).__name__)
                    formats[h].add(c.number_format)
                    if (rgb := _colour(c)) is not None:
                        fills[h].add(f"{c.value}={rgb}")
            sheet["types"] = {h: sorted(v) for h, v in types.items()}
            sheet["number_formats"] = {h: sorted(v) for h, v in formats.items()}
            sheet["fills"] = {h: sorted(v) for h, v in fills.items() if v}
            sheet["rows"] = rows
        else:
            sheet["cells"] = [
                [_plain(c.value) for c in row]
                for row in ws.iter_rows()
                if any(c.value is not None for c in row)
            ]
            sheet["fills"] = sorted(
                f"{c.coordinate}={_colour(c)}" for row in ws.iter_rows() for c in row if _colour(c)
            )
            sheet["date_cells"] = sorted(
                f"{c.coordinate}={c.number_format}"
                for row in ws.iter_rows()
                for c in row
                if isinstance(c.value, dt.datetime)
            )
        out[ws.title] = sheet
    return out


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.xlsx"
    excel.write_report(make_result(), path)
    return path


def test_workbook_structure_matches_golden(report: Path):
    got = json.loads(json.dumps(workbook_structure(report)))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_sheets_overdue_and_due_soon_first_with_a_chart_on_summary(report: Path):
    """README "The Excel workbook" names the sheets; a manager acts on Overdue and Due soon,
    so they come first after the Summary."""
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == list(excel.SHEETS)
    assert wb.sheetnames[:4] == ["Summary", "Overdue", "Due soon", "Findings"]
    assert len(wb["Summary"]._charts) == 2  # by plan type and by team
    assert wb.active.title == "Summary"


def test_formula_text_from_extracts_stays_text(report: Path):
    wb = openpyxl.load_workbook(report)
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} became a formula"
                if c.value == EVIL:
                    assert c.data_type == "s"
                    seen += 1
    assert seen == 6  # 2 findings, 1 overdue, 1 due soon, 1 quality exception, By worker


def test_list_sheets_have_one_row_per_item_frozen_header_and_filter(report: Path):
    result = make_result()
    wb = openpyxl.load_workbook(report)
    expected = {
        "Findings": (len(result.findings), len(FINDING_COLUMNS)),
        "Overdue": (int((result.findings["status"] == "overdue").sum()), 9),
        "Due soon": (len(result.upcoming), 9),
        "Quality": (len(result.quality), len(QUALITY_COLUMNS)),
        "Rejected rows": (len(result.rejected), len(REJECTED_COLUMNS)),
    }
    for name, (rows, cols) in expected.items():
        ws = wb[name]
        assert ws.max_row == rows + 1, name
        assert ws.freeze_panes == "A2", name
        last = openpyxl.utils.get_column_letter(cols)
        assert ws.auto_filter.ref == f"A1:{last}{rows + 1}", name
        for col in range(1, cols + 1):
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width
            assert len(str(ws.cell(1, col).value)) < width <= excel.MAX_WIDTH, (name, col)


def test_findings_match_the_frame_in_order_with_real_dates(report: Path):
    result = make_result()
    ws = openpyxl.load_workbook(report)["Findings"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == list(result.findings["child_id"])
    for r, (_, f) in zip(rows, result.findings.iterrows(), strict=True):
        assert r[6] == f["due_date"].to_pydatetime()
        assert r[7] == (None if pd.isna(f["visit_date"]) else f["visit_date"].to_pydatetime())
        assert r[9] == f["days_late"] and isinstance(r[9], int)
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=8):
        for c in row:
            if c.value is not None:
                assert isinstance(c.value, dt.datetime) and c.number_format == "dd/mm/yyyy"


def test_overdue_sheet_most_days_late_first(report: Path):
    ws = openpyxl.load_workbook(report)["Overdue"]
    days = [r[5] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert days == sorted(days, reverse=True) and days[0] == 64


def test_status_cells_graded_by_severity(report: Path):
    ws = openpyxl.load_workbook(report)["Findings"]
    colours = {r[8].value: _colour(r[8]) for r in ws.iter_rows(min_row=2)}
    assert colours == {"Overdue": "FFFFC7CE", "Missed": "FFF8CBAD", "Late": "FFFFEB9C"}


def test_summary_percent_on_time_graded_by_thresholds(report: Path):
    ws = openpyxl.load_workbook(report)["Summary"]
    graded = {
        ws.cell(r, 1).value: (ws.cell(r, 9).value, _colour(ws.cell(r, 9)))
        for r in range(1, ws.max_row + 1)
        if isinstance(ws.cell(r, 9).value, float)
    }
    assert graded["Child Protection Plan"] == (0.951, "FFC6EFCE")  # green at 95%+
    assert graded["Child in Need"] == (0.818, "FFFFEB9C")  # amber at 80%+
    assert graded["Looked after"] == (0.6, "FFFFC7CE")  # red below
    assert ws.cell(6, 9).number_format == "0.0%"


def test_file_is_private_to_its_owner(report: Path):
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_sheet_over_the_row_limit_continues_on_a_second(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 4)  # a header and 3 items per sheet
    path = tmp_path / "r.xlsx"
    result = make_result()
    excel.write_report(result, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "Summary",
        "Overdue",
        "Due soon",
        "Findings",
        "Findings (2)",
        "Findings (3)",
        "Quality",
        "Rejected rows",
        "Unrecognised values",
        "About",
    ]
    ids = []
    for name in ("Findings", "Findings (2)", "Findings (3)"):
        ws = wb[name]
        assert [c.value for c in ws[1]][0] == "Child ID"
        assert ws.freeze_panes == "A2"
        assert ws.max_row <= 4
        assert ws.auto_filter.ref == f"A1:L{ws.max_row}"
        ids += [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert ids == list(result.findings["child_id"])


def test_empty_lists_give_header_only_sheets(tmp_path: Path):
    result = make_result()
    result.findings = result.findings.iloc[0:0]
    result.upcoming = result.upcoming.iloc[0:0]
    result.quality = result.quality.iloc[0:0]
    result.rejected = pd.DataFrame({c: pd.Series(dtype=object) for c in REJECTED_COLUMNS})
    result.summary = {}
    path = tmp_path / "empty.xlsx"
    excel.write_report(result, path)
    wb = openpyxl.load_workbook(path)
    for name in LIST_SHEETS:
        assert wb[name].max_row == 1
        assert wb[name].freeze_panes == "A2"
    assert wb["Findings"].auto_filter.ref == "A1:L1"
    assert wb["Summary"]._charts == []


def test_failure_mid_write_leaves_no_file_and_no_temp_files(tmp_path: Path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(excel, "_about_sheet", boom)
    with pytest.raises(RuntimeError):
        excel.write_report(make_result(), tmp_path / "r.xlsx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # a whole audit (or several)
def test_failure_leaves_an_existing_report_untouched(tmp_path: Path, monkeypatch):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"last month's report")
    monkeypatch.setattr(excel, "_list_sheets", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        excel.write_report(make_result(), path)
    assert path.read_bytes() == b"last month's report"
    assert list(tmp_path.iterdir()) == [path]


def test_missing_folder_is_one_clear_error(tmp_path: Path):
    with pytest.raises(InputError, match="does not exist"):
        excel.write_report(make_result(), tmp_path / "nope" / "r.xlsx")


def _cells(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): (
            c.value,
            c.data_type,
            c.number_format,
            _colour(c),
            c.font.color.rgb if c.font and c.font.color else None,
            c.alignment.horizontal,
        )
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
    }


@pytest.mark.slow  # a whole audit (or several)
def test_fast_row_writer_gives_the_same_workbook_as_the_plain_one(tmp_path: Path, monkeypatch):
    """The streamed rows must read back exactly as xlsxwriter's own cell-by-cell writing."""
    found = big_findings(300)
    tricky = [
        " leading and trailing ",
        "a & b <c> \"d\" 'e'",
        "tab\there\nnewline",
        "bell\x07 and esc\x1b",
        "_x0041_ literal escape",
        "\ufffe non-character",
        "Zoë Ñúñez 🙂",
        "x" * 40_000,  # over Excel's 32,767 characters a cell
        EVIL,
    ]
    for i, text in enumerate(tricky):
        found.loc[i, "worker"] = text
    found.loc[20, "team"] = None
    found.loc[21, "anchor_date"] = pd.Timestamp("1899-06-01")  # before Excel's calendar
    result = make_result(findings=found)
    monkeypatch.setattr(excel, "CHUNK_ROWS", 7)  # many chunk boundaries
    monkeypatch.setattr(excel, "MAX_ROWS", 200)  # and a second Findings sheet
    excel.write_report(result, tmp_path / "fast.xlsx")
    monkeypatch.setattr(xlsx_rows, "FAST", False)
    excel.write_report(result, tmp_path / "plain.xlsx")
    fast, plain = _cells(tmp_path / "fast.xlsx"), _cells(tmp_path / "plain.xlsx")
    assert fast == plain
    assert ("Findings (2)", "A102") in fast and ("Findings (2)", "A103") not in fast
    assert fast[("Findings", "K2")][0] == " leading and trailing "
    assert fast[("Findings", "A23")][0] == found.loc[21, "child_id"]
    assert fast[("Findings", "F23")][:2] == ("1899-06-01", "s")


@pytest.mark.slow  # a whole audit (or several)
def test_many_findings_write_row_by_row(tmp_path: Path):
    found = big_findings(5_000)
    path = tmp_path / "big.xlsx"
    excel.write_report(make_result(findings=found), path)
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb["Findings"].max_row == 5_001
    last = next(wb["Findings"].iter_rows(min_row=5_001, values_only=True))
    assert last[0] == found["child_id"].iloc[-1]
    assert last[6] == found["due_date"].iloc[-1].to_pydatetime()


# --- what a manager sees -----------------------------------------------------------------

CODES = {
    "child_protection",
    "child_in_need",
    "looked_after",
    "missing_episode",
    "late",
    "missed",
    "overdue",
    "on_time",
    "pending",
    "initial",
    "interval",
    "count",
    "milestone",
    "seen_alone",
    "at_home",
    "bedroom_seen",
}


def test_plan_types_kinds_and_statuses_are_words_in_every_sheet(report: Path):
    wb = openpyxl.load_workbook(report)
    codes = [
        (ws.title, c.coordinate, c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value in CODES
    ]
    assert codes == []
    findings = [r for r in wb["Findings"].iter_rows(min_row=2, values_only=True)]
    assert {r[2] for r in findings} == {
        "Child Protection Plan",  # the framework's label
        "Child in Need",
        "Looked after",  # no label in the framework: the name in words
        "Missing episode",
    }
    assert {r[3] for r in findings} == {
        "Initial visit",
        "Regular visit",
        "Visit count",
        "Milestone",
    }
    assert {r[8] for r in findings} == {"Late", "Missed", "Overdue"}


def test_headers_are_a_managers_words(report: Path):
    wb = openpyxl.load_workbook(report)
    assert [c.value for c in wb["Findings"][1]] == [
        "Child ID",
        "Episode ID",
        "Plan type",
        "Rule",
        "Requirement",
        "Counted from",
        "Due date",
        "Visit date",
        "Status",
        "Days late",
        "Worker",
        "Team",
    ]
    tail = ["Requirement", "Due date", None, "Last visit", "Worker", "Team"]
    assert [c.value for c in wb["Overdue"][1]][3:] == [*tail[:2], "Days overdue", *tail[3:]]
    assert [c.value for c in wb["Due soon"][1]][3:] == [*tail[:2], "Days until due", *tail[3:]]


def test_overdue_and_due_soon_show_last_visit_and_days(report: Path):
    wb = openpyxl.load_workbook(report)
    overdue = {r[0]: r for r in wb["Overdue"].iter_rows(min_row=2, values_only=True)}
    # E100's last counted visit met the deadline due 14 Aug; due 28 Aug, 64 days past at 31 Oct.
    assert overdue["0012345"][4:7] == (dt.datetime(2026, 8, 28), 64, dt.datetime(2026, 8, 14))
    assert overdue["C1001"][6] is None  # never visited: no last visit
    due = {r[1]: r for r in wb["Due soon"].iter_rows(min_row=2, values_only=True)}
    # Due Tue 3 Nov 2026, three calendar days after Sat 31 Oct; last visit the late initial one.
    assert due["E200"][4:7] == (dt.datetime(2026, 11, 3), 3, dt.datetime(2026, 10, 2))
    assert due["E101"][5:7] == (13, None)
    for name in ("Overdue", "Due soon"):
        assert wb[name]["G2"].number_format == "dd/mm/yyyy"


def _drawing_texts(path: Path) -> dict[str, str]:
    """The text of each sheet's text boxes, by sheet name (openpyxl does not read them)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        names = re.findall(
            r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"',
            z.read("xl/workbook.xml").decode(),
        )
        rels = dict(
            re.findall(
                r'Id="(rId\d+)"[^>]*Target="([^"]+)"', z.read("xl/_rels/workbook.xml.rels").decode()
            )
        )
        out = {}
        for name, rid in names:
            sheet = rels[rid].split("/")[-1]
            rel = f"xl/worksheets/_rels/{sheet}.rels"
            if rel not in z.namelist():
                continue
            for target in re.findall(r'Target="\.\./drawings/([^"]+)"', z.read(rel).decode()):
                xml = z.read(f"xl/drawings/{target}").decode()
                text = "".join(re.findall(r"<a:t>([^<]*)</a:t>", xml))
                if text:  # a chart's drawing holds no text
                    out[name] = text
        return out


def test_an_empty_sheet_says_why_and_still_has_no_item_rows(tmp_path: Path):
    result = make_result(period=None)
    result.findings = result.findings.iloc[0:0]
    result.upcoming = result.upcoming.iloc[0:0]
    result.quality = result.quality.iloc[0:0]
    result.rejected = result.rejected.iloc[0:0]
    result.summary = {**result.summary, "quality": {}}
    path = tmp_path / "empty.xlsx"
    excel.write_report(result, path)
    notes = _drawing_texts(path)
    assert notes == {
        "Overdue": "Nothing overdue at 31/10/2026.",
        "Due soon": "Nothing due on 31/10/2026 or in the 10 working days after it.",
        "Findings": "No late, missed or overdue deadlines up to 31/10/2026.",
        "Quality": "No quality checks in this framework (barnsley).",
        "Rejected rows": "No rows were rejected: every input row was audited.",
        "Unrecognised values": "Every visit type and plan type was recognised.",
    }
    wb = openpyxl.load_workbook(path)
    for name in notes:
        assert wb[name].max_row == 1, name  # the note is a drawing, not a row


def test_empty_quality_sheet_with_checks_says_none_failed(tmp_path: Path):
    result = make_result()
    result.quality = result.quality.iloc[0:0]
    excel.write_report(result, tmp_path / "r.xlsx")
    notes = _drawing_texts(tmp_path / "r.xlsx")
    assert notes["Quality"] == "No quality exceptions: every visit checked was answered Yes."
    assert "Findings" not in notes and "Overdue" not in notes


@pytest.mark.slow  # a whole audit (or several)
def test_list_sheets_take_the_streaming_row_writer(tmp_path: Path, monkeypatch):
    """Words come from the categories, so the large sheets still stream their rows."""
    streamed: list[int] = []
    real = excel.xlsx_rows.stream_rows

    def counting(ws, n_columns, formats, chunks, n):
        streamed.append(n)
        return real(ws, n_columns, formats, chunks, n)

    monkeypatch.setattr(excel.xlsx_rows, "stream_rows", counting)
    found = big_findings(3_000)
    excel.write_report(make_result(findings=found), tmp_path / "big.xlsx")
    overdue = int((found["status"] == "overdue").sum())
    assert streamed[:3] == [overdue, 2, 3_000]  # Overdue, Due soon, Findings
    ws = openpyxl.load_workbook(tmp_path / "big.xlsx", read_only=True)["Findings"]
    assert next(ws.iter_rows(min_row=2, values_only=True))[8] in {"Late", "Missed", "Overdue"}
