"""The history of audits: one SQLite file of recorded periods (README "Month to month").

Each audit with a period and ``--history FILE`` records its run (framework,
region, period, as_of, the inputs' SHA-256, tool version, run time), its
summaries by plan type, team and worker, and the key and status of each
finding. From these come the changes against the previous period and the
trend of % on time, period by period.

The file:

- is created with mode 0600 before SQLite opens it (SQLite gives its ``-wal``
  and ``-shm`` files the database file's mode);
- carries a schema version (``PRAGMA user_version``), brought up to date by
  :data:`MIGRATIONS` in order, and an application id, so that any other SQLite
  file is refused rather than written into;
- is in WAL mode, and each run is one ``BEGIN IMMEDIATE`` transaction with a
  busy timeout: two runs at once take turns, and a rerun of a framework's period
  replaces that period whole;
- holds either real ids or pseudonyms, never both: the first run decides, and
  a run of the other kind (or pseudonyms under another key) is refused;
- is written with ``secure_delete`` on, so a replaced or forgotten period's
  rows are overwritten, not merely unlinked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from visit_audit.errors import InputError
from visit_audit.result import SUMMARY_FIELDS, AuditResult
from visit_audit.views import changes as changes_view
from visit_audit.views.summary import in_scope
from visit_audit.views.workers import NO_WORKER, worker_label

APPLICATION_ID = 0x56415544  # "VAUD": marks a visit-audit history among SQLite files
BUSY_SECONDS = 60.0  # how long a run waits for another run holding the file
FILE_MODE = 0o600
GROUPINGS = ("plan_type", "team", "worker")
REAL_IDS = "real ids"

_COUNTS = ("deadlines", "on_time", "late", "missed", "overdue")

# Version 1: the first shape. Summaries by plan type and team only.
_V1 = """
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    framework    TEXT NOT NULL,
    region       TEXT NOT NULL,
    period_from  TEXT NOT NULL,  -- ISO dates
    period_to    TEXT NOT NULL,
    as_of        TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    run_at       TEXT NOT NULL,  -- ISO, UTC
    UNIQUE (framework, period_from, period_to)
);
CREATE TABLE inputs (
    run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    file     TEXT NOT NULL,
    sha256   TEXT NOT NULL,
    rows     INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);
CREATE TABLE summaries (
    run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    grouping        TEXT NOT NULL CHECK (grouping IN ('overall', 'plan_type', 'team')),
    name            TEXT NOT NULL,
    episodes        INTEGER NOT NULL,
    children        INTEGER NOT NULL,
    deadlines       INTEGER NOT NULL,
    on_time         INTEGER NOT NULL,
    late            INTEGER NOT NULL,
    missed          INTEGER NOT NULL,
    overdue         INTEGER NOT NULL,
    percent_on_time REAL NOT NULL,
    PRIMARY KEY (run_id, grouping, name)
);
CREATE TABLE findings (
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    child_id   TEXT NOT NULL,
    episode_id TEXT NOT NULL,
    plan_type  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    due_date   TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('late', 'missed', 'overdue'))
);
CREATE INDEX findings_run ON findings (run_id);
"""

# Version 2: summaries by worker too (whose episodes and children a run does not
# count, hence nullable), and findings indexed by run and status, the way the
# changes read them (the overdue ones of one run).
_V2 = """
CREATE TABLE summaries_v2 (
    run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    grouping        TEXT NOT NULL
                    CHECK (grouping IN ('overall', 'plan_type', 'team', 'worker')),
    name            TEXT NOT NULL,
    episodes        INTEGER,
    children        INTEGER,
    deadlines       INTEGER NOT NULL,
    on_time         INTEGER NOT NULL,
    late            INTEGER NOT NULL,
    missed          INTEGER NOT NULL,
    overdue         INTEGER NOT NULL,
    percent_on_time REAL NOT NULL,
    PRIMARY KEY (run_id, grouping, name)
);
INSERT INTO summaries_v2 SELECT * FROM summaries;
DROP TABLE summaries;
ALTER TABLE summaries_v2 RENAME TO summaries;
DROP INDEX findings_run;
CREATE INDEX findings_run_status ON findings (run_id, status);
"""

# (version reached, SQL that reaches it from the one before), oldest first.
MIGRATIONS: tuple[tuple[int, str], ...] = ((1, _V1), (2, _V2))
SCHEMA_VERSION = MIGRATIONS[-1][0]


class HistoryError(InputError):
    """A history file that cannot be used: missing, not a history, too new, or of the other ids."""


@dataclass(frozen=True)
class Recorded:
    """What recording a run gives back: the changes (as ``AuditResult.changes``)
    and the trend of % on time of every recorded period of the framework."""

    changes: dict
    trend: pd.DataFrame  # TREND_COLUMNS, oldest period first


TREND_COLUMNS = ("period_from", "period_to", "as_of", "team", "deadlines", "percent_on_time")


# --- opening -----------------------------------------------------------------------------


def id_scheme(key: bytes | None) -> str:
    """What a run's ids are: real ones, or pseudonyms under one key (named by a
    one-way fingerprint of the key, which cannot give the key back)."""
    if key is None:
        return REAL_IDS
    mark = hmac.new(key, b"visit-audit history", hashlib.sha256).hexdigest()[:16]
    return f"pseudonyms {mark}"


@contextlib.contextmanager
def connect(path: str | Path, *, create: bool = False) -> Iterator[sqlite3.Connection]:
    """An open history at the current schema version (migrated if older).

    ``create``: make the file (mode 0600) if it does not exist; otherwise a
    missing file is a :class:`HistoryError`.
    """
    path = Path(path)
    if path.is_dir():
        raise HistoryError(f"{path} is a folder, not a history file")
    if not path.exists():
        if not create:
            raise HistoryError(
                f"{path}: no such history file (an audit with --history {path} and a period "
                "creates it)"
            )
        _create_private(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    except sqlite3.Error as e:
        raise HistoryError(f"cannot open the history file {path}: {e}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
        _migrate(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        yield conn
    except sqlite3.DatabaseError as e:
        if conn.in_transaction:
            conn.rollback()
        if isinstance(e, sqlite3.OperationalError):
            if "locked" in str(e) or "busy" in str(e):
                raise HistoryError(
                    f"{path} is busy: another run held it for over {BUSY_SECONDS:g} seconds; "
                    "try again when it has finished"
                ) from None
            raise HistoryError(f"cannot use the history file {path}: {e}") from None
        # "file is not a database", "database disk image is malformed"
        raise HistoryError(f"{path} is not a readable visit-audit history file ({e})") from None
    finally:
        conn.close()


def _create_private(path: Path) -> None:
    """The empty file, readable by its owner only, before SQLite ever opens it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:  # another run made it a moment ago
        return
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise HistoryError(f"cannot create the history file {path}: {reason}") from None
    os.close(fd)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Check the file is a history this version can read, then bring it up to date."""
    version = _check_kind(conn, path)
    if version != SCHEMA_VERSION or _journal(conn) != "wal":
        conn.execute("PRAGMA journal_mode = WAL")  # kept in the file; waits on a busy file
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _check_kind(conn, path)  # another run may have migrated it meanwhile
        for reached, sql in MIGRATIONS:
            if reached > version:
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {reached}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise


def _check_kind(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; a file of another application or a newer
    visit-audit is refused."""
    # One statement, so one snapshot: another run's migration is seen whole or not at all.
    app, version, tables = conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id),"
        " (SELECT user_version FROM pragma_user_version),"
        " (SELECT count(*) FROM sqlite_master)"
    ).fetchone()
    if app not in (0, APPLICATION_ID) or (app == 0 and (version or tables)):
        raise HistoryError(
            f"{path} is an SQLite file but not a visit-audit history: give another file name"
        )
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"{path} was written by a newer visit-audit (history schema {version}; this one "
            f"reads up to {SCHEMA_VERSION}): upgrade visit-audit to use it"
        )
    return version


def _journal(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()


def _statements(sql: str) -> list[str]:
    """The statements of a migration script (none holds a ``;`` inside it)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


# --- recording a run ---------------------------------------------------------------------


def record(path: str | Path, result: AuditResult, *, key: bytes | None = None) -> Recorded:
    """Record ``result`` (pseudonymised already when ``key`` is given) in one
    transaction, replacing an earlier run of the same framework and period, and
    return the changes against the previous period and the trend."""
    if result.period is None:
        raise HistoryError(_NEEDS_PERIOD)
    scheme = id_scheme(key)
    workers = worker_summary(result)
    if scheme != REAL_IDS:
        _check_pseudonymised(result.findings, workers)
    lo, hi = (_iso(d) for d in result.period)
    with connect(path, create=True) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            _check_ids(conn, Path(path), scheme)
            conn.execute(
                "DELETE FROM runs WHERE framework = ? AND period_from = ? AND period_to = ?",
                (result.framework, lo, hi),
            )
            run_id = _insert_run(conn, result, lo, hi)
            _insert_summaries(conn, run_id, result, workers)
            _insert_findings(conn, run_id, result.findings)
            changes = _changes(conn, result, lo)
            trend = _trend(conn, result.framework, hi)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
    return Recorded(changes=changes, trend=trend)


_NEEDS_PERIOD = (
    "--history records one period at a time: give the period with --month (YYYY-MM, "
    "previous or current) or --from/--to"
)


def require_period(period: tuple[dt.date, dt.date] | None) -> None:
    """Stop a run with a history but no period before anything is read."""
    if period is None:
        raise HistoryError(_NEEDS_PERIOD)


def _check_ids(conn: sqlite3.Connection, path: Path, scheme: str) -> None:
    row = conn.execute("SELECT value FROM meta WHERE name = 'ids'").fetchone()
    if row is None:
        conn.execute("INSERT INTO meta (name, value) VALUES ('ids', ?)", (scheme,))
        return
    held = row[0]
    if held == scheme:
        return
    if held == REAL_IDS:
        why = (
            "holds real ids, and this run is pseudonymised: keep pseudonymised runs in a "
            "history file of their own"
        )
    elif scheme == REAL_IDS:
        why = (
            "holds pseudonyms only, and this run is not pseudonymised: add --pseudonymise "
            "with the same key, or use another history file"
        )
    else:
        why = "holds pseudonyms made with another key: use the same key, or another history file"
    raise HistoryError(f"{path} {why}")


def _check_pseudonymised(findings: pd.DataFrame, workers: dict[str, dict]) -> None:
    """Every id and worker about to be written is a pseudonym (a real id must
    never reach a pseudonymised history, whatever route the result took)."""
    from visit_audit.privacy import HEX_DIGITS, PREFIXES

    given = {c: pd.unique(findings[c].dropna().astype(object)) for c in ("child_id", "episode_id")}
    given["worker"] = [w for w in workers if w != NO_WORKER]
    for column, values in given.items():
        pattern = rf"{PREFIXES[column]}[0-9a-f]{{{HEX_DIGITS}}}"
        if len(values) and not pd.Series(values, dtype=object).str.fullmatch(pattern).all():
            raise HistoryError(
                f"the result's {column} values are not all pseudonyms; nothing was recorded"
            )


def _insert_run(conn: sqlite3.Connection, result: AuditResult, lo: str, hi: str) -> int:
    run_at = pd.Timestamp(result.run_at)
    run_at = run_at.tz_localize("UTC") if run_at.tzinfo is None else run_at.tz_convert("UTC")
    cursor = conn.execute(
        "INSERT INTO runs (framework, region, period_from, period_to, as_of, tool_version, run_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            result.framework,
            result.region,
            lo,
            hi,
            _iso(result.as_of),
            result.tool_version,
            run_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        ),
    )
    run_id = int(cursor.lastrowid or 0)
    conn.executemany(
        "INSERT INTO inputs (run_id, role, file, sha256, rows, rejected) VALUES (?, ?, ?, ?, ?, ?)",
        [(run_id, i.role, i.file, i.sha256, int(i.rows), int(i.rejected)) for i in result.inputs],
    )
    return run_id


def _insert_summaries(
    conn: sqlite3.Connection, run_id: int, result: AuditResult, workers: dict[str, dict]
) -> None:
    summary = result.summary or {}
    rows = [("overall", "", summary["overall"])] if "overall" in summary else []
    for grouping in ("plan_type", "team"):
        rows += [(grouping, name, s) for name, s in (summary.get(f"by_{grouping}") or {}).items()]
    rows += [("worker", name, s) for name, s in workers.items()]
    columns = ", ".join(SUMMARY_FIELDS)
    conn.executemany(
        f"INSERT INTO summaries (run_id, grouping, name, {columns})"
        f" VALUES (?, ?, ?{', ?' * len(SUMMARY_FIELDS)})",
        [
            (run_id, grouping, str(name), *(_number(s.get(f)) for f in SUMMARY_FIELDS))
            for grouping, name, s in rows
        ],
    )


def worker_summary(result: AuditResult) -> dict[str, dict]:
    """Deadlines in scope by worker, counted from the result's own deadlines
    (so a pseudonymised result gives pseudonyms); episodes and children are not
    counted per worker here."""
    # The summary's own tally and row (one bincount of codes), as the By worker table counts.
    from visit_audit.views.summary import _codes, _counts, _row

    deadlines = result.deadlines
    if not len(deadlines):
        return {}
    scope = in_scope(deadlines, result.period)
    tally = _counts(
        _codes(deadlines["worker"]), _codes(deadlines["status"]), scope, label=worker_label
    )
    return {
        str(name): {**_row(0, 0, tally.loc[name]), "episodes": None, "children": None}
        for name in sorted(tally.index, key=str)
    }


def _number(value):
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return float(value)
    return int(value)


def _insert_findings(conn: sqlite3.Connection, run_id: int, findings: pd.DataFrame) -> None:
    """One ``executemany`` over the columns as lists (no row objects built by pandas)."""
    if not len(findings):
        return
    keys = changes_view.key_frame(findings)
    due = np.datetime_as_string(keys["due_date"].to_numpy("datetime64[D]"), unit="D")
    columns = [keys[c].tolist() for c in changes_view.KEY_COLUMNS[:-1]]
    columns += [due.tolist(), findings["status"].astype(object).tolist()]
    conn.executemany(
        "INSERT INTO findings (run_id, child_id, episode_id, plan_type, kind, due_date, status)"
        f" VALUES ({run_id}, ?, ?, ?, ?, ?, ?)",
        zip(*columns, strict=True),
    )


# --- reading -----------------------------------------------------------------------------


def _previous(conn: sqlite3.Connection, framework: str, before: str) -> tuple | None:
    """The latest recorded period of ``framework`` that ends before ``before``."""
    return conn.execute(
        "SELECT id, period_from, period_to FROM runs WHERE framework = ? AND period_to < ?"
        " ORDER BY period_to DESC, period_from DESC LIMIT 1",
        (framework, before),
    ).fetchone()


def _overdue(conn: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    rows = conn.execute(
        "SELECT child_id, episode_id, plan_type, kind, due_date FROM findings"
        " WHERE run_id = ? AND status = 'overdue'",
        (run_id,),
    ).fetchall()
    keys = pd.DataFrame(rows, columns=list(changes_view.KEY_COLUMNS), dtype=object)
    return keys.assign(due_date=pd.to_datetime(keys["due_date"], format="%Y-%m-%d"))


def _changes(conn: sqlite3.Connection, result: AuditResult, lo: str) -> dict:
    previous = _previous(conn, result.framework, lo)
    current = changes_view.overdue_keys(result.findings)

    def earlier() -> Iterator[pd.DataFrame]:
        at = previous
        while at is not None:
            at = _previous(conn, result.framework, at[1])
            if at is not None:
                yield _overdue(conn, at[0])

    lists = changes_view.compare(
        current, _overdue(conn, previous[0]) if previous else None, earlier()
    )
    return {"previous": {"from": previous[1], "to": previous[2]} if previous else None, **lists}


def _trend(conn: sqlite3.Connection, framework: str, up_to: str) -> pd.DataFrame:
    """% on time of the framework's periods that end by ``up_to`` (a rerun of an
    earlier month shows the trend as it stood then, not the months after it)."""
    rows = conn.execute(
        "SELECT r.period_from, r.period_to, r.as_of,"
        " CASE s.grouping WHEN 'team' THEN s.name END, s.deadlines, s.percent_on_time"
        " FROM runs r JOIN summaries s ON s.run_id = r.id"
        " WHERE r.framework = ? AND r.period_to <= ? AND s.grouping IN ('overall', 'team')"
        " ORDER BY r.period_to, r.period_from, s.grouping, s.name",
        (framework, up_to),
    ).fetchall()
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS))


def periods(path: str | Path, by: str | None = None) -> list[dict]:
    """Every recorded period, oldest first, with the overall figures (or, with
    ``by``, one entry per period and plan type, team or worker)."""
    if by is not None and by not in GROUPINGS:
        raise HistoryError(f"--by: '{by}' is not one of {', '.join(GROUPINGS)}")
    grouping = by or "overall"
    with connect(path) as conn:
        rows = conn.execute(
            "SELECT r.framework, r.period_from, r.period_to, r.as_of, s.name,"
            " s.deadlines, s.on_time, s.late, s.missed, s.overdue, s.percent_on_time"
            " FROM runs r JOIN summaries s ON s.run_id = r.id AND s.grouping = ?"
            " ORDER BY r.period_to, r.period_from, r.framework, s.name",
            (grouping,),
        ).fetchall()
    out = []
    for framework, lo, hi, as_of, name, *figures in rows:
        entry = {"framework": framework, "from": lo, "to": hi, "as_of": as_of}
        if by is not None:
            entry[by] = name
        entry.update(zip((*_COUNTS, "percent_on_time"), figures, strict=True))
        out.append(entry)
    return out


def forget_before(path: str | Path, month: str) -> tuple[int, int]:
    """Delete every period that ends before the first day of ``month`` (YYYY-MM),
    overwriting its rows, and shrink the file. Returns (forgotten, kept)."""
    from visit_audit.pipeline import month_period

    try:
        first = month_period(month)[0]
    except InputError:
        raise HistoryError(f"--forget-before: '{month}' is not a month (use YYYY-MM)") from None
    if month.strip().casefold() in ("previous", "current"):
        raise HistoryError(f"--forget-before: give the month as YYYY-MM, not '{month}'")
    with connect(path) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            gone = conn.execute("DELETE FROM runs WHERE period_to < ?", (_iso(first),)).rowcount
            kept = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        # The deleted pages are zeroed (secure_delete); the log is emptied into
        # the file and the file shrunk, so no copy of them is left behind.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return int(gone), int(kept)


def _iso(day: dt.date) -> str:
    return pd.Timestamp(day).date().isoformat()
