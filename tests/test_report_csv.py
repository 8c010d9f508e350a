"""CSV output (README "CSV files"): seven files, UTF-8 with BOM, ISO dates, one header
row, formula-like text prefixed with a quote, written atomically with 0600."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from report_fixtures import EVIL, NORTH, make_result
from typer.testing import CliRunner

from visit_audit.cli import app
from visit_audit.report.csv import FILES, write_csv
from visit_audit.result import FINDING_COLUMNS, UPCOMING_COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def read(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM, once
    assert not raw[3:].startswith(b"\xef\xbb\xbf")
    return list(csv.reader(raw[3:].decode("utf-8").splitlines()))


def test_seven_files_each_with_one_header_row(tmp_path: Path):
    result = make_result()
    paths = write_csv(result, tmp_path / "out")
    assert sorted(p.name for p in paths) == sorted(FILES)
    for p in paths:
        assert (p.stat().st_mode & 0o777) == 0o600
    findings = read(tmp_path / "out" / "findings.csv")
    assert findings[0] == list(FINDING_COLUMNS)
    assert len(findings) == 1 + len(result.findings)
    assert read(tmp_path / "out" / "due_soon.csv")[0] == list(UPCOMING_COLUMNS)
    overdue = read(tmp_path / "out" / "overdue.csv")
    days = [int(r[FINDING_COLUMNS.index("days_late")]) for r in overdue[1:]]
    assert days == sorted(days, reverse=True) and len(days) == 3
    rejected = read(tmp_path / "out" / "rejected.csv")
    assert rejected[0] == ["file", "row", "reason"] and len(rejected) == 4
    by_team = read(tmp_path / "out" / "by_team.csv")
    assert by_team[0][0] == "team" and by_team[1][0] == NORTH
    by_worker = read(tmp_path / "out" / "by_worker.csv")
    assert by_worker[0] == [
        "worker",
        "episodes",
        "deadlines",
        "on_time",
        "late",
        "missed",
        "overdue",
        "percent_on_time",
        "due_soon",
    ]


def test_dates_are_iso_and_missing_ones_empty(tmp_path: Path):
    write_csv(make_result(), tmp_path)
    rows = read(tmp_path / "findings.csv")
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["due_date"] == "2026-08-28" and first["anchor_date"] == "2026-08-14"
    assert first["visit_date"] == ""
    assert first["child_id"] == "0012345"  # leading zeros kept (text, not a number)


def test_text_that_a_spreadsheet_would_run_is_prefixed_with_a_quote(tmp_path: Path):
    result = make_result()
    result.rejected.loc[0, "reason"] = "+cmd|' /C calc'!A0"
    result.rejected.loc[1, "reason"] = "-2+3"
    result.rejected.loc[2, "reason"] = "@SUM(A1)"
    write_csv(result, tmp_path)
    workers = {r[FINDING_COLUMNS.index("worker")] for r in read(tmp_path / "findings.csv")[1:]}
    assert "'" + EVIL in workers and EVIL not in workers
    reasons = [r[2] for r in read(tmp_path / "rejected.csv")[1:]]
    assert reasons == ["'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)"]
    assert "'" + EVIL in {r[0] for r in read(tmp_path / "by_worker.csv")[1:]}


@pytest.mark.slow  # a whole audit (or several)
def test_csv_option_on_the_sample(tmp_path: Path):
    sample = ROOT / "sample_data"
    result = CliRunner().invoke(
        app,
        ["audit", str(sample / "cases.csv"), str(sample / "visits.csv")]
        + ["--month", "2026-10", "--quiet", "--csv", str(tmp_path / "csv")],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(FILES)


@pytest.mark.slow  # a whole audit (or several)
def test_pseudonymise_covers_the_csv_files(tmp_path: Path):
    sample = ROOT / "sample_data"
    result = CliRunner().invoke(
        app,
        ["audit", str(sample / "cases.csv"), str(sample / "visits.csv"), "--month", "2026-10"]
        + ["--quiet", "--pseudonymise", "--csv", str(tmp_path)],
        env={"VISIT_AUDIT_KEY": "a test key of more than sixteen bytes"},
    )
    assert result.exit_code == 0, result.output
    for name in ("findings.csv", "due_soon.csv", "by_worker.csv"):
        rows = read(tmp_path / name)[1:]
        assert rows
        for row in rows:
            child = row[0] if name != "by_worker.csv" else "C-"
            assert child.startswith("C-")
            if name == "by_worker.csv":
                assert row[0].startswith("W-")


@pytest.mark.slow  # a whole audit (or several)
def test_a_csv_file_never_overwrites_an_input(tmp_path: Path):
    import shutil

    sample = ROOT / "sample_data"
    shutil.copy(sample / "visits.csv", tmp_path / "findings.csv")
    result = CliRunner().invoke(
        app,
        ["audit", str(sample / "cases.csv"), str(tmp_path / "findings.csv")]
        + ["--as-of", "2026-10-31", "--quiet", "--csv", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "is one of the input files" in result.output
