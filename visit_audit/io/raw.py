"""Read a CSV file or an Excel workbook into text columns, untouched but for the header.

The result is a :class:`RawTable`: the header names, one string column per
header (Excel date cells also kept as real dates), and the spreadsheet row
number of every record after it. Completely blank rows are kept here; the
loader sets them aside (they are not data rows and are never counted).

Row numbers are what a spreadsheet user sees: the header is row 1 when it is
the first line; when title rows sit above it, rows keep their real numbers.

Only a workbook needs pandas (and calamine): the CSV path never imports them,
so the command line can start reading a CSV file while pandas is imported.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from visit_audit.concurrency import side_by_side
from visit_audit.errors import InputError
from visit_audit.io.fields import FIELDS, match_headers, missing_message, missing_required
from visit_audit.io.values import trim

if TYPE_CHECKING:
    import pandas as pd

HEADER_SEARCH_ROWS = 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
# Text formats that are never an extract (anything else is tried as CSV).
_NOT_TABLES = {".json", ".xml", ".html", ".htm", ".pdf", ".md", ".toml", ".yaml", ".yml"}
_DELIMITERS = (",", ";", "\t", "|")
_HEAD_BYTES = 1 << 16
TEXT = pa.large_string()  # what pandas' str dtype holds: no copy on the way out


@dataclass
class RawTable:
    """Text columns of one extract, header detected; every record, blank ones included."""

    file: str  # base name
    path: str
    sha256: str
    headers: list[str]
    text: list[pa.Array | pa.ChunkedArray]  # one string column per header, as read, "" = empty
    native: list[np.ndarray | None]  # Excel date cells (datetime64[s], NaT elsewhere)
    rows: np.ndarray  # int64 spreadsheet row of every data row
    header_row: int  # spreadsheet row of the header
    warnings: list[str] = field(default_factory=list)
    # Plain ASCII without the separator controls \x1c-\x1f: ASCII trimming is exact.
    ascii: bool = False
    # The sheet read, when the file is a workbook of several sheets (a combined
    # workbook): rejected rows then name it.
    sheet: str | None = None

    @property
    def label(self) -> str:
        """The file as rejected rows name it: ``book.xlsx [Visits]`` for one sheet of several."""
        return f"{self.file} [{self.sheet}]" if self.sheet else self.file

    def blank(self, candidates: np.ndarray) -> np.ndarray:
        """Which of the rows at positions ``candidates`` are completely blank
        (every cell empty or white space): not data rows, never counted."""
        blank = np.ones(len(candidates), dtype=bool)
        if len(candidates) == 0:
            return blank
        sel = pa.array(candidates)
        for col, nat in zip(self.text, self.native, strict=True):
            cells = trim(col.take(sel))
            blank &= pc.equal(cells, "").to_numpy(zero_copy_only=False)
            if nat is not None:
                blank &= np.isnat(nat[candidates])
        return blank


def read_raw(
    path: str | Path,
    role: str,
    *,
    sheet: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> RawTable:
    """Read ``path`` (a CSV file or an .xlsx workbook) and find its header row.

    Raises :class:`InputError` with one sentence naming the file when it cannot
    be read at all: missing, a folder, not CSV or .xlsx, encrypted or damaged,
    an empty sheet, an unknown sheet, no column for a required field.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a CSV file or .xlsx workbook") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    # The digest is worked out while the table is read: hashlib lets go of the
    # GIL, so on a large file it costs next to no time.
    table, digest = side_by_side(
        lambda: _read_table(data, p, role, sheet, columns),
        lambda: hashlib.sha256(data).hexdigest(),
    )
    table.path = str(path)
    table.sha256 = digest
    return table


def _read_table(
    data: bytes, p: Path, role: str, sheet: str | None, columns: Mapping[str, str] | None
) -> RawTable:
    """The file's bytes as a CSV file or a workbook, told by its content and name."""
    name = p.name
    suffix = p.suffix.lower()
    if data.startswith(_OLE_MAGIC):
        if suffix in _WORKBOOK_SUFFIXES or b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00" in data:
            raise InputError(
                f"{name}: the workbook is password-protected (encrypted); "
                "save an unprotected copy or export it as CSV"
            )
        raise InputError(
            f"{name}: is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or CSV"
        )
    if suffix in _NOT_TABLES:
        raise InputError(f"{name}: is not a CSV file or an .xlsx workbook")
    if data.startswith(_ZIP_MAGIC) or suffix in _WORKBOOK_SUFFIXES:
        if not data.startswith(_ZIP_MAGIC):
            raise InputError(f"{name}: is not a valid .xlsx workbook (the file is damaged)")
        return _read_workbook(data, name, role, sheet, columns)
    if sheet is not None:
        raise InputError(f"{name}: a sheet was named but the file is CSV, not a workbook")
    return _read_csv(data, name, role, columns, path=p)


# ---------------------------------------------------------------------------
# Header detection


def _pick_header(
    candidates: list[list[str]], file: str, role: str, columns: Mapping[str, str] | None
) -> int:
    """Index of the header among the candidate rows: the row that names every
    required field and the most fields overall (the earliest on a tie)."""
    best, best_score = -1, -1
    fallback, fallback_score = 0, -1
    for i, headers in enumerate(candidates):
        match = match_headers(headers, role, columns)
        if match.score > fallback_score:
            fallback, fallback_score = i, match.score
        if not missing_required(match, role) and match.score > best_score:
            best, best_score = i, match.score
    if best < 0:
        headers = candidates[fallback] if candidates else []
        missing = missing_required(match_headers(headers, role, columns), role)
        raise InputError(missing_message(file, missing, headers))
    return best


# ---------------------------------------------------------------------------
# CSV


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode the bytes that are not UTF-8 as Windows-1252 (a mixed or legacy file)."""
    assert isinstance(exc, UnicodeDecodeError)  # registered for decoding only
    chunk = exc.object[exc.start : exc.end]
    return chunk.decode("cp1252", errors="replace"), exc.end


codecs.register_error("visit_audit_cp1252", _cp1252_fallback)


def _to_utf8(data: bytes) -> bytes:
    return data.decode("utf-8", errors="visit_audit_cp1252").encode("utf-8")


def _split_fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def _read_csv(
    data: bytes,
    file: str,
    role: str,
    columns: Mapping[str, str] | None,
    path: Path | None = None,
) -> RawTable:
    # Where the text Arrow parses begins in the file as it is on disk; None once
    # the text is no longer the file's own bytes (it was transcoded).
    start: int | None = 0
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text": UTF-16, usually tab-separated.
        data = data.decode("utf-16", errors="replace").encode("utf-8")
        start = None
    elif data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        start = len(codecs.BOM_UTF8)
    if b"\x00" in data[:_HEAD_BYTES]:
        raise InputError(f"{file}: is not a CSV file or an .xlsx workbook")
    try:
        head = codecs.getincrementaldecoder("utf-8")().decode(data[:_HEAD_BYTES], final=False)
    except UnicodeDecodeError:
        data, start = _to_utf8(data), None
        head = codecs.getincrementaldecoder("utf-8")().decode(data[:_HEAD_BYTES], final=False)
    lines = head.split("\n")
    if len(data) > _HEAD_BYTES:
        lines = lines[:-1]  # possibly cut short
    lines = [ln.rstrip("\r") for ln in lines[:HEADER_SEARCH_ROWS]]
    if not any(ln.strip() for ln in lines):
        raise InputError(f"{file}: the file is empty")
    candidates: list[list[str]] = []
    where: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        for delimiter in _DELIMITERS:
            if delimiter == "," or delimiter in line:
                candidates.append(_split_fields(line, delimiter))
                where.append((i, delimiter))
    pick = _pick_header(candidates, file, role, columns)
    header_line, delimiter = where[pick]
    offset = sum(len(ln.encode("utf-8")) + 1 for ln in head.split("\n")[:header_line])
    types = _column_types(candidates[pick], role, columns, lines[header_line + 1 :], delimiter)
    quotes = b'"' in data  # without quotes no value can span lines: arrow's fast mode
    # ASCII needs no UTF-8 check, and trims exactly with the cheaper ASCII kernel.
    ascii_text = data.isascii() and not any(bytes([c]) in data for c in range(0x1C, 0x20))
    options = {"quotes": quotes, "check_utf8": not ascii_text}
    mapped = path if start is not None else None
    try:
        table, bad = _read_records(data, offset, start, mapped, delimiter, types, file, **options)
    except _NotUtf8:
        data = _to_utf8(data)
        table, bad = _read_records(data, offset, None, None, delimiter, types, file, **options)
    records = table.num_rows + len(bad)  # the header, the rows and the rows skipped
    for row in bad:
        if row.text.strip():
            at = f"row {row.number + header_line}" if row.number else "a row"
            raise InputError(
                f"{file}: {at} has {row.actual_columns} fields where the header has "
                f"{row.expected_columns}; check the delimiter and quoting, or re-export the file"
            )
    header_cells = [
        "" if table.num_rows == 0 else str(table.column(i)[0].as_py())
        for i in range(table.num_columns)
    ]
    table = table.slice(1)
    # Records are spreadsheet rows: arrow reads an empty line as a row of empty
    # cells (ignore_empty_lines=False), and a value spanning lines stays in its row.
    # Record 1 is the header.
    first = header_line + 2
    rows = np.arange(first, first + table.num_rows, dtype=np.int64)
    if bad:  # the skipped records keep their numbers
        keep = np.ones(records, dtype=bool)
        keep[[b.number - 1 for b in bad if b.number and 0 < b.number <= records]] = False
        numbered = np.flatnonzero(keep)[1:] + 1 + header_line
        if len(numbered) == table.num_rows:  # else arrow did not number a skipped row
            rows = numbered
    # Kept in arrow's chunks, each dictionary-encoded one with its own dictionary:
    # combining or unifying them would copy every value or code.
    text = [
        column if column.type == TEXT or pa.types.is_dictionary(column.type) else column.cast(TEXT)
        for column in table.columns
    ]
    warnings = []
    if header_line:
        warnings.append(f"{file}: header found on row {header_line + 1}; rows above it ignored")
    out = _finish(file, header_cells, text, [None] * len(text), rows, header_line + 1, warnings)
    out.ascii = ascii_text
    return out


_FEW_VALUES = {"bool", "seen", "visit_type", "plan_type"}
_FEW_VALUE_FIELDS = {"location"}  # text, but a handful of places


def _column_types(
    headers: list[str],
    role: str,
    columns: Mapping[str, str] | None,
    sample: list[str],
    delimiter: str,
) -> dict[str, pa.DataType]:
    """Arrow types to read each column as: dictionary-encoded for the fields with
    few distinct values (Y/N, types, dates without a time: one hash pass, no
    string copies), plain text for the rest."""
    kinds = {f.name: f.kind for f in FIELDS[role]}
    match = match_headers(headers, role, columns)
    types: dict[str, pa.DataType] = {f"f{i}": TEXT for i in range(len(headers))}
    rows = [_split_fields(line, delimiter) for line in sample if line.strip()]
    for name, hits in match.by_field.items():
        for pos, _ in hits:
            kind = kinds[name]
            timed = kind == "date" and any(len(r[pos].strip()) > 10 for r in rows if pos < len(r))
            few = kind in _FEW_VALUES or name in _FEW_VALUE_FIELDS
            if few or (kind == "date" and not timed):
                types[f"f{pos}"] = pa.dictionary(pa.int32(), pa.string())
    return types


class _NotUtf8(Exception):
    pass


def _read_records(
    data: bytes, offset: int, start: int | None, path: Path | None, *args, **options
) -> tuple[pa.Table, list]:
    """The records after the header line (at ``offset`` in ``data``), and those
    Arrow skipped, numbered.

    They are parsed on Arrow's threads first, with nothing of Python's inside
    the reader: Arrow's threaded reader lets go of its input on one of its own
    threads after ``read_csv`` has returned, and freeing a Python object there
    takes the GIL, which while the interpreter shuts down ends the process with
    SIGABRT ("terminate called without an active exception"; one run in a
    hundred or so, seen in a core dump). So the input is the file mapped into
    memory by Arrow (``path``, the text starting at ``start`` in it), or a copy
    in memory Arrow owns, and there is no row callback. Should a record have a
    field count unlike the header's (an empty line has one field), the text is
    read again on this thread with a callback that skips and numbers such
    records; only that way does Arrow number them.
    """
    body = memoryview(data)[offset:]
    source = _mapped(path, start + offset) if path is not None and start is not None else None
    if source is None or source.size != len(body):  # (not a plain file, or it changed)
        source = _arrow_owned(body)
    try:
        return _arrow_csv(source, *args, **options), []
    except _FieldCount:
        pass
    return _arrow_csv(pa.py_buffer(body), *args, **options, skipped=[])


def _mapped(path: Path, start: int) -> pa.Buffer | None:
    """The file from byte ``start``, mapped into memory by Arrow; None when it
    is not a plain file (a pipe, which opening again would wait on) or cannot
    be mapped."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return pa.memory_map(str(path)).read_buffer().slice(start)
    except (OSError, pa.ArrowException):
        return None


def _arrow_owned(body: memoryview) -> pa.Buffer:
    """A copy of ``body`` in memory Arrow owns (freed without Python)."""
    copy = pa.allocate_buffer(len(body))
    pa.FixedSizeBufferWriter(copy).write(body)
    return copy


class _FieldCount(Exception):
    """A record with more or fewer fields than the header."""


def _arrow_csv(
    source: pa.Buffer,
    delimiter: str,
    types: dict[str, pa.DataType],
    file: str,
    *,
    quotes: bool,
    check_utf8: bool,
    skipped: list | None = None,
):
    """The CSV text in ``source`` as an Arrow table.

    With ``skipped`` (a list), read on this thread: each record whose field
    count is unlike the header's is skipped and appended there, numbered (the
    Python callback that collects them is freed on this thread too). Without
    it, read on Arrow's threads with nothing of Python's inside the reader, and
    such a record raises :class:`_FieldCount`.
    """
    threaded = skipped is None

    def handler(row):
        assert skipped is not None
        skipped.append(row)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(source),
            read_options=pcsv.ReadOptions(
                autogenerate_column_names=True, use_threads=threaded, block_size=1 << 24
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=quotes,
                ignore_empty_lines=False,
                invalid_row_handler=None if threaded else handler,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=types,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                check_utf8=check_utf8,
            ),
        )
    except pa.ArrowInvalid as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "utf8" in message.lower() or "utf-8" in message.lower():
            raise _NotUtf8 from None
        if threaded and "columns" in message.lower():
            raise _FieldCount from None
        # Arrow's message may go on to quote the row; keep only what went wrong.
        reason = message.split(":")[0].strip() or type(exc).__name__
        raise InputError(f"{file}: cannot be read as CSV ({reason})") from None
    return (table, skipped) if not threaded else table


# ---------------------------------------------------------------------------
# Excel


def _read_workbook(
    data: bytes, file: str, role: str, sheet: str | None, columns: Mapping[str, str] | None
) -> RawTable:
    import pandas as pd
    import python_calamine

    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="calamine")
        names = list(book.sheet_names)
        visible = [
            m.name
            for m in book.book.sheets_metadata
            if m.name in names and m.visible == python_calamine.SheetVisibleEnum.Visible
        ]
    except Exception as exc:  # calamine raises its own types for a damaged file
        raise InputError(
            f"{file}: cannot be read as an .xlsx workbook; the file is damaged or not Excel "
            f"({type(exc).__name__})"
        ) from None
    if not names:
        raise InputError(f"{file}: the workbook has no worksheets")
    if sheet is None:
        sheet_name = (visible or names)[0]
    else:
        exact = [n for n in names if n == sheet]
        loose = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
        if not (exact or loose):
            listed = ", ".join(f"'{n}'" for n in names)
            raise InputError(f"{file}: no sheet named '{sheet}'; the sheets are {listed}")
        sheet_name = (exact or loose)[0]
    try:
        frame = pd.read_excel(
            book, sheet_name=sheet_name, header=None, dtype=object, na_filter=False
        )
        merged = book.book.get_sheet_by_name(sheet_name).merged_cell_ranges or []
    except Exception as exc:
        raise InputError(
            f"{file}: sheet '{sheet_name}' cannot be read; the workbook may be damaged "
            f"({type(exc).__name__})"
        ) from None
    text, native = _workbook_columns(frame)
    if not any(pc.any(pc.not_equal(pc.utf8_trim_whitespace(t), "")).as_py() for t in text) and all(
        v is None for v in native
    ):
        raise InputError(f"{file}: sheet '{sheet_name}' is empty")
    top = min(HEADER_SEARCH_ROWS, len(frame))
    grid = [t.slice(0, top).to_pylist() for t in text]
    grid = [[str(grid[c][r]).strip() for c in range(len(text))] for r in range(top)]
    grid = _fill_merged_headers(grid, merged)
    try:
        pick = _pick_header(grid, file, role, columns)
    except InputError as exc:
        raise InputError(
            str(exc) + _other_sheet_hint(book, names, sheet_name, role, columns)
        ) from None
    text = [t.slice(pick + 1) for t in text]
    native = [None if nat is None else nat[pick + 1 :] for nat in native]
    rows = np.arange(pick + 2, len(frame) + 1, dtype=np.int64)
    warnings = []
    if pick:
        warnings.append(f"{file}: header found on row {pick + 1}; rows above it ignored")
    table = _finish(file, grid[pick], text, native, rows, pick + 1, warnings)
    table.sheet = sheet_name if len(names) > 1 else None
    return table


def _other_sheet_hint(
    book, names: list[str], read: str, role: str, columns: Mapping[str, str] | None
) -> str:
    """Where another sheet of the workbook has every column the role needs:
    "; sheet 'Visits' has them: add --visits-sheet 'Visits'"."""
    import pandas as pd

    for name in names:
        if name == read:
            continue
        try:
            top = pd.read_excel(
                book, sheet_name=name, header=None, dtype=object, na_filter=False, nrows=20
            )
        except Exception:  # an unreadable other sheet gives no hint
            continue
        for _, row in top.iterrows():
            headers = [str(v).strip() for v in row.tolist()]
            if not missing_required(match_headers(headers, role, columns), role):
                return f"; sheet '{name}' has them: add --{role}-sheet '{name}'"
    return ""


def _fill_merged_headers(
    grid: list[list[str]], merged: list[tuple[tuple[int, int], tuple[int, int]]]
) -> list[list[str]]:
    """Give every row of a vertically merged header cell the merged cell's text,
    so a header merged over two rows still names its column."""
    grid = [list(r) for r in grid]
    for (r0, c0), (r1, _c1) in merged:
        if r1 > r0 and r0 < len(grid) and c0 < len(grid[r0]):
            for r in range(r0 + 1, min(r1, len(grid) - 1) + 1):
                if not grid[r][c0]:
                    grid[r][c0] = grid[r0][c0]
    return grid


def _workbook_columns(frame: pd.DataFrame) -> tuple[list[pa.Array], list[np.ndarray | None]]:
    """Each column as text, and its date cells as real dates.

    pandas' calamine reader already turns integral numbers into ints, so an id
    typed as 123 reads "123", never "123.0".
    """
    import pandas as pd

    text: list[pa.Array] = []
    native: list[np.ndarray | None] = []
    for pos in range(frame.shape[1]):
        values = frame.iloc[:, pos].to_numpy(dtype=object)
        kind = pd.api.types.infer_dtype(values, skipna=False)
        nat = None
        if kind not in ("string", "empty", "integer", "floating", "boolean", "mixed-integer-float"):
            is_date = np.fromiter(
                (isinstance(v, dt.date) for v in values), dtype=bool, count=len(values)
            )
            if is_date.any():
                nat = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
                nat[is_date] = np.array(list(values[is_date]), dtype="datetime64[s]")
                values = values.copy()
                stamps = nat[is_date]
                midnight = stamps == stamps.astype("datetime64[D]")
                values[is_date] = np.where(
                    midnight,
                    np.datetime_as_string(stamps, unit="D"),
                    np.datetime_as_string(stamps, unit="s"),
                )
        if kind == "string":
            text.append(pa.array(values, type=TEXT))
        else:
            text.append(pa.array(pd.Series(values, dtype=object).astype(str), type=TEXT))
        native.append(nat)
    return text, native


# ---------------------------------------------------------------------------


def _finish(
    file: str,
    headers: list[str],
    text: list[pa.Array],
    native: list[np.ndarray | None],
    rows: np.ndarray,
    header_row: int,
    warnings: list[str],
) -> RawTable:
    return RawTable(
        file=file,
        path="",
        sha256="",
        headers=[str(h) for h in headers],
        text=text,
        native=native,
        rows=np.asarray(rows, dtype=np.int64),
        header_row=header_row,
        warnings=warnings,
    )


__all__ = ["RawTable", "read_raw"]
