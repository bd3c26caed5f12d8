from qa.align.pairs import align
from qa.rules.alignment import (
    EXTRA_BLOCK,
    MISSING_BLOCK,
    TRUNCATED_TARGET,
    UNRELATED_DOCUMENTS,
    check_alignment,
)
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


LONG_EN = "\n\n".join(
    [
        f"## Section {k}\n\nParagraph {k} describes model M{k}X with {k * 7 + 10} layers at https://x.dev/{k}."
        for k in range(8)
    ]
)
LONG_ZH = "\n\n".join(
    [f"## 第 {k} 节\n\n第 {k} 段介绍了有 {k * 7 + 10} 层的模型 M{k}X，见 https://x.dev/{k}。" for k in range(8)]
)


def test_truncated_translation_is_one_finding_not_many():
    half = "\n\n".join(LONG_ZH.split("\n\n")[:8]) + "\n"
    findings = check_alignment(align(doc(LONG_EN, "a.en.md"), doc(half, "a.zh.md")))
    assert [f.rule for f in findings] == [TRUNCATED_TARGET.id]
    assert findings[0].line == 15  # the last line of the Chinese file
    assert "the last 8 of 16 English blocks, from a.en.md:17" in findings[0].message


def test_one_missing_block_at_the_end_is_not_truncation():
    zh = LONG_ZH.rsplit("\n\n", 1)[0] + "\n"
    findings = check_alignment(align(doc(LONG_EN), doc(zh)))
    assert [f.rule for f in findings] == [MISSING_BLOCK.id]


def test_another_article_is_reported_and_nothing_else():
    other = "\n\n".join(f"今天我们去了公园，第 {k} 次看到了很多花和树，还吃了午饭。" for k in range(12)) + "\n"
    findings = check_alignment(align(doc(LONG_EN, "a.en.md"), doc(other, "b.zh.md")))
    assert [f.rule for f in findings] == [UNRELATED_DOCUMENTS.id]
    assert UNRELATED_DOCUMENTS.id not in {f.rule for f in check_alignment(align(doc(LONG_EN), doc(LONG_ZH)))}


def test_inline_code_made_a_code_block_is_neither_missing_nor_extra():
    english = "# Install\n\nInstall the package first:\n\n`$ pip install gradio`\n\nThen import it in Python.\n"
    chinese = "# 安装\n\n首先安装这个包：\n\n```bash\npip install gradio\n```\n\n然后在 Python 中导入它。\n"
    assert check_alignment(align(doc(english), doc(chinese))) == []
    other = chinese.replace("pip install gradio", "conda install gradio")
    assert {f.rule for f in check_alignment(align(doc(english), doc(other)))} == {MISSING_BLOCK.id, EXTRA_BLOCK.id}


def test_a_paragraph_split_around_its_image_is_no_missing_block():
    english = EN.replace(
        "First paragraph about CLIP.", "First paragraph about CLIP, shown here ![clip](img/clip.png) in a figure."
    )
    chinese = (
        "# 标题\n\n关于 CLIP 的第一段，如图所示：\n\n![clip](img/clip.png)\n\n"
        "关于 GAN 的第二段。\n\n关于 BERT 的第三段。\n"
    )
    assert check_alignment(align(doc(english), doc(chinese))) == []
