"""What the manager's lists add: the child's last visit, days past or until due, who is due soon."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from frames import kid, rec, run_rules
from report_fixtures import make_result

from visit_audit.views.labels import STATUS_WORDS, plan_types_worded, worded
from visit_audit.views.lists import (
    NO_WORKER,
    due_soon_by_worker,
    due_soon_list,
    empty_reasons,
    last_visits,
    overdue_list,
)

MOP = "measures-of-practice"


def _day(ts) -> str | None:
    return None if pd.isna(ts) else ts.date().isoformat()


def test_last_visit_is_the_latest_counted_visit_of_the_episode():
    # CP plan agreed Tue 1 Sep 2026: seen Wed 2 Sep (within 48 hours) and Thu 10 Sep; a
    # contact where the child was not seen on Sun 20 Sep does not count (the rule wants
    # the child seen). Next visit due 10 working days after 10 Sep: Thu 24 Sep; at Sat
    # 31 Oct that is 37 days overdue, and the last visit is 10 Sep.
    result = run_rules(
        [kid(1, "child_protection", "2026-09-01")],
        [rec(1, "2026-09-02"), rec(1, "2026-09-10"), rec(1, "2026-09-20", seen=False)],
        as_of="2026-10-31",
        framework=MOP,
    )
    over = overdue_list(result)
    assert len(over) == 1
    row = over.iloc[0]
    assert (_day(row["due_date"]), int(row["days_overdue"])) == ("2026-09-24", 37)
    assert _day(row["last_visit"]) == "2026-09-10"


def test_never_visited_has_no_last_visit():
    # S47 enquiry started Mon 26 Oct 2026, seen within 2 working days: due Wed 28 Oct; never seen.
    result = run_rules([kid(1, "s47_enquiry", "2026-10-26")], [], as_of="2026-10-31", framework=MOP)
    row = overdue_list(result).iloc[0]
    assert int(row["days_overdue"]) == 3 and pd.isna(row["last_visit"])


def test_a_milestone_date_is_not_a_visit():
    # A referral's decision (decision_date) meets its milestone; it is not a visit to the child.
    result = run_rules(
        [kid(1, "referral", "2026-10-01", decision_date="2026-10-02")],
        [],
        as_of="2026-10-31",
        framework=MOP,
    )
    assert result.deadlines["visit_date"].notna().any()  # the decision's date
    assert last_visits(result.deadlines, result.as_of).empty


def test_last_visit_is_per_episode_and_not_after_the_audit_date():
    deadlines = pd.DataFrame(
        {
            "child_id": ["C1", "C1", "C1", "C1"],
            "episode_id": ["E1", "E1", "E2", "E1"],
            "kind": ["initial", "interval", "interval", "interval"],
            "visit_date": pd.to_datetime(["2026-09-01", "2026-10-01", "2026-10-20", "2026-11-05"]),
        }
    ).astype({"child_id": "category", "episode_id": "category", "kind": "category"})
    got = last_visits(deadlines, dt.date(2026, 10, 31))
    assert {(r.episode_id, _day(r.last_visit)) for r in got.itertuples()} == {
        ("E1", "2026-10-01"),
        ("E2", "2026-10-20"),
    }


def test_days_until_due_are_calendar_days_from_the_audit_date():
    # CP agreed Mon 26 Oct 2026, seen Tue 27 Oct; next due 10 working days on: Tue 10 Nov,
    # 10 calendar days after Sat 31 Oct, which is within the 10 working days ahead (to 13 Nov).
    result = run_rules(
        [kid(1, "child_protection", "2026-10-26", worker="Jo Smith")],
        [rec(1, "2026-10-27")],
        as_of="2026-10-31",
        framework=MOP,
    )
    soon = due_soon_list(result)
    assert len(soon) == 1
    row = soon.iloc[0]
    assert (_day(row["due_date"]), int(row["days_until_due"])) == ("2026-11-10", 10)
    assert _day(row["last_visit"]) == "2026-10-27"
    by_worker = due_soon_by_worker(result)
    assert by_worker.to_dict("records") == [
        {
            "worker": "Jo Smith",
            "children": 1,
            "deadlines": 1,
            "earliest_due": pd.Timestamp("2026-11-10"),
        }
    ]


def test_due_soon_by_worker_counts_children_earliest_due_first():
    result = make_result()
    up = result.upcoming
    extra = up.iloc[[0, 0, 1]].copy()
    extra["child_id"] = ["C0457", "C0457", "C0458"]  # one child with two deadlines
    extra["due_date"] = pd.to_datetime(["2026-11-05", "2026-11-02", "2026-11-02"]).astype(
        "datetime64[s]"
    )
    extra["worker"] = ["Sam Patel", "Sam Patel", None]
    result.upcoming = pd.concat([up, extra], ignore_index=True)
    got = due_soon_by_worker(result)
    assert [
        (r.worker, r.children, r.deadlines, _day(r.earliest_due)) for r in got.itertuples()
    ] == [
        ("Sam Patel", 2, 3, "2026-11-02"),  # C0456 and C0457; the earliest and most children
        (NO_WORKER, 1, 1, "2026-11-02"),
        ('=HYPERLINK("http://evil","x")', 1, 1, "2026-11-13"),
    ]


def test_empty_reasons_name_the_period_and_the_framework():
    reasons = empty_reasons(make_result())
    assert reasons["Findings"] == (
        "No late, missed or overdue deadlines settled from 01/10/2026 to 31/10/2026, "
        "and none overdue at 31/10/2026."
    )
    assert reasons["Quality"].startswith("No quality exceptions")
    result = make_result(period=None)
    result.summary = {**result.summary, "quality": {}}
    assert empty_reasons(result)["Quality"] == "No quality checks in this framework (barnsley)."


def test_codes_become_words_on_the_categories():
    codes = pd.Series(["late", None, "overdue", "late", "strange"], dtype="category")
    got = worded(codes, STATUS_WORDS)
    assert isinstance(got.dtype, pd.CategoricalDtype)
    assert sorted(got.cat.categories) == ["Late", "Overdue", "strange"]
    assert got.astype(object).where(got.notna(), None).tolist() == [
        "Late",
        None,
        "Overdue",
        "Late",
        "strange",
    ]
    same = worded(pd.Series(["a", "b", "a"]), {"a": "One", "b": "One"})  # two codes, one word
    assert same.tolist() == ["One", "One", "One"] and list(same.cat.categories) == ["One"]
    plans = pd.Series(["child_protection", "looked_after"], dtype="str")
    labels = {"child_protection": "Child Protection Plan"}
    assert plan_types_worded(plans, labels).tolist() == ["Child Protection Plan", "Looked after"]
