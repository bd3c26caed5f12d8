"""What the terminal shows: a check's findings and summary lines, and the side-by-side table
of an alignment (`qa align`, drawn with rich, imported only there)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from qa.model import Alignment, Applicability, PairScore, PairType, Report

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

_EXCERPT = 60
_TYPE_STYLE = {PairType.ONE_ZERO: "bold red", PairType.ZERO_ONE: "bold yellow"}


def alignment_table(alignment: Alignment, scores: Sequence[PairScore]) -> Table:
    drift = {s.pair: s.drift for s in scores}
    from rich.table import Table

    table = Table(title=f"{alignment.source.path} ↔ {alignment.target.path}", show_lines=False)
    for name, justify in (
        ("#", "right"),
        ("type", "center"),
        ("en lines", "right"),
        ("English", "left"),
        ("zh lines", "right"),
        ("中文", "left"),
        ("sim", "right"),
        ("drift", "right"),
    ):
        table.add_column(name, justify=justify, overflow="ellipsis", no_wrap=name not in ("English", "中文"))
    for pair in alignment.pairs:
        value = drift.get(pair.id)
        table.add_row(
            str(pair.id),
            pair.type.value,
            _lines(pair.source_lines),
            _excerpt(pair.source_text or " ".join(s.raw for s in pair.source)),
            _lines(pair.target_lines),
            _excerpt(pair.target_text or " ".join(s.raw for s in pair.target)),
            "" if pair.similarity is None else f"{pair.similarity:.2f}",
            "" if value is None else f"{value:.2f}",
            style=_TYPE_STYLE.get(pair.type),
        )
    return table


def print_alignment(alignment: Alignment, scores: Sequence[PairScore], console: Console | None = None) -> None:
    from rich.console import Console

    (console or Console()).print(alignment_table(alignment, scores))


def _lines(span: tuple[int, int] | None) -> str:
    if span is None:
        return "–"
    start, end = span
    return str(start) if start == end else f"{start}–{end}"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1] + "…"


def finding_lines(report: Report) -> list[str]:
    """One line per finding (`file:line:col: severity [rule] message`), Ruff's `[*]` before the
    message of a finding `qa fix` would fix, and a count of the fixable ones."""
    lines = []
    safe = unsafe = 0
    for finding in report.findings:
        fixable = finding.fix is not None and finding.fix.applicability is Applicability.SAFE
        safe += fixable
        unsafe += finding.fix is not None and not fixable
        lines.append(
            f"{finding.file}:{finding.line}:{finding.column}: "
            f"{finding.severity.label} [{finding.rule}] {'[*] ' if fixable else ''}{finding.message}"
        )
    if safe or unsafe:
        more = f" ({unsafe} more with `qa fix --unsafe-fixes`)" if unsafe else ""
        lines.append(f"[*] {safe} fixable with `qa fix {report.target}`{more}")
    return lines


def summary_line(report: Report, written: str) -> str:
    """`file: 1 error, …; N aligned pairs; mean drift D; report: PATH` (no path when printed)."""
    mean = report.drift_mean
    drift = "drift not scored" if mean is None else f"mean drift {mean:.2f}"
    pairs = f"{len(report.pairs)} aligned pairs" if report.source else "no English source"
    return f"{report.target}: {report.counts()}; {pairs}; {drift}" + ("" if written == "-" else f"; report: {written}")


def shared_note_lines(reports: Sequence[Report]) -> list[str]:
    """A note many files share is said once, with how many; the rest stay in each report."""
    shared = Counter(note for report in reports for note in dict.fromkeys(report.notes))
    lines = [
        f"note: {note}" + (f" ({files} files)" if files > 1 else "")
        for note, files in shared.items()
        if files > 1 or len(reports) == 1
    ]
    own = sum(1 for report in reports for note in report.notes if shared[note] == 1)
    if own and len(reports) > 1:
        lines.append(f"note: {own} more notes, one file each: in the reports (--output-format full)")
    return lines
