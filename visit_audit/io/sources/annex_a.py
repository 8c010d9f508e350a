"""Ofsted's Annex A lists 6-9: a snapshot audit on the audit date.

An Annex A workbook holds, per child, only the latest visit, so it can answer
one question: is each open child's next visit overdue? (README "From Annex A".) Each
row open on the audit date becomes a pretend episode (the list's start date,
date of birth, worker and team, every other column blank) with one record on
its last-visit date, a face-to-face visit with the child seen. The list cannot
show the visits before that one, so each initial deadline due before it is
taken as met on its due day. The one engine audits that; the snapshot reports
its overdue findings and the deadlines due within 10 working days, never a
late finding before the last visit (the list cannot show one).

Rows are read by the canonical loaders, so dates (dd/mm/yyyy, Excel date
cells, serial numbers) and answers are read as in any extract.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from visit_audit.errors import InputError
from visit_audit.io import dates
from visit_audit.io.sources.tables import (
    TextTable,
    as_text,
    no_rejects,
    parse_text_dates,
    raw_table,
)
from visit_audit.result import InputSummary

HEADER_SEARCH_ROWS = 20
CARE_LEAVER_AGE = 18  # list 9: a care leaver's episode starts on the 18th birthday


@dataclass(frozen=True)
class AnnexList:
    number: int
    title: str
    plan_type: str
    start: str | None  # None: from the date of birth (list 9)
    end: str | None
    last_visit: str
    seen_alone: str | None = None
    worker: str | None = None  # a list's own worker column, before Allocated Worker


LISTS: tuple[AnnexList, ...] = (
    AnnexList(
        6, "children in need", "child_in_need", "CIN Start Date", "CIN Closure Date",
        "Date Child Was Last Seen",
    ),
    AnnexList(
        7, "child protection", "child_protection", "Child Protection Plan Start Date",
        "Child Protection Plan End Date", "Date of the Last Statutory Visit",
        seen_alone="Was the Child Seen Alone?",
    ),
    AnnexList(
        8, "children looked after", "child_in_care", "Date Started to be Looked After",
        "Date Ceased to be Looked After", "Date of Last Social Work Visit",
    ),
    AnnexList(
        9, "care leavers", "care_leaver", None, None, "Latest Date of Contact",
        worker="Allocated Personal Advisor",
    ),
)  # fmt: skip
CHILD_ID, DOB, TEAM, WORKER = (
    "Child Unique ID",
    "Date of Birth",
    "Allocated Team",
    "Allocated Worker",
)

_CURLY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})
_NOTE = re.compile(r"[(\[{].*$")  # a bracketed note and all after it
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def header_key(header: object) -> str:
    """A header as matched: no case, spaces, punctuation, curly quotes or brackets."""
    return _NOT_WORD.sub("", str(header).translate(_CURLY).casefold())


def _note_free_key(header: object) -> str:
    """The header without a bracketed note after it ("Date of Birth ((DD/MM/YYYY))")."""
    return header_key(_NOTE.sub("", str(header).translate(_CURLY)))


def find_column(headers: list[str], wanted: str) -> int | None:
    """Where ``wanted`` is among ``headers``: the same words, or the same words
    followed by a note (bracketed or not); the closest match first."""
    key = header_key(wanted)
    for i, h in enumerate(headers):
        if header_key(h) == key or _note_free_key(h) == key:
            return i
    trailing = [
        (len(header_key(h)), i) for i, h in enumerate(headers) if header_key(h).startswith(key)
    ]
    return min(trailing)[1] if trailing else None


def _list_number(sheet: str) -> int | None:
    m = re.search(r"list\s*0?([6-9])(?!\d)", sheet.casefold())
    return int(m.group(1)) if m else None


@dataclass
class Sheet:
    spec: AnnexList
    name: str
    table: TextTable  # the rows below the header, columns named by the spec


def read_workbook(path: Path) -> list[Sheet]:
    """The sheets of lists 6-9 in the workbook at ``path``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="calamine")
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own types for a damaged file
        raise InputError(
            f"{path.name}: cannot be read as an .xlsx workbook; the file is damaged or not "
            f"Excel ({type(exc).__name__})"
        ) from None
    by_number = {}
    for s in names:
        n = _list_number(s)
        if n is not None and n not in by_number:
            by_number[n] = s
    if not by_number:
        listed = ", ".join(f"'{n}'" for n in names)
        raise InputError(
            f"{path.name}: no sheet named List 6, 7, 8 or 9 (the Annex A lists); "
            f"the sheets are {listed}"
        )
    sheets = []
    for spec in LISTS:
        if spec.number not in by_number:
            continue
        name = by_number[spec.number]
        grid = pd.read_excel(book, sheet_name=name, header=None, dtype=object, na_filter=False)
        sheets.append(_sheet(path, digest, spec, name, grid))
    return sheets


def _sheet(path: Path, digest: str, spec: AnnexList, name: str, grid: pd.DataFrame) -> Sheet:
    wanted = {"child_id": CHILD_ID, "date_of_birth": DOB, "team": TEAM, "worker": WORKER}
    wanted["last_visit"] = spec.last_visit
    if spec.start:
        wanted["start_date"] = spec.start
    if spec.end:
        wanted["end_date"] = spec.end
    if spec.seen_alone:
        wanted["seen_alone"] = spec.seen_alone
    if spec.worker:
        wanted["own_worker"] = spec.worker
    required = ["child_id", "last_visit", "start_date" if spec.start else "date_of_birth"]
    top = min(HEADER_SEARCH_ROWS, len(grid))
    label = f"{path.name} [{name}]"
    for r in range(top):
        headers = [str(v).strip() for v in grid.iloc[r].tolist()]
        found = {f: find_column(headers, h) for f, h in wanted.items()}
        if all(found[f] is not None for f in required):
            break
    else:
        need = ", ".join(f"'{wanted[f]}'" for f in required)
        raise InputError(f"{label}: no header row with the columns {need} in the first rows")
    body = grid.iloc[r + 1 :].reset_index(drop=True)
    frame = pd.DataFrame(
        {f: as_text(body.iloc[:, i]).str.strip() if i is not None else "" for f, i in found.items()}
    )
    rows = np.arange(r + 2, r + 2 + len(body), dtype=np.int64)
    filled = (frame != "").any(axis=1).to_numpy(bool)
    table = TextTable(
        label, str(path), digest, frame.loc[filled].reset_index(drop=True), rows[filled]
    )
    return Sheet(spec, name, table)


_LETTERED = re.compile(r"^[a-z]\)\s*", re.IGNORECASE)


def _answer(text: pd.Series) -> pd.Series:
    """``a) Yes`` / ``b) No`` as Yes / No; ``c) Unknown`` as not recorded."""
    plain = text.str.replace(_LETTERED, "", regex=True).str.strip()
    return plain.where(~plain.str.casefold().isin(["unknown", "not known"]), "")


# ---------------------------------------------------------------------------


@dataclass
class AnnexLoad:
    cases: pd.DataFrame
    visits: pd.DataFrame
    last_visit: pd.Series  # per episode_id: the list's last-visit day (NaT: none)
    answered: pd.DataFrame  # the records of the lists that say whether the child was seen alone
    rejected: pd.DataFrame
    inputs: list[InputSummary]
    warnings: list[str]
    source: str


def load_annex_a(path: Path, *, as_of: dt.date, plan_types) -> AnnexLoad:
    """The open rows of lists 6-9 as pretend episodes and their last-visit records.

    ``plan_types``: the framework's; a list whose plan type it has no rule for
    is named in a warning and not audited.
    """
    sheets = read_workbook(path)
    as_of_day = np.datetime64(as_of, "D")
    cases_parts, visit_parts, rejected, inputs, warnings, read = [], [], [], [], [], []
    answered: list[pd.DataFrame] = []
    for sheet in sheets:
        spec, table = sheet.spec, sheet.table
        if spec.plan_type not in plan_types:
            warnings.append(
                f"{table.name}: list {spec.number} ({spec.title}) is not covered by the "
                f"framework (no {spec.plan_type} rules): not audited"
            )
            continue
        frame = table.frame
        reasons = pd.Series("", index=frame.index, dtype=object)
        last_days, last_status = parse_text_dates(frame["last_visit"])
        bad_last = (last_status != dates.OK) & (last_status != dates.BLANK)
        reasons[bad_last] = (
            f"{spec.last_visit} '" + frame["last_visit"][bad_last].str.slice(0, 40)
        ) + "' is not a date"
        start_text = frame["start_date"] if spec.start else _birthday(frame, reasons, spec)
        end_text = frame["end_date"] if spec.end else pd.Series("", index=frame.index)
        end_days, end_status = parse_text_dates(end_text)
        closed = (end_status == dates.OK) & (end_days <= as_of_day)
        # A row closed on or before the audit date is not audited, so not rejected either.
        pre = (reasons != "").to_numpy(bool) & ~closed
        keep = ~pre & ~closed
        if pre.any():
            rejected.append(
                pd.DataFrame(
                    {"file": table.name, "row": table.rows[pre], "reason": reasons[pre].to_numpy()}
                )
            )
        kept = table.take(keep)
        cases_x, visits_x = _pretend_episodes(
            spec,
            kept,
            start_text[keep].reset_index(drop=True),
            end_text[keep].reset_index(drop=True),
            last_days[keep],
        )
        rejected.append(cases_x.rejected)
        good = cases_x.frame
        cases_parts.append(good)
        visit_parts.append(visits_x.frame)
        if spec.seen_alone:
            answered.append(visits_x.frame)
        warnings += cases_x.warnings + visits_x.warnings
        n_rejected = int(pre.sum()) + len(cases_x.rejected)
        inputs.append(
            InputSummary(
                role=f"list {spec.number}",
                file=table.name,
                path=str(path),
                sha256=table.sha256,
                rows=int(keep.sum() + pre.sum()),
                rejected=n_rejected,
            )
        )
        read.append(
            f"List {spec.number} ({spec.title}, sheet '{sheet.name}'): {len(frame)} rows, "
            f"{int((closed & ~pre).sum())} closed on or before the audit date"
        )
    if not cases_parts:
        raise InputError(f"nothing to audit: {path.name}: no list the framework covers")
    cases = pd.concat(cases_parts, ignore_index=True)
    visits = pd.concat(visit_parts, ignore_index=True)
    last = visits.set_index(visits["episode_id"].astype(str))["visit_date"]
    rejected = [r for r in rejected if len(r)]
    source = f"Annex A {path.name}, snapshot on the audit date: " + "; ".join(read)
    return AnnexLoad(
        cases=cases,
        visits=visits,
        last_visit=last,
        answered=pd.concat(answered, ignore_index=True) if answered else visits.iloc[:0],
        rejected=pd.concat(rejected, ignore_index=True) if rejected else no_rejects(),
        inputs=inputs,
        warnings=warnings,
        source=source,
    )


def _pretend_episodes(
    spec: AnnexList,
    kept: TextTable,
    start_text: pd.Series,
    end_text: pd.Series,
    last_days: np.ndarray,
):
    """The open rows of one list as episodes (``L<list>-<row>``) through the cases
    loader, and their last visits as records through the visits loader."""
    from visit_audit.io.load import load_cases, load_visits

    episode_ids = pd.Series(
        [f"L{spec.number}-{r}" for r in kept.rows], index=kept.frame.index, dtype=object
    )
    worker = kept.frame["worker"]
    if "own_worker" in kept.frame.columns:
        worker = kept.frame["own_worker"].where(kept.frame["own_worker"] != "", worker)
    case_columns = {
        "child_id": kept.frame["child_id"],
        "plan_type": spec.plan_type,
        "start_date": start_text,
        "end_date": end_text,
        "episode_id": episode_ids,
        "date_of_birth": kept.frame["date_of_birth"],
        "team": kept.frame["team"],
        "worker": worker,
    }
    cases_x = load_cases(
        kept.name,
        columns={c: c for c in case_columns},
        raw=raw_table(kept, case_columns),
    )
    good = cases_x.frame
    # The record on the last-visit date, when it is on or after the start.
    last = pd.Series(last_days, index=episode_ids.to_numpy())
    on = last.reindex(good["episode_id"].astype(str).to_numpy()).to_numpy()
    has = ~np.isnat(on) & (on >= good["start_date"].to_numpy().astype("datetime64[D]"))
    alone = (
        _answer(kept.frame["seen_alone"])
        if "seen_alone" in kept.frame.columns
        else pd.Series("", index=kept.frame.index)
    )
    alone_by_ep = pd.Series(alone.to_numpy(), index=episode_ids.to_numpy())
    rows = good.loc[has]
    visit_columns = {
        "child_id": rows["child_id"].astype(object),
        "visit_date": pd.Series(
            np.datetime_as_string(on[has].astype("datetime64[D]"), unit="D"), dtype=object
        ),
        "visit_type": "visit",
        "seen": "Y",
        "seen_alone": rows["episode_id"].astype(str).map(alone_by_ep).fillna("").astype(object),
        "episode_id": rows["episode_id"].astype(object),
    }
    records = TextTable(kept.name, kept.path, kept.sha256, rows, rows["row"].to_numpy(np.int64))
    visits_x = load_visits(
        kept.name,
        columns={c: c for c in visit_columns},
        raw=raw_table(records, visit_columns),
    )
    return cases_x, visits_x


def _birthday(frame: pd.DataFrame, reasons: pd.Series, spec: AnnexList) -> pd.Series:
    """List 9: the episode starts on the 18th birthday; a row without a readable
    date of birth is rejected (its episode has no start)."""
    days, status = parse_text_dates(frame["date_of_birth"])
    bad = status != dates.OK
    reasons[bad & (reasons == "").to_numpy(bool)] = (
        "no readable Date of Birth (the episode of a care leaver starts on the 18th birthday)"
    )
    births = pd.to_datetime(pd.Series(np.where(bad, np.datetime64("NaT"), days)))
    eighteenth = births + pd.DateOffset(years=CARE_LEAVER_AGE)
    return eighteenth.dt.strftime("%Y-%m-%d").fillna("").astype(object)
