"""Identifiers that lost their leading zeros (contract.md "Identifiers").

Excel drops leading zeros, so the same child is ``0001001`` in the cases
extract and ``1001`` in a visits workbook. An id made only of digits (after
trimming) is matched without its leading zeros (``000`` is ``0``), for
``child_id`` and ``episode_id`` alike; any other id is matched exactly, case
kept. Outputs show the cases extract's spelling, so the visits frame is given
that spelling here, once, and the engine past this point compares ids exactly.

Two different ids of the cases extract that differ only by leading zeros
(``007`` and ``7``) cannot be told apart in the visits: the run stops.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from visit_audit.errors import InputError
from visit_audit.io.values import distinct, text_series
from visit_audit.result import arrow_text

_DIGITS = r"^[0-9]+$"


def id_key(value: str) -> str:
    """The matching key of one id: without its leading zeros when it is all digits."""
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        return text.lstrip("0") or "0"
    return text


def _keys(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(matching key of each value, which values are all digits)."""
    digits = pc.fill_null(pc.match_substring_regex(values, _DIGITS), False)
    stripped = pc.utf8_ltrim(values, characters="0")
    stripped = pc.if_else(pc.equal(stripped, ""), "0", stripped)
    return pc.if_else(digits, stripped, values), digits.to_numpy(zero_copy_only=False)


def check_distinct_ids(
    cases: pd.DataFrame, column: str, file: str, rows: pd.Series | None = None
) -> None:
    """Stop when two different ids of the cases extract differ only by leading
    zeros: which of them a visit without its zeros means cannot be told."""
    text = arrow_text(cases[column])
    values, positions = distinct(text)
    values = pc.fill_null(values, "")
    keys, digits = _keys(values)
    if not digits.any() or len(values) < 2:
        return
    key_values, key_of = distinct(keys)
    counts = np.bincount(key_of[digits], minlength=len(key_values))
    clash = np.flatnonzero(counts > 1)
    if len(clash) == 0:
        return
    spelled = np.flatnonzero(digits & (key_of == clash[0]))
    names = [values[int(i)].as_py() for i in spelled[:2]]
    row_numbers = cases["row"].to_numpy() if rows is None else rows.to_numpy()
    where = []
    for i in spelled[:2]:
        first = int(np.flatnonzero(positions == i)[0])
        where.append(f"'{values[int(i)].as_py()}' (row {int(row_numbers[first])})")
    raise InputError(
        f"{file}: {column} {where[0]} and {where[1]} differ only by leading zeros, so a visit "
        f"recorded against '{id_key(names[0])}' cannot be told apart; correct one of them in "
        "the extract"
    )


def respell(visits: pd.DataFrame, cases: pd.DataFrame, column: str) -> pd.DataFrame:
    """``visits`` with each all-digit ``column`` value that names a cases id
    without (or with other) leading zeros spelled as the cases extract spells it.

    Returns ``visits`` itself when nothing needs respelling (the usual case).
    """
    if column not in visits or column not in cases or len(visits) == 0:
        return visits
    case_values, _ = distinct(arrow_text(cases[column]))
    case_values = case_values.filter(pc.is_valid(case_values))
    case_keys, case_digits = _keys(case_values)
    if not case_digits.any():
        return visits
    visit_text = arrow_text(visits[column])
    values, positions = distinct(visit_text)
    valid = pc.is_valid(values).to_numpy(zero_copy_only=False)
    keys, digits = _keys(pc.fill_null(values, ""))
    digit_cases = pa.array(np.flatnonzero(case_digits))
    at = pc.index_in(keys, value_set=case_keys.take(digit_cases))
    found = pc.is_valid(at).to_numpy(zero_copy_only=False) & digits & valid
    if not found.any():
        return visits
    spelling = case_values.take(digit_cases).take(pc.fill_null(at, 0))
    renamed = pc.if_else(pa.array(found), spelling, values.cast(spelling.type))
    if renamed.equals(values.cast(spelling.type)):
        return visits
    column_text = renamed.take(pa.array(positions))
    return visits.assign(**{column: text_series(column_text).set_axis(visits.index)})


def closest_ids(wanted: str, known: Iterable[str], n: int = 5) -> list[str]:
    """The ids that come closest to ``wanted`` (for "no child '…'" messages)."""
    known = [str(k) for k in known if isinstance(k, str) or not pd.isna(k)]
    by_key = difflib.get_close_matches(id_key(wanted), [id_key(k) for k in known], n=n, cutoff=0.6)
    spelled = {id_key(k): k for k in known}
    near = [spelled[k] for k in by_key]
    if len(near) < n:
        starts = sorted(k for k in known if id_key(k).startswith(id_key(wanted)[:3]))
        near += [k for k in starts if k not in near][: n - len(near)]
    return near
