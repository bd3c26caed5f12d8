import numpy as np

from qa.align import align
from qa.model import PairType
from tests.conftest import KeywordEncoder, doc

EN = """# Weekly news

A [Transformer paper](https://arxiv.org/abs/2104.01234) came out with 84.1% accuracy.

![](img/a.png)

The second paragraph talks about the CLIP model and 300 lines of code.

The third paragraph is about GAN faces and a benchmark of 2021.

## Papers

The last paragraph covers CutMix boxes in https://arxiv.org/abs/2104.04680 today.
"""

ZH = """# 每周新闻

一篇 [Transformer 论文](https://arxiv.org/abs/2104.01234) 发布了，准确率为 84.1%。

![](img/a.png)

第二段讲的是 CLIP 模型和 300 行代码。

第三段是关于 GAN 生成的人脸和 2021 年的一个基准。

## 论文

最后一段介绍 https://arxiv.org/abs/2104.04680 中的 CutMix 框。
"""


def pair_types(alignment):
    return [(p.type, p.source_lines, p.target_lines) for p in alignment.pairs]


def test_parallel_documents_align_one_to_one_without_embeddings():
    alignment = align(doc(EN), doc(ZH))
    assert [p.type for p in alignment.pairs] == [PairType.ONE_ONE] * 7
    assert [p.source_lines for p in alignment.pairs] == [p.target_lines for p in alignment.pairs]


def test_missing_paragraph_becomes_a_one_zero_pair():
    zh = ZH.replace("第二段讲的是 CLIP 模型和 300 行代码。\n\n", "")
    alignment = align(doc(EN), doc(zh))
    types = pair_types(alignment)
    assert (PairType.ONE_ZERO, (7, 7), None) in types
    assert sum(t == PairType.ONE_ONE for t, _, _ in types) == 6


def test_extra_paragraph_becomes_a_zero_one_pair():
    zh = ZH.replace("## 论文", "译者注：这一段在英文里没有。\n\n## 论文")
    types = pair_types(align(doc(EN), doc(zh)))
    assert (PairType.ZERO_ONE, None, (11, 11)) in types


def test_merged_target_paragraph_becomes_two_to_one():
    zh = ZH.replace("第二段讲的是 CLIP 模型和 300 行代码。\n\n第三段", "第二段讲的是 CLIP 模型和 300 行代码。第三段")
    source, target = doc(EN), doc(zh)
    encoder = KeywordEncoder({"CLIP": 0, "GAN": 1, "CutMix": 2, "Transformer": 3})
    vectors = encoder.encode([s.text for s in source.segments]), encoder.encode([s.text for s in target.segments])
    types = pair_types(align(source, target, *vectors))
    assert (PairType.TWO_ONE, (7, 9), (7, 7)) in types


def test_every_block_is_paired_exactly_once_and_in_order():
    source, target = doc(EN), doc(ZH.replace("## 论文\n\n", ""))
    alignment = align(source, target)
    assert [s.index for p in alignment.pairs for s in p.source] == list(range(len(source.segments)))
    assert [s.index for p in alignment.pairs for s in p.target] == list(range(len(target.segments)))


def test_empty_sides():
    assert [p.type for p in align(doc(EN), doc("")).pairs] == [PairType.ONE_ZERO] * 7
    assert align(doc(""), doc("")).pairs == ()


def test_deterministic():
    source, target = doc(EN), doc(ZH)
    vectors = np.eye(len(source.segments), 4, dtype=np.float32), np.eye(len(target.segments), 4, dtype=np.float32)
    assert align(source, target, *vectors) == align(source, target, *vectors)


def test_long_documents_use_the_band_and_still_find_the_missing_block():
    from qa import align as align_module

    count = 700  # 701 x 700 cells: above FULL_GRID_CELLS, so the coarse band search runs
    assert (count + 1) ** 2 > align_module.FULL_GRID_CELLS
    en = "\n\n".join(
        f"Paragraph {k} cites arXiv {2100 + k}.{k:05d} and the model M{k}X, which improves accuracy on "
        "several benchmarks while keeping its memory use low."
        for k in range(count)
    )
    zh_blocks = [
        f"第 {k} 段引用了 arXiv {2100 + k}.{k:05d} 和模型 M{k}X，它在多个基准上提高了准确率，同时保持较低的内存占用。"
        for k in range(count)
    ]
    del zh_blocks[400]
    alignment = align(doc(en), doc("\n\n".join(zh_blocks)))
    skipped = [p for p in alignment.pairs if p.type is not PairType.ONE_ONE]
    assert [(p.type, p.source[0].index) for p in skipped] == [(PairType.ONE_ZERO, 400)]
