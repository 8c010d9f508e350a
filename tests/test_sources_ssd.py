"""The Standard Safeguarding Dataset as a source (README "From the SSD"): `audit --ssd DIR|URL`.

The SSD made from the canonical sample must audit exactly as the canonical
extracts of what the SSD holds (its plan types, its face-to-face visits), read
through the csv path: same canonical frames, same findings. Then the SSD's own
ways, worked by hand on small tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from visit_audit import pipeline
from visit_audit.cli import app
from visit_audit.errors import InputError
from visit_audit.sample_sources import canonical_sample, ssd_view, write_ssd

AS_OF = dt.date(2026, 10, 31)
ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env=ENV, catch_exceptions=False)


def _flag(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else "Y" if v else "N" for v in values]


def _day(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d") for v in values]


def _text(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in values]


def write_canonical(where: Path, cases: pd.DataFrame, visits: pd.DataFrame) -> tuple[Path, Path]:
    """Canonical frames as a plain cases/visits pair for the csv path."""
    where.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "child_id": _text(cases["child_id"]),
            "episode_id": _text(cases["episode_id"]),
            "plan_type": _text(cases["plan_type"]),
            "start_date": _day(cases["start_date"]),
            "end_date": _day(cases["end_date"]),
            "date_of_birth": _day(cases["date_of_birth"]),
            "worker": _text(cases["worker"]),
            "team": _text(cases["team"]),
        }
    ).to_csv(where / "cases.csv", index=False)
    pd.DataFrame(
        {
            "child_id": _text(visits["child_id"]),
            "visit_date": _day(visits["visit_date"]),
            "visit_type": _text(visits["visit_type"]),
            "seen": _flag(visits["seen"]),
            "seen_alone": _flag(visits["seen_alone"]),
            "bedroom_seen": _flag(visits["bedroom_seen"]),
            "episode_id": _text(visits["episode_id"]),
        }
    ).to_csv(where / "visits.csv", index=False)
    return where / "cases.csv", where / "visits.csv"


def to_sqlite(folder: Path, db: Path, typed: bool = True) -> Path:
    """The folder's tables in a real SQLite file; with ``typed``, the CP visits as a
    database holds them (dates as DATETIME values, plan ids as integers)."""
    with sqlite3.connect(db) as con:
        for path in sorted(folder.glob("ssd_*.csv")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            if typed and path.stem == "ssd_cp_visits":
                frame["cppv_cp_visit_date"] = pd.to_datetime(frame["cppv_cp_visit_date"])
                frame["cppv_cp_plan_id"] = frame["cppv_cp_plan_id"].astype(int)
            if typed and path.stem == "ssd_cp_plans":
                frame["cppl_cp_plan_id"] = frame["cppl_cp_plan_id"].astype(int)
            frame.to_sql(path.stem, con, index=False)
    return db


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The sample (200 children), its SSD folder, the same tables in SQLite, and the
    canonical extracts of what the SSD holds."""
    where = tmp_path_factory.mktemp("ssd")
    cases, visits, _ = canonical_sample(where / "canonical", children=200, seed=1)
    write_ssd(where / "ssd", cases, visits)
    held = write_canonical(where / "held", *ssd_view(cases, visits))
    db = to_sqlite(where / "ssd", where / "ssd.db")
    return {"where": where, "folder": where / "ssd", "db": db, "held": held}


def audit_ssd(where: str | Path, framework: str = "measures-of-practice"):
    return pipeline.audit(pipeline.AuditOptions(ssd=str(where), framework=framework, as_of=AS_OF))


def audit_held(made, framework: str = "measures-of-practice"):
    return pipeline.audit_files(*made["held"], framework=framework, as_of=AS_OF)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True).astype(object).where(a.notna().to_numpy(), None),
        b.reset_index(drop=True).astype(object).where(b.notna().to_numpy(), None),
    )


@pytest.mark.slow  # a whole audit (or several)
def test_ssd_folder_gives_the_canonical_frames_of_the_csv_path(made):
    ssd = pipeline.load_inputs(pipeline.AuditOptions(ssd=str(made["folder"]), as_of=AS_OF))
    held = pipeline.load_inputs(pipeline.AuditOptions(*made["held"], as_of=AS_OF))
    cases_order = ["episode_id"]
    visits_order = ["child_id", "visit_date", "episode_id", "seen", "seen_alone"]
    for mine, theirs, order in (
        (ssd.cases.frame, held.cases.frame, cases_order),
        (ssd.visits.frame, held.visits.frame, visits_order),
    ):
        columns = [c for c in theirs.columns if c != "row"]
        a = mine[columns].astype({"episode_id": str}).sort_values(order, kind="stable")
        b = theirs[columns].astype({"episode_id": str}).sort_values(order, kind="stable")
        _same(a, b)
    assert len(ssd.cases.frame) > 100 and len(ssd.visits.frame) > 1000


@pytest.mark.slow  # a whole audit (or several)
@pytest.mark.parametrize("framework", ["measures-of-practice", "barnsley"])
def test_ssd_folder_audits_to_the_canonical_findings(made, framework):
    ssd, held = audit_ssd(made["folder"], framework), audit_held(made, framework)
    assert len(held.findings) > 20
    _same(ssd.findings, held.findings)
    _same(ssd.upcoming, held.upcoming)
    assert ssd.summary["by_plan_type"] == held.summary["by_plan_type"]


@pytest.mark.slow  # a whole audit (or several)
def test_the_sample_exercises_the_ssd_ways(made):
    """Periods of care over several rows, CP and care workers from involvements."""
    cla = pd.read_csv(made["folder"] / "ssd_cla_episodes.csv", dtype=str)
    assert cla["clae_cla_id"].duplicated().sum() > 5
    cases = pipeline.load_inputs(
        pipeline.AuditOptions(ssd=str(made["folder"]), as_of=AS_OF)
    ).cases.frame
    cp = cases.loc[cases["plan_type"] == "child_protection"]
    assert cp["worker"].notna().all() and cp["team"].notna().all()


@pytest.mark.slow  # a whole audit (or several)
def test_sqlite_database_audits_as_the_folder(made):
    folder, db = audit_ssd(made["folder"]), audit_ssd(f"sqlite:///{made['db']}")
    _same(db.findings, folder.findings)
    assert [(i.file, i.rows, i.rejected) for i in db.inputs] == [
        (i.file, i.rows, i.rejected) for i in folder.inputs
    ]
    assert db.source.startswith(f"SSD sqlite:///{made['db']}: plan types found: early_help")


@pytest.mark.slow  # a whole audit (or several)
def test_mosaic_variant_visits_name_the_plan_only(made, tmp_path):
    """Visit tables holding the plan id instead of the person id find the child
    through ssd_cp_plans and ssd_cla_episodes."""
    mosaic = tmp_path / "mosaic"
    shutil.copytree(made["folder"], mosaic)
    for table, person in (
        ("ssd_cp_visits", "cppv_person_id"),
        ("ssd_cla_visits", "clav_person_id"),
    ):
        path = mosaic / f"{table}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=[person])
        frame.to_csv(path, index=False)
    _same(audit_ssd(mosaic).findings, audit_ssd(made["folder"]).findings)


@pytest.mark.slow  # a whole audit (or several)
def test_xlsx_tables_with_date_cells_audit_as_csv(made, tmp_path):
    """Tables saved from Excel: real date cells, the file name in capitals."""
    book = tmp_path / "xlsx"
    shutil.copytree(made["folder"], book)
    for table, dated in (
        ("ssd_cp_visits", "cppv_cp_visit_date"),
        ("ssd_cla_episodes", "clae_cla_episode_start_date"),
    ):
        frame = pd.read_csv(book / f"{table}.csv", dtype=str, keep_default_na=False)
        frame[dated] = pd.to_datetime(frame[dated])
        frame.to_excel(book / f"{table.upper()}.xlsx", index=False)
        (book / f"{table}.csv").unlink()
    _same(audit_ssd(book).findings, audit_ssd(made["folder"]).findings)


def test_a_table_in_two_files_exits_2(small):
    pd.read_csv(small / "ssd_cp_plans.csv", dtype=str).to_excel(
        small / "ssd_cp_plans.xlsx", index=False
    )
    assert "both ssd_cp_plans.csv and ssd_cp_plans.xlsx" in _exit_2("--ssd", small)


# --- the SSD's own ways, by hand ---------------------------------------------------------


def write_table(folder: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


CP_PLANS = ["cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan_start_date", "cppl_cp_plan_end_date"]
CLA = [
    "clae_cla_episode_id",
    "clae_person_id",
    "clae_cla_id",
    "clae_cla_episode_start_date",
    "clae_cla_episode_ceased_date",
]
CP_VISITS = [
    "cppv_cp_visit_id",
    "cppv_person_id",
    "cppv_cp_plan_id",
    "cppv_cp_visit_date",
    "cppv_cp_visit_seen",
    "cppv_cp_visit_seen_alone",
    "cppv_cp_visit_bedroom",
]
CLA_VISITS = ["clav_cla_visit_id", "clav_person_id", "clav_cla_id", "clav_cla_visit_date"]
CLA_VISITS += ["clav_cla_visit_seen", "clav_cla_visit_seen_alone"]
INVOLVEMENTS = [
    "invo_involvements_id",
    "invo_professional_id",
    "invo_professional_team",
    "invo_person_id",
    "invo_involvement_start_date",
    "invo_involvement_end_date",
]


@pytest.fixture
def small(tmp_path) -> Path:
    """Two children. P1: CP plan 10 (from 01/09/2026, open: its end date NULL, as SQL
    Server writes an empty value into a CSV file) and a period of care 7
    over three rows (02/01/2025-10/03/2025, 10/03/2025-open, 01/06/2025-01/08/2025).
    P2: a period of care 8 over two closed rows (01/02/2026-01/03/2026 and
    01/03/2026-15/04/2026), a period 11 whose second row ceased on 32/05/2026, and a
    CIN plan 10 too (the id of P1's CP plan)."""
    f = tmp_path / "ssd"
    write_table(f, "ssd_person", ["pers_person_id", "pers_dob"], [
        ["P1", "2015-05-01 00:00:00.000"], ["P2", "31/02/2012"],
    ])  # fmt: skip
    write_table(f, "ssd_cp_plans", CP_PLANS, [["10", "P1", "2026-09-01 00:00:00.000", "NULL"]])
    write_table(f, "ssd_cla_episodes", CLA, [
        ["E1", "P1", "7", "2025-01-02 00:00:00.000", "2025-03-10 00:00:00.000"],
        ["E2", "P1", "7", "10/03/2025", ""],
        ["E3", "P1", "7", "2025-06-01", "2025-08-01"],
        ["E4", "P2", "8", "2026-02-01", "2026-03-01"],
        ["E5", "P2", "8", "2026-03-01", "15/04/2026"],
        ["E6", "P2", "", "2026-03-01", ""],
        ["E7", "P2", "9", "not a date", ""],
        ["E8", "P2", "11", "2026-05-01", "2026-05-20"],
        ["E9", "P2", "11", "2026-05-20", "32/05/2026"],
    ])  # fmt: skip
    write_table(
        f,
        "ssd_cin_plans",
        ["cinp_cin_plan_id", "cinp_person_id", "cinp_cin_plan_start_date",
         "cinp_cin_plan_end_date", "cinp_cin_plan_team", "cinp_cin_plan_worker_id"],
        [["10", "P2", "01/05/2026", "", "T9", "W1"]],
    )  # fmt: skip
    write_table(f, "ssd_cp_visits", CP_VISITS, [
        ["V1", "P1", "10", "2026-09-02 10:30:00.000", "Y", "Yes", "N"],
        ["V2", "", "10", "2026-09-10", "N", "", ""],
        ["V3", "P1", "10", "31/09/2026", "Y", "", ""],
        ["V4", "", "99", "2026-09-11", "Y", "", ""],
    ])  # fmt: skip
    write_table(f, "ssd_cla_visits", CLA_VISITS, [
        ["C1", "P1", "7", "2026-09-03", "Yes", "No"],
    ])  # fmt: skip
    write_table(f, "ssd_involvements", INVOLVEMENTS, [
        ["I1", "W1", "T1", "P1", "2024-01-01", "2026-08-31"],
        ["I2", "W2", "T2", "P1", "2026-08-01", ""],
        ["I3", "W3", "T1", "P1", "2026-09-05", ""],
        ["I4", "W1", "T1", "P2", "2026-01-01", "2026-04-30"],
        ["I5", "W2", "T2", "P2", "2026-04-16", ""],
        ["I6", "W2", "T2", "", "2026-04-16", ""],
    ])  # fmt: skip
    write_table(f, "ssd_professionals", ["prof_professional_id", "prof_professional_name"], [
        ["W1", "Ann Lee"], ["W2", "Bo Kay"],
    ])  # fmt: skip
    write_table(f, "ssd_department", ["dept_team_id", "dept_team_name"], [["T1", "CP North"]])
    write_table(f, "ssd_missing", ["miss_table_id", "miss_person_id"], [["M1", "P1"]])
    return f


def test_small_ssd_episodes_periods_and_workers(small):
    """Periods of care: 7 runs from its earliest start 02/01/2025 and is open (a row is
    open); 8 from 01/02/2026 to the ceased date of its latest row, 15/04/2026.
    Workers, on the audit date 31/10/2026 for open episodes: P1's open involvements
    are I2 (from 01/08) and I3 (from 05/09), the latest start first: W3 (no name in
    ssd_professionals: the id) in T1 (CP North). P2's period 8 ended 15/04/2026: I4
    (to 30/04) is open that day and I5 (from 16/04) is not: Ann Lee, CP North. The
    CIN plan names its own team and worker: T9 (not in ssd_department) and Ann Lee.
    The CIN plan 10 and the CP plan 10 share an id: both get their table's prefix."""
    loaded = pipeline.load_inputs(pipeline.AuditOptions(ssd=str(small), as_of=AS_OF))
    cases = loaded.cases.frame.set_index("episode_id")
    assert set(cases.index) == {"cppl:10", "7", "8", "cinp:10"}
    assert pd.isna(cases.loc["cppl:10", "end_date"])
    assert cases.loc["7", "start_date"] == pd.Timestamp("2025-01-02")
    assert pd.isna(cases.loc["7", "end_date"])
    assert cases.loc["8", "start_date"] == pd.Timestamp("2026-02-01")
    assert cases.loc["8", "end_date"] == pd.Timestamp("2026-04-15")
    assert cases.loc["7", "date_of_birth"] == pd.Timestamp("2015-05-01")
    assert pd.isna(cases.loc["8", "date_of_birth"])  # 31/02/2012 is no date
    assert (cases.loc["cppl:10", "worker"], cases.loc["cppl:10", "team"]) == ("W3", "CP North")
    assert (cases.loc["7", "worker"], cases.loc["7", "team"]) == ("W3", "CP North")
    assert (cases.loc["8", "worker"], cases.loc["8", "team"]) == ("Ann Lee", "CP North")
    assert (cases.loc["cinp:10", "worker"], cases.loc["cinp:10", "team"]) == ("Ann Lee", "T9")
    assert (
        "1 episode id names episodes in more than one SSD table (ssd_cin_plans, ssd_cp_plans); "
        "they are shown with their table's prefix (cinp:, cppl:)"
    ) in loaded.warnings


@pytest.mark.slow  # a whole audit (or several)
def test_small_ssd_visits_and_rejected_rows(small):
    """V1 at 10:30 (DATETIME text), Yes/N answers; V2 names only its plan (Mosaic):
    P1's, not seen; V3 on 31/09 and V4 naming plan 99 are rejected, naming the table
    and row. The CP visits are tied to the renamed plan, the CLA visit to period 7."""
    loaded = pipeline.load_inputs(pipeline.AuditOptions(ssd=str(small), as_of=AS_OF))
    visits = loaded.visits.frame
    cp = visits.loc[visits["episode_id"] == "cppl:10"].sort_values("visit_date")
    assert list(cp["child_id"]) == ["P1", "P1"]
    assert list(cp["visit_date"]) == [pd.Timestamp("2026-09-02"), pd.Timestamp("2026-09-10")]
    assert list(cp["seen"]) == [True, False]
    assert cp["seen_alone"].iloc[0] is True or bool(cp["seen_alone"].iloc[0]) is True
    assert bool(cp["bedroom_seen"].iloc[0]) is False
    cla = visits.loc[visits["episode_id"] == "7"]
    assert list(cla["seen"]) == [True] and bool(cla["seen_alone"].iloc[0]) is False

    result = pipeline.audit(pipeline.AuditOptions(ssd=str(small), as_of=AS_OF))
    rejected = {(r["file"], r["row"]): r["reason"] for r in result.rejected.to_dict("records")}
    assert "is not a date" in rejected[("ssd_cp_visits", 4)]
    assert rejected[("ssd_cp_visits", 5)] == "cppv_cp_plan_id '99' names no plan in ssd_cp_plans"
    assert rejected[("ssd_cla_episodes", 7)] == "no clae_cla_id"
    assert "is not a date" in rejected[("ssd_cla_episodes", 8)]
    assert "is not a date" in rejected[("ssd_cla_episodes", 10)]
    assert rejected[("ssd_cla_episodes", 9)] == (
        "clae_cla_id '11': row 10 of this period of care was rejected, so its start or end "
        "is not known"
    )
    assert "pers_dob" in rejected[("ssd_person", 3)]
    assert rejected[("ssd_involvements", 7)] == "no invo_person_id"
    accounts = {i.file: (i.rows, i.audited, i.rejected) for i in result.inputs}
    assert accounts["ssd_cp_visits"] == (4, 2, 2)
    assert accounts["ssd_cla_episodes"] == (9, 5, 4)
    assert accounts["ssd_person"] == (2, 1, 1)
    assert accounts["ssd_involvements"] == (6, 5, 1)
    assert result.source == (
        f"SSD {small}: plan types found: child_in_need (ssd_cin_plans), child_protection "
        "(ssd_cp_plans), child_in_care (ssd_cla_episodes); visits from ssd_cp_visits, "
        "ssd_cla_visits; not audited: ssd_missing (missing episodes: the SSD holds no return "
        "home interviews' history); absent, so not audited: ssd_early_help_episodes, "
        "ssd_s47_enquiry, ssd_cin_assessments, ssd_cin_visits"
    )


@pytest.mark.slow  # a whole audit (or several)
def test_cli_audit_ssd_folder(small, tmp_path):
    out = tmp_path / "r.json"
    result = run("audit", "--ssd", small, "--as-of", "2026-10-31", "--json", out)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the terminal wraps long lines
    assert "plan types found: child_in_need" in said
    assert "ssd_cp_visits: 4 rows read = 2 audited + 2 rejected" in said
    data = json.loads(out.read_text())
    assert data["source"].startswith("SSD ")
    assert {i["file"] for i in data["inputs"]} >= {"ssd_cp_plans", "ssd_cp_visits"}


@pytest.mark.slow  # a whole audit (or several)
def test_pseudonymise_covers_the_ssd(small, tmp_path, monkeypatch):
    monkeypatch.setenv("VISIT_AUDIT_KEY", "a-long-enough-test-key-for-pseudonyms")
    out = tmp_path / "p.json"
    result = run("audit", "--ssd", small, "--as-of", "2026-10-31", "--pseudonymise", "--json", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert json.loads(text)["findings"]
    for name in ('"P1"', '"P2"', "Ann Lee", "cppl:10", '"7"'):
        assert name not in text


@pytest.mark.slow  # a whole audit (or several)
def test_explain_a_child_from_the_ssd(small):
    result = run("explain", "--ssd", small, "--child", "P1", "--as-of", "2026-10-31")
    assert result.exit_code == 0, result.output
    assert "cppl:10" in result.output and "child protection" in result.output.lower()
    assert run("explain", "--child", "P1").exit_code == 2


def test_json_of_two_extracts_has_no_source(made):
    from visit_audit.report.json import result_to_dict

    assert "source" not in result_to_dict(audit_held(made))


# --- what stops the run ------------------------------------------------------------------


def _exit_2(*args) -> str:
    result = run("audit", *args, "--as-of", "2026-10-31")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_folder_without_visit_tables_exits_2(small):
    for name in ("ssd_cp_visits", "ssd_cla_visits"):
        (small / f"{name}.csv").unlink()
    assert "no SSD table of visits" in _exit_2("--ssd", small)


def test_folder_without_episode_tables_exits_2(tmp_path):
    write_table(tmp_path / "ssd", "ssd_cp_visits", CP_VISITS, [])
    assert "no SSD table of episodes" in _exit_2("--ssd", tmp_path / "ssd")
    assert "no such folder" in _exit_2("--ssd", tmp_path / "nowhere")


def test_mosaic_visits_without_their_plans_table_exits_2(small):
    path = small / "ssd_cp_visits.csv"
    pd.read_csv(path, dtype=str).drop(columns=["cppv_person_id"]).to_csv(path, index=False)
    (small / "ssd_cp_plans.csv").unlink()
    assert "add ssd_cp_plans to the SSD" in _exit_2("--ssd", small)


def test_table_without_a_required_column_exits_2(small):
    path = small / "ssd_cp_plans.csv"
    pd.read_csv(path, dtype=str).drop(columns=["cppl_cp_plan_start_date"]).to_csv(path, index=False)
    assert "ssd_cp_plans" in (msg := _exit_2("--ssd", small)) and "cppl_cp_plan_start_date" in msg


def test_bad_urls_exit_2(tmp_path):
    assert "no such SQLite database file" in _exit_2("--ssd", f"sqlite:///{tmp_path}/none.db")
    assert not (tmp_path / "none.db").exists()  # never created by looking
    assert "knows no database called 'nosuchdb'" in _exit_2("--ssd", "nosuchdb://host/x")
    assert "not a folder or a database URL" in _exit_2("--ssd", "://")


def test_ssd_tables_in_a_schema_of_their_own_are_found():
    """The SSD's scripts create ssd_development.ssd_*; a database may hold other schemas."""
    from visit_audit.io.sources.tables import choose_schema

    schemas = {"dbo": ["Cases", "Staff"], "ssd_development": ["ssd_cp_plans", "ssd_person"]}
    assert choose_schema(schemas, "db") == "ssd_development"
    assert choose_schema({"dbo": ["Cases"]}, "db") is None
    with pytest.raises(InputError, match="several schemas .ssd_development, ssd_test."):
        choose_schema({**schemas, "ssd_test": ["ssd_cp_plans"]}, "db")


@pytest.mark.slow  # a whole audit (or several)
def test_url_password_never_shown(tmp_path):
    message = _exit_2(
        "--ssd", "mssql+pyodbc://me:s3cret@host/ssd?driver=ODBC+Driver+18+for+SQL+Server"
    )
    assert "s3cret" not in message


def test_sqlalchemy_absent_exits_2_naming_the_extra(monkeypatch, made):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # import sqlalchemy now fails
    assert "pip install 'visit-audit[ssd]'" in _exit_2("--ssd", f"sqlite:///{made['db']}")
    with pytest.raises(InputError):
        audit_ssd(f"sqlite:///{made['db']}")


@pytest.mark.slow  # a whole audit (or several)
def test_folder_needs_no_sqlalchemy(monkeypatch, small):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    assert audit_ssd(small).inputs


@pytest.mark.parametrize(
    "args",
    [["audit"], ["audit", "cases.csv"], ["audit", "cases.csv", "visits.csv", "--ssd", "x"]],
)
def test_neither_or_both_sources_is_a_usage_error(args):
    result = run(*args)
    assert result.exit_code == 2
    assert "CASES VISITS" in result.output or "--ssd" in result.output


def test_an_output_over_an_ssd_table_exits_2(small):
    before = (small / "ssd_cp_plans.csv").read_bytes()
    message = _exit_2("--ssd", small, "--json", small / "ssd_cp_plans.csv")
    assert "ssd_cp_plans.csv" in message
    assert (small / "ssd_cp_plans.csv").read_bytes() == before


def test_options_of_the_extracts_are_refused_with_ssd(small):
    result = run("audit", "--ssd", small, "--date-format", "%d/%m/%Y")
    assert result.exit_code == 2
    assert "--date-format reads the two extracts" in result.output


@pytest.mark.slow  # a whole audit (or several)
def test_sample_ssd_format_then_audit(tmp_path):
    result = run("sample", tmp_path / "demo", "--format", "ssd", "--children", "40")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "ssd" / "ssd_cla_episodes.csv").exists()
    audited = run(
        "audit", "--ssd", tmp_path / "demo" / "ssd", "--as-of", "2026-10-31", "--json", "-"
    )
    assert audited.exit_code == 0, audited.output
    assert "not audited: ssd_care_leavers (care leavers" in json.loads(audited.stdout)["source"]
