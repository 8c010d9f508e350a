"""The README's examples run as written."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_python_api_example_runs_as_written(monkeypatch):
    blocks = _python_blocks()
    assert blocks, "the README shows the Python API"
    monkeypatch.chdir(ROOT)
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "README.md", "exec"), {})
        assert "deadlines" in out.getvalue()
    assert os.getcwd() == str(ROOT)
