"""The terminal summary: plain words, 80 columns, no escape codes off a terminal."""

from __future__ import annotations

import io

import pytest
from report_fixtures import make_result
from rich.console import Console

from visit_audit.report import terminal
from visit_audit.report.terminal import make_console, progress, render_summary


def _render(result=None, width: int = 80, **kw) -> str:
    console = Console(
        width=width, color_system=None, record=True, file=io.StringIO(), force_terminal=False
    )
    render_summary(result or make_result(), console, **kw)
    return console.export_text()


def test_summary_reads_in_plain_words():
    text = _render()
    for words in (
        "Visit audit: Barnsley visiting framework (barnsley), England",
        "As of 31 Oct 2026; period 1 Oct 2026 to 31 Oct 2026",
        "Compliance by plan type",
        "Compliance by team",
        "Looked after",
        "Child Protection Plan",
        "95.1%",
        "60.0%",
        "Findings: 3 late, 2 missed, 3 overdue (8 findings in all).",
        "Most overdue children (3 of 3)",
        "Due soon: 2 deadlines due on 31 Oct 2026 or within the next 10 working days.",
        "Visit quality",
        "Bedroom seen",
        "8.3%",
        "cases.csv: 12 rows read = 11 audited + 1 rejected",
        "visits.csv: 40 rows read = 38 audited + 2 rejected",
        "1 row of cases.csv was rejected: see the Rejected rows sheet or --json",
        "2 rows of visits.csv were rejected: see the Rejected rows sheet or --json",
        "Warnings",
        "column 'Visit Frequency' is blank for every row",
    ):
        assert words in text, words


def test_tables_have_every_column():
    text = _render(width=120)
    for header in ("Episodes", "Children", "Deadlines", "On", "Late", "Missed", "Overdue", "% on"):
        assert header in text
    assert "North Locality" in text and "South Locality" in text
    total = next(line for line in text.splitlines() if line.startswith("Total"))
    assert total.split() == ["Total", "6", "4", "78", "70", "3", "2", "3", "89.7%"]


def test_most_overdue_worst_first_one_line_per_child():
    text = _render(width=120)
    table = text[text.index("Most overdue children") :]
    assert table.index("0012345") < table.index("C0999") < table.index("C1001")
    assert "28 Aug 2026" in table and "64" in table


def test_top_limits_the_overdue_list():
    text = _render(top=1)
    assert "Most overdue children (1 of 3)" in text
    assert "C1001" not in text


@pytest.mark.parametrize("width", [80, 100])
def test_no_line_wider_than_the_console(width: int):
    lines = _render(width=width).splitlines()
    assert max(len(line) for line in lines) <= width


def test_no_period_says_so():
    assert "every deadline up to that day" in _render(make_result(period=None))


def test_extract_text_is_neither_markup_nor_escape_codes():
    result = make_result()
    found = result.findings.copy()
    found.loc[0, "worker"] = "[b]Boss[/b]\x1b[2J"
    found.loc[0, "team"] = "[red]T[/red]"
    result.findings = found
    console = Console(width=100, record=True, file=io.StringIO(), force_terminal=True)
    render_summary(result, console)
    text = console.export_text()
    assert "[b]Boss[/b]?[2J" in text and "[red]T[/red]" in text
    assert "\x1b[2J" not in console.file.getvalue()


def test_grades():
    assert terminal._grade(95.0, (95.0, 80.0)) == "green"
    assert terminal._grade(94.9, (95.0, 80.0)) == "yellow"
    assert terminal._grade(80.0, (95.0, 80.0)) == "yellow"
    assert terminal._grade(79.9, (95.0, 80.0)) == "red"
    text = _render(thresholds=(50.0, 10.0))
    assert "60.0%" in text


def test_colour_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    buf = _Tty()
    monkeypatch.setattr("sys.stdout", buf)
    console = make_console()
    assert console.color_system is not None
    render_summary(make_result(), console)
    assert "\x1b[" in buf.getvalue()


def test_no_escape_codes_with_no_color_even_on_a_terminal(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    buf = _Tty()
    monkeypatch.setattr("sys.stdout", buf)
    console = make_console()
    render_summary(make_result(), console)
    assert "\x1b" not in buf.getvalue()
    assert "Compliance by plan type" in buf.getvalue()


def test_no_escape_codes_when_piped(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    buf = io.StringIO()
    monkeypatch.setattr("sys.stderr", buf)
    console = make_console(stderr=True)
    assert not console.is_terminal
    render_summary(make_result(), console)
    assert "\x1b" not in buf.getvalue()


def test_progress_is_silent_off_a_terminal():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=False)
    with progress(console) as step:
        step("reading cases")
        step("auditing")
    assert buf.getvalue() == ""


def test_progress_spins_on_a_terminal_and_stops_on_error():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=80)
    with pytest.raises(ValueError), progress(console) as step:
        step("reading cases")
        raise ValueError("bad extract")
    assert "reading cases" in buf.getvalue()
    assert console._live_stack == []  # the spinner was stopped


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True
