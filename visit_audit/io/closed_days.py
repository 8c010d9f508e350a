"""The ``--closed-days FILE`` list: a council's own non-working days, one a line.

A plain text or CSV file: the date is the first cell of each line (ISO
``2025-12-29`` or UK ``29/12/2025``); anything after a comma (a description)
is ignored, and so are blank lines, lines starting with ``#`` and a header
line without a digit in its first cell (``date,reason``). A line that is none
of these stops the run naming the file and the line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from visit_audit.calendar import parse_day
from visit_audit.errors import InputError


def read_closed_days(path: Path) -> tuple[dt.date, ...]:
    """The dates of ``path``, sorted, each once."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        why = e.strerror if isinstance(e, OSError) else "it is not UTF-8 text"
        raise InputError(f"{path}: cannot read the closed-days file ({why})") from None
    days: set[dt.date] = set()
    seen_data = False
    for number, line in enumerate(text.splitlines(), start=1):
        cell = line.split(",", 1)[0].strip().strip('"').strip()
        if not cell or cell.startswith("#"):
            continue
        if not seen_data and not any(ch.isdigit() for ch in cell):
            seen_data = True  # a header: only before the first date
            continue
        seen_data = True
        try:
            days.add(parse_day(cell))
        except ValueError as e:
            raise InputError(
                f"{Path(path).name}: line {number}: {e}; one closed day a line"
            ) from None
    return tuple(sorted(days))
