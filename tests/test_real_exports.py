"""Extracts as councils really export them (README: "Identifiers", "Visit types",
"Quality answers", "The mapping file", "Nothing to audit, stale extracts, future periods",
"Plan types"): never silently wrong.

Each test is named after the rule it proves.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from visit_audit.cli import app
from visit_audit.io import load_cases, load_visits
from visit_audit.io.mapping import load_mapping
from visit_audit.io.values import classify_visit_type
from visit_audit.pipeline import audit_files
from visit_audit.plan_types import alias_table, match_plan_type

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "mappings"

CP_CASES = "Child ID,Episode ID,Plan Type,Start Date,End Date,Worker,Team\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _xlsx(path: Path, header: list[str], rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _audit(*args: str) -> tuple[int, dict | None, str, str]:
    """Run ``audit`` with --json to a file next to the first argument."""
    out = Path(args[0]).parent / "result.json"
    if out.exists():
        out.unlink()
    result = runner.invoke(app, ["audit", *args, "--json", str(out), "--quiet"])
    data = json.loads(out.read_text()) if out.exists() else None
    return result.exit_code, data, result.stdout, result.stderr


def _keys(findings: list[dict]) -> list[tuple]:
    return sorted(
        (f["child_id"], f["episode_id"], f["kind"], f["due_date"], f["status"], f["days_late"])
        for f in findings
    )


# Identifiers -------------------------------------------------------------------------


@pytest.mark.slow  # a whole audit (or several)
def test_identifiers_digit_only_child_ids_match_without_leading_zeros(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "0001001,E1,CP,03/03/2025,,Ann,East\n")
    # Excel dropped the zeros: the id is a number in the workbook.
    visits = _xlsx(
        tmp_path / "visits.xlsx",
        ["Person ID", "Visit Date", "Visit Type"],
        [[1001, "04/03/2025", "Statutory Visit"], [1001, "14/03/2025", "Home Visit"]],
    )
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2025-03-20")
    assert code == 0
    assert data["findings"] == []  # both visits counted
    assert "0001001" in json.dumps(data["summary"]) or data["summary"]["overall"]["children"] == 1
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2025-04-30")
    assert {f["child_id"] for f in data["findings"]} == {"0001001"}  # the cases' spelling


def test_identifiers_episode_ids_match_without_leading_zeros(tmp_path):
    cases = _write(
        tmp_path / "cases.csv",
        CP_CASES + "C1,00077,CP,03/03/2025,,Ann,East\n" + "C1,00078,CIN,03/03/2025,,Ann,East\n",
    )
    visits = _write(
        tmp_path / "visits.csv",
        "child_id,visit_date,episode_id\nC1,04/03/2025,77\nC1,14/03/2025,77\n",
    )
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2025-03-20")
    assert code == 0
    # Tied to 00077 (CP) only: the CP chain is met, CIN has no visit yet (due later).
    assert data["findings"] == []
    assert not any("episode_id they are not dated within" in w for w in data["warnings"])


def test_identifiers_other_ids_match_exactly_with_case_kept(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "AB001,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(
        tmp_path / "visits.csv", "child_id,visit_date\nab001,04/03/2025\nAB1,05/03/2025\n"
    )
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2025-03-20")
    assert code == 0
    assert [f["kind"] for f in data["findings"]] == ["initial"]  # neither visit is AB001's


def test_identifiers_two_cases_ids_differing_only_by_zeros_stop_the_run(tmp_path):
    cases = _write(
        tmp_path / "cases.csv",
        CP_CASES + "007,E1,CP,03/03/2025,,Ann,East\n7,E2,CIN,03/03/2025,,Ann,East\n",
    )
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\n7,04/03/2025\n")
    code, data, _, err = _audit(str(cases), str(visits), "--as-of", "2025-03-20")
    assert code == 2 and data is None
    assert "'007' (row 2)" in err and "'7' (row 3)" in err and "leading zeros" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow  # a whole audit (or several)
def test_identifiers_explain_takes_either_spelling_and_suggests_the_closest(tmp_path):
    cases = _write(
        tmp_path / "cases.csv",
        CP_CASES + "0001001,E1,CP,03/03/2025,,Ann,East\n0001002,E2,CP,03/03/2025,,Ann,East\n",
    )
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\n1001,04/03/2025\n")
    base = ["explain", str(cases), str(visits), "--as-of", "2025-03-20"]
    for spelling in ("1001", "0001001", "01001"):
        result = runner.invoke(app, [*base, "--child", spelling])
        assert result.exit_code == 0, result.output
        assert "0001001" in result.stdout
    result = runner.invoke(app, [*base, "--child", "1003"])
    assert result.exit_code == 2
    assert "no episode for child '1003'; the closest are 000100" in result.stderr
    assert "0001001" in result.stderr and "0001002" in result.stderr


# Visit types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "meaning"),
    [
        ("RHI", "return_home_interview"),
        ("Return Home Interview", "return_home_interview"),
        ("Return interview completed", "return_home_interview"),
        ("Home Visit - No Access", "not_seen"),
        ("Visit - Child Not Seen", "not_seen"),
        ("Unsuccessful visit", "not_seen"),
        ("Attempted home visit", "not_seen"),
        ("No reply", "not_seen"),
        ("Child refused", "not_seen"),
        ("Cancelled visit", "not_seen"),
        ("DNA", "not_seen"),
        ("Phone call", "contact"),
        ("Telephone", "contact"),
        ("Text message", "contact"),
        ("E-mail", "contact"),
        ("Letter", "contact"),
        ("Video call", "contact"),
        ("Teams", "contact"),
        ("WhatsApp", "contact"),
        ("FaceTime", "contact"),
        ("", "visit"),
        ("Statutory Visit", "visit"),
        ("CP Visit", "visit"),
        ("School visit", "visit"),
        ("Assessment visit", "visit"),
        ("Face to face", "visit"),
        ("F2F", "visit"),
        ("Direct work", "visit"),
        ("Seen", "visit"),
        ("Core Group Meeting", "other"),
        ("Strategy Meeting", "other"),
        ("Child Protection Conference", "other"),
        ("Case Note", "other"),
        ("Supervision", "other"),
        ("Assessment", "other"),
        ("Court", "other"),
        ("Contact with Parent", "other"),
        ("Contact with Carer", "other"),
        ("Discussion with professional", "other"),
        ("Review", "other"),
    ],
)
def test_visit_types_first_rule_that_fits(value, meaning):
    assert classify_visit_type(value) == (meaning, True)


def test_visit_types_anything_else_is_other_and_not_recognised():
    assert classify_visit_type("Family Time Supervised") == ("other", False)
    assert classify_visit_type("Contextual safeguarding") == ("other", False)  # not "text"


@pytest.mark.slow  # a whole audit (or several)
def test_visit_types_unrecognised_count_for_nothing_and_are_reported(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    rows = (
        "".join(f"C1,04/03/2025,Odd type {i}\n" for i in range(12)) + "C1,05/03/2025,Odd type 0\n"
    )
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date,visit_type\n" + rows)
    report = tmp_path / "r.xlsx"
    code, data, _, err = _audit(
        str(cases), str(visits), "--as-of", "2025-03-20", "--report", str(report)
    )
    assert code == 0
    assert [f["kind"] for f in data["findings"]] == ["initial"]  # none of them counted
    counts = data["unrecognised"]["visit_type"]
    assert list(counts.items())[0] == ("Odd type 0", 2) and len(counts) == 12
    warning = next(w for w in data["warnings"] if "not recognised" in w)
    assert "13 records have visit types not recognised" in warning
    assert "'Odd type 0' (2)" in warning and "and 2 more" in warning
    assert warning in err  # --quiet still tells stderr
    ws = openpyxl.load_workbook(report)["Unrecognised values"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Field", "Value", "Records")
    assert rows[1] == ("Visit type", "Odd type 0", 2) and len(rows) == 13


@pytest.mark.slow  # a whole audit (or several)
def test_visit_types_other_does_not_count_even_for_a_filter_that_takes_any_contact(tmp_path):
    """Early help's first contact (5 working days, any contact) is met by a call,
    never by a meeting or a case note."""
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,EH,03/03/2025,,Ann,East\n")
    meeting = _write(
        tmp_path / "visits.csv",
        "child_id,visit_date,visit_type\nC1,04/03/2025,TAF Meeting\nC1,05/03/2025,Case note\n",
    )
    code, data, _, _ = _audit(str(cases), str(meeting), "--as-of", "2025-03-20")
    assert [f["kind"] for f in data["findings"]] == ["initial"]
    _write(tmp_path / "visits.csv", "child_id,visit_date,visit_type\nC1,04/03/2025,Phone call\n")
    code, data, _, _ = _audit(str(cases), str(meeting), "--as-of", "2025-03-20")
    assert data["findings"] == []


def test_visit_types_a_record_that_did_not_see_the_child_is_seen_N_whatever_seen_says(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(
        tmp_path / "visits.csv",
        "child_id,visit_date,visit_type,seen\nC1,04/03/2025,Home Visit - No Access,Y\n",
    )
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2025-03-20")
    assert [(f["kind"], f["status"]) for f in data["findings"]] == [("initial", "overdue")]


# Answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("Y", True),
        ("no", False),
        ("Declined", False),
        ("Refused", False),
        ("Child refused", False),
        ("Not applicable", None),
        ("N/A", None),
        ("Too young", None),
        ("Under 4", None),
        ("", None),
        ("Maybe later", None),  # unreadable: not recorded, with a warning
    ],
)
def test_answers_read_as_the_contract_says_and_never_reject(tmp_path, answer, value):
    path = _write(
        tmp_path / "visits.csv",
        f"child_id,visit_date,seen_alone,bedroom_seen\nC1,04/03/2025,{answer},{answer}\n",
    )
    x = load_visits(path)
    assert len(x.rejected) == 0 and len(x.frame) == 1
    for column in ("seen_alone", "bedroom_seen"):
        got = x.frame[column].iloc[0]
        assert (None if pd.isna(got) else bool(got)) is value
    assert bool(x.warnings) is (answer == "Maybe later")


def test_answers_an_odd_answer_never_turns_a_visit_into_overdue(tmp_path):
    """Under a framework that never looks at seen_alone, "Declined" changes nothing."""
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(
        tmp_path / "visits.csv",
        "child_id,visit_date,seen_alone,location\nC1,04/03/2025,Declined,N/A\n"
        "C1,14/03/2025,Child refused,home\n",
    )
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2025-03-20")
    assert code == 0 and data["findings"] == [] and data["rejected"] == []


def test_answers_under_barnsley_declined_is_a_no_and_unreadable_is_not_recorded(tmp_path):
    cases = _write(
        tmp_path / "cases.csv",
        "Child ID,Episode ID,Plan Type,Start Date,DOB\nC1,E1,CP,03/03/2025,01/01/2015\n",
    )
    visits = _write(
        tmp_path / "visits.csv",
        "child_id,visit_date,seen_alone,location,bedroom_seen\n"
        "C1,04/03/2025,Declined,Home,Y\nC1,14/03/2025,Whatever,Home,Y\n",
    )
    code, data, _, _ = _audit(
        str(cases), str(visits), "--framework", "barnsley", "--as-of", "2025-03-20"
    )
    assert code == 0
    got = sorted((q["visit_date"], q["check"], q["value"]) for q in data["quality"])
    assert got == [("2025-03-04", "seen_alone", "N"), ("2025-03-14", "seen_alone", None)]
    assert any("1 seen_alone answer" in w and "'Whatever' (1)" in w for w in data["warnings"])


# Plan types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "plan_type"),
    [
        ("Child in Need Plan", "child_in_need"),
        ("Children in Need", "child_in_need"),
        ("Children Looked After", "child_in_care"),
        ("Short Break", "short_breaks"),
        ("Child Protection Plans", "child_protection"),
        ("Child Protection - Neglect", "child_protection"),
        ("CP (Emotional abuse)", "child_protection"),
        ("CLA - S20", "child_in_care"),
        ("Looked After (S31)", "child_in_care"),
        ("S20", "child_in_care"),
        ("Section 20", "child_in_care"),
        ("Accommodated", "child_in_care"),
        ("Care Order", "child_in_care"),
        ("Care Order (S31)", "child_in_care"),
        ("Full Care Order", "child_in_care"),
        ("Placement Order", "child_in_care"),
        ("Remand", "child_in_care"),
        ("Interim Care Order", "temporary_approval"),
        ("Care Order at Home", "care_order_at_home"),
        *[(code, "child_in_care") for code in "C1 C2 D1 E1 J1 J2 J3 L1 L2 L3 V2".split()],
        ("V3", "short_breaks"),
        ("v4", "short_breaks"),
    ],
)
def test_plan_type_spellings_as_extracts_hold_them(spelling, plan_type):
    assert match_plan_type(spelling, alias_table()) == plan_type


def test_plan_type_a_legal_status_header_is_the_plan_type(tmp_path):
    path = _write(tmp_path / "cla.csv", "Child ID,Legal Status,Start Date\nC1,C2,01/04/2025\n")
    assert load_cases(path).frame["plan_type"].tolist() == ["child_in_care"]


def test_plan_type_unrecognised_rows_are_rejected_and_listed_with_counts(tmp_path):
    cases = _write(
        tmp_path / "cases.csv",
        CP_CASES
        + "C1,E1,CP,03/03/2025,,Ann,East\nC2,E2,Family Help,03/03/2025,,Ann,East\n"
        + "C3,E3,Family Help,03/03/2025,,Ann,East\n",
    )
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,04/03/2025\n")
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2025-03-10")
    assert code == 0
    assert data["unrecognised"] == {"plan_type": {"Family Help": 2}}
    assert [r["row"] for r in data["rejected"]] == [3, 4]
    assert any("2 rows have plan types not recognised" in w for w in data["warnings"])


def test_plan_type_frameworks_show_lists_every_accepted_spelling():
    result = runner.invoke(app, ["frameworks", "show", "measures-of-practice"], terminal_width=200)
    assert result.exit_code == 0
    for spelling in ("Children in Our Care", "S20", "Placement Order", "V2", "V3", "CPP"):
        assert spelling in result.stdout


# Mapping file ------------------------------------------------------------------------

MAPPING = """
[cases]
"Person Ref" = "child_id"
"Service" = "plan_type"
[visits]
"Person Ref" = "child_id"
"Casenote Date" = "visit_date"
"Casenote Code" = "visit_type"
"Alone" = "seen_alone"
[values.plan_type]
"CPP-N" = "child_protection"
[values.visit_type]
"STVL" = "visit"
"STVN" = "not_seen"
"CGM" = "other"
[values.answer]
"Declined to be seen alone" = "N"
[dates]
cases = "%d/%m/%Y"
visits = "%Y-%m-%d %H:%M:%S"
"""


def test_mapping_file_maps_headers_values_and_per_file_date_formats(tmp_path):
    mapping = _write(tmp_path / "system.toml", MAPPING)
    cases = _write(tmp_path / "cases.csv", "Person Ref,Service,Start Date\nC1,CPP-N,03/03/2025\n")
    visits = _write(
        tmp_path / "visits.csv",
        "Person Ref,Casenote Date,Casenote Code,Alone\n"
        "C1,2025-03-04 10:00:00,STVL,Declined to be seen alone\n"
        "C1,2025-03-10 10:00:00,CGM,\nC1,2025-03-12 10:00:00,STVN,\n",
    )
    code, data, _, _ = _audit(
        str(cases), str(visits), "--mapping", str(mapping), "--as-of", "2025-03-20"
    )
    assert code == 0, data
    assert data["rejected"] == [] and data["unrecognised"] == {}
    # Met by the STVL visit on 4 Mar; next due 18 Mar: the meeting and the
    # unseen visit do not count, so on 20 Mar it is overdue.
    assert [(f["due_date"], f["status"]) for f in data["findings"]] == [("2025-03-18", "overdue")]


def test_mapping_file_columns_is_kept_as_its_old_name(tmp_path):
    mapping = _write(tmp_path / "system.toml", MAPPING)
    cases = _write(tmp_path / "cases.csv", "Person Ref,Service,Start Date\nC1,CPP-N,03/03/2025\n")
    visits = _write(
        tmp_path / "visits.csv",
        "Person Ref,Casenote Date,Casenote Code\nC1,2025-03-04 10:00:00,STVL\n",
    )
    code, data, _, _ = _audit(
        str(cases), str(visits), "--columns", str(mapping), "--as-of", "2025-03-10"
    )
    assert code == 0 and data["findings"] == []


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            '[values.visit_type]\n"X" = "meeting"\n',
            "[values.visit_type] 'X' = 'meeting' is not a meaning",
        ),
        ('[values.answer]\n"X" = "maybe"\n', "[values.answer] 'X' = 'maybe' is not a meaning"),
        (
            '[values.plan_type]\n"X" = "looked_after"\n',
            "'looked_after' is not a plan type of framework",
        ),
        ('[values.colour]\n"X" = "red"\n', "unknown table [values.colour]"),
        ('[dates]\ncases = "dd/mm/yyyy"\n', "has no % codes"),
        ('[dates]\nepisodes = "%d/%m/%Y"\n', "'episodes' is not cases or visits"),
    ],
)
def test_mapping_file_a_wrong_entry_stops_the_run_naming_it(tmp_path, text, needle):
    mapping = _write(tmp_path / "system.toml", text)
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,04/03/2025\n")
    code, data, _, err = _audit(str(cases), str(visits), "--mapping", str(mapping))
    assert code == 2 and data is None
    assert err.startswith("visit-audit: system.toml: ") and needle in err


def test_mapping_file_a_header_entry_matching_no_header_is_a_warning(tmp_path):
    mapping = _write(tmp_path / "system.toml", '[visits]\n"Casenote Date" = "visit_date"\n')
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,04/03/2025\n")
    code, data, _, _ = _audit(
        str(cases), str(visits), "--mapping", str(mapping), "--as-of", "2025-03-10"
    )
    assert code == 0
    assert any("'Casenote Date', which is not a header of the file" in w for w in data["warnings"])


def test_date_format_given_for_one_file_never_changes_how_the_other_is_read(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,03/04/2025\n")  # 4 March
    code, data, _, _ = _audit(
        str(cases), str(visits), "--visits-date-format", "%m/%d/%Y", "--as-of", "2025-03-10"
    )
    assert code == 0 and data["rejected"] == []
    assert data["findings"] == []  # cases still 3 March, visit read as 4 March


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_example_mapping_files_load(example):
    m = load_mapping(example)
    assert m.headers["visits"] or m.visit_types


def test_shipped_ssd_casenotes_mapping_reads_an_extract_in_its_own_shape(tmp_path):
    # Its [dates] name SQL Server's DATETIME text, fraction of a second included.
    cases = _write(
        tmp_path / "cases.csv",
        "pers_person_id,episode_type,episode_start_date,episode_end_date,pers_dob\n"
        "0001001,CP,2025-03-03 00:00:00.000,,2015-06-01 00:00:00.000\n",
    )
    visits = _write(
        tmp_path / "casenotes.csv",
        "pers_person_id,casenote_date,casenote_type,casenote_child_seen\n"
        "1001,2025-03-04 10:15:00.000,SVNA,N\n"  # no access: does not count
        "1001,2025-03-05 16:40:00.000,STVL,Y\n",  # seen on the 48-hour deadline day
    )
    mapping = str(EXAMPLES / "ssd-casenotes.toml")
    code, data, _, err = _audit(
        str(cases), str(visits), "--mapping", mapping, "--as-of", "2025-03-10"
    )
    assert code == 0, err
    assert data["rejected"] == []
    assert data["findings"] == []  # 48 hours from 3 March: due 5 March, met that day
    # ten working days on from the visit: Wednesday 19 March
    assert [u["due_date"] for u in data["upcoming"]] == ["2025-03-19"]


# Nothing audited, stale extracts, future periods ---------------------------------------


def test_nothing_to_audit_a_header_only_cases_file_stops_the_run(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES)
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,04/03/2025\n")
    code, data, _, err = _audit(str(cases), str(visits), "--as-of", "2025-03-10")
    assert code == 2 and data is None
    assert "nothing to audit: cases.csv: it has no data rows" in err


def test_nothing_to_audit_every_cases_row_rejected_stops_the_run(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,not a date,,Ann,East\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,04/03/2025\n")
    code, _, _, err = _audit(str(cases), str(visits), "--as-of", "2025-03-10")
    assert code == 2
    assert "nothing to audit: cases.csv: every one of its 1 rows was rejected" in err


def test_nothing_to_audit_every_visits_row_rejected_stops_the_run(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,31/02/2025\n")
    code, _, _, err = _audit(str(cases), str(visits), "--as-of", "2025-03-10")
    assert code == 2 and "nothing to audit: visits.csv" in err


def test_an_empty_visits_file_is_audited_with_a_warning(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\n")
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2025-03-10")
    assert code == 0
    assert [f["status"] for f in data["findings"]] == ["overdue"]
    assert any("has a header and no rows" in w for w in data["warnings"])


def test_a_stale_extract_is_named_in_a_warning(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,31/10/2026\n")
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2026-12-02")
    assert code == 0
    assert (
        "the visits extract ends on 31/10/2026, 32 days before the audit date: deadlines after "
        "that day may show as overdue only because the extract is old (use --as-of 31/10/2026?)"
    ) in data["warnings"]
    code, data, _, _ = _audit(str(cases), str(visits), "--as-of", "2026-11-07")
    assert not any("extract ends on" in w for w in data["warnings"])  # 7 days: fine


def test_a_period_that_starts_after_today_stops_the_run(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,04/03/2025\n")
    code, data, _, err = _audit(str(cases), str(visits), "--month", "2999-01")
    assert code == 2 and data is None and "after today" in err


@pytest.mark.slow  # a whole audit (or several)
def test_fail_on_takes_a_comma_list_with_rejected(tmp_path):
    cases = _write(
        tmp_path / "cases.csv",
        CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\nC2,E2,CP,bad,,Ann,East\n",
    )
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,04/03/2025\n")
    args = [str(cases), str(visits), "--as-of", "2025-03-06"]
    assert _audit(*args)[0] == 0
    assert _audit(*args, "--fail-on", "overdue")[0] == 0
    assert _audit(*args, "--fail-on", "rejected")[0] == 1
    assert _audit(*args, "--fail-on", "overdue,rejected")[0] == 1
    assert _audit(*args, "--fail-on", "overdue,nonsense")[0] == 2


def test_quiet_still_tells_stderr_each_warning_and_the_rejected_count(tmp_path):
    cases = _write(
        tmp_path / "cases.csv",
        CP_CASES + "C1,E1,CP,03/03/2025,,Ann,East\nC2,E2,CP,bad,,Ann,East\n",
    )
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date,visit_type\nC1,04/03/2025,Odd\n")
    result = runner.invoke(
        app, ["audit", str(cases), str(visits), "--as-of", "2025-03-06", "--quiet"]
    )
    assert result.exit_code == 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith("visit-audit: warning: visits.csv: 1 record") for line in lines)
    assert "visit-audit: 1 row rejected (cases.csv 1)" in lines[-1]


# Messages that say how to fix ---------------------------------------------------------


def test_a_missing_column_lists_the_headers_the_file_has(tmp_path):
    cases = _write(tmp_path / "cases.csv", "Client,Category,Begun\nC1,CP,03/03/2025\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\nC1,04/03/2025\n")
    code, _, _, err = _audit(str(cases), str(visits))
    assert code == 2
    assert "the file's headers are 'Client', 'Category', 'Begun'" in err
    assert "--mapping FILE.toml" in err


def _combined_workbook(book: Path, *visit_dates: str) -> Path:
    """One workbook holding both extracts: sheets Cases and Visits."""
    wb = openpyxl.Workbook()
    cases = wb.active
    cases.title = "Cases"
    cases.append(["Child ID", "Plan Type", "Start Date"])
    cases.append(["C1", "CP", "03/03/2025"])
    visits = wb.create_sheet("Visits")
    visits.append(["Child ID", "Visit Date"])
    for day in visit_dates:
        visits.append(["C1", day])
    wb.save(book)
    return book


def test_a_workbook_missing_a_column_says_which_other_sheet_has_it(tmp_path):
    book = _combined_workbook(tmp_path / "extract.xlsx", "04/03/2025")
    code, _, _, err = _audit(str(book), str(book))  # visits read from the first sheet
    assert code == 2
    assert "sheet 'Visits' has them: add --visits-sheet 'Visits'" in err


def test_a_combined_workbooks_rejected_rows_name_the_sheet(tmp_path):
    book = _combined_workbook(tmp_path / "extract.xlsx", "04/03/2025", "31/02/2025")
    code, data, _, _ = _audit(
        str(book), str(book), "--visits-sheet", "Visits", "--as-of", "2025-03-10"
    )
    assert code == 0
    assert data["rejected"] == [
        {
            "file": "extract.xlsx [Visits]",
            "row": 3,
            "reason": "visit_date '31/02/2025' is not a date",
        }
    ]


# The Python API -----------------------------------------------------------------------


def test_audit_files_is_the_command_without_the_shell(tmp_path):
    cases = _write(tmp_path / "cases.csv", CP_CASES + "0001001,E1,CP,03/03/2025,,Ann,East\n")
    visits = _write(tmp_path / "visits.csv", "child_id,visit_date\n1001,04/03/2025\n")
    result = audit_files(cases, visits, as_of="2025-03-31")
    assert list(result.findings["child_id"]) == ["0001001"]
    assert result.summary["overall"]["deadlines"] == 2
