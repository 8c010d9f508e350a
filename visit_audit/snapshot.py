"""The snapshot audit of an Annex A workbook (README "From Annex A"), through the one engine.

:func:`visit_audit.io.sources.annex_a.load_annex_a` gives each open row a
pretend episode and its last-visit record. Here the initial deadlines due
before that visit are taken as met on their due day (a record on each, found
by auditing, since which initial deadlines there are is the framework's to
say, and one met may bring the next), and the result keeps what a list can
show: each episode's overdue findings, and otherwise its next deadline, in
time on the audit date; the deadlines due soon as ever; and of the quality
answers only the one a list holds (list 7's seen alone). A late finding before
the last visit is never reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from visit_audit.result import AuditResult

MAX_PASSES = 10  # initial deadlines chained one on another: never more than a few


def taken_as_met(deadlines: pd.DataFrame, last_visit: pd.Series) -> pd.DataFrame:
    """The initial deadlines due before their episode's last visit and not yet met
    on time: (episode_id, due_date)."""
    if deadlines.empty:
        return pd.DataFrame({"episode_id": [], "due_date": []})
    frame = deadlines.loc[
        (deadlines["kind"].astype(str) == "initial")
        & (deadlines["status"].astype(str) != "on_time")
    ]
    episode = frame["episode_id"].astype(str)
    last = episode.map(last_visit)
    before = (frame["due_date"] < last).to_numpy(bool)
    return pd.DataFrame(
        {"episode_id": episode[before].to_numpy(), "due_date": frame["due_date"][before].to_numpy()}
    )


def snapshot_deadlines(deadlines: pd.DataFrame) -> pd.DataFrame:
    """What a list can show of each episode: its overdue deadlines, or else its
    next deadline, counted as in time (``on_time``) on the audit date."""
    status = deadlines["status"].astype(str)
    overdue = deadlines.loc[status == "overdue"]
    done = set(overdue["episode_id"].astype(str))
    pending = deadlines.loc[(status == "pending") & ~deadlines["episode_id"].astype(str).isin(done)]
    pending = pending.sort_values("due_date", kind="stable").drop_duplicates("episode_id")
    out = pd.concat([overdue, pending.assign(status="on_time")], ignore_index=True)
    for column in out.columns:
        if isinstance(deadlines[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
    return out


def _records(met: pd.DataFrame, cases: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """A face-to-face visit, the child seen, on each deadline taken as met, tied to its
    episode, in the visits frame's columns and dtypes."""
    child = cases.set_index(cases["episode_id"].astype(str))["child_id"]
    extra = pd.DataFrame(
        {
            "row": np.zeros(len(met), dtype=np.int64),
            "child_id": met["episode_id"].map(child).to_numpy(),
            "visit_date": pd.to_datetime(met["due_date"]).astype("datetime64[s]").to_numpy(),
            "visit_type": "visit",
            "seen": True,
            "episode_id": met["episode_id"].to_numpy(),
        }
    )
    extra = pd.concat([visits.iloc[:0], extra], ignore_index=True)
    extra = extra.astype({c: visits[c].dtype for c in visits.columns}, errors="ignore")
    return extra[visits.columns]


def _last_visits(cases: pd.DataFrame, last_visit: pd.Series, as_of: dt.date) -> pd.DataFrame:
    """Each episode's last visit as its list gives it (on or before the audit
    date), for the Overdue and Due soon lists: the snapshot keeps no met deadline
    to read it from."""
    episode = cases["episode_id"].astype(str)
    day = pd.to_datetime(episode.map(last_visit))
    day = day.where(day <= pd.Timestamp(as_of))
    return pd.DataFrame(
        {
            "child_id": cases["child_id"].astype(object).to_numpy(),
            "episode_id": episode.to_numpy(dtype=object),
            "last_visit": day.to_numpy(dtype="datetime64[ns]"),
        }
    )


def audit_annex_a(
    path: Path,
    *,
    framework: str,
    as_of: dt.date,
    region: str = "england",
    key: bytes | None = None,
) -> AuditResult:
    """Audit the lists 6-9 of the Annex A workbook at ``path`` on ``as_of``.

    The result is :func:`visit_audit.audit.run_audit`'s (so every renderer reads
    it as any audit's), with the deadlines, findings, summary and quality a
    snapshot can show.
    """
    from visit_audit.audit import run_audit
    from visit_audit.calendar import WorkingCalendar
    from visit_audit.engine import run_engine
    from visit_audit.frameworks import load_framework
    from visit_audit.io.sources.annex_a import load_annex_a
    from visit_audit.views.summary import findings, in_scope, summarise

    fw = load_framework(framework)
    covered = {name for name, plan in fw.plan_types.items() if not plan.no_rule}
    loaded = load_annex_a(path, as_of=as_of, plan_types=covered)
    calendar = WorkingCalendar(region)
    cases, visits = loaded.cases, loaded.visits
    for _ in range(MAX_PASSES):
        result = run_audit(
            cases,
            visits,
            fw,
            as_of=as_of,
            region=region,
            inputs=loaded.inputs,
            rejected=loaded.rejected,
            warnings=loaded.warnings,
            calendar=calendar,
        )
        met = taken_as_met(result.deadlines, loaded.last_visit)
        if met.empty:
            break
        visits = pd.concat([visits, _records(met, cases, visits)], ignore_index=True)
    deadlines = snapshot_deadlines(result.deadlines)
    scope = in_scope(deadlines, None)
    audited = cases.loc[cases["start_date"] <= pd.Timestamp(as_of)]  # as the engine selects
    summary = summarise(deadlines, scope, audited, fw, None)
    # The one quality answer a list holds: seen alone, on list 7's last visits.
    answers = run_engine(cases, loaded.answered, fw, as_of=as_of, calendar=calendar)
    quality = answers.quality.loc[answers.quality["check"] == "seen_alone"].reset_index(drop=True)
    summary["quality"] = {
        check: row for check, row in answers.quality_summary.items() if check == "seen_alone"
    }
    result = dataclasses.replace(
        result,
        deadlines=deadlines,
        findings=findings(deadlines, scope),
        quality=quality,
        summary=summary,
        source=loaded.source,
        last_visits=_last_visits(cases, loaded.last_visit, as_of),
    )
    if key is not None:
        from visit_audit.privacy import pseudonymise_result

        result = pseudonymise_result(result, key)
    return result
