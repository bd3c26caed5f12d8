"""`qa glossary add / remove / show`: edit glossary CSV files the way a careful maintainer would.

An edit touches only its own row: every other row keeps its bytes (quoting, order, line
endings, a BOM if there is one). A new row is appended at the end, quoted only where CSV
needs it; a removed row's lines are cut out exactly. Before anything is written, the
edited file is linted together with the other glossary files, and the edit is refused if
it adds a problem (a duplicate term, a rendering both approved and wrong…). Writes go
through qa.atomic.replace_file, so an interrupted edit leaves the old file, and a glossary
that is a symlink is edited where it points. Two edits at once (two `qa glossary add` in a
script, two maintainers on a shared folder) take turns: each holds a lock on the files it
reads from before reading until after writing, so neither writes over the other's row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from qa.atomic import edit_lock, real_path, replace_file
from qa.errors import QaInputError
from qa.glossary.lint import lint_sources
from qa.glossary.load import Entry, Glossary, read_glossary_bytes, term_key
from qa.glossary.schema import COLUMNS, SCHEMA, SEPARATOR, Kind
from qa.glossary.table import Positions, Row, scan


@dataclass(frozen=True)
class NewEntry:
    """A row to add; None for a flag means "leave the cell empty" (the default applies)."""

    term: str
    zh: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    forbidden_always: tuple[str, ...] = ()
    forbidden_with_source: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    keep_english: bool | None = None
    case_sensitive: bool | None = None
    report_missing: bool | None = None
    note: str = ""

    def cells(self) -> dict[str, str]:
        """The row's cell per column of the schema."""
        cells = {}
        for column in SCHEMA:
            value = getattr(self, column.name)
            if column.kind is Kind.LIST:
                cells[column.name] = SEPARATOR.join(v.strip() for v in value)
            elif column.kind is Kind.FLAG:
                cells[column.name] = "" if value is None else str(value).lower()
            else:
                cells[column.name] = value.strip()
        return cells


@dataclass(frozen=True)
class Edit:
    file: Path
    line: int
    row: str
    """The row's text as added or removed (without its line ending)."""


def add_entry(file: Path, entry: NewEntry, others: Sequence[Path] = ()) -> Edit:
    """Append `entry` to `file` (created with a full header if missing); refuse new lint problems."""
    # `others` are locked too: two adds of one term to two files would each pass the check.
    with _locked([file, *others]) as failed:
        _require_lock(file, failed)
        return _add(file, entry, others)


def _add(file: Path, entry: NewEntry, others: Sequence[Path]) -> Edit:
    old = read_glossary_bytes(file) if file.exists() else None
    text = _text(file, old) if old is not None else ",".join(COLUMNS) + "\n"
    rows = _rows(file, text)
    header = [value.strip().lstrip("\ufeff") for value in rows[0].values] if rows else []
    cells = entry.cells()
    missing = [column for column, value in cells.items() if value and column not in header]
    if missing:
        raise QaInputError(str(file), f"the header has no {missing[0]!r} column: add the column first", 1)
    ending = _line_ending(text)
    row_text = _format_row([cells.get(column, "") for column in header], ending)
    separator = "" if not text or text.endswith(("\n", "\r")) else ending
    new_text = text + separator + row_text
    line = Positions(new_text)(len(text) + len(separator))[0]
    _refuse_new_problems(file, old, new_text, others, line)
    _replace(file, new_text.encode("utf-8"))
    return Edit(file, line, row_text.rstrip("\r\n"))


def remove_entry(term: str, files: Sequence[Path]) -> Edit:
    """Cut the row defining `term` out of the one file among `files` that has it."""
    with _locked(files) as failed:
        return _remove(term, files, failed)


def _remove(term: str, files: Sequence[Path], failed: dict[Path, OSError]) -> Edit:
    found: list[tuple[Path, str, Row]] = []
    for file in files:
        text = _text(file, read_glossary_bytes(file))
        rows = _rows(file, text)
        if not rows:
            continue
        header = [value.strip().lstrip("\ufeff") for value in rows[0].values]
        if "term" not in header:
            continue
        column = header.index("term")
        found += [
            (file, text, row)
            for row in rows[1:]
            if column < len(row.cells) and term_key(row.cells[column].value) == term_key(term)
        ]
    if not found:
        names = ", ".join(str(f) for f in files) or "no glossary files"
        raise QaInputError(names, f"no entry with the term {term!r}")
    if len(found) > 1:
        places = ", ".join(f"{f}:{Positions(t)(r.start)[0]}" for f, t, r in found)
        raise QaInputError(str(found[1][0]), f"{term!r} is defined more than once ({places}): pass --file")
    file, text, row = found[0]
    line = Positions(text)(row.start)[0]
    _require_lock(file, failed)
    _replace(file, (text[: row.start] + text[row.end :]).encode("utf-8"))
    return Edit(file, line, text[row.start : row.end].rstrip("\r\n"))


def find_entries(glossary: Glossary, query: str) -> list[Entry]:
    """Entries whose term or variant is `query`, or which list `query` as a rendering of any kind."""
    return [entry for entry in glossary.entries if _answers(entry, term_key(query))]


@dataclass(frozen=True)
class Match:
    """An entry `qa glossary show` prints: one in use, or a bundled one a project entry replaced."""

    entry: Entry
    overridden_by: str | None = None


def find_matches(glossary: Glossary, query: str) -> list[Match]:
    key = term_key(query)
    return [Match(entry) for entry in find_entries(glossary, query)] + [
        Match(o.entry, o.by) for o in glossary.overridden if _answers(o.entry, key)
    ]


def describe_match(glossary: Glossary, match: Match) -> str:
    """The entry, and which file won where a project entry and a bundled one define the term."""
    text = describe(match.entry)
    if match.overridden_by is not None:
        return f"{text}\n  not used:              overridden by the project entry at {match.overridden_by}"
    beaten = [o.entry.origin for o in glossary.overridden if o.by == match.entry.origin]
    if beaten:
        text += f"\n  in use:                overrides the bundled entry at {', '.join(beaten)}"
    return text


def _answers(entry: Entry, key: str) -> bool:
    english = {term_key(form) for form in entry.english_forms}
    chinese = {term_key(r) for r in (*entry.approved, *(w for w, _ in entry.wrong()), *entry.exceptions)}
    return key in english or key in chinese


def describe(entry: Entry) -> str:
    """An entry as a maintainer reads it: every field, with where it is defined."""

    def listed(values: tuple[str, ...]) -> str:
        return " | ".join(values) if values else "-"

    zh = listed(entry.approved)
    if entry.keep_english:
        zh = f"{entry.term} (kept in English)" + ("" if not entry.approved else f"; also {zh}")
    lines = [
        f"{entry.term}  ({entry.origin})",
        f"  approved:              {zh}",
        f"  forbidden_always:      {listed(entry.forbidden_always)}",
        f"  forbidden:             {listed(entry.forbidden)}",
        f"  forbidden_with_source: {listed(entry.forbidden_with_source)}",
        f"  exceptions:            {listed(entry.exceptions)}",
        f"  variants:              {listed(entry.variants)}",
        f"  case_sensitive:        {str(entry.case_sensitive).lower()}",
        f"  report_missing:        {str(entry.report_missing).lower()}",
    ]
    if entry.note:
        lines.append(f"  note:                  {entry.note}")
    return "\n".join(lines)


@contextmanager
def _locked(paths: Sequence[Path]) -> Iterator[dict[Path, OSError]]:
    """Lock every file of `paths`; yield, by real path, those that could not be locked.

    Locks are taken in one order (by real path) so two edits never wait on each other, and
    once per real file (a link and its target share one lock: a second flock on the same
    file would wait for ourselves). A file only read whose folder takes no lock file
    (read-only) is fine unlocked, as no one can write it either; the file to be written
    must be locked (see `_require_lock`).
    """
    failed: dict[Path, OSError] = {}
    with ExitStack() as stack:
        for path in sorted({_real(path) for path in paths}):
            try:
                stack.enter_context(edit_lock(path))
            except OSError as error:
                failed[path] = error
        yield failed


def _require_lock(file: Path, failed: dict[Path, OSError]) -> None:
    error = failed.get(_real(file))
    if error is not None:
        raise QaInputError(str(file), f"cannot lock for editing: {error.strerror or error}")


def _real(path: Path) -> Path:
    try:
        return real_path(path)
    except OSError as error:
        raise QaInputError(str(path), f"cannot edit: {error.strerror or error}") from None


def _replace(file: Path, data: bytes) -> None:
    try:
        replace_file(file, data)
    except OSError as error:
        raise QaInputError(str(file), f"cannot write: {error.strerror or error}") from None


def _text(file: Path, data: bytes) -> str:
    # Decoded as plain UTF-8, so a BOM stays in the text as U+FEFF and is written back.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise QaInputError(str(file), "not valid UTF-8: fix the file before editing it", line) from None


def _rows(file: Path, text: str) -> list[Row]:
    """Non-blank rows; a file the scanner cannot read is not edited (the edit could lose data)."""
    rows, problems = scan(text)
    if problems:
        line, _ = Positions(text)(problems[0].offset)
        raise QaInputError(str(file), f"{problems[0].message}; fix it before editing (qa glossary lint)", line)
    return [row for row in rows if not row.is_blank()]


def _line_ending(text: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if ending in text:
            return ending
    return "\n"


def _format_row(values: list[str], ending: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator=ending).writerow(values)
    return buffer.getvalue()


def _refuse_new_problems(file: Path, old: bytes | None, new_text: str, others: Sequence[Path], line: int) -> None:
    other_sources = [(str(p), read_glossary_bytes(p)) for p in others if p.resolve() != file.resolve()]
    # The row is appended, so problems already in the files keep their positions.
    existing = [(str(file), old)] if old is not None else []
    before = set(lint_sources([*other_sources, *existing]))
    after = lint_sources([*other_sources, (str(file), new_text.encode("utf-8"))])
    # The new row's own problem first (a duplicate term), then what it causes elsewhere.
    added = sorted((p for p in after if p not in before), key=lambda p: p.file != str(file) or p.line != line)
    if added:
        raise QaInputError(added[0].file, f"the edit is refused: {added[0].message}", added[0].line)
