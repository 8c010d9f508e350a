"""How ids are matched (README "Identifiers"), for the loader and the engine alike.

Excel drops leading zeros, so the same child is ``0001001`` in one extract and
``1001`` in another. An id made only of ASCII digits (after trimming) is
matched without its leading zeros (``000`` is ``0``); any other id is matched
exactly, case kept.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_DIGITS = r"^[0-9]+$"


def id_key(value: str) -> str:
    """The matching key of one id: without its leading zeros when it is all digits."""
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        return text.lstrip("0") or "0"
    return text


def id_keys(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """:func:`id_key` of each value of an Arrow text column (nulls stay null)."""
    digits = pc.fill_null(pc.match_substring_regex(values, _DIGITS), False)
    stripped = pc.utf8_ltrim(values, characters="0")
    stripped = pc.if_else(pc.equal(stripped, ""), "0", stripped)
    return pc.if_else(digits, stripped, values)
