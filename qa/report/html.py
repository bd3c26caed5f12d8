"""Report -> one self-contained HTML page: the aligned document side by side, findings
highlighted in place, filters by rule and severity, and a drift plot (inline SVG).

Everything from the documents is escaped; the page loads nothing (a Content-Security-Policy
forbids it) and runs only its own inline script.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from qa.model import Finding, Pair, Report, Segment, Severity, counted

# Findings about a whole block (it drifted, it has no counterpart) mark the block, not a span.
BLOCK_LEVEL_FAMILIES = ("alignment/", "drift/", "language/")

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

_STYLE = """
body{font:15px/1.55 system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{padding:16px 24px;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0;z-index:2}
h1{font-size:18px;margin:0 0 6px}
.summary span{margin-right:16px}.sev-error{color:#b3261e}.sev-warning{color:#8a5a00}.sev-info{color:#245}
.filters{margin-top:8px;font-size:13px}.filters label{margin-right:12px;white-space:nowrap}
main{padding:16px 24px}
.pair{display:grid;grid-template-columns:3.5em 1fr 1fr;gap:0 12px;background:#fff;border:1px solid #e3e3e3;
 border-radius:6px;margin:0 0 8px;padding:8px}
.pair.clean{opacity:.75}.pair.flag-warning{border-left:4px solid #e0a800}
.pair.flag-error{border-left:4px solid #b3261e}.pair .meta{font-size:12px;color:#666}
.side{white-space:pre-wrap;word-break:break-word;font-size:14px}.side.missing{color:#999;font-style:italic}
.lines{font-size:11px;color:#888;display:block}
mark.finding{border-radius:3px;padding:0 1px;cursor:help}
mark.sev-error{background:#ffd6d2}mark.sev-warning{background:#fff0b8}mark.sev-info{background:#dbe9ff}
mark.filtered{background:none}
ul.findings{grid-column:2 / span 2;margin:6px 0 0;padding-left:18px;font-size:13px}
ul.findings li.filtered{display:none}
.drift{font-size:12px;color:#555}
svg{background:#fff;border:1px solid #e3e3e3;border-radius:6px}
footer{padding:8px 24px 24px;font-size:12px;color:#666}
"""

_SCRIPT = """
(function(){
  var boxes=document.querySelectorAll('input[data-filter]');
  function apply(){
    var off={};
    boxes.forEach(function(b){ if(!b.checked){ off[b.value]=true; } });
    document.querySelectorAll('[data-rule]').forEach(function(el){
      var hide=off['rule:'+el.dataset.rule]||off['severity:'+el.dataset.severity];
      el.classList.toggle('filtered',!!hide);
    });
    var onlyFlagged=document.getElementById('only-flagged').checked;
    document.querySelectorAll('.pair').forEach(function(p){
      var visible=p.querySelectorAll('li[data-rule]:not(.filtered)').length>0;
      p.style.display=(onlyFlagged&&!visible)?'none':'';
    });
  }
  boxes.forEach(function(b){ b.addEventListener('change',apply); });
  document.getElementById('only-flagged').addEventListener('change',apply);
  apply();
})();
"""


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    findings: tuple[Finding, ...]


def render(report: Report) -> str:
    by_pair: dict[int | None, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_pair[finding.pair].append(finding)
    drift = {score.pair: score.drift for score in report.scores}
    body = [_header(report), "<main>"]
    if report.pairs:
        body.append(_drift_plot(report))
        body += [_pair(pair, by_pair.get(pair.id, []), drift.get(pair.id)) for pair in report.pairs]
    body += _unpaired(report, by_pair)
    body.append("</main>")
    body.append(_footer(report))
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>qa review: {escape(report.target)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}<script>{_SCRIPT}</script></body></html>\n"
    )


def _header(report: Report) -> str:
    rules = sorted({f.rule for f in report.findings})
    severities = [s for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if report.count(s)]
    mean = report.drift_mean
    summary = (
        f'<span class="sev-error">{counted(report.count(Severity.ERROR), "error")}</span>'
        f'<span class="sev-warning">{counted(report.count(Severity.WARNING), "warning")}</span>'
        f'<span class="sev-info">{counted(report.count(Severity.INFO), "info")}</span>'
        f"<span>{len(report.pairs)} aligned pairs</span>"
        f"<span>mean drift {'–' if mean is None else f'{mean:.2f}'}</span>"
        f"<span>source: {escape(report.source or 'none')}</span>"
    )
    boxes = [
        f'<label><input type="checkbox" checked data-filter value="severity:{s.label}"> {s.label}</label>'
        for s in severities
    ] + [
        f'<label><input type="checkbox" checked data-filter value="rule:{escape(rule)}"> {escape(rule)}</label>'
        for rule in rules
    ]
    notes = "".join(f"<div>Note: {escape(note)}</div>" for note in report.notes)
    return (
        f'<header><h1>Translation review: {escape(report.target)}</h1><div class="summary">{summary}</div>'
        f'<div class="filters">{"".join(boxes)}<label><input type="checkbox" id="only-flagged"> only paragraphs '
        f"with findings</label></div>{notes}</header>"
    )


def _pair(pair: Pair, findings: list[Finding], drift: float | None) -> str:
    drift_text = "" if drift is None else f'<span class="drift">drift {drift:.2f}</span>'
    meta = f'<div class="meta"><a href="#pair-{pair.id}">#{pair.id}</a><br>{pair.type.value}<br>{drift_text}</div>'
    english = _side(pair.source, [], lines=pair.source_lines, missing="(no English)")
    chinese = _side(pair.target, findings, lines=pair.target_lines, missing="(missing in the translation)")
    classes = ["pair"] if findings else ["pair", "clean"]
    classes += sorted({f"flag-{f.severity.label}" for f in findings if f.rule.startswith(BLOCK_LEVEL_FAMILIES)})
    return (
        f'<section class="{" ".join(classes)}" id="pair-{pair.id}">{meta}{english}{chinese}'
        f"{_finding_list(findings)}</section>"
    )


def _side(segments: tuple[Segment, ...], findings: list[Finding], *, lines, missing: str) -> str:
    if not segments:
        return f'<div class="side missing">{escape(missing)}</div>'
    label = f"L{lines[0]}" if lines[0] == lines[1] else f"L{lines[0]}–{lines[1]}"
    raw = "\n".join(s.raw for s in segments)
    marks = _marks(segments, findings)
    return f'<div class="side"><span class="lines">{label}</span>{_highlight(raw, marks)}</div>'


def _marks(segments: tuple[Segment, ...], findings: Iterable[Finding]) -> list[_Mark]:
    """Non-overlapping ranges of the joined raw text; findings on the same range share a mark."""
    offsets = _line_offsets(segments)
    ranges: dict[tuple[int, int], list[Finding]] = defaultdict(list)
    for finding in findings:
        if not finding.text or finding.rule.startswith(BLOCK_LEVEL_FAMILIES):
            continue
        start = offsets.get(finding.line)
        end = offsets.get(finding.end_line)
        if start is None or end is None:
            continue
        ranges[(start + finding.column - 1, end + finding.end_column - 1)].append(finding)
    marks: list[_Mark] = []
    for (start, end), group in sorted(ranges.items()):
        if marks and start < marks[-1].end:
            continue  # an overlapping finding stays in the list below the pair
        marks.append(_Mark(start, end, tuple(group)))
    return marks


def _line_offsets(segments: tuple[Segment, ...]) -> dict[int, int]:
    """File line -> offset of its first character in the segments' joined raw text."""
    offsets: dict[int, int] = {}
    position = 0
    for segment in segments:
        for number, line in enumerate(segment.raw.split("\n"), start=segment.start_line):
            offsets[number] = position
            position += len(line) + 1
    return offsets


def _highlight(raw: str, marks: list[_Mark]) -> str:
    out: list[str] = []
    position = 0
    for mark in marks:
        worst = max(mark.findings, key=lambda f: f.severity)
        title = "\n".join(f"[{f.rule}] {f.message}" for f in mark.findings)
        out.append(escape(raw[position : mark.start]))
        out.append(
            f'<mark class="finding sev-{worst.severity.label}" data-rule="{escape(worst.rule)}" '
            f'data-severity="{worst.severity.label}" title="{escape(title)}">'
            f"{escape(raw[mark.start : mark.end])}</mark>"
        )
        position = mark.end
    out.append(escape(raw[position:]))
    return "".join(out)


def _finding_list(findings: list[Finding]) -> str:
    if not findings:
        return ""
    items = []
    for f in findings:
        fix = f" → <b>{escape(f.suggestion)}</b>" if f.suggestion else ""
        items.append(
            f'<li data-rule="{escape(f.rule)}" data-severity="{f.severity.label}">'
            f'<span class="sev-{f.severity.label}">{f.severity.label}</span> <code>{escape(f.rule)}</code> '
            f"L{f.line}:{f.column}{fix} — {escape(f.message)}</li>"
        )
    return f'<ul class="findings">{"".join(items)}</ul>'


def _unpaired(report: Report, by_pair: dict[int | None, list[Finding]]) -> list[str]:
    """Without an English source: the Chinese document alone, findings highlighted in it."""
    findings = by_pair.get(None, [])
    if report.pairs or not (findings or report.target_text):
        return [_finding_list(findings)] if findings else []
    from qa.read.markdown import parse_document

    document = parse_document(report.target, report.target_text)
    by_line: dict[int, Segment] = {line: s for s in document.segments for line in range(s.start_line, s.end_line + 1)}
    grouped: dict[int, list[Finding]] = defaultdict(list)
    loose: list[Finding] = []
    for finding in findings:
        segment = by_line.get(finding.line)
        (grouped[segment.index] if segment else loose).append(finding)
    sections = []
    for segment in document.segments:
        own = grouped.get(segment.index, [])
        side = _side((segment,), own, lines=(segment.start_line, segment.end_line), missing="")
        flagged = "" if own else " clean"
        sections.append(
            f'<section class="pair{flagged}" id="block-{segment.index}"><div class="meta">'
            f'{segment.index}</div><div class="side missing">(no English source)</div>{side}'
            f"{_finding_list(own)}</section>"
        )
    if loose:
        sections.append(f'<section class="pair"><div class="meta"></div>{_finding_list(loose)}</section>')
    return sections


def _drift_plot(report: Report, width: int = 960, height: int = 120) -> str:
    scores = {score.pair: score.drift for score in report.scores}
    threshold = dict(report.signature.thresholds).get("drift_high")
    count = max(len(report.pairs), 1)
    step = width / count
    bars = []
    for index, pair in enumerate(report.pairs):
        value = scores.get(pair.id)
        if value is None:
            continue
        bar = min(max(value, 0.0), 1.0) * (height - 20)
        over = threshold is not None and value > threshold
        bars.append(
            f'<a href="#pair-{pair.id}"><rect x="{index * step:.1f}" y="{height - 10 - bar:.1f}" '
            f'width="{max(step - 1, 1):.1f}" height="{bar:.1f}" fill="{"#d9534f" if over else "#7a9cc6"}">'
            f"<title>pair {pair.id}: drift {value:.2f}</title></rect></a>"
        )
    line = ""
    if threshold is not None:
        y = height - 10 - min(threshold, 1.0) * (height - 20)
        line = (
            f'<line x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b3261e" stroke-dasharray="4 3"/>'
            f'<text x="4" y="{y - 3:.1f}" font-size="10" fill="#b3261e">drift/high {threshold:.2f}</text>'
        )
    return (
        f'<svg role="img" aria-label="drift per aligned pair" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>Drift per aligned pair, in document order</title>{''.join(bars)}{line}</svg>"
    )


def _footer(report: Report) -> str:
    sig = report.signature
    glossaries = ", ".join(
        f"{escape(sig.glossary_label(path))} ({escape(digest[:19])}…)" for path, digest in sig.glossaries
    )
    thresholds = ", ".join(f"{escape(name)} {value}" for name, value in sig.thresholds)
    return (
        f"<footer>qa {escape(sig.qa_version)} · model {escape(sig.model or 'none')} · glossaries {glossaries}"
        f"{' · thresholds ' + thresholds if thresholds else ''}</footer>"
    )
