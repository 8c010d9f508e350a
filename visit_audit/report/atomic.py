"""Writing output files so that a half-written one never exists at the target path.

A report is written atomically (README "Running it from cron"). Reports hold children's data, so
they are created readable by their owner only (mode 0600), whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from visit_audit.errors import InputError

FILE_MODE = 0o600


def atomic_write(path: str | Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write`` with a binary file in the target's folder, then rename it over ``path``.

    The temporary file is created with mode 0600 next to the target (so the
    rename never crosses file systems), flushed and fsynced before
    ``os.replace``. If ``write`` (or anything else) fails, the temporary file is
    removed and an existing target is left untouched. A file system error
    (missing folder, no permission, disk full) becomes an :class:`InputError`
    naming the file.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise InputError(f"cannot write {target}: {_reason(e, folder)}") from e
    tmp = Path(tmp_name)
    try:
        if hasattr(os, "fchmod"):  # mkstemp already uses 0600 on POSIX; be explicit
            os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError):
            raise InputError(f"cannot write {target}: {_reason(e, folder)}") from e
        raise
    _fsync_folder(folder)
    return target


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """:func:`atomic_write` of bytes already in hand."""

    def write(fh: BinaryIO) -> None:
        fh.write(data)

    return atomic_write(path, write)


def refuse_overwrite_inputs(target: str | Path, inputs: Iterable[str | Path]) -> None:
    """Raise :class:`InputError` when writing ``target`` would replace one of the inputs."""
    out = Path(target)
    for given in inputs:
        src = Path(given)
        if _same_file(out, src):
            raise InputError(
                f"{out} is one of the input files ({src}); writing there would overwrite the "
                "extract: choose another output file name"
            )


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _reason(e: OSError, folder: Path) -> str:
    if isinstance(e, FileNotFoundError):
        return f"the folder {folder} does not exist"
    if isinstance(e, PermissionError):
        return "permission denied"
    return e.strerror or type(e).__name__


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every platform can open a folder, so best effort."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
