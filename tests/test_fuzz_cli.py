"""Hypothesis-made extracts through the whole CLI: never a traceback, every row accounted for."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from visit_audit.cli import app
from visit_audit.io.fields import CASE_FIELDS, VISIT_FIELDS

JUNK_HEADERS = ["", "Notes", "Unnamed: 3", "Child ID ", "DATE", "x,y", 'q"uote', "Ünïcode", "=A1"]


def _headers(fields) -> list[str]:
    return [h for f in fields for h in (f.name, *f.aliases)]


def _date_text():
    day, month = st.integers(0, 32), st.integers(0, 13)
    year = st.sampled_from([25, 26, 1850, 1899, 1900, 2024, 2026, 2100, 2150, 99999])
    shapes = st.sampled_from(
        [
            "{d:02d}/{m:02d}/{y}",
            "{y}-{m:02d}-{d:02d}",
            "{d}/{m}/{y}",
            "{d} April {y}",
            "{d:02d}-Apr-{y}",
            "{m}/{d}/{y}",
            "{y}-{m:02d}-{d:02d}T10:30:00",
            "{d}.{m}.{y}",
        ]
    )
    return st.builds(lambda s, d, m, y: s.format(d=d, m=m, y=y), shapes, day, month, year)


CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "Y",
            "N",
            "n/a",
            "child_in_need",
            "child protection",
            "CP",
            "LAC",
            "Looked After",
            "care leaver",
            "RHI",
            "phone",
            "Home",
            "5 working days",
            "every 2 weeks",
            "C1",
            "C2",
            "E1",
            "0001",
        ]
    ),
    st.text(max_size=12),
    st.sampled_from(
        [
            '=HYPERLINK("http://x","y")',
            "=1+1",
            "+cmd",
            "@SUM(A1)",
            '"',
            ",",
            "\n",
            "a\nb",
            "'quoted'",
            "\ufeff",
            "\x00",
            "😀",
            "\u202e",
        ]
    ),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    _date_text(),
)


def _table(fields):
    headers = st.lists(
        st.one_of(st.sampled_from(_headers(fields)), st.sampled_from(JUNK_HEADERS)),
        min_size=1,
        max_size=8,
    )

    def rows(hs):
        return st.lists(st.lists(CELL, min_size=len(hs), max_size=len(hs)), max_size=8).map(
            lambda rs: (hs, rs)
        )

    return headers.flatmap(rows)


def _csv(headers, rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue()


RUNNER = CliRunner()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    cases=_table(CASE_FIELDS),
    visits=_table(VISIT_FIELDS),
    raw=st.booleans(),
    extra_text=st.text(max_size=40),
)
def test_cli_never_tracebacks_and_accounts_for_rows(cases, visits, raw, extra_text):
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        case_text = _csv(*cases)
        if raw:  # sometimes free text appended after the table
            case_text += extra_text
        (tmp / "cases.csv").write_text(case_text, encoding="utf-8", errors="surrogatepass")
        (tmp / "visits.csv").write_text(_csv(*visits), encoding="utf-8", errors="surrogatepass")
        out = tmp / "o.json"
        result = RUNNER.invoke(
            app,
            ["audit", str(tmp / "cases.csv"), str(tmp / "visits.csv"), "--as-of", "2026-10-31"]
            + ["--json", str(out), "-q"],
        )
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 2:
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
            assert "unexpected error" not in result.stderr, result.stderr
            return
        data = json.loads(out.read_text(encoding="utf-8"))
        per_file = Counter(r["file"] for r in data["rejected"])
        for item in data["inputs"]:
            assert item["rows"] == item["audited"] + item["rejected"]
            assert item["rejected"] == per_file[item["file"]]
