"""visit_audit.arrow: the buffer arithmetic every fast path relies on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from visit_audit.arrow import (
    arrow_text,
    chunks,
    distinct,
    missing,
    null_where,
    only_value_bytes,
    per_row,
    string_bytes,
    string_offsets,
)


def _values(chunk: pa.Array) -> list[bytes]:
    offsets, data = string_offsets(chunk), string_bytes(chunk)
    return [data[a:b].tobytes() for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_offsets_and_bytes_give_back_each_value_also_of_a_slice(kind):
    array = pa.array(["007", "", "Zoë", "12", None, "x"], kind)
    assert _values(array)[:4] == [b"007", b"", "Zoë".encode(), b"12"]
    part = array.slice(2, 3)
    assert _values(part)[:2] == ["Zoë".encode(), b"12"]
    assert len(string_offsets(part)) == 4
    assert missing(part).tolist() == [False, False, True]


def test_offsets_of_what_is_not_text_are_none():
    assert string_offsets(pa.array([1, 2])) is None
    assert string_offsets(pa.array(["a"]).dictionary_encode()) is None


def test_bytes_of_values_that_are_all_empty():
    assert len(string_bytes(pa.array(["", ""]))) == 0
    assert bytes(only_value_bytes(pa.array([""], pa.large_string()))) == b""


def test_only_value_bytes_reads_the_first_value_of_a_slice_without_copying():
    block = pa.array(["ab", "cde"], pa.large_string()).slice(1)
    assert bytes(only_value_bytes(block)) == b"cde"
    with pytest.raises(TypeError):
        only_value_bytes(pa.array([1]))


def test_null_where_keeps_the_other_values_also_of_a_slice():
    array = pa.array(["a", "", "b", "", "c"]).slice(1, 4)
    blank = np.array([True, False, True, False])
    out = null_where(array, blank)
    assert out.to_pylist() == [None, "b", None, "c"]
    assert out.null_count == 2
    out.validate(full=True)


def test_chunks_skips_empty_ones():
    column = pa.chunked_array([pa.array([], pa.string()), pa.array(["a"])])
    assert [c.to_pylist() for c in chunks(column)] == [["a"]]
    assert list(chunks(pa.array([], pa.string()))) == []


def test_distinct_across_chunks_with_dictionaries_of_their_own():
    column = pa.chunked_array(
        [pa.array(["b", "a", "b"]).dictionary_encode(), pa.array(["c", "a"]).dictionary_encode()]
    )
    values, positions = distinct(column)
    assert [values[i].as_py() for i in positions] == ["b", "a", "b", "c", "a"]
    assert len(values) == 3
    assert positions.dtype == np.uint8  # the narrowest type that holds the positions


def test_distinct_of_a_plain_column_and_per_row():
    values, positions = distinct(pa.chunked_array([["x", "y"], ["y", "z", "x"]]))
    table = np.array([len(v.as_py()) * 10 + i for i, v in enumerate(values)], dtype=np.int16)
    assert per_row(table, positions).tolist() == [table[p] for p in positions]
    assert per_row(np.array([1.5, 2.5]), np.array([1, 0], np.uint8)).tolist() == [2.5, 1.5]


def test_arrow_text_zero_copy_from_arrow_backed_text_and_converts_the_rest():
    series = pd.Series(["a", None, "c"], dtype="string[pyarrow]")
    assert arrow_text(series).to_pylist() == ["a", None, "c"]
    objects = pd.Series(["a", np.nan, 7], dtype=object)
    assert arrow_text(objects).to_pylist() == ["a", None, "7"]
    assert arrow_text(["x", None, pd.NA]).to_pylist() == ["x", None, None]
