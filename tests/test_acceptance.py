"""The hand-worked acceptance scenarios of ../shared/acceptance, run through the installed CLI.

Skipped when ../shared is absent: the project's own tests stand without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT.parent / "shared" / "acceptance" / "run"
CLI = Path(sys.executable).parent / "visit-audit"


pytestmark = pytest.mark.slow  # a whole run per case


@pytest.mark.skipif(not RUN.exists(), reason="../shared/acceptance is not here")
def test_shared_acceptance_scenarios_pass():
    proc = subprocess.run(
        [sys.executable, str(RUN), str(CLI)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 failed" in proc.stdout
