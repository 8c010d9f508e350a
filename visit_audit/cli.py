"""The command line: parse options, call load → audit → render/write, map errors to exit codes.

No audit logic lives here. Exit codes: 0 ran; 1 the --fail-on condition met;
2 usage error or unreadable input (one sentence on stderr, no traceback unless --debug).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, Protocol, TypeGuard

import typer

from visit_audit import __version__
from visit_audit.errors import InputError, VisitAuditError
from visit_audit.views.labels import THRESHOLDS

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


class SampleFormat(StrEnum):
    csv = "csv"
    ssd = "ssd"
    annex_a = "annex-a"


class Region(StrEnum):
    england = "england"
    wales = "wales"
    scotland = "scotland"
    northern_ireland = "northern-ireland"


# Options several commands take, declared once (typer reads them from the annotations).
FrameworkOpt = Annotated[str, typer.Option(help="Built-in framework name or a FILE.toml.")]
RegionOpt = Annotated[Region, typer.Option(help="Bank holidays of this UK region.")]
ReportOpt = Annotated[
    Path | None, typer.Option("--report", help="Write the Excel report to FILE.xlsx.")
]
JsonOpt = Annotated[
    str | None, typer.Option("--json", help="Write the JSON result to FILE, or - for stdout.")
]
FailOnOpt = Annotated[
    str,
    typer.Option(
        "--fail-on",
        help="Exit 1 when any exists: a comma list of overdue, finding, rejected (or none).",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet/--no-quiet",
        "-q",
        help="No terminal summary (warnings still go to stderr); --no-quiet overrides a config.",
    ),
]
PseudonymiseOpt = Annotated[
    bool,
    typer.Option(
        "--pseudonymise",
        help="Replace child, worker and episode ids by keyed hashes (key: $VISIT_AUDIT_KEY).",
    ),
]
KeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--key-file", help="Read the --pseudonymise key from FILE (implies --pseudonymise)."
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")]
DEFAULT_FRAMEWORK = "measures-of-practice"


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


class _UsageError(Protocol):
    exit_code: int

    def format_message(self) -> str: ...


def _is_usage_error(e: BaseException) -> TypeGuard[_UsageError]:
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
    from visit_audit.pipeline import parse_date

    try:
        return parse_date(value, option)
    except InputError:
        raise typer.BadParameter(
            f"'{value}' is not a date (use 2026-10-31 or 31/10/2026)", param_hint=option
        ) from None


def parse_thresholds(value: str) -> tuple[float, float]:
    """--thresholds GREEN,AMBER: two percentages 0-100 with GREEN >= AMBER."""
    from visit_audit.views import labels

    try:
        return labels.parse_thresholds(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--thresholds") from None


def _read_config(ctx: typer.Context, param, value: Path | None) -> Path | None:
    """--config FILE.toml (or $VISIT_AUDIT_CONFIG): the file's values become the
    defaults of the other options, so that one given on the command line wins."""
    if value is None:
        return None
    from visit_audit.config import load_config

    try:
        config = load_config(value)
    except VisitAuditError as e:
        raise typer.BadParameter(str(e), param_hint="--config") from None
    names = {p.name for p in ctx.command.params}
    ctx.default_map = {
        **(ctx.default_map or {}),
        **{k: v for k, v in config.defaults.items() if k in names},
    }
    ctx.meta["visit_audit.config"] = config
    return value


@app.command()
def audit(
    ctx: typer.Context,
    cases: Path | None = typer.Argument(
        None, help="Cases extract (.csv or .xlsx): one row per episode (or cases in --config)."
    ),
    visits: Path | None = typer.Argument(
        None, help="Visits extract (.csv or .xlsx): one row per visit or contact."
    ),
    ssd: str | None = typer.Option(
        None,
        "--ssd",
        help="Read the Standard Safeguarding Dataset instead: a folder of ssd_<table>.csv/.xlsx "
        "or a database URL (sqlite:///ssd.db, mssql+pyodbc://…, postgresql+psycopg://…).",
    ),
    framework: FrameworkOpt = DEFAULT_FRAMEWORK,
    as_of: str | None = typer.Option(
        None, "--as-of", help="Audit date (default: today, or the period's last day)."
    ),
    month: str | None = typer.Option(
        None, "--month", help="Reporting period: a month, YYYY-MM, previous or current."
    ),
    date_from: str | None = typer.Option(None, "--from", help="Reporting period start."),
    date_to: str | None = typer.Option(None, "--to", help="Reporting period end."),
    region: RegionOpt = Region.england,
    report: ReportOpt = None,
    json_out: JsonOpt = None,
    fail_on: FailOnOpt = "none",
    quiet: QuietOpt = False,
    thresholds: str = typer.Option(
        "95,80",
        "--thresholds",
        help="GREEN,AMBER: % on time at or above GREEN is green, at or above AMBER amber, else red.",
    ),
    mapping: Path | None = typer.Option(
        None,
        "--mapping",
        "--columns",
        help="Mapping FILE.toml: other headers, values and date formats of your case system.",
    ),
    cases_sheet: str | None = typer.Option(
        None, "--cases-sheet", help="Sheet of the cases workbook."
    ),
    visits_sheet: str | None = typer.Option(
        None, "--visits-sheet", help="Sheet of the visits workbook."
    ),
    date_format: str | None = typer.Option(
        None, "--date-format", help="Force one date format in both files, e.g. %d/%m/%Y."
    ),
    cases_date_format: str | None = typer.Option(
        None, "--cases-date-format", help="Force the cases extract's date format."
    ),
    visits_date_format: str | None = typer.Option(
        None, "--visits-date-format", help="Force the visits extract's date format."
    ),
    pseudonymise: PseudonymiseOpt = False,
    key_file: KeyFileOpt = None,
    closed_days: Path | None = typer.Option(
        None,
        "--closed-days",
        help="FILE of local non-working days, one date a line: skipped as bank holidays are.",
    ),
    compare: str | None = typer.Option(
        None, "--compare", help="Audit under this framework too (NAME or FILE.toml), side by side."
    ),
    history: Path | None = typer.Option(
        None,
        "--history",
        help="Record the run in FILE.sqlite and report the changes since the previous period "
        "(needs --month or --from/--to).",
    ),
    csv_dir: Path | None = typer.Option(
        None, "--csv", help="Write the findings and summaries as CSV files into DIR."
    ),
    split_by: str | None = typer.Option(
        None, "--split-by", help="One workbook per team or worker (team|worker) in --report-dir."
    ),
    report_dir: Path | None = typer.Option(
        None, "--report-dir", help="Folder of the workbooks of --split-by (default: by team)."
    ),
    email: bool = typer.Option(
        False, "--email", help="E-mail each team its workbook, as the config's [email] says."
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="E-mail nothing (implies --email): write each message to --outbox, or list them.",
    ),
    outbox: Path | None = typer.Option(
        None, "--outbox", help="With --dry-run: write each message as a .eml file into DIR."
    ),
    config_file: Path | None = typer.Option(
        None,
        "--config",
        envvar="VISIT_AUDIT_CONFIG",
        is_eager=True,
        callback=_read_config,
        help="Read the options from FILE.toml (the command line wins).",
    ),
    debug: DebugOpt = False,
) -> None:
    """Audit every deadline of every child's history and report late, missed and overdue visits."""
    from visit_audit import pipeline

    cases, visits, ssd = _command_line_source(ctx, cases, visits, ssd)
    _sources(cases, visits, ssd)
    if ssd is not None:
        extract_only = {
            "--mapping": mapping,
            "--cases-sheet": cases_sheet,
            "--visits-sheet": visits_sheet,
            "--date-format": date_format,
            "--cases-date-format": cases_date_format,
            "--visits-date-format": visits_date_format,
        }
        given = [name for name, value in extract_only.items() if value is not None]
        if given:
            raise typer.BadParameter(
                f"{given[0]} reads the two extracts; the SSD's tables are read as the SSD "
                "spells them",
                param_hint="--ssd",
            )
    with _errors(debug):
        as_of_date, period = pipeline.resolve_period(as_of, month, date_from, date_to)
        fail = pipeline.parse_fail_on(fail_on)
        grades = parse_thresholds(thresholds)
        from visit_audit.delivery import Delivery

        plan = Delivery.of(ctx, as_of_date, period, framework, email, dry_run)
        report, json_out, csv_dir, report_dir, outbox = plan.outputs(
            report=report, json_out=json_out, csv_dir=csv_dir, report_dir=report_dir, outbox=outbox
        )
        split_by = plan.check_split(split_by, report_dir)
        _check_report_name(report)
        ssd_files = []
        if ssd is not None:
            from visit_audit.io.sources.tables import folder_files

            ssd_files = folder_files(ssd)
        csv_files = [csv_dir / name for name in _csv_files()] if csv_dir is not None else []
        pipeline.check_targets(
            [report, json_out, history, *csv_files],
            [cases, visits, mapping, closed_days, *ssd_files],
        )
        key = _key(pseudonymise, key_file)
        options = pipeline.AuditOptions(
            cases=cases,
            visits=visits,
            framework=framework,
            as_of=as_of_date,
            period=period,
            region=region.value,
            mapping=mapping,
            cases_sheet=cases_sheet,
            visits_sheet=visits_sheet,
            date_format=date_format,
            cases_date_format=cases_date_format,
            visits_date_format=visits_date_format,
            key=key,
            closed_days=closed_days,
            compare=compare,
            history=history,
            ssd=ssd,
        )
        with _progress() as step:
            result = pipeline.audit(options, step)
            parts = pipeline.write_outputs(
                result,
                report=report,
                json_out=json_out,
                thresholds=grades,
                step=step,
                csv_dir=csv_dir,
                split_by=split_by,
                report_dir=report_dir,
            )
            undelivered = plan.send(
                result, grades, report=report, outbox=outbox, step=step, tell=_tell, parts=parts
            )
        _show(result, quiet or json_out == "-", report, grades)
    if pipeline.failed(result, fail):
        raise typer.Exit(1)
    if undelivered:
        raise typer.Exit(3)


def _csv_files() -> tuple[str, ...]:
    from visit_audit.report.csv import FILES

    return FILES


def _command_line_source(
    ctx: typer.Context, cases: Path | None, visits: Path | None, ssd: str | None
) -> tuple[Path | None, Path | None, str | None]:
    """The extracts or the SSD given on the command line win over the other kind
    named in a --config file."""

    def from_file(name: str) -> bool:
        return getattr(ctx.get_parameter_source(name), "name", "") == "DEFAULT_MAP"

    if ssd is not None and not from_file("ssd") and from_file("cases") and from_file("visits"):
        return None, None, ssd
    if cases is not None and visits is not None and not from_file("cases") and from_file("ssd"):
        return cases, visits, None
    return cases, visits, ssd


def _sources(cases: Path | None, visits: Path | None, ssd: str | None) -> None:
    """Either the two extracts or --ssd, never both and never neither."""
    if ssd is not None and (cases is not None or visits is not None):
        raise typer.BadParameter("give CASES VISITS or --ssd, not both", param_hint="--ssd")
    if ssd is None and (cases is None or visits is None):
        raise typer.BadParameter(
            "give both extracts (CASES VISITS), --ssd DIR|URL, or a --config file naming them",
            param_hint="CASES VISITS",
        )


@app.command("annex-a")
def annex_a(
    workbook: Path = typer.Argument(..., help="The Ofsted Annex A workbook (.xlsx): lists 6-9."),
    framework: FrameworkOpt = DEFAULT_FRAMEWORK,
    as_of: str | None = typer.Option(None, "--as-of", help="Audit date (default: today)."),
    region: RegionOpt = Region.england,
    report: ReportOpt = None,
    json_out: JsonOpt = None,
    fail_on: FailOnOpt = "none",
    quiet: QuietOpt = False,
    pseudonymise: PseudonymiseOpt = False,
    key_file: KeyFileOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Snapshot audit of an Annex A workbook: is each open child's next visit overdue?"""
    from visit_audit import pipeline

    with _errors(debug):
        as_of_date, _ = pipeline.resolve_period(as_of, None, None, None)
        fail = pipeline.parse_fail_on(fail_on)
        _check_report_name(report)
        pipeline.check_targets([report, json_out], [workbook])
        from visit_audit.snapshot import audit_annex_a

        key = _key(pseudonymise, key_file)
        with _progress() as step:
            step("auditing the Annex A lists")
            result = audit_annex_a(
                workbook, framework=framework, as_of=as_of_date, region=region.value, key=key
            )
            pipeline.write_outputs(result, report=report, json_out=json_out, step=step)
        _show(result, quiet or json_out == "-", report)
    if pipeline.failed(result, fail):
        raise typer.Exit(1)


def _check_report_name(report: Path | None) -> None:
    if report is not None and report.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the report must be an .xlsx file", param_hint="--report")


def _key(pseudonymise: bool, key_file: Path | None) -> bytes | None:
    """The --pseudonymise key (``--key-file`` implies it), or None."""
    from visit_audit.keys import load_key

    return load_key(key_file=key_file) if pseudonymise or key_file else None


def _show(
    result, quiet: bool, report: Path | None, thresholds: tuple[float, float] = THRESHOLDS
) -> None:
    """The terminal summary, or under --quiet (or JSON on stdout) the warnings and
    the rejected rows on stderr only."""
    if quiet:
        _tell_stderr(result)
        return
    from visit_audit.report.terminal import make_console, render_summary

    render_summary(result, make_console(), thresholds=thresholds)
    if report is not None:
        make_console().print(f"Excel report written to {report}", soft_wrap=True)


@contextlib.contextmanager
def _progress():
    """A spinner naming the current step, on a terminal only. Off a terminal
    (cron, pipes) nothing is shown, and the renderer (rich, pandas) is not even
    imported until the audit is under way."""
    if not sys.stderr.isatty():
        yield lambda message: None
        return
    from visit_audit.report.terminal import make_console, progress

    with progress(make_console(stderr=True)) as step:
        yield step


def _tell(line: str) -> None:
    """One line on stderr (the e-mail's warnings, dry run and failures)."""
    print(f"visit-audit: {line}", file=sys.stderr)


def _tell_stderr(result) -> None:
    """With no terminal summary, each warning and the rejected rows still reach
    stderr, one line each, so a cron job hears of them (stdout stays clean)."""
    for warning in result.warnings:
        print(f"visit-audit: warning: {warning}", file=sys.stderr)
    if len(result.rejected):
        files = ", ".join(f"{i.file} {i.rejected}" for i in result.inputs if i.rejected)
        n = len(result.rejected)
        print(
            f"visit-audit: {n} row{'' if n == 1 else 's'} rejected ({files}); "
            "the Rejected rows sheet of --report and the JSON's 'rejected' list name each",
            file=sys.stderr,
        )


@app.command()
def explain(
    cases: Path | None = typer.Argument(None, help="Cases extract (.csv or .xlsx)."),
    visits: Path | None = typer.Argument(None, help="Visits extract (.csv or .xlsx)."),
    ssd: str | None = typer.Option(
        None, "--ssd", help="Read the Standard Safeguarding Dataset instead: a folder or a URL."
    ),
    child: str = typer.Option(
        ..., "--child", help="The child's id (leading zeros may be left out)."
    ),
    framework: FrameworkOpt = DEFAULT_FRAMEWORK,
    as_of: str | None = typer.Option(None, "--as-of", help="Audit date (default: today)."),
    region: RegionOpt = Region.england,
    mapping: Path | None = typer.Option(
        None, "--mapping", "--columns", help="Mapping FILE.toml of your case system."
    ),
    cases_sheet: str | None = typer.Option(None, "--cases-sheet"),
    visits_sheet: str | None = typer.Option(None, "--visits-sheet"),
    date_format: str | None = typer.Option(None, "--date-format"),
    cases_date_format: str | None = typer.Option(None, "--cases-date-format"),
    visits_date_format: str | None = typer.Option(None, "--visits-date-format"),
    closed_days: Path | None = typer.Option(
        None, "--closed-days", help="FILE of local non-working days, one date a line."
    ),
    debug: DebugOpt = False,
) -> None:
    """The whole deadline chain of one child, episode by episode: why a visit is flagged."""
    from visit_audit import pipeline

    _sources(cases, visits, ssd)
    with _errors(debug):
        from visit_audit.report.terminal import make_console, render_explain

        as_of_date, _ = pipeline.resolve_period(as_of, None, None, None)
        loaded = pipeline.load_inputs(
            pipeline.AuditOptions(
                cases=cases,
                visits=visits,
                framework=framework,
                mapping=mapping,
                cases_sheet=cases_sheet,
                visits_sheet=visits_sheet,
                date_format=date_format,
                cases_date_format=cases_date_format,
                visits_date_format=visits_date_format,
                closed_days=closed_days,
                ssd=ssd,
                as_of=as_of_date,
            )
        )
        result, mine, theirs = pipeline.explain(
            loaded, child, as_of=as_of_date, region=region.value
        )
        render_explain(result, mine, theirs, loaded.framework, make_console())


@frameworks_app.callback()
def frameworks(ctx: typer.Context) -> None:
    """List the built-in frameworks."""
    if ctx.invoked_subcommand is not None:
        return
    with _errors():
        from visit_audit.frameworks import builtin_names, load_framework

        for name in builtin_names():
            fw = load_framework(name)
            # Name and count on one line, the title under it: 80 columns hold both.
            print(f"{name:<22} {len(fw.plan_types)} plan types")
            print(f"{'':<22} {fw.title}")
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


@frameworks_app.command("check")
def frameworks_check(
    name: str = typer.Argument(..., help="Built-in framework name or a FILE.toml."),
) -> None:
    """Each plan type against the visiting minimums set in law; exit 1 when a rule is looser."""
    with _errors():
        from visit_audit.frameworks import load_framework
        from visit_audit.frameworks.statutory import check_framework, load_statutory
        from visit_audit.report.terminal import make_console, render_check

        verdicts = check_framework(load_framework(name), load_statutory())
        render_check(verdicts, make_console())
    if any(v.looser for v in verdicts):
        raise typer.Exit(1)


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
    late: float = typer.Option(
        0.03, "--late", min=0.0, max=0.99, help="Share of visits made late (0.2: a struggling LA)."
    ),
    format: SampleFormat = typer.Option(
        "csv",
        "--format",
        help="csv: cases.csv and visits.csv; ssd: also the SSD's tables in OUT_DIR/ssd; "
        "annex-a: also an Annex A workbook OUT_DIR/annex_a.xlsx.",
    ),
) -> None:
    """Write realistic synthetic extracts (no real child's data) for demos, tests and benchmarks."""
    with _errors():
        from visit_audit.frameworks import load_framework
        from visit_audit.sample import write_sample

        fw = load_framework(framework)
        kwargs: dict[str, Any] = {"as_of": _date(as_of, "--as-of")} if as_of else {}
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = write_sample(
            out_dir,
            children=children,
            seed=seed,
            plan_types=list(fw.plan_types),
            late=late,
            **kwargs,
        )
        if format != SampleFormat.csv:
            from visit_audit.sample_sources import write_source_sample

            more = write_source_sample(out_dir, paths, format.value, **kwargs)
        else:
            more = []
        for p in [*paths, *more]:
            print(f"wrote {p}")


class By(StrEnum):
    plan_type = "plan_type"
    team = "team"
    worker = "worker"


@app.command("history")
def history_command(
    history: Path | None = typer.Option(
        None, "--history", help="The history FILE.sqlite that audits with --history recorded."
    ),
    by: By | None = typer.Option(
        None, "--by", help="One row per period and plan type, team or worker."
    ),
    json_out: str | None = typer.Option(
        None, "--json", help="Write the periods as JSON to FILE, or - for stdout."
    ),
    forget_before: str | None = typer.Option(
        None,
        "--forget-before",
        help="Delete every period that ends before this month (YYYY-MM) from the file.",
    ),
    debug: DebugOpt = False,
) -> None:
    """The recorded periods, oldest first: % on time, late, missed, overdue, and the trend."""
    with _errors(debug):
        if history is None:
            raise InputError("--history: give the history file, --history FILE.sqlite")
        from visit_audit import history as store

        if forget_before is not None:
            gone, kept = store.forget_before(history, forget_before)
            print(
                f"forgot {gone} period(s) ending before {forget_before}; {kept} kept in {history}"
            )
            return
        rows = store.periods(history, by.value if by else None)
        if json_out is not None:
            from visit_audit.report.json import write_periods_json

            write_periods_json(rows, json_out)
            if json_out == "-":
                return
        from visit_audit.report.terminal import make_console, render_history

        render_history(rows, by.value if by else None, make_console())


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
    """Exit with ``code`` the ordinary way. Every output file is written, closed
    and in place by now, and no work the tool started is still running (see
    :class:`visit_audit.concurrency.Background`), so the interpreter's own
    shut-down is safe; a reader that closed the pipe early (``| head``) is not an
    error at this point.

    The objects still alive are handed to the garbage collector's permanent
    generation first (``gc.freeze``): the interpreter's last collection would
    only walk them before the operating system takes the memory back, about
    0.2 s at a million visits. The shut-down itself (modules, Arrow's threads
    and pools) still runs in full."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head) or a closed stream
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    main()
