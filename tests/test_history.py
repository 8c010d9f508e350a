"""The history of audits (README "Month to month"): recording periods, the changes
against the previous period, the trend, the file's safety, and the history command.

Three monthly runs of one synthetic extract (as of the end of August, September
and October 2026: records after each audit date are ignored, as an extract taken
that day would not have them) and a rerun of the middle month.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from visit_audit import history
from visit_audit.cli import app
from visit_audit.errors import InputError
from visit_audit.pipeline import AuditOptions, audit, month_period
from visit_audit.report.json import result_to_dict
from visit_audit.report.terminal import render_summary, sparkline
from visit_audit.sample import write_sample
from visit_audit.views.changes import KEY_COLUMNS
from visit_audit.views.labels import plan_type_label

MONTHS = ("2026-08", "2026-09", "2026-10")
TODAY = dt.date(2026, 11, 5)
KEY = b"a-test-key-of-32-bytes-----------"
ENV = {"COLUMNS": "80", "NO_COLOR": "1"}
OVERALL = ("deadlines", "on_time", "late", "missed", "overdue", "percent_on_time")

runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env=ENV, catch_exceptions=False)


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> tuple[Path, Path]:
    return write_sample(
        tmp_path_factory.mktemp("sample"),
        children=300,
        seed=7,
        late=0.1,
        as_of=dt.date(2026, 10, 31),
    )


def options(extract, month: str, store: Path | None, key: bytes | None = None) -> AuditOptions:
    cases, visits = extract
    return AuditOptions(
        cases=cases,
        visits=visits,
        period=month_period(month),
        history=store,
        key=key,
        today=TODAY,
    )


def keys(frame: pd.DataFrame) -> set[tuple]:
    """Deadline keys as plain tuples (due date as an ISO day)."""
    if not len(frame):
        return set()
    due = pd.to_datetime(frame["due_date"]).dt.strftime("%Y-%m-%d")
    cols = [frame[c].astype(str) for c in KEY_COLUMNS[:-1]] + [due]
    return set(zip(*cols, strict=True))


def overdue(result) -> set[tuple]:
    f = result.findings
    return keys(f.loc[f["status"] == "overdue"])


@pytest.fixture(scope="module")
def monthly(extract, tmp_path_factory):
    """Aug, Sep, Oct recorded in order, then Sep again: the results, by month,
    and the history file."""
    store = tmp_path_factory.mktemp("history") / "history.sqlite"
    runs = {m: audit(options(extract, m, store)) for m in MONTHS}
    rerun = audit(options(extract, "2026-09", store))
    return runs, rerun, store


# --- recording ---------------------------------------------------------------------------


@pytest.mark.slow  # a whole audit (or several)
def test_history_figures_equal_each_runs_summary_overall(monthly):
    runs, rerun, store = monthly
    periods = history.periods(store)
    assert [(p["from"], p["to"]) for p in periods] == [
        (f"{m}-01", month_period(m)[1].isoformat()) for m in MONTHS
    ]
    for p, month in zip(periods, MONTHS, strict=True):
        result = rerun if month == "2026-09" else runs[month]
        assert p["framework"] == "measures-of-practice"
        assert p["as_of"] == result.as_of.isoformat()
        assert {k: p[k] for k in OVERALL} == {k: result.summary["overall"][k] for k in OVERALL}
    assert runs["2026-08"].summary["overall"]["overdue"] > 0  # the test means something


def test_rerun_of_a_period_replaces_it_whole(monthly):
    runs, rerun, store = monthly
    with sqlite3.connect(store) as conn:
        sep = conn.execute(
            "SELECT id, run_at FROM runs WHERE period_from = '2026-09-01'"
        ).fetchall()
        assert len(sep) == 1
        run_id = sep[0][0]
        n_findings = conn.execute(
            "SELECT count(*) FROM findings WHERE run_id = ?", (run_id,)
        ).fetchone()[0]
        orphans = conn.execute(
            "SELECT count(*) FROM findings WHERE run_id NOT IN (SELECT id FROM runs)"
        ).fetchone()[0]
        inputs = conn.execute(
            "SELECT role, sha256 FROM inputs WHERE run_id = ? ORDER BY role", (run_id,)
        ).fetchall()
        workers = conn.execute(
            "SELECT count(*) FROM summaries WHERE run_id = ? AND grouping = 'worker'", (run_id,)
        ).fetchone()[0]
    assert n_findings == len(rerun.findings)
    assert orphans == 0
    assert inputs == sorted((i.role, i.sha256) for i in rerun.inputs)
    assert workers > 0


def test_trend_holds_the_periods_up_to_this_one(monthly):
    runs, rerun, _ = monthly
    oct_ = runs["2026-10"]
    assert list(oct_.trend["period_from"].unique()) == [f"{m}-01" for m in MONTHS]
    overall = oct_.trend.loc[oct_.trend["team"].isna()]
    assert list(overall["percent_on_time"]) == [
        r.summary["overall"]["percent_on_time"] for r in (runs["2026-08"], runs["2026-09"], oct_)
    ]
    # September rerun after October: its trend stops at September.
    assert list(rerun.trend["period_from"].unique()) == ["2026-08-01", "2026-09-01"]


def test_changes_equal_the_set_arithmetic_of_two_runs_overdue_findings(monthly):
    runs, rerun, _ = monthly
    aug, sep, oct_ = runs["2026-08"], runs["2026-09"], runs["2026-10"]
    assert aug.changes["previous"] is None
    seen = {"newly_overdue": 0, "no_longer_overdue": 0, "still_overdue": 0}
    for now, before in ((sep, aug), (rerun, aug), (oct_, sep)):
        c = now.changes
        seen = {k: n + len(c[k]) for k, n in seen.items()}
        assert c["previous"] == {"from": f"{before.period[0]}", "to": f"{before.period[1]}"}
        assert keys(c["newly_overdue"]) == overdue(now) - overdue(before)
        assert keys(c["no_longer_overdue"]) == overdue(before) - overdue(now)
        assert keys(c["still_overdue"]) == overdue(now) & overdue(before)
    assert all(seen.values()), seen  # every list is tried with something in it


def test_with_no_previous_period_nothing_has_changed(monthly):
    """Reading: the first period recorded has empty lists, not every overdue
    deadline as "newly overdue" (some have been overdue for years)."""
    runs, _, _ = monthly
    aug = runs["2026-08"]
    assert overdue(aug)
    changes = result_to_dict(aug)["changes"]
    assert changes == {
        "previous": None,
        "newly_overdue": [],
        "no_longer_overdue": [],
        "still_overdue": [],
    }


def test_still_overdue_counts_the_periods_in_a_row(monthly):
    runs, _, _ = monthly
    aug, sep, oct_ = (runs[m] for m in MONTHS)
    still = oct_.changes["still_overdue"]
    got = {k: int(n) for k, n in zip(keys_in_order(still), still["periods"], strict=True)}
    want = {k: 3 if k in overdue(aug) else 2 for k in overdue(oct_) & overdue(sep)}
    assert got == want
    assert 3 in got.values()


def keys_in_order(frame: pd.DataFrame) -> list[tuple]:
    due = pd.to_datetime(frame["due_date"]).dt.strftime("%Y-%m-%d")
    cols = [frame[c].astype(str) for c in KEY_COLUMNS[:-1]] + [due]
    return list(zip(*cols, strict=True))


@pytest.mark.slow  # a whole audit (or several)
def test_previous_is_the_latest_period_ending_before_this_one_starts(extract, tmp_path):
    """A quarter recorded after its months: its previous is the month before it
    starts, not a month inside it."""
    store = tmp_path / "h.sqlite"
    audit(options(extract, "2026-08", store))
    audit(options(extract, "2026-09", store))
    cases, visits = extract
    quarter = AuditOptions(
        cases=cases,
        visits=visits,
        period=(dt.date(2026, 9, 1), dt.date(2026, 10, 31)),
        history=store,
        today=TODAY,
    )
    assert audit(quarter).changes["previous"] == {"from": "2026-08-01", "to": "2026-08-31"}


def test_json_changes_key_only_with_a_history(monthly, extract):
    runs, _, _ = monthly
    with_history = result_to_dict(runs["2026-10"])
    assert list(with_history)[-1] == "changes"
    changes = with_history["changes"]
    assert list(changes) == ["previous", "newly_overdue", "no_longer_overdue", "still_overdue"]
    assert changes["previous"] == {"from": "2026-09-01", "to": "2026-09-30"}
    every = [result_to_dict(r)["changes"] for r in runs.values()]
    for name in ("newly_overdue", "no_longer_overdue"):
        item = next(c[name][0] for c in every if c[name])
        assert list(item) == list(KEY_COLUMNS)
        assert isinstance(item["due_date"], str) and len(item["due_date"]) == 10
    assert list(changes["still_overdue"][0]) == [*KEY_COLUMNS, "periods"]
    assert {tuple(k[c] for c in KEY_COLUMNS) for k in changes["still_overdue"]} == keys(
        runs["2026-10"].changes["still_overdue"]
    )
    without = audit(options(extract, "2026-10", None))
    assert without.changes is None and without.trend is None
    plain = result_to_dict(without)
    assert "changes" not in plain
    # The history adds the one key and changes nothing else.
    same_run = dataclasses.replace(without, changes=None, trend=None)
    assert result_to_dict(same_run) == plain
    with_history.pop("changes")
    with_history.pop("run_at"), plain.pop("run_at")
    assert with_history == plain


# --- the file ----------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.slow  # a whole audit (or several)
def test_history_file_and_its_wal_and_shm_are_mode_0600(extract, tmp_path):
    store = tmp_path / "h.sqlite"
    old = os.umask(0o022)  # a usual umask would give 0644
    try:
        audit(options(extract, "2026-08", store))
        assert _mode(store) == 0o600
        # A reader holding the file open keeps the write-ahead log and its index in place.
        reader = sqlite3.connect(store)
        reader.execute("SELECT count(*) FROM runs").fetchone()
        audit(options(extract, "2026-09", store))
        wal, shm = Path(f"{store}-wal"), Path(f"{store}-shm")
        assert wal.exists() and shm.exists()
        assert (_mode(wal), _mode(shm)) == (0o600, 0o600)
        reader.close()
    finally:
        os.umask(old)
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION


def _record_at_once(cases: str, visits: str, month: str, store: str, barrier) -> None:
    """One process: audit, wait for the other, then both record at the same moment."""
    result = audit(
        AuditOptions(
            cases=Path(cases), visits=Path(visits), period=month_period(month), today=TODAY
        )
    )
    barrier.wait(timeout=120)
    history.record(store, result)


@pytest.mark.slow  # starts another process
def test_two_processes_recording_at_once_both_land_and_the_file_is_whole(extract, tmp_path):
    store = tmp_path / "new.sqlite"  # not there yet: both race to create and migrate it too
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(
            target=_record_at_once,
            args=(str(extract[0]), str(extract[1]), month, str(store), barrier),
        )
        for month in ("2026-08", "2026-09")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0, 0]
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert [p["from"] for p in history.periods(store)] == ["2026-08-01", "2026-09-01"]
    assert _mode(store) == 0o600


@pytest.mark.slow  # starts another process
def test_two_audit_commands_at_once_on_one_file(extract, tmp_path):
    """The same through the command line, as two cron jobs would."""
    store = tmp_path / "h.sqlite"
    audit(options(extract, "2026-08", store))  # a file already in use
    cmd = [sys.executable, "-m", "visit_audit.cli", "audit", *map(str, extract), "-q"]
    procs = [
        subprocess.Popen(
            [*cmd, "--month", month, "--history", str(store)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for month in ("2026-09", "2026-10")
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [p["from"] for p in history.periods(store)] == [f"{m}-01" for m in MONTHS]


# The first shape of the file, written out as version 1 wrote it.
V1_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, framework TEXT NOT NULL, region TEXT NOT NULL,
    period_from TEXT NOT NULL, period_to TEXT NOT NULL, as_of TEXT NOT NULL,
    tool_version TEXT NOT NULL, run_at TEXT NOT NULL,
    UNIQUE (framework, period_from, period_to));
CREATE TABLE inputs (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, role TEXT NOT NULL,
    file TEXT NOT NULL, sha256 TEXT NOT NULL, rows INTEGER NOT NULL, rejected INTEGER NOT NULL);
CREATE TABLE summaries (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    grouping TEXT NOT NULL CHECK (grouping IN ('overall', 'plan_type', 'team')),
    name TEXT NOT NULL, episodes INTEGER NOT NULL, children INTEGER NOT NULL,
    deadlines INTEGER NOT NULL, on_time INTEGER NOT NULL, late INTEGER NOT NULL,
    missed INTEGER NOT NULL, overdue INTEGER NOT NULL, percent_on_time REAL NOT NULL,
    PRIMARY KEY (run_id, grouping, name));
CREATE TABLE findings (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    child_id TEXT NOT NULL, episode_id TEXT NOT NULL, plan_type TEXT NOT NULL,
    kind TEXT NOT NULL, due_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('late', 'missed', 'overdue')));
CREATE INDEX findings_run ON findings (run_id);
PRAGMA user_version = 1;
PRAGMA application_id = 1447122244;
"""


@pytest.mark.slow  # a whole audit (or several)
def test_a_version_1_file_is_migrated_and_its_periods_kept(extract, tmp_path):
    sep = audit(options(extract, "2026-09", None))
    store = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(store)
    conn.executescript(V1_SCHEMA)
    conn.execute("INSERT INTO meta VALUES ('ids', 'real ids')")
    conn.execute(
        "INSERT INTO runs VALUES (1, 'measures-of-practice', 'england', '2026-09-01',"
        " '2026-09-30', '2026-09-30', '0.1.0', '2026-10-01T08:00:00Z')"
    )
    o = sep.summary["overall"]
    conn.execute(
        "INSERT INTO summaries VALUES (1, 'overall', '', ?, ?, ?, ?, ?, ?, ?, ?)",
        tuple(o[k] for k in ("episodes", "children", *OVERALL)),
    )
    f = sep.findings
    due = pd.to_datetime(f["due_date"]).dt.strftime("%Y-%m-%d")
    conn.executemany(
        "INSERT INTO findings VALUES (1, ?, ?, ?, ?, ?, ?)",
        zip(*(f[c].astype(str) for c in KEY_COLUMNS[:-1]), due, f["status"], strict=True),
    )
    conn.commit()
    conn.close()

    oct_ = audit(options(extract, "2026-10", store))

    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        workers = conn.execute("SELECT count(*) FROM summaries WHERE grouping = 'worker'")
        assert workers.fetchone()[0] > 0  # version 2's summaries take workers
    assert "findings_run_status" in indexes and "findings_run" not in indexes
    periods = history.periods(store)
    assert [p["from"] for p in periods] == ["2026-09-01", "2026-10-01"]
    assert periods[0]["percent_on_time"] == o["percent_on_time"]
    assert oct_.changes["previous"] == {"from": "2026-09-01", "to": "2026-09-30"}
    assert keys(oct_.changes["still_overdue"]) == overdue(oct_) & overdue(sep)


@pytest.mark.slow  # a whole audit (or several)
def test_a_pseudonymised_history_holds_no_real_id_or_name(extract, tmp_path):
    store = tmp_path / "p.sqlite"
    reader = None
    for month in MONTHS:
        result = audit(options(extract, month, store, key=KEY))
        if reader is None:  # keep the log file around to search it too
            reader = sqlite3.connect(store)
            reader.execute("SELECT 1 FROM runs").fetchone()
    real = audit(options(extract, "2026-10", None))
    secrets = set()
    for frame in (real.deadlines, real.findings):
        for column in ("child_id", "episode_id", "worker"):
            secrets |= {str(v) for v in frame[column].dropna().unique()}
    assert len(secrets) > 100
    raw = store.read_bytes() + Path(f"{store}-wal").read_bytes()
    leaked = [s for s in secrets if s.encode("utf-8") in raw]
    assert leaked == []
    reader.close()
    with sqlite3.connect(store) as conn:
        ids = conn.execute("SELECT DISTINCT child_id, episode_id FROM findings").fetchall()
        workers = conn.execute("SELECT name FROM summaries WHERE grouping = 'worker'").fetchall()
    assert ids and all(c.startswith("C-") and e.startswith("E-") for c, e in ids)
    assert workers and all(w.startswith("W-") or w == history.NO_WORKER for (w,) in workers)
    # The changes line up from month to month under the same key.
    assert len(result.changes["still_overdue"]) > 0


@pytest.mark.slow  # a whole audit (or several)
def test_pseudonymised_run_outputs_carry_pseudonyms_in_the_changes_too(extract, tmp_path):
    store = tmp_path / "p.sqlite"
    for month in MONTHS:
        result = audit(options(extract, month, store, key=KEY))
    changes = result_to_dict(result)["changes"]
    listed = [
        k for name in ("newly_overdue", "no_longer_overdue", "still_overdue") for k in changes[name]
    ]
    assert listed and all(k["child_id"].startswith("C-") for k in listed)
    assert all(k["episode_id"].startswith("E-") for k in listed)
    from visit_audit.report.excel import write_report

    wb = openpyxl.load_workbook(write_report(result, tmp_path / "r.xlsx"))
    rows = list(wb["Changes"].iter_rows(min_row=2, values_only=True))
    assert rows and all(r[1].startswith("C-") and r[2].startswith("E-") for r in rows)
    assert all(r[9] is None or r[9].startswith("W-") for r in rows)


@pytest.mark.slow  # a whole audit (or several)
def test_the_python_api_records_a_history(extract, tmp_path):
    from visit_audit.pipeline import audit_files

    store = tmp_path / "h.sqlite"
    audit_files(*extract, month="2026-09", history=store)
    result = audit_files(*extract, month="2026-10", history=store)
    assert result.changes["previous"] == {"from": "2026-09-01", "to": "2026-09-30"}
    assert list(result.trend["period_from"].unique()) == ["2026-09-01", "2026-10-01"]


@pytest.mark.slow  # a whole audit (or several)
def test_real_ids_and_pseudonyms_never_share_a_file(extract, tmp_path):
    store = tmp_path / "p.sqlite"
    audit(options(extract, "2026-08", store, key=KEY))
    before = history.periods(store)
    with pytest.raises(InputError, match="holds pseudonyms only.*not pseudonymised"):
        audit(options(extract, "2026-09", store))
    with pytest.raises(InputError, match="another key"):
        audit(options(extract, "2026-09", store, key=KEY[::-1]))
    assert history.periods(store) == before
    real = tmp_path / "r.sqlite"
    audit(options(extract, "2026-08", real))
    with pytest.raises(InputError, match="holds real ids"):
        audit(options(extract, "2026-09", real, key=KEY))


def test_a_result_that_is_not_pseudonymised_is_refused_under_a_key(monthly, tmp_path):
    runs, _, _ = monthly
    with pytest.raises(InputError, match="not all pseudonyms"):
        history.record(tmp_path / "p.sqlite", runs["2026-08"], key=KEY)


@pytest.mark.slow  # a whole audit (or several)
def test_forget_before_deletes_older_periods(extract, tmp_path):
    store = tmp_path / "h.sqlite"
    for month in MONTHS:
        audit(options(extract, month, store))
    got = run("history", "--history", store, "--forget-before", "2026-09")
    assert got.exit_code == 0, got.output
    assert "forgot 1 period(s) ending before 2026-09; 2 kept" in got.output
    assert [p["from"] for p in history.periods(store)] == ["2026-09-01", "2026-10-01"]
    with sqlite3.connect(store) as conn:
        for table in ("findings", "summaries", "inputs"):
            left = conn.execute(
                f"SELECT count(*) FROM {table} WHERE run_id NOT IN (SELECT id FROM runs)"
            ).fetchone()[0]
            assert left == 0, table
    assert run("history", "--history", store, "--forget-before", "Sept").exit_code == 2


# --- the history command -----------------------------------------------------------------


def test_history_command_table_one_row_per_period_with_a_sparkline(monthly):
    runs, rerun, store = monthly
    got = run("history", "--history", store)
    assert got.exit_code == 0, got.output
    lines = got.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if line.startswith(("Aug 2026", "Sep 2026", "Oct 2026"))]
    assert [r.split()[:2] for r in rows] == [["Aug", "2026"], ["Sep", "2026"], ["Oct", "2026"]]
    oct_ = runs["2026-10"].summary["overall"]
    assert rows[-1].split()[2:] == [
        f"{oct_[k]:,}" for k in ("deadlines", "on_time", "late", "missed", "overdue")
    ] + [f"{oct_['percent_on_time']:.1f}%"]
    pcts = [
        r.summary["overall"]["percent_on_time"] for r in (runs["2026-08"], rerun, runs["2026-10"])
    ]
    assert f"% on time, oldest first {sparkline(pcts)} " in got.output


def test_history_command_json_is_the_periods_of_the_spec(monthly):
    runs, rerun, store = monthly
    got = run("history", "--history", store, "--json", "-")
    assert got.exit_code == 0, got.output
    periods = json.loads(got.output)["periods"]
    assert [list(p) for p in periods] == [
        ["framework", "from", "to", "as_of", *OVERALL] for _ in MONTHS
    ]
    for p, result in zip(periods, (runs["2026-08"], rerun, runs["2026-10"]), strict=True):
        assert {k: p[k] for k in OVERALL} == {k: result.summary["overall"][k] for k in OVERALL}


def test_history_command_json_file_is_private_and_the_table_still_shows(monthly, tmp_path):
    _, _, store = monthly
    out = tmp_path / "periods.json"
    got = run("history", "--history", store, "--json", out)
    assert got.exit_code == 0
    assert "Sep 2026" in got.output
    assert _mode(out) == 0o600
    assert json.loads(out.read_text(encoding="utf-8")) == {"periods": history.periods(store)}


def test_history_command_by_team(monthly):
    runs, _, store = monthly
    got = run("history", "--history", store, "--by", "team", "--json", "-")
    periods = json.loads(got.output)["periods"]
    october = {p["team"]: p for p in periods if p["from"] == "2026-10-01"}
    by_team = runs["2026-10"].summary["by_team"]
    assert set(october) == set(by_team)
    for team, p in october.items():
        assert {k: p[k] for k in OVERALL} == {k: by_team[team][k] for k in OVERALL}
    table = run("history", "--history", store, "--by", "team")
    assert table.exit_code == 0
    assert max(len(line) for line in table.output.splitlines()) <= 80


def test_sparkline_runs_from_lowest_to_highest_over_ten_points_at_least():
    assert sparkline([90.7, 92.0, 90.8]) == "▇█▇"
    assert sparkline([60.0, 80.0, 100.0]) == "▁▅█"
    assert sparkline([100.0, 100.0]) == "██"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such history file"),
        (b"this is not a database at all, just text" * 100, "not a readable"),
        ("other-app", "not a visit-audit history"),
        ("newer", "newer visit-audit"),
    ],
)
def test_history_command_unusable_file_exits_2_with_one_sentence(tmp_path, content, words):
    store = tmp_path / "h.sqlite"
    if isinstance(content, bytes):
        store.write_bytes(content)
    elif content == "other-app":
        with sqlite3.connect(store) as conn:
            conn.execute("CREATE TABLE notes (body TEXT)")
    elif content == "newer":
        with sqlite3.connect(store) as conn:
            conn.execute(f"PRAGMA application_id = {history.APPLICATION_ID}")
            conn.execute("PRAGMA user_version = 99")
    got = run("history", "--history", store)
    assert got.exit_code == 2
    message = got.stderr.strip()
    assert message.startswith("visit-audit: ") and words in message
    assert len(message.splitlines()) == 1
    assert content is not None or not store.exists()  # reading never creates the file


def test_history_command_needs_the_file():
    got = run("history")
    assert got.exit_code == 2
    assert "--history FILE.sqlite" in got.stderr


def test_audit_history_without_a_period_exits_2_before_reading(extract, tmp_path):
    store = tmp_path / "h.sqlite"
    got = run("audit", *extract, "--as-of", "2026-10-31", "--history", store)
    assert got.exit_code == 2
    assert "--history records one period at a time" in got.stderr
    assert "--month" in got.stderr
    assert not store.exists()


def test_audit_history_that_is_an_input_is_refused(extract):
    got = run("audit", *extract, "--month", "2026-10", "--history", extract[0])
    assert got.exit_code == 2
    assert "one of the input files" in got.stderr


# --- the outputs -------------------------------------------------------------------------


def test_terminal_summary_shows_the_changes_since_the_previous_period(monthly):
    runs, _, _ = monthly
    oct_ = runs["2026-10"]
    console = Console(width=80, record=True, color_system=None, force_terminal=False)
    render_summary(oct_, console)
    text = console.export_text()
    c = oct_.changes
    assert "Since Sep 2026" in text
    assert (
        f"{len(c['newly_overdue'])} newly overdue, {len(c['no_longer_overdue'])} no longer "
        f"overdue, {len(c['still_overdue'])} still overdue." in text
    )
    assert "Overdue for the most periods" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    first = runs["2026-08"]
    console = Console(width=80, record=True, color_system=None, force_terminal=False)
    render_summary(first, console)
    assert "No earlier period of this framework is in the history" in console.export_text()
    plain = dataclasses.replace(first, changes=None)
    console = Console(width=80, record=True, color_system=None, force_terminal=False)
    render_summary(plain, console)
    assert "Since" not in console.export_text()


@pytest.mark.slow  # a whole audit (or several)
def test_workbook_gains_changes_and_trend_sheets_with_a_line_chart(monthly, tmp_path):
    from visit_audit.report.excel import SHEETS, write_report

    runs, rerun, _ = monthly
    oct_ = runs["2026-10"]
    path = write_report(oct_, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    # After the sheets a manager acts on (Overdue, Due soon), before Findings.
    assert wb.sheetnames == [*SHEETS[:3], "Changes", "Trend", *SHEETS[3:]]
    rows = list(wb["Changes"].iter_rows(values_only=True))
    assert rows[0][:7] == (
        "Change",
        "Child ID",
        "Episode ID",
        "Plan type",
        "Rule",
        "Due date",
        "Periods overdue",
    )
    c = oct_.changes
    counted = pd.Series([r[0] for r in rows[1:]]).value_counts().to_dict()
    assert counted == {
        name: len(c[key])
        for name, key in (
            ("Newly overdue", "newly_overdue"),
            ("Still overdue", "still_overdue"),
            ("No longer overdue", "no_longer_overdue"),
        )
        if len(c[key])
    }
    still = [r for r in rows[1:] if r[0] == "Still overdue"]
    assert all(isinstance(r[5], dt.datetime) and r[6] >= 2 for r in still)
    assert all(r[7] == "Overdue" and r[9] is not None for r in still)  # worker from this run
    assert {r[7] for r in rows[1:] if r[0] == "No longer overdue"} <= {
        "Late",
        "Missed",
        "On time",
        "Not in this run",
    }
    assert {r[3] for r in rows[1:]} <= set(oct_.plan_type_labels.values()) | {
        plan_type_label(p) for p in oct_.summary["by_plan_type"]
    }
    trend = [
        r
        for r in wb["Trend"].iter_rows(values_only=True)
        if r[0] in ("Period", "Aug 2026", "Sep 2026", "Oct 2026")
    ]
    assert trend[0][:2] == ("Period", "All teams")
    overall = [r.summary["overall"]["percent_on_time"] for r in (runs["2026-08"], rerun, oct_)]
    assert [round(r[1] * 100, 1) for r in trend[1:]] == overall
    teams = list(trend[0][2:])
    assert teams == sorted(
        {
            team
            for r in (runs["2026-08"], rerun, oct_)
            for team, row in r.summary["by_team"].items()
            if row["deadlines"]
        }
    )
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(z.read(n).decode("utf-8") for n in charts)
    assert "<c:lineChart>" in xml
    assert xml.count("<c:ser>") >= 1 + len(teams) + 2  # the line chart's and the two bar charts'


@pytest.mark.slow  # a whole audit (or several)
def test_workbook_of_the_first_period_says_why_changes_is_empty(monthly, tmp_path):
    from visit_audit.report.excel import write_report

    runs, _, _ = monthly
    path = write_report(runs["2026-08"], tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb["Changes"].max_row == 1  # the header only
    with zipfile.ZipFile(path) as z:
        drawings = "".join(
            z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/drawings/")
        )
    assert "No earlier period of this framework is in the history" in drawings


@pytest.mark.slow  # a whole audit (or several)
def test_workbook_without_a_history_keeps_its_sheets(extract, tmp_path):
    from visit_audit.report.excel import SHEETS, write_report

    result = audit(options(extract, "2026-10", None))
    wb = openpyxl.load_workbook(write_report(result, tmp_path / "r.xlsx"))
    assert wb.sheetnames == list(SHEETS)
