"""Property: an extract re-spelt the way a real export spells it audits the same.

A canonical sample extract is rewritten as councils' exports really look
(README: "Identifiers", "Visit types", "Quality answers", "Plan types"): ids without
their leading zeros in an .xlsx workbook, plan types as legal statuses,
plurals and qualified names, visit types in words, meetings and case notes
added, odd quality answers. None of this may change a single finding.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visit_audit.pipeline import audit_files
from visit_audit.sample import write_sample

AS_OF = "2026-10-31"
KEY = [
    "child_id",
    "episode_id",
    "plan_type",
    "kind",
    "due_date",
    "visit_date",
    "status",
    "days_late",
]

# Each plan type as exports spell it (README "Plan types"): aliases, plurals, qualifiers,
# legal statuses.
PLAN_SPELLINGS = {
    "child_in_care": ["C2", "V2", "E1", "J1", "S20", "Section 20", "Care Order (S31)",
                      "Placement Order", "Children Looked After", "CLA - S20"],
    "child_protection": ["Child Protection - Neglect", "CP (Emotional abuse)",
                         "Child Protection Plans", "CPP"],
    "child_in_need": ["Child in Need Plan", "Children in Need", "CIN - Disability"],
    "short_breaks": ["V3", "V4", "Short Break"],
    "early_help": ["Early Help Assessment", "TAF"],
}  # fmt: skip
VISIT_WORDS = ["Statutory Visit", "Home visit", "CP Visit", "Face to face", "F2F",
               "Direct work", "CLA visit", "School Visit"]  # fmt: skip
CONTACT_WORDS = ["Phone call", "Telephone", "Text message", "E-mail", "WhatsApp", "Video call"]
NOISE_WORDS = ["Core Group Meeting", "Strategy Meeting", "Case Note", "Contact with Parent",
               "Supervision", "Child Protection Conference", "LAC Review"]  # fmt: skip
YES = ["Y", "Yes", "yes", "TRUE"]
NO = ["N", "No", "Declined", "Refused", "Child refused"]
BLANK = ["", "N/A", "Not applicable", "Too young", "Under 4"]


@cache
def _canonical(tmp: str) -> tuple[Path, Path, pd.DataFrame]:
    cases, visits = write_sample(Path(tmp), children=40, seed=11)
    result = audit_files(cases, visits, as_of=AS_OF)
    return cases, visits, _findings(result)


def _findings(result) -> pd.DataFrame:
    f = result.findings[KEY].astype(object).where(result.findings[KEY].notna(), None)
    return f.sort_values(KEY[:5]).reset_index(drop=True)


def _pick(rng: np.random.Generator, words: list[str], n: int) -> np.ndarray:
    return np.asarray(words, dtype=object)[rng.integers(0, len(words), n)]


def _respell(cases_path: Path, visits_path: Path, out: Path, seed: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    cases = pd.read_csv(cases_path, dtype=str, keep_default_na=False)
    visits = pd.read_csv(visits_path, dtype=str, keep_default_na=False)
    from visit_audit.plan_types import alias_table, match_plan_type

    table = alias_table()
    canonical = cases["Plan Type"].map(lambda v: match_plan_type(v, table))
    for plan_type, words in PLAN_SPELLINGS.items():
        rows = canonical == plan_type
        cases.loc[rows, "Plan Type"] = _pick(rng, words, int(rows.sum()))

    kind = visits["Contact Type"].str.casefold()
    is_contact = kind.str.contains(r"phone|text|email|letter|call", regex=True)
    is_rhi = kind.str.contains(r"rhi|return home", regex=True)
    is_visit = ~is_contact & ~is_rhi
    visits.loc[is_visit, "Contact Type"] = _pick(rng, VISIT_WORDS, int(is_visit.sum()))
    visits.loc[is_contact, "Contact Type"] = _pick(rng, CONTACT_WORDS, int(is_contact.sum()))
    for column in ("Seen Alone", "Bedroom Seen", "Unannounced"):
        value = visits[column].str.upper()
        for answer, words in (("Y", YES), ("N", NO), ("", BLANK)):
            rows = value == answer
            visits.loc[rows, column] = _pick(rng, words, int(rows.sum()))
    # Meetings and case notes: records that must count for nothing.
    noise = visits.sample(n=min(60, len(visits)), random_state=seed).copy()
    noise["Contact Type"] = _pick(rng, NOISE_WORDS, len(noise))
    noise["Child Seen"] = ""
    visits = pd.concat([visits, noise], ignore_index=True).sample(frac=1, random_state=seed)

    # Excel drops the zeros: ids written as numbers into a workbook.
    for column in ("Person ID", "Episode ID"):
        digits = visits[column].str.fullmatch(r"\d+")
        visits[column] = visits[column].where(~digits, visits[column].str.lstrip("0"))
        visits[column] = visits[column].map(lambda v: int(v) if v.isdigit() else v)
    out.mkdir(parents=True, exist_ok=True)
    new_cases = out / "cases.csv"
    new_visits = out / "visits.xlsx"
    cases.to_csv(new_cases, index=False)
    visits.to_excel(new_visits, index=False, engine="xlsxwriter")
    return new_cases, new_visits


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**16))
def test_respelling_a_canonical_extract_as_an_export_would_never_changes_the_findings(
    tmp_path_factory, seed
):
    base = tmp_path_factory.getbasetemp() / "canonical"
    cases, visits, want = _canonical(str(base))
    new_cases, new_visits = _respell(cases, visits, tmp_path_factory.mktemp("respelt"), seed)
    result = audit_files(new_cases, new_visits, as_of=AS_OF)
    assert result.rejected.empty
    assert result.unrecognised == {}
    pd.testing.assert_frame_equal(_findings(result), want)
