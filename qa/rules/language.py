"""Language checks: the target must be Chinese and the source English, or nothing else means much."""

from __future__ import annotations

import re

from qa.model import Document, Finding, SegmentKind, Severity
from qa.rules.rule import Check, Rule, Scope

TARGET_NOT_CHINESE = Rule.define(
    "language/target-not-chinese",
    Severity.ERROR,
    """The file checked as the Chinese translation is hardly Chinese at all.

    What it does: counts Han characters among the letters of the target's prose (code
    excluded) and reports the file when fewer than MIN_HAN_SHARE of them are Han.

    Why is this bad: source and target were swapped, the English was copied over the
    translation, or the MT step never ran; every other finding would be noise.

    Example: `qa check issue13.en.md --source issue13.zh.md`.
    """,
)

SOURCE_NOT_ENGLISH = Rule.define(
    "language/source-not-english",
    Severity.WARNING,
    """The file used as the English original is mostly Chinese.

    What it does: reports the source when more than MAX_SOURCE_HAN_SHARE of the letters of
    its prose are Han characters.

    Why is this bad: alignment, glossary context and drift all assume an English source;
    with a Chinese one they compare a translation with itself.

    Example: `qa check a.zh.md --source b.zh.md`.
    """,
)

RULES = (TARGET_NOT_CHINESE, SOURCE_NOT_ENGLISH)

# Chinese ML prose keeps many Latin terms (Transformer, GPT-3, URLs), yet Han characters are
# well over half of its letters; English prose has none. The thresholds sit far from both.
MIN_HAN_SHARE = 0.1
MAX_SOURCE_HAN_SHARE = 0.5
MIN_LETTERS = 40

_HAN_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def check_documents(source: Document | None, target: Document) -> list[Finding]:
    findings = []
    prose = _prose(target)
    han = _han_letters(prose)
    # Letters are at most all the characters: where Han characters are a tenth of these,
    # they are at least a tenth of the letters, so only other files count letters (a step
    # per character).
    if han < MIN_HAN_SHARE * len(prose):
        share, letters = _share(han, prose)
        if letters >= MIN_LETTERS and share < MIN_HAN_SHARE:
            findings.append(_finding(TARGET_NOT_CHINESE, target.path, f"only {share:.0%} of its letters are Chinese"))
    if source is not None:
        prose = _prose(source)
        han = _han_letters(prose)
        if han:  # without a Han character the share is 0: the usual English source
            share, letters = _share(han, prose)
            if letters >= MIN_LETTERS and share > MAX_SOURCE_HAN_SHARE:
                message = f"the English source {source.path} is {share:.0%} Chinese"
                findings.append(_finding(SOURCE_NOT_ENGLISH, target.path, message))
    return findings


def han_share(document: Document) -> tuple[float, int]:
    """(Han characters / letters, letters) over the prose of a document."""
    prose = _prose(document)
    return _share(_han_letters(prose), prose)


def _prose(document: Document) -> str:
    return "\n".join(segment.text for segment in document.segments if segment.kind is not SegmentKind.CODE)


def _han_letters(prose: str) -> int:
    return _letters("".join(_HAN_RUNS.findall(prose)))


def _share(han: int, prose: str) -> tuple[float, int]:
    # Counted in C (map, isalpha) rather than a Python step per character: this is the
    # document's whole text.
    letters = sum(map(str.isalpha, prose))
    return (han / letters if letters else 0.0), letters


def _letters(text: str) -> int:
    """How many characters of `text` are letters: usually all (a Han-block symbol such as ䷀ is not)."""
    return len(text) if text.isalpha() else sum(map(str.isalpha, text))


def _finding(rule: Rule, path: str, message: str) -> Finding:
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        file=path,
        line=1,
        column=1,
        end_line=1,
        end_column=1,
        text="",
        message=message,
    )


CHECKS = (Check("language", RULES, Scope.DOCUMENT, run=lambda given: check_documents(given.source, given.target)),)
