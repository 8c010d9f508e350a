"""Rich views for people reading rules and chains: ``frameworks show`` and ``explain``.

Both are views of data the engine and the framework loader already hold.
"""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from visit_audit.frameworks.model import Framework
from visit_audit.result import AuditResult

STATUS_STYLE = {
    "on_time": "green",
    "late": "yellow",
    "missed": "dark_orange",
    "overdue": "bold red",
    "pending": "cyan",
}
STATUS_WORDS = {
    "on_time": "on time",
    "late": "late",
    "missed": "missed",
    "overdue": "overdue",
    "pending": "not yet due",
}


def _d(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%d/%m/%Y")


def render_framework(fw: Framework, console: Console) -> None:
    """Every plan type's rules as one readable table."""
    console.print(f"[bold]{fw.title}[/bold] ({fw.name})")
    table = Table(show_lines=True, expand=False)
    table.add_column("Plan type", overflow="fold", max_width=18)
    table.add_column("Start date is", overflow="fold", max_width=16)
    table.add_column("Rules", overflow="fold")
    for plan in fw.plan_types.values():
        lines = []
        filt = " (any contact)" if plan.initial_filter == "any" else ""
        for i, d in enumerate(plan.initial, 1):
            lines.append(f"{i}. within {d} of the start{filt}")
        for p in plan.phases:
            until = f" until {p.until}" if p.until is not None else ""
            kind = " (any contact)" if p.filter == "any" else ""
            lines.append(f"every {p.interval}{until}{kind}")
        for c in plan.counts:
            lines.append(c.requirement)
        for m in plan.milestones:
            lines.append(f"{m.column} within {m.within} of the start")
        if plan.no_rule:
            lines.append("no rule of its own: covered by the child's other plans")
        if plan.note:
            lines.append(f"note: {plan.note}")
        table.add_row(f"{plan.name}\n[dim]{plan.label}[/dim]", plan.start_means, "\n".join(lines))
    console.print(table)
    if fw.quality:
        q = fw.quality
        console.print(
            f"Quality checks ({', '.join(q.checks)}; seen alone from age {q.seen_alone_min_age}) "
            f"on: {', '.join(q.plan_types)}"
        )


def render_explain(
    result: AuditResult,
    episodes: pd.DataFrame,
    visits: pd.DataFrame,
    fw: Framework,
    console: Console,
) -> None:
    """One child's deadline chain, episode by episode, with the record that met each deadline."""
    child = episodes["child_id"].iloc[0]
    console.print(
        f"[bold]Child {child}[/bold]: {len(episodes)} episode(s), {len(visits)} record(s); "
        f"framework {fw.name}, as of {result.as_of:%d/%m/%Y}"
    )
    deadlines = result.deadlines
    for ep in episodes.sort_values("start_date").itertuples():
        end = _d(ep.end_date) or "open"
        console.print(
            f"\n[bold]Episode {ep.episode_id}[/bold] {ep.plan_type}: {_d(ep.start_date)} to {end}"
        )
        plan = fw.plan_types.get(ep.plan_type)
        if plan is None:
            console.print(f"  no rule in framework {fw.name}: not audited")
            continue
        if plan.no_rule:
            console.print("  no rule of its own: covered by the child's other plans")
            continue
        mine = deadlines.loc[deadlines["episode_id"] == ep.episode_id]
        if mine.empty:
            console.print("  no deadline has fallen due yet")
            continue
        table = Table(expand=False)
        for col in ("Kind", "Requirement", "From", "Due", "Met by", "Outcome"):
            table.add_column(col, overflow="fold")
        for row in mine.sort_values(["due_date", "anchor_date"], kind="stable").itertuples():
            outcome = STATUS_WORDS[row.status]
            if row.status in ("late", "missed", "overdue"):
                outcome += f" ({int(row.days_late)} days)" if row.kind != "count" else ""
            style = STATUS_STYLE[row.status]
            table.add_row(
                row.kind,
                row.requirement,
                _d(row.anchor_date),
                _d(row.due_date),
                _d(row.visit_date) or "—",
                f"[{style}]{outcome}[/{style}]",
            )
        console.print(table)
