"""Records → counting days: attribute each record to its episodes, then one row per episode-day.

docs/rules.md, "Which episode a record counts for": a record counts for every
episode of the same child open on its date, or, when it names an ``episode_id``,
for that episode only and only if dated within it. Filters are applied before
de-duplication, so each episode-day carries the OR of its records' flags as bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from visit_audit.adapters.pandas_boolean import yes_no
from visit_audit.arrow import (
    arrow_text,
    chunks,
    distinct,
    missing,
    per_row,
    string_bytes,
    string_offsets,
)
from visit_audit.concurrency import side_by_side
from visit_audit.identifiers import id_keys

# Flag bits of one episode-day (OR of the day's records).
SEEN = 1 << 0  # face-to-face (visit or RHI) with the child seen: filter "seen"
ANY = 1 << 1  # any record that is a visit or a contact: filter "any"
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
_FLAG_BITS = 9  # SEEN … AWAY
assert AWAY < 1 << _FLAG_BITS
_EPOCH = np.datetime64("1900-01-01", "D")
_EPOCH_DAYS = int(_EPOCH.astype(np.int64))  # days from 1970-01-01


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
    """The flag bits of each record (before any filter), built in place in uint16."""
    face_to_face = _classes(
        visits["visit_type"], lambda w: w.isin(["visit", "return_home_interview"]).to_numpy(bool)
    )
    # A meeting, a case note or an unrecognised type counts for nothing, not even
    # for a filter that takes any contact (README "Visit types", rules 5 and 6).
    counts = _classes(visits["visit_type"], lambda w: w.ne("other").to_numpy(bool))
    seen = face_to_face & visits["seen"].to_numpy(dtype=bool)
    # What a seen record says; kept below only where the record is a seen one.
    flags = _classes(
        visits["location"], lambda w: np.where(w.eq("home"), HOME, np.where(w.ne(""), AWAY, 0))
    ).astype(np.uint16)
    flags |= np.uint16(SEEN)
    for column, yes_bit, no_bit in (
        ("unannounced", UNANNOUNCED, 0),
        ("bedroom_seen", BEDROOM_Y, BEDROOM_N),
        ("seen_alone", ALONE_Y, ALONE_N),
    ):
        yes, no = _answers(visits[column])
        flags |= _bit_where(yes, yes_bit)
        if no_bit:
            flags |= _bit_where(no, no_bit)
    np.multiply(flags, seen, out=flags)
    flags |= _bit_where(counts, ANY)
    return flags


def _bit_where(mask: np.ndarray, bit: int) -> np.ndarray:
    return np.multiply(mask, np.uint16(bit), dtype=np.uint16)


def _answers(answer: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(yes, no) of a Y/N column that may be unknown (pandas' boolean, or objects)."""
    values = answer.array
    if isinstance(values, pd.arrays.BooleanArray):  # as io makes it
        return yes_no(values)
    yes = answer.to_numpy(dtype=bool, na_value=False)
    return yes, (answer == False).to_numpy(dtype=bool, na_value=False)  # noqa: E712


def _classes(values: pd.Series, classify) -> np.ndarray:
    """``classify`` applied to the few distinct words of a text column (trimmed,
    case-folded; a missing value reads as ""), spread back over its rows."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # as io makes it: codes at hand
        words = pd.Series(["", *map(str, values.cat.categories)], dtype=object)
        # Missing (-1) reads as "" (pandas' code type leaves room for the + 1).
        positions = values.cat.codes.to_numpy() + 1
    else:
        found, positions = distinct(pc.fill_null(arrow_text(values), ""))
        words = pd.Series(found.to_pylist(), dtype=object)
    words = words.str.strip().str.casefold()
    return per_row(np.asarray(classify(words)), positions)


def to_days(values: pd.Series) -> np.ndarray:
    """A datetime column as ``datetime64[D]`` (NaT kept)."""
    days = values.to_numpy()
    if days.dtype.kind != "M":  # text or objects (frames built by hand)
        days = pd.to_datetime(values).to_numpy()
    return days.astype("datetime64[D]")


def lookup(values: pd.Series, among: pd.Series) -> np.ndarray:
    """Position in ``among`` of each of ``values``; -1 when absent.

    Ids are matched as :mod:`visit_audit.identifiers` says: an id made only of
    digits without its leading zeros, any other exactly. ``among`` holds no two
    ids with the same matching key (the loader stops a run that has them).

    One hash pass over the rows (Arrow's ``index_in``), no Python strings made;
    when every id is 1-15 digits (as case-management systems number people and
    episodes) they are compared as numbers instead, which is several times faster.
    """
    values, among = arrow_text(values), arrow_text(among)
    known = _digit_keys(among)
    keys = None if known is None else _digit_keys(values)
    if known is not None and keys is not None:
        return _find_keys(keys[0], keys[1], known[0])
    return _index_in(id_keys(values), id_keys(among))


def _index_in(values: pa.Array | pa.ChunkedArray, among: pa.Array) -> np.ndarray:
    """Arrow's hash lookup, as int32 positions (-1: absent or missing)."""
    found = pc.index_in(values, value_set=among)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)


# A digit-only id of at most 15 digits as one int64: its value, so that "007"
# and "7" are one id, as README "Identifiers" matches them.
_KEY_DIGITS = 15


def _digit_keys(text: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray] | None:
    """(key, missing) of each value when every present value is 1-15 ASCII
    digits; None otherwise (the text is then compared as text)."""
    keys, absent_rows = [], []
    for chunk in chunks(text):
        offsets = string_offsets(chunk)
        if offsets is None:
            return None
        absent = missing(chunk)
        length = np.diff(offsets).astype(np.int64)
        length[absent] = 1  # a null's slot, if not empty, is checked as digits below
        if length.min() < 1 or length.max() > _KEY_DIGITS:
            return None
        if offsets[-1] > offsets[0]:
            data = string_bytes(chunk)[offsets[0] : offsets[-1]]
            if data.min() < ord("0") or data.max() > ord("9"):
                return None
        value = pc.fill_null(pc.cast(chunk, pa.int64()), 0).to_numpy(zero_copy_only=False)
        keys.append(value)
        absent_rows.append(absent)
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    return np.concatenate(keys), np.concatenate(absent_rows)


def _find_keys(keys: np.ndarray, absent: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Position of each key among the distinct ``known`` keys (-1: absent or missing)."""
    if len(known) == 0:
        return np.full(len(keys), -1, dtype=np.int32)
    lo, hi = int(known.min()), int(known.max())
    span = hi - lo + 1
    if span > 4 * len(known) + (1 << 20):  # too sparse for a table: hashed by Arrow
        return _index_in(pa.array(keys, mask=absent), pa.array(known))
    # A table of every key from lo to hi (and one last slot, -1, for the rest).
    table = np.full(span + 1, -1, dtype=np.int32)
    table[known - lo] = np.arange(len(known), dtype=np.int32)
    keys -= lo  # (the caller's keys are not needed again)
    keys[(keys < 0) | (keys >= span) | absent] = span
    return table[keys]


@dataclass
class Records:
    """The records (visits) as the engine needs them, one aligned array each."""

    day: np.ndarray  # datetime64[D]
    bits: np.ndarray  # uint16 flags (see _flag_bits)
    child: np.ndarray  # child code (-1: a child with no episode)
    tie: np.ndarray  # index of the episode the record names (-1: none, or unknown)
    tied: np.ndarray  # bool: the record names an episode (known or not)

    def take(self, rows: np.ndarray) -> Records:
        return Records(
            self.day[rows], self.bits[rows], self.child[rows], self.tie[rows], self.tied[rows]
        )


def read_records(
    visits: pd.DataFrame, child_ids: pd.Series, ep_ids: pd.Series, day: np.ndarray
) -> Records:
    """Each record's child code and named episode (among ``child_ids`` and ``ep_ids``,
    both distinct) and its flag bits.

    The two hash passes over millions of ids run side by side (Arrow lets go of
    the GIL) while the flag bits are worked out.
    """
    tie = visits["episode_id"]
    bits, child, t_all = side_by_side(
        lambda: _flag_bits(visits),
        lambda: lookup(visits["child_id"], child_ids),
        lambda: lookup(tie, ep_ids),
    )
    unknown = np.flatnonzero((t_all < 0) & tie.notna().to_numpy(bool))
    # An id naming no episode still ties the record (which then counts for nothing),
    # unless it is blank.
    named = tie.iloc[unknown].astype(str).str.strip().ne("").to_numpy(bool)
    tied = t_all >= 0
    tied[unknown[named]] = True
    return Records(day, bits, child, t_all, tied)


@dataclass
class Children:
    """Where each child's episodes are: ``order[first[c] : first[c] + count[c]]``
    (child codes are dense; a last entry of 0 episodes stands for code -1)."""

    order: np.ndarray
    first: np.ndarray
    count: np.ndarray

    @classmethod
    def of(cls, ep_child: np.ndarray) -> Children:
        count = np.append(np.bincount(ep_child), 0)
        return cls(np.argsort(ep_child, kind="stable"), np.cumsum(count) - count, count)


def attribute(
    records: Records,
    children: Children,
    ep_child: np.ndarray,
    ep_start: np.ndarray,
    ep_last: np.ndarray,
    as_of: np.datetime64,
) -> Attribution:
    """Attribute records to episodes and collapse them to episode-days.

    ``ep_child`` are the episodes' child codes; ``ep_last`` is the episode's last
    day (end_date, or NEVER when open).
    """
    day, bits, visit_child, t_all, tied = (
        records.day,
        records.bits,
        records.child,
        records.tie,
        records.tied,
    )
    keep = day <= as_of

    # Untied records: every episode of the same child open on the day.
    untied = keep & ~tied
    v_idx = np.flatnonzero(untied)
    lo = children.first[visit_child[v_idx]]
    counts = children.count[visit_child[v_idx]]
    rec = np.repeat(v_idx, counts)
    # positions lo..hi-1 for each record, flattened
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    eps = children.order[np.repeat(lo, counts) + offsets]
    on = day[rec]
    inside = (on >= ep_start[eps]) & (on <= ep_last[eps])
    rec, eps = rec[inside], eps[inside]
    hit = np.zeros(len(day), dtype=bool)
    hit[rec] = True
    no_case_mask = untied.copy()
    no_case_mask[v_idx[counts > 0]] = False

    # Tied records: that episode only, and only when dated within it.
    t_idx = np.flatnonzero(keep & tied)
    t_ep = t_all[t_idx]
    ok = t_ep >= 0
    ok[ok] = (
        (ep_child[t_ep[ok]] == visit_child[t_idx[ok]])
        & (day[t_idx[ok]] >= ep_start[t_ep[ok]])
        & (day[t_idx[ok]] <= ep_last[t_ep[ok]])
    )
    tied_outside = int((~ok).sum())
    rec = np.concatenate([rec, t_idx[ok]])
    eps = np.concatenate([eps, t_ep[ok]], dtype=np.int64)
    hit[t_idx[ok]] = True

    unattributed = int((untied & ~hit).sum())
    no_case = int(no_case_mask.sum())

    # One row per episode-day, OR of flags: sort one int64 holding episode, day
    # and flags (no index sort, no gather), then OR the flags of equal days.
    # (Worked in place where an array is not needed again: fewer passes over memory.)
    day_bits = day.view(np.int64) - _EPOCH_DAYS
    day_bits <<= _FLAG_BITS
    day_bits |= bits
    packed = eps
    packed <<= _DAY_BITS + _FLAG_BITS
    packed |= day_bits[rec]
    packed.sort()
    key = packed >> _FLAG_BITS
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    packed &= (1 << _FLAG_BITS) - 1
    flags = packed.astype(np.uint16)
    merged = np.bitwise_or.reduceat(flags, starts) if len(starts) else flags[:0]
    ukey = key[starts]
    ep = ukey >> _DAY_BITS
    ukey &= (1 << _DAY_BITS) - 1
    ukey += _EPOCH_DAYS
    table = DayTable(ep=ep, day=ukey.view("datetime64[D]"), bits=merged)
    return Attribution(table, unattributed, no_case, tied_outside)


def group_rank(ep: np.ndarray) -> np.ndarray:
    """0-based position of each row within its run of equal (sorted) ``ep`` values."""
    if len(ep) == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.ones(len(ep), dtype=bool)
    first[1:] = ep[1:] != ep[:-1]
    start_pos = np.maximum.accumulate(np.where(first, np.arange(len(ep)), 0))
    return np.arange(len(ep)) - start_pos
