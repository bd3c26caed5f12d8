"""Report -> one self-contained HTML page a translator works through: the document rendered
side by side (one column without English), findings highlighted in place, the paragraphs with
findings first, a drift plot, the findings grouped by rule and term, and a fix workbench that
writes the corrected file in the browser (qa/report/workbench.py).

Everything from the documents is escaped; markdown-it renders them with raw HTML off
(qa/report/rendered.py). The page loads nothing (a Content-Security-Policy forbids it) and
runs only its own inline script.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from qa.model import Applicability, Document, Finding, Pair, PairType, Report, Segment, Severity, counted
from qa.read.markdown import parse_document
from qa.report.clause import display_path, fix_kind, groups, relative_paths
from qa.report.rendered import Highlight, render_segments
from qa.report.workbench import Unavailable, Workbench, workbench

# Findings about a whole block (it drifted, it has no counterpart) mark the block, not a span.
BLOCK_LEVEL_FAMILIES = ("alignment/", "drift/", "language/")

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

# Chinese needs a CJK font; the stack names the common ones per system before the generic.
_FONTS = (
    'system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei",'
    '"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif'
)

_STYLE = """
[hidden]{display:none !important}
body{font:15px/1.6 FONTS;margin:0;color:#1d1d1f;background:#f6f6f4}
header{padding:12px 24px;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0;z-index:2}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:0 0 6px}
.summary span{margin-right:14px}.sev-error{color:#b3261e}.sev-warning{color:#8a5a00}.sev-info{color:#245}
.controls{margin-top:6px;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 18px;align-items:center}
.controls label{white-space:nowrap;margin-right:8px}#shown{color:#666}
.fixbar{margin-top:6px;font-size:13px}.fixbar button{font:inherit;margin-left:8px}
.font-note,.note{margin-top:6px;font-size:13px;background:#fff4d6;border:1px solid #e0c060;border-radius:4px;
 padding:4px 8px}
main{padding:16px 24px;max-width:1400px}
.note{margin:0 0 8px}.overview{display:grid;grid-template-columns:minmax(0,1fr);gap:12px;margin-bottom:16px}
.groups{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:8px 12px;font-size:13px}
.groups ul{margin:2px 0 6px;padding-left:18px}.groups a{color:inherit}
.pair{display:grid;grid-template-columns:4.5em minmax(0,1fr) minmax(0,1fr);gap:0 16px;background:#fff;
 border:1px solid #e3e3e3;border-left:5px solid #e3e3e3;border-radius:6px;margin:0 0 8px;padding:8px}
body.solo .pair{grid-template-columns:4.5em minmax(0,1fr)}
.pair.flag-info{border-left-color:#7a9cc6}.pair.flag-warning{border-left-color:#e0a800}
.pair.flag-error{border-left-color:#b3261e}.pair.flash{outline:3px solid #7a9cc6}
.meta{font-size:12px;color:#666}.meta a{color:inherit;font-weight:600}.meta .over{color:#b3261e;font-weight:600}
.side{word-break:break-word;font-size:14px;min-width:0}.side.missing{color:#999;font-style:italic}
.side p,.side ul,.side ol,.side h1,.side h2,.side h3,.side h4,.side h5,.side h6,.side blockquote,.side pre,
.side table{margin:0 0 4px}.side h1,.side h2,.side h3,.side h4{font-size:15px}
.side pre{white-space:pre-wrap;background:#f3f3f3;padding:4px}
.side blockquote{border-left:3px solid #ddd;padding-left:8px;color:#555}
.side a{color:#1a4d8f}.side .img{color:#666;font-size:13px}
.lines{font-size:11px;color:#888;display:block}
mark.finding{border-radius:3px;padding:0 1px;cursor:help}
mark.sev-error{background:#ffd6d2}mark.sev-warning{background:#fff0b8}mark.sev-info{background:#dbe9ff}
mark.filtered{background:none}
ul.findings{grid-column:2 / -1;margin:6px 0 0;padding-left:18px;font-size:13px}
ul.findings li.filtered{display:none}
.accept{margin-left:6px;background:#eef5ee;border-radius:3px;padding:0 4px}ul.findings li{overflow-wrap:anywhere}
.kind{font-size:11px;color:#666}li.skipped .accept{background:#f3e0e0}
.skipnote{display:none;color:#b3261e;font-size:12px}
li.skipped .skipnote{display:inline}
.plot{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:4px}
.plot svg{max-width:100%;height:auto;display:block}.plot a{cursor:pointer}.plot a:hover .bar{opacity:.7}
footer{padding:8px 24px 24px;font-size:12px;color:#666}
""".replace("FONTS", _FONTS)

_FONT_NOTE = (
    "Chinese characters show as boxes: this system has no CJK font. Install one, e.g. Noto Sans "
    "CJK SC (Debian/Ubuntu: apt install fonts-noto-cjk; Fedora: google-noto-sans-cjk-fonts), "
    "Source Han Sans SC or WenQuanYi Micro Hei; macOS and Windows have PingFang SC and Microsoft YaHei."
)

_SCRIPT = """
(function(){
  var boxes=[].slice.call(document.querySelectorAll('input[data-filter]'));
  var pairs=[].slice.call(document.querySelectorAll('section.pair'));
  var shown=document.getElementById('shown');
  function showAll(){ var v=document.querySelector('input[name=view]:checked'); return !!v&&v.value==='all'; }
  function apply(){
    var off={};
    boxes.forEach(function(b){ if(!b.checked){ off[b.value]=true; } });
    document.querySelectorAll('[data-rule]').forEach(function(el){
      el.classList.toggle('filtered',!!(off['rule:'+el.dataset.rule]||off['severity:'+el.dataset.severity]));
    });
    var all=showAll(), count=0;
    pairs.forEach(function(p){
      var visible=all||p.classList.contains('revealed')||p.querySelector('li[data-rule]:not(.filtered)')!==null;
      p.hidden=!visible; count+=visible?1:0;
    });
    if(shown){ shown.textContent=count+' of '+pairs.length+' shown'; }
  }
  boxes.forEach(function(b){ b.addEventListener('change',apply); });
  document.querySelectorAll('input[name=view]').forEach(function(r){
    r.addEventListener('change',function(){
      pairs.forEach(function(p){ p.classList.remove('revealed'); }); apply();
    });
  });
  // A jump (drift plot, summary, pair links) to a paragraph the view hides shows it first.
  function jump(id){
    var el=document.getElementById(id);
    if(!el){ return false; }
    if(el.hidden){ el.classList.add('revealed'); apply(); }
    el.scrollIntoView({block:'center'});
    el.classList.add('flash');
    setTimeout(function(){ el.classList.remove('flash'); },1500);
    return true;
  }
  document.addEventListener('click',function(e){
    var a=e.target.closest&&e.target.closest('a');
    var href=a&&a.getAttribute('href');
    if(href&&href.charAt(0)==='#'&&jump(href.slice(1))){ e.preventDefault(); }
  });
  apply();
  if(location.hash){ jump(location.hash.slice(1)); }

  // Missing CJK glyphs all draw as the same box: two different characters drawing alike means
  // the font stack has none.
  function glyphsDiffer(a,b){
    var canvas=document.createElement('canvas'); canvas.width=canvas.height=48;
    var g=canvas.getContext('2d',{willReadFrequently:true});
    g.font='36px '+getComputedStyle(document.body).fontFamily; g.textBaseline='top';
    function draw(ch){ g.clearRect(0,0,48,48); g.fillText(ch,4,4); return g.getImageData(0,0,48,48).data.join(','); }
    return draw(a)!==draw(b);
  }
  window.qaGlyphsDiffer=glyphsDiffer;
  document.getElementById('font-note').hidden=glyphsDiffer('中','文');

  var data=document.getElementById('qa-fixes');
  if(!data){ return; }
  data=JSON.parse(data.textContent);
  var accepts=[];
  document.querySelectorAll('input[data-fix]').forEach(function(b){ accepts[+b.dataset.fix]=b; });
  function before(a,b){ return a[0]<b[0]||(a[0]===b[0]&&a[1]<b[1]); }
  // qa.fix._overlap on (line, column) positions: same start, or the ranges intersect.
  function overlap(a,b){
    var as=[a[0],a[1]],ae=[a[2],a[3]],bs=[b[0],b[1]],be=[b[2],b[3]];
    return (as[0]===bs[0]&&as[1]===bs[1])||(before(as,be)&&before(bs,ae));
  }
  // qa.fix.choose_fixes: in candidate order, a fix overlapping one taken before is skipped.
  function choose(){
    var taken=[],chosen=[];
    data.fixes.forEach(function(edits,k){
      var li=accepts[k].closest('li');
      var clash=accepts[k].checked&&edits.some(function(e){ return taken.some(function(t){ return overlap(e,t); }); });
      li.classList.toggle('skipped',clash);
      if(!accepts[k].checked||clash){ return; }
      chosen.push(k); taken=taken.concat(edits);
    });
    return chosen;
  }
  // qa.fix.apply_fixes: every edit of the chosen fixes, from the end of the text backwards.
  function fixedText(){
    var edits=[];
    choose().forEach(function(k){ edits=edits.concat(data.fixes[k]); });
    edits.sort(function(a,b){ return (b[4]-a[4])||(b[5]-a[5])||(b[6]>a[6]?1:b[6]<a[6]?-1:0); });
    var text=data.text;
    edits.forEach(function(e){ text=text.slice(0,e[4])+e[6]+text.slice(e[5]); });
    return text;
  }
  function update(){
    var chosen=choose();
    var ticked=accepts.filter(function(b){ return b.checked; }).length;
    document.getElementById('fix-accepted').textContent=ticked;
    document.getElementById('fix-skipped').textContent=ticked>chosen.length?
      ' ('+(ticked-chosen.length)+' overlap an earlier fix and are left out)':'';
  }
  accepts.forEach(function(b){ b.addEventListener('change',update); });
  function tick(which){
    accepts.forEach(function(b){ b.checked=which==='safe'?b.dataset.kind==='safe':false; }); update();
  }
  document.getElementById('fix-safe').addEventListener('click',function(){ tick('safe'); });
  document.getElementById('fix-none').addEventListener('click',function(){ tick('none'); });
  document.getElementById('fix-download').addEventListener('click',function(){
    var blob=new Blob([data.bom?'\\ufeff':'',fixedText()],{type:'text/markdown;charset=utf-8'});
    var a=document.createElement('a');
    a.href=URL.createObjectURL(blob); a.download=data.name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function(){ URL.revokeObjectURL(a.href); },10000);
  });
  update();
})();
"""


@dataclass(frozen=True)
class _Page:
    """What every part of the page looks up: the report, and where each finding is shown."""

    report: Report
    bench: Workbench | Unavailable
    anchors: dict[int, str]
    """Index of a finding -> id of the section that shows it."""
    drift: dict[int, float | None]
    threshold: float | None


@dataclass(frozen=True)
class _Block:
    """A section of the page: a pair, or (without English) one block of the Chinese."""

    anchor: str
    label: str
    source: tuple[Segment, ...] | None
    """None: there is no English at all (one column)."""
    target: tuple[Segment, ...]
    findings: tuple[int, ...]
    """Indices into report.findings."""
    pair: Pair | None = None


def render(report: Report) -> str:
    document = parse_document(report.target, report.target_text) if report.target_text else None
    blocks = _blocks(report, document)
    anchors = {index: block.anchor for block in blocks for index in block.findings}
    page = _Page(
        report=report,
        bench=workbench(report, document),
        anchors=anchors,
        drift={score.pair: score.drift for score in report.scores},
        threshold=dict(report.signature.thresholds).get("drift_high"),
    )
    notes = "".join(f'<div class="note">Note: {escape(relative_paths(note))}</div>' for note in report.notes)
    body = [_header(page), "<main>", notes, _overview(page), *(_section(page, block) for block in blocks), "</main>"]
    body.append(_footer(report))
    data = (
        f'<script type="application/json" id="qa-fixes">{page.bench.data}</script>'
        if isinstance(page.bench, Workbench)
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>qa review: {escape(display_path(report.target))}</title><style>{_STYLE}</style></head>"
        f'<body class="{"paired" if report.pairs else "solo"}">{"".join(body)}{data}<script>{_SCRIPT}</script>'
        "</body></html>\n"
    )


def _blocks(report: Report, document: Document | None) -> list[_Block]:
    """The sections in document order; findings no section holds go to a last one."""
    if report.pairs:
        by_pair: dict[int | None, list[int]] = defaultdict(list)
        for index, finding in enumerate(report.findings):
            by_pair[finding.pair].append(index)
        blocks = [
            _Block(f"pair-{p.id}", f"¶ {p.id}", p.source, p.target, tuple(by_pair.get(p.id, ())), p)
            for p in report.pairs
        ]
        known = {p.id for p in report.pairs}
        loose = tuple(i for pair, found in by_pair.items() if pair not in known for i in found)
    else:
        blocks, loose = _document_blocks(report, document)
    if loose:
        blocks.append(_Block("other-findings", "other", None if not report.pairs else (), (), loose))
    return blocks


def _document_blocks(report: Report, document: Document | None) -> tuple[list[_Block], tuple[int, ...]]:
    """Without an English source: the Chinese document alone, block by block."""
    if document is None:
        return [], tuple(range(len(report.findings)))
    by_line = {line: s.index for s in document.segments for line in range(s.start_line, s.end_line + 1)}
    grouped: dict[int, list[int]] = defaultdict(list)
    loose: list[int] = []
    for index, finding in enumerate(report.findings):
        segment = by_line.get(finding.line)
        (grouped[segment] if segment is not None else loose).append(index)
    blocks = [
        _Block(f"block-{s.index}", f"¶ {s.index}", None, (s,), tuple(grouped.get(s.index, ())))
        for s in document.segments
    ]
    return blocks, tuple(loose)


def _header(page: _Page) -> str:
    report = page.report
    rules = sorted({f.rule for f in report.findings})
    severities = [s for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if report.count(s)]
    mean = report.drift_mean
    english = escape(display_path(report.source)) if report.source else "none (the Chinese alone)"
    summary = (
        f'<span class="sev-error">{counted(report.count(Severity.ERROR), "error")}</span>'
        f'<span class="sev-warning">{counted(report.count(Severity.WARNING), "warning")}</span>'
        f'<span class="sev-info">{counted(report.count(Severity.INFO), "info")}</span>'
        + (f"<span>{len(report.pairs)} aligned paragraphs</span>" if report.pairs else "")
        + (f"<span>mean drift {mean:.2f}</span>" if mean is not None else "")
        + f"<span>English: {english}</span>"
    )
    view = (
        '<span><label><input type="radio" name="view" value="flagged" checked> paragraphs with findings</label>'
        '<label><input type="radio" name="view" value="all"> all paragraphs</label><span id="shown"></span></span>'
    )
    boxes = [
        f'<label><input type="checkbox" checked data-filter value="severity:{s.label}"> {s.label}</label>'
        for s in severities
    ] + [
        f'<label><input type="checkbox" checked data-filter value="rule:{escape(rule)}"> {escape(rule)}</label>'
        for rule in rules
    ]
    return (
        f"<header><h1>Translation review: {escape(display_path(report.target))}</h1>"
        f'<div class="summary">{summary}</div><div class="controls">{view}<span>{"".join(boxes)}</span></div>'
        f'{_fixbar(page)}<div class="font-note" id="font-note" hidden>{escape(_FONT_NOTE)}</div></header>'
    )


def _fixbar(page: _Page) -> str:
    bench = page.bench
    if isinstance(bench, Unavailable):
        return f'<div class="fixbar">Fix workbench off: {escape(relative_paths(bench.reason))}.</div>'
    name = escape(display_path(page.report.target))
    return (
        f'<div class="fixbar">Fixes: <b id="fix-accepted">0</b> of {len(bench.offered)} accepted'
        '<span id="fix-skipped"></span>'
        '<button type="button" id="fix-download">Download fixed file</button>'
        '<button type="button" id="fix-safe">safe fixes only</button>'
        '<button type="button" id="fix-none">none</button> '
        f'<span class="kind">the download is what <code>qa fix {name}</code> writes for the fixes ticked'
        " (one pass; the unsafe ones with <code>--unsafe-fixes</code>)</span></div>"
    )


def _overview(page: _Page) -> str:
    parts = []
    if page.report.pairs and any(value is not None for value in page.drift.values()):
        parts.append(f'<div class="plot">{_drift_plot(page)}</div>')
    if page.report.findings:
        parts.append(_groups(page))
    return f'<section class="overview">{"".join(parts)}</section>' if parts else ""


def _groups(page: _Page) -> str:
    """Findings by rule, then by wrong text: `自我关注 → 自注意力 ×6: L43, L45`, each line a link."""
    index = {id(f): i for i, f in enumerate(page.report.findings)}
    by_rule: dict[str, list[str]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for group in groups(page.report.findings):
        links: dict[int, str] = {}
        for finding in group.findings:
            anchor = page.anchors.get(index[id(finding)], "")
            links.setdefault(finding.line, f'<a href="#{anchor}">L{finding.line}</a>')
        what = f"<b>{escape(group.text)}</b> " if group.text else ""
        if group.suggestion:
            what += f"→ {escape(group.suggestion)} "
        by_rule[group.rule].append(
            f'<li class="sev-{group.worst.label}">{what}×{len(group.findings)}: {", ".join(links.values())}</li>'
        )
        counts[group.rule] += len(group.findings)
    items = "".join(
        f"<li><code>{escape(rule)}</code> ({counts[rule]})<ul>{''.join(rows)}</ul></li>"
        for rule, rows in by_rule.items()
    )
    return f'<div class="groups"><h2>Findings by rule and term</h2><ul>{items}</ul></div>'


_PAIR_WORDS = {
    PairType.ONE_ZERO: "not translated",
    PairType.ZERO_ONE: "only in the Chinese",
}


def _section(page: _Page, block: _Block) -> str:
    findings = [page.report.findings[i] for i in block.findings]
    meta = [f'<a href="#{block.anchor}">{escape(block.label)}</a>']
    if block.pair is not None:
        meta += _pair_meta(page, block.pair)
    lines = _lines(block.target)
    if lines:
        meta.append(lines)
    classes = ["pair"] + ([f"flag-{max(f.severity for f in findings).label}"] if findings else ["clean"])
    english = "" if block.source is None else _side(block.source, (), _english_missing(block))
    chinese = _side(block.target, _highlights(page, block), "(not translated)" if block.source else "")
    return (
        f'<section class="{" ".join(classes)}" id="{block.anchor}"><div class="meta">{"<br>".join(meta)}</div>'
        f"{english}{chinese}{_finding_list(page, block.findings)}</section>"
    )


def _english_missing(block: _Block) -> str:
    return "(no English: added in the translation)" if block.target else ""


def _pair_meta(page: _Page, pair: Pair) -> list[str]:
    words = _PAIR_WORDS.get(pair.type)
    if words is None and pair.type is not PairType.ONE_ONE:
        words = f"{len(pair.source)} English → {len(pair.target)} Chinese blocks"
    meta = [escape(words)] if words else []
    drift = page.drift.get(pair.id)
    if drift is not None:
        over = page.threshold is not None and drift > page.threshold
        meta.append(f'<span class="{"over" if over else "drift"}">drift {drift:.2f}</span>')
    return meta


def _lines(segments: Sequence[Segment]) -> str:
    if not segments:
        return ""
    start, end = segments[0].start_line, segments[-1].end_line
    return f"L{start}" if start == end else f"L{start}–{end}"


def _side(segments: Sequence[Segment], highlights: Sequence[Sequence[Highlight]], missing: str) -> str:
    if not segments:
        return f'<div class="side missing">{escape(missing)}</div>'
    return f'<div class="side">{render_segments(segments, highlights)}</div>'


def _highlights(page: _Page, block: _Block) -> list[list[Highlight]]:
    """Per target segment, one highlight per range its findings cover (findings on the same
    range share it); findings about a whole block mark none."""
    ranges: list[dict[tuple[int, int], list[Finding]]] = [defaultdict(list) for _ in block.target]
    for index in block.findings:
        finding = page.report.findings[index]
        if not finding.text or finding.rule.startswith(BLOCK_LEVEL_FAMILIES):
            continue
        for position, segment in enumerate(block.target):
            span = _span(segment, finding)
            if span is not None:
                ranges[position][span].append(finding)
    return [
        [
            _highlight(start, end, found, f"{segment.index}-{number}")
            for number, ((start, end), found) in enumerate(sorted(spans.items()))
        ]
        for segment, spans in zip(block.target, ranges, strict=True)
    ]


def _span(segment: Segment, finding: Finding) -> tuple[int, int] | None:
    """The finding's range as offsets in the segment's raw text, if it lies inside it."""
    if not segment.start_line <= finding.line <= finding.end_line <= segment.end_line:
        return None
    starts = [0]
    for line in segment.raw.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    start = starts[finding.line - segment.start_line] + finding.column - 1
    end = starts[finding.end_line - segment.start_line] + finding.end_column - 1
    return (start, end) if start < end <= len(segment.raw) else None


def _highlight(start: int, end: int, findings: Sequence[Finding], mark: str) -> Highlight:
    worst = max(findings, key=lambda f: f.severity)
    title = "\n".join(f"[{f.rule}] {relative_paths(f.message)}" for f in findings)
    attributes = (
        f'class="finding sev-{worst.severity.label}" data-mark="{mark}" data-rule="{escape(worst.rule)}" '
        f'data-severity="{worst.severity.label}" title="{escape(title)}"'
    )
    return Highlight(start, end, attributes)


def _finding_list(page: _Page, indices: Sequence[int]) -> str:
    if not indices:
        return ""
    items = []
    for index in indices:
        f = page.report.findings[index]
        fix = f" → <b>{escape(f.suggestion)}</b>" if f.suggestion else ""
        items.append(
            f'<li data-rule="{escape(f.rule)}" data-severity="{f.severity.label}">'
            f'<span class="sev-{f.severity.label}">{f.severity.label}</span> <code>{escape(f.rule)}</code> '
            f"L{f.line}:{f.column}{fix} — {escape(relative_paths(f.message))}{_accept(page, index, f)}</li>"
        )
    return f'<ul class="findings">{"".join(items)}</ul>'


def _accept(page: _Page, index: int, finding: Finding) -> str:
    """The finding's fix: a checkbox (safe ones ticked) when the workbench offers it."""
    kind = fix_kind(finding)
    if kind is None:
        return ""
    message = escape(finding.fix.message)
    bench = page.bench
    if isinstance(bench, Workbench) and index in bench.offered:
        checked = " checked" if kind is Applicability.SAFE else ""
        return (
            f' <label class="accept"><input type="checkbox" data-fix="{bench.offered[index]}" data-kind="{kind}"'
            f'{checked}> fix: {message} <span class="kind">{kind}</span></label>'
            '<span class="skipnote"> overlaps an accepted fix before it: left out</span>'
        )
    why = bench.refused.get(index, "") if isinstance(bench, Workbench) else ""
    return f' <span class="kind">fix ({kind}): {message}{escape(" — " + why) if why else ""}</span>'


def _drift_plot(page: _Page, width: int = 960, height: int = 170) -> str:
    """Drift per pair in document order: axes, the threshold, each column a link to its pair."""
    left, right, top, bottom = 44, 12, 10, 38
    inner_w, inner_h = width - left - right, height - top - bottom
    pairs = page.report.pairs
    step = inner_w / max(len(pairs), 1)

    def y(value: float) -> float:
        return top + inner_h * (1 - min(max(value, 0.0), 1.0))

    out = [
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + inner_h}" stroke="#888"/>'
        f'<line x1="{left}" x2="{width - right}" y1="{top + inner_h}" y2="{top + inner_h}" stroke="#888"/>'
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(
            f'<line x1="{left - 4}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{y(tick) + 3:.1f}" font-size="10" text-anchor="end" fill="#555">{tick:g}</text>'
        )
    every = max(1, math.ceil(len(pairs) / 16))
    for position, pair in enumerate(pairs):
        x = left + position * step
        if position % every == 0:
            out.append(
                f'<text x="{x + step / 2:.1f}" y="{top + inner_h + 13}" font-size="10" text-anchor="middle" '
                f'fill="#555">{pair.id}</text>'
            )
        value = page.drift.get(pair.id)
        if value is None:
            continue
        over = page.threshold is not None and value > page.threshold
        out.append(
            f'<a href="#pair-{pair.id}" data-pair="{pair.id}"><title>¶ {pair.id}: drift {value:.2f}</title>'
            f'<rect class="hit" x="{x:.1f}" y="{top}" width="{step:.1f}" height="{inner_h}" fill="transparent"/>'
            f'<rect class="bar" x="{x + 0.5:.1f}" y="{y(value):.1f}" width="{max(step - 1, 1):.1f}" '
            f'height="{top + inner_h - y(value):.1f}" fill="{"#d9534f" if over else "#7a9cc6"}"/></a>'
        )
    if page.threshold is not None:
        ty = y(page.threshold)
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#b3261e" '
            f'stroke-dasharray="5 3"/><text x="{width - right - 2}" y="{ty - 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#b3261e">threshold {page.threshold:.2f}: above it, drift/high</text>'
        )
    out.append(
        f'<text x="{left + inner_w / 2:.1f}" y="{height - 4}" font-size="11" text-anchor="middle" fill="#333">'
        "paragraph, in document order (click a column to go to it)</text>"
        f'<text transform="translate(12 {top + inner_h / 2:.1f}) rotate(-90)" font-size="11" text-anchor="middle" '
        'fill="#333">drift</text>'
    )
    return (
        f'<svg role="img" aria-label="drift per aligned paragraph" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>Drift per aligned paragraph, in document order</title>{''.join(out)}</svg>"
    )


def _footer(report: Report) -> str:
    sig = report.signature
    glossaries = ", ".join(
        f"{escape(display_path(sig.glossary_label(path)))} ({escape(digest[:19])}…)" for path, digest in sig.glossaries
    )
    thresholds = ", ".join(f"{escape(name)} {value}" for name, value in sig.thresholds)
    return (
        f"<footer>qa {escape(sig.qa_version)} · model {escape(sig.model or 'none')} · glossaries {glossaries}"
        f"{' · thresholds ' + thresholds if thresholds else ''}</footer>"
    )
