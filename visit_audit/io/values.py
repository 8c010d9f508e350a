"""Vectorised readers for text, booleans, visit types and plan types, and the
rejection reasons they give.

Each reader works on a column's distinct values (dictionary encoding), so the
per-row cost is one hash pass and one ``take``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from visit_audit.arrow import distinct, null_where, per_row, plain, string_bytes, string_offsets
from visit_audit.plan_types import match_plan_type

if TYPE_CHECKING:  # only named: arrow's to_pandas imports pandas when it is called
    import pandas as pd

QUOTE_LIMIT = 40

TRUE_WORDS = ("y", "yes", "true", "1")
FALSE_WORDS = ("n", "no", "false", "0")
# seen: Y/N, "Seen" / "Not seen"; "No access" = N (README "Input format": Visits)
SEEN_TRUE = (*TRUE_WORDS, "seen")
SEEN_FALSE = (*FALSE_WORDS, "not seen", "no access", "noaccess")
# seen_alone, bedroom_seen, unannounced: blank is "not recorded"; so are these
# common fillers (a child too young to be seen alone is recorded as N/A).
NOT_RECORDED = ("", "n/a", "na", "not applicable", "not recorded", "unknown")

# Quality answers (seen_alone, bedroom_seen, unannounced) besides Y/N (README
# "Quality answers"): "not applicable" is no exception for a child under the framework's
# minimum age and not recorded otherwise, which is what a missing answer already
# means to the engine; a declined or refused answer is N.
NOT_APPLICABLE = ("not applicable", "n/a", "na", "too young", "under 4", "under four")
ANSWER_NO = ("declined", "refused", "child refused", "child declined")

# Visit types (README "Visit types"): matched on words, first rule that fits.
VISIT_KINDS = ("visit", "return_home_interview", "contact", "other")


def _any_word(*phrases: str) -> re.Pattern[str]:
    words = "|".join(p.replace(" ", r"\s+") for p in phrases)
    return re.compile(rf"\b(?:{words})s?\b")


_RHI = _any_word("rhi", "return home", "return interview")
_NOT_SEEN = _any_word(
    "no access",
    "not seen",
    "unseen",
    "unsuccessful",
    "attempted",
    "no reply",
    "refused",
    "cancelled",
    "canceled",
    "did not attend",
    "dna",
)
_CONTACT = _any_word(
    "phone",
    "telephone",
    "call",
    "text",
    "sms",
    "email",
    "e-mail",
    "letter",
    "video",
    "virtual",
    "teams",
    "zoom",
    "whatsapp",
    "facetime",
)
_VISIT = _any_word(
    "visit", "statutory", "seen", "face to face", "face-to-face", "f2f", "direct work"
)
_OTHER = _any_word(
    "meeting",
    "conference",
    "core group",
    "strategy",
    "review",
    "case note",
    "note",
    "supervision",
    "assessment",
    "discussion",
    "consultation",
    "court",
    "contact with parent",
    "contact with carer",
    "with professional",
    "parent only",
    "carer only",
)
# A canonical extract's own words read as themselves.
_CANONICAL_TYPES = {
    "visit": "visit",
    "contact": "contact",
    "return_home_interview": "return_home_interview",
    "return home interview": "return_home_interview",
    "other": "other",
    "not_seen": "not_seen",
    "not seen": "not_seen",
}


def classify_visit_type(value: str, mapping: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """(meaning, recognised) of one visit type as an extract spells it.

    The meaning is ``visit``, ``return_home_interview``, ``contact``, ``other``
    or ``not_seen`` (a visit that says it did not see the child). A mapping
    file's entry wins; then, on words and case-insensitive, the first rule
    that fits: a return home interview; a record that did not see the child; a
    phone, text, e-mail, letter or video contact; a visit (blank, any "visit",
    statutory, seen, face to face, direct work); a meeting, note, review,
    assessment or contact with someone other than the child (``other``).
    Anything else is ``other`` and not recognised (reported, never counted).
    """
    text = " ".join(str(value).split())
    if mapping:
        meaning = _lookup(mapping, text)
        if meaning is not None:
            return meaning, True
    words = text.casefold().replace("_", " ")
    if text.casefold() in _CANONICAL_TYPES:
        return _CANONICAL_TYPES[text.casefold()], True
    if not words:
        return "visit", True
    for pattern, meaning in (
        (_RHI, "return_home_interview"),
        (_NOT_SEEN, "not_seen"),
        (_CONTACT, "contact"),
        (_VISIT, "visit"),
        (_OTHER, "other"),
    ):
        if pattern.search(words):
            return meaning, True
    return "other", False


def _lookup(mapping: Mapping[str, str], text: str) -> str | None:
    """A mapping file's entry for ``text``: exact first, then ignoring case and spacing."""
    if text in mapping:
        return mapping[text]
    folded = {" ".join(k.split()).casefold(): v for k, v in mapping.items()}
    return folded.get(text.casefold())


def _offsets(chunk: pa.Array) -> np.ndarray | None:
    """A text chunk's value offsets (a view); None for a chunk with nulls or of
    another type, which is left to arrow."""
    if chunk.null_count or len(chunk) == 0:
        return None
    return string_offsets(chunk)


def _edge_suspects(column: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """Positions of the values that may start or end with white space, told by
    their first and last bytes: every white space character, ASCII or not, is
    encoded in bytes outside printable ASCII (0x21-0x7e), so a value whose first
    and last bytes are inside it has nothing to trim. None = cannot tell."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    found, start = [], 0
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        offsets = _offsets(chunk)
        if offsets is None:
            return None
        if offsets[-1] > offsets[0]:  # else every value is "": nothing to trim
            data = string_bytes(chunk)
            # An empty value reads its neighbours' bytes ("clip" keeps them in
            # the buffer): at worst it is looked at for nothing.
            first = data.take(offsets[:-1], mode="clip") - np.uint8(0x21)
            last = data.take(offsets[1:] - 1, mode="clip") - np.uint8(0x21)
            found.append(np.flatnonzero((first > 0x5D) | (last > 0x5D)) + start)
        start += len(chunk)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def trim(column: pa.Array | pa.ChunkedArray, *, ascii: bool = False) -> pa.Array:
    """Strip surrounding white space (Unicode white space, e.g. no-break spaces;
    ``ascii`` = the file is plain ASCII, where the cheaper ASCII kernel is exact).

    A column with nothing to strip comes back as it is, not copied; to find out,
    only the values with an edge byte that is not printable ASCII (few, in most
    extracts: white space, or a name ending in "ë") are trimmed.
    """
    column = plain(column)
    kernel = pc.ascii_trim_whitespace if ascii else pc.utf8_trim_whitespace
    suspects = _edge_suspects(column)
    if suspects is not None and len(suspects) <= len(column) // 8:
        if len(suspects) == 0:
            return column
        some = column.take(pa.array(suspects))
        if pc.all(pc.equal(pc.binary_length(kernel(some)), pc.binary_length(some))).as_py():
            return column
    return kernel(column)


def as_text(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Text with blanks ("") as nulls.

    A string column keeps its values where they are, under a validity bitmap
    marking its blanks: a large column is not copied.
    """
    if isinstance(column, pa.ChunkedArray):
        return pa.chunked_array([as_text(c) for c in column.chunks], type=column.type)
    offsets = _offsets(column)
    if offsets is None:
        blank = pc.equal(column, "")
        if not pc.any(blank).as_py():
            return column
        return pc.if_else(blank, pa.scalar(None, column.type), column)
    filled = offsets[1:] != offsets[:-1]
    if filled.all():
        return column
    if not filled.any():
        return pa.nulls(len(column), column.type)
    return null_where(column, ~filled)


def quoted(label: str, values: pa.Array, tail: str) -> pa.Array:
    """Reasons of the shape ``label 'value' tail``, the value cut to a short excerpt."""
    values = pc.replace_substring_regex(values.cast(pa.string()), r"[\x00-\x1f\x7f]+", " ")
    long = pc.greater(pc.utf8_length(values), QUOTE_LIMIT)
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, QUOTE_LIMIT - 1), "…", "")
    values = pc.if_else(long, cut, values)
    return pc.binary_join_element_wise(f"{label} '", values, f"'{' ' if tail else ''}{tail}", "")


def _words(values: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_lower(values), r"\s+", " ")


_FALSE, _TRUE, _UNKNOWN, _BAD = 0, 1, 2, 3


def read_bool(column: pa.Array, *, seen: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, known, bad) per row of a Y/N column.

    ``seen``: blank is Y, and Seen / Not seen / No access are understood.
    Otherwise blank (or N/A, not recorded) is unknown.
    """
    return read_answer(column, seen=seen)[:3]


def read_answer(
    column: pa.Array,
    *,
    seen: bool = False,
    mapping: Mapping[str, str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array, np.ndarray, np.ndarray]:
    """(value, known, bad, distinct values, which of them are bad, each row's position
    among them) of a Y/N column.

    ``seen``: blank is Y, and Seen / Not seen / No access are understood (a
    ``seen`` value that is none of these rejects its row). Otherwise a quality
    answer: Y/N, Yes/No, True/False, 1/0; blank, N/A, not applicable, not
    recorded, unknown, too young, under 4 = not recorded; declined, refused,
    child refused = N. ``bad`` marks the rows none of these fit (a quality
    answer is then read as not recorded by its caller). ``mapping``: a mapping
    file's answers (Y | N | not_applicable | not_recorded), which win.
    """
    values, idx = distinct(column)
    key = _words(trim(values))
    true_words: tuple[str, ...]
    false_words: tuple[str, ...]
    unknown_words: tuple[str, ...]
    if seen:
        true_words, false_words, unknown_words = SEEN_TRUE, SEEN_FALSE, ("",)
    else:
        true_words = TRUE_WORDS
        false_words = (*FALSE_WORDS, *ANSWER_NO)
        unknown_words = (*NOT_RECORDED, *NOT_APPLICABLE)
    codes = np.full(len(values), _BAD, dtype=np.int8)
    for code, words in ((_UNKNOWN, unknown_words), (_FALSE, false_words), (_TRUE, true_words)):
        codes[pc.is_in(key, pa.array(words)).to_numpy(zero_copy_only=False)] = code
    if mapping:
        meaning_codes = {
            "Y": _TRUE,
            "N": _FALSE,
            "not_applicable": _UNKNOWN,
            "not_recorded": _UNKNOWN,
        }
        for i, text in enumerate(trim(values).to_pylist()):
            meaning = _lookup(mapping, " ".join(str(text).split()))
            if meaning is not None and (not seen or meaning in ("Y", "N")):
                codes[i] = meaning_codes[meaning]
    if seen:
        codes[codes == _UNKNOWN] = _TRUE
    bad_values = codes == _BAD
    codes = per_row(codes, idx)
    return codes == _TRUE, codes <= _TRUE, codes == _BAD, values, bad_values, idx


def read_visit_type(
    column: pa.Array, mapping: Mapping[str, str] | None = None
) -> tuple[pa.DictionaryArray, np.ndarray, pa.Array, np.ndarray, np.ndarray]:
    """Each row's visit type as :func:`classify_visit_type` reads it.

    Returns (kind per row: visit | return_home_interview | contact | other, as a
    categorical; which rows did not see the child; the distinct values as
    read; which of them were not recognised; each row's position among them).
    The classification runs once per distinct value.
    """
    values, idx = distinct(column)
    meanings = [classify_visit_type(v, mapping) for v in trim(values).to_pylist()]
    kinds = pa.array(
        ["visit" if m == "not_seen" else m for m, _ in meanings], type=pa.large_string()
    )
    not_seen = np.array([m == "not_seen" for m, _ in meanings], dtype=bool)
    unrecognised = np.array([not ok for _, ok in meanings], dtype=bool)
    return as_category(kinds, idx), per_row(not_seen, idx), values, unrecognised, idx


def read_category(column: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """A text column of few distinct values, trimmed, dictionary-encoded (see
    :func:`as_category`): trimmed once per distinct value, not once per row."""
    values, positions = distinct(column)
    return as_category(trim(values), positions)


def read_location(column: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """The ``location`` column: its words, trimmed; a value that says it was not
    recorded or does not apply (N/A, unknown, too young…) reads as missing."""
    values, positions = distinct(column)
    words = trim(values)
    blank = pc.is_in(_words(words), pa.array([*NOT_RECORDED, *NOT_APPLICABLE]))
    return as_category(pc.if_else(blank, "", words), positions)


def as_category(values: pa.Array, positions: np.ndarray) -> pa.DictionaryArray:
    """The column whose rows read ``values[positions]``, dictionary-encoded (a
    pandas categorical): each distinct word once, sorted, "" read as missing.

    No text is made per row, only one small integer code each.
    """
    # Only the words some row holds (a column read with its header holds that too).
    used = np.bincount(positions, minlength=len(values)) > 0
    words = pc.unique(values.filter(pa.array(used)))
    words = words.filter(pc.not_equal(words, ""))
    words = words.take(pc.sort_indices(words)).cast(pa.large_string())
    code = pc.fill_null(pc.index_in(values, value_set=words), -1)
    rows = per_row(code.to_numpy(zero_copy_only=False).astype(np.int32), positions)
    return pa.DictionaryArray.from_arrays(_with_nulls(rows), words)


def _with_nulls(codes: np.ndarray) -> pa.Array:
    """Integer codes as an Arrow array, -1 read as null: the codes are not copied,
    only a validity bitmap is made (when any is missing)."""
    missing = codes < 0
    if not missing.any():
        return pa.array(codes)
    bits = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    return pa.Array.from_buffers(
        pa.from_numpy_dtype(codes.dtype), len(codes), [bits, pa.py_buffer(codes)]
    )


def read_plan_type(
    column: pa.Array,
    aliases: Mapping[str, str],
    mapping: Mapping[str, str] | None = None,
) -> tuple[pa.Array, np.ndarray]:
    """Canonical plan type per row (null when blank or unknown), and which rows are blank.

    A mapping file's ``[values.plan_type]`` entry wins; then
    :func:`visit_audit.plan_types.match_plan_type` (names, plurals, qualifiers,
    legal bases, SSDA903 codes).
    """
    values, idx = distinct(column)
    canonical = []
    for v in trim(values).to_pylist():
        found = _lookup(mapping, " ".join(v.split())) if mapping else None
        canonical.append(found if found is not None else match_plan_type(v, aliases))
    blank = pc.equal(trim(values), "").to_numpy(zero_copy_only=False)
    return pa.array(canonical, type=pa.large_string()).take(pa.array(idx)), per_row(blank, idx)


def text_series(column: pa.Array) -> pd.Series:
    """A pandas ``str`` column (missing = NaN) from an arrow string column."""
    return pa.table({"x": column}).to_pandas()["x"]
