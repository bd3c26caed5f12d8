import re
from dataclasses import replace

from qa.model import Applicability, Edit, Fix, Report, Signature
from qa.pipeline import CheckOptions, run_check
from qa.report.markdown import render
from tests.report.test_json_report import sample_report


def test_review_shows_summary_pairs_side_by_side_findings_and_signature():
    text = render(sample_report())
    assert text.startswith("# Translation review: `a.zh.md`")
    assert "| Errors | 1 |" in text
    assert "### Pair 0 (1-1) · en L1 · zh L1 · drift 0.25" in text
    assert "| Para about CLIP. | 关于剪辑的段落。 |" in text
    assert "`glossary/forbidden-term` L1:3 `剪辑` → **CLIP**" in text
    assert "| 1 | 1-0 | L3 | – | – |" in text
    assert "glossary `g.csv` sha256:ab" in text


def test_pipes_in_text_do_not_break_the_table():
    report = sample_report()
    pair = report.pairs[0]
    source = (pair.source[0].__class__(**{**pair.source[0].__dict__, "raw": "a | b"}),)
    patched = Report(
        report.target,
        report.source,
        report.signature,
        (pair.__class__(0, source, pair.target, 0.8), report.pairs[1]),
        report.scores,
        report.findings,
    )
    assert "| a \\| b | 关于剪辑的段落。 |" in render(patched)


def test_no_source_lists_findings_by_line():
    report = Report("a.zh.md", None, Signature("0.1.0", (), None), (), (), (), ("no English source",))
    text = render(report)
    assert "> **Note:** no English source" in text and "No findings." in text


def test_notes_stay_separate_paragraphs():
    report = Report("a.zh.md", None, Signature("0.1.0", (), None), (), (), (), ("first", "second"))
    assert "> **Note:** first\n\n> **Note:** second\n" in render(report)


def test_every_finding_has_its_clause_with_the_wrong_text_in_bold():
    report = sample_report()
    text = render(replace(report, target_text="关于剪辑的段落。\n"))
    assert "`glossary/forbidden-term` L1:3 `剪辑` → **CLIP**: m\n  > 关于**剪辑**的段落。\n" in text


def check_in(folder, zh: str, en: str | None, glossary):
    (folder / "a.zh.md").write_text(zh, encoding="utf-8")
    source = None
    if en is not None:
        (folder / "a.en.md").write_text(en, encoding="utf-8")
        source = folder / "a.en.md"
    return run_check(CheckOptions(target=folder / "a.zh.md", source=source, model=None), glossary)


LONG_LINE = (
    "第一句话很长，讲了很多别的事情，和这里没有关系，只是让这一行变得很长很长。"
    "然而，它不是一个纯粹的自我关注模型，而是在第一层使用 Conv，它遵循[独立](https://arxiv.org/abs/1906.05909)。"
    "最后一句也和它无关。\n\n自我关注又出现了。\n\n变压器, 抱抱脸\n"
)


def test_without_english_the_clause_finds_the_finding_in_a_long_line(tmp_path, glossary, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = render(check_in(tmp_path, LONG_LINE, None, glossary))
    # Just the sentence that holds it, URLs as their host, not the 130-character line.
    sentence = "然而，它不是一个纯粹的**自我关注**模型，而是在第一层使用 Conv，它遵循\\[独立\\](arxiv.org/…)。"
    assert f"  > {sentence}\n" in text
    assert "  > **自我关注**又出现了。\n" in text
    # A half-width comma is punctuation: `**,**` would not render as bold.
    assert "<b>,</b>" in text


def test_findings_are_grouped_by_rule_and_term_with_their_lines(tmp_path, glossary, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = render(check_in(tmp_path, LONG_LINE, None, glossary))
    group = text.split("## Findings by rule and term", 1)[1].split("\n## ", 1)[0]
    assert "**`glossary/forbidden-term`** (" in group
    assert "- ❌ error `自我关注` → **自注意力** ×2 [*]: L1, L3\n" in group


def test_fixable_findings_are_marked_with_the_command_that_applies_them(tmp_path, glossary, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = check_in(tmp_path, LONG_LINE, None, glossary)
    text = render(report)
    safe = sum(1 for f in report.findings if f.fix and f.fix.applicability is Applicability.SAFE)
    unsafe = sum(1 for f in report.findings if f.fix and f.fix.applicability is Applicability.UNSAFE)
    assert safe and unsafe
    assert f"`qa fix a.zh.md` applies the {safe} fixes marked [*] and writes `a.zh.fixed.md`" in text
    assert f"`qa fix --unsafe-fixes a.zh.md` also the {unsafe} marked [unsafe fix]" in text
    listed = [line for line in text.splitlines() if re.match(r"- \S+ \w+ `[a-z]+/[a-z-]+` L\d+:\d+ ", line)]
    assert len(listed) == len(report.findings)
    assert sum(" [*] " in line for line in listed) == safe
    assert sum(" [unsafe fix] " in line for line in listed) == unsafe


def test_paths_are_relative_to_where_qa_ran(tmp_path, glossary, monkeypatch):
    (tmp_path / "docs").mkdir()
    report = check_in(tmp_path / "docs", "变压器。\n", "Transformer.\n", glossary)
    monkeypatch.chdir(tmp_path)
    text = render(report)
    assert "# Translation review: `docs/a.zh.md`" in text and "| English source | `docs/a.en.md` |" in text
    assert str(tmp_path) not in text
    elsewhere = tmp_path.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    monkeypatch.chdir(elsewhere)
    assert f"# Translation review: `{tmp_path}/docs/a.zh.md`" in render(report)


def test_alignment_table_lists_pairs_with_findings_and_folds_the_rest(tmp_path, glossary):
    en = "".join(f"Paragraph {n} about models.\n\n" for n in range(6)) + "A Transformer.\n"
    zh = "".join(f"第 {n} 段，关于模型。\n\n" for n in range(6)) + "一个变压器。\n"
    report = check_in(tmp_path, zh, en, glossary)
    alignment = render(report).split("## Alignment", 1)[1].split("\n## ", 1)[0]
    shown, folded = alignment.split("<details>")
    assert "| 6 | 1-1 | L13 | L13 |" in shown and "| 0 | 1-1 |" not in shown
    assert folded.startswith("<summary>6 pairs without findings</summary>\n\n|")
    assert "| 0 | 1-1 | L1 | L1 |" in folded and folded.rstrip().endswith("</details>")


def test_drift_is_shown_against_its_threshold():
    report = sample_report()
    signature = replace(report.signature, thresholds=(("drift_high", 0.40),))
    low = render(replace(report, signature=signature, scores=(replace(report.scores[0], drift=0.30),)))
    high = render(replace(report, signature=signature, scores=(replace(report.scores[0], drift=0.44),)))
    assert "drift 0.30 ▮▮▮▮▮▮▯▯┃▯▯▯▯▯▯▯▯▯▯▯▯ below 0.40" in low
    assert "drift 0.44 ▮▮▮▮▮▮▮▮┃▮▯▯▯▯▯▯▯▯▯▯▯ **above** 0.40" in high


def test_a_finding_on_markup_only_is_quoted_escaped():
    report = sample_report()
    finding = replace(
        report.findings[0],
        rule="markdown/emphasis-wrapped",
        text="**",
        suggestion=None,
        column=1,
        end_column=3,
        fix=Fix(Applicability.SAFE, "remove", (Edit(1, 1, 1, 3, ""),)),
    )
    text = render(replace(report, findings=(finding,), target_text="**关于剪辑的段落。**\n"))
    assert "L1:1 [*] `**`: m\n  > <b>\\*\\*</b>关于剪辑的段落。\n" in text
