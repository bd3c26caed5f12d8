"""`python -m bench`: where a batch `qa check` spends its time, against the embedding floor.

One table, a row per workload: examples/issue13, and when ../shared/corpus exists its
parallel en/zh pairs, its mt-zh files (no English: glossary-only, --no-drift) and all of it
in one run. Each workload runs in a fresh process with an empty embedding cache.

- stage columns: the pipeline's stage functions called one by one over every file, serially
  (bench/stages.py), blocks of all files embedded in one batch as a batch run does;
- Σ: their sum, what a serial run costs after start-up;
- batch cold: wall time of the batch path, `qa.executors.check_files` on a 2-process pool
  forked after this process loaded the glossary and encoder: each worker reads, parses,
  embeds (one math thread, through the cache) and checks whole files, largest first;
  reports rendered here while the workers exit, as `qa check` does. Empty embedding cache.
  Model and glossary loading are not in it (once per run: the start-up column). Best of 2
  runs, each on an empty cache, as the floor;
- parent embeds: the same, but this process embeds every block of every file in one pass
  first (`plan_tasks`) while the pool runs the files without English, and the tasks carry
  their vectors (workers need no model);
- batch warm: batch cold again on the cache it filled, as when an archive is re-checked
  after a glossary change;
- floor: the same distinct block texts through the same encoder and nothing else (no
  cache, no parsing): the best of one process with 1 or 2 math threads and of 2 processes
  with one each (printed under the table), best of 2 runs — no run that embeds them on
  this CPU is faster. Its 2-process figure comes from a warm pool: started and used
  beforehand, untimed;
- fresh floor: the same 2 processes on a pool started for the run and used once, its start
  timed, as batch cold starts its own: what embedding alone costs a run that starts its
  workers (what a new worker pays once, the warm pool paid before its timed runs);
  cold/fresh floor compares like with like;
- files/s, blocks/s: from the cold batch wall time;
- peak RSS: largest resident set of the workload's process or any of its pool workers.

Three more rows time whole commands in fresh processes, start-up included: `qa --version`,
the glossary-only check of every mt-zh file (`qa check … --no-drift`), and `qa check` of the
whole corpus with drift, on an empty embedding cache ("batch cold") and again on the cache
that run filled ("batch warm": the re-check after a glossary edit, which loads no model);
best of 3.

The CPU is shared (2 cores here, and whatever else runs): repeat a run before trusting a
difference under ~20%.

Run: python -m bench [--model use-multilingual] [--shared ../shared] [--runs N] [--workload NAME]
(e.g. `python -m bench --runs 10 --workload "corpus (all)"`: the whole-corpus ratio ten times)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from qa.executors import one_blas_thread_pool

REPO = Path(__file__).resolve().parents[1]
COLUMNS = (
    "workload",
    "files",
    "blocks",
    "start-up",
    "read",
    "parse",
    "align",
    "glossary",
    "other checks",
    "embed",
    "report",
    "Σ",
    "batch cold",
    "parent embeds",
    "batch warm",
    "floor",
    "Σ/floor",
    "cold/floor",
    "warm/floor",
    "fresh floor",
    "cold/fresh floor",
    "files/s",
    "blocks/s",
    "peak RSS",
)
POOL_WORKERS = 2

one_blas_thread_pool()  # as `qa` does, before anything imports numpy


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="use-multilingual", help="encoder for drift (default: %(default)s)")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="folder holding corpus/")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        metavar="N",
        help="measure each workload N times, each in a fresh process: the table gives each column's median "
        "and the cold/floor of every run is printed under it (default: %(default)s)",
    )
    parser.add_argument(
        "--workload", action="append", metavar="NAME", help="only this workload (repeatable; no command rows)"
    )
    parser.add_argument("--one", metavar="WORKLOAD", help=argparse.SUPPRESS)  # a child process: one row as JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.model, args.shared)))
        return
    from bench.stages import workloads

    chosen = [w.name for w in workloads(REPO, args.shared, args.model)]
    unknown = sorted(set(args.workload or ()) - set(chosen))
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r} (expected one of: {', '.join(chosen)})")
    chosen = [name for name in chosen if not args.workload or name in args.workload]
    rows = [median_row([_child(name, args.model, args.shared) for _ in range(max(args.runs, 1))]) for name in chosen]
    rows += [] if args.workload else _command_rows(args.shared)
    print(format_table(rows))
    print()
    for row in rows:
        if row.get("floors"):
            floors = " · ".join(f"{how} {seconds:.2f} s" for how, seconds in row["floors"].items())
            print(f"floor of {row['workload']} ({row['embedded']} distinct blocks): {floors}")
        ratios = row.get("cold/floor runs") or []
        if len(ratios) > 1:
            listed = ", ".join(f"{ratio:.2f}×" for ratio in ratios)
            print(f"cold/floor of {row['workload']}, {len(ratios)} runs: {listed}")


def median_row(runs: list[dict[str, object]]) -> dict[str, object]:
    """One row for several runs of a workload: each number the median of its runs (a ratio is
    the median of the runs' ratios, not a ratio of medians), each floor too, and the runs'
    cold/floor in run order under "cold/floor runs"."""
    first = runs[0]
    row: dict[str, object] = {}
    for column, value in first.items():
        if isinstance(value, int | float) and column not in ("files", "blocks", "embedded"):
            row[column] = statistics.median(float(run[column]) for run in runs)  # type: ignore[arg-type]
        else:
            row[column] = value
    floors = first.get("floors")
    if isinstance(floors, dict):
        row["floors"] = {how: statistics.median(run["floors"][how] for run in runs) for how in floors}  # type: ignore[index]
    row["cold/floor runs"] = [run["cold/floor"] for run in runs if run.get("cold/floor") is not None]
    return row


def measure(name: str, model: str, shared: Path) -> dict[str, object]:
    """One workload in this (fresh) process: stages, floor, batch runs cold and warm."""
    started = time.perf_counter()
    import numpy  # noqa: F401  (threadpoolctl limits the BLAS libraries already loaded)
    from threadpoolctl import threadpool_limits

    # Stages run here with one BLAS thread, as in the pool workers (qa/executors.py); the
    # floor's "2 threads" row sets its own limit for its encode calls, after everything else.
    threadpool_limits(limits=1, user_api="blas")
    from bench.stages import pure_embedding, pure_embedding_fresh, pure_embedding_on, run_stages, workloads
    from qa.embed.encoders import load_encoder
    from qa.executors import FileCheck, ProcessExecutor
    from qa.glossary.load import discover_glossaries, load_glossaries

    workload = next(w for w in workloads(REPO, shared, model) if w.name == name)
    glossary = load_glossaries(discover_glossaries(REPO / "examples", REPO))
    drift = any(o.model is not None and o.source is not None for o in workload.options)
    check = FileCheck.for_glossary(glossary, preload_model=model if drift else None)
    check.warm()  # glossary and model loaded here once; forked pool workers inherit them
    startup = time.perf_counter() - started

    with _fresh_cache():
        # One math thread, as in the pool workers: a core each.
        run = run_stages(workload, glossary, load_encoder(model, threads=1) if drift else None)
    one_thread = two_threads = pool_floor = fresh_floor = None
    if run.embedded_texts:
        one_thread = pure_embedding(load_encoder(model, threads=1, cache=False), run.embedded_texts)
        pool = ProcessExecutor(POOL_WORKERS)
        try:
            pool_floor = pure_embedding_on(pool, model, run.embedded_texts, POOL_WORKERS)
        finally:
            pool.join()
        fresh_floor = pure_embedding_fresh(model, run.embedded_texts, POOL_WORKERS)
    with _fresh_cache():
        cold = _batch(workload, check, None)
        warm = _batch(workload, check, None)
    with _fresh_cache():  # best of 2, as the floor is
        cold = min(cold, _batch(workload, check, None))
    with _fresh_cache():
        parent = _batch(workload, check, load_encoder(model, threads=1)) if drift else None
    if run.embedded_texts:
        # Last: asking OpenBLAS for 2 threads grows its pool for good, and every pool forked
        # after it would start a pool thread per worker, which qa's runs do not.
        two_threads = pure_embedding(load_encoder(model, threads=2, cache=False), run.embedded_texts)
    floors = {
        how: seconds
        for how, seconds in (
            ("1 process × 1 thread", one_thread),
            ("1 process × 2 threads", two_threads),
            (f"{POOL_WORKERS} processes × 1 thread", pool_floor),
        )
        if seconds is not None
    }
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    floor = min(floors.values()) if floors else None
    total = sum(run.seconds.values())
    return {
        "workload": name,
        "files": run.documents,
        "blocks": run.segments,
        "embedded": len(run.embedded_texts),
        "start-up": startup,
        **run.seconds,
        "Σ": total,
        "batch cold": cold,
        "parent embeds": parent,
        "batch warm": warm,
        "floor": floor,
        "floors": floors,
        "Σ/floor": total / floor if floor else None,
        "cold/floor": cold / floor if floor else None,
        "warm/floor": warm / floor if floor else None,
        "fresh floor": fresh_floor,
        "cold/fresh floor": cold / fresh_floor if fresh_floor else None,
        "files/s": run.documents / cold,
        "blocks/s": run.segments / cold,
        "peak RSS": peak * 1024,
    }


def _batch(workload, check, encoder) -> float:
    """Wall time of a batch run after start-up: pool start, checks (embedding included), reports rendered."""
    from qa.executors import ProcessExecutor, check_files
    from qa.report.markdown import render

    start = time.perf_counter()
    executor = ProcessExecutor(POOL_WORKERS, initializer=check.warm)
    try:
        with executor:  # closing does not wait for the workers to exit, as in `qa check`
            reports = check_files(workload.options, check, executor, encoder)
        for report in reports:
            render(report)
        return time.perf_counter() - start
    finally:
        executor.join()  # they have exited before the next timed run starts


class _fresh_cache:
    """An empty embedding cache for the duration: every run starts cold, the user's cache is untouched."""

    def __enter__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="qa-bench-cache-")
        self._previous = os.environ.get("QA_CACHE_DIR")
        os.environ["QA_CACHE_DIR"] = self._folder.name

    def __exit__(self, *exc: object) -> None:
        if self._previous is None:
            os.environ.pop("QA_CACHE_DIR", None)
        else:
            os.environ["QA_CACHE_DIR"] = self._previous
        self._folder.cleanup()


def _child(name: str, model: str, shared: Path) -> dict[str, object]:
    command = [sys.executable, "-m", "bench", "--one", name, "--model", model, "--shared", str(shared)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _command_rows(shared: Path) -> list[dict[str, object]]:
    """Whole commands in fresh processes, as a user meets them; best of 3. `python -m qa` from
    the repo root, so that they run this checkout, whichever one the `qa` script is installed from."""
    qa = [sys.executable, "-m", "qa"]
    rows = [{"workload": "`qa --version` (process)", "files": 0, "batch cold": _best([*qa, "--version"])}]
    mt = sorted((shared / "corpus" / "mt-zh").rglob("*.zh.md"))
    if mt:
        with tempfile.TemporaryDirectory(prefix="qa-bench-reports-") as out:
            command = [*qa, "check", *map(str, mt), "--no-drift", "--format", "json", "--report-dir", out]
            seconds = _best(command, ok=(0, 1))
        rows.append(
            {
                "workload": "`qa check mt-zh --no-drift` (process)",
                "files": len(mt),
                "batch cold": seconds,
                "files/s": len(mt) / seconds,
            }
        )
    corpus = sorted((shared / "corpus").rglob("*.zh.md"))
    if corpus:
        with tempfile.TemporaryDirectory(prefix="qa-bench-reports-") as out:
            command = [*qa, "check", *map(str, corpus), "--format", "json", "--report-dir", out]
            cold = min(_best(command, ok=(0, 1), runs=1, cache=fresh) for fresh in _empty_caches(3))
            with tempfile.TemporaryDirectory(prefix="qa-bench-cache-") as cache:
                _best(command, ok=(0, 1), runs=1, cache=cache)  # fills it
                warm = _best(command, ok=(0, 1), cache=cache)
        rows.append(
            {
                "workload": "`qa check corpus` (process)",
                "files": len(corpus),
                "batch cold": cold,
                "batch warm": warm,
                "files/s": len(corpus) / cold,
            }
        )
    return rows


def _empty_caches(count: int) -> Iterator[str]:
    for _ in range(count):
        with tempfile.TemporaryDirectory(prefix="qa-bench-cache-") as cache:
            yield cache


def _best(command: list[str], ok: tuple[int, ...] = (0,), runs: int = 3, cache: str | None = None) -> float:
    """Best wall time of `runs` runs; with `cache`, that embedding cache folder, else the user's."""
    environment = {**os.environ, "QA_CACHE_DIR": cache} if cache else None
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, env=environment)
        elapsed = time.perf_counter() - start
        if done.returncode not in ok:
            raise SystemExit(f"bench: {' '.join(command[:3])}… exited {done.returncode}:\n{done.stderr}")
        best = min(best, elapsed)
    return best


def format_table(rows: list[dict[str, object]]) -> str:
    """A Markdown table: seconds with 2 decimals, ratios with 2, rates whole, RSS in MB."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(column, row.get(column)) for column in COLUMNS) + " |")
    return "\n".join(lines)


def _cell(column: str, value: object) -> str:
    if value is None:
        return "–"
    if column in ("workload", "files", "blocks"):
        return str(value)
    if column == "peak RSS":
        return f"{float(value) / 1e6:,.0f} MB"
    if column in ("files/s", "blocks/s"):
        return f"{float(value):,.0f}"
    if "/" in column:
        return f"{float(value):.2f}×"
    return f"{float(value):.2f} s"


if __name__ == "__main__":
    main()
