"""visit_audit.adapters: under the pinned versions the fast path is the one
taken, and the fallback (public APIs only) gives the same result."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from report_fixtures import big_findings, make_result

from visit_audit.adapters import pandas_boolean, xlsxwriter_rows
from visit_audit.report import excel

# --- pandas' nullable booleans ---------------------------------------------------


def test_pandas_boolean_fast_path_is_available_under_the_pinned_pandas():
    assert pandas_boolean.FAST, f"pandas {pd.__version__} changed BooleanArray's internals"


@pytest.mark.parametrize("fast", [True, False])
def test_yes_no_on_both_paths_agree_with_the_answers(fast):
    rng = np.random.default_rng(3)
    raw = rng.choice([True, False, None], size=1_000).tolist()
    values = pd.array(raw, dtype="boolean")[7:]  # a slice, as a partition gives
    yes, no = pandas_boolean.yes_no(values, fast=fast)
    expected = raw[7:]
    assert yes.tolist() == [v is True for v in expected]
    assert no.tolist() == [v is False for v in expected]


def test_the_engine_reads_answers_through_the_fast_path(monkeypatch):
    from visit_audit.engine import days

    taken = []
    real = pandas_boolean.yes_no

    def spy(values, **kwargs):
        taken.append(pandas_boolean.FAST)
        return real(values, **kwargs)

    monkeypatch.setattr(days, "yes_no", spy)
    yes, no = days._answers(pd.Series([True, None, False], dtype="boolean"))
    assert taken == [True]
    assert yes.tolist() == [True, False, False] and no.tolist() == [False, False, True]


# --- xlsxwriter's row files -------------------------------------------------------


def test_xlsxwriter_fast_path_is_available_under_the_pinned_xlsxwriter():
    assert xlsxwriter_rows._probe(), f"xlsxwriter {xlsxwriter.__version__} changed"
    wb = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
    try:
        assert xlsxwriter_rows.can_stream(wb.add_worksheet())
    finally:
        wb.close()
    plain = xlsxwriter.Workbook(io.BytesIO())  # not constant_memory: rows are kept
    try:
        assert not xlsxwriter_rows.can_stream(plain.add_worksheet())
    finally:
        plain.close()


def _spy_on_streaming(monkeypatch) -> list[int]:
    streamed: list[int] = []
    real = xlsxwriter_rows.stream_rows

    def spy(ws, n_columns, formats, chunks, n):
        streamed.append(n)
        return real(ws, n_columns, formats, chunks, n)

    monkeypatch.setattr(xlsxwriter_rows, "stream_rows", spy)
    return streamed


def test_the_report_streams_its_list_sheets(tmp_path, monkeypatch):
    streamed = _spy_on_streaming(monkeypatch)
    excel.write_report(make_result(findings=big_findings(300)), tmp_path / "r.xlsx")
    assert 300 in streamed  # the Findings sheet went the fast way


@pytest.mark.slow  # a whole audit (or several)
def test_with_the_fast_path_off_the_same_cells_are_written_the_plain_way(tmp_path, monkeypatch):
    result = make_result(findings=big_findings(300))
    excel.write_report(result, tmp_path / "fast.xlsx")
    streamed = _spy_on_streaming(monkeypatch)
    monkeypatch.setattr(xlsxwriter_rows, "FAST", False)
    excel.write_report(result, tmp_path / "plain.xlsx")
    assert streamed == []

    def cells(path):
        wb = openpyxl.load_workbook(path, read_only=True)
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}

    assert cells(tmp_path / "fast.xlsx") == cells(tmp_path / "plain.xlsx")
