"""Properties of the loader: whatever the cells hold, it either stops with an InputError or
accounts for every row (rows read = rows kept + rows rejected; blank rows are not rows)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visit_audit.errors import InputError
from visit_audit.io import load_visits

HEADER = ["child_id", "visit_date", "visit_type", "seen", "seen_alone", "announced", "notes"]

TOKENS = st.sampled_from(
    ["", " ", "C1", "007", "2025-04-03", "03/04/2025", "3/4/25", "31/02/2025", "04/13/2025",
     "45750", "3 April 2025", "2025-04-03T14:30:00", "Y", "n", "Not seen", "N/A", "RHI",
     "Phone", "\u00a0", '"', "a,b", "line\nbreak", "\r\n", "Zoë £", "1899-01-01", "=1+1"]
)  # fmt: skip
# Any text but NUL (not CSV) and lone surrogates (not encodable).
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
CELL = st.one_of(TOKENS, TEXT)
# Each column mostly holds values of its own kind, so that rows are kept as well as rejected.
GOOD = {
    "child_id": st.sampled_from(["C1", "007", " C2 ", "Zoë"]),
    "visit_date": st.sampled_from(["2025-04-03", "03/04/2025", "3/4/25 9:30", "3-Apr-2025"]),
    "visit_type": st.sampled_from(["", "Home visit", "Phone", "RHI", "Teams call"]),
    "seen": st.sampled_from(["", "Y", "no", "Not seen", "1"]),
    "seen_alone": st.sampled_from(["", "Y", "N", "n/a"]),
    "announced": st.sampled_from(["", "Yes", "false"]),
    "notes": TEXT,
}


def _mostly_good(name: str):
    """A column's own kind of value four times in five, any cell otherwise."""
    return st.integers(0, 4).flatmap(lambda i: CELL if i == 0 else GOOD[name])


ROW = st.tuples(*(_mostly_good(name) for name in HEADER)).map(list)
ROWS = st.lists(ROW, max_size=25)


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS)
def test_random_cells_never_raise_anything_but_input_error_and_every_row_is_accounted(rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "visits.csv"
        path.write_bytes(_csv(rows))
        try:
            x = load_visits(path)
        except InputError as exc:
            assert "\n" not in str(exc).strip()
            return
    blank = sum(all(not cell.strip() for cell in row) for row in rows)
    assert x.info.rows == len(rows) - blank
    assert x.info.rows == len(x.frame) + len(x.rejected)
    kept, rejected = set(x.frame["row"]), set(x.rejected["row"])
    assert kept.isdisjoint(rejected)
    written = {i + 2 for i, row in enumerate(rows) if any(cell.strip() for cell in row)}
    assert kept | rejected == written
    assert x.frame["visit_date"].notna().all() and x.frame["child_id"].notna().all()
    assert set(x.frame["visit_type"]) <= {"visit", "contact", "return_home_interview", "other"}
    assert x.frame["seen"].dtype == bool and x.frame["unannounced"].dtype == "boolean"
    assert (x.rejected["reason"].str.len() > 0).all()
    assert isinstance(x.frame.index, pd.RangeIndex)
