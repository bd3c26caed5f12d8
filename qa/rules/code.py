"""Code checks: inline code and code blocks the translation changed, translated or unquoted."""

from __future__ import annotations

import bisect
import difflib
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from qa.glossary.match import Occurrences
from qa.model import Alignment, Applicability, Finding, Pair, Segment, SegmentKind, Severity
from qa.read.inline import PartKind, parts, prose_mask
from qa.rules.pairwise import (
    Located,
    excerpt,
    finding_at,
    finding_at_block,
    source_place,
)
from qa.rules.rule import Check, Rule, Scope

INLINE_CHANGED = Rule.define(
    "code/inline-changed",
    Severity.ERROR,
    """An inline code span of the English stands changed, or translated, in the Chinese.

    What it does: compares the `code spans` of both sides of an aligned pair. Spans are the
    same when they differ only in spaces beside a comma, semicolon or bracket (`(10, )` and
    `(10,)`), in the angle brackets of a placeholder (`<arguments>` and `arguments`) or in
    the quotes around a whole span naming a value (`"pandas"` and `pandas`; quotes dropped
    inside code, `d["train"]` -> `d[train]`, are a change); an English span that stands
    whole in a longer Chinese span with no Chinese in it is there (`StripAccents` in
    `StripAccents normalizer`). When the English has spans the Chinese lacks and the
    Chinese has as many spans the English lacks, they are paired, most alike first; spans
    alike in nothing but their place are a change only when the Chinese span holds the
    English code or translates it (`Model（模型）`, `积极`), else the English span is left to
    code/inline-missing (a rewritten sentence naming other code). The Chinese span is marked,
    with the English one as the suggestion; the message says "translated" when the Chinese
    span has Chinese in it.

    Not reported: an English span of lowercase words that the document's code blocks never
    use, rendered as a span of Chinese words: a prose concept the English put in backticks
    (an example label such as `positive` -> `积极`), rightly translated.

    Why is this bad: code is copied, not read; a translated identifier or option name
    (`批大小` for `batch_size`) fails when the reader pastes it, and a Chinese gloss inside a
    span (`train（训练集）`) is pasted with it.

    Example: English "set `num_beams` to 4", Chinese 将 `光束数` 设为 4 -> suggest `num_beams`.
    """,
)

INLINE_MISSING = Rule.define(
    "code/inline-missing",
    Severity.WARNING,
    """An inline code span of the English is not code in the Chinese.

    What it does: reports each English code span with no counterpart among the Chinese
    spans (nor in a neighbouring Chinese block the aligner left without English). When its
    text is still in the Chinese prose without backticks (for a quoted span, its text
    without the quotes), the finding marks it there; otherwise it is an empty range at the
    start of the block. A warning: the text may have been rephrased on purpose.

    Not reported, as good translations do these on purpose: a name shaped like a word
    (`Trainer`, `pip`, `gpt2`, `bert-base-cased`) kept without backticks, or a quoted word
    kept in Chinese quotes; a span that is the text of a link and is kept, unquoted, in the
    link's text; a single word (`delimiter`, `Dataset`) rendered in Chinese. Still reported:
    a name of a doc-builder reference (`[`Trainer`]`: without backticks the reference no
    longer renders as a link), code-shaped text without backticks (`model.generate()`,
    `from_tf=True`), and every other span that is gone.

    Why is this bad: without backticks an identifier reads as prose (and `__init__` turns
    into bold "init"), and a span that is gone may be content the translation dropped.

    Example: English "call `model.generate()`", Chinese 调用 model.generate().
    """,
    fix=Applicability.UNSAFE,
)

BLOCK_CHANGED = Rule.define(
    "code/block-changed",
    Severity.INFO,
    """A code block differs from the English one in its code, its language tag or its fences.

    What it does: compares each English code block with the aligned Chinese one line by
    line, ignoring trailing spaces, spaces beside a comma, semicolon or bracket, and
    comments, and marks the first Chinese line whose code differs (the message says
    "translated" when it has Chinese in it). A language tag is changed when the Chinese
    one names another language; a tag that only says "plain text" (`text`, `txt`, `plain`,
    `plaintext`) is no tag. Code blocks the translation split or merged are compared as one
    sequence of code lines. A code block whose Chinese counterpart is not a code block at
    all (the MT broke the fence) is reported on that block's first line.

    Not reported: in a block with no language (an illustration such as a vocabulary listing),
    a line whose only change is its leading label, English words translated into Chinese
    (`Vocabulary: [...]` -> `词汇表: [...]`).

    Why is this bad: the reader copies code blocks verbatim; a changed value or a
    translated string literal breaks the example.

    Example: English "batch_size = 32", Chinese "batch_size = 23" or "批大小 = 32".

    Info by default: precision 0.78 on good human translations (bench/false_alarms.py);
    raise it with [tool.qa.severity] where your translations are MT.
    """,
)

COMMENT_TRANSLATED = Rule.define(
    "code/comment-translated",
    Severity.INFO,
    """A code block whose code is unchanged has fewer comment lines than the English one.

    What it does: where an English and a Chinese code block differ only in comments (whole
    comment lines or trailing comments: `#`, `//`, `--`), counts the lines with a comment
    on each side, and when the Chinese has fewer, one info finding marks where the
    comment is missing. Translated comments alone are not reported: human translators
    translate code comments on purpose, and it is good practice (on 39 published human
    translations, 40 of 41 findings of translated comments were judged false alarms; the
    one real problem was a comment line dropped).

    Why is this bad: a dropped comment loses what the English told the reader about the
    code (a warning, a step to change for their setup).

    Example: English "# Train in mixed precision" and "# Comment this out on an old GPU",
    Chinese only "# 以混合精度训练".
    """,
)

RULES = (INLINE_CHANGED, INLINE_MISSING, BLOCK_CHANGED, COMMENT_TRANSLATED)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ALL_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+(?: ?[\u3400-\u9fff\uf900-\ufaff]+)*")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)")
_PLAIN_TEXT_TAGS = frozenset({"", "text", "txt", "plain", "plaintext"})
"""Language tags that name no language: a block with one of them is a block with none."""
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|--|/\*|\*|<!--|;)")
_TRAILING_MARKER = re.compile(r"(?<=\s)(?:#+|//|--)\s")
"""A trailing comment's marker (`#`, `##`, `//`, `--`); the comment starts with the spaces
before it. The pattern `\\s+(?:#+|//|--)\\s.*$` matched the same, but tried `\\s+` from every
space of a long run of them, each time to the run's end: quadratic in a run of spaces
(tests/test_adversarial.py holds each check to about linear time)."""
_SEPARATORS = frozenset(",;()[]{}")
"""Spaces beside these mean nothing in code (`(10, )` is `(10,)`, `'a', 'b'` is `'a','b'`);
beside other punctuation they may split an operator (`- >` is not `->`), so they count."""
_SEPARATOR = re.compile(r"[,;()\[\]{}]")
_SPACES = re.compile(r"\s+")
_PLACEHOLDER = re.compile(r"<([a-z][a-z0-9]*(?:[_-][a-z0-9]+)+|[a-z]{6,})>")
"""A placeholder in angle brackets (`<arguments>`, `<path_to_file>`), which a translation
may write without them. Short ones (`<pad>`, `<s>`, `<mask>`) are special tokens, kept."""
_WORD_NAME = re.compile(r"\.?[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
"""A name shaped like a word (`Trainer`, `pip`, `gpt2`, `bert-base-cased`, `.gitattributes`):
prose can carry it without backticks."""
_SINGLE_WORD = re.compile(r"[A-Za-z][a-z]+")
"""One word (`delimiter`, `Dataset`): a translation may render it in Chinese."""
_PROSE_WORDS = re.compile(r"[a-z]+(?: [a-z]+)*")
_QUOTED = re.compile(r"""(["'])([^"'`]+)\1""")
_QUOTED_NAME = re.compile(r"""(["'])([\w.-]+)\1""")
_IDENTIFIER_CHARS = re.compile(r"[\w.-]")
_EN_LABEL = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)* ?[:：][ \t]*")
_ZH_LABEL = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+(?: ?[\u3400-\u9fff\uf900-\ufaff]+)* ?[:：][ \t]*")
_CODE_WORD = re.compile(r"\w+")
# Two spans this alike are one span edited rather than two different ones.
_SIMILAR = 0.75
_EDIT_SEARCH_BUDGET = 2_000_000
"""Character pairs a document may spend looking for edited spans (difflib compares every
English span left over with every Chinese one, in time up to the product of their lengths:
without a budget a crafted document could take as long as it liked; bench/adversarial.py
times such input). The corpus spends at most 110,000; a pair that would take the document
over it pairs its spans in order instead, as when no edit is found."""


@dataclass(frozen=True)
class _Span:
    code: str
    where: Located
    reference: bool = False
    """Written `[`name`]` with no link target after it: a doc-builder reference, which renders
    as a link only with its backticks."""
    in_link: bool = False
    """In the text of a link `[...](url)`."""


@dataclass(frozen=True)
class _Line:
    text: str
    where: Located


class _Document:
    """What the checks of one document's pairs share: the budget of the edit search, and the
    words of the English code blocks (read once, when a pair first needs them)."""

    def __init__(self, alignment: Alignment) -> None:
        self.alignment = alignment
        self.budget = _EDIT_SEARCH_BUDGET
        self._code_words: frozenset[str] | None = None

    @property
    def code_words(self) -> frozenset[str]:
        if self._code_words is None:
            blocks = (s.raw for s in self.alignment.source.segments if s.kind is SegmentKind.CODE)
            self._code_words = frozenset(word for raw in blocks for word in _CODE_WORD.findall(raw))
        return self._code_words


def check_alignment(alignment: Alignment) -> list[Finding]:
    findings: list[Finding] = []
    shared = _Document(alignment)
    pairs = alignment.pairs
    for index, pair in enumerate(pairs):
        if not (pair.source and pair.target):
            continue
        if any("`" in segment.raw for segment in pair.source if segment.kind is not SegmentKind.CODE):
            findings += _inline(shared, pair, _beside(pairs, index))
        if any(segment.kind is SegmentKind.CODE for segment in pair.source):
            findings += _blocks(alignment, pair, _unpaired_code(pairs, index))
    return findings


def _beside(pairs: tuple[Pair, ...], index: int) -> tuple[Segment, ...]:
    """The Chinese blocks the aligner left without English just before and after pair `index`:
    often a part of the pair's English that the translation made a block of its own (an HTML
    block that swallowed the English paragraph after it: `<pt>\nSpecify `from_tf=True`...`)."""
    nearby = (pairs[index - 1] if index else None, pairs[index + 1] if index + 1 < len(pairs) else None)
    return tuple(segment for other in nearby if other is not None and not other.source for segment in other.target)


_NEARBY = 3
"""How many pairs before and after a pair `_unpaired_code` looks at."""


def _unpaired_code(pairs: tuple[Pair, ...], index: int) -> tuple[list[Segment], list[Segment]]:
    """The English code blocks the aligner left without Chinese in the `_NEARBY` pairs before
    and after pair `index`: where the translation merged two code blocks into one, the
    aligner pairs the merged block with one of them and leaves the other alone."""
    before = [
        segment
        for other in pairs[max(0, index - _NEARBY) : index]
        if not other.target
        for segment in other.source
        if segment.kind is SegmentKind.CODE
    ]
    after = [
        segment
        for other in pairs[index + 1 : index + 1 + _NEARBY]
        if not other.target
        for segment in other.source
        if segment.kind is SegmentKind.CODE
    ]
    return before, after


def _inline(shared: _Document, pair: Pair, beside: tuple[Segment, ...] = ()) -> list[Finding]:
    alignment = shared.alignment
    path = alignment.target.path
    every_target = list(_spans(pair.target))
    source, target = _unmatched(list(_spans(pair.source)), every_target)
    if source and target:
        source, target = _contained(source, target)
    if source and beside:
        source = _not_beside(source, beside)
    findings: list[Finding] = []
    changed: list[tuple[_Span, _Span]] = []
    unquoted_at = _find_unquoted_each([english.code for english in source], pair.target)
    left: list[_Span] = []
    for english in source:
        # Still there without backticks: unquoted, not changed.
        unquoted = unquoted_at.get(english.code)
        if unquoted is None:
            left.append(english)
        elif _needs_backticks(english, english.code, unquoted):
            findings.append(_unquoted(alignment, pair, english, unquoted))
    source = left
    cost = sum(len(english.code) for english in source) * sum(len(chinese.code) for chinese in target)
    searched = cost <= shared.budget
    if searched:
        shared.budget -= cost
        for english in list(source):
            # An edited span: `directions` -> `direction`, `List[BestRun]` -> `list[BestRun]`.
            chinese = _most_similar(english.code, target)
            if chinese is not None:
                changed.append((english, chinese))
                source.remove(english)
                target.remove(chinese)
    if source:
        # A quoted span whose text stands in the prose without its quotes (or in Chinese ones).
        inner = {english.code: match.group(2) for english in source if (match := _QUOTED.fullmatch(english.code))}
        inner_at = _find_unquoted_each(list(inner.values()), pair.target) if inner else {}
        left = []
        for english in source:
            text = inner.get(english.code)
            unquoted = inner_at.get(text) if text is not None else None
            if unquoted is None:
                left.append(english)
            elif _needs_backticks(english, text, unquoted):
                findings.append(_unquoted(alignment, pair, english, unquoted))
        source = left
    if source and len(source) == len(target):
        # Paired by place alone: a change only where the Chinese span holds the English code
        # or translates it (`Model（子词分词算法模型）`, `积极`); two unrelated names (`df`,
        # `explode()` in a rewritten sentence) say only that the English code is not there.
        # Past the search budget no span was compared, so place is all there is to go by.
        placed = list(zip(source, target, strict=True))
        changed += [(e, z) for e, z in placed if not searched or _renders(e.code, z.code)]
        source = [e for e, z in placed if searched and not _renders(e.code, z.code)]
    for english, chinese in changed:
        if _rightly_translated(shared, english.code, chinese.code):
            continue
        how = "translated" if _CJK.search(chinese.code) and not _CJK.search(english.code) else "changed"
        findings.append(
            finding_at(
                INLINE_CHANGED,
                path,
                chinese.where,
                f"code {how}: the English ({source_place(alignment, english.where)}) has `{english.code}`",
                pair=pair.id,
                suggestion=english.code,
            )
        )
    glossed = _glossed([english.code for english in source if _SINGLE_WORD.fullmatch(english.code)], every_target)
    for english in source:
        if _SINGLE_WORD.fullmatch(english.code) and english.code not in glossed:
            continue  # one word rendered in Chinese
        message = f"`{english.code}` ({source_place(alignment, english.where)}) is not code here"
        findings.append(finding_at_block(INLINE_MISSING, path, pair.target[0], message, pair=pair.id))
    return findings


def _renders(english: str, chinese: str) -> bool:
    """Whether the Chinese span is the English code glossed or translated: it holds the code,
    or it is Chinese where the code has none."""
    return english in chinese or (_CJK.search(chinese) is not None and _CJK.search(english) is None)


def _glossed(words: list[str], target: list[_Span]) -> set[str]:
    """The words that stand in a Chinese span with Chinese in it (a gloss put inside the
    backticks: `vocab（词汇表）`), found by one scan of each such span."""
    hosts = [chinese.code for chinese in target if _CJK.search(chinese.code)] if words else []
    if not hosts:
        return set()
    wanted = Occurrences(words)
    return {word for host in hosts for word in wanted.first(host)}


def _unquoted(alignment: Alignment, pair: Pair, english: _Span, where: Located) -> Finding:
    return finding_at(
        INLINE_MISSING,
        alignment.target.path,
        where,
        f"`{english.code}` ({source_place(alignment, english.where)}) is not code here: put it back in backticks",
        pair=pair.id,
        suggestion=f"`{english.code}`",
        fix=Applicability.UNSAFE,  # a name the prose may use as a word
    )


def _needs_backticks(english: _Span, text: str, where: Located) -> bool:
    """Whether `text` (an English span's code, or its text without quotes), standing without
    backticks at `where` in the Chinese, wants them back: a doc-builder reference does (it
    is no link without them); link text kept as link text does not, nor a name shaped like a
    word; code-shaped text does."""
    if english.reference:
        return True
    if english.in_link and _in_link_text(where):
        return False
    return not _WORD_NAME.fullmatch(text)


def _in_link_text(where: Located) -> bool:
    return any(
        part.kind is PartKind.LINK and part.label_start <= where.start and where.end <= part.label_end
        for part in parts(where.segment)
    )


def _rightly_translated(shared: _Document, english: str, chinese: str) -> bool:
    """A span of lowercase English words that the English code blocks never use, rendered as a
    span of Chinese words: a prose concept put in backticks (`positive` -> `积极`)."""
    return (
        _PROSE_WORDS.fullmatch(english) is not None
        and _ALL_CJK.fullmatch(chinese) is not None
        and not any(word in shared.code_words for word in english.split(" "))
    )


def _key(code: str) -> str:
    """What two spans that are the same code have in common: `(10, )` and `(10,)`,
    `<arguments>` and `arguments`, `"pandas"` and `pandas` (a value named in prose: the
    translators of the human corpus drop the quotes of a whole-span string as a house style;
    quotes dropped inside code, `d["train"]` -> `d[train]`, still change it)."""
    if code.startswith("<") and (placeholder := _PLACEHOLDER.fullmatch(code)) is not None:
        return placeholder.group(1)
    if code[:1] in "\"'" and (quoted := _QUOTED_NAME.fullmatch(code)) is not None:
        return quoted.group(2)
    return _squeeze(code)


def _squeeze(text: str) -> str:
    """`text` without the spaces beside a separator (`_SEPARATORS`)."""
    if _SEPARATOR.search(text) is None:
        return text

    def space(match: re.Match[str]) -> str:
        start, end = match.span()
        beside_separator = (start and text[start - 1] in _SEPARATORS) or (end < len(text) and text[end] in _SEPARATORS)
        return "" if beside_separator else match.group()

    return _SPACES.sub(space, text)


def _unmatched(source: list[_Span], target: list[_Span]) -> tuple[list[_Span], list[_Span]]:
    """The spans of each side without an equal one on the other, in order: each English span
    takes the first Chinese span with the same code (`_key`) not yet taken."""
    waiting: dict[str, deque[int]] = {}
    for index, chinese in enumerate(target):
        waiting.setdefault(_key(chinese.code), deque()).append(index)
    taken: set[int] = set()
    left: list[_Span] = []
    for english in source:
        same = waiting.get(_key(english.code))
        if same:
            taken.add(same.popleft())
        else:
            left.append(english)
    return left, [chinese for index, chinese in enumerate(target) if index not in taken]


def _contained(source: list[_Span], target: list[_Span]) -> tuple[list[_Span], list[_Span]]:
    """Without the English spans that stand whole in a longer Chinese span with no Chinese in
    it (the translation took a neighbouring word or span into the backticks:
    `StripAccents normalizer`, `(sample_rate,data)`), and without those Chinese spans. One
    scan of each Chinese span for every English code (qa.glossary.match.Occurrences)."""
    wanted = Occurrences(english.code for english in source)
    inside: set[str] = set()
    hosts: set[int] = set()
    for index, chinese in enumerate(target):
        host = chinese.code
        if _CJK.search(host):
            continue  # a Chinese gloss inside the span (`train（训练集）`) is a change
        for at, code in wanted(host):
            end = at + len(code)
            if len(code) < len(host) and _bounded(host, at, end, code):
                inside.add(code)
                hosts.add(index)
    if not inside:
        return source, target
    return (
        [english for english in source if english.code not in inside],
        [chinese for index, chinese in enumerate(target) if index not in hosts],
    )


def _bounded(host: str, start: int, end: int, code: str) -> bool:
    """`host[start:end]` (which is `code`) is not part of a longer name: `data` in
    `(sample_rate,data)`, not `model` in `model.fit()` nor `bert` in `bert-base`."""
    before = start == 0 or not (_IDENTIFIER_CHARS.match(host[start - 1]) and _IDENTIFIER_CHARS.match(code[0]))
    after = end == len(host) or not (_IDENTIFIER_CHARS.match(host[end]) and _IDENTIFIER_CHARS.match(code[-1]))
    return before and after


def _not_beside(source: list[_Span], beside: tuple[Segment, ...]) -> list[_Span]:
    """The English spans with no equal span in `beside` (Chinese blocks without English next
    to the pair)."""
    there = {_key(chinese.code) for chinese in _spans(beside)}
    return [english for english in source if _key(english.code) not in there] if there else source


def _most_similar(code: str, target: list[_Span]) -> _Span | None:
    """The first Chinese span most like `code`, when that is at least `_SIMILAR`: what
    `max(target, key=similarity)` gives then. difflib's cheap upper bounds of the ratio
    (lengths, then characters) rule out most spans before the ratio itself is computed; one
    ruled out is below `_SIMILAR`, so it could only be the most similar when none reaches it."""
    best, best_ratio = None, -1.0
    for chinese in target:
        matcher = difflib.SequenceMatcher(a=code.lower(), b=chinese.code.lower(), autojunk=False)
        if matcher.real_quick_ratio() < _SIMILAR or matcher.quick_ratio() < _SIMILAR:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = chinese, ratio
    return best if best_ratio >= _SIMILAR else None


def _spans(segments: Iterable[Segment]) -> Iterable[_Span]:
    for segment in segments:
        if segment.kind is SegmentKind.CODE:
            continue
        found = parts(segment)
        labels = [(p.label_start, p.label_end) for p in found if p.kind is PartKind.LINK and p.label_length]
        raw = segment.raw
        tags = _tags(raw)
        for part in found:
            if part.kind is not PartKind.CODE or (tags and _inside(tags, part.start)):
                continue
            in_link = bool(labels) and any(start <= part.start and part.end <= end for start, end in labels)
            reference = (
                not in_link
                and raw[part.start - 1 : part.start] == "["
                and raw[part.end : part.end + 1] == "]"
                and raw[part.end + 1 : part.end + 2] not in ("(", "[")
            )
            yield _Span(part.value.strip(), Located(segment, part.value_start, part.value_end), reference, in_link)


_TAG = re.compile(r"<[A-Za-z][^<>]*>")


def _tags(raw: str) -> tuple[list[int], list[int]] | None:
    """Where the HTML tags of a block start and end (None: it has none): backticks in an
    attribute (`<img alt="The `x` interface">`) are characters of it, not a code span."""
    found = [match.span() for match in _TAG.finditer(raw)] if "<" in raw else []
    return ([start for start, _ in found], [end for _, end in found]) if found else None


def _inside(tags: tuple[list[int], list[int]], at: int) -> bool:
    starts, ends = tags
    index = bisect.bisect_right(starts, at) - 1
    return index >= 0 and at < ends[index]


def _find_unquoted_each(codes: list[str], segments: tuple[Segment, ...]) -> dict[str, Located]:
    """Where each code stands in the prose of `segments` (first segment, first place), for
    the codes that do: one scan of each segment for all codes (qa.glossary.match.Occurrences), not
    a search of the segment per code (thousands of changed spans in a paragraph made that
    quadratic)."""
    wanted = Occurrences(codes)
    found: dict[str, Located] = {}
    for segment in segments:
        for code, at in wanted.first(prose_mask(segment)).items():
            if code not in found:
                found[code] = Located(segment, at, at + len(code))
    return found


def _blocks(
    alignment: Alignment, pair: Pair, unpaired: tuple[list[Segment], list[Segment]] = ([], [])
) -> list[Finding]:
    """`unpaired`: the English code blocks without Chinese just before and just after the pair."""
    path = alignment.target.path
    english_blocks = [s for s in pair.source if s.kind is SegmentKind.CODE]
    if not english_blocks:
        return []
    chinese_blocks = [s for s in pair.target if s.kind is SegmentKind.CODE]
    if not chinese_blocks:
        first = pair.target[0]
        message = (
            f"the English code block ({alignment.source.path}:{english_blocks[0].start_line}) is not a code "
            "block here: restore its ``` fences"
        )
        return [BLOCK_CHANGED.on_first_line(path, first, message, pair.id)]
    if len(english_blocks) != len(chinese_blocks) and _code_lines(english_blocks) == _code_lines(chinese_blocks):
        return []  # blocks split or merged, the code the same
    before, after = unpaired
    if (before or after) and len(english_blocks) == len(chinese_blocks) == 1:
        merged = _code_lines(chinese_blocks)
        if any(
            _code_lines(blocks) == merged
            for blocks in (
                before[-1:] + english_blocks,
                english_blocks + after[:1],
                before[-1:] + english_blocks + after[:1],
            )
        ):
            return []  # merged with an English block the aligner left alone
    findings: list[Finding] = []
    for english, chinese in zip(english_blocks, chinese_blocks, strict=False):
        finding = _compare_block(alignment, pair, english, chinese)
        if finding is not None:
            findings.append(finding)
    return findings


def _code_lines(blocks: list[Segment]) -> list[str]:
    """The code of the blocks' lines, one sequence: no fences, comments or blank lines."""
    return [code for block in blocks for line in _body(block) if (code := _code_of(line.text))]


def _compare_block(alignment: Alignment, pair: Pair, english: Segment, chinese: Segment) -> Finding | None:
    if english.raw == chinese.raw:
        return None  # the same text has the same fence and lines: most code blocks are copied as they are
    return _compare_lines(alignment, pair, english, chinese)


def _compare_lines(alignment: Alignment, pair: Pair, english: Segment, chinese: Segment) -> Finding | None:
    path = alignment.target.path
    english_fence, chinese_fence = _fence(english), _fence(chinese)
    if english_fence != chinese_fence and chinese_fence is not None:
        line = _lines(chinese)[0]
        return finding_at(
            BLOCK_CHANGED,
            path,
            line.where,
            f"the English code block ({alignment.source.path}:{english.start_line}) opens with "
            f"{_lines(english)[0].text.strip()!r}",
            pair=pair.id,
            suggestion=_lines(english)[0].text.strip(),
        )
    illustration = english_fence is None or english_fence[1] == ""
    english_lines, chinese_lines = _body(english), _body(chinese)
    matcher = difflib.SequenceMatcher(
        a=[_norm(line.text) for line in english_lines], b=[_norm(line.text) for line in chinese_lines], autojunk=False
    )
    comment_dropped: tuple[Located, _Line] | None = None
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old, new = english_lines[i1:i2], chinese_lines[j1:j2]
        before = chinese_lines[j1 - 1].where if j1 else _lines(chinese)[0].where
        if _only_comments(old, new):
            commented_old = [line for line in old if _has_comment(line.text)]
            commented_new = [line for line in new if _has_comment(line.text)]
            if comment_dropped is None and len(commented_new) < len(commented_old):
                comment_dropped = (new[0].where if new else before, commented_old[len(commented_new)])
            continue
        if illustration and _labels_translated(old, new):
            continue
        at = _first_changed(old, new)
        where = new[at].where if at < len(new) else before
        shown = excerpt(old[at].text.strip()) if at < len(old) else "nothing"
        how = "translated" if any(_CJK.search(line.text) for line in new[at : at + 1]) else "changed"
        return finding_at(
            BLOCK_CHANGED,
            path,
            where,
            f"code {how}: the English code block ({alignment.source.path}:{english.start_line}) has {shown!r} here",
            pair=pair.id,
        )
    if comment_dropped is not None:
        where, missing = comment_dropped
        return finding_at(
            COMMENT_TRANSLATED,
            path,
            where,
            f"a comment of the code block from {alignment.source.path}:{english.start_line} was dropped: "
            f"the English has {excerpt(missing.text.strip())!r} here",
            pair=pair.id,
        )
    return None


def _first_changed(old: list[_Line], new: list[_Line]) -> int:
    """The index of the first line whose code differs between the two sides of a change, a
    missing line counting as a blank one (a changed print after a translated comment is
    marked on the print, an added line after an added blank line on the line)."""
    for index in range(max(len(old), len(new))):
        english = _code_of(old[index].text) if index < len(old) else ""
        chinese = _code_of(new[index].text) if index < len(new) else ""
        if english != chinese:
            return index
    return 0


def _labels_translated(old: list[_Line], new: list[_Line]) -> bool:
    """Each changed line differs only in its leading label, English words in the English and
    Chinese in the Chinese (`Vocabulary: [...]` and `词汇表: [...]`)."""
    if len(old) != len(new):
        return False
    for english, chinese in zip(old, new, strict=True):
        if _norm(english.text) == _norm(chinese.text):
            continue
        english_rest, chinese_rest = _after_label(english.text, _EN_LABEL), _after_label(chinese.text, _ZH_LABEL)
        if english_rest is None or chinese_rest is None or english_rest != chinese_rest:
            return False
    return True


def _after_label(line: str, label: re.Pattern[str]) -> tuple[int, str] | None:
    """The indent of a line that starts with a `label` and what follows the label, compared."""
    body = line.lstrip(" \t")
    match = label.match(body)
    return None if match is None else (len(line) - len(body), _norm(body[match.end() :]))


def _lines(segment: Segment) -> list[_Line]:
    out: list[_Line] = []
    offset = 0
    for text in segment.raw.split("\n"):
        out.append(_Line(text, Located(segment, offset, offset + len(text))))
        offset += len(text) + 1
    return out


def _fence(segment: Segment) -> tuple[str, str] | None:
    """The fence's character and language tag (a plain-text tag as none)."""
    match = _FENCE.match(segment.raw)
    if match is None:
        return None
    tag = match.group(2)
    return (match.group(1)[0], "" if tag.lower() in _PLAIN_TEXT_TAGS else tag)


def _body(segment: Segment) -> list[_Line]:
    """The code lines, without the fences of a fenced block."""
    lines = _lines(segment)
    if _fence(segment) is None:
        return lines
    body = lines[1:]
    if body and _FENCE.match(body[-1].text) and not _FENCE.match(body[-1].text).group(2):
        body = body[:-1]
    return body


def _norm(line: str) -> str:
    """A line as compared: its indent, then its text without trailing spaces or spaces beside a
    separator."""
    text = line.rstrip()
    indent = len(text) - len(text.lstrip())
    return text[:indent] + _squeeze(text[indent:])


def _code_part(line: str) -> str:
    if _COMMENT_LINE.match(line):
        return ""
    marker = _TRAILING_MARKER.search(line)
    if marker is None:
        return line.rstrip()
    start = marker.start()
    while start and line[start - 1].isspace():  # what `\s` matches in a str pattern
        start -= 1
    return line[:start].rstrip()


@lru_cache(maxsize=1024)
def _code_of(line: str) -> str:
    """The code of a line as compared (`_code_part`, then `_norm`). Cached: a changed line is
    looked at by several of the comparisons, and reading a long one costs."""
    return _norm(_code_part(line))


def _has_comment(line: str) -> bool:
    return _code_part(line) != line.rstrip()


def _only_comments(old: list[_Line], new: list[_Line]) -> bool:
    """True when the differing lines differ only in comments (whole-line or trailing)."""
    code_old = [c for c in (_code_of(line.text) for line in old) if c]
    code_new = [c for c in (_code_of(line.text) for line in new) if c]
    return code_old == code_new


CHECKS = (Check("code", RULES, Scope.PAIR, run=lambda given: check_alignment(given.alignment)),)
