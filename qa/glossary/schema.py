"""The glossary's CSV schema, declared once: the loader, lint, `glossary add`, `suggest` and
the CLI's option help all read it from here (maintainers' documentation: glossaries/README.md)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    TEXT = "text"
    LIST = "list"
    """Values separated by SEPARATOR."""
    FLAG = "flag"
    """true/false (yes/no, 1/0); empty means the column's default."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    help: str
    """One line: what a value of this column is (the CLI's option help)."""
    default: bool | None = None
    """For a flag: its value when the cell is empty."""
    wrong: bool = False
    """A column of wrong renderings."""


SEPARATOR = "|"

SCHEMA: tuple[Column, ...] = (
    Column("term", Kind.TEXT, "The English term, as written in English text."),
    Column("zh", Kind.LIST, "An approved rendering (repeatable; first = suggested)."),
    Column("forbidden", Kind.LIST, "A wrong rendering that is also an ordinary word (repeatable).", wrong=True),
    Column("forbidden_always", Kind.LIST, "A rendering wrong in any ML text (repeatable).", wrong=True),
    Column(
        "forbidden_with_source", Kind.LIST, "A wrong rendering checked only against English (repeatable).", wrong=True
    ),
    Column("exceptions", Kind.LIST, "An ordinary word that contains a wrong rendering (repeatable)."),
    Column("keep_english", Kind.FLAG, "The term stays in English in Chinese text.", default=False),
    Column("case_sensitive", Kind.FLAG, "Case tells the term apart.", default=False),
    Column("report_missing", Kind.FLAG, "Warn when the rendering is missing.", default=True),
    Column("variants", Kind.LIST, "Another English spelling (repeatable)."),
    Column("note", Kind.TEXT, "A note for maintainers."),
)

BY_NAME = {column.name: column for column in SCHEMA}
REQUIRED_COLUMNS = ("term",)
COLUMNS = tuple(column.name for column in SCHEMA)
LIST_COLUMNS = tuple(column.name for column in SCHEMA if column.kind is Kind.LIST)
WRONG_COLUMNS = tuple(column.name for column in SCHEMA if column.wrong)
FLAG_DEFAULTS = {column.name: column.default for column in SCHEMA if column.kind is Kind.FLAG}


def help_for(name: str) -> str:
    return BY_NAME[name].help
