"""The JSON result : a view of :class:`AuditResult` for pipelines.

Findings can run to millions of rows, so records are never built row by row
from pandas: each column is factorised, its few distinct values are encoded
once, and the records are assembled from those tokens in chunks and streamed
to the file. The output is deterministic: the same result gives the same bytes
apart from ``run_at``.

Layout: a 2-space indented object whose lists hold one compact record per line,
readable with ``grep`` and ``jq`` alike.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from visit_audit.arrow import only_value_bytes
from visit_audit.report.atomic import atomic_write, atomic_write_bytes
from visit_audit.result import (
    FINDING_COLUMNS,
    QUALITY_COLUMNS,
    REJECTED_COLUMNS,
    UPCOMING_COLUMNS,
    AuditResult,
)

# How each column is written: ISO date, integer or text.
DATE_COLUMNS = frozenset({"anchor_date", "due_date", "visit_date", "settled_date"})
INT_COLUMNS = frozenset({"days_late", "row", "periods"})
CHUNK_ROWS = 50_000

_LISTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("findings", FINDING_COLUMNS),
    ("upcoming", UPCOMING_COLUMNS),
    ("quality", QUALITY_COLUMNS),
)


def result_to_dict(result: AuditResult) -> dict:
    """The JSON result as plain Python values: exactly what ``json.loads`` of the
    file gives, because it is read back from the one writer."""
    buffer = io.BytesIO()
    _stream(result, buffer)
    return json.loads(buffer.getvalue().decode("utf-8"))


def write_json(result: AuditResult, target: str | Path) -> None:
    """Write the JSON result to ``target``; ``"-"`` means stdout (and nothing else goes there).

    A file target is written atomically with mode 0600 (see :mod:`.atomic`).
    """
    if str(target) == "-":
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is None:  # a text-only stream (rare: some embedders)
            buf = io.BytesIO()
            _stream(result, buf)
            sys.stdout.write(buf.getvalue().decode("utf-8"))
        else:
            _stream(result, out)
            out.flush()
        return
    atomic_write(target, lambda fh: _stream(result, fh))


# --- streaming writer -------------------------------------------------------------------


def _stream(result: AuditResult, fh: BinaryIO) -> None:
    head = _head(result)

    def put(text: str | pa.Buffer) -> None:
        if isinstance(text, pa.Buffer):  # UTF-8 already, as Arrow joined it
            fh.write(text)
        else:
            fh.write(text.encode("utf-8", "backslashreplace"))

    put("{\n")
    for key in ("tool_version", "framework", "region", "as_of", "period", "run_at"):
        put(f"  {_dumps(key)}: {_dumps(head[key])},\n")
    if result.source is not None:  # only a source other than two extracts has one
        put(f'  "source": {_dumps(result.source)},\n')
    put('  "inputs": ')
    _put_lines(put, (_dumps(i) for i in head["inputs"]))
    for name, columns in _LISTS:
        put(f",\n  {_dumps(name)}: ")
        _put_lines(put, _record_lines(getattr(result, name), columns))
    put(',\n  "summary": ')
    put(_pretty(_plain(result.summary), "  "))
    put(',\n  "rejected": ')
    _put_lines(put, _record_lines(result.rejected, REJECTED_COLUMNS))
    put(',\n  "warnings": ')
    _put_lines(put, (_dumps(str(w)) for w in result.warnings))
    put(',\n  "unrecognised": ')
    put(_pretty({k: dict(v) for k, v in result.unrecognised.items()}, "  "))
    if result.compare is not None:  # only with --compare: the usual JSON is unchanged
        put(',\n  "compare": ')
        put(_pretty(_plain(result.compare), "  "))
    if result.changes is not None:
        put(',\n  "changes": ')
        _put_changes(put, result.changes)
    put("\n}\n")


def _put_changes(put, changes: dict) -> None:
    """README "Month to month": the previous period and the three lists of deadline keys."""
    from visit_audit.views.changes import CHANGE_LISTS, KEY_COLUMNS

    previous = changes.get("previous")
    put(f'{{\n    "previous": {_dumps(previous)}')
    for name in CHANGE_LISTS:
        columns = (*KEY_COLUMNS, "periods") if name == "still_overdue" else KEY_COLUMNS
        put(f",\n    {_dumps(name)}: ")
        _put_lines(put, _record_lines(changes[name], columns, "      "), "    ")
    put("\n  }")


def _put_lines(put, blocks: Iterator[str | pa.Buffer], indent: str = "  ") -> None:
    """A JSON list, one item (or block of items joined by ``,\\n``) per line."""
    first = True
    inner = indent + "  "
    for block in blocks:
        put(f"[\n{inner}" if first else f",\n{inner}")
        put(block)
        first = False
    put("[]" if first else f"\n{indent}]")


def _record_lines(
    frame: pd.DataFrame, columns: tuple[str, ...], indent: str = "    "
) -> Iterator[str | pa.Buffer]:
    """Blocks of compact JSON records, ``CHUNK_ROWS`` at a time, each on a line
    of its own after ``indent``.

    Each record is its columns' tokens between the fixed pieces of text
    (``{"child_id": `` … ``}``), put together by Arrow row by row, not by Python.
    """
    keys = [("{" if i == 0 else ", ") + f"{_dumps(c)}: " for i, c in enumerate(columns)]
    for start in range(0, len(frame), CHUNK_ROWS):
        tokens = [_tokens(frame[c].iloc[start : start + CHUNK_ROWS], c) for c in columns]
        try:
            yield _joined(keys, [pa.array(t, pa.large_string()).take(c) for c, t in tokens], indent)
        except UnicodeEncodeError:  # text Arrow cannot hold (lone surrogates)
            rows = zip(*(np.array(t, dtype=object)[c].tolist() for c, t in tokens), strict=True)
            yield f",\n{indent}".join(
                "".join(p for pair in zip(keys, row, strict=True) for p in pair) + "}"
                for row in rows
            )


def _joined(keys: list[str], tokens: list[pa.Array], indent: str = "    ") -> pa.Buffer:
    """The records as UTF-8 bytes, written as they are (no Python text made)."""
    pieces = [p for pair in zip(map(_text, keys), tokens, strict=True) for p in pair]
    # The last argument is the separator.
    rows = pc.binary_join_element_wise(*pieces, _text("}"), _text(""))
    lines = pa.ListArray.from_arrays(pa.array([0, len(rows)], pa.int32()), rows)
    block = pc.binary_join(lines, _text(f",\n{indent}"))  # one value: every record
    return only_value_bytes(block)


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _tokens(series: pd.Series, column: str) -> tuple[np.ndarray, list[str]]:
    """(position of each row's token, the tokens): the column's distinct values
    as JSON text, each encoded once; an absent value takes the last, ``null``."""
    codes, values = _factorised(series, column)
    if column in INT_COLUMNS:
        encoded = ["null" if v is None else str(v) for v in values]
    else:  # text and ISO dates are both JSON strings
        encoded = list(map(_encode_str, values))
    return np.where(codes < 0, len(encoded), codes), [*encoded, "null"]


# --- plain values -----------------------------------------------------------------------


def _factorised(series: pd.Series, column: str) -> tuple[np.ndarray, list]:
    """Codes (-1 = absent) and the distinct values as JSON-ready Python values."""
    if column in DATE_COLUMNS:
        codes, uniques = pd.factorize(_as_days(series))
        return codes, np.asarray(uniques, dtype="datetime64[D]").astype(str).tolist()
    codes, uniques = pd.factorize(series)
    values = _to_list(uniques)
    if column in INT_COLUMNS:
        return codes, [_int(u) for u in values]
    return codes, list(map(str, values))  # (str of a str is that str)


def _to_list(uniques) -> list:
    if isinstance(uniques, np.ndarray):
        return uniques.tolist()
    return uniques.to_numpy(dtype=object).tolist()  # arrow-backed text: no per-item __iter__


def _as_days(series: pd.Series) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series.astype(object))
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)
    return series.to_numpy(dtype="datetime64[D]")


def _int(value) -> int | None:
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    return int(value)


def _plain(value):
    """Summary values as JSON-safe Python values (numpy scalars, NaN → null, dates → ISO)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, dt.datetime | pd.Timestamp):
        return _iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _head(result: AuditResult) -> dict:
    period = None
    if result.period is not None:
        lo, hi = result.period
        period = {"from": _iso_date(lo), "to": _iso_date(hi)}
    return {
        "tool_version": result.tool_version,
        "framework": result.framework,
        "region": result.region,
        "as_of": _iso_date(result.as_of),
        "period": period,
        "run_at": _iso_utc(result.run_at),
        "inputs": [
            {
                "file": i.file,
                "sha256": i.sha256,
                "rows": int(i.rows),
                "rejected": int(i.rejected),
                "audited": int(i.audited),
            }
            for i in result.inputs
        ],
    }


def _iso_date(value: dt.date) -> str:
    return pd.Timestamp(value).date().isoformat()


def _iso_utc(value: dt.datetime) -> str:
    """``2026-10-31T09:15:02Z``; a naive time is taken to be UTC already."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime().replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _pretty(value, indent: str) -> str:
    """Nested objects one key per line; an object or list of plain values on one line."""
    if isinstance(value, dict) and any(isinstance(v, dict | list) for v in value.values()):
        inner = indent + "  "
        items = [f"{inner}{_dumps(k)}: {_pretty(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + _pretty(v, inner) for v in value) + f"\n{indent}]"
    return _dumps(value)


_encode_str = json.encoder.encode_basestring  # the C encoder for ensure_ascii=False


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def write_periods_json(periods: list[dict], target: str | Path) -> None:
    """``visit-audit history --json``: ``{"periods": [...]}``, oldest first, one
    period per line; ``"-"`` means stdout, a file is written atomically (0600)."""
    lines = ",\n    ".join(_dumps(p) for p in periods)
    text = '{\n  "periods": ' + (f"[\n    {lines}\n  ]" if periods else "[]") + "\n}\n"
    if str(target) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    atomic_write_bytes(target, text.encode("utf-8"))
