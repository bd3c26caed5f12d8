"""docs/reference.md's rules table says what the registry does: every rule, its default."""

from __future__ import annotations

import re
from pathlib import Path

from qa.rules import ALL_RULES

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference.md"
_ID = re.compile(r"`([a-z]+/)?([a-z-]+)`")


def _documented_defaults() -> dict[str, str]:
    """Rule id -> the default column (`off` or a severity), from the table's rows, where a
    row names a family's first rule in full and its others by name (`numbers/missing` ·
    `added`) and gives their defaults in the same order."""
    text = REFERENCE.read_text(encoding="utf-8")
    table = text[text.index("| rule | default | catches |") :].split("\n\n", 1)[0]
    defaults: dict[str, str] = {}
    for row in table.splitlines()[2:]:
        rules_cell, default_cell = (cell.strip() for cell in row.strip("|").split("|")[:2])
        family = ""
        names = []
        for match in _ID.finditer(rules_cell):
            family = match.group(1) or family
            names.append(family + match.group(2))
        values = [value.strip() for value in default_cell.split("·")]
        assert len(values) == len(names), row
        defaults.update(zip(names, values, strict=True))
    return defaults


def test_the_reference_table_lists_every_rule_with_its_default():
    expected = {rule.id: rule.severity.label if rule.on_by_default else "off" for rule in ALL_RULES}
    assert _documented_defaults() == expected
