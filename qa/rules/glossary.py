"""Glossary checks: wrong renderings of ML terms, terms the translation lost, and terms
rendered in more than one way."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from qa.glossary.load import Entry, Glossary, Guard, Tier, WrongRendering, term_key
from qa.glossary.match import Key, Match, PhraseMatcher, outermost, stands_as_word
from qa.glossary.suggest import kept_in, technical_names
from qa.glossary.terms import Located, locate, term_words
from qa.model import (
    Alignment,
    Applicability,
    Document,
    Finding,
    Fix,
    Pair,
    Report,
    Segment,
    SegmentKind,
    Severity,
    Span,
)
from qa.rules.rule import Check, Rule, Scope

FORBIDDEN_TERM = Rule.define(
    "glossary/forbidden-term",
    Severity.ERROR,
    """A known wrong rendering of an ML term (变压器 for Transformer, 剪辑 for CLIP).

    What it does: finds the glossary's wrong renderings in the Chinese text, outside URLs,
    link targets and code, and decides with the aligned English. A `forbidden_always`
    rendering (变形金刚, 抱抱脸) is an error wherever it stands. A `forbidden` one is also an
    ordinary Chinese word (报纸 is a newspaper): an error when the aligned English block has
    the term, nothing when it does not, and a warning when there is no English to decide
    with. A `forbidden_with_source` one (关注 for attention) is so common in ordinary Chinese
    that it is reported only when the aligned English has the term. A rendering wrong for
    several terms (剪辑: CLIP, CutMix) suggests the one the English actually contains.
    Words listed in `exceptions` (视频剪辑) hide the wrong renderings inside them.

    With English, the English decides: a term it has only inside a code identifier
    (`attention_mask`) is not the term; a match that is not a word where it stands (一代 in
    下一代, 维特 in 高维特征, 微调整 in 微调整个: jieba's segmentation of the text around it) is
    not reported; nor is a wrong-looking word in a paragraph whose Chinese already renders the
    term correctly wherever the English has it (关注 for "focus on" beside 注意力), or, for a
    rendering never right in ML text, more often than the English has it (变形金刚 for the film
    franchise, beside "Transformers 库" for the library).

    Renderings nobody listed are generated for the names the glossary keeps in English, when
    it loads (qa/glossary/candidates.py): by sound, with the characters of the Xinhua
    transliteration table (罗伯塔 for RoBERTa, 格罗弗 for Grover), and word by word from
    CC-CEDICT read backwards (高效网 for EfficientNet, PyTorch 闪电). They are decided as a
    `forbidden` rendering is (a warning without English), common Chinese words among them
    (开始 for BEGAN) as a `forbidden_with_source` one, and are reported only where jieba makes
    them a word in their context (罗伯特 is Robert, not 伯特), with an unsafe fix.

    Why is this bad: MT picks the everyday sense of a word; a reader of an ML article
    cannot recover "Transformer" from 变压器 (an electrical transformer).

    Example: English "a Transformer-based model", Chinese 基于变压器的模型 -> suggest
    "Transformer"; `qa fix` applies such unambiguous suggestions.
    """,
    fix=Applicability.SAFE,
)

MISSING_TERM = Rule.define(
    "glossary/missing-term",
    Severity.WARNING,
    """The English block has a glossary term, the aligned Chinese has none of its renderings.

    What it does: for each aligned pair, looks up every glossary term of the English side
    (in prose: not in code, URLs or identifiers such as hyperparameter_search) and reports
    those for which the Chinese side has neither an approved rendering nor the English term
    kept, nor a known wrong rendering (that one is `forbidden-term`). A term kept in English
    counts in any case, in code spans (`tokenizer`, a `bert-base-uncased` checkpoint) and as
    the verb of an -ization noun (进行 tokenize), whether or not the glossary keeps it in
    English: the translator kept it, nothing was lost. Entries with `report_missing` false
    (everyday words such as "training") are skipped.

    Why is this bad: the term was paraphrased away or rendered in a way the glossary does
    not know; either the translation or the glossary needs a look.

    Example: English "fine-tuning with 1% of labels", Chinese 用 1% 的标签调整 -> expected
    微调.
    """,
    off_by_default=(
        "precision 0.18 on good human translations (33 findings, 6 judged true, "
        "bench/false_alarms.py): translators render terms in ways no glossary lists"
    ),
)

INCONSISTENT_RENDERING = Rule.define(
    "glossary/inconsistent-rendering",
    Severity.WARNING,
    """One English term rendered in different approved ways within a document.

    What it does: collects, for every aligned pair whose English has a glossary term, which
    of the term's approved Chinese renderings the Chinese uses. When a term is rendered in
    more than one way in a document, every use of a minority rendering is reported with the
    majority one as the suggestion. Renderings that contain one another (自注意力,
    自注意力机制) count as one, and keeping the English term (GAN beside 生成对抗网络) is not
    an inconsistency.
    When `qa check` is given several files, each is still judged by its own majority: pages
    by different translators may each keep their own consistent choice (词表 on one,
    词汇表 on another); only a document split evenly between two renderings follows the
    majority of the run.

    Why is this bad: a reader who meets 批归一化 in one paragraph and 批量归一化 in the
    next wonders whether they are two techniques; a page should read as one text.

    Example: batch normalization rendered 批归一化 three times and 批量归一化 once -> the
    one 批量归一化 is reported, suggesting 批归一化.
    """,
    fix=Applicability.UNSAFE,
    off_by_default=(
        "precision 0.14 on good human translations (7 findings, 1 judged true, "
        "bench/false_alarms.py): a house style may use two renderings on purpose"
    ),
)

RULES = (FORBIDDEN_TERM, MISSING_TERM, INCONSISTENT_RENDERING)


@dataclass(frozen=True)
class WrongUse:
    """A wrong rendering found in the target, with the decision taken about it."""

    segment: Segment
    start: int
    end: int
    """Offsets into `segment.raw`."""
    severity: Severity
    entries: tuple[int, ...]
    """The entries it stands for; more than one when the English cannot tell them apart."""
    confirmed: bool
    """True when the aligned English has the term (an error)."""
    pair: int | None
    exact: bool = False
    """True when the aligned English has the entry's own term, standing alone: not only a
    variant ("generation" for "text generation"), not only inside a longer term ("Vision
    Transformer" for "Transformer"). Only then is replacing it with the entry's rendering
    certain, a safe fix."""
    generated: bool = False
    """A rendering generated from the name (qa.glossary.candidates), not listed by hand."""


@dataclass(frozen=True)
class Rendering:
    """One use of an approved Chinese rendering for a term the aligned English has."""

    file: str
    segment: Segment
    start: int
    end: int
    entry: int
    family: str
    """The approved rendering it counts as (自注意力机制 counts as 自注意力)."""
    pair: int | None


def check_alignment(alignment: Alignment, glossary: Glossary, *, missing_terms: bool = True) -> list[Finding]:
    """forbidden-term and inconsistent-rendering in each pair, and missing-term unless
    `missing_terms` is False (locating a term's rendering is the costly part: the registry
    runs it as a check of its own, so that it costs nothing while the rule is off)."""
    matches = _PairMatches.of(alignment, glossary)
    path = alignment.target.path
    findings = [_forbidden_finding(use, glossary, path) for uses in matches.wrong for use in uses]
    renderings: list[Rendering] = []
    for pair, terms, approved in zip(matches.pairs, matches.english, matches.accepted, strict=True):
        if terms is not None and approved is not None:
            renderings += _renderings(path, pair, terms.outermost, approved, glossary)
    findings += check_consistency(renderings, glossary, scope="document")
    if missing_terms:
        findings += _missing_terms(matches, glossary, path)
    return findings


def check_missing_terms(alignment: Alignment, glossary: Glossary) -> list[Finding]:
    """missing-term alone."""
    return _missing_terms(_PairMatches.of(alignment, glossary), glossary, alignment.target.path)


@dataclass(frozen=True)
class _PairMatches:
    """Each matcher's matches in each pair with Chinese: each side of the document scanned
    once, shared by every rule of the family."""

    pairs: list[Pair]
    english: list[_EnglishTerms | None]
    accepted: list[list[Match[int]] | None]
    wrong: list[list[WrongUse]]

    @classmethod
    def of(cls, alignment: Alignment, glossary: Glossary) -> _PairMatches:
        pairs = [pair for pair in alignment.pairs if pair.target]
        english = _english_terms(pairs, glossary)
        accepted = _accepted_matches(pairs, english, glossary)
        return cls(pairs, english, accepted, _wrong_uses_in_pairs(pairs, english, accepted, glossary))


def _missing_terms(matches: _PairMatches, glossary: Glossary, path: str) -> list[Finding]:
    absent: list[tuple[Pair, list[int], Sequence[Sequence[Match[int]]]]] = []
    for pair, terms, uses, approved in zip(
        matches.pairs, matches.english, matches.wrong, matches.accepted, strict=True
    ):
        if terms is None or approved is None:
            continue
        wrong_found = {entry for use in uses for entry in use.entries}
        # "Vision Transformer" expects its own rendering, not also one for "Transformer".
        lacking = _absent(terms.outermost - wrong_found, approved, glossary)
        if lacking:
            absent.append((pair, lacking, approved))
    return _missing(absent, glossary, path) + _unknown_names(matches.pairs, glossary, path)


def check_document(document: Document, glossary: Glossary) -> list[Finding]:
    """Without an English source: only what the Chinese alone can tell."""
    return [_forbidden_finding(use, glossary, document.path) for use in wrong_uses_in_document(document, glossary)]


def wrong_uses_in_document(document: Document, glossary: Glossary) -> list[WrongUse]:
    segments = document.segments
    scanned = glossary.wrong_matcher.find_each([(segment.raw, segment.protected) for segment in segments])
    # Most segments have no match, hence no use: skip the generator for them.
    return [
        use
        for segment, matches in zip(segments, scanned, strict=True)
        if matches
        for use in _wrong_uses(segment, matches, None, None, glossary)
    ]


def check_run(reports: Sequence[Report], glossary: Glossary) -> list[Report]:
    """Several files checked together: a document split evenly between two renderings
    follows the run's majority (`check_consistency`).

    Each report's document-level inconsistent-rendering findings are replaced by run-level
    ones, so a file is not told both to follow its own majority and the run's.
    """
    renderings = [r for report in reports for r in renderings_in(report.target, report.pairs, glossary)]
    by_file: dict[str, list[Finding]] = {}
    for finding in check_consistency(renderings, glossary, scope="run"):
        by_file.setdefault(finding.file, []).append(finding)
    updated = []
    for report in reports:
        kept = [f for f in report.findings if f.rule != INCONSISTENT_RENDERING.id]
        merged = sorted(kept + by_file.get(report.target, []), key=lambda f: (f.line, f.column, f.rule, f.text))
        updated.append(replace(report, findings=tuple(merged)))
    return updated


def renderings_in(path: str, pairs: Iterable[Pair], glossary: Glossary) -> list[Rendering]:
    """Approved renderings used in the target for the terms each pair's English has."""
    both = [pair for pair in pairs if pair.source and pair.target]
    english = _english_terms(both, glossary)
    found: list[Rendering] = []
    for pair, terms, approved in zip(both, english, _accepted_matches(both, english, glossary), strict=True):
        if terms is not None and approved is not None:
            found += _renderings(path, pair, terms.outermost, approved, glossary)
    return found


def _renderings(
    path: str,
    pair: Pair,
    english: frozenset[int],
    accepted: Sequence[Sequence[Match[int]]],
    glossary: Glossary,
) -> Iterable[Rendering]:
    """`accepted`: the nested matches of each target segment, as `_accepted_matches` gives them."""
    for segment, matches in zip(pair.target, accepted, strict=True):
        for match in outermost(matches):
            if match.key not in english:
                continue
            family = _families(glossary, match.key).get(term_key(segment.raw[match.start : match.end]))
            if family is not None:
                yield Rendering(path, segment, match.start, match.end, match.key, family, pair.id)


def check_consistency(renderings: Sequence[Rendering], glossary: Glossary, *, scope: str) -> list[Finding]:
    """`scope` "document": the renderings of one document, judged by its majority. "run": of
    the documents of one run, each judged on its own the same way; only a document split evenly
    between renderings follows the run's majority. A document consistent in itself is never told
    to follow the others: different pages have different translators and house styles
    (词表 / 词汇表, 批大小 / 批量大小 are all right), what a reader trips on is a change inside
    one page."""
    if scope != "run":
        return _consistency(renderings, glossary, None)
    run = _RunCounts(Counter(), {})
    by_file: dict[str, list[Rendering]] = {}
    for rendering in renderings:
        run.counts[(rendering.entry, rendering.family)] += 1
        run.first.setdefault((rendering.entry, rendering.family), rendering)
        by_file.setdefault(rendering.file, []).append(rendering)
    return [finding for uses in by_file.values() for finding in _consistency(uses, glossary, run)]


@dataclass(frozen=True)
class _RunCounts:
    counts: Counter[tuple[int, str]]
    """(entry, family) -> uses over the whole run."""
    first: dict[tuple[int, str], Rendering]


def _consistency(renderings: Sequence[Rendering], glossary: Glossary, run: _RunCounts | None) -> list[Finding]:
    """The renderings of one document; `run`, when it is one of several, breaks its ties."""
    by_entry: dict[int, list[Rendering]] = {}
    for rendering in renderings:
        by_entry.setdefault(rendering.entry, []).append(rendering)
    findings: list[Finding] = []
    for entry_index, uses in by_entry.items():
        counts = Counter(use.family for use in uses)
        if len(counts) < 2:
            continue
        entry = glossary.entries[entry_index]
        order = {family: i for i, family in enumerate(_families(glossary, entry_index).values())}
        most = max(counts.values())
        tied = [family for family in counts if counts[family] == most]
        if run is None or len(tied) == 1:
            # The majority wins; a tie goes to the rendering the glossary lists first.
            majority = min(tied, key=lambda family: order.get(family, len(order)))
            first = next(use for use in uses if use.family == majority)
            times, said, where = counts[majority], "document", f"line {first.segment.position(first.start)[0]}"
        else:
            majority = min(tied, key=lambda family: (-run.counts[(entry_index, family)], order.get(family, len(order))))
            first = run.first[(entry_index, majority)]
            times, said = run.counts[(entry_index, majority)], "run"
            where = f"{first.file}:{first.segment.position(first.start)[0]}"
        for use in uses:
            if use.family == majority:
                continue
            text = use.segment.raw[use.start : use.end]
            findings.append(
                _finding_at(
                    INCONSISTENT_RENDERING,
                    Severity.WARNING,
                    use.file,
                    use.segment,
                    use.start,
                    use.end,
                    term=entry.term,
                    suggestion=majority,
                    fix=rendering_fix(use.segment, use.start, use.end, majority, Applicability.UNSAFE),
                    message=f"{text!r} renders {entry.term!r} here, but this {said} uses {majority!r} "
                    f"{_times(times)} (first at {where}); use one rendering",
                    pair=use.pair,
                )
            )
    return findings


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _families(glossary: Glossary, entry_index: int) -> dict[str, str]:
    return glossary.rendering_families[entry_index]


@dataclass(frozen=True)
class _EnglishTerms:
    """The glossary terms of one pair's English, from a single scan of each segment."""

    every: frozenset[int]
    """Nested ones included: "Vision Transformer" also has "Transformer"."""
    outermost: frozenset[int]
    """Only the longest of overlapping matches: "Vision Transformer" alone."""
    exact: frozenset[int] = frozenset()
    """The outermost ones written as the entry's term itself, not as a variant."""
    places: tuple[Sequence[Match[int]], ...] = ()
    """The matches of each segment (nested, in prose), for `counts`."""

    def counts(self) -> Counter[int]:
        """How many places each entry of `every` stands at in the English."""
        counts: Counter[int] = Counter()
        for matches in self.places:
            if matches:
                counts.update(_times_each(matches))
        return counts


def _each(
    matcher: PhraseMatcher[Key],
    groups: Sequence[Sequence[Segment]],
    *,
    nested: bool,
    protected: Callable[[Segment], Sequence[Span]] = lambda segment: segment.protected,
) -> list[list[list[Match[Key]]]]:
    """`matcher.find` on each segment of each group (a pair's side), in one scan of them all,
    outside the spans `protected` gives (by default the segment's own)."""
    flat = iter(matcher.find_each([(s.raw, protected(s)) for group in groups for s in group], nested=nested))
    return [list(itertools.islice(flat, len(group))) for group in groups]


def _outside_code(segment: Segment) -> Sequence[Span]:
    """The protected spans but inline code: a term kept in English inside backticks
    (`tokenizer`, `bert-base-uncased` checkpoint names) still shows the term was kept. Link
    targets and URLs stay protected, and so does a block that is not prose at all (a fenced
    code block, HTML)."""
    spans = segment.protected
    if not spans or segment.kind in _NOT_PROSE:
        return spans
    raw = segment.raw
    return tuple(span for span in spans if raw[span.start] != "`")


_NOT_PROSE = frozenset({SegmentKind.CODE, SegmentKind.HTML, SegmentKind.FRONT_MATTER, SegmentKind.RULE})


def _overlaps(start: int, end: int, spans: Sequence[Span]) -> bool:
    return any(start < span.end and span.start < end for span in spans)


def _in_identifier(raw: str, start: int, end: int) -> bool:
    """Whether an English match is part of a code identifier (`attention_mask`,
    hyperparameter_search, pytorch_model.bin): the matcher reads "_" as a space, but a name
    joined by underscores is code, not the term used in prose."""
    return "_" in raw[start:end] or (start > 0 and raw[start - 1] == "_") or (end < len(raw) and raw[end] == "_")


def _english_terms(pairs: Sequence[Pair], glossary: Glossary) -> list[_EnglishTerms | None]:
    """Per pair, the terms of its English (in prose: not in code, URLs or identifiers); None
    without English."""
    scanned = _each(glossary.english_matcher, [pair.source for pair in pairs], nested=True)
    found: list[_EnglishTerms | None] = []
    for pair, segments in zip(pairs, scanned, strict=True):
        if not pair.source:
            found.append(None)
            continue
        prose = [
            [m for m in matches if not _in_identifier(segment.raw, m.start, m.end)]
            if matches and "_" in segment.raw
            else matches
            for segment, matches in zip(pair.source, segments, strict=True)
        ]
        outer = [(segment, outermost(matches)) for segment, matches in zip(pair.source, prose, strict=True) if matches]
        found.append(
            _EnglishTerms(
                frozenset(match.key for matches in prose for match in matches),
                frozenset(match.key for _, matches in outer for match in matches),
                frozenset(
                    match.key
                    for segment, matches in outer
                    for match in matches
                    if _is_term_itself(segment.raw[match.start : match.end], glossary.entries[match.key].term)
                ),
                tuple(prose),
            )
        )
    return found


def _is_term_itself(matched: str, term: str) -> bool:
    """Whether English text the matcher found is the term, not a variant: in any case or
    spacing, with the plural ending the matcher allows (Transformers)."""
    found, wanted = term_key(matched), term_key(term)
    return found in (wanted, wanted + "s", wanted + "es")


def _accepted_matches(
    pairs: Sequence[Pair], english: Sequence[_EnglishTerms | None], glossary: Glossary
) -> list[list[list[Match[int]]] | None]:
    """Per pair whose English has a term, every approved rendering in each target segment
    (nested: missing-term needs them all, consistency the outermost ones); None for the
    other pairs, where neither rule looks."""
    wanted = [terms is not None and bool(terms.outermost) for terms in english]
    scanned = iter(
        _each(glossary.accepted_matcher, [p.target for p, w in zip(pairs, wanted, strict=True) if w], nested=True)
    )
    return [next(scanned) if w else None for w in wanted]


def _wrong_uses_in_pairs(
    pairs: Sequence[Pair],
    english: Sequence[_EnglishTerms | None],
    accepted: Sequence[Sequence[Sequence[Match[int]]] | None],
    glossary: Glossary,
) -> list[list[WrongUse]]:
    """`accepted`: per pair, the approved renderings of each target segment (None where the
    English has no term), as `_accepted_matches` gives them."""
    scanned = _each(glossary.wrong_matcher, [pair.target for pair in pairs], nested=False)
    uses: list[list[WrongUse]] = []
    for pair, terms, segments, approved in zip(pairs, english, scanned, accepted, strict=True):
        if not any(segments):
            uses.append([])
            continue
        surplus = _surplus(pair.target, segments, approved, terms)
        uses.append(
            [
                use
                for segment, matches in zip(pair.target, segments, strict=True)
                if matches
                for use in _wrong_uses(segment, matches, terms, pair.id, glossary, surplus)
            ]
        )
    return uses


def _surplus(
    target: Sequence[Segment],
    wrong: Sequence[Sequence[Match[WrongRendering | Guard]]],
    accepted: Sequence[Sequence[Match[int]]] | None,
    english: _EnglishTerms | None,
) -> dict[int, int]:
    """For each term of the English: how many more times the Chinese renders it correctly
    (approved, or kept in English) than the English has it. At 0 or more every use of the term
    is accounted for, so a wrong-looking word beside them stands for something else
    (`_accounted_for`). A correct rendering in brackets right after a wrong one
    (变压器（Transformer）) is a gloss and does not count, nor does one inside a wrong one
    (块 in 斑块)."""
    if english is None or accepted is None or not english.every:
        return {}
    times = english.counts()
    counts: Counter[int] = Counter()
    for segment, approved, matches in zip(target, accepted, wrong, strict=True):
        spans = [Span(m.start, m.end) for m in matches if isinstance(m.key, WrongRendering)]
        ends = [span.end for span in spans]
        counts.update(
            _times_each(
                m
                for m in approved
                if m.key in times
                and not _overlaps(m.start, m.end, spans)
                and not any(_follows_as_gloss(segment.raw, at, m.start) for at in ends)
            )
        )
    return {entry: counts[entry] - count for entry, count in times.items()}


def _times_each(matches: Iterable[Match[int]]) -> Counter[int]:
    """How many places each entry stands at: nested matches of one entry (自注意力 in
    自注意力机制) are one place; an entry nested in another's ("Transformer" in "Vision
    Transformer") still counts for itself."""
    by_entry: dict[int, list[Match[int]]] = {}
    for match in matches:
        by_entry.setdefault(match.key, []).append(match)
    return Counter({entry: len(outermost(places)) for entry, places in by_entry.items()})


_GLOSS_OPENERS = frozenset(" (（[【")


def _follows_as_gloss(raw: str, wrong_end: int, start: int) -> bool:
    """Whether `raw[start:]` follows the wrong rendering ending at `wrong_end` in brackets
    (变压器（Transformer）, 变压器 (Transformer)): only spaces and opening brackets between."""
    return wrong_end <= start <= wrong_end + 3 and all(ch in _GLOSS_OPENERS for ch in raw[wrong_end:start])


def _wrong_uses(
    segment: Segment,
    matches: Sequence[Match[WrongRendering | Guard]],
    english: _EnglishTerms | None,
    pair: int | None,
    glossary: Glossary,
    surplus: Mapping[int, int] | None = None,
) -> Iterable[WrongUse]:
    """`matches`: what the wrong matcher found in the segment; `english`: the terms of the
    aligned English, None without it; `surplus`: how often the Chinese of the pair renders
    each of them correctly beyond the English's count (`_surplus`)."""
    by_range: dict[tuple[int, int], list[WrongRendering | Guard]] = {}
    for match in matches:
        by_range.setdefault((match.start, match.end), []).append(match.key)
    for (start, end), keys in by_range.items():
        wrong = [k for k in keys if isinstance(k, WrongRendering)]
        if len(wrong) < len(keys):
            continue  # an ordinary word from `exceptions` covers this place
        listed = [k for k in wrong if not k.generated]
        wrong = listed or wrong  # a rendering the glossary lists speaks for itself
        generated = not listed
        decision = _decide(wrong, english.every if english is not None else None, surplus or {})
        if decision is None:
            continue
        severity, entries, confirmed = decision
        # A context phrase (基于[变压器]) reports and fixes only its bracketed part.
        lead, trail = wrong[0].lead, wrong[0].trail
        # Where the English is there, an error says its term was mistranslated: confirm first
        # that the match is a word where it stands (not 一代 in 下一代). A context phrase says so
        # itself. Without English (MT output checked alone) every match stands: the check would
        # cost more than the glossary scan of a whole corpus.
        # A generated rendering is a guess: it is confirmed as a word in either case.
        if (
            (english is not None or generated)
            and not (lead or trail)
            and not stands_as_word(segment.raw, start, end, _approved(glossary, entries), whole=generated)
        ):
            continue
        exact = confirmed and english is not None and len(entries) == 1 and entries[0] in english.exact
        yield WrongUse(segment, start + lead, end - trail, severity, entries, confirmed, pair, exact, generated)


def _approved(glossary: Glossary, entries: Iterable[int]) -> frozenset[str]:
    return frozenset(rendering for i in entries for rendering in glossary.entries[i].approved)


def _decide(
    keys: list[WrongRendering], english: Collection[int] | None, surplus: Mapping[int, int] | None = None
) -> tuple[Severity, tuple[int, ...], bool] | None:
    """Severity, the entries meant and whether the English confirmed them; None when the
    word is ordinary Chinese here, or the Chinese renders the English term correctly wherever
    it stands (`surplus`, `_accounted_for`), so the word is not standing for it."""
    keys = [k for k in keys if not _accounted_for(k, surplus or {})]
    entries = tuple(dict.fromkeys(k.entry for k in keys))
    if not entries:
        return None
    if english is not None:
        meant = tuple(e for e in entries if e in english)
        if meant:
            return Severity.ERROR, meant, True
    always = tuple(dict.fromkeys(k.entry for k in keys if k.tier is Tier.ALWAYS))
    if always:
        return Severity.ERROR, always, False
    ordinary = tuple(dict.fromkeys(k.entry for k in keys if k.tier is Tier.ORDINARY))
    if english is None and ordinary:
        return Severity.WARNING, ordinary, False
    return None


def _accounted_for(key: WrongRendering, surplus: Mapping[int, int]) -> bool:
    """Whether the Chinese renders the term correctly wherever the English has it, so this
    wrong-looking word stands for something else: an everyday word (关注 for "focus on" beside
    注意力 for attention) once every use is accounted for; a rendering never right in ML text
    (变形金刚) only when the Chinese has the term correctly more often than the English, i.e.
    the translator added it to tell the two apart ("变形金刚系列作品，而不是 Transformers 库" for
    "Transformers (the franchise, not the library!)"). An equal count is not enough there: the
    English may hold the term in a form the glossary does not match ("Visual Transformers" in
    a paper title, rendered 视觉变形金刚)."""
    extra = surplus.get(key.entry)
    if extra is None:
        return False
    return extra > 0 if key.tier is Tier.ALWAYS else extra >= 0


def _forbidden_finding(use: WrongUse, glossary: Glossary, path: str) -> Finding:
    terms = [glossary.entries[i] for i in use.entries]
    text = use.segment.raw[use.start : use.end]
    names = " or ".join(repr(t.term) for t in terms)
    suggestion = " / ".join(dict.fromkeys(t.preferred for t in terms))
    finding = _finding_at(
        FORBIDDEN_TERM,
        use.severity,
        path,
        use.segment,
        use.start,
        use.end,
        term=" / ".join(t.term for t in terms),
        suggestion=suggestion,
        message=_forbidden_message(use, text, names, suggestion),
        pair=use.pair,
    )
    applicability = _applicability(use)
    if applicability is None:
        return finding
    return replace(finding, fix=rendering_fix(use.segment, use.start, use.end, terms[0].preferred, applicability))


def _forbidden_message(use: WrongUse, text: str, names: str, suggestion: str) -> str:
    if use.generated:
        how = "reads like a rendering of" if use.confirmed else "probably stands for"
        return f"{text!r} {how} {names}, a name that stays in English (a generated rendering); use {suggestion!r}"
    if use.confirmed:
        why = f"the English has {names}"
    elif use.severity is Severity.ERROR:
        why = f"never right for {names} in ML text"
    else:
        why = f"wrong if this means {names} (no English source to confirm)"
    return f"{text!r} is a wrong rendering: {why}; use {suggestion!r}"


def _applicability(use: WrongUse) -> Applicability | None:
    """Safe when the decision is certain and has one answer: the aligned English has exactly
    the entry's term, or the rendering is wrong in any ML text (变形金刚, 基于变压器). A
    rendering that stands for several entries (剪辑: CLIP or CutMix) gets no fix; the other
    single-entry cases are judgement calls: the English has only a variant or a longer term
    ("Next Generation" is not "text generation"), or an ordinary word with no English to
    confirm it (报纸)."""
    if len(use.entries) != 1:
        return None
    if use.generated:
        return Applicability.UNSAFE  # a guess at what the MT rendered
    if use.exact or (not use.confirmed and use.severity is Severity.ERROR):
        return Applicability.SAFE
    return Applicability.UNSAFE


def rendering_fix(segment: Segment, start: int, end: int, rendering: str, applicability: Applicability) -> Fix:
    """Replace `raw[start:end]` with `rendering`, spaced as Chinese typography spaces Latin
    words among Han characters (基于 Transformer 的)."""
    raw = segment.raw
    content = _spaced(raw[start - 1] if start else "", rendering, raw[end] if end < len(raw) else "")
    return Fix(applicability, f"replace {raw[start:end]!r} with {rendering!r}", (segment.edit(start, end, content),))


def _spaced(before: str, new: str, after: str) -> str:
    if new[:1].isascii() and new[:1].isalnum() and _is_han(before):
        new = " " + new
    if new[-1:].isascii() and new[-1:].isalnum() and _is_han(after):
        new = new + " "
    return new


def _is_han(char: str) -> bool:
    return bool(char) and ("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff")


def _finding_at(
    rule: Rule,
    severity: Severity,
    path: str,
    segment: Segment,
    start: int,
    end: int,
    *,
    term: str,
    suggestion: str,
    message: str,
    pair: int | None,
    fix: Fix | None = None,
) -> Finding:
    line, column = segment.position(start)
    end_line, end_column = segment.position(end)
    return Finding(
        rule=rule.id,
        severity=severity,
        file=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        text=segment.raw[start:end],
        term=term,
        suggestion=suggestion,
        message=message,
        pair=pair,
        fix=fix,
    )


def _absent(expected: frozenset[int], accepted: Sequence[Sequence[Match[int]]], glossary: Glossary) -> list[int]:
    """The entries of `expected` that missing-term reports and no approved rendering stands
    for in `accepted` (a pair's target matches, as `_accepted_matches` gives them)."""
    present = {match.key for matches in accepted for match in matches}
    return [i for i in sorted(expected - present) if glossary.entries[i].report_missing]


def _missing(
    absent: Sequence[tuple[Pair, list[int], Sequence[Sequence[Match[int]]]]], glossary: Glossary, path: str
) -> list[Finding]:
    """missing-term for each pair's absent entries that the Chinese does not keep in English
    either (in any form, in code spans too): looked for only in these few pairs, in one scan.
    Each is placed on the Chinese span that renders the term (qa.glossary.terms), with a fix
    to the approved rendering; at the block start with an empty range when none is found."""
    kept = _each(glossary.kept_matcher, [pair.target for pair, _, _ in absent], nested=True, protected=_outside_code)
    findings = []
    for (pair, entries, approved), matches in zip(absent, kept, strict=True):
        present = {match.key for segment in matches for match in segment}
        taken: list[tuple[Segment, int, int]] = []
        for index in entries:
            if index in present:
                continue
            located = rendering_of(index, pair.source, pair.target, glossary, approved, taken)
            findings.append(_missing_finding(pair, glossary.entries[index], located, path))
            if located is not None:
                taken.append((located.segment, located.start, located.end))
    return findings


def rendering_of(
    index: int,
    source: Sequence[Segment],
    target: Sequence[Segment],
    glossary: Glossary,
    approved: Sequence[Sequence[Match[int]]],
    taken: Sequence[tuple[Segment, int, int]] = (),
) -> Located | None:
    """The span of a pair's Chinese (`target`) that renders entry `index`'s term
    (qa.glossary.terms.locate), as missing-term places it: never on an exception, on another
    entry's approved rendering (注意力 is attention, not the self-attention the MT wrote 自我关注
    for) or a span in `taken` (other terms'), by sound only for a name kept in English (a
    concept, stem or epoch, is translated, not transliterated), and only when it renders at
    least `_PLACED_SCORE` of the term. `approved`: the approved renderings in each of the
    pair's Chinese segments (`approved_matches`; the check has them already)."""
    entry = glossary.entries[index]
    others = [
        (segment, match.start, match.end)
        for segment, matches in zip(target, approved, strict=True)
        for match in matches
        if match.key != index
    ]
    avoid = [*taken, *_exception_places(entry, target), *others]
    english = " ".join(segment.text for segment in source)
    located = locate(entry.term, target, _place(english, entry.english_forms), avoid)
    if located is None or (located.how == "sound" and not entry.keep_english) or located.score < _PLACED_SCORE:
        return None
    return located


def approved_matches(glossary: Glossary, target: Sequence[Segment]) -> list[list[Match[int]]]:
    """Every approved rendering in each segment of a pair's Chinese, as the check finds them
    (`_accepted_matches` does it for all pairs in one scan)."""
    return _each(glossary.accepted_matcher, [target], nested=True)[0]


def _exception_places(entry: Entry, target: Sequence[Segment]) -> list[tuple[Segment, int, int]]:
    """Where the entry's `exceptions` stand in the Chinese: an ordinary word (变压器站, a
    transformer station) is no rendering of the term, here as in forbidden-term."""
    places = []
    for segment in target:
        for word in entry.exceptions:
            at = segment.raw.find(word)
            while at >= 0:
                places.append((segment, at, at + len(word)))
                at = segment.raw.find(word, at + 1)
    return places


_PLACED_SCORE = 0.5
"""A span that renders at least half the term's words, or sounds like it: placed."""
_NAME_SOUND = 0.75
"""How closely a span must spell a name the glossary does not know to be taken for it."""


def _unknown_names(pairs: Sequence[Pair], glossary: Glossary, path: str) -> list[Finding]:
    """missing-term for English technical names no entry has (CamelCase, acronyms: names that
    stay in English), where the Chinese neither keeps the name nor lacks a rendering of it: the
    span that translates all of its parts word by word (高效网 for EfficientNet) or spells it
    closely by sound (罗伯塔 for RoBERTa). A name rendered some other way is left alone: it may
    be a correct translation (FLOPs: 浮点运算)."""
    findings: list[Finding] = []
    for pair in pairs:
        if not pair.source:
            continue
        english = " ".join(segment.text for segment in pair.source)
        chinese = " ".join(segment.text for segment in pair.target)
        names = {n for n in technical_names(english) if term_key(n) not in glossary.by_key}
        taken: list[tuple[Segment, int, int]] = []
        for name in sorted(names - kept_in(names, term_key(chinese))):
            located = locate(name, pair.target, _place(english, (name,)), taken)
            if located is None or not _renders_name(located, name):
                continue
            taken.append((located.segment, located.start, located.end))
            message = f"{located.text!r} renders the name {name!r} {_how(located)}; names stay in English"
            findings.append(_placed_finding(located, path, pair, name, name, message))
    return findings


def _how(located: Located) -> str:
    return "by sound" if located.how == "sound" else "word by word"


def _renders_name(located: Located, name: str) -> bool:
    """Word by word: every part of a name of two or more (EfficientNet); by sound: closely."""
    if located.how == "sound":
        return located.score >= _NAME_SOUND
    return located.score >= 1.0 and len(term_words(name)) >= 2


def _place(english: str, forms: Sequence[str]) -> float:
    """Where a term first stands in the English block, 0 to 1 (0.5 when not found as written)."""
    folded = english.casefold()
    found = [at for at in (folded.find(form.casefold()) for form in forms) if at >= 0]
    return min(found) / max(len(folded), 1) if found else 0.5


def _missing_finding(pair: Pair, entry: Entry, located: Located | None, path: str) -> Finding:
    wanted = ", ".join(entry.accepted_in_target)
    if located is None:  # an empty range at the start of the block
        return _finding_at(
            MISSING_TERM,
            MISSING_TERM.severity,
            path,
            pair.target[0],
            0,
            0,
            term=entry.term,
            suggestion=entry.preferred,
            message=f"the English has {entry.term!r} but this block has none of: {wanted}",
            pair=pair.id,
        )
    message = f"{located.text!r} renders {entry.term!r} {_how(located)}; use one of: {wanted}"
    fix = rendering_fix(located.segment, located.start, located.end, entry.preferred, Applicability.UNSAFE)
    return _placed_finding(located, path, pair, entry.term, entry.preferred, message, fix)


def _placed_finding(
    located: Located, path: str, pair: Pair, term: str, suggestion: str, message: str, fix: Fix | None = None
) -> Finding:
    """missing-term on the span that renders the term."""
    return _finding_at(
        MISSING_TERM,
        MISSING_TERM.severity,
        path,
        located.segment,
        located.start,
        located.end,
        term=term,
        suggestion=suggestion,
        message=message,
        pair=pair.id,
        fix=fix,
    )


CHECKS = (
    Check(
        "glossary",
        (FORBIDDEN_TERM, INCONSISTENT_RENDERING),
        Scope.PAIR,
        run=lambda given: (
            check_alignment(given.alignment, given.glossary, missing_terms=False)
            if given.alignment is not None
            else check_document(given.target, given.glossary)
        ),
        needs_english=False,
    ),
    Check(
        "glossary",
        (MISSING_TERM,),
        Scope.PAIR,
        run=lambda given: check_missing_terms(given.alignment, given.glossary),
    ),
    Check(
        "glossary",
        (INCONSISTENT_RENDERING,),
        Scope.RUN,
        run_reports=lambda reports, glossary: check_run(reports, glossary),
    ),
)
