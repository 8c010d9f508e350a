"""The terminal summary: what a performance officer reads after a run (the only rich user here).

Colour only on a terminal, never when ``NO_COLOR`` is set or output is piped:
:func:`make_console` decides, the CLI builds the console with it. Everything
printed reads at 80 columns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Mapping

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from visit_audit.result import AuditResult
from visit_audit.views.labels import (
    QUALITY_CHECKS,
    STATUS_WORDS,
    SUMMARY_COUNTS,
    SUMMARY_HEADINGS,
    THRESHOLDS,
    period_label,
    plan_type_label,
    region_name,
)
from visit_audit.views.labels import grade as _label_grade
from visit_audit.views.lists import due_soon_by_worker, overdue_list

_COUNTS = SUMMARY_COUNTS
# Narrow columns: a two-word heading on two lines.
_HEADERS = tuple(SUMMARY_HEADINGS[k].replace(" ", "\n") for k in SUMMARY_COUNTS)
# Narrower still, when the label column would otherwise wrap: one-word headings split.
_SPLIT = {"Episodes": "Epi-\nsodes", "Children": "Chil-\ndren", "Deadlines": "Dead-\nlines"}
_SHORT_HEADERS = tuple(_SPLIT.get(h, h).replace("Overdue", "Over-\ndue") for h in _HEADERS)
# The terminal's name for each grade's colour.
_COLOURS = {"green": "green", "amber": "yellow", "red": "red"}
# C0 and C1 control characters (ESC above all) must never reach the terminal from an extract.
_CONTROL = {c: "?" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]}


def make_console(stderr: bool = False) -> Console:
    """A console on stdout (or stderr): styled on a terminal, plain text otherwise.

    ``NO_COLOR`` (any non-empty value) or a stream that is not a terminal gives
    plain text with no escape codes at all, not just no colours.
    """
    stream = sys.stderr if stderr else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    plain = bool(os.environ.get("NO_COLOR")) or not tty
    if plain:
        return Console(
            file=stream, force_terminal=False, color_system=None, highlight=False, emoji=False
        )
    return Console(file=stream, highlight=False, emoji=False)


@contextlib.contextmanager
def progress(console: Console) -> Iterator[Callable[[str], None]]:
    """A spinner with the current step, on a terminal only; ``step("reading cases")`` moves it on.

    Off a terminal (cron, pipes, tests) ``step`` does nothing, so logs stay clean.
    """
    if not console.is_terminal:
        yield lambda message: None
        return
    with console.status("starting", spinner="dots") as status:
        yield lambda message: status.update(Text(f"{message}…"))


def render_summary(
    result: AuditResult,
    console: Console,
    *,
    thresholds: tuple[float, float] = THRESHOLDS,
    top: int = 10,
) -> None:
    """The run at a glance: compliance tables, totals, the most overdue children, the caveats."""
    summary = result.summary or {}
    console.print(_heading(result))
    console.print()

    for title, key, label in (
        ("Compliance by plan type", "by_plan_type", "Plan type"),
        ("Compliance by team", "by_team", "Team"),
    ):
        rows = summary.get(key) or {}
        if rows:
            console.print(
                _compliance_table(
                    title,
                    label,
                    rows,
                    summary.get("overall"),
                    thresholds,
                    width=console.width,
                    plan_types=result.plan_type_labels,
                )
            )
            console.print()

    console.print(_totals(result))
    overdue = _most_overdue(result, top, console.width)
    if overdue is not None:
        console.print()
        console.print(overdue)

    if result.changes is not None:
        console.print()
        render_changes(result, console)

    n_upcoming = len(result.upcoming)
    console.print()
    console.print(
        Text(
            f"Due soon: {_n(n_upcoming, 'deadline')} due on "
            f"{_day(result.as_of)} or within the next 10 working days."
        )
    )
    by_worker = _due_soon_by_worker(result, top)
    if by_worker is not None:
        console.print()
        console.print(by_worker)

    quality = _quality_table(summary.get("quality") or {})
    if quality is not None:
        console.print()
        console.print(quality)

    if result.compare is not None:
        console.print()
        console.print(compare_table(result, thresholds))

    console.print()
    if result.source:
        console.print(Text(_clean(result.source)))
    for line in _input_lines(result):
        console.print(Text(line))
    if result.warnings:
        console.print()
        notes = Table.grid(padding=(0, 1))
        notes.add_column(no_wrap=True)
        notes.add_column(overflow="fold")
        for w in result.warnings:
            notes.add_row("-", Text(_clean(w)))
        console.print(Text("Warnings", style="bold yellow"))
        console.print(notes)


# --- pieces ------------------------------------------------------------------------------


def _heading(result: AuditResult) -> Text:
    text = Text()
    text.append(f"Visit audit: {_clean(result.framework_title or result.framework)}", style="bold")
    text.append(f" ({_clean(result.framework)}), {region_name(result.region)}\n")
    text.append(f"As of {_day(result.as_of)}")
    if result.period is not None:
        lo, hi = result.period
        text.append(f"; period {_day(lo)} to {_day(hi)}")
    else:
        text.append("; every deadline up to that day")
    return text


# The label column of a table is never narrower than this (it wraps at words
# instead); when the numbers leave it less, the least needed counts are left out.
LABEL_MIN = 14
# Counts a narrow terminal leaves out first, in this order; the statuses and
# % on time always stay.
_OPTIONAL_COUNTS = ("episodes", "children", "deadlines")
# A wrapping text column in a list (plan type, worker, team) keeps at least this width.
TEXT_MIN = 10


def _compliance_table(
    title: str,
    label: str,
    rows: dict,
    overall: dict | None,
    thresholds: tuple[float, float],
    width: int = 80,
    plan_types: Mapping[str, str] | None = None,
) -> Table:
    """Compliance per plan type or team, as wide as the terminal allows.

    The label column takes the room the numbers leave (and wraps at words
    below that); numbers never wrap. When even LABEL_MIN is not left, the
    episode, child and deadline counts are left out, in that order.
    """
    total = overall if overall is not None else _total(rows)
    names = {
        name: plan_type_label(name, plan_types) if label == "Plan type" else _clean(name)
        for name in rows
    }
    body = [_stat_cells(names[name], stats, thresholds) for name, stats in rows.items()]
    foot = _stat_cells("Total", total, thresholds, bold=True)
    keys = (*_COUNTS, "percent_on_time")
    label_width = max(len(label), len(foot[0].plain), *(len(r[0].plain) for r in body))

    def widths(headers: tuple[str, ...]) -> dict[str, int]:
        return {
            k: max(
                max(len(line) for line in h.split("\n")),
                *(len(r[i + 1].plain) for r in [*body, foot]),
            )
            for i, (k, h) in enumerate(zip(keys, headers, strict=True))
        }

    def room(col_width: dict[str, int], shown: list[str]) -> int:
        return width - sum(col_width[c] + 1 for c in shown)

    # The numbers shrink first: their headings split across two lines.
    headers = (*_HEADERS, "% on\ntime")
    col_width = widths(headers)
    if room(col_width, list(keys)) < label_width:
        headers = (*_SHORT_HEADERS, "% on\ntime")
        col_width = widths(headers)
    shown = list(keys)
    for k in _OPTIONAL_COUNTS:
        if room(col_width, shown) >= LABEL_MIN:
            break
        shown.remove(k)
    table = _table(title, footer=True)
    _say_left_out(table, [SUMMARY_HEADINGS[k] for k in keys if k not in shown])
    table.add_column(label, foot[0], overflow="fold", min_width=LABEL_MIN)
    index = [keys.index(k) + 1 for k in shown]
    for i in index:
        table.add_column(headers[i - 1], foot[i], justify="right", no_wrap=True)
    for cells in body:
        table.add_row(cells[0], *(cells[i] for i in index))
    return table


def _table(title: str, footer: bool = False) -> Table:
    """Compact tables: no outer border, two spaces between columns, rules around the body."""
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE,
        show_footer=footer,
        show_edge=False,
        pad_edge=False,
        padding=(0, 0),
    )


def _stat_cells(name: str, stats: dict, thresholds, bold: bool = False) -> list[Text]:
    style = "bold" if bold else ""
    cells = [Text(name, style=style)]
    cells += [Text(f"{int(stats.get(k, 0)):,}", style=style) for k in _COUNTS]
    pct = stats.get("percent_on_time")
    if pct is None or pd.isna(pct):
        cells.append(Text("-"))
    else:
        cells.append(Text(f"{float(pct):.1f}%", style=f"{_grade(float(pct), thresholds)} {style}"))
    return cells


def _total(rows: dict) -> dict:
    total: dict[str, float] = {k: sum(int(r.get(k, 0)) for r in rows.values()) for k in _COUNTS}
    total["episodes"] = total["children"] = 0  # a child can be in two teams: not additive
    d = total["deadlines"]
    total["percent_on_time"] = round(100.0 * total["on_time"] / d, 1) if d else 100.0
    return total


def _grade(pct: float, thresholds: tuple[float, float]) -> str:
    return _COLOURS[_label_grade(pct, thresholds)]


def _totals(result: AuditResult) -> Text:
    status = result.findings["status"] if len(result.findings) else pd.Series([], dtype=object)
    counts = status.value_counts()
    late, missed, overdue = (int(counts.get(s, 0)) for s in ("late", "missed", "overdue"))
    text = Text("Findings: ", style="bold")
    text.append(f"{late:,} late", style="yellow" if late else "")
    text.append(", ")
    text.append(f"{missed:,} missed", style="dark_orange" if missed else "")
    text.append(", ")
    text.append(f"{overdue:,} overdue", style="bold red" if overdue else "")
    text.append(f" ({_n(late + missed + overdue, 'finding')} in all).")
    return text


def _most_overdue(result: AuditResult, top: int, width: int = 80) -> Table | None:
    """The worst overdue deadline of each child, with the last visit.

    Text columns (plan type, worker, team) wrap at words but keep TEXT_MIN
    columns each; when the terminal has no room for that, the team (it is in
    the team table above) and then the due date (the days overdue say it) are
    left out.
    """
    if not len(result.findings) or top <= 0:
        return None
    over = overdue_list(result)
    if not len(over):
        return None
    # One line per child: their worst overdue deadline. Ties keep the findings' order.
    worst = over.drop_duplicates("child_id")
    shown = worst.head(top)
    labels = result.plan_type_labels
    cells = {
        "child": [Text(_cell(v)) for v in shown["child_id"]],
        "plan": [
            Text(_clean(plan_type_label(v, labels)) if isinstance(v, str) else "")
            for v in shown["plan_type"]
        ],
        "due": [Text(_day(v)) for v in shown["due_date"]],
        "days": [Text(f"{int(v):,}", style="red") for v in shown["days_overdue"]],
        "last": [Text(_day(v) or "none") for v in shown["last_visit"]],
        "worker": [Text(_cell(v)) for v in shown["worker"]],
        "team": [Text(_cell(v)) for v in shown["team"]],
    }
    headers = {
        "child": "Child",
        "plan": "Plan type",
        "due": "Due",
        "days": "Days\noverdue",
        "last": "Last\nvisit",
        "worker": "Worker",
        "team": "Team",
    }
    text = ("plan", "worker", "team")

    def room(keys: list[str]) -> int:
        fixed = [
            max(len(headers[k].split("\n")[-1]), *(len(c.plain) for c in cells[k]))
            for k in keys
            if k not in text
        ]
        return sum(fixed) + TEXT_MIN * sum(k in text for k in keys) + len(keys) - 1

    keys = list(headers)
    left_out = []
    for k in ("team", "due"):
        if room(keys) <= width:
            break
        keys.remove(k)
        left_out.append({"team": "Team", "due": "Due"}[k])
    table = _table(f"Most overdue children ({len(shown)} of {len(worst):,})")
    for k in keys:
        if k in text:
            table.add_column(headers[k], overflow="fold", min_width=TEXT_MIN)
        else:
            table.add_column(headers[k], no_wrap=True, justify="right" if k == "days" else "left")
    for i in range(len(shown)):
        table.add_row(*(cells[k][i] for k in keys))
    _say_left_out(table, left_out)
    return table


def _say_left_out(table: Table, headings: list[str]) -> None:
    if headings:
        table.caption = f"(No room for: {', '.join(headings)})"
        table.caption_justify = "left"


def _due_soon_by_worker(result: AuditResult, top: int) -> Table | None:
    """Who has children due soon: the earliest due first (at most ``top`` workers)."""
    workers = due_soon_by_worker(result)
    if not len(workers) or top <= 0:
        return None
    shown = workers.head(top)
    table = _table(f"Due soon by worker ({len(shown)} of {len(workers):,})")
    table.add_column("Worker", overflow="fold", min_width=LABEL_MIN)
    table.add_column("Children\ndue", justify="right", no_wrap=True)
    table.add_column("Earliest due", no_wrap=True)
    for worker, children, earliest in zip(
        shown["worker"], shown["children"], shown["earliest_due"], strict=True
    ):
        table.add_row(Text(_cell(worker)), Text(f"{int(children):,}"), Text(_day(earliest)))
    return table


def _quality_table(quality: dict) -> Table | None:
    if not quality:
        return None
    table = _table("Visit quality")
    table.add_column("Check")
    table.add_column("Visits checked", justify="right")
    table.add_column("Exceptions", justify="right")
    table.add_column("% exceptions", justify="right")
    for check, q in quality.items():
        checked, exceptions = int(q.get("checked", 0)), int(q.get("exceptions", 0))
        pct = 100.0 * exceptions / checked if checked else 0.0
        table.add_row(
            Text(QUALITY_CHECKS.get(check, _clean(check))),
            Text(f"{checked:,}"),
            Text(f"{exceptions:,}", style="yellow" if exceptions else ""),
            Text(f"{pct:.1f}%"),
        )
    return table


def _input_lines(result: AuditResult) -> list[str]:
    lines = []
    named = set()
    for i in result.inputs:
        named.add(i.file)
        lines.append(
            f"{_clean(i.file)}: {i.rows:,} rows read = {i.audited:,} audited"
            f" + {i.rejected:,} rejected"
        )
    rejected = {i.file: i.rejected for i in result.inputs}
    if len(result.rejected):  # rows rejected from files the inputs do not name
        for file, n in result.rejected["file"].value_counts(sort=False).items():
            if file not in named:
                rejected[file] = int(n)
    for file, n in rejected.items():
        if n:
            were = "row of {} was" if n == 1 else "rows of {} were"
            lines.append(
                f"{n:,} {were.format(_clean(file))} rejected: see the Rejected rows sheet or --json"
            )
    return lines


# --- words -------------------------------------------------------------------------------


def _clean(value: object) -> str:
    return str(value).translate(_CONTROL)


def _cell(value: object) -> str:
    return "" if value is None or pd.isna(value) else _clean(value)


def _day(value) -> str:
    """``31 Oct 2026``: unambiguous for UK and ISO readers alike."""
    if value is None or pd.isna(value):
        return ""
    d = pd.Timestamp(value).date() if not isinstance(value, dt.date) else value
    return f"{d.day} {d:%b %Y}"


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


# --- frameworks show and explain ---------------------------------------------------------

STATUS_STYLE = {
    "on_time": "green",
    "late": "yellow",
    "missed": "dark_orange",
    "overdue": "bold red",
    "pending": "cyan",
}


def render_framework(fw, console: Console) -> None:
    """Every plan type's rules of a framework as one readable table."""
    console.print(Text.assemble((_clean(fw.title), "bold"), f" ({_clean(fw.name)})"))
    if fw.extends:
        chain = " → ".join(_clean(n) for n in fw.extends)
        console.print(
            Text(f"Extends: {chain} (shown resolved: its plan types with this file's changes)")
        )
    if fw.closed_days:
        console.print(
            Text(
                f"Closed days ({len(fw.closed_days)}, skipped as bank holidays are, for working "
                f"days only): {', '.join(_day(d) for d in fw.closed_days)}"
            )
        )
    table = Table(show_lines=True, box=box.SIMPLE_HEAD)
    table.add_column("Plan type", overflow="fold", max_width=20)
    table.add_column("Start date is", overflow="fold", max_width=16)
    table.add_column("Rules", overflow="fold")
    from visit_audit.plan_types import spellings

    spelt = spellings({name: fw.aliases.get(name, ()) for name in fw.plan_types})
    for plan in fw.plan_types.values():
        lines = []
        contact = " (any contact counts)"
        for i, d in enumerate(plan.initial, 1):
            extra = contact if plan.initial_filter == "any" else ""
            lines.append(f"{i}. due by start + {d.within}{extra}")
        for p in plan.phases:
            until = f" until {p.until}" if p.until is not None else ""
            lines.append(f"every {p.interval}{until}{contact if p.filter == 'any' else ''}")
        lines += [c.requirement for c in plan.counts]
        lines += [f"{m.column} due by start + {m.within}" for m in plan.milestones]
        if plan.no_rule:
            lines.append("no rule of its own: covered by the child's other plans")
        if plan.note:
            lines.append(f"note: {plan.note}")
        name = Text.assemble(_clean(plan.name), "\n", (_clean(plan.label), "dim"))
        rules = Text("\n".join(_clean(x) for x in lines))
        names = ", ".join(dict.fromkeys(_clean(s) for s in spelt.get(plan.name, ())))
        rules.append(f"\naccepted as: {plan.name}{', ' + names if names else ''}", style="dim")
        table.add_row(name, _clean(plan.start_means), rules)
    console.print(table)
    console.print(
        Text(
            "Each accepted name also matches in any case, with spaces, hyphens, underscores and "
            "full stops ignored; in plural and 'plan' forms (Children in Need, Child Protection "
            "Plans); and with a qualifier after a dash or in brackets (Child Protection - "
            "Neglect, CLA (S20)). A mapping file's [values.plan_type] names any other spelling."
        )
    )
    if fw.quality:
        q = fw.quality
        console.print(
            Text(
                f"Quality checks ({', '.join(q.checks)}; seen alone from age "
                f"{q.seen_alone_min_age}) on: {', '.join(q.plan_types)}"
            )
        )


def render_explain(
    result: AuditResult, episodes: pd.DataFrame, visits: pd.DataFrame, fw, console: Console
) -> None:
    """One child's deadline chain, episode by episode, with the record that met each deadline."""
    child = _clean(episodes["child_id"].iloc[0])
    console.print(
        Text.assemble(
            (f"Child {child}", "bold"),
            f": {_n(len(episodes), 'episode')}, {_n(len(visits), 'record')}; "
            f"framework {fw.name}, as of {_day(result.as_of)}",
        )
    )
    deadlines = result.deadlines
    labels = {name: plan.label for name, plan in fw.plan_types.items()}
    for ep in episodes.sort_values("start_date", kind="stable").itertuples():
        end = _day(ep.end_date) or "open"
        console.print()
        console.print(
            Text.assemble(
                (f"Episode {_clean(ep.episode_id)}", "bold"),
                f" {_clean(plan_type_label(ep.plan_type, labels))}: {_day(ep.start_date)} to {end}",
            )
        )
        plan = fw.plan_types.get(ep.plan_type)
        if plan is None:
            console.print(Text(f"  no rule in framework {fw.name}: not audited"))
            continue
        if plan.no_rule:
            console.print(Text("  no rule of its own: covered by the child's other plans"))
            continue
        mine = deadlines.loc[deadlines["episode_id"] == ep.episode_id]
        if mine.empty:
            console.print(Text("  no deadline yet"))
            continue
        table = Table(box=box.SIMPLE_HEAD)
        for col in ("Requirement", "From", "Due", "Met by", "Outcome"):
            table.add_column(col, overflow="fold")
        for row in mine.sort_values(["due_date", "anchor_date"], kind="stable").itertuples():
            outcome = STATUS_WORDS[row.status]  # "Late", "Not yet due", …
            if row.status in ("late", "missed", "overdue") and row.kind != "count":
                outcome += f" ({_n(int(row.days_late), 'day')})"
            table.add_row(
                _clean(row.requirement),
                _day(row.anchor_date),
                _day(row.due_date),
                _day(row.visit_date) or "-",
                Text(outcome, style=STATUS_STYLE[row.status]),
            )
        console.print(table)


# --- frameworks check and --compare ------------------------------------------------------

CHECK_WORDS = {
    "meets": ("meets the law", "green"),
    "looser": ("LOOSER THAN THE LAW", "bold red"),
    "no statutory interval": ("no statutory interval", ""),
    "not checked": ("not checked", "yellow"),
    "not listed": ("not checked (not in the list of statutory minimums)", "yellow"),
}


def render_check(verdicts, console: Console) -> None:
    """``frameworks check``: per plan type the verdict, the framework's rule, the
    legal maximum and the regulation cited."""
    for v in verdicts:
        words, style = CHECK_WORDS[v.status]
        console.print(Text.assemble((_clean(v.plan_type), "bold"), ": ", (words, style)))
        rows = Table.grid(padding=(0, 1))
        rows.add_column(no_wrap=True, style="dim")
        rows.add_column(overflow="fold")
        rows.add_row("  framework", Text(_clean(v.framework_rule)))
        m = v.minimum
        if m is not None:
            if m.status == "checked":
                rows.add_row("  law", Text(m.rule()))
            cited = m.instrument if m.provision == "none" else f"{m.instrument}, {m.provision}"
            rows.add_row("  cited", Text(cited))
            rows.add_row("  source", Text(m.source))
            rows.add_row("  sets", Text(m.sets))
            if m.reading:
                rows.add_row("  reading", Text(m.reading))
            if m.not_checked:
                rows.add_row("  not checked", Text(m.not_checked))
        if v.example:
            rows.add_row("  example", Text(v.example, style="red"))
        console.print(rows)
    looser = [v.plan_type for v in verdicts if v.looser]
    console.print()
    if looser:
        console.print(
            Text(
                f"{_n(len(looser), 'plan type')} looser than the law: {', '.join(looser)}",
                style="bold red",
            )
        )
    else:
        console.print(Text("No rule is looser than the minimums the project can cite."))


def compare_table(result: AuditResult, thresholds: tuple[float, float] = THRESHOLDS) -> Table:
    """``--compare``: % on time and overdue per plan type under each framework (80 columns)."""
    mine = result.summary or {}
    theirs = (result.compare or {}).get("summary") or {}
    other = _clean((result.compare or {}).get("framework", ""))
    table = _table(f"Compared: A = {_clean(result.framework)}, B = {other}", footer=True)
    table.add_column("Plan type", "Total", overflow="fold", min_width=8, max_width=24)
    heads = ("% on time\nA", "Overdue\nA", "% on time\nB", "Overdue\nB")
    for head in heads:
        table.add_column(head, justify="right", no_wrap=True)
    a_rows, b_rows = mine.get("by_plan_type") or {}, theirs.get("by_plan_type") or {}

    def cells(stats: dict | None) -> list[Text]:
        if stats is None:
            return [Text("no rule", style="dim"), Text("")]
        pct = float(stats.get("percent_on_time", 100.0))
        return [
            Text(f"{pct:.1f}%", style=_grade(pct, thresholds)),
            Text(f"{int(stats.get('overdue', 0)):,}"),
        ]

    for name in dict.fromkeys([*a_rows, *b_rows]):
        label = _clean(plan_type_label(name, result.plan_type_labels))
        table.add_row(Text(label), *cells(a_rows.get(name)), *cells(b_rows.get(name)))
    foot = [*cells(mine.get("overall")), *cells(theirs.get("overall"))]
    for column, cell in zip(table.columns[1:], foot, strict=True):
        column.footer = cell
    return table


# --- history -----------------------------------------------------------------------------

SPARKS = "▁▂▃▄▅▆▇█"
LONGEST_RUNNING = 5
SPARK_SPAN = 10.0  # percentage points from ▁ to █ at the least


def render_changes(result: AuditResult, console: Console, top: int = LONGEST_RUNNING) -> None:
    """The "Since <previous period>" block: what changed since the previous
    recorded period, and the children overdue for the most periods running."""
    from visit_audit.views.changes import with_staff

    changes = result.changes or {}
    previous = changes.get("previous")
    if previous is None:
        console.print(Text("Since the previous period", style="bold"))
        console.print(
            Text(
                "No earlier period of this framework is in the history: the changes start "
                "with the next period recorded."
            )
        )
        return
    lo, hi = (dt.date.fromisoformat(previous[k]) for k in ("from", "to"))
    new, gone, still = (
        len(changes[k]) for k in ("newly_overdue", "no_longer_overdue", "still_overdue")
    )
    label = period_label(lo, hi)
    since = f"Since the period {label}" if " to " in label else f"Since {label}"
    console.print(Text(since, style="bold"))
    line = Text()
    line.append(f"{new:,} newly overdue", style="bold red" if new else "")
    line.append(", ")
    line.append(f"{gone:,} no longer overdue", style="green" if gone else "")
    line.append(", ")
    line.append(f"{still:,} still overdue", style="red" if still else "")
    line.append(".")
    console.print(line)
    if not still or top <= 0:
        return
    console.print()
    rows = with_staff(changes["still_overdue"], result.deadlines)
    rows = rows.sort_values(
        ["periods", "days_late"], ascending=False, kind="stable", na_position="last"
    ).drop_duplicates("child_id")
    shown = rows.head(top)
    children = "child" if len(rows) == 1 else "children"
    table = _table(f"Overdue for the most periods ({len(shown)} of {len(rows):,} {children})")
    table.add_column("Child", overflow="fold", max_width=14)
    table.add_column("Plan type", overflow="fold", max_width=18)
    table.add_column("Due", no_wrap=True)
    table.add_column("Periods\noverdue", justify="right", no_wrap=True)
    table.add_column("Days\noverdue", justify="right", no_wrap=True)
    table.add_column("Worker", overflow="fold", max_width=20)
    for child, plan, due, periods, days, worker in zip(
        shown["child_id"],
        shown["plan_type"],
        shown["due_date"],
        shown["periods"],
        shown["days_late"],
        shown["worker"],
        strict=True,
    ):
        table.add_row(
            Text(_cell(child)),
            Text(_clean(plan_type_label(plan, result.plan_type_labels))),
            Text(_day(due)),
            Text(f"{int(periods):,}", style="red"),
            Text("" if pd.isna(days) else f"{int(days):,}"),
            Text(_cell(worker)),
        )
    console.print(table)


def render_history(
    periods: list[dict],
    by: str | None,
    console: Console,
    *,
    thresholds: tuple[float, float] = THRESHOLDS,
) -> None:
    """``visit-audit history``: one table per framework (and plan type, team or
    worker with ``by``), one row per period, oldest first, and a sparkline of %
    on time under each."""
    if not periods:
        console.print(Text("No period is recorded in this history yet."))
        return
    groups: dict[tuple[str, str | None], list[dict]] = {}
    for p in periods:
        groups.setdefault((p["framework"], p.get(by) if by else None), []).append(p)
    for i, ((framework, name), rows) in enumerate(groups.items()):
        if i:
            console.print()
        title = _clean(framework)
        if by is not None:
            shown = plan_type_label(name) if by == "plan_type" else name
            title += f": {by.replace('_', ' ')} {_clean(shown)}"
        table = _table(title)
        table.add_column("Period", overflow="fold", min_width=8, max_width=26)
        for header in ("Deadlines", "On time", "Late", "Missed", "Overdue"):
            table.add_column(header, justify="right", no_wrap=True)
        table.add_column("% on\ntime", justify="right", no_wrap=True)
        for p in rows:
            lo, hi = (dt.date.fromisoformat(p[k]) for k in ("from", "to"))
            pct = float(p["percent_on_time"])
            table.add_row(
                Text(period_label(lo, hi)),
                *(Text(f"{int(p[k]):,}") for k in ("deadlines", "on_time", "late", "missed")),
                Text(f"{int(p['overdue']):,}", style="red" if p["overdue"] else ""),
                Text(f"{pct:.1f}%", style=_grade(pct, thresholds)),
            )
        console.print(table)
        console.print(_trend_line([float(p["percent_on_time"]) for p in rows]))


def _trend_line(values: list[float]) -> Text:
    """``% on time, oldest first ▇█▇▁ 90.7% to 80.0% (low 80.0%, high 92.0%)``."""
    text = Text("% on time, oldest first ")
    text.append(sparkline(values), style="bold")
    low, high = min(values), max(values)
    text.append(f" {values[0]:.1f}% to {values[-1]:.1f}%")
    if len(values) > 2 and high > low:
        text.append(f" (low {low:.1f}%, high {high:.1f}%)")
    return text


def sparkline(values: list[float], span: float = SPARK_SPAN) -> str:
    """One block per value, █ the highest; ▁ is the lowest, or ``span`` points
    below the highest when they are closer than that, so that a steady series
    looks steady (90.7, 92.0, 90.8 → ▇█▇) and a fall of 20 points looks a fall."""
    if not values:
        return ""
    high = max(values)
    low = min(min(values), high - span)
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((v - low) / (high - low) * top)] for v in values)
