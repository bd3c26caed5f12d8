"""`qa fix`: apply the fixes of exactly the findings `qa check` reports, and show them as a diff.

The check runs as `qa check` runs it (same alignment, model, selection, severities and
qa-ignore comments: qa/rules/verdict.py), and every finding that carries a fix (qa/model.py `Fix`)
is a candidate: safe ones by default, unsafe ones too with `--unsafe-fixes`. Nothing else is
ever changed, so what `qa fix` does is what `qa check` printed with `[*]`.

A fix is applied whole or not at all. Two fixes whose edits overlap cannot both be applied
to the text they were computed on: the first in file order (then by rule id) wins, and the
check runs again on the result, as Ruff does, until no fix is left to apply (at most
MAX_PASSES passes): a second `qa fix` then changes nothing. No edit may touch a code block or
a code span. Edits are made on the file as it is on disk: its BOM, line endings and every
untouched character are kept.
"""

from __future__ import annotations

import codecs
import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qa.atomic import replace_file
from qa.errors import QaInputError
from qa.glossary.load import Glossary
from qa.model import Applicability, Document, Edit, Finding, Report, SegmentKind
from qa.pipeline import CheckOptions, run_check
from qa.read.inline import PartKind, parts
from qa.read.io import decode, read_bytes
from qa.read.markdown import parse_document

MAX_PASSES = 10
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True)
class Left:
    """A finding `qa fix` did not change, and why: for a human to decide."""

    finding: Finding
    reason: str

    def describe(self, path: str) -> str:
        """`path`: the file written, whose lines and columns the finding gives."""
        f = self.finding
        return f"{path}:{f.line}:{f.column}: {f.rule} {f.text!r} left — {self.reason}"


@dataclass(frozen=True)
class FixPlan:
    target: Path
    source: Path | None
    original: bytes
    fixed: bytes
    applied: tuple[Finding, ...]
    """The findings whose fixes were applied, each in the coordinates of the pass that found it."""
    left: tuple[Left, ...]
    """What the last check still reports, in file order, each with why it was not fixed."""
    passes: int
    report: Report
    """The check of the fixed text: what `qa check` reports after writing it."""

    @property
    def fixes(self) -> tuple[Finding, ...]:
        return self.applied

    def diff(self, to_name: str) -> str:
        old = self.original.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        new = self.fixed.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        lines = unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), str(self.target), to_name)
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def unified_diff(a: list[str], b: list[str], from_name: str, to_name: str) -> Iterator[str]:
    """The unified diff of `b`, `a` with lines changed in place (as fixes change them), made
    from the lines that differ: hunks of 3 lines of context, grouped as difflib groups them.

    `difflib.unified_diff` matches the whole files first (seconds to minutes on a large one
    whose lines repeat). This gives what it gives wherever it pairs equal lines with each
    other in place, which it does unless a changed line's text stands unchanged elsewhere
    (then it may pair that line across, here it stays a change in place: a valid diff of the
    same files); see `_in_place_opcodes`. Files of other lengths go to difflib."""
    opcodes = _in_place_opcodes(a, b)
    if opcodes is None:
        yield from difflib.unified_diff(a, b, from_name, to_name)
        return
    for number, group in enumerate(_KnownOpcodes(opcodes).get_grouped_opcodes(3)):
        if not number:
            yield f"--- {from_name}\n"
            yield f"+++ {to_name}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_hunk_range(first[1], last[2])} +{_hunk_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            yield from ("-" + line for line in a[i1:i2])
            yield from ("+" + line for line in b[j1:j2])


def _hunk_range(start: int, stop: int) -> str:
    """A hunk's range as difflib writes it: `first,count`, the count left out when 1, and an
    empty range starting at the line before it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _in_place_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]] | None:
    """Opcodes as `difflib.SequenceMatcher(None, a, b).get_opcodes()` has them for `b`, `a`
    with some lines changed in place; None when the files differ in length.

    difflib finds matching blocks by longest runs of equal lines, recursively between them,
    anchored only on lines that are not "popular" (in files of 200 lines or more, lines seen
    more than 1% of the time, such as blank ones). Between lines changed in place the equal
    lines run on the diagonal, and difflib matches each run that holds a line that is not
    popular; a run of popular lines only (two paragraphs apart, both fixed, a blank line
    between) it matches at the very start of the file only, and elsewhere reports as part of
    one replaced block with the changes around it. So does this (tests/test_fix.py compares
    both on many edits)."""
    if len(a) != len(b):
        return None
    changed = [index for index, (old, new) in enumerate(zip(a, b, strict=True)) if old != new]
    if not changed:
        return []
    popular: set[str] = set()
    if len(b) >= 200:  # difflib's autojunk
        most = len(b) // 100 + 1
        popular = {line for line, count in Counter(b).items() if count > most}
    # The runs of equal lines, and whether difflib matches each (see above).
    runs: list[tuple[int, int]] = []
    start = 0
    for index in [*changed, len(a)]:
        if start < index and (start == 0 or any(line not in popular for line in b[start:index])):
            runs.append((start, index))
        start = index + 1
    opcodes: list[tuple[str, int, int, int, int]] = []
    at = 0
    for run_start, run_end in runs:
        if at < run_start:
            opcodes.append(("replace", at, run_start, at, run_start))
        opcodes.append(("equal", run_start, run_end, run_start, run_end))
        at = run_end
    if at < len(a):
        opcodes.append(("replace", at, len(a), at, len(a)))
    return opcodes


class _KnownOpcodes(difflib.SequenceMatcher):
    """A SequenceMatcher that knows its opcodes already: for its `get_grouped_opcodes`, which
    groups them into hunks as `difflib.unified_diff` does, and reads nothing else."""

    def __init__(self, opcodes: list[tuple[str, int, int, int, int]]) -> None:  # no matching to set up
        self._known = opcodes

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:
        return list(self._known)


def plan_fixes(
    options: CheckOptions,
    glossary: Glossary,
    *,
    unsafe: bool = False,
    encoder_factory: Callable[[str], object] | None = None,
) -> FixPlan:
    """Everything `qa fix` would change, computed without writing anything."""
    original = read_bytes(options.target)
    bom, raw = split_bom(original, str(options.target))
    wanted = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
    applied: list[Finding] = []
    passes = 0
    while True:
        passes += 1
        text = decode(raw.encode("utf-8"), str(options.target))
        report = run_check(replace(options, target_text=text), glossary, encoder_factory)
        document = parse_document(str(options.target), text)
        chosen = choose_fixes(report.findings, wanted, code_ranges(document))
        if not chosen or passes > MAX_PASSES:
            break
        raw = apply_fixes(raw, chosen, str(options.target))
        applied += chosen
    left = [Left(f, _why_left(f, wanted, code_ranges(document))) for f in report.findings]
    if passes > MAX_PASSES:
        left.insert(0, Left(chosen[0], f"still fixable after {MAX_PASSES} passes: run qa fix again"))
    return FixPlan(
        target=options.target,
        source=options.source,
        original=original,
        fixed=bom + raw.encode("utf-8"),
        applied=tuple(applied),
        left=tuple(left),
        passes=passes,
        report=report,
    )


def split_bom(original: bytes, name: str) -> tuple[bytes, str]:
    """(its UTF-8 BOM or b"", the text after it, line endings as on disk) of a file `qa fix`
    may rewrite; a UTF-16 or non-UTF-8 file is refused."""
    if original.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise QaInputError(name, "is UTF-16: qa fix rewrites UTF-8 files only; convert it first", 1)
    bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    try:
        return bom, original[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as error:
        line = original[: error.start].count(b"\n") + 1
        raise QaInputError(name, "is not UTF-8: qa fix rewrites UTF-8 files only", line) from None


def fix_candidates(
    findings: Sequence[Finding], wanted: set[Applicability], code: Sequence[tuple[int, int, int, int]]
) -> list[Finding]:
    """The findings whose fixes one pass may apply, in the order it considers them: of the
    `wanted` applicability, touching no code, in file order, then rule id."""
    candidates = [f for f in findings if f.fix is not None and f.fix.applicability in wanted and f.fix.edits]
    candidates = [f for f in candidates if not any(_touches_code(edit, code) for edit in f.fix.edits)]
    candidates.sort(
        key=lambda f: (min(_start(e) for e in f.fix.edits), f.rule, [(_end(e), e.content) for e in f.fix.edits])
    )
    return candidates


def choose_fixes(
    findings: Sequence[Finding], wanted: set[Applicability], code: Sequence[tuple[int, int, int, int]]
) -> list[Finding]:
    """The findings whose fixes to apply in one pass: the candidates (fix_candidates) that do
    not overlap a fix chosen before them."""
    chosen: list[Finding] = []
    taken: list[Edit] = []
    for finding in fix_candidates(findings, wanted, code):
        if any(_overlap(edit, other) for edit in finding.fix.edits for other in taken):
            continue
        chosen.append(finding)
        taken += finding.fix.edits
    return chosen


def _why_left(finding: Finding, wanted: set[Applicability], code: Sequence[tuple[int, int, int, int]]) -> str:
    fix = finding.fix
    if fix is None or not fix.edits:
        return "no fix is known: a human decides"
    if any(_touches_code(edit, code) for edit in fix.edits):
        return "its fix would edit code"
    if fix.applicability not in wanted:
        return f"unsafe fix ({fix.message}): a judgement call, applied with --unsafe-fixes"
    return "its fix overlaps another one"


def _start(edit: Edit) -> tuple[int, int]:
    return edit.line, edit.column


def _end(edit: Edit) -> tuple[int, int]:
    return edit.end_line, edit.end_column


def _overlap(a: Edit, b: Edit) -> bool:
    """Whether applying both is undefined: they share a character, start at the same place,
    or one inserts inside the other's range."""
    return _start(a) == _start(b) or (_start(a) < _end(b) and _start(b) < _end(a))


def code_ranges(document: Document) -> list[tuple[int, int, int, int]]:
    """(line, column, end_line, end_column) of every code block and code span: never edited."""
    ranges = []
    for segment in document.segments:
        if segment.kind is SegmentKind.CODE:
            ranges.append((segment.start_line, 1, segment.end_line + 1, 1))
            continue
        if "`" not in segment.raw:
            continue
        for part in parts(segment):
            if part.kind is PartKind.CODE:
                ranges.append((*segment.position(part.start), *segment.position(part.end)))
    return ranges


def _touches_code(edit: Edit, code: Sequence[tuple[int, int, int, int]]) -> bool:
    start, end = _start(edit), _end(edit)
    for line, column, end_line, end_column in code:
        code_start, code_end = (line, column), (end_line, end_column)
        if (start < code_end and code_start < end) or code_start < start < code_end:
            return True
    return False


def apply_fixes(raw: str, findings: Sequence[Finding], name: str) -> str:
    """`raw` (line endings as on disk) with every edit of the fixes applied; the edits must not
    overlap (choose_fixes)."""
    edits = sorted(edit_offsets(raw, [e for f in findings for e in f.fix.edits], name), reverse=True)
    for start, end, content in edits:
        raw = raw[:start] + content + raw[end:]
    return raw


def edit_offsets(raw: str, edits: Sequence[Edit], name: str) -> list[tuple[int, int, str]]:
    """Each edit as (start, end, content), the offsets in code points of `raw` (line endings as
    on disk). Each edit's (line, column) is a code point of the line as parsed."""
    lines = _LINES.findall(raw)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        if not 1 <= line <= len(lines) + 1:
            raise QaInputError(name, f"internal error: a fix edits line {line} of {len(lines)}", line)
        if line == len(lines) + 1:
            return starts[-1]
        body = lines[line - 1].rstrip("\r\n")
        if column - 1 > len(body):
            raise QaInputError(name, f"internal error: a fix edits column {column} past the line's end", line)
        return starts[line - 1] + column - 1

    return [(offset(e.line, e.column), offset(e.end_line, e.end_column), e.content) for e in edits]


def apply_selected(original: bytes, findings: Sequence[Finding], accepted: Sequence[Finding], name: str) -> bytes:
    """The file after one pass of `qa fix` over the fixes a person accepted (the HTML report's
    fix workbench does the same in the browser): `accepted`, a subset of the check's
    `findings`, of any applicability, chosen as choose_fixes chooses (touching no code, the
    first of two overlapping fixes wins) and applied to `original` as it is on disk."""
    bom, raw = split_bom(original, name)
    document = parse_document(name, decode(original, name))
    every = {Applicability.SAFE, Applicability.UNSAFE}
    picked = {id(f) for f in accepted}  # by identity: two equal findings are two checkboxes
    chosen = choose_fixes([f for f in findings if id(f) in picked], every, code_ranges(document))
    return bom + apply_fixes(raw, chosen, name).encode("utf-8")


def fixed_path(target: Path) -> Path:
    """`issue13.zh.md` -> `issue13.zh.fixed.md`."""
    return target.with_name(f"{target.stem}.fixed{target.suffix}" if target.suffix else f"{target.name}.fixed")


def backup_path(target: Path) -> Path:
    return target.with_name(target.name + ".bak")


def write_plan(plan: FixPlan, *, in_place: bool, output: Path | None = None) -> list[Path]:
    """Write the fixed file (and, in place, the backup first); returns the paths written."""
    if not plan.fixes:
        return []
    if not in_place:
        destination = output or fixed_path(plan.target)
        _write(destination, plan.fixed)
        return [destination]
    # Through a symlink, the file read (plan.original) and the file written are the link's
    # target (qa.atomic.replace_file follows the chain); the backup sits beside the name given.
    if read_bytes(plan.target) != plan.original:
        # Saved by an editor (or another run) since it was read: writing would lose that save.
        raise QaInputError(str(plan.target), "changed since qa fix read it: run qa fix again")
    backup = backup_path(plan.target)
    if backup.exists() and read_bytes(backup) != plan.original:
        # The old backup holds an earlier version that exists nowhere else: keep it.
        raise QaInputError(str(backup), "exists and differs from the file: move it away before fixing in place")
    _write(backup, plan.original)
    _write(plan.target, plan.fixed)
    return [plan.target, backup]


def _write(path: Path, data: bytes) -> None:
    try:
        replace_file(path, data)
    except OSError as error:
        raise QaInputError(str(path), f"cannot write: {error.strerror or error}") from None
