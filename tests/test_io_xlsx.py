"""Excel workbooks: date cells, header rows below titles, sheets, and workbooks that cannot be read."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest
from test_io_support import iso, reasons, write_xlsx

from visit_audit.errors import InputError
from visit_audit.io import load_cases, load_visits

HEADER = ["Child ID", "Date of Visit", "Type", "Child Seen"]


def test_excel_date_cells_numbers_and_text(tmp_path):
    path = write_xlsx(
        tmp_path / "visits.xlsx",
        [
            HEADER,
            ["C1", dt.datetime(2025, 4, 3, 14, 30), "Home visit", "Y"],
            [123, dt.date(2025, 4, 4), "", True],  # an integral number id: "123", not "123.0"
            ["C3", "05/04/2025", "Phone", False],
            ["C4", 45755, "", 1],  # a date cell Excel shows as a number
            ["C5", "31/02/2025", "", ""],
            ["C6", dt.datetime(2101, 1, 1, 9, 0), "", ""],
        ],
    )
    x = load_visits(path)
    f = x.frame
    assert f["child_id"].tolist() == ["C1", "123", "C3", "C4"]
    assert iso(f["visit_date"]) == ["2025-04-03", "2025-04-04", "2025-04-05", "2025-04-08"]
    assert f["seen"].tolist() == [True, True, False, True]
    assert f["visit_type"].tolist() == ["visit", "visit", "contact", "visit"]
    assert reasons(x) == {
        6: "visit_date '31/02/2025' is not a date",
        7: "visit_date '2101-01-01T09:00:00' is after 2100",
    }
    assert x.info.rows == 6 and x.info.file == "visits.xlsx"


def test_date_cells_are_real_dates_even_with_date_format(tmp_path):
    path = write_xlsx(
        tmp_path / "visits.xlsx",
        [
            HEADER,
            ["C1", dt.date(2025, 4, 3), "", ""],
            ["C2", "3.4.2025", "", ""],
            ["C3", 45755, "", ""],
        ],
    )
    x = load_visits(path, date_format="%d.%m.%Y")
    assert iso(x.frame["visit_date"]) == ["2025-04-03", "2025-04-03"]
    assert reasons(x) == {4: "visit_date '45755' does not match the date format %d.%m.%Y"}


def test_leading_zeros_kept_in_text_cells(tmp_path):
    path = write_xlsx(
        tmp_path / "cases.xlsx",
        [["Person ID", "Plan", "Start"], ["000123", "CIN", dt.date(2025, 1, 6)]],
    )
    assert load_cases(path).frame["child_id"].tolist() == ["000123"]


def test_header_row_below_a_title_keeps_real_row_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "visits.xlsx",
        [
            ["Visits in April 2025"],
            [],
            HEADER,
            ["C1", dt.date(2025, 4, 3), "", ""],
            ["", dt.date(2025, 4, 3), "", ""],
            [],
            ["C2", "bad", "", ""],
            [None, None, None, None],
        ],
    )
    x = load_visits(path)
    assert x.frame["row"].tolist() == [4]
    assert reasons(x) == {5: "no child_id", 7: "visit_date 'bad' is not a date"}
    assert x.info.rows == 3
    assert any("header found on row 3" in w for w in x.warnings)


def test_merged_header_cells(tmp_path):
    path = tmp_path / "visits.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Children's visits"
    ws.merge_cells("A1:D1")
    ws["A2"], ws["B2"], ws["D2"] = "Child ID", "Visit", "Seen"
    ws.merge_cells("A2:A3")  # one header over two rows
    ws.merge_cells("D2:D3")
    ws.merge_cells("B2:C2")  # a group heading over two columns
    ws["B3"], ws["C3"] = "Date", "Type"
    ws.append(["C1", dt.date(2025, 4, 3), "Phone", "N"])
    wb.save(path)
    x = load_visits(path)
    assert x.frame["child_id"].tolist() == ["C1"]
    assert x.frame["visit_type"].tolist() == ["contact"]
    assert x.frame["seen"].tolist() == [False]
    assert x.frame["row"].tolist() == [4]


def test_named_sheet_and_first_visible_sheet(tmp_path):
    path = tmp_path / "extracts.xlsx"
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Lookups"
    hidden.sheet_state = "hidden"
    hidden.append(["nothing here"])
    cases = wb.create_sheet("Cases")
    cases.append(["Child ID", "Plan", "Start"])
    cases.append(["C1", "CP", dt.date(2025, 1, 6)])
    visits = wb.create_sheet("Visits")
    visits.append(HEADER)
    visits.append(["C1", dt.date(2025, 1, 7), "", ""])
    visits.append(["C2", dt.date(2025, 1, 8), "", ""])
    wb.save(path)
    assert load_cases(path).frame["child_id"].tolist() == ["C1"]
    assert len(load_visits(path, sheet="Visits").frame) == 2
    assert len(load_visits(path, sheet=" visits ").frame) == 2


def test_unknown_sheet_lists_the_sheets(tmp_path):
    path = write_xlsx(tmp_path / "v.xlsx", [HEADER], title="Data", Other=[["x"]])
    with pytest.raises(InputError) as err:
        load_visits(path, sheet="Visits")
    assert str(err.value) == "v.xlsx: no sheet named 'Visits'; the sheets are 'Data', 'Other'"


def test_empty_sheet(tmp_path):
    path = write_xlsx(tmp_path / "v.xlsx", [])
    with pytest.raises(InputError, match=r"v\.xlsx: sheet 'Sheet1' is empty"):
        load_visits(path)


def test_sheet_without_the_required_columns(tmp_path):
    path = write_xlsx(tmp_path / "v.xlsx", [["a", "b"], [1, 2]])
    with pytest.raises(InputError, match=r"v\.xlsx: no column for child_id .* or visit_date"):
        load_visits(path)


def test_encrypted_workbook(tmp_path):
    path = tmp_path / "visits.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 64 + b"junk" * 100)
    with pytest.raises(InputError) as err:
        load_visits(path)
    assert str(err.value).startswith("visits.xlsx: the workbook is password-protected")


def test_old_xls_workbook(tmp_path):
    path = tmp_path / "visits.xls"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 64)
    with pytest.raises(InputError, match=r"\.xls\) workbook; save it as \.xlsx or CSV"):
        load_visits(path)


def test_corrupt_workbooks(tmp_path):
    not_zip = tmp_path / "a.xlsx"
    not_zip.write_bytes(b"this is not a workbook at all")
    with pytest.raises(InputError, match=r"a\.xlsx: is not a valid \.xlsx workbook"):
        load_visits(not_zip)
    truncated = tmp_path / "b.xlsx"
    good = write_xlsx(tmp_path / "good.xlsx", [HEADER, ["C1", dt.date(2025, 1, 6), "", ""]])
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(InputError, match=r"b\.xlsx: cannot be read as an \.xlsx workbook"):
        load_visits(truncated)
    other_zip = tmp_path / "c.xlsx"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("hello.txt", "not excel")
    with pytest.raises(InputError, match=r"c\.xlsx: "):
        load_visits(other_zip)
