"""--pseudonymise: keyed, stable pseudonyms; no child id or worker name left in any output."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from visit_audit.cli import app
from visit_audit.errors import InputError
from visit_audit.privacy import load_key, pseudonym, redact_reason

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
KEY = "an-audit-key-of-32-bytes-length!"
OTHER_KEY = "a-different-key-of-32-bytes-long"


def _run(tmp_path: Path, *extra: str, env: dict | None = None, name: str = "out"):
    json_path = tmp_path / f"{name}.json"
    xlsx_path = tmp_path / f"{name}.xlsx"
    args = ["audit", str(SAMPLE / "cases.csv"), str(SAMPLE / "visits.csv")]
    args += ["--as-of", "2026-10-31", "--json", str(json_path), "--report", str(xlsx_path), "-q"]
    result = CliRunner().invoke(app, [*args, *extra], env=env or {"VISIT_AUDIT_KEY": KEY})
    return result, json_path, xlsx_path


def _originals() -> set[str]:
    cases = pd.read_csv(SAMPLE / "cases.csv", dtype=str)
    visits = pd.read_csv(SAMPLE / "visits.csv", dtype=str)
    names: set[str] = set()
    for frame, cols in (
        (cases, ("Person ID", "Episode ID", "Social Worker")),
        (visits, ("Person ID", "Episode ID", "Worker")),
    ):
        for c in cols:
            names |= {v.strip() for v in frame[c].dropna() if v.strip()}
    return names


def test_pseudonym_is_keyed_stable_and_keeps_missing():
    s = pd.Series(["0014743", None, "0014743", "X"], dtype="str")
    a = pseudonym(s, KEY.encode(), "C-")
    assert a.tolist()[0] == a.tolist()[2]
    assert a.iloc[0].startswith("C-") and len(a.iloc[0]) == 18
    assert pd.isna(a.iloc[1])
    assert a.equals(pseudonym(s, KEY.encode(), "C-"))
    b = pseudonym(s, OTHER_KEY.encode(), "C-")
    assert a.iloc[0] != b.iloc[0]


def test_load_key_sources_and_refusals(tmp_path):
    assert load_key({"VISIT_AUDIT_KEY": KEY}) == KEY.encode()
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    assert load_key({}, key_file) == KEY.encode()
    for env in ({}, {"VISIT_AUDIT_KEY": ""}, {"VISIT_AUDIT_KEY": "short-key"}):
        with pytest.raises(InputError) as e:
            load_key(env)
        assert "short-key" not in str(e.value)
    with pytest.raises(InputError):
        load_key({}, tmp_path / "missing")


def test_no_key_exits_2_with_one_sentence(tmp_path):
    result, json_path, _ = _run(tmp_path, "--pseudonymise", env={"VISIT_AUDIT_KEY": ""})
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "VISIT_AUDIT_KEY" in result.stderr
    assert not json_path.exists()


def test_short_key_is_refused_without_printing_it(tmp_path):
    result, _, _ = _run(tmp_path, "--pseudonymise", env={"VISIT_AUDIT_KEY": "tiny-secret"})
    assert result.exit_code == 2
    assert "tiny-secret" not in result.output + result.stderr


@pytest.mark.slow  # a whole audit (or several)
def test_no_child_or_worker_left_in_json_or_excel(tmp_path):
    result, json_path, xlsx_path = _run(tmp_path, "--pseudonymise")
    assert result.exit_code == 0, result.output
    originals = _originals()
    data = json.loads(json_path.read_text())
    assert data["findings"] and data["upcoming"]
    text = json_path.read_text()
    leaked = {v for v in originals if v in text}
    assert not leaked, sorted(leaked)[:5]
    cells = set()
    wb = openpyxl.load_workbook(xlsx_path, read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells |= {str(v) for v in row if v is not None}
    leaked = {v for v in originals if any(v in c for c in cells)}
    assert not leaked, sorted(leaked)[:5]
    for item in data["findings"]:
        assert item["child_id"].startswith("C-") and item["episode_id"].startswith("E-")
        assert item["worker"] is None or item["worker"].startswith("W-")
    # teams are not personal: the summary by team is unchanged
    plain, plain_json, _ = _run(tmp_path, name="plain")
    assert plain.exit_code == 0
    assert json.loads(plain_json.read_text())["summary"] == data["summary"]


@pytest.mark.slow  # a whole audit (or several)
def test_same_key_same_output_other_key_differs(tmp_path):
    _, a, _ = _run(tmp_path, "--pseudonymise", name="a")
    _, b, _ = _run(tmp_path, "--pseudonymise", name="b")
    key_file = tmp_path / "k"
    key_file.write_text(OTHER_KEY)
    _, c, _ = _run(tmp_path, "--key-file", str(key_file), name="c")
    fa, fb, fc = (json.loads(p.read_text())["findings"] for p in (a, b, c))
    assert fa == fb
    assert {f["child_id"] for f in fa}.isdisjoint({f["child_id"] for f in fc})
    assert len(fa) == len(fc)


@pytest.mark.slow  # a whole audit (or several)
def test_findings_stay_in_contract_order(tmp_path):
    _, path, _ = _run(tmp_path, "--pseudonymise")
    found = json.loads(path.read_text())["findings"]
    keys = [(f["due_date"], f["child_id"], f["plan_type"]) for f in found]
    assert keys == sorted(keys)


def test_rejected_reasons_are_redacted(tmp_path):
    cases = tmp_path / "cases.csv"
    visits = tmp_path / "visits.csv"
    cases.write_text(
        "child_id,plan_type,start_date,worker\n"
        "SECRET-1,child_in_need,2026-01-05,Jo Secretworker\n"
        "SECRET-2,child_in_need,31/02/2026,Jo Secretworker\n"
        "SECRET-3,Mystery Plan,2026-01-05,Jo Secretworker\n"
    )
    visits.write_text(
        "child_id,visit_date,seen\nSECRET-1,2026-01-06,Y\nSECRET-1,2026-01-07,maybe-SECRET\n"
    )
    out = tmp_path / "o.json"
    result = CliRunner().invoke(
        app,
        ["audit", str(cases), str(visits), "--as-of", "2026-02-01", "--json", str(out), "-q"]
        + ["--pseudonymise"],
        env={"VISIT_AUDIT_KEY": KEY},
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "SECRET" not in text
    reasons = [r["reason"] for r in json.loads(text)["rejected"]]
    assert len(reasons) == 3
    assert all("'…'" in r for r in reasons)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("visit_date '31/02/2025' is not a date", "visit_date '…' is not a date"),
        ("unknown plan type 'Mystery'", "unknown plan type '…'"),
        ("duplicate episode_id 'E1' (first on row 2)", "duplicate episode_id '…' (first on row 2)"),
        (
            "start_date 'x' is not a date; end_date 'y' is before 1900",
            "start_date '…' is not a date; end_date '…' is before 1900",
        ),
        ("seen 'it's; odd' is not Y/N", "seen '…' is not Y/N"),
        ("no child_id", "no child_id"),
    ],
)
def test_redact_reason(reason, expected):
    assert redact_reason(reason) == expected


def test_a_bad_row_quotes_at_most_one_cell(tmp_path):
    """Without --pseudonymise a reason quotes only the offending cell, never the whole row."""
    cases = tmp_path / "cases.csv"
    visits = tmp_path / "visits.csv"
    cases.write_text(
        "child_id,plan_type,start_date,worker,team\n"
        "KID-ONE,child_in_need,not-a-date,Worker Name,Team Name\n"
        "KID-TWO,child_in_need,2026-01-05,Worker Name,Team Name\n"
    )
    visits.write_text(
        "child_id,visit_date,seen\nKID-TWO,2026-01-06,perhaps\nKID-TWO,2026-01-07,Y\n"
    )
    out = tmp_path / "o.json"
    result = CliRunner().invoke(
        app, ["audit", str(cases), str(visits), "--as-of", "2026-02-01", "--json", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    for r in json.loads(out.read_text())["rejected"]:
        assert r["reason"].count("'") == 2, r
        for other in ("KID-ONE", "KID-TWO", "Worker Name", "Team Name"):
            assert other not in r["reason"]


@pytest.mark.slow  # a whole audit (or several)
def test_free_text_values_listed_in_warnings_and_unrecognised_are_not_carried(tmp_path):
    """An unrecognised visit type or an unreadable answer is free text that may name
    someone: a pseudonymised run keeps the counts, never the text."""
    cases = tmp_path / "cases.csv"
    visits = tmp_path / "visits.csv"
    cases.write_text("child_id,plan_type,start_date\nKID-ONE,CP,2026-01-05\n")
    visits.write_text(
        "child_id,visit_date,visit_type,seen_alone\n"
        "KID-ONE,2026-01-06,Family time with Auntie Jo,Asked Auntie Jo\n"
        "KID-ONE,2026-01-07,Family time with Auntie Jo,Y\n"
    )
    out = tmp_path / "o.json"
    result = CliRunner().invoke(
        app,
        ["audit", str(cases), str(visits), "--as-of", "2026-02-01", "--json", str(out), "-q"],
        env={"VISIT_AUDIT_KEY": KEY},
    )
    assert result.exit_code == 0, result.output
    plain = out.read_text()
    assert "Auntie Jo" in plain  # without --pseudonymise, the values are what helps fix them
    result = CliRunner().invoke(
        app,
        ["audit", str(cases), str(visits), "--as-of", "2026-02-01", "--json", str(out), "-q",
         "--pseudonymise"],
        env={"VISIT_AUDIT_KEY": KEY},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "Auntie Jo" not in text
    data = json.loads(text)
    [(value, n)] = data["unrecognised"]["visit_type"].items()
    assert value.startswith("V-") and n == 2
    assert any("'…' (2)" in w for w in data["warnings"])
