"""`qa glossary lint`: every problem of a set of glossary CSV files, as `file:line:column: message`.

The loader (qa/glossary/load.py) stops at the first problem that makes a glossary unusable; lint
is for maintainers and pre-commit hooks, so it reports everything, including what the
loader tolerates (stray whitespace, a byte order mark) and what only shows across rows
and files (a term defined twice, a wrong rendering that another entry approves). It uses
no pandas and no model, so it starts fast.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa.glossary.load import (
    parse_flag,
    plain,
    read_glossary_bytes,
    split_context,
    term_key,
)
from qa.glossary.match import normalise
from qa.glossary.schema import COLUMNS, FLAG_DEFAULTS, LIST_COLUMNS, REQUIRED_COLUMNS, SEPARATOR, WRONG_COLUMNS
from qa.glossary.table import Cell, Positions, Row, scan, starts_formula

_MAX_BAD_BYTES = 5
_ODD_SPACE = {
    "\t": "a tab",
    "\u00a0": "a no-break space",
    "\u3000": "an ideographic space",
    "\u200b": "a zero-width space",
}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True)
class _Item:
    """One rendering or variant inside a cell, with where it is."""

    value: str
    key: str
    line: int
    column: int


@dataclass
class _Entry:
    file: str
    line: int
    term: str
    term_at: tuple[int, int]
    keep_english: bool = False
    case_sensitive: bool = False
    items: dict[str, list[_Item]] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class LintResult:
    problems: list[Problem]
    entries: int
    """Rows that define a term, in all the files."""


def lint_glossaries(paths: Sequence[Path]) -> LintResult:
    """Problems of all files together (a duplicate across files is found), and how many entries
    the files define (for `qa glossary lint`'s summary); unreadable -> QaInputError."""
    return _lint([(str(path), read_glossary_bytes(path)) for path in paths])


def lint_sources(sources: Sequence[tuple[str, bytes]]) -> list[Problem]:
    return _lint(sources).problems


def _lint(sources: Sequence[tuple[str, bytes]]) -> LintResult:
    problems: list[Problem] = []
    entries: list[_Entry] = []
    for name, data in sources:
        file_problems, file_entries = _lint_file(name, data)
        problems += file_problems
        entries += file_entries
    problems += _across(entries)
    order = {name: i for i, (name, _) in enumerate(sources)}
    return LintResult(sorted(set(problems), key=lambda p: (order[p.file], p.line, p.column, p.message)), len(entries))


def _lint_file(name: str, data: bytes) -> tuple[list[Problem], list[_Entry]]:
    problems: list[Problem] = []
    if data.startswith(codecs.BOM_UTF8):
        problems.append(Problem(name, 1, 1, "UTF-8 byte order mark: save the file as UTF-8 without BOM"))
        data = data[len(codecs.BOM_UTF8) :]
    text, bad = _decode(data)
    positions = Positions(text)
    for offset, byte in bad[:_MAX_BAD_BYTES]:
        line, column = positions(offset)
        problems.append(Problem(name, line, column, f"byte 0x{byte:02x} is not UTF-8: save the file as UTF-8"))
    if len(bad) > _MAX_BAD_BYTES:
        problems.append(Problem(name, 1, 1, f"{len(bad) - _MAX_BAD_BYTES} more bytes are not UTF-8"))
    if "\x00" in text:
        line, column = positions(text.index("\x00"))
        return [*problems, Problem(name, line, column, "NUL byte: binary data, not a CSV file")], []
    rows, scan_problems = scan(text)
    for problem in scan_problems:
        line, column = positions(problem.offset)
        problems.append(Problem(name, line, column, problem.message))
    rows = [row for row in rows if not row.is_blank()]
    if not rows:
        return [*problems, Problem(name, 1, 1, "empty glossary: expected a header row with at least 'term'")], []
    columns, header_problems = _header(name, text, rows[0], positions)
    problems += header_problems
    if "term" not in columns:
        return problems, []
    entries = []
    for row in rows[1:]:
        row_problems, entry = _row(name, text, row, columns, len(rows[0].cells), positions)
        problems += row_problems
        if entry is not None:
            entries.append(entry)
    return problems, entries


def _decode(data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """Text with U+FFFD for bad bytes, and (text offset, byte) of each bad byte."""
    parts: list[str] = []
    bad: list[tuple[int, int]] = []
    length = 0
    position = 0
    while True:
        try:
            chunk = data[position:].decode("utf-8")
        except UnicodeDecodeError as error:
            good = data[position : position + error.start].decode("utf-8")
            parts.append(good + "\ufffd")
            length += len(good)
            bad.append((length, data[position + error.start]))
            length += 1
            position += error.end
            continue
        parts.append(chunk)
        return "".join(parts), bad


def _header(name: str, text: str, row: Row, positions: Positions) -> tuple[dict[str, int], list[Problem]]:
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for index, cell in enumerate(row.cells):
        line, column = positions(cell.start)
        label = cell.value.strip()
        problems += _whitespace(name, text, cell, cell.value, 0, f"header cell {label!r}", positions)
        if label not in COLUMNS:
            known = ", ".join(COLUMNS)
            problems.append(Problem(name, line, column, f"unknown column {label!r} (known: {known})"))
        elif label in columns:
            problems.append(Problem(name, line, column, f"column {label!r} appears twice in the header"))
        else:
            columns[label] = index
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            problems.append(Problem(name, 1, 1, f"missing required column {required!r} in the header"))
    return columns, problems


def _row(
    name: str, text: str, row: Row, columns: dict[str, int], header_size: int, positions: Positions
) -> tuple[list[Problem], _Entry | None]:
    problems: list[Problem] = []
    row_line, _ = positions(row.start)
    if len(row.cells) > header_size:
        line, column = positions(row.cells[header_size].start)
        problems.append(Problem(name, line, column, f"row has {len(row.cells)} cells, the header {header_size}"))
    elif len(row.cells) < header_size:
        line, column = positions(row.cells[-1].end)
        problems.append(Problem(name, line, column, f"row has {len(row.cells)} cells, the header {header_size}"))

    problems += _formulas(name, text, row, columns, positions)

    def cell(column_name: str) -> Cell | None:
        index = columns.get(column_name)
        return row.cells[index] if index is not None and index < len(row.cells) else None

    term_cell = cell("term")
    term = term_cell.value.strip() if term_cell else ""
    if term_cell is None or not term:
        line, column = positions(term_cell.start if term_cell else row.start)
        return [*problems, Problem(name, line, column, "empty 'term' cell")], None
    problems += _whitespace(name, text, term_cell, term_cell.value, 0, "'term'", positions)
    entry = _Entry(name, row_line, term, positions(term_cell.start + (1 if term_cell.quoted else 0)))
    flags: dict[str, bool] = {}
    for flag, default in FLAG_DEFAULTS.items():
        flag_cell = cell(flag)
        value = parse_flag(flag_cell.value, default) if flag_cell else default
        if value is None and flag_cell is not None:
            line, column = positions(flag_cell.start)
            message = f"column {flag!r}: {flag_cell.value!r} is not true or false (true/false, yes/no, 1/0)"
            problems.append(Problem(name, line, column, message))
            value = default
        flags[flag] = bool(value)
    entry.keep_english = flags["keep_english"]
    entry.case_sensitive = flags["case_sensitive"]
    for column_name in LIST_COLUMNS:
        list_cell = cell(column_name)
        # English forms of a case-sensitive entry differ by case (SQuAD, SQUAD); all else folds.
        exact = entry.case_sensitive and column_name == "variants"
        items, item_problems = _items(name, text, list_cell, column_name, positions, exact) if list_cell else ([], [])
        problems += item_problems
        entry.items[column_name] = items
    note = cell("note")
    if note is not None:
        problems += _whitespace(name, text, note, note.value, 0, "'note'", positions)
    if not entry.items["zh"] and not entry.keep_english:
        target = cell("zh") or term_cell
        line, column = positions(target.start)
        problems.append(
            Problem(name, line, column, f"term {term!r} has no approved rendering: fill 'zh' or set keep_english")
        )
    problems += _within_entry(entry)
    return problems, entry


def _formulas(name: str, text: str, row: Row, columns: dict[str, int], positions: Positions) -> list[Problem]:
    """Cells a spreadsheet would run as a formula (CSV injection): a maintainer who opens the
    glossary in Excel must see text. `qa glossary add` refuses them through this check."""
    labels = {index: label for label, index in columns.items()}
    problems = []
    for index, cell in enumerate(row.cells):
        if starts_formula(cell.value):
            line, column = positions(cell.offset_of(text, 0))
            what = repr(labels[index]) if index in labels else f"cell {index + 1}"
            message = (
                f"{what} starts with {cell.value[0]!r}: a spreadsheet would run the cell as a formula; "
                "start it with another character (or ' to mark it as text)"
            )
            problems.append(Problem(name, line, column, message))
    return problems


def _items(
    name: str, text: str, cell: Cell, column_name: str, positions: Positions, exact: bool
) -> tuple[list[_Item], list[Problem]]:
    items: list[_Item] = []
    problems: list[Problem] = []
    if not cell.value.strip():
        return items, _whitespace(name, text, cell, cell.value, 0, f"{column_name!r}", positions)
    index = 0
    for part in cell.value.split(SEPARATOR):
        line, column = positions(cell.offset_of(text, index))
        if not part.strip():
            problems.append(Problem(name, line, column, f"empty item in {column_name!r}: remove the extra '|'"))
        else:
            problems += _whitespace(name, text, cell, part, index, f"{column_name!r}", positions)
            stripped = part.strip()
            lead = len(part) - len(part.lstrip())
            item_line, item_column = positions(cell.offset_of(text, index + lead))
            key = " ".join(normalise(stripped, case_sensitive=True).split()) if exact else term_key(plain(stripped))
            items.append(_Item(stripped, key, item_line, item_column))
            if column_name in WRONG_COLUMNS and split_context(stripped) is None:
                message = f"{stripped!r} in {column_name!r}: write one [wrong part] inside its context, as 基于[变压器]"
                problems.append(Problem(name, item_line, item_column, message))
            elif column_name not in WRONG_COLUMNS and ("[" in stripped or "]" in stripped):
                message = f"{stripped!r} in {column_name!r}: [brackets] mark context only in wrong renderings"
                problems.append(Problem(name, item_line, item_column, message))
        index += len(part) + len(SEPARATOR)
    return items, problems


def _whitespace(
    name: str, text: str, cell: Cell, value: str, index: int, what: str, positions: Positions
) -> list[Problem]:
    """Leading/trailing whitespace, and odd spaces (tab, NBSP, U+3000) anywhere in a value."""
    problems = []
    stripped = value.strip()
    if stripped != value and stripped:
        offset = index if value[0].isspace() else index + len(value.rstrip())
        line, column = positions(cell.offset_of(text, offset))
        problems.append(Problem(name, line, column, f"stray whitespace in {what}"))
    elif not stripped and value:
        line, column = positions(cell.offset_of(text, index))
        problems.append(Problem(name, line, column, f"stray whitespace in {what}: the cell holds only spaces"))
    for position, char in enumerate(stripped):
        if char in _ODD_SPACE or (char == " " and stripped[position - 1] == " "):
            kind = _ODD_SPACE.get(char, "a double space")
            lead = len(value) - len(value.lstrip())
            line, column = positions(cell.offset_of(text, index + lead + position))
            problems.append(Problem(name, line, column, f"{kind} in {what}"))
            break
    return problems


def _within_entry(entry: _Entry) -> list[Problem]:
    problems = []
    approved = {item.key for item in entry.items["zh"]}
    if entry.keep_english:
        approved |= {term_key(entry.term)} | {term_key(item.value) for item in entry.items["variants"]}
    seen: dict[tuple[str, str], str] = {}
    for column_name in ("zh", *WRONG_COLUMNS, "exceptions", "variants"):
        for item in entry.items[column_name]:
            family = "english" if column_name == "variants" else "zh"
            if (family, item.key) in seen:
                where = seen[(family, item.key)]
                places = f"in {where!r}" if where == column_name else f"in {where!r} and {column_name!r}"
                message = f"{item.value!r} is listed twice for {entry.term!r} ({places})"
                problems.append(Problem(entry.file, item.line, item.column, message))
                continue
            seen[(family, item.key)] = column_name
            if column_name in WRONG_COLUMNS and item.key in approved:
                message = f"{item.value!r} is both an approved and a wrong rendering of {entry.term!r}"
                problems.append(Problem(entry.file, item.line, item.column, message))
    wrong = [
        term_key(parts[1] if (parts := split_context(item.value)) else plain(item.value))
        for column_name in WRONG_COLUMNS
        for item in entry.items[column_name]
    ]
    for item in entry.items["exceptions"]:
        if not any(w in item.key for w in wrong):
            message = f"exception {item.value!r} contains none of the wrong renderings of {entry.term!r}"
            problems.append(Problem(entry.file, item.line, item.column, message))
    own_key = _english_key(entry.term, entry.case_sensitive)
    if own_key in {item.key for item in entry.items["variants"]}:
        variant = next(i for i in entry.items["variants"] if i.key == own_key)
        message = f"variant {variant.value!r} repeats the term"
        problems.append(Problem(entry.file, variant.line, variant.column, message))
    return problems


def _english_key(form: str, case_sensitive: bool) -> str:
    return " ".join(normalise(form, case_sensitive=True).split()) if case_sensitive else term_key(form)


def _across(entries: list[_Entry]) -> list[Problem]:
    """Problems between rows and files: the same term twice, a rendering both right and wrong."""
    problems: list[Problem] = []
    english: dict[str, _Entry] = {}
    for entry in entries:
        key = term_key(entry.term)
        if key in english:
            first = english[key]
            line, column = entry.term_at
            message = f"term {entry.term!r} is already defined at {first.where}"
            problems.append(Problem(entry.file, line, column, message))
            continue
        english[key] = entry
    for entry in entries:
        for variant in entry.items["variants"]:
            owner = english.get(term_key(variant.value))
            if owner is not None and owner is not entry:
                message = f"variant {variant.value!r} of {entry.term!r} is the term of the entry at {owner.where}"
                problems.append(Problem(entry.file, variant.line, variant.column, message))
    approved: dict[str, _Entry] = {}
    for entry in entries:
        forms = [item.key for item in entry.items["zh"]]
        if entry.keep_english:
            forms += [term_key(entry.term)] + [term_key(item.value) for item in entry.items["variants"]]
        for form in forms:
            approved.setdefault(form, entry)
    for entry in entries:
        for column_name in WRONG_COLUMNS:
            for item in entry.items[column_name]:
                owner = approved.get(item.key)
                if owner is not None and owner is not entry:
                    message = (
                        f"{item.value!r} is a wrong rendering of {entry.term!r} but an approved rendering "
                        f"of {owner.term!r} at {owner.where}"
                    )
                    problems.append(Problem(entry.file, item.line, item.column, message))
    return problems
