"""Glossary checks: wrong renderings of ML terms, terms the translation lost, and terms
rendered in more than one way."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from qa.glossary.load import Glossary, Guard, Tier, WrongRendering, term_key
from qa.glossary.match import Key, Match, PhraseMatcher, outermost
from qa.model import Alignment, Applicability, Document, Finding, Fix, Pair, Report, Segment, Severity
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
    and reports those for which the Chinese side has neither an approved rendering nor
    the English term kept, nor a known wrong rendering (that one is `forbidden-term`).
    Entries with `report_missing` false (everyday words such as "training") are skipped.

    Why is this bad: the term was paraphrased away or rendered in a way the glossary does
    not know; either the translation or the glossary needs a look.

    Example: English "fine-tuning with 1% of labels", Chinese 用 1% 的标签调整 -> expected
    微调.
    """,
)

INCONSISTENT_RENDERING = Rule.define(
    "glossary/inconsistent-rendering",
    Severity.WARNING,
    """One English term rendered in different approved ways across a document or a run.

    What it does: collects, for every aligned pair whose English has a glossary term, which
    of the term's approved Chinese renderings the Chinese uses. When a term is rendered in
    more than one way in a document (or, when `qa check` is given several files, across
    all of them), every use of a minority rendering is reported with the majority one as
    the suggestion. Renderings that contain one another (自注意力, 自注意力机制) count as
    one, and keeping the English term (GAN beside 生成对抗网络) is not an inconsistency.

    Why is this bad: a reader who meets 批归一化 on one page and 批量归一化 on the next
    wonders whether they are two techniques; a series should read as one text.

    Example: batch normalization rendered 批归一化 three times and 批量归一化 once -> the
    one 批量归一化 is reported, suggesting 批归一化.
    """,
    fix=Applicability.UNSAFE,
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


def check_alignment(alignment: Alignment, glossary: Glossary) -> list[Finding]:
    findings: list[Finding] = []
    renderings: list[Rendering] = []
    path = alignment.target.path
    pairs = [pair for pair in alignment.pairs if pair.target]
    # Each matcher scans each side of the document once; every rule below shares the matches.
    english = _english_terms(pairs, glossary)
    accepted = _accepted_matches(pairs, english, glossary)
    wrong = _wrong_uses_in_pairs(pairs, english, glossary)
    for pair, terms, uses, approved in zip(pairs, english, wrong, accepted, strict=True):
        findings += [_forbidden_finding(use, glossary, path) for use in uses]
        if terms is None or approved is None:
            continue  # nothing for missing-term or consistency to look for
        wrong_found = {entry for use in uses for entry in use.entries}
        # "Vision Transformer" expects its own rendering, not also one for "Transformer".
        findings.extend(_missing(pair.target, terms.outermost - wrong_found, approved, glossary, path, pair.id))
        renderings += _renderings(path, pair, terms.outermost, approved, glossary)
    findings += check_consistency(renderings, glossary, scope="document")
    return findings


def check_document(document: Document, glossary: Glossary) -> list[Finding]:
    """Without an English source: only what the Chinese alone can tell."""
    return [_forbidden_finding(use, glossary, document.path) for use in wrong_uses_in_document(document, glossary)]


def wrong_uses_in_alignment(alignment: Alignment, glossary: Glossary) -> list[WrongUse]:
    pairs = [pair for pair in alignment.pairs if pair.target]
    return [use for uses in _wrong_uses_in_pairs(pairs, _english_terms(pairs, glossary), glossary) for use in uses]


def wrong_uses_in_document(document: Document, glossary: Glossary) -> list[WrongUse]:
    segments = document.segments
    scanned = glossary.wrong_matcher.find_each([(segment.raw, segment.protected) for segment in segments])
    # Most segments have no match, hence no use: skip the generator for them.
    return [
        use
        for segment, matches in zip(segments, scanned, strict=True)
        if matches
        for use in _wrong_uses(segment, matches, None, None)
    ]


def check_run(reports: Sequence[Report], glossary: Glossary) -> list[Report]:
    """Several files checked together: consistency is judged over the whole run.

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
        # The majority wins; a tie goes to the rendering the glossary lists first.
        majority = min(counts, key=lambda family: (-counts[family], order.get(family, len(order))))
        first = next(use for use in uses if use.family == majority)
        first_line, _ = first.segment.position(first.start)
        where = f"line {first_line}" if scope == "document" else f"{first.file}:{first_line}"
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
                    message=f"{text!r} renders {entry.term!r} here, but this {scope} uses {majority!r} "
                    f"{_times(counts[majority])} (first at {where}); use one rendering",
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


def _each(
    matcher: PhraseMatcher[Key], groups: Sequence[Sequence[Segment]], *, nested: bool
) -> list[list[list[Match[Key]]]]:
    """`matcher.find` on each segment of each group (a pair's side), in one scan of them all."""
    flat = iter(matcher.find_each([(s.raw, s.protected) for group in groups for s in group], nested=nested))
    return [list(itertools.islice(flat, len(group))) for group in groups]


def _english_terms(pairs: Sequence[Pair], glossary: Glossary) -> list[_EnglishTerms | None]:
    """Per pair, the terms of its English; None without English."""
    scanned = _each(glossary.english_matcher, [pair.source for pair in pairs], nested=True)
    return [
        _EnglishTerms(
            frozenset(match.key for matches in segments for match in matches),
            frozenset(match.key for matches in segments if matches for match in outermost(matches)),
            frozenset(
                match.key
                for segment, matches in zip(pair.source, segments, strict=True)
                if matches
                for match in outermost(matches)
                if _is_term_itself(segment.raw[match.start : match.end], glossary.entries[match.key].term)
            ),
        )
        if pair.source
        else None
        for pair, segments in zip(pairs, scanned, strict=True)
    ]


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
    pairs: Sequence[Pair], english: Sequence[_EnglishTerms | None], glossary: Glossary
) -> list[list[WrongUse]]:
    scanned = _each(glossary.wrong_matcher, [pair.target for pair in pairs], nested=False)
    return [
        [
            use
            for segment, matches in zip(pair.target, segments, strict=True)
            if matches
            for use in _wrong_uses(segment, matches, terms, pair.id)
        ]
        for pair, terms, segments in zip(pairs, english, scanned, strict=True)
    ]


def _wrong_uses(
    segment: Segment,
    matches: Sequence[Match[WrongRendering | Guard]],
    english: _EnglishTerms | None,
    pair: int | None,
) -> Iterable[WrongUse]:
    """`matches`: what the wrong matcher found in the segment; `english`: the terms of the
    aligned English, None without it."""
    by_range: dict[tuple[int, int], list[WrongRendering | Guard]] = {}
    for match in matches:
        by_range.setdefault((match.start, match.end), []).append(match.key)
    for (start, end), keys in by_range.items():
        wrong = [k for k in keys if isinstance(k, WrongRendering)]
        if len(wrong) < len(keys):
            continue  # an ordinary word from `exceptions` covers this place
        decision = _decide(wrong, english.every if english is not None else None)
        if decision is not None:
            severity, entries, confirmed = decision
            # A context phrase (基于[变压器]) reports and fixes only its bracketed part.
            lead, trail = wrong[0].lead, wrong[0].trail
            exact = confirmed and english is not None and len(entries) == 1 and entries[0] in english.exact
            yield WrongUse(segment, start + lead, end - trail, severity, entries, confirmed, pair, exact)


def _decide(keys: list[WrongRendering], english: set[int] | None) -> tuple[Severity, tuple[int, ...], bool] | None:
    """Severity, the entries meant and whether the English confirmed them; None when the
    word is ordinary Chinese here."""
    entries = tuple(dict.fromkeys(k.entry for k in keys))
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


def _forbidden_finding(use: WrongUse, glossary: Glossary, path: str) -> Finding:
    terms = [glossary.entries[i] for i in use.entries]
    text = use.segment.raw[use.start : use.end]
    names = " or ".join(repr(t.term) for t in terms)
    suggestion = " / ".join(dict.fromkeys(t.preferred for t in terms))
    if use.confirmed:
        why = f"the English has {names}"
    elif use.severity is Severity.ERROR:
        why = f"never right for {names} in ML text"
    else:
        why = f"wrong if this means {names} (no English source to confirm)"
    finding = _finding_at(
        FORBIDDEN_TERM,
        use.severity,
        path,
        use.segment,
        use.start,
        use.end,
        term=" / ".join(t.term for t in terms),
        suggestion=suggestion,
        message=f"{text!r} is a wrong rendering: {why}; use {suggestion!r}",
        pair=use.pair,
    )
    applicability = _applicability(use)
    if applicability is None:
        return finding
    return replace(finding, fix=rendering_fix(use.segment, use.start, use.end, terms[0].preferred, applicability))


def _applicability(use: WrongUse) -> Applicability | None:
    """Safe when the decision is certain and has one answer: the aligned English has exactly
    the entry's term, or the rendering is wrong in any ML text (变形金刚, 基于变压器). A
    rendering that stands for several entries (剪辑: CLIP or CutMix) gets no fix; the other
    single-entry cases are judgement calls: the English has only a variant or a longer term
    ("Next Generation" is not "text generation"), or an ordinary word with no English to
    confirm it (报纸)."""
    if len(use.entries) != 1:
        return None
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


def _missing(
    target: tuple[Segment, ...],
    expected: frozenset[int],
    accepted: Sequence[Sequence[Match[int]]],
    glossary: Glossary,
    path: str,
    pair: int,
) -> Iterable[Finding]:
    present = {match.key for matches in accepted for match in matches}
    first = target[0]
    for index in sorted(expected - present):
        entry = glossary.entries[index]
        if not entry.report_missing:
            continue
        yield Finding(
            rule=MISSING_TERM.id,
            severity=MISSING_TERM.severity,
            file=path,
            line=first.start_line,
            column=1,
            end_line=first.start_line,
            end_column=1,
            text="",
            term=entry.term,
            suggestion=entry.preferred,
            message=f"the English has {entry.term!r} but this block has none of: "
            + ", ".join(entry.accepted_in_target),
            pair=pair,
        )


CHECKS = (
    Check(
        "glossary",
        RULES,
        Scope.PAIR,
        run=lambda given: (
            check_alignment(given.alignment, given.glossary)
            if given.alignment is not None
            else check_document(given.target, given.glossary)
        ),
        needs_english=False,
    ),
    Check(
        "glossary",
        (INCONSISTENT_RENDERING,),
        Scope.RUN,
        run_reports=lambda reports, glossary: check_run(reports, glossary),
    ),
)
