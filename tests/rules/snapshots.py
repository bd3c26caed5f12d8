"""Fixture-based snapshot tests for the consistency rules, in Ruff's style.

Each rule has `fixtures/<family>/<rule>.zh.md` (and `.en.md` for rules that compare with the
English). The files are cut into cases by HTML comments on their own line, `<!-- ok -->` or
`<!-- bad -->`, identical in both languages so the blocks pair one to one. Running the rule
gives findings that are rendered one per line and compared with `<rule>.snap`; and, whatever
the snapshot says, every finding must fall in a `bad` case, every `bad` case must have one,
and every finding's text must be exactly the characters at its position.

`QA_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules` rewrites the .snap files; review the
diff before committing it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from qa.align.pairs import align
from qa.model import Alignment, Document, Finding, Pair
from qa.rules.rule import Rule
from tests.conftest import doc

FIXTURES = Path(__file__).parent / "fixtures"
_CASE = re.compile(r"^<!-- (ok|bad) -->$")


def paired(english: Document, chinese: Document) -> Alignment:
    """One to one by position when the block counts agree (so a fixture tests the rule, not the
    aligner); the real aligner otherwise (fixtures where the MT merged or split blocks)."""
    if len(english.segments) != len(chinese.segments):
        return align(english, chinese)
    pairs = tuple(
        Pair(id=i, source=(s,), target=(t,), similarity=1.0)
        for i, (s, t) in enumerate(zip(english.segments, chinese.segments, strict=True))
    )
    return Alignment(source=english, target=chinese, pairs=pairs)


def load(rule: Rule) -> tuple[Document | None, Document]:
    family, name = rule.id.split("/")
    base = FIXTURES / family / name
    chinese = doc(base.with_suffix(".zh.md").read_text(encoding="utf-8"), f"{name}.zh.md")
    english_path = base.with_suffix(".en.md")
    english = doc(english_path.read_text(encoding="utf-8"), f"{name}.en.md") if english_path.exists() else None
    return english, chinese


def fixture_and_cases(rule: Rule, cases: list[tuple[str, str]]) -> list[Alignment]:
    """The rule's fixture pair and one (English, Chinese) pair per case, aligned: the inputs on
    which a check's fast path is held to its slow path."""
    english, chinese = load(rule)
    assert english is not None, f"{rule.id} has no English fixture"
    return [paired(english, chinese)] + [paired(doc(en + "\n"), doc(zh + "\n")) for en, zh in cases]


def render(findings: list[Finding]) -> str:
    lines = []
    for f in sorted(findings, key=lambda f: (f.line, f.column, f.rule)):
        fix = f" -> {f.suggestion!r}" if f.suggestion is not None else ""
        lines.append(f"{f.file}:{f.line}:{f.column}-{f.end_line}:{f.end_column}: {f.severity.label} [{f.rule}]")
        lines.append(f"    {f.text!r}{fix}: {f.message}")
    return "\n".join(lines) + "\n"


def cases(text: str) -> list[tuple[str, int, int]]:
    """(ok|bad, first line, last line) of each case, 1-based inclusive."""
    lines = text.split("\n")
    marks = [(i + 1, m.group(1)) for i, line in enumerate(lines) if (m := _CASE.match(line))]
    return [
        (kind, start, (marks[k + 1][0] - 1) if k + 1 < len(marks) else len(lines))
        for k, (start, kind) in enumerate(marks)
    ]


def assert_snapshot(rule: Rule, run: Callable[[Document | None, Document], list[Finding]]) -> list[Finding]:
    english, chinese = load(rule)
    findings = [f for f in run(english, chinese) if f.rule == rule.id]
    _assert_exact_positions(chinese, findings)
    _assert_cases(rule, chinese, findings)
    family, name = rule.id.split("/")
    snapshot = FIXTURES / family / f"{name}.snap"
    rendered = render(findings)
    if os.environ.get("QA_UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot {snapshot}: run with QA_UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == snapshot.read_text(encoding="utf-8")
    return findings


def _assert_exact_positions(chinese: Document, findings: list[Finding]) -> None:
    lines = chinese.text.split("\n")
    for f in findings:
        if f.line == f.end_line:
            at = lines[f.line - 1][f.column - 1 : f.end_column - 1]
        else:
            at = "\n".join(
                [
                    lines[f.line - 1][f.column - 1 :],
                    *lines[f.line : f.end_line - 1],
                    lines[f.end_line - 1][: f.end_column - 1],
                ]
            )
        assert at == f.text, f"{f.rule} at {f.line}:{f.column}: {at!r} != {f.text!r}"


def _assert_cases(rule: Rule, chinese: Document, findings: list[Finding]) -> None:
    found = cases(chinese.text)
    assert any(kind == "ok" for kind, _, _ in found), f"{rule.id}: the fixture needs an ok case"
    assert any(kind == "bad" for kind, _, _ in found), f"{rule.id}: the fixture needs a bad case"
    for kind, start, end in found:
        inside = [f for f in findings if start <= f.line <= end]
        if kind == "ok":
            assert not inside, f"{rule.id}: false positive in the ok case at line {start}: {render(inside)}"
        else:
            assert inside, f"{rule.id}: nothing found in the bad case at line {start}"
    outside = [f for f in findings if not any(start <= f.line <= end for _, start, end in found)]
    assert not outside, f"{rule.id}: findings outside any case: {render(outside)}"
