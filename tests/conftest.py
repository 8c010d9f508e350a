"""Suite-wide settings: which tests are slow.

``make test-fast`` (``pytest -m "not slow"``) leaves out the tests marked
``slow``: every property test (hypothesis searches many examples), and the
tests that start another process or run a whole acceptance set, which are
marked where they are written. ``make test`` and CI run everything. Both run
on two processes (pytest-xdist), one per core.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# No test asserts a timing: hypothesis' per-example deadline (200 ms) and its
# "too slow" health check would fail a correct test on a busy machine.
settings.register_profile(
    "visit-audit", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("visit-audit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        if getattr(function, "is_hypothesis_test", False):
            item.add_marker(pytest.mark.slow)
