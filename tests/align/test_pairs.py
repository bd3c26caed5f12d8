import numpy as np

from qa.align.pairs import align
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
    from qa.align import pairs as align_module

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


def _best_path_in_one_matrix(step_sims, band):
    """align._best_path as it was: every row's costs in one matrix as wide as the widest row."""
    from qa.align.pairs import (
        _ONE_ONE,
        _ONE_ZERO,
        _SCORED_ROW,
        _STEPS_FROM_EARLIER_ROWS,
        SKIP_COST,
        _chain_zero_one,
        _step_costs,
        _trace,
    )

    pad = 2  # columns a step goes back: the dj of 1-2

    scored_costs = _step_costs(step_sims)
    step_costs = np.full((5, scored_costs.shape[1]), SKIP_COST)  # every move's row, 1-0's SKIP_COST
    for move, row in _SCORED_ROW.items():
        step_costs[move] = scored_costs[row]
    assert (step_costs[_ONE_ZERO] == SKIP_COST).all()
    offsets = np.concatenate([[0], np.cumsum(band.hi - band.lo + 1)])
    skips = np.arange(int((band.hi - band.lo).max()) + 1) * SKIP_COST
    los, his, starts = band.lo.tolist(), band.hi.tolist(), offsets.tolist()
    n = len(los) - 1
    reach = max(his[i] - los[max(i - 2, 0)] for i in range(n + 1))
    costs = np.full((n + 1, pad + reach + 1), np.inf)
    moves = []
    for i in range(n + 1):
        lo, width = los[i], his[i] - los[i] + 1
        row_costs = step_costs[:, starts[i] : starts[i + 1]]
        candidates = np.full((5, width), np.inf)
        if i == 0:
            candidates[_ONE_ONE, 0] = 0.0
        for move, di, dj in _STEPS_FROM_EARLIER_ROWS:
            if i >= di:
                first = pad + lo - dj - los[i - di]
                np.add(costs[i - di, first : first + width], row_costs[move], out=candidates[move])
        row_cost, row_move = _chain_zero_one(candidates.min(axis=0), candidates.argmin(axis=0), skips)
        if i == 0:
            row_move[0] = -1
        costs[i, pad : pad + width] = row_cost
        moves.append(row_move)
    return _trace(moves, step_sims, offsets, band, n, int(band.hi[n]))


def test_the_dp_keeps_three_rows_and_finds_what_one_matrix_did():
    from qa.align.pairs import _Band, _band_similarities, _best_path

    rng = np.random.default_rng(22)
    words = ["CLIP", "GAN", "模型", "论文", "2021", "Transformer", "[a](https://x.org)", "`code`"]
    for _ in range(40):
        blocks = lambda k: "\n\n".join(" ".join(rng.choice(words, 3)) for _ in range(k))  # noqa: E731
        source, target = doc(blocks(int(rng.integers(1, 30)))), doc(blocks(int(rng.integers(1, 30))))
        src, tgt = _units(source), _units(target)
        n, m = len(src), len(tgt)
        # A band that is connected but uneven: rows of a few cells, one as wide as the grid.
        lo, hi = np.zeros(n + 1, dtype=np.int64), np.zeros(n + 1, dtype=np.int64)
        for i in range(n + 1):
            lo[i] = 0 if i == 0 else min(hi[i - 1], lo[i - 1] + int(rng.integers(0, 3)))
            hi[i] = min(m, max(lo[i], hi[i - 1] if i else 0) + int(rng.integers(0, 4)))
        hi[int(rng.integers(0, n + 1))] = m
        hi[n] = m
        hi = np.maximum.accumulate(hi)
        band = _Band(lo, hi)
        sims = _band_similarities(src, tgt, band)
        assert _best_path(sims, band) == _best_path_in_one_matrix(sims, band)


def test_past_the_coarse_grid_every_block_is_still_paired_once_and_in_order():
    # 3,000 blocks: beyond COARSE_SIDE * MAX_GROUP, the coarse pass is searched in a band too.
    source, target = doc("Para 1.\n\n" * 3_000), doc("段落 1。\n\n" * 2_500)
    alignment = align(source, target)
    assert [s.index for p in alignment.pairs for s in p.source] == list(range(len(source.segments)))
    assert [s.index for p in alignment.pairs for s in p.target] == list(range(len(target.segments)))


def test_the_band_grows_linearly_with_the_document():
    # Its cells are the DP's work. With groups of n / COARSE_SIDE blocks and a band a few
    # groups wide, 4 times the blocks made 16 times the cells; refined down to MAX_GROUP, 4.
    from qa.align.pairs import _search_band

    def cells(blocks: int) -> int:
        source, target = doc("Para 1.\n\n" * blocks), doc("段落 1。\n\n" * (blocks * 3 // 4))
        band = _search_band(_units(source), _units(target))
        return int((band.hi - band.lo + 1).sum())

    assert cells(10_000) < 6 * cells(2_500)


def shapes(english: str, chinese: str) -> list[tuple[str, tuple[int, int] | None, tuple[int, int] | None]]:
    return pair_types(align(doc(english), doc(chinese)))


def test_a_framework_block_whose_text_the_translator_set_apart_pairs_one_to_two():
    english = (
        "Convert a checkpoint like this.\n\n<frameworkcontent>\n<pt>\n"
        "Specify `from_tf=True` to convert a checkpoint:\n\n"
        "```py\nmodel = Model.from_pretrained(path, from_tf=True)\n```\n</pt>\n<tf>\n"
        "Then save the new model in a folder:\n\n"
        "```py\nmodel.save_pretrained(path)\n```\n</tf>\n</frameworkcontent>\n"
    )
    chinese = (
        "像这样转换检查点。\n\n<frameworkcontent>\n<pt>\n\n指定 `from_tf=True` 来转换检查点：\n\n"
        "```py\nmodel = Model.from_pretrained(path, from_tf=True)\n```\n</pt>\n<tf>\n\n"
        "然后把新模型保存到一个文件夹：\n\n"
        "```py\nmodel.save_pretrained(path)\n```\n</tf>\n</frameworkcontent>\n"
    )
    types = shapes(english, chinese)
    assert (PairType.ONE_TWO, (3, 5), (3, 6)) in types and (PairType.ONE_TWO, (10, 12), (11, 14)) in types
    assert not any(t in (PairType.ONE_ZERO, PairType.ZERO_ONE) for t, _, _ in types)


def test_an_html_block_holding_two_tags_and_a_sentence_pairs_one_to_three():
    english = (
        "{#if fw === 'pt'}\nThe files are listed on the page.\n\n<div>\n<img src=\"a.png\"/>\n</div>\n{:else}\n"
        "If we look at the repository now, we can see every file we just added:\n\n"
        '<div>\n<img src="b.png"/>\n</div>\n{/if}\n'
    )
    chinese = (
        "{#if fw === 'pt'}\n页面上列出了这些文件。\n\n<div>\n<img src=\"a.png\"/>\n</div>\n\n{:else}\n\n"
        '现在查看仓库，我们可以看到刚刚添加的所有文件：\n\n<div>\n<img src="b.png"/>\n</div>\n{/if}\n'
    )
    types = shapes(english, chinese)
    assert (PairType.ONE_THREE, (4, 8), (4, 10)) in types
    assert not any(t in (PairType.ONE_ZERO, PairType.ZERO_ONE) for t, _, _ in types)


def test_a_paragraph_split_around_its_images_pairs_with_all_its_parts():
    english = (
        "# Demo\n\nThe first run looks like this ![first](img/run1.png) "
        "and the second like this ![second](img/run2.png).\n\nThe end.\n"
    )
    chinese = (
        "# 演示\n\n第一次运行是这样的：\n\n![first](img/run1.png)\n\n"
        "第二次运行是这样的：![second](img/run2.png)\n\n结束。\n"
    )
    assert shapes(english, chinese) == [
        (PairType.ONE_ONE, (1, 1), (1, 1)),
        (PairType.ONE_THREE, (3, 3), (3, 7)),
        (PairType.ONE_ONE, (5, 5), (9, 9)),
    ]


def test_an_image_on_the_last_line_of_a_paragraph_pairs_two_to_one():
    english = "# Demo\n\nYou can see the history and the diff:\n\n![diff](img/diff.png)\n\n## Setup\n"
    chinese = "# 演示\n\n你可以查看历史记录和差异：\n![diff](img/diff.png)\n\n## 设置\n"
    assert (PairType.TWO_ONE, (3, 5), (3, 4)) in shapes(english, chinese)


def test_a_dropped_image_or_paragraph_stays_unpaired():
    english = (
        "# Demo\n\nYou can see the history:\n\n![diff](img/diff.png)\n\n"
        "Then we train the model on the data.\n\n## Setup\n"
    )
    chinese = "# 演示\n\n你可以查看历史记录：\n\n## 设置\n"
    types = shapes(english, chinese)
    assert (PairType.ONE_ZERO, (5, 5), None) in types and (PairType.ONE_ZERO, (7, 7), None) in types
    # Prose next to an HTML block whose own side has prose too is no part of it.
    english = "<Tip>\nKeep the notebook open while training.\n</Tip>\n\nThe end.\n"
    chinese = "<Tip>\n训练时保持笔记本打开。\n</Tip>\n\n这是译者加的说明，英文里没有。\n\n结束。\n"
    assert (PairType.ZERO_ONE, None, (5, 5)) in shapes(english, chinese)


def _units(document):
    """The DP's units of a document without vectors, as `align` makes them."""
    from qa.align.pairs import _anchors, _block_units

    return _block_units(document.segments, tuple(map(_anchors, document.segments)), None)
