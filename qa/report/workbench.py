"""The data the HTML report's fix workbench needs to write the fixed file in the browser.

The browser does one pass of `qa fix` over the fixes the reader accepted: it takes them in
the order qa.fix.fix_candidates gives, skips one that overlaps a fix taken before it (as
qa.fix.choose_fixes does), and applies the edits to the file's text as it is on disk
(qa.fix.apply_fixes), its BOM put back. So the download is byte for byte
qa.fix.apply_selected(file, findings, accepted) — the same as `qa fix` (safe fixes, or
`--unsafe-fixes` with every box ticked) whenever `qa fix` needs one pass.

Everything that depends on parsing is decided here, with qa.fix's own functions: which fixes
touch code (they get no checkbox) and where each edit starts and ends, as UTF-16 offsets
(JavaScript's string indices) into the text; the page only compares positions and splices.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QaInputError
from qa.fix import code_ranges, edit_offsets, fix_candidates, fixed_path, split_bom
from qa.model import Applicability, Document, Finding, Report
from qa.read.io import decode
from qa.read.markdown import parse_document

_EVERY = {Applicability.SAFE, Applicability.UNSAFE}


@dataclass(frozen=True)
class Workbench:
    offered: dict[int, int]
    """Index of a finding in report.findings -> number of its checkbox (the order fixes are tried)."""
    refused: dict[int, str]
    """Index of a finding whose fix the page does not offer -> why."""
    data: str
    """JSON for the page: the file's text and BOM, the fixed file's name, the edits of each fix."""


@dataclass(frozen=True)
class Unavailable:
    reason: str


def workbench(report: Report, document: Document | None = None) -> Workbench | Unavailable:
    """The workbench for the checked file as it is now on disk, or why there is none;
    `document`: report.target_text parsed, when the caller has it."""
    fixable = [i for i, f in enumerate(report.findings) if f.fix is not None and f.fix.edits]
    if not fixable:
        return Unavailable("no finding carries a fix")
    try:
        original = Path(report.target).read_bytes()
        bom, raw = split_bom(original, report.target)
        if decode(original, report.target) != report.target_text:
            return Unavailable(f"{report.target} changed since it was checked: check it again")
    except OSError as error:
        return Unavailable(f"{report.target} cannot be read ({error.strerror or error})")
    except QaInputError as error:
        return Unavailable(str(error))
    document = document or parse_document(report.target, report.target_text)
    candidates = fix_candidates(report.findings, _EVERY, code_ranges(document))
    index = {id(f): i for i, f in enumerate(report.findings)}
    offered = {index[id(f)]: number for number, f in enumerate(candidates)}
    refused = {i: "its fix would edit code: qa fix never does" for i in fixable if i not in offered}
    fixes = _fix_data(candidates, raw, report.target)
    payload = {"name": fixed_path(Path(report.target)).name, "bom": bool(bom), "text": raw, "fixes": fixes}
    return Workbench(offered, refused, script_json(payload))


def _fix_data(candidates: list[Finding], raw: str, name: str) -> list[list[list[int | str]]]:
    """Per fix, each edit as [line, column, end_line, end_column, start, end, content]: the
    positions the overlap rule compares, then the UTF-16 offsets the splice uses."""
    edits = [e for finding in candidates for e in finding.fix.edits]
    offsets = iter(edit_offsets(raw, edits, name))  # one call: it splits the text into lines
    utf16 = _Utf16(raw)
    fixes = []
    for finding in candidates:
        fix = []
        for e, (start, end, content) in zip(finding.fix.edits, offsets, strict=False):
            fix.append([e.line, e.column, e.end_line, e.end_column, utf16(start), utf16(end), content])
        fixes.append(fix)
    return fixes


class _Utf16:
    """Code-point offset -> UTF-16 offset in one text: one more for each astral character before."""

    def __init__(self, text: str) -> None:
        self.astral = [i for i, char in enumerate(text) if ord(char) > 0xFFFF]

    def __call__(self, offset: int) -> int:
        return offset + bisect.bisect_left(self.astral, offset)


def script_json(value: object) -> str:
    """JSON safe inside <script type="application/json">: no `<` that could close it. The
    text's \\r survive as escapes, where HTML parsing would have turned them into \\n."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
