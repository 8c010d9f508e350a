"""The command line: parse options, call load → audit → render/write, map errors to exit codes.

No audit logic lives here. Exit codes: 0 ran; 1 the --fail-on condition met;
2 usage error or unreadable input (one sentence on stderr, no traceback unless --debug).
"""

from __future__ import annotations

import calendar as _calendar
import contextlib
import datetime as dt
import os
import re
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import typer

from visit_audit import __version__
from visit_audit.errors import InputError, VisitAuditError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Audit statutory visits to children against a local authority's visiting framework.",
)
frameworks_app = typer.Typer(
    help="List the built-in frameworks, or show one's rules.", invoke_without_command=True
)
app.add_typer(frameworks_app, name="frameworks")


class Region(StrEnum):
    england = "england"
    wales = "wales"
    scotland = "scotland"
    northern_ireland = "northern-ireland"


class FailOn(StrEnum):
    none = "none"
    overdue = "overdue"
    finding = "finding"


def _err(message: str) -> None:
    """One line on stderr: red on a terminal, plain otherwise."""
    colour = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    text = f"visit-audit: {message}"
    print(f"\x1b[31m{text}\x1b[0m" if colour else text, file=sys.stderr)


@contextlib.contextmanager
def _errors(debug: bool = False):
    """Turn the tool's own errors (and any unexpected one) into one line and exit 2."""
    try:
        yield
    except typer.Exit:
        raise
    except BrokenPipeError:
        # The reader of standard output went away (`--json - | head`): say so, once.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _err("standard output was closed before everything was written to it")
        raise typer.Exit(2) from None
    except Exception as e:
        if _is_usage_error(e):
            raise
        _unexpected(e, debug)
    except KeyboardInterrupt:
        _err("interrupted")
        raise typer.Exit(130) from None


def _is_usage_error(e: BaseException) -> bool:
    """Typer's (vendored click) usage errors: they carry exit code 2 and a message."""
    return getattr(e, "exit_code", None) == 2 and hasattr(e, "format_message")


def _unexpected(e: Exception, debug: bool) -> None:
    """Our own errors in one sentence; anything else without a traceback unless --debug."""
    if debug:
        traceback.print_exc()
    if isinstance(e, VisitAuditError):
        _err(str(e))
    else:
        _err(f"unexpected error ({type(e).__name__}); run again with --debug for details")
    raise typer.Exit(2) from None


def _date(value: str | None, option: str) -> dt.date | None:
    """A command-line date: ISO 2026-10-31 or UK 31/10/2026."""
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            pass
    raise typer.BadParameter(
        f"'{value}' is not a date (use 2026-10-31 or 31/10/2026)", param_hint=option
    )


def parse_thresholds(value: str) -> tuple[float, float]:
    """--thresholds GREEN,AMBER: two percentages 0-100 with GREEN >= AMBER."""
    parts = [p.strip() for p in value.split(",")]
    try:
        green, amber = (float(p) for p in parts)
    except ValueError:
        green = amber = float("nan")
    if not (0 <= amber <= green <= 100):  # also false for NaN
        raise typer.BadParameter(
            f"'{value}' is not GREEN,AMBER: two percentages from 0 to 100, GREEN at least AMBER",
            param_hint="--thresholds",
        )
    return green, amber


def resolve_period(
    as_of: str | None,
    month: str | None,
    date_from: str | None,
    date_to: str | None,
    today: dt.date | None = None,
) -> tuple[dt.date, tuple[dt.date, dt.date] | None]:
    """as_of and the reporting period from the options (contract.md: Command line)."""
    today = today or dt.date.today()
    period = None
    if month and (date_from or date_to):
        raise typer.BadParameter(
            "give either --month or --from/--to, not both", param_hint="--month"
        )
    if month:
        m = re.fullmatch(r"(\d{4})-(\d{2})", month.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise typer.BadParameter(
                f"'{month}' is not a month (use YYYY-MM)", param_hint="--month"
            )
        y, mo = int(m.group(1)), int(m.group(2))
        period = (dt.date(y, mo, 1), dt.date(y, mo, _calendar.monthrange(y, mo)[1]))
    elif date_from or date_to:
        if not (date_from and date_to):
            raise typer.BadParameter("--from and --to go together", param_hint="--from/--to")
        lo, hi = _date(date_from, "--from"), _date(date_to, "--to")
        if hi < lo:
            raise typer.BadParameter("--to is before --from", param_hint="--to")
        period = (lo, hi)
    explicit = _date(as_of, "--as-of")
    if explicit is not None:
        if period and explicit < period[0]:
            raise typer.BadParameter(
                "--as-of is before the start of the reporting period", param_hint="--as-of"
            )
        return explicit, period
    if period:
        return min(period[1], today), period
    return today, None


@app.command()
def audit(
    cases: Path = typer.Argument(..., help="Cases extract (.csv or .xlsx): one row per episode."),
    visits: Path = typer.Argument(
        ..., help="Visits extract (.csv or .xlsx): one row per visit or contact."
    ),
    framework: str = typer.Option(
        "measures-of-practice", help="Built-in framework name or a FILE.toml."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Audit date (default: today, or the period's last day)."
    ),
    month: str | None = typer.Option(None, "--month", help="Reporting period: a month, YYYY-MM."),
    date_from: str | None = typer.Option(None, "--from", help="Reporting period start."),
    date_to: str | None = typer.Option(None, "--to", help="Reporting period end."),
    region: Region = typer.Option(Region.england, help="Bank holidays of this UK region."),
    report: Path | None = typer.Option(
        None, "--report", help="Write the Excel report to FILE.xlsx."
    ),
    json_out: str | None = typer.Option(
        None, "--json", help="Write the JSON result to FILE, or - for stdout."
    ),
    fail_on: FailOn = typer.Option(
        FailOn.none, "--fail-on", help="Exit 1 when any overdue / any finding exists."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No terminal summary."),
    thresholds: str = typer.Option(
        "95,80",
        "--thresholds",
        help="GREEN,AMBER: % on time at or above GREEN is green, at or above AMBER amber, else red.",
    ),
    columns: Path | None = typer.Option(
        None, "--columns", help="TOML file mapping other headers to fields."
    ),
    cases_sheet: str | None = typer.Option(
        None, "--cases-sheet", help="Sheet of the cases workbook."
    ),
    visits_sheet: str | None = typer.Option(
        None, "--visits-sheet", help="Sheet of the visits workbook."
    ),
    date_format: str | None = typer.Option(
        None, "--date-format", help="Force one date format, e.g. %d/%m/%Y."
    ),
    pseudonymise: bool = typer.Option(
        False,
        "--pseudonymise",
        help="Replace child, worker and episode ids by keyed hashes (key: $VISIT_AUDIT_KEY).",
    ),
    key_file: Path | None = typer.Option(
        None, "--key-file", help="Read the --pseudonymise key from FILE (implies --pseudonymise)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error."),
) -> None:
    """Audit every deadline of every child's history and report late, missed and overdue visits."""
    as_of_date, period = resolve_period(as_of, month, date_from, date_to)
    grades = parse_thresholds(thresholds)
    with _errors(debug), _background(workers=2) as reading:
        if report is not None and report.suffix.lower() != ".xlsx":
            raise typer.BadParameter("the report must be an .xlsx file", param_hint="--report")
        # Both extracts are read from here on, in the background (Arrow parses a CSV
        # file on threads of its own, without the GIL), while pandas is imported and
        # the framework loaded. Reading needs the column map, so it is loaded first.
        # Errors are still told in the old order: the checks below, then the column
        # map's, then the files' (the cases' before the visits').
        from visit_audit.io.fields import load_column_map

        mapping, mapping_error = {}, None
        try:
            if columns:
                mapping = load_column_map(columns)
        except Exception as exc:  # raised below, in its place
            mapping_error = exc
        sheets = (cases_sheet, visits_sheet)
        raws = None if mapping_error else _read_ahead(reading, cases, visits, mapping, sheets)

        from visit_audit.audit import run_audit
        from visit_audit.frameworks import load_framework
        from visit_audit.report.terminal import make_console, progress, render_summary

        targets = [Path(t) for t in (report, None if json_out in (None, "-") else json_out) if t]
        if targets:
            from visit_audit.report.atomic import refuse_overwrite_inputs

            for target in targets:
                refuse_overwrite_inputs(target, [cases, visits] + ([columns] if columns else []))
        from visit_audit.privacy import load_key, pseudonymise_result

        key = load_key(key_file=key_file) if pseudonymise or key_file else None
        fw = load_framework(framework)
        if mapping_error is not None:
            raise mapping_error
        err_console = make_console(stderr=True)
        with progress(err_console) as step:
            step("reading cases and visits")
            case_x, visit_x = _load_both(cases, visits, fw, mapping, sheets, date_format, raws=raws)
            step("auditing")
            import pandas as pd

            result = run_audit(
                case_x.frame,
                visit_x.frame,
                fw,
                as_of=as_of_date,
                region=region.value,
                period=period,
                inputs=[case_x.info, visit_x.info],
                rejected=pd.concat([case_x.rejected, visit_x.rejected], ignore_index=True),
                warnings=case_x.warnings + visit_x.warnings,
            )
            if key is not None:
                result = pseudonymise_result(result, key)
            if report is not None:
                step("writing the Excel report")
                from visit_audit.report.excel import write_report

                write_report(result, report, thresholds=grades)
            if json_out is not None:
                step("writing JSON")
                from visit_audit.report.json import write_json

                write_json(result, json_out)
        if not quiet and json_out != "-":
            render_summary(result, make_console(), thresholds=grades)
            if report is not None:
                make_console().print(f"Excel report written to {report}")
    statuses = set(result.findings["status"]) if len(result.findings) else set()
    if fail_on is FailOn.overdue and "overdue" in statuses:
        raise typer.Exit(1)
    if fail_on is FailOn.finding and statuses:
        raise typer.Exit(1)


@contextlib.contextmanager
def _background(workers: int):
    """A thread pool that is not waited for on the way out: when the command
    stops on an error, what its threads are still reading is not needed."""
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _read_ahead(pool, cases, visits, mapping, sheets):
    """Start reading both extracts in ``pool``: Futures of their raw tables, each
    holding the read's error, if any, until a loader takes it."""
    from visit_audit.io.raw import read_raw

    return tuple(
        pool.submit(read_raw, path, role, sheet=sheet, columns=mapping.get(role))
        for path, role, sheet in ((cases, "cases", sheets[0]), (visits, "visits", sheets[1]))
    )


def _load_both(cases, visits, fw, mapping, sheets, date_format, raws=None):
    """Load the two extracts at once (Arrow and numpy let go of the GIL while they
    work, so the second core is used); the cases' error, if any, is the one told.

    ``raws``: the two extracts as :func:`_read_ahead` started reading them, else
    each loader reads its file itself."""
    from visit_audit.io import load_cases, load_visits

    case_raw, visit_raw = raws or (None, None)
    with ThreadPoolExecutor(max_workers=1) as pool:
        case_job = pool.submit(
            load_cases,
            cases,
            sheet=sheets[0],
            columns=mapping.get("cases"),
            date_format=date_format,
            plan_type_aliases=_aliases(fw),
            raw=case_raw,
        )
        try:
            visit_x = load_visits(
                visits,
                sheet=sheets[1],
                columns=mapping.get("visits"),
                date_format=date_format,
                raw=visit_raw,
            )
            visit_error = None
        except Exception as exc:  # reported after the cases' own error, if any
            visit_x, visit_error = None, exc
        case_x = case_job.result()
    if visit_error is not None:
        raise visit_error
    return case_x, visit_x


def _aliases(fw):
    from visit_audit.plan_types import alias_table

    extra = {name: fw.aliases.get(name, ()) for name in fw.plan_types}
    return alias_table(extra)


@app.command()
def explain(
    cases: Path = typer.Argument(..., help="Cases extract (.csv or .xlsx)."),
    visits: Path = typer.Argument(..., help="Visits extract (.csv or .xlsx)."),
    child: str = typer.Option(..., "--child", help="The child's id as it appears in the extracts."),
    framework: str = typer.Option(
        "measures-of-practice", help="Built-in framework name or a FILE.toml."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Audit date (default: today)."),
    region: Region = typer.Option(Region.england, help="Bank holidays of this UK region."),
    columns: Path | None = typer.Option(
        None, "--columns", help="TOML file mapping other headers to fields."
    ),
    cases_sheet: str | None = typer.Option(None, "--cases-sheet"),
    visits_sheet: str | None = typer.Option(None, "--visits-sheet"),
    date_format: str | None = typer.Option(None, "--date-format"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """The whole deadline chain of one child, episode by episode: why a visit is flagged."""
    with _errors(debug):
        from visit_audit.audit import run_audit
        from visit_audit.frameworks import load_framework
        from visit_audit.io import load_column_map
        from visit_audit.report.terminal import make_console, render_explain

        as_of_date, _ = resolve_period(as_of, None, None, None)
        fw = load_framework(framework)
        mapping = load_column_map(columns) if columns else {}
        case_x, visit_x = _load_both(
            cases, visits, fw, mapping, (cases_sheet, visits_sheet), date_format
        )
        child_id = child.strip()
        mine = case_x.frame.loc[case_x.frame["child_id"] == child_id]
        if mine.empty:
            raise InputError(f"{case_x.info.file}: no episode for child '{child_id}'")
        result = run_audit(
            mine.reset_index(drop=True),
            visit_x.frame.loc[visit_x.frame["child_id"] == child_id].reset_index(drop=True),
            fw,
            as_of=as_of_date,
            region=region.value,
        )
        render_explain(
            result,
            mine,
            visit_x.frame.loc[visit_x.frame["child_id"] == child_id],
            fw,
            make_console(),
        )


@frameworks_app.callback()
def frameworks(ctx: typer.Context) -> None:
    """List the built-in frameworks."""
    if ctx.invoked_subcommand is not None:
        return
    with _errors():
        from visit_audit.frameworks import builtin_names, load_framework

        for name in builtin_names():
            fw = load_framework(name)
            print(f"{name:<22} {fw.title} ({len(fw.plan_types)} plan types)")
        print("\nShow one's rules: visit-audit frameworks show NAME (or FILE.toml)")


@frameworks_app.command("show")
def frameworks_show(
    name: str = typer.Argument(..., help="Built-in framework name or a FILE.toml."),
) -> None:
    """Print each plan type's rules as a table."""
    with _errors():
        from visit_audit.frameworks import load_framework
        from visit_audit.report.terminal import make_console, render_framework

        render_framework(load_framework(name), make_console())


@app.command()
def sample(
    out_dir: Path = typer.Argument(..., help="Folder to write cases.csv and visits.csv into."),
    children: int = typer.Option(200, "--children", min=1, help="How many children."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same files."),
    framework: str = typer.Option(
        "measures-of-practice", help="Framework whose plan types to generate."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="No record after this date (default 2026-10-31)."
    ),
) -> None:
    """Write realistic synthetic extracts (no real child's data) for demos, tests and benchmarks."""
    with _errors():
        from visit_audit.frameworks import load_framework
        from visit_audit.sample import write_sample

        fw = load_framework(framework)
        kwargs = {"as_of": _date(as_of, "--as-of")} if as_of else {}
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = write_sample(
            out_dir, children=children, seed=seed, plan_types=list(fw.plan_types), **kwargs
        )
        for p in paths:
            print(f"wrote {p}")


def _version(value: bool) -> None:
    if value:
        print(f"visit-audit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Audit statutory visits to children against a visiting framework."""


def main() -> None:
    """Console entry point: usage errors become one sentence and exit 2."""
    from visit_audit.memory import keep_freed_memory

    keep_freed_memory()
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        _err("aborted")
        sys.exit(130)
    except Exception as e:
        if not _is_usage_error(e):
            raise
        ctx = getattr(e, "ctx", None)
        path = ctx.command_path if ctx is not None else "visit-audit"
        _err(f"{e.format_message()} (see '{path} --help')")
        _leave(2)
    _leave(code if isinstance(code, int) else 0)


def _leave(code: int) -> NoReturn:
    """Exit at once with ``code``. Every output file is written, closed and in
    place by now, and the terminal streams are flushed here; tearing down the
    interpreter (freeing the millions of objects of a large audit) would only
    add a few tenths of a second to every run."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head) or a closed stream
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
