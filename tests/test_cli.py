"""The command line (README "Commands", "Exit codes"): exit codes, periods, outputs, usage errors.

In-process runs use typer's CliRunner at a fixed width with NO_COLOR; a few runs
go through the real console entry point to check that a usage error is exactly
one line on stderr.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from visit_audit.cli import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
CASES = SAMPLE / "cases.csv"
VISITS = SAMPLE / "visits.csv"
AS_OF = "2026-10-31"
ENV = {"COLUMNS": "80", "NO_COLOR": "1"}

CASE_HEADER = [
    "Person ID",
    "Episode ID",
    "Plan Type",
    "Start Date",
    "End Date",
    "Social Worker",
    "Team",
]
VISIT_HEADER = ["Person ID", "Date of Visit", "Contact Type", "Child Seen", "Episode ID"]

runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env=ENV, catch_exceptions=False)


def sample_args(*extra: str | Path) -> list[str | Path]:
    return ["audit", CASES, VISITS, "--as-of", AS_OF, *extra]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def sample_copy(tmp_path: Path) -> tuple[Path, Path]:
    """The sample extracts copied into tmp_path, so outputs land next to them."""
    return (
        Path(shutil.copy(CASES, tmp_path / "cases.csv")),
        Path(shutil.copy(VISITS, tmp_path / "visits.csv")),
    )


@pytest.fixture
def clean(tmp_path: Path) -> tuple[Path, Path]:
    """One child in need, visited in time: nothing late, missed or overdue on 31 Oct 2026."""
    cases = write_csv(
        tmp_path / "clean_cases.csv",
        CASE_HEADER,
        [["C1", "E1", "Child in Need", "01/10/2026", "", "Ann Worker", "Team A"]],
    )
    visits = write_csv(
        tmp_path / "clean_visits.csv",
        VISIT_HEADER,
        [
            ["C1", "01/10/2026", "Home Visit", "Y", "E1"],
            ["C1", "20/10/2026", "Home Visit", "Y", "E1"],
        ],
    )
    return cases, visits


@pytest.fixture(scope="module")
def sample_json() -> dict:
    result = run(*sample_args("--json", "-"))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- exit codes -------------------------------------------------------------------------------


@pytest.mark.slow  # a whole audit (or several)
def test_normal_run_exits_0_and_prints_summary():
    result = run(*sample_args())
    assert result.exit_code == 0, result.output
    assert "Compliance by plan type" in result.stdout
    assert "\x1b[" not in result.output


def test_sample_data_has_overdue_findings(sample_json):
    assert any(f["status"] == "overdue" for f in sample_json["findings"])


@pytest.mark.slow  # a whole audit (or several)
@pytest.mark.parametrize("fail_on, code", [("overdue", 1), ("finding", 1), ("none", 0)])
def test_fail_on_with_findings(fail_on, code):
    result = run(*sample_args("--quiet", "--fail-on", fail_on))
    assert result.exit_code == code, result.output


@pytest.mark.parametrize("fail_on", ["overdue", "finding"])
def test_fail_on_clean_input_exits_0(clean, fail_on):
    cases, visits = clean
    result = run("audit", cases, visits, "--as-of", AS_OF, "--fail-on", fail_on)
    assert result.exit_code == 0, result.output


@pytest.mark.slow  # a whole audit (or several)
def test_fail_on_default_is_none():
    assert run(*sample_args("--quiet")).exit_code == 0


# --- usage errors and unreadable input: exit 2 -------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        ["--framework", "no-such-framework"],
        ["--month", "2026-13"],
        ["--month", "October"],
        ["--month", "2026-09", "--from", "2026-09-01"],
        ["--from", "2026-09-01"],
        ["--to", "2026-09-30"],
        ["--from", "2026-09-30", "--to", "2026-09-01"],
        ["--as-of", "31/31/2026"],
        ["--region", "mars"],
        ["--fail-on", "sometimes"],
        ["--report", "out.csv"],
        ["--thresholds", "80,95"],
        ["--thresholds", "95"],
        ["--thresholds", "95,80,70"],
        ["--thresholds", "abc,80"],
        ["--thresholds", "101,80"],
        ["--thresholds", "95,-1"],
        ["--thresholds", "nan,nan"],
    ],
    ids=lambda extra: " ".join(extra),
)
def test_usage_errors_exit_2(extra, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*sample_args(*extra))
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("thresholds", ["95,80", "90,70", "100,0", "50,50", " 90 , 85 "])
def test_good_thresholds_accepted(thresholds):
    assert run(*sample_args("--quiet", "--thresholds", thresholds)).exit_code == 0


@pytest.mark.slow  # a whole audit (or several)
def test_thresholds_reach_the_report(sample_copy):
    cases, visits = sample_copy
    report = cases.parent / "r.xlsx"
    result = run(
        "audit",
        cases,
        visits,
        "--as-of",
        AS_OF,
        "--quiet",
        "--report",
        report,
        "--thresholds",
        "90,70",
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(report)
    about = [str(c.value) for row in wb["About"].iter_rows() for c in row if c.value is not None]
    assert any("green at or above 90%" in v and "amber at or above 70%" in v for v in about), about


def test_missing_file_exits_2(tmp_path):
    result = run("audit", tmp_path / "nope.csv", VISITS, "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "nope.csv" in result.output
    assert "Traceback" not in result.output


def test_month_first_file_exits_2(tmp_path, clean):
    cases, _ = clean
    visits = write_csv(
        tmp_path / "us_visits.csv",
        VISIT_HEADER,
        [
            ["C1", "10/01/2026", "Home Visit", "Y", "E1"],
            ["C1", "10/13/2026", "Home Visit", "Y", "E1"],
        ],
    )
    result = run("audit", cases, visits, "--as-of", AS_OF)
    assert result.exit_code == 2, result.output
    assert "us_visits.csv" in result.output
    assert "10/13/2026" in result.output


def test_report_over_an_input_exits_2(tmp_path, clean):
    _, visits = clean
    cases_xlsx = tmp_path / "cases.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(CASE_HEADER)
    wb.active.append(["C1", "E1", "Child in Need", "01/10/2026", "", "Ann Worker", "Team A"])
    wb.save(cases_xlsx)
    assert run("audit", cases_xlsx, visits, "--as-of", AS_OF, "--quiet").exit_code == 0
    before = cases_xlsx.read_bytes()
    result = run("audit", cases_xlsx, visits, "--as-of", AS_OF, "--report", cases_xlsx)
    assert result.exit_code == 2, result.output
    assert cases_xlsx.read_bytes() == before


def test_json_over_an_input_exits_2(sample_copy):
    cases, visits = sample_copy
    before = visits.read_bytes()
    result = run("audit", cases, visits, "--as-of", AS_OF, "--json", visits)
    assert result.exit_code == 2, result.output
    assert visits.read_bytes() == before


def test_report_not_xlsx_exits_2(sample_copy):
    cases, visits = sample_copy
    result = run("audit", cases, visits, "--as-of", AS_OF, "--report", cases.parent / "report.xls")
    assert result.exit_code == 2
    assert not (cases.parent / "report.xls").exists()


# --- outputs -----------------------------------------------------------------------------------


def test_json_to_stdout_is_only_json(sample_json):
    assert sample_json["as_of"] == AS_OF
    assert sample_json["period"] is None
    assert sample_json["framework"] == "measures-of-practice"


@pytest.mark.slow  # a whole audit (or several)
def test_json_to_stdout_even_with_report_and_fail_on(sample_copy):
    cases, visits = sample_copy
    report = cases.parent / "r.xlsx"
    result = run(
        "audit",
        cases,
        visits,
        "--as-of",
        AS_OF,
        "--json",
        "-",
        "--report",
        report,
        "--fail-on",
        "overdue",
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["findings"]
    assert report.exists()


@pytest.mark.slow  # a whole audit (or several)
def test_json_file(sample_copy, sample_json):
    cases, visits = sample_copy
    out = cases.parent / "result.json"
    result = run("audit", cases, visits, "--as-of", AS_OF, "--json", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert json.loads(out.read_text())["findings"] == sample_json["findings"]


@pytest.mark.slow  # a whole audit (or several)
def test_no_color_means_no_escape_codes(sample_copy):
    cases, visits = sample_copy
    result = run(
        "audit",
        cases,
        visits,
        "--as-of",
        AS_OF,
        "--report",
        cases.parent / "r.xlsx",
        "--fail-on",
        "overdue",
    )
    assert result.exit_code == 1
    assert "\x1b[" not in result.output
    assert "\x1b[" not in (result.stderr or "")


@pytest.mark.slow  # a whole audit (or several)
def test_quiet_prints_nothing_on_stdout(sample_copy):
    cases, visits = sample_copy
    result = run(
        "audit", cases, visits, "--as-of", AS_OF, "--quiet", "--report", cases.parent / "r.xlsx"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert (cases.parent / "r.xlsx").exists()


@pytest.mark.slow  # a whole audit (or several)
def test_report_is_private_and_has_the_sheets(sample_copy):
    cases, visits = sample_copy
    report = cases.parent / "out" / "report.xlsx"
    report.parent.mkdir()
    result = run("audit", cases, visits, "--as-of", AS_OF, "--report", report)
    assert result.exit_code == 0, result.output
    assert "report.xlsx" in result.stdout
    assert os.stat(report).st_mode & 0o777 == 0o600
    assert [p.name for p in report.parent.iterdir()] == ["report.xlsx"]  # no temporary left over
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == [
        "Summary",
        "Overdue",
        "Due soon",
        "Findings",
        "Quality",
        "Rejected rows",
        "Unrecognised values",
        "About",
    ]


# --- periods -----------------------------------------------------------------------------------


def _end_dates() -> dict[str, dt.date | None]:
    with CASES.open(encoding="utf-8-sig", newline="") as fh:
        return {
            row["Episode ID"]: dt.datetime.strptime(row["End Date"], "%d/%m/%Y").date()
            if row["End Date"]
            else None
            for row in csv.DictReader(fh)
        }


def _settled(finding: dict, end_dates: dict) -> dt.date:
    """docs/rules.md §4 Outcomes: the day of the record for late, the end date (or a
    count's due date) for missed."""
    if finding["status"] == "late":
        return dt.date.fromisoformat(finding["visit_date"])
    if finding["kind"] == "count":
        return dt.date.fromisoformat(finding["due_date"])
    return end_dates[finding["episode_id"]]


def _check_period(data: dict, lo: dt.date, hi: dt.date) -> None:
    assert data["as_of"] == hi.isoformat()
    assert data["period"] == {"from": lo.isoformat(), "to": hi.isoformat()}
    end_dates = _end_dates()
    statuses = {f["status"] for f in data["findings"]}
    assert "overdue" in statuses and statuses & {"late", "missed"}
    for f in data["findings"]:
        if f["status"] == "overdue":
            assert dt.date.fromisoformat(f["due_date"]) < hi, f
        else:
            assert lo <= _settled(f, end_dates) <= hi, f


def test_month_period(sample_json):
    result = run("audit", CASES, VISITS, "--month", "2026-09", "--json", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _check_period(data, dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert len(data["findings"]) < len(sample_json["findings"])


def test_from_to_period():
    result = run(
        "audit", CASES, VISITS, "--from", "01/08/2026", "--to", "2026-09-15", "--json", "-"
    )
    assert result.exit_code == 0, result.output
    _check_period(json.loads(result.stdout), dt.date(2026, 8, 1), dt.date(2026, 9, 15))


@pytest.mark.slow  # a whole audit (or several)
def test_month_and_from_to_agree():
    a = run("audit", CASES, VISITS, "--month", "2026-09", "--json", "-")
    b = run("audit", CASES, VISITS, "--from", "2026-09-01", "--to", "2026-09-30", "--json", "-")
    assert json.loads(a.stdout)["findings"] == json.loads(b.stdout)["findings"]


# --- formula injection -------------------------------------------------------------------------


@pytest.mark.slow  # a whole audit (or several)
def test_extract_text_never_becomes_a_formula(tmp_path):
    worker = '=HYPERLINK("http://evil","x")'
    team = "+SUM(1,2)"
    cases = write_csv(
        tmp_path / "cases.csv",
        CASE_HEADER,
        [["C9", "E9", "Child in Need", "01/09/2026", "", worker, team]],
    )
    visits = write_csv(tmp_path / "visits.csv", VISIT_HEADER, [])
    report = tmp_path / "report.xlsx"
    result = run(
        "audit", cases, visits, "--as-of", AS_OF, "--report", report, "--json", tmp_path / "r.json"
    )
    assert result.exit_code == 0, result.output
    findings = json.loads((tmp_path / "r.json").read_text())["findings"]
    assert [(f["status"], f["worker"], f["team"]) for f in findings] == [("overdue", worker, team)]

    wb = openpyxl.load_workbook(report)
    formulas = [
        (ws.title, c.coordinate, c.value)
        for ws in wb
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []
    seen = {}
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.value in (worker, team):
                    assert c.data_type == "s", (ws.title, c.coordinate)
                    seen.setdefault(c.value, []).append(ws.title)
    assert "Findings" in seen.get(worker, []) and "Overdue" in seen.get(worker, [])
    assert "Findings" in seen.get(team, [])


# --- explain, frameworks, sample ---------------------------------------------------------------


def test_explain_child():
    result = run("explain", CASES, VISITS, "--child", "0014763", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "Episode 2000015" in result.stdout
    assert "Episode 2000022" in result.stdout
    assert "\x1b[" not in result.output


def test_explain_unknown_child_exits_2():
    result = run("explain", CASES, VISITS, "--child", "NOPE", "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "NOPE" in result.output


def test_frameworks_lists_both():
    result = run("frameworks")
    assert result.exit_code == 0, result.output
    assert "measures-of-practice" in result.stdout
    assert "barnsley" in result.stdout


def test_frameworks_show():
    result = run("frameworks", "show", "barnsley")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()


def test_sample_writes_two_files(tmp_path):
    out = tmp_path / "out"
    result = run("sample", out, "--children", "5", "--seed", "2")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["cases.csv", "visits.csv"]
    again = run("audit", out / "cases.csv", out / "visits.csv", "--as-of", AS_OF, "--quiet")
    assert again.exit_code in (0, 1), again.output


# --- the real console script -------------------------------------------------------------------


def _script(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **ENV}
    return subprocess.run(
        [sys.executable, "-m", "visit_audit.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


@pytest.mark.slow  # starts another process
@pytest.mark.parametrize(
    "args",
    [
        ["audit", "a.csv"],
        ["audit", CASES, VISITS, "--region", "mars"],
        ["audit", CASES, VISITS, "--thresholds", "80,95"],
        ["audit", CASES, VISITS, "--month", "2026-09", "--from", "2026-09-01"],
        ["audit", "missing.csv", VISITS],
    ],
    ids=["missing-argument", "bad-region", "bad-thresholds", "month-and-from", "missing-file"],
)
def test_console_usage_error_is_one_line(args, tmp_path):
    proc = _script(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("visit-audit: ")
    assert "Traceback" not in proc.stderr


@pytest.mark.slow  # starts another process
def test_console_fail_on_overdue_exits_1(tmp_path):
    proc = _script(
        "audit", CASES, VISITS, "--as-of", AS_OF, "--quiet", "--fail-on", "overdue", cwd=tmp_path
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("command", [["audit"], ["explain", "--child", "C1"]])
def test_when_both_extracts_are_unreadable_the_cases_error_is_told(tmp_path, command):
    # The two extracts are read at once; the message is still the cases' one.
    cases = tmp_path / "cases.csv"
    cases.write_text("child_id,plan_type\nC1,child_in_need\n")  # no start_date column
    visits = tmp_path / "missing-visits.csv"
    result = runner.invoke(app, [command[0], str(cases), str(visits), *command[1:]])
    assert result.exit_code == 2
    assert "cases.csv" in result.output and "start_date" in result.output
    assert "missing-visits" not in result.output


def test_when_only_the_visits_are_unreadable_their_error_is_told(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text("child_id,plan_type,start_date\nC1,child_in_need,2025-01-06\n")
    visits = tmp_path / "missing-visits.csv"
    result = runner.invoke(app, ["audit", str(cases), str(visits)])
    assert result.exit_code == 2
    assert "missing-visits.csv: no such file" in result.output


# The extracts are read in the background from the start of a run; a file's error
# is still told only when no check made before reading it has failed.
@pytest.mark.parametrize(
    ("extra", "told"),
    [
        (
            ["--report", "out.xls", "--json", "{cases}", "--pseudonymise", "--framework", "nope"],
            "the report must be an .xlsx file",
        ),
        (
            ["--json", "{cases}", "--pseudonymise", "--framework", "nope", "--columns", "{map}"],
            "is one of the input files",
        ),
        (["--pseudonymise", "--framework", "nope", "--columns", "{map}"], "needs a key"),
        (["--framework", "nope", "--columns", "{map}"], "unknown framework 'nope'"),
        (["--columns", "{map}"], "cols.toml: not a valid TOML mapping file"),
        (["--columns", "{missing_map}"], "no such mapping file"),
        ([], "cases.csv: no column for start_date"),
    ],
    ids=["report-suffix", "overwrite", "key", "framework", "column-map", "no-column-map", "cases"],
)
def test_which_error_is_told_first(tmp_path, monkeypatch, extra, told):
    monkeypatch.delenv("VISIT_AUDIT_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    cases = tmp_path / "cases.csv"
    cases.write_text("child_id,plan_type\nC1,child_in_need\n")  # no start_date column
    visits = tmp_path / "missing-visits.csv"
    (tmp_path / "cols.toml").write_text("[cases\n")
    names = {"cases": cases, "map": tmp_path / "cols.toml", "missing_map": tmp_path / "no.toml"}
    args = [a.format(**names) for a in extra]
    result = runner.invoke(app, ["audit", str(cases), str(visits), "--as-of", AS_OF, *args])
    assert result.exit_code == 2
    assert told in result.output
    assert "missing-visits" not in result.output
    assert "start_date" not in result.output or told.endswith("start_date")
    assert cases.read_text() == "child_id,plan_type\nC1,child_in_need\n"


def test_a_column_map_reaches_both_extracts(tmp_path):
    # The map is loaded before the extracts are read: the reading needs it.
    cols = tmp_path / "cols.toml"
    cols.write_text('[cases]\n"Kid" = "child_id"\n\n[visits]\n"Kid" = "child_id"\n')
    cases = write_csv(
        tmp_path / "cases.csv", ["Kid", "Plan Type", "Start Date"], [["C1", "CIN", "01/10/2026"]]
    )
    visits = write_csv(
        tmp_path / "visits.csv", ["Kid", "Date of Visit"], [["C1", "02/10/2026"], ["", "x"]]
    )
    result = run("audit", cases, visits, "--as-of", AS_OF, "--columns", cols, "--json", "-")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [(i["file"], i["rows"], i["rejected"]) for i in out["inputs"]] == [
        ("cases.csv", 1, 0),
        ("visits.csv", 2, 1),
    ]
    assert out["rejected"][0]["reason"].startswith("no child_id")


@pytest.mark.slow  # starts another process
def test_a_reader_closing_standard_output_gets_one_line_not_a_traceback(tmp_path):
    # `visit-audit audit … --json - | head -c 10`: the pipe closes before the JSON is out.
    # The JSON of 2,000 children is many times a pipe's buffer (64 KiB), so the
    # writer is still writing when the reader goes, whatever the timing.
    from visit_audit.sample import write_sample

    cases, visits = write_sample(tmp_path, children=2000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "visit_audit.cli", "audit", str(cases), str(visits)]
        + ["--as-of", AS_OF, "--json", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **ENV},
    )
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 2
    assert (
        err.strip() == "visit-audit: standard output was closed before everything was written to it"
    )


@pytest.mark.slow  # starts another process
def test_the_console_script_exits_with_the_run_s_code_and_flushes_its_output(tmp_path):
    # main() leaves the ordinary way once everything is written: the summary and
    # the JSON must both be complete, and --fail-on still decides the code.
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "visit_audit.cli", *map(str, sample_args("--json", out))]
        + ["--fail-on", "overdue"],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
        timeout=120,
    )
    assert proc.returncode == 1
    assert json.loads(out.read_text())["findings"]
    # The whole summary reached the pipe: the same text as an in-process run prints.
    assert proc.stdout == run(*sample_args("--json", tmp_path / "again.json")).output
    assert "Traceback" not in proc.stderr
