"""E-mail each team its workbook (README "E-mail to each team manager"), with the standard
library only.

Routing: a team's workbook goes to that team's addresses in ``[email.to]``
(teams not listed, and the episodes with no team, to ``"*"``), with ``cc`` on
every message; the whole authority's report goes only to ``"*"`` and ``cc``.
So no address ever receives another team's workbook unless it is ``"*"`` or
``cc``. Each message has a plain-text body and an HTML alternative (the team's
figures graded by the thresholds, the change since the previous run when there
is a history, the ten most overdue children and who is due in the next 10
working days) and the workbook attached.

Sending: STARTTLS or implicit TLS, the server's certificate checked against the
system's (or ``cafile``'s) authorities with the host name; ``security = "none"``
only to a loopback host. Each message is tried three times with a growing
pause; a message the server took is never sent again, even to a recipient it
refused (the others already have it).
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

import pandas as pd

from visit_audit.config import EVERYONE, EmailConfig, fill, is_loopback
from visit_audit.errors import InputError
from visit_audit.report.atomic import atomic_write_bytes
from visit_audit.result import AuditResult
from visit_audit.views.changes import ALL_TEAMS
from visit_audit.views.labels import (
    GRADE_COLOURS,
    SUMMARY_HEADINGS,
    grade,
    period_label,
    plan_type_label,
)
from visit_audit.views.split import file_names, safe_file_name, split_result
from visit_audit.views.summary import UPCOMING_WORKING_DAYS

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
WHOLE_AUTHORITY = "whole authority"
MOST_OVERDUE = 10
DUE_SOON_LISTED = 50  # beyond this the message points to the workbook's Due soon sheet
TRIES = 3
PAUSE_SECONDS = 5.0  # after the first failure; then twice as long
# The counts of the figures table, before its % on time (headed as the summary's fields).
FIGURES = ("deadlines", "on_time", "late", "missed", "overdue")


@dataclass
class Outgoing:
    """One message and where it goes."""

    name: str  # the team, or WHOLE_AUTHORITY
    to: tuple[str, ...]
    cc: tuple[str, ...]
    message: EmailMessage
    attachment: str

    def recipients(self) -> list[str]:
        """Each address once (an address in both To and Cc gets one copy)."""
        seen: dict[str, None] = {}
        for _, addr in getaddresses([*self.to, *self.cc]):
            seen.setdefault(addr, None)
        return list(seen)

    def describe(self) -> str:
        cc = f", cc {', '.join(self.cc)}" if self.cc else ""
        return f"{self.attachment} ({self.name}) to {', '.join(self.to)}{cc}"


# ---------------------------------------------------------------------------
# What goes to whom


def route(names: list[str], settings: EmailConfig) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """``({team: its To addresses}, warnings)`` for the teams of this run."""
    everyone = settings.to.get(EVERYONE)
    routes, unsent, warnings = {}, [], []
    for name in names:
        own = settings.to.get(name)
        if own:
            routes[name] = own
        elif everyone:
            routes[name] = everyone
        else:
            unsent.append(name)
    if unsent:
        warnings.append(f'not e-mailed (no address in [email.to] and no "*"): {", ".join(unsent)}')
    for listed in settings.to:
        if listed != EVERYONE and listed not in names:
            near = difflib.get_close_matches(listed, names, n=1, cutoff=0.6)
            hint = f" (the extract spells a team '{near[0]}')" if near else ""
            warnings.append(
                f"[email.to] '{listed}': no episode of that team in this run{hint}; "
                "nothing was sent to its addresses"
            )
    return routes, warnings


def compose(
    result: AuditResult,
    settings: EmailConfig,
    fields: dict[str, str],
    thresholds: tuple[float, float],
    *,
    report: Path | None = None,
    team_folder: Path | None = None,
    parts: dict[str, AuditResult] | None = None,
) -> tuple[list[Outgoing], list[str]]:
    """Every message of this run (one per routed team, then the whole authority's)
    and the warnings about teams that have nowhere to go. ``parts``: the result
    split by team already (not split again)."""
    from visit_audit.report.excel import workbook_bytes

    if parts is None:
        parts = split_result(result, "team")
    routes, warnings = route(list(parts), settings)
    names = file_names(list(parts))
    out = []
    for name, to in routes.items():
        part = parts[name]
        file_name = names[name]
        written = team_folder / file_name if team_folder is not None else None
        data = (
            written.read_bytes()
            if written is not None and written.exists()
            else workbook_bytes(part, thresholds=thresholds)
        )
        message = build_message(part, name, settings, fields, thresholds, data, file_name, to)
        out.append(Outgoing(name, to, settings.cc, message, file_name))
    to = settings.to.get(EVERYONE) or settings.cc
    if to:
        cc = settings.cc if settings.to.get(EVERYONE) else ()
        file_name = report.name if report is not None else f"visits-{fields['month']}.xlsx"
        data = (
            report.read_bytes()
            if report is not None and report.exists()
            else workbook_bytes(result, thresholds=thresholds)
        )
        message = build_message(result, None, settings, fields, thresholds, data, file_name, to, cc)
        out.append(Outgoing(WHOLE_AUTHORITY, to, cc, message, file_name))
    return out, warnings


def build_message(
    result: AuditResult,
    team: str | None,
    settings: EmailConfig,
    fields: dict[str, str],
    thresholds: tuple[float, float],
    workbook: bytes,
    file_name: str,
    to: tuple[str, ...],
    cc: tuple[str, ...] | None = None,
) -> EmailMessage:
    """One message: headers, plain text, the HTML alternative, the workbook attached."""
    body = Body.of(result, team, thresholds)
    msg = EmailMessage()
    msg["Subject"] = _one_line(
        fill(
            settings.subject,
            **{**fields, "team": team or ALL_TEAMS},
            **{k: _figure(v) for k, v in body.overall.items()},
            due_soon=len(result.upcoming),
        )
    )
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    cc = settings.cc if cc is None else cc
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Date"] = formatdate(localtime=True)
    domain = getaddresses([settings.sender])[0][1].rpartition("@")[2] or "visit-audit.invalid"
    msg["Message-ID"] = make_msgid("visit-audit", domain=domain)
    msg.set_content(body.text(file_name, thresholds))
    msg.add_alternative(body.html(file_name, thresholds), subtype="html")
    msg.add_attachment(workbook, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=file_name)
    return msg


def _one_line(text: str) -> str:
    """A header value on one line: a line break from an extract never starts a new header."""
    return " ".join(text.split())


def _figure(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# ---------------------------------------------------------------------------
# The body


@dataclass
class Body:
    """What a message says, worked out once for both the text and the HTML."""

    title: str
    scope: str
    overall: dict
    authority: dict | None
    plans: dict[str, dict]
    # The rows of the two lists as both bodies show them: child, plan type,
    # requirement, due date, days overdue, worker (the most overdue deadline of
    # each child, longest first); due date, child, plan type, requirement, worker.
    overdue: list[tuple[str, str, str, str, int, str]]
    overdue_children: int
    due_soon: list[tuple[str, str, str, str, str]]
    due_soon_more: int  # due soon but not listed (the workbook's Due soon sheet has them)
    changes: dict | None
    labels: dict[str, str]

    @classmethod
    def of(cls, result: AuditResult, team: str | None, thresholds) -> Body:
        summary = result.summary or {}
        found = result.findings
        overdue = found.loc[found["status"] == "overdue"]
        overdue = overdue.sort_values(["days_late", "due_date"], ascending=[False, True])
        overdue = overdue.drop_duplicates("child_id")
        upcoming = result.upcoming.sort_values(["due_date", "child_id"], kind="stable")
        scope = f"as of {result.as_of:%d/%m/%Y}"
        if result.period is not None:
            lo, hi = result.period
            scope = f"period {lo:%d/%m/%Y} to {hi:%d/%m/%Y}, {scope}"
        title = f"Visits audit: {team}" if team else "Visits audit: whole authority"
        labels = dict(result.plan_type_labels)
        return cls(
            title=title,
            scope=f"{result.framework_title or result.framework}; {scope}",
            overall=dict(summary.get("overall", {})),
            authority=summary.get("authority") if team else None,
            plans=dict(summary.get("by_plan_type", {})),
            overdue=[
                (
                    str(r.child_id),
                    plan_type_label(r.plan_type, labels),
                    str(r.requirement),
                    _date(r.due_date),
                    int(r.days_late),
                    _text(r.worker),
                )
                for r in overdue.head(MOST_OVERDUE).itertuples(index=False)
            ],
            overdue_children=len(overdue),
            due_soon=[
                (
                    _date(r.due_date),
                    str(r.child_id),
                    plan_type_label(r.plan_type, labels),
                    str(r.requirement),
                    _text(r.worker),
                )
                for r in upcoming.head(DUE_SOON_LISTED).itertuples(index=False)
            ],
            due_soon_more=max(len(upcoming) - DUE_SOON_LISTED, 0),
            changes=result.changes,
            labels=labels,
        )

    # --- plain text -----------------------------------------------------------------

    def text(self, file_name: str, thresholds) -> str:
        o = self.overall
        lines = [self.title, self.scope, ""]
        if o:
            lines.append(
                f"{o['percent_on_time']:g}% on time ({grade(o['percent_on_time'], thresholds)}): "
                f"{o['on_time']:,} of {o['deadlines']:,} deadlines met on time; "
                f"{o['overdue']:,} overdue, {o['late']:,} late, {o['missed']:,} missed."
            )
        if self.authority:
            lines.append(f"Whole authority: {self.authority['percent_on_time']:g}% on time.")
        lines.append("")
        for name, row in self.plans.items():
            lines.append(
                f"  {self.plan(name)}: {row['percent_on_time']:g}% on time, "
                f"{row['overdue']} overdue, {row['late']} late, {row['missed']} missed"
            )
        if self.changes is not None:
            lines += ["", f"{self.changes_heading()}:", *(f"  {t}" for t in self.change_lines())]
        lines += ["", f"{self.overdue_heading()}:"]
        lines += [
            f"  {child}  {plan}  {requirement}  due {due}  {days} days overdue  worker: {worker}"
            for child, plan, requirement, due, days, worker in self.overdue
        ] or ["  none: no visit is overdue."]
        lines += ["", f"Due in the next {UPCOMING_WORKING_DAYS} working days:"]
        lines += [
            f"  {due}  {child}  {plan}  {requirement}  worker: {worker}"
            for due, child, plan, requirement, worker in self.due_soon
        ] or ["  none."]
        if self.due_soon_more:
            lines.append(f"  … and {self.due_soon_more} more.")
        good, fair = thresholds
        lines += [
            "",
            f"The attached workbook ({file_name}) lists every deadline: see its Overdue and "
            "Due soon sheets.",
            f"% on time: green at or above {good:g}%, amber at or above {fair:g}%, red below.",
            "",
        ]
        return "\n".join(lines)

    def overdue_heading(self) -> str:
        n = self.overdue_children
        if n > MOST_OVERDUE:
            return f"Overdue: the {MOST_OVERDUE} longest waits of {n} children"
        return "Overdue, longest first" if n else "Overdue"

    def changes_heading(self) -> str:
        prev = (self.changes or {}).get("previous")
        if not prev:
            return "Since the previous period"
        return f"Since {period_label(_as_date(prev.get('from')), _as_date(prev.get('to')))}"

    def plan(self, name: object) -> str:
        return plan_type_label(name, self.labels)

    def change_lines(self) -> list[str]:
        c = self.changes or {}
        prev = c.get("previous")
        lines = []
        if not prev:  # (with one, the heading names it)
            lines.append("no earlier period in the history to compare with")
        still = c.get("still_overdue")
        n_still = 0 if still is None else len(still)
        longest = int(still["periods"].max()) if still is not None and n_still else 0
        lines += [
            f"{_count(c.get('newly_overdue'))} newly overdue",
            f"{_count(c.get('no_longer_overdue'))} no longer overdue",
            f"{n_still} still overdue"
            + (f" (the longest for {longest} periods in a row)" if n_still else ""),
        ]
        return lines

    # --- HTML -----------------------------------------------------------------------

    def html(self, file_name: str, thresholds) -> str:
        e = html.escape
        o = self.overall
        out = [
            "<!DOCTYPE html>",
            '<html><head><meta charset="utf-8"></head>',
            '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; '
            'color: #1f1f1f; max-width: 820px">',
            f'<h2 style="margin-bottom: 2px">{e(self.title)}</h2>',
            f'<p style="color: #595959; margin-top: 0">{e(self.scope)}</p>',
        ]
        if o:
            pct = o["percent_on_time"]
            out.append(
                f'<p style="font-size: 16px">{_badge(pct, thresholds)} {o["on_time"]:,} of '
                f"{o['deadlines']:,} deadlines met on time; <b>{o['overdue']:,} overdue</b>, "
                f"{o['late']:,} late, {o['missed']:,} missed.</p>"
            )
        heads = ["Plan type", *(SUMMARY_HEADINGS[f] for f in (*FIGURES, "percent_on_time"))]
        rows = [_figures_row(self.plan(name), row, thresholds) for name, row in self.plans.items()]
        if o:
            rows.append(_figures_row("Total", o, thresholds, bold=True))
        if self.authority:
            rows.append(_figures_row("Whole authority", self.authority, thresholds, muted=True))
        out.append(_table(heads, rows))
        if self.changes is not None:
            out.append(f"<h3>{e(self.changes_heading())}</h3><ul>")
            out += [f"<li>{e(t)}</li>" for t in self.change_lines()]
            out.append("</ul>")
        out.append(f"<h3>{e(self.overdue_heading())}</h3>")
        if self.overdue:
            out.append(
                _table(
                    ["Child", "Plan type", "Requirement", "Due date", "Days overdue", "Worker"],
                    [
                        [e(child), e(plan), e(requirement), e(due), _num(days), e(worker)]
                        for child, plan, requirement, due, days, worker in self.overdue
                    ],
                )
            )
        else:
            out.append("<p>None: no visit is overdue.</p>")
        out.append(f"<h3>Due in the next {UPCOMING_WORKING_DAYS} working days</h3>")
        if self.due_soon:
            out.append(
                _table(
                    ["Due date", "Child", "Plan type", "Requirement", "Worker"],
                    [[e(cell) for cell in row] for row in self.due_soon],
                )
            )
        else:
            out.append("<p>None.</p>")
        if self.due_soon_more:
            out.append(f"<p>… and {self.due_soon_more} more on the workbook's Due soon sheet.</p>")
        good, fair = thresholds
        out.append(
            f'<p style="color: #595959">The attached workbook ({e(file_name)}) lists every '
            "deadline: see its Overdue and Due soon sheets. % on time: green at or above "
            f"{good:g}%, amber at or above {fair:g}%, red below.</p>"
        )
        out.append("</body></html>")
        return "\n".join(out)


_CELL = "padding: 4px 10px; border-bottom: 1px solid #d9d9d9"


def _badge(pct: float, thresholds) -> str:
    bg, fg = GRADE_COLOURS[grade(pct, thresholds)]
    return (
        f'<span style="background: {bg}; color: {fg}; font-weight: bold; padding: 2px 8px">'
        f"{pct:g}% on time</span>"
    )


def _figures_row(label: str, row: dict, thresholds, bold=False, muted=False) -> list[str]:
    pct = row.get("percent_on_time", 100.0)
    bg, fg = GRADE_COLOURS[grade(pct, thresholds)]
    style = "font-weight: bold" if bold else "color: #595959; font-style: italic" if muted else ""
    cells = [f'<span style="{style}">{html.escape(label)}</span>']
    cells += [_num(row.get(k, 0)) for k in FIGURES]
    cells.append(f'<span style="background: {bg}; color: {fg}; padding: 1px 6px">{pct:.1f}%</span>')
    return cells


def _num(value: object) -> str:
    return f'<span style="display: block; text-align: right">{int(value):,}</span>'  # type: ignore[call-overload]


def _table(heads: list[str], rows: list[list[str]]) -> str:
    head = "".join(
        f'<th style="{_CELL}; background: #D9E1F2; text-align: left">{html.escape(h)}</th>'
        for h in heads
    )
    body = "".join(
        "<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in row) + "</tr>" for row in rows
    )
    return f'<table style="border-collapse: collapse">\n<tr>{head}</tr>\n{body}\n</table>'


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _count(keys: pd.DataFrame | None) -> int:
    return 0 if keys is None else len(keys)


def _date(value: object) -> str:
    return "" if pd.isna(value) else f"{pd.Timestamp(value):%d/%m/%Y}"


def _text(value: object) -> str:
    return "(none recorded)" if value is None or pd.isna(value) or value == "" else str(value)


# ---------------------------------------------------------------------------
# Out of the door


def write_outbox(messages: list[Outgoing], folder: Path) -> list[Path]:
    """``--dry-run --outbox DIR``: each message as a .eml file (mode 0600), nothing sent."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths = []
    for i, m in enumerate(messages, start=1):
        name = "whole-authority" if m.name == WHOLE_AUTHORITY else safe_file_name(m.name)
        data = m.message.as_bytes(policy=SMTP_POLICY)
        paths.append(atomic_write_bytes(folder / f"{i:02d}-{name}.eml", data))
    return paths


def tls_context(settings: EmailConfig) -> ssl.SSLContext:
    """Certificates checked, host name too: the system's authorities, or ``cafile``'s."""
    return ssl.create_default_context(cafile=str(settings.cafile) if settings.cafile else None)


def send_all(
    messages: list[Outgoing],
    settings: EmailConfig,
    *,
    sleep: Callable[[float], None] = time.sleep,
    tries: int = TRIES,
    pause: float | None = None,
) -> dict[str, str]:
    """Send each message; ``{name: why}`` for those not (wholly) delivered.

    A failure is tried again after ``pause``, then twice as long; after
    ``tries`` the next message goes. A message the server accepted for some
    recipients and refused for others is not sent again.
    """
    if settings.security == "none" and not is_loopback(settings.host):
        raise InputError('[email] security = "none" is allowed only to a loopback host')
    pause = PAUSE_SECONDS if pause is None else pause
    password = settings.password()
    context = tls_context(settings) if settings.security != "none" else None
    failed: dict[str, str] = {}
    for m in messages:
        last: Exception | None = None
        for attempt in range(1, tries + 1):
            try:
                refused = _send_one(m, settings, password, context)
            except (OSError, smtplib.SMTPException) as e:
                last = e
                if attempt < tries:
                    sleep(pause * 2 ** (attempt - 1))
                continue
            if refused:
                who = ", ".join(f"{a} ({c} {_said(t)})" for a, (c, t) in refused.items())
                failed[m.name] = f"{m.name}: the server refused {who}; the others have it"
            last = None
            break
        if last is not None:
            failed[m.name] = f"{m.name}: {_reason(last)} (tried {tries} times)"
    return failed


def _send_one(m: Outgoing, settings: EmailConfig, password, context) -> dict:
    host, port, timeout = settings.host, settings.port, settings.timeout
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        if settings.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, password)
        sender = getaddresses([settings.sender])[0][1]
        return smtp.send_message(m.message, from_addr=sender, to_addrs=m.recipients())


def _said(text: object) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _reason(e: Exception) -> str:
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return "the server refused every recipient"
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return f"the server refused the login ({e.smtp_code})"
    if isinstance(e, smtplib.SMTPResponseException):
        return f"the server said {e.smtp_code} {_said(e.smtp_error)}"
    if isinstance(e, smtplib.SMTPNotSupportedError):
        return 'the server does not offer STARTTLS (ask for it, or use security = "ssl")'
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(e, smtplib.SMTPException):
        return f"{type(e).__name__}: {e}"
    if isinstance(e, ssl.SSLCertVerificationError):
        return f"the server's certificate was not trusted ({e.verify_message})"
    if isinstance(e, ConnectionRefusedError):
        return "the server refused the connection (is it running, and is the port right?)"
    if isinstance(e, OSError):
        return f"cannot reach the server ({e.strerror or type(e).__name__})"
    return f"{type(e).__name__}: {e}"


__all__ = [
    "Outgoing",
    "build_message",
    "compose",
    "route",
    "send_all",
    "write_outbox",
]
