"""Helpers for the io tests: write small extracts into a tmp folder (no tests here)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

CASE_HEADER = ["child_id", "plan_type", "start_date", "end_date", "episode_id"]
VISIT_HEADER = ["child_id", "visit_date", "visit_type", "seen"]


def write_csv(
    path: Path, header: list[str], rows: list[list[object]], *, encoding: str = "utf-8"
) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], *, title: str = "Sheet1", **sheets) -> Path:
    """A workbook whose first sheet holds ``rows`` (cells as given: dates stay dates)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for name, more in sheets.items():
        extra = wb.create_sheet(name)
        for row in more:
            extra.append(row)
    wb.save(path)
    return path


def reasons(extract) -> dict[int, str]:
    """{row: reason} of an extract's rejected rows."""
    return dict(
        zip(extract.rejected["row"].tolist(), extract.rejected["reason"].tolist(), strict=True)
    )


def iso(series) -> list[str | None]:
    return [None if v != v or v is None else v.date().isoformat() for v in series.tolist()]
