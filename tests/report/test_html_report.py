"""The HTML report's markup, without a browser (tests/report/test_html_browser.py runs it)."""

import json
import re
from dataclasses import replace

from qa.model import Applicability, Severity
from qa.pipeline import CheckOptions, run_check
from qa.read.markdown import parse_document
from qa.report.html import render
from qa.report.rendered import Highlight, render_block
from qa.report.workbench import Unavailable, Workbench, workbench

PRIVATE_USE = re.compile("[\U000f0000-\U0010ffff]")


def block(text: str):
    return parse_document("x.md", text).segments[0]


def test_raw_html_in_the_document_is_shown_escaped():
    html = render_block(block('<img src="x" onerror="alert(1)"> 和 <b>粗</b>\n'))
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=&quot;x&quot; onerror=&quot;alert(1)&quot;&gt;" in html


def test_links_show_their_text_with_the_url_as_title_and_images_load_nothing():
    html = render_block(block("见[论文](https://arxiv.org/abs/1) ![图](https://t.example/p.png)\n"))
    assert ">论文</a>" in html and 'title="https://arxiv.org/abs/1"' in html
    assert "<img" not in html and 'title="image: https://t.example/p.png"' in html and "图" in html


def test_a_highlight_cut_by_markup_becomes_nested_marks_of_one_id():
    segment = block("基于**变压器模型**的工作\n")
    start = segment.raw.index("于")
    html = render_block(segment, [Highlight(start, segment.raw.index("模"), 'data-mark="m1"')])
    assert html.count('data-mark="m1"') == 2
    assert '<mark data-mark="m1">于</mark><strong><mark data-mark="m1">变压器</mark>模型</strong>' in html
    assert not PRIVATE_USE.search(html)


def test_a_highlight_is_never_put_inside_a_link_destination_or_list_marker():
    segment = block("- [剪辑](https://x.dev/剪辑) 剪辑\n")
    inside_url = segment.raw.index("剪辑", segment.raw.index("("))
    html = render_block(
        segment, [Highlight(inside_url, inside_url + 2, 'data-mark="u"'), Highlight(0, 5, 'data-mark="l"')]
    )
    assert 'data-mark="u"' not in html and 'href="https://x.dev/%E5%89%AA%E8%BE%91"' in html
    assert html.startswith("<ul>\n<li>") and '<mark data-mark="l">剪辑</mark>' in html
    assert not PRIVATE_USE.search(html)


def test_a_finding_on_markup_alone_shows_that_markup():
    segment = block("**整段加粗**\n")
    html = render_block(segment, [Highlight(0, 2, 'data-mark="s"')])
    assert '<mark data-mark="s" data-syntax="">**</mark>' in html


def check(tmp_path, glossary, zh: str, en: str | None, newline: str = "\n"):
    (tmp_path / "a.zh.md").write_bytes(zh.replace("\n", newline).encode("utf-8"))
    source = None
    if en is not None:
        (tmp_path / "a.en.md").write_text(en, encoding="utf-8")
        source = tmp_path / "a.en.md"
    return run_check(CheckOptions(target=tmp_path / "a.zh.md", source=source, model=None), glossary)


def test_a_pair_has_the_stripe_of_its_worst_finding(tmp_path, glossary):
    report = check(tmp_path, glossary, "一个变压器。\n\n没有问题。\n", "A Transformer.\n\nNo problem.\n")
    assert {f.severity for f in report.findings} == {Severity.ERROR}
    html = render(report)
    assert '<section class="pair flag-error" id="pair-0">' in html
    assert '<section class="pair clean" id="pair-1">' in html


def test_without_english_the_page_has_one_column_and_no_placeholder(tmp_path, glossary):
    html = render(check(tmp_path, glossary, "一个变压器。\n\n没有问题。\n", None))
    assert '<body class="solo">' in html and "(no English source)" not in html
    assert html.count('class="side') == 2


def test_the_summary_groups_findings_by_rule_and_term(tmp_path, glossary):
    html = render(check(tmp_path, glossary, "自我关注。\n\n又是自我关注。\n", None))
    assert '<b>自我关注</b> → 自注意力 ×2: <a href="#block-0">L1</a>, <a href="#block-1">L3</a>' in html


def test_the_workbench_carries_the_file_on_disk_and_utf16_offsets(tmp_path, glossary):
    report = check(tmp_path, glossary, "😀变压器和抱抱脸\n", "😀 Transformer and Hugging Face\n", newline="\r\n")
    bench = workbench(report)
    assert isinstance(bench, Workbench)
    data = json.loads(bench.data)
    assert data["text"] == "😀变压器和抱抱脸\r\n" and data["bom"] is False and data["name"] == "a.zh.fixed.md"
    # 变压器 is code point 1, UTF-16 index 2: the emoji is two code units in JavaScript.
    assert [edits[0][4:6] for edits in data["fixes"]] == [[2, 5], [6, 9]]
    html = render(report)
    assert "\r" not in html and "\\r\\n" in html
    assert html.count('type="checkbox" data-fix=') == 2 and html.count('data-kind="safe" checked>') == 2


def test_no_workbench_when_the_file_changed_since_the_check(tmp_path, glossary):
    report = check(tmp_path, glossary, "变压器\n", "Transformer\n")
    (tmp_path / "a.zh.md").write_text("变压器!\n", encoding="utf-8")
    assert isinstance(workbench(report), Unavailable)
    html = render(report)
    assert "Fix workbench off: " in html and "data-fix=" not in html and 'id="qa-fixes"' not in html


def test_a_fix_that_would_edit_code_gets_no_checkbox(tmp_path, glossary):
    report = check(tmp_path, glossary, "变压器\n", "Transformer\n")
    finding = report.findings[0]
    in_code = replace(finding, line=1, column=1, end_column=4)
    report = replace(report, findings=(finding, in_code), target_text="`变压器`\n")
    (tmp_path / "a.zh.md").write_text("`变压器`\n", encoding="utf-8")
    bench = workbench(report)
    assert isinstance(bench, Workbench) and bench.offered == {} and set(bench.refused) == {0, 1}
    assert finding.fix.applicability is Applicability.SAFE
    assert "its fix would edit code" in render(report)


def test_the_embedded_text_cannot_close_its_script(tmp_path, glossary):
    report = check(tmp_path, glossary, "变压器 </script><script>alert(1)</script>\n", "Transformer\n")
    html = render(report)
    data = html.split('<script type="application/json" id="qa-fixes">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["text"].startswith("变压器 </script>")
