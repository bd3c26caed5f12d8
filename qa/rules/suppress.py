"""Suppression: inline `qa-ignore` comments in the Chinese file, and a baseline of known findings.

Comments, as Vale and Ruff allow (a rule id or a prefix; none means every rule):

    变压器是一种电器。<!-- qa-ignore glossary/forbidden-term -->   this block
    <!-- qa-ignore glossary/ -->                                   alone on its lines: the next block
    <!-- qa-ignore-next-line typography/ -->                       the next line only

A baseline (`--write-baseline FILE`, then `--baseline FILE`) records fingerprints of the
findings a team has accepted; later runs report only new ones. A fingerprint leaves out the
line number, so an edit above a finding does not make it new again.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QaInputError
from qa.model import Document, Finding, SegmentKind

BASELINE_VERSION = 1
_COMMENT = re.compile(r"<!--\s*qa-ignore(?P<next>-next-line)?(?P<rules>(?:\s+[\w./-]+)*)\s*-->")
_MARKER = "qa-ignore"
"""In every comment `_COMMENT` matches."""


@dataclass(frozen=True)
class Suppression:
    """Findings of these rules (all when empty) in lines first..last are suppressed."""

    first: int
    last: int
    rules: tuple[str, ...]

    def covers(self, finding: Finding) -> bool:
        in_range = self.first <= finding.line <= self.last
        return in_range and (not self.rules or any(_matches(finding.rule, rule) for rule in self.rules))


def suppressions(document: Document) -> tuple[Suppression, ...]:
    if _MARKER not in document.text:
        return ()  # most files have no qa-ignore comment: no need to read them line by line
    found: list[Suppression] = []
    by_line = {line: s for s in document.segments for line in range(s.start_line, s.end_line + 1)}
    starts = [s.start_line for s in document.segments]  # in order: blocks follow each other
    for number, line in enumerate(document.text.split("\n"), start=1):
        if _MARKER not in line:
            continue  # most lines: no comment to look for
        for match in _COMMENT.finditer(line):
            rules = tuple(match.group("rules").split())
            if match.group("next"):
                found.append(Suppression(number + 1, number + 1, rules))
                continue
            segment = by_line.get(number)
            if segment is not None and segment.kind is SegmentKind.HTML:
                # The first block that starts after this one ends.
                following = bisect.bisect_right(starts, segment.end_line)
                if following < len(starts):
                    after = document.segments[following]
                    found.append(Suppression(after.start_line, after.end_line, rules))
            elif segment is not None:
                found.append(Suppression(segment.start_line, segment.end_line, rules))
    return tuple(found)


def apply_comments(findings: Iterable[Finding], document: Document) -> tuple[list[Finding], int]:
    """(findings kept, number suppressed) for the findings in `document`'s own file."""
    rules = suppressions(document)
    if not rules:
        return list(findings), 0  # most files: no comment, nothing to test each finding against
    by_line = _by_line(rules)
    kept: list[Finding] = []
    dropped = 0
    for finding in findings:
        if finding.file == document.path and any(s.covers(finding) for s in by_line.get(finding.line, ())):
            dropped += 1
        else:
            kept.append(finding)
    return kept, dropped


def _by_line(rules: Sequence[Suppression]) -> dict[int, list[Suppression]]:
    """The suppressions that cover each line, so a finding is tested against its line's only.

    Comments that cover the same lines are merged into one (all rules if one of them names
    none): a block holds any number of comments, and each covers the whole block. What is
    left are block ranges, which do not overlap, and single lines: a line or two each."""
    merged: dict[tuple[int, int], tuple[str, ...] | None] = {}
    for rule in rules:
        lines = (rule.first, rule.last)
        known = merged.get(lines, ())
        merged[lines] = None if known is None or not rule.rules else known + rule.rules
    by_line: dict[int, list[Suppression]] = {}
    for (first, last), names in merged.items():
        suppression = Suppression(first, last, () if names is None else tuple(dict.fromkeys(names)))
        for line in range(first, last + 1):
            by_line.setdefault(line, []).append(suppression)
    return by_line


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """One stable id per finding: rule, file, text, term, and the how-many-th such finding."""
    seen: Counter[tuple[str, ...]] = Counter()
    prints = []
    for finding in findings:
        key = (finding.rule, finding.file, finding.text, finding.term or "", finding.suggestion or "")
        seen[key] += 1
        digest = hashlib.sha256("\x1f".join((*key, str(seen[key]))).encode("utf-8")).hexdigest()
        prints.append(digest[:32])
    return prints


def baseline_text(findings: Sequence[Finding]) -> str:
    entries = [
        {"fingerprint": fp, "rule": f.rule, "file": f.file, "line": f.line, "text": f.text}
        for fp, f in zip(fingerprints(findings), findings, strict=True)
    ]
    data = {"qa_baseline_version": BASELINE_VERSION, "findings": entries}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def read_baseline(path: Path) -> frozenset[str]:
    from qa.read.io import read_text

    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise QaInputError(str(path), f"not a qa baseline: {error.msg}", error.lineno) from None
    if not isinstance(data, dict) or data.get("qa_baseline_version") != BASELINE_VERSION:
        raise QaInputError(str(path), f"not a qa baseline (expected qa_baseline_version {BASELINE_VERSION})", 1)
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "fingerprint" in e for e in entries):
        raise QaInputError(str(path), "baseline 'findings' must be a list of objects with a 'fingerprint'", 1)
    return frozenset(str(e["fingerprint"]) for e in entries)


def apply_baseline(findings: Sequence[Finding], known: frozenset[str]) -> tuple[list[Finding], int]:
    kept = [f for f, fp in zip(findings, fingerprints(findings), strict=True) if fp not in known]
    return kept, len(findings) - len(kept)


def _matches(rule: str, selector: str) -> bool:
    return rule == selector or (selector.endswith("/") and rule.startswith(selector)) or rule.startswith(selector + "/")
