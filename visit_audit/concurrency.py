"""The one place that decides how work runs side by side.

The audit is numpy and Arrow work, which lets go of the GIL in its large steps,
so two threads keep both cores of a small server busy. Every module that runs
work at the same time does it through these three helpers, so the number of
threads is set here once and can be turned down to one for debugging
(``VISIT_AUDIT_THREADS=1`` runs everything in order, in the calling thread).

Each helper makes its own short-lived pool: a task may itself run work side by
side (a loader inside a read) without waiting on a shared pool it fills.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """Threads at most: ``$VISIT_AUDIT_THREADS``, else 2 (the work has two large
    independent halves at every step; more threads only contend for the GIL)."""
    value = os.environ.get("VISIT_AUDIT_THREADS", "").strip()
    if value.isdigit() and int(value) >= 1:
        return int(value)
    return 2


def side_by_side(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call, the first in this thread and the rest alongside it (on up to
    :func:`workers` threads); their results in order. An error is raised for the
    first call (in order) that failed, once every call has finished."""
    if workers() == 1 or len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(workers(), len(calls) - 1)) as pool:
        others = [pool.submit(call) for call in calls[1:]]
        try:
            first = calls[0]()
        except BaseException:
            for f in others:
                f.cancel()
            raise
        return [first, *(f.result() for f in others)]


def each(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, up to :func:`workers` at a time, results in order."""
    items = list(items)
    if workers() == 1 or len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(workers(), len(items))) as pool:
        return list(pool.map(fn, items))


def in_background(fn: Callable[..., R], *args: Any, **kwargs: Any) -> Future[R]:
    """Start ``fn`` on a thread of its own and return at once; the caller takes
    ``.result()`` when it needs it. Start it inside :class:`Background` when the
    caller may stop on an error before taking the result."""
    if workers() == 1:
        future: Future[R] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # kept for .result(), as a thread would
            future.set_exception(exc)
        return future
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(fn, *args, **kwargs)
    finally:
        pool.shutdown(wait=False)


class Background:
    """Work started on threads of its own within a ``with`` block; leaving the
    block, normally or on an error, waits for all of it.

    So no work the tool started (Arrow parsing a file, numpy sorting) is still
    running once the call that started it has returned or raised: a notebook
    that catches the error is not left with a thread reading a large file, and
    the interpreter never shuts down under native code still at work.
    """

    def __init__(self) -> None:
        self._futures: list[Future] = []

    def __enter__(self) -> Background:
        return self

    def start(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> Future[R]:
        future = in_background(fn, *args, **kwargs)
        self._futures.append(future)
        return future

    def __exit__(self, *exc_info: object) -> None:
        wait(self._futures)
