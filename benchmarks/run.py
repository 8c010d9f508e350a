"""Benchmarks: whole-process audit time and peak memory at 100k, 1M, 4M and 10M visits.

    make bench                      # every size, writes benchmarks/RESULTS.md
    make bench BEFORE=bb88857       # the same, and each audit also timed at that commit
    .venv/bin/python benchmarks/run.py --sizes 100k,1M --runs 3

Two profiles of data: ``gentle`` (3 % of visits late, under 3 % of deadlines)
and ``struggling`` (a quarter of visits late, about a fifth of deadlines late:
over 150k findings at 1M visits), at the sizes ``--struggling`` names.
With ``--before REV`` the commit REV is checked out beside the data (a git
worktree with a venv of its own) and its audit takes turns with this one's on
the same files, so both are measured in one run on the same machine.

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
# Share of visits made late in each profile of data (visit-audit sample --late).
PROFILES = {"gentle": 0.03, "struggling": 0.24}

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


def generate(size: str, profile: str = "gentle") -> Path:
    """The sample data for a size and profile, generated once and cached."""
    folder = DATA / (size if profile == "gentle" else f"{size}-{profile}")
    stamp = folder / "stamp.json"
    want = {
        "children": SIZES[size],
        "seed": SEED,
        "late": PROFILES[profile],
        "sample_py_mtime": _sample_mtime(),
    }
    if stamp.exists() and json.loads(stamp.read_text()) == want:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    subprocess.run(
        [CLI, "sample", str(folder), "--children", str(SIZES[size]), "--seed", str(SEED),
         "--late", str(PROFILES[profile])],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
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


def audit_cmd(cli: str, folder: Path, out: str) -> list[str]:
    """The timed audit of the data in ``folder``, its JSON written to ``out`` there."""
    return [cli, "audit", str(folder / "cases.csv"), str(folder / "visits.csv"),
            "--as-of", AS_OF, "--json", str(folder / out), "--quiet"]  # fmt: skip


def before_cli(rev: str) -> str:
    """The ``visit-audit`` command of commit ``rev``: a worktree and venv of its
    own under benchmarks/data/ (made once, kept), modules compiled as for ours."""
    folder = DATA / f"before-{rev}"
    cli = folder / ".venv" / "bin" / "visit-audit"
    if not cli.exists():
        shutil.rmtree(folder, ignore_errors=True)
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=True)
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), rev], check=True
        )
        subprocess.run([sys.executable, "-m", "venv", str(folder / ".venv")], check=True)
        pip = [str(folder / ".venv" / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "-e", str(folder)], check=True)
    compileall.compile_dir(str(folder / "visit_audit"), quiet=1)
    return str(cli)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1M,4M,10M")
    ap.add_argument("--struggling", default="1M", help="sizes also run with the struggling data")
    ap.add_argument("--before", default="", help="a commit whose audit is timed alongside")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-excel", action="store_true")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = ap.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    struggling = {s for s in args.struggling.split(",") if s}
    # Timed as an installed package runs: pip compiles a wheel's modules when it
    # installs it, but an editable install never does, and with
    # PYTHONDONTWRITEBYTECODE set every run would compile ours afresh (0.08 s).
    compileall.compile_dir(str(HERE.parent / "visit_audit"), quiet=1)
    before = before_cli(args.before) if args.before else None
    results: dict[str, dict] = {}
    runs_of = [(size, "gentle") for size in sizes]
    runs_of += [(size, "struggling") for size in sizes if size in struggling]
    for size, kind in runs_of:
        label = size if kind == "gentle" else f"{size} {kind}"
        print(f"{label}:", flush=True)
        folder = generate(size, kind)
        cases, visits = folder / "cases.csv", folder / "visits.csv"
        runs = args.runs if size in ("100k", "1M") else max(2, args.runs // 2)

        audit = audit_cmd(CLI, folder, "result.json")
        r = {"visits": count_rows(visits), "cases": count_rows(cases), "profile": kind}
        floor = [sys.executable, "-c", DUCKDB_FLOOR, str(cases), str(visits)]
        if before:
            r["audit"], r["duckdb"], r["before"] = paired(
                [audit, floor, audit_cmd(before, folder, "before.json")], runs
            )
        else:
            r["audit"], r["duckdb"] = paired([audit, floor], runs)
        with open(folder / "result.json") as f:
            res = json.load(f)
        r["findings"] = len(res["findings"])
        r["json_mb"] = (folder / "result.json").stat().st_size / 1e6
        overall = res["summary"].get("overall", {})
        r["late_share"] = overall.get("late", 0) / max(1, overall.get("deadlines", 0))
        if size == EXCEL_SIZE and kind == "gentle" and not args.no_excel:
            excel = audit + ["--report", str(folder / "report.xlsx")]
            r["audit_excel_pair"], r["excel"] = paired([audit, excel], max(2, runs // 2))
        results[label] = r
        print(
            f"  audit {r['audit']['median']:.2f} s (peak {r['audit']['rss_mib']:.0f} MiB), "
            f"duckdb {r['duckdb']['median']:.2f} s, findings {r['findings']}"
            + (f", before {r['before']['median']:.2f} s" if before else ""),
            flush=True,
        )
    prof = "" if args.no_profile or "1M" not in results else profile(DATA / "1M")
    write_results(Path(args.out), results, prof, args.before)
    print(f"wrote {args.out}")


def write_results(path: Path, results: dict, prof: str, before: str = "") -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Measured {dt.date.today():%Y-%m-%d} on {machine()}.",
        "Whole process: `visit-audit audit CASES VISITS --as-of 2026-10-31 --json FILE --quiet` "
        "on UK-dated CSVs from `visit-audit sample`; wall time of a fresh process "
        "(median of the runs, min–max; the audit and the floor take turns), peak RSS from `/usr/bin/time -v`. "
        "Floor: a DuckDB process reading the same two files and running one LAG() 42-day gap rule.",
        "",
        "Profiles: gentle (3 % of visits late) and struggling (24 % of visits late: about a "
        "fifth of deadlines late)."
        + (
            f" Before: the same audit at commit `{before}`, taking turns with this one."
            if before
            else ""
        ),
        "",
        "| size | visits | episodes | deadlines late | findings (JSON) | audit median (min–max) | peak RSS | DuckDB floor | audit / floor |"
        + (" before | peak RSS before |" if before else ""),
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"
        + (" ---: | ---: |" if before else ""),
    ]
    for size, r in results.items():
        a, d = r["audit"], r["duckdb"]
        row = (
            f"| {size} | {r['visits']:,} | {r['cases']:,} | {100 * r['late_share']:.1f} % | "
            f"{r['findings']:,} ({r['json_mb']:.0f} MB) | "
            f"{a['median']:.2f} s ({a['min']:.2f}–{a['max']:.2f}) | {a['rss_mib']:,.0f} MiB | "
            f"{d['median']:.2f} s | {a['median'] / d['median']:.2f}x |"
        )
        if "before" in r:
            b = r["before"]
            row += (
                f" {b['median']:.2f} s ({b['min']:.2f}–{b['max']:.2f}) | {b['rss_mib']:,.0f} MiB |"
            )
        lines.append(row)
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
