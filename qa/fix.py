"""`qa fix`: apply the glossary fixes that need no judgement, and show them as a diff.

A wrong rendering is fixed only when the decision is certain and has one answer: the
aligned English has the term (变压器 where the English says Transformer), or the rendering
is wrong in any ML text (变形金刚); and it stands for exactly one glossary entry (剪辑
without English could be CLIP or CutMix: left for a human). Ordinary words without an
English source (报纸 alone) are left too. Matching never looks inside URLs, link targets or
code, so neither do fixes. Edits are made line by line on the file as it is on disk: its
BOM, line endings and every untouched character are kept.

Whatever is left is listed with its reason (`Left`), and a term is never half-fixed without
saying so: a wrong rendering left in the sentence (or, failing that, the block) where the
same entry was fixed or is already rendered right is reported, even an ordinary word the
check itself lets pass (基于变压器 fixed, 即变压器 left: the second may be the electrical
transformer). It is not fixed in turn: the English confirms a term for its whole aligned
block, so a confirmed occurrence is always fixed already; what is left had no English to
confirm it, and the fixed neighbour (an always-wrong phrase) does not make it certain.
"""

from __future__ import annotations

import codecs
import difflib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qa.atomic import replace_file
from qa.checks.glossary import WrongUse, wrong_uses_in_alignment, wrong_uses_in_document
from qa.errors import QaInputError
from qa.glossary import Entry, Glossary, Tier, WrongRendering
from qa.io import read_bytes, read_text
from qa.markdown import parse_document
from qa.model import Document, Segment, Severity

_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_SENTENCE_END = re.compile(r"[。！？\n]")


@dataclass(frozen=True)
class Fix:
    line: int
    column: int
    old: str
    new: str
    term: str


@dataclass(frozen=True)
class Left:
    """A wrong rendering `qa fix` did not change, and why: for a human to decide."""

    line: int
    column: int
    text: str
    reason: str
    """Starts with its kind: "ambiguous", "needs the English" or "judgement call"."""
    beside: str = ""
    """When the same entry was fixed or is rendered right in the same sentence (or block):
    what and where, e.g. "in a sentence where '变压器' was fixed to 'Transformer' (12:8)"."""

    def describe(self, path: str) -> str:
        where = f" {self.beside}" if self.beside else ""
        return f"{path}:{self.line}:{self.column}: {self.text!r} left unfixed{where} — {self.reason}"


@dataclass(frozen=True)
class FixPlan:
    target: Path
    source: Path | None
    original: bytes
    fixed: bytes
    fixes: tuple[Fix, ...]
    left: tuple[Left, ...]
    """Wrong renderings found but not fixed, in file order, each with its reason."""

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


def plan_fixes(target: Path, source: Path | None, glossary: Glossary) -> FixPlan:
    """Everything `qa fix` would change, computed without writing anything."""
    original = read_bytes(target)
    if original.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise QaInputError(str(target), "is UTF-16: qa fix rewrites UTF-8 files only; convert it first", 1)
    document = parse_document(str(target), read_text(target))
    if source is not None:
        from qa.align import align

        english = parse_document(str(source), read_text(source))
        uses = wrong_uses_in_alignment(align(english, document), glossary)
    else:
        uses = wrong_uses_in_document(document, glossary)
    fixable = [use for use in uses if _fixable(use)]
    fixes = [_fix(use, glossary) for use in fixable]
    left = _left_for_a_human(document, uses, glossary, have_source=source is not None)
    bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    raw = original[len(bom) :].decode("utf-8")
    fixed = _apply(raw, fixes, str(target))
    return FixPlan(
        target=target,
        source=source,
        original=original,
        fixed=bom + fixed.encode("utf-8"),
        fixes=tuple(fixes),
        left=tuple(left),
    )


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


def _fixable(use: WrongUse) -> bool:
    return use.severity is Severity.ERROR and len(use.entries) == 1


def _fix(use: WrongUse, glossary: Glossary) -> Fix:
    entry = glossary.entries[use.entries[0]]
    line, column = use.segment.position(use.start)
    end_line, _ = use.segment.position(use.end)
    if end_line != line:
        raise AssertionError(f"a wrong rendering spans lines {line}-{end_line}")  # patterns hold no newline
    return Fix(line, column, use.segment.raw[use.start : use.end], entry.preferred, entry.term)


@dataclass(frozen=True)
class _Place:
    """A rendering of an entry in a block: fixed by this plan, or approved as it stands."""

    start: int
    entries: tuple[int, ...]
    text: str
    fixed_to: str | None


def _left_for_a_human(document: Document, uses: list[WrongUse], glossary: Glossary, *, have_source: bool) -> list[Left]:
    """The wrong renderings not fixed, each with its reason and, when the same entry was fixed
    or is approved in its sentence or block, where: one scan of the wrong renderings, one of
    the approved ones in the blocks where something is left."""
    by_place = {(use.segment.index, use.start): use for use in uses}
    segments = document.segments
    scanned = glossary.wrong_matcher.find_each([(segment.raw, segment.protected) for segment in segments])
    candidates: dict[int, list[tuple[int, int, tuple[int, ...], str]]] = {}
    wrong_ranges: dict[int, list[tuple[int, int]]] = {}
    for segment, matches in zip(segments, scanned, strict=True):
        for start, end, keys in _grouped(matches):
            wrong_ranges.setdefault(segment.index, []).append((start, end))
            wrong = [k for k in keys if isinstance(k, WrongRendering)]
            if len(wrong) < len(keys):
                continue  # an exception (视频剪辑) or an approved rendering covers it: ordinary here
            start, end = start + wrong[0].lead, end - wrong[0].trail
            use = by_place.get((segment.index, start))
            if use is not None:
                if not _fixable(use):
                    reason = _reason(use, glossary, have_source=have_source)
                    candidates.setdefault(segment.index, []).append((start, end, use.entries, reason))
                continue
            # Ordinary Chinese the check lets pass (the aligned English lacks the term). Only
            # worth a word beside a fixed or approved rendering of the same entry; `forbidden_
            # with_source` words (关注, 整体) are too common to point at even there.
            ordinary = tuple(dict.fromkeys(k.entry for k in wrong if k.tier is Tier.ORDINARY))
            if ordinary:
                candidates.setdefault(segment.index, []).append((start, end, ordinary, _judgement(ordinary, glossary)))
    if not candidates:
        return []
    fixed: dict[int, list[_Place]] = {}
    for use in uses:
        if _fixable(use):
            text = use.segment.raw[use.start : use.end]
            preferred = glossary.entries[use.entries[0]].preferred
            fixed.setdefault(use.segment.index, []).append(_Place(use.start, use.entries, text, preferred))
    with_left = [segments[i] for i in sorted(candidates)]
    approved = glossary.accepted_matcher.find_each([(s.raw, s.protected) for s in with_left])
    left: list[Left] = []
    for segment, matches in zip(with_left, approved, strict=True):
        # An approved rendering inside a wrong one (块 in 斑块) is no rendering of its own.
        taken = wrong_ranges[segment.index]
        places = fixed.get(segment.index, []) + [
            _Place(start, keys, segment.raw[start:end], None)
            for start, end, keys in _grouped(matches)
            if not any(start < w_end and w_start < end for w_start, w_end in taken)
        ]
        for start, end, entries, reason in candidates[segment.index]:
            line, column = segment.position(start)
            beside = _beside(segment, start, entries, places)
            if beside or not reason.startswith("judgement call"):
                left.append(Left(line, column, segment.raw[start:end], reason, beside))
    return sorted(left, key=lambda item: (item.line, item.column))


def _grouped(matches: list) -> list[tuple[int, int, tuple]]:
    """(start, end, every key matched there): several entries may share a rendering (剪辑)."""
    by_range: dict[tuple[int, int], list] = {}
    for match in matches:
        by_range.setdefault((match.start, match.end), []).append(match.key)
    return [(start, end, tuple(keys)) for (start, end), keys in by_range.items()]


def _beside(segment: Segment, start: int, entries: tuple[int, ...], places: list[_Place]) -> str:
    """Where the same entry is fixed or approved: in the same sentence if it is, else in the block."""
    mates = [place for place in places if set(place.entries) & set(entries)]
    if not mates:
        return ""
    sentence = _sentence(segment.raw, start)
    same = [place for place in mates if _sentence(segment.raw, place.start) == sentence]
    where = "a sentence" if same else f"a {segment.kind.value.replace('_', ' ')}"
    mate = min(same or mates, key=lambda place: (place.fixed_to is None, abs(place.start - start)))
    line, column = segment.position(mate.start)
    if mate.fixed_to is not None:
        return f"in {where} where {mate.text!r} was fixed to {mate.fixed_to!r} ({line}:{column})"
    return f"in {where} that has the approved {mate.text!r} ({line}:{column})"


def _sentence(raw: str, offset: int) -> int:
    """Which sentence of a block `offset` is in: they end at 。！？ and at line ends."""
    return len(_SENTENCE_END.findall(raw, 0, offset))


def _reason(use: WrongUse, glossary: Glossary, *, have_source: bool) -> str:
    entries = [glossary.entries[i] for i in use.entries]
    if len(entries) > 1:
        if use.confirmed:
            why = "the aligned English has all of them"
        elif not have_source:
            why = "no English source to tell which"
        elif use.severity is Severity.WARNING:
            why = "no aligned English block to tell which"
        else:  # always wrong, whichever it is
            why = "nothing in the aligned English tells which"
        return f"ambiguous: stands for several glossary entries ({', '.join(map(_named, entries))}); {why}"
    missing = "no English source" if not have_source else "no aligned English block"
    return f"needs the English: {missing} confirms it means {_named(entries[0])}"


def _judgement(entries: tuple[int, ...], glossary: Glossary) -> str:
    meant = " or ".join(_named(glossary.entries[i]) for i in entries)
    return f"judgement call: an ordinary Chinese word the aligned English does not confirm as {meant}"


def _named(entry: Entry) -> str:
    """'Transformer', or "'paper' (use '论文')" when the rendering to use is not the term itself."""
    return repr(entry.term) if entry.preferred == entry.term else f"{entry.term!r} (use {entry.preferred!r})"


def _apply(raw: str, fixes: list[Fix], name: str) -> str:
    lines = _LINES.findall(raw)
    by_line: dict[int, list[Fix]] = {}
    for fix in fixes:
        by_line.setdefault(fix.line, []).append(fix)
    for number, line_fixes in by_line.items():
        line = lines[number - 1]
        for fix in sorted(line_fixes, key=lambda f: f.column, reverse=True):
            start = fix.column - 1
            end = start + len(fix.old)
            if line[start:end] != fix.old:
                raise QaInputError(name, f"internal error: expected {fix.old!r} at column {fix.column}", number)
            new = _spaced(line[start - 1] if start else "", fix.new, line[end] if end < len(line) else "")
            line = line[:start] + new + line[end:]
        lines[number - 1] = line
    return "".join(lines)


def _spaced(before: str, new: str, after: str) -> str:
    """Chinese typography puts a space between Han characters and Latin words: 基于 Transformer 的."""
    if new[:1].isascii() and new[:1].isalnum() and _is_han(before):
        new = " " + new
    if new[-1:].isascii() and new[-1:].isalnum() and _is_han(after):
        new = new + " "
    return new


def _is_han(char: str) -> bool:
    return bool(char) and ("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff")


def _write(path: Path, data: bytes) -> None:
    try:
        replace_file(path, data)
    except OSError as error:
        raise QaInputError(str(path), f"cannot write: {error.strerror or error}") from None
