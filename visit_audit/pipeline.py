"""The application layer and Python API: load → audit → outputs.

Everything a run does between the options and the renderers lives here, so the
command line, the configuration file, e-mail delivery, the history and a
notebook all take the same route::

    from visit_audit.pipeline import audit_files

    result = audit_files("cases.csv", "visits.xlsx", framework="barnsley", as_of="2026-10-31")
    result.findings            # a pandas DataFrame, one row per late/missed/overdue deadline
    result.summary["overall"]  # deadlines, on time, late, missed, overdue, % on time

This module decides concurrency (the two extracts are read side by side) and
the checks that concern a run as a whole rather than a row: ids that lost their
leading zeros, nothing to audit, an empty visits file, a stale extract, a
period in the future. It prints nothing and never exits: errors are
:class:`visit_audit.errors.VisitAuditError` for the caller to report.
"""

from __future__ import annotations

import calendar as _calendar
import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from visit_audit.concurrency import Background, side_by_side
from visit_audit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from visit_audit.calendar import WorkingCalendar
    from visit_audit.frameworks.model import Framework
    from visit_audit.io.load import Extract
    from visit_audit.io.mapping import MappingFile
    from visit_audit.result import AuditResult, InputSummary

DEFAULT_FRAMEWORK = "measures-of-practice"
REGIONS = ("england", "wales", "scotland", "northern-ireland")
FAIL_ON = ("none", "overdue", "finding", "rejected")
STALE_DAYS = 7  # a warning when the audit date is more than this after the last record

Step = Callable[[str], None]


def _no_step(_: str) -> None:
    return None


@dataclass(frozen=True)
class AuditOptions:
    """What one audit run needs: the two extracts and how to read and audit them.

    ``as_of`` None means today (or the period's last day, when earlier).
    """

    cases: Path | None = None
    visits: Path | None = None
    framework: str = DEFAULT_FRAMEWORK
    as_of: dt.date | None = None
    period: tuple[dt.date, dt.date] | None = None
    region: str = "england"
    mapping: Path | None = None
    cases_sheet: str | None = None
    visits_sheet: str | None = None
    date_format: str | None = None  # both files, unless one has its own below
    cases_date_format: str | None = None
    visits_date_format: str | None = None
    key: bytes | None = None  # pseudonymise every output with this key
    history: Path | None = None  # record the run in this history file (needs a period)
    ssd: str | None = None  # the SSD's tables (a folder or a database URL) instead of two files
    today: dt.date | None = None  # for tests: what "today" is
    closed_days: Path | None = None  # --closed-days: more local non-working days
    compare: str | None = None  # --compare: a second framework for the same extracts

    def resolved_as_of(self) -> dt.date:
        today = self.today or dt.date.today()
        if self.as_of is not None:
            return self.as_of
        if self.period is not None:
            return min(self.period[1], today)
        return today


@dataclass
class Loaded:
    """The two extracts as canonical frames, the framework, and the mapping file used."""

    framework: Framework
    cases: Extract
    visits: Extract
    mapping: MappingFile | None = None
    warnings: list[str] = field(default_factory=list)
    # The --closed-days file's days (the framework's own are on the framework).
    closed_days: tuple[dt.date, ...] = ()
    # A source of several tables (the SSD): each table's accounting, and what was read.
    inputs: list[InputSummary] | None = None
    source: str | None = None

    def calendar(self, region: str) -> WorkingCalendar:
        """Working days of ``region`` with every closed day: the framework's and
        --closed-days' (they count as bank holidays, for working days only)."""
        from visit_audit.calendar import WorkingCalendar

        return WorkingCalendar(region, closed={*self.framework.closed_days, *self.closed_days})


# ---------------------------------------------------------------------------
# Periods and dates


def parse_date(value: str | dt.date | None, option: str) -> dt.date | None:
    """A date given by a user: ISO 2026-10-31 or UK 31/10/2026."""
    if value is None or isinstance(value, dt.date):
        return value
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            pass
    raise InputError(f"{option}: '{value}' is not a date (use 2026-10-31 or 31/10/2026)")


def month_period(month: str, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of ``YYYY-MM``, ``previous`` or ``current`` (the month of today)."""
    today = today or dt.date.today()
    text = month.strip().casefold()
    if text in ("previous", "current"):
        first = today.replace(day=1)
        if text == "previous":
            first = (first - dt.timedelta(days=1)).replace(day=1)
        y, mo = first.year, first.month
    else:
        m = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise InputError(
                f"--month: '{month}' is not a month (use YYYY-MM, previous or current)"
            )
        y, mo = int(m.group(1)), int(m.group(2))
    return dt.date(y, mo, 1), dt.date(y, mo, _calendar.monthrange(y, mo)[1])


def resolve_period(
    as_of: str | dt.date | None,
    month: str | None,
    date_from: str | dt.date | None,
    date_to: str | dt.date | None,
    today: dt.date | None = None,
) -> tuple[dt.date, tuple[dt.date, dt.date] | None]:
    """The audit date and the reporting period from the options.

    ``--month``/``--to`` set the audit date to the earlier of the period's last
    day and today; a period that starts after today stops the run.
    """
    today = today or dt.date.today()
    period = None
    if month and (date_from or date_to):
        raise InputError("--month: give either --month or --from/--to, not both")
    if month:
        period = month_period(month, today)
    elif date_from or date_to:
        if not (date_from and date_to):
            raise InputError("--from/--to: --from and --to go together")
        lo, hi = parse_date(date_from, "--from"), parse_date(date_to, "--to")
        assert lo is not None and hi is not None
        if hi < lo:
            raise InputError("--to: --to is before --from")
        period = (lo, hi)
    if period and period[0] > today:
        raise InputError(
            f"the reporting period starts on {period[0]:%d/%m/%Y}, after today "
            f"({today:%d/%m/%Y}): nothing in it can have happened yet; check --month or --from"
        )
    explicit = parse_date(as_of, "--as-of")
    if explicit is not None:
        if period and explicit < period[0]:
            raise InputError("--as-of: --as-of is before the start of the reporting period")
        return explicit, period
    if period:
        return min(period[1], today), period
    return today, None


def parse_fail_on(values: str | Iterable[str] | None) -> frozenset[str]:
    """``--fail-on overdue,rejected`` (or a list of words) as a set; ``none`` is empty."""
    if values is None:
        return frozenset()
    words = values.split(",") if isinstance(values, str) else list(values)
    out = set()
    for word in words:
        w = str(word).strip().casefold()
        if not w:
            continue
        if w not in FAIL_ON:
            raise InputError(f"--fail-on: '{word}' is not one of {', '.join(FAIL_ON)}")
        out.add(w)
    out.discard("none")
    return frozenset(out)


def failed(result: AuditResult, fail_on: Iterable[str]) -> bool:
    """Whether a ``--fail-on`` condition is met: any overdue, any finding, any rejected row."""
    fail_on = set(fail_on)
    statuses = set(result.findings["status"]) if len(result.findings) else set()
    return bool(
        ("overdue" in fail_on and "overdue" in statuses)
        or ("finding" in fail_on and statuses)
        or ("rejected" in fail_on and len(result.rejected))
    )


# ---------------------------------------------------------------------------
# Loading


def plan_type_aliases(fw: Framework) -> dict[str, str]:
    """Every accepted spelling of the framework's plan types → the plan type."""
    from visit_audit.plan_types import alias_table

    extra = {name: fw.aliases.get(name, ()) for name in fw.plan_types}
    return alias_table(extra)


def load_inputs(options: AuditOptions, step: Step = _no_step) -> Loaded:
    """Read both extracts into canonical frames, as ``options`` say.

    Both files are read at once (Arrow parses on threads of its own and numpy
    lets go of the GIL, so the second core is used); when both fail, the cases'
    error is the one told. Visits' ids that lost their leading zeros are spelled
    as the cases extract spells them.
    """
    if options.ssd is not None:
        return reconcile(_load_ssd(options, step))
    if options.cases is None or options.visits is None:
        raise InputError("give both extracts (cases and visits), or the SSD (ssd=DIR|URL)")
    from visit_audit.io.mapping import MappingFile, load_mapping

    # The reads start first: they need only the mapping file's headers, and
    # everything else (the framework, pandas) loads while Arrow parses. Errors
    # are still told in the order a user fixes them: the framework, the mapping
    # file, then the cases and the visits.
    mapping, mapping_error = None, None
    try:
        mapping = load_mapping(options.mapping) if options.mapping else None
    except InputError as exc:
        mapping_error = exc
    headers = mapping.headers if mapping else {"cases": {}, "visits": {}}
    step("reading cases and visits")
    with Background() as background:
        raws = {}
        if mapping_error is None:
            from visit_audit.io.raw import read_raw

            raws = {
                role: background.start(read_raw, path, role, sheet=sheet, columns=headers[role])
                for role, path, sheet in (
                    ("cases", options.cases, options.cases_sheet),
                    ("visits", options.visits, options.visits_sheet),
                )
            }
        from visit_audit.frameworks import load_framework

        fw = load_framework(options.framework)
        closed = _closed_days(options)
        if mapping_error is not None:
            raise mapping_error
        if mapping is not None:
            mapping.check_plan_types(fw.plan_types, fw.name)
        cases_x, visits_x = _load_both(options, fw, mapping or MappingFile(), raws)
    return reconcile(Loaded(fw, cases_x, visits_x, mapping, closed_days=closed))


def _load_ssd(options: AuditOptions, step: Step) -> Loaded:
    """The SSD's tables (visit_audit/io/sources/ssd.py) as the two canonical extracts."""
    from visit_audit.frameworks import load_framework
    from visit_audit.io.sources.ssd import load_ssd

    assert options.ssd is not None
    fw = load_framework(options.framework)
    step("reading the SSD")
    ssd = load_ssd(
        options.ssd, as_of=options.resolved_as_of(), plan_type_aliases=plan_type_aliases(fw)
    )
    return Loaded(
        fw,
        ssd.cases,
        ssd.visits,
        warnings=ssd.warnings,
        closed_days=_closed_days(options),
        inputs=ssd.inputs,
        source=ssd.source,
    )


def _closed_days(options: AuditOptions) -> tuple[dt.date, ...]:
    """The --closed-days file's days (none without one)."""
    if options.closed_days is None:
        return ()
    from visit_audit.io.closed_days import read_closed_days

    return read_closed_days(options.closed_days)


def _load_both(options, fw, mapping, raws) -> tuple[Extract, Extract]:
    """Both extracts loaded at once; when both fail, the cases' error is told."""
    cases_x, visits_x = side_by_side(
        lambda: _load_cases(options, fw, mapping, raws.get("cases")),
        lambda: _load_visits(options, mapping, raws.get("visits")),
    )
    return cases_x, visits_x


def _date_format(options: AuditOptions, mapping: MappingFile, role: str) -> str | None:
    """The file's own format from the command line, then both files', then the mapping file's."""
    own = options.cases_date_format if role == "cases" else options.visits_date_format
    return own or options.date_format or mapping.dates.get(role)


def _load_cases(options: AuditOptions, fw: Framework, mapping: MappingFile, raw=None) -> Extract:
    from visit_audit.io.load import load_cases

    assert options.cases is not None
    return load_cases(
        options.cases,
        sheet=options.cases_sheet,
        columns=mapping.headers["cases"],
        date_format=_date_format(options, mapping, "cases"),
        plan_type_aliases=plan_type_aliases(fw),
        plan_type_values=mapping.plan_types,
        raw=raw,
    )


def _load_visits(options: AuditOptions, mapping: MappingFile, raw=None) -> Extract:
    from visit_audit.io.load import load_visits

    assert options.visits is not None
    return load_visits(
        options.visits,
        sheet=options.visits_sheet,
        columns=mapping.headers["visits"],
        date_format=_date_format(options, mapping, "visits"),
        visit_type_values=mapping.visit_types,
        answer_values=mapping.answers,
        raw=raw,
    )


def under_framework(loaded: Loaded, options: AuditOptions, framework: str) -> Loaded:
    """``loaded`` as ``framework`` (a name or a FILE.toml) reads it: the same frames
    when it spells plan types as the loaded framework does; else the cases extract
    read again with its spellings (the visits do not depend on the framework), or,
    for the SSD, every table."""
    from visit_audit.frameworks import load_framework

    fw = load_framework(framework)
    if plan_type_aliases(fw) == plan_type_aliases(loaded.framework):
        return dataclasses.replace(loaded, framework=fw)
    if options.ssd is not None:
        return load_inputs(dataclasses.replace(options, framework=framework))
    from visit_audit.io.mapping import MappingFile

    mapping = loaded.mapping or MappingFile()
    mapping.check_plan_types(fw.plan_types, fw.name)
    cases = _load_cases(options, fw, mapping)
    return reconcile(dataclasses.replace(loaded, framework=fw, cases=cases))


def reconcile(loaded: Loaded) -> Loaded:
    """Ids that lost their leading zeros (README "Identifiers"): the engine
    matches ``1001`` to ``0001001``; two cases ids that only zeros tell apart stop the run."""
    from visit_audit.io.ids import check_distinct_ids

    cases = loaded.cases
    for column in ("child_id", "episode_id"):
        check_distinct_ids(cases.frame, column, cases.info.file)
    return loaded


# ---------------------------------------------------------------------------
# Auditing


def run_checks(loaded: Loaded, as_of: dt.date) -> list[str]:
    """The checks on the run as a whole: nothing to audit stops it; an empty
    visits file and a stale extract are warnings."""
    cases, visits = loaded.cases, loaded.visits
    if len(cases.frame) == 0:
        why = (
            "it has no data rows"
            if cases.info.rows == 0
            else f"every one of its {cases.info.rows} rows was rejected "
            f"(first: row {int(cases.rejected['row'].iloc[0])}, {cases.rejected['reason'].iloc[0]})"
        )
        raise InputError(f"nothing to audit: {cases.info.file}: {why}")
    if visits.info.rows and len(visits.frame) == 0:
        raise InputError(
            f"nothing to audit: {visits.info.file}: every one of its {visits.info.rows} rows was "
            f"rejected (first: row {int(visits.rejected['row'].iloc[0])}, "
            f"{visits.rejected['reason'].iloc[0]})"
        )
    warnings = []
    if visits.info.rows == 0:
        warnings.append(
            f"{visits.info.file}: the visits extract has a header and no rows: "
            "every deadline is unmet"
        )
    else:
        dates = visits.frame["visit_date"]
        on_or_before = dates[dates <= dt.datetime.combine(as_of, dt.time())]
        if len(on_or_before):
            last = on_or_before.max().date()
            gap = (as_of - last).days
            if gap > STALE_DAYS:
                warnings.append(
                    f"the visits extract ends on {last:%d/%m/%Y}, {gap} days before the audit "
                    "date: deadlines after that day may show as overdue only because the "
                    f"extract is old (use --as-of {last:%d/%m/%Y}?)"
                )
    return warnings


def audit_loaded(
    loaded: Loaded,
    *,
    as_of: dt.date,
    period: tuple[dt.date, dt.date] | None = None,
    region: str = "england",
    key: bytes | None = None,
    step: Step = _no_step,
) -> AuditResult:
    """Audit extracts already loaded: the run's checks, the engine, the views."""
    import pandas as pd

    from visit_audit.audit import run_audit

    checks = run_checks(loaded, as_of)
    step("auditing")
    cases, visits = loaded.cases, loaded.visits
    calendar = loaded.calendar(region)
    result = run_audit(
        cases.frame,
        visits.frame,
        loaded.framework,
        as_of=as_of,
        region=region,
        period=period,
        inputs=loaded.inputs or [cases.info, visits.info],
        rejected=pd.concat([cases.rejected, visits.rejected], ignore_index=True),
        warnings=[*cases.warnings, *visits.warnings, *loaded.warnings, *checks],
        calendar=calendar,
    )
    result.closed_days = calendar.closed
    result.unrecognised = merge_unrecognised([cases.unrecognised, visits.unrecognised])
    result.source = loaded.source
    if key is not None:
        from visit_audit.privacy import pseudonymise_result

        result = pseudonymise_result(result, key)
    return result


def merge_unrecognised(parts: Sequence[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    """Unrecognised values of several extracts, per field, most common first."""
    out: dict[str, dict[str, int]] = {}
    for part in parts:
        for name, counts in part.items():
            mine = out.setdefault(name, {})
            for value, n in counts.items():
                mine[value] = mine.get(value, 0) + n
    return {
        name: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        for name, counts in out.items()
    }


def audit(options: AuditOptions, step: Step = _no_step) -> AuditResult:
    """One whole audit run: read both extracts, check them, audit, pseudonymise if
    asked, and record it in the history if one is given.

    With ``options.compare`` the same extracts are audited under that framework
    too, and the result carries its summary (``result.compare``)."""
    if options.history is not None:
        from visit_audit.history import require_period

        require_period(options.period)
    if options.compare:
        from visit_audit.compare import audit_compared

        result = audit_compared(options, step)
    else:
        result = audit_loaded(
            load_inputs(options, step),
            as_of=options.resolved_as_of(),
            period=options.period,
            region=options.region,
            key=options.key,
            step=step,
        )
    if options.history is not None:
        step("recording the run in the history")
        record_history(result, options.history, key=options.key)
    return result


def record_history(result: AuditResult, path: Path, *, key: bytes | None = None) -> None:
    """Record ``result`` (already pseudonymised when ``key`` is given) in the
    history file and fill its ``changes`` and ``trend`` from it."""
    from visit_audit.history import record

    recorded = record(path, result, key=key)
    result.changes = recorded.changes
    result.trend = recorded.trend


def audit_files(
    cases: str | Path,
    visits: str | Path,
    *,
    framework: str = DEFAULT_FRAMEWORK,
    as_of: str | dt.date | None = None,
    month: str | None = None,
    date_from: str | dt.date | None = None,
    date_to: str | dt.date | None = None,
    region: str = "england",
    mapping: str | Path | None = None,
    history: str | Path | None = None,
    **reading: str | None,
) -> AuditResult:
    """Audit two extract files, as ``visit-audit audit`` does, and return the result.

    ``framework``: a built-in name or a TOML file; ``as_of``, ``month``,
    ``date_from``/``date_to`` as the command's options (dates as ``date``,
    ISO or UK text); ``reading``: ``cases_sheet``, ``visits_sheet``,
    ``date_format``, ``cases_date_format``, ``visits_date_format``; also
    ``closed_days`` (a file of local non-working days), ``compare`` (a second
    framework, whose summary lands in ``result.compare``) and ``history`` (a
    history file to record the run in, with a period, which fills
    ``result.changes`` and ``result.trend``).
    The result's frames (``findings``, ``upcoming``, ``quality``,
    ``rejected``, ``deadlines``) are pandas DataFrames.
    """
    if region not in REGIONS:
        raise InputError(f"region '{region}' is not one of {', '.join(REGIONS)}")
    as_of_date, period = resolve_period(as_of, month, date_from, date_to)
    options = AuditOptions(
        cases=Path(cases),
        visits=Path(visits),
        framework=framework,
        as_of=as_of_date,
        period=period,
        region=region,
        mapping=Path(mapping) if mapping else None,
        history=Path(history) if history else None,
        **reading,  # type: ignore[arg-type]
    )
    return audit(options)


def write_outputs(
    result: AuditResult,
    *,
    report: Path | None = None,
    json_out: str | Path | None = None,
    thresholds: tuple[float, float] = (95.0, 80.0),
    step: Step = _no_step,
    csv_dir: Path | None = None,
    split_by: str | None = None,
    report_dir: Path | None = None,
) -> dict[str, AuditResult] | None:
    """Write the Excel report, the JSON result, the CSV files and one workbook per
    team or worker (``split_by`` into ``report_dir``), each atomically, mode 0600.
    Returns the parts of the split (by team or worker name), if any."""
    if report is not None:
        step("writing the Excel report")
        from visit_audit.report.excel import write_report

        write_report(result, report, thresholds=thresholds)
    if csv_dir is not None:
        step("writing CSV")
        from visit_audit.report.csv import write_csv

        write_csv(result, csv_dir)
    parts = None
    if split_by is not None and report_dir is not None:
        step(f"writing one workbook per {split_by}")
        from visit_audit.report.excel import write_report as write_part
        from visit_audit.views.split import file_names, split_result

        Path(report_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
        parts = split_result(result, split_by)
        for name, file_name in file_names(list(parts)).items():
            write_part(parts[name], Path(report_dir) / file_name, thresholds=thresholds)
    if json_out is not None:
        step("writing JSON")
        from visit_audit.report.json import write_json

        write_json(result, json_out)
    return parts


def check_targets(
    targets: Iterable[Path | str | None], inputs: Iterable[Path | str | None]
) -> None:
    """Refuse an output path that would overwrite an input, before anything is read."""
    from visit_audit.report.atomic import refuse_overwrite_inputs

    given = [Path(p) for p in inputs if p is not None]
    for target in targets:
        if target is not None and str(target) != "-":
            refuse_overwrite_inputs(Path(target), given)


def explain(
    loaded: Loaded, child: str, *, as_of: dt.date, region: str = "england"
) -> tuple[AuditResult, pd.DataFrame, pd.DataFrame]:
    """One child's audit (``visit-audit explain``): the result and the child's
    cases and visits, as :func:`child_frames` finds them."""
    from visit_audit.audit import run_audit

    mine, theirs = child_frames(loaded, child)
    result = run_audit(
        mine, theirs, loaded.framework, as_of=as_of, region=region, calendar=loaded.calendar(region)
    )
    return result, mine, theirs


def child_frames(loaded: Loaded, child: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases and visits rows of one child, the id given in either spelling
    (with or without leading zeros); an unknown id names the closest ones."""
    from visit_audit.identifiers import id_key
    from visit_audit.io.ids import closest_ids

    cases, visits = loaded.cases.frame, loaded.visits.frame
    wanted = id_key(child)
    ids = cases["child_id"].dropna().unique().tolist()
    if not any(id_key(i) == wanted for i in ids):
        near = closest_ids(child, ids)
        hint = f"; the closest are {', '.join(near)}" if near else ""
        raise InputError(f"{loaded.cases.info.file}: no episode for child '{child.strip()}'{hint}")
    mine = cases.loc[cases["child_id"].map(id_key) == wanted].reset_index(drop=True)
    theirs = visits.loc[visits["child_id"].map(id_key) == wanted].reset_index(drop=True)
    return mine, theirs
