"""A council's own calendar and framework variants (issue 16).

Closed days, ``extends``, ``audit --compare`` and ``frameworks check`` (README "Tuning a
framework", "Comparing frameworks", "Checking against the law"), each worked by hand
where the rules have numbers, through real files in tmp_path and the command line.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from frames import cases, visits
from typer.testing import CliRunner

from visit_audit.audit import run_audit
from visit_audit.calendar import WorkingCalendar
from visit_audit.cli import app
from visit_audit.errors import FrameworkError
from visit_audit.frameworks import load_framework
from visit_audit.frameworks.statutory import check_framework, load_statutory

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "sample_data" / "cases.csv"
VISITS = ROOT / "sample_data" / "visits.csv"
EXAMPLE = ROOT / "examples" / "frameworks" / "our-council.toml"
AS_OF = "2026-10-31"
ENV = {"COLUMNS": "80", "NO_COLOR": "1"}
CLOSED = ["2025-12-24", "2025-12-29", "2025-12-30", "2025-12-31"]

runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env=ENV, catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def findings(result) -> list[tuple]:
    f = result.findings

    def day(values: pd.Series) -> list[str]:
        return [str(v.date()) if pd.notna(v) else "NaT" for v in values]

    return list(
        zip(
            f["plan_type"],
            f["requirement"],
            day(f["due_date"]),
            day(f["visit_date"]),
            f["status"],
            f["days_late"],
            strict=True,
        )
    )


# --- closed days ----------------------------------------------------------------------------

CP_CHAIN = (
    cases({"plan_type": "child_protection", "start_date": "2025-12-15"}),
    visits("2025-12-16", "2026-01-07"),
)


def test_closed_days_move_a_cp_chain_across_christmas_2025():
    """A child protection plan agreed Mon 15 Dec 2025 (measures-of-practice: seen within
    48 hours, then every 10 working days), seen Tue 16 Dec and Wed 7 Jan 2026, audited
    on Sat 31 Jan 2026. Bank holidays: Thu 25 and Fri 26 Dec 2025, Thu 1 Jan 2026.

    Initial: due 15 Dec + 2 days = Wed 17 Dec; seen 16 Dec, on time (both runs).

    Without closed days, 10 working days strictly after Tue 16 Dec:
    17, 18, 19, 22, 23, 24, 29, 30, 31 Dec, 2 Jan -> due Fri 2 Jan 2026;
    seen 7 Jan: late by 7 Jan - 2 Jan = 5 days.

    With 24, 29, 30 and 31 Dec closed: 17, 18, 19, 22, 23 Dec, 2, 5, 6, 7, 8 Jan
    -> due Thu 8 Jan 2026; seen 7 Jan: on time.

    Both then run from Wed 7 Jan: 8, 9, 12, 13, 14, 15, 16, 19, 20, 21 Jan -> due
    Wed 21 Jan 2026, no later visit: overdue by 31 Jan - 21 Jan = 10 days.
    """
    c, v = CP_CHAIN
    plain = run_audit(c, v, load_framework("measures-of-practice"), as_of=_d("2026-01-31"))
    closed = run_audit(
        c,
        v,
        load_framework("measures-of-practice"),
        as_of=_d("2026-01-31"),
        calendar=WorkingCalendar("england", closed=[_d(x) for x in CLOSED]),
    )
    interval = "Visited at least every 10 working days"
    assert findings(plain) == [
        ("child_protection", interval, "2026-01-02", "2026-01-07", "late", 5),
        ("child_protection", interval, "2026-01-21", "NaT", "overdue", 10),
    ]
    assert findings(closed) == [
        ("child_protection", interval, "2026-01-21", "NaT", "overdue", 10),
    ]


def test_closed_days_leave_calendar_units_alone():
    """ "Nowhere else": a child in care placed Mon 22 Dec 2025 is due seen that day and
    again by 22 Dec + 7 days = Mon 29 Dec, a closed day, which does not move it (days,
    weeks, months and years never look at closed days). Seen 22 Dec and 30 Dec: the
    second is 1 day late, with or without the closed days."""
    c = cases({"plan_type": "child_in_care", "start_date": "2025-12-22"})
    v = visits("2025-12-22", "2025-12-30", "2026-01-06", "2026-01-13", "2026-01-19")
    fw = load_framework("measures-of-practice")
    plain = run_audit(c, v, fw, as_of=_d("2026-01-20"))
    closed = run_audit(
        c,
        v,
        fw,
        as_of=_d("2026-01-20"),
        calendar=WorkingCalendar("england", closed=[_d(x) for x in CLOSED]),
    )
    assert findings(plain) == findings(closed)
    assert findings(plain) == [
        (
            "child_in_care",
            "Seen within 1 week of the placement",
            "2025-12-29",
            "2025-12-30",
            "late",
            1,
        )
    ]


@pytest.fixture
def cp_files(tmp_path: Path) -> tuple[Path, Path]:
    """The CP chain above as extract files."""
    c = tmp_path / "cases.csv"
    with c.open("w", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["child_id", "episode_id", "plan_type", "start_date", "end_date"],
                ["C1", "E1", "Child Protection", "15/12/2025", ""],
            ]
        )
    v = tmp_path / "visits.csv"
    with v.open("w", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["child_id", "visit_date", "visit_type", "seen"],
                ["C1", "16/12/2025", "visit", "Y"],
                ["C1", "07/01/2026", "visit", "Y"],
            ]
        )
    return c, v


def _statuses(result) -> list[str]:
    return [f["status"] for f in json.loads(result.stdout)["findings"]]


@pytest.mark.slow  # a whole audit (or several)
def test_closed_days_from_a_framework_file_and_from_closed_days_file(cp_files, tmp_path):
    """The same chain through the command line: [calendar] closed in a framework that
    extends measures-of-practice, and --closed-days FILE (ISO and UK dates, a header,
    a comment, a description after a comma), give the on-time run worked above."""
    c, v = cp_files
    base = ["audit", c, v, "--as-of", "2026-01-31", "--json", "-"]
    assert _statuses(run(*base)) == ["late", "overdue"]
    fw = write(
        tmp_path / "closed.toml",
        'name = "closed"\nextends = "measures-of-practice"\n'
        f"[calendar]\nclosed = {json.dumps(CLOSED)}\n",
    )
    assert _statuses(run(*base, "--framework", fw)) == ["overdue"]
    days = write(
        tmp_path / "closed.csv",
        "date,reason\n# offices shut\n2025-12-24,Christmas Eve\n29/12/2025\n\n30/12/2025\n"
        "2025-12-31\n",
    )
    assert _statuses(run(*base, "--closed-days", days)) == ["overdue"]
    report = tmp_path / "r.xlsx"
    assert run("audit", c, v, "--as-of", "2026-01-31", "--closed-days", days, "--report", report)
    about = openpyxl.load_workbook(report)["About"]
    cells = {r[0].value: r[1].value for r in about.iter_rows(max_col=2) if r[0].value}
    assert cells["Closed days"].startswith("24/12/2025, 29/12/2025, 30/12/2025, 31/12/2025")


def test_closed_days_file_bad_line_exits_2_naming_file_and_line(cp_files, tmp_path):
    c, v = cp_files
    days = write(tmp_path / "closed.txt", "2025-12-24\n2025-12-32\n")
    result = run("audit", c, v, "--as-of", "2026-01-31", "--closed-days", days)
    assert result.exit_code == 2
    assert "closed.txt: line 2: '2025-12-32' is not a date" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_frameworks_show_lists_closed_days_and_the_chain():
    result = run("frameworks", "show", EXAMPLE)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Extends: measures-of-practice" in text
    assert "Closed days (8, skipped as bank holidays are, for working days only): 24 Dec 2025" in (
        text
    )
    assert "multiple_placements" not in text  # removed = true
    assert "every 6 weeks" in text and "At least every 6 weeks while the care order" not in text


# --- extends --------------------------------------------------------------------------------

ONE_CHANGE = """
name = "stricter-cp"
extends = "measures-of-practice"
[plan_types.child_protection]
label = "Child Protection Plan"
initial = ["48 hours"]
[[plan_types.child_protection.phases]]
every = "5 working days"
"""


def _json_run(*extra) -> dict:
    result = run("audit", CASES, VISITS, "--as-of", AS_OF, "--json", "-", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.slow  # a whole audit (or several)
def test_extends_changes_one_plan_type_and_leaves_the_rest_identical(tmp_path):
    fw_file = write(tmp_path / "stricter.toml", ONE_CHANGE)
    fw = load_framework(fw_file)
    parent = load_framework("measures-of-practice")
    assert list(fw.plan_types) == list(parent.plan_types)
    assert fw.extends == ("measures-of-practice",)
    assert {n: p for n, p in fw.plan_types.items() if n != "child_protection"} == {
        n: p for n, p in parent.plan_types.items() if n != "child_protection"
    }
    mine, theirs = _json_run("--framework", fw_file), _json_run()
    cp = [f for f in mine["findings"] if f["plan_type"] == "child_protection"]
    others = [f for f in mine["findings"] if f["plan_type"] != "child_protection"]
    assert others == [f for f in theirs["findings"] if f["plan_type"] != "child_protection"]
    assert cp != [f for f in theirs["findings"] if f["plan_type"] == "child_protection"]
    for name, row in theirs["summary"]["by_plan_type"].items():
        if name != "child_protection":
            assert mine["summary"]["by_plan_type"][name] == row


def test_extends_removed_and_relative_path(tmp_path):
    """A path is relative to the extending file; removed = true drops a plan type,
    its spellings and its quality checks."""
    (tmp_path / "sub").mkdir()
    write(tmp_path / "base.toml", ONE_CHANGE.replace("stricter-cp", "base"))
    child = write(
        tmp_path / "sub" / "child.toml",
        'name = "child"\nextends = "../base.toml"\n[plan_types.missing]\nremoved = true\n',
    )
    fw = load_framework(child)
    assert fw.extends == ("base", "measures-of-practice")
    assert "missing" not in fw.plan_types
    assert fw.plan_types["child_protection"].phases[0].interval.n == 5
    barnsley_child = write(
        tmp_path / "b.toml",
        'name = "b"\nextends = "barnsley"\n[plan_types.child_in_need]\nremoved = true\n',
    )
    assert "child_in_need" not in load_framework(barnsley_child).quality.plan_types


def test_extends_cycle_is_one_line_naming_the_files(tmp_path):
    write(tmp_path / "a.toml", 'name = "a"\nextends = "b.toml"\n')
    write(tmp_path / "b.toml", 'name = "b"\nextends = "a.toml"\n')
    with pytest.raises(
        FrameworkError, match=r"a\.toml: extends: a cycle: a\.toml → b\.toml → a\.toml"
    ):
        load_framework(tmp_path / "a.toml")
    result = run("frameworks", "show", tmp_path / "a.toml")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "visit-audit: a.toml: extends: a cycle: a.toml → b.toml → a.toml"
    ]


def test_extends_unknown_parent_names_the_chain(tmp_path):
    write(tmp_path / "a.toml", 'name = "a"\nextends = "b.toml"\n')
    write(tmp_path / "b.toml", 'name = "b"\nextends = "measures-of-practise"\n')
    result = run("frameworks", "show", tmp_path / "a.toml")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "visit-audit: a.toml → b.toml: extends: unknown framework 'measures-of-practise'"
    )
    write(tmp_path / "c.toml", 'name = "c"\nextends = "gone.toml"\n')
    result = run("audit", CASES, VISITS, "--framework", tmp_path / "c.toml")
    assert result.exit_code == 2
    assert "c.toml: extends: cannot read 'gone.toml'" in result.stderr


def test_removed_needs_a_parent_that_has_the_plan_type(tmp_path):
    bad = write(
        tmp_path / "x.toml",
        'name = "x"\nextends = "barnsley"\n[plan_types.adoption]\nremoved = true\n',
    )
    with pytest.raises(FrameworkError, match="plan_types.adoption.removed: 'adoption' is not"):
        load_framework(bad)


# --- compare --------------------------------------------------------------------------------


@pytest.mark.slow  # a whole audit (or several)
def test_compare_equals_two_separate_runs(tmp_path):
    """The JSON compare object is the summary of a separate run under that framework,
    and the rest of the JSON is the usual run's (only run_at differs)."""
    both = _json_run("--compare", "barnsley")
    alone_mop, alone_barnsley = _json_run(), _json_run("--framework", "barnsley")
    assert both["compare"] == {"framework": "barnsley", "summary": alone_barnsley["summary"]}
    del both["compare"]
    for doc in (both, alone_mop):
        doc.pop("run_at")
    assert both == alone_mop
    assert "compare" not in alone_mop


@pytest.mark.slow  # a whole audit (or several)
def test_compare_in_the_terminal_and_the_workbook(tmp_path):
    report = tmp_path / "r.xlsx"
    result = run(
        "audit", CASES, VISITS, "--as-of", AS_OF, "--compare", "barnsley", "--report", report
    )
    assert result.exit_code == 0, result.output
    # (The report's path is printed whole, never broken, however long.)
    lines = [ln for ln in result.stdout.splitlines() if not ln.startswith("Excel report written")]
    assert max(len(line) for line in lines) <= 80
    assert "Compared: A = measures-of-practice, B = barnsley" in result.stdout
    alone = _json_run("--framework", "barnsley")["summary"]
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames[:2] == ["Summary", "Compare"]
    ws = wb["Compare"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=6, values_only=True)}
    cp = alone["by_plan_type"]["child_protection"]
    mop = load_framework("measures-of-practice").plan_types
    assert rows[mop["child_protection"].label][7:13] == (
        cp["deadlines"],
        cp["on_time"],
        cp["late"],
        cp["missed"],
        cp["overdue"],
        pytest.approx(cp["percent_on_time"] / 100),
    )
    assert rows[mop["child_in_care"].label][7] == "no rule"
    assert rows["Total"][12] == pytest.approx(alone["overall"]["percent_on_time"] / 100)
    assert "Compare" not in openpyxl.load_workbook(_plain_report(tmp_path)).sheetnames


def _plain_report(tmp_path: Path) -> Path:
    report = tmp_path / "plain.xlsx"
    assert run("audit", CASES, VISITS, "--as-of", AS_OF, "--report", report).exit_code == 0
    return report


# --- frameworks check -----------------------------------------------------------------------

EIGHT_WEEKLY_CIC = """
name = "eight-weekly"
extends = "measures-of-practice"
[plan_types.child_in_care]
initial = ["0 days", "7 days"]
[[plan_types.child_in_care.phases]]
every = "8 weeks"
"""


def _verdicts(fw) -> dict[str, str]:
    return {v.plan_type: v.status for v in check_framework(fw, load_statutory())}


def test_check_barnsley_passes():
    result = run("frameworks", "check", "barnsley")
    assert result.exit_code == 0, result.output
    assert _verdicts(load_framework("barnsley")) == {
        "s47_enquiry": "no statutory interval",
        "s17_assessment": "no statutory interval",
        "child_in_need": "no statutory interval",
        "child_protection": "no statutory interval",
        "temporary_approval": "meets",
        "care_order_at_home": "meets",
        "missing": "no statutory interval",
        "exploitation": "no statutory interval",
    }


def test_check_measures_of_practice_care_order_at_home_is_looser_than_regulation_28_5():
    """Regulation 28(5) (care order, child living with a parent): within one week of the
    care order, then at intervals of not more than six weeks, with no relaxing after a
    year. measures-of-practice allows three-monthly visits once a review agrees it:
    started 29 Feb 2024, reduced_frequency_date 10 Mar 2024, a visit on Sat 18 Jan 2025
    is next due, under the 6-week phase, on 18 Jan + 42 days = 1 Mar 2025, after that
    phase ends (29 Feb 2024 + 1 year = 28 Feb 2025), so the 3-month phase sets 18 Apr
    2025 (docs/rules.md, "Phases and until dates"); the law: 1 Mar 2025. Every other
    plan type meets the law or has none."""
    result = run("frameworks", "check", "measures-of-practice")
    assert result.exit_code == 1
    verdicts = _verdicts(load_framework("measures-of-practice"))
    assert [n for n, s in verdicts.items() if s == "looser"] == ["care_order_at_home"]
    for name in ("child_in_care", "adoption", "private_fostering", "temporary_approval"):
        assert verdicts[name] == "meets"
    text = " ".join(result.stdout.split())
    assert (
        "started 29 Feb 2024, reduced_frequency_date 10 Mar 2024, visited 18 Jan 2025: the "
        "framework next requires a visit by 18 Apr 2025, the law by 1 Mar 2025"
    ) in text
    assert "regulation 28(5)" in text
    assert "1 plan type looser than the law: care_order_at_home" in text


def test_check_example_council_framework_passes():
    result = run("frameworks", "check", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "No rule is looser" in result.stdout


def test_check_eight_weekly_visits_for_children_in_care_fail(tmp_path):
    """8 weeks (56 days) against regulation 28(2)'s six weeks (42 days): a child placed
    Thu 29 Feb 2024 and seen that day and the next (the framework's two initial visits,
    0 and 7 days) is next due by 1 Mar + 56 days = 26 Apr 2024 under the framework,
    by 1 Mar + 42 days = 12 Apr 2024 in law."""
    fw_file = write(tmp_path / "eight.toml", EIGHT_WEEKLY_CIC)
    result = run("frameworks", "check", fw_file)
    assert result.exit_code == 1
    text = " ".join(result.stdout.split())
    assert "child_in_care: LOOSER THAN THE LAW" in text
    assert (
        "visited 1 Mar 2024: the framework next requires a visit by 26 Apr 2024, the law by "
        "12 Apr 2024"
    ) in text
    assert "regulation 28(2)" in text


@pytest.mark.parametrize(
    ("plan", "phases", "status"),
    [
        # 2 months is 58-62 days, more than six weeks (42 days) whatever the start.
        ("private_fostering", ["2 months"], "looser"),
        # Six weeks is 30 working days only when no bank holiday falls in them.
        ("child_in_care", ["30 working days"], "looser"),
        ("child_in_care", ["28 working days"], "looser"),
        ("child_in_care", ["26 working days"], "meets"),
        ("child_in_care", ["1 month"], "meets"),
        # Weekly until the first review, then 28 days = 4 weeks (regulation 28(4)).
        ("temporary_approval", ["1 week until first_review_date", "28 days"], "meets"),
        ("temporary_approval", ["1 week until first_review_date", "1 month"], "looser"),
        ("temporary_approval", ["4 weeks"], "looser"),
    ],
)
def test_check_compares_intervals_on_dates_not_numbers(tmp_path, plan, phases, status):
    text = f'name = "t"\nextends = "measures-of-practice"\n[plan_types.{plan}]\n'
    if plan == "child_in_care":
        text += 'initial = ["0 days"]\n'
    for phase in phases:
        every, _, until = phase.partition(" until ")
        text += f'[[plan_types.{plan}.phases]]\nevery = "{every}"\n'
        text += f'until = "{until}"\n' if until else ""
    fw = load_framework(write(tmp_path / "t.toml", text))
    assert _verdicts(fw)[plan] == status


def test_check_working_days_against_weeks_by_hand(tmp_path):
    """28 working days after Mon 25 Mar 2024 skip Good Friday (29 Mar), Easter Monday
    (1 Apr) and the early May bank holiday (6 May): 26-28 Mar (3), 2-5 Apr (7),
    8-12 (12), 15-19 (17), 22-26 (22), 29 Apr-3 May (27), 7 May (28). Six weeks from
    25 Mar is 6 May 2024: the framework allows a day more than the law."""
    text = (
        'name = "t"\nextends = "measures-of-practice"\n[plan_types.child_in_care]\n'
        'initial = ["0 days"]\n[[plan_types.child_in_care.phases]]\nevery = "28 working days"\n'
    )
    fw = load_framework(write(tmp_path / "t.toml", text))
    [v] = [v for v in check_framework(fw, load_statutory()) if v.plan_type == "child_in_care"]
    assert v.example == (
        "e.g. started 29 Feb 2024, reduced_frequency_date blank, visited 25 Mar 2024: "
        "the framework next requires a visit by 7 May 2024, the law by 6 May 2024"
    )


def test_check_first_visit_later_than_the_law(tmp_path):
    """Regulation 28(2)(a): within one week of the placement. A first visit due by
    start + 10 days is looser even when every later interval is stricter."""
    text = (
        'name = "t"\nextends = "measures-of-practice"\n[plan_types.child_in_care]\n'
        'initial = ["10 days"]\n[[plan_types.child_in_care.phases]]\nevery = "1 week"\n'
    )
    fw = load_framework(write(tmp_path / "t.toml", text))
    [verdict] = [v for v in check_framework(fw, load_statutory()) if v.plan_type == "child_in_care"]
    assert verdict.looser
    assert verdict.example == (
        "e.g. started 29 Feb 2024, reduced_frequency_date blank: the framework's first visit "
        "is due by 10 Mar 2024, the law's by 7 Mar 2024"
    )


def test_statutory_file_cites_legislation_for_every_entry():
    law = load_statutory()
    for minimum in law.values():
        assert minimum.source.startswith("https://www.legislation.gov.uk/")
        if minimum.status == "not checked":
            assert minimum.not_checked


def _d(text: str):
    return pd.Timestamp(text).date()


@pytest.mark.slow  # a whole audit (or several)
def test_compare_with_other_spellings_reads_the_cases_as_that_framework_does(cp_files, tmp_path):
    """A framework with its own [aliases] accepts a plan type the first one rejects:
    its summary is still the one its own run gives (the cases are read again)."""
    c, v = cp_files
    with c.open("a", newline="") as fh:
        csv.writer(fh).writerow(["C2", "E2", "Child Safety Plan", "15/12/2025", ""])
    fw = write(
        tmp_path / "spelt.toml",
        'name = "spelt"\nextends = "measures-of-practice"\n'
        '[aliases]\nchild_protection = ["Child Safety Plan"]\n',
    )
    base = ["audit", c, v, "--as-of", "2026-01-31", "--json", "-"]
    both = json.loads(run(*base, "--compare", fw).stdout)
    alone = json.loads(run(*base, "--framework", fw).stdout)
    assert both["compare"]["summary"] == alone["summary"]
    assert alone["summary"]["by_plan_type"]["child_protection"]["episodes"] == 2
    assert both["summary"]["by_plan_type"]["child_protection"]["episodes"] == 1
    assert len(both["rejected"]) == 1


@pytest.mark.slow  # a whole audit (or several)
def test_compare_under_pseudonymise_equals_a_pseudonymised_run():
    env = {**ENV, "VISIT_AUDIT_KEY": "frameworks-tune-key-0123456789"}
    args = ["audit", str(CASES), str(VISITS), "--as-of", AS_OF, "--json", "-", "--pseudonymise"]
    both = json.loads(runner.invoke(app, [*args, "--compare", "barnsley"], env=env).stdout)
    alone = json.loads(runner.invoke(app, [*args, "--framework", "barnsley"], env=env).stdout)
    assert both["compare"]["summary"] == alone["summary"]


@pytest.mark.slow  # a whole audit (or several)
def test_explain_skips_closed_days_too(cp_files, tmp_path):
    """explain shows the chain the audit computes: due 8 Jan 2026 with the closed days."""
    c, v = cp_files
    days = write(tmp_path / "closed.txt", "\n".join(CLOSED) + "\n")
    base = ["explain", c, v, "--child", "C1", "--as-of", "2026-01-31"]
    assert "2 Jan 2026" in run(*base).stdout
    shown = run(*base, "--closed-days", days).stdout
    assert "8 Jan 2026" in shown and "2 Jan 2026" not in shown


def test_bad_closed_day_in_a_framework_names_the_key(tmp_path):
    bad = write(
        tmp_path / "bad.toml",
        'name = "bad"\nextends = "barnsley"\n[calendar]\nclosed = ["2025-12-29", "31/02/2026"]\n',
    )
    result = run("frameworks", "check", bad)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "visit-audit: bad.toml: calendar.closed[1]: '31/02/2026' is not a date "
        "(use 2025-12-29 or 29/12/2025)"
    )
