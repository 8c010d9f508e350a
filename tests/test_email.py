"""E-mail (README "E-mail to each team manager"), against a real SMTP server on 127.0.0.1.

Each test starts aiosmtpd on a free port (or, for "the server is down", leaves
a free port unserved), runs ``visit-audit audit --config … --email`` and parses
what the server received: recipients, subject, both bodies, and the attached
workbook opened with openpyxl.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.policy
import io
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from typer.testing import CliRunner

from visit_audit.cli import app
from visit_audit.config import load_config
from visit_audit.delivery import email as mail
from visit_audit.pipeline import audit_files
from visit_audit.views.labels import GRADE_COLOURS

pytestmark = pytest.mark.slow  # a real SMTP server, and whole audits

ROOT = Path(__file__).resolve().parent.parent
CASES, VISITS = ROOT / "sample_data" / "cases.csv", ROOT / "sample_data" / "visits.csv"
EAST, CIC = "Safeguarding Team East", "Children in Care Team"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
runner = CliRunner()


# --- a real SMTP server ----------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    login: str | None
    tls: bool

    @property
    def attachment(self) -> tuple[str, str, bytes]:
        (part,) = list(self.message.iter_attachments())
        return part.get_filename(), part.get_content_type(), part.get_content()

    def body(self, kind: str) -> str:
        return self.message.get_body((kind,)).get_content()


class Inbox:
    """An aiosmtpd handler that keeps every message and can refuse some recipients."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.received: list[Received] = []
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), message, login, tls)
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def smtp_server(inbox: Inbox, **kwargs):
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture
def inbox():
    box = Inbox()
    with smtp_server(box) as port:
        box.port = port
        yield box


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made for the test by the openssl tool."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=visit-audit test"]
        + ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )
    return cert, key


# --- the run ---------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "extracts").mkdir()
    for name in ("cases.csv", "visits.csv"):
        shutil.copy(ROOT / "sample_data" / name, tmp_path / "extracts" / name)
    (tmp_path / "reports").mkdir()
    return tmp_path


def config(site: Path, port: int, *, email_extra: str = "", to: str | None = None, top="") -> Path:
    to = (
        to
        if to is not None
        else f'"{EAST}" = ["east@example.gov.uk"]\n"{CIC}" = ["cic@example.gov.uk", '
        '"cic.deputy@example.gov.uk"]\n"*" = ["performance@example.gov.uk"]\n'
    )
    path = site / "visit-audit.toml"
    path.write_text(
        'cases = "extracts/cases.csv"\nvisits = "extracts/visits.csv"\nmonth = "2026-10"\n'
        f'report = "reports/visits-{{month}}.xlsx"\nquiet = true\n{top}'
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "Performance Team <performance@example.gov.uk>"\n'
        'cc = ["head.of.service@example.gov.uk"]\n'
        f"{email_extra}[email.to]\n{to}",
        encoding="utf-8",
    )
    return path


def run(*args, env=None):
    return runner.invoke(
        app, [str(a) for a in args], env={"COLUMNS": "80", "NO_COLOR": "1", **(env or {})}
    )


@pytest.fixture(scope="module")
def full():
    return audit_files(CASES, VISITS, month="2026-10")


def sheet_rows(data: bytes, sheet: str) -> list[dict]:
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


# --- routing ---------------------------------------------------------------------------


def test_each_team_gets_its_own_workbook_only_with_cc_on_every_message(inbox, site, full):
    result = run("audit", "--config", config(site, inbox.port), "--email")
    assert result.exit_code == 0, result.output
    teams = sorted(full.summary["by_team"])
    assert len(inbox.received) == len(teams) + 1  # every team, and the whole authority
    for r in inbox.received:
        assert "head.of.service@example.gov.uk" in r.rcpt_tos
        assert r.message["Cc"] == "head.of.service@example.gov.uk"
        assert r.mail_from == "performance@example.gov.uk"
    (east,) = inbox.to("east@example.gov.uk")
    assert east.rcpt_tos == ["east@example.gov.uk", "head.of.service@example.gov.uk"]
    name, kind, data = east.attachment
    assert (name, kind) == (f"{EAST}.xlsx", XLSX)
    for sheet in ("Findings", "Overdue", "Due soon"):
        rows = sheet_rows(data, sheet)
        assert {row["Team"] for row in rows} <= {EAST}
    east_findings = full.findings.loc[full.findings["team"] == EAST]
    assert len(sheet_rows(data, "Findings")) == len(east_findings) > 0
    stats = full.summary["by_team"][EAST]
    assert east.message["Subject"] == (
        f"Visits audit 2026-10: {EAST} {stats['percent_on_time']:g}% on time, "
        f"{stats['overdue']} overdue"
    )
    # Both bodies name the team's most overdue child and their worker.
    worst = (
        east_findings.loc[east_findings["status"] == "overdue"].sort_values("days_late").iloc[-1]
    )
    for kind in ("plain", "html"):
        body = east.body(kind)
        assert worst["child_id"] in body and worst["worker"] in body
    # The deputy is on the CIC message and on nothing else.
    (cic,) = inbox.to("cic.deputy@example.gov.uk")
    assert cic.attachment[0] == f"{CIC}.xlsx"
    assert sorted(cic.rcpt_tos) == sorted(
        ["cic@example.gov.uk", "cic.deputy@example.gov.uk", "head.of.service@example.gov.uk"]
    )
    # "*" gets the unlisted teams one workbook each, and the whole authority's report.
    star = inbox.to("performance@example.gov.uk")
    assert sorted(r.attachment[0] for r in star) == sorted(
        [f"{t}.xlsx" for t in teams if t not in (EAST, CIC)] + ["visits-2026-10.xlsx"]
    )
    whole = next(r for r in star if r.attachment[0] == "visits-2026-10.xlsx")
    assert sorted(whole.rcpt_tos) == [
        "head.of.service@example.gov.uk",
        "performance@example.gov.uk",
    ]
    assert "All teams" in whole.message["Subject"]
    assert whole.attachment[2] == (site / "reports" / "visits-2026-10.xlsx").read_bytes()


def test_without_a_star_unlisted_teams_are_not_sent_and_a_warning_names_them(inbox, site, full):
    to = f'"{EAST}" = ["east@example.gov.uk"]\n"Safeguarding Teem West" = ["west@example.gov.uk"]\n'
    result = run("audit", "--config", config(site, inbox.port, to=to), "--email")
    assert result.exit_code == 0, result.output
    message = " ".join(result.output.split())
    unlisted = [t for t in sorted(full.summary["by_team"]) if t != EAST]
    assert f'not e-mailed (no address in [email.to] and no "*"): {", ".join(unlisted)}' in message
    assert "'Safeguarding Teem West': no episode of that team" in message
    assert "'Safeguarding Team West'" in message  # the spelling the extract uses
    # East's message, and the whole authority's report to cc only.
    assert sorted(r.attachment[0] for r in inbox.received) == sorted(
        [f"{EAST}.xlsx", "visits-2026-10.xlsx"]
    )
    whole = next(r for r in inbox.received if r.attachment[0] == "visits-2026-10.xlsx")
    assert whole.rcpt_tos == ["head.of.service@example.gov.uk"]


# --- the bodies ------------------------------------------------------------------------


def test_the_body_grades_the_figures_and_lists_who_is_due_soon(full):
    settings = load_config(ROOT / "examples" / "visit-audit.toml").email
    from visit_audit.views.split import split_result

    part = split_result(full, "team")[EAST]
    fields = {"month": "2026-10", "as_of": "2026-10-31", "framework": "mop", "team": "all"}
    msg = mail.build_message(
        part, EAST, settings, fields, (95, 80), b"xlsx", "East.xlsx", ("e@example.gov.uk",)
    )
    pct = part.summary["overall"]["percent_on_time"]
    assert pct < 95  # the sample's East team is amber
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert f"background: {GRADE_COLOURS['amber'][0]}" in html
    assert f"{pct:g}% on time (amber)" in text
    for row in part.upcoming.itertuples():
        assert row.child_id in text and row.child_id in html
    assert f"Whole authority: {full.summary['overall']['percent_on_time']:g}% on time." in text
    assert "Since" not in text  # no history, no changes section


def test_the_changes_since_last_month_are_in_both_bodies_when_there_is_a_history(full):
    """result.changes as the history fills it (frames of the five key columns), by hand."""
    import pandas as pd

    settings = load_config(ROOT / "examples" / "visit-audit.toml").email
    key = {"child_id": "0017775", "episode_id": "E1", "plan_type": "child_in_need"}
    due = pd.Timestamp
    newly = pd.DataFrame([{**key, "kind": "interval", "due_date": due("2026-10-02")}])
    still = pd.DataFrame(
        [
            {**key, "kind": "interval", "due_date": due("2026-04-14"), "periods": 3},
            {**key, "kind": "count", "due_date": due("2026-08-31"), "periods": 2},
        ]
    )
    changes = {
        "previous": {"from": "2026-09-01", "to": "2026-09-30"},
        "newly_overdue": newly,
        "no_longer_overdue": newly.iloc[:0],
        "still_overdue": still,
    }
    fields = {"month": "2026-10", "as_of": "2026-10-31", "framework": "mop", "team": "all"}
    msg = mail.build_message(
        dataclasses.replace(full, changes=changes),
        None,
        settings,
        fields,
        (95, 80),
        b"xlsx",
        "all.xlsx",
        ("p@example.gov.uk",),
    )
    for kind in ("plain", "html"):
        body = msg.get_body((kind,)).get_content()
        assert "Since Sep 2026" in body
        assert "1 newly overdue" in body and "0 no longer overdue" in body
        assert "2 still overdue (the longest for 3 periods in a row)" in body


def test_pseudonymise_covers_the_bodies_and_the_attachments(inbox, site, full):
    key = {"VISIT_AUDIT_KEY": "a test key of more than sixteen bytes"}
    result = run(
        "audit", "--config", config(site, inbox.port), "--email", "--pseudonymise", env=key
    )
    assert result.exit_code == 0, result.output
    children = set(full.findings["child_id"]) | set(full.upcoming["child_id"])
    workers = set(full.findings["worker"].dropna()) | set(full.upcoming["worker"].dropna())
    seen = []
    for r in inbox.received:
        texts = [r.body("plain"), r.body("html")]
        book = openpyxl.load_workbook(io.BytesIO(r.attachment[2]), read_only=True)
        for ws in book.worksheets:
            texts += [str(v) for row in ws.iter_rows(values_only=True) for v in row if v]
        everything = "\n".join(texts)
        assert not any(c in everything for c in children)
        assert not any(w in everything for w in workers)
        seen.append(everything)
    assert "C-" in "".join(seen) and "W-" in "".join(seen)


# --- sending ---------------------------------------------------------------------------


def test_starttls_with_a_certificate_made_for_the_test_and_a_login(site, certificate):
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"svc-visit-audit",
            b"correct horse",
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    box = Inbox()
    with smtp_server(
        box,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    ) as port:
        extra = (
            'username = "svc-visit-audit"\npassword_env = "VA_TEST_SMTP_PASSWORD"\n'
            f'cafile = "{cert}"\n'
        )
        path = config(site, port, email_extra=extra, to='"*" = ["p@example.gov.uk"]\n')
        text = path.read_text().replace('security = "none"', 'security = "starttls"')
        path.write_text(text)
        env = {"VA_TEST_SMTP_PASSWORD": "correct horse"}
        result = run("audit", "--config", path, "--email", env=env)
        assert result.exit_code == 0, result.output
        assert box.received and all(r.tls and r.login == "svc-visit-audit" for r in box.received)

        # The same server, not trusted (no cafile): nothing is sent, exit 3.
        box.received.clear()
        path.write_text(text.replace(f'cafile = "{cert}"\n', ""))
        before = mail.PAUSE_SECONDS
        mail.PAUSE_SECONDS = 0.0
        try:
            result = run("audit", "--config", path, "--email", env=env)
        finally:
            mail.PAUSE_SECONDS = before
        assert result.exit_code == 3
        assert "certificate was not trusted" in result.output
        assert box.received == []
        # A wrong password: refused login, exit 3.
        path.write_text(text)
        mail.PAUSE_SECONDS = 0.0
        try:
            result = run("audit", "--config", path, "--email", env={"VA_TEST_SMTP_PASSWORD": "x"})
        finally:
            mail.PAUSE_SECONDS = before
        assert result.exit_code == 3
        assert "refused the login" in result.output


def test_a_refused_recipient_is_reported_the_others_have_it_and_it_is_not_sent_again(site):
    box = Inbox(refuse=("cic.deputy@example.gov.uk",))
    with smtp_server(box) as port:
        result = run("audit", "--config", config(site, port), "--email")
    assert result.exit_code == 3
    message = " ".join(result.output.split())
    assert f"not delivered: {CIC}: the server refused cic.deputy@example.gov.uk (550" in message
    cic = [r for r in box.received if r.attachment[0] == f"{CIC}.xlsx"]
    assert len(cic) == 1  # not sent again to the others
    assert sorted(cic[0].rcpt_tos) == ["cic@example.gov.uk", "head.of.service@example.gov.uk"]


def test_a_server_that_is_down_exits_3_listing_the_teams_not_sent(site, monkeypatch, full):
    monkeypatch.setattr(mail, "PAUSE_SECONDS", 0.0)
    result = run("audit", "--config", config(site, free_port()), "--email")
    assert result.exit_code == 3
    message = " ".join(result.output.split())
    for team in full.summary["by_team"]:
        assert f"not delivered: {team}: the server refused the connection" in message
    assert "not delivered: whole authority" in message
    assert "(tried 3 times)" in message
    assert (site / "reports" / "visits-2026-10.xlsx").exists()  # the run itself went on


def test_a_fail_on_condition_gives_1_even_when_e_mail_failed(site, monkeypatch):
    monkeypatch.setattr(mail, "PAUSE_SECONDS", 0.0)
    path = config(site, free_port(), top='fail_on = ["overdue"]\n')
    assert run("audit", "--config", path, "--email").exit_code == 1


def test_each_message_is_tried_three_times_with_a_growing_pause(full):
    settings = dataclasses.replace(
        load_config(ROOT / "examples" / "visit-audit.toml").email,
        host="127.0.0.1",
        port=free_port(),
        security="starttls",
        username=None,
    )
    fields = {"month": "2026-10", "as_of": "2026-10-31", "framework": "mop", "team": "all"}
    messages, _ = mail.compose(full, settings, fields, (95, 80))
    pauses: list[float] = []
    failed = mail.send_all(messages[:2], settings, sleep=pauses.append, pause=2.0)
    assert list(failed) == [m.name for m in messages[:2]]
    assert pauses == [2.0, 4.0, 2.0, 4.0]  # two pauses between three tries, each message


def test_dry_run_writes_each_message_to_the_outbox_and_sends_nothing(inbox, site, full):
    outbox = site / "outbox"
    result = run("audit", "--config", config(site, inbox.port), "--dry-run", "--outbox", outbox)
    assert result.exit_code == 0, result.output
    assert inbox.received == []
    files = sorted(outbox.iterdir())
    assert len(files) == len(full.summary["by_team"]) + 1
    assert files[-1].name.endswith("-whole-authority.eml")
    for path in files:
        assert (path.stat().st_mode & 0o777) == 0o600
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        (part,) = list(msg.iter_attachments())
        assert part.get_content_type() == XLSX
        assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    east = next(p for p in files if EAST in p.name)
    msg = email.message_from_bytes(east.read_bytes(), policy=email.policy.default)
    assert msg["To"] == "east@example.gov.uk"


def test_dry_run_without_an_outbox_says_where_each_message_would_go(inbox, site):
    result = run("audit", "--config", config(site, inbox.port), "--dry-run")
    assert result.exit_code == 0
    assert f"dry run: {EAST}.xlsx ({EAST}) to east@example.gov.uk" in result.output
    assert inbox.received == []


def test_a_password_in_the_email_table_is_exit_2_and_nothing_is_sent(inbox, site):
    path = config(site, inbox.port, email_extra='password = "hunter2"\n')
    result = run("audit", "--config", path, "--email")
    assert result.exit_code == 2
    assert "email.password: never put a password in this file" in " ".join(result.output.split())
    assert inbox.received == []


def test_a_misspelt_email_key_is_exit_2_naming_it(inbox, site):
    path = config(site, inbox.port, email_extra='subjet = "x"\n')
    result = run("audit", "--config", path, "--email")
    assert result.exit_code == 2
    assert "unknown key 'email.subjet' (did you mean 'email.subject'?)" in result.output
    assert inbox.received == []


def test_implicit_tls_checks_the_certificate_too(site, certificate):
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    box = Inbox()
    with smtp_server(box, ssl_context=server_tls) as port:
        path = config(site, port, email_extra=f'cafile = "{cert}"\n', to='"*" = ["p@x.gov.uk"]\n')
        path.write_text(path.read_text().replace('security = "none"', 'security = "ssl"'))
        result = run("audit", "--config", path, "--email")
        assert result.exit_code == 0, result.output
        assert box.received and all(r.tls for r in box.received)


def test_split_by_worker_still_e_mails_each_team_its_team_workbook(inbox, site, full):
    outbox = site / "outbox"
    result = run(
        "audit",
        "--config",
        config(site, inbox.port),
        "--split-by",
        "worker",
        "--report-dir",
        site / "workers",
        "--dry-run",
        "--outbox",
        outbox,
    )
    assert result.exit_code == 0, result.output
    attached = set()
    for path in outbox.iterdir():
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        (part,) = list(msg.iter_attachments())
        attached.add(part.get_filename())
    assert attached == {f"{t}.xlsx" for t in full.summary["by_team"]} | {"visits-2026-10.xlsx"}
    assert len(list((site / "workers").iterdir())) > len(full.summary["by_team"])


def test_starttls_that_the_server_does_not_offer_is_never_skipped(inbox, site, monkeypatch):
    monkeypatch.setattr(mail, "PAUSE_SECONDS", 0.0)
    path = config(site, inbox.port, to='"*" = ["p@example.gov.uk"]\n')
    path.write_text(path.read_text().replace('security = "none"', 'security = "starttls"'))
    result = run("audit", "--config", path, "--email")
    assert result.exit_code == 3
    assert "the server does not offer STARTTLS" in result.output
    assert inbox.received == []


def test_a_line_break_in_a_team_name_never_makes_a_header(full):
    settings = load_config(ROOT / "examples" / "visit-audit.toml").email
    fields = {"month": "2026-10", "as_of": "2026-10-31", "framework": "mop", "team": "all"}
    msg = mail.build_message(
        full, "East\r\nBcc: x@evil.example", settings, fields, (95, 80), b"x", "e.xlsx", ("a@b.uk",)
    )
    assert msg["Bcc"] is None
    assert "East Bcc: x@evil.example" in msg["Subject"]
