"""Pseudonymised outputs: children, workers and episodes replaced by keyed hashes.

``--pseudonymise`` lets a report leave the building (to a board, an inspector,
a data team) without naming a child or a worker. Each identifier becomes a
prefix plus the first 16 hex digits of HMAC-SHA-256(key, value): the same key
gives the same pseudonym on every run (so month-on-month reports still line
up), a different key gives unrelated ones, and without the key the mapping
cannot be rebuilt by hashing a list of likely ids. Teams are not personal and
are kept. Rejected-row reasons quote the offending cell; the quoted part is
replaced by ``'…'``.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import hmac
import re
from typing import Any

import numpy as np
import pandas as pd

from visit_audit.keys import ENV_VAR, MIN_KEY_BYTES, load_key
from visit_audit.result import AuditResult
from visit_audit.views.summary import sort_findings

__all__ = ["ENV_VAR", "MIN_KEY_BYTES", "load_key", "pseudonym", "pseudonymise_result"]

HEX_DIGITS = 16
REDACTED = "'…'"

# Which columns are pseudonymised, and with which prefix.
PREFIXES: dict[str, str] = {"child_id": "C-", "worker": "W-", "episode_id": "E-"}
_FRAMES = ("deadlines", "findings", "upcoming", "quality", "episodes", "last_visits")

# A quoted cell in a rejection reason: ``label 'value'[ tail]`` parts joined by "; ".
_TAILS = (
    r" is not a date| is not Y/N| is before 1900| is after 2100| is before start_date"
    r"| does not match the date format [^;]*| \(first on row \d+\)"
)
_QUOTED = re.compile(rf"'.*?'(?=(?:{_TAILS})?(?:; |$))")
_EXAMPLE = re.compile(r"\(e\.g\. '.*'\)")
# A value listed with its count in a warning ("'Family Time' (3)"): free text
# from the extract, which may name someone.
_COUNTED = re.compile(r"'(?:[^']|'(?! \(\d+\)))*' (\(\d+\))")


def pseudonym(values: pd.Series, key: bytes, prefix: str) -> pd.Series:
    """``prefix`` + 16 hex digits of HMAC-SHA-256(key, value); missing stays missing.

    Each distinct value is hashed once.
    """
    codes, uniques = pd.factorize(values)
    hashed = [_hash(key, u, prefix) for u in np.asarray(uniques, dtype=object).tolist()]
    out = np.array([*hashed, None], dtype=object)[codes]
    return pd.Series(out, index=values.index, dtype="str", name=values.name)


def _hash(key: bytes, value: object, prefix: str) -> str:
    return (
        prefix + hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:HEX_DIGITS]
    )


def redact_reason(reason: str) -> str:
    """A rejection reason with every quoted cell value replaced by ``'…'``."""
    out = _QUOTED.sub(REDACTED, reason)
    if "'" in out.replace(REDACTED, ""):  # a value holding quotes fooled the pattern
        out = re.sub(r"'.*'", REDACTED, reason)
    return out


def pseudonymise_result(result: AuditResult, key: bytes) -> AuditResult:
    """A copy of ``result`` with children, workers and episodes pseudonymised (see module doc)."""
    changes: dict[str, Any] = {}
    for name in _FRAMES:
        if getattr(result, name) is None:  # a result built without its episodes
            continue
        frame = getattr(result, name).copy()
        for column, prefix in PREFIXES.items():
            if column in frame.columns:
                frame[column] = pseudonym(frame[column], key, prefix)
        changes[name] = frame
    if len(changes["findings"]):  # the findings' order holds for the new ids too
        changes["findings"] = sort_findings(changes["findings"])
    rejected = result.rejected.copy()
    if len(rejected):
        codes, uniques = pd.factorize(rejected["reason"])
        redacted = [redact_reason(str(u)) for u in np.asarray(uniques, dtype=object).tolist()]
        rejected["reason"] = pd.Series(
            np.array([*redacted, None], dtype=object)[codes], index=rejected.index, dtype="str"
        )
    changes["rejected"] = rejected
    changes["summary"] = copy.deepcopy(result.summary)
    changes["warnings"] = [
        _COUNTED.sub(rf"{REDACTED} \1", _EXAMPLE.sub(f"(e.g. {REDACTED})", str(w)))
        for w in result.warnings
    ]
    # Unrecognised values keep their counts under keyed pseudonyms ("V-…"): the
    # same value gives the same pseudonym, its text is not carried.
    changes["unrecognised"] = {
        name: {_hash(key, value, "V-"): n for value, n in counts.items()}
        for name, counts in result.unrecognised.items()
    }
    changes["inputs"] = list(result.inputs)
    return dataclasses.replace(result, **changes)
