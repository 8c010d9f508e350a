"""sorted_categorical: the deadlines frame's text columns as codes into sorted categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from visit_audit.result import plain_text, sorted_categorical


def test_codes_follow_text_order_and_only_used_names_are_categories():
    names = ["pear", "apple", None, "fig", "apple"]
    cat = sorted_categorical(np.array([0, 1, 2, 4, -1, 0]), names)
    assert list(cat.categories) == ["apple", "pear"]  # fig unused, None missing
    assert cat.astype(object).tolist()[:4] == ["pear", "apple", np.nan, "apple"]
    assert pd.isna(cat[4])


def test_every_name_missing_gives_an_all_missing_column():
    cat = sorted_categorical(np.array([0, 0, -1]), [None])
    assert len(cat.categories) == 0
    assert pd.isna(cat).all()


def test_arrow_backed_names_are_read_in_place():
    names = pd.Series(["b", "a", None], dtype="str")
    cat = sorted_categorical(np.array([2, 1, 0]), names)
    assert cat.astype(object).tolist() == [np.nan, "a", "b"]


@given(
    names=st.lists(st.one_of(st.none(), st.text(max_size=4)), min_size=1, max_size=12),
    picks=st.lists(st.integers(-1, 11), max_size=40),
)
def test_same_values_and_sorting_as_plain_text(names, picks):
    codes = np.array([p if p < len(names) else -1 for p in picks], dtype=np.int64)
    cat = sorted_categorical(codes, names)
    want = [names[c] if c >= 0 else None for c in codes]
    got = [None if pd.isna(v) else v for v in cat.astype(object)]
    assert got == want
    frame = plain_text(pd.DataFrame({"t": cat}))
    assert frame["t"].dtype == object
    # Sorting the codes sorts the text (missing last), as sorting the text would.
    by_code = pd.Series(cat).sort_values(kind="stable").astype(object).tolist()
    by_text = pd.Series(want, dtype=object).sort_values(kind="stable").tolist()
    assert [None if pd.isna(v) else v for v in by_code] == [
        None if pd.isna(v) else v for v in by_text
    ]


def test_names_read_in_several_chunks():
    import pyarrow as pa

    chunked = pa.chunked_array([["b", None], ["a", "b"]], type=pa.large_string())
    names = pd.Series(pd.arrays.ArrowStringArray(chunked), dtype="string[pyarrow]")
    assert pa.array(names.array).num_chunks == 2
    cat = sorted_categorical(np.array([3, 2, 1, 0]), names)
    assert list(cat.categories) == ["a", "b"]
    assert cat.astype(object).tolist()[:2] == ["b", "a"]
