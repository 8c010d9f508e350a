"""Getting the audit to the people who act on it: the configuration file's outputs,
one workbook per team, and e-mail (README "The configuration file", "One workbook per
team", "E-mail to each team manager").

:class:`Delivery` is what the ``audit`` command asks of a run beyond the audit
itself: which output paths come from the configuration file (their placeholders
filled in), whether and how the workbooks are split, and the e-mail.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visit_audit.config import SPLIT_BY, Config, EmailConfig, fill, month_label
from visit_audit.errors import InputError

CONFIG_META = "visit_audit.config"


@dataclass
class Delivery:
    fields: dict[str, str]
    from_file: frozenset[str] = frozenset()
    email: EmailConfig | None = None
    dry_run: bool = False
    split: tuple[str | None, Path | None] = (None, None)

    @classmethod
    def of(
        cls,
        ctx: Any,
        as_of: dt.date,
        period: tuple[dt.date, dt.date] | None,
        framework: str,
        email: bool,
        dry_run: bool,
    ) -> Delivery:
        """From the command's context (typer/click): what came from the file, and the e-mail."""
        config: Config | None = ctx.meta.get(CONFIG_META)
        from_file = frozenset(
            name
            for name in ctx.params
            if getattr(ctx.get_parameter_source(name), "name", "") == "DEFAULT_MAP"
        )
        fields = {
            "month": month_label(as_of, period),
            "as_of": as_of.isoformat(),
            "framework": Path(framework).stem if framework.endswith(".toml") else framework,
            "team": "all",
        }
        settings = None
        if email or dry_run:
            if config is None or config.email is None:
                raise InputError(
                    "--email: the e-mail settings (host, addresses) are the [email] table of a "
                    "--config file; see examples/visit-audit.toml"
                )
            settings = config.email
            if not dry_run:
                settings.password()  # a missing password stops the run before the audit
        return cls(fields, from_file, settings, dry_run)

    def outputs(self, **values: Path | str | None) -> list:
        """The output options in the order given, a file's placeholders filled in."""
        out = []
        for name, value in values.items():
            if value is not None and name in self.from_file and str(value) != "-":
                text = fill(str(value), **self.fields)
                value = Path(text) if isinstance(value, Path) else text
            out.append(value)
        return out

    def check_split(self, split_by: str | None, report_dir: Path | None) -> str | None:
        """``--split-by team|worker`` needs ``--report-dir``; ``--report-dir`` alone splits by team."""
        if split_by is not None and split_by not in SPLIT_BY:
            raise InputError(f"--split-by: '{split_by}' is not one of {', '.join(SPLIT_BY)}")
        if split_by is not None and report_dir is None:
            raise InputError(
                "--split-by: give --report-dir DIR (or [split] folder) for the workbooks"
            )
        if report_dir is not None and split_by is None:
            split_by = "team"
        self.split = (split_by, report_dir)
        return split_by

    def send(
        self,
        result,
        thresholds: tuple[float, float],
        *,
        report: Path | None,
        outbox: Path | None,
        tell: Callable[[str], None],
        step: Callable[[str], None] = lambda _: None,
        sleep: Callable[[float], None] | None = None,
        parts: dict | None = None,
    ) -> list[str]:
        """E-mail (or, with --dry-run, write out) each team's workbook; returns the
        teams (and "whole authority") whose message was not delivered. ``tell``
        hears each warning and each message not delivered, one line each.
        ``parts``: the result already split (as the written workbooks were)."""
        if self.email is None:
            return []
        from visit_audit.delivery import email as mail

        step("e-mailing the teams")
        split_by, report_dir = self.split
        folder = report_dir if split_by == "team" else None
        messages, warnings = mail.compose(
            result,
            self.email,
            self.fields,
            thresholds,
            report=report,
            team_folder=folder,
            parts=parts if split_by == "team" else None,
        )
        for warning in warnings:
            tell(f"warning: {warning}")
        if self.dry_run:
            if outbox is not None:
                for path in mail.write_outbox(messages, outbox):
                    tell(f"dry run: wrote {path}")
            else:
                for m in messages:
                    tell(f"dry run: {m.describe()}")
            return []
        failed = mail.send_all(messages, self.email, sleep=sleep or time.sleep)
        for line in failed.values():
            tell(f"not delivered: {line}")
        return list(failed)
