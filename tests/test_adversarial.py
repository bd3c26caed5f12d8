"""Adversarial input: every stage of `qa check` (and `qa glossary suggest`, and the diff of
`qa fix`) takes time at most about linear in the input, for inputs built against each pattern
class of qa: repeats of a pattern's fragments, near misses, long runs of what its quantifiers
eat. (bench/adversarial.py times the same kinds of input at 1 MB; the inputs are built with
its builders, here counted in characters.)

Each family is built at two sizes, n and 4n, and each stage timed on both: linear work takes
about 4 times as long, quadratic 16 times. A stage fails when the larger input took more than
`GROWTH` times as long, confirmed by the best of three runs of each; it passes when the larger
run takes under `FLOOR` seconds (too fast to tell, and to matter). Runs are timed with qa's
caches emptied and the garbage collector off, as timeit does, and stopped at `CAP` seconds.
They are timed in seconds of CPU of this process, not wall seconds: on a machine other work
shares, a run of a few milliseconds may finish within its time slice while one ten times as
long waits for others between slices, and looked quadratic.
The whole file takes a few seconds on a 2-core machine. On the code before the fixes it
guards, 18 of its 39 families fail (at their first slow stage: a quadratic loop or pattern,
or the exponential one of `qa glossary suggest`, which the cap stops).
"""

from __future__ import annotations

import gc
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from types import ModuleType

import pytest

from bench.adversarial import growing_backticks, numbered, repeated
from qa.align import align
from qa.checks import alignment as alignment_checks
from qa.checks import code, images, language, length, links, markdown, numbers, typography, untranslated
from qa.checks import glossary as glossary_checks
from qa.fix import unified_diff
from qa.glossary import Glossary
from qa.markdown import parse_document
from qa.model import Alignment, Document, PairScore
from qa.signals import with_text_signals
from qa.suggest import english_terms, mine
from qa.suppress import apply_comments

SIZE = 2_000
"""Characters of the smaller input; the larger has four times as many."""
GROWTH = 9.0
"""Most the time may grow by for 4 times the input: linear is 4, quadratic 16."""
FLOOR = 0.03
"""Seconds under which a stage on the larger input passes whatever its growth."""


def _times(n: int, fragment: str) -> str:
    """`fragment` repeated to about `n` characters."""
    return repeated(fragment, n, len)


def _numbered(n: int, template: str) -> str:
    """`template.format(i=…)` for i = 0, 1, … to about `n` characters."""
    return numbered(template, n, len)


@dataclass(frozen=True)
class Family:
    english: Callable[[int], str]
    chinese: Callable[[int], str] | None = None
    """None: the English body again."""
    scale: int = 1
    """Times SIZE for inputs whose quadratic part is cheap per step: it must show at 4n."""
    terms: bool = False
    """Whether the English is made of the capitalised terms `qa glossary suggest` mines (jieba
    reads the Chinese of every pair there, a cost per character the other families need not pay)."""

    def documents(self, n: int) -> tuple[Document, Document]:
        n *= self.scale
        english = self.english(n)
        chinese = english if self.chinese is None else self.chinese(n)
        return (
            parse_document("a.en.md", f"# Title\n\n{english}\n"),
            parse_document("a.zh.md", f"# 标题\n\n{chinese}\n"),
        )


# Per pattern class: the pattern's fragment repeated, or a near miss of what it matches.
FAMILIES = {
    # numbers: names (a letter chain with no digit after "1 "), digit runs, versions, words
    "letter chain": Family(lambda n: "1 " + _times(n, "a-")),
    "numbers changed": Family(lambda n: _numbered(n, "{i} "), lambda n: _numbered(n, "{i}1 ")),
    "names apart": Family(lambda n: _numbered(n, "GPT-{i} "), lambda n: _numbered(n, "GPT {i} "), terms=True),
    "number words": Family(lambda n: _times(n, "one two "), lambda n: _times(n, "一二三")),
    "digit commas": Family(lambda n: _times(n, "1,")),
    "version dots": Family(lambda n: _times(n, "1.")),
    # protected spans, inline parts, broken syntax
    "link target openers": Family(lambda n: _times(n, "](")),
    "image alt openers": Family(lambda n: _times(n, "![")),
    "image alt openers, one close": Family(lambda n: _times(n, "![") + "]"),
    "link label openers": Family(lambda n: _times(n, "[")),
    "nested destination": Family(lambda n: _times(n, "[a](b")),
    "autolink openers": Family(lambda n: _times(n, "<http://")),
    "link card closers": Family(lambda n: "[## card\n\n" + _times(n, "](http://")),
    "spaces in a link target": Family(lambda n: "[a](" + " " * n + "x"),
    "html image openers": Family(lambda n: _times(n, "<img ")),
    "html tag openers": Family(lambda n: _times(n, "<a ")),
    "backtick runs": Family(growing_backticks),
    "one backtick run": Family(lambda n: "a" + "`" * n + "a", scale=4),
    "broken link openers": Family(lambda n: _times(n, "【a】(")),
    "broken image openers": Family(lambda n: _times(n, "！[")),
    "links changed": Family(
        lambda n: _numbered(n, "[a{i}](https://x.org/p/{i}) "), lambda n: _numbered(n, "[甲{i}](https://y.org/q/{i}) ")
    ),
    "links damaged": Family(
        lambda n: _numbered(n, "[a](https://x.org/p/{i}.pdf) "),
        lambda n: _numbered(n, "[甲](https://x.org/p/{i}. pdf) "),
        scale=2,
    ),
    "images broken": Family(lambda n: _numbered(n, "![](img/{i}.png) "), lambda n: _numbered(n, "！[](img/{i}.png) ")),
    "images changed": Family(lambda n: _numbered(n, "![](img/{i}.png) "), lambda n: _numbered(n, "![](img/{i}x.png) ")),
    # code
    "spaces in a code line": Family(lambda n: "```\n" + " " * n + "x\n```", lambda n: "```\n" + " " * n + "中\n```"),
    "code spans changed": Family(lambda n: _numbered(n, "`c{i}` "), lambda n: _numbered(n, "`d{i}` ")),
    "code spans with spaces": Family(lambda n: _numbered(n, "`c {i}` "), lambda n: _numbered(n, "`d {i}` ")),
    # typography and emphasis
    "spacing findings": Family(lambda n: _times(n, "x1 "), lambda n: _times(n, "中1")),
    "spacing among links": Family(
        lambda n: _numbered(n, "[a](https://x.org/{i}) x1 "), lambda n: _numbered(n, "[甲](https://x.org/{i}) 中1")
    ),
    "doubled marks": Family(lambda n: _times(n, "a, "), lambda n: _times(n, "，，")),
    "strong markers": Family(lambda n: _times(n, "**a ")),
    "table cells": Family(lambda n: "| a | b |\n|---|---|\n" + _times(n, "| `a` ")),
    # structure
    "many blocks": Family(lambda n: _times(n, "Para 1.\n\n"), lambda n: _times(n, "段落 1。\n\n")),
    "qa-ignore comments": Family(
        lambda n: _times(n, "Text.\n\n"), lambda n: _times(n, "<!-- qa-ignore typography/ -->\n\n文字。\n\n"), scale=4
    ),
    "glossary terms": Family(lambda n: _times(n, "The Transformer. "), lambda n: _times(n, "变压器。")),
    # suggest's term patterns
    "hyphen chain": Family(lambda n: "GPT" + _times(n, "-XL") + "_v2", lambda n: _times(n, "模型"), terms=True),
    "capitalised words": Family(lambda n: _times(n, "Aa "), lambda n: _times(n, "模型"), terms=True),
    "capitals": Family(lambda n: _times(n, "A") + "_", terms=True),
    "camel humps": Family(lambda n: _times(n, "aA") + "_", terms=True),
}


def _stages(glossary: Glossary) -> dict[str, Callable[[Document, Document, Alignment], object]]:
    """Every stage of `qa check --no-drift` after parsing, and suggest's own."""

    def signals(source: Document, target: Document, alignment: Alignment) -> object:
        scores = with_text_signals(tuple(PairScore(pair=p.id, drift=None) for p in alignment.pairs), alignment.pairs)
        return length.check_scores(alignment, scores) + untranslated.check_scores(alignment, scores)

    def suppress(source: Document, target: Document, alignment: Alignment) -> object:
        return apply_comments(typography.check_alignment(alignment), target)

    return {
        "align": lambda s, t, a: align(s, t),
        "language": lambda s, t, a: language.check_documents(s, t),
        "alignment": lambda s, t, a: alignment_checks.check_alignment(a),
        "glossary": lambda s, t, a: glossary_checks.check_alignment(a, glossary),
        **{
            family.__name__.rsplit(".", 1)[-1]: _pair_check(family)
            for family in (numbers, links, images, code, markdown, typography)
        },
        "signals": signals,
        "suppress": suppress,
        "suggest terms": lambda s, t, a: [english_terms(segment.text) for segment in s.segments],
        "suggest mining": lambda s, t, a: mine([(p.source, p.target) for p in a.pairs if p.source and p.target]),
    }


def _pair_check(family: ModuleType) -> Callable[[Document, Document, Alignment], object]:
    return lambda source, target, alignment: family.check_alignment(alignment)


CAP = 20.0
"""Seconds after which a run is stopped: an exponential pattern would not end (`re` checks for
signals as it matches, so a SIGALRM stops even a regex)."""


class _Stopped(Exception):
    pass


def _stop(signum, frame) -> None:
    raise _Stopped


def _clear_caches() -> None:
    """Empty qa's memoised functions (parts and masks of a block's text, compiled patterns):
    each run pays for its input, and a repeated run is not timed from the cache."""
    for module in [m for name, m in sys.modules.items() if name == "qa" or name.startswith("qa.")]:
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def _seconds(run: Callable[[], object]) -> float:
    """Seconds of CPU `run` takes; inf when stopped at CAP wall seconds (where there is SIGALRM)."""
    _clear_caches()
    capped = hasattr(signal, "SIGALRM")
    if capped:
        previous = signal.signal(signal.SIGALRM, _stop)
        signal.setitimer(signal.ITIMER_REAL, CAP)
    # As timeit does: a collection of the whole heap (the glossary, earlier inputs) landing in
    # one run of a few milliseconds would time the heap, not the input.
    collecting = gc.isenabled()
    gc.disable()
    started = time.process_time()
    try:
        run()
    except _Stopped:
        return float("inf")
    finally:
        if collecting:
            gc.enable()
        if capped:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return time.process_time() - started


def _grows_too_fast(small: Callable[[], object], large: Callable[[], object]) -> tuple[bool, float, float]:
    """(whether `large` took over GROWTH times as long as `small`, and the two times): one run
    each, then, only if it looks so, the best of three of each to be sure."""
    big = _seconds(large)
    if big <= FLOOR:
        return False, 0.0, big  # fast enough that the smaller input need not be timed
    little = _seconds(small)
    if float("inf") in (little, big):
        return True, little, big
    if big <= FLOOR or big <= GROWTH * little:
        return False, little, big
    little = min(little, *(_seconds(small) for _ in range(2)))
    big = min(big, *(_seconds(large) for _ in range(2)))
    return big > FLOOR and big > GROWTH * little, little, big


@pytest.fixture(scope="module", autouse=True)
def _jieba_loaded():
    """jieba builds its dictionary on first use (a second): not a cost of the input."""
    import jieba

    jieba.setLogLevel(60)
    jieba.lcut("预热")


@pytest.mark.parametrize("name", FAMILIES)
def test_every_stage_takes_time_about_linear_in_the_input(name, glossary):
    family = FAMILIES[name]
    too_fast, little, big = _grows_too_fast(lambda: family.documents(SIZE), lambda: family.documents(4 * SIZE))
    assert not too_fast, f"parsing {name}: {little:.3f} s, then {big:.3f} s for 4 times the input"
    (small_en, small_zh), (large_en, large_zh) = family.documents(SIZE), family.documents(4 * SIZE)
    small, large = align(small_en, small_zh), align(large_en, large_zh)
    for stage, run in _stages(glossary).items():
        if stage == "suggest mining" and not family.terms:
            continue
        too_fast, little, big = _grows_too_fast(
            partial(run, small_en, small_zh, small), partial(run, large_en, large_zh, large)
        )
        assert not too_fast, f"{stage} on {name}: {little:.3f} s, then {big:.3f} s for 4 times the input"


def _changed_lines(n: int) -> tuple[list[str], list[str]]:
    """A long file of repeated paragraphs, and the same with every other paragraph fixed."""
    old = _times(n, "使用变压器训练。\n\n图片\n\n").splitlines(keepends=True)
    new = [line.replace("变压器", "Transformer") if i % 8 == 0 else line for i, line in enumerate(old)]
    return old, new


def test_the_fix_diff_takes_time_about_linear_in_the_file():
    (a1, b1), (a2, b2) = _changed_lines(50 * SIZE), _changed_lines(200 * SIZE)
    too_fast, little, big = _grows_too_fast(
        lambda: list(unified_diff(a1, b1, "a", "b")), lambda: list(unified_diff(a2, b2, "a", "b"))
    )
    assert not too_fast, f"diff: {little:.3f} s, then {big:.3f} s for 4 times the lines"
