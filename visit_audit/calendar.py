"""Working days, bank holidays by region, and the units of time of docs/rules.md §1.

All arithmetic is on ``datetime64[D]`` arrays so a deadline is computed for
millions of anchors at once; ``NaT`` anchors give ``NaT`` deadlines.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

REGIONS: dict[str, str] = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}

UNITS = ("days", "hours", "weeks", "months", "years", "working_days")

_UNIT_WORDS = {
    "day": "days",
    "days": "days",
    "calendar day": "days",
    "calendar days": "days",
    "hour": "hours",
    "hours": "hours",
    "h": "hours",
    "hrs": "hours",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
    "working day": "working_days",
    "working days": "working_days",
    "working_day": "working_days",
    "working_days": "working_days",
    "wd": "working_days",
}
_WORDS = {
    "daily": "1 day",
    "weekly": "1 week",
    "fortnightly": "2 weeks",
    "monthly": "1 month",
    "quarterly": "3 months",
    "annually": "1 year",
    "yearly": "1 year",
}
_DURATION = re.compile(r"^\s*(?:every\s+)?(\d+)\s*-?\s*([a-z_ ]+?)\s*$")

NAT = np.datetime64("NaT", "D")
# An until date that never arrives: a blank column (docs/rules.md, "Phases and until dates").
NEVER = np.datetime64("9999-12-31", "D")


@dataclass(frozen=True)
class Duration:
    """A span of time as a framework writes it: ``10 working days``, ``6 weeks``."""

    n: int
    unit: str  # one of UNITS

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read ``"10 working days"``, ``"48 hours"``, ``"1 month"``, ``"weekly"``…

        Raises ValueError with the text when it is not a duration.
        """
        raw = str(text).strip().lower()
        raw = _WORDS.get(raw, raw)
        m = _DURATION.match(raw[:1] + raw[1:].replace("-", " "))
        if not m or m.group(2).strip() not in _UNIT_WORDS:
            raise ValueError(f"'{text}' is not a duration such as '10 working days' or '6 weeks'")
        return cls(int(m.group(1)), _UNIT_WORDS[m.group(2).strip()])

    def __str__(self) -> str:
        unit = self.unit.replace("_", " ")
        if self.n == 1:
            unit = unit[:-1]
        return f"{self.n} {unit}"


def add_months(dates: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Add calendar months (a number, or one per date), clipping to the month's end.

    31 Jan + 1 month = 28/29 Feb; 29 Feb + 12 months = 28 Feb.

    Worked with a table of the months the dates reach (the first day of each,
    and the month of each day) rather than numpy's month arithmetic per date,
    which is several times slower.
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    months = np.asarray(months, dtype=np.int64)
    ok = ~np.isnat(dates)
    if not ok.any():
        return np.full(dates.shape, NAT)
    days = dates.view(np.int64)
    valid = days[ok] if not ok.all() else days
    first = np.datetime64(int(valid.min()), "D").astype("datetime64[M]")
    last = np.datetime64(int(valid.max()), "D").astype("datetime64[M]")
    first += np.timedelta64(min(0, int(months.min(initial=0))), "M")
    last += np.timedelta64(max(0, int(months.max(initial=0))) + 1, "M")
    # The first day of each month from ``first`` to the one after ``last``, and
    # for each day from ``first`` on, its month (as a position in that table).
    starts = np.arange(first, last + np.timedelta64(1, "M"), dtype="datetime64[M]")
    starts = starts.astype("datetime64[D]").view(np.int64)
    month_of = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    since = np.where(ok, days - starts[0], 0)  # day since the table's first
    month = month_of[since]
    target = month + months
    out = starts[target] + np.minimum(
        since - (starts[month] - starts[0]), starts[target + 1] - starts[target] - 1
    )
    return np.where(ok, out.view("datetime64[D]"), NAT)


class WorkingCalendar:
    """Monday–Friday less the bank holidays of one UK region (holidays: country GB + subdivision).

    Without a subdivision the GB calendar lacks Easter Monday in England, so one
    is always given. One-off days (2022-06-03, 2022-09-19, 2023-05-08) come from
    the holidays package.

    ``closed``: a council's own non-working days, offices closed between Christmas
    and New Year (docs/rules.md, "Working days and bank holidays"). They count
    exactly as bank holidays do, and so only for working days: ``add`` in days,
    weeks, months or years never looks at them.
    """

    def __init__(
        self,
        region: str = "england",
        years: range | None = None,
        closed: Iterable[dt.date] = (),
    ) -> None:
        if region not in REGIONS:
            raise ValueError(f"unknown region '{region}' (choose from {', '.join(REGIONS)})")
        self.region = region
        self.closed: tuple[dt.date, ...] = tuple(sorted(set(closed)))
        # Bank holidays are worked out for these years only (the holidays package
        # takes a few milliseconds a year); without them, the years of the first
        # dates asked about, widened whenever later dates fall outside.
        self.years = years if years is not None else range(0)
        # The engine asks from several threads at once: the years are widened,
        # and the tables made for them, under this lock.
        self._lock = threading.RLock()

    @cached_property
    def holidays(self) -> np.ndarray:
        import holidays

        days = holidays.country_holidays("GB", subdiv=REGIONS[self.region], years=self.years)
        return np.array(sorted(set(days.keys()) | set(self.closed)), dtype="datetime64[D]")

    @cached_property
    def busdaycal(self) -> np.busdaycalendar:
        return np.busdaycalendar(weekmask="1111100", holidays=self.holidays)

    def prepare(self, years: range) -> None:
        """Work out the bank holidays and the working-day table of ``years`` now
        (the engine does it in a thread while it looks ids up); later dates
        outside them widen the years as ever."""
        with self._lock:
            self._widen(years)
            self._table  # noqa: B018 - made here, under the lock

    def _covering(self, dates: np.ndarray, derived: str, beyond: int = 0):
        """The ``derived`` table (busdaycal or _table), once the covered years
        reach the dates (and ``beyond`` working days after them)."""
        valid = dates[~np.isnat(dates) & (dates < NEVER)]
        with self._lock:
            if valid.size:
                lo = int(str(valid.min())[:4])
                hi = int(str(valid.max())[:4]) + beyond // 250
                self._widen(range(lo - 1, hi + 2))
            return getattr(self, derived)

    def _widen(self, years: range) -> None:
        """Cover ``years`` too (under the lock); the tables are made again when asked."""
        if self.years and self.years.start <= years.start and years.stop <= self.years.stop:
            return
        if self.years:
            years = range(min(years.start, self.years.start), max(years.stop, self.years.stop))
        self.years = years
        for name in ("holidays", "busdaycal", "_table"):
            self.__dict__.pop(name, None)

    def is_working_day(self, dates: np.ndarray) -> np.ndarray:
        dates = np.asarray(dates, dtype="datetime64[D]")
        busdaycal = self._covering(dates, "busdaycal")
        out = np.zeros(dates.shape, dtype=bool)
        ok = ~np.isnat(dates)
        out[ok] = np.is_busday(dates[ok], busdaycal=busdaycal)
        return out

    def add_working_days(self, dates: np.ndarray, n: int) -> np.ndarray:
        """The n-th working day strictly after each date, also from a weekend or holiday.

        Rolling *backward* first makes a Saturday count from the Friday before, so
        the first working day after it is Monday (docs/rules.md, "Working days and bank
        holidays").
        """
        dates = np.asarray(dates, dtype="datetime64[D]")
        if n < 0:
            raise ValueError(f"cannot add {n} working days: durations are not negative")
        first, done, working = self._covering(dates, "_table", beyond=n)
        out = np.full(dates.shape, NAT)
        ok = ~np.isnat(dates) & (dates < NEVER)
        # Working days up to and including each day (a day off counts as the working
        # day before it, as rolling backward does), then the n-th after that one.
        out[ok] = working[done[(dates[ok] - first).astype(np.int64)] + n - 1]
        out[dates == NEVER] = NEVER
        return out

    @cached_property
    def _table(self) -> tuple[np.datetime64, np.ndarray, np.ndarray]:
        """(first day of the covered years, working days done by each day since, the working days)."""
        first = np.datetime64(f"{self.years.start}-01-01", "D")
        last = np.datetime64(f"{self.years.stop}-01-01", "D")
        days = np.arange(first, last, dtype="datetime64[D]")
        is_working = np.is_busday(days, busdaycal=self.busdaycal)
        return first, np.cumsum(is_working), days[is_working]

    def add(self, dates: np.ndarray, duration: Duration) -> np.ndarray:
        """``dates + duration`` per docs/rules.md §1, element-wise; NaT stays NaT, NEVER
        stays NEVER."""
        dates = np.asarray(dates, dtype="datetime64[D]")
        n, unit = duration.n, duration.unit
        if unit == "working_days":
            return self.add_working_days(dates, n)
        never = dates == NEVER
        if unit == "days":
            out = dates + np.timedelta64(n, "D")
        elif unit == "hours":
            out = dates + np.timedelta64(math.ceil(n / 24), "D")
        elif unit == "weeks":
            out = dates + np.timedelta64(7 * n, "D")
        elif unit == "months":
            out = add_months(np.where(never, NAT, dates), n)
        elif unit == "years":
            out = add_months(np.where(never, NAT, dates), 12 * n)
        else:  # pragma: no cover - Duration.parse only makes UNITS
            raise ValueError(unit)
        return np.where(never, NEVER, out)


def parse_day(value: object) -> dt.date:
    """A closed day as a user writes it: ISO ``2025-12-29``, UK ``29/12/2025``, or a TOML date.

    Raises ValueError naming the value.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(f"'{text}' is not a date (use 2025-12-29 or 29/12/2025)")
