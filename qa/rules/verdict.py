"""What a check's findings become in a report, in one place: the selected rules, the
configured severities, minus what `qa-ignore` comments in the file suppress. `qa check`
reports, and `qa fix` fixes, exactly what comes out of here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qa.config import apply_severity
from qa.model import Document, Finding
from qa.rules.selection import RuleSelection
from qa.rules.suppress import apply_comments


@dataclass(frozen=True)
class Verdict:
    findings: tuple[Finding, ...]
    """Kept, in file order."""
    suppressed: int
    """How many the file's qa-ignore comments removed."""


def decide(
    findings: Iterable[Finding],
    target: Document,
    selection: RuleSelection,
    severity: tuple[tuple[str, str], ...],
) -> Verdict:
    kept = apply_severity(severity, selection.filter(findings))
    kept, suppressed = apply_comments(kept, target)
    return Verdict(in_file_order(kept), suppressed)


def in_file_order(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.line, f.column, f.rule, f.text)))
