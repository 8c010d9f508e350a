"""Atomic, private output files, and never writing over an input extract."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from visit_audit.errors import InputError
from visit_audit.report.atomic import atomic_write, refuse_overwrite_inputs


def test_writes_the_target_with_mode_0600_whatever_the_umask(tmp_path: Path):
    old = os.umask(0)
    try:
        atomic_write(tmp_path / "out.bin", lambda fh: fh.write(b"hello"))
    finally:
        os.umask(old)
    target = tmp_path / "out.bin"
    assert target.read_bytes() == b"hello"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [target]


def test_the_temp_file_sits_next_to_the_target(tmp_path: Path):
    seen = []

    def write(fh):
        seen.extend((p, stat.S_IMODE(p.stat().st_mode)) for p in tmp_path.iterdir())
        fh.write(b"x")

    atomic_write(tmp_path / "r.xlsx", write)
    assert len(seen) == 1
    temp, mode = seen[0]
    assert temp.name.startswith(".r.xlsx.") and mode == 0o600


def test_error_removes_the_temp_file_and_keeps_the_old_target(tmp_path: Path):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")

    def write(fh):
        fh.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, write)
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_unwritable_place_is_an_input_error(tmp_path: Path):
    with pytest.raises(InputError, match=r"cannot write .*missing.* does not exist"):
        atomic_write(tmp_path / "missing" / "out.json", lambda fh: None)


def test_os_error_while_writing_is_an_input_error(tmp_path: Path):
    def write(fh):
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError, match="No space left on device"):
        atomic_write(tmp_path / "out.json", write)
    assert list(tmp_path.iterdir()) == []


def test_relative_target_in_the_current_folder(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    atomic_write("here.json", lambda fh: fh.write(b"{}"))
    assert (tmp_path / "here.json").read_bytes() == b"{}"


def test_refuses_to_overwrite_an_input(tmp_path: Path, monkeypatch):
    cases = tmp_path / "cases.xlsx"
    cases.write_bytes(b"extract")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="cases.xlsx"):
        refuse_overwrite_inputs(Path("cases.xlsx"), [cases])
    with pytest.raises(InputError):
        refuse_overwrite_inputs(tmp_path / "sub" / ".." / "cases.xlsx", [Path("cases.xlsx")])
    link = tmp_path / "link.xlsx"
    link.symlink_to(cases)
    with pytest.raises(InputError):
        refuse_overwrite_inputs(link, [cases])
    refuse_overwrite_inputs(tmp_path / "report.xlsx", [cases, tmp_path / "visits.csv"])
