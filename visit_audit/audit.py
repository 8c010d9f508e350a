"""One audit run: canonical extracts + framework + options → :class:`AuditResult`.

The glue between io, engine and the renderers; no printing and no file writing.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from visit_audit import __version__
from visit_audit.calendar import WorkingCalendar
from visit_audit.engine import run_engine
from visit_audit.frameworks.model import Framework
from visit_audit.result import EPISODE_COLUMNS, REJECTED_COLUMNS, AuditResult, InputSummary
from visit_audit.views.summary import findings, in_scope, summarise, upcoming


def run_audit(
    cases: pd.DataFrame,
    visits: pd.DataFrame,
    framework: Framework,
    *,
    as_of: dt.date,
    region: str = "england",
    period: tuple[dt.date, dt.date] | None = None,
    inputs: list[InputSummary] | None = None,
    rejected: pd.DataFrame | None = None,
    warnings: list[str] | None = None,
    calendar: WorkingCalendar | None = None,
) -> AuditResult:
    """Audit canonical frames (see visit_audit.io) against ``framework`` at ``as_of``."""
    calendar = calendar or WorkingCalendar(region)
    out = run_engine(cases, visits, framework, as_of=as_of, calendar=calendar)
    scope = in_scope(out.deadlines, period)
    summary = summarise(out.deadlines, scope, out.episodes, framework, period)
    summary["quality"] = out.quality_summary
    if rejected is None:
        rejected = pd.DataFrame({c: pd.Series(dtype=object) for c in REJECTED_COLUMNS})
    return AuditResult(
        tool_version=__version__,
        framework=framework.name,
        framework_title=framework.title,
        region=region,
        as_of=as_of,
        period=period,
        run_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        inputs=list(inputs or []),
        deadlines=out.deadlines,
        findings=findings(out.deadlines, scope),
        upcoming=upcoming(out.deadlines, out.episodes, as_of, calendar),
        quality=out.quality,
        summary=summary,
        rejected=rejected.reset_index(drop=True),
        warnings=list(warnings or []) + out.warnings,
        plan_type_labels={name: plan.label for name, plan in framework.plan_types.items()},
        episodes=out.episodes[[c for c in EPISODE_COLUMNS if c in out.episodes.columns]],
    )
