from qa.align import align
from qa.checks.glossary import FORBIDDEN_TERM, MISSING_TERM, check_alignment, check_document
from qa.model import Severity
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
