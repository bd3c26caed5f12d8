"""Adversarial inputs: how long each check takes on 1 MB built against one pattern.

Each family is an English/Chinese pair whose bodies repeat one fragment (or a few) that a
regex or a loop of `qa` used to rescan: `"1 " + "a-" * n`, `"<img " * n`, `"](" * n`, a line of
spaces in code, backtick runs of growing length, thousands of links in one paragraph, and so
on (FAMILIES below says what each one aims at). For every family, at `--size` bytes of
Chinese (1 MB by default), the table gives

- slowest check: the slowest of the stages `qa check` runs, each timed on its own in a fresh
  process (parse of both files, align, and every check family: language, alignment, glossary,
  numbers, links, images, code, markdown, typography, text signals with the length and
  untranslated checks, qa-ignore comments), whether or not `qa check` would reach it for that
  input (a pair check runs on every pair here, even when the documents look unrelated);
- qa check: `qa check --no-drift --format json` on the pair, a whole command in a fresh process;
- suggest: `qa glossary suggest EN ZH -o -`, a whole command in a fresh process.

With `--before-src DIR` (a checkout of an older `qa`, e.g. `git worktree add /tmp/old HEAD~1`)
each column is shown before → after, the older package imported through PYTHONPATH; or with
`--before-json FILE`, a run saved by `--save FILE` (the older tree takes long: save it once).
`--src DIR` times that tree instead of this one. A stage or command that runs longer than
`--cap` seconds (60) is stopped and shown as `>60 s`; stages that need its result show `–`.
`--detail` adds a table of every stage per family. `--clock cpu` times each stage and command
by the seconds of CPU of its process rather than wall seconds: on a machine that others are
using too, wall seconds grow with their load, CPU seconds much less. Target: every check ≤ 5 s
on every family at 1 MB.

Run: python bench/adversarial.py [--size 1000000] [--family NAME ...] [--before-src DIR | --before-json FILE]
                                 [--src DIR] [--save FILE] [--detail] [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def repeated(fragment: str, size: int, length: Callable[[str], int] = utf8_length) -> str:
    """`fragment` repeated to about `size` (bytes of UTF-8, or what `length` counts)."""
    return fragment * max(1, size // max(1, length(fragment)))


def numbered(template: str, size: int, length: Callable[[str], int] = utf8_length) -> str:
    """`template.format(i=…)` for i = 0, 1, … until about `size` (as `repeated` counts)."""
    pieces, total, i = [], 0, 0
    while total < size:
        piece = template.format(i=i)
        pieces.append(piece)
        total += length(piece)
        i += 1
    return "".join(pieces)


def growing_backticks(size: int) -> str:
    """Runs of 1, 2, 3, … backticks, none paired, each after an `x`, to about `size` (ASCII)."""
    pieces, total, i = [], 0, 1
    while total < size:
        pieces.append("x" + "`" * i)
        total += i + 1
        i += 1
    return "".join(pieces)


Length = Callable[[str], int]
"""How a size is counted: `utf8_length` for the 1 MB table, `len` (characters) in tests."""


@dataclass(frozen=True)
class Family:
    aim: str
    """What the input is built against."""
    english: Callable[[int, Length], str]
    """The body for a size, counted by the given length."""
    chinese: Callable[[int, Length], str] | None = None
    """None: the same body as the English."""
    scale: int = 1
    """Times the size tests/test_adversarial.py builds, for inputs whose quadratic part is
    cheap per step: it must show at its larger size."""
    terms: bool = False
    """Whether the English is made of the capitalised terms `qa glossary suggest` mines (the
    test times suggest's mining, which reads the Chinese of every pair with jieba, only there)."""

    def documents(self, size: int, length: Length = utf8_length) -> tuple[str, str]:
        english = self.english(size, length)
        chinese = english if self.chinese is None else self.chinese(size, length)
        return f"# Title\n\n{english}\n", f"# 标题\n\n{chinese}\n"


FAMILIES: dict[str, Family] = {
    # The cases of issue 20, item 6.
    "1 a-a-…": Family("numbers' name pattern: a letter chain with no digit", lambda n, c: "1 " + repeated("a-", n, c)),
    "<img <img …": Family("inline HTML images: `<img` with no `>` after it", lambda n, c: repeated("<img ", n, c)),
    "](](…": Family("protected spans: `](` with no `)` on its line", lambda n, c: repeated("](", n, c)),
    "spaces in code": Family(
        "code comments: a 40,000-space line (then more) that differs between the sides",
        lambda n, c: "```\n" + repeated((" " * min(n, 40_000)) + "x\n", n, c) + "```",
        lambda n, c: "```\n" + repeated((" " * min(n, 40_000)) + "中\n", n, c) + "```",
    ),
    "backtick runs": Family("code spans: runs of growing length, none paired", lambda n, c: growing_backticks(n)),
    "links in a paragraph": Family(
        "link checks: thousands of links in one paragraph, each changed",
        lambda n, c: numbered("[a{i}](https://x.org/p/{i}) ", n, c),
        lambda n, c: numbered("[甲{i}](https://y.org/q/{i}) ", n, c),
    ),
    # Link and image syntax markdown-it and the inline patterns read.
    "![![…": Family("image labels: openers with no `]`", lambda n, c: repeated("![", n, c)),
    "![![…]": Family("image labels: openers closed once at the end", lambda n, c: repeated("![", n, c) + "]"),
    "[[[…": Family("link labels: `[` only", lambda n, c: repeated("[", n, c)),
    "[a](b[a](b…": Family(
        "link destinations: `(` nested past markdown-it's limit", lambda n, c: repeated("[a](b", n, c)
    ),
    "[a]( spaces": Family("link patterns: spaces after `](` and no `)`", lambda n, c: "[a](" + " " * n + "x"),
    "[## card ](http://…": Family(
        "link cards: a card opened, then `](http://` with no `)`",
        lambda n, c: "[## card\n\n" + repeated("](http://", n, c),
    ),
    "<http://<http://…": Family("autolinks with no `>`", lambda n, c: repeated("<http://", n, c)),
    "<a <a …": Family("inline HTML tags: `<a` with no `>` after it", lambda n, c: repeated("<a ", n, c)),
    "long URL": Family("bare URLs", lambda n, c: "https://x.org/" + repeated("a", n, c)),
    "【a】(【a】(…": Family("broken link syntax", lambda n, c: repeated("【a】(", n, c)),
    "！[！[…": Family("broken image syntax", lambda n, c: repeated("！[", n, c)),
    "damaged links in a paragraph": Family(
        "link checks: thousands of links whose target the Chinese broke with a space",
        lambda n, c: numbered("[a](https://x.org/p/{i}.pdf) ", n, c),
        lambda n, c: numbered("[甲](https://x.org/p/{i}. pdf) ", n, c),
        scale=2,
    ),
    "images in a paragraph": Family(
        "image checks: thousands of images in one paragraph, each changed",
        lambda n, c: numbered("![](img/{i}.png) ", n, c),
        lambda n, c: numbered("![](img/{i}x.png) ", n, c),
    ),
    "broken images in a paragraph": Family(
        "image checks: thousands of images with broken syntax in one paragraph",
        lambda n, c: numbered("![](img/{i}.png) ", n, c),
        lambda n, c: numbered("！[](img/{i}.png) ", n, c),
    ),
    # Code.
    "code spans in a paragraph": Family(
        "inline code checks: thousands of spans, each changed",
        lambda n, c: numbered("`c{i}` ", n, c),
        lambda n, c: numbered("`d{i}` ", n, c),
    ),
    "code spans with spaces": Family(
        "inline code checks: thousands of spans with a space in each, each changed",
        lambda n, c: numbered("`c {i}` ", n, c),
        lambda n, c: numbered("`d {i}` ", n, c),
    ),
    "code lines": Family(
        "code block comparison: every line differs",
        lambda n, c: "```\n" + numbered("x{i} = 1  # set\n", n, c) + "```",
        lambda n, c: "```\n" + numbered("y{i} = 2  # 设置\n", n, c) + "```",
    ),
    "backticks": Family("code spans: one long run", lambda n, c: "a" + repeated("`", n, c) + "a", scale=4),
    # Numbers.
    "numbers in a paragraph": Family(
        "number checks: thousands of numbers, each changed",
        lambda n, c: numbered("{i} ", n, c),
        lambda n, c: numbered("{i}1 ", n, c),
    ),
    "names in a paragraph": Family(
        "number checks: names written apart in the Chinese (GPT-3 -> GPT 3)",
        lambda n, c: numbered("GPT-{i} ", n, c),
        lambda n, c: numbered("GPT {i} ", n, c),
        terms=True,
    ),
    "digits and commas": Family("number patterns: 1,1,1…", lambda n, c: repeated("1,", n, c)),
    "version dots": Family("number patterns: 1.1.1…", lambda n, c: repeated("1.", n, c)),
    "Chinese numerals": Family(
        "cn2an on one long numeral",
        lambda n, c: repeated("one two three ", n, c),
        lambda n, c: repeated("一二三四五六七八九十", n, c),
    ),
    # Typography and emphasis.
    "中1中1…": Family(
        "typography: a missing-space finding every two characters",
        lambda n, c: repeated("x1 ", n, c),
        lambda n, c: repeated("中1", n, c),
    ),
    "links and spacing": Family(
        "typography: spacing findings among many links",
        lambda n, c: numbered("[a](https://x.org/{i}) x1 ", n, c),
        lambda n, c: numbered("[甲](https://x.org/{i}) 中1", n, c),
    ),
    "，，": Family("doubled punctuation", lambda n, c: repeated("a, ", n, c), lambda n, c: repeated("，，", n, c)),
    "(中）": Family("mixed brackets", lambda n, c: repeated("(a) ", n, c), lambda n, c: repeated("(中）", n, c)),
    "**": Family("emphasis: one long run of `*`", lambda n, c: repeated("*", n, c)),
    "**a": Family("emphasis: unbalanced strong markers", lambda n, c: repeated("**a ", n, c)),
    "table cells": Family(
        "table rows: one row of many cells, code in each",
        lambda n, c: "| a | b |\n|---|---|\n" + repeated("| `a` ", n, c) + "|",
    ),
    # Structure.
    "many paragraphs": Family(
        "every per-pair loop: 100,000 blocks",
        lambda n, c: repeated("Para 1.\n\n", n, c),
        lambda n, c: repeated("段落 1。\n\n", n, c),
    ),
    "qa-ignore comments": Family(
        "suppression comments: one per block",
        lambda n, c: repeated("Text.\n\n", n, c),
        lambda n, c: repeated("<!-- qa-ignore typography/ -->\n\n文字。\n\n", n, c),
        scale=4,
    ),
    "paragraphs split at images": Family(
        "alignment's 1-N pairs: each paragraph split around its image, the image taken into the pair",
        lambda n, c: numbered("Text ![](i/{i}.png) x.\n\n", n, c),
        lambda n, c: numbered("文。\n\n![](i/{i}.png)\n\n", n, c),
    ),
    "list nesting": Family("deeply indented list items", lambda n, c: numbered("- item {i}\n  ", n, c)),
    "glossary terms": Family(
        "glossary: a forbidden rendering everywhere",
        lambda n, c: repeated("The Transformer. ", n, c),
        lambda n, c: repeated("变压器。", n, c),
    ),
    # `qa glossary suggest` (and `qa check` on the same text).
    "GPT-XL-XL-…_v2": Family(
        "suggest's term patterns: a hyphenated chain that fails at its end",
        lambda n, c: "GPT" + repeated("-XL", n, c) + "_v2",
        lambda n, c: repeated("模型", n, c),
        terms=True,
    ),
    "Aa Aa Aa …": Family(
        "suggest: capitalised words (one multiword term)",
        lambda n, c: repeated("Aa ", n, c),
        lambda n, c: repeated("模型", n, c),
        terms=True,
    ),
    "capitals": Family(
        "suggest's acronym pattern: one run of capitals", lambda n, c: repeated("A", n, c) + "_", terms=True
    ),
    "aAaA…_": Family(
        "suggest's CamelCase pattern: humps that fail at the end", lambda n, c: repeated("aA", n, c) + "_", terms=True
    ),
}

STAGES = (
    "parse",
    "align",
    "language",
    "alignment",
    "glossary",
    "numbers",
    "links",
    "images",
    "code",
    "markdown",
    "typography",
    "signals",
    "suppress",
)
NEEDS = {"parse": (), "align": ("parse",)}
"""Stages that need another's result; every check needs align."""


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
"""How a stage is timed: wall seconds, or seconds of CPU (user and system) of the process
that runs it, which other work on a shared machine inflates far less."""


def _worker(english: Path, chinese: Path, skip: set[str], clock: str = "wall") -> None:
    """Run the stages in this process, one JSON line per stage as it ends."""
    from qa.align.pairs import align
    from qa.glossary.load import bundled_glossaries, load_glossaries
    from qa.model import PairScore
    from qa.read.markdown import parse_document
    from qa.rules import alignment as alignment_checks
    from qa.rules import code, images, language, length, links, markdown, numbers, typography, untranslated
    from qa.rules import glossary as glossary_checks
    from qa.rules.suppress import apply_comments
    from qa.score.signals import with_text_signals

    try:
        from qa.gcpause import collector_paused
    except ImportError:  # an older qa (--before-src), whose `qa check` left the collector on
        collector_paused = contextlib.nullcontext
    glossary = load_glossaries(bundled_glossaries())
    source_text, target_text = english.read_text(encoding="utf-8"), chinese.read_text(encoding="utf-8")
    findings: list = []
    state: dict = {}

    def run(stage: str) -> None:
        if stage == "parse":
            state["source"] = parse_document(str(english), source_text)
            state["target"] = parse_document(str(chinese), target_text)
        elif stage == "align":
            state["alignment"] = align(state["source"], state["target"])
        elif stage == "language":
            findings.extend(language.check_documents(state["source"], state["target"]))
        elif stage == "alignment":
            findings.extend(alignment_checks.check_alignment(state["alignment"]))
        elif stage == "glossary":
            findings.extend(glossary_checks.check_alignment(state["alignment"], glossary))
        elif stage == "signals":
            alignment = state["alignment"]
            scores = tuple(PairScore(pair=p.id, drift=None) for p in alignment.pairs)
            scores = with_text_signals(scores, alignment.pairs)
            findings.extend(length.check_scores(alignment, scores))
            findings.extend(untranslated.check_scores(alignment, scores))
        elif stage == "suppress":
            apply_comments(findings, state["target"])
        else:
            family = {
                "numbers": numbers,
                "links": links,
                "images": images,
                "code": code,
                "markdown": markdown,
                "typography": typography,
            }[stage]
            findings.extend(family.check_alignment(state["alignment"]))

    for stage in STAGES:
        if stage in skip and stage not in ("parse", "align"):
            continue
        started = CLOCKS[clock]()
        with collector_paused():  # as `qa check` runs its stages (qa.pipeline.run_check)
            run(stage)
        if stage not in skip:
            print(json.dumps({"stage": stage, "seconds": CLOCKS[clock]() - started}), flush=True)


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _environment(source_tree: Path | None) -> dict[str, str]:
    environment = dict(os.environ)
    if source_tree is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source_tree), environment.get("PYTHONPATH")]))
    return environment


def measure_stages(
    english: Path, chinese: Path, source_tree: Path | None, cap: float, clock: str = "wall"
) -> dict[str, float | None]:
    """Seconds per stage (inf: stopped at the cap; None: not run, an earlier stage was stopped)."""
    times: dict[str, float | None] = {}
    while len(times) < len(STAGES):
        skip = set(times)
        command = [sys.executable, __file__, "--worker", str(english), str(chinese), "--skip", ",".join(skip)]
        command += ["--clock", clock]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env=_environment(source_tree), cwd=english.parent
        )
        lines = _lines(process)
        pending = [stage for stage in STAGES if stage not in times]
        # Parse and align are run again (untimed) for the checks after a stopped stage; the
        # cap counts from the start of the pending stage, as far as this process can tell.
        deadline = time.monotonic() + cap * (1 + sum(stage in skip for stage in ("parse", "align")))
        for stage in pending:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = ""
            if not line:
                process.kill()
                process.wait()
                if line == "":  # stopped: this stage at the cap, what needs it not run
                    times[stage] = float("inf")
                    if stage in ("parse", "align"):
                        times.update({later: None for later in STAGES if later not in times})
                else:
                    raise RuntimeError(f"the worker for {chinese} failed before {stage}")
                break
            result = json.loads(line)
            times[result["stage"]] = result["seconds"]
            deadline = time.monotonic() + cap
        else:
            process.wait()
    return times


def measure_command(
    arguments: list[str], cwd: Path, source_tree: Path | None, cap: float, clock: str = "wall"
) -> float:
    """Wall seconds of `python -m qa ARGUMENTS`, or with `clock="cpu"` its seconds of CPU
    (inf beyond the cap, which counts wall seconds)."""
    started, cpu = time.perf_counter(), _children_cpu()
    try:
        subprocess.run(
            [sys.executable, "-m", "qa", *arguments],
            cwd=cwd,
            env=_environment(source_tree),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=cap,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return float("inf")
    return _children_cpu() - cpu if clock == "cpu" else time.perf_counter() - started


def _children_cpu() -> float:
    """Seconds of CPU of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Result:
    stages: dict[str, float | None]
    check: float
    suggest: float

    def to_json(self) -> dict:
        return {"stages": self.stages, "check": self.check, "suggest": self.suggest}

    @classmethod
    def from_json(cls, data: dict) -> Result:
        return cls(data["stages"], data["check"], data["suggest"])

    @property
    def slowest(self) -> tuple[str, float | None]:
        measured = [(stage, seconds) for stage, seconds in self.stages.items() if seconds is not None]
        return max(measured, key=lambda item: item[1]) if measured else ("", None)


def measure(
    name: str,
    size: int,
    folder: Path,
    source_tree: Path | None,
    cap: float,
    *,
    stages: bool = True,
    clock: str = "wall",
) -> Result:
    """`stages=False`: the two commands only (an old tree that stops at the cap stage after
    stage takes minutes a family)."""
    english_text, chinese_text = FAMILIES[name].documents(size)
    english, chinese = folder / "a.en.md", folder / "a.zh.md"
    english.write_text(english_text, encoding="utf-8")
    chinese.write_text(chinese_text, encoding="utf-8")
    times = measure_stages(english, chinese, source_tree, cap, clock) if stages else {}
    reports = folder / "reports"
    check = measure_command(
        ["check", str(chinese), "--no-drift", "--format", "json", "--report-dir", str(reports)],
        folder,
        source_tree,
        cap,
        clock,
    )
    suggest = measure_command(
        ["glossary", "suggest", str(english), str(chinese), "-o", "-"], folder, source_tree, cap, clock
    )
    return Result(times, check, suggest)


def seconds(value: float | None, cap: float) -> str:
    if value is None:
        return "–"
    if value == float("inf"):
        return f">{cap:.0f} s"
    return f"{value:.2f} s"


def _rows(results: dict[str, tuple[Result | None, Result]], cap: float) -> Iterator[list[str]]:
    for name, (before, after) in results.items():
        cells = [name]
        for pick in (
            lambda r: f"{seconds(r.slowest[1], cap)} {r.slowest[0]}".strip(),
            lambda r: seconds(r.check, cap),
            lambda r: seconds(r.suggest, cap),
        ):
            if before is not None:
                cells.append(f"{pick(before)} → {pick(after)}")
            else:
                cells.append(f"not run → {pick(after)}" if any(b for b, _ in results.values()) else pick(after))
        yield cells


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |" for row in rows
    ]
    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    head = "| " + " | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)) + " |"
    return "\n".join([head, rule, *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="bytes of Chinese per family (1 MB)")
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES), help="only these (repeatable)")
    parser.add_argument("--before-src", type=Path, help="a checkout of an older qa, to time as well")
    parser.add_argument("--before-json", type=Path, help="the before column from a run saved with --save")
    parser.add_argument("--src", type=Path, help="time this checkout of qa (default: the one installed)")
    parser.add_argument("--save", type=Path, help="write the results (seconds, inf beyond the cap) as JSON")
    parser.add_argument("--commands-only", action="store_true", help="time the two commands, not each stage")
    parser.add_argument("--after-json", type=Path, help="print the table of a run saved with --save, timing nothing")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds after which a stage or command is stopped")
    parser.add_argument("--detail", action="store_true", help="also print every stage of every family")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="wall seconds, or seconds of CPU of each process (steadier on a busy machine)",
    )
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        _worker(*arguments.worker, set(filter(None, arguments.skip.split(","))), arguments.clock)
        return
    names = arguments.family or list(FAMILIES)
    saved = json.loads(arguments.before_json.read_text()) if arguments.before_json else {}
    source_tree = arguments.src.resolve() if arguments.src else None
    results: dict[str, tuple[Result | None, Result]] = {}
    if arguments.after_json:
        done = json.loads(arguments.after_json.read_text())
        names = [name for name in names if name in done]
        for name in names:
            before = Result.from_json(saved[name]["after"]) if name in saved else None
            results[name] = (before, Result.from_json(done[name]["after"]))
    with tempfile.TemporaryDirectory(prefix="qa-adversarial-") as scratch:
        for name in [] if arguments.after_json else names:
            folder = Path(scratch) / str(len(results))
            folder.mkdir()
            before = Result.from_json(saved[name]["after"]) if name in saved else None
            if arguments.before_src is not None:
                before = measure(
                    name, arguments.size, folder, arguments.before_src.resolve(), arguments.cap, clock=arguments.clock
                )
            after = measure(
                name,
                arguments.size,
                folder,
                source_tree,
                arguments.cap,
                stages=not arguments.commands_only,
                clock=arguments.clock,
            )
            results[name] = (before, after)
            print(f"{name}: {after.slowest[0]} {seconds(after.slowest[1], arguments.cap)}", file=sys.stderr, flush=True)
            if arguments.save:  # after each family: a long run stopped early keeps what it measured
                saved_now = {n: {"before": b and b.to_json(), "after": a.to_json()} for n, (b, a) in results.items()}
                arguments.save.write_text(json.dumps(saved_now, indent=1))
    arrow = " (before → after)" if any(before for before, _ in results.values()) else ""
    header = ["family", f"slowest check{arrow}", f"qa check --no-drift{arrow}", f"qa glossary suggest{arrow}"]
    clocked = " (seconds of CPU)" if arguments.clock == "cpu" else ""
    print(f"Adversarial inputs, {arguments.size:,} bytes of Chinese each{clocked}; target: every check ≤ 5 s\n")
    print(_table(header, list(_rows(results, arguments.cap))))
    if arguments.detail:
        print()
        detail_rows = []
        for name, (before, after) in results.items():
            for label, result in (("before", before), ("after", after)):
                if result is not None:
                    detail_rows.append([name, label, *(seconds(result.stages.get(s), arguments.cap) for s in STAGES)])
        print(_table(["family", "", *STAGES], detail_rows))


if __name__ == "__main__":
    main()
