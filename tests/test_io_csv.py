"""CSV extracts: canonical frames, rejected rows with their row numbers, encodings, bad files."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from test_io_support import CASE_HEADER, VISIT_HEADER, iso, reasons, write_csv

import visit_audit
from visit_audit.errors import InputError
from visit_audit.io import Extract, load_cases, load_visits
from visit_audit.io.fields import CASE_COLUMNS, VISIT_COLUMNS
from visit_audit.io.raw import read_raw
from visit_audit.plan_types import alias_table


def _accounted(x: Extract) -> None:
    assert x.info.rows == len(x.frame) + len(x.rejected)
    assert x.info.rejected == len(x.rejected)
    assert isinstance(x.frame.index, pd.RangeIndex) and x.frame.index.start == 0
    assert list(x.rejected.columns) == ["file", "row", "reason"]
    assert set(x.frame["row"]).isdisjoint(set(x.rejected["row"]))


# Canonical frames -------------------------------------------------------------


def test_cases_frame_columns_and_dtypes(tmp_path):
    path = write_csv(
        tmp_path / "cases.csv",
        CASE_HEADER + ["dob", "frequency", "worker", "team"],
        [["0042 ", "Child Protection Plan", "06/01/2025", "", "", "15/05/2015", "weekly",
          " Ann ", "North"]],
    )  # fmt: skip
    x = load_cases(path)
    f = x.frame
    assert list(f.columns) == list(CASE_COLUMNS)
    assert f["row"].dtype == "int64" and f["row"].tolist() == [2]
    assert f["child_id"].tolist() == ["0042"]
    assert f["episode_id"].tolist() == ["0042-2"]
    assert f["plan_type"].tolist() == ["child_protection"]
    assert iso(f["start_date"]) == ["2025-01-06"] and iso(f["date_of_birth"]) == ["2015-05-15"]
    for column in ("start_date", "end_date", "decision_date"):
        assert f[column].dtype.kind == "M"
    assert pd.isna(f["end_date"].iloc[0])
    assert f["visit_frequency"].tolist() == ["weekly"]
    assert f["worker"].tolist() == ["Ann"] and f["team"].tolist() == ["North"]
    assert x.info.role == "cases" and x.info.file == "cases.csv" and x.info.path == str(path)
    assert x.info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert x.rejected.empty and x.rejected["row"].dtype == "int64"
    _accounted(x)


def test_visits_frame_columns_and_dtypes(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        ["child_id", "visit_date", "visit_type", "seen", "seen_alone", "location",
         "bedroom_seen", "unannounced", "episode_id", "worker"],
        [["C1", "2025-01-06 10:15", "Home visit", "", "", " Home ", "n", "YES", "", "Bo"]],
    )  # fmt: skip
    x = load_visits(path)
    f = x.frame
    assert list(f.columns) == list(VISIT_COLUMNS)
    assert iso(f["visit_date"]) == ["2025-01-06"]
    assert (f["visit_date"] == f["visit_date"].dt.normalize()).all()
    assert f["visit_type"].tolist() == ["visit"]
    assert f["seen"].dtype == bool and f["seen"].tolist() == [True]
    for column in ("seen_alone", "bedroom_seen", "unannounced"):
        assert f[column].dtype == "boolean"
    assert f["seen_alone"].isna().all()
    assert f["bedroom_seen"].tolist() == [False] and f["unannounced"].tolist() == [True]
    assert f["location"].tolist() == ["Home"]
    assert f["episode_id"].isna().all() and f["worker"].tolist() == ["Bo"]
    _accounted(x)


def test_visit_type_and_location_are_categoricals_of_their_distinct_words(tmp_path):
    # Few distinct words over many rows: each word once (trimmed, sorted), a small
    # code per row; a blank location is missing.
    path = write_csv(
        tmp_path / "visits.csv",
        ["child_id", "visit_date", "visit_type", "location"],
        [["C1", "2025-01-06", "Home visit", " Home "], ["C1", "2025-01-07", "Phone call", ""],
         ["C2", "2025-01-08", "RHI", "School"], ["C2", "2025-01-09", "visit", "Home"]],
    )  # fmt: skip
    f = load_visits(path).frame
    for column in ("visit_type", "location"):
        assert isinstance(f[column].dtype, pd.CategoricalDtype)
    assert f["visit_type"].tolist() == ["visit", "contact", "return_home_interview", "visit"]
    assert list(f["visit_type"].cat.categories) == ["contact", "return_home_interview", "visit"]
    assert f["location"].tolist()[::2] == ["Home", "School"] and pd.isna(f["location"].iloc[1])
    assert list(f["location"].cat.categories) == ["Home", "School"]
    # The rows the loader rejects leave the codes of the others as they were.
    path = write_csv(
        tmp_path / "v2.csv",
        ["child_id", "visit_date", "location"],
        [["", "2025-01-06", "Away"], ["C1", "2025-01-07", "Home"], ["C1", "bad", "Home"]],
    )
    x = load_visits(path)
    assert x.frame["location"].tolist() == ["Home"] and len(x.rejected) == 2


# Rejections -------------------------------------------------------------------


def test_every_cases_rejection_reason_with_its_row(tmp_path):
    path = write_csv(
        tmp_path / "cases.csv",
        CASE_HEADER,
        [
            ["C1", "CP", "2025-01-06", "", "E1"],  # 2 kept
            ["", "CP", "2025-01-06", "", "E2"],  # 3 no child_id
            ["C3", "CP", "", "", "E3"],  # 4 blank start
            ["C4", "CP", "31/02/2025", "", "E4"],  # 5 impossible start
            ["C5", "CP", "2025-02-01", "2025-01-31", "E5"],  # 6 end before start
            ["C6", "Foo", "2025-01-06", "", "E6"],  # 7 unknown plan type
            ["C7", "", "2025-01-06", "", "E7"],  # 8 no plan type
            ["C8", "CIN", "2025-01-06", "", "E1"],  # 9 duplicate episode
            ["C9", "cin", "2025-01-06", "not a date", "E9"],  # 10 bad end date
            ["C10", "lac", "2025-01-06", "2025-01-06", ""],  # 11 kept, generated id
            ["", "Bar", "x", "", "E1"],  # 12 several problems at once
        ],
    )
    x = load_cases(path)
    assert reasons(x) == {
        3: "no child_id",
        4: "no start_date",
        5: "start_date '31/02/2025' is not a date",
        6: "end_date '2025-01-31' is before start_date",
        7: "unknown plan type 'Foo'",
        8: "no plan_type",
        9: "duplicate episode_id 'E1' (first on row 2)",
        10: "end_date 'not a date' is not a date",
        12: "no child_id; unknown plan type 'Bar'; start_date 'x' is not a date",
    }
    assert x.frame["row"].tolist() == [2, 11]
    assert x.frame["episode_id"].tolist() == ["E1", "C10-11"]
    assert (x.rejected["file"] == "cases.csv").all()
    _accounted(x)


def test_a_duplicate_of_a_rejected_row_is_kept(tmp_path):
    path = write_csv(
        tmp_path / "cases.csv",
        CASE_HEADER,
        [["C1", "Foo", "2025-01-06", "", "E1"], ["C1", "CP", "2025-01-06", "", "E1"]],
    )
    x = load_cases(path)
    assert x.frame["row"].tolist() == [3] and list(reasons(x)) == [2]


def test_generated_episode_ids_can_collide_with_given_ones(tmp_path):
    path = write_csv(
        tmp_path / "cases.csv",
        CASE_HEADER,
        [["C1", "CP", "2025-01-06", "", "C1-3"], ["C1", "CP", "2025-01-06", "", ""]],
    )
    assert reasons(load_cases(path)) == {3: "duplicate episode_id 'C1-3' (first on row 2)"}


def test_plan_type_aliases_table_is_used(tmp_path):
    path = write_csv(
        tmp_path / "cases.csv",
        CASE_HEADER,
        [
            ["C1", "Strengthening Families", "2025-01-06", "", ""],
            ["C2", "CP", "2025-01-06", "", ""],
        ],
    )
    table = alias_table({"strengthening_families": ["Strengthening Families"]})
    x = load_cases(path, plan_type_aliases=table)
    assert x.frame["plan_type"].tolist() == ["strengthening_families", "child_protection"]
    only = load_cases(path, plan_type_aliases={"cp": "child_protection"})
    assert reasons(only) == {2: "unknown plan type 'Strengthening Families'"}


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("C&F Assessment", "s17_assessment"), ("Children in Our Care", "child_in_care"),
     ("reg-24", "temporary_approval"), ("CIN.Plan", "child_in_need"), ("  pwp ", "care_order_at_home")],
)  # fmt: skip
def test_plan_type_spellings(tmp_path, alias, canonical):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, [["C1", alias, "2025-01-06", "", ""]])
    assert load_cases(path).frame["plan_type"].tolist() == [canonical]


def test_only_child_id_visit_date_and_seen_reject_a_visits_row(tmp_path):
    """README "Quality answers": a quality answer never decides whether a visit
    happened, so an unreadable one is read as not recorded, with a warning per column."""
    path = write_csv(
        tmp_path / "visits.csv",
        ["child_id", "visit_date", "seen", "seen_alone", "bedroom_seen", "unannounced"],
        [
            ["C1", "2025-01-06", "Y", "Y", "N", ""],  # 2 kept
            ["", "2025-01-06", "", "", "", ""],  # 3 no child_id
            ["C1", "", "", "", "", ""],  # 4 no visit_date
            ["C1", "2025-13-01", "", "", "", ""],  # 5 bad date
            ["C1", "2025-01-06", "perhaps", "", "", ""],  # 6 bad seen
            ["C1", "2025-01-06", "", "2", "", ""],  # 7 bad seen_alone
            ["C1", "2025-01-06", "", "", "?", ""],  # 8 bad bedroom_seen
            ["C1", "2025-01-06", "", "", "", "no way"],  # 9 bad unannounced
        ],
    )
    x = load_visits(path)
    assert reasons(x) == {
        3: "no child_id",
        4: "no visit_date",
        5: "visit_date '2025-13-01' is not a date",
        6: "seen 'perhaps' is not Y/N",
    }
    kept = x.frame.set_index("row")
    assert kept.loc[[7, 8, 9], ["seen_alone", "bedroom_seen", "unannounced"]].isna().all().all()
    assert [w.split(" (column")[0] for w in x.warnings] == [
        "visits.csv: 1 seen_alone answer",
        "visits.csv: 1 bedroom_seen answer",
        "visits.csv: 1 unannounced answer",
    ]
    assert "'no way' (1)" in x.warnings[2]
    _accounted(x)


# Booleans and visit types -----------------------------------------------------


def test_seen_values(tmp_path):
    values = ["Y", "n", "Yes", "NO", "true", "False", "1", "0", "", "Seen", "Not seen",
              "No Access", " y "]  # fmt: skip
    path = write_csv(tmp_path / "visits.csv", VISIT_HEADER,
                     [["C1", "2025-01-06", "", v] for v in values])  # fmt: skip
    x = load_visits(path)
    assert x.frame["seen"].tolist() == [True, False, True, False, True, False, True, False,
                                        True, True, False, False, True]  # fmt: skip


def test_nullable_booleans(tmp_path):
    values = ["Y", "N", "yes", "no", "TRUE", "false", "1", "0", "", "N/A", "not recorded"]
    path = write_csv(tmp_path / "visits.csv", ["child_id", "visit_date", "seen alone"],
                     [["C1", "2025-01-06", v] for v in values])  # fmt: skip
    got = load_visits(path).frame["seen_alone"]
    assert got.dtype == "boolean"
    assert got.tolist() == [True, False, True, False, True, False, True, False,
                            pd.NA, pd.NA, pd.NA]  # fmt: skip


def test_announced_column_is_inverted(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        ["child_id", "visit_date", "Announced"],
        [["C1", "2025-01-06", "Y"], ["C1", "2025-01-07", "N"], ["C1", "2025-01-08", ""]],
    )
    assert load_visits(path).frame["unannounced"].tolist() == [False, True, pd.NA]


def test_unannounced_wins_over_announced(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        ["child_id", "visit_date", "Announced", "Unannounced"],
        [["C1", "2025-01-06", "Y", "Y"]],
    )
    x = load_visits(path)
    assert x.frame["unannounced"].tolist() == [True]
    assert any("using 'Unannounced'" in w for w in x.warnings)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "visit"),
        ("Statutory visit", "visit"),
        ("Home Visit", "visit"),
        ("CIN visit", "visit"),
        ("CP Visit", "visit"),
        ("LAC visit", "visit"),
        ("School visit", "visit"),
        ("RHI", "return_home_interview"),
        ("rhi", "return_home_interview"),
        ("Return Home Interview", "return_home_interview"),
        ("Return home interview (phone)", "return_home_interview"),
        ("Phone call", "contact"),
        ("Telephone", "contact"),
        ("Text message", "contact"),
        ("SMS", "contact"),
        ("Email", "contact"),
        ("E-mail", "contact"),
        ("Letter", "contact"),
        ("Video call", "contact"),
        ("Virtual visit", "contact"),
        ("MS Teams", "contact"),
        ("Zoom", "contact"),
        ("visit", "visit"),
        ("contact", "contact"),
        ("return_home_interview", "return_home_interview"),
        ("RHI_completed", "return_home_interview"),
        ("Contact visit", "visit"),
    ],
)
def test_visit_type_classification(tmp_path, text, kind):
    path = write_csv(tmp_path / "visits.csv", VISIT_HEADER, [["C1", "2025-01-06", text, ""]])
    assert load_visits(path).frame["visit_type"].tolist() == [kind]


# Layout of the file ----------------------------------------------------------


def test_quoted_newlines_trailing_blank_lines_and_row_numbers(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(
        b"child_id,visit_date,notes\r\n"
        b'C1,2025-01-06,"saw her\r\nin the garden"\r\n'
        b"C2,31/02/2025,\r\n"
        b"\r\n"
        b",,\r\n"
        b"C3,bad,\r\n"
        b"\r\n\r\n\r\n"
    )
    x = load_visits(path)
    # spreadsheet rows: header 1, C1 2 (one row despite the line break), C2 3, blank 4, 5, C3 6
    assert x.frame["row"].tolist() == [2]
    assert reasons(x) == {
        3: "visit_date '31/02/2025' is not a date",
        6: "visit_date 'bad' is not a date",
    }
    assert x.info.rows == 3
    _accounted(x)


def test_white_space_only_lines_are_blank(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(b"child_id,visit_date\nC1,2025-01-06\n   \nC2,2025-01-07\n \t \n")
    x = load_visits(path)
    assert x.frame["row"].tolist() == [2, 4] and x.info.rows == 2


def test_a_row_with_the_wrong_number_of_fields_names_its_row(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(b"child_id,visit_date,type\nC1,2025-01-06,\nC2,2025-01-07\n")
    with pytest.raises(InputError, match=r"visits\.csv: row 3 has 2 fields where the header has 3"):
        load_visits(path)


def test_title_rows_above_the_header(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(b"Visits report,,\nRun on 01/02/2025,,\n,,\nchild_id,visit_date,type\nC1,x,\n")
    x = load_visits(path)
    assert reasons(x) == {5: "visit_date 'x' is not a date"}
    assert any("header found on row 4" in w for w in x.warnings)


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters(tmp_path, delimiter):
    path = tmp_path / "visits.csv"
    path.write_text(f"child_id{delimiter}visit_date\nC1{delimiter}03/04/2025\n", encoding="utf-8")
    assert iso(load_visits(path).frame["visit_date"]) == ["2025-04-03"]


def test_header_only_file_reads_no_rows(tmp_path):
    path = write_csv(tmp_path / "visits.csv", VISIT_HEADER, [])
    x = load_visits(path)
    assert x.frame.empty and list(x.frame.columns) == list(VISIT_COLUMNS)
    assert x.info.rows == 0


# Encodings -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings(tmp_path, encoding):
    path = write_csv(
        tmp_path / "cases.csv",
        ["Child ID", "Plan", "Start", "Worker", "Team"],
        [["C1", "CP", "2025-01-06", "Zoë Brontë", "£ Team – North"]],
        encoding=encoding,
    )
    x = load_cases(path)
    assert x.frame["child_id"].tolist() == ["C1"]  # the BOM is not part of the first header
    assert x.frame["worker"].tolist() == ["Zoë Brontë"]
    assert x.frame["team"].tolist() == ["£ Team – North"]


def test_cp1252_after_the_first_64_kib(tmp_path):
    rows = [["C1", "CP", "2025-01-06", "Ann"]] * 4000 + [["C2", "CP", "2025-01-06", "Zoë"]]
    path = write_csv(tmp_path / "cases.csv", ["ID", "Plan", "Start", "Worker"], rows,
                     encoding="cp1252")  # fmt: skip
    assert load_cases(path).frame["worker"].iloc[-1] == "Zoë"


# Files that cannot be read ---------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_visits(tmp_path / "visits.csv")


def test_a_folder(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        load_visits(tmp_path)


def test_binary_file(tmp_path):
    path = tmp_path / "visits.pdf"
    path.write_bytes(b"%PDF-1.4\x00\x01\x02binary")
    with pytest.raises(InputError, match=r"visits\.pdf: is not a CSV file or an \.xlsx workbook"):
        load_visits(path)


@pytest.mark.parametrize("name", ["visits.json", "visits.html"])
def test_text_files_of_other_kinds(tmp_path, name):
    path = tmp_path / name
    path.write_text('{"child_id": "C1"}', encoding="utf-8")
    with pytest.raises(InputError, match=f"{name}: is not a CSV file or an .xlsx workbook"):
        load_visits(path)


def test_empty_file(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(b"\n\n")
    with pytest.raises(InputError, match="empty"):
        load_visits(path)


def test_sheet_named_for_a_csv(tmp_path):
    path = write_csv(tmp_path / "visits.csv", VISIT_HEADER, [])
    with pytest.raises(InputError, match="the file is CSV"):
        load_visits(path, sheet="Visits")


# Read beforehand (the command line reads while pandas is imported) ------------


def _same(a: Extract, b: Extract) -> None:
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    assert a.info == b.info and a.warnings == b.warnings


def test_a_table_read_beforehand_is_loaded_as_the_file(tmp_path):
    cases = write_csv(
        tmp_path / "cases.csv",
        ["Kid", *CASE_HEADER[1:]],
        [["C1", "CIN", "06/01/2025", "", ""], ["", "CIN", "06/01/2025", "", ""]],
    )
    visits = write_csv(tmp_path / "visits.csv", VISIT_HEADER, [["C1", "06/01/2025", "", "x"]])
    columns = {"Kid": "child_id"}
    raw = read_raw(cases, "cases", columns=columns)
    # The path is not read again: the table is.
    got = load_cases(tmp_path / "gone.csv", columns=columns, raw=raw)
    _same(got, load_cases(cases, columns=columns))
    assert got.info.path == str(cases) and len(got.rejected) == 1
    with ThreadPoolExecutor(max_workers=1) as pool:
        _same(load_visits(visits, raw=pool.submit(read_raw, visits, "visits")), load_visits(visits))


def test_a_read_beforehand_tells_its_error_when_loaded(tmp_path):
    missing = tmp_path / "visits.csv"
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(read_raw, missing, "visits")
        with pytest.raises(InputError, match="visits.csv: no such file"):
            load_visits(missing, raw=reading)
        # A --columns field that does not exist is still told first.
        with pytest.raises(InputError, match="'Kid' = 'kid' is not a field"):
            load_visits(missing, columns={"Kid": "kid"}, raw=reading)


@pytest.mark.slow  # starts another process
def test_reading_a_csv_file_needs_no_pandas(tmp_path):
    # The command line reads the extracts while pandas is imported: the CSV reader
    # must not import it itself.
    path = write_csv(tmp_path / "visits.csv", VISIT_HEADER, [["C1", "06/01/2025", "", "Y"]])
    script = (
        "import sys\n"
        "from visit_audit.io.raw import read_raw\n"
        "assert 'pandas' not in sys.modules\n"
        f"raw = read_raw({str(path)!r}, 'visits')\n"
        "assert raw.headers == ['child_id', 'visit_date', 'visit_type', 'seen'], raw.headers\n"
        "assert 'pandas' not in sys.modules, 'read_raw imported pandas'\n"
    )
    here = Path(visit_audit.__file__).parents[1]  # this checkout, not an installed copy
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=here)
    assert proc.returncode == 0, proc.stderr


def test_a_plain_file_is_parsed_from_arrows_own_mapping_of_it(tmp_path, monkeypatch):
    # Arrow's threaded reader gets nothing of Python's (see io.raw._read_records):
    # a plain UTF-8 file is mapped by Arrow, never copied.
    import visit_audit.io.raw as raw

    def no_copy(body):
        raise AssertionError("a plain file was copied")

    monkeypatch.setattr(raw, "_arrow_owned", no_copy)
    rows = [["C1", "06/01/2025", "", "Y"], ["C2", "07/01/2025", "", "N"]]
    path = write_csv(tmp_path / "visits.csv", VISIT_HEADER, rows)
    table = read_raw(path, "visits")
    assert table.rows.tolist() == [2, 3]


def test_records_after_an_empty_line_keep_their_row_numbers(tmp_path):
    # The empty line makes Arrow's threaded read stop; the second read numbers it.
    path = tmp_path / "visits.csv"
    path.write_text(",".join(VISIT_HEADER) + "\nC1,06/01/2025,,Y\n\nC2,07/01/2025,,N\n")
    visits = load_visits(path)
    assert visits.frame["row"].tolist() == [2, 4]


def test_a_named_pipe_is_read_though_it_cannot_be_mapped(tmp_path):
    import os
    import threading

    fifo = tmp_path / "visits.csv"
    os.mkfifo(fifo)
    text = ",".join(VISIT_HEADER) + "\nC1,06/01/2025,,Y\n"
    writer = threading.Thread(target=fifo.write_text, args=(text,))
    writer.start()
    table = read_raw(fifo, "visits")
    writer.join()
    assert table.rows.tolist() == [2]
