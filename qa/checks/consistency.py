"""The source/target consistency families in one call, as the pipeline runs them.

Numbers, links, images, code and Markdown structure compare the two sides of each aligned
pair, so they run only when the documents are translations of each other; typography reads
the Chinese alone and also runs without an English source. A family none of whose rules is
selected is not run at all.
"""

from __future__ import annotations

from qa.checks import code, images, links, markdown, numbers, typography
from qa.model import Alignment, Document, Finding
from qa.selection import RuleSelection

PAIR_FAMILIES = (numbers, links, images, code, markdown)
RULES = tuple(rule for family in (*PAIR_FAMILIES, typography) for rule in family.RULES)


def check_alignment(alignment: Alignment, selection: RuleSelection | None = None) -> list[Finding]:
    selection = selection or RuleSelection()
    findings: list[Finding] = []
    for family in (*PAIR_FAMILIES, typography):
        if selection.allows_any(rule.id for rule in family.RULES):
            findings += family.check_alignment(alignment)
    return findings


def check_document(document: Document, selection: RuleSelection | None = None) -> list[Finding]:
    selection = selection or RuleSelection()
    if not selection.allows_any(rule.id for rule in typography.RULES):
        return []
    return typography.check_document(document)
