"""The configuration file (``--config FILE.toml``, ``$VISIT_AUDIT_CONFIG``) → the audit's options.

A shared server runs the same audit every month; the file holds what would
otherwise be a long crontab line, plus the ``[split]`` and ``[email]`` tables
that have no command-line form. Every top-level key is an ``audit`` option
under its long name (``fail_on``, ``as_of``, ``from``, ``json``, …); an option
given on the command line wins over the file. Paths are relative to the file's
folder. ``{month}``, ``{as_of}``, ``{framework}`` and ``{team}`` in the output
paths and the e-mail subject are filled in once the period is known.

A key this module does not know stops the run (a typo must never be silently
ignored), and so does a key named ``password``: the password lives in the
environment variable that ``password_env`` names, never in the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import ipaddress
import string
import tomllib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from visit_audit.errors import InputError

ENV_VAR = "VISIT_AUDIT_CONFIG"

# Top-level key → the audit command's parameter it sets, and how the value is read.
# kinds: path, output (a path that may hold placeholders, or "-"), source, framework, text,
# bool, month, date, list (comma list), thresholds
OPTIONS: dict[str, tuple[str, str]] = {
    "cases": ("cases", "path"),
    "visits": ("visits", "path"),
    "ssd": ("ssd", "source"),  # a folder of the SSD's tables (beside this file) or a database URL
    "framework": ("framework", "framework"),
    "region": ("region", "text"),
    "mapping": ("mapping", "path"),
    "columns": ("mapping", "path"),
    "cases_sheet": ("cases_sheet", "text"),
    "visits_sheet": ("visits_sheet", "text"),
    "date_format": ("date_format", "text"),
    "cases_date_format": ("cases_date_format", "text"),
    "visits_date_format": ("visits_date_format", "text"),
    "month": ("month", "month"),
    "as_of": ("as_of", "date"),
    "from": ("date_from", "date"),
    "to": ("date_to", "date"),
    "thresholds": ("thresholds", "thresholds"),
    "fail_on": ("fail_on", "list"),
    "report": ("report", "output"),
    "json": ("json_out", "output"),
    "csv": ("csv_dir", "output"),
    "history": ("history", "path"),
    "closed_days": ("closed_days", "path"),
    "compare": ("compare", "framework"),
    "quiet": ("quiet", "bool"),
    "pseudonymise": ("pseudonymise", "bool"),
    "key_file": ("key_file", "path"),
    "dry_run": ("dry_run", "bool"),
}
TABLES = ("split", "email")
SPLIT_BY = ("team", "worker")
SPLIT_KEYS: dict[str, tuple[str, str]] = {
    "by": ("split_by", "text"),
    "folder": ("report_dir", "output"),
}
EMAIL_KEYS = (
    "host",
    "port",
    "security",
    "username",
    "password_env",
    "from",
    "subject",
    "cc",
    "to",
    "cafile",
    "outbox",
    "timeout",
)
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_SUBJECT = "Visits audit {month}: {team} {percent_on_time}% on time, {overdue} overdue"
EVERYONE = "*"

# The placeholders each kind of value may hold.
PATH_FIELDS = frozenset({"month", "as_of", "framework", "team"})
SUBJECT_FIELDS = PATH_FIELDS | frozenset(
    {"deadlines", "on_time", "late", "missed", "overdue", "percent_on_time", "due_soon"}
)


@dataclass(frozen=True)
class EmailConfig:
    """The ``[email]`` table: where and how the messages go (README "E-mail to each team
    manager")."""

    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str = ""
    subject: str = DEFAULT_SUBJECT
    cc: tuple[str, ...] = ()
    to: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cafile: Path | None = None  # trust this CA bundle instead of the system's (a private CA)
    timeout: float = 60.0

    def password(self) -> str | None:
        """The password from the environment variable ``password_env`` names."""
        import os

        if not self.username:
            return None
        if not self.password_env:
            raise InputError(
                "[email]: username is set but password_env is not: name the environment "
                'variable that holds the password (password_env = "VISIT_AUDIT_SMTP_PASSWORD")'
            )
        value = os.environ.get(self.password_env)
        if not value:
            raise InputError(
                f"[email]: the environment variable {self.password_env} (password_env) is not "
                "set: export the SMTP password in it before the run"
            )
        return value


@dataclass(frozen=True)
class Config:
    """One configuration file, read and checked.

    ``defaults``: the audit command's parameters (by name) with the file's
    values, in the form the command line would give them (an output path's
    placeholders still to fill in).
    """

    path: Path
    defaults: dict[str, Any]
    email: EmailConfig | None = None

    @property
    def history(self) -> Path | None:
        """The history file, for the --history option."""
        history = self.defaults.get("history")
        return Path(history) if history else None


def load_config(path: str | Path) -> Config:
    """Read and check ``path``; an unknown key, a password or a wrong type is an InputError."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"--config: {path} does not exist") from None
    except OSError as e:
        raise InputError(f"--config: cannot read {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path}: not valid TOML ({e})") from None
    return _Reader(path).read(data)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.folder = path.parent

    def fail(self, message: str) -> InputError:
        return InputError(f"{self.path}: {message}")

    def read(self, data: dict) -> Config:
        self.refuse_passwords(data, "")
        self.refuse_unknown(data, [*OPTIONS, *TABLES], "")
        defaults: dict[str, Any] = {}
        for key, value in data.items():
            if key in TABLES:
                continue
            name, kind = OPTIONS[key]
            defaults[name] = self.value(key, value, kind)
        split = data.get("split")
        if split is not None:
            self.table(split, "split")
            self.refuse_unknown(split, SPLIT_KEYS, "split.")
            for key, value in split.items():
                name, kind = SPLIT_KEYS[key]
                defaults[name] = self.value(f"split.{key}", value, kind)
            if defaults.get("split_by") not in (None, *SPLIT_BY):
                raise self.fail(f"split.by: '{defaults['split_by']}' is not team or worker")
        email = None
        if "email" in data:
            email = self.email(data["email"], defaults)
        return Config(self.path, defaults, email)

    # --- checks ---------------------------------------------------------------------

    def refuse_passwords(self, data: dict, where: str) -> None:
        for key, value in data.items():
            if key.casefold() == "password":
                raise self.fail(
                    f"{where}{key}: never put a password in this file; name the environment "
                    'variable that holds it instead (password_env = "VISIT_AUDIT_SMTP_PASSWORD")'
                )
            if isinstance(value, dict) and f"{where}{key}" != "email.to":
                self.refuse_passwords(value, f"{where}{key}.")

    def refuse_unknown(self, data: dict, known, where: str) -> None:
        for key in data:
            if key not in known:
                near = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
                hint = f" (did you mean '{where}{near[0]}'?)" if near else ""
                raise self.fail(f"unknown key '{where}{key}'{hint}")

    def table(self, value: object, key: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(f"{key} must be a table ([{key}])")
        return value

    # --- values ---------------------------------------------------------------------

    def value(self, key: str, value: object, kind: str) -> Any:
        if kind == "bool":
            if not isinstance(value, bool):
                raise self.fail(f"{key} must be true or false")
            return value
        if kind == "date":
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return value.isoformat()
            return self.text(key, value)
        if kind == "thresholds":
            if isinstance(value, list):
                if len(value) != 2 or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in value
                ):
                    raise self.fail(f"{key} must be two percentages, GREEN then AMBER: [95, 80]")
                return f"{value[0]},{value[1]}"
            return self.text(key, value)
        if kind == "list":
            if isinstance(value, list):
                return ",".join(self.text(key, v) for v in value) or "none"
            return self.text(key, value)
        text = self.text(key, value)
        if kind == "month":
            if text.casefold() not in ("previous", "current"):
                from visit_audit.pipeline import month_period

                try:
                    month_period(text)
                except InputError:
                    raise self.fail(
                        f'month: \'{text}\' is not a month (use YYYY-MM, "previous" or "current")'
                    ) from None
            return text
        if kind == "source":  # a database URL as it is; a folder beside this file
            return text if "://" in text else str(self.folder / Path(text).expanduser())
        if kind == "framework":  # a built-in name, or a TOML file beside this one
            return str(self.folder / text) if text.endswith(".toml") else text
        if kind in ("path", "output"):
            self.placeholders(key, text, PATH_FIELDS if kind == "output" else frozenset())
            if kind == "output" and text == "-":
                return text
            return str(self.folder / Path(text).expanduser())
        return text

    def text(self, key: str, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key} must be a non-empty text in quotes")
        return value

    def placeholders(self, key: str, text: str, allowed: frozenset[str]) -> None:
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as e:
            raise self.fail(f"{key}: '{text}': {e}") from None
        for name in names:
            if name not in allowed:
                have = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
                raise self.fail(f"{key}: unknown placeholder {{{name}}} (known: {have})")

    # --- [email] --------------------------------------------------------------------

    def email(self, table: object, defaults: dict[str, Any]) -> EmailConfig:
        table = self.table(table, "email")
        self.refuse_unknown(table, EMAIL_KEYS, "email.")
        if "host" not in table:
            raise self.fail("email.host is missing: the name of the council's SMTP relay")
        host = self.text("email.host", table["host"])
        security = self.text("email.security", table.get("security", "starttls"))
        if security not in SECURITY:
            raise self.fail(f"email.security: '{security}' is not one of {', '.join(SECURITY)}")
        if security == "none" and not is_loopback(host):
            raise self.fail(
                f'email.security = "none" sends children\'s data unencrypted: it is allowed only '
                f"to a loopback host (localhost, 127.0.0.1), not {host}; use starttls or ssl"
            )
        port = table.get("port", DEFAULT_PORTS[security])
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise self.fail("email.port must be a port number such as 587")
        timeout = table.get("timeout", 60)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise self.fail("email.timeout must be a number of seconds")
        sender = self.text("email.from", table.get("from", ""))
        self.addresses("email.from", [sender])
        subject = self.text("email.subject", table.get("subject", DEFAULT_SUBJECT))
        self.placeholders("email.subject", subject, SUBJECT_FIELDS)
        cc = self.address_list("email.cc", table.get("cc", []), empty=True)
        to = self.table(table.get("to", {}), "email.to")
        teams = {team: self.address_list(f"email.to.{team}", v) for team, v in to.items()}
        cafile = table.get("cafile")
        if "outbox" in table:
            defaults["outbox"] = self.value("email.outbox", table["outbox"], "output")
        username = table.get("username")
        password_env = table.get("password_env")
        return EmailConfig(
            host=host,
            port=port,
            security=security,
            username=self.text("email.username", username) if username is not None else None,
            password_env=self.text("email.password_env", password_env)
            if password_env is not None
            else None,
            sender=sender,
            subject=subject,
            cc=cc,
            to=teams,
            cafile=Path(self.value("email.cafile", cafile, "path")) if cafile else None,
            timeout=float(timeout),
        )

    def address_list(self, key: str, value: object, empty: bool = False) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f'{key} must be a list of addresses: ["name@example.gov.uk"]')
        if not value and not empty:
            raise self.fail(f"{key} lists no address")
        self.addresses(key, value)
        return tuple(value)

    def addresses(self, key: str, values: list[str]) -> None:
        for text in values:
            parsed = getaddresses([text])
            ok = len(parsed) == 1 and "@" in parsed[0][1]
            if ok:
                try:
                    Address(addr_spec=parsed[0][1])
                except (ValueError, IndexError):
                    ok = False
            if not ok:
                raise self.fail(f"{key}: '{text}' is not an e-mail address")


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP address (127.0.0.0/8, ::1)."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def fill(template: str, **values: object) -> str:
    """``template`` with its ``{name}`` placeholders filled in (checked when the file was read)."""
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as e:
        raise InputError(f"'{template}': cannot fill in the placeholder {e}") from None


def month_label(as_of: dt.date, period: tuple[dt.date, dt.date] | None) -> str:
    """``{month}``: the reporting period's first month (YYYY-MM), else the audit date's."""
    day = period[0] if period else as_of
    return f"{day:%Y-%m}"
