import pytest

from qa.align.pairs import align
from qa.model import Severity
from qa.rules.glossary import (
    FORBIDDEN_TERM,
    INCONSISTENT_RENDERING,
    MISSING_TERM,
    check_alignment,
    check_document,
    check_run,
)
from qa.rules.selection import RuleSelection
from tests.conftest import doc


def findings_for(en, zh, glossary):
    return check_alignment(align(doc(en, "a.en.md"), doc(zh, "a.zh.md")), glossary)


def summary(findings):
    return [(f.rule, f.severity, f.line, f.column, f.text, f.suggestion) for f in findings]


def test_ordinary_word_is_an_error_when_the_english_has_the_term(glossary):
    found = findings_for("A Transformer-based model.\n", "基于变压器的模型。\n", glossary)
    assert summary(found) == [(FORBIDDEN_TERM.id, Severity.ERROR, 1, 3, "变压器", "Transformer")]


def test_ordinary_word_is_not_flagged_when_the_english_lacks_the_term(glossary):
    found = findings_for("The power grid needs a new transformer station.\n", "电网需要新的变电站。\n", glossary)
    assert [f for f in found if f.rule == FORBIDDEN_TERM.id] == []
    found = findings_for("We read the newspaper every day.\n", "我们每天看报纸。\n", glossary)
    assert found == []


def test_without_source_ordinary_words_warn_and_ml_only_errors_stay_errors(glossary):
    found = check_document(doc("视觉变形金刚和报纸。\n用抱抱脸。\n", "x.zh.md"), glossary)
    assert [(f.text, f.severity) for f in found] == [
        ("视觉变形金刚", Severity.ERROR),
        ("报纸", Severity.WARNING),
        ("抱抱脸", Severity.ERROR),
    ]


def test_ambiguous_rendering_suggests_the_term_the_english_contains(glossary):
    clip = findings_for("## Implementing CLIP\n", "## 实施剪辑\n", glossary)
    cutmix = findings_for("CutMix mixes two images.\n", "剪辑混合了两幅图像。\n", glossary)
    assert [(f.text, f.suggestion) for f in clip] == [("剪辑", "CLIP")]
    assert [(f.text, f.suggestion) for f in cutmix if f.rule == FORBIDDEN_TERM.id] == [("剪辑", "CutMix")]


def test_wrong_renderings_inside_urls_and_code_are_ignored(glossary):
    found = findings_for(
        "See [CLIP](https://x.dev/剪辑) and `变压器`.\n", "见 [CLIP](https://x.dev/剪辑) 和 `变压器`。\n", glossary
    )
    assert found == []


def test_missing_term_and_its_absence_when_rendered(glossary):
    missing = findings_for("We fine-tune with self-attention.\n", "我们用一种机制调整。\n", glossary)
    assert {(f.rule, f.term) for f in missing} == {
        (MISSING_TERM.id, "fine-tuning"),
        (MISSING_TERM.id, "self-attention"),
    }
    rendered = findings_for("We fine-tune with self-attention.\n", "我们用自注意力进行微调。\n", glossary)
    assert rendered == []


def test_kept_english_counts_as_rendered_whatever_its_case(glossary):
    assert findings_for("Built with PyTorch Lightning.\n", "用 Pytorch Lightning 构建。\n", glossary) == []


def test_finding_text_is_exactly_the_target_substring(glossary):
    zh = "# 标题\n\n*   一篇关于\n    自我关注的博客\n"
    found = findings_for("# Title\n\n*   A blog about\n    self-attention\n", zh, glossary)
    lines = zh.split("\n")
    for f in found:
        assert lines[f.line - 1][f.column - 1 : f.end_column - 1] == f.text
    assert [(f.line, f.text) for f in found] == [(4, "自我关注")]


# --- tiers, exceptions, context, and the ordinary words the issue names -----------------

ORDINARY = [
    ("The overall design is simple.", "整体设计很简单。"),
    ("We read the newspaper.", "我们看报纸。"),
    ("A lightning strike hit the tower.", "闪电击中了塔。"),
    ("The video editing app is free.", "这个视频剪辑应用是免费的。"),
    ("The power grid needs a new transformer station.", "电网需要新的变压器站。"),
]


@pytest.mark.parametrize(("en", "zh"), ORDINARY[:4])
def test_ordinary_words_are_left_alone_when_the_english_lacks_the_term(glossary, en, zh):
    assert [f for f in findings_for(en, zh + "\n", glossary) if f.rule == FORBIDDEN_TERM.id] == []


def test_a_lowercase_english_term_still_counts_as_the_term(glossary):
    # "transformer" in lower case is the architecture in most ML text, so it confirms a wrong
    # rendering; a transformer station (变压器站) is one of the entry's exceptions.
    en, zh = ORDINARY[4]
    assert [f for f in findings_for(en, zh + "\n", glossary) if f.rule == FORBIDDEN_TERM.id] == []
    en, zh = "The transformer model is large.", "变压器模型很大。"
    assert [f.text for f in findings_for(en, zh + "\n", glossary) if f.rule == FORBIDDEN_TERM.id] == ["变压器"]


def test_without_source_ordinary_words_warn_and_everyday_ones_are_silent(glossary):
    text = "整体而言很好。\n\n看报纸。\n\n视频剪辑。\n\n注意力的关注点。\n"
    found = check_document(doc(text, "x.zh.md"), glossary)
    # 整体 is forbidden_with_source, 视频剪辑 an exception, 关注 with_source: only 报纸 warns.
    assert [(f.text, f.severity) for f in found] == [("报纸", Severity.WARNING)]


def test_context_phrase_makes_an_ordinary_word_an_error_without_source(glossary):
    found = check_document(doc("基于变压器的模型。\n\n变压器很重。\n", "x.zh.md"), glossary)
    assert [(f.line, f.column, f.text, f.severity) for f in found] == [
        (1, 3, "变压器", Severity.ERROR),
        (3, 1, "变压器", Severity.WARNING),
    ]


def test_with_source_only_tier_needs_the_english(glossary):
    with_term = findings_for("We add attention to the decoder.\n", "我们为解码器加入关注。\n", glossary)
    assert [(f.text, f.suggestion) for f in with_term if f.rule == FORBIDDEN_TERM.id] == [("关注", "注意力")]
    without = findings_for("We focus on the decoder.\n", "我们关注解码器。\n", glossary)
    assert [f for f in without if f.rule == FORBIDDEN_TERM.id] == []


def test_approved_rendering_is_not_reported_for_the_wrong_word_inside_it(glossary):
    found = findings_for("We add attention to the decoder.\n", "我们为解码器加入注意力机制。\n", glossary)
    assert found == []


def test_ambiguous_rendering_without_english_names_both_terms(glossary):
    found = check_document(doc("剪辑很好用。\n", "x.zh.md"), glossary)
    assert [(f.term, f.suggestion, f.severity) for f in found] == [("CLIP / CutMix", "CLIP / CutMix", Severity.WARNING)]


def test_report_missing_false_skips_everyday_terms(glossary):
    found = findings_for("The training of the model took a day.\n", "这个网络的学习花了一天。\n", glossary)
    assert [f for f in found if f.rule == MISSING_TERM.id] == []


# --- inconsistent-rendering --------------------------------------------------------------


def test_inconsistent_rendering_in_a_document(glossary):
    en = "# T\n\nBatch normalization helps.\n\nWe use batch normalization.\n\nBatch normalization again.\n"
    zh = "# T\n\n批归一化有帮助。\n\n我们使用批量归一化。\n\n又是批归一化。\n"
    found = [f for f in findings_for(en, zh, glossary) if f.rule == INCONSISTENT_RENDERING.id]
    assert [(f.line, f.column, f.text, f.suggestion, f.severity) for f in found] == [
        (5, 5, "批量归一化", "批归一化", Severity.WARNING)
    ]
    assert "uses '批归一化' 2 times (first at line 3)" in found[0].message


def test_renderings_that_contain_one_another_and_kept_english_are_consistent(glossary):
    en = "Self-attention is cheap.\n\nThe self-attention mechanism is old.\n\nA GAN and a GAN.\n"
    zh = "自注意力很便宜。\n\n自注意力机制很老。\n\n一个生成对抗网络和一个 GAN。\n"
    assert [f for f in findings_for(en, zh, glossary) if f.rule == INCONSISTENT_RENDERING.id] == []


def test_a_tie_goes_to_the_rendering_the_glossary_lists_first(glossary):
    en = "Batch normalization helps.\n\nWe use batch normalization.\n"
    zh = "我们使用批量归一化。\n\n批归一化有帮助。\n"
    found = [f for f in findings_for(en, zh, glossary) if f.rule == INCONSISTENT_RENDERING.id]
    assert [(f.text, f.suggestion) for f in found] == [("批量归一化", "批归一化")]


CONSISTENCY_ON = RuleSelection(extend_select=(INCONSISTENT_RENDERING.id,))
"""The rule is off by default (its precision on human translations): on, as a user turns it on."""


def _consistency_reports(folder, glossary, pairs: dict[str, tuple[str, str]]) -> list:
    """`run_check` with inconsistent-rendering on, per NAME: (English, Chinese) written as
    NAME.en.md and NAME.zh.md in `folder`."""
    from qa.pipeline import CheckOptions, run_check

    reports = []
    for name, (en, zh) in pairs.items():
        (folder / f"{name}.en.md").write_text(en, encoding="utf-8")
        (folder / f"{name}.zh.md").write_text(zh, encoding="utf-8")
        options = CheckOptions(
            target=folder / f"{name}.zh.md", source=folder / f"{name}.en.md", model=None, selection=CONSISTENCY_ON
        )
        reports.append(run_check(options, glossary))
    return reports


@pytest.fixture
def two_reports(tmp_path, glossary):
    english = "Batch normalization.\n\nBatch normalization.\n"
    chinese = {"a": "批归一化有帮助。\n\n批量归一化也是。\n", "b": "批量归一化。\n\n还是批量归一化。\n"}
    return _consistency_reports(tmp_path, glossary, {name: (english, zh) for name, zh in chinese.items()})


def test_run_level_consistency_replaces_the_document_level_verdict(two_reports, glossary):
    a, b = two_reports
    # Alone, a.zh.md ties 1-1 and the glossary's first rendering (批归一化) wins.
    assert [f.text for f in a.findings if f.rule == INCONSISTENT_RENDERING.id] == ["批量归一化"]
    a, b = check_run([a, b], glossary)
    # Over the run 批量归一化 is used 3 times: the one 批归一化 in a.zh.md is the odd one out.
    assert [(f.file, f.line, f.text) for f in a.findings if f.rule == INCONSISTENT_RENDERING.id] == [
        (a.target, 1, "批归一化")
    ]
    assert [f for f in b.findings if f.rule == INCONSISTENT_RENDERING.id] == []
    assert any("this run uses '批量归一化' 3 times" in f.message for f in a.findings)


def test_forbidden_findings_carry_the_decision_fix_relies_on(glossary):
    alignment = align(doc("A Transformer and a CLIP model.\n", "a.en.md"), doc("变压器和剪辑模型。\n", "a.zh.md"))
    found = [f for f in check_alignment(alignment, glossary) if f.rule == FORBIDDEN_TERM.id]
    assert [(f.text, "the English has" in f.message, f.term) for f in found] == [
        ("变压器", True, "Transformer"),
        ("剪辑", True, "CLIP"),
    ]


def test_one_scan_per_pair_gives_what_each_rule_finds_on_its_own(glossary):
    # check_alignment scans each side of a pair once and shares the matches between the
    # rules; renderings_in (used by check_run) scans for itself. Nested terms (Vision
    # Transformer), a wrong rendering beside an approved one, a kept English term and a block
    # without any term.
    from qa.rules.glossary import check_consistency, renderings_in

    en = (
        "# Vision Transformer\n\nBatch normalization and a Transformer.\n\n"
        "We use batch normalization in CLIP.\n\nNothing here.\n\nBatch normalization, self-attention.\n"
    )
    zh = (
        "# 视觉变压器\n\n批归一化和变压器。\n\n我们在 CLIP 中使用批量归一化。\n\n"
        "这里什么都没有。\n\n批归一化，一种机制。\n"
    )
    alignment = align(doc(en, "a.en.md"), doc(zh, "a.zh.md"))
    found = check_alignment(alignment, glossary)
    alone = check_consistency(renderings_in("a.zh.md", alignment.pairs, glossary), glossary, scope="document")
    assert alone and [f for f in found if f.rule == INCONSISTENT_RENDERING.id] == alone
    assert [f.term for f in found if f.rule == MISSING_TERM.id] == ["self-attention"]


# --- quiet on good translations (issue 17) -------------------------------------------------


def _missing(en, zh, glossary):
    return [f.term for f in findings_for(en, zh, glossary) if f.rule == MISSING_TERM.id]


def _forbidden(en, zh, glossary):
    return [f.text for f in findings_for(en, zh, glossary) if f.rule == FORBIDDEN_TERM.id]


def test_a_term_kept_in_english_is_not_missing_even_where_the_glossary_translates_it(glossary):
    # checkpoint is translated (检查点) in the glossary; a translator who keeps it lost nothing.
    assert _missing("Save the checkpoint first.\n", "先保存 Checkpoints。\n", glossary) == []
    assert _missing("Save the checkpoint first.\n", "先保存它。\n", glossary) == ["checkpoint"]


def test_a_term_in_a_code_span_of_the_chinese_counts_as_kept(glossary):
    assert _missing("Then call the tokenizer.\n", "然后调用 `tokenizer`。\n", glossary) == []
    assert _missing("Load a checkpoint such as x.\n", "加载 `bert-base-checkpoint` 这样的模型。\n", glossary) == []
    # An approved rendering written inside backticks too.
    assert _missing("Train a classifier.\n", "训练一个 `多标签分类器`。\n", glossary) == []
    # A URL or link target is not the text: the term there was not kept.
    assert _missing("Read the fine-tuning guide.\n", "阅读[指南](https://x.dev/fine-tuning)。\n", glossary) == [
        "fine-tuning"
    ]


def test_the_verb_of_an_ization_term_counts_as_kept(glossary):
    assert _missing("Tokenization runs in Rust.\n", "tokenize 在 Rust 中运行。\n", glossary) == []
    assert _missing("Tokenization runs in Rust.\n", "这些文本被 tokenized 之后。\n", glossary) == []


def test_a_code_span_is_still_never_counted_or_fixed_as_a_rendering(glossary):
    en = "Batch normalization helps.\n\nBatch normalization, again.\n\nAnd batch normalization.\n"
    zh = "批归一化有帮助。\n\n又是 `批量归一化`。\n\n还有批归一化。\n"
    assert [f for f in findings_for(en, zh, glossary) if f.rule == INCONSISTENT_RENDERING.id] == []


def test_a_term_only_inside_an_english_identifier_is_not_the_term(glossary):
    # snake_case is code: hyperparameter_search does not ask for 超参数 ...
    assert _missing("Pass it to hyperparameter_search.\n", "把它传给搜索函数。\n", glossary) == []
    # ... and attention_mask does not make 关注 (the verb "attended to") the attention term.
    en = "* [attention_mask](#m): which tokens should be attended to.\n"
    assert _forbidden(en, "* [attention_mask](#m)：应该关注哪些 token。\n", glossary) == []
    assert _forbidden("We add attention to the decoder.\n", "我们为解码器加入关注。\n", glossary) == ["关注"]


def test_masked_language_modeling_is_its_own_term(glossary):
    assert _missing("Masked language modeling, 17 languages.\n", "掩码语言建模，17 种语言。\n", glossary) == []
    assert _missing("A masked language model.\n", "一个掩码语言建模。\n", glossary) == ["masked language model"]


def test_an_everyday_word_beside_the_term_rendered_everywhere_is_not_the_term(glossary):
    en = "We add attention to the decoder and focus on speed.\n"
    assert _forbidden(en, "我们为解码器加入注意力，并关注速度。\n", glossary) == []
    assert _forbidden(en, "我们为解码器加入关注，并关注速度。\n", glossary) == ["关注", "关注"]


def test_an_always_wrong_rendering_needs_more_correct_ones_than_the_english_has(glossary):
    # The translator keeps the term for the library and adds it to tell the franchise apart.
    en = "An article on Transformers (the franchise, not the library).\n"
    zh = "一篇关于变形金刚的文章（指变形金刚系列，不是 Transformers 库；Transformers 只是同名）。\n"
    assert _forbidden(en, zh, glossary) == []
    # As often as the English only: the wrong word may render the term in a form the glossary
    # does not match, so it stays an error.
    assert _forbidden("Transformers are fast.\n", "Transformer 很快，变形金刚也很快。\n", glossary) == ["变形金刚"]


def test_a_correct_rendering_glossing_a_wrong_one_does_not_account_for_it(glossary):
    found = _forbidden("A Transformer model.\n", "一个变压器（Transformer）模型。\n", glossary)
    assert found == ["变压器"]


def test_with_english_a_match_that_is_not_a_word_where_it_stands_is_not_reported(glossary):
    # 微调 (approved) + 整个: "fine-tune the whole model", not 微调整.
    assert _forbidden("We fine-tune the whole model.\n", "我们微调整个模型。\n", glossary) == []
    # 维特 (ViT as a name) across 高维|特征, and inside a longer word.
    assert _forbidden("ViT handles high-dimensional features.\n", "ViT 处理高维特征。\n", glossary) == []
    assert _forbidden("ViT cites Wittgenstein.\n", "ViT 引用了维特根斯坦。\n", glossary) == []
    # 一代 inside 下一代, with "generation" (a variant of text generation) in the English.
    assert _forbidden("It powers the next generation of apps.\n", "它驱动下一代应用。\n", glossary) == []
    # A rendering that runs on into the next word is still the MT's wrong rendering.
    assert _forbidden("We fine-tuned it.\n", "我们对它进行了微调整。\n", glossary) == ["微调整"]
    assert _forbidden("ViT is fast.\n", "维特很快。\n", glossary) == ["维特"]


def test_without_english_every_match_stands(glossary):
    # The word check needs the English to decide: MT checked alone keeps its recall.
    found = check_document(doc("我们微调整个模型。\n", "x.zh.md"), glossary)
    assert [(f.text, f.severity) for f in found] == [("微调整", Severity.ERROR)]


def test_over_a_run_a_document_consistent_in_itself_keeps_its_own_rendering(tmp_path, glossary):
    chinese = {"a": "批归一化。\n\n批归一化。\n", "b": "批量归一化。\n\n批量归一化。\n", "c": "批量归一化。\n"}
    pairs = {}
    for name, zh in chinese.items():
        en = "Batch normalization.\n" * zh.count("。")
        pairs[name] = (en.replace(".\n", ".\n\n").rstrip() + "\n", zh)
    reports = _consistency_reports(tmp_path, glossary, pairs)
    # a.zh.md uses 批归一化 throughout; the run's majority (批量归一化, 3 times) is another
    # translator's choice, not an inconsistency of a.zh.md.
    for report in check_run(reports, glossary):
        assert [f for f in report.findings if f.rule == INCONSISTENT_RENDERING.id] == []
    # What the run decides: a document split evenly follows the run's majority.
    split = {"d": ("Batch normalization.\n\nBatch normalization.\n", "批归一化。\n\n批量归一化。\n")}
    *_, d = check_run([*reports, *_consistency_reports(tmp_path, glossary, split)], glossary)
    assert [f.text for f in d.findings if f.rule == INCONSISTENT_RENDERING.id] == ["批归一化"]


# --- generated renderings and term alignment (issue 19) -----------------------------------


@pytest.fixture(scope="module")
def names():
    from pathlib import Path

    from qa.glossary.load import load_glossaries

    return load_glossaries([Path(__file__).resolve().parents[2] / "glossaries" / "names.csv"])


def test_a_generated_transliteration_warns_without_english_naming_its_term(names):
    found = check_document(doc("我们用埃勒克特拉做问答。\n", "x.zh.md"), names)
    assert [(f.rule, f.text, f.term, f.severity) for f in found] == [
        (FORBIDDEN_TERM.id, "埃勒克特拉", "ELECTRA", Severity.WARNING)
    ]
    assert "generated" in found[0].message and found[0].fix is not None


def test_a_generated_rendering_inside_a_longer_word_is_not_reported(names):
    # 伯特 (BERT by sound) inside 罗伯特 (Robert): jieba makes it part of the name.
    assert check_document(doc("罗伯特写了这篇文章。\n", "x.zh.md"), names) == []


def test_a_generated_rendering_is_an_error_where_the_english_has_the_name(names):
    found = findings_for("We fine-tune ELECTRA.\n", "我们微调埃勒克特拉。\n", names)
    assert [(f.text, f.severity, f.suggestion) for f in found if f.rule == FORBIDDEN_TERM.id] == [
        ("埃勒克特拉", Severity.ERROR, "ELECTRA")
    ]


def test_missing_term_is_placed_on_the_span_that_renders_an_unknown_name(glossary):
    found = findings_for("We train SparseNet on images.\n", "我们在图像上训练稀疏网。\n", glossary)
    placed = [(f.text, f.term, f.column) for f in found if f.rule == MISSING_TERM.id]
    assert placed == [("稀疏网", "SparseNet", 9)]


def test_an_unknown_name_kept_in_english_or_translated_otherwise_is_not_reported(glossary):
    assert findings_for("We train SparseNet.\n", "我们训练 SparseNet。\n", glossary) == []
    assert findings_for("We count FLOPs.\n", "我们统计浮点运算次数。\n", glossary) == []


def test_a_generated_rendering_that_runs_into_the_next_word_is_not_reported(names):
    # 库达 (CUDA by sound) across 词汇库|达到, as a human translation writes it.
    assert check_document(doc("直到词汇库达到所需大小。\n", "x.zh.md"), names) == []


def test_missing_term_is_not_placed_on_an_ordinary_word_from_exceptions(glossary):
    # 变压器站 (a transformer station) is listed in Transformer's exceptions: no rendering of it.
    found = findings_for("Drones inspect transformer stations.\n", "无人机巡检变压器站。\n", glossary)
    placed = [(f.text, f.column, f.fix) for f in found if f.rule == MISSING_TERM.id]
    assert placed == [("", 1, None)]
    # Outside the exception the same characters are the wrong rendering they always were.
    found = findings_for("Drones inspect a Transformer.\n", "无人机巡检变压器。\n", glossary)
    assert [(f.rule, f.text) for f in found] == [(FORBIDDEN_TERM.id, "变压器")]


def test_missing_term_is_not_placed_on_another_terms_approved_rendering(glossary):
    # 注意力 renders "attention" as approved; the self-attention the MT wrote is 自身关注.
    found = findings_for("Attention and self-attention layers.\n", "注意力层和自身关注层。\n", glossary)
    assert [(f.text, f.term) for f in found if f.rule == MISSING_TERM.id] == [("关注", "self-attention")]
