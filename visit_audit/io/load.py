"""Load a cases or visits extract into its canonical frame, rejecting unusable rows.

README "What happens when…": a row that cannot be used is rejected with its file,
spreadsheet row and reason, never guessed and never dropped silently; every
row problem is collected before returning (several in one row are joined with
"; "). Reasons quote at most the single offending cell, cut short, because the
data is about vulnerable children. Rows read = rows kept + rows rejected; a
completely blank row is not a data row and is not counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from visit_audit.arrow import distinct
from visit_audit.columns import CASE_DATE_COLUMNS as CASE_DATES
from visit_audit.columns import REJECTED_COLUMNS
from visit_audit.concurrency import side_by_side
from visit_audit.errors import InputError
from visit_audit.io import dates
from visit_audit.io.fields import CASE_COLUMNS, FIELDS, VISIT_COLUMNS, Field, match_headers
from visit_audit.io.raw import TEXT, RawTable, read_raw
from visit_audit.io.values import (
    as_text,
    quoted,
    read_answer,
    read_location,
    read_plan_type,
    read_visit_type,
    text_series,
    trim,
)
from visit_audit.plan_types import alias_table
from visit_audit.result import InputSummary


@dataclass
class Extract:
    """One loaded extract: the canonical frame, its rejected rows and a summary."""

    frame: pd.DataFrame  # canonical columns, plain RangeIndex
    rejected: pd.DataFrame  # file (str), row (int64 spreadsheet row), reason (str)
    info: InputSummary
    warnings: list[str]
    # Values no rule recognised, per field: {"visit_type": {"Family Time": 3}}, most
    # common first (README "Visit types", rule 6; "Plan types" likewise).
    unrecognised: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class _Column:
    field: Field
    header: str
    text: pa.Array  # as read: untrimmed, "" = empty
    native: np.ndarray | None  # Excel date cells


Reasons = str | Callable[[pa.Array], pa.Array]


class _Problems:
    """Row problems, collected before anything is returned; blank rows never count."""

    def __init__(self, blank: np.ndarray) -> None:
        self.blank = blank
        self.counted = ~blank
        self.parts: list[tuple[np.ndarray, pa.Array]] = []

    def add(self, mask: np.ndarray, reasons: Reasons) -> None:
        """Reject the rows of ``mask``; ``reasons`` is one string for all, or a
        function of the rows' positions returning one string per row."""
        idx = np.flatnonzero(mask & self.counted)
        if len(idx) == 0:
            return
        if callable(reasons):
            text = reasons(pa.array(idx)).cast(pa.string())
        else:
            text = pa.array([reasons] * len(idx), type=pa.string())
        self.parts.append((idx, text))

    def mask(self) -> np.ndarray:
        out = np.zeros(len(self.blank), dtype=bool)
        for idx, _ in self.parts:
            out[idx] = True
        return out

    def frame(self, file: str, rows: np.ndarray) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(
                {
                    "file": pd.Series(dtype="str"),
                    "row": pd.Series(dtype=np.int64),
                    "reason": pd.Series(dtype="str"),
                }
            )[list(REJECTED_COLUMNS)]
        idx = np.concatenate([i for i, _ in self.parts])
        order = np.argsort(idx, kind="stable")  # by row, problems in the order found
        idx = idx[order]
        reason = pd.Series(
            pa.chunked_array([r for _, r in self.parts], type=pa.string())
            .take(pa.array(order))
            .to_numpy(zero_copy_only=False),
            dtype=object,
        )
        first = np.r_[True, idx[1:] != idx[:-1]]
        if not first.all():  # rows with several problems: one reason, joined with "; "
            group = np.cumsum(first) - 1
            several = np.bincount(group)[group] > 1
            joined = reason[several].groupby(group[several], sort=True).agg("; ".join)
            reason = reason[first].to_numpy(copy=True)
            reason[joined.index.to_numpy()] = joined.to_numpy()
            idx = idx[first]
        return pd.DataFrame(
            {
                "file": pd.Series([file] * len(idx), dtype="str"),
                "row": rows[idx].astype(np.int64),
                "reason": pd.Series(np.asarray(reason), dtype="str"),
            }
        )


# ---------------------------------------------------------------------------


def _check_columns(columns: Mapping[str, str] | None, role: str) -> None:
    valid = [f.name for f in FIELDS[role]]
    for header, name in (columns or {}).items():
        if name not in valid:
            raise InputError(
                f"--columns [{role}] '{header}' = '{name}' is not a field; "
                f"use one of {', '.join(valid)}"
            )


def _columns(
    raw: RawTable, role: str, columns: Mapping[str, str] | None
) -> tuple[dict[str, _Column], list[str]]:
    """One column per canonical field; a field found under two headers must hold
    the same values (then the first is used), else the file is ambiguous."""
    match = match_headers(raw.headers, role, columns)
    by_name = {f.name: f for f in FIELDS[role]}
    warnings = [
        f"{raw.file}: --columns names '{h}', which is not a header of the file"
        for h in match.unmatched_map_keys
    ]
    found: dict[str, _Column] = {}
    for name, hits in match.by_field.items():
        field = by_name[name]
        pos, header = hits[0]
        col = _Column(field, header, raw.text[pos], raw.native[pos])
        for other_pos, other_header in hits[1:]:
            other = raw.text[other_pos]
            same = trim(col.text).equals(trim(other)) and _same_native(
                col.native, raw.native[other_pos]
            )
            if not same:
                raise InputError(
                    f"{raw.file}: columns '{header}' and '{other_header}' both read as "
                    f"{name} but hold different values; name the right one with --columns"
                )
            warnings.append(
                f"{raw.file}: columns '{header}' and '{other_header}' both read as {name} "
                f"and hold the same values; using '{header}'"
            )
        kept = found.get(field.column)
        if kept is not None:
            # "unannounced" and "announced" columns both present: the direct one wins.
            use = kept if not kept.field.inverted else col
            warnings.append(
                f"{raw.file}: both '{kept.header}' and '{header}' give {field.column}; "
                f"using '{use.header}'"
            )
            found[field.column] = use
            continue
        found[field.column] = col
    return found, warnings


def _same_native(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(((a == b) | (np.isnat(a) & np.isnat(b))).all())


def _blank_rows(raw: RawTable, no_child: np.ndarray) -> np.ndarray:
    """Completely blank rows; only rows without a child_id can be, so only those are looked at."""
    candidates = np.flatnonzero(no_child)
    blank = np.zeros(len(raw.rows), dtype=bool)
    blank[candidates[raw.blank(candidates)]] = True
    return blank


def _excerpt(label: str, text: pa.Array, tail: str) -> Callable[[pa.Array], pa.Array]:
    return lambda idx: quoted(label, trim(text.take(idx)), tail)


def _parse_dates(
    col: _Column, raw: RawTable, date_format: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Parse one date column → (datetime64[s] days, status) per row, in the unit of
    the canonical frame; stops the run on an unusable --date-format, or on a
    column that looks month-first."""
    if date_format:
        if "%" not in date_format:
            raise InputError(
                f"--date-format '{date_format}' has no % codes; write it as for strptime, "
                "e.g. %d/%m/%Y"
            )
        try:
            days, status = dates.parse_with_format(col.text, date_format, unit="s")
        except ValueError as exc:
            raise InputError(str(exc)) from None
    else:
        days, status = dates.parse_dates(col.text, unit="s")
        suspects = np.flatnonzero(status == dates.MONTH_FIRST)
        if col.native is not None:
            suspects = suspects[np.isnat(col.native[suspects])]
        if len(suspects):
            first = int(suspects[0])
            value = str(col.text[first].as_py()).strip()
            raise InputError(
                f"{raw.file}: column '{col.header}' holds '{value}' (row {raw.rows[first]}), "
                "a date only when read month-first, so the file looks month-first and every "
                "dd/mm value in it is suspect; export the dates as dd/mm/yyyy or yyyy-mm-dd"
            )
    if col.native is not None:
        cell = ~np.isnat(col.native)
        cell_days = col.native.astype("datetime64[D]")
        in_range = (cell_days >= dates.EARLIEST) & (cell_days <= dates.LATEST)
        days = np.where(cell, cell_days, days)
        status = np.where(cell, np.where(in_range, dates.OK, dates.OUT_OF_RANGE), status)
    return days, status


def _date_problems(
    col: _Column,
    parsed: tuple[np.ndarray, np.ndarray],
    problems: _Problems,
    *,
    date_format: str | None,
    required: bool,
) -> np.ndarray:
    """Reject the rows without a usable date → the column's datetime64[s] days
    (NaT = blank or rejected)."""
    label = col.field.name
    days, status = parsed
    if not (status != dates.OK).any():  # every row a date: nothing to reject
        return days
    if required:
        problems.add(status == dates.BLANK, f"no {label}")
    if date_format:
        unfit = (status == dates.NOT_DATE) | (status == dates.MONTH_FIRST)
        tail = f"does not match the date format {date_format}"
        problems.add(unfit, _excerpt(label, col.text, tail))
    else:
        problems.add(status == dates.NOT_DATE, _excerpt(label, col.text, "is not a date"))
    outside = status == dates.OUT_OF_RANGE
    early = days < dates.EARLIEST
    problems.add(outside & early, _excerpt(label, col.text, "is before 1900"))
    problems.add(outside & ~early, _excerpt(label, col.text, "is after 2100"))
    return np.where(status == dates.OK, days, np.datetime64("NaT"))


def _frame(data: dict[str, object], keep: np.ndarray, columns: tuple[str, ...]) -> pd.DataFrame:
    """The canonical frame from per-row arrays, keeping the rows of ``keep``."""
    everything = bool(keep.all())
    sel = None if everything else pa.array(np.flatnonzero(keep))
    out: dict[str, pd.Series] = {}
    for name in columns:
        value = data[name]
        if isinstance(value, (pa.Array, pa.ChunkedArray)):
            out[name] = text_series(value if everything else value.take(sel))
        elif isinstance(value, pd.arrays.BooleanArray):
            out[name] = pd.Series(value if everything else value[keep], dtype="boolean", copy=False)
        else:
            arr = np.asarray(value)
            arr = arr if everything else arr[keep]
            if arr.dtype.kind == "M":
                arr = arr.astype("datetime64[s]", copy=False)
            out[name] = pd.Series(arr, copy=False)  # the arrays are the loader's own
    return pd.DataFrame(out, columns=list(columns), copy=False)


def _extract(
    role: str,
    raw: RawTable,
    data: dict[str, object],
    problems: _Problems,
    columns: tuple[str, ...],
    warnings: list[str],
    unrecognised: dict[str, dict[str, int]] | None = None,
) -> Extract:
    bad = problems.mask()
    rejected = problems.frame(raw.label, raw.rows)
    info = InputSummary(
        role=role,
        file=raw.file,
        path=raw.path,
        sha256=raw.sha256,
        rows=int(problems.counted.sum()),
        rejected=len(rejected),
    )
    return Extract(
        frame=_frame(data, ~bad & problems.counted, columns),
        rejected=rejected,
        info=info,
        warnings=[*raw.warnings, *warnings],
        unrecognised=unrecognised or {},
    )


def count_values(
    values: pa.Array, which: np.ndarray, positions: np.ndarray, rows: np.ndarray
) -> dict[str, int]:
    """{value: rows holding it} for the distinct ``values`` marked in ``which``,
    counted over the rows of ``rows`` (a mask), most common first (ties by value)."""
    if not which.any():
        return {}
    counts = np.bincount(positions[rows], minlength=len(values))
    texts = trim(values).to_pylist()
    found = [(texts[i], int(counts[i])) for i in np.flatnonzero(which) if counts[i]]
    merged: dict[str, int] = {}
    for text, n in found:  # " Note" and "Note" are one value
        merged[text] = merged.get(text, 0) + n
    return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))


def listed(counts: dict[str, int], limit: int = 10) -> str:
    """ "'A' (3), 'B' (1)": the most common values first, at most ``limit``, then "and N more"."""
    shown = [f"'{quoted_value(v)}' ({n})" for v, n in list(counts.items())[:limit]]
    more = len(counts) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def quoted_value(value: str) -> str:
    """A value as a message quotes it: control characters as spaces, cut to an excerpt."""
    return quoted("", pa.array([value]), "")[0].as_py()[2:-1]


# The raw table of an extract already read (or being read) by the caller.
Preread = RawTable | Future[RawTable]


class _Reader:
    """The columns of one extract, as the loaders ask for them."""

    def __init__(self, path, role, sheet, columns, raw: Preread | None = None) -> None:
        _check_columns(columns, role)
        if raw is None:
            raw = read_raw(path, role, sheet=sheet, columns=columns)
        elif isinstance(raw, Future):
            raw = raw.result()  # raises the read's error, if any, where read_raw would
        self.raw = raw
        self.found, self.warnings = _columns(self.raw, role, columns)
        self.n = len(self.raw.rows)

    def text(self, name: str) -> pa.Array:
        """The column as read ("" everywhere when the file lacks it)."""
        col = self.found.get(name)
        return col.text if col is not None else pa.repeat(pa.scalar("", TEXT), self.n)

    def trimmed(self, name: str) -> pa.Array:
        if name not in self.found:
            return self.text(name)
        return trim(self.text(name), ascii=self.raw.ascii)


# ---------------------------------------------------------------------------


def load_cases(
    path: str | Path,
    *,
    sheet: str | None = None,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    plan_type_aliases: Mapping[str, str] | None = None,
    plan_type_values: Mapping[str, str] | None = None,
    raw: Preread | None = None,
) -> Extract:
    """Read a cases extract (one row per episode) into the canonical cases frame.

    Rejects a row with no child_id; no, an unreadable or an impossible
    start_date; any unreadable or impossible date in another date column
    (impossible = not in the calendar, before 1900 or after 2100); an end_date
    before the start_date; a blank or unknown plan type (``plan_type_aliases``,
    default :func:`visit_audit.plan_types.alias_table`); or an episode_id that
    an earlier usable row already has. A blank or absent episode_id becomes
    ``f"{child_id}-{row}"``. Two-digit years: 00–69 → 2000s, 70–99 → 1900s.

    ``plan_type_values``: a mapping file's ``[values.plan_type]`` entries, which
    win over the built-in spellings. Unrecognised plan types are listed, with
    how many rows carry each, in a warning and in ``unrecognised``.

    ``raw``: the file as ``read_raw(path, "cases", sheet=sheet, columns=columns)``
    gave it, or a Future of that, read beforehand (the command line reads
    while it imports pandas); then ``path`` and ``sheet`` are not read again.
    """
    aliases = alias_table() if plan_type_aliases is None else plan_type_aliases
    reader = _Reader(path, "cases", sheet, columns, raw)
    raw, found, n = reader.raw, reader.found, reader.n
    plan_text = reader.text("plan_type")

    def ids_and_plans():
        child = reader.trimmed("child_id")
        no_child = pc.equal(child, "").to_numpy(zero_copy_only=False)
        return child, no_child, *read_plan_type(plan_text, aliases, plan_type_values)

    # The dates are parsed while the other columns are read (arrow and numpy let
    # go of the GIL); the rows' problems are still recorded in column order.
    (child, no_child, plan, blank_plan), parsed = side_by_side(
        ids_and_plans,
        lambda: {
            name: _parse_dates(found[name], raw, date_format)
            for name in CASE_DATES
            if name in found
        },
    )

    problems = _Problems(_blank_rows(raw, no_child))
    problems.add(no_child, "no child_id")
    problems.add(blank_plan, "no plan_type")
    unknown = plan.is_null().to_numpy(zero_copy_only=False) & ~blank_plan
    problems.add(unknown, _excerpt("unknown plan type", plan_text, ""))
    unrecognised: dict[str, dict[str, int]] = {}
    if unknown.any():
        plan_values, plan_positions = distinct(plan_text)
        unknown_values = np.zeros(len(plan_values), dtype=bool)
        unknown_values[np.unique(plan_positions[unknown])] = True
        counts = count_values(plan_values, unknown_values, plan_positions, unknown)
        unrecognised["plan_type"] = counts
        total = sum(counts.values())
        reader.warnings.append(
            f"{raw.file}: {total} {'row has a plan type' if total == 1 else 'rows have plan types'} "
            f"not recognised, rejected: {listed(counts)}; if one is a plan type, name it in a "
            "mapping file ([values.plan_type])"
        )

    data: dict[str, object] = {"row": raw.rows}
    for name in CASE_DATES:
        if name in parsed:
            required = name == "start_date"
            data[name] = _date_problems(
                found[name], parsed[name], problems, date_format=date_format, required=required
            )
        else:
            data[name] = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    start, end = np.asarray(data["start_date"]), np.asarray(data["end_date"])
    before = ~np.isnat(start) & ~np.isnat(end) & (end < start)
    problems.add(before, _excerpt("end_date", reader.text("end_date"), "is before start_date"))

    given = reader.trimmed("episode_id")
    no_episode = pc.equal(given, "")
    episode = given
    if pc.any(no_episode).as_py():
        row_text = pc.cast(pa.array(raw.rows), TEXT)
        generated = pc.binary_join_element_wise(child, row_text, pa.scalar("-", TEXT))
        episode = pc.if_else(no_episode, generated, given)
    _reject_duplicate_episodes(episode, raw.rows, problems)

    data.update(
        child_id=as_text(child),
        episode_id=episode,
        plan_type=plan,
        visit_frequency=as_text(reader.trimmed("visit_frequency")),
        worker=as_text(reader.trimmed("worker")),
        team=as_text(reader.trimmed("team")),
    )
    return _extract("cases", raw, data, problems, CASE_COLUMNS, reader.warnings, unrecognised)


def _reject_duplicate_episodes(episode: pa.Array, rows: np.ndarray, problems: _Problems) -> None:
    """A later usable row with an episode_id already used is rejected (the first is kept)."""
    usable = np.flatnonzero(~problems.mask() & problems.counted)
    if len(usable) == 0:
        return
    _, ids = distinct(episode.take(pa.array(usable)))
    _, first = np.unique(ids, return_index=True)  # each id's first usable row
    first = first[ids]
    later = first != np.arange(len(ids))
    if not later.any():
        return
    dup = np.zeros(len(rows), dtype=bool)
    dup[usable[later]] = True
    first_on = np.zeros(len(rows), dtype=np.int64)
    first_on[usable] = rows[usable][first]

    def reason(idx: pa.Array) -> pa.Array:
        base = quoted("duplicate episode_id", episode.take(idx), "")
        first_text = pa.array(first_on[idx.to_numpy()].astype(str))
        return pc.binary_join_element_wise(base, " (first on row ", first_text, ")", "")

    problems.add(dup, reason)


_FLAGS = ("seen_alone", "bedroom_seen", "unannounced")  # Y/N, blank = not recorded


def load_visits(
    path: str | Path,
    *,
    sheet: str | None = None,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    visit_type_values: Mapping[str, str] | None = None,
    answer_values: Mapping[str, str] | None = None,
    raw: Preread | None = None,
) -> Extract:
    """Read a visits extract (one row per visit or contact) into the canonical visits frame.

    Rejects a row with no child_id; no, an unreadable or an impossible
    visit_date (the time of day is dropped); or a ``seen`` value that is not
    Y/N (Seen / Not seen / No access understood; blank is Y). Only these
    decide whether a visit happened, so only they reject a row.

    visit_type is classified as :func:`visit_audit.io.values.classify_visit_type`
    says (``visit_type_values``: a mapping file's entries, which win); a record
    that says it did not see the child is a visit with ``seen`` = N; values no
    rule recognises count for nothing and are listed in a warning and in
    ``unrecognised``. The quality answers (seen_alone, bedroom_seen,
    unannounced) never reject a row: an unreadable one is read as not recorded
    and counted in a warning per column (``answer_values``: a mapping file's
    entries). A column headed ``announced`` is read inverted into
    ``unannounced``. Two-digit years: 00–69 → 2000s, 70–99 → 1900s.

    ``raw``: the file already read, as for :func:`load_cases`.
    """
    reader = _Reader(path, "visits", sheet, columns, raw)
    raw, found, n = reader.raw, reader.found, reader.n
    data: dict[str, object] = {"row": raw.rows}
    seen_text = reader.text("seen")

    def text_columns():
        child = reader.trimmed("child_id")
        data.update(
            child_id=as_text(child),
            location=read_location(reader.text("location")),
            episode_id=as_text(reader.trimmed("episode_id")),
            worker=as_text(reader.trimmed("worker")),
        )
        return pc.equal(child, "").to_numpy(zero_copy_only=False)

    # The columns are read side by side (arrow and numpy let go of the GIL); the
    # rows' problems are still recorded in column order.
    flag_names = [name for name in _FLAGS if name in found]
    no_child, parsed, visit_type, seen_read, *flag_reads = side_by_side(
        text_columns,
        lambda: _parse_dates(found["visit_date"], raw, date_format),
        lambda: read_visit_type(reader.text("visit_type"), visit_type_values),
        lambda: read_answer(seen_text, seen=True, mapping=answer_values),
        *(
            (lambda name=name: read_answer(found[name].text, mapping=answer_values))
            for name in flag_names
        ),
    )
    kinds, not_seen, type_values, type_unknown, type_positions = visit_type
    data["visit_type"] = kinds
    seen, _, seen_bad, _, _, _ = seen_read
    flags = dict(zip(flag_names, flag_reads, strict=True))

    problems = _Problems(_blank_rows(raw, no_child))
    problems.add(no_child, "no child_id")
    data["visit_date"] = _date_problems(
        found["visit_date"], parsed, problems, date_format=date_format, required=True
    )
    problems.add(seen_bad, _excerpt("seen", seen_text, "is not Y/N"))
    # A record that says it did not see the child did not, whatever ``seen`` says.
    data["seen"] = seen & ~not_seen if not_seen.any() else seen
    kept = ~problems.mask() & problems.counted
    warnings = list(reader.warnings)
    unrecognised: dict[str, dict[str, int]] = {}
    counts = count_values(type_values, type_unknown, type_positions, kept)
    if counts:
        unrecognised["visit_type"] = counts
        total = sum(counts.values())
        warnings.append(
            f"{raw.file}: {total} {'record has a visit type' if total == 1 else 'records have visit types'} "
            f"not recognised, counted for nothing: {listed(counts)}; if one is a visit or a "
            "contact, name it in a mapping file ([values.visit_type])"
        )
    for name in _FLAGS:
        col = found.get(name)
        if col is None:
            data[name] = pd.arrays.BooleanArray(np.zeros(n, bool), np.ones(n, bool))
            continue
        value, known, _, answer_texts, bad_values, positions = flags[name]
        if col.field.inverted:
            value = ~value & known
        data[name] = pd.arrays.BooleanArray(value, ~known)
        bad_counts = count_values(answer_texts, bad_values, positions, kept)
        if bad_counts:
            total = sum(bad_counts.values())
            warnings.append(
                f"{raw.file}: {total} {col.field.name} {'answer' if total == 1 else 'answers'} "
                f"(column '{col.header}') could not be read and count as not recorded: "
                f"{listed(bad_counts, 5)}; name them in a mapping file ([values.answer])"
            )
    return _extract("visits", raw, data, problems, VISIT_COLUMNS, warnings, unrecognised)


# ---------------------------------------------------------------------------
# Extracts held in memory


def table_of(
    role: str,
    records: Sequence[Mapping[str, object]],
    name: str | None = None,
    headers: Sequence[str] = (),
) -> RawTable:
    """An extract given as records (one mapping per row, canonical field names
    or any header the loaders accept) as :func:`visit_audit.io.raw.read_raw`
    would give it from a file: every value as text, None or absent as blank,
    ``True``/``False`` as Y/N, dates as ISO text.

    For notebooks and tests: ``load_cases(name, raw=table_of("cases", rows))``
    builds the same canonical frame a file with those cells gives. ``headers``:
    columns the file has besides those the records name (a file with no rows
    still has its header line).
    """
    headers = list(dict.fromkeys([*headers, *(k for r in records for k in r)]))
    n = len(records)

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "Y" if value else "N"
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return str(value)

    text = [pa.array([cell(r.get(h)) for r in records], TEXT) for h in headers]
    label = name or f"{role}.csv"
    return RawTable(
        file=label,
        path=label,
        sha256="",
        headers=headers,
        text=text,
        native=[None] * len(headers),
        rows=np.arange(2, n + 2, dtype=np.int64),
        header_row=1,
    )


def cases_from_records(records: Sequence[Mapping[str, object]], **options: Any) -> Extract:
    """:func:`load_cases` of an extract held in memory (see :func:`table_of`);
    with no records, a file holding only the canonical header line."""
    raw = table_of("cases", records, headers=CASE_COLUMNS[1:])  # (not "row")
    return load_cases("cases.csv", raw=raw, **options)


def visits_from_records(records: Sequence[Mapping[str, object]], **options: Any) -> Extract:
    """:func:`load_visits` of an extract held in memory (see :func:`table_of`);
    with no records, a file holding only the canonical header line."""
    raw = table_of("visits", records, headers=VISIT_COLUMNS[1:])
    return load_visits("visits.csv", raw=raw, **options)
