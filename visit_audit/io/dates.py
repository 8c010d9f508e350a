"""Vectorised date parsing for extract columns (README "Input format": Dates).

Accepted shapes, each optionally followed by a time (``14:30``, ``T14:30:00``,
``2:30 PM``, seconds, fractions, ``Z`` or an offset), which is ignored:

- ISO ``2025-04-03`` (also ``2025/04/03``);
- UK day-first ``03/04/2025``, ``3/4/25``, ``03-04-2025``, ``03.04.2025``;
- day and month name ``03-Apr-2025``, ``3 April 2025``, ``Thu 3rd Apr 25``;
  and month name first ``April 3, 2025`` (unambiguous);
- an Excel serial number written as text: five digits, optionally with a
  fraction (``45750`` = 2025-04-03).

Two-digit years: ``00``–``69`` are 2000–2069, ``70``–``99`` are 1970–1999.

Never month-first: a numeric value that is a date only when read month-first
(``04/13/2025``) is reported as :data:`MONTH_FIRST` and the loader stops the run,
because then every ``dd/mm`` value of the column is suspect.

Work is done on the column's distinct values (dictionary encoding), so a
column of a few thousand distinct dates costs one hash pass over its rows.
Values carrying a time are split after their first ten characters first, so a
million distinct timestamps still only parse a few thousand distinct dates.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from visit_audit.arrow import distinct, per_row

OK, BLANK, NOT_DATE, OUT_OF_RANGE, MONTH_FIRST = 0, 1, 2, 3, 4

EARLIEST = np.datetime64("1900-01-01", "D")
LATEST = np.datetime64("2100-12-31", "D")
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
# Five-digit serials: 10000 (1927-05-18) up to 2100-12-31.
_SERIAL_MAX = int((LATEST - _EXCEL_EPOCH).astype(int))

_TIME = (
    r"(?:(?:T|\s+)(?:[01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d(?:[.,]\d+)?)?"
    r"\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_WEEKDAY = r"(?:[A-Za-z]{3,9}\.?,?\s+)?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("iso", r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    ("dmy", r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"),
    (
        "d_mon_y",
        _WEEKDAY + r"(?P<d>\d{1,2})" + _ORDINAL + r"[\s/.-]*(?P<mon>[A-Za-z]{3,9})\.?"
        r"[\s/.,-]*(?P<y>\d{4}|\d{2})",
    ),
    (
        "mon_d_y",
        _WEEKDAY + r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})" + _ORDINAL + r",?\s+(?P<y>\d{4})",
    ),
)
_SERIAL = r"^(?P<serial>\d{5})(?:\.\d+)?$"
_TIME_ONLY = "^" + _TIME + "$"

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH_NAMES = pa.array(_MONTHS + [m[:3] for m in _MONTHS] + ["sept"])
_MONTH_NUMBERS = np.array(list(range(1, 13)) * 2 + [9], dtype=np.int64)


def _days_in_month(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    months = (y - 1970) * 12 + (m - 1)
    start = months.astype("datetime64[M]")
    return ((start + 1).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(np.int64)


def _civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    months = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    return months.astype("datetime64[D]") + (d - 1)


def _valid(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (y >= 1) & (y <= 9999)
    dim = _days_in_month(np.where(ok, y, 2000), np.where(ok, m, 1))
    return ok & (d <= dim)


def _ints(arr: pa.Array) -> np.ndarray:
    return pc.cast(pc.fill_null(arr, "-1"), pa.int64()).to_numpy(zero_copy_only=False)


def _parse_distinct(values: pa.Array, with_time: bool) -> tuple[np.ndarray, np.ndarray]:
    """Parse distinct trimmed strings → (datetime64[D] days, status) per value."""
    n = len(values)
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    status = np.full(n, NOT_DATE, dtype=np.int8)
    if n == 0:
        return days, status
    status[pc.equal(values, "").to_numpy(zero_copy_only=False)] = BLANK
    todo = np.flatnonzero(status == NOT_DATE)
    suffix = _TIME + "$" if with_time else "$"

    serial_match = pc.extract_regex(values.take(pa.array(todo)), _SERIAL)
    serial_ok = serial_match.is_valid().to_numpy(zero_copy_only=False)
    if serial_ok.any():
        idx = todo[serial_ok]
        serial = _ints(pc.struct_field(serial_match, "serial")).astype(np.int64)[serial_ok]
        days[idx] = _EXCEL_EPOCH + serial
        status[idx] = np.where((serial >= 10000) & (serial <= _SERIAL_MAX), OK, OUT_OF_RANGE)
        todo = todo[~serial_ok]

    for kind, pattern in _PATTERNS:
        if len(todo) == 0:
            break
        match = pc.extract_regex(values.take(pa.array(todo)), "^" + pattern + suffix)
        hit = match.is_valid().to_numpy(zero_copy_only=False)
        if not hit.any():
            continue
        idx = todo[hit]
        todo = todo[~hit]
        match = match.filter(pa.array(hit))
        y_text = pc.struct_field(match, "y")
        y = _ints(y_text)
        two_digit = pc.utf8_length(y_text).to_numpy(zero_copy_only=False) == 2
        y = np.where(two_digit, np.where(y <= 69, 2000 + y, 1900 + y), y)
        d = _ints(pc.struct_field(match, "d"))
        if kind in ("d_mon_y", "mon_d_y"):
            pos = pc.index_in(pc.utf8_lower(pc.struct_field(match, "mon")), _MONTH_NAMES)
            pos_np = pc.fill_null(pos, -1).to_numpy(zero_copy_only=False)
            m = np.where(pos_np >= 0, _MONTH_NUMBERS[pos_np], 0)
        else:
            m = _ints(pc.struct_field(match, "m"))
        valid = _valid(y, m, d)
        when = _civil(np.where(valid, y, 2000), np.where(valid, m, 1), np.where(valid, d, 1))
        in_range = valid & (when >= EARLIEST) & (when <= LATEST)
        days[idx[valid]] = when[valid]
        status[idx] = np.where(in_range, OK, np.where(valid, OUT_OF_RANGE, NOT_DATE))
        if kind == "dmy":
            # Read month-first, would it be a date? Only matters where day-first is not.
            month_first = ~valid & _valid(y, d, m)
            status[idx[month_first]] = MONTH_FIRST
    return days, status


def _valid_time_suffix(values: pa.Array) -> np.ndarray:
    return pc.match_substring_regex(values, _TIME_ONLY).to_numpy(zero_copy_only=False)


def parse_dates(text: pa.Array, *, unit: str = "D") -> tuple[np.ndarray, np.ndarray]:
    """(days, status) per row of a string column; surrounding white space is
    ignored and "" is blank. Days are datetime64 of ``unit`` (midnight), "D" or finer.

    Status is one of :data:`OK`, :data:`BLANK`, :data:`NOT_DATE`,
    :data:`OUT_OF_RANGE` (before 1900-01-01 or after 2100-12-31), :data:`MONTH_FIRST`.
    """
    if len(text) == 0:
        return np.empty(0, f"datetime64[{unit}]"), np.empty(0, np.int8)
    # Each distinct value is read once: visits share days and round times, so a
    # column has far fewer distinct values than rows (and fewer distinct dates).
    values, idx = distinct(text)
    if pa.types.is_dictionary(text.type):
        days, status = _parse_distinct(pc.utf8_trim_whitespace(values), with_time=True)
    else:
        days, status = _parse_values(values)
    return per_row(days.astype(f"datetime64[{unit}]"), idx), per_row(status, idx)


def _parse_values(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """:func:`parse_dates` for a plain string column (here, distinct values)."""
    longest = pc.max(pc.utf8_length(text)).as_py() or 0
    if longest <= 10:
        return _parse_by_distinct(text, with_time=True)
    # Split at ten characters: the date of a padded value with a time is its
    # first ten characters, and the times are few distinct values too.
    head = pc.utf8_slice_codeunits(text, 0, 10)
    tail = pc.utf8_slice_codeunits(text, 10, 1 << 30)
    days, status = _parse_by_distinct(head, with_time=False)
    tails, tail_idx = distinct(tail)
    tail_ok = _valid_time_suffix(tails)[tail_idx]
    fine = (status == OK) & tail_ok
    rest = np.flatnonzero(~fine & ~((status == BLANK) & tail_ok))
    if len(rest):
        r_days, r_status = _parse_by_distinct(text.take(pa.array(rest)), with_time=True)
        days[rest] = r_days
        status[rest] = r_status
    return days, status


def _parse_by_distinct(text: pa.Array, *, with_time: bool) -> tuple[np.ndarray, np.ndarray]:
    values, idx = distinct(text)
    days, status = _parse_distinct(pc.utf8_trim_whitespace(values), with_time)
    return days[idx], status[idx]


def parse_with_format(
    text: pa.Array, fmt: str, *, unit: str = "D"
) -> tuple[np.ndarray, np.ndarray]:
    """Parse with one strptime format (``--date-format``); non-fitting values are NOT_DATE.
    Days are datetime64 of ``unit``, as for :func:`parse_dates`.

    Arrow's strptime rolls impossible days over (31/02 → 03/03), so each parsed
    value is formatted back and compared with its text, ignoring case, leading
    zeros and runs of white space. ``%y`` follows the module's two-digit rule.
    A trailing ``%f`` (the fraction of a second of SQL Server's ``DATETIME`` text,
    ``2024-12-10 00:00:00.000``), which Arrow cannot parse, takes 1 to 9 digits
    at the end of the value and is then set aside: only the day is kept anyway.
    """
    values, idx = distinct(text)
    values = pc.utf8_trim_whitespace(values)
    n = len(values)
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    status = np.full(n, NOT_DATE, dtype=np.int8)
    blank = pc.equal(values, "").to_numpy(zero_copy_only=False)
    status[blank] = BLANK
    if fmt.endswith("%f") and not fmt.endswith("%%f"):
        fmt = fmt[:-2]
        values = pc.replace_substring_regex(values, r"[0-9]{1,9}$", "")
    try:
        parsed = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
        raise ValueError(f"--date-format {fmt!r} is not a usable format ({exc})") from None
    ok = parsed.is_valid().to_numpy(zero_copy_only=False) & ~blank
    if ok.any():
        try:
            back = pc.strftime(parsed, format=fmt)
            same = pc.equal(_loose(back), _loose(values))
            ok &= pc.fill_null(same, False).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # a format arrow cannot print back: trust the parse
        stamp = parsed.to_numpy(zero_copy_only=False).astype("datetime64[D]")
        if "%y" in fmt:
            # arrow reads 69 as 1969; the two-digit rule above makes it 2069.
            year = stamp.astype("datetime64[Y]").astype(np.int64) + 1970
            stamp = np.where(year == 1969, _add_century(stamp), stamp)
        in_range = (stamp >= EARLIEST) & (stamp <= LATEST)
        days[ok] = stamp[ok]
        status[ok] = np.where(in_range[ok], OK, OUT_OF_RANGE)
    return per_row(days.astype(f"datetime64[{unit}]"), idx), per_row(status, idx)


def _add_century(stamp: np.ndarray) -> np.ndarray:
    months = stamp.astype("datetime64[M]")
    day = (stamp - months.astype("datetime64[D]")).astype(np.int64)
    return (months + 1200).astype("datetime64[D]") + day


def _loose(values: pa.Array) -> pa.Array:
    out = pc.utf8_lower(values)
    out = pc.replace_substring_regex(out, r"\s+", " ")
    return pc.replace_substring_regex(out, r"(^|[^0-9])0+([0-9])", r"\1\2")
