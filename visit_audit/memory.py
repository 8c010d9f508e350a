"""Keep the memory a large audit frees, to use again, instead of handing it back.

A large audit makes and drops many arrays of tens of megabytes. glibc's malloc
maps each one afresh from the kernel and unmaps it when freed, so every new one
pays for the kernel to fault in and zero its pages: on a virtual machine that
is often a third of a 10-million-visit run. Told to serve them from its heap and
not to trim it, malloc reuses the freed memory instead; the process ends soon
after, so nothing is held for long. Arrow is asked to allocate through the same
malloc (its "system" pool) rather than its own jemalloc, which hands freed
memory back to the kernel after a while, so that the two share what is freed.

Only the console command does this (it is a setting of the whole process); it
is left alone where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to serve every size from its heap and keep what is
    freed; True when it was asked. Off with VISIT_AUDIT_MALLOC=default."""
    if not sys.platform.startswith("linux") or os.environ.get("VISIT_AUDIT_MALLOC") == "default":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    asked = os.environ.get("VISIT_AUDIT_MALLOC", "heap,notrim,arena1,arrow").split(",")
    ok = True
    if "heap" in asked:
        ok &= mallopt(_M_MMAP_MAX, 0) == 1
    if "notrim" in asked:
        ok &= mallopt(_M_TRIM_THRESHOLD, 2**31 - 1) == 1
    if "arena1" in asked:
        ok &= mallopt(_M_ARENA_MAX, 1) == 1
    if "arrow" in asked:
        # Read by pyarrow when it is first imported (not yet, in the console
        # command); a pool the user chose is kept.
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    return ok
