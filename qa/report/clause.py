"""What the translator-facing reports (markdown.py, html.py) share: the clause around a finding,
findings grouped by rule and term, how a fix is labelled, and paths as seen from where `qa` ran."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.model import Applicability, Finding, Report, Severity

# Block syntax at the start of a line (indent, quote marks, a list marker, heading hashes): a
# clause does not show it, and a highlight must not start inside it or the block would change.
BLOCK_PREFIX = re.compile(r"(?:[ \t]*(?:>|[*+-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)|#{1,6}(?=[ \t]|$)))*[ \t]*")
_CLAUSE_END = "。！？；!?;"
_CONTEXT = 48
"""Characters of a clause kept on each side of the finding; a longer clause is cut with …."""
_URL = re.compile(r"https?://([^/\s)>\]]+)[^\s)>\]]*")
_TERM_CHARS = 30
"""A finding's text longer than this is not a term: it is grouped under its rule alone."""


@dataclass(frozen=True)
class Clause:
    """The sentence part around a finding, from its line of the Chinese file."""

    before: str
    term: str
    after: str


@dataclass(frozen=True)
class Group:
    """Findings of one rule on one wrong text with one suggestion: `自我关注 → 自注意力 ×6`."""

    rule: str
    text: str
    suggestion: str | None
    findings: tuple[Finding, ...]

    @property
    def worst(self) -> Severity:
        return max(f.severity for f in self.findings)

    @property
    def lines(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(f.line for f in self.findings))


def clause(lines: Sequence[str], finding: Finding) -> Clause | None:
    """The clause of `lines` (the checked Chinese text) around a one-line finding; None when
    the finding has no text or its text is not at its position."""
    if not finding.text or finding.line != finding.end_line or not 1 <= finding.line <= len(lines):
        return None
    line = lines[finding.line - 1]
    start, end = finding.column - 1, finding.end_column - 1
    if line[start:end] != finding.text:
        return None
    begin = max((line.rfind(mark, 0, start) + 1 for mark in _CLAUSE_END), default=0)
    begin = max(begin, BLOCK_PREFIX.match(line).end() if begin == 0 else begin)
    stops = [found + 1 for mark in _CLAUSE_END if (found := line.find(mark, end)) >= 0]
    stop = min(stops, default=len(line))
    before, after = short_urls(line[min(begin, start) : start]), short_urls(line[end:stop])
    if len(before) > _CONTEXT:
        before = "…" + before[-_CONTEXT:]
    if len(after) > _CONTEXT:
        after = after[:_CONTEXT] + "…"
    return Clause(before, finding.text, after)


def short_urls(text: str) -> str:
    """Every URL as its host and …: the clause is for reading, the file has the URL."""
    return _URL.sub(lambda match: f"{match.group(1)}/…", text)


def groups(findings: Iterable[Finding]) -> list[Group]:
    """Findings grouped by rule, then by the wrong text and its suggestion, in rule order and,
    within a rule, most frequent first."""
    keyed: dict[tuple[str, str, str | None], list[Finding]] = {}
    for finding in findings:
        text = finding.text if finding.text and len(finding.text) <= _TERM_CHARS and "\n" not in finding.text else ""
        keyed.setdefault((finding.rule, text, finding.suggestion), []).append(finding)
    ordered = sorted(keyed.items(), key=lambda item: (item[0][0], -len(item[1]), item[1][0].line))
    return [Group(rule, text, suggestion, tuple(found)) for (rule, text, suggestion), found in ordered]


def fix_kind(finding: Finding) -> Applicability | None:
    """SAFE: `qa fix` applies it; UNSAFE: only with --unsafe-fixes; None: no fix is known."""
    return finding.fix.applicability if finding.fix is not None and finding.fix.edits else None


def fix_counts(report: Report) -> tuple[int, int]:
    """(safe, unsafe) fixable findings."""
    kinds = [fix_kind(f) for f in report.findings]
    return kinds.count(Applicability.SAFE), kinds.count(Applicability.UNSAFE)


def display_path(path: str, cwd: Path | None = None) -> str:
    """`path` relative to the folder `qa` ran in, when it is under it; otherwise as given."""
    if not os.path.isabs(path):
        return path
    base = cwd or Path.cwd()
    try:
        return str(Path(path).relative_to(base))
    except ValueError:
        return path


def relative_paths(text: str, cwd: Path | None = None) -> str:
    """`text` (a finding's message) with absolute paths under the working folder made relative."""
    # os.getcwd(), not Path.cwd(): the same text without a Path made and parsed, and this runs
    # once per finding of a report (100,000 of them in a long document).
    prefix = (str(cwd) if cwd is not None else os.getcwd()).rstrip(os.sep) + os.sep
    return text if prefix == os.sep else text.replace(prefix, "")
