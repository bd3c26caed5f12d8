"""Checks: one module per family, each rule with a stable id. `ALL_RULES` feeds `qa rules`."""

from __future__ import annotations

from qa.checks import alignment, consistency, drift, glossary, language, length, untranslated
from qa.rules import Rule

ALL_RULES: tuple[Rule, ...] = (
    *language.RULES,
    *alignment.RULES,
    *glossary.RULES,
    *drift.RULES,
    *length.RULES,
    *untranslated.RULES,
    *consistency.RULES,
)
