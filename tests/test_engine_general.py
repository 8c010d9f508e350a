"""Rules common to every framework (docs/rules.md §2, §3 "A child's own visiting plan", §4, §8).

Which records count for which episode, filters and de-duplication, the child's own
visit_frequency, as_of cut-offs, warnings, upcoming deadlines and the period view.
Every expected value is worked by hand from those rules in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from frames import audit, chain, england, found, kid, rec, run_rules
from frames import iso as _iso
from hypothesis import given, settings
from hypothesis import strategies as st

from visit_audit.frameworks import parse_framework

MOP = "measures-of-practice"


def run(case_rows, visit_rows, *, as_of, framework=MOP, **kw):
    return run_rules(case_rows, visit_rows, as_of=as_of, framework=framework, **kw)


def ep(child: int, episode: int, plan_type: str, start: str, **kw) -> dict:
    return {
        "child_id": f"C{child}",
        "episode_id": f"E{episode}",
        "plan_type": plan_type,
        "start_date": start,
        **kw,
    }


# --------------------------------------------------------------------------- attribution (§2)

# Mon 2 Jun 2025: a MoP CIN plan is due 20 wd later = Mon 30 Jun (Jun 3-6, 9-13, 16-20, 23-27,
# 30); a multiple-placements situation 84 days later = Mon 25 Aug (28 + 31 + 25).


def test_record_counts_for_every_episode_of_the_child_open_on_its_date_and_no_other_child():
    # C1 has CIN E1 (2 Jun - 30 Jun) and multiple placements E2 (from 2 Jun). One untied visit
    # on 30 Jun, E1's end date (inclusive), meets both: E1 due 30 Jun on time (next due 28 Jul
    # is after E1 closed: nothing); E2 due 25 Aug met early, next 30 Jun + 84 = 22 Sep.
    # C2's CIN E3 gets nothing from C1's visit: overdue at 1 Jul by 1.
    r = run(
        [
            ep(1, 1, "child_in_need", "2025-06-02", end_date="2025-06-30"),
            ep(1, 2, "multiple_placements", "2025-06-02"),
            ep(2, 3, "child_in_need", "2025-06-02"),
        ],
        [rec(1, "2025-06-30")],
        as_of="2025-07-01",
    )
    assert found(r) == [("E3", "interval", "2025-06-30", None, "overdue", 1)]
    assert chain(r, "E1")[0] == ("interval", "2025-06-02", "2025-06-30", "2025-06-30", "on_time", 0)
    assert chain(r, "E2") == [
        ("interval", "2025-06-02", "2025-08-25", "2025-06-30", "on_time", 0),
        ("interval", "2025-06-30", "2025-09-22", None, "pending", 0),
    ]


def test_record_tied_to_an_episode_counts_for_that_episode_only():
    # Same two open episodes of C1; the 30 Jun visit names E2: E2 is met, E1 (due 30 Jun) is
    # not, overdue at 1 Jul by 1.
    r = run(
        [ep(1, 1, "child_in_need", "2025-06-02"), ep(1, 2, "multiple_placements", "2025-06-02")],
        [rec(1, "2025-06-30", episode_id="E2")],
        as_of="2025-07-01",
    )
    assert found(r) == [("E1", "interval", "2025-06-30", None, "overdue", 1)]
    assert chain(r, "E2")[0][3:5] == ("2025-06-30", "on_time")


def test_record_tied_to_an_episode_but_dated_outside_it_counts_for_nothing_and_is_warned():
    # E1 (CIN) closed 20 Jun; a visit on 25 Jun names E1. It is outside E1, and being tied it
    # does not fall back to E2 (open that day): E2's 25 Aug deadline is unmet, overdue at
    # 1 Sep by 7. A warning counts the record.
    r = run(
        [
            ep(1, 1, "child_in_need", "2025-06-02", end_date="2025-06-20"),
            ep(1, 2, "multiple_placements", "2025-06-02"),
        ],
        [rec(1, "2025-06-25", episode_id="E1")],
        as_of="2025-09-01",
    )
    assert found(r) == [("E2", "interval", "2025-08-25", None, "overdue", 7)]
    assert any(w.startswith("1 record") and "episode_id" in w for w in r.warnings)


# --------------------------------------------------------------------------- filters and dedup


def test_seen_filter_counts_face_to_face_records_with_the_child_seen_only():
    # CP agreed Fri 11 Apr 2025 + 48 h = Sun 13 Apr; one record each on 13 Apr.
    # Seen visit (C1) and seen return home interview (C4) meet it. A not-seen visit (C2), a
    # phone contact with seen = Y (C3) and a not-seen return home interview (C5) do not:
    # overdue at 20 Apr by 7, one finding each (the chain stops).
    r = run(
        [kid(n, "child_protection", "2025-04-11") for n in (1, 2, 3, 4, 5)],
        [
            rec(1, "2025-04-13"),
            rec(2, "2025-04-13", seen=False),
            rec(3, "2025-04-13", visit_type="contact"),
            rec(4, "2025-04-13", visit_type="return_home_interview"),
            rec(5, "2025-04-13", visit_type="return_home_interview", seen=False),
        ],
        as_of="2025-04-20",
    )
    assert found(r) == [
        ("E2", "initial", "2025-04-13", None, "overdue", 7),
        ("E3", "initial", "2025-04-13", None, "overdue", 7),
        ("E5", "initial", "2025-04-13", None, "overdue", 7),
    ]


def test_filter_first_then_dedup_a_day_counts_when_any_of_its_records_passes():
    # Due Sun 13 Apr 2025 as above. C1 has a not-seen visit and a call before a seen visit on
    # 13 Apr: the day counts. C2 only has the not-seen visit and the call: overdue by 7.
    r = run(
        [kid(1, "child_protection", "2025-04-11"), kid(2, "child_protection", "2025-04-11")],
        [rec(n, "2025-04-13", seen=False) for n in (1, 2)]
        + [rec(n, "2025-04-13", visit_type="contact") for n in (1, 2)]
        + [rec(1, "2025-04-13")],
        as_of="2025-04-20",
    )
    assert found(r) == [("E2", "initial", "2025-04-13", None, "overdue", 7)]
    assert chain(r, "E1")[0] == ("initial", "2025-04-11", "2025-04-13", "2025-04-13", "on_time", 0)


def test_several_records_on_one_day_count_once_in_a_recurring_chain():
    # Barnsley CIN from Mon 3 Feb 2025: 3 Feb + 28 = 3 Mar. Three records on 3 Mar are one
    # counting day: one deadline met, the next (3 Mar + 28 = 31 Mar) pending at 20 Mar.
    r = run(
        [kid(1, "child_in_need", "2025-02-03")],
        [
            rec(1, "2025-03-03"),
            rec(1, "2025-03-03", visit_type="return_home_interview"),
            rec(1, "2025-03-03"),
        ],
        as_of="2025-03-20",
        framework="barnsley",
    )
    assert chain(r) == [
        ("interval", "2025-02-03", "2025-03-03", "2025-03-03", "on_time", 0),
        ("interval", "2025-03-03", "2025-03-31", None, "pending", 0),
    ]


# --------------------------------------------------------------------------- child's own plan


def test_visit_frequency_stricter_wins_over_the_framework_in_every_spelling():
    # MoP CIN from Mon 2 Jun 2025, never visited, as_of Tue 1 Jul. Framework: 20 wd = 30 Jun.
    #   weekly / 5 working days (3, 4, 5, 6, 9 Jun) -> 9 Jun, overdue 22
    #   10 days -> 12 Jun, overdue 19
    #   2 weeks / fortnightly -> 16 Jun, overdue 15
    #   monthly / 1 month -> 2 Jul is laxer than 30 Jun: the framework is the minimum -> 30 Jun,
    #   overdue 1; blank -> 30 Jun, overdue 1.
    freqs = [
        "weekly",
        "5 working days",
        "10 days",
        "2 weeks",
        "fortnightly",
        "monthly",
        "1 month",
        None,
    ]
    r = run(
        [
            kid(n, "child_in_need", "2025-06-02", visit_frequency=f)
            for n, f in enumerate(freqs, start=1)
        ],
        [],
        as_of="2025-07-01",
    )
    due = {e: (d, late) for e, _, d, _, _, late in found(r)}
    assert due == {
        "E1": ("2025-06-09", 22),
        "E2": ("2025-06-09", 22),
        "E3": ("2025-06-12", 19),
        "E4": ("2025-06-16", 15),
        "E5": ("2025-06-16", 15),
        "E6": ("2025-06-30", 1),
        "E7": ("2025-06-30", 1),
        "E8": ("2025-06-30", 1),
    }
    assert not any("visit_frequency" in w for w in r.warnings)


def test_unreadable_visit_frequency_is_warned_and_the_framework_applies():
    # "as needed" cannot be read: the row is kept, the 20 wd rule applies (due 30 Jun,
    # overdue at 1 Jul by 1), and a warning counts the episode.
    r = run(
        [kid(1, "child_in_need", "2025-06-02", visit_frequency="as needed")],
        [],
        as_of="2025-07-01",
    )
    assert found(r) == [("E1", "interval", "2025-06-30", None, "overdue", 1)]
    warned = [w for w in r.warnings if "visit_frequency" in w]
    assert len(warned) == 1 and warned[0].startswith("1 episode")
    assert r.rejected.empty


def test_visit_frequency_touches_recurring_deadlines_only():
    # C1 CP agreed Mon 7 Apr 2025 with its own "1 day": the 48 h initial deadline is still
    #   Wed 9 Apr (seen then: on time, not due 8 Apr). Recurring: min(10 wd, 1 day) from 9 Apr
    #   = 10 Apr; seen Fri 11 Apr: late 1; from 11 Apr due 12 Apr, overdue at 17 Apr by 5.
    # C2 CP with "5 working days": from 9 Apr 10, 11, 14, 15, 16 -> 16 Apr (the framework's
    #   10 wd would be 25 Apr, over Easter); seen Thu 17 Apr: late 1.
    # C3 S47 with "1 day": 2 wd -> 9 Apr, seen then; no recurring rule, so nothing after.
    # C4 referral received Fri 11 Apr with "1 day": decision due 1 wd = Mon 14 Apr, not Sat
    #   12 Apr; decided 14 Apr: on time.
    r = run(
        [
            kid(1, "child_protection", "2025-04-07", visit_frequency="1 day"),
            kid(2, "child_protection", "2025-04-07", visit_frequency="5 working days"),
            kid(3, "s47_enquiry", "2025-04-07", visit_frequency="1 day"),
            kid(4, "referral", "2025-04-11", visit_frequency="1 day", decision_date="2025-04-14"),
        ],
        [
            rec(1, "2025-04-09"),
            rec(1, "2025-04-11"),
            rec(2, "2025-04-09"),
            rec(2, "2025-04-17"),
            rec(3, "2025-04-09"),
        ],
        as_of="2025-04-17",
    )
    assert found(r) == [
        ("E1", "interval", "2025-04-10", "2025-04-11", "late", 1),
        ("E1", "interval", "2025-04-12", None, "overdue", 5),
        ("E2", "interval", "2025-04-16", "2025-04-17", "late", 1),
    ]
    assert chain(r, "E1")[0] == ("initial", "2025-04-07", "2025-04-09", "2025-04-09", "on_time", 0)
    assert chain(r, "E3") == [("initial", "2025-04-07", "2025-04-09", "2025-04-09", "on_time", 0)]
    assert chain(r, "E4") == [("milestone", "2025-04-11", "2025-04-14", "2025-04-14", "on_time", 0)]


def test_visit_frequency_1_month_from_31_january_clips_to_28_february():
    # Care leaver from Fri 31 Jan 2025 (20 in 2026) with its own "1 month": 31 Jan + 1 month =
    # "31 Feb" -> 28 Feb, stricter than 2 months (31 Mar). Overdue at 3 Mar by 3.
    r = run(
        [
            kid(
                1,
                "care_leaver",
                "2025-01-31",
                date_of_birth="2006-06-15",
                visit_frequency="1 month",
            )
        ],
        [],
        as_of="2025-03-03",
    )
    assert found(r) == [("E1", "interval", "2025-02-28", None, "overdue", 3)]


# --------------------------------------------------------------------------- as_of (§2, §4)


def test_overdue_only_once_the_due_day_has_passed():
    # CP agreed Fri 11 Apr (due Sun 13 Apr) and Sat 12 Apr (due Mon 14 Apr); as_of 14 Apr:
    # the first is overdue by 1, the second, due on as_of, is not yet a finding.
    r = run(
        [kid(1, "child_protection", "2025-04-11"), kid(2, "child_protection", "2025-04-12")],
        [],
        as_of="2025-04-14",
    )
    assert found(r) == [("E1", "initial", "2025-04-13", None, "overdue", 1)]
    assert chain(r, "E2") == [("initial", "2025-04-12", "2025-04-14", None, "pending", 0)]


def test_episode_closed_on_as_of_is_missed_not_overdue():
    # CP agreed Tue 1 Apr 2025 (due Thu 3 Apr), never seen, end_date = as_of = 1 May: closed
    # (end <= as_of), so missed by 1 May - 3 Apr = 28, and never "due soon".
    r = run(
        [kid(1, "child_protection", "2025-04-01", end_date="2025-05-01")], [], as_of="2025-05-01"
    )
    assert found(r) == [("E1", "initial", "2025-04-03", None, "missed", 28)]
    assert r.upcoming.empty


def test_records_after_as_of_and_episodes_starting_after_as_of_are_ignored():
    # C1 CP agreed Tue 1 Apr 2025, due Thu 3 Apr; the visit on 2 May is after as_of 1 May and
    # is ignored: overdue by 28, not late by 29. C2's CP starts 2 May, after as_of: no
    # deadlines and not counted among the audited episodes.
    r = run(
        [kid(1, "child_protection", "2025-04-01"), kid(2, "child_protection", "2025-05-02")],
        [rec(1, "2025-05-02"), rec(2, "2025-05-02")],
        as_of="2025-05-01",
    )
    assert found(r) == [("E1", "initial", "2025-04-03", None, "overdue", 28)]
    assert set(r.deadlines["episode_id"]) == {"E1"}
    assert r.summary["by_plan_type"]["child_protection"]["episodes"] == 1


def test_plan_type_not_in_measures_of_practice_is_named_in_a_warning():
    r = run(
        [kid(1, "s17_assessment", "2025-04-01"), kid(2, "s17_assessment", "2025-04-01")],
        [],
        as_of="2025-05-01",
    )
    assert (
        "2 episodes of plan type s17_assessment: no rule in framework measures-of-practice"
        in r.warnings
    )
    assert found(r) == []


# --------------------------------------------------------------------------- upcoming


def test_upcoming_due_on_as_of_or_within_10_working_days_not_for_closed_episodes():
    # as_of Fri 11 Apr 2025; 10 wd after it: 14, 15, 16, 17, [18, 21 Easter], 22, 23, 24, 25,
    # 28, 29 -> horizon Tue 29 Apr. Barnsley CIN is due start + 28:
    #   E1 from 14 Mar -> 11 Apr (on as_of): listed.      E2 from 1 Apr -> 29 Apr: listed.
    #   E3 from 2 Apr -> 30 Apr: beyond the horizon.       E4 from 13 Mar -> 10 Apr: overdue.
    #   E5 from 1 Apr, closed on 11 Apr: not listed.       E6 from 1 Apr, ends 31 May: open.
    r = run(
        [
            kid(1, "child_in_need", "2025-03-14"),
            kid(2, "child_in_need", "2025-04-01"),
            kid(3, "child_in_need", "2025-04-02"),
            kid(4, "child_in_need", "2025-03-13"),
            kid(5, "child_in_need", "2025-04-01", end_date="2025-04-11"),
            kid(6, "child_in_need", "2025-04-01", end_date="2025-05-31"),
        ],
        [],
        as_of="2025-04-11",
        framework="barnsley",
    )
    up = {(u.episode_id, _iso(u.anchor_date), _iso(u.due_date)) for u in r.upcoming.itertuples()}
    assert up == {
        ("E1", "2025-03-14", "2025-04-11"),
        ("E2", "2025-04-01", "2025-04-29"),
        ("E6", "2025-04-01", "2025-04-29"),
    }
    assert found(r) == [("E4", "interval", "2025-04-10", None, "overdue", 1)]


def test_upcoming_horizon_from_a_saturday_as_of_skips_easter_monday_and_may_day():
    # as_of Sat 19 Apr 2025: Mon 21 Apr is Easter Monday -> Tue 22 (1), 23, 24, 25, 28, 29, 30,
    # Thu 1 May, Fri 2 May (9), [Mon 5 May], Tue 6 May (10). Barnsley CIN, due start + 28:
    #   E1 from 8 Apr -> 6 May: listed. E2 from 9 Apr -> 7 May: not. E3 from Sat 22 Mar ->
    #   19 Apr, on as_of: listed.
    r = run(
        [
            kid(1, "child_in_need", "2025-04-08"),
            kid(2, "child_in_need", "2025-04-09"),
            kid(3, "child_in_need", "2025-03-22"),
        ],
        [],
        as_of="2025-04-19",
        framework="barnsley",
    )
    up = {(u.episode_id, _iso(u.due_date)) for u in r.upcoming.itertuples()}
    assert up == {("E1", "2025-05-06"), ("E3", "2025-04-19")}


# --------------------------------------------------------------------------- period view


def _period_cases() -> tuple[list[dict], list[dict]]:
    # E1 CP agreed Fri 11 Apr 2025: 48 h -> 13 Apr, seen 14 Apr (late 1, settled 14 Apr);
    #   10 wd over Easter -> 30 Apr, seen 30 Apr (on time, settled 30 Apr); 10 wd over May Day
    #   -> 15 May, seen 16 May (late 1, settled 16 May); next 2 Jun, pending at 31 May.
    # E2 CP agreed Tue 1 Apr, never seen: due 3 Apr, overdue at 31 May by 27 + 31 = 58.
    # E3 as E2 but closed 20 May: missed by 27 + 20 = 47, settled 20 May.
    # E4 as E2 but closed 20 Apr: missed by 17, settled 20 Apr.
    # E5 as E2 but seen Fri 2 May: late by 29, settled 2 May; from 2 May 10 wd: 6 (5 May is a
    #   holiday), 7, 8, 9, 12-16, 19 -> 19 May, overdue at 31 May by 12.
    cases = [
        kid(1, "child_protection", "2025-04-11"),
        kid(2, "child_protection", "2025-04-01"),
        kid(3, "child_protection", "2025-04-01", end_date="2025-05-20"),
        kid(4, "child_protection", "2025-04-01", end_date="2025-04-20"),
        kid(5, "child_protection", "2025-04-01"),
    ]
    visits = [
        rec(1, "2025-04-14"),
        rec(1, "2025-04-30"),
        rec(1, "2025-05-16"),
        rec(5, "2025-05-02"),
    ]
    return cases, visits


def test_period_view_keeps_findings_settled_in_the_period_and_every_overdue_one():
    # Period May 2025, as_of 31 May. Kept: overdue E2 and E5 (whenever due), missed E3 and the
    # late E5 initial and E1 interval (settled in May). Dropped: E1's initial, late but settled
    # 14 Apr, and E4, missed but settled 20 Apr.
    cases, visits = _period_cases()
    r = run(cases, visits, as_of="2025-05-31", period=(dt.date(2025, 5, 1), dt.date(2025, 5, 31)))
    assert found(r) == [
        ("E2", "initial", "2025-04-03", None, "overdue", 58),
        ("E3", "initial", "2025-04-03", None, "missed", 47),
        ("E5", "initial", "2025-04-03", "2025-05-02", "late", 29),
        ("E1", "interval", "2025-05-15", "2025-05-16", "late", 1),
        ("E5", "interval", "2025-05-19", None, "overdue", 12),
    ]
    # Summary: deadlines settled in May (E1's 30 Apr on-time one is not) plus the overdue ones.
    row = r.summary["by_plan_type"]["child_protection"]
    assert (row["on_time"], row["late"], row["missed"], row["overdue"], row["deadlines"]) == (
        0,
        2,
        1,
        2,
        5,
    )


def test_without_a_period_every_finding_up_to_as_of_is_reported():
    cases, visits = _period_cases()
    r = run(cases, visits, as_of="2025-05-31")
    assert found(r) == [
        ("E2", "initial", "2025-04-03", None, "overdue", 58),
        ("E3", "initial", "2025-04-03", None, "missed", 47),
        ("E4", "initial", "2025-04-03", None, "missed", 17),
        ("E5", "initial", "2025-04-03", "2025-05-02", "late", 29),
        ("E1", "initial", "2025-04-13", "2025-04-14", "late", 1),
        ("E1", "interval", "2025-05-15", "2025-05-16", "late", 1),
        ("E5", "interval", "2025-05-19", None, "overdue", 12),
    ]
    row = r.summary["by_plan_type"]["child_protection"]
    assert (row["on_time"], row["late"], row["missed"], row["overdue"]) == (1, 3, 2, 2)


@pytest.mark.slow  # a whole audit (or several)
def test_period_view_settles_count_windows_on_their_last_day_and_milestones_on_the_decision():
    # C1 short breaks from Mon 15 Jan 2024, all deadlines met on time (22 Jan: seen 20 Jan;
    #   15 Apr: 10 Apr; 10 Oct: 1 Oct; 1 Apr 2025: 1 Apr), never unannounced: window 0
    #   (15 Jan 2024 - 14 Jan 2025) is missed, settled on its last day, 14 Jan 2025.
    # C2 referral Tue 29 Apr 2025: decision due 1 wd = Wed 30 Apr; decided Fri 2 May, late 2,
    #   settled 2 May.
    # Period January 2025: the window finding (the referral starts after as_of: ignored).
    # Period May 2025: the late decision only; the January window finding is dropped.
    cases = [
        kid(1, "short_breaks", "2024-01-15"),
        kid(2, "referral", "2025-04-29", decision_date="2025-05-02"),
    ]
    visits = [
        rec(1, "2024-01-20", bedroom_seen=True),
        rec(1, "2024-04-10"),
        rec(1, "2024-10-01"),
        rec(1, "2025-04-01"),
    ]
    jan = run(cases, visits, as_of="2025-01-31", period=(dt.date(2025, 1, 1), dt.date(2025, 1, 31)))
    may = run(cases, visits, as_of="2025-05-31", period=(dt.date(2025, 5, 1), dt.date(2025, 5, 31)))
    assert found(jan) == [("E1", "count", "2025-01-14", None, "missed", 0)]
    assert found(may) == [("E2", "milestone", "2025-04-30", "2025-05-02", "late", 2)]


# --------------------------------------------------------------------------- a user's framework

CUSTOM = """
name = "custom"
title = "A user's own framework"
source = "test"

[plan_types.child_in_need]
label = "Child in Need"
start = "plan start"
[[plan_types.child_in_need.phases]]
every = "6 weeks"
until = "start + 8 weeks"
[[plan_types.child_in_need.phases]]
every = "1 week"

[plan_types.s47_enquiry]
label = "S47"
start = "S47 started"
initial = ["36 hours"]
"""


def test_user_framework_stricter_later_phase_starts_the_day_after_the_boundary():
    # "Phases and until dates" with a later phase stricter than the first: CIN from Mon
    # 6 Jan 2025 (d0), 6-weekly until start + 8 weeks = 3 Mar (d56), weekly after. From the
    # start: d42 = 17 Feb <= d56, met by the visit on Wed 5 Feb (d30). From d30: 6 weeks =
    # d72 is past d56; weekly: max(d57, d37) = d57 = Tue 4 Mar, the earliest day t with
    # t - a reaching the interval of the phase governing t. Overdue at 10 Mar by 6.
    # §1: 36 hours = ceil(36 / 24) = 2 days: S47 from 6 Jan due 8 Jan; seen 9 Jan, late 1.
    fw = parse_framework(tomllib.loads(CUSTOM), "custom.toml")
    r = audit(
        [kid(1, "child_in_need", "2025-01-06"), kid(2, "s47_enquiry", "2025-01-06")],
        [rec(1, "2025-02-05"), rec(2, "2025-01-09")],
        framework=fw,
        as_of="2025-03-10",
        calendar=england(),
    )
    assert chain(r, "E1") == [
        ("interval", "2025-01-06", "2025-02-17", "2025-02-05", "on_time", 0),
        ("interval", "2025-02-05", "2025-03-04", None, "overdue", 6),
    ]
    assert found(r) == [
        ("E2", "initial", "2025-01-08", "2025-01-09", "late", 1),
        ("E1", "interval", "2025-03-04", None, "overdue", 6),
    ]


def test_flag_bits_are_the_same_whether_arrow_holds_a_column_in_one_chunk_or_several():
    # Large extracts reach the engine as text columns in several Arrow chunks.
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    from frames import visits

    from visit_audit.engine.days import _flag_bits

    frame = visits(
        {"visit_date": "2025-01-06", "location": "Home", "seen_alone": True},
        {"visit_date": "2025-01-07", "location": "School", "visit_type": "contact"},
        {"visit_date": "2025-01-08", "location": None, "bedroom_seen": False},
        {"visit_date": "2025-01-09", "location": " home ", "visit_type": "return_home_interview"},
    )
    one = _flag_bits(frame)

    def chunked(values):
        arr = pa.array([None if pd.isna(v) else v for v in values], type=pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arr[:1], arr[1:]])))

    split = frame.assign(
        location=chunked(frame["location"]), visit_type=chunked(frame["visit_type"])
    )
    assert np.array_equal(_flag_bits(split), one)
    assert one.tolist() == [1 | 2 | 32 | 128, 2, 1 | 2 | 16, 1 | 2 | 128]
    # As io makes them: the few-valued text as categoricals (codes read, not text),
    # the Y/N answers as pandas' boolean (its values and mask read in place).
    typed = frame.assign(
        location=frame["location"].astype("category"),
        visit_type=frame["visit_type"].astype("category"),
        **{c: frame[c].astype("boolean") for c in ("seen_alone", "bedroom_seen", "unannounced")},
    )
    assert isinstance(typed["seen_alone"].array, pd.arrays.BooleanArray)
    assert np.array_equal(_flag_bits(typed), one)


@pytest.mark.slow  # a whole audit (or several)
def test_working_through_the_children_in_partitions_changes_nothing():
    # Large extracts are audited a group of children at a time (run_engine's partitions).
    from pathlib import Path

    import numpy as np
    import pandas as pd

    from visit_audit.engine import run_engine
    from visit_audit.frameworks import load_framework
    from visit_audit.io import load_cases, load_visits

    root = Path(__file__).resolve().parent.parent / "sample_data"
    for name in ("measures-of-practice", "barnsley"):
        fw = load_framework(name)
        cases = load_cases(root / "cases.csv").frame
        visits = load_visits(root / "visits.csv").frame
        kw = {"as_of": dt.date(2026, 10, 31), "calendar": england()}
        whole = run_engine(cases, visits, fw, **kw)
        parts = run_engine(cases, visits, fw, partitions=3, **kw)

        def rows(frame):
            return frame.astype(object).sort_values(list(frame.columns)).reset_index(drop=True)

        assert len(whole.deadlines) > 1000
        pd.testing.assert_frame_equal(rows(parts.deadlines), rows(whole.deadlines))
        pd.testing.assert_frame_equal(parts.quality, whole.quality)
        assert parts.quality_summary == whole.quality_summary
        assert parts.warnings == whole.warnings
        assert np.array_equal(parts.episodes.index, whole.episodes.index)


def _text_lookup(values, among):
    import numpy as np

    def id_key(v: str) -> str:  # ids reach the engine trimmed: " 1" is not "1"
        return (v.lstrip("0") or "0") if v.isascii() and v.isdigit() else v

    where = {id_key(v): i for i, v in enumerate(among)}
    return np.array([where.get(id_key(v), -1) if v is not None else -1 for v in values])


_IDS = st.one_of(
    st.none(),
    st.text("0123456789", min_size=1, max_size=16),  # digits: compared as numbers
    st.sampled_from(["7", "07", "007", "0", "00", "999999999999999", "1000000000000000"]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_IDS, max_size=40),
    st.lists(
        st.text("0123456789", min_size=1, max_size=16),
        max_size=20,
        unique_by=lambda v: v.lstrip("0") or "0",  # no two cases ids only zeros tell apart
    ),
    st.sampled_from([None, "", " 1", "A7", "+7", "٣"]),
)
def test_id_lookup_of_digits_as_numbers_agrees_with_text(values, among, odd):
    # Ids made of digits only are looked up as numbers ("007" is "7", as README
    # "Identifiers" matches them); anything else (a blank, a space, a letter, a sign, a
    # non-ASCII digit) sends the whole lookup back to comparing text. Both give the same answer.
    import numpy as np
    import pandas as pd

    from visit_audit.engine.days import lookup

    for vals in (values, values + [odd]):
        got = lookup(pd.Series(vals, dtype="str"), pd.Series(among, dtype="str"))
        assert got.tolist() == _text_lookup(vals, among).tolist()
        assert got.dtype == np.int32


def test_id_lookup_with_a_wide_span_of_numbers_is_hashed_and_still_exact():
    import pandas as pd

    from visit_audit.engine.days import lookup

    among = ["1", "999999999999999", "42", "0010"]
    values = ["42", "999999999999999", "01", "10", None, "001", "5"]
    got = lookup(pd.Series(values, dtype="str"), pd.Series(among, dtype="str"))
    assert got.tolist() == [2, 1, 0, 3, -1, 0, -1]
    # Which ids take the way of numbers.
    import pyarrow as pa

    from visit_audit.engine.days import _digit_keys

    text = pa.large_string()
    keys, missing = _digit_keys(pa.array(["007", None, "7"], text))
    assert keys[0] == keys[2] and missing.tolist() == [False, True, False]
    for odd in (["7", ""], ["7", " 7"], ["7", "A7"], ["1" * 16]):
        assert _digit_keys(pa.array(odd, text)) is None


def test_team_tallies_hold_for_more_teams_than_a_one_byte_code_counts():
    # Codes of a categorical with 127 names or more are two bytes: the tallies
    # widen them before adding up (a missing team counts as "(no team)").
    import numpy as np
    import pandas as pd

    from visit_audit.views.summary import NO_TEAM, _codes, _counts, _team_label

    names = [f"T{i:03d}" for i in range(130)] + [""]
    team = pd.Series(pd.Categorical(names + [None, "T129", "T129"]))
    status = pd.Series(pd.Categorical(["late"] * 131 + ["on_time"] * 3))
    scope = np.ones(len(team), dtype=bool)
    tally = _counts(_codes(team), _codes(status), scope, label=_team_label)
    tally = tally[["late", "on_time"]]
    assert tally.loc["T129"].tolist() == [1, 2] and tally.loc["T000"].tolist() == [1, 0]
    assert tally.loc[NO_TEAM].tolist() == [1, 1]  # the blank one and the missing one
    assert int(tally.to_numpy().sum()) == len(team)
