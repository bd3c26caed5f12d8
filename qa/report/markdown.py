"""Report -> a Markdown review a translator works through, pair by pair."""

from __future__ import annotations

from collections import defaultdict

from qa.model import Finding, Pair, Report, Severity

_ICON = {Severity.ERROR: "❌ error", Severity.WARNING: "⚠️ warning", Severity.INFO: "ℹ️ info"}
_EXCERPT = 400


def render(report: Report) -> str:
    out: list[str] = [f"# Translation review: `{report.target}`", ""]
    out += _summary(report)
    out += _notes(report)
    by_pair: dict[int | None, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_pair[finding.pair].append(finding)
    if report.pairs:
        out += _pairs_with_findings(report, by_pair)
        out += _alignment_table(report)
    else:
        out += _findings_by_line(by_pair.get(None, []))
    out += _reference(report)
    out += _signature(report)
    return "\n".join(out).rstrip() + "\n"


def _summary(report: Report) -> list[str]:
    mean = report.drift_mean
    rows = [
        ("English source", f"`{report.source}`" if report.source else "none"),
        ("Errors", str(report.count(Severity.ERROR))),
        ("Warnings", str(report.count(Severity.WARNING))),
        ("Info", str(report.count(Severity.INFO))),
        ("Aligned pairs", str(len(report.pairs))),
        ("Mean drift", "not scored" if mean is None else f"{mean:.2f}"),
    ]
    lines = ["## Summary", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    by_rule: dict[str, int] = defaultdict(int)
    for finding in report.findings:
        by_rule[finding.rule] += 1
    if by_rule:
        lines += ["", "| Rule | Findings |", "|---|---|"]
        lines += [f"| `{rule}` | {count} |" for rule, count in sorted(by_rule.items())]
    return [*lines, ""]


def _notes(report: Report) -> list[str]:
    if not report.notes:
        return []
    return ["> **Note:** " + note for note in report.notes] + [""]


def _pairs_with_findings(report: Report, by_pair: dict[int | None, list[Finding]]) -> list[str]:
    drift = {s.pair: s.drift for s in report.scores}
    lines = ["## Findings by paragraph", ""]
    flagged = [pair for pair in report.pairs if by_pair.get(pair.id)]
    if not flagged:
        lines += ["No findings.", ""]
    for pair in flagged:
        lines += [f"### {_pair_title(report, pair, drift.get(pair.id))}", ""]
        lines += ["| English | 中文 |", "|---|---|"]
        lines += [f"| {_cell(_side(pair.source))} | {_cell(_side(pair.target))} |", ""]
        lines += [_finding_line(f) for f in by_pair[pair.id]] + [""]
    return lines


def _pair_title(report: Report, pair: Pair, drift: float | None) -> str:
    parts = [f"Pair {pair.id} ({pair.type.value})"]
    if pair.source_lines:
        parts.append(f"en {_lines(pair.source_lines)}")
    if pair.target_lines:
        parts.append(f"zh {_lines(pair.target_lines)}")
    if drift is not None:
        parts.append(f"drift {drift:.2f} {_bar(drift)}")
    return " · ".join(parts)


def _alignment_table(report: Report) -> list[str]:
    drift = {s.pair: s.drift for s in report.scores}
    lines = ["## Alignment", "", "| Pair | Type | English lines | Chinese lines | Drift |", "|---|---|---|---|---|"]
    for pair in report.pairs:
        value = drift.get(pair.id)
        shown = "–" if value is None else f"{value:.2f} {_bar(value)}"
        lines.append(
            f"| {pair.id} | {pair.type.value} | {_lines(pair.source_lines)} | {_lines(pair.target_lines)} | {shown} |"
        )
    return [*lines, ""]


def _findings_by_line(findings: list[Finding]) -> list[str]:
    lines = ["## Findings", ""]
    if not findings:
        return [*lines, "No findings.", ""]
    return lines + [_finding_line(f) for f in findings] + [""]


def _finding_line(finding: Finding) -> str:
    where = f"L{finding.line}:{finding.column}"
    fix = f" → **{finding.suggestion}**" if finding.suggestion else ""
    quoted = f" `{finding.text}`" if finding.text and len(finding.text) <= 40 else ""
    return f"- {_ICON[finding.severity]} `{finding.rule}` {where}{quoted}{fix}: {finding.message}"


def _signature(report: Report) -> list[str]:
    sig = report.signature
    lines = ["## Signature", "", f"- qa {sig.qa_version}", f"- model: {sig.model or 'none (drift not scored)'}"]
    lines += [f"- glossary `{sig.glossary_label(path)}` {digest}" for path, digest in sig.glossaries]
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
        f"Against `{reference.path}` over {reference.pairs} aligned pairs: "
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


def _bar(value: float) -> str:
    filled = min(5, max(0, round(value * 5)))
    return "▮" * filled + "▯" * (5 - filled)
