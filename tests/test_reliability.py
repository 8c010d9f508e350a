"""Every input the tool can meet: rows are accounted for, unreadable files stop cleanly.

For each input in the JSON ``inputs``: rows == audited + rejected, and rejected
equals the number of ``rejected`` entries for that file. A file that cannot be
read at all exits 2 with one line on stderr. Outputs never replace an input,
are mode 0600 and leave no temporary file behind.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from visit_audit.cli import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
SCENARIOS = Path("/work/shared/acceptance/scenarios")

CASES_OK = (
    "child_id,plan_type,start_date,end_date,episode_id,worker,team\n"
    "C1,child_in_need,2026-01-05,,E1,Ann,North\n"
    "C2,child_protection,05/01/2026,,E2,Bob,South\n"
)
VISITS_OK = "child_id,visit_date,seen,episode_id\nC1,2026-01-06,Y,E1\nC2,07/01/2026,Y,E2\n"


def _xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# name -> builder(tmp_path) -> (cases, visits)
def _hostile(tmp: Path) -> dict[str, tuple[Path, Path]]:
    good_c = _text(tmp / "good_cases.csv", CASES_OK)
    good_v = _text(tmp / "good_visits.csv", VISITS_OK)
    title = [["Visits report"], ["Generated 31/10/2026"], []]
    return {
        "title_rows_xlsx": (
            _xlsx(
                tmp / "t_cases.xlsx",
                title
                + [["child_id", "plan_type", "start_date"], ["C1", "child_in_need", "2026-01-05"]],
            ),
            _xlsx(
                tmp / "t_visits.xlsx", title + [["child_id", "visit_date"], ["C1", "06/01/2026"]]
            ),
        ),
        "blank_lines": (
            _text(tmp / "b_cases.csv", CASES_OK.replace("\nC2", "\n\n,,,,,,\n\nC2") + "\n\n"),
            _text(tmp / "b_visits.csv", VISITS_OK.replace("\nC2", "\n\n\nC2") + "\n\n"),
        ),
        "quoted_newlines": (
            _text(
                tmp / "q_cases.csv",
                'child_id,plan_type,start_date,worker\nC1,child_in_need,2026-01-05,"Ann\nSmith"\n'
                'C2,"child\nin need",2026-01-05,"a ""quoted"", worker"\n',
            ),
            _text(tmp / "q_visits.csv", 'child_id,visit_date,location\nC1,2026-01-06,"at\nhome"\n'),
        ),
        "mixed_iso_uk_dates": (
            _text(
                tmp / "m_cases.csv",
                "child_id,plan_type,start_date,end_date\nC1,child_in_need,2026-01-05,31/03/2026\n"
                "C2,child_in_need,5 January 2026,\nC3,child_in_need,05-Jan-2026,2026-02-01\n",
            ),
            _text(
                tmp / "m_visits.csv",
                "child_id,visit_date\nC1,2026-01-06\nC2,7/1/26\nC3,08/01/2026 10:30\n",
            ),
        ),
        "serials_as_text": (
            _text(tmp / "s_cases.csv", "child_id,plan_type,start_date\nC1,child_in_need,46027\n"),
            _xlsx(
                tmp / "s_visits.xlsx", [["child_id", "visit_date"], ["C1", "46028"], ["C1", 46029]]
            ),
        ),
        "before_1900_after_2100": (
            _text(
                tmp / "e_cases.csv",
                "child_id,plan_type,start_date\nC1,child_in_need,01/01/1850\n"
                "C2,child_in_need,2150-01-01\nC3,child_in_need,2026-01-05\n",
            ),
            _text(tmp / "e_visits.csv", "child_id,visit_date\nC3,31/12/1899\nC3,2026-01-06\n"),
        ),
        "bad_rows_everywhere": (
            _text(
                tmp / "r_cases.csv",
                "child_id,plan_type,start_date,end_date,episode_id\n"
                ",child_in_need,2026-01-05,,E0\nC1,Mystery,2026-01-05,,E1\n"
                "C2,child_in_need,31/02/2026,,E2\nC3,child_in_need,2026-03-01,2026-02-01,E3\n"
                "C4,child_in_need,2026-01-05,,E4\nC5,child_in_need,2026-01-05,,E4\n",
            ),
            _text(
                tmp / "r_visits.csv",
                "child_id,visit_date,seen,seen_alone\nC4,2026-01-06,perhaps,Y\n"
                ",2026-01-06,Y,Y\nC4,,Y,Y\nC4,2026-01-07,Y,maybe\nC4,2026-01-08,N,N\n",
            ),
        ),
        "good": (good_c, good_v),
    }


def _inputs() -> list[tuple[str, Path, Path, list[str]]]:
    found = [
        ("sample_data", SAMPLE / "cases.csv", SAMPLE / "visits.csv", ["--as-of", "2026-10-31"])
    ]
    if SCENARIOS.is_dir():
        for folder in sorted(SCENARIOS.iterdir()):
            if (folder / "cases.csv").exists() and (folder / "visits.csv").exists():
                args = (
                    json.loads((folder / "args.json").read_text())
                    if (folder / "args.json").exists()
                    else {}
                )
                extra = (
                    ["--as-of", args["as_of"]] if isinstance(args, dict) and "as_of" in args else []
                )
                found.append((folder.name, folder / "cases.csv", folder / "visits.csv", extra))
    return found


def _audit(cases: Path, visits: Path, out: Path, *extra: str):
    args = ["audit", str(cases), str(visits), "--json", str(out), "-q", *extra]
    return CliRunner().invoke(app, args)


def _check_accounting(data: dict) -> None:
    per_file = Counter(r["file"] for r in data["rejected"])
    assert len(data["inputs"]) == 2
    for item in data["inputs"]:
        assert item["rows"] == item["audited"] + item["rejected"], item
        assert item["rejected"] == per_file[item["file"]], (item, per_file)
    assert sum(per_file.values()) == len(data["rejected"])


@pytest.mark.parametrize(("name", "cases", "visits", "extra"), _inputs(), ids=lambda v: str(v)[:40])
def test_real_inputs_account_for_every_row(tmp_path, name, cases, visits, extra):
    out = tmp_path / "o.json"
    result = _audit(cases, visits, out, *extra)
    assert result.exit_code == 0, (name, result.stderr)
    _check_accounting(json.loads(out.read_text()))


HOSTILE = [
    "title_rows_xlsx",
    "blank_lines",
    "quoted_newlines",
    "mixed_iso_uk_dates",
    "serials_as_text",
    "before_1900_after_2100",
    "bad_rows_everywhere",
    "good",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_inputs_account_for_every_row(tmp_path, name):
    cases, visits = _hostile(tmp_path)[name]
    out = tmp_path / "o.json"
    result = _audit(cases, visits, out, "--as-of", "2026-10-31")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 2:  # a file that cannot be used: one sentence, no JSON
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not out.exists()
        return
    assert result.exit_code == 0, result.stderr
    _check_accounting(json.loads(out.read_text()))


@pytest.mark.slow  # a whole audit (or several)
def test_expected_rejections(tmp_path):
    cases, visits = _hostile(tmp_path)["bad_rows_everywhere"]
    out = tmp_path / "o.json"
    assert _audit(cases, visits, out, "--as-of", "2026-10-31").exit_code == 0
    data = json.loads(out.read_text())
    by_file = {i["file"]: i for i in data["inputs"]}
    assert by_file["r_cases.csv"]["rejected"] == 5  # no id, plan, date, end<start, dup episode
    assert by_file["r_visits.csv"]["rejected"] == 3  # no id, date; seen (answers never reject)
    before = tmp_path / "e_visits.csv"
    ec, ev = _hostile(tmp_path)["before_1900_after_2100"]
    assert _audit(ec, ev, out, "--as-of", "2026-10-31").exit_code == 0
    reasons = [r["reason"] for r in json.loads(out.read_text())["rejected"]]
    assert any("before 1900" in r for r in reasons) and any("after 2100" in r for r in reasons)
    assert before.exists()


def _unreadable(tmp: Path) -> dict[str, Path]:
    empty = openpyxl.Workbook()
    empty.save(tmp / "empty.xlsx")
    (tmp / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    (tmp / "encrypted.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (tmp / "notes.txt").write_text("hello")
    (tmp / "nocols.csv").write_text("foo,bar\n1,2\n")
    (tmp / "empty.csv").write_bytes(b"")
    return {
        "empty_sheet": tmp / "empty.xlsx",
        "corrupt_xlsx": tmp / "corrupt.xlsx",
        "ole_encrypted": tmp / "encrypted.xlsx",
        "not_csv_xlsx": tmp / "notes.txt",
        "missing_required_column": tmp / "nocols.csv",
        "empty_csv": tmp / "empty.csv",
        "missing_file": tmp / "nowhere.csv",
        "folder": tmp,
    }


UNREADABLE = [
    "empty_sheet",
    "corrupt_xlsx",
    "ole_encrypted",
    "not_csv_xlsx",
    "missing_required_column",
    "empty_csv",
    "missing_file",
    "folder",
]


@pytest.mark.parametrize("role", ["cases", "visits"])
@pytest.mark.parametrize("name", UNREADABLE)
def test_unreadable_file_exits_2_with_one_line(tmp_path, name, role):
    bad = _unreadable(tmp_path)[name]
    good_c = _text(tmp_path / "good_cases.csv", CASES_OK)
    good_v = _text(tmp_path / "good_visits.csv", VISITS_OK)
    cases, visits = (bad, good_v) if role == "cases" else (good_c, bad)
    out = tmp_path / "out" / "o.json"
    out.parent.mkdir()
    result = _audit(cases, visits, out, "--as-of", "2026-10-31")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("option", ["--json", "--report"])
@pytest.mark.parametrize("which", ["cases", "visits"])
def test_refuses_to_write_over_an_input(tmp_path, option, which):
    suffix = ".xlsx" if option == "--report" else ".csv"
    cases = tmp_path / "cases.csv"
    visits = tmp_path / "visits.csv"
    _text(cases, CASES_OK)
    _text(visits, VISITS_OK)
    if suffix == ".xlsx":
        cases = _xlsx(tmp_path / "cases.xlsx", [r.split(",") for r in CASES_OK.splitlines()])
        visits = _xlsx(tmp_path / "visits.xlsx", [r.split(",") for r in VISITS_OK.splitlines()])
    target = cases if which == "cases" else visits
    before = target.read_bytes()
    result = CliRunner().invoke(
        app, ["audit", str(cases), str(visits), option, str(target), "-q", "--as-of", "2026-10-31"]
    )
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert target.read_bytes() == before


@pytest.mark.slow  # a whole audit (or several)
def test_outputs_are_private_and_atomic(tmp_path):
    work = tmp_path / "out"
    work.mkdir()
    shutil.copy(SAMPLE / "cases.csv", tmp_path / "cases.csv")
    shutil.copy(SAMPLE / "visits.csv", tmp_path / "visits.csv")
    report, out = work / "r.xlsx", work / "o.json"
    for _ in range(2):  # a second run replaces the files in place
        result = CliRunner().invoke(
            app,
            ["audit", str(tmp_path / "cases.csv"), str(tmp_path / "visits.csv"), "-q"]
            + ["--as-of", "2026-10-31", "--report", str(report), "--json", str(out)],
        )
        assert result.exit_code == 0, result.stderr
        assert sorted(p.name for p in work.iterdir()) == ["o.json", "r.xlsx"]
        for p in (report, out):
            assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_failed_write_leaves_no_temp_file(tmp_path):
    """A report into a folder that does not exist: exit 2, nothing half-written anywhere."""
    result = CliRunner().invoke(
        app,
        ["audit", str(SAMPLE / "cases.csv"), str(SAMPLE / "visits.csv"), "-q"]
        + ["--as-of", "2026-10-31", "--json", str(tmp_path / "no" / "o.json")],
    )
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # starts another process
def test_the_console_command_asks_malloc_to_keep_freed_memory_unless_told_not_to():
    # A setting of the whole process (visit_audit.memory), so tried in a child process.
    code = (
        "from visit_audit.memory import keep_freed_memory as k; ok = k(); import pyarrow as pa; "
        "print(ok, pa.default_memory_pool().backend_name)"
    )

    def run(value):
        env = {k: v for k, v in os.environ.items() if k != "VISIT_AUDIT_MALLOC"}
        if value is not None:
            env["VISIT_AUDIT_MALLOC"] = value
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        return out.stdout.strip()

    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    # Arrow then allocates through the same malloc ("system"), not its jemalloc.
    assert run(None) == "True system" if glibc else run(None).startswith("False")
    assert run("default").split()[0] == "False" and run("default").split()[1] != "system"
    assert run("heap").split()[0] == str(glibc) and run("heap").split()[1] != "system"
