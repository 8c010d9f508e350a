"""Vectorised readers for text, booleans, visit types and plan types, and the
rejection reasons they give.

Each reader works on a column's distinct values (dictionary encoding), so the
per-row cost is one hash pass and one ``take``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from visit_audit.plan_types import normalise_name

QUOTE_LIMIT = 40

TRUE_WORDS = ("y", "yes", "true", "1")
FALSE_WORDS = ("n", "no", "false", "0")
# seen: contract.md "Seen / Not seen / No access = N"
SEEN_TRUE = (*TRUE_WORDS, "seen")
SEEN_FALSE = (*FALSE_WORDS, "not seen", "no access", "noaccess")
# seen_alone, bedroom_seen, unannounced: blank is "not recorded"; so are these
# common fillers (a child too young to be seen alone is recorded as N/A).
NOT_RECORDED = ("", "n/a", "na", "not applicable", "not recorded", "unknown")

RHI_PATTERN = r"\brhi\b|return home"
CONTACT_PATTERN = r"phone|text|sms|email|e-mail|letter|video|virtual|teams|zoom"


def plain(column: pa.Array) -> pa.Array:
    """The column as plain text (the CSV reader dictionary-encodes some columns)."""
    if pa.types.is_dictionary(column.type):
        return column.cast(pa.large_string())
    return column


def trim(column: pa.Array | pa.ChunkedArray, *, ascii: bool = False) -> pa.Array:
    """Strip surrounding white space (Unicode white space, e.g. no-break spaces;
    ``ascii`` = the file is plain ASCII, where the cheaper ASCII kernel is exact)."""
    if ascii:
        return pc.ascii_trim_whitespace(plain(column))
    return pc.utf8_trim_whitespace(plain(column))


def as_text(column: pa.Array) -> pa.Array:
    """Text with blanks ("") as nulls."""
    blank = pc.equal(column, "")
    if not pc.any(blank).as_py():
        return column
    return pc.if_else(blank, pa.scalar(None, column.type), column)


def quoted(label: str, values: pa.Array, tail: str) -> pa.Array:
    """Reasons of the shape ``label 'value' tail``, the value cut to a short excerpt."""
    values = pc.replace_substring_regex(values.cast(pa.string()), r"[\x00-\x1f\x7f]+", " ")
    long = pc.greater(pc.utf8_length(values), QUOTE_LIMIT)
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, QUOTE_LIMIT - 1), "…", "")
    values = pc.if_else(long, cut, values)
    return pc.binary_join_element_wise(f"{label} '", values, f"'{' ' if tail else ''}{tail}", "")


def distinct(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """(distinct values, position of each row's value among them)."""
    enc = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.unify_dictionaries()
        if enc.num_chunks == 0:
            return pa.array([], pa.string()), np.zeros(0, dtype=np.int64)
        indices = [c.indices.to_numpy(zero_copy_only=False) for c in enc.chunks]
        return enc.chunk(0).dictionary, np.concatenate(indices)
    return enc.dictionary, enc.indices.to_numpy(zero_copy_only=False)


def _words(values: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_lower(values), r"\s+", " ")


_FALSE, _TRUE, _UNKNOWN, _BAD = 0, 1, 2, 3


def read_bool(column: pa.Array, *, seen: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, known, bad) per row of a Y/N column.

    ``seen``: blank is Y, and Seen / Not seen / No access are understood.
    Otherwise blank (or N/A, not recorded) is unknown.
    """
    values, idx = distinct(column)
    key = _words(trim(values))
    true_words, false_words = (SEEN_TRUE, SEEN_FALSE) if seen else (TRUE_WORDS, FALSE_WORDS)
    unknown_words = ("",) if seen else NOT_RECORDED
    codes = np.full(len(values), _BAD, dtype=np.int8)
    for code, words in ((_UNKNOWN, unknown_words), (_FALSE, false_words), (_TRUE, true_words)):
        codes[pc.is_in(key, pa.array(words)).to_numpy(zero_copy_only=False)] = code
    if seen:
        codes[codes == _UNKNOWN] = _TRUE
    per_row = codes[idx]
    return per_row == _TRUE, per_row <= _TRUE, per_row == _BAD


def read_visit_type(column: pa.Array) -> pa.Array:
    """contract.md: ``return_home_interview`` when it reads RHI or contains "return
    home"; else ``contact`` when it contains phone, text, sms, email, e-mail,
    letter, video, virtual, teams or zoom; else ``visit``. The canonical names
    themselves (``return_home_interview``, ``contact``, ``visit``) read as themselves."""
    values, idx = distinct(column)
    key = pc.replace_substring(pc.utf8_lower(trim(values)), "_", " ")
    rhi = pc.match_substring_regex(key, RHI_PATTERN)
    contact = pc.or_(pc.equal(key, "contact"), pc.match_substring_regex(key, CONTACT_PATTERN))
    kinds = pc.if_else(rhi, "return_home_interview", pc.if_else(contact, "contact", "visit"))
    return kinds.cast(pa.large_string()).take(pa.array(idx))


def read_plan_type(column: pa.Array, aliases: Mapping[str, str]) -> tuple[pa.Array, np.ndarray]:
    """Canonical plan type per row (null when blank or unknown), and which rows are blank."""
    values, idx = distinct(column)
    canonical = [aliases.get(normalise_name(v)) for v in values.to_pylist()]
    blank = pc.equal(trim(values), "").to_numpy(zero_copy_only=False)
    return pa.array(canonical, type=pa.large_string()).take(pa.array(idx)), blank[idx]


def text_series(column: pa.Array) -> pd.Series:
    """A pandas ``str`` column (missing = NaN) from an arrow string column."""
    return pa.table({"x": column}).to_pandas()["x"]
