"""visit_audit.concurrency: work started in the background never outlives its call."""

from __future__ import annotations

import threading
import time

import pytest

import visit_audit.io.raw
from visit_audit import pipeline
from visit_audit.concurrency import Background, side_by_side
from visit_audit.errors import VisitAuditError
from visit_audit.sample import write_sample


@pytest.mark.slow  # a whole audit (or several)
def test_leaving_background_waits_for_its_work_even_on_an_error():
    finished = []

    def slow():
        time.sleep(0.2)
        finished.append(True)

    with pytest.raises(RuntimeError), Background() as background:
        background.start(slow)
        raise RuntimeError("stopped early")
    assert finished == [True]


@pytest.mark.slow  # a whole audit (or several)
def test_a_failed_load_leaves_no_read_running(tmp_path, monkeypatch):
    # The framework is unknown: the run stops while both extracts are still
    # being read in the background (a slow disk, here); the reads are waited
    # for, not abandoned.
    write_sample(tmp_path, children=30)
    read = visit_audit.io.raw.read_raw

    def slow_read(*args, **kwargs):
        time.sleep(0.3)
        return read(*args, **kwargs)

    monkeypatch.setattr(visit_audit.io.raw, "read_raw", slow_read)
    before = {t.ident for t in threading.enumerate()}
    options = pipeline.AuditOptions(
        cases=tmp_path / "cases.csv", visits=tmp_path / "visits.csv", framework="nope"
    )
    with pytest.raises(VisitAuditError, match="unknown framework"):
        pipeline.load_inputs(options)
    left = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert left == []


def test_side_by_side_keeps_order_and_tells_the_first_error():
    assert side_by_side(lambda: 1, lambda: 2, lambda: 3) == [1, 2, 3]

    def boom():
        raise ValueError("second")

    with pytest.raises(ValueError, match="second"):
        side_by_side(lambda: 1, boom)
