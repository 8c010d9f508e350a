"""Plan type names as extracts spell them (timescales.md §6).

Matching ignores case, spaces, hyphens, underscores and full stops, so
"Child-in-Need", "child_in_need" and "CHILD IN NEED" are one name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

PLAN_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "early_help": ("EH", "Early Help", "Early Help Assessment", "TAF"),
    "referral": ("Referral", "Contact"),
    "s47_enquiry": ("S47", "Section 47", "S47 Enquiry", "Strategy"),
    "s17_assessment": (
        "S17",
        "Section 17",
        "Assessment",
        "Single Assessment",
        "C&F Assessment",
    ),
    "child_in_need": ("CIN", "Child in Need", "CIN Plan"),
    "child_protection": ("CP", "CPP", "Child Protection", "Child Protection Plan"),
    "child_in_care": (
        "CLA",
        "LAC",
        "CiC",
        "Looked After",
        "Child Looked After",
        "Child in Care",
        "Children in Our Care",
    ),
    "short_breaks": ("Short Breaks", "Respite", "Short Break Care"),
    "adoption": ("Adoption", "Placed for Adoption", "Adoptive Placement"),
    "private_fostering": ("PF", "Private Fostering", "Privately Fostered"),
    "temporary_approval": (
        "Temporary Approval",
        "Reg 24",
        "Regulation 24",
        "ICO",
        "Interim Care Order",
    ),
    "care_order_at_home": ("Care Order at Home", "Placement with Parents", "PWP"),
    "missing": ("Missing", "Missing from Home", "Return from Missing"),
    "care_leaver": ("Care Leaver", "Leaving Care", "Pathway Plan", "Former Relevant"),
    "multiple_placements": ("Multiple Placements", "More than one placement type"),
    "exploitation": ("Exploitation", "CSE", "CCE"),
}

_IGNORED = re.compile(r"[\s\-_.]+")


def normalise_name(text: str) -> str:
    """The matching key of a name: lower case without spaces, hyphens, underscores, full stops."""
    return _IGNORED.sub("", str(text)).casefold()


def alias_table(
    extra: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, str]:
    """Map every normalised alias (and canonical name) to its canonical plan type.

    ``extra`` adds a framework's own plan types and aliases ({canonical: [aliases]}).
    """
    table: dict[str, str] = {}
    groups = dict(PLAN_TYPE_ALIASES)
    for name, aliases in (extra or {}).items():
        groups[name] = tuple(groups.get(name, ())) + tuple(aliases)
    for canonical, aliases in groups.items():
        table[normalise_name(canonical)] = canonical
        for alias in aliases:
            table[normalise_name(alias)] = canonical
    return table
