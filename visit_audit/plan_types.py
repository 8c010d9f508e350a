"""Plan type names as extracts spell them.

Matching ignores case, spaces, hyphens, underscores and full stops, so
"Child-in-Need", "child_in_need" and "CHILD IN NEED" are one name. Besides the
names below, :func:`match_plan_type` takes the forms extracts really hold:
plurals and "plan"/"children" forms ("Children in Need", "Child Protection
Plans"), a qualifier after a dash or in brackets ("Child Protection - Neglect",
"CP (Emotional abuse)"), the legal bases of care ("S20", "Care Order (S31)")
and the SSDA903 legal status codes of a CLA extract (C2, V2, E1, …).
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

# The legal bases on which a child is looked after: a "Legal Status" column names
# these rather than the plan (an Interim Care Order stays temporary_approval).
LEGAL_BASES: dict[str, tuple[str, ...]] = {
    "child_in_care": (
        "S20",
        "Section 20",
        "Accommodated",
        "Care Order",
        "Care Order (S31)",
        "Full Care Order",
        "Placement Order",
        "Remand",
    ),
}

# SSDA903 legal status codes (the DfE's children-looked-after return). V3 and V4
# are the short-break codes (a series of short-term placements).
SSDA903_CODES: dict[str, tuple[str, ...]] = {
    "child_in_care": ("C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2"),
    "short_breaks": ("V3", "V4"),
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
    for canonical, aliases in spellings(extra).items():
        table[normalise_name(canonical)] = canonical
        for alias in aliases:
            table[normalise_name(alias)] = canonical
    return table


def spellings(extra: Mapping[str, Iterable[str]] | None = None) -> dict[str, tuple[str, ...]]:
    """Every listed spelling of each plan type: names, legal bases, SSDA903 codes
    and ``extra`` (a framework's own aliases), in that order."""
    groups: dict[str, tuple[str, ...]] = {}
    for table in (PLAN_TYPE_ALIASES, LEGAL_BASES, SSDA903_CODES, extra or {}):
        for name, aliases in table.items():
            groups[name] = tuple(groups.get(name, ())) + tuple(aliases)
    return groups


# A qualifier starts at a dash between words, or at a bracket: "CP - Neglect",
# "CLA – S20", "Looked After (S31)".
_QUALIFIER = re.compile(r"\s[-\u2013\u2014]|[-\u2013\u2014]\s|[(\[]")


def match_plan_type(text: str, table: Mapping[str, str]) -> str | None:
    """The canonical plan type an extract's value names, or None.

    First the value whole, then its plural and "plan"/"children" forms; then,
    when a qualifier follows a dash or a bracket, the part before it (the
    longest such part first): "Child Protection - Neglect" is child_protection.
    """
    found = _match_forms(normalise_name(text), table)
    if found is not None:
        return found
    cuts = [m.start() for m in _QUALIFIER.finditer(text)]
    for cut in reversed(cuts):
        head = normalise_name(text[:cut])
        if head:
            found = _match_forms(head, table)
            if found is not None:
                return found
    return None


def _match_forms(key: str, table: Mapping[str, str]) -> str | None:
    """The key itself, then "children" read as "child", a trailing "plan(s)" dropped,
    and a trailing "s" added or dropped."""
    if key in table:
        return table[key]
    for base in dict.fromkeys((key, key.replace("children", "child"))):
        for stem in dict.fromkeys((base, _drop_suffix(base, "plans"), _drop_suffix(base, "plan"))):
            for form in (stem, stem + "s", _drop_suffix(stem, "s")):
                if form and form in table:
                    return table[form]
    return None


def _drop_suffix(key: str, suffix: str) -> str:
    return key[: -len(suffix)] if key.endswith(suffix) and len(key) > len(suffix) else key
