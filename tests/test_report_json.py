"""The JSON result: fields, nulls, ISO dates, order, determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import stat
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_fixtures import EVIL, big_findings, make_result

import visit_audit.report.json as vjson
from visit_audit.report.json import result_to_dict, write_json
from visit_audit.result import FINDING_COLUMNS, QUALITY_COLUMNS, UPCOMING_COLUMNS

TOP_LEVEL = [
    "tool_version",
    "framework",
    "region",
    "as_of",
    "period",
    "run_at",
    "inputs",
    "findings",
    "upcoming",
    "quality",
    "summary",
    "rejected",
    "warnings",
    "unrecognised",
]
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_file_round_trips_to_the_dict_with_contract_fields_in_order(tmp_path: Path):
    result = make_result()
    write_json(result, tmp_path / "r.json")
    got = _load(tmp_path / "r.json")
    assert list(got) == TOP_LEVEL
    assert got == result_to_dict(result)
    assert list(got["findings"][0]) == list(FINDING_COLUMNS)
    assert list(got["upcoming"][0]) == list(UPCOMING_COLUMNS)
    assert list(got["quality"][0]) == list(QUALITY_COLUMNS)
    assert got["rejected"][0] == {
        "file": "cases.csv",
        "row": 7,
        "reason": "start_date '31/02/2026' is not a date",
    }


def test_header_fields():
    got = result_to_dict(make_result())
    assert got["tool_version"] == "0.1.0"
    assert got["framework"] == "barnsley"
    assert got["region"] == "england"
    assert got["as_of"] == "2026-10-31"
    assert got["period"] == {"from": "2026-10-01", "to": "2026-10-31"}
    assert got["run_at"] == "2026-11-01T08:30:05Z"
    assert got["inputs"] == [
        {"file": "cases.csv", "sha256": "a" * 64, "rows": 12, "rejected": 1, "audited": 11},
        {"file": "visits.csv", "sha256": "b" * 64, "rows": 40, "rejected": 2, "audited": 38},
    ]
    assert got["warnings"][1] == "cases.csv: column 'Visit Frequency' is blank for every row"


def test_no_period_is_null_and_run_at_is_utc():
    result = make_result(period=None)
    result.run_at = dt.datetime(2026, 11, 1, 9, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    got = result_to_dict(result)
    assert got["period"] is None
    assert got["run_at"] == "2026-11-01T08:30:05Z"


def test_dates_iso_absent_values_null_days_late_int():
    got = result_to_dict(make_result())
    first = got["findings"][0]
    assert first["child_id"] == "0012345"  # leading zeros kept
    assert first["visit_date"] is None
    assert first["worker"] == EVIL
    assert isinstance(first["days_late"], int) and first["days_late"] == 64
    no_worker = next(f for f in got["findings"] if f["child_id"] == "C0999")
    assert no_worker["worker"] is None
    for item in got["findings"] + got["upcoming"] + got["quality"]:
        for key in ("anchor_date", "due_date", "visit_date"):
            if item.get(key) is not None:
                assert ISO_DAY.match(item[key]), item[key]
    assert [q["value"] for q in got["quality"]] == ["N", None, "N"]


def test_findings_keep_the_result_order():
    result = make_result()
    shuffled = result.findings.iloc[::-1].reset_index(drop=True)
    result = dataclasses.replace(result, findings=shuffled)
    got = result_to_dict(result)
    assert [f["due_date"] for f in got["findings"]] == [
        d.date().isoformat() for d in shuffled["due_date"]
    ]


def test_summary_is_passed_through_as_plain_json():
    result = make_result()
    result.summary["by_team"]["North Locality"]["deadlines"] = pd.Series([72]).astype("int64")[0]
    result.summary["by_plan_type"]["missing_episode"]["percent_on_time"] = float("nan")
    got = result_to_dict(result)
    assert got["summary"]["by_team"]["North Locality"]["deadlines"] == 72
    assert got["summary"]["by_plan_type"]["missing_episode"]["percent_on_time"] is None
    assert got["summary"]["quality"]["seen_alone"] == {
        "checked": 40,
        "exceptions": 1,
        "percent_passed": 97.5,
    }


def test_same_result_gives_identical_bytes_apart_from_run_at(tmp_path: Path):
    result = make_result()
    write_json(result, tmp_path / "a.json")
    later = dataclasses.replace(result, run_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    write_json(later, tmp_path / "b.json")
    a = (tmp_path / "a.json").read_text(encoding="utf-8").splitlines()
    b = (tmp_path / "b.json").read_text(encoding="utf-8").splitlines()
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    assert len(differ) == 1 and a[differ[0]].strip().startswith('"run_at"')


def test_one_finding_per_line(tmp_path: Path):
    write_json(make_result(), tmp_path / "r.json")
    lines = (tmp_path / "r.json").read_text(encoding="utf-8").splitlines()
    assert sum(1 for line in lines if line.lstrip().startswith('{"child_id"')) == 8 + 2 + 3


def test_stdout_target_prints_only_the_json(capsys):
    write_json(make_result(), "-")
    out, err = capsys.readouterr()
    assert json.loads(out)["framework"] == "barnsley"
    assert out.endswith("}\n") and err == ""


def test_file_is_written_atomically_and_private(tmp_path: Path):
    target = tmp_path / "r.json"
    target.write_text("old")
    write_json(make_result(), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _load(target)["as_of"] == "2026-10-31"
    assert list(tmp_path.iterdir()) == [target]


def test_failure_leaves_the_old_file(tmp_path: Path, monkeypatch):
    target = tmp_path / "r.json"
    target.write_text("old")
    monkeypatch.setattr(vjson, "_plain", lambda v: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_json(make_result(), target)
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_chunked_streaming_matches_the_dict(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(vjson, "CHUNK_ROWS", 7)
    result = make_result(findings=big_findings(50))
    write_json(result, tmp_path / "r.json")
    got = _load(tmp_path / "r.json")
    assert got == result_to_dict(result)
    assert len(got["findings"]) == 50


def test_a_lone_surrogate_in_a_record_is_written_escaped(tmp_path: Path):
    # Text Arrow cannot hold (a lone surrogate) takes the plain Python way: same bytes.
    found = big_findings(3)
    found["worker"] = pd.Series(["Ann", "B\udcff", None], dtype=object)
    write_json(make_result(findings=found), tmp_path / "r.json")
    raw = (tmp_path / "r.json").read_bytes()
    assert b'"worker": "B\\udcff"' in raw
    got = json.loads(raw.decode("utf-8"))
    assert [f["worker"] for f in got["findings"]] == ["Ann", "B\udcff", None]


def test_empty_lists_and_object_dtype_frames():
    result = make_result(warnings=[])
    result.findings = pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
    result.upcoming = result.upcoming.iloc[0:0]
    result.quality = pd.DataFrame({c: pd.Series(dtype=object) for c in QUALITY_COLUMNS})
    got = result_to_dict(result)
    assert got["findings"] == [] and got["upcoming"] == [] and got["quality"] == []
    assert got["warnings"] == []


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(), min_size=1, max_size=5))
def test_any_text_round_trips(tmp_path_factory, names):
    """Quotes, backslashes, control characters, non-BMP characters: all come back as given."""
    found = big_findings(len(names))
    found["worker"] = pd.Series(names, dtype="str")
    result = make_result(findings=found)
    path = tmp_path_factory.mktemp("j") / "r.json"
    write_json(result, path)
    got = json.loads(path.read_bytes().decode("utf-8"))
    assert [f["worker"] for f in got["findings"]] == names


@pytest.mark.slow  # a whole audit (or several)
def test_engine_result_renders(tmp_path: Path):
    """A result straight from the engine (its dtypes, its summary) goes through every renderer."""
    from frames import audit
    from rich.console import Console

    from visit_audit.report.excel import write_report
    from visit_audit.report.terminal import render_summary

    result = audit(
        [
            {"plan_type": "child_protection", "start_date": "2025-06-01", "team": "North"},
            {"child_id": "C2", "plan_type": "child_in_need", "start_date": "2025-07-01"},
        ],
        ["2025-06-03", "2025-07-20", {"child_id": "C2", "visit_date": "2025-07-02"}],
        as_of="2025-09-30",
    )
    write_json(result, tmp_path / "r.json")
    got = _load(tmp_path / "r.json")
    assert len(got["findings"]) == len(result.findings) > 0
    write_report(result, tmp_path / "r.xlsx")
    console = Console(width=80, color_system=None, record=True, file=io.StringIO())
    render_summary(result, console)
    assert "Compliance by plan type" in console.export_text()
