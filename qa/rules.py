"""A rule: a stable id, a default severity, and the docstring `qa rules` shows."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from qa.model import Finding, Segment, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    doc: str

    @classmethod
    def define(cls, id: str, severity: Severity, doc: str) -> Rule:
        """`doc` in Ruff's form; its first line is the summary."""
        cleaned = inspect.cleandoc(doc)
        return cls(id=id, severity=severity, summary=cleaned.splitlines()[0], doc=cleaned)

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
