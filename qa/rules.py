"""A rule: a stable id, a default severity, and the docstring `qa rules` shows."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from qa.model import Severity


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
