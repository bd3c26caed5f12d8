"""The frozen data that flows through the pipeline: read -> parse -> align -> check -> score -> report."""

from __future__ import annotations

import bisect
import enum
import re
from dataclasses import dataclass, field
from functools import lru_cache


class Severity(enum.IntEnum):
    """Ordered so that a fail-on threshold is a simple comparison."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r} (expected one of: {choices})") from None


class SegmentKind(enum.StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    QUOTE = "quote"
    TABLE_ROW = "table_row"
    CODE = "code"
    IMAGE = "image"
    LINK_CARD = "link_card"
    RULE = "rule"
    HTML = "html"
    FRONT_MATTER = "front_matter"


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) inside one segment's raw text."""

    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    """One Markdown block of a document.

    `raw` is the exact text of lines `start_line`..`end_line` (1-based, inclusive), so an
    offset into `raw` maps back to a line and column of the file. `text` is the prose a
    reader sees (markup, URLs and image paths removed): what gets embedded.
    """

    index: int
    kind: SegmentKind
    start_line: int
    end_line: int
    raw: str
    text: str
    heading_level: int = 0
    links: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    code_spans: tuple[str, ...] = ()
    protected: tuple[Span, ...] = ()
    """Parts of `raw` that are not prose (URLs, link targets, code): never matched or fixed."""
    list_depth: int = 0
    """For a list item: how many lists enclose it (1 = top level); 0 otherwise."""
    list_ordered: bool = False
    """For a list item: its innermost list is numbered."""

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) in the file of `raw[offset]`; both 1-based, column in code points."""
        # A lookup among the block's line starts, not a count of the newlines before `offset`:
        # a finding per character of a long block made that quadratic.
        starts = _line_starts(self.raw)
        index = bisect.bisect_right(starts, offset) - 1
        return self.start_line + index, offset - starts[index] + 1

    def edit(self, start: int, end: int, content: str) -> Edit:
        """Replace `raw[start:end]` with `content`, in the file's coordinates."""
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Edit(line, column, end_line, end_column, content)


@lru_cache(maxsize=256)
def _line_starts(raw: str) -> list[int]:
    """Offsets in `raw` where its lines start: 0, then after each newline."""
    return [0, *(match.end() for match in _NEWLINE.finditer(raw))]


_NEWLINE = re.compile("\n")


@dataclass(frozen=True)
class Document:
    path: str
    text: str
    segments: tuple[Segment, ...]

    @property
    def line_count(self) -> int:
        return self.text.count("\n") + (0 if self.text.endswith("\n") or not self.text else 1)


class PairType(enum.StrEnum):
    ONE_ONE = "1-1"
    ONE_TWO = "1-2"
    TWO_ONE = "2-1"
    ONE_ZERO = "1-0"
    ZERO_ONE = "0-1"
    ONE_THREE = "1-3"
    THREE_ONE = "3-1"
    TWO_TWO = "2-2"


_PAIR_TYPES = {(int(kind.value[0]), int(kind.value[-1])): kind for kind in PairType}


@dataclass(frozen=True)
class Pair:
    """Source and target segments that translate each other; one side is empty for 1-0 / 0-1."""

    id: int
    source: tuple[Segment, ...]
    target: tuple[Segment, ...]
    similarity: float | None
    """How alike the two sides are for the aligner (0..1), None for 1-0 and 0-1 pairs."""

    @property
    def type(self) -> PairType:
        # A dict look-up, not PairType(...): reports ask it of every pair of 100,000.
        sides = len(self.source), len(self.target)
        return _PAIR_TYPES.get(sides) or PairType(f"{sides[0]}-{sides[1]}")

    @property
    def source_lines(self) -> tuple[int, int] | None:
        return _line_range(self.source)

    @property
    def target_lines(self) -> tuple[int, int] | None:
        return _line_range(self.target)

    @property
    def source_text(self) -> str:
        return "\n".join(s.text for s in self.source)

    @property
    def target_text(self) -> str:
        return "\n".join(s.text for s in self.target)


def _line_range(segments: tuple[Segment, ...]) -> tuple[int, int] | None:
    if not segments:
        return None
    return segments[0].start_line, segments[-1].end_line


@dataclass(frozen=True)
class Alignment:
    source: Document
    target: Document
    pairs: tuple[Pair, ...]


class Applicability(enum.StrEnum):
    """Whether `qa fix` applies a fix by default, as Ruff has it: a safe fix keeps the
    meaning (the aligned English settles it); an unsafe one is a judgement call, applied
    only with `--unsafe-fixes`."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the characters from (line, column) up to (end_line, end_column) of the target
    file with `content`: the coordinates of a Finding (1-based, columns in code points, the
    end exclusive). An insertion has an empty range, a deletion an empty `content`."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    """What applying it does, for a person: "replace '变压器' with 'Transformer'"."""
    edits: tuple[Edit, ...]
    """Applied together or not at all; they do not overlap."""


@dataclass(frozen=True)
class Finding:
    """One problem at one place of the target file (or of the source, for a missing block)."""

    rule: str
    severity: Severity
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    message: str
    term: str | None = None
    suggestion: str | None = None
    pair: int | None = None
    fix: Fix | None = None
    """The edits that resolve it, when they are known exactly; `qa fix` applies the safe ones."""


@dataclass(frozen=True)
class PairScore:
    pair: int
    drift: float | None
    """Calibrated drift (qa/score/drift.py): 0 as close as a good translation, 1 as far as an
    unrelated block of the same document; None where a score would mislead."""
    cosine: float | None = None
    """Raw cosine similarity of the pair's embeddings, before calibration."""
    length_z: float | None = None
    """Length of the Chinese against what the English predicts, in standard deviations."""
    english_kept: float | None = None
    """Share of the English block's ordinary words found verbatim in the Chinese."""
    chrf: float | None = None
    """chrF against the reference translation (`--reference`), 0-100."""
    bleu: float | None = None
    """BLEU against the reference translation (`--reference`), 0-100, tokenize="zh"."""


@dataclass(frozen=True)
class ReferenceScore:
    """Document-level scores against a human reference translation."""

    path: str
    chrf: float
    bleu: float
    signatures: tuple[tuple[str, str], ...]
    """sacrebleu's signature of each metric: every setting that changes the number."""
    pairs: int
    """How many aligned pairs the document score is computed over."""


@dataclass(frozen=True)
class Signature:
    """Every setting that changes a number in the report, so two reports can be compared."""

    qa_version: str
    glossaries: tuple[tuple[str, str], ...]
    model: str | None
    thresholds: tuple[tuple[str, float], ...] = ()
    calibration: str | None = None
    """How drift was calibrated (qa/score/drift.py Calibration.describe); None without drift."""

    def glossary_label(self, location: str) -> str:
        """A glossary as a report names it: a bundled one with the qa version that ships it."""
        name = location.removeprefix("bundled:")
        return location if name == location else f"{name} (bundled with qa {self.qa_version})"


@dataclass(frozen=True)
class Report:
    target: str
    source: str | None
    signature: Signature
    pairs: tuple[Pair, ...]
    scores: tuple[PairScore, ...]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = field(default=())
    """What did not run and why (e.g. no English source: alignment and drift skipped)."""
    reference: ReferenceScore | None = None
    """chrF and BLEU against a human reference translation, when one was given."""
    target_text: str = ""
    """The checked Chinese text (newlines normalised), for reports that show the document."""

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def counts(self) -> str:
        """`1 error, 11 warnings, 2 info`: every severity, in the words a summary line uses."""
        return ", ".join(counted(self.count(s), s.label) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))

    @property
    def drift_mean(self) -> float | None:
        values = [s.drift for s in self.scores if s.drift is not None]
        return sum(values) / len(values) if values else None

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)


def counted(count: int, noun: str) -> str:
    """`1 error`, `2 errors`; `info` is a mass noun (`3 info`)."""
    return f"{count} {noun}" if count == 1 or noun == "info" else f"{count} {noun}s"
