"""Measures of Practice, rule by rule (docs/rules.md §1–§6, docs/frameworks.md
"measures-of-practice").

Every expected value is worked by hand from those rules in the comment beside it;
dates use the real England bank holidays unless a region is named. "dN" is the
N-th day counted from the start (the start is d0).
"""

from __future__ import annotations

import pandas as pd
from frames import audit, chain, found, kid, rec, run_rules

FW = "measures-of-practice"


def run(case_rows, visit_rows, *, as_of, framework=FW, **kw):
    return run_rules(case_rows, visit_rows, as_of=as_of, framework=framework, **kw)


def phone(n: int, date: str) -> dict:
    return rec(n, date, visit_type="contact")


# --------------------------------------------------------------------------- early help


def test_early_help_first_contact_within_5_working_days_may_be_a_phone_call():
    # Allocated Fri 4 Apr 2025: 5 wd = Mon 7, Tue 8, Wed 9, Thu 10, Fri 11 Apr -> due 11 Apr.
    # A phone call on 11 Apr meets it (initial filter `any`); the 4-weekly clock starts there:
    # 11 Apr + 28 = 9 May (seen visit on the day: on time); 9 May + 28 = 6 Jun = as_of, which
    # is not yet overdue (overdue needs d < as_of).
    r = run(
        [kid(1, "early_help", "2025-04-04")],
        [phone(1, "2025-04-11"), rec(1, "2025-05-09")],
        as_of="2025-06-06",
    )
    assert chain(r) == [
        ("initial", "2025-04-04", "2025-04-11", "2025-04-11", "on_time", 0),
        ("interval", "2025-04-11", "2025-05-09", "2025-05-09", "on_time", 0),
        ("interval", "2025-05-09", "2025-06-06", None, "pending", 0),
    ]
    assert found(r) == []


def test_early_help_first_contact_from_weekend_allocation_may_be_an_attempted_visit():
    # Allocated Sat 3 May 2025: Mon 5 May is a bank holiday, so 5 wd = Tue 6, Wed 7, Thu 8,
    # Fri 9, Mon 12 May -> due 12 May. C1's only record is a not-seen visit on Tue 13 May:
    # filter `any` counts it, 1 day late. C2 is seen on 12 May: on time.
    r = run(
        [kid(1, "early_help", "2025-05-03"), kid(2, "early_help", "2025-05-03")],
        [rec(1, "2025-05-13", seen=False), rec(2, "2025-05-12")],
        as_of="2025-05-20",
    )
    assert found(r) == [("E1", "initial", "2025-05-12", "2025-05-13", "late", 1)]
    assert chain(r, "E2")[0] == ("initial", "2025-05-03", "2025-05-12", "2025-05-12", "on_time", 0)


def test_early_help_4_weekly_visits_need_the_child_seen_face_to_face():
    # Allocated Fri 4 Apr 2025; call on Mon 7 Apr meets the 5 wd deadline (11 Apr) and starts
    # the clock: 7 Apr + 28 = 5 May. The call on 1 May and the not-seen visit on 2 May do not
    # count (filter `seen`); the seen visit on Tue 6 May is 1 day late. 6 May + 28 = 3 Jun,
    # overdue at 4 Jun by 1.
    r = run(
        [kid(1, "early_help", "2025-04-04")],
        [
            phone(1, "2025-04-07"),
            phone(1, "2025-05-01"),
            rec(1, "2025-05-02", seen=False),
            rec(1, "2025-05-06"),
        ],
        as_of="2025-06-04",
    )
    assert found(r) == [
        ("E1", "interval", "2025-05-05", "2025-05-06", "late", 1),
        ("E1", "interval", "2025-06-03", None, "overdue", 1),
    ]


def test_early_help_unmet_first_contact_is_one_overdue_finding_and_the_chain_stops():
    # Allocated Fri 4 Apr 2025, due Fri 11 Apr, nothing recorded: overdue 30 Apr - 11 Apr = 19.
    # No 4-weekly deadlines follow an unmet initial deadline.
    r = run([kid(1, "early_help", "2025-04-04")], [], as_of="2025-04-30")
    assert found(r) == [("E1", "initial", "2025-04-11", None, "overdue", 19)]
    assert len(chain(r)) == 1


# --------------------------------------------------------------------------- referral


def test_referral_decision_due_1_working_day_after_thursday_before_easter():
    # Referral Thu 17 Apr 2025: Fri 18 (Good Friday), Sat, Sun, Mon 21 (Easter Monday) are not
    # working days -> due Tue 22 Apr. E1 decided 22 Apr: on time. E2 decided Wed 23 Apr: late 1,
    # the finding's visit_date is the decision date and its anchor the referral date.
    # Visits do not make a referral a visiting plan: no interval deadlines.
    r = run(
        [
            kid(1, "referral", "2025-04-17", decision_date="2025-04-22"),
            kid(2, "referral", "2025-04-17", decision_date="2025-04-23"),
        ],
        [rec(1, "2025-04-18"), rec(1, "2025-04-25")],
        as_of="2025-05-01",
    )
    assert chain(r, "E1") == [("milestone", "2025-04-17", "2025-04-22", "2025-04-22", "on_time", 0)]
    assert found(r) == [("E2", "milestone", "2025-04-22", "2025-04-23", "late", 1)]
    assert r.findings.loc[0, "anchor_date"] == pd.Timestamp("2025-04-17")


def test_referral_blank_decision_is_overdue_when_open_missed_when_closed_after_due():
    # Due Tue 22 Apr 2025 (see above). E3 open, no decision: overdue 1 May - 22 Apr = 9.
    # E4 closed Fri 25 Apr: missed 25 - 22 = 3. E5 closed on the due day itself: nothing.
    r = run(
        [
            kid(3, "referral", "2025-04-17"),
            kid(4, "referral", "2025-04-17", end_date="2025-04-25"),
            kid(5, "referral", "2025-04-17", end_date="2025-04-22"),
        ],
        [],
        as_of="2025-05-01",
    )
    assert found(r) == [
        ("E3", "milestone", "2025-04-22", None, "overdue", 9),
        ("E4", "milestone", "2025-04-22", None, "missed", 3),
    ]


def test_referral_decision_dated_after_as_of_counts_as_blank():
    # Due Tue 22 Apr 2025; decision dated 2 May is after as_of 30 Apr: overdue 30 - 22 = 8.
    r = run([kid(6, "referral", "2025-04-17", decision_date="2025-05-02")], [], as_of="2025-04-30")
    assert found(r) == [("E6", "milestone", "2025-04-22", None, "overdue", 8)]


# --------------------------------------------------------------------------- S47


def test_s47_seen_within_2_working_days_and_nothing_recurring_after():
    # Started Thu 24 Apr 2025: Fri 25 (1), Mon 28 Apr (2) -> due 28 Apr. E1 seen 28 Apr: on time
    # and, with no recurring rule, months without a visit afterwards give nothing.
    # E2 seen Tue 29 Apr: late 1.
    r = run(
        [kid(1, "s47_enquiry", "2025-04-24"), kid(2, "s47_enquiry", "2025-04-24")],
        [rec(1, "2025-04-28"), rec(2, "2025-04-29")],
        as_of="2025-07-01",
    )
    assert chain(r, "E1") == [("initial", "2025-04-24", "2025-04-28", "2025-04-28", "on_time", 0)]
    assert found(r) == [("E2", "initial", "2025-04-28", "2025-04-29", "late", 1)]


def test_s47_working_days_count_from_a_saturday_and_from_good_friday():
    # Sat 3 May 2025: Mon 5 May is a bank holiday -> Tue 6 (1), Wed 7 (2) -> due 7 May;
    # seen 8 May: late 1. Good Friday 18 Apr 2025: Easter Monday 21 Apr is skipped too ->
    # Tue 22 (1), Wed 23 (2) -> due 23 Apr; seen 24 Apr: late 1.
    r = run(
        [kid(1, "s47_enquiry", "2025-05-03"), kid(2, "s47_enquiry", "2025-04-18")],
        [rec(1, "2025-05-08"), rec(2, "2025-04-24")],
        as_of="2025-06-01",
    )
    assert found(r) == [
        ("E2", "initial", "2025-04-23", "2025-04-24", "late", 1),
        ("E1", "initial", "2025-05-07", "2025-05-08", "late", 1),
    ]


def test_s47_working_days_skip_one_off_bank_holidays_2022_and_2023():
    # Wed 1 Jun 2022: Thu 2 Jun (spring bank holiday) and Fri 3 Jun (Platinum Jubilee) skipped
    #   -> Mon 6 (1), Tue 7 (2) -> due 7 Jun; seen 8 Jun: late 1.
    # Fri 16 Sep 2022: Mon 19 Sep (State Funeral) skipped -> Tue 20, Wed 21 -> due 21 Sep.
    # Fri 5 May 2023: Mon 8 May (Coronation) skipped -> Tue 9, Wed 10 -> due 10 May.
    r = run(
        [
            kid(1, "s47_enquiry", "2022-06-01"),
            kid(2, "s47_enquiry", "2022-09-16"),
            kid(3, "s47_enquiry", "2023-05-05"),
        ],
        [rec(1, "2022-06-08"), rec(2, "2022-09-22"), rec(3, "2023-05-11")],
        as_of="2023-06-01",
    )
    assert found(r) == [
        ("E1", "initial", "2022-06-07", "2022-06-08", "late", 1),
        ("E2", "initial", "2022-09-21", "2022-09-22", "late", 1),
        ("E3", "initial", "2023-05-10", "2023-05-11", "late", 1),
    ]


def test_s47_scotland_skips_2_january():
    # Started Tue 31 Dec 2024, seen Mon 6 Jan 2025.
    # England: Wed 1 Jan holiday -> Thu 2 (1), Fri 3 (2) -> due 3 Jan: late 3.
    # Scotland: 1 and 2 Jan are holidays -> Fri 3 (1), Mon 6 (2) -> due 6 Jan: on time.
    cases = [kid(1, "s47_enquiry", "2024-12-31")]
    visits = [rec(1, "2025-01-06")]
    eng = audit(cases, visits, framework=FW, as_of="2025-02-01", region="england")
    sct = audit(cases, visits, framework=FW, as_of="2025-02-01", region="scotland")
    assert found(eng) == [("E1", "initial", "2025-01-03", "2025-01-06", "late", 3)]
    assert found(sct) == []
    assert chain(sct) == [("initial", "2024-12-31", "2025-01-06", "2025-01-06", "on_time", 0)]


def test_s47_northern_ireland_skips_st_patricks_day_and_boyne_substitute():
    # Fri 14 Mar 2025: England Mon 17 (1), Tue 18 (2) -> 18 Mar; NI skips St Patrick's Day
    #   Mon 17 Mar -> Tue 18 (1), Wed 19 (2) -> 19 Mar.
    # Fri 11 Jul 2025: England Mon 14 (1), Tue 15 (2) -> 15 Jul; NI skips Mon 14 Jul (Battle of
    #   the Boyne, Sat 12 Jul observed) -> Tue 15 (1), Wed 16 (2) -> 16 Jul.
    # Seen 19 Mar and 16 Jul: late 1 each in England, on time in Northern Ireland.
    cases = [kid(1, "s47_enquiry", "2025-03-14"), kid(2, "s47_enquiry", "2025-07-11")]
    visits = [rec(1, "2025-03-19"), rec(2, "2025-07-16")]
    eng = audit(cases, visits, framework=FW, as_of="2025-08-01")
    nir = audit(cases, visits, framework=FW, as_of="2025-08-01", region="northern-ireland")
    assert found(eng) == [
        ("E1", "initial", "2025-03-18", "2025-03-19", "late", 1),
        ("E2", "initial", "2025-07-15", "2025-07-16", "late", 1),
    ]
    assert found(nir) == []


# --------------------------------------------------------------------------- child in need


def test_cin_visit_due_every_20_working_days_skips_christmas_and_new_year():
    # Plan start Mon 1 Dec 2025: Dec 2-5 (4), 8-12 (9), 15-19 (14), 22, 23, 24 (17),
    #   [25, 26 Dec], 29, 30, 31 (20) -> due Wed 31 Dec. Seen Fri 2 Jan 2026: late 2.
    # From Fri 2 Jan: Jan 5-9 (5), 12-16 (10), 19-23 (15), 26-30 (20) -> due Fri 30 Jan;
    #   overdue at Mon 2 Feb by 3.
    r = run([kid(1, "child_in_need", "2025-12-01")], [rec(1, "2026-01-02")], as_of="2026-02-02")
    assert found(r) == [
        ("E1", "interval", "2025-12-31", "2026-01-02", "late", 2),
        ("E1", "interval", "2026-01-30", None, "overdue", 3),
    ]


def test_cin_20_working_days_scotland_skips_st_andrews_day_substitute():
    # Plan start Fri 28 Nov 2025, seen Wed 31 Dec 2025.
    # England: Dec 1-5 (5), 8-12 (10), 15-19 (15), 22, 23, 24 (18), 29 (19), 30 (20) -> 30 Dec:
    #   late 1.
    # Scotland: Mon 1 Dec is St Andrew's Day (Sun 30 Nov) observed -> Dec 2-5 (4), 8-12 (9),
    #   15-19 (14), 22, 23, 24 (17), 29, 30, 31 (20) -> 31 Dec: on time.
    cases = [kid(1, "child_in_need", "2025-11-28")]
    visits = [rec(1, "2025-12-31")]
    eng = audit(cases, visits, framework=FW, as_of="2026-01-05")
    sct = audit(cases, visits, framework=FW, as_of="2026-01-05", region="scotland")
    assert found(eng) == [("E1", "interval", "2025-12-30", "2025-12-31", "late", 1)]
    assert found(sct) == []
    assert chain(sct)[0] == ("interval", "2025-11-28", "2025-12-31", "2025-12-31", "on_time", 0)


# --------------------------------------------------------------------------- child protection


def test_cp_seen_within_48_hours_rounds_to_2_calendar_days():
    # Plan agreed Fri 11 Apr 2025 + 48 h = Sun 13 Apr (calendar days, weekend or not).
    # E1 seen Sun 13 Apr: on time. E2 seen Mon 14 Apr: late 1.
    r = run(
        [kid(1, "child_protection", "2025-04-11"), kid(2, "child_protection", "2025-04-11")],
        [rec(1, "2025-04-13"), rec(2, "2025-04-14")],
        as_of="2025-04-20",
    )
    assert chain(r, "E1")[0] == ("initial", "2025-04-11", "2025-04-13", "2025-04-13", "on_time", 0)
    assert found(r) == [("E2", "initial", "2025-04-13", "2025-04-14", "late", 1)]


def test_cp_visit_due_10_working_days_skips_easter():
    # Fri 11 Apr 2025 + 48 h = Sun 13 Apr; seen Mon 14 Apr: late 1.
    # 10 wd from Mon 14 Apr skips Good Friday 18 and Easter Monday 21 Apr:
    #   15, 16, 17, 22, 23, 24, 25, 28, 29, 30 -> Wed 30 Apr; seen 30 Apr: on time (on the day).
    # From Wed 30 Apr: May 1, 2, [5 May holiday], 6, 7, 8, 9, 12, 13, 14, 15 -> Thu 15 May;
    #   seen Fri 16 May: late 1.
    # From Fri 16 May: 19-23 (5), [26 May holiday], 27, 28, 29, 30 (9), Mon 2 Jun (10) -> 2 Jun;
    #   overdue at 10 Jun by 8.
    r = run(
        [kid(1, "child_protection", "2025-04-11")],
        [rec(1, "2025-04-14"), rec(1, "2025-04-30"), rec(1, "2025-05-16")],
        as_of="2025-06-10",
    )
    assert chain(r) == [
        ("initial", "2025-04-11", "2025-04-13", "2025-04-14", "late", 1),
        ("interval", "2025-04-14", "2025-04-30", "2025-04-30", "on_time", 0),
        ("interval", "2025-04-30", "2025-05-15", "2025-05-16", "late", 1),
        ("interval", "2025-05-16", "2025-06-02", None, "overdue", 8),
    ]


def test_cp_10_working_days_from_a_saturday_visit_skip_early_may_bank_holiday():
    # Agreed Thu 1 May 2025 + 48 h = Sat 3 May; seen Sat 3 May: on time.
    # 10 wd from Sat 3 May (the "Working days and bank holidays" example) = Mon 19 May
    # (Mon 5 May is a holiday):
    #   6, 7, 8, 9, 12, 13, 14, 15, 16, 19. Seen Tue 20 May: late 1.
    r = run(
        [kid(1, "child_protection", "2025-05-01")],
        [rec(1, "2025-05-03"), rec(1, "2025-05-20")],
        as_of="2025-05-21",
    )
    assert chain(r)[:2] == [
        ("initial", "2025-05-01", "2025-05-03", "2025-05-03", "on_time", 0),
        ("interval", "2025-05-03", "2025-05-19", "2025-05-20", "late", 1),
    ]


def test_cp_closed_after_due_date_is_missed_closed_on_due_date_is_nothing():
    # Agreed Mon 3 Mar 2025, seen Tue 4 Mar (due Wed 5 Mar: on time).
    # From Tue 4 Mar: 5, 6, 7, 10-14, 17, 18 -> due Tue 18 Mar; no later record.
    # E1 closed 1 Apr: missed, 1 Apr - 18 Mar = 14. E2 closed on 18 Mar: nothing.
    # E3 closed Wed 19 Mar: missed 1.
    r = run(
        [
            kid(1, "child_protection", "2025-03-03", end_date="2025-04-01"),
            kid(2, "child_protection", "2025-03-03", end_date="2025-03-18"),
            kid(3, "child_protection", "2025-03-03", end_date="2025-03-19"),
        ],
        [rec(1, "2025-03-04"), rec(2, "2025-03-04"), rec(3, "2025-03-04")],
        as_of="2025-05-01",
    )
    assert found(r) == [
        ("E1", "interval", "2025-03-18", None, "missed", 14),
        ("E3", "interval", "2025-03-18", None, "missed", 1),
    ]


def test_cp_unmet_initial_deadline_stops_the_chain_one_finding_only():
    # Agreed Tue 1 Apr 2025 + 48 h = Thu 3 Apr; never seen.
    # E1 open at 1 May: overdue 1 May - 3 Apr = 28, and no 10-wd deadlines after it.
    # E2 closed Sun 20 Apr: missed 20 - 3 = 17. E3 closed on Thu 3 Apr (the due day): nothing.
    r = run(
        [
            kid(1, "child_protection", "2025-04-01"),
            kid(2, "child_protection", "2025-04-01", end_date="2025-04-20"),
            kid(3, "child_protection", "2025-04-01", end_date="2025-04-03"),
        ],
        [],
        as_of="2025-05-01",
    )
    assert found(r) == [
        ("E1", "initial", "2025-04-03", None, "overdue", 28),
        ("E2", "initial", "2025-04-03", None, "missed", 17),
    ]
    assert len(chain(r, "E1")) == 1


# --------------------------------------------------------------------------- child in care


def test_cic_seen_day_of_placement_and_within_a_week_single_late_visit_spec_example():
    # "Initial deadlines" example: placed Mon 6 Jan 2025, one visit on 20 Jan.
    # 1st record due 6 Jan + 0 days = 6 Jan: late 14. 2nd record due 6 + 7 = 13 Jan: none.
    # E1 open at 1 Mar: overdue 1 Mar - 13 Jan = 18 + 28 + 1 = 47. E2 closed 1 Feb: missed
    # 1 Feb - 13 Jan = 19. The chain stops: exactly two findings each.
    r = run(
        [
            kid(1, "child_in_care", "2025-01-06"),
            kid(2, "child_in_care", "2025-01-06", end_date="2025-02-01"),
        ],
        [rec(1, "2025-01-20"), rec(2, "2025-01-20")],
        as_of="2025-03-01",
    )
    assert found(r) == [
        ("E1", "initial", "2025-01-06", "2025-01-20", "late", 14),
        ("E2", "initial", "2025-01-06", "2025-01-20", "late", 14),
        ("E1", "initial", "2025-01-13", None, "overdue", 47),
        ("E2", "initial", "2025-01-13", None, "missed", 19),
    ]


def test_cic_one_day_meets_at_most_one_initial_deadline_however_many_records():
    # Placed Mon 6 Jan 2025; three records on 6 Jan (visit, visit, return home interview) are
    # one counting day: they meet "0 days" (due 6 Jan) only. "7 days" (due 13 Jan) has no
    # second day: overdue at 20 Jan by 7.
    r = run(
        [kid(1, "child_in_care", "2025-01-06")],
        [
            rec(1, "2025-01-06"),
            rec(1, "2025-01-06"),
            rec(1, "2025-01-06", visit_type="return_home_interview"),
        ],
        as_of="2025-01-20",
    )
    assert chain(r) == [
        ("initial", "2025-01-06", "2025-01-06", "2025-01-06", "on_time", 0),
        ("initial", "2025-01-06", "2025-01-13", None, "overdue", 7),
    ]


def test_cic_weekly_phase_still_requires_the_visit_due_on_day_28():
    # Placed Mon 6 Jan 2025 (d0); start + 4 weeks = Mon 3 Feb (d28) ends the weekly phase.
    # Seen d0 (0 days), 13 Jan (7 days), 20 Jan, 27 Jan (weekly, on time). From 27 Jan (d21)
    # +7 = 3 Feb = d28 <= 3 Feb: still weekly; seen Tue 4 Feb: late 1.
    # From 4 Feb (d29): weekly 11 Feb is past 3 Feb, so 6 weeks: 4 Feb + 42 = 18 Mar;
    # overdue at 20 Mar by 2.
    r = run(
        [kid(1, "child_in_care", "2025-01-06")],
        [rec(1, d) for d in ("2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27", "2025-02-04")],
        as_of="2025-03-20",
    )
    assert chain(r) == [
        ("initial", "2025-01-06", "2025-01-06", "2025-01-06", "on_time", 0),
        ("initial", "2025-01-06", "2025-01-13", "2025-01-13", "on_time", 0),
        ("interval", "2025-01-13", "2025-01-20", "2025-01-20", "on_time", 0),
        ("interval", "2025-01-20", "2025-01-27", "2025-01-27", "on_time", 0),
        ("interval", "2025-01-27", "2025-02-03", "2025-02-04", "late", 1),
        ("interval", "2025-02-04", "2025-03-18", None, "overdue", 2),
    ]


def test_cic_weekly_phase_lapses_visit_day_26_next_due_day_68():
    # Placed Mon 6 Jan 2025 (d0). Seen d0, 13 Jan (d7), 20 Jan (d14), Sat 25 Jan (d19),
    # Sat 1 Feb (d26). From d26 the weekly candidate d33 (8 Feb) falls after d28 (3 Feb): it
    # lapses, and 6 weeks from d26 apply: 1 Feb + 42 = 15 Mar = d68 (seen that day: on time).
    # 15 Mar + 42 = 26 Apr; overdue at 28 Apr by 2. No weekly deadline on 8 Feb.
    r = run(
        [kid(1, "child_in_care", "2025-01-06")],
        [
            rec(1, d)
            for d in (
                "2025-01-06",
                "2025-01-13",
                "2025-01-20",
                "2025-01-25",
                "2025-02-01",
                "2025-03-15",
            )
        ],
        as_of="2025-04-28",
    )
    assert chain(r)[3:] == [
        ("interval", "2025-01-20", "2025-01-27", "2025-01-25", "on_time", 0),
        ("interval", "2025-01-25", "2025-02-01", "2025-02-01", "on_time", 0),
        ("interval", "2025-02-01", "2025-03-15", "2025-03-15", "on_time", 0),
        ("interval", "2025-03-15", "2025-04-26", None, "overdue", 2),
    ]
    assert found(r) == [("E1", "interval", "2025-04-26", None, "overdue", 2)]


# Placed Mon 6 Jan 2025: weekly to 3 Feb (all on the day), then 6-weekly, each on the day:
# 3 Feb + 42 = 17 Mar, + 42 = 28 Apr, 9 Jun, 21 Jul, 1 Sep, 13 Oct, and the next due 24 Nov.
CIC_FIRST_YEAR = (
    "2025-01-06",
    "2025-01-13",
    "2025-01-20",
    "2025-01-27",
    "2025-02-03",
    "2025-03-17",
    "2025-04-28",
    "2025-06-09",
    "2025-07-21",
    "2025-09-01",
    "2025-10-13",
)


def test_cic_6_weekly_until_start_plus_1_year_when_reduction_agreed_earlier_then_3_monthly():
    # reduced_frequency_date 1 Jun 2025 < start + 1 year (6 Jan 2026): the later is 6 Jan 2026.
    # C1 seen Tue 25 Nov (due 24 Nov: late 1): 25 Nov + 42 = 6 Jan 2026 <= 6 Jan, still
    #   6-weekly; overdue at 1 Mar 2026 by 25 + 28 + 1 = 54.
    # C2 seen Wed 26 Nov (late 2): 26 Nov + 42 = 7 Jan 2026 > 6 Jan: lapses; 3 months:
    #   max(7 Jan, 26 Feb) = 26 Feb 2026; overdue at 1 Mar by 3.
    cases = [
        kid(n, "child_in_care", "2025-01-06", reduced_frequency_date="2025-06-01") for n in (1, 2)
    ]
    visits = [rec(n, d) for n in (1, 2) for d in CIC_FIRST_YEAR]
    visits += [rec(1, "2025-11-25"), rec(2, "2025-11-26")]
    r = run(cases, visits, as_of="2026-03-01")
    assert found(r) == [
        ("E1", "interval", "2025-11-24", "2025-11-25", "late", 1),
        ("E2", "interval", "2025-11-24", "2025-11-26", "late", 2),
        ("E1", "interval", "2026-01-06", None, "overdue", 54),
        ("E2", "interval", "2026-02-26", None, "overdue", 3),
    ]


def test_cic_6_weekly_continues_until_a_later_reduced_frequency_date_or_for_good_when_blank():
    # All seen 24 Nov 2025 and Mon 5 Jan 2026 (24 Nov + 42 = 5 Jan: on time).
    # From 5 Jan 2026, 6 weeks = 16 Feb 2026.
    # C3 reduced 1 Mar 2026 (later than start + 1 year): 16 Feb <= 1 Mar, 6-weekly; overdue at
    #   1 Mar by 13. C4 reduced blank: the 6-weekly phase never ends; same 13, and no warning
    #   (reduced_frequency_date is not an expected column).
    # C5 reduced Tue 10 Feb 2026: 16 Feb > 10 Feb lapses; 3 months: max(11 Feb, 5 Apr) = 5 Apr
    #   2026, not yet due.
    cases = [
        kid(3, "child_in_care", "2025-01-06", reduced_frequency_date="2026-03-01"),
        kid(4, "child_in_care", "2025-01-06"),
        kid(5, "child_in_care", "2025-01-06", reduced_frequency_date="2026-02-10"),
    ]
    visits = [rec(n, d) for n in (3, 4, 5) for d in CIC_FIRST_YEAR + ("2025-11-24", "2026-01-05")]
    r = run(cases, visits, as_of="2026-03-01")
    assert found(r) == [
        ("E3", "interval", "2026-02-16", None, "overdue", 13),
        ("E4", "interval", "2026-02-16", None, "overdue", 13),
    ]
    assert chain(r, "E5")[-1] == ("interval", "2026-01-05", "2026-04-05", None, "pending", 0)
    assert not any("reduced_frequency_date" in w for w in r.warnings)


# --------------------------------------------------------------------------- short breaks


def test_short_breaks_7_days_and_3_months_then_6_monthly_from_the_3_month_visit():
    # First placement day Wed 15 Jan 2025: 1st record due 22 Jan (seen 20 Jan), 2nd due
    # 15 Apr (3 months; seen 10 Apr). 6 months run from that visit: 10 Apr + 6 months = 10 Oct;
    # overdue at 1 Nov by 22. Window 0 (15 Jan 2025 - 14 Jan 2026) is not complete: no counts.
    r = run(
        [kid(1, "short_breaks", "2025-01-15")],
        [rec(1, "2025-01-20"), rec(1, "2025-04-10")],
        as_of="2025-11-01",
    )
    assert chain(r) == [
        ("initial", "2025-01-15", "2025-01-22", "2025-01-20", "on_time", 0),
        ("initial", "2025-01-15", "2025-04-15", "2025-04-10", "on_time", 0),
        ("interval", "2025-04-10", "2025-10-10", None, "overdue", 22),
    ]


def test_short_breaks_3_months_from_30_november_clips_to_28_february():
    # Sun 30 Nov 2025 + 7 days = 7 Dec (seen 3 Dec); + 3 months = "30 Feb 2026" -> 28 Feb.
    # Seen Sun 1 Mar 2026: late 1.
    r = run(
        [kid(1, "short_breaks", "2025-11-30")],
        [rec(1, "2025-12-03"), rec(1, "2026-03-01")],
        as_of="2026-03-02",
    )
    assert found(r) == [("E1", "initial", "2026-02-28", "2026-03-01", "late", 1)]


SB_REQ_TWICE = "Seen at least twice a year in the setting"
SB_REQ_UNANNOUNCED = "At least one unannounced visit a year"
SB_REQ_BEDROOM = "Sleeping arrangements seen at least once a year"


def _short_break_year(n: int) -> list[dict]:
    # Seen 20 Jan 2024 (due 22 Jan), 10 Apr 2024 (due 15 Apr) and 1 Oct 2024 (6 months from
    # 10 Apr = 10 Oct): three seen days, none unannounced, no bedroom seen. The not-seen
    # attempt on 5 Jul and the phone call on 2 Nov flag both but are not seen visits.
    return [
        rec(n, "2024-01-20", unannounced=False, bedroom_seen=False),
        rec(n, "2024-04-10", unannounced=False, bedroom_seen=False),
        rec(n, "2024-07-05", seen=False, unannounced=True, bedroom_seen=True),
        rec(n, "2024-10-01"),
        rec(n, "2024-11-02", visit_type="contact", unannounced=True, bedroom_seen=True),
    ]


def test_short_breaks_count_window_one_missed_finding_per_failed_requirement():
    # Start Mon 15 Jan 2024: window 0 = 15 Jan 2024 .. 14 Jan 2025 (day before start + 1 year),
    # complete when as_of is 14 Jan 2025. Twice a year: 3 seen days, met. Unannounced and
    # bedroom: none on a seen record -> two missed findings, anchor = window start, due =
    # window end, no visit, 0 days.
    # C2 is the same but closed 13 Jan 2025: its window ends after min(end, as_of), not judged.
    r = run(
        [
            kid(1, "short_breaks", "2024-01-15"),
            kid(2, "short_breaks", "2024-01-15", end_date="2025-01-13"),
        ],
        _short_break_year(1) + _short_break_year(2),
        as_of="2025-01-14",
    )
    assert found(r) == [
        ("E1", "count", "2025-01-14", None, "missed", 0),
        ("E1", "count", "2025-01-14", None, "missed", 0),
    ]
    f = r.findings
    assert set(f["requirement"]) == {SB_REQ_UNANNOUNCED, SB_REQ_BEDROOM}
    assert (f["anchor_date"] == pd.Timestamp("2024-01-15")).all()
    counts = r.deadlines.loc[r.deadlines["kind"] == "count"]
    assert set(counts["episode_id"]) == {"E1"}
    met = counts.loc[counts["requirement"] == SB_REQ_TWICE, "status"].tolist()
    assert met == ["on_time"]


def test_short_breaks_count_window_not_judged_until_its_last_day():
    # Same records; as_of 13 Jan 2025 is the day before window 0 ends: no count deadline yet.
    r = run([kid(1, "short_breaks", "2024-01-15")], _short_break_year(1), as_of="2025-01-13")
    assert found(r) == []
    assert (r.deadlines["kind"] != "count").all()


def test_short_breaks_count_window_counts_distinct_days():
    # Two seen records on 20 Jan 2024 (both unannounced, bedroom seen) are one day: twice a
    # year fails; the other two requirements are met. The 3-month initial deadline (15 Apr
    # 2024) has no second day: overdue at 14 Jan 2025 by 15 + 31 + 30 + 31 + 31 + 30 + 31 + 30
    # + 31 + 14 = 274.
    r = run(
        [kid(1, "short_breaks", "2024-01-15")],
        [rec(1, "2024-01-20", unannounced=True, bedroom_seen=True)] * 2,
        as_of="2025-01-14",
    )
    assert found(r) == [
        ("E1", "initial", "2024-04-15", None, "overdue", 274),
        ("E1", "count", "2025-01-14", None, "missed", 0),
    ]
    assert r.findings.loc[1, "requirement"] == SB_REQ_TWICE


def test_short_breaks_window_from_29_february_ends_27_february_next_year():
    # Start Thu 29 Feb 2024; 29 Feb + 1 year = 28 Feb 2025, so window 0 = 29 Feb 2024 ..
    # 27 Feb 2025 and the unannounced visit on 28 Feb 2025 falls in window 1.
    # Chain: 7 Mar (seen 1 Mar), 29 May (3 months; seen 29 May), 29 Nov (6 months; seen then),
    # 28 Feb 2025 meets 29 May 2025. Window 0: 3 seen days, bedroom seen 1 Mar, no unannounced.
    r = run(
        [kid(1, "short_breaks", "2024-02-29")],
        [
            rec(1, "2024-03-01", bedroom_seen=True),
            rec(1, "2024-05-29"),
            rec(1, "2024-11-29"),
            rec(1, "2025-02-28", unannounced=True),
        ],
        as_of="2025-03-01",
    )
    assert found(r) == [("E1", "count", "2025-02-27", None, "missed", 0)]
    assert r.findings.loc[0, "requirement"] == SB_REQ_UNANNOUNCED
    assert r.findings.loc[0, "anchor_date"] == pd.Timestamp("2024-02-29")


def test_short_breaks_every_complete_12_month_window_is_judged_separately():
    # E1 from Mon 15 Jan 2024, as_of 14 Jan 2026: windows 0 (15 Jan 2024 - 14 Jan 2025) and
    #   1 (15 Jan 2025 - 14 Jan 2026) are complete. Chain all on time: 22 Jan (seen 20 Jan),
    #   15 Apr (10 Apr), 10 Oct (1 Oct), 1 Apr 2025 (1 Mar), 1 Sep (1 Aug), 1 Feb 2026 (5 Jan).
    #   Window 0: 3 seen days, unannounced and bedroom on 20 Jan 2024: met. Window 1: 3 seen
    #   days, unannounced 1 Mar 2025, no bedroom seen -> one missed finding, anchor 15 Jan
    #   2025, due 14 Jan 2026. The 20 Jan 2024 bedroom visit does not carry over.
    # E2 from Sat 1 Jun 2024: 8 Jun (seen 5 Jun), 1 Sep (1 Sep), 1 Mar 2025, 1 Sep 2025 on time.
    #   Window 0 (to 31 May 2025) met; window 1 (to 31 May 2026) not complete.
    r = run(
        [kid(1, "short_breaks", "2024-01-15"), kid(2, "short_breaks", "2024-06-01")],
        [
            rec(1, "2024-01-20", unannounced=True, bedroom_seen=True),
            rec(1, "2024-04-10"),
            rec(1, "2024-10-01"),
            rec(1, "2025-03-01", unannounced=True),
            rec(1, "2025-08-01"),
            rec(1, "2026-01-05"),
            rec(2, "2024-06-05", unannounced=True, bedroom_seen=True),
            rec(2, "2024-09-01"),
            rec(2, "2025-03-01", bedroom_seen=True),
            rec(2, "2025-09-01"),
        ],
        as_of="2026-01-14",
    )
    assert found(r) == [("E1", "count", "2026-01-14", None, "missed", 0)]
    assert r.findings.loc[0, "requirement"] == SB_REQ_BEDROOM
    assert r.findings.loc[0, "anchor_date"] == pd.Timestamp("2025-01-15")
    counts = r.deadlines.loc[r.deadlines["kind"] == "count"]
    assert counts.groupby("episode_id").size().to_dict() == {"E1": 6, "E2": 3}


# --------------------------------------------------------------------------- adoption

ADOPTION = {"first_review_date": "2025-03-31"}


def test_adoption_weekly_until_first_review_inclusive_then_6_weekly():
    # Placed Mon 3 Mar 2025, first review Mon 31 Mar. 7 days -> 10 Mar (seen). Weekly:
    # 17, 24 and 31 Mar (the review day is still weekly). From 31 Mar weekly 7 Apr is after the
    # review, so 6 weeks: 31 Mar + 42 = 12 May; overdue at 20 May by 8.
    r = run(
        [kid(1, "adoption", "2025-03-03", **ADOPTION)],
        [rec(1, d) for d in ("2025-03-10", "2025-03-17", "2025-03-24", "2025-03-31")],
        as_of="2025-05-20",
    )
    assert chain(r) == [
        ("initial", "2025-03-03", "2025-03-10", "2025-03-10", "on_time", 0),
        ("interval", "2025-03-10", "2025-03-17", "2025-03-17", "on_time", 0),
        ("interval", "2025-03-17", "2025-03-24", "2025-03-24", "on_time", 0),
        ("interval", "2025-03-24", "2025-03-31", "2025-03-31", "on_time", 0),
        ("interval", "2025-03-31", "2025-05-12", None, "overdue", 8),
    ]


def test_adoption_weekly_deadline_lapses_at_first_review():
    # As above but seen Tue 25 Mar (due 24 Mar: late 1). From 25 Mar weekly 1 Apr is after the
    # review (31 Mar): it lapses; 6 weeks from 25 Mar = 6 May; overdue at 20 May by 14.
    r = run(
        [kid(1, "adoption", "2025-03-03", **ADOPTION)],
        [rec(1, d) for d in ("2025-03-10", "2025-03-17", "2025-03-25")],
        as_of="2025-05-20",
    )
    assert found(r) == [
        ("E1", "interval", "2025-03-24", "2025-03-25", "late", 1),
        ("E1", "interval", "2025-05-06", None, "overdue", 14),
    ]


def test_adoption_3_monthly_after_first_review_plus_1_year():
    # Review 31 Mar 2025 -> the 6-weekly phase ends on 31 Mar 2026. 6-weekly on the day from
    # 31 Mar 2025: 12 May, 23 Jun, 4 Aug, 15 Sep, 27 Oct, 8 Dec, 19 Jan 2026 (next due 2 Mar).
    # C1 seen Tue 17 Feb 2026: + 42 = 31 Mar 2026 <= 31 Mar, still 6-weekly; overdue at
    #   10 Apr by 10.
    # C2 seen Wed 18 Feb 2026: + 42 = 1 Apr > 31 Mar lapses; 3 months: 18 May 2026, pending.
    year = (
        "2025-03-10",
        "2025-03-17",
        "2025-03-24",
        "2025-03-31",
        "2025-05-12",
        "2025-06-23",
        "2025-08-04",
        "2025-09-15",
        "2025-10-27",
        "2025-12-08",
        "2026-01-19",
    )
    r = run(
        [kid(n, "adoption", "2025-03-03", **ADOPTION) for n in (1, 2)],
        [rec(n, d) for n in (1, 2) for d in year] + [rec(1, "2026-02-17"), rec(2, "2026-02-18")],
        as_of="2026-04-10",
    )
    assert found(r) == [("E1", "interval", "2026-03-31", None, "overdue", 10)]
    assert chain(r, "E2")[-1] == ("interval", "2026-02-18", "2026-05-18", None, "pending", 0)


def test_adoption_missing_first_review_keeps_weekly_and_warns():
    # No first_review_date: the weekly phase never ends. Seen 10, 17, 24, 31 Mar 2025; weekly
    # from 31 Mar = 7 Apr; overdue at 1 Jun by 23 + 31 + 1 = 55.
    r = run(
        [kid(1, "adoption", "2025-03-03")],
        [rec(1, d) for d in ("2025-03-10", "2025-03-17", "2025-03-24", "2025-03-31")],
        as_of="2025-06-01",
    )
    assert found(r) == [("E1", "interval", "2025-04-07", None, "overdue", 55)]
    lacking = [w for w in r.warnings if "first_review_date" in w]
    assert len(lacking) == 1
    assert lacking[0].startswith("1 episode") and "adoption" in lacking[0]


# --------------------------------------------------------------------------- private fostering

# Notified Thu 29 Feb 2024: 7 days -> 7 Mar (seen). 6-weekly on the day: 18 Apr, 30 May,
# 11 Jul, 22 Aug, 3 Oct, 14 Nov, 26 Dec 2024 (next due 6 Feb 2025).
PF_YEAR = (
    "2024-03-07",
    "2024-04-18",
    "2024-05-30",
    "2024-07-11",
    "2024-08-22",
    "2024-10-03",
    "2024-11-14",
    "2024-12-26",
)


def test_private_fostering_6_weekly_until_29_february_plus_1_year_is_28_february():
    # start + 1 year = 29 Feb 2024 + 1 year = 28 Feb 2025.
    # C1 seen Fri 17 Jan 2025: + 42 = 28 Feb <= 28 Feb, 6-weekly; overdue at 10 Mar by 10.
    # C2 seen Sat 18 Jan 2025: + 42 = 1 Mar > 28 Feb lapses; 12 weeks: 18 Jan + 84 = 12 Apr,
    #   not yet due (were the boundary 1 Mar, it would be overdue since 1 Mar).
    # C3 first seen Fri 8 Mar 2024: due 7 Mar, late 1; then 8 Mar + 42 = 19 Apr 2024, overdue
    #   at 10 Mar 2025 by 334 (19 Apr 2024 -> 19 Mar 2025) - 9 = 325.
    r = run(
        [kid(n, "private_fostering", "2024-02-29") for n in (1, 2, 3)],
        [rec(n, d) for n in (1, 2) for d in PF_YEAR]
        + [rec(1, "2025-01-17"), rec(2, "2025-01-18"), rec(3, "2024-03-08")],
        as_of="2025-03-10",
    )
    assert found(r) == [
        ("E3", "initial", "2024-03-07", "2024-03-08", "late", 1),
        ("E3", "interval", "2024-04-19", None, "overdue", 325),
        ("E1", "interval", "2025-02-28", None, "overdue", 10),
    ]
    assert chain(r, "E2")[-1] == ("interval", "2025-01-18", "2025-04-12", None, "pending", 0)


# --------------------------------------------------------------------------- temporary approval

TA = {"first_review_date": "2025-08-04"}


def test_temporary_approval_weekly_from_placement_until_first_review_then_4_weekly():
    # No initial deadline: weekly from the placement, Mon 7 Jul 2025 -> 14, 21, 28 Jul and
    # 4 Aug (the first review day is still weekly). From 4 Aug weekly 11 Aug is after the review:
    # 4 weeks, 1 Sep; overdue at 10 Sep by 9.
    r = run(
        [kid(1, "temporary_approval", "2025-07-07", **TA)],
        [rec(1, d) for d in ("2025-07-14", "2025-07-21", "2025-07-28", "2025-08-04")],
        as_of="2025-09-10",
    )
    assert chain(r) == [
        ("interval", "2025-07-07", "2025-07-14", "2025-07-14", "on_time", 0),
        ("interval", "2025-07-14", "2025-07-21", "2025-07-21", "on_time", 0),
        ("interval", "2025-07-21", "2025-07-28", "2025-07-28", "on_time", 0),
        ("interval", "2025-07-28", "2025-08-04", "2025-08-04", "on_time", 0),
        ("interval", "2025-08-04", "2025-09-01", None, "overdue", 9),
    ]


def test_temporary_approval_missing_first_review_stays_weekly_and_warns():
    # Same visits, no review date: from 4 Aug still weekly, 11 Aug; overdue at 20 Aug by 9.
    r = run(
        [kid(1, "temporary_approval", "2025-07-07")],
        [rec(1, d) for d in ("2025-07-14", "2025-07-21", "2025-07-28", "2025-08-04")],
        as_of="2025-08-20",
    )
    assert found(r) == [("E1", "interval", "2025-08-11", None, "overdue", 9)]
    assert any(
        w.startswith("1 episode") and "temporary_approval" in w and "first_review_date" in w
        for w in r.warnings
    )


# --------------------------------------------------------------------------- care order at home

# Placed Mon 1 Jul 2024: 7 days -> 8 Jul (seen); 6-weekly on the day: 19 Aug, 30 Sep, 11 Nov,
# 23 Dec 2024, 3 Feb, 17 Mar, 28 Apr 2025 (next due 9 Jun 2025).
COAH_YEAR = (
    "2024-07-08",
    "2024-08-19",
    "2024-09-30",
    "2024-11-11",
    "2024-12-23",
    "2025-02-03",
    "2025-03-17",
    "2025-04-28",
)


def test_care_order_at_home_6_weekly_until_later_of_start_plus_1_year_and_reduced():
    # start + 1 year = 1 Jul 2025.
    # C1 reduced 1 Mar 2025 (earlier): boundary 1 Jul 2025. Seen Tue 20 May: + 42 = 1 Jul <=
    #   1 Jul, 6-weekly; overdue at 10 Jul by 9.
    # C2 reduced 1 Mar 2025, seen Wed 21 May: + 42 = 2 Jul > 1 Jul; 3 months: 21 Aug, pending.
    # C3 reduced 1 Sep 2025 (later): seen 21 May -> 2 Jul 6-weekly; overdue by 8.
    # C4 reduced blank: 6-weekly for good; 2 Jul, overdue by 8 (and no warning).
    # C5 first seen Tue 9 Jul 2024: 7-day deadline 8 Jul late 1; 9 Jul + 42 = 20 Aug 2024,
    #   overdue at 10 Jul 2025 by 304 (to 20 Jun 2025) + 20 = 324.
    cases = [
        kid(1, "care_order_at_home", "2024-07-01", reduced_frequency_date="2025-03-01"),
        kid(2, "care_order_at_home", "2024-07-01", reduced_frequency_date="2025-03-01"),
        kid(3, "care_order_at_home", "2024-07-01", reduced_frequency_date="2025-09-01"),
        kid(4, "care_order_at_home", "2024-07-01"),
        kid(5, "care_order_at_home", "2024-07-01"),
    ]
    visits = [rec(n, d) for n in (1, 2, 3, 4) for d in COAH_YEAR]
    visits += [
        rec(1, "2025-05-20"),
        rec(2, "2025-05-21"),
        rec(3, "2025-05-21"),
        rec(4, "2025-05-21"),
        rec(5, "2024-07-09"),
    ]
    r = run(cases, visits, as_of="2025-07-10")
    assert found(r) == [
        ("E5", "initial", "2024-07-08", "2024-07-09", "late", 1),
        ("E5", "interval", "2024-08-20", None, "overdue", 324),
        ("E1", "interval", "2025-07-01", None, "overdue", 9),
        ("E3", "interval", "2025-07-02", None, "overdue", 8),
        ("E4", "interval", "2025-07-02", None, "overdue", 8),
    ]
    assert chain(r, "E2")[-1] == ("interval", "2025-05-21", "2025-08-21", None, "pending", 0)
    assert not any("reduced_frequency_date" in w for w in r.warnings)


# --------------------------------------------------------------------------- missing


def test_missing_72_hours_return_home_interview_counts_phone_call_does_not():
    # Returned Fri 4 Jul 2025 + 72 h = Mon 7 Jul.
    # C1: phone call 5 Jul and a not-seen visit 6 Jul do not count; the return home interview on
    #   Tue 8 Jul does: late 1. No recurring rule: nothing after.
    # C2: return home interview on 7 Jul: on time.
    r = run(
        [kid(1, "missing", "2025-07-04", end_date="2025-07-20"), kid(2, "missing", "2025-07-04")],
        [
            phone(1, "2025-07-05"),
            rec(1, "2025-07-06", seen=False),
            rec(1, "2025-07-08", visit_type="return_home_interview"),
            rec(2, "2025-07-07", visit_type="return_home_interview"),
        ],
        as_of="2025-09-01",
    )
    assert found(r) == [("E1", "initial", "2025-07-07", "2025-07-08", "late", 1)]
    assert chain(r, "E2") == [("initial", "2025-07-04", "2025-07-07", "2025-07-07", "on_time", 0)]


# --------------------------------------------------------------------------- care leavers


def test_care_leaver_2_monthly_until_20th_birthday_then_6_monthly_any_contact():
    # Start Wed 1 Jan 2025, born 15 Jun 2005 -> 20 on 15 Jun 2025. 2-monthly: 1 Mar, 1 May
    # (seen on the day). From 1 May, 2 months = 1 Jul is after 15 Jun: lapses; 6 months: 1 Nov.
    # The call on 10 Jun is dated before the 20th birthday, in the `seen` phase: it does not
    # count. C1 has nothing else: overdue at 10 Nov by 9.
    # C2 also has a call on 20 Oct (after 20, filter `any`): meets 1 Nov; next 20 Apr 2026.
    dob = {"date_of_birth": "2005-06-15"}
    common = ("2025-03-01", "2025-05-01")
    r = run(
        [kid(1, "care_leaver", "2025-01-01", **dob), kid(2, "care_leaver", "2025-01-01", **dob)],
        [rec(n, d) for n in (1, 2) for d in common]
        + [phone(1, "2025-06-10"), phone(2, "2025-06-10"), phone(2, "2025-10-20")],
        as_of="2025-11-10",
    )
    assert found(r) == [("E1", "interval", "2025-11-01", None, "overdue", 9)]
    assert chain(r, "E2")[-2:] == [
        ("interval", "2025-05-01", "2025-11-01", "2025-10-20", "on_time", 0),
        ("interval", "2025-10-20", "2026-04-20", None, "pending", 0),
    ]


def test_care_leaver_20th_birthday_is_the_last_day_of_the_2_monthly_seen_phase():
    # Start Wed 1 Jan 2025 (due 1 Mar, seen then), 20 on Sun 15 Jun 2025; as_of Mon 3 Nov.
    # C1 seen 15 Apr: + 2 months = 15 Jun, the birthday itself, still 2-monthly; overdue by
    #   15 (Jun) + 31 + 31 + 30 + 31 + 3 = 141.
    # C2 seen 16 Apr: 16 Jun is past the birthday: lapses; 6 months: 16 Oct, overdue by 18.
    # C3 seen 1 May (due 1 May), call on the birthday 15 Jun: that day is governed by the
    #   `seen` phase, so the call does not count; due 1 Nov (6 months), overdue by 2.
    # C4 as C3 but the call is on 16 Jun, in the `any` phase: it meets 1 Nov; next 16 Dec.
    # C5 was 20 before the episode began (born 1 Jan 2004): only the 6-monthly `any` phase
    #   applies from the start: 1 Jul, met by a call on 1 Jun; next 1 Dec.
    dob = {"date_of_birth": "2005-06-15"}
    r = run(
        [kid(n, "care_leaver", "2025-01-01", **dob) for n in (1, 2, 3, 4)]
        + [kid(5, "care_leaver", "2025-01-01", date_of_birth="2004-01-01")],
        [rec(n, "2025-03-01") for n in (1, 2, 3, 4)]
        + [
            rec(1, "2025-04-15"),
            rec(2, "2025-04-16"),
            rec(3, "2025-05-01"),
            rec(4, "2025-05-01"),
            phone(3, "2025-06-15"),
            phone(4, "2025-06-16"),
            phone(5, "2025-06-01"),
        ],
        as_of="2025-11-03",
    )
    assert found(r) == [
        ("E1", "interval", "2025-06-15", None, "overdue", 141),
        ("E2", "interval", "2025-10-16", None, "overdue", 18),
        ("E3", "interval", "2025-11-01", None, "overdue", 2),
    ]
    assert chain(r, "E4")[-1] == ("interval", "2025-06-16", "2025-12-16", None, "pending", 0)
    assert chain(r, "E5") == [
        ("interval", "2025-01-01", "2025-07-01", "2025-06-01", "on_time", 0),
        ("interval", "2025-06-01", "2025-12-01", None, "pending", 0),
    ]


def test_care_leaver_under_20_a_phone_contact_does_not_count():
    # Start 1 Jan 2025, 20 on 15 Jun 2026; 1 Jan + 2 months = 1 Mar. The call on 20 Feb does
    # not count; seen Mon 3 Mar: late 2.
    r = run(
        [kid(1, "care_leaver", "2025-01-01", date_of_birth="2006-06-15")],
        [phone(1, "2025-02-20"), rec(1, "2025-03-03")],
        as_of="2025-03-05",
    )
    assert found(r) == [("E1", "interval", "2025-03-01", "2025-03-03", "late", 2)]


def test_care_leaver_2_months_from_31_december_clips_to_28_february():
    # Start Tue 31 Dec 2024 + 2 months = "31 Feb" -> 28 Feb 2025; seen 1 Mar: late 1.
    # 1 Mar + 2 months = 1 May; overdue at 2 May by 1.
    r = run(
        [kid(1, "care_leaver", "2024-12-31", date_of_birth="2006-06-15")],
        [rec(1, "2025-03-01")],
        as_of="2025-05-02",
    )
    assert found(r) == [
        ("E1", "interval", "2025-02-28", "2025-03-01", "late", 1),
        ("E1", "interval", "2025-05-01", None, "overdue", 1),
    ]


def test_care_leaver_missing_date_of_birth_stays_2_monthly_seen_and_warns():
    # No date of birth: the 2-monthly `seen` phase never ends. Seen 1 Mar and 1 May; the call
    # on 20 Jun does not count; 1 May + 2 months = 1 Jul, overdue at 5 Jul by 4.
    r = run(
        [kid(1, "care_leaver", "2025-01-01")],
        [rec(1, "2025-03-01"), rec(1, "2025-05-01"), phone(1, "2025-06-20")],
        as_of="2025-07-05",
    )
    assert found(r) == [("E1", "interval", "2025-07-01", None, "overdue", 4)]
    assert any(
        w.startswith("1 episode") and "care_leaver" in w and "date_of_birth" in w
        for w in r.warnings
    )


# --------------------------------------------------------------------------- multiple placements


def test_multiple_placements_12_weeks_in_each_living_situation():
    # E1 from Mon 6 Jan 2025 to 15 Apr: 6 Jan + 84 = 31 Mar; seen Tue 1 Apr: late 1. From 1 Apr
    # the next is due 24 Jun, after E1 closed: nothing.
    # E2 from Tue 1 Apr (same child): the 1 Apr visit is on the anchor day itself, not "a later
    # day", so E2's first deadline 1 Apr + 84 = 24 Jun is unmet; overdue at 1 Jul by 7.
    r = run(
        [
            {
                "episode_id": "E1",
                "plan_type": "multiple_placements",
                "start_date": "2025-01-06",
                "end_date": "2025-04-15",
            },
            {"episode_id": "E2", "plan_type": "multiple_placements", "start_date": "2025-04-01"},
        ],
        [rec(1, "2025-04-01")],
        as_of="2025-07-01",
    )
    assert found(r) == [
        ("E1", "interval", "2025-03-31", "2025-04-01", "late", 1),
        ("E2", "interval", "2025-06-24", None, "overdue", 7),
    ]
