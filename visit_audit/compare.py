"""Two frameworks side by side (README "Comparing frameworks", ``audit --compare NAME|FILE``).

The extracts are read once and audited twice, once under each framework, at
the same time (:func:`visit_audit.concurrency.side_by_side`). The first run is
the result as ever; the second gives its summary only, as
``result.compare = {"framework": name, "summary": {...}}`` — exactly the
summary a separate ``audit --framework NAME`` of the same extracts reports.
"""

from __future__ import annotations

from visit_audit.concurrency import side_by_side
from visit_audit.pipeline import AuditOptions, Loaded, Step, _no_step
from visit_audit.result import AuditResult


def audit_compared(options: AuditOptions, step: Step = _no_step) -> AuditResult:
    """Audit ``options``' extracts under ``options.framework`` and ``options.compare``."""
    from visit_audit.pipeline import load_inputs, under_framework

    assert options.compare
    loaded = load_inputs(options, step)
    # Read as that framework reads it (its own plan-type spellings, if any), so
    # its summary stays the one a separate run gives.
    second = under_framework(loaded, options, options.compare)
    result, theirs = side_by_side(
        lambda: _audit(loaded, options, step), lambda: _audit(second, options, _no_step)
    )
    result.compare = {"framework": theirs.framework, "summary": theirs.summary}
    # A plan type only the second framework has is shown by that framework's label.
    result.plan_type_labels = {**theirs.plan_type_labels, **result.plan_type_labels}
    return result


def _audit(loaded: Loaded, options: AuditOptions, step: Step) -> AuditResult:
    from visit_audit.pipeline import audit_loaded

    return audit_loaded(
        loaded,
        as_of=options.resolved_as_of(),
        period=options.period,
        region=options.region,
        key=options.key,
        step=step,
    )
