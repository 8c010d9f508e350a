"""The mapping file (``--mapping FILE.toml``; ``--columns`` is its old name).

One file per case-management system says what the built-in aliases do not:
which of its headers feed which field, what its own values mean, and how its
dates are written (README "The mapping file")::

    [cases]                     # their header = our field
    "Person Ref" = "child_id"
    [visits]
    "Casenote Date" = "visit_date"
    [values.plan_type]          # their value = a plan type of the framework
    "CP - Neglect" = "child_protection"
    [values.visit_type]         # visit | contact | return_home_interview | other | not_seen
    "STVL" = "visit"
    [values.answer]             # Y | N | not_applicable | not_recorded
    "Declined" = "N"
    [dates]
    cases = "%d/%m/%Y"
    visits = "%Y-%m-%d %H:%M:%S"

A mistake in the file stops the run with one sentence naming the file and the
entry. Whether a mapped plan type exists is checked against the framework in
use (:meth:`MappingFile.check_plan_types`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from visit_audit.errors import InputError

VISIT_TYPE_MEANINGS = ("visit", "contact", "return_home_interview", "other", "not_seen")
ANSWER_MEANINGS = ("Y", "N", "not_applicable", "not_recorded")
ROLES = ("cases", "visits")


@dataclass(frozen=True)
class MappingFile:
    """What one mapping file says; every table may be empty."""

    headers: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"cases": {}, "visits": {}}
    )  # role -> {their header: field}
    plan_types: dict[str, str] = field(default_factory=dict)  # their value -> plan type
    visit_types: dict[str, str] = field(default_factory=dict)  # their value -> meaning
    answers: dict[str, str] = field(default_factory=dict)  # their value -> meaning
    dates: dict[str, str] = field(default_factory=dict)  # role -> strptime format
    file: str = ""

    def check_plan_types(self, known: Iterable[str], framework: str) -> None:
        """Every ``[values.plan_type]`` entry must name a plan type of the framework."""
        known = set(known)
        for value, plan_type in self.plan_types.items():
            if plan_type not in known:
                raise InputError(
                    f"{self.file}: [values.plan_type] '{value}' = '{plan_type}' is not a plan "
                    f"type of framework {framework}; use one of {', '.join(sorted(known))}"
                )


def load_mapping(path: str | Path) -> MappingFile:
    """Read and check a mapping file; raises :class:`InputError` naming the file and entry."""
    from visit_audit.io.fields import FIELDS

    path = Path(path)
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such mapping file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a mapping file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: cannot read the mapping file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name}: not a valid TOML mapping file ({exc})") from None

    headers: dict[str, dict[str, str]] = {"cases": {}, "visits": {}}
    values: dict[str, dict[str, str]] = {"plan_type": {}, "visit_type": {}, "answer": {}}
    dates: dict[str, str] = {}
    for section, table in data.items():
        if section not in (*ROLES, "values", "dates"):
            raise InputError(
                f"{name}: unknown table [{section}]; use [cases], [visits], "
                "[values.plan_type], [values.visit_type], [values.answer] and [dates]"
            )
        if not isinstance(table, dict):
            raise InputError(f"{name}: '{section}' must be a table, e.g. [{section}]")
        if section in ROLES:
            valid = [f.name for f in FIELDS[section]]
            for header, target in table.items():
                _entry(name, f"[{section}]", header, target, "a field name")
                if target not in valid:
                    raise InputError(
                        f"{name}: [{section}] '{header}' = '{target}' is not a field; "
                        f"use one of {', '.join(valid)}"
                    )
                headers[section][str(header)] = target
        elif section == "dates":
            for role, fmt in table.items():
                if role not in ROLES:
                    raise InputError(f"{name}: [dates] '{role}' is not cases or visits")
                _entry(name, "[dates]", role, fmt)
                if "%" not in fmt:
                    raise InputError(
                        f"{name}: [dates] {role} = '{fmt}' has no % codes; write it as for "
                        "strptime, e.g. %d/%m/%Y"
                    )
                dates[role] = fmt
        else:
            for kind, entries in table.items():
                if kind not in values:
                    raise InputError(
                        f"{name}: unknown table [values.{kind}]; use [values.plan_type], "
                        "[values.visit_type] or [values.answer]"
                    )
                if not isinstance(entries, dict):
                    raise InputError(f"{name}: 'values.{kind}' must be a table")
                meanings = {"visit_type": VISIT_TYPE_MEANINGS, "answer": ANSWER_MEANINGS}
                for value, meaning in entries.items():
                    _entry(name, f"[values.{kind}]", value, meaning)
                    allowed = meanings.get(kind)
                    if allowed is not None and meaning not in allowed:
                        raise InputError(
                            f"{name}: [values.{kind}] '{value}' = '{meaning}' is not a meaning; "
                            f"use one of {', '.join(allowed)}"
                        )
                    values[kind][str(value)] = meaning
    return MappingFile(
        headers=headers,
        plan_types=values["plan_type"],
        visit_types=values["visit_type"],
        answers=values["answer"],
        dates=dates,
        file=name,
    )


def _entry(file: str, table: str, key: object, value: object, what: str = "a name") -> None:
    if not str(key).strip():
        raise InputError(f"{file}: {table} has an empty name")
    if not isinstance(value, str):
        raise InputError(f"{file}: {table} '{key}' must map to {what} in quotes")
