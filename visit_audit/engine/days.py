"""Records → counting days: attribute each record to its episodes, then one row per episode-day.

timescales.md §2: a record counts for every episode of the same child open on
its date, or, when it names an ``episode_id``, for that episode only and only
if dated within it. Filters are applied before de-duplication, so each
episode-day carries the OR of its records' flags as bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Flag bits of one episode-day (OR of the day's records).
SEEN = 1 << 0  # face-to-face (visit or RHI) with the child seen: filter "seen"
ANY = 1 << 1  # any record at all: filter "any"
UNANNOUNCED = 1 << 2  # seen, unannounced = Y
BEDROOM_Y = 1 << 3  # seen, bedroom_seen = Y
BEDROOM_N = 1 << 4  # seen, bedroom_seen = N
ALONE_Y = 1 << 5  # seen, seen_alone = Y
ALONE_N = 1 << 6  # seen, seen_alone = N
HOME = 1 << 7  # seen, location = home
AWAY = 1 << 8  # seen, location recorded and not home

FILTER_BITS = {"seen": SEEN, "any": ANY}
CONDITION_BITS = {
    None: SEEN,
    "unannounced": UNANNOUNCED,
    "bedroom_seen": BEDROOM_Y,
    "seen_alone": ALONE_Y,
    "at_home": HOME,
}

_DAY_BITS = 17  # days since 1900-01-01 fit in 17 bits until the year 2258
_EPOCH = np.datetime64("1900-01-01", "D")


@dataclass
class DayTable:
    """One row per (episode, day) with at least one record: sorted by episode then day."""

    ep: np.ndarray  # int64 episode index
    day: np.ndarray  # datetime64[D]
    bits: np.ndarray  # uint16 flags

    def take(self, mask: np.ndarray) -> DayTable:
        return DayTable(self.ep[mask], self.day[mask], self.bits[mask])


@dataclass
class Attribution:
    days: DayTable
    unattributed: int  # records (on or before as_of) that fall in no episode
    no_case: int  # ... of which the child has no episode at all
    tied_outside: int  # records naming an episode_id but dated outside it (or unknown)


def _flag_bits(visits: pd.DataFrame) -> np.ndarray:
    face_to_face = visits["visit_type"].isin(["visit", "return_home_interview"]).to_numpy(bool)
    seen = face_to_face & visits["seen"].to_numpy(dtype=bool)
    bits = np.full(len(visits), ANY, dtype=np.uint16)
    bits |= np.where(seen, SEEN, 0).astype(np.uint16)

    def yes(col: str) -> np.ndarray:
        return visits[col].fillna(False).to_numpy(dtype=bool) & seen

    def no(col: str) -> np.ndarray:
        return (visits[col] == False).fillna(False).to_numpy(dtype=bool) & seen  # noqa: E712

    # A handful of distinct locations: classify those, not every row.
    codes, uniques = pd.factorize(visits["location"])
    words = pd.Series(uniques, dtype=object).astype(str).str.strip().str.casefold()
    home_u = np.append((words == "home").to_numpy(bool), False)
    away_u = np.append((words != "").to_numpy(bool), False) & ~home_u
    home, away = home_u[codes], away_u[codes]  # code -1 (missing) takes the appended False
    for mask, bit in (
        (yes("unannounced"), UNANNOUNCED),
        (yes("bedroom_seen"), BEDROOM_Y),
        (no("bedroom_seen"), BEDROOM_N),
        (yes("seen_alone"), ALONE_Y),
        (no("seen_alone"), ALONE_N),
        (home & seen, HOME),
        (away & seen, AWAY),
    ):
        bits |= np.where(mask, bit, 0).astype(np.uint16)
    return bits


def to_days(values: pd.Series) -> np.ndarray:
    """A datetime column as ``datetime64[D]`` (NaT kept)."""
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def attribute(
    visits: pd.DataFrame,
    visit_child: np.ndarray,
    ep_child: np.ndarray,
    ep_start: np.ndarray,
    ep_last: np.ndarray,
    ep_ids: np.ndarray,
    as_of: np.datetime64,
) -> Attribution:
    """Attribute records to episodes and collapse them to episode-days.

    ``visit_child``/``ep_child`` are integer child codes from one factorisation;
    ``ep_last`` is the episode's last day (end_date, or NEVER when open).
    """
    day = to_days(visits["visit_date"])
    keep = day <= as_of
    bits = _flag_bits(visits)
    # Episode ids repeat across records: look each distinct one up once.
    tie_codes, tie_ids = pd.factorize(visits["episode_id"])
    blank = pd.Series(tie_ids, dtype=object).astype(str).str.strip().eq("").to_numpy(bool)
    tie_codes = np.where(np.append(blank, True)[tie_codes], -1, tie_codes)
    tied = tie_codes >= 0

    # Untied records: every episode of the same child open on the day.
    untied = keep & ~tied
    v_idx = np.flatnonzero(untied)
    order = np.argsort(ep_child, kind="stable")
    sorted_child = ep_child[order]
    lo = np.searchsorted(sorted_child, visit_child[v_idx], side="left")
    hi = np.searchsorted(sorted_child, visit_child[v_idx], side="right")
    counts = hi - lo
    rec = np.repeat(v_idx, counts)
    # positions lo..hi-1 for each record, flattened
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    eps = order[np.repeat(lo, counts) + offsets]
    inside = (day[rec] >= ep_start[eps]) & (day[rec] <= ep_last[eps])
    rec, eps = rec[inside], eps[inside]
    hit = np.zeros(len(visits), dtype=bool)
    hit[rec] = True
    no_case_mask = untied.copy()
    no_case_mask[v_idx[counts > 0]] = False

    # Tied records: that episode only, and only when dated within it.
    t_idx = np.flatnonzero(keep & tied)
    ep_lookup = pd.Index(ep_ids, dtype=object)
    t_ep = ep_lookup.get_indexer(pd.Index(tie_ids, dtype=object))[tie_codes[t_idx]]
    ok = t_ep >= 0
    ok[ok] = (
        (ep_child[t_ep[ok]] == visit_child[t_idx[ok]])
        & (day[t_idx[ok]] >= ep_start[t_ep[ok]])
        & (day[t_idx[ok]] <= ep_last[t_ep[ok]])
    )
    tied_outside = int((~ok).sum())
    rec = np.concatenate([rec, t_idx[ok]])
    eps = np.concatenate([eps, t_ep[ok]]).astype(np.int64)
    hit[t_idx[ok]] = True

    unattributed = int((untied & ~hit).sum())
    no_case = int(no_case_mask.sum())

    # One row per episode-day, OR of flags: one sort of one int64 key.
    key = (eps << _DAY_BITS) | (day[rec] - _EPOCH).astype(np.int64)
    sort = np.argsort(key, kind="stable")
    key, rbits = key[sort], bits[rec][sort]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    merged = np.bitwise_or.reduceat(rbits, starts) if len(starts) else rbits[:0]
    ukey = key[starts]
    table = DayTable(
        ep=ukey >> _DAY_BITS,
        day=_EPOCH + (ukey & ((1 << _DAY_BITS) - 1)).astype("timedelta64[D]"),
        bits=merged.astype(np.uint16),
    )
    return Attribution(table, unattributed, no_case, tied_outside)


def group_rank(ep: np.ndarray) -> np.ndarray:
    """0-based position of each row within its run of equal (sorted) ``ep`` values."""
    if len(ep) == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.ones(len(ep), dtype=bool)
    first[1:] = ep[1:] != ep[:-1]
    start_pos = np.maximum.accumulate(np.where(first, np.arange(len(ep)), 0))
    return np.arange(len(ep)) - start_pos
