"""CSV glossaries -> one immutable Glossary, validated, with its matchers built once.

Schema (documented for maintainers in glossaries/README.md): one row per concept.

    term              English term, as written in English text (required)
    zh                approved Chinese renderings, "|"-separated
    forbidden         wrong renderings that are also ordinary Chinese words (变压器, 报纸):
                      an error when the aligned English has the term, a warning without source
    forbidden_always  renderings wrong in any ML text (变形金刚, 抱抱脸): always an error
    keep_english      true when the term stays in English in Chinese text (CLIP, CutMix)
    case_sensitive    true when case tells terms apart in English (e.g. "GAN" vs "gan")
    variants          other English spellings of the same concept, "|"-separated
    note              free text for maintainers
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from qa.errors import QaInputError
from qa.io import decode
from qa.matching import PhraseMatcher

REQUIRED_COLUMNS = ("term",)
COLUMNS = ("term", "zh", "forbidden", "forbidden_always", "keep_english", "case_sensitive", "variants", "note")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


@dataclass(frozen=True)
class Entry:
    term: str
    approved: tuple[str, ...]
    forbidden: tuple[str, ...]
    forbidden_always: tuple[str, ...]
    keep_english: bool
    case_sensitive: bool
    variants: tuple[str, ...]
    note: str
    origin: str
    """`file:line` of the row, so a finding can say which entry fired."""

    @property
    def english_forms(self) -> tuple[str, ...]:
        return (self.term, *self.variants)

    @property
    def accepted_in_target(self) -> tuple[str, ...]:
        """What may stand for the term in Chinese: approved renderings, plus the English if kept."""
        kept = self.english_forms if self.keep_english else ()
        return (*self.approved, *kept)

    @property
    def preferred(self) -> str:
        if self.keep_english or not self.approved:
            return self.term
        return self.approved[0]


@dataclass(frozen=True)
class WrongRendering:
    entry: int
    always: bool


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...]
    files: tuple[tuple[str, str], ...]
    """(path, "sha256:…") of every file merged, for the report signature."""

    @cached_property
    def english_matcher(self) -> PhraseMatcher[int]:
        return PhraseMatcher(
            (form, i, e.case_sensitive) for i, e in enumerate(self.entries) for form in e.english_forms
        )

    @cached_property
    def wrong_matcher(self) -> PhraseMatcher[WrongRendering]:
        return PhraseMatcher(
            [(w, WrongRendering(i, False), False) for i, e in enumerate(self.entries) for w in e.forbidden]
            + [(w, WrongRendering(i, True), False) for i, e in enumerate(self.entries) for w in e.forbidden_always]
        )

    @cached_property
    def accepted_matcher(self) -> PhraseMatcher[int]:
        # Case-insensitive on the Chinese side: "Pytorch Lightning" still shows the term was kept.
        return PhraseMatcher((form, i, False) for i, e in enumerate(self.entries) for form in e.accepted_in_target)


def load_glossaries(paths: Sequence[Path]) -> Glossary:
    """Merge CSV files in order; a term defined twice is an error naming both places."""
    entries: list[Entry] = []
    files: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path in paths:
        data = _read_bytes(path)
        files.append((str(path), "sha256:" + hashlib.sha256(data).hexdigest()))
        for entry in _parse_csv(path, decode(data, str(path))):
            key = entry.term.casefold()
            if key in seen:
                file, line = entry.origin.rsplit(":", 1)
                raise QaInputError(file, f"term {entry.term!r} is already defined at {seen[key]}", int(line))
            seen[key] = entry.origin
            entries.append(entry)
    return Glossary(entries=tuple(entries), files=tuple(files))


def discover_glossaries(start: Path, cwd: Path) -> list[Path]:
    """`glossaries/*.csv` nearest to the checked file (walking up), else in the working directory."""
    for folder in (start.resolve(), *start.resolve().parents, cwd.resolve()):
        candidate = folder / "glossaries"
        if candidate.is_dir():
            found = sorted(candidate.glob("*.csv"))
            if found:
                return [_display_path(p, cwd) for p in found]
    return []


def _display_path(path: Path, cwd: Path) -> Path:
    try:
        return path.relative_to(cwd.resolve())
    except ValueError:
        return path


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise QaInputError(str(path), "no such glossary file") from None
    except IsADirectoryError:
        raise QaInputError(str(path), "is a directory, expected a CSV glossary") from None
    except OSError as error:
        raise QaInputError(str(path), f"cannot read: {error.strerror or error}") from None


def _parse_csv(path: Path, text: str) -> list[Entry]:
    import csv
    import io

    import pandas as pd

    name = str(path)
    if not text.strip():
        raise QaInputError(name, "empty glossary: expected a header row with at least 'term'", 1)
    header = next(csv.reader(io.StringIO(text)))
    _check_header(name, header)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, ValueError) as error:
        raise QaInputError(name, f"not a valid CSV file: {error}".splitlines()[0], 1) from None
    line_of_row = _row_lines(text)
    entries = []
    for position, row in enumerate(frame.to_dict("records")):
        line = line_of_row[position] if position < len(line_of_row) else position + 2
        entries.append(_entry(name, line, row))
    return entries


def _check_header(name: str, header: list[str]) -> None:
    columns = [c.strip() for c in header]
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            raise QaInputError(name, f"missing required column {column!r} in the header", 1)
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise QaInputError(name, f"unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})", 1)
    duplicated = [c for c in columns if columns.count(c) > 1]
    if duplicated:
        raise QaInputError(name, f"column {duplicated[0]!r} appears twice in the header", 1)


def _row_lines(text: str) -> list[int]:
    """The 1-based line where each data row starts (quoted cells may span lines)."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    lines = []
    next(reader, None)
    start = reader.line_num + 1
    for row in reader:
        if any(cell.strip() for cell in row):
            lines.append(start)
        start = reader.line_num + 1
    return lines


def _entry(name: str, line: int, row: dict[str, str]) -> Entry:
    def cell(column: str) -> str:
        return str(row.get(column, "") or "").strip()

    def renderings(column: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in cell(column).split("|") if part.strip())

    def flag(column: str) -> bool:
        value = cell(column).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise QaInputError(name, f"column {column!r}: {cell(column)!r} is not true or false", line)

    term = cell("term")
    if not term:
        raise QaInputError(name, "empty 'term' cell", line)
    entry = Entry(
        term=term,
        approved=renderings("zh"),
        forbidden=renderings("forbidden"),
        forbidden_always=renderings("forbidden_always"),
        keep_english=flag("keep_english"),
        case_sensitive=flag("case_sensitive"),
        variants=renderings("variants"),
        note=cell("note"),
        origin=f"{name}:{line}",
    )
    if not entry.approved and not entry.keep_english:
        raise QaInputError(name, f"term {term!r} has no approved rendering: fill 'zh' or set keep_english", line)
    return entry
