"""`python bench/report.py`: what writing the review adds to a check, and how big it is.

For the example and the seed (without English, and with our English rendering
bench/data/seed13.en.md), with --no-drift and with drift, two tables:

- in process: the median over --repeats runs of `run_check` alone, then of rendering its
  report as Markdown and as HTML, the rendering as a share of the check, and each report's
  size. The encoder is loaded and the embedding cache filled before timing: a check on a
  warm process, the smallest denominator, so the share is the largest it gets;
- command: the median CPU time (user + system, of the `qa` process: wall time on a shared
  machine swings by seconds) of `qa check` as a translator runs it, with
  `--format github` (annotations printed, no report written: the check without a report),
  `--format md` and `--format html`, and what each report adds to the first
  (--cli-repeats runs each; skipped with --cli-repeats 0).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qa.glossary.load import Glossary, load_glossaries  # noqa: E402
from qa.model import Report  # noqa: E402
from qa.pipeline import CheckOptions, run_check  # noqa: E402
from qa.report import FORMATS  # noqa: E402

SEED = REPO.parent / "shared" / "seeds" / "issue13.zh.md"
MODEL = "use-multilingual"
REPORT_FORMATS = ("md", "html")


@dataclass(frozen=True)
class Workload:
    name: str
    target: Path
    source: Path | None
    model: str | None


@dataclass(frozen=True)
class Row:
    workload: Workload
    check: float
    render: dict[str, float]
    size: dict[str, int]


def workloads() -> list[Workload]:
    example = REPO / "examples" / "issue13.zh.md", REPO / "examples" / "issue13.en.md"
    rows = [Workload("example --no-drift", *example, None), Workload("example", *example, MODEL)]
    if SEED.exists():
        english = REPO / "bench" / "data" / "seed13.en.md"
        rows += [
            Workload("seed, no English", SEED, None, None),
            Workload("seed + en --no-drift", SEED, english, None),
            Workload("seed + en", SEED, english, MODEL),
        ]
    return rows


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@cache
def encoder(model: str) -> object:
    """One encoder per model for the whole run: its loading is start-up, not a check."""
    from qa.embed.encoders import load_encoder

    return load_encoder(model)


def measure(workload: Workload, glossary: Glossary, repeats: int) -> Row:
    options = CheckOptions(target=workload.target, source=workload.source, model=workload.model)

    def check() -> Report:
        return run_check(options, glossary, encoder)

    report = check()  # warm-up: encoder, embedding cache, imports
    rendered = {name: FORMATS[name].render(report) for name in REPORT_FORMATS}
    return Row(
        workload=workload,
        check=median_seconds(check, repeats),
        render={name: median_seconds(lambda n=name: FORMATS[n].render(report), repeats) for name in REPORT_FORMATS},
        size={name: len(text.encode("utf-8")) for name, text in rendered.items()},
    )


def table(rows: list[Row]) -> str:
    head = "| workload | check ms | " + " | ".join(f"+{name} ms | +{name} % | {name} KB" for name in REPORT_FORMATS)
    lines = [head + " |", "|---" * (2 + 3 * len(REPORT_FORMATS)) + "|"]
    for row in rows:
        cells = [row.workload.name, f"{row.check * 1000:.0f}"]
        for name in REPORT_FORMATS:
            cells += [
                f"{row.render[name] * 1000:.1f}",
                f"{100 * row.render[name] / row.check:.1f}",
                f"{row.size[name] / 1024:.0f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def command(workload: Workload, report_format: str, output: Path) -> list[str]:
    """`qa check` for the workload, the English given or ruled out as the user would."""
    qa = [sys.executable, "-m", "qa", "check", str(workload.target), "--format", report_format]
    qa += ["--source", str(workload.source)] if workload.source else []
    qa += ["--model", workload.model] if workload.model else ["--no-drift"]
    return qa + (["--output", str(output)] if report_format != "github" else [])


def run_cpu(argv: list[str]) -> float:
    """CPU seconds the command used (its children's rusage grows by exactly its own)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def command_table(repeats: int) -> str:
    formats = ("github", *REPORT_FORMATS)
    head = "| workload | qa check, no report, CPU ms | " + " | ".join(
        f"+{name} ms | +{name} %" for name in REPORT_FORMATS
    )
    lines = [head + " |", "|---" * (2 + 2 * len(REPORT_FORMATS)) + "|"]
    with tempfile.TemporaryDirectory() as folder:
        for workload in workloads():
            argvs = {name: command(workload, name, Path(folder) / f"review.{name}") for name in formats}
            for argv in argvs.values():
                run_cpu(argv)  # warm-up: page cache, embedding cache
            # Interleaved: the others' load on a shared machine drifts during a run, and each
            # repeat meets it in every format alike.
            runs: dict[str, list[float]] = {name: [] for name in formats}
            for _ in range(repeats):
                for name, argv in argvs.items():
                    runs[name].append(run_cpu(argv))
            seconds = {name: statistics.median(times) for name, times in runs.items()}
            base = seconds["github"]
            cells = [workload.name, f"{base * 1000:.0f}"]
            for name in REPORT_FORMATS:
                extra = seconds[name] - base
                cells += [f"{extra * 1000:.0f}", f"{100 * extra / base:.1f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cli-repeats", type=int, default=3)
    args = parser.parse_args()
    glossary = load_glossaries(sorted((REPO / "glossaries").glob("*.csv")))
    print("In process (warm): rendering against run_check\n")
    print(table([measure(workload, glossary, args.repeats) for workload in workloads()]))
    if args.cli_repeats:
        print("\nThe command: `qa check` CPU time (repeats interleaved, medians), and what each report adds\n")
        print(command_table(args.cli_repeats))


if __name__ == "__main__":
    main()
