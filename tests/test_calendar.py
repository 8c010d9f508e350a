"""Units of time and working days (docs/rules.md §1): calendar.py on its own.

Every expected date is worked by hand from those rules (and a printed calendar) in
the comment beside it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visit_audit.calendar import NAT, NEVER, REGIONS, Duration, WorkingCalendar, add_months

REGION_NAMES = tuple(REGIONS)


@cache
def _cal(region: str = "england") -> WorkingCalendar:
    return WorkingCalendar(region)


def D(*dates: str) -> np.ndarray:
    """An array of dates; ``"NaT"`` and ``"9999-12-31"`` (NEVER) allowed."""
    return np.array(dates, dtype="datetime64[D]")


def plus(anchor: str, text: str, region: str = "england") -> str:
    """anchor + the duration ``text`` as an ISO date (one element)."""
    return str(_cal(region).add(D(anchor), Duration.parse(text))[0])


def working(day: str, region: str = "england") -> bool:
    return bool(_cal(region).is_working_day(D(day))[0])


# --- §1: N days, N hours, N weeks ------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "text", "due"),
    [
        ("2025-01-06", "0 days", "2025-01-06"),  # 0 days = the same day
        ("2025-01-06", "1 day", "2025-01-07"),
        ("2025-01-06", "10 days", "2025-01-16"),
        ("2024-02-28", "1 day", "2024-02-29"),  # leap day is a calendar day
        ("2025-12-31", "1 day", "2026-01-01"),
        ("2025-01-03", "1 day", "2025-01-04"),  # calendar days include weekends
    ],
)
def test_n_days_are_calendar_days_from_the_anchor(anchor, text, due):
    assert plus(anchor, text) == due


@pytest.mark.parametrize(
    ("hours", "due"),
    [
        (0, "2025-01-06"),
        (1, "2025-01-07"),  # ceil(1/24) = 1
        (24, "2025-01-07"),  # 24 h = next day
        (25, "2025-01-08"),  # ceil(25/24) = 2
        (47, "2025-01-08"),
        (48, "2025-01-08"),  # 48 h = +2
        (49, "2025-01-09"),
        (72, "2025-01-09"),  # 72 h = +3
    ],
)
def test_n_hours_round_up_to_whole_days(hours, due):
    assert plus("2025-01-06", f"{hours} hours") == due


def test_hours_count_over_a_weekend_and_a_bank_holiday():
    # Fri 2 May 2025 + 72 h = Mon 5 May (a bank holiday): hours are calendar time.
    assert plus("2025-05-02", "72 hours") == "2025-05-05"


@pytest.mark.parametrize(
    ("anchor", "text", "due"),
    [
        ("2025-01-06", "1 week", "2025-01-13"),
        ("2025-01-06", "4 weeks", "2025-02-03"),
        ("2025-01-06", "6 weeks", "2025-02-17"),
        ("2024-12-30", "12 weeks", "2025-03-24"),
    ],
)
def test_n_weeks_are_seven_n_days(anchor, text, due):
    assert plus(anchor, text) == due


# --- §1: N months, N years (clipped to the month's end) --------------------------------


@pytest.mark.parametrize(
    ("anchor", "text", "due"),
    [
        ("2025-01-15", "1 month", "2025-02-15"),
        ("2023-01-31", "1 month", "2023-02-28"),  # 31 Jan + 1 month = 28 Feb
        ("2024-01-31", "1 month", "2024-02-29"),  # … = 29 Feb in a leap year
        ("2024-01-30", "1 month", "2024-02-29"),
        ("2024-01-29", "1 month", "2024-02-29"),
        ("2025-03-31", "1 month", "2025-04-30"),  # 31 Mar + 1 month = 30 Apr
        ("2025-08-31", "1 month", "2025-09-30"),
        ("2025-11-30", "3 months", "2026-02-28"),
        ("2025-10-31", "2 months", "2025-12-31"),
        ("2025-12-15", "1 month", "2026-01-15"),  # over the year end
        ("2025-05-31", "6 months", "2025-11-30"),
        ("2025-02-28", "1 month", "2025-03-28"),  # not pushed to the month's end
        ("2025-01-31", "13 months", "2026-02-28"),
    ],
)
def test_n_months_clip_to_the_end_of_the_month(anchor, text, due):
    assert plus(anchor, text) == due


@pytest.mark.parametrize(
    ("anchor", "text", "due"),
    [
        ("2024-02-29", "1 year", "2025-02-28"),  # 29 Feb + 1 year = 28 Feb
        ("2024-02-29", "4 years", "2028-02-29"),
        ("2023-03-01", "1 year", "2024-03-01"),
        ("2025-06-10", "1 year", "2026-06-10"),
        ("2005-07-31", "20 years", "2025-07-31"),  # dob + 20 years (care leavers)
    ],
)
def test_n_years_are_calendar_years(anchor, text, due):
    assert plus(anchor, text) == due


def test_add_months_takes_one_number_of_months_per_date():
    dates = D("2024-01-31", "2024-01-31", "2025-03-31", "NaT")
    got = add_months(dates, np.array([1, 12, -1, 5]))
    assert [str(d) for d in got] == ["2024-02-29", "2025-01-31", "2025-02-28", "NaT"]


# --- §1: N working days ----------------------------------------------------------------


@pytest.mark.slow  # a whole audit (or several)
@pytest.mark.parametrize(
    ("anchor", "n", "due"),
    [
        # The example of docs/rules.md "Working days and bank holidays": Sat 3 May 2025
        # + 10 wd = Mon 19 May (5 May is a bank holiday).
        ("2025-05-03", 10, "2025-05-19"),
        ("2025-05-02", 10, "2025-05-19"),  # Fri: 6,7,8,9,12,13,14,15,16,19
        ("2025-05-04", 10, "2025-05-19"),  # Sun
        ("2025-05-05", 10, "2025-05-19"),  # from the bank holiday itself
        ("2025-05-05", 1, "2025-05-06"),
        ("2025-05-03", 1, "2025-05-06"),  # Sat → Tue: Mon 5 May is a bank holiday
        ("2025-05-06", 1, "2025-05-07"),  # strictly after the anchor
        ("2025-05-09", 1, "2025-05-12"),  # Fri → Mon
        ("2025-05-12", 5, "2025-05-19"),  # Mon + 5 = next Mon
        ("2025-04-17", 1, "2025-04-22"),  # Thu before Good Friday → Tue after Easter Monday
        ("2025-04-18", 2, "2025-04-23"),  # from Good Friday
        ("2025-12-24", 1, "2025-12-29"),  # Christmas Day and Boxing Day skipped
        ("2025-12-24", 2, "2025-12-30"),
        ("2024-12-31", 1, "2025-01-02"),  # New Year's Day skipped
        ("2025-01-06", 20, "2025-02-03"),  # CIN: 20 wd = 4 weeks with no holiday
        ("2025-03-24", 20, "2025-04-23"),  # … and 20 wd across Easter
    ],
)
def test_n_working_days_is_the_nth_working_day_strictly_after_the_anchor(anchor, n, due):
    assert plus(anchor, f"{n} working days") == due


def test_working_days_from_any_day_of_a_week_land_on_a_working_day():
    # Sat 7 Jun … Fri 13 Jun 2025, no holidays: + 1 wd
    anchors = D(*(f"2025-06-{d:02d}" for d in range(7, 14)))
    got = _cal().add(anchors, Duration(1, "working_days"))
    assert [str(d) for d in got] == [
        "2025-06-09",  # Sat → Mon
        "2025-06-09",  # Sun → Mon
        "2025-06-10",
        "2025-06-11",
        "2025-06-12",
        "2025-06-13",
        "2025-06-16",  # Fri → Mon
    ]


@cache
def _holiday_set(region: str) -> frozenset[dt.date]:
    return frozenset(
        holidays.country_holidays("GB", subdiv=REGIONS[region], years=range(2020, 2028))
    )


@settings(max_examples=60, deadline=None)
@given(
    anchor=st.dates(dt.date(2021, 1, 1), dt.date(2026, 6, 30)),
    n=st.integers(1, 30),
    region=st.sampled_from(REGION_NAMES),
)
def test_working_days_match_counting_day_by_day(anchor, n, region):
    """The n-th day after the anchor that is Mon–Fri and not a bank holiday of the region."""
    off = _holiday_set(region)
    day, left = anchor, n
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in off:
            left -= 1
    assert plus(anchor.isoformat(), f"{n} working days", region) == day.isoformat()


@settings(max_examples=40, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 73_000), min_size=1, max_size=200),
    n=st.integers(0, 400),
    region=st.sampled_from(REGION_NAMES),
)
def test_working_day_table_agrees_with_numpy_busday_offset(offsets, n, region):
    """The lookup table behind add_working_days gives what np.busday_offset(roll="backward")
    gives, for any day from 1900 to 2099 (weekends and bank holidays included)."""
    dates = np.datetime64("1900-01-01", "D") + np.array(offsets, dtype="timedelta64[D]")
    cal = WorkingCalendar(region)
    got = cal.add_working_days(dates, n)
    want = np.busday_offset(dates, n, roll="backward", busdaycal=cal.busdaycal)
    assert (got == want).all()


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError, match="not negative"):
        WorkingCalendar("england").add_working_days(np.array(["2025-01-06"], "datetime64[D]"), -1)


# --- NaT, NEVER and whole arrays -------------------------------------------------------

UNITS_TEXT = [
    "0 days",
    "7 days",
    "48 hours",
    "25 hours",
    "1 week",
    "1 month",
    "3 months",
    "1 year",
    "1 working day",
    "10 working days",
]


@pytest.mark.parametrize("text", UNITS_TEXT)
def test_nat_anchor_gives_nat_and_never_stays_never(text):
    got = _cal().add(D("NaT", "9999-12-31"), Duration.parse(text))
    assert np.isnat(got[0])
    assert got[1] == NEVER


@pytest.mark.parametrize("text", UNITS_TEXT)
def test_add_is_elementwise_over_mixed_dates(text):
    """A whole array at once gives what each date gives alone, NaT and NEVER in place."""
    anchors = D(
        "2025-05-03",  # Sat
        "NaT",
        "2024-01-31",
        "9999-12-31",
        "2024-02-29",
        "2025-12-24",
        "2025-05-05",  # bank holiday
        "2023-03-31",
        "NaT",
    )
    duration = Duration.parse(text)
    together = _cal().add(anchors, duration)
    assert together.dtype == np.dtype("datetime64[D]")
    assert together.shape == anchors.shape
    one_by_one = [_cal().add(anchors[i : i + 1], duration)[0] for i in range(len(anchors))]
    assert [str(d) for d in together] == [str(d) for d in one_by_one]
    assert np.isnat(together[[1, 8]]).all()
    assert together[3] == NEVER


def test_vectorised_examples_over_mixed_dates():
    anchors = D("2024-01-31", "NaT", "2025-03-31", "9999-12-31", "2024-02-29")
    assert [str(d) for d in _cal().add(anchors, Duration(1, "months"))] == [
        "2024-02-29",
        "NaT",
        "2025-04-30",
        "9999-12-31",
        "2024-03-29",
    ]
    assert [str(d) for d in _cal().add(anchors, Duration(1, "years"))] == [
        "2025-01-31",
        "NaT",
        "2026-03-31",
        "9999-12-31",
        "2025-02-28",
    ]
    assert [str(d) for d in _cal().add(anchors, Duration(10, "working_days"))] == [
        "2024-02-14",  # Wed 31 Jan 2024 + 10 wd
        "NaT",
        "2025-04-14",  # Mon 31 Mar 2025 + 10 wd
        "9999-12-31",
        "2024-03-14",  # Thu 29 Feb 2024 + 10 wd
    ]


def test_add_does_not_write_into_the_callers_array():
    anchors = D("2025-05-03", "NaT", "9999-12-31")
    before = anchors.copy()
    for text in UNITS_TEXT:
        _cal().add(anchors, Duration.parse(text))
    assert [str(d) for d in anchors] == [str(d) for d in before]


def test_empty_arrays():
    empty = np.array([], dtype="datetime64[D]")
    for text in UNITS_TEXT:
        assert _cal().add(empty, Duration.parse(text)).shape == (0,)
    assert _cal().is_working_day(empty).shape == (0,)


def test_is_working_day_is_false_for_nat():
    assert list(_cal().is_working_day(D("NaT", "2025-05-06"))) == [False, True]


def test_nat_constant_is_a_date_nat():
    assert np.isnat(NAT) and NAT.dtype == np.dtype("datetime64[D]")


# --- Bank holidays by region -----------------------------------------------------------


def test_gb_without_a_subdivision_lacks_easter_monday_so_the_calendar_names_one():
    # Why calendar.py always passes a subdivision: GB alone has no Easter Monday.
    assert dt.date(2025, 4, 21) not in holidays.country_holidays("GB", years=2025)
    assert not working("2025-04-21", "england")
    assert _cal().region == "england"
    assert not WorkingCalendar().is_working_day(D("2025-04-21"))[0]  # default region


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-01",  # New Year's Day
        "2025-04-18",  # Good Friday
        "2025-04-21",  # Easter Monday
        "2025-05-05",  # Early May
        "2025-05-26",  # Spring
        "2025-08-25",  # Summer (last Monday of August)
        "2025-12-25",
        "2025-12-26",
        "2024-04-01",  # Easter Monday 2024
    ],
)
@pytest.mark.parametrize("region", ["england", "wales"])
def test_england_and_wales_bank_holidays(region, day):
    assert not working(day, region)


@pytest.mark.parametrize("region", ["england", "wales"])
def test_england_and_wales_work_on_scottish_and_irish_holidays(region):
    for day in ("2025-01-02", "2023-11-30", "2023-03-17", "2023-07-12", "2025-08-04"):
        assert working(day, region), day


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-02",  # 2 January
        "2023-11-30",  # St Andrew's Day (Thu)
        "2025-12-01",  # St Andrew's Day 2025 (Sun) substitute
        "2025-08-04",  # Summer bank holiday: first Monday of August
        "2025-04-18",  # Good Friday
    ],
)
def test_scotland_bank_holidays(day):
    assert not working(day, "scotland")


def test_scotland_has_no_easter_monday_nor_late_august_holiday():
    assert working("2025-04-21", "scotland")
    assert working("2025-08-25", "scotland")
    # Good Friday + 1 wd: Scotland works on Easter Monday, England does not.
    assert plus("2025-04-18", "1 working day", "scotland") == "2025-04-21"
    assert plus("2025-04-18", "1 working day", "england") == "2025-04-22"


@pytest.mark.parametrize(
    "day",
    [
        "2023-03-17",  # St Patrick's Day (Fri)
        "2023-07-12",  # Battle of the Boyne (Wed)
        "2025-07-14",  # 12 July 2025 is a Saturday: Monday substitute
        "2025-04-21",  # Easter Monday
        "2025-08-25",
    ],
)
def test_northern_ireland_bank_holidays(day):
    assert not working(day, "northern-ireland")


@pytest.mark.parametrize("day", ["2022-06-03", "2022-09-19", "2023-05-08"])
@pytest.mark.parametrize("region", REGION_NAMES)
def test_one_off_bank_holidays_in_every_region(region, day):
    # Platinum Jubilee, the Queen's state funeral, the Coronation.
    assert not working(day, region)


@pytest.mark.parametrize(
    "day",
    [
        "2021-12-27",  # Christmas Day (Sat) substitute
        "2021-12-28",  # Boxing Day (Sun) substitute
        "2022-12-27",  # Christmas Day (Sun) substitute; Boxing Day on Mon 26th
        "2022-12-26",
        "2022-01-03",  # New Year's Day (Sat) substitute
        "2023-01-02",  # New Year's Day (Sun) substitute
    ],
)
@pytest.mark.parametrize("region", REGION_NAMES)
def test_substitute_days_in_every_region(region, day):
    assert not working(day, region)


def test_ordinary_weekdays_are_working_days_and_weekends_are_not():
    days = D("2025-06-09", "2025-06-13", "2025-06-14", "2025-06-15", "2021-12-29")
    assert list(_cal().is_working_day(days)) == [True, True, False, False, True]


def test_region_changes_the_deadline():
    # Mon 10 Jul 2023 + 2 wd: Wed 12 Jul is a holiday only in Northern Ireland.
    assert plus("2023-07-10", "2 working days", "england") == "2023-07-12"
    assert plus("2023-07-10", "2 working days", "northern-ireland") == "2023-07-13"


@pytest.mark.parametrize("region", ["mars", "", "ENG", "GB", "northern ireland"])
def test_unknown_region_raises_value_error(region):
    with pytest.raises(ValueError, match="region"):
        WorkingCalendar(region)


def test_regions_named_by_the_spec():
    assert REGIONS == {
        "england": "ENG",
        "wales": "WLS",
        "scotland": "SCT",
        "northern-ireland": "NIR",
    }


# --- The calendar extends itself beyond its default years ------------------------------


@pytest.mark.parametrize(
    ("anchor", "n", "due"),
    [
        ("1975-12-24", 1, "1975-12-29"),  # Wed 24 Dec 1975: Thu 25, Fri 26 holidays
        ("1980-04-03", 1, "1980-04-08"),  # Thu before Good Friday 4 Apr 1980 → Tue 8
        ("2075-12-24", 1, "2075-12-27"),  # Tue 24 Dec 2075: Wed 25, Thu 26 holidays
        ("2090-12-22", 1, "2090-12-27"),  # Fri 22 Dec 2090: Mon 25, Tue 26 holidays
    ],
)
def test_dates_outside_the_default_years_still_get_bank_holidays(anchor, n, due):
    cal = WorkingCalendar("england", years=range(2020, 2027))
    got = cal.add(D(anchor), Duration(n, "working_days"))
    assert str(got[0]) == due
    assert not cal.is_working_day(D(due[:4] + "-12-25"))[0]


def test_extending_keeps_the_holidays_already_known():
    cal = WorkingCalendar("england", years=range(2024, 2026))
    assert not cal.is_working_day(D("1985-12-25"))[0]  # extends back
    assert not cal.is_working_day(D("2025-04-21"))[0]  # still knows 2025
    assert not cal.is_working_day(D("2085-12-25"))[0]  # extends forward
    assert not cal.is_working_day(D("1985-12-25"))[0]
    # Working days across the end of the known years: 2026's New Year's Day.
    cal = WorkingCalendar("england", years=range(2024, 2026))
    assert str(cal.add(D("2025-12-31"), Duration(1, "working_days"))[0]) == "2026-01-02"


# --- Duration.parse --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "n", "unit"),
    [
        ("10 working days", 10, "working_days"),
        ("1 working day", 1, "working_days"),
        ("10 Working Days", 10, "working_days"),
        ("10 working-days", 10, "working_days"),
        ("5 wd", 5, "working_days"),
        ("48 hours", 48, "hours"),
        ("1 hour", 1, "hours"),
        ("48h", 48, "hours"),
        ("72 hrs", 72, "hours"),
        ("0 days", 0, "days"),
        ("1 day", 1, "days"),
        ("10 days", 10, "days"),
        ("10 calendar days", 10, "days"),
        ("1 week", 1, "weeks"),
        ("6 weeks", 6, "weeks"),
        ("2-weeks", 2, "weeks"),  # hyphen read as a space
        ("2 - weeks", 2, "weeks"),
        ("every 2 weeks", 2, "weeks"),
        ("  2  weeks  ", 2, "weeks"),
        ("1 month", 1, "months"),
        ("3 months", 3, "months"),
        ("1 year", 1, "years"),
        ("weekly", 1, "weeks"),
        ("Weekly", 1, "weeks"),
        ("fortnightly", 2, "weeks"),
        ("monthly", 1, "months"),
        ("daily", 1, "days"),
        ("quarterly", 3, "months"),
        ("annually", 1, "years"),
        ("yearly", 1, "years"),
    ],
)
def test_duration_parse_reads(text, n, unit):
    assert Duration.parse(text) == Duration(n, unit)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "4 wekks",
        "ten days",
        "weeks",
        "2",
        "1.5 days",
        "2 weeks and 1 day",
        "2 fortnights",
        "every week",
        "weekly-ish",
        "as needed",
        "N/A",
        "6 weeks 2",
        "days 6",
    ],
)
def test_duration_parse_rejects_junk_with_value_error(text):
    with pytest.raises(ValueError, match="is not a duration"):
        Duration.parse(text)


@pytest.mark.parametrize("text", ["-1 days", "-6 weeks"])
def test_duration_parse_rejects_a_negative_duration(text):
    with pytest.raises(ValueError):
        Duration.parse(text)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (Duration(1, "working_days"), "1 working day"),
        (Duration(10, "working_days"), "10 working days"),
        (Duration(48, "hours"), "48 hours"),
        (Duration(1, "weeks"), "1 week"),
        (Duration(0, "days"), "0 days"),
        (Duration(3, "months"), "3 months"),
        (Duration(1, "years"), "1 year"),
    ],
)
def test_duration_str_reads_back(duration, text):
    assert str(duration) == text
    assert Duration.parse(str(duration)) == duration


@pytest.mark.slow  # a whole audit (or several)
def test_one_calendar_asked_from_several_threads_at_once_answers_as_alone():
    # The engine audits two partitions of children at a time with one calendar,
    # whose covered years widen as dates from other decades arrive.
    from concurrent.futures import ThreadPoolExecutor

    starts = [
        np.arange(f"{y}-01-01", f"{y}-12-31", dtype="datetime64[D]") for y in range(1950, 2090, 7)
    ]
    alone = [WorkingCalendar("england").add_working_days(d, 10) for d in starts]
    for _ in range(5):
        shared = WorkingCalendar("england")
        with ThreadPoolExecutor(max_workers=4) as pool:
            both = list(pool.map(shared.add_working_days, starts, [10] * len(starts)))
        assert all(np.array_equal(a, b) for a, b in zip(alone, both, strict=True))
        days = np.array(["1950-12-25", "2088-12-27", "2088-12-29"], dtype="datetime64[D]")
        assert shared.is_working_day(days).tolist() == [False, False, True]


def _months_by_numpy(dates: np.ndarray, months) -> np.ndarray:
    """Calendar months as numpy's month arithmetic gives them, clipped to the month's end."""
    month_start = dates.astype("datetime64[M]")
    day = (dates - month_start.astype("datetime64[D]")).astype(np.int64)
    target = month_start + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    month_len = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    out = target.astype("datetime64[D]") + np.minimum(day, month_len - 1).astype("timedelta64[D]")
    return np.where(np.isnat(dates), NAT, out)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(-40_000, 80_000)), min_size=1, max_size=30),
    st.one_of(st.integers(-400, 400), st.lists(st.integers(-400, 400), min_size=30, max_size=30)),
)
def test_add_months_by_table_agrees_with_numpy_month_arithmetic(offsets, months):
    # Days from 1860 to 2189, NaT among them; one number of months, or one per date.
    dates = np.array(
        [
            NAT if o is None else np.datetime64("1970-01-01") + np.timedelta64(o, "D")
            for o in offsets
        ],
        dtype="datetime64[D]",
    )
    if isinstance(months, list):
        months = np.array(months[: len(dates)])
    got, want = add_months(dates, months), _months_by_numpy(dates, months)
    assert np.array_equal(np.isnat(got), np.isnat(want))
    assert np.array_equal(got[~np.isnat(got)], want[~np.isnat(want)])


def test_a_calendar_prepared_for_some_years_answers_as_one_that_was_not():
    # The engine works out the bank holidays of the data's years in the
    # background; dates outside them still widen the years.
    prepared = WorkingCalendar("england")
    prepared.prepare(range(2016, 2029))
    assert prepared.years == range(2016, 2029)
    table = prepared._table
    days = np.array(["2020-12-24", "2026-08-28"], dtype="datetime64[D]")
    plain = WorkingCalendar("england")
    assert np.array_equal(prepared.add_working_days(days, 10), plain.add_working_days(days, 10))
    assert prepared._table is table  # inside the prepared years: nothing worked out again
    prepared.prepare(range(2018, 2020))  # already covered
    assert prepared._table is table
    early = np.array(["1999-12-24"], dtype="datetime64[D]")
    assert np.array_equal(prepared.add_working_days(early, 3), plain.add_working_days(early, 3))
    assert prepared.years.start <= 1998 and prepared.years.stop == 2029
