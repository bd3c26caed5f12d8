"""Checks: one module per family, each rule with a stable id, each family's `CHECKS` listed
here in the order the pipeline runs them within a scope (and `qa rules` lists them)."""

from __future__ import annotations

from qa.rules import (
    alignment,
    code,
    drift,
    glossary,
    images,
    language,
    length,
    links,
    markdown,
    numbers,
    typography,
    untranslated,
)
from qa.rules.rule import Check, Rule, Scope

FAMILIES = (
    language,
    alignment,
    glossary,
    drift,
    length,
    untranslated,
    numbers,
    links,
    images,
    code,
    markdown,
    typography,
)

CHECKS: tuple[Check, ...] = tuple(check for family in FAMILIES for check in family.CHECKS)

ALL_RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.RULES)


def checks_at(scope: Scope) -> tuple[Check, ...]:
    return tuple(check for check in CHECKS if check.scope is scope)
