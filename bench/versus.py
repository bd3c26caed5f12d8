"""Two checkouts of `qa` timed on the same commands, interleaved: is this one slower?

A "no slow-down beyond 10%" target compares two trees on a machine that others share; timed
one after the other, the load changes between them. Here every repeat runs each tree's
command back to back (in alternating order), each in a fresh process with the tree on
PYTHONPATH, and the table gives the median CPU seconds (user + system of the child: what
the load of others changes least) and wall seconds of each, and after/before.

Workloads (run from a scratch folder; reports go to a temporary folder):
- glossary-only corpus: `qa check` on ../shared/corpus/mt-zh with `--no-drift` (no English,
  no model: reading, parsing and the Chinese-only checks);
- example cold: `qa check examples/issue13.zh.md` with an empty user cache (model load,
  embedding, alignment, every check, the report);
- human pairs: `qa check` on ../shared/corpus/parallel/hf-docs with `--no-drift` (the pair
  checks on English and Chinese).

Run: python bench/versus.py --before DIR [--after DIR] [--repeats 5] [--workload NAME ...]
DIR: a checkout, e.g. `git worktree add /tmp/before <commit>`; --after defaults to this one.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@dataclass(frozen=True)
class Timing:
    cpu: float
    wall: float


@dataclass(frozen=True)
class Workload:
    name: str
    arguments: Callable[[Path], list[str]]
    """The `qa` arguments, given the checkout (the example lives in it)."""
    cold_cache: bool = False


WORKLOADS = (
    Workload("glossary-only corpus", lambda _: ["check", str(SHARED / "corpus" / "mt-zh"), "--no-drift"]),
    Workload("example cold", lambda tree: ["check", str(tree / "examples" / "issue13.zh.md")], cold_cache=True),
    Workload("human pairs", lambda _: ["check", str(SHARED / "corpus" / "parallel" / "hf-docs"), "--no-drift"]),
)


def run_once(tree: Path, workload: Workload) -> Timing:
    """One command in a fresh process; CPU seconds from the child's resource usage."""
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, PYTHONPATH=str(tree))
        if workload.cold_cache:
            env["XDG_CACHE_HOME"] = str(Path(scratch) / "cache")
        command = [sys.executable, "-m", "qa", *workload.arguments(tree), "--fail-on", "never"]
        command += ["--report-dir", str(Path(scratch) / "reports"), "--output-format", "concise"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{tree}: {' '.join(command)} exited {done.returncode}\n{done.stderr}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return Timing(cpu, wall)


def compare(before: Path, after: Path, workload: Workload, repeats: int) -> tuple[list[Timing], list[Timing]]:
    timings: dict[Path, list[Timing]] = {before: [], after: []}
    for repeat in range(repeats):
        order = (before, after) if repeat % 2 == 0 else (after, before)
        for tree in order:
            timings[tree].append(run_once(tree, workload))
    return timings[before], timings[after]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the older checkout")
    parser.add_argument("--after", type=Path, default=REPO, help="the newer checkout (default: this one)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workload", action="append", choices=[w.name for w in WORKLOADS])
    arguments = parser.parse_args()
    chosen = [w for w in WORKLOADS if not arguments.workload or w.name in arguments.workload]
    print(f"before: {arguments.before}  after: {arguments.after}  ({arguments.repeats} interleaved repeats, medians)")
    print()
    print("| workload | CPU s before | CPU s after | after/before (CPU) | wall s before | wall s after |")
    print("|---|---|---|---|---|---|")
    for workload in chosen:
        old, new = compare(arguments.before.resolve(), arguments.after.resolve(), workload, arguments.repeats)
        cpu_old = statistics.median(t.cpu for t in old)
        cpu_new = statistics.median(t.cpu for t in new)
        wall_old = statistics.median(t.wall for t in old)
        wall_new = statistics.median(t.wall for t in new)
        print(
            f"| {workload.name} | {cpu_old:.2f} | {cpu_new:.2f} | {cpu_new / cpu_old:.2f} | "
            f"{wall_old:.2f} | {wall_new:.2f} |"
        )


if __name__ == "__main__":
    main()
