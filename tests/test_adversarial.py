"""Adversarial input: every stage of `qa check` (and `qa glossary suggest`, and the diff of
`qa fix`) takes time at most about linear in the input, for inputs built against each pattern
class of qa: repeats of a pattern's fragments, near misses, long runs of what its quantifiers
eat: the families of bench/adversarial.py (FAMILIES there, one list for both), which times
them at 1 MB in bytes of UTF-8; here they are built counted in characters.

Each family is built at two sizes, n and 4n, and each stage timed on both: linear work takes
about 4 times as long, quadratic 16 times. A stage fails when the larger input took more than
`GROWTH` times as long, confirmed by the best of three runs of each; it passes when the larger
run takes under `FLOOR` seconds (too fast to tell, and to matter). Runs are timed with qa's
caches emptied and the garbage collector off, as timeit does, and stopped at `CAP` seconds.
They are timed in seconds of CPU of this process, not wall seconds: on a machine other work
shares, a run of a few milliseconds may finish within its time slice while one ten times as
long waits for others between slices, and looked quadratic.
On the code before the fixes it guards, 18 of the 39 families it then had failed (at their
first slow stage: a quadratic loop or pattern, or the exponential one of `qa glossary
suggest`, which the cap stops).
"""

from __future__ import annotations

import gc
import signal
import sys
import time
from collections.abc import Callable
from functools import partial
from types import ModuleType

import pytest

from bench.adversarial import FAMILIES, Family, repeated
from qa.align.pairs import align
from qa.fix import unified_diff
from qa.glossary.load import Glossary
from qa.glossary.suggest import english_terms, mine
from qa.model import Alignment, Document, PairScore
from qa.read.markdown import parse_document
from qa.rules import alignment as alignment_checks
from qa.rules import code, images, language, length, links, markdown, numbers, typography, untranslated
from qa.rules import glossary as glossary_checks
from qa.rules.suppress import apply_comments
from qa.score.signals import with_text_signals

SIZE = 2_000
"""Characters of the smaller body (times its family's scale); the larger has four times as many."""
GROWTH = 9.0
"""Most the time may grow by for 4 times the input: linear is 4, quadratic 16."""
FLOOR = 0.03
"""Seconds under which a stage on the larger input passes whatever its growth."""


def _documents(family: Family, n: int) -> tuple[Document, Document]:
    """The family's pair parsed, its bodies about `n` characters (times its scale)."""
    english, chinese = family.documents(n * family.scale, len)
    return parse_document("a.en.md", english), parse_document("a.zh.md", chinese)


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
    too_fast, little, big = _grows_too_fast(lambda: _documents(family, SIZE), lambda: _documents(family, 4 * SIZE))
    assert not too_fast, f"parsing {name}: {little:.3f} s, then {big:.3f} s for 4 times the input"
    (small_en, small_zh), (large_en, large_zh) = _documents(family, SIZE), _documents(family, 4 * SIZE)
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
    old = repeated("使用变压器训练。\n\n图片\n\n", n, len).splitlines(keepends=True)
    new = [line.replace("变压器", "Transformer") if i % 8 == 0 else line for i, line in enumerate(old)]
    return old, new


def test_the_fix_diff_takes_time_about_linear_in_the_file():
    (a1, b1), (a2, b2) = _changed_lines(50 * SIZE), _changed_lines(200 * SIZE)
    too_fast, little, big = _grows_too_fast(
        lambda: list(unified_diff(a1, b1, "a", "b")), lambda: list(unified_diff(a2, b2, "a", "b"))
    )
    assert not too_fast, f"diff: {little:.3f} s, then {big:.3f} s for 4 times the lines"
