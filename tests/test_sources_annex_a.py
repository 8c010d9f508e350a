"""Ofsted Annex A lists 6-9 (README "From Annex A"): the snapshot audit, worked by hand.

The audit date throughout is Saturday 31/10/2026 (England: the summer bank
holiday was Monday 31/08/2026). Measures of Practice: child in need every 20
working days; child protection seen within 48 hours, then every 10 working
days; children in care seen on the day, within 7 days, weekly for four
weeks, then every 6 weeks; care leavers every 2 months until 20.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from typer.testing import CliRunner

from visit_audit.cli import app
from visit_audit.frameworks import load_framework
from visit_audit.io.sources.annex_a import find_column, header_key, load_annex_a
from visit_audit.sample_sources import canonical_sample, write_annex_a
from visit_audit.snapshot import audit_annex_a

AS_OF = dt.date(2026, 10, 31)
ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env=ENV, catch_exceptions=False)


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory) -> Path:
    """The Annex A workbook of the canonical sample (as `visit-audit sample` writes it:
    200 children, seed 1, the default framework's plan types)."""
    where = tmp_path_factory.mktemp("annex")
    plan_types = list(load_framework("measures-of-practice").plan_types)
    cases, visits, _ = canonical_sample(
        where / "canonical", children=200, seed=1, plan_types=plan_types
    )
    return write_annex_a(where / "annex_a.xlsx", cases, visits, AS_OF)


@pytest.fixture(scope="module")
def sample_result(sample_book):
    return audit_annex_a(sample_book, framework="measures-of-practice", as_of=AS_OF)


def _rows(frame: pd.DataFrame, episode: str) -> list[tuple]:
    mine = frame.loc[frame["episode_id"] == episode]
    return [
        (r.kind, str(pd.Timestamp(r.anchor_date).date()), str(pd.Timestamp(r.due_date).date()))
        for r in mine.itertuples()
    ]


@pytest.mark.slow  # a whole audit (or several)
def test_snapshot_of_the_sample_worked_by_hand(sample_result):
    """Rows of the sample's lists (episode ids are L<list>-<spreadsheet row>):

    List 6, row 26 (child 0015099): CIN from 09/06/2026, last seen Mon 24/08/2026.
      20 working days on, skipping Mon 31/08: 25-28 Aug (4), 1-4 Sep (8), 7-11 (13),
      14-18 (18), 21-22 (20): due Tue 22/09/2026; overdue on 31/10 by 39 days.
    List 6, row 17 (0013760): CIN from Fri 09/10/2026, never seen. Due 20 working
      days on: 12-16 Oct (5), 19-23 (10), 26-30 (15), 2-6 Nov (20) = Fri 06/11/2026,
      within the 10 working days after 31/10 (to Fri 13/11): due soon, not overdue.
    List 6, row 2 (0012437): closed 28/06/2026, before the audit date: not audited.
    List 7, row 11 (0014255): CP from Thu 16/07/2026, last visit Mon 26/10/2026.
      The 48-hour visit (due Sat 18/07) is before the last visit: taken as met.
      Every visit since until the last is unknown, so no late finding; next due
      26/10 + 10 working days: 27-30 Oct (4), 2-6 Nov (9), 9 Nov (10) = 09/11/2026.
    List 8, row 9 (0012913): in care from Thu 29/10/2026, visited that day: the first
      initial deadline (the same day) met; the second (7 days) due Thu 05/11/2026.
    List 8, row 23 (0014126): in care from 09/09/2026, last visit 21/10/2026. Both
      initial deadlines (09/09, 16/09) are before it: taken as met. The weekly phase
      ends 07/10 (start + 4 weeks); from 21/10 the 6-weekly phase: due 02/12/2026,
      after the due-soon window: in time, nothing to report.
    List 8, row 36 (0015335): in care since 2024, last visit 23/09/2026: next due
      23/09 + 42 days = 04/11/2026: due soon.
    List 9, row 11 (0014445): born 11/02/2005, a care leaver from 11/02/2023; last
      contact 02/04/2024: due 2 months on, 02/06/2024, overdue by 881 days
      (730 to 02/06/2026, then 28 + 31 + 31 + 30 + 31).
    List 9, row 5 (0013269): born 30/03/2009: 18 on 30/03/2027, after the audit date:
      the episode starts later and is not audited (the engine's warning).
    """
    r = sample_result
    overdue = r.findings.set_index("episode_id")
    assert set(r.findings["status"]) == {"overdue"}
    assert _rows(r.findings, "L6-26") == [("interval", "2026-08-24", "2026-09-22")]
    assert overdue.loc["L6-26", "days_late"] == 39
    assert _rows(r.findings, "L9-11") == [("interval", "2024-04-02", "2024-06-02")]
    assert overdue.loc["L9-11", "days_late"] == 881
    for quiet in ("L6-17", "L6-2", "L7-11", "L8-9", "L8-23", "L8-36", "L9-5"):
        assert quiet not in set(r.findings["episode_id"])
    assert _rows(r.upcoming, "L6-17") == [("interval", "2026-10-09", "2026-11-06")]
    assert _rows(r.upcoming, "L7-11") == [("interval", "2026-10-26", "2026-11-09")]
    assert _rows(r.upcoming, "L8-9") == [("initial", "2026-10-29", "2026-11-05")]
    assert _rows(r.upcoming, "L8-36") == [("interval", "2026-09-23", "2026-11-04")]
    assert _rows(r.upcoming, "L8-23") == []
    assert "L6-2" not in set(r.deadlines["episode_id"])
    assert "L9-5" not in set(r.deadlines["episode_id"])
    assert any("starts after the audit date" in w for w in r.warnings)


def test_snapshot_reports_no_late_finding_and_one_deadline_per_open_episode(sample_result):
    """Each audited episode is counted once: overdue, or in time on the audit date."""
    r = sample_result
    assert not (r.deadlines["status"].isin(["late", "missed"])).any()
    overall = r.summary["overall"]
    assert overall["late"] == 0 and overall["missed"] == 0
    assert overall["overdue"] == 2
    assert overall["deadlines"] == overall["on_time"] + overall["overdue"]
    assert r.deadlines["episode_id"].nunique() == overall["deadlines"]


def test_rows_are_accounted_per_list(sample_result):
    """rows = audited + rejected; a row closed on or before the audit date is neither,
    and the source line says how many were closed."""
    inputs = {i.role: i for i in sample_result.inputs}
    assert set(inputs) == {"list 6", "list 7", "list 8", "list 9"}
    assert inputs["list 6"].rows == 15  # 27 rows, 12 closed
    assert inputs["list 6"].file == "annex_a.xlsx [List 6 - Children in need]"
    assert "List 6 (children in need, sheet 'List 6 - Children in need'): 27 rows, 12 closed" in (
        sample_result.source
    )
    assert all(i.rejected == 0 for i in inputs.values())


# --- a workbook as councils really spell it --------------------------------------------


def _serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def write_book(path: Path) -> Path:
    """Title rows above the header, headers as real Annex A files spell them, answers
    lettered, dates as text, real date cells and bare serial numbers."""
    book = xlsxwriter.Workbook(str(path))
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    ws = book.add_worksheet("LIST 7 - CP")
    ws.write_string(0, 0, "Annex A – List 7: children subject to a child protection plan")
    ws.write_row(
        2,
        0,
        [
            " Child Unique ID ",
            "Date of birth ((DD/MM/YYYY))",
            "Allocated team",
            "ALLOCATED WORKER",
            "Child protection plan start date (DD/MM/YYYY)",
            "Child Protection Plan End Date",
            "Date of the last statutory visit – within 10 working days",
            "Was the child seen alone?",
        ],
    )
    ws.write_row(3, 0, ["C1", "01/01/2015", "CP Team", "Ann Lee"])
    ws.write_number(3, 4, _serial(dt.date(2026, 10, 1)))
    ws.write_row(3, 6, ["12/10/2026", "a) Yes"])
    ws.write_row(4, 0, ["C2", "01/01/2016", "CP Team", "Ann Lee"])
    ws.write_datetime(4, 4, dt.datetime(2026, 10, 28), date)
    ws.write_row(4, 7, ["c) Unknown"])
    ws.write_row(5, 0, ["C3", "01/01/2017", "CP Team", "Ann Lee", "01/09/2026", "15/10/2026"])
    ws.write_row(5, 6, ["see notes", "b) No"])
    ws.write_row(6, 0, ["C8", "01/01/2012", "CP Team", "Ann Lee", "01/10/2026", ""])
    ws.write_row(6, 6, ["not a date", "b) No"])
    ws = book.add_worksheet("list 6 (CIN)")
    ws.write_row(
        0,
        0,
        [
            "Child Unique ID",
            "Date of Birth",
            "Allocated Team",
            "Allocated Worker",
            "CIN Start Date",
            "CIN Closure Date",
            "“Date Child Was Last Seen”",
        ],
    )
    ws.write_row(1, 0, ["C4", "01/01/2012", "CIN Team", "Bo Kay", "01/09/2026", ""])
    ws.write_number(1, 6, _serial(dt.date(2026, 10, 20)))
    ws.write_row(2, 0, ["C5", "01/01/2012", "CIN Team", "Bo Kay", "01/07/2026", "", "01/07/2026"])
    ws.write_row(3, 0, ["C6", "01/01/2012", "CIN Team", "Bo Kay", "05/10/2026", "", "20/09/2026"])
    ws = book.add_worksheet("List 9 – Care Leavers")
    ws.write_row(
        0,
        0,
        [
            "Child Unique ID",
            "Date of Birth",
            "Allocated Team",
            "Allocated Worker",
            "Latest Date of Contact",
            "Allocated Personal Advisor",
        ],
    )
    ws.write_row(1, 0, ["C7", "15/06/2007", "Leaving Care", "", "01/09/2026", "Cy Day"])
    ws.write_row(2, 0, ["C9", "", "Leaving Care", "Di Fox", "01/09/2026", ""])
    book.add_worksheet("Contents").write_string(0, 0, "not a list")
    book.close()
    return path


@pytest.fixture
def hand_book(tmp_path) -> Path:
    return write_book(tmp_path / "hand.xlsx")


def test_headers_match_as_real_files_spell_them():
    assert header_key("“Date Child Was Last Seen”") == header_key("Date Child Was Last Seen")
    assert header_key("Child’s Unique ID") == header_key("Child's Unique ID")
    headers = ["Date of Birth ((DD/MM/YYYY))", "Date of the last statutory visit – note"]
    assert find_column(headers, "Date of Birth") == 0
    assert find_column(headers, "Date of the Last Statutory Visit") == 1
    assert find_column(["Allocated Worker Team", "Allocated worker"], "Allocated Worker") == 1


@pytest.mark.slow  # a whole audit (or several)
def test_hand_workbook_snapshot(hand_book):
    """List 7 (header on row 3 under a title):
    C1 (row 4): plan from 01/10/2026 (a serial number), last visit 12/10 (a Yes). The
      48-hour visit due Sat 03/10 is taken as met; from 03/10 the next is due 10
      working days on, Fri 16/10, met on 12/10; from 12/10: 13-16 (4), 19-23 (9),
      26 (10) = Mon 26/10/2026: overdue 5 days on 31/10.
    C2 (row 5): plan from Wed 28/10/2026 (a date cell), no visit (c) Unknown): seen
      within 48 hours = by 30/10: overdue 1 day.
    C3 (row 6): ended 15/10/2026: not audited, not counted, and so not rejected for
      its last visit 'see notes'.
    C8 (row 7): last visit 'not a date': the row is rejected.
    List 6:
    C4: from 01/09/2026, seen 20/10 (a serial number): next due 20 working days on,
      17/11/2026: in time, after the due-soon window (to 13/11).
    C5: from 01/07/2026 and seen that day: a record on the start day is not a later
      day than the start, so 20 working days from 01/07 = Wed 29/07/2026 (2 + 5 + 5 + 5
      + 3): overdue 94 days (2 + 31 + 30 + 31).
    C6: from 05/10/2026, last seen 20/09 (before the start, so no record): due
      06/10..02/11 = 20 working days: Mon 02/11/2026, due soon.
    List 9:
    C7: born 15/06/2007, a care leaver from 15/06/2025, contacted 01/09/2026: due
      01/11/2026 (2 months), due soon; the worker is the personal advisor.
    C9: no date of birth, so no 18th birthday to start from: rejected."""
    r = audit_annex_a(hand_book, framework="measures-of-practice", as_of=AS_OF)
    found = {
        (f.child_id, f.kind, str(f.anchor_date.date()), str(f.due_date.date()), f.days_late)
        for f in r.findings.itertuples()
    }
    assert found == {
        ("C1", "interval", "2026-10-12", "2026-10-26", 5),
        ("C2", "initial", "2026-10-28", "2026-10-30", 1),
        ("C5", "interval", "2026-07-01", "2026-07-29", 94),
    }
    soon = {(u.child_id, str(u.due_date.date())) for u in r.upcoming.itertuples()}
    assert soon == {("C6", "2026-11-02"), ("C7", "2026-11-01")}
    assert set(r.upcoming.loc[r.upcoming["child_id"] == "C7", "worker"]) == {"Cy Day"}
    rejected = {(x["file"], x["row"]): x["reason"] for x in r.rejected.to_dict("records")}
    assert rejected == {
        ("hand.xlsx [LIST 7 - CP]", 7): (
            "Date of the Last Statutory Visit 'not a date' is not a date"
        ),
        ("hand.xlsx [List 9 – Care Leavers]", 3): (
            "no readable Date of Birth (the episode of a care leaver starts on the 18th birthday)"
        ),
    }
    lists = {i.role: (i.rows, i.rejected) for i in r.inputs}
    assert lists == {"list 6": (3, 0), "list 7": (3, 1), "list 9": (2, 1)}


def test_lettered_answers_read_as_seen_alone(hand_book):
    """a) Yes is Y; c) Unknown is not recorded; the record is a face-to-face visit, seen."""
    loaded = load_annex_a(hand_book, as_of=AS_OF, plan_types={"child_protection"})
    visits = loaded.visits.set_index("child_id")
    assert list(visits.index) == ["C1"]  # C2 has no visit
    assert bool(visits.loc["C1", "seen_alone"]) is True
    assert bool(visits.loc["C1", "seen"]) is True
    assert visits.loc["C1", "visit_type"] == "visit"
    assert len(loaded.answered) == 1


@pytest.mark.slow  # a whole audit (or several)
def test_a_list_the_framework_does_not_cover_is_named(hand_book):
    r = audit_annex_a(hand_book, framework="barnsley", as_of=AS_OF)
    assert any("list 9 (care leavers) is not covered by the framework" in w for w in r.warnings)
    assert "C7" not in set(r.deadlines["child_id"])


@pytest.mark.slow  # a whole audit (or several)
def test_cli_writes_the_same_outputs_as_audit(hand_book, tmp_path):
    report, out = tmp_path / "r.xlsx", tmp_path / "r.json"
    result = run(
        "annex-a", hand_book, "--as-of", "2026-10-31", "--report", report, "--json", out,
        "--fail-on", "overdue",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "Compliance by plan type" in result.output
    data = json.loads(out.read_text())
    assert data["source"].startswith("Annex A hand.xlsx")
    assert {f["child_id"] for f in data["findings"]} == {"C1", "C2", "C5"}
    assert {f["kind"] for f in data["findings"]} == {"initial", "interval"}
    about = openpyxl.load_workbook(report)["About"]
    notes = {row[0]: row[1] for row in about.iter_rows(values_only=True) if row[0]}
    assert "List 7 (child protection, sheet 'LIST 7 - CP')" in notes["Source"]
    assert "List 6" in notes["Source"] and "List 9" in notes["Source"]


@pytest.mark.slow  # a whole audit (or several)
def test_cli_quiet_json_to_stdout(hand_book):
    result = run("annex-a", hand_book, "--as-of", "31/10/2026", "--json", "-")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["as_of"] == "2026-10-31"


def test_a_workbook_without_lists_exits_2(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "other.xlsx"))
    book.add_worksheet("Cases").write_string(0, 0, "x")
    book.close()
    result = run("annex-a", tmp_path / "other.xlsx", "--as-of", "2026-10-31")
    assert result.exit_code == 2
    assert "no sheet named List 6, 7, 8 or 9" in result.output
    assert run("annex-a", tmp_path / "nope.xlsx").exit_code == 2


@pytest.mark.slow  # a whole audit (or several)
def test_sample_annex_a_format(tmp_path):
    result = run("sample", tmp_path / "demo", "--format", "annex-a", "--children", "30")
    assert result.exit_code == 0, result.output
    book = tmp_path / "demo" / "annex_a.xlsx"
    assert book.exists() and (tmp_path / "demo" / "cases.csv").exists()
    audited = run("annex-a", book, "--as-of", "2026-10-31", "--quiet")
    assert audited.exit_code == 0, audited.output


@pytest.mark.slow  # a whole audit (or several)
def test_pseudonymise_covers_the_snapshot(hand_book, tmp_path, monkeypatch):
    monkeypatch.setenv("VISIT_AUDIT_KEY", "a-long-enough-test-key-for-pseudonyms")
    out = tmp_path / "p.json"
    result = run("annex-a", hand_book, "--as-of", "2026-10-31", "--pseudonymise", "--json", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert json.loads(text)["findings"]
    for name in ('"C1"', '"C2"', '"C5"', "Ann Lee", "Bo Kay", "Cy Day"):
        assert name not in text


@pytest.mark.slow  # a whole audit (or several)
def test_the_lists_last_visit_is_the_last_visit_managers_see(sample_result):
    # A snapshot keeps no met deadline, so the Overdue and Due soon lists take
    # each child's last visit from the list's own "last seen" column: child
    # 0015099 (list 6, last seen 24/08/2026) is overdue since 22 Sep 2026.
    from visit_audit.views.lists import overdue_list

    over = overdue_list(sample_result)
    row = over.loc[over["child_id"] == "0015099"].iloc[0]
    assert pd.Timestamp(row["last_visit"]).date() == dt.date(2026, 8, 24)
    assert pd.Timestamp(row["due_date"]).date() == dt.date(2026, 9, 22)
    assert over["last_visit"].notna().all()
