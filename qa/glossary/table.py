"""A CSV reader that remembers where every cell is, for `qa glossary lint` and edits.

The loader (qa/glossary/load.py) reads glossaries with Python's `csv` module, which knows a
row's line but not a cell's column, and silently accepts what a maintainer should
fix (a quote in the middle of a cell, text after a closing quote). Lint must point at
`file:line:column`, and `qa glossary remove` must delete a row's exact bytes and nothing
else, so this small RFC 4180 scanner keeps offsets. It does not guess: anything it cannot
read unambiguously becomes a ScanProblem.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")
_UNQUOTED = re.compile(r'[^,\r\n"]*')

MAX_CELL_CHARS = 131_072
"""The most characters a cell may hold. Python's csv module (which the loader uses to find
where rows start) refuses longer fields by default, and a glossary cell is a term, its
renderings or a note: a few hundred characters. A longer cell is a file pasted by mistake,
so lint, the loader and `qa glossary add` all refuse it at its line (csv.field_size_limit
is process-wide state, not ours to raise)."""


@dataclass(frozen=True)
class Cell:
    value: str
    """The cell's content: quotes removed, doubled quotes undone, newlines as in the file."""
    start: int
    """Offset in the text of the cell's first character (its opening quote, if quoted)."""
    end: int
    """Offset just after the cell (its closing quote, if quoted)."""
    quoted: bool

    def offset_of(self, text: str, index: int) -> int:
        """Offset in `text` of `value[index]` (or of the cell's end when index == len(value))."""
        if not self.quoted:
            return self.start + index
        offset = self.start + 1
        for _ in range(index):
            offset += 2 if text.startswith('""', offset) else 1
        return offset


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    start: int
    """Offset of the row's first character."""
    end: int
    """Offset just after the row's line ending (the text's end for a last row without one)."""

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(cell.value for cell in self.cells)

    def is_blank(self) -> bool:
        return len(self.cells) == 1 and not self.cells[0].quoted and not self.cells[0].value.strip()


@dataclass(frozen=True)
class ScanProblem:
    offset: int
    message: str


class Positions:
    """Offset -> (line, column), both 1-based, columns in code points."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in _LINE_END.finditer(text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1


def scan(text: str) -> tuple[list[Row], list[ScanProblem]]:
    """Rows of the text (blank lines included, see Row.is_blank) and what could not be read.

    After a problem the scanner resumes at the next line, so one bad row does not hide
    the problems of the rows after it; an unterminated quote ends the scan.
    """
    rows: list[Row] = []
    problems: list[ScanProblem] = []
    position, size = 0, len(text)
    while position < size:
        row_start = position
        cells: list[Cell] = []
        while True:
            if position < size and text[position] == '"':
                cell, position, problem = _quoted(text, position)
                if problem is not None:
                    problems.append(problem)
                    if problem.message.startswith("unterminated"):
                        return rows, problems
            else:
                match = _UNQUOTED.match(text, position)
                assert match is not None  # the pattern accepts the empty string
                cell = Cell(match.group(), position, match.end(), False)
                position = match.end()
                if position < size and text[position] == '"':
                    message = "a quote inside an unquoted cell: quote the whole cell, doubling its quotes"
                    problems.append(ScanProblem(position, message))
                    position = _skip_line(text, position)
                    cells.append(cell)
                    break
            cells.append(cell)
            if len(cell.value) > MAX_CELL_CHARS:
                problems.append(ScanProblem(cell.start, too_long(len(cell.value))))
            if position < size and text[position] == ",":
                position += 1
                continue
            break
        ending = _LINE_END.match(text, position)
        if ending is not None:
            position = ending.end()
        elif position < size:
            problems.append(ScanProblem(position, "unexpected text after a cell"))
            position = _skip_line(text, position)
        rows.append(Row(tuple(cells), row_start, position))
    return rows, problems


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (CSV injection, OWASP): a glossary is
opened in Excel or LibreOffice by maintainers, so no cell may start with one of these."""


def starts_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_START)


def spreadsheet_safe(cell: str) -> str:
    """A cell that would start a formula gets a leading quote, which spreadsheets read as
    "this is text" (what `qa glossary suggest` writes for text mined from documents)."""
    return "'" + cell if starts_formula(cell) else cell


def too_long(length: int) -> str:
    return f"a cell of {length:,} characters; a glossary cell holds at most {MAX_CELL_CHARS:,}"


def _quoted(text: str, start: int) -> tuple[Cell, int, ScanProblem | None]:
    parts: list[str] = []
    position = start + 1
    while True:
        quote = text.find('"', position)
        if quote < 0:
            cell = Cell(text[start + 1 :], start, len(text), True)
            return cell, len(text), ScanProblem(start, "unterminated quoted cell: a closing quote is missing")
        parts.append(text[position:quote])
        if text.startswith('""', quote):
            parts.append('"')
            position = quote + 2
            continue
        end = quote + 1
        cell = Cell("".join(parts), start, end, True)
        if end < len(text) and text[end] not in ",\r\n":
            problem = ScanProblem(end, "text after a closing quote: quote the whole cell")
            return cell, _skip_line(text, end), problem
        return cell, end, None


def _skip_line(text: str, position: int) -> int:
    """The offset of the next line ending (kept, so the row ends there)."""
    ending = _LINE_END.search(text, position)
    return ending.start() if ending else len(text)
