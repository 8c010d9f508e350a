"""The fields of each extract, the header names that mean them, and ``--columns`` files.

README "Input format": header names are matched case-insensitively, ignoring
spaces, ``_``, ``-`` and ``.``; the aliases below are recognised (at least the
README's, plus a few spellings seen in real exports), and ``--columns FILE.toml``
maps any other header to a field.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from visit_audit.columns import CASE_DATE_COLUMNS
from visit_audit.plan_types import normalise_name


@dataclass(frozen=True)
class Field:
    """One canonical column of an extract."""

    name: str
    kind: str  # "text" | "date" | "bool" | "plan_type" | "visit_type" | "seen"
    required: bool = False
    aliases: tuple[str, ...] = ()
    inverted: bool = False  # the file's column means the opposite (``announced``)
    target: str = ""  # the canonical column this feeds, when not ``name``

    @property
    def column(self) -> str:
        return self.target or self.name


_CHILD_ID = (
    "person_id",
    "person id",
    "child id",
    "child reference",
    "child ref",
    "pupil reference",
    "person reference",
    "person ref",
    "ID",
    "LCS ID",
    "Mosaic ID",
    "client id",
)

CASE_FIELDS: tuple[Field, ...] = (
    Field("child_id", "text", True, _CHILD_ID),
    Field(
        "plan_type",
        "plan_type",
        True,
        ("plan", "plan type", "episode type", "category", "service", "legal status"),
    ),
    Field(
        "start_date",
        "date",
        True,
        (
            "start",
            "start date",
            "plan start date",
            "plan start",
            "placement start",
            "placement start date",
            "episode start",
            "episode start date",
            "date of return",
        ),
    ),
    Field(
        "end_date",
        "date",
        False,
        (
            "end",
            "end date",
            "plan end date",
            "plan end",
            "closure date",
            "closed date",
            "episode end",
            "episode end date",
        ),
    ),
    Field("episode_id", "text", False, ("episode", "episode id", "plan id", "case id")),
    Field("date_of_birth", "date", False, ("dob", "birth date", "date of birth")),
    Field(
        "first_review_date",
        "date",
        False,
        ("first review", "first review date", "review date"),
    ),
    Field(
        "reduced_frequency_date",
        "date",
        False,
        ("permanence date", "reduced frequency agreed", "reduced frequency date"),
    ),
    Field("decision_date", "date", False, ("decision date",)),
    Field(
        "visit_frequency",
        "text",
        False,
        ("frequency", "plan visit frequency", "visit frequency", "visiting frequency"),
    ),
    Field(
        "worker",
        "text",
        False,
        ("social worker", "allocated worker", "allocated social worker", "practitioner"),
    ),
    Field("team", "text", False, ("team name", "service area", "allocated team")),
)

VISIT_FIELDS: tuple[Field, ...] = (
    Field("child_id", "text", True, _CHILD_ID),
    Field(
        "visit_date",
        "date",
        True,
        (
            "date",
            "date of visit",
            "contact date",
            "visit date/time",
            "visit date",
            "visit datetime",
            "visit date time",
            "contact date/time",
            "date seen",
        ),
    ),
    Field("visit_type", "visit_type", False, ("type", "contact type", "visit type")),
    Field("seen", "seen", False, ("child seen", "was child seen")),
    Field("seen_alone", "bool", False, ("child seen alone", "seen alone")),
    Field("location", "text", False, ("visit location", "where seen", "location")),
    Field(
        "bedroom_seen",
        "bool",
        False,
        ("sleeping arrangements seen", "bedroom", "sleeping arrangements"),
    ),
    Field("unannounced", "bool", False, ("unannounced visit",)),
    Field(
        "announced",
        "bool",
        False,
        ("announced visit",),
        inverted=True,
        target="unannounced",
    ),
    Field("episode_id", "text", False, ("episode", "episode id")),
    Field("worker", "text", False, ("visited by", "social worker", "practitioner")),
)

FIELDS: dict[str, tuple[Field, ...]] = {"cases": CASE_FIELDS, "visits": VISIT_FIELDS}

# Canonical frame columns, in order (one per Field.column).
CASE_COLUMNS: tuple[str, ...] = (
    "row",
    "child_id",
    "episode_id",
    "plan_type",
    *CASE_DATE_COLUMNS,
    "visit_frequency",
    "worker",
    "team",
)
VISIT_COLUMNS: tuple[str, ...] = (
    "row",
    "child_id",
    "visit_date",
    "visit_type",
    "seen",
    "seen_alone",
    "bedroom_seen",
    "unannounced",
    "location",
    "episode_id",
    "worker",
)


def header_key(header: object) -> str:
    """The matching key of a header: case-folded, without spaces, ``_ - .``, ``?`` or ``:``."""
    return normalise_name(str(header)).replace("\ufeff", "").replace("?", "").replace(":", "")


@functools.cache
def _alias_index(role: str, skip: frozenset[str]) -> dict[str, str]:
    """{header key: field name} for the role's fields, leaving out those feeding ``skip``."""
    index: dict[str, str] = {}
    for f in FIELDS[role]:
        if f.column not in skip:
            for alias in (f.name, *f.aliases):
                index.setdefault(header_key(alias), f.name)
    return index


@dataclass(frozen=True)
class Match:
    """The columns of one header row that feed each field (position, header text)."""

    by_field: dict[str, list[tuple[int, str]]]
    unmatched_map_keys: list[str]  # --columns headers absent from this row

    @property
    def score(self) -> int:
        return len(self.by_field)


def match_headers(
    headers: Sequence[str], role: str, columns: Mapping[str, str] | None = None
) -> Match:
    """Which header feeds which field.

    A ``--columns`` mapping takes precedence: a field it names is fed only by the
    mapped header(s), and a mapped header is never matched by alias.
    """
    fields = FIELDS[role]
    by_name = {f.name: f for f in fields}
    present = {header_key(h) for h in headers if str(h).strip()}
    # A mapped header absent from this row leaves its field to the aliases (a
    # warning names the entry).
    mapped = {header_key(k): v for k, v in (columns or {}).items()}
    mapped_fields = frozenset(
        by_name[v].column for k, v in mapped.items() if v in by_name and k in present
    )
    alias_to_field = _alias_index(role, mapped_fields)
    by_field: dict[str, list[tuple[int, str]]] = {}
    seen_keys: set[str] = set()
    for pos, header in enumerate(headers):
        text = str(header).strip()
        if not text:
            continue
        key = header_key(text)
        seen_keys.add(key)
        name = mapped.get(key) or alias_to_field.get(key)
        if name is not None:
            by_field.setdefault(name, []).append((pos, text))
    missing_keys = [k for k in (columns or {}) if header_key(k) not in seen_keys]
    return Match(by_field, missing_keys)


def missing_required(match: Match, role: str) -> list[Field]:
    present = {name for name in match.by_field}
    return [f for f in FIELDS[role] if f.required and f.name not in present]


def missing_message(file: str, missing: list[Field], headers: Sequence[str] = ()) -> str:
    """No column for a required field: what was looked for, what the file has, the fix."""
    parts = [f"{f.name} (looked for: {', '.join((f.name, *f.aliases))})" for f in missing]
    has = [str(h).strip() for h in headers if str(h).strip()]
    shown = ", ".join(f"'{h}'" for h in has[:20]) + (
        f" and {len(has) - 20} more" if len(has) > 20 else ""
    )
    found = f"; the file's headers are {shown}" if has else "; the file has no header row"
    return (
        f"{file}: no column for {' or '.join(parts)}{found}; "
        "name the column in a mapping file (--mapping FILE.toml)"
    )


def load_column_map(path: str | Path) -> dict[str, dict[str, str]]:
    """The header tables of a mapping file: ``{"cases": {...}, "visits": {...}}``.

    Kept for the old ``--columns`` files, which hold only those two tables; see
    :func:`visit_audit.io.mapping.load_mapping` for the whole file.
    """
    from visit_audit.io.mapping import load_mapping

    return load_mapping(path).headers
