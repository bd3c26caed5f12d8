"""Checks: one module per family, each rule with a stable id. `ALL_RULES` feeds `qa rules`."""

from __future__ import annotations

from qa.checks import alignment, drift, glossary
from qa.rules import Rule

ALL_RULES: tuple[Rule, ...] = (*alignment.RULES, *glossary.RULES, *drift.RULES)
