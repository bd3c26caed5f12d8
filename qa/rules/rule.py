"""The rule interface: a Rule (stable id, default severity, docs, whether it fixes) and the
Check that reports it (its family's rules, its scope, one function from CheckInput to
findings). `qa.rules.CHECKS` lists every Check; the pipeline runs them by scope and applies
selection, severities and suppressions to what they return, in one place (qa/rules/verdict.py).

Adding a rule to a family: define it in the family's module, add it to the module's `RULES`
and report it from the family's check. Adding a family: one module with its `RULES` and a
`CHECKS` tuple, and its name in `qa.rules.CHECKS`.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.model import Alignment, Applicability, Document, Finding, PairScore, Report, Segment, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    doc: str
    fix: Applicability | None = None
    """The most its fixes can be: SAFE when some findings carry a safe fix, UNSAFE when they
    carry only unsafe ones, None when the rule never carries a fix."""
    off_by_default: str = ""
    """Why the rule is not on by default (its measured precision on good human translations),
    empty when it is on. An off rule runs when a selector names it (`--select`, `--extend-select`)."""

    @classmethod
    def define(
        cls, id: str, severity: Severity, doc: str, fix: Applicability | None = None, off_by_default: str = ""
    ) -> Rule:
        """`doc` in Ruff's form; its first line is the summary."""
        cleaned = inspect.cleandoc(doc)
        summary = cleaned.splitlines()[0]
        return cls(id, severity, summary, cleaned, fix, off_by_default)

    @property
    def on_by_default(self) -> bool:
        return not self.off_by_default

    def on_first_line(self, path: str, segment: Segment, message: str, pair: int | None) -> Finding:
        """A finding that marks the whole first line of a block (for block-level problems)."""
        first_line = segment.raw.split("\n", 1)[0]
        return Finding(
            rule=self.id,
            severity=self.severity,
            file=path,
            line=segment.start_line,
            column=1,
            end_line=segment.start_line,
            end_column=len(first_line) + 1,
            text=first_line,
            message=message,
            pair=pair,
        )


class Scope(enum.StrEnum):
    """When a check runs, and what it is given."""

    DOCUMENT = "document"
    """Once per file, on the whole documents (and their alignment, with an English source):
    runs first, and can tell that the rest would be meaningless (unrelated documents)."""
    PAIR = "pair"
    """On aligned pairs; without a usable English, on the Chinese blocks alone (a check
    with `needs_english` is then skipped)."""
    SCORES = "scores"
    """On the per-pair scores (drift, length, English kept); only with a usable English."""
    RUN = "run"
    """Once per run of several files, on their reports (consistency across files)."""


@dataclass(frozen=True)
class CheckInput:
    target: Document
    source: Document | None = None
    alignment: Alignment | None = None
    """None without an English source, and at PAIR scope when the documents are unrelated."""
    glossary: object = None
    """The loaded Glossary (typed loosely: the rule interface does not import the glossary)."""
    scores: tuple[PairScore, ...] = ()
    drift_threshold: float | None = None
    """None when drift was not scored."""


@dataclass(frozen=True)
class Check:
    """One family's check at one scope."""

    family: str
    rules: tuple[Rule, ...]
    scope: Scope
    run: Callable[[CheckInput], list[Finding]] | None = None
    """DOCUMENT, PAIR and SCORES scopes: the findings for one file."""
    run_reports: Callable[[Sequence[Report], object], list[Report]] | None = None
    """RUN scope: the reports of every file, with the run's findings in them."""
    needs_english: bool = True
    """PAIR scope: whether it has anything to say about the Chinese alone."""
