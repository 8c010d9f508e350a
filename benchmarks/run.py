"""Benchmarks: whole-process audit time and peak memory at 100k, 1M, 4M and 10M visits.

    make bench                      # every size, writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/run.py --sizes 100k,1M --runs 3

Data comes from ``visit-audit sample`` and is cached in benchmarks/data/ (never
committed). Each run is a fresh process timed from outside, as a cron job would
start it, with peak RSS from ``/usr/bin/time -v``. The floor is a DuckDB process
reading the same two files and running one LAG()-based 42-day gap rule.
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
BIN = Path(sys.executable).parent
CLI = str(BIN / "visit-audit")
AS_OF = "2026-10-31"
SEED = 11
# Children per size, calibrated so visits ≈ the size (about 23 visits a child).
SIZES = {"100k": 4_300, "1M": 43_000, "4M": 160_000, "10M": 430_000}
# The Excel figure is taken where the findings sheet has about 100k rows (issue 5).
EXCEL_SIZE = "4M"

DUCKDB_FLOOR = r"""
import sys, duckdb
cases, visits = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads TO 2")
rows = con.execute(f'''
WITH v AS (
  SELECT "Person ID" AS child_id,
         CAST(COALESCE(try_strptime("Date of Visit", '%d/%m/%Y %H:%M'),
                       try_strptime("Date of Visit", '%d/%m/%Y')) AS DATE) AS d
  FROM read_csv('{visits}', header=true, all_varchar=true)
), c AS (
  SELECT "Person ID" AS child_id FROM read_csv('{cases}', header=true, all_varchar=true)
), g AS (
  SELECT child_id, d, LAG(d) OVER (PARTITION BY child_id ORDER BY d) AS prev FROM v
)
SELECT count(*) FROM g WHERE prev IS NOT NULL AND d - prev > 42
  AND child_id IN (SELECT child_id FROM c)
''').fetchone()
print(rows[0])
"""


def generate(size: str) -> Path:
    """The sample data for a size, generated once and cached."""
    folder = DATA / size
    stamp = folder / "stamp.json"
    want = {"children": SIZES[size], "seed": SEED, "sample_py_mtime": _sample_mtime()}
    if stamp.exists() and json.loads(stamp.read_text()) == want:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    subprocess.run(
        [CLI, "sample", str(folder), "--children", str(SIZES[size]), "--seed", str(SEED)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  generated {size} in {time.perf_counter() - t:.1f} s", flush=True)
    stamp.write_text(json.dumps(want))
    return folder


def _sample_mtime() -> int:
    return int((ROOT / "visit_audit" / "sample.py").stat().st_mtime)


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one fresh process."""
    t = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *cmd],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return wall, (int(rss.group(1)) / 1024 if rss else float("nan"))


def series(cmd: list[str], runs: int) -> dict:
    return paired([cmd], runs)[0]


def paired(cmds: list[list[str]], runs: int) -> list[dict]:
    """Each command ``runs`` times, taking turns, so that a noisy neighbour on a
    shared machine slows them alike and their ratio stays fair."""
    times: list[list[float]] = [[] for _ in cmds]
    peaks: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            wall, rss = timed(cmd)
            times[i].append(wall)
            peaks[i].append(rss)
    return [
        {
            "median": statistics.median(t),
            "min": min(t),
            "max": max(t),
            "rss_mib": max(p),
            "runs": runs,
        }
        for t, p in zip(times, peaks, strict=True)
    ]


def count_rows(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f) - 1


def profile(folder: Path) -> str:
    """Where the time goes in one in-process audit (cProfile, cumulative)."""
    from visit_audit.cli import app

    out = folder / "profile.json"
    prof = cProfile.Profile()
    prof.enable()
    try:
        app(
            [
                "audit",
                str(folder / "cases.csv"),
                str(folder / "visits.csv"),
                "--as-of",
                AS_OF,
                "--json",
                str(out),
                "--quiet",
            ],
            standalone_mode=False,
        )
    finally:
        prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(28)
    text = buf.getvalue()
    return text[text.find("ncalls") :] if "ncalls" in text else text


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1M,4M,10M")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-excel", action="store_true")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = ap.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    # Timed as an installed package runs: pip compiles a wheel's modules when it
    # installs it, but an editable install never does, and with
    # PYTHONDONTWRITEBYTECODE set every run would compile ours afresh (0.08 s).
    compileall.compile_dir(str(HERE.parent / "visit_audit"), quiet=1)
    results: dict[str, dict] = {}
    for size in sizes:
        print(f"{size}:", flush=True)
        folder = generate(size)
        cases, visits = folder / "cases.csv", folder / "visits.csv"
        runs = args.runs if size in ("100k", "1M") else max(2, args.runs // 2)
        audit = [
            CLI,
            "audit",
            str(cases),
            str(visits),
            "--as-of",
            AS_OF,
            "--json",
            str(folder / "result.json"),
            "--quiet",
        ]
        r = {"visits": count_rows(visits), "cases": count_rows(cases)}
        floor = [sys.executable, "-c", DUCKDB_FLOOR, str(cases), str(visits)]
        r["audit"], r["duckdb"] = paired([audit, floor], runs)
        with open(folder / "result.json") as f:
            res = json.load(f)
        r["findings"] = len(res["findings"])
        if size == EXCEL_SIZE and not args.no_excel:
            excel = audit + ["--report", str(folder / "report.xlsx")]
            r["audit_excel_pair"], r["excel"] = paired([audit, excel], max(2, runs // 2))
        results[size] = r
        print(
            f"  audit {r['audit']['median']:.2f} s (peak {r['audit']['rss_mib']:.0f} MiB), "
            f"duckdb {r['duckdb']['median']:.2f} s, findings {r['findings']}",
            flush=True,
        )
    prof = "" if args.no_profile or "1M" not in results else profile(DATA / "1M")
    write_results(Path(args.out), results, prof)
    print(f"wrote {args.out}")


def write_results(path: Path, results: dict, prof: str) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Measured {dt.date.today():%Y-%m-%d} on {machine()}.",
        "Whole process: `visit-audit audit CASES VISITS --as-of 2026-10-31 --json FILE --quiet` "
        "on UK-dated CSVs from `visit-audit sample`; wall time of a fresh process "
        "(median of the runs, min–max; the audit and the floor take turns), peak RSS from `/usr/bin/time -v`. "
        "Floor: a DuckDB process reading the same two files and running one LAG() 42-day gap rule.",
        "",
        "| size | visits | episodes | findings | audit median (min–max) | peak RSS | DuckDB floor | audit / floor |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for size, r in results.items():
        a, d = r["audit"], r["duckdb"]
        lines.append(
            f"| {size} | {r['visits']:,} | {r['cases']:,} | {r['findings']:,} | "
            f"{a['median']:.2f} s ({a['min']:.2f}–{a['max']:.2f}) | {a['rss_mib']:,.0f} MiB | "
            f"{d['median']:.2f} s | {a['median'] / d['median']:.2f}x |"
        )
    if "1M" in results and "10M" in results:
        ratio = results["10M"]["audit"]["median"] / results["1M"]["audit"]["median"]
        lines += ["", f"Growth: 10M / 1M = {ratio:.1f} (linear would be 10)."]
    for size, r in results.items():
        if "excel" in r:
            extra = r["excel"]["median"] - r["audit_excel_pair"]["median"]
            lines += [
                "",
                f"Excel report at {size} visits ({r['findings']:,} findings rows): "
                f"{r['excel']['median']:.2f} s in all, {extra:.2f} s more than without `--report`.",
            ]
    notes = HERE / "analysis.md"  # the reading of the figures, kept by hand
    if notes.exists():
        lines += ["", notes.read_text().rstrip()]
    if prof:
        lines += [
            "",
            "## Profile of one 1M run (cProfile, cumulative)",
            "",
            "```",
            prof.rstrip(),
            "```",
        ]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
