"""CSV glossaries -> one immutable Glossary, validated, with its matchers built once.

Schema (declared in qa/glossary/schema.py, documented for maintainers in glossaries/README.md):
one row per concept.

    term                   English term, as written in English text (required)
    zh                     approved Chinese renderings, "|"-separated; the first is the suggestion
    forbidden              wrong renderings that are also ordinary Chinese words (变压器, 报纸):
                           an error when the aligned English has the term, a warning without source
    forbidden_always       renderings wrong in any ML text (变形金刚, 抱抱脸): always an error
    forbidden_with_source  wrong renderings so common in ordinary Chinese (关注, 混合) that only
                           the aligned English can tell: checked only when it has the term
    exceptions             ordinary words that contain a wrong rendering (视频剪辑 for 剪辑):
                           a wrong rendering found inside one of them is not reported
    keep_english           true when the term stays in English in Chinese text (CLIP, CutMix)
    case_sensitive         true when case tells terms apart in English (e.g. "GAN" vs "gan")
    report_missing         false for everyday words (training, model) whose Chinese rendering
                           varies too much for a missing-term warning to help; default true
    variants               other English spellings of the same concept, "|"-separated
    note                   free text for maintainers

The loader stops at the first problem that makes the glossary unusable (exit code 2);
`qa glossary lint` (qa/glossary/lint.py) reports every problem, stylistic ones included.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from qa.errors import QaInputError
from qa.glossary.candidates import Generated
from qa.glossary.match import PhraseMatcher, normalise
from qa.glossary.schema import (  # the schema's names, also imported from here
    COLUMNS,
    FLAG_DEFAULTS,
    REQUIRED_COLUMNS,
    SEPARATOR,
)
from qa.glossary.table import MAX_CELL_CHARS
from qa.read.io import decode, read_bytes

BUNDLED_PACKAGE = "qa.glossaries"
BUNDLED_PREFIX = "bundled:"
"""A glossary location naming a CSV shipped in the package (the repo's glossaries/ folder)."""
TRUE_VALUES = frozenset({"true", "yes", "1", "y"})
FALSE_VALUES = frozenset({"false", "no", "0", "n"})


def parse_flag(value: str, default: bool) -> bool | None:
    """`true`/`yes`/`1`/`y` or `false`/`no`/`0`/`n` (any case); empty is the default; None if neither."""
    folded = value.strip().lower()
    if not folded:
        return default
    if folded in TRUE_VALUES:
        return True
    if folded in FALSE_VALUES:
        return False
    return None


def split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(SEPARATOR) if part.strip())


def term_key(term: str) -> str:
    """What makes two terms the same for matching: case, hyphens and spacing do not count."""
    return " ".join(normalise(term, case_sensitive=False).split())


def split_context(rendering: str) -> tuple[str, str, str] | None:
    """`基于[变压器]` -> ("基于", "变压器", ""): a wrong rendering with the context that makes it
    certain. None when the brackets are malformed; ("", rendering, "") without brackets."""
    if "[" not in rendering and "]" not in rendering:
        return "", rendering, ""
    if rendering.count("[") != 1 or rendering.count("]") != 1 or rendering.index("[") > rendering.index("]"):
        return None
    before, _, rest = rendering.partition("[")
    inside, _, after = rest.partition("]")
    if not inside.strip() or not (before + after).strip():
        return None
    return before, inside, after


def plain(rendering: str) -> str:
    """The text a rendering matches: its context brackets removed."""
    return rendering.replace("[", "").replace("]", "")


class Tier(enum.Enum):
    """How sure a wrong rendering is, before looking at the English."""

    ALWAYS = "forbidden_always"
    ORDINARY = "forbidden"
    WITH_SOURCE = "forbidden_with_source"


_VERB_OF_NOUN = (("ization", "ize"), ("isation", "ise"))
"""English noun endings whose verb a translator keeps in Chinese (tokenization: 进行 tokenize)."""


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
    forbidden_with_source: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    report_missing: bool = True

    @property
    def english_forms(self) -> tuple[str, ...]:
        return (self.term, *self.variants)

    @property
    def accepted_in_target(self) -> tuple[str, ...]:
        """What may stand for the term in Chinese: approved renderings, plus the English if kept."""
        kept = self.english_forms if self.keep_english else ()
        return (*self.approved, *kept)

    @property
    def kept_in_target(self) -> tuple[str, ...]:
        """The term kept in English in Chinese text, whether or not the glossary asks for it
        (`keep_english`): any English form, and for a noun in -ization its verb (进行 tokenize
        for tokenization). A translator who keeps the term has not lost it."""
        forms = list(self.english_forms)
        for form in self.english_forms:
            for noun, verb in _VERB_OF_NOUN:
                if form.lower().endswith(noun):
                    verb_form = form[: -len(noun)] + verb
                    forms += [verb_form, verb_form + "d", verb_form[:-1] + "ing"]
        return tuple(dict.fromkeys(forms))

    @property
    def preferred(self) -> str:
        if self.keep_english or not self.approved:
            return self.term
        return self.approved[0]

    def wrong(self) -> tuple[tuple[str, Tier], ...]:
        return (
            *((w, Tier.ALWAYS) for w in self.forbidden_always),
            *((w, Tier.ORDINARY) for w in self.forbidden),
            *((w, Tier.WITH_SOURCE) for w in self.forbidden_with_source),
        )


@dataclass(frozen=True)
class WrongRendering:
    entry: int
    tier: Tier
    lead: int = 0
    trail: int = 0
    """Characters of context before and after the wrong part, in the matched text (基于[变压器]: 2, 0)."""
    generated: bool = False
    """Not listed in the glossary but generated from its English name (qa.glossary.candidates)."""

    @property
    def always(self) -> bool:
        return self.tier is Tier.ALWAYS


@dataclass(frozen=True)
class Guard:
    """A match of an ordinary word listed in `exceptions`: it hides wrong renderings inside it."""

    entry: int


@dataclass(frozen=True)
class Overridden:
    """A bundled entry that a project entry replaced."""

    entry: Entry
    by: str
    """`file:line` of the project entry that won."""


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...]
    files: tuple[tuple[str, str], ...]
    """(location, "sha256:…") of every file merged, for the report signature; a location is a
    path or `bundled:NAME`, so a worker process can load the same files again."""
    overridden: tuple[Overridden, ...] = ()

    def prepare(self) -> Glossary:
        """Build the matchers and indexes now rather than at first use: a process that forks
        workers builds them once for all of them."""
        for name in (
            "english_matcher",
            "wrong_matcher",
            "accepted_matcher",
            "kept_matcher",
            "generated",
            "rendering_families",
            "by_key",
        ):
            getattr(self, name)
        return self

    @cached_property
    def english_matcher(self) -> PhraseMatcher[int]:
        return PhraseMatcher(
            (form, i, e.case_sensitive) for i, e in enumerate(self.entries) for form in e.english_forms
        )

    @cached_property
    def wrong_matcher(self) -> PhraseMatcher[WrongRendering | Guard]:
        # One automaton for wrong renderings and exceptions: the longest match wins, so
        # 视频剪辑 (an exception) hides the 剪辑 inside it, and MediaPipe 整体 (always wrong)
        # beats the ordinary 整体.
        phrases: list[tuple[str, WrongRendering | Guard, bool]] = []
        for i, entry in enumerate(self.entries):
            for rendering, tier in entry.wrong():
                lead, trail = _context_lengths(rendering)
                phrases.append((plain(rendering), WrongRendering(i, tier, lead, trail), False))
            phrases += [(x, Guard(i), False) for x in entry.exceptions]
        phrases += [
            (
                g.text,
                WrongRendering(g.entry, Tier.WITH_SOURCE if g.with_source_only else Tier.ORDINARY, generated=True),
                False,
            )
            for g in self.generated
        ]
        # An approved rendering hides the wrong ones inside it: 注意 (wrong for attention
        # when the English says so) is not wrong inside 注意力.
        phrases += [(form, Guard(i), False) for i, form in self._approved_containing_wrong()]
        return PhraseMatcher(phrases)

    @cached_property
    def generated(self) -> tuple[Generated, ...]:
        """Wrong renderings of the names kept in English that no entry lists, by sound and word
        by word (qa.glossary.candidates), cached by the files' content."""
        from qa.glossary.candidates import NameEntry, cached_candidates

        stop = [plain(text) for e in self.entries for text in (*e.approved, *e.exceptions, *(w for w, _ in e.wrong()))]
        names = [NameEntry(e.term, e.variants, e.keep_english, e.approved) for e in self.entries]
        return cached_candidates(repr((names, sorted(stop))), names, stop)

    def _approved_containing_wrong(self) -> list[tuple[int, str]]:
        import ahocorasick

        # Over UTF-8 bytes, as in qa.glossary.match: the unicode automaton is slow on CJK.
        automaton = ahocorasick.Automaton()
        for entry in self.entries:
            for rendering, _ in entry.wrong():
                parts = split_context(rendering)
                word = term_key(parts[1] if parts else plain(rendering)).encode("utf-8")
                if word:
                    automaton.add_word(word.decode("latin-1"), len(word))
        if not len(automaton):
            return []
        automaton.make_automaton()
        found = []
        for i, entry in enumerate(self.entries):
            for form in entry.accepted_in_target:
                key = term_key(form).encode("utf-8")
                if any(length < len(key) for _, length in automaton.iter(key.decode("latin-1"))):
                    found.append((i, form))
        return found

    @cached_property
    def accepted_matcher(self) -> PhraseMatcher[int]:
        # Case-insensitive on the Chinese side: "Pytorch Lightning" still shows the term was kept.
        return PhraseMatcher((form, i, False) for i, e in enumerate(self.entries) for form in e.accepted_in_target)

    @cached_property
    def kept_matcher(self) -> PhraseMatcher[int]:
        """What else shows that a term was not lost, for missing-term: the term kept in English
        in any form (`Entry.kept_in_target`), also for an entry whose term is normally
        translated (checkpoint), beside the accepted renderings. Only entries missing-term
        reports (`report_missing`)."""
        return PhraseMatcher(
            (form, i, False)
            for i, e in enumerate(self.entries)
            if e.report_missing
            for form in dict.fromkeys((*e.accepted_in_target, *e.kept_in_target))
        )

    @cached_property
    def rendering_families(self) -> tuple[dict[str, str], ...]:
        """Per entry: term_key of each Chinese approved rendering -> the rendering it counts as.

        A rendering counts as the shortest approved rendering it contains (自注意力机制 ->
        自注意力), so the two are not an inconsistency. English forms (a kept term,
        "BatchNorm") are left out: keeping the English beside a Chinese rendering is normal
        style.
        """
        table = []
        for entry in self.entries:
            chinese = [r for r in entry.approved if not r.isascii()]
            keys = {r: term_key(r) for r in chinese}
            families: dict[str, str] = {}
            for rendering in chinese:
                contained = [r for r in chinese if keys[r] in keys[rendering]]
                families[keys[rendering]] = min(contained, key=lambda r: (len(keys[r]), chinese.index(r)))
            table.append(families)
        return tuple(table)

    @cached_property
    def by_key(self) -> dict[str, int]:
        """term_key of every term and variant -> entry index."""
        index: dict[str, int] = {}
        for i, entry in enumerate(self.entries):
            for form in entry.english_forms:
                index.setdefault(term_key(form), i)
        return index


def _context_lengths(rendering: str) -> tuple[int, int]:
    """Matched characters before and after the bracketed part, as the matcher folds the phrase."""
    parts = split_context(rendering)
    if parts is None or not (parts[0] or parts[2]):  # malformed, or no context: most renderings
        return 0, 0
    before, inside, after = parts
    whole = len(term_key(before + inside + after))
    return whole - len(term_key(inside + after)), whole - len(term_key(before + inside))


def load_glossaries(locations: Sequence[Path | str]) -> Glossary:
    """Merge CSV files in order; a term defined twice is an error naming both places.

    A location is a path or `bundled:NAME` (a glossary shipped in the package). The bundled
    glossary is the base and a project's own files are added to it: a project entry replaces
    every bundled entry it shares an English form with, since the project knows its own
    house terms best. Within the bundled files, or within the project's, a term defined twice
    is still an error.
    """
    bundled: list[Entry] = []
    project: list[Entry] = []
    files: list[tuple[str, str]] = []
    seen: dict[str, dict[str, str]] = {"bundled": {}, "project": {}}
    for location in locations:
        name = str(location)
        data = read_glossary_bytes(location)
        files.append((name, "sha256:" + hashlib.sha256(data).hexdigest()))
        group = "bundled" if is_bundled(name) else "project"
        for entry in _parse_csv(name, decode(data, name)):
            key = term_key(entry.term)
            if key in seen[group]:
                file, line = entry.origin.rsplit(":", 1)
                raise QaInputError(file, f"term {entry.term!r} is already defined at {seen[group][key]}", int(line))
            seen[group][key] = entry.origin
            (bundled if group == "bundled" else project).append(entry)
    kept, overridden = _override(bundled, project)
    return Glossary(entries=(*kept, *project), files=tuple(files), overridden=overridden)


def _override(bundled: list[Entry], project: list[Entry]) -> tuple[list[Entry], tuple[Overridden, ...]]:
    """Bundled entries a project entry replaces (any shared English form) are set aside."""
    winner: dict[str, Entry] = {}
    for entry in project:
        for form in entry.english_forms:
            winner.setdefault(term_key(form), entry)
    kept: list[Entry] = []
    overridden: list[Overridden] = []
    for entry in bundled:
        by = next((winner[term_key(f)] for f in entry.english_forms if term_key(f) in winner), None)
        if by is None:
            kept.append(entry)
        else:
            overridden.append(Overridden(entry, by.origin))
    return kept, tuple(overridden)


def is_bundled(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(BUNDLED_PREFIX)


def bundled_glossaries() -> list[str]:
    """`bundled:NAME` of every CSV shipped in the package, in name order."""
    return [
        BUNDLED_PREFIX + name for name in sorted(p.name for p in _bundled_folder().iterdir() if p.name.endswith(".csv"))
    ]


def bundled_path(location: str) -> Path:
    """The installed file behind `bundled:NAME` (a maintainer copies it to edit it)."""
    return Path(str(_bundled_folder() / location.removeprefix(BUNDLED_PREFIX)))


def bundled_folder() -> Path:
    return Path(str(_bundled_folder()))


def _bundled_folder():
    from importlib.resources import files

    return files(BUNDLED_PACKAGE)


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


def read_glossary_bytes(location: Path | str) -> bytes:
    """The file's bytes, or a one-line QaInputError naming it (load, lint and edits share this)."""
    if is_bundled(location):
        path = bundled_path(str(location))
        if not path.is_file():
            raise QaInputError(str(location), f"no such bundled glossary (the package holds {_bundled_names()})")
        return path.read_bytes()
    return read_bytes(Path(location), expected="a CSV glossary", missing="no such glossary file")


def _bundled_names() -> str:
    return ", ".join(name.removeprefix(BUNDLED_PREFIX) for name in bundled_glossaries()) or "none"


def _parse_csv(path: Path, text: str) -> list[Entry]:
    """The file's entries, read with the csv module (no pandas: every `qa check` loads glossaries,
    and importing pandas alone took longer than reading them). Rows and cells are the ones
    pandas' read_csv(dtype=str, keep_default_na=False) gave, which this loader used before:
    a short row is padded with empty cells, a line of nothing but spaces and tabs is no row,
    and a quote left open at the end of the file is refused (tests/glossary/test_load_csv.py
    compares the two on generated files)."""
    import csv

    name = str(path)
    if not text.strip():
        raise QaInputError(name, "empty glossary: expected a header row with at least 'term'", 1)
    try:
        header, rows, last = _read_rows(name, text)
    except csv.Error as error:
        raise _csv_error(name, text, error) from None
    _check_header(name, header)
    if _ends_inside_quotes(last):  # the csv module reads the open cell to the end, silently
        raise _csv_error(name, text, csv.Error("a quoted cell is not closed at the end of the file"))
    columns = [c.strip() for c in header]
    width = len(columns)
    # A short row is padded with empty cells; a longer one was refused.
    return [
        _entry(name, line, dict(zip(columns, [*cells, *[""] * (width - len(cells))], strict=True)))
        for line, cells in rows
    ]


def _read_rows(name: str, text: str) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """The header, each data row with the 1-based line where it starts (quoted cells may
    span lines), and the text of the last row read.

    Refuses a row with more cells than the header, and a cell over MAX_CELL_CHARS (as a
    csv.Error, so _csv_error names its line and column).
    """
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    _refuse_long_cells(header)
    lines = text.split("\n")
    rows = []
    last, start = 1, reader.line_num + 1
    for row in reader:
        last = start
        _refuse_long_cells(row)
        if len(row) > len(header) and (len(row) > 1 or row[0].strip()):
            raise QaInputError(
                name, f"not a valid CSV file: the row has {len(row)} cells, the header {len(header)}", start
            )
        # As pandas' skip_blank_lines: a line of nothing but spaces and tabs is no row, but a
        # line of empty cells (",,"), a quoted empty cell or other white space (U+3000) is one.
        if not (reader.line_num == start and not lines[start - 1].strip(" \t")):
            rows.append((start, row))
        start = reader.line_num + 1
    return header, rows, "\n".join(lines[last - 1 :])


_CSV_CELL = re.compile(r'(?:"(?:[^"]|"")*+"|(?!"))[^,\n]*+[,\n]?')
"""A cell as the csv module reads it: a quote opens a quoted cell only at the cell's start,
and text after its closing quote is kept (possessive: a doubled quote is never a closing one)."""


def _ends_inside_quotes(text: str) -> bool:
    """Whether the csv module, reading `text` from a row's start, ends inside a quoted cell."""
    position = 0
    while position < len(text):
        match = _CSV_CELL.match(text, position)
        if match is None:  # a quote opening a cell that no quote closes
            return True
        position = match.end()
    return False


def _csv_error(name: str, text: str, error: Exception) -> QaInputError:
    """The csv module names no position; the scanner names the cause, its line and column."""
    from qa.glossary.table import Positions, scan

    _, problems = scan(text)
    if problems:
        line, column = Positions(text)(problems[0].offset)
        return QaInputError(name, f"not a valid CSV file: {problems[0].message} (column {column})", line)
    return QaInputError(name, f"not a valid CSV file: {str(error).splitlines()[0]}", 1)


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


def _refuse_long_cells(row: list[str]) -> None:
    """The csv module's own limit, checked here too: whatever csv.field_size_limit another
    library set in this process, the loader refuses what lint refuses (qa.glossary.table)."""
    if any(len(cell) > MAX_CELL_CHARS for cell in row):
        import csv

        raise csv.Error("a cell is too long")  # _csv_error finds it and its line with the scanner


def _entry(name: str, line: int, row: dict[str, str]) -> Entry:
    def cell(column: str) -> str:
        return str(row.get(column, "") or "").strip()

    def flag(column: str) -> bool:
        value = parse_flag(cell(column), FLAG_DEFAULTS[column])
        if value is None:
            raise QaInputError(name, f"column {column!r}: {cell(column)!r} is not true or false", line)
        return value

    term = cell("term")
    if not term:
        raise QaInputError(name, "empty 'term' cell", line)
    entry = Entry(
        term=term,
        approved=split_list(cell("zh")),
        forbidden=split_list(cell("forbidden")),
        forbidden_always=split_list(cell("forbidden_always")),
        forbidden_with_source=split_list(cell("forbidden_with_source")),
        exceptions=split_list(cell("exceptions")),
        keep_english=flag("keep_english"),
        case_sensitive=flag("case_sensitive"),
        report_missing=flag("report_missing"),
        variants=split_list(cell("variants")),
        note=cell("note"),
        origin=f"{name}:{line}",
    )
    if not entry.approved and not entry.keep_english:
        raise QaInputError(name, f"term {term!r} has no approved rendering: fill 'zh' or set keep_english", line)
    for rendering, tier in entry.wrong():
        if split_context(rendering) is None:
            raise QaInputError(
                name, f"column {tier.value!r}: {rendering!r} needs one [wrong part] inside its context", line
            )
    return entry
