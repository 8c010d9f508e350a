"""Date values (README "Input format"): every accepted shape, never month-first, impossible
dates."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from test_io_support import VISIT_HEADER, iso, reasons, write_csv

from visit_audit.errors import InputError
from visit_audit.io import dates, load_cases, load_visits

SHAPES = [
    "2025-04-03",
    "2025/04/03",
    "03/04/2025",
    "3/4/2025",
    "3/4/25",
    "03/04/25",
    "03-04-2025",
    "03.04.2025",
    "03-Apr-2025",
    "3-apr-25",
    "3 April 2025",
    "3 Apr 2025",
    "3rd April 2025",
    "Thursday 3 April 2025",
    "Thu, 03 Apr 2025",
    "April 3, 2025",
    "Apr 3 2025",
    "45750",  # Excel serial written as text
    "45750.6041666667",
]
TIMES = ["", " 14:30", " 14:30:59", "T14:30:00", "T14:30:00.123Z", " 2:30 PM", " 14:30:00+01:00"]


def _parse(values: list[str]):
    days, status = dates.parse_dates(pa.array(values, type=pa.large_string()))
    return [None if np.isnat(d) else str(d) for d in days], status.tolist()


# A serial carries its time as a fraction, so it takes no time suffix.
SHAPE_TIMES = [(s, t) for s in SHAPES for t in TIMES if not (s.startswith("4575") and t)]


@pytest.mark.parametrize(("shape", "time"), SHAPE_TIMES)
def test_every_date_shape_with_and_without_a_time(shape, time):
    assert _parse([shape + time]) == (["2025-04-03"], [dates.OK])


def test_shapes_with_times_survive_the_split_path_for_many_distinct_values():
    # more than ten characters and many distinct values: the head/tail path
    values = [f"03/04/2025 {h:02d}:{m:02d}" for h in range(24) for m in range(60)]
    values += ["3/4/2025 9:05", "3 April 2025 10:00", "2025-04-03T23:59:59", "  2025-04-03 "]
    got, status = _parse(values)
    assert set(got) == {"2025-04-03"} and set(status) == {dates.OK}


def test_two_digit_years_pivot_at_69():
    got, _ = _parse(["1/1/00", "1/1/69", "1/1/70", "1/1/99", "1-Jan-69"])
    assert got == ["2000-01-01", "2069-01-01", "1970-01-01", "1999-01-01", "2069-01-01"]


def test_iso_and_uk_mixed_in_one_column():
    got, _ = _parse(["2025-04-03", "04/03/2025", "2025-12-01", "01/12/2025"])
    assert got == ["2025-04-03", "2025-03-04", "2025-12-01", "2025-12-01"]


@pytest.mark.parametrize(
    "value",
    ["31/02/2025", "29/02/2025", "2025-02-30", "00/01/2025", "32/01/2025", "13/13/2025",
     "not a date", "2025", "03/04/2025 25:00", "03/04/2025 x", "3 Foo 2025", "1234567",
     "2025-04-03T", "03/04/20255"],
)  # fmt: skip
def test_values_that_are_no_date_in_any_reading(value):
    assert _parse([value])[1] == [dates.NOT_DATE]


def test_leap_day_is_a_date():
    assert _parse(["29/02/2024"]) == (["2024-02-29"], [dates.OK])


@pytest.mark.parametrize("value", ["04/13/2025", "12/31/2024", "2/29/2024 10:00", "01/20/25"])
def test_month_first_only_values_are_flagged(value):
    assert _parse([value])[1] == [dates.MONTH_FIRST]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("31/12/1899", dates.OUT_OF_RANGE),
        ("01/01/1900", dates.OK),
        ("31/12/2100", dates.OK),
        ("2101-01-01", dates.OUT_OF_RANGE),
        ("09999", dates.OUT_OF_RANGE),
        ("73415", dates.OK),
        ("73416", dates.OUT_OF_RANGE),
    ],
)
def test_dates_outside_1900_to_2100(value, status):
    assert _parse([value])[1] == [status]


def test_blank_is_blank():
    assert _parse(["", "   "])[1] == [dates.BLANK, dates.BLANK]


# Through the loader ---------------------------------------------------------


def test_month_first_value_stops_the_load_naming_file_column_and_value(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        ["child_id", "Date of Visit"],
        [["C1", "03/04/2025"], ["C2", "04/13/2025"], ["C3", "05/14/2025"]],
    )
    with pytest.raises(InputError) as err:
        load_visits(path)
    message = str(err.value)
    assert message.startswith("visits.csv: column 'Date of Visit' holds '04/13/2025' (row 3)")
    assert "looks month-first" in message and "every dd/mm value" in message


def test_month_first_in_an_optional_cases_column_also_stops(tmp_path):
    path = write_csv(
        tmp_path / "cases.csv",
        ["child_id", "plan_type", "start_date", "dob"],
        [["C1", "CP", "01/02/2025", "12/25/2015"]],
    )
    with pytest.raises(InputError, match="column 'dob' holds '12/25/2015'"):
        load_cases(path)


def test_impossible_and_unreadable_dates_reject_their_rows(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        VISIT_HEADER,
        [
            ["C1", "31/02/2025", "", ""],
            ["C1", "not a date", "", ""],
            ["C1", "1899-12-31", "", ""],
            ["C1", "01/01/2101", "", ""],
            ["C1", "", "", ""],
            ["C1", "03/04/2025 14:30", "", ""],
        ],
    )
    got = load_visits(path)
    assert reasons(got) == {
        2: "visit_date '31/02/2025' is not a date",
        3: "visit_date 'not a date' is not a date",
        4: "visit_date '1899-12-31' is before 1900",
        5: "visit_date '01/01/2101' is after 2100",
        6: "no visit_date",
    }
    assert iso(got.frame["visit_date"]) == ["2025-04-03"]
    assert got.frame["visit_date"].iloc[0].hour == 0


def test_every_cases_date_column_is_checked(tmp_path):
    header = ["child_id", "plan_type", "start_date", "end_date", "date_of_birth",
              "first_review_date", "reduced_frequency_date", "decision_date"]  # fmt: skip
    good = ["C1", "CP", "2025-01-06", "", "", "", "", ""]
    rows = [list(good)]
    for pos in range(3, 8):
        row = list(good)
        row[pos] = "31/02/2025"
        rows.append(row)
    blank_start = list(good)
    blank_start[2] = ""
    rows.append(blank_start)
    got = load_cases(write_csv(tmp_path / "cases.csv", header, rows))
    assert reasons(got) == {
        3: "end_date '31/02/2025' is not a date",
        4: "date_of_birth '31/02/2025' is not a date",
        5: "first_review_date '31/02/2025' is not a date",
        6: "reduced_frequency_date '31/02/2025' is not a date",
        7: "decision_date '31/02/2025' is not a date",
        8: "no start_date",
    }
    assert got.info.rows == 7 and len(got.frame) == 1


def test_date_format_forces_one_format(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        VISIT_HEADER,
        [
            ["C1", "04/13/2025", "", ""],
            ["C2", "2025-04-13", "", ""],
            ["C3", "02/30/2025", "", ""],
            ["C4", "", "", ""],
            ["C5", "4/1/2025", "", ""],
        ],
    )
    got = load_visits(path, date_format="%m/%d/%Y")
    assert iso(got.frame["visit_date"]) == ["2025-04-13", "2025-04-01"]
    assert reasons(got) == {
        3: "visit_date '2025-04-13' does not match the date format %m/%d/%Y",
        4: "visit_date '02/30/2025' does not match the date format %m/%d/%Y",
        5: "no visit_date",
    }


def test_date_format_with_month_names_and_two_digit_years(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        VISIT_HEADER,
        [["C1", "03-APR-25", "", ""], ["C2", "3-Apr-69", "", ""], ["C3", "31-Feb-25", "", ""]],
    )
    got = load_visits(path, date_format="%d-%b-%y")
    assert iso(got.frame["visit_date"]) == ["2025-04-03", "2069-04-03"]
    assert list(reasons(got)) == [4]


def test_date_format_out_of_range(tmp_path):
    path = write_csv(tmp_path / "visits.csv", VISIT_HEADER, [["C1", "1850-01-01", "", ""]])
    got = load_visits(path, date_format="%Y-%m-%d")
    assert reasons(got) == {2: "visit_date '1850-01-01' is before 1900"}


def test_long_bad_values_are_quoted_short(tmp_path):
    value = "visited the child at home and " * 5
    path = write_csv(tmp_path / "visits.csv", VISIT_HEADER, [["C1", value, "", ""]])
    reason = reasons(load_visits(path))[2]
    assert len(reason) < 80 and reason.endswith("…' is not a date")


def test_date_format_without_codes_is_an_input_error(tmp_path):
    path = write_csv(tmp_path / "visits.csv", VISIT_HEADER, [["C1", "03/04/2025", "", ""]])
    with pytest.raises(InputError, match="--date-format 'dd/mm/yyyy' has no % codes"):
        load_visits(path, date_format="dd/mm/yyyy")


def test_date_format_with_a_fraction_of_a_second_as_sql_server_writes_datetime(tmp_path):
    # The SSD's DATETIME text; the shipped ssd-casenotes.toml names this format.
    path = write_csv(
        tmp_path / "visits.csv",
        VISIT_HEADER,
        [
            ["C1", "2024-12-10 00:00:00.000", "", ""],
            ["C2", "2024-12-11 14:30:59.1234567", "", ""],  # datetime2: 7 digits
            ["C3", "2024-12-12 00:00:00", "", ""],  # no fraction: as strptime, no match
            ["C4", "2024-02-30 00:00:00.000", "", ""],  # impossible day
            ["C5", "", "", ""],
        ],
    )
    got = load_visits(path, date_format="%Y-%m-%d %H:%M:%S.%f")
    assert iso(got.frame["visit_date"]) == ["2024-12-10", "2024-12-11"]
    assert reasons(got) == {
        4: "visit_date '2024-12-12 00:00:00' does not match the date format %Y-%m-%d %H:%M:%S.%f",
        5: "visit_date '2024-02-30 00:00:00.000' does not match the date format %Y-%m-%d %H:%M:%S.%f",
        6: "no visit_date",
    }
