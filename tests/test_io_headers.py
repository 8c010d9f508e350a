"""Header matching (README "Input format"): aliases, --columns, missing and duplicate columns."""

from __future__ import annotations

import pandas as pd
import pytest
from test_io_support import reasons, write_csv

from visit_audit.errors import InputError
from visit_audit.io import load_cases, load_column_map, load_visits
from visit_audit.io.fields import CASE_COLUMNS, CASE_FIELDS, VISIT_COLUMNS, VISIT_FIELDS

# (field, alias) for every alias of the README's tables ("Input format"), as extracts spell them.
CASE_ALIASES = [
    ("child_id", "person_id"),
    ("child_id", "Child ID"),
    ("child_id", "Pupil Reference"),
    ("child_id", "Person Reference"),
    ("child_id", "ID"),
    ("child_id", "LCS ID"),
    ("child_id", "Mosaic ID"),
    ("plan_type", "Plan"),
    ("plan_type", "Episode Type"),
    ("plan_type", "Category"),
    ("plan_type", "Service"),
    ("start_date", "Start"),
    ("start_date", "Plan Start Date"),
    ("start_date", "Placement Start"),
    ("start_date", "Date of Return"),
    ("end_date", "End"),
    ("end_date", "Plan End Date"),
    ("end_date", "Closure Date"),
    ("episode_id", "Episode"),
    ("episode_id", "Plan ID"),
    ("episode_id", "Case ID"),
    ("date_of_birth", "DOB"),
    ("date_of_birth", "Birth Date"),
    ("first_review_date", "First Review"),
    ("first_review_date", "Review Date"),
    ("reduced_frequency_date", "Permanence Date"),
    ("reduced_frequency_date", "Reduced Frequency Agreed"),
    ("decision_date", "Decision Date"),
    ("visit_frequency", "Frequency"),
    ("visit_frequency", "Plan Visit Frequency"),
    ("worker", "Social Worker"),
    ("worker", "Allocated Worker"),
    ("worker", "Practitioner"),
    ("team", "Team Name"),
    ("team", "Service Area"),
]
VISIT_ALIASES = [
    ("child_id", "person_id"),
    ("child_id", "CHILD ID"),
    ("child_id", "Pupil Reference"),
    ("child_id", "Person Reference"),
    ("child_id", "id"),
    ("child_id", "LCS ID"),
    ("child_id", "Mosaic-ID"),
    ("visit_date", "Date"),
    ("visit_date", "Date of Visit"),
    ("visit_date", "Contact Date"),
    ("visit_date", "Visit Date/Time"),
    ("visit_type", "Type"),
    ("visit_type", "Contact Type"),
    ("seen", "Child Seen"),
    ("seen_alone", "Child Seen Alone"),
    ("location", "Visit Location"),
    ("location", "Where Seen"),
    ("bedroom_seen", "Sleeping Arrangements Seen"),
    ("bedroom_seen", "Bedroom"),
    ("unannounced", "Unannounced"),
    ("episode_id", "episode_id"),
    ("worker", "worker"),
]

CASE_VALUES = {
    "child_id": "C1",
    "plan_type": "CP",
    "start_date": "2025-01-06",
    "end_date": "2025-03-01",
    "episode_id": "E9",
    "date_of_birth": "2015-05-05",
    "first_review_date": "2025-02-01",
    "reduced_frequency_date": "2025-02-15",
    "decision_date": "2025-01-07",
    "visit_frequency": "5 working days",
    "worker": "Ann",
    "team": "North",
}
VISIT_VALUES = {
    "child_id": "C1",
    "visit_date": "2025-01-06",
    "visit_type": "Phone call",
    "seen": "N",
    "seen_alone": "Y",
    "location": "home",
    "bedroom_seen": "N",
    "unannounced": "Y",
    "episode_id": "E9",
    "worker": "Ann",
}
CASE_EXPECTED = {"plan_type": "child_protection", "visit_type": "contact"}


def _value(frame, field):
    value = frame[field].iloc[0]
    return value.date().isoformat() if hasattr(value, "date") else value


@pytest.mark.parametrize(("field", "alias"), CASE_ALIASES)
def test_cases_header_alias_is_recognised(tmp_path, field, alias):
    header = {f: f for f in CASE_VALUES} | {field: alias}
    path = write_csv(tmp_path / "cases.csv", list(header.values()), [list(CASE_VALUES.values())])
    got = load_cases(path)
    assert len(got.frame) == 1, got.rejected
    expected = CASE_EXPECTED.get(field, CASE_VALUES[field])
    assert _value(got.frame, field) == expected


@pytest.mark.parametrize(("field", "alias"), VISIT_ALIASES)
def test_visits_header_alias_is_recognised(tmp_path, field, alias):
    header = {f: f for f in VISIT_VALUES} | {field: alias}
    path = write_csv(tmp_path / "visits.csv", list(header.values()), [list(VISIT_VALUES.values())])
    got = load_visits(path)
    assert len(got.frame) == 1, got.rejected
    expected = {
        "visit_type": "contact",
        "seen": False,
        "seen_alone": True,
        "bedroom_seen": False,
        "unannounced": True,
    }.get(field, VISIT_VALUES[field])
    assert _value(got.frame, field) == expected


def test_every_field_feeds_one_canonical_column():
    assert {f.column for f in VISIT_FIELDS} == set(VISIT_COLUMNS) - {"row"}
    assert {f.column for f in CASE_FIELDS} == set(CASE_COLUMNS) - {"row"}


def test_headers_match_ignoring_case_spaces_underscores_hyphens_and_dots(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        ["  CHILD.ID ", "Visit_Date", "visit-type", "Child  Seen?"],
        [["C1", "2025-01-06", "", "n"]],
    )
    got = load_visits(path)
    assert got.frame["child_id"].tolist() == ["C1"]
    assert got.frame["seen"].tolist() == [False]


def test_reordered_and_unknown_extra_columns_are_fine(tmp_path):
    path = write_csv(
        tmp_path / "cases.csv",
        ["Notes", "Start Date", "Favourite colour", "Plan", "Child ID"],
        [["x", "2025-01-06", "blue", "CIN", "007"]],
    )
    got = load_cases(path)
    assert list(got.frame.columns) == list(CASE_COLUMNS)
    assert got.frame["child_id"].tolist() == ["007"]
    assert got.frame["plan_type"].tolist() == ["child_in_need"]


def test_optional_columns_absent_from_the_file_are_all_missing(tmp_path):
    path = write_csv(
        tmp_path / "cases.csv",
        ["child_id", "plan_type", "start_date"],
        [["C1", "CP", "2025-01-06"]],
    )
    frame = load_cases(path).frame
    assert list(frame.columns) == list(CASE_COLUMNS)
    for column in ("end_date", "date_of_birth", "decision_date"):
        assert frame[column].isna().all()
        assert frame[column].dtype.kind == "M"
    for column in ("visit_frequency", "worker", "team"):
        assert frame[column].isna().all()
    assert frame["episode_id"].tolist() == ["C1-2"]


def test_missing_required_column_names_the_file_and_what_was_looked_for(tmp_path):
    path = write_csv(
        tmp_path / "cases.csv", ["Person", "Plan", "Start"], [["C1", "CP", "2025-01-06"]]
    )
    with pytest.raises(InputError) as err:
        load_cases(path)
    message = str(err.value)
    assert message.startswith("cases.csv: no column for child_id (looked for: child_id, person_id")
    assert "Mosaic ID" in message and "--mapping" in message
    assert "the file's headers are 'Person', 'Plan', 'Start'" in message
    assert "\n" not in message


def test_missing_visit_date_column(tmp_path):
    path = write_csv(tmp_path / "visits.csv", ["child_id", "when"], [["C1", "2025-01-06"]])
    with pytest.raises(InputError, match=r"visits\.csv: no column for visit_date \(looked for"):
        load_visits(path)


def test_columns_map_names_any_header_and_takes_precedence(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        ["ID", "Client No", "Date", "Actual Visit Date"],
        [["R1", "C1", "2025-01-01", "2025-01-06"]],
    )
    got = load_visits(path, columns={"Client No": "child_id", "actual visit date": "visit_date"})
    assert got.frame["child_id"].tolist() == ["C1"]
    assert got.frame["visit_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-06"]


def test_columns_map_naming_an_absent_header_warns(tmp_path):
    path = write_csv(tmp_path / "visits.csv", ["child_id", "visit_date"], [["C1", "2025-01-06"]])
    got = load_visits(path, columns={"Worker Name": "worker"})
    assert any("'Worker Name'" in w for w in got.warnings)


def test_columns_map_with_an_unknown_field_is_an_input_error(tmp_path):
    path = write_csv(tmp_path / "visits.csv", ["child_id", "visit_date"], [["C1", "2025-01-06"]])
    with pytest.raises(InputError, match="not a field"):
        load_visits(path, columns={"X": "vist_date"})


def test_same_field_under_two_headers_with_identical_values_keeps_one(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        ["child_id", "Date", "Visit Date"],
        [["C1", "2025-01-06", "2025-01-06"], ["C2", "2025-01-07", " 2025-01-07"]],
    )
    got = load_visits(path)
    assert len(got.frame) == 2
    assert any("'Date' and 'Visit Date'" in w for w in got.warnings)


def test_same_field_under_two_headers_with_different_values_is_an_input_error(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        ["child_id", "Date", "Visit Date"],
        [["C1", "2025-01-06", "2025-01-08"]],
    )
    with pytest.raises(InputError, match="'Date' and 'Visit Date' both read as visit_date"):
        load_visits(path)


def test_exact_duplicate_header_names(tmp_path):
    path = write_csv(
        tmp_path / "visits.csv",
        ["child_id", "visit_date", "child_id"],
        [["C1", "2025-01-06", "C1"]],
    )
    assert len(load_visits(path).frame) == 1


# --columns TOML -------------------------------------------------------------


def test_load_column_map_reads_both_tables(tmp_path):
    path = tmp_path / "cols.toml"
    path.write_text(
        '[cases]\n"Client No" = "child_id"\n"Legal Status" = "plan_type"\n\n'
        '[visits]\n"Client No" = "child_id"\n"Announced?" = "announced"\n',
        encoding="utf-8",
    )
    assert load_column_map(path) == {
        "cases": {"Client No": "child_id", "Legal Status": "plan_type"},
        "visits": {"Client No": "child_id", "Announced?": "announced"},
    }


def test_load_column_map_one_table_gives_both_keys(tmp_path):
    path = tmp_path / "cols.toml"
    path.write_text('[visits]\n"When" = "visit_date"\n', encoding="utf-8")
    assert load_column_map(path) == {"cases": {}, "visits": {"When": "visit_date"}}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[cases\n"a" = "child_id"\n', "not a valid TOML"),
        ('[cases]\n"Client" = "childid"\n', "[cases] 'Client' = 'childid' is not a field"),
        ('[visits]\n"Client" = "plan_type"\n', "[visits] 'Client' = 'plan_type' is not a field"),
        ('[episodes]\n"Client" = "child_id"\n', "unknown table [episodes]"),
        ('[cases]\n"Client" = 3\n', "[cases] 'Client' must map to a field name"),
        ('cases = "child_id"\n', "'cases' must be a table"),
    ],
)
def test_load_column_map_mistakes_name_the_file_and_key(tmp_path, text, needle):
    path = tmp_path / "cols.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_column_map(path)
    assert str(err.value).startswith("cols.toml: ")
    assert needle in str(err.value)


def test_load_column_map_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such mapping file"):
        load_column_map(tmp_path / "nope.toml")


def test_column_map_from_toml_drives_the_loader(tmp_path):
    cols = tmp_path / "cols.toml"
    cols.write_text('[visits]\n"Client No" = "child_id"\n"Planned?" = "announced"\n')
    path = write_csv(
        tmp_path / "visits.csv",
        ["Client No", "Date", "Planned?"],
        [["C1", "2025-01-06", "Y"], ["C2", "2025-01-06", "N"], ["C3", "2025-01-06", "what"]],
    )
    got = load_visits(path, columns=load_column_map(cols)["visits"])
    assert got.frame["unannounced"].tolist() == [False, True, pd.NA]
    assert reasons(got) == {}
    assert "1 announced answer (column 'Planned?') could not be read" in got.warnings[0]
