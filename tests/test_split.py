"""One workbook per team or worker (README "One workbook per team").

Reading pinned here: the deadlines, findings, due soon and quality rows are
divided among the parts (each row names its team); rejected rows describe the
extract, not a team, and go to the whole-authority report only.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from visit_audit.cli import app
from visit_audit.pipeline import audit_files
from visit_audit.report.excel import write_report
from visit_audit.views.split import UNALLOCATED, file_names, safe_file_name, split_result
from visit_audit.views.summary import in_scope
from visit_audit.views.workers import worker_summary

ROOT = Path(__file__).resolve().parent.parent
CASES, VISITS = ROOT / "sample_data" / "cases.csv", ROOT / "sample_data" / "visits.csv"
runner = CliRunner()


@pytest.fixture(scope="module")
def result():
    """The sample as it is (``unallocated`` is the one with teams blanked)."""
    return audit_files(CASES, VISITS, month="2026-10")


@pytest.fixture(scope="module")
def unallocated(tmp_path_factory):
    """The sample with the team of cases.csv's first 15 rows blanked (no team)."""
    folder = tmp_path_factory.mktemp("unallocated")
    cases = pd.read_csv(CASES, dtype=str, keep_default_na=False)
    cases.loc[cases.index[:15], "Team"] = ""
    cases.to_csv(folder / "cases.csv", index=False)
    shutil.copy(VISITS, folder / "visits.csv")
    return audit_files(folder / "cases.csv", folder / "visits.csv", month="2026-10")


@pytest.mark.parametrize("by", ["team", "worker"])
@pytest.mark.slow  # a whole audit (or several)
def test_the_rows_of_all_parts_add_up_to_the_whole_result(unallocated, by):
    full = unallocated
    parts = split_result(full, by)
    for frame in ("findings", "upcoming", "quality"):
        assert sum(len(getattr(p, frame)) for p in parts.values()) == len(getattr(full, frame))
    in_scope_rows = sum(int(in_scope(p.deadlines, p.period).sum()) for p in parts.values())
    assert in_scope_rows == int(in_scope(full.deadlines, full.period).sum())
    for field in ("episodes", "deadlines", "on_time", "late", "missed", "overdue"):
        total = sum(p.summary["overall"][field] for p in parts.values())
        assert total == full.summary["overall"][field], field
    # Rejected rows belong to the extract: only the whole-authority report has them.
    assert all(len(p.rejected) == 0 for p in parts.values())


@pytest.mark.slow  # a whole audit (or several)
def test_a_team_part_holds_only_that_teams_rows_and_the_authority_beside_it(unallocated):
    parts = split_result(unallocated, "team")
    assert UNALLOCATED in parts and list(parts)[-1] == UNALLOCATED
    for name, part in parts.items():
        for frame in (part.findings, part.upcoming, part.deadlines):
            teams = set(frame["team"].astype(object).fillna("").replace("", UNALLOCATED))
            assert teams <= {name}
        assert part.summary["authority"] == unallocated.summary["overall"]
        assert part.summary["part"] == {
            "by": "team",
            "name": name,
            "rejected": len(unallocated.rejected),
        }
        if name != UNALLOCATED:
            assert part.summary["by_team"][name] == unallocated.summary["by_team"][name]


@pytest.mark.slow  # a whole audit (or several)
def test_a_part_carries_the_history_changes_of_its_own_children_only(result):
    """Changes as the history gives them (frames of the five key columns), made by hand."""
    found = result.findings.iloc[0]
    mine = {c: found[c] for c in ("child_id", "episode_id", "plan_type", "kind", "due_date")}
    other = {**mine, "child_id": "nobody", "episode_id": "none"}
    keys = pd.DataFrame([mine, other])
    changes = {
        "previous": {"from": "2026-09-01", "to": "2026-09-30"},
        "newly_overdue": keys,
        "no_longer_overdue": keys.iloc[:0],
        "still_overdue": keys.iloc[:0].assign(periods=pd.Series(dtype="int64")),
    }
    import dataclasses

    parts = split_result(dataclasses.replace(result, changes=changes), "team")
    got = parts[found["team"]].changes["newly_overdue"]
    assert got.to_dict("records") == [mine]
    assert sum(len(p.changes["newly_overdue"]) for p in parts.values()) == 1
    assert all(p.changes["previous"] == changes["previous"] for p in parts.values())


@pytest.mark.slow  # a whole audit (or several)
def test_a_team_part_keeps_its_own_and_the_authoritys_trend_only(result):
    import dataclasses

    trend = pd.DataFrame(
        {
            "period_from": ["2026-09-01"] * 3,
            "period_to": ["2026-09-30"] * 3,
            "team": [None, "Safeguarding Team East", "Children in Care Team"],
            "deadlines": [10, 4, 6],
            "percent_on_time": [90.0, 100.0, 83.3],
        }
    )
    parts = split_result(dataclasses.replace(result, trend=trend), "team")
    east = parts["Safeguarding Team East"].trend
    assert east["team"].isna().tolist() == [True, False]
    assert east["team"].iloc[1] == "Safeguarding Team East"


def test_unsafe_characters_in_a_team_name_become_underscores():
    assert safe_file_name('Team A/B: "East"?') == "Team A_B_ _East__"
    assert file_names(["A/B", "A_B"]) == {"A/B": "A_B.xlsx", "A_B": "A_B (2).xlsx"}


@pytest.mark.slow  # a whole audit (or several)
def test_by_worker_counts_each_workers_deadlines_and_due_soon(result):
    workers = worker_summary(result)
    assert sum(w["deadlines"] for w in workers.values()) == result.summary["overall"]["deadlines"]
    assert sum(w["overdue"] for w in workers.values()) == result.summary["overall"]["overdue"]
    assert sum(w["due_soon"] for w in workers.values()) == len(result.upcoming)
    for w in workers.values():
        counted = w["on_time"] + w["late"] + w["missed"] + w["overdue"]
        assert w["deadlines"] == counted
        if counted:
            assert w["percent_on_time"] == round(100 * w["on_time"] / counted, 1)


def _summary_rows(path: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(path)["Summary"]
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


@pytest.mark.slow  # a whole audit (or several)
def test_every_summary_has_a_by_worker_table(result, tmp_path: Path):
    path = write_report(result, tmp_path / "full.xlsx")
    rows = _summary_rows(path)
    at = next(i for i, r in enumerate(rows) if r[0] == "By worker")
    assert rows[at + 1][:9] == (
        "Worker",
        "Episodes",
        "Deadlines",
        "On time",
        "Late",
        "Missed",
        "Overdue",
        "% on time",
        "Due soon",
    )
    workers = worker_summary(result)
    first = next(iter(workers))
    assert rows[at + 2][0] == first
    assert rows[at + 2][2] == workers[first]["deadlines"]


@pytest.mark.slow  # a whole audit (or several)
def test_split_by_team_writes_one_private_workbook_per_team(unallocated, tmp_path: Path):
    folder = tmp_path / "cases"
    shutil.copytree(ROOT / "sample_data", folder)
    cases = pd.read_csv(CASES, dtype=str, keep_default_na=False)
    cases.loc[cases.index[:15], "Team"] = ""
    cases.to_csv(folder / "cases.csv", index=False)
    out = tmp_path / "teams"
    run = runner.invoke(
        app,
        ["audit", str(folder / "cases.csv"), str(folder / "visits.csv"), "--month", "2026-10"]
        + ["--quiet", "--split-by", "team", "--report-dir", str(out)],
    )
    assert run.exit_code == 0, run.output
    parts = split_result(unallocated, "team")
    assert sorted(p.name for p in out.iterdir()) == sorted(file_names(list(parts)).values())
    assert (out / "Unallocated.xlsx").exists()
    for path in out.iterdir():
        assert (path.stat().st_mode & 0o777) == 0o600
    name = "Safeguarding Team East"
    rows = _summary_rows(out / f"{name}.xlsx")
    assert rows[0][0].endswith(f" — {name}")
    labels = [r[0] for r in rows]
    assert f"Total: {name}" in labels and "Whole authority" in labels
    assert labels.count(f"Total: {name}") == 1  # not again under the team's own one row
    whole = rows[labels.index("Whole authority")]
    assert whole[3] == unallocated.summary["overall"]["deadlines"]
    findings = openpyxl.load_workbook(out / f"{name}.xlsx")["Findings"]
    header = [c.value for c in next(findings.iter_rows())]
    teams = {r[header.index("Team")] for r in findings.iter_rows(min_row=2, values_only=True)}
    assert teams == {name}


def test_split_by_needs_a_folder():
    run = runner.invoke(
        app, ["audit", str(CASES), str(VISITS), "--as-of", "2026-10-31", "--split-by", "team"]
    )
    assert run.exit_code == 2
    assert "--report-dir" in run.output


@pytest.mark.slow  # a whole audit (or several)
def test_the_period_and_the_audit_date_are_the_whole_results(result):
    for part in split_result(result, "worker").values():
        assert part.period == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
        assert part.as_of == result.as_of
