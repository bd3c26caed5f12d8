"""Untranslated check: a Chinese block that is still the English text."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.model import Alignment, Finding, Pair, PairScore, SegmentKind, Severity
from qa.rules.pairwise import flag_scored_pairs
from qa.rules.rule import Check, Rule, Scope
from qa.score.signals import MIN_ORDINARY_WORDS, prose

UNTRANSLATED = Rule.define(
    "untranslated/block",
    Severity.ERROR,
    """The Chinese block has kept the English words of its source: it was not translated.

    What it does: counts the ordinary (lower-case) English words of the source block,
    outside inline code, URLs and formulas, and flags the pair when more than KEPT_THRESHOLD
    of them appear verbatim in the Chinese. Names and API identifiers, which a translation
    keeps, are capitalised or glued to dots and underscores and do not count. Blocks with
    fewer than MIN_ORDINARY_WORDS different ordinary words are not judged.

    On a few words a share is noise (a heading `### 从 datasets 到 dataloaders` keeps two
    terms of three words: 67%), so the different words kept are counted as if one more word
    had been translated: two of three is 50%, three of three 75%, and a long paragraph is
    judged as before.

    Content that stays English by nature is not judged: a reference (a year, and authors
    first or an arXiv id, a DOI, proceedings, pages; a paragraph that cites a paper in
    passing is prose), a code-like line (a shell command or a prompt, or an assignment, a
    call or an import from its first character, outside backticks), and a table row whose
    cells after the first all hold numbers. Formulas are not prose and are never counted.

    Why is this bad: an English paragraph left in the Chinese page is a failure any
    reader sees, and it is invisible to a multilingual encoder, which scores a copy of
    the source as a perfect translation (COMET #192).

    Example: English "The model is trained on a large corpus of web text.", Chinese
    "The model is trained on a large corpus of web text."
    """,
)

RULES = (UNTRANSLATED,)

# Measured by bench/calibrate.py on 295 gold block pairs: 99% of human translations keep a
# third of the ordinary words or less (package names written in lower case: optuna, wandb),
# none more than half; copied paragraphs keep over 90% (bench/drift.py).
KEPT_THRESHOLD = 0.6


def check_scores(alignment: Alignment, scores: Sequence[PairScore]) -> list[Finding]:
    def judge(score: PairScore, pair: Pair) -> tuple[Rule, str] | None:
        if score.english_kept is None or score.english_kept <= KEPT_THRESHOLD:
            return None
        if english_by_nature(pair) or not keeps_enough_words(pair):
            return None
        return UNTRANSLATED, (
            f"not translated: {score.english_kept:.0%} of the ordinary English words of "
            f"{alignment.source.path}:{pair.source[0].start_line} are still in the Chinese "
            f"(the threshold is {KEPT_THRESHOLD:.0%})"
        )

    return flag_scored_pairs(alignment, scores, judge)


CHECKS = (Check("untranslated", RULES, Scope.SCORES, run=lambda given: check_scores(given.alignment, given.scores)),)


def keeps_enough_words(pair: Pair) -> bool:
    """Whether the different ordinary words kept stay above KEPT_THRESHOLD with one more word
    counted as translated (see the rule's doc)."""
    source, target = prose(pair.source), prose(pair.target)
    different = set(source.ordinary_words)
    if len(different) < MIN_ORDINARY_WORDS:
        return False
    kept = different & set(target.latin_words)
    return len(kept) / (len(different) + 1) > KEPT_THRESHOLD


# A reference: a year, and a list of authors first ("Vaswani, A., Shazeer, N.", "Lee et al.",
# "Lee and Kim", "[3] Lee, Kim,") or, in a block of a few lines at most, a bibliographic mark.
# A paragraph that cites a paper in passing, "(Vaswani et al., 2017)", is prose.
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d[a-z]?(?!\d)")
_AUTHORS_FIRST = re.compile(
    r"\s*(?:\[\d+\]\s*)?[A-Z][\w'’-]+(?:,\s+(?:[A-Z]\.\s*)+|,?\s+et al\b|\s+(?:and|&)\s+[A-Z]|,\s+[A-Z][\w'’-]+,)"
)
_BIBLIOGRAPHIC_MARK = re.compile(
    r"\barXiv:\s*\d{4}\.\d{4,5}|\bdoi\b|\bDOI\b|\bProceedings of\b|\bIn Advances in\b|\bpp\.\s*\d"
    r"|\bvol\.\s*\d|\bISBN\b"
)
_REFERENCE_MAX_WORDS = 60
# A code-like line: one line, no sentence end, and a prompt or a shell command (in lower case,
# as a sentence does not start), or code from its first character (an assignment, a call, an
# import) among no run of four plain words.
_COMMAND = re.compile(
    r"\s*(?:(?:\$|%|>>>)\s+|(?:pip3?|conda|python3?|git|npm|npx|yarn|curl|wget|docker|apt(?:-get)?|brew"
    r"|sudo|huggingface-cli|torchrun|deepspeed)\s+[\w./-])"
)
_CODE_START = re.compile(r"\s*(?:[\w.\[\]]+\s*=\s*\S|[\w.]+\(|(?:from|import)\s+[\w.]+)")
_PROSE_RUN = re.compile(r"(?<![\w.])[a-z]+(?:\s+[a-z]+){3}(?![\w(])")
_SENTENCE_END = re.compile(r"[.!?:。！？：]\s*$")
_WORD = re.compile(r"[A-Za-z]+")
_NUMBER_CELL_WORDS = 3
"""A cell with a number and at most this many words holds a quantity ("3.5 ms per step")."""


def english_by_nature(pair: Pair) -> bool:
    """The English is a reference, a code-like line or a row of numbers: a translation keeps it."""
    if len(pair.source) != 1:
        return False
    segment = pair.source[0]
    text = segment.text
    if _YEAR.search(text) and (
        _AUTHORS_FIRST.match(text)
        or (_BIBLIOGRAPHIC_MARK.search(text) and len(_WORD.findall(text)) <= _REFERENCE_MAX_WORDS)
    ):
        return True
    if segment.kind is SegmentKind.TABLE_ROW:
        cells = text.split(" | ")
        return len(cells) > 1 and all(_is_quantity(cell) for cell in cells[1:])
    if "\n" in text.strip() or _SENTENCE_END.search(text):
        return False
    if _COMMAND.match(text):
        return True
    return _CODE_START.match(text) is not None and _PROSE_RUN.search(text) is None


def _is_quantity(cell: str) -> bool:
    """A table cell that holds a number (and a unit or a few words), or nothing."""
    if not cell.strip(" -–—"):
        return True
    return any(char.isdigit() for char in cell) and len(_WORD.findall(cell)) <= _NUMBER_CELL_WORDS
