"""Signals that need no model: how long the Chinese is, and how much English it kept.

Embeddings miss both. A Chinese block that lost its second half still means much the same
as the English, and an English paragraph copied into the Chinese unchanged is a perfect
match for any multilingual encoder (the problem COMET #192 describes). Both are measured
on the prose of a block: inline code, URLs and link targets are left out, and so are the
words that appear in both languages (names, product and API names: "PyTorch", "BERT"),
since a translation keeps those as they are.

- `length_z`: the length of the Chinese prose (CJK characters plus Latin letters of words
  that are not copied from the English) against what the English prose length predicts,
  in standard deviations of human translations. The log ratio of the two is about -1.1
  (a Chinese character carries about three English letters) and varies less the longer
  the block; `LENGTH` holds the fit, measured by bench/calibrate.py.
- `english_kept`: the share of the English block's ordinary (lower-case) words that appear
  verbatim in the Chinese. A translation keeps names, not "the", "with" or "model".

The ordinary words leave out formulas (`$$…$$`, `$…$`) too: their letters are variables and
commands, kept by any translation. (Their letters still count as length: a formula the
Chinese replaced with prose is still seen.)

`unjudged_pairs` names the pairs whose block-level scores are not evidence, which the drift and
length rules leave alone: titles (headings, table-of-contents entries) and table rows of tables
that do not have the same number of rows on both sides.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from itertools import filterfalse

from qa.glossary.match import Occurrences
from qa.model import Alignment, Document, Pair, PairScore, Segment, SegmentKind

_URL = re.compile(r"(?:https?|ftp)://\S+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# An ordinary word: lower case, not glued to a dot, slash, underscore or hyphen (which
# would make it part of an identifier, a path or a package name such as tf.function), nor the
# tail of a contraction or possessive ("s" of "Let's", "It's": part of a capitalised word).
# The lookbehinds sit after the first letter, so that the regex engine skips ahead to lower
# case letters instead of trying them at every character.
_ORDINARY_WORD = re.compile(r"[a-z](?<![\w./\\-][a-z])(?<![A-Za-z]['’][a-z])[a-z'’]*(?![\w/\\-]|\.\w)")
# Display math, and inline math as Pandoc reads it: a `$` followed by a non-space, closed by
# a `$` after a non-space and before no digit ("$5 and $10" is no formula).
_MATH = re.compile(r"\$\$.*?\$\$|(?<![\\$\w])\$(?=[^\s$])[^$\n]*?(?<![\s\\])\$(?![\d$])", re.DOTALL)
_NOT_PROSE = {SegmentKind.CODE, SegmentKind.IMAGE, SegmentKind.RULE, SegmentKind.HTML}


@dataclass(frozen=True)
class LengthModel:
    """log(zh units / en units) ~ Normal(mean + mean_per_unit / n, sd_floor² + var_per_unit / n)."""

    mean: float
    mean_per_unit: float
    sd_floor: float
    var_per_unit: float
    min_units: int
    """Below this many English letters to translate, the ratio is too noisy to judge."""

    def z(self, source_units: int, target_units: int) -> float:
        n = source_units
        expected = self.mean + self.mean_per_unit / n
        sd = math.sqrt(self.sd_floor**2 + self.var_per_unit / n)
        # A target with nothing left to count is as short as one unit: the log stays finite.
        return (math.log(max(target_units, 1) / n) - expected) / sd

    def expected_ratio(self, source_units: int) -> float:
        return math.exp(self.mean + self.mean_per_unit / source_units)


# Fitted by maximum likelihood on the gold block pairs of shared/corpus/parallel
# (bench/calibrate.py prints the fit and how often each threshold fires on gold pairs).
LENGTH = LengthModel(mean=-1.143, mean_per_unit=1.87, sd_floor=0.069, var_per_unit=2.16, min_units=12)
MIN_ORDINARY_WORDS = 2
"""Fewer ordinary English words than this and the share kept says nothing."""


@dataclass(frozen=True)
class Prose:
    """The prose of one side of a pair, split the way both signals need it."""

    latin_words: tuple[str, ...]
    """In lower case, as both signals compare them (ASCII letters and apostrophes: as long as written)."""
    ordinary_words: tuple[str, ...]
    """Outside formulas, as written."""
    cjk_chars: int


def prose(segments: tuple[Segment, ...]) -> Prose:
    # The blocks are read as one text, a line each: no word or run crosses a newline, and the
    # word patterns look around for characters a newline is not, as a text's end is not.
    texts = [_prose_text(segment) for segment in segments if segment.kind not in _NOT_PROSE]
    text = "\n".join(texts)
    # The words are ASCII letters and apostrophes: lower-casing them joined by spaces lower-cases
    # each, in one call.
    words = " ".join(_LATIN_WORD.findall(text)).lower().split()
    cjk = 0 if text.isascii() else sum(map(len, _CJK_RUN.findall(text)))  # most English sides are ASCII
    if "$" in text:  # most blocks have no formula and skip the regex
        text = "\n".join(_MATH.sub(" ", block) for block in texts)
    return Prose(tuple(words), tuple(_ORDINARY_WORD.findall(text)), cjk)


def length_units(pair: Pair) -> tuple[int, int] | None:
    """(English letters, Chinese characters) that translate each other; None if an empty side."""
    if not pair.source or not pair.target:
        return None
    return _length_units(prose(pair.source), prose(pair.target))


def length_z(pair: Pair, model: LengthModel = LENGTH) -> float | None:
    """Standard deviations between the Chinese length and the English's prediction; None if too short."""
    if not pair.source or not pair.target:
        return None
    return _length_z(prose(pair.source), prose(pair.target), model)


def english_kept(pair: Pair) -> float | None:
    """Share of the English's ordinary words found verbatim in the Chinese; None if too few."""
    if not pair.source or not pair.target:
        return None
    return _english_kept(prose(pair.source), prose(pair.target))


def with_text_signals(scores: tuple[PairScore, ...], pairs: tuple[Pair, ...]) -> tuple[PairScore, ...]:
    """Add length_z and english_kept to each pair's score."""
    by_id = {pair.id: pair for pair in pairs}
    return tuple(_with_signals(score, by_id[score.pair]) for score in scores)


def _with_signals(score: PairScore, pair: Pair) -> PairScore:
    # Each side's prose is read once for both signals.
    if not pair.source or not pair.target:
        return replace(score, length_z=None, english_kept=None)
    source, target = prose(pair.source), prose(pair.target)
    return replace(score, length_z=_length_z(source, target), english_kept=_english_kept(source, target))


def _length_units(source: Prose, target: Prose) -> tuple[int, int]:
    shared = set(source.latin_words) & set(target.latin_words)
    source_units = sum(map(len, filterfalse(shared.__contains__, source.latin_words)))
    target_units = target.cjk_chars + sum(map(len, filterfalse(shared.__contains__, target.latin_words)))
    return source_units, target_units


def _length_z(source: Prose, target: Prose, model: LengthModel = LENGTH) -> float | None:
    units = _length_units(source, target)
    if units[0] < model.min_units:
        return None
    return round(model.z(*units), 3)


def _english_kept(source: Prose, target: Prose) -> float | None:
    if len(source.ordinary_words) < MIN_ORDINARY_WORDS:
        return None
    found = set(target.latin_words)
    kept = sum(map(found.__contains__, source.ordinary_words))
    return round(kept / len(source.ordinary_words), 3)


def _prose_text(segment: Segment) -> str:
    text = _without_code(segment.text, segment.code_spans)
    return _URL.sub(" ", text) if "://" in text else text  # every URL has "://"; most blocks none


_FEW_CODES = 32
"""Up to this many different code spans, a block's text loses them one `str.replace` at a time."""


def _without_code(text: str, codes: tuple[str, ...]) -> str:
    """`text` with every occurrence of each code span replaced by a space, one code after the
    other: `for code in codes: text = text.replace(code, " ")`.

    That loop reads the whole text once per code: with thousands of spans in one paragraph,
    quadratic. For more than `_FEW_CODES` different codes, every occurrence of each is found
    in one scan (qa.glossary.match.Occurrences), and the replacements are made as the loop would make them: code
    by code, left to right, skipping an occurrence that overlaps one replaced before. That is
    the loop exactly when no code has whitespace in it; one that has could, in the loop, also
    match across a space another code left (`a b` after `x` in "ax b"), which this does not
    see: a difference in blocks of many spans only, and in a word count at most."""
    distinct = list(dict.fromkeys(codes))
    if len(distinct) <= _FEW_CODES or "" in distinct:
        for code in codes:
            text = text.replace(code, " ")
        return text
    rank_of = {code: rank for rank, code in enumerate(distinct)}
    starts: list[list[int]] = [[] for _ in distinct]
    for start, code in Occurrences(distinct)(text):
        starts[rank_of[code]].append(start)
    replaced = bytearray(len(text))
    spans: list[tuple[int, int]] = []
    for rank, code in enumerate(distinct):
        free_from = 0  # str.replace takes occurrences left to right, none overlapping
        for start in starts[rank]:
            end = start + len(code)
            if start >= free_from and replaced.find(1, start, end) < 0:
                replaced[start:end] = b"\x01" * len(code)
                spans.append((start, end))
                free_from = end
    pieces: list[str] = []
    at = 0
    for start, end in sorted(spans):
        pieces += (text[at:start], " ")
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


# ---------------------------------------------------------------- pairs whose scores are no evidence

# A list item that is nothing but links into the page: `- [What is attention](#what-is-attention)`.
_TOC_ENTRY = re.compile(r"\s*(?:[-*+]|\d+[.)])\s+(?:(?:\*\*|__)?\[[^\]\n]*\]\(#[^)\n]*\)(?:\*\*|__)?[\s,;·|]*)+")


def is_title(segment: Segment) -> bool:
    """A heading, or a table-of-contents entry (a list item of links to headings of the page)."""
    if segment.kind is SegmentKind.HEADING:
        return True
    return (
        segment.kind is SegmentKind.LIST_ITEM and "](#" in segment.raw and _TOC_ENTRY.fullmatch(segment.raw) is not None
    )


def unjudged_pairs(alignment: Alignment) -> frozenset[int]:
    """Ids of the pairs whose drift and length say nothing about the translation.

    - Titles: a pair whose English is headings or table-of-contents entries only. A title is a
      few words, rendered tersely or kept in English by design (`## BPE 训练` for "## Training
      algorithm"); on hf-docs and hf-course `drift/high` fired on 19 of 216 scored heading
      pairs (8.8%) and the length rules on 17 of 222 (7.7%), against 2.5% and 5.7% of
      paragraphs. 34 of those 36 findings were good translations; the other 2 are one heading
      with a paragraph glued onto its line, which `alignment/missing-block` reports as well.
    - Table rows of tables whose row counts differ (a row added or dropped on one side, or an
      English table that gained rows after the translation): rows pair by position, so they
      are compared with rows they do not translate.
    A one-line paragraph is judged: short prose is no title, and on the damaged translations of
    bench/drift.py drift and length catch most short blocks that are cut or replaced.
    """
    skipped: set[int] = set()
    source_tables = _table_sizes(alignment.source)
    target_tables = _table_sizes(alignment.target)
    for pair in alignment.pairs:
        if not pair.source or not pair.target:
            continue
        if all(is_title(segment) for segment in pair.source):
            skipped.add(pair.id)
        elif source_tables and target_tables:
            source_rows = {source_tables[s.index] for s in pair.source if s.index in source_tables}
            target_rows = {target_tables[t.index] for t in pair.target if t.index in target_tables}
            if source_rows and target_rows and (len(source_rows) > 1 or source_rows != target_rows):
                skipped.add(pair.id)
    return frozenset(skipped)


def _table_sizes(document: Document) -> dict[int, int]:
    """Segment index -> the number of rows of its table, for every table row of `document`
    (a table is a run of consecutive table rows)."""
    sizes: dict[int, int] = {}
    run: list[int] = []
    for segment in (*document.segments, None):
        if segment is not None and segment.kind is SegmentKind.TABLE_ROW:
            run.append(segment.index)
            continue
        sizes.update(dict.fromkeys(run, len(run)))
        run = []
    return sizes
