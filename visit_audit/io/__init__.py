"""Read cases and visits extracts (CSV or .xlsx) into canonical frames.

The boundary of the tool, where input is validated once: every accepted
extract becomes one frame with proper dtypes, or its rows are rejected with a
reason; past here, code trusts its input. A file that cannot be used at all
raises :class:`visit_audit.errors.InputError` with one sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from visit_audit.io.fields import load_column_map

if TYPE_CHECKING:
    from visit_audit.io.load import Extract, load_cases, load_visits

__all__ = ["Extract", "load_cases", "load_visits", "load_column_map"]


def __getattr__(name: str):
    # The loaders (and pandas with them) are imported when first asked for, so
    # that importing visit_audit.io.raw or .fields does not wait for pandas.
    if name in ("Extract", "load_cases", "load_visits"):
        from visit_audit.io import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
