from qa.align import align
from qa.checks.alignment import EXTRA_BLOCK, MISSING_BLOCK, check_alignment
from tests.conftest import doc

EN = "# Title\n\nFirst paragraph about CLIP.\n\nSecond paragraph about GANs.\n\nThird paragraph about BERT.\n"


def test_missing_block_points_at_where_the_translation_should_be():
    zh = "# 标题\n\n关于 CLIP 的第一段。\n\n关于 BERT 的第三段。\n"
    findings = check_alignment(align(doc(EN, "a.en.md"), doc(zh, "a.zh.md")))
    assert [(f.rule, f.line, f.file) for f in findings] == [(MISSING_BLOCK.id, 5, "a.zh.md")]
    assert "a.en.md:5" in findings[0].message


def test_extra_block_is_reported_on_its_line():
    zh = "# 标题\n\n关于 CLIP 的第一段。\n\n关于 GAN 的第二段。\n\n关于 BERT 的第三段。\n\n译者注：补充说明。\n"
    findings = check_alignment(align(doc(EN, "a.en.md"), doc(zh, "a.zh.md")))
    assert [(f.rule, f.line, f.text) for f in findings] == [(EXTRA_BLOCK.id, 9, "译者注：补充说明。")]


def test_parallel_documents_have_no_alignment_findings():
    zh = "# 标题\n\n关于 CLIP 的第一段。\n\n关于 GAN 的第二段。\n\n关于 BERT 的第三段。\n"
    assert check_alignment(align(doc(EN), doc(zh))) == []
