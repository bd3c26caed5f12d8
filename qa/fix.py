"""`qa fix`: apply the glossary fixes that need no judgement, and show them as a diff.

A wrong rendering is fixed only when the decision is certain and has one answer: the
aligned English has the term (变压器 where the English says Transformer), or the rendering
is wrong in any ML text (变形金刚); and it stands for exactly one glossary entry (剪辑
without English could be CLIP or CutMix: left for a human). Ordinary words without an
English source (报纸 alone) are left too. Matching never looks inside URLs, link targets or
code, so neither do fixes. Edits are made line by line on the file as it is on disk: its
BOM, line endings and every untouched character are kept.
"""

from __future__ import annotations

import codecs
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from qa.atomic import replace_file
from qa.checks.glossary import WrongUse, wrong_uses_in_alignment, wrong_uses_in_document
from qa.errors import QaInputError
from qa.glossary import Glossary
from qa.io import read_bytes, read_text
from qa.markdown import parse_document
from qa.model import Severity

_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True)
class Fix:
    line: int
    column: int
    old: str
    new: str
    term: str


@dataclass(frozen=True)
class FixPlan:
    target: Path
    source: Path | None
    original: bytes
    fixed: bytes
    fixes: tuple[Fix, ...]
    left: int
    """Wrong renderings found but not fixed: ambiguous, or ordinary words with no English to confirm."""

    def diff(self, to_name: str) -> str:
        old = self.original.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        new = self.fixed.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        lines = difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), str(self.target), to_name
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


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
    bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    raw = original[len(bom) :].decode("utf-8")
    fixed = _apply(raw, fixes, str(target))
    return FixPlan(
        target=target,
        source=source,
        original=original,
        fixed=bom + fixed.encode("utf-8"),
        fixes=tuple(fixes),
        left=len(uses) - len(fixable),
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
    backup = backup_path(plan.target)
    if backup.exists() and backup.read_bytes() != plan.original:
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
