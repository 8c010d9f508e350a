"""Arrow helpers the io layer, the engine and the JSON writer share.

Arrow keeps a text column as two buffers: the bytes of every value one after
the other, and the offsets where each value starts (Arrow's columnar format, a
documented public layout, read through ``Array.buffers()``). Looking at them
directly answers questions such as "is every id made of digits?" or "which
values might have white space to trim?" for a million rows without making one
Python string. That arithmetic lives here, once, with its tests
(tests/test_arrow.py); the modules that use it never index buffers themselves.

No pandas is imported here: the CSV reader runs while pandas is still loading.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_OFFSET_WIDTH = {pa.string(): np.int32, pa.large_string(): np.int64}


def chunks(column: pa.Array | pa.ChunkedArray) -> Iterator[pa.Array]:
    """The non-empty chunks of a column (an array is its own one chunk)."""
    for chunk in column.chunks if isinstance(column, pa.ChunkedArray) else [column]:
        if len(chunk):
            yield chunk


def string_offsets(chunk: pa.Array) -> np.ndarray | None:
    """Where each value of a text chunk starts in its data buffer, and where the
    last ends (``len(chunk) + 1`` numbers, a view, no copy); None when the chunk
    is not plain text (``string`` or ``large_string``).

    A null's slot has some length, usually 0: look at :func:`missing` as well.
    """
    width = _OFFSET_WIDTH.get(chunk.type)
    if width is None:
        return None
    offsets = np.frombuffer(chunk.buffers()[1], dtype=width)
    return offsets[chunk.offset : chunk.offset + len(chunk) + 1]


def string_bytes(chunk: pa.Array) -> np.ndarray:
    """The data buffer of a text chunk as bytes (a view, no copy), indexed as
    :func:`string_offsets` says; empty when no value has a byte."""
    data = chunk.buffers()[2]
    if data is None:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8)


def missing(chunk: pa.Array) -> np.ndarray:
    """True where the chunk's value is null."""
    if chunk.null_count == 0:
        return np.zeros(len(chunk), dtype=bool)
    return chunk.is_null().to_numpy(zero_copy_only=False)


def only_value_bytes(block: pa.Array) -> pa.Buffer:
    """The bytes of a text array's first value, as a buffer (no copy)."""
    offsets = string_offsets(block)
    if offsets is None or len(block) == 0:
        raise TypeError(f"expected a text array with a value, not {block.type}")
    data = block.buffers()[2]
    if data is None or offsets[1] == offsets[0]:
        return pa.py_buffer(b"")
    return data[int(offsets[0]) : int(offsets[1])]


def null_where(chunk: pa.Array, blank: np.ndarray) -> pa.Array:
    """The text chunk with its values where ``blank`` is true made null, by a
    validity bitmap over the same offsets and bytes (nothing else copied). The
    chunk must have no null yet."""
    keep = ~blank
    # Arrow reads the bitmap from the chunk's offset, as it does the offsets:
    # a sliced chunk gets as many leading bits, never read.
    bits = np.packbits(np.r_[np.zeros(chunk.offset, dtype=bool), keep], bitorder="little")
    _, value_offsets, data = chunk.buffers()
    return pa.Array.from_buffers(
        chunk.type,
        len(chunk),
        [pa.py_buffer(bits), value_offsets, data],
        null_count=int(np.count_nonzero(blank)),
        offset=chunk.offset,
    )


def plain(column: pa.Array) -> pa.Array:
    """The column as plain text (the CSV reader dictionary-encodes some columns)."""
    if pa.types.is_dictionary(column.type):
        return column.cast(pa.large_string())
    return column


def distinct(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """(distinct values, position of each row's value among them)."""
    enc = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    if isinstance(enc, pa.Array):
        return enc.dictionary, enc.indices.to_numpy(zero_copy_only=False)
    if enc.num_chunks == 0:
        return pa.array([], pa.string()), np.zeros(0, dtype=np.int64)
    dictionaries = [c.dictionary for c in enc.chunks]
    values, where = dictionaries[-1], None
    if not all(values.slice(0, len(d)).equals(d) for d in dictionaries):
        # Each chunk has a dictionary of its own (a column read dictionary-encoded):
        # all of them in a row, encoded once more, give the distinct values and
        # where each chunk's codes point among them.
        top = pc.dictionary_encode(pa.concat_arrays(dictionaries))
        values, where = top.dictionary, top.indices.to_numpy(zero_copy_only=False)
    # (Else the chunks were encoded with one hash table, as arrow encodes a chunked
    # column: each chunk's dictionary is the values met so far, and every code
    # already counts among the last one's.) The positions take the fewest bytes.
    width = np.min_scalar_type(max(len(values) - 1, 0))
    positions, start = [], 0
    for chunk, dictionary in zip(enc.chunks, dictionaries, strict=True):
        codes = chunk.indices.to_numpy(zero_copy_only=False)
        if where is None:
            positions.append(codes.astype(width))
        else:
            positions.append(where[start : start + len(dictionary)].astype(width)[codes])
            start += len(dictionary)
    return values, np.concatenate(positions)


def per_row(table: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``table[positions]``: each row's entry in a table of its distinct values.

    Taken by arrow, which reads the narrow positions :func:`distinct` gives as
    they are; numpy would first widen them to 8 bytes each, one more large array.
    """
    kind = table.dtype if table.dtype.kind in "iu" else np.dtype(f"i{table.dtype.itemsize}")
    taken = pa.array(table.view(kind)).take(pa.array(positions))
    return taken.to_numpy(zero_copy_only=False).view(table.dtype)


def arrow_text(names: Any) -> pa.Array:
    """Text as an Arrow string array: zero-copy from a pandas ``str`` column
    backed by Arrow; anything else (a list, numpy objects, another pandas
    column) is converted, missing values as nulls."""
    pd = sys.modules.get("pandas")  # a pandas column implies pandas is loaded
    if pd is not None and isinstance(names, pd.Series) and isinstance(names.dtype, pd.StringDtype):
        if names.dtype.storage == "pyarrow":
            return pa.array(names.array)
    isna = pd.isna if pd is not None else _absent
    values = [None if isna(v) else str(v) for v in np.asarray(names, dtype=object)]
    return pa.array(values, type=pa.large_string())


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
