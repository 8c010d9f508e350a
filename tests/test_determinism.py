"""Same inputs, same JSON: byte-identical apart from run_at, whatever the row order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from visit_audit.cli import app

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def _json(cases: Path, visits: Path, out: Path, *extra: str) -> bytes:
    result = CliRunner().invoke(
        app,
        ["audit", str(cases), str(visits), "--as-of", "2026-10-31", "--json", str(out), "-q"]
        + list(extra),
    )
    assert result.exit_code == 0, result.stderr
    lines = out.read_bytes().splitlines(keepends=True)
    assert sum(line.lstrip().startswith(b'"run_at"') for line in lines) == 1
    return b"".join(line for line in lines if not line.lstrip().startswith(b'"run_at"'))


def _shuffled(tmp: Path, seed: int) -> tuple[Path, Path]:
    out = []
    for name in ("cases.csv", "visits.csv"):
        frame = pd.read_csv(SAMPLE / name, dtype=str, keep_default_na=False)
        if name == "cases.csv":  # episode ids are in the data, so none is made from a row number
            assert frame["Episode ID"].ne("").all()
        path = tmp / f"{seed}_{name}"
        frame.sample(frac=1, random_state=seed).to_csv(path, index=False)
        out.append(path)
    return out[0], out[1]


@pytest.mark.slow  # a whole audit (or several)
def test_same_run_twice_is_byte_identical(tmp_path):
    a = _json(SAMPLE / "cases.csv", SAMPLE / "visits.csv", tmp_path / "a.json")
    b = _json(SAMPLE / "cases.csv", SAMPLE / "visits.csv", tmp_path / "b.json")
    assert a == b


@pytest.mark.slow  # a whole audit (or several)
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("extra", [(), ("--month", "2026-09")], ids=["all", "month"])
def test_row_order_does_not_matter(tmp_path, seed, extra):
    base = _json(SAMPLE / "cases.csv", SAMPLE / "visits.csv", tmp_path / "a.json", *extra)
    cases, visits = _shuffled(tmp_path, seed)
    got = _json(cases, visits, tmp_path / "b.json", *extra)
    # only the sha256 of the inputs (the files differ) may change, and rejected row numbers
    strip = _without_inputs
    assert strip(got) == strip(base)


def _without_inputs(text: bytes) -> bytes:
    return b"".join(line for line in text.splitlines(keepends=True) if b'"sha256"' not in line)


@pytest.mark.slow  # a whole audit (or several)
def test_pseudonymised_output_is_deterministic(tmp_path):
    env = {"VISIT_AUDIT_KEY": "determinism-key-0123456789"}
    cases, visits = _shuffled(tmp_path, 7)
    outs = []
    for c, v, name in ((SAMPLE / "cases.csv", SAMPLE / "visits.csv", "a"), (cases, visits, "b")):
        result = CliRunner().invoke(
            app,
            ["audit", str(c), str(v), "--as-of", "2026-10-31", "--pseudonymise", "-q"]
            + ["--json", str(tmp_path / f"{name}.json")],
            env=env,
        )
        assert result.exit_code == 0, result.stderr
        lines = (tmp_path / f"{name}.json").read_bytes().splitlines(keepends=True)
        outs.append(b"".join(ln for ln in lines if b'"run_at"' not in ln and b'"sha256"' not in ln))
    assert outs[0] == outs[1]
