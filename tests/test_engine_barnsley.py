"""Barnsley's Visiting Framework, rule by rule (docs/rules.md §3–§7; docs/frameworks.md,
"barnsley").

Every expected value is worked by hand from those rules in the comment beside it.
"""

from __future__ import annotations

import pandas as pd
from frames import audit, chain, found, kid, rec, run_rules
from frames import iso as _iso

FW = "barnsley"


def run(case_rows, visit_rows, *, as_of, framework=FW, **kw):
    return run_rules(case_rows, visit_rows, as_of=as_of, framework=framework, **kw)


def quality_rows(result) -> set[tuple]:
    q = result.quality
    return {
        (r.episode_id, _iso(r.visit_date), r.check, None if pd.isna(r.value) else r.value)
        for r in q.itertuples()
    }


# --------------------------------------------------------------------------- timescales


def test_s47_seen_within_24_hours_is_the_next_calendar_day():
    # Started Fri 13 Jun 2025 + 24 h = Sat 14 Jun. E1 seen Sat 14 Jun: on time. E2 seen
    # Mon 16 Jun: late 2. E3 never seen, closed 30 Jun: missed 30 - 14 = 16.
    r = run(
        [
            kid(1, "s47_enquiry", "2025-06-13"),
            kid(2, "s47_enquiry", "2025-06-13"),
            kid(3, "s47_enquiry", "2025-06-13", end_date="2025-06-30"),
        ],
        [rec(1, "2025-06-14"), rec(2, "2025-06-16")],
        as_of="2025-07-01",
    )
    assert chain(r, "E1") == [("initial", "2025-06-13", "2025-06-14", "2025-06-14", "on_time", 0)]
    assert found(r) == [
        ("E2", "initial", "2025-06-14", "2025-06-16", "late", 2),
        ("E3", "initial", "2025-06-14", None, "missed", 16),
    ]


def test_s17_assessment_seen_within_5_working_days_from_a_saturday_and_over_easter():
    # Sat 3 May 2025: Mon 5 May holiday -> Tue 6, Wed 7, Thu 8, Fri 9, Mon 12 -> due 12 May.
    #   E1 seen 12 May: on time. E2 seen 13 May: late 1.
    # Thu 17 Apr 2025: Good Friday and Easter Monday skipped -> 22, 23, 24, 25, Mon 28 Apr.
    #   E3 seen Tue 29 Apr: late 1. No recurring rule: nothing after.
    r = run(
        [
            kid(1, "s17_assessment", "2025-05-03"),
            kid(2, "s17_assessment", "2025-05-03"),
            kid(3, "s17_assessment", "2025-04-17"),
        ],
        [rec(1, "2025-05-12"), rec(2, "2025-05-13"), rec(3, "2025-04-29")],
        as_of="2025-08-01",
    )
    assert chain(r, "E1") == [("initial", "2025-05-03", "2025-05-12", "2025-05-12", "on_time", 0)]
    assert found(r) == [
        ("E3", "initial", "2025-04-28", "2025-04-29", "late", 1),
        ("E2", "initial", "2025-05-12", "2025-05-13", "late", 1),
    ]


def test_cin_seen_every_4_weeks_due_on_as_of_is_not_yet_overdue():
    # Plan start Mon 3 Feb 2025 + 28 = 3 Mar (seen: on time); + 28 = 31 Mar; seen Tue 1 Apr:
    # late 1; + 28 = 29 Apr = as_of: pending, not overdue.
    r = run(
        [kid(1, "child_in_need", "2025-02-03")],
        [rec(1, "2025-03-03"), rec(1, "2025-04-01")],
        as_of="2025-04-29",
    )
    assert chain(r) == [
        ("interval", "2025-02-03", "2025-03-03", "2025-03-03", "on_time", 0),
        ("interval", "2025-03-03", "2025-03-31", "2025-04-01", "late", 1),
        ("interval", "2025-04-01", "2025-04-29", None, "pending", 0),
    ]


def test_cp_48_hours_then_10_working_days_over_christmas_england_and_scotland():
    # Initial conference Sun 21 Dec 2025 + 48 h = Tue 23 Dec; seen that day: on time.
    # England from Tue 23 Dec: 24 (1), [25, 26], 29, 30, 31 (4), [1 Jan], Fri 2 Jan (5),
    #   5, 6, 7, 8, 9 (10) -> Fri 9 Jan 2026; seen Mon 12 Jan: late 3.
    # Scotland also keeps Fri 2 Jan: 24, 29, 30, 31 (4), 5, 6, 7, 8, 9 (9), 12 (10) -> 12 Jan:
    #   on time.
    cases = [kid(1, "child_protection", "2025-12-21")]
    visits = [rec(1, "2025-12-23"), rec(1, "2026-01-12")]
    eng = audit(cases, visits, framework=FW, as_of="2026-01-13")
    sct = audit(cases, visits, framework=FW, as_of="2026-01-13", region="scotland")
    assert found(eng) == [("E1", "interval", "2026-01-09", "2026-01-12", "late", 3)]
    assert found(sct) == []
    assert chain(sct)[:2] == [
        ("initial", "2025-12-21", "2025-12-23", "2025-12-23", "on_time", 0),
        ("interval", "2025-12-23", "2026-01-12", "2026-01-12", "on_time", 0),
    ]


def test_temporary_approval_weekly_deadline_lapses_at_first_review_then_4_weekly():
    # Placed Mon 7 Jul 2025, first review Mon 4 Aug. Weekly from placement: 14, 21 Jul (seen),
    # 28 Jul: seen Tue 29 Jul, late 1. From 29 Jul weekly 5 Aug is after the review: lapses;
    # 4 weeks: 29 Jul + 28 = 26 Aug; overdue at 1 Sep by 6.
    r = run(
        [kid(1, "temporary_approval", "2025-07-07", first_review_date="2025-08-04")],
        [rec(1, "2025-07-14"), rec(1, "2025-07-21"), rec(1, "2025-07-29")],
        as_of="2025-09-01",
    )
    assert found(r) == [
        ("E1", "interval", "2025-07-28", "2025-07-29", "late", 1),
        ("E1", "interval", "2025-08-26", None, "overdue", 6),
    ]


def test_care_order_at_home_first_week_then_weekly_until_review_inclusive_then_4_weekly():
    # Placed Mon 2 Jun 2025, first review Mon 30 Jun. 7 days -> 9 Jun (seen). Weekly 16, 23
    # and 30 Jun (the review day is still weekly; all seen on the day). From 30 Jun weekly
    # 7 Jul is after the review: 4 weeks, 28 Jul; overdue at 1 Aug by 4.
    r = run(
        [kid(1, "care_order_at_home", "2025-06-02", first_review_date="2025-06-30")],
        [rec(1, d) for d in ("2025-06-09", "2025-06-16", "2025-06-23", "2025-06-30")],
        as_of="2025-08-01",
    )
    assert chain(r) == [
        ("initial", "2025-06-02", "2025-06-09", "2025-06-09", "on_time", 0),
        ("interval", "2025-06-09", "2025-06-16", "2025-06-16", "on_time", 0),
        ("interval", "2025-06-16", "2025-06-23", "2025-06-23", "on_time", 0),
        ("interval", "2025-06-23", "2025-06-30", "2025-06-30", "on_time", 0),
        ("interval", "2025-06-30", "2025-07-28", None, "overdue", 4),
    ]


def test_missing_first_review_date_keeps_weekly_and_is_warned_per_plan_type():
    # Care order at home without a review: same visits as above, weekly for good: from 30 Jun
    # due 7 Jul, overdue at 1 Aug by 25. Temporary approval without a review, placed 7 Jul and
    # never seen: due 14 Jul, overdue by 18. One warning per plan type, counting its episodes.
    r = run(
        [kid(1, "care_order_at_home", "2025-06-02"), kid(2, "temporary_approval", "2025-07-07")],
        [rec(1, d) for d in ("2025-06-09", "2025-06-16", "2025-06-23", "2025-06-30")],
        as_of="2025-08-01",
    )
    assert found(r) == [
        ("E1", "interval", "2025-07-07", None, "overdue", 25),
        ("E2", "interval", "2025-07-14", None, "overdue", 18),
    ]
    lacking = [w for w in r.warnings if "first_review_date" in w]
    assert len(lacking) == 2
    assert any(w.startswith("1 episode") and "care_order_at_home" in w for w in lacking)
    assert any(w.startswith("1 episode") and "temporary_approval" in w for w in lacking)


def test_missing_72_hours_return_home_interview_counts_phone_call_does_not():
    # Returned Fri 4 Jul 2025 + 72 h = Mon 7 Jul. Phone call 5 Jul does not count; return home
    # interview Tue 8 Jul: late 1.
    r = run(
        [kid(1, "missing", "2025-07-04", end_date="2025-07-20")],
        [
            rec(1, "2025-07-05", visit_type="contact"),
            rec(1, "2025-07-08", visit_type="return_home_interview"),
        ],
        as_of="2025-08-01",
    )
    assert found(r) == [("E1", "initial", "2025-07-07", "2025-07-08", "late", 1)]


def test_exploitation_has_no_rule_of_its_own_no_findings_and_no_no_rule_warning():
    # "Plan types without rules": exploitation follows the child's other plans. Never
    # visited for months: no deadlines, no findings, no "no rule" warning; the CIN plan
    # alongside is audited (3 Feb 2025 + 28 = 3 Mar, overdue at 1 Jun by 90).
    r = run(
        [
            kid(1, "exploitation", "2025-02-03"),
            {
                "child_id": "C1",
                "episode_id": "E9",
                "plan_type": "child_in_need",
                "start_date": "2025-02-03",
            },
        ],
        [],
        as_of="2025-06-01",
    )
    assert found(r) == [("E9", "interval", "2025-03-03", None, "overdue", 90)]
    assert (r.deadlines["plan_type"] != "exploitation").all()
    assert not any("exploitation" in w for w in r.warnings)
    row = r.summary["by_plan_type"].get("exploitation")
    assert row is None or row["deadlines"] == 0


def test_plan_type_not_in_the_framework_is_counted_and_named_in_a_warning():
    # Barnsley has no rule for children in care or early help: never dropped silently.
    r = run(
        [
            kid(1, "child_in_care", "2025-01-06"),
            kid(2, "child_in_care", "2025-01-06"),
            kid(3, "early_help", "2025-01-06"),
        ],
        [],
        as_of="2025-06-01",
    )
    assert "2 episodes of plan type child_in_care: no rule in framework barnsley" in r.warnings
    assert "1 episode of plan type early_help: no rule in framework barnsley" in r.warnings
    assert found(r) == []


# --------------------------------------------------------------------------- quality (§7)


def test_quality_checks_seen_alone_from_4th_birthday_at_home_and_bedroom_seen():
    # CIN from Sun 1 Jun 2025, child born 10 Jun 2021 (4 on 10 Jun 2025). One row per episode,
    # day and failed check; value "N" when recorded N, None when not recorded (blank).
    #  9 Jun: aged 3, seen_alone N is not checked; home, bedroom Y: passes.
    # 10 Jun: aged 4, seen_alone blank -> seen_alone None.
    # 11 Jun: seen_alone N, at school, bedroom N -> seen_alone N, at_home N, bedroom_seen N.
    # 12 Jun: seen alone, location and bedroom blank -> at_home None, bedroom_seen None.
    # 13 Jun: one failing and one passing seen record: the day passes every check.
    # 16 Jun not seen and 17 Jun phone contact: not checked at all.
    r = run(
        [kid(1, "child_in_need", "2025-06-01", date_of_birth="2021-06-10")],
        [
            rec(1, "2025-06-09", seen_alone=False, location="home", bedroom_seen=True),
            rec(1, "2025-06-10", location="home", bedroom_seen=True),
            rec(1, "2025-06-11", seen_alone=False, location="school", bedroom_seen=False),
            rec(1, "2025-06-12", seen_alone=True),
            rec(1, "2025-06-13", seen_alone=False, location="school", bedroom_seen=False),
            rec(1, "2025-06-13", seen_alone=True, location="home", bedroom_seen=True),
            rec(
                1, "2025-06-16", seen=False, seen_alone=False, location="school", bedroom_seen=False
            ),
            rec(
                1,
                "2025-06-17",
                visit_type="contact",
                seen_alone=False,
                location="school",
                bedroom_seen=False,
            ),
        ],
        as_of="2025-06-20",
    )
    assert quality_rows(r) == {
        ("E1", "2025-06-10", "seen_alone", None),
        ("E1", "2025-06-11", "seen_alone", "N"),
        ("E1", "2025-06-11", "at_home", "N"),
        ("E1", "2025-06-11", "bedroom_seen", "N"),
        ("E1", "2025-06-12", "at_home", None),
        ("E1", "2025-06-12", "bedroom_seen", None),
    }
    assert len(r.quality) == 6
    # Checked days: seen_alone 10-13 Jun (4), the others 9-13 Jun (5).
    q = r.summary["quality"]
    assert (q["seen_alone"]["checked"], q["seen_alone"]["exceptions"]) == (4, 2)
    assert (q["at_home"]["checked"], q["at_home"]["exceptions"]) == (5, 2)
    assert (q["bedroom_seen"]["checked"], q["bedroom_seen"]["exceptions"]) == (5, 2)
    # Quality exceptions are never timescale findings (next CIN deadline 29 Jun is pending).
    assert found(r) == []


def test_quality_seen_alone_not_checked_without_date_of_birth_and_4th_birthday_on_29_feb():
    # C1 has no date of birth: seen_alone N is not checked. C2 born Sat 29 Feb 2020 turns 4 on
    # Thu 29 Feb 2024: N on 28 Feb is not checked, N on 29 Feb is an exception.
    r = run(
        [
            kid(1, "child_protection", "2024-02-20"),
            kid(2, "child_protection", "2024-02-20", date_of_birth="2020-02-29"),
        ],
        [
            rec(n, d, seen_alone=False, location="home", bedroom_seen=True)
            for n in (1, 2)
            for d in ("2024-02-28", "2024-02-29")
        ],
        as_of="2024-03-01",
    )
    assert quality_rows(r) == {("E2", "2024-02-29", "seen_alone", "N")}


def test_quality_checks_only_for_listed_plan_types_and_one_row_per_episode():
    # Barnsley checks CIN, CP, temporary approval and care order at home; not S47, S17 or
    # missing. A not-recorded bedroom on 3 Jun counts once for each listed episode the record
    # falls in (CIN E2 and CP E3 of the same child), never for the S47 E1.
    r = run(
        [
            {
                "child_id": "C1",
                "episode_id": "E1",
                "plan_type": "s47_enquiry",
                "start_date": "2025-06-01",
            },
            {
                "child_id": "C1",
                "episode_id": "E2",
                "plan_type": "child_in_need",
                "start_date": "2025-06-01",
            },
            {
                "child_id": "C1",
                "episode_id": "E3",
                "plan_type": "child_protection",
                "start_date": "2025-06-01",
            },
            kid(4, "missing", "2025-06-01"),
        ],
        [
            rec(1, "2025-06-03", seen_alone=True, location="home"),
            rec(4, "2025-06-03", seen_alone=True, location="home"),
        ],
        as_of="2025-06-04",
    )
    assert quality_rows(r) == {
        ("E2", "2025-06-03", "bedroom_seen", None),
        ("E3", "2025-06-03", "bedroom_seen", None),
    }


def test_quality_checks_are_not_run_by_a_framework_that_does_not_enable_them():
    r = run(
        [kid(1, "child_in_need", "2025-06-01", date_of_birth="2015-01-01")],
        [rec(1, "2025-06-03", seen_alone=False, location="school", bedroom_seen=False)],
        as_of="2025-06-04",
        framework="measures-of-practice",
    )
    assert r.quality.empty
