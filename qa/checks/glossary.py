"""Glossary checks: wrong renderings of ML terms, and terms the translation lost."""

from __future__ import annotations

from collections.abc import Iterable

from qa.glossary import Entry, Glossary, WrongRendering
from qa.model import Alignment, Document, Finding, Segment, Severity
from qa.rules import Rule

FORBIDDEN_TERM = Rule.define(
    "glossary/forbidden-term",
    Severity.ERROR,
    """A known wrong rendering of an ML term (变压器 for Transformer, 剪辑 for CLIP).

    What it does: finds the glossary's `forbidden` and `forbidden_always` renderings in the
    Chinese text, outside URLs and code. A `forbidden_always` rendering (变形金刚, 抱抱脸)
    is an error wherever it stands. A `forbidden` one is also an ordinary Chinese word
    (报纸 is a newspaper), so it is an error only when the aligned English block has the
    term, and a warning when there is no English to decide with.

    Why is this bad: MT picks the everyday sense of a word; a reader of an ML article
    cannot recover "Transformer" from 变压器 (an electrical transformer).

    Example: English "a Transformer-based model", Chinese 基于变压器的模型 -> suggest
    "Transformer".
    """,
)

MISSING_TERM = Rule.define(
    "glossary/missing-term",
    Severity.WARNING,
    """The English block has a glossary term, the aligned Chinese has none of its renderings.

    What it does: for each aligned pair, looks up every glossary term of the English side
    and reports those for which the Chinese side has neither an approved rendering nor
    the English term kept, nor a known wrong rendering (that one is `forbidden-term`).

    Why is this bad: the term was paraphrased away or rendered in a way the glossary does
    not know; either the translation or the glossary needs a look.

    Example: English "fine-tuning with 1% of labels", Chinese 用 1% 的标签调整 -> expected
    微调.
    """,
)

RULES = (FORBIDDEN_TERM, MISSING_TERM)


def check_alignment(alignment: Alignment, glossary: Glossary) -> list[Finding]:
    findings: list[Finding] = []
    path = alignment.target.path
    for pair in alignment.pairs:
        if not pair.target:
            continue
        english = _terms_in(pair.source, glossary, nested=True) if pair.source else None
        wrong_found: set[int] = set()
        for segment in pair.target:
            for found in _forbidden(segment, glossary, english, path, pair.id):
                findings.append(found[0])
                wrong_found.update(found[1])
        if english:
            # "Vision Transformer" expects its own rendering, not also one for "Transformer".
            outermost = _terms_in(pair.source, glossary, nested=False)
            findings.extend(_missing(pair.target, outermost - wrong_found, glossary, path, pair.id))
    return findings


def check_document(document: Document, glossary: Glossary) -> list[Finding]:
    """Without an English source: only what the Chinese alone can tell."""
    return [
        finding
        for segment in document.segments
        for finding, _ in _forbidden(segment, glossary, None, document.path, None)
    ]


def _terms_in(segments: Iterable[Segment], glossary: Glossary, *, nested: bool) -> set[int]:
    return {
        match.key
        for segment in segments
        for match in glossary.english_matcher.find(segment.raw, segment.protected, nested=nested)
    }


def _forbidden(
    segment: Segment, glossary: Glossary, english: set[int] | None, path: str, pair: int | None
) -> Iterable[tuple[Finding, set[int]]]:
    """One finding per wrong rendering, with the entries it stands for."""
    by_range: dict[tuple[int, int], list[WrongRendering]] = {}
    for match in glossary.wrong_matcher.find(segment.raw, segment.protected):
        by_range.setdefault((match.start, match.end), []).append(match.key)
    for (start, end), keys in by_range.items():
        decision = _decide(keys, english)
        if decision is None:
            continue
        severity, entries = decision
        terms = [glossary.entries[i] for i in entries]
        yield _finding(segment, start, end, severity, terms, english is not None, path, pair), set(entries)


def _decide(keys: list[WrongRendering], english: set[int] | None) -> tuple[Severity, list[int]] | None:
    """Severity and the entries meant; None when the word is ordinary Chinese here."""
    entries = list(dict.fromkeys(k.entry for k in keys))
    if english is not None:
        meant = [e for e in entries if e in english]
        if meant:
            return Severity.ERROR, meant
    if any(k.always for k in keys):
        return Severity.ERROR, list(dict.fromkeys(k.entry for k in keys if k.always))
    if english is None:
        return Severity.WARNING, entries
    return None


def _finding(
    segment: Segment,
    start: int,
    end: int,
    severity: Severity,
    terms: list[Entry],
    with_english: bool,
    path: str,
    pair: int | None,
) -> Finding:
    text = segment.raw[start:end]
    line, column = segment.position(start)
    end_line, end_column = segment.position(end)
    names = " or ".join(repr(t.term) for t in terms)
    suggestion = " / ".join(dict.fromkeys(t.preferred for t in terms))
    if severity is Severity.ERROR and with_english:
        why = f"the English has {names}"
    elif severity is Severity.ERROR:
        why = f"never right for {names} in ML text"
    else:
        why = f"wrong if this means {names} (no English source to confirm)"
    return Finding(
        rule=FORBIDDEN_TERM.id,
        severity=severity,
        file=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        text=text,
        term=" / ".join(t.term for t in terms),
        suggestion=suggestion,
        message=f"{text!r} is a wrong rendering: {why}; use {suggestion!r}",
        pair=pair,
    )


def _missing(
    target: tuple[Segment, ...], expected: set[int], glossary: Glossary, path: str, pair: int
) -> Iterable[Finding]:
    present = {key for segment in target for key in _accepted(segment, glossary)}
    first = target[0]
    for index in sorted(expected - present):
        entry = glossary.entries[index]
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


def _accepted(segment: Segment, glossary: Glossary) -> set[int]:
    return glossary.accepted_matcher.contains(segment.raw, segment.protected)
