"""Report -> a Markdown checklist a translator works through: the findings grouped by rule and
term, then paragraph by paragraph, each with the clause around it and the wrong text in bold,
the ones `qa fix` applies marked, and paths as seen from where `qa` ran."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from qa.fix import fixed_path
from qa.model import Applicability, Finding, Pair, Report, Severity
from qa.report.clause import Clause, clause, display_path, fix_counts, fix_kind, groups, relative_paths

_ICON = {Severity.ERROR: "❌ error", Severity.WARNING: "⚠️ warning", Severity.INFO: "ℹ️ info"}
_FIX_MARK = {Applicability.SAFE: " [*]", Applicability.UNSAFE: " [unsafe fix]"}
_EXCERPT = 400
_BAR_CELLS = 20
_MARKDOWN_SPECIAL = "\\`*_[]<>|~&#"
_SPACES = re.compile(r"\s+")


def render(report: Report) -> str:
    target = display_path(report.target)
    out: list[str] = [f"# Translation review: `{target}`", ""]
    out += _summary(report)
    out += _notes(report)
    out += _groups(report)
    by_pair: dict[int | None, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_pair[finding.pair].append(finding)
    lines = report.target_text.split("\n")
    if report.pairs:
        out += _pairs_with_findings(report, by_pair, lines)
        out += _alignment_table(report, by_pair)
    else:
        out += _findings_by_line(by_pair.get(None, []), lines)
    out += _reference(report)
    out += _signature(report)
    return "\n".join(out).rstrip() + "\n"


def _threshold(report: Report) -> float | None:
    return dict(report.signature.thresholds).get("drift_high")


def _summary(report: Report) -> list[str]:
    mean = report.drift_mean
    safe, unsafe = fix_counts(report)
    rows = [
        ("English source", f"`{display_path(report.source)}`" if report.source else "none"),
        ("Errors", str(report.count(Severity.ERROR))),
        ("Warnings", str(report.count(Severity.WARNING))),
        ("Info", str(report.count(Severity.INFO))),
        ("Aligned pairs", str(len(report.pairs))),
        ("Mean drift", "not scored" if mean is None else f"{mean:.2f}"),
        ("Fixable", f"{safe} by `qa fix` [*], {unsafe} more with `--unsafe-fixes`"),
    ]
    lines = ["## Summary", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines.append("")
    if safe or unsafe:
        target = display_path(report.target)
        lines += [
            f"`qa fix {target}` applies the {safe} fixes marked [*] and writes `{_fixed_name(target)}`; "
            f"`qa fix --unsafe-fixes {target}` also the {unsafe} marked [unsafe fix].",
            "",
        ]
    return lines


def _fixed_name(target: str) -> str:
    return str(fixed_path(Path(target)))


def _notes(report: Report) -> list[str]:
    # A blank line between notes: consecutive `>` lines would render as one paragraph.
    lines: list[str] = []
    for note in report.notes:
        lines += ["> **Note:** " + relative_paths(note), ""]
    return lines


def _groups(report: Report) -> list[str]:
    """`glossary/forbidden-term`: `自我关注` → **自注意力** ×6 [*]: L43, L45."""
    if not report.findings:
        return []
    lines = ["## Findings by rule and term", ""]
    totals = Counter(f.rule for f in report.findings)
    rule = None
    for group in groups(report.findings):
        if group.rule != rule:
            rule = group.rule
            lines += ([""] if len(lines) > 2 else []) + [f"**`{rule}`** ({totals[rule]})", ""]
        what = f"{_code(group.text)} " if group.text else ""
        if group.suggestion:
            what += f"→ **{_escape(group.suggestion)}** "
        kinds = {fix_kind(f) for f in group.findings}
        marks = "".join(_FIX_MARK[k] for k in (Applicability.SAFE, Applicability.UNSAFE) if k in kinds)
        where = ", ".join(f"L{line}" for line in group.lines)
        lines.append(f"- {_ICON[group.worst]} {what}×{len(group.findings)}{marks}: {where}")
    return [*lines, ""]


def _pairs_with_findings(report: Report, by_pair: dict[int | None, list[Finding]], text: list[str]) -> list[str]:
    drift = {s.pair: s.drift for s in report.scores}
    lines = ["## Findings by paragraph", ""]
    flagged = [pair for pair in report.pairs if by_pair.get(pair.id)]
    if not flagged:
        lines += ["No findings.", ""]
    for pair in flagged:
        lines += [f"### {_pair_title(report, pair, drift.get(pair.id))}", ""]
        lines += ["| English | 中文 |", "|---|---|"]
        lines += [f"| {_cell(_side(pair.source))} | {_cell(_side(pair.target))} |", ""]
        for finding in by_pair[pair.id]:
            lines += _finding_lines(finding, text)
        lines.append("")
    known = {pair.id for pair in report.pairs}
    loose = [f for pair, found in by_pair.items() if pair not in known for f in found]
    if loose:
        lines += ["### Not in any paragraph", ""]
        for finding in loose:
            lines += _finding_lines(finding, text)
        lines.append("")
    return lines


def _pair_title(report: Report, pair: Pair, drift: float | None) -> str:
    parts = [f"Pair {pair.id} ({pair.type.value})"]
    if pair.source_lines:
        parts.append(f"en {_lines(pair.source_lines)}")
    if pair.target_lines:
        parts.append(f"zh {_lines(pair.target_lines)}")
    if drift is not None:
        parts.append(f"drift {_drift(drift, _threshold(report))}")
    return " · ".join(parts)


def _alignment_table(report: Report, by_pair: dict[int | None, list[Finding]]) -> list[str]:
    """The pairs with findings; the others folded away, for whoever checks the alignment."""
    drift = {s.pair: s.drift for s in report.scores}
    threshold = _threshold(report)
    head = ["| Pair | Type | English lines | Chinese lines | Drift |", "|---|---|---|---|---|"]

    def row(pair: Pair) -> str:
        value = drift.get(pair.id)
        shown = "–" if value is None else _drift(value, threshold)
        return (
            f"| {pair.id} | {pair.type.value} | {_lines(pair.source_lines)} | {_lines(pair.target_lines)} | {shown} |"
        )

    flagged = [row(p) for p in report.pairs if by_pair.get(p.id)]
    clean = [row(p) for p in report.pairs if not by_pair.get(p.id)]
    lines = ["## Alignment", ""]
    if flagged:
        lines += ["Pairs with findings:", "", *head, *flagged, ""]
    if clean:
        lines += [
            f"<details><summary>{len(clean)} pairs without findings</summary>",
            "",
            *head,
            *clean,
            "",
            "</details>",
        ]
    return [*lines, ""]


def _findings_by_line(findings: list[Finding], text: list[str]) -> list[str]:
    lines = ["## Findings", ""]
    if not findings:
        return [*lines, "No findings.", ""]
    for finding in findings:
        lines += _finding_lines(finding, text)
    return [*lines, ""]


def _finding_lines(finding: Finding, text: list[str]) -> list[str]:
    """The finding, then (nested in its list item) the clause around it, the wrong text in bold."""
    where = f"L{finding.line}:{finding.column}"
    fix = f" → **{_escape(finding.suggestion)}**" if finding.suggestion else ""
    quoted = f" {_code(finding.text)}" if finding.text and len(finding.text) <= 40 else ""
    mark = _FIX_MARK.get(fix_kind(finding), "")
    head = f"- {_ICON[finding.severity]} `{finding.rule}` {where}{mark}{quoted}{fix}: {relative_paths(finding.message)}"
    found = clause(text, finding)
    return [head] if found is None else [head, f"  > {_clause(found)}"]


def _clause(found: Clause) -> str:
    term = _escape(found.term)
    # `**` next to punctuation does not open or close emphasis in CommonMark: <b> always does.
    punctuated = any(unicodedata.category(c)[0] in "PSZ" for c in (found.term[0], found.term[-1]))
    bold = f"<b>{term}</b>" if punctuated else f"**{term}**"
    return f"{_escape(found.before)}{bold}{_escape(found.after)}"


def _code(text: str) -> str:
    """`text` as a code span; escaped plain text when it holds a backtick itself."""
    return _escape(text) if "`" in text else f"`{text}`"


def _escape(text: str) -> str:
    """Text shown as is, not read as Markdown or HTML."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in _SPACES.sub(" ", text))


def _signature(report: Report) -> list[str]:
    sig = report.signature
    lines = ["## Signature", "", f"- qa {sig.qa_version}", f"- model: {sig.model or 'none (drift not scored)'}"]
    lines += [f"- glossary `{display_path(sig.glossary_label(path))}` {digest}" for path, digest in sig.glossaries]
    lines += [f"- threshold {name}: {value}" for name, value in sig.thresholds]
    if sig.calibration:
        lines.append(f"- drift calibration: {sig.calibration}")
    return [*lines, ""]


_WORST_PAIRS = 5


def _reference(report: Report) -> list[str]:
    """Scores against a human reference, and the pairs furthest from it."""
    reference = report.reference
    if reference is None:
        return []
    lines = [
        "## Reference translation",
        "",
        f"Against `{display_path(reference.path)}` over {reference.pairs} aligned pairs: "
        f"**chrF {reference.chrf:.1f}**, **BLEU {reference.bleu:.1f}**.",
        "",
    ]
    scored = sorted((s for s in report.scores if s.chrf is not None), key=lambda s: (s.chrf, s.pair))
    pairs = {pair.id: pair for pair in report.pairs}
    if scored:
        lines += ["| Pair | Chinese lines | chrF | BLEU |", "|---|---|---|---|"]
        for score in scored[:_WORST_PAIRS]:
            lines.append(
                f"| {score.pair} | {_lines(pairs[score.pair].target_lines)} | {score.chrf:.1f} | {score.bleu:.1f} |"
            )
        lines.append("")
    lines += [f"- {name}: `{signature}`" for name, signature in reference.signatures]
    return [*lines, ""]


def _side(segments: tuple) -> str:
    if not segments:
        return "*(missing)*"
    return "\n".join(s.raw for s in segments)


def _cell(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) > _EXCERPT:
        flat = flat[: _EXCERPT - 1] + "…"
    return flat.replace("|", "\\|")


def _lines(span: tuple[int, int] | None) -> str:
    if span is None:
        return "–"
    start, end = span
    return f"L{start}" if start == end else f"L{start}–{end}"


def _drift(value: float, threshold: float | None) -> str:
    """`0.44 ▮▮▮▮▮▮▮▮┃▮▯▯▯▯▯▯▯▯▯▯ above 0.40`: a cell per 0.05, the threshold a bar."""
    filled = min(_BAR_CELLS, max(0, round(value * _BAR_CELLS)))
    cells = ["▮"] * filled + ["▯"] * (_BAR_CELLS - filled)
    if threshold is None:
        return f"{value:.2f} {''.join(cells)}"
    cells.insert(min(_BAR_CELLS, max(0, round(threshold * _BAR_CELLS))), "┃")
    side = "**above**" if value > threshold else "below"
    return f"{value:.2f} {''.join(cells)} {side} {threshold:.2f}"
