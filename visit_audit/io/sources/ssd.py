"""The Standard Safeguarding Dataset (Data to Insight) as canonical cases and visits.

``visit-audit audit --ssd DIR|URL`` reads the SSD's tables from a folder of
``ssd_<table>.csv``/``.xlsx`` files or from a database (SQLAlchemy URL). Each
table is mapped column by column onto the canonical fields and then read by
the same loaders as any extract (:func:`visit_audit.io.load.load_cases` and
``load_visits``), so its dates, answers, ids and rejected rows follow the same
rules; the engine audits the frames as it audits any other.

What is the SSD's own (README "From the SSD"): one plan type per episode table; the
rows of a period of care (``ssd_cla_episodes``, one row per legal status or
placement change) grouped by ``clae_cla_id``; visits tied to their plan
through ``cppv_cp_plan_id`` and ``clav_cla_id``; the Mosaic variant of the
visit tables (a plan id instead of a person id); the date of birth from
``ssd_person``; worker and team from ``ssd_involvements``,
``ssd_professionals`` and ``ssd_department``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from visit_audit.errors import InputError
from visit_audit.identifiers import id_key, id_keys
from visit_audit.io import dates
from visit_audit.io.sources.tables import (
    Database,
    Folder,
    TextTable,
    no_rejects,
    open_source,
    parse_text_dates,
    raw_table,
)
from visit_audit.result import InputSummary

if TYPE_CHECKING:
    from visit_audit.io.load import Extract


@dataclass(frozen=True)
class EpisodeTable:
    """An SSD table of episodes of one plan type, and where its fields are."""

    name: str
    plan_type: str
    episode_id: str
    child_id: str
    start_date: str
    end_date: str
    team: str | None  # None: from ssd_involvements
    worker: str | None


EPISODE_TABLES: tuple[EpisodeTable, ...] = (
    EpisodeTable(
        "ssd_early_help_episodes", "early_help", "earl_episode_id", "earl_person_id",
        "earl_episode_start_date", "earl_episode_end_date",
        "earl_episode_organisation", "earl_episode_worker_id",
    ),
    EpisodeTable(
        "ssd_s47_enquiry", "s47_enquiry", "s47e_s47_enquiry_id", "s47e_person_id",
        "s47e_s47_start_date", "s47e_s47_end_date",
        "s47e_s47_completed_by_team", "s47e_s47_completed_by_worker_id",
    ),
    EpisodeTable(
        "ssd_cin_assessments", "s17_assessment", "cina_assessment_id", "cina_person_id",
        "cina_assessment_start_date", "cina_assessment_auth_date",
        "cina_assessment_team", "cina_assessment_worker_id",
    ),
    EpisodeTable(
        "ssd_cin_plans", "child_in_need", "cinp_cin_plan_id", "cinp_person_id",
        "cinp_cin_plan_start_date", "cinp_cin_plan_end_date",
        "cinp_cin_plan_team", "cinp_cin_plan_worker_id",
    ),
    EpisodeTable(
        "ssd_cp_plans", "child_protection", "cppl_cp_plan_id", "cppl_person_id",
        "cppl_cp_plan_start_date", "cppl_cp_plan_end_date", None, None,
    ),
    # One episode per period of care (clae_cla_id), over its rows: see _periods_of_care.
    EpisodeTable(
        "ssd_cla_episodes", "child_in_care", "clae_cla_id", "clae_person_id",
        "clae_cla_episode_start_date", "clae_cla_episode_ceased_date", None, None,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class VisitTable:
    """An SSD table of statutory visits: all face-to-face, the child seen unless it says not."""

    name: str
    child_id: str
    plan_id: str  # the plan the visit belongs to: the Mosaic variant's only link to the child
    plan_table: str
    visit_date: str
    seen: str
    seen_alone: str
    bedroom_seen: str | None
    ties: bool  # the plan id ties the record to that episode only


VISIT_TABLES: tuple[VisitTable, ...] = (
    VisitTable(
        "ssd_cin_visits", "cinv_person_id", "cinv_cin_plan_id", "ssd_cin_plans",
        "cinv_cin_visit_date", "cinv_cin_visit_seen", "cinv_cin_visit_seen_alone",
        "cinv_cin_visit_bedroom", ties=False,
    ),
    VisitTable(
        "ssd_cp_visits", "cppv_person_id", "cppv_cp_plan_id", "ssd_cp_plans",
        "cppv_cp_visit_date", "cppv_cp_visit_seen", "cppv_cp_visit_seen_alone",
        "cppv_cp_visit_bedroom", ties=True,
    ),
    VisitTable(
        "ssd_cla_visits", "clav_person_id", "clav_cla_id", "ssd_cla_episodes",
        "clav_cla_visit_date", "clav_cla_visit_seen", "clav_cla_visit_seen_alone",
        None, ties=True,
    ),
)  # fmt: skip

# Tables of the SSD that hold children's episodes but no visit history to audit.
NOT_AUDITED = {
    "ssd_missing": "missing episodes: the SSD holds no return home interviews' history",
    "ssd_care_leavers": "care leavers: the SSD holds the latest contact only, no visit history",
}
PERSON = ("ssd_person", "pers_person_id", "pers_dob")
INVOLVEMENTS = "ssd_involvements"
PROFESSIONALS = ("ssd_professionals", "prof_professional_id", "prof_professional_name")
DEPARTMENTS = ("ssd_department", "dept_team_id", "dept_team_name")


@dataclass
class SsdLoad:
    """What the pipeline needs: one cases and one visits Extract, each table's
    accounting, and the line that says what was read."""

    cases: Extract
    visits: Extract
    inputs: list[InputSummary]
    source: str
    warnings: list[str]


def load_ssd(
    where: str,
    *,
    as_of: dt.date,
    plan_type_aliases: dict[str, str] | None = None,
) -> SsdLoad:
    """Read the SSD at ``where`` (a folder or a database URL) into canonical frames.

    ``as_of``: the audit date; an open episode's worker and team are those of
    the child's involvement open on it.
    """
    source = open_source(where)
    try:
        return _load(source, as_of, plan_type_aliases)
    finally:
        if isinstance(source, Database):
            source.close()


def _load(source: Folder | Database, as_of: dt.date, aliases) -> SsdLoad:
    names = source.names()
    episode_tables = [t for t in EPISODE_TABLES if t.name in names]
    visit_tables = [t for t in VISIT_TABLES if t.name in names]
    if not episode_tables:
        listed = ", ".join(t.name for t in EPISODE_TABLES)
        raise InputError(f"--ssd {source.where}: no SSD table of episodes ({listed}) found there")
    if not visit_tables:
        listed = ", ".join(t.name for t in VISIT_TABLES)
        raise InputError(
            f"--ssd {source.where}: no SSD table of visits ({listed}) found there; "
            "without one every deadline would show as unmet"
        )
    tables = {name: source.read(name) for name in sorted(names) if _wanted(name)}
    for spec in episode_tables:
        _require(tables[spec.name], spec.child_id, spec.episode_id, spec.start_date)

    accounts: dict[str, _Account] = {}
    people, dob_account = _people(tables.get(PERSON[0]))
    if dob_account is not None:
        accounts[PERSON[0]] = dob_account
    names_of = {
        "worker": _lookup(tables.get(PROFESSIONALS[0]), *PROFESSIONALS[1:]),
        "team": _lookup(tables.get(DEPARTMENTS[0]), *DEPARTMENTS[1:]),
    }

    cases_parts = []
    for spec in episode_tables:
        account, extract = _episodes(spec, tables[spec.name], people, names_of, aliases)
        accounts[spec.name] = account
        cases_parts.append((spec, extract))
    cases_frame, renamed, clash_warning = _distinct_episode_ids(cases_parts)
    involvement_rows, invo_account = _involvements(tables.get(INVOLVEMENTS))
    if invo_account is not None:
        accounts[INVOLVEMENTS] = invo_account
    cases_frame = _workers_from_involvements(cases_frame, involvement_rows, names_of, as_of)

    plan_people = {
        spec.name: _person_of_plan(tables[spec.name], spec)
        for spec in episode_tables
        if spec.name in {v.plan_table for v in visit_tables}
    }
    visits_parts = []
    for vspec in visit_tables:
        account, extract = _visits(vspec, tables[vspec.name], plan_people, renamed)
        accounts[vspec.name] = account
        visits_parts.append(extract)

    inputs = [a.summary(role) for role, a in _roles(accounts)]
    warnings = [clash_warning] if clash_warning else []
    cases = _combined("cases", source, [x for _, x in cases_parts], cases_frame, accounts)
    visits = _combined("visits", source, visits_parts, None, accounts)
    return SsdLoad(
        cases=cases,
        visits=visits,
        inputs=inputs,
        source=_found_line(source, names, episode_tables, visit_tables),
        warnings=warnings,
    )


def _episodes(spec: EpisodeTable, table: TextTable, people, names_of, aliases):
    """One episode table through the cases loader (a period of care's rows grouped)."""
    from visit_audit.io.load import load_cases

    account = _Account(table)
    keep = account.reject(table.frame[spec.episode_id] == "", f"no {spec.episode_id}")
    kept = table.take(keep)
    columns = {
        "child_id": kept.frame[spec.child_id],
        "plan_type": spec.plan_type,
        "start_date": kept.frame[spec.start_date],
        "end_date": _or_blank(kept, spec.end_date),
        # A period of care has several rows: each is read as an episode of its own
        # (ids made from the row) and the rows are grouped afterwards.
        "episode_id": "" if spec.name == "ssd_cla_episodes" else kept.frame[spec.episode_id],
        "date_of_birth": _dob(kept.frame[spec.child_id], people),
        "team": _named(_or_blank(kept, spec.team), names_of["team"]),
        "worker": _named(_or_blank(kept, spec.worker), names_of["worker"]),
    }
    extract = load_cases(
        kept.name,
        columns={name: name for name in columns},
        plan_type_aliases=aliases,
        raw=raw_table(kept, columns),
    )
    account.add(extract)
    if spec.name == "ssd_cla_episodes":
        extract = _whole_periods(extract, kept, spec, account)
        extract = _periods_of_care(extract, kept, spec)
    return account, extract


def _visits(vspec: VisitTable, table: TextTable, plan_people, renamed):
    """One visits table through the visits loader: every record a face-to-face visit."""
    from visit_audit.io.load import load_visits

    account = _Account(table)
    child, keep = _visit_children(table, vspec, plan_people, account)
    kept = table.take(keep)
    tie: pd.Series | str = ""
    if vspec.ties and vspec.plan_id in kept.frame.columns:
        tie = _renamed_ties(kept.frame[vspec.plan_id], vspec.plan_table, renamed)
    columns = {
        "child_id": pd.Series(child[keep], dtype=object),
        "visit_date": kept.frame[_need(kept, vspec.visit_date)],
        "visit_type": "visit",
        "seen": _or_blank(kept, vspec.seen),
        "seen_alone": _or_blank(kept, vspec.seen_alone),
        "bedroom_seen": _or_blank(kept, vspec.bedroom_seen),
        "episode_id": tie,
    }
    extract = load_visits(
        kept.name, columns={name: name for name in columns}, raw=raw_table(kept, columns)
    )
    account.add(extract)
    return account, extract


def _wanted(name: str) -> bool:
    """The tables this module reads; others in the folder or database are left alone."""
    known = {t.name for t in EPISODE_TABLES} | {t.name for t in VISIT_TABLES}
    return name in known | {PERSON[0], INVOLVEMENTS, PROFESSIONALS[0], DEPARTMENTS[0]}


def _require(table: TextTable, *columns: str) -> None:
    for column in columns:
        _need(table, column)


def _need(table: TextTable, column: str) -> str:
    if column not in table.frame.columns:
        have = ", ".join(table.frame.columns[:12]) or "none"
        raise InputError(f"{table.name} ({table.path}): no column {column}; its columns are {have}")
    return column


def _or_blank(table: TextTable, column: str | None) -> pd.Series | str:
    if column is None or column not in table.frame.columns:
        return ""
    return table.frame[column]


# ---------------------------------------------------------------------------
# Accounting: each table's rows = audited + rejected


class _Account:
    """One table's rows and rejected rows (the SSD's own rejections and the loader's)."""

    def __init__(self, table: TextTable) -> None:
        self.table = table
        self.parts: list[pd.DataFrame] = []

    def reject(self, mask: pd.Series | np.ndarray, reason: str | pd.Series) -> np.ndarray:
        """Reject the rows of ``mask``; returns the rows kept."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            why = reason[mask].to_numpy() if isinstance(reason, pd.Series) else reason
            self.parts.append(
                pd.DataFrame({"file": self.table.name, "row": self.table.rows[mask], "reason": why})
            )
        return ~mask

    def add(self, extract) -> None:
        if len(extract.rejected):
            self.parts.append(extract.rejected)

    def n_rejected(self) -> int:
        """How many rows :meth:`rejected` gives, without building the frame."""
        return sum(len(p) for p in self.parts)

    def rejected(self) -> pd.DataFrame:
        if not self.parts:
            return no_rejects()
        out = pd.concat(self.parts, ignore_index=True)
        out = out.assign(row=out["row"].astype(np.int64), reason=out["reason"].astype(str))
        return out.sort_values("row", kind="stable").reset_index(drop=True)

    def summary(self, role: str) -> InputSummary:
        return InputSummary(
            role=role,
            file=self.table.name,
            path=self.table.path,
            sha256=self.table.sha256,
            rows=len(self.table.frame),
            rejected=self.n_rejected(),
        )


def _roles(accounts: dict[str, _Account]):
    episode = {t.name for t in EPISODE_TABLES}
    visit = {t.name for t in VISIT_TABLES}
    order = [t.name for t in EPISODE_TABLES] + [t.name for t in VISIT_TABLES]
    order += [PERSON[0], INVOLVEMENTS]
    for name in order:
        if name in accounts:
            role = "cases" if name in episode else "visits" if name in visit else "details"
            yield role, accounts[name]


def _combined(role, source, parts, frame, accounts):
    """The tables of one role as one Extract (the pipeline's cases or visits)."""
    from visit_audit.io.load import Extract

    names = [t.name for t in (EPISODE_TABLES if role == "cases" else VISIT_TABLES)]
    mine = [accounts[n] for n in names if n in accounts]
    if role == "cases":  # the people's and involvements' rejected rows travel with the cases
        mine += [accounts[n] for n in (PERSON[0], INVOLVEMENTS) if n in accounts]
    rejected = [a.rejected() for a in mine]
    rejected = [r for r in rejected if len(r)]
    if frame is None:
        frame = pd.concat([p.frame for p in parts], ignore_index=True)
    unrecognised: dict[str, dict[str, int]] = {}
    for p in parts:
        for name, counts in p.unrecognised.items():
            mine_counts = unrecognised.setdefault(name, {})
            for value, n in counts.items():
                mine_counts[value] = mine_counts.get(value, 0) + n
    rows = sum(len(a.table.frame) for a in mine if a.table.name in names)
    info = InputSummary(
        role=role,
        file=f"SSD {role} tables",
        path=source.where,
        sha256="",
        rows=rows,
        rejected=sum(a.n_rejected() for a in mine if a.table.name in names),
    )
    return Extract(
        frame=frame,
        rejected=pd.concat(rejected, ignore_index=True) if rejected else no_rejects(),
        info=info,
        warnings=[w for p in parts for w in p.warnings],
        unrecognised=unrecognised,
    )


# ---------------------------------------------------------------------------
# Episodes


def _whole_periods(extract, table: TextTable, spec: EpisodeTable, account: _Account):
    """A period of care with a rejected row is not audited at all: without that row
    its start or end would be guessed. Its other rows are rejected, naming the row."""
    if len(extract.rejected) == 0 or len(extract.frame) == 0:
        return extract
    key_by_row = pd.Series(_keys(table.frame[spec.episode_id]).to_numpy(), index=table.rows)
    bad_rows = extract.rejected["row"].to_numpy()
    first_bad = (
        pd.Series(bad_rows, index=key_by_row.loc[bad_rows].to_numpy()).groupby(level=0).min()
    )
    keys = key_by_row.loc[extract.frame["row"].to_numpy()].to_numpy()
    hit = pd.Series(keys).isin(first_bad.index).to_numpy()
    if not hit.any():
        return extract
    rows = extract.frame["row"].to_numpy()[hit]
    ids = table.frame[spec.episode_id].to_numpy()[np.searchsorted(table.rows, rows)]
    reasons = [
        f"{spec.episode_id} '{cla}': row {int(first_bad[key])} of this period of care was "
        "rejected, so its start or end is not known"
        for cla, key in zip(ids, keys[hit], strict=True)
    ]
    account.parts.append(pd.DataFrame({"file": table.name, "row": rows, "reason": reasons}))
    extract.frame = extract.frame.loc[~hit].reset_index(drop=True)
    return extract


def _periods_of_care(extract, table: TextTable, spec: EpisodeTable):
    """One episode per period of care (``clae_cla_id``), over its usable rows: the
    earliest start; the ceased date of its latest row, blank if any row is open."""
    frame = extract.frame
    if len(frame) == 0:
        return extract
    cla_by_row = pd.Series(table.frame[spec.episode_id].to_numpy(), index=table.rows)
    cla = cla_by_row.loc[frame["row"].to_numpy()].to_numpy(dtype=object)
    key = pd.Series(cla, dtype=object).map(id_key)
    order = np.lexsort((frame["start_date"].to_numpy(), key.to_numpy(dtype=str)))
    frame = frame.iloc[order].reset_index(drop=True)
    key = key.iloc[order].reset_index(drop=True)
    cla = cla[order]
    group = key.to_numpy(dtype=str)
    first = np.r_[True, group[1:] != group[:-1]]
    last = np.r_[group[1:] != group[:-1], True]
    any_open = frame["end_date"].isna().groupby(group, sort=False).transform("any").to_numpy()
    starts = frame["start_date"].to_numpy()[first]
    ends = frame["end_date"].to_numpy()[last]
    ends = np.where(any_open[last], np.datetime64("NaT"), ends)
    out = frame.loc[first].reset_index(drop=True)
    out = out.assign(
        episode_id=pd.Series(cla[first], dtype=out["episode_id"].dtype),
        start_date=starts,
        end_date=pd.Series(ends, dtype=out["end_date"].dtype),
    )
    out = out.sort_values("row", kind="stable").reset_index(drop=True)
    extract.frame = out
    return extract


def _distinct_episode_ids(parts):
    """All episodes in one frame. An id that names episodes in two tables (a CIN plan
    and a CP plan both numbered 5) would join visits to the wrong one: such ids are
    shown with their table's prefix (``cinp:5``, ``cppl:5``), and a warning says so."""
    seen: dict[str, set[str]] = {}
    for spec, extract in parts:
        for k in set(extract.frame["episode_id"].map(id_key)):
            seen.setdefault(k, set()).add(spec.name)
    clashes = {k for k, owners in seen.items() if len(owners) > 1}
    renamed: dict[tuple[str, str], str] = {}
    frames = []
    for spec, extract in parts:
        frame = extract.frame
        if clashes:
            prefix = spec.episode_id.split("_")[0]
            hit = frame["episode_id"].map(id_key).isin(clashes)
            if hit.any():
                new = prefix + ":" + frame["episode_id"].astype(str)
                for old, value in zip(frame["episode_id"][hit], new[hit], strict=True):
                    renamed[(spec.name, id_key(old))] = value
                frame = frame.assign(
                    episode_id=frame["episode_id"]
                    .where(~hit, new)
                    .astype(frame["episode_id"].dtype)
                )
        frames.append(frame)
    warning = None
    if clashes:
        # No id is quoted: under --pseudonymise a warning must not name an episode.
        owners = sorted({t for k in clashes for t in seen[k]})
        prefixes = ", ".join(f"{s.episode_id.split('_')[0]}:" for s, _ in parts if s.name in owners)
        warning = (
            f"{len(clashes)} episode id{'s name' if len(clashes) > 1 else ' names'} episodes in "
            f"more than one SSD table ({', '.join(owners)}); they are shown with their "
            f"table's prefix ({prefixes})"
        )
    frame = pd.concat(frames, ignore_index=True)
    return frame, renamed, warning


def _renamed_ties(plan_ids: pd.Series, table: str, renamed) -> pd.Series:
    """Plan ids as their episodes are named (with the table's prefix on a clash)."""
    mine = {k: v for (t, k), v in renamed.items() if t == table}
    if not mine:
        return plan_ids
    return _keys(plan_ids).map(mine).fillna(plan_ids).astype(object)


def _keys(text: pd.Series) -> pd.Series:
    """The matching keys (:func:`id_keys`) of a column of trimmed text, one Arrow pass."""
    keys = id_keys(pa.array(text.to_numpy(dtype=object), type=pa.string()))
    return pd.Series(keys.to_pylist(), index=text.index, dtype=object)


def _person_of_plan(table: TextTable, spec: EpisodeTable) -> dict[str, str]:
    """plan id (matching key) → person id, for visit tables that name only the plan."""
    frame = table.frame
    return dict(zip(_keys(frame[spec.episode_id]), frame[spec.child_id], strict=True))


def _people(table: TextTable | None) -> tuple[dict[str, str], _Account | None]:
    """person id (matching key) → date of birth as ISO text; a date of birth that is
    no date rejects that ssd_person row (the child's episodes are still audited)."""
    if table is None:
        return {}, None
    account = _Account(table)
    _require(table, PERSON[1])
    if PERSON[2] not in table.frame.columns:
        return {}, account
    text = table.frame[PERSON[2]]
    days, status = parse_text_dates(text)
    bad = (status != dates.OK) & (status != dates.BLANK)
    account.reject(
        bad, "pers_dob '" + text.str.slice(0, 40) + "' is not a date (the child's age is unknown)"
    )
    good = status == dates.OK
    iso = np.datetime_as_string(days, unit="D")
    ids = _keys(table.frame[PERSON[1]]).to_numpy()
    return dict(zip(ids[good], iso[good], strict=True)), account


def _dob(person: pd.Series, people: dict[str, str]) -> pd.Series:
    return _keys(person).map(people).fillna("").astype(object)


def _lookup(table: TextTable | None, key: str, value: str) -> dict[str, str]:
    if table is None or key not in table.frame.columns or value not in table.frame.columns:
        return {}
    frame = table.frame.loc[table.frame[value] != ""]
    return dict(zip(_keys(frame[key]), frame[value], strict=True))


def _named(ids: pd.Series | str, names: dict[str, str]) -> pd.Series | str:
    """A worker or team id as its name where the SSD's lookup table has it, else as given."""
    if isinstance(ids, str) or not names:
        return ids
    named = _keys(ids).map(names)
    return named.where(named.notna() & (ids != ""), ids).astype(object)


def _involvements(table: TextTable | None):
    """The usable involvements (person key, start, end, professional, team), and the
    table's account; a row without a readable start date is rejected."""
    if table is None:
        return None, None
    account = _Account(table)
    _require(table, "invo_person_id", "invo_involvement_start_date")
    frame = table.frame

    def col(name):
        return frame[name] if name in frame.columns else pd.Series("", index=frame.index)

    start_text = frame["invo_involvement_start_date"]
    end_text = col("invo_involvement_end_date")
    start, start_status = parse_text_dates(start_text)
    end, end_status = parse_text_dates(end_text)
    no_person = (frame["invo_person_id"] == "").to_numpy()
    bad_start = start_status != dates.OK
    bad_end = (end_status != dates.OK) & (end_status != dates.BLANK)
    reason = pd.Series("", index=frame.index, dtype=object)
    reason[bad_end] = (
        "invo_involvement_end_date '" + end_text[bad_end].str.slice(0, 40) + ("' is not a date")
    )
    reason[bad_start] = (
        "invo_involvement_start_date '" + start_text[bad_start].str.slice(0, 40) + "' is not a date"
    )
    reason[no_person] = "no invo_person_id"
    bad = no_person | bad_start | bad_end
    account.reject(bad, reason)
    keep = ~bad
    rows = pd.DataFrame(
        {
            "person": _keys(frame["invo_person_id"]),
            "start": start,
            "end": np.where(end_status == dates.OK, end, np.datetime64("NaT")),
            "worker": col("invo_professional_id"),
            "team": col("invo_professional_team"),
        }
    ).loc[keep]
    return rows, account


def _workers_from_involvements(cases, involvements, names_of, as_of: dt.date):
    """Worker and team, where an episode has none, from the child's involvement open
    on the episode's last audited day (its end date, or the audit date), the latest
    started first; professional and team ids named through their lookup tables."""
    if involvements is None or len(involvements) == 0 or len(cases) == 0:
        return cases
    need = (cases["worker"].isna() | cases["team"].isna()).to_numpy()
    if not need.any():
        return cases
    as_of_day = np.datetime64(as_of, "D")
    end = cases["end_date"].to_numpy().astype("datetime64[D]")
    day = np.where(np.isnat(end), as_of_day, np.minimum(end, as_of_day))
    episodes = pd.DataFrame(
        {
            "at": np.flatnonzero(need),
            "person": cases["child_id"].to_numpy(dtype=object)[need],
            "day": day[need],
        }
    )
    episodes["person"] = episodes["person"].map(id_key)
    both = episodes.merge(involvements, on="person", how="inner")
    open_on = (both["start"] <= both["day"]) & (both["end"].isna() | (both["end"] >= both["day"]))
    both = both.loc[open_on].sort_values(["at", "start"], ascending=[True, False], kind="stable")
    chosen = both.drop_duplicates("at", keep="first")
    if len(chosen) == 0:
        return cases
    at = chosen["at"].to_numpy()
    worker = cases["worker"].to_numpy(dtype=object).copy()
    team = cases["team"].to_numpy(dtype=object).copy()
    new_worker = np.asarray(_named(chosen["worker"], names_of["worker"]), dtype=object)
    new_team = np.asarray(_named(chosen["team"], names_of["team"]), dtype=object)
    blank_w = pd.isna(worker[at])
    blank_t = pd.isna(team[at])
    worker[at[blank_w]] = np.where(new_worker[blank_w] == "", None, new_worker[blank_w])
    team[at[blank_t]] = np.where(new_team[blank_t] == "", None, new_team[blank_t])
    return cases.assign(
        worker=pd.Series(worker, dtype=cases["worker"].dtype),
        team=pd.Series(team, dtype=cases["team"].dtype),
    )


# ---------------------------------------------------------------------------
# Visits


def _visit_children(table: TextTable, spec: VisitTable, plan_people, account: _Account):
    """Each visit's child: its person id, or (the Mosaic variant) its plan's person.
    A visit naming neither, or a plan the SSD does not hold, is rejected."""
    frame = table.frame
    _need(table, spec.visit_date)
    has_person = spec.child_id in frame.columns
    has_plan = spec.plan_id in frame.columns
    if not (has_person or has_plan):
        raise InputError(
            f"{table.name} ({table.path}): no column {spec.child_id} or {spec.plan_id}; "
            "a visit needs its child or its plan"
        )
    person = frame[spec.child_id] if has_person else pd.Series("", index=frame.index)
    child = person.to_numpy(dtype=object).copy()
    missing = child == ""
    if has_plan and missing.any():
        people = plan_people.get(spec.plan_table)
        if people is None:
            raise InputError(
                f"{table.name} ({table.path}): visits name their plan ({spec.plan_id}) but not "
                f"their child, and {spec.plan_table} is not there to say whose plan it is; "
                f"add {spec.plan_table} to the SSD"
            )
        plans = frame[spec.plan_id].to_numpy(dtype=object)
        keys = id_keys(pa.array(plans[missing], type=pa.string())).to_pylist()
        child[missing] = pd.Series(keys, dtype=object).map(people).fillna("").to_numpy()
        unknown = missing & (child == "") & (plans != "")
        reason = (
            spec.plan_id + " '" + frame[spec.plan_id].str.slice(0, 40)
            + "' names no plan in " + spec.plan_table
        )  # fmt: skip
        account.reject(unknown, reason)
        keep = ~unknown
    else:
        keep = np.ones(len(frame), dtype=bool)
    return child, keep


# ---------------------------------------------------------------------------


def _found_line(source, names, episode_tables, visit_tables) -> str:
    """What was read: the plan types found, and the SSD tables not audited and why."""
    found = ", ".join(f"{t.plan_type} ({t.name})" for t in episode_tables)
    absent = [t.name for t in EPISODE_TABLES if t not in episode_tables]
    absent += [t.name for t in VISIT_TABLES if t not in visit_tables]
    parts = [f"SSD {source.where}: plan types found: {found}"]
    parts.append("visits from " + ", ".join(t.name for t in visit_tables))
    skipped = [f"{name} ({why})" for name, why in NOT_AUDITED.items() if name in names]
    if skipped:
        parts.append("not audited: " + "; ".join(skipped))
    if absent:
        parts.append("absent, so not audited: " + ", ".join(absent))
    return "; ".join(parts)
