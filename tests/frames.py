"""Tiny canonical frames for engine tests, as the io layer would produce them."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd

from visit_audit.audit import run_audit
from visit_audit.calendar import WorkingCalendar
from visit_audit.frameworks import load_framework
from visit_audit.io.load import cases_from_records, visits_from_records
from visit_audit.pipeline import plan_type_aliases
from visit_audit.result import CASE_DATE_COLUMNS

CASE_DATES = CASE_DATE_COLUMNS


def cases(*rows: dict) -> pd.DataFrame:
    """Case rows: child_id, plan_type, start_date required; dates as ISO strings.

    Built by the io layer's own loader, as from a file with these cells, so the
    engine sees the column types a real run gives it; a row the loader would
    reject fails the test instead of vanishing."""
    records = []
    for i, r in enumerate(rows):
        record = {
            "child_id": r.get("child_id", "C1"),
            "episode_id": r.get("episode_id", f"E{i + 1}"),
            "plan_type": r["plan_type"],
            "visit_frequency": r.get("visit_frequency"),
            "worker": r.get("worker", "W1"),
            "team": r.get("team", "T1"),
        }
        records.append(record | {c: r.get(c) for c in CASE_DATES})
    return _loaded(cases_from_records(records, plan_type_aliases=_plan_types()))


def visits(*rows) -> pd.DataFrame:
    """Visit rows: a date string (child C1, seen visit) or a dict of fields,
    loaded as :func:`cases` are."""
    records = []
    for r in rows:
        if isinstance(r, str):
            r = {"visit_date": r}
        records.append(
            {
                "child_id": r.get("child_id", "C1"),
                "visit_date": r["visit_date"],
                "visit_type": r.get("visit_type", "visit"),
                "seen": r.get("seen", True),
                "seen_alone": r.get("seen_alone"),
                "location": r.get("location"),
                "bedroom_seen": r.get("bedroom_seen"),
                "unannounced": r.get("unannounced"),
                "episode_id": r.get("episode_id"),
                "worker": r.get("worker"),
            }
        )
    return _loaded(visits_from_records(records))


def _loaded(extract) -> pd.DataFrame:
    assert extract.rejected.empty, extract.rejected.to_dict("records")
    return extract.frame


@cache
def _plan_types() -> dict[str, str]:
    """Every plan type of both frameworks, by its own name and its spellings."""
    table: dict[str, str] = {}
    for name in ("measures-of-practice", "barnsley"):
        table.update(plan_type_aliases(cached_framework(name)))
    return table


def audit(case_rows, visit_rows, *, framework="measures-of-practice", as_of="2026-01-01", **kw):
    fw = load_framework(framework) if isinstance(framework, str) else framework
    return run_audit(
        cases(*case_rows) if isinstance(case_rows, (list, tuple)) else case_rows,
        visits(*visit_rows) if isinstance(visit_rows, (list, tuple)) else visit_rows,
        fw,
        as_of=dt.date.fromisoformat(as_of),
        **kw,
    )


def found(result) -> list[tuple]:
    """Findings as (episode_id, kind, due, visit, status, days_late) tuples."""
    f = result.findings
    return [
        (
            r.episode_id,
            r.kind,
            r.due_date.date().isoformat(),
            None if pd.isna(r.visit_date) else r.visit_date.date().isoformat(),
            r.status,
            int(r.days_late),
        )
        for r in f.itertuples()
    ]


@cache
def cached_framework(name: str):
    return load_framework(name)


@cache
def england() -> WorkingCalendar:
    """One England calendar for a whole test module (building it is the slow part)."""
    return WorkingCalendar("england")


def run_rules(case_rows, visit_rows, *, as_of, framework, **kw):
    """audit() with the framework and England calendar built once per session."""
    fw = cached_framework(framework) if isinstance(framework, str) else framework
    return audit(case_rows, visit_rows, framework=fw, as_of=as_of, calendar=england(), **kw)


def iso(ts) -> str | None:
    return None if pd.isna(ts) else ts.date().isoformat()


def chain(result, episode_id="E1") -> list[tuple]:
    """Every assessed deadline of one episode: (kind, anchor, due, visit, status, days_late)."""
    d = result.deadlines
    d = d.loc[d["episode_id"] == episode_id].sort_values(
        ["due_date", "anchor_date", "kind"], kind="stable"
    )
    return [
        (r.kind, iso(r.anchor_date), iso(r.due_date), iso(r.visit_date), r.status, int(r.days_late))
        for r in d.itertuples()
    ]


def kid(n: int, plan_type: str, start: str, **kw) -> dict:
    """Child n with one episode En."""
    return {
        "child_id": f"C{n}",
        "episode_id": f"E{n}",
        "plan_type": plan_type,
        "start_date": start,
        **kw,
    }


def rec(n: int, date: str, **kw) -> dict:
    """A record of child n."""
    return {"child_id": f"C{n}", "visit_date": date, **kw}
