"""xlsxwriter: rows of a large sheet written as XML in one go.

In ``constant_memory`` mode xlsxwriter streams each finished row's XML to a
temporary file, one ``write_*`` call per cell (about 7 µs each). Rendering
those rows here instead, each distinct value's cell once per column, is 4-5
times faster and gives byte for byte the XML xlsxwriter writes (the tests
compare the two ways cell by cell). It leans on a few internals of xlsxwriter
3.x (the worksheet's row file handle, ``_write_single_row``,
``_check_dimensions``, ``previous_row``, ``Format._get_xf_index``), checked
once (:data:`FAST`) and for each worksheet (:func:`can_stream`); anything else
is written the plain way by the caller.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable
from functools import cache

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

_XLSX_STRMAX = 32_767
_RE_ESCAPED = re.compile("(_x[0-9a-fA-F]{4}_)")
_RE_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")


@cache
def _probe() -> bool:
    """True when this xlsxwriter is a 3.x with the internals :func:`stream_rows` uses."""
    if xlsxwriter.__version__.split(".")[0] != "3" or not hasattr(Format, "_get_xf_index"):
        return False
    with tempfile.TemporaryDirectory() as tmp:
        wb = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True, "tmpdir": tmp})
        try:
            return _fits(wb.add_worksheet())
        finally:
            wb.close()


def _fits(ws: Worksheet) -> bool:
    return (
        bool(getattr(ws, "constant_memory", False))
        and getattr(ws, "fh", None) is not None
        and getattr(ws, "fh", None) is getattr(ws, "row_data_fh", None)
        and isinstance(getattr(ws, "previous_row", None), int)
        and callable(getattr(ws, "_write_single_row", None))
        and callable(getattr(ws, "_check_dimensions", None))
    )


# Set to False to write every sheet the plain way (the tests compare the two).
FAST = True


def can_stream(ws: Worksheet) -> bool:
    """True when ``ws``'s rows may be written by :func:`stream_rows`."""
    return FAST and _probe() and _fits(ws)


def stream_rows(ws: Worksheet, n_columns: int, formats, chunks, n: int) -> None:
    """Write ``n`` items as rows 2… of a worksheet :func:`can_stream` accepted.

    ``formats``: per column, (its fixed format, or a format per text value);
    ``chunks``: ``(first item, [column values])`` blocks, None for an empty cell.
    """
    if n <= 0:
        return
    ws._write_single_row(1)  # flush the header row; row index 1 comes next
    ws._check_dimensions(n, n_columns - 1)
    encoders = [
        _cell_encoder(xl_col_to_name(col), fixed, by_value)
        for col, (fixed, by_value) in enumerate(formats)
    ]
    template = '<row r="\x00">' + "%s" * n_columns + "</row>"
    write = ws.fh.write
    for offset, values in chunks:
        tokens = [enc(vals) for enc, vals in zip(encoders, values, strict=True)]
        first = offset + 2  # the sheet's 1-based row number of the chunk's first item
        rows = zip(range(first, first + len(values[0])), zip(*tokens, strict=True), strict=True)
        write("".join([(template % t).replace("\x00", str(r)) for r, t in rows]))
    ws.previous_row = n + 1  # nothing is buffered: the rows are written


def _cell_encoder(letter: str, fixed: Format | None, by_value: dict | None) -> Callable:
    """Cell XML for a column's values (``\\x00`` stands for the row number), cached per value."""
    encoded: dict = {None: ""}

    def style(cell_format: Format | None) -> str:
        return f' s="{cell_format._get_xf_index()}"' if cell_format is not None else ""

    def encode(v) -> str:
        if type(v) is str:
            # Text takes no column format (a too-early date is plain text, as the plain way).
            cell_format = by_value.get(v) if by_value is not None else None
            text = _xml_text(v)
            space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
            return (
                f'<c r="{letter}\x00"{style(cell_format)} t="inlineStr">'
                f"<is><t{space}>{text}</t></is></c>"
            )
        return f'<c r="{letter}\x00"{style(fixed)}><v>{v:.16G}</v></c>'

    def tokens(vals: list) -> list[str]:
        get = encoded.get
        out: list[str] = []
        append = out.append
        for v in vals:
            t = get(v)
            if t is None:
                t = encoded[v] = encode(v)
            append(t)
        return out

    return tokens


def _xml_text(value: str) -> str:
    """As xlsxwriter writes an inline string: truncated, control characters escaped, XML-safe."""
    if len(value) > _XLSX_STRMAX // 2:
        value = _utf16_truncate(value, _XLSX_STRMAX)
    value = _RE_ESCAPED.sub(r"_x005F\1", value)
    value = _RE_CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _utf16_truncate(value: str, limit: int) -> str:
    units = 0
    for i, ch in enumerate(value):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return value[:i]
    return value
