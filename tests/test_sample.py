"""The synthetic extracts of ``visit-audit sample``: shape, determinism and realism."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from visit_audit.plan_types import alias_table, normalise_name
from visit_audit.sample import CANONICAL_PLAN_TYPES, write_sample

AS_OF = dt.date(2026, 10, 31)
BARNSLEY = (
    "s47_enquiry",
    "s17_assessment",
    "child_in_need",
    "child_protection",
    "temporary_approval",
    "care_order_at_home",
    "missing",
    "exploitation",
)
# README "Input format": each field's name and (some of) its aliases.
CASE_ALIASES = {
    "child_id": ("person_id", "child id", "person reference", "ID", "LCS ID", "Mosaic ID"),
    "plan_type": ("plan", "episode type", "category", "service"),
    "start_date": ("start", "plan start date", "placement start"),
    "end_date": ("end", "plan end date", "closure date"),
    "episode_id": ("episode", "plan id", "case id"),
    "date_of_birth": ("dob", "birth date"),
    "first_review_date": ("first review", "review date"),
    "reduced_frequency_date": ("permanence date", "reduced frequency agreed"),
    "decision_date": ("decision date",),
    "visit_frequency": ("frequency", "plan visit frequency"),
    "worker": ("social worker", "allocated worker", "practitioner"),
    "team": ("team name", "service area"),
}
VISIT_ALIASES = {
    "child_id": CASE_ALIASES["child_id"],
    "visit_date": ("date", "date of visit", "contact date", "visit date/time"),
    "visit_type": ("type", "contact type"),
    "seen": ("child seen",),
    "seen_alone": ("child seen alone",),
    "location": ("visit location", "where seen"),
    "bedroom_seen": ("sleeping arrangements seen", "bedroom"),
    "unannounced": ("announced",),
    "episode_id": (),
    "worker": (),
}
UK_DATE = re.compile(r"\d{2}/\d{2}/\d{4}")
UK_DATE_TIME = re.compile(r"\d{2}/\d{2}/\d{4}( \d{2}:\d{2})?")
CASE_DATES = (
    "Start Date",
    "End Date",
    "DOB",
    "First Review Date",
    "Permanence Date",
    "Decision Date",
)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def day(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text.str.slice(0, 10).where(text != ""), format="%d/%m/%Y")


def plan_types_of(cases: pd.DataFrame) -> set[str]:
    table = alias_table()
    return {table.get(normalise_name(x), x) for x in cases["Plan Type"]}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = tmp_path_factory.mktemp("sample")
    cases, visits = write_sample(out, children=1000, seed=5)
    return read(cases), read(visits)


def test_writes_cases_and_visits_csv(tmp_path):
    paths = write_sample(tmp_path / "new", children=20, seed=1)
    assert paths == (tmp_path / "new" / "cases.csv", tmp_path / "new" / "visits.csv")
    assert all(p.stat().st_size > 0 for p in paths)


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = write_sample(tmp_path / "a", children=150, seed=11)
    b = write_sample(tmp_path / "b", children=150, seed=11)
    c = write_sample(tmp_path / "c", children=150, seed=12)
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes()
    assert a[1].read_bytes() != c[1].read_bytes()


def test_headers_are_contract_aliases(sample):
    cases, visits = sample
    for frame, aliases in ((cases, CASE_ALIASES), (visits, VISIT_ALIASES)):
        known = {
            normalise_name(name): field
            for field, names in aliases.items()
            for name in (field, *names)
        }
        fields = [known.get(normalise_name(h)) for h in frame.columns]
        assert None not in fields, list(zip(frame.columns, fields, strict=True))
        assert len(set(fields)) == len(fields)
        assert set(fields) == set(aliases)  # every field, required or not


def test_every_plan_type_appears_spelt_as_extracts_spell_them(sample):
    cases, _ = sample
    assert plan_types_of(cases) == set(CANONICAL_PLAN_TYPES)
    # Spelt with the aliases of README "Plan types", never the snake_case names.
    assert not set(cases["Plan Type"]) & set(CANONICAL_PLAN_TYPES)
    assert {"CP", "CLA", "CIN"} <= set(cases["Plan Type"])


def test_framework_plan_types_and_an_unknown_one(tmp_path):
    wanted = (*BARNSLEY, "kinship_care")
    cases_path, visits_path = write_sample(tmp_path, children=300, seed=2, plan_types=wanted)
    cases, visits = read(cases_path), read(visits_path)
    assert plan_types_of(cases) == set(wanted)
    kinship = cases.loc[cases["Plan Type"] == "kinship_care", "Person ID"]
    assert visits["Person ID"].isin(kinship).any()  # the generic cadence visits them


def test_fewer_children_than_plan_types_still_covers_every_plan_type(tmp_path):
    cases_path, visits_path = write_sample(tmp_path, children=3, seed=4)
    cases = read(cases_path)
    assert cases["Person ID"].nunique() == 3
    assert plan_types_of(cases) == set(CANONICAL_PLAN_TYPES)
    assert set(read(visits_path)["Person ID"]) <= set(cases["Person ID"])


def test_every_visit_is_of_a_child_in_the_cases(sample):
    cases, visits = sample
    assert set(visits["Person ID"]) <= set(cases["Person ID"])


def test_a_visit_naming_its_episode_falls_within_it(sample):
    cases, visits = sample
    tied = visits[visits["Episode ID"] != ""].merge(
        cases, on="Episode ID", suffixes=("", "_case"), validate="many_to_one"
    )
    assert (tied["Person ID"] == tied["Person ID_case"]).all()
    when = day(tied["Date of Visit"])
    assert (when >= day(tied["Start Date"])).all()
    assert (when <= day(tied["End Date"]).fillna(pd.Timestamp(AS_OF))).all()


def test_nothing_is_dated_after_as_of(sample):
    cases, visits = sample
    assert day(visits["Date of Visit"]).max() <= pd.Timestamp(AS_OF)
    for column in CASE_DATES:
        assert not (day(cases[column]) > pd.Timestamp(AS_OF)).any(), column


def test_as_of_moves_the_whole_sample(tmp_path):
    as_of = dt.date(2024, 3, 31)
    _, visits_path = write_sample(tmp_path, children=200, seed=3, as_of=as_of)
    dates = day(read(visits_path)["Date of Visit"])
    assert dates.max() <= pd.Timestamp(as_of)
    assert dates.max() >= pd.Timestamp(as_of) - pd.Timedelta(days=7)


def test_dates_are_uk_dd_mm_yyyy_some_visits_with_a_time(sample):
    cases, visits = sample
    for column in CASE_DATES:
        values = cases.loc[cases[column] != "", column]
        assert values.str.fullmatch(UK_DATE).all(), column
    assert cases["Start Date"].ne("").all() and cases["DOB"].ne("").all()
    stamps = visits["Date of Visit"]
    assert stamps.str.fullmatch(UK_DATE_TIME).all()
    with_time = stamps.str.len() > 10
    assert 0.1 < with_time.mean() < 0.5
    # Day first: some day numbers above 12.
    assert (stamps.str.slice(0, 2).astype(int) > 12).any()


def test_child_ids_keep_their_leading_zeros(sample):
    cases, visits = sample
    for ids in (cases["Person ID"], visits["Person ID"]):
        assert ids.str.fullmatch(r"\d{7}").all()
    assert cases["Person ID"].str.startswith("0").all()


def test_visits_per_child_and_episodes_per_child_as_calibrated(sample):
    cases, visits = sample
    children = cases["Person ID"].nunique()
    assert children == 1000
    assert 1.4 <= len(cases) / children <= 1.85
    assert 18 <= len(visits) / children <= 28


def test_visits_hold_contacts_no_access_and_return_home_interviews(sample):
    _, visits = sample
    kinds = visits["Contact Type"]
    assert kinds.isin(["Phone call", "Text message", "Video call"]).mean() > 0.05
    assert kinds.isin(["RHI", "Return Home Interview"]).any()
    assert kinds.isin(["Home Visit", "Statutory Visit", "CP Visit"]).mean() > 0.3
    seen = visits["Child Seen"]
    assert set(seen) <= {"", "Y", "Seen", "N", "No access", "Not seen"}
    assert 0.01 < seen.isin(["N", "No access", "Not seen"]).mean() < 0.1
    for column in ("Seen Alone", "Bedroom Seen", "Unannounced"):
        assert set(visits[column]) == {"", "Y", "N"}, column
    assert {"Home", "School", ""} <= set(visits["Visit Location"])


def test_case_columns_are_filled_where_realistic(sample):
    cases, _ = sample
    plan = cases["Plan Type"].map(lambda x: alias_table()[normalise_name(x)])
    reviewed = plan.isin(["adoption", "temporary_approval", "care_order_at_home"])
    assert (cases.loc[reviewed, "First Review Date"] != "").mean() > 0.8
    assert (cases.loc[~reviewed, "First Review Date"] == "").all()
    assert (cases.loc[plan == "child_in_care", "Permanence Date"] != "").any()
    referral = plan == "referral"
    assert (cases.loc[referral, "Decision Date"] != "").mean() > 0.9
    assert (cases.loc[~referral, "Decision Date"] == "").all()
    assert 0.01 < (cases["Visit Frequency"] != "").mean() < 0.1
    assert (cases["End Date"] == "").mean() > 0.2  # many episodes still open
    leaver = cases[plan == "care_leaver"]
    age = (pd.Timestamp(AS_OF) - day(leaver["DOB"])).dt.days / 365.25
    assert age.between(17, 23).all()
    assert 5 <= cases["Team"].nunique() <= 10
    assert cases["Social Worker"].nunique() > 30
    assert (day(cases["DOB"]) <= day(cases["Start Date"])).all()


def test_several_episodes_for_some_children(sample):
    cases, _ = sample
    episodes = cases.groupby("Person ID").size()
    assert (episodes > 1).mean() > 0.2
    assert cases["Episode ID"].is_unique


def test_ascii_except_the_deliberate_names(sample, tmp_path):
    cases_path, visits_path = write_sample(tmp_path, children=400, seed=9)
    text = cases_path.read_text(encoding="utf-8") + visits_path.read_text(encoding="utf-8")
    assert {ch for ch in text if not ch.isascii()} <= {"ë", "â"}
    assert "Zoë" in text
