"""The terminal summary: plain words, 80 columns, no escape codes off a terminal."""

from __future__ import annotations

import io

import pytest
from report_fixtures import make_result
from rich.console import Console
from rich.live import Live

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
    # The spinner was stopped: another live display may start (rich allows one at a time).
    with Live(console=console, transient=True):
        pass


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- width, labels and who is due soon ---------------------------------------------------


def _lines_from(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def test_at_120_columns_each_row_is_one_line_with_its_label():
    text = _render(width=120)
    team = _lines_from(text, "Compliance by team")
    assert [line.split("  ")[0] for line in team if "Locality" in line] == [
        "North Locality",
        "South Locality",
    ]
    plan = _lines_from(text, "Compliance by plan type")
    row = next(line for line in plan if line.startswith("Child Protection Plan"))
    assert row.split()[3:] == ["2", "2", "61", "58", "0", "1", "2", "95.1%"]


@pytest.mark.parametrize("width", [50, 60, 80, 120])
def test_the_label_column_is_never_dropped(width: int):
    text = _render(width=width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    for title, names in (
        ("Compliance by plan type", ("Child", "Looked", "Missing")),
        ("Compliance by team", ("North", "South")),
    ):
        table = _lines_from(text, title)
        for name in names:
            assert any(line.startswith(name) for line in table), (width, name)
        total = next(line for line in table if line.startswith("Total"))
        assert total.split()[-1] == ("89.7%")
        if width >= 80:
            assert total.split()[1:3] == ["6", "4"]  # episodes and children shown
        else:
            assert "(No room for: Episodes" in "\n".join(table)


def test_most_overdue_shows_the_last_visit():
    table = _lines_from(_render(width=120), "Most overdue children")
    row = next(line for line in table if line.startswith("0012345"))
    assert "28 Aug 2026" in row and "64" in row and "14 Aug 2026" in row
    assert "none" in next(line for line in table if line.startswith("C1001"))


def test_due_soon_listed_by_worker_earliest_first():
    table = _lines_from(_render(), "Due soon by worker")
    assert table[0].rstrip() == "Due soon by worker (2 of 2)"
    rows = [line for line in table if "2026" in line]
    assert rows[0].split() == ["Sam", "Patel", "1", "3", "Nov", "2026"]
    assert rows[1].startswith('=HYPERLINK("http://evil","x")')


def test_at_80_columns_numbers_shrink_before_a_team_name_wraps():
    result = make_result()
    teams = result.summary["by_team"]
    result.summary["by_team"] = {
        "Fostering and Adoption Team": teams["North Locality"],
        "Safeguarding Team East": teams["South Locality"],
    }
    table = _lines_from(_render(result, width=80), "Compliance by team")
    assert table[1].split() == ["Epi-", "Chil-", "Dead-", "On", "Over-", "%", "on"]
    assert any(line.startswith("Fostering and Adoption Team ") for line in table)
    assert any(line.startswith("Safeguarding Team East ") for line in table)
    wide = _lines_from(_render(result, width=120), "Compliance by team")
    assert "Episodes" in wide[2] and "Deadlines" in wide[2]
