"""The synthetic sample as the SSD's tables and as an Ofsted Annex A workbook.

``visit-audit sample OUT --format ssd|annex-a``: the same children as the
canonical sample (:func:`visit_audit.sample.write_sample`), read back through
the canonical loaders and written in the shapes councils already hold, so both
paths can be tried in one command and tested against the canonical audit.
What the SSD cannot say (contacts, return home interviews, meetings, visit
locations, review and permanence dates, plan types it has no table for) is
left out; what it says in its own way is said that way: a period of care over
several rows, workers and teams by id through ``ssd_professionals`` and
``ssd_department``, child protection and care workers in ``ssd_involvements``,
``DATETIME`` text, ISO and UK dates, Y/N and Yes/No.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from visit_audit.sample import DEFAULT_AS_OF, write_sample

SSD_PLAN_TYPES = (
    "early_help",
    "s47_enquiry",
    "s17_assessment",
    "child_in_need",
    "child_protection",
    "child_in_care",
)


def canonical_sample(out_dir: Path, **kwargs) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """The canonical sample written to ``out_dir`` and read back as canonical frames."""
    paths = list(write_sample(out_dir, **kwargs))
    return (*_read_canonical(paths), paths)


def _read_canonical(paths: Sequence[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """cases.csv and visits.csv (``paths``, in that order) as canonical frames."""
    from visit_audit.io.load import load_cases, load_visits

    return load_cases(paths[0]).frame, load_visits(paths[1]).frame


def ssd_view(cases: pd.DataFrame, visits: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the SSD holds of canonical frames, as canonical frames: its plan types,
    no review/permanence/decision dates or own frequencies; its visits only
    face-to-face ones, tied to child protection and care episodes and untied
    otherwise (``ssd_cin_visits`` has no plan), without location or announcement,
    and no bedroom answer for children in care."""
    cases = cases.loc[cases["plan_type"].isin(SSD_PLAN_TYPES)].reset_index(drop=True)
    cases = cases.assign(
        first_review_date=pd.NaT,
        reduced_frequency_date=pd.NaT,
        decision_date=pd.NaT,
        visit_frequency=pd.Series([None] * len(cases), dtype=cases["visit_frequency"].dtype),
    )
    plan_of = dict(zip(cases["episode_id"], cases["plan_type"], strict=True))
    tied = visits["episode_id"].map(plan_of)
    untied = visits["episode_id"].isna()
    keep = (visits["visit_type"] == "visit") & (tied.notna() | untied)
    keep &= visits["child_id"].isin(set(cases["child_id"]))
    visits = visits.loc[keep.to_numpy(bool)].reset_index(drop=True)
    tied = tied.loc[keep.to_numpy(bool)].reset_index(drop=True)
    stays_tied = tied.isin(["child_protection", "child_in_care"]).to_numpy(bool)
    nulls = np.array([None] * len(visits), dtype=object)
    return cases, visits.assign(
        episode_id=pd.Series(
            np.where(stays_tied, visits["episode_id"].to_numpy(object), None),
            dtype=visits["episode_id"].dtype,
        ),
        location=pd.Series(nulls, dtype=visits["location"].dtype),
        unannounced=pd.array([pd.NA] * len(visits), dtype="boolean"),
        bedroom_seen=visits["bedroom_seen"].where(~tied.eq("child_in_care").to_numpy(bool), pd.NA),
        visit_type=visits["visit_type"],
    )


def _datetime_text(values: pd.Series) -> pd.Series:
    """SQL Server's DATETIME as it is exported: 2024-12-10 00:00:00.000."""
    out = values.dt.strftime("%Y-%m-%d %H:%M:%S") + ".000"
    return out.fillna("")


def _uk(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%d/%m/%Y").fillna("")


def _iso(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").fillna("")


def _yn(values: pd.Series, yes: str = "Y", no: str = "N") -> pd.Series:
    out = pd.Series("", index=values.index, dtype=object)
    out[values.fillna(False).astype(bool)] = yes
    out[(~values.fillna(True)).astype(bool)] = no
    return out


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "")


def ssd_tables(cases: pd.DataFrame, visits: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Canonical frames (as :func:`ssd_view` gives them) as the SSD's tables."""
    workers = sorted(set(cases["worker"].dropna()))
    teams = sorted(set(cases["team"].dropna()))
    worker_id = {w: f"P{i + 1:04d}" for i, w in enumerate(workers)}
    team_id = {t: f"T{i + 1:03d}" for i, t in enumerate(teams)}
    people = cases.drop_duplicates("child_id")
    tables: dict[str, pd.DataFrame] = {
        "ssd_person": pd.DataFrame(
            {
                "pers_person_id": people["child_id"],
                "pers_dob": _datetime_text(people["date_of_birth"]),
            }
        ),
        "ssd_professionals": pd.DataFrame(
            {
                "prof_professional_id": list(worker_id.values()),
                "prof_staff_id": [f"S{i + 1}" for i in range(len(workers))],
                "prof_professional_name": workers,
            }
        ),
        "ssd_department": pd.DataFrame(
            {"dept_team_id": list(team_id.values()), "dept_team_name": teams}
        ),
    }

    def of(plan: str) -> pd.DataFrame:
        return cases.loc[cases["plan_type"] == plan]

    def ids(values: pd.Series, lookup: dict[str, str]) -> pd.Series:
        return values.map(lambda v: lookup.get(v, "") if isinstance(v, str) else "")

    eh = of("early_help")
    tables["ssd_early_help_episodes"] = pd.DataFrame(
        {
            "earl_episode_id": eh["episode_id"],
            "earl_person_id": eh["child_id"],
            "earl_episode_start_date": _iso(eh["start_date"]),
            "earl_episode_end_date": _iso(eh["end_date"]),
            "earl_episode_organisation": _text(eh["team"]),  # the team's name, as given
            "earl_episode_worker_id": ids(eh["worker"], worker_id),
        }
    )
    for name, plan, prefix, cols in (
        ("ssd_s47_enquiry", "s47_enquiry", "s47e", ("s47_enquiry_id", "s47_start_date",
         "s47_end_date", "s47_completed_by_team", "s47_completed_by_worker_id")),
        ("ssd_cin_assessments", "s17_assessment", "cina", ("assessment_id",
         "assessment_start_date", "assessment_auth_date", "assessment_team",
         "assessment_worker_id")),
        ("ssd_cin_plans", "child_in_need", "cinp", ("cin_plan_id", "cin_plan_start_date",
         "cin_plan_end_date", "cin_plan_team", "cin_plan_worker_id")),
    ):  # fmt: skip
        ep = of(plan)
        dated = _uk if plan == "child_in_need" else _datetime_text
        episode, start, end, team, worker = (f"{prefix}_{c}" for c in cols)
        tables[name] = pd.DataFrame(
            {
                episode: ep["episode_id"],
                f"{prefix}_person_id": ep["child_id"],
                start: dated(ep["start_date"]),
                end: dated(ep["end_date"]),
                team: ids(ep["team"], team_id),
                worker: ids(ep["worker"], worker_id),
            }
        )
    cp = of("child_protection")
    tables["ssd_cp_plans"] = pd.DataFrame(
        {
            "cppl_cp_plan_id": cp["episode_id"],
            "cppl_person_id": cp["child_id"],
            "cppl_cp_plan_start_date": _datetime_text(cp["start_date"]),
            "cppl_cp_plan_end_date": _datetime_text(cp["end_date"]),
        }
    )
    tables["ssd_cla_episodes"] = _cla_rows(of("child_in_care"))
    both = pd.concat([cp, of("child_in_care")])
    tables["ssd_involvements"] = pd.DataFrame(
        {
            "invo_involvements_id": [f"I{i + 1}" for i in range(len(both))],
            "invo_professional_id": ids(both["worker"], worker_id).to_numpy(),
            "invo_professional_team": ids(both["team"], team_id).to_numpy(),
            "invo_person_id": both["child_id"].to_numpy(),
            "invo_involvement_start_date": _datetime_text(both["start_date"]).to_numpy(),
            "invo_involvement_end_date": _datetime_text(both["end_date"]).to_numpy(),
        }
    )
    plan_of = dict(zip(cases["episode_id"], cases["plan_type"], strict=True))
    tie = visits["episode_id"].map(plan_of)
    visit_tables: tuple[tuple[str, str | None, str, str, tuple[str, str]], ...] = (
        ("ssd_cin_visits", None, "cinv", "cin", ("Y", "N")),
        ("ssd_cp_visits", "child_protection", "cppv", "cp", ("Y", "N")),
        ("ssd_cla_visits", "child_in_care", "clav", "cla", ("Yes", "No")),
    )
    for name, tied_to, prefix, extra, seen in visit_tables:
        mine = visits.loc[tie.isna()] if tied_to is None else visits.loc[tie == tied_to]
        table = {
            f"{prefix}_{extra}_visit_id": [f"{prefix.upper()}{i + 1}" for i in range(len(mine))],
            f"{prefix}_person_id": mine["child_id"].to_numpy(),
        }
        if tied_to == "child_protection":
            table["cppv_cp_plan_id"] = mine["episode_id"].to_numpy()
        if tied_to == "child_in_care":
            table["clav_cla_id"] = mine["episode_id"].to_numpy()
        table[f"{prefix}_{extra}_visit_date"] = _datetime_text(mine["visit_date"]).to_numpy()
        table[f"{prefix}_{extra}_visit_seen"] = _yn(mine["seen"], *seen).to_numpy()
        table[f"{prefix}_{extra}_visit_seen_alone"] = _yn(mine["seen_alone"], *seen).to_numpy()
        if tied_to != "child_in_care":
            table[f"{prefix}_{extra}_visit_bedroom"] = _yn(mine["bedroom_seen"], *seen).to_numpy()
        tables[name] = pd.DataFrame(table)
    return tables


def _cla_rows(cla: pd.DataFrame) -> pd.DataFrame:
    """One row per period of care, and two for every third long one (a change of
    legal status part-way): the SSD's ``ssd_cla_episodes`` rows share ``clae_cla_id``."""
    long = (cla["end_date"].fillna(pd.Timestamp(DEFAULT_AS_OF)) - cla["start_date"]).dt.days > 60
    split = long.to_numpy(bool) & (np.arange(len(cla)) % 3 == 0)
    middle = cla["start_date"] + pd.to_timedelta(30, unit="D")
    first = cla.assign(end_date=cla["end_date"].where(~split, middle))
    second = cla.loc[split].assign(start_date=middle[split])
    rows = pd.concat([first, second]).sort_values(["child_id", "start_date"], kind="stable")
    return pd.DataFrame(
        {
            "clae_cla_episode_id": [f"E{i + 1}" for i in range(len(rows))],
            "clae_person_id": rows["child_id"].to_numpy(),
            "clae_cla_id": rows["episode_id"].to_numpy(),
            "clae_cla_episode_start_date": _datetime_text(rows["start_date"]).to_numpy(),
            "clae_cla_episode_ceased_date": _datetime_text(rows["end_date"]).to_numpy(),
            "clae_cla_primary_need_code": "N1",
        }
    )


def write_ssd(out_dir: Path, cases: pd.DataFrame, visits: pd.DataFrame) -> list[Path]:
    """The SSD's tables as ``ssd_<table>.csv`` files in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cases, visits = ssd_view(cases, visits)
    paths = []
    for name, frame in ssd_tables(cases, visits).items():
        path = out_dir / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    care_leavers = out_dir / "ssd_care_leavers.csv"
    pd.DataFrame(
        columns=["clea_table_id", "clea_person_id", "clea_care_leaver_latest_contact"]
    ).to_csv(care_leavers, index=False)
    paths.append(care_leavers)
    return paths


# ---------------------------------------------------------------------------
# Annex A

ANNEX_A_COMMON = ("Child Unique ID", "Gender", "Date of Birth ((DD/MM/YYYY))")
ANNEX_A_LISTS = {
    # sheet: (plan type, start, end, last visit, other)
    "List 6 - Children in need": (
        "child_in_need",
        "CIN Start Date",
        "CIN Closure Date",
        "Date Child Was Last Seen",
        None,
    ),
    "List 7 - Child protection": (
        "child_protection",
        "Child Protection Plan Start Date",
        "Child Protection Plan End Date",
        "Date of the Last Statutory Visit (DD/MM/YYYY)",
        "Was the Child Seen Alone?",
    ),
    "List 8 - Children in care": (
        "child_in_care",
        "Date Started to be Looked After",
        "Date Ceased to be Looked After",
        "Date of Last Social Work Visit",
        None,
    ),
    "List 9 - Care leavers": (
        "care_leaver",
        None,
        None,
        "Latest Date of Contact",
        "Allocated Personal Advisor",
    ),
}


def annex_a_sheets(
    cases: pd.DataFrame, visits: pd.DataFrame, as_of: dt.date
) -> dict[str, pd.DataFrame]:
    """Lists 6-9 of canonical frames on ``as_of``: the episodes open in the six
    months before it, each with the child's latest visit (the child seen) on or
    before ``as_of``; list 9's contact is any visit or contact."""
    cut = pd.Timestamp(as_of)
    seen = visits.loc[
        (visits["visit_date"] <= cut)
        & visits["visit_type"].isin(["visit"])
        & visits["seen"].fillna(True).astype(bool)
    ]
    contact = visits.loc[(visits["visit_date"] <= cut) & (visits["visit_type"] != "other")]
    sheets = {}
    for sheet, (plan, start, end, last, other) in ANNEX_A_LISTS.items():
        ep = cases.loc[
            (cases["plan_type"] == plan)
            & (cases["start_date"] <= cut)
            & (cases["end_date"].isna() | (cases["end_date"] >= cut - pd.Timedelta(days=183)))
        ]
        pool = contact if plan == "care_leaver" else seen
        # Each row's latest visit of the child while the episode was open.
        during = (
            ep.reset_index(drop=True)
            .reset_index(names="at")[["at", "child_id", "start_date", "end_date"]]
            .merge(pool[["child_id", "visit_date", "seen_alone"]], on="child_id")
        )
        during = during.loc[
            (during["visit_date"] >= during["start_date"])
            & (during["end_date"].isna() | (during["visit_date"] <= during["end_date"]))
        ]
        latest = during.sort_values("visit_date").drop_duplicates("at", keep="last")
        latest = latest.set_index("at").reindex(range(len(ep)))
        last_date = latest["visit_date"]
        frame = {
            "Child Unique ID": ep["child_id"].to_numpy(),
            "Gender": "c) Not known",
            "Date of Birth ((DD/MM/YYYY))": _uk(ep["date_of_birth"]).to_numpy(),
            "Allocated Team": _text(ep["team"]).to_numpy(),
            "Allocated Worker": _text(ep["worker"]).to_numpy(),
        }
        if start and end:
            frame[start] = ep["start_date"].to_numpy()  # real Excel date cells
            frame[end] = ep["end_date"].to_numpy()
        frame[last] = _uk(last_date).to_numpy()
        if other == "Was the Child Seen Alone?":
            alone = latest["seen_alone"]
            frame["Was the Child Seen Alone?"] = np.where(
                alone.fillna(False).astype(bool), "a) Yes", np.where(alone.isna(), "", "b) No")
            )
        elif other:
            frame[other] = _text(ep["worker"]).to_numpy()
        sheets[sheet] = pd.DataFrame(frame)
    return sheets


def write_annex_a(path: Path, cases: pd.DataFrame, visits: pd.DataFrame, as_of: dt.date) -> Path:
    """An Annex A workbook (lists 6-9) of canonical frames, as councils send it."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for sheet, frame in annex_a_sheets(cases, visits, as_of).items():
        ws = book.add_worksheet(sheet[:31])
        ws.write_row(0, 0, list(frame.columns))
        for c, name in enumerate(frame.columns):
            for r, value in enumerate(frame[name].tolist(), start=1):
                if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year"):
                    if pd.isna(value):
                        continue
                    ws.write_datetime(r, c, pd.Timestamp(value).to_pydatetime(), date_format)
                elif value is None or (isinstance(value, float) and np.isnan(value)):
                    continue
                else:
                    ws.write_string(r, c, str(value))
    book.close()
    return path


def write_source_sample(
    out_dir: Path, canonical: Sequence[Path], kind: str, as_of: dt.date = DEFAULT_AS_OF
) -> list[Path]:
    """The canonical sample just written (``canonical``: cases.csv, visits.csv) as the
    SSD's tables in ``out_dir/ssd`` (``kind`` "ssd") or ``out_dir/annex_a.xlsx`` ("annex-a")."""
    cases, visits = _read_canonical(canonical)
    if kind == "ssd":
        return write_ssd(out_dir / "ssd", cases, visits)
    return [write_annex_a(out_dir / "annex_a.xlsx", cases, visits, as_of)]
