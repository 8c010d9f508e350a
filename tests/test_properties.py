"""Properties of the whole engine, tested with hypothesis (docs/rules.md §2–§6).

Random episodes of every plan type of both frameworks and random records:

- adding a record never adds a finding,
- records spaced within every interval give no findings,
- shuffling the input rows changes nothing.

"Adding a record never adds a finding" cannot mean that the number of findings never
grows: the rules themselves make it grow. An unmet initial deadline stops the chain ("one
finding, not one for every interval"), so a first record can revive a chain and bring the
next deadlines into view (the example of docs/rules.md "Initial deadlines": no record = 1
finding, one record on 20 Jan = 2 findings). And every record re-anchors the chain
("Recurring deadlines"), so a record in the middle of a long gap splits one late finding
into two shorter ones. What a record can never do is put a child out of time on a day it
was not: the days covered by an episode's initial findings,
``(due_date, due_date + days_late]``, can only shrink, and so can those of its whole chain
unless the record re-anchored the recurring chain; a deadline assessed in both runs only
gets better; a count window can only pass; milestones do not move.

Re-anchoring is the one way a record can legitimately bring deadlines forward: a record
that meets an initial deadline earlier (or revives a stopped chain) starts the recurring
clock earlier, and the clock may run faster than the initial deadlines were spaced (a
child's own plan, docs/rules.md "A child's own visiting plan") or ignore the record that
used to start it (early help: the clock starts at the first contact, a call, but wants
seen visits). All four cases are worked out in the example tests below.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache

import pandas as pd
import pytest
from frames import audit, cases, found, visits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visit_audit.calendar import Duration, WorkingCalendar
from visit_audit.frameworks import load_framework

FRAMEWORKS = ("measures-of-practice", "barnsley")
CHILDREN = ("C1", "C2", "C3")
# visit_frequency as docs/rules.md "A child's own visiting plan" spells it, plus one that
# cannot be read (ignored, warned).
FREQUENCIES = ("5 working days", "2 weeks", "10 days", "1 month", "weekly", "fortnightly",
               "monthly", "as needed")  # fmt: skip
FIRST_DAY = dt.date(2023, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def _framework(name: str):
    return load_framework(name)


@cache
def _calendar() -> WorkingCalendar:
    return WorkingCalendar("england")


def run(case_frame: pd.DataFrame, visit_frame: pd.DataFrame, framework: str, as_of: str):
    return audit(
        case_frame,
        visit_frame,
        framework=_framework(framework),
        as_of=as_of,
        calendar=_calendar(),
    )


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def episode(
    draw, framework: str, number: int, child: str | None = None, latest: dt.date = LAST_DAY
) -> dict:
    """One case row: any plan type of the framework, start 2023–2025, optional dates."""
    start = draw(st.dates(FIRST_DAY, latest))

    def after(lo: int, hi: int):
        return _maybe(st.integers(lo, hi).map(lambda n: _iso(start + dt.timedelta(days=n))))

    return {
        "child_id": child or draw(st.sampled_from(CHILDREN)),
        "episode_id": f"E{number}",
        "plan_type": draw(st.sampled_from(list(_framework(framework).plan_types))),
        "start_date": _iso(start),
        "end_date": draw(after(0, 800)),
        "first_review_date": draw(after(0, 150)),
        "reduced_frequency_date": draw(after(60, 700)),
        "decision_date": draw(after(0, 6)),
        "date_of_birth": draw(
            _maybe(st.dates(dt.date(2002, 6, 1), dt.date(2007, 12, 31)).map(_iso))
        ),
        "visit_frequency": draw(_maybe(st.sampled_from(FREQUENCIES))),
    }


@st.composite
def record(draw, episodes: list[dict]) -> dict:
    """One visits row: any day from just before 2023 to just after 2025, or (to keep chains
    busy) a day in the first months of one of the episodes, for its child."""
    near = draw(st.one_of(st.none(), st.sampled_from(episodes)))
    if near is None:
        child = draw(st.sampled_from(CHILDREN))
        day = draw(st.dates(dt.date(2022, 12, 1), dt.date(2026, 2, 28)))
    else:
        child = near["child_id"]
        offset = draw(st.integers(-3, 200))
        day = dt.date.fromisoformat(near["start_date"]) + dt.timedelta(days=offset)
    episode_ids = [e["episode_id"] for e in episodes]
    return {
        "child_id": child,
        "visit_date": _iso(day),
        "visit_type": draw(st.sampled_from(["visit", "visit", "contact", "return_home_interview"])),
        "seen": draw(st.booleans()),
        "unannounced": draw(st.sampled_from([True, False, None])),
        "bedroom_seen": draw(st.sampled_from([True, False, None])),
        "seen_alone": draw(st.sampled_from([True, False, None])),
        "location": draw(st.sampled_from(["home", "school", None])),
        # Mostly untied; sometimes tied to an episode (maybe another child's, §2).
        "episode_id": draw(st.one_of(st.none(), st.none(), st.sampled_from(episode_ids))),
    }


@st.composite
def scenario(draw, max_records: int = 30) -> dict:
    framework = draw(st.sampled_from(FRAMEWORKS))
    as_of = draw(st.sampled_from(["2024-06-30", "2025-06-30", "2026-01-31"]))
    n = draw(st.integers(1, 4))
    # The first episode starts by as_of: see test_every_episode_starting_after_as_of below.
    episodes = [draw(episode(framework, 1, latest=dt.date.fromisoformat(as_of)))]
    episodes += [draw(episode(framework, i + 1)) for i in range(1, n)]
    records = draw(st.lists(record(episodes), max_size=max_records))
    return {"framework": framework, "episodes": episodes, "records": records, "as_of": as_of}


def _findings(result) -> pd.DataFrame:
    return result.findings


def _out_of_time_days(result, kinds=("initial", "interval")) -> dict[str, set[int]]:
    """Per episode, the days on which a deadline of its chain was past and unmet.

    A late, missed or overdue deadline covers (due_date, due_date + days_late]: up to the
    record that met it, the episode's end or as_of (§4).
    """
    out: dict[str, set[int]] = {}
    f = result.findings
    f = f.loc[f["kind"].isin(list(kinds))]
    for r in f.itertuples():
        due = r.due_date.date().toordinal()
        out.setdefault(r.episode_id, set()).update(range(due + 1, due + int(r.days_late) + 1))
    return out


def _chain_start(result) -> dict[str, pd.Timestamp]:
    """Per episode, the anchor of its first recurring deadline ("Recurring deadlines");
    absent when none."""
    d = result.deadlines
    d = d.loc[d["kind"] == "interval"]
    return d.groupby("episode_id")["anchor_date"].min().to_dict()


def _windows(result, kind: str) -> set[tuple]:
    f = result.findings
    f = f.loc[f["kind"] == kind]
    return {
        (r.episode_id, r.requirement, r.anchor_date, r.due_date, r.status, r.days_late)
        for r in f.itertuples()
    }


def _severity(deadlines: pd.DataFrame) -> dict[tuple, int]:
    """Each assessed deadline → days out of time (0 when on time or not yet due)."""
    return {
        (r.episode_id, r.kind, r.requirement, r.anchor_date, r.due_date): (
            int(r.days_late) if r.status in ("late", "missed", "overdue") else 0
        )
        for r in deadlines.itertuples()
    }


# --- (a) adding a record never adds a finding ------------------------------------------


@SETTINGS
@given(data=st.data())
def test_adding_a_record_never_puts_a_child_out_of_time(data):
    s = data.draw(scenario())
    extra = data.draw(record(s["episodes"]))
    at = data.draw(st.integers(0, len(s["records"])))
    more = s["records"][:at] + [extra] + s["records"][at:]
    c = cases(*s["episodes"])
    before = run(c, visits(*s["records"]), s["framework"], s["as_of"])
    after = run(c, visits(*more), s["framework"], s["as_of"])

    # No day on which a child is out of time that was not already: for the initial
    # deadlines always; for the whole chain unless the record re-anchored the recurring
    # chain (met an initial deadline earlier, or revived a stopped chain), which docs/rules.md §3
    # allows to bring later deadlines forward (see the three examples below).
    was, now = _out_of_time_days(before, ["initial"]), _out_of_time_days(after, ["initial"])
    for episode_id, days in now.items():
        assert days <= was.get(episode_id, set()), (episode_id, sorted(days - was[episode_id]))
    was, now = _out_of_time_days(before), _out_of_time_days(after)
    old_start, new_start = _chain_start(before), _chain_start(after)
    for episode_id, days in now.items():
        if old_start.get(episode_id) == new_start.get(episode_id):
            assert days <= was.get(episode_id, set()), (episode_id, sorted(days - was[episode_id]))
    # Count windows can only pass; milestones do not depend on records at all.
    assert _windows(after, "count") <= _windows(before, "count")
    assert _windows(after, "milestone") == _windows(before, "milestone")
    # A deadline assessed in both runs is met no later.
    old, new = _severity(before.deadlines), _severity(after.deadlines)
    for key in old.keys() & new.keys():
        assert new[key] <= old[key], key


def test_a_first_record_can_revive_a_stopped_chain_and_add_a_finding():
    # "Initial deadlines" example: CiC placed Mon 6 Jan 2025. No record: the day-0 deadline
    # is overdue at 1 Feb (26 days) and the chain stops there. One record on 20 Jan: day 0
    # is late by 14, the 7-day deadline (13 Jan) is overdue by 19. Two findings, but over
    # days already out of time: (6 Jan, 1 Feb] ⊇ (6 Jan, 20 Jan] ∪ (13 Jan, 1 Feb].
    c = cases({"plan_type": "child_in_care", "start_date": "2025-01-06"})
    mop = "measures-of-practice"
    assert found(run(c, visits(), mop, "2025-02-01")) == [
        ("E1", "initial", "2025-01-06", None, "overdue", 26)
    ]
    assert found(run(c, visits("2025-01-20"), mop, "2025-02-01")) == [
        ("E1", "initial", "2025-01-06", "2025-01-20", "late", 14),
        ("E1", "initial", "2025-01-13", None, "overdue", 19),
    ]


def test_a_record_in_a_long_gap_splits_one_late_finding_into_two():
    # Barnsley CIN, every 4 weeks from Mon 6 Jan 2025: due 3 Feb. A single record on 7 Apr is
    # 63 days late. Add 3 Mar: 3 Feb is met 28 days late, and the chain re-anchors on 3 Mar
    # ("Recurring deadlines"): due 31 Mar, met 7 Apr, 7 days late. 35 days out of time
    # instead of 63.
    c = cases({"plan_type": "child_in_need", "start_date": "2025-01-06"})
    assert found(run(c, visits("2025-04-07"), "barnsley", "2025-04-20")) == [
        ("E1", "interval", "2025-02-03", "2025-04-07", "late", 63)
    ]
    assert found(run(c, visits("2025-03-03", "2025-04-07"), "barnsley", "2025-04-20")) == [
        ("E1", "interval", "2025-02-03", "2025-03-03", "late", 28),
        ("E1", "interval", "2025-03-31", "2025-04-07", "late", 7),
    ]


def test_an_earlier_first_contact_starts_the_early_help_clock_earlier():
    # docs/frameworks.md reading: "the 4-weekly clock starts at the first contact, which
    # may be a call"; the 4-weekly deadlines themselves want a seen visit (filter seen).
    # EH allocated Mon 2 Jun 2025, a call on 4 Jun: initial met, next due 2 Jul, overdue at
    # 10 Jul by 8. Add a call on 2 Jun: the clock starts on 2 Jun, due 30 Jun, and the 4 Jun
    # call does not meet it: overdue by 10. One finding either way, but on two more days.
    c = cases({"plan_type": "early_help", "start_date": "2025-06-02"})
    mop = "measures-of-practice"

    def call(day: str) -> dict:
        return {"visit_date": day, "visit_type": "contact"}

    assert found(run(c, visits(call("2025-06-04")), mop, "2025-07-10")) == [
        ("E1", "interval", "2025-07-02", None, "overdue", 8)
    ]
    assert found(run(c, visits(call("2025-06-02"), call("2025-06-04")), mop, "2025-07-10")) == [
        ("E1", "interval", "2025-06-30", None, "overdue", 10)
    ]


def test_a_record_meeting_the_last_initial_deadline_starts_the_childs_own_plan():
    # "A child's own visiting plan": the child's own plan (10 days) does not touch initial
    # deadlines; "Initial deadlines": the chain stops at an unmet one. Short breaks from Mon
    # 6 Jan 2025, seen that day: the 3-month deadline (6 Apr) is overdue at 30 Jun by 85.
    # Add 16 Jan: it meets the 3-month deadline, the recurring chain starts and the own
    # plan wants 26 Jan: overdue by 155.
    c = cases(
        {"plan_type": "short_breaks", "start_date": "2025-01-06", "visit_frequency": "10 days"}
    )
    mop = "measures-of-practice"
    assert found(run(c, visits("2025-01-06"), mop, "2025-06-30")) == [
        ("E1", "initial", "2025-04-06", None, "overdue", 85)
    ]
    assert found(run(c, visits("2025-01-06", "2025-01-16"), mop, "2025-06-30")) == [
        ("E1", "interval", "2025-01-26", None, "overdue", 155)
    ]


# --- (b) records spaced within every interval give no findings -------------------------


def _min_days(duration: Duration) -> int:
    """The fewest calendar days ``duration`` can span from any anchor."""
    n, unit = duration.n, duration.unit
    return {
        "days": n,
        "hours": math.ceil(n / 24),
        "weeks": 7 * n,
        "months": 28 * n,
        "years": 365 * n,
        # From a Sunday, 5 working days end on the Friday: 5 days; each further 5 add a weekend.
        "working_days": n + 2 * (max(n - 1, 0) // 5),
    }[unit]


def _widest_spacing(plan_type: str, framework: str, frequency: str | None) -> int:
    """The largest gap between records (from the start) that meets every deadline."""
    rules = _framework(framework).plan_types[plan_type]
    bounds = [_min_days(p.interval) for p in rules.phases]
    # The k-th record (start + k·gap) must meet start + initial[k].
    bounds += [_min_days(i.within) // k for k, i in enumerate(rules.initial) if k]
    if frequency is not None and frequency != "as needed" and rules.phases:
        bounds.append(_min_days(Duration.parse(frequency)))
    return max(1, min(bounds, default=60))


@SETTINGS
@given(data=st.data())
def test_records_spaced_within_every_interval_give_no_findings(data):
    framework = data.draw(st.sampled_from(FRAMEWORKS))
    as_of = dt.date.fromisoformat(data.draw(st.sampled_from(["2025-06-30", "2026-01-31"])))
    n = data.draw(st.integers(1, 4))
    episodes, records = [], []
    for i in range(n):
        # One child per episode, so that each chain is exactly the records listed for it.
        e = data.draw(episode(framework, i + 1, child=f"C{i + 1}", latest=as_of))
        e["decision_date"] = e["start_date"]  # the referral decision on the day (§6)
        episodes.append(e)
        start = dt.date.fromisoformat(e["start_date"])
        last = min(dt.date.fromisoformat(e["end_date"] or "9999-12-31"), as_of)
        widest = _widest_spacing(e["plan_type"], framework, e["visit_frequency"])
        gap = data.draw(st.integers(1, widest), label=f"gap E{i + 1} (at most {widest})")
        day = start
        while day <= last:
            records.append(
                {
                    "child_id": e["child_id"],
                    "visit_date": _iso(day),
                    "unannounced": True,  # count windows (§5): every kind every time
                    "bedroom_seen": True,
                }
            )
            day += dt.timedelta(days=gap)
    result = run(cases(*episodes), visits(*records), framework, as_of.isoformat())
    assert found(result) == []


# --- (c) shuffling the input rows changes nothing --------------------------------------


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    cols = list(frame.columns)
    return frame.sort_values(cols, kind="stable").reset_index(drop=True) if cols else frame


@SETTINGS
@given(data=st.data())
def test_shuffling_input_rows_changes_nothing(data):
    s = data.draw(scenario())
    case_order = data.draw(st.permutations(range(len(s["episodes"]))), label="case order")
    visit_order = data.draw(st.permutations(range(len(s["records"]))), label="visit order")
    c, v = cases(*s["episodes"]), visits(*s["records"])
    before = run(c, v, s["framework"], s["as_of"])
    after = run(
        c.iloc[case_order].reset_index(drop=True),
        v.iloc[visit_order].reset_index(drop=True),
        s["framework"],
        s["as_of"],
    )
    pd.testing.assert_frame_equal(before.findings, after.findings)
    pd.testing.assert_frame_equal(before.upcoming, after.upcoming)
    pd.testing.assert_frame_equal(before.quality, after.quality)
    pd.testing.assert_frame_equal(_sorted(before.deadlines), _sorted(after.deadlines))
    assert before.summary == after.summary
    assert before.warnings == after.warnings


# --- Minimal failing examples found by the properties -----------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_episode_starting_after_as_of_is_ignored_without_error(framework):
    c = cases({"plan_type": "child_protection", "start_date": "2024-07-01"})
    result = run(c, visits("2024-06-01"), framework, "2024-06-30")
    assert found(result) == []
    assert any("after the audit date" in w for w in result.warnings)
