import numpy as np

from qa.drift import score_pairs
from qa.model import Pair
from tests.conftest import doc

EN = "# Hi\n\nThe model reads papers quickly and well.\n\n```\ncode\n```\n\nhttps://example.dev/very/long/url/only\n"
ZH = "# 你好\n\n该模型快速而准确地阅读论文。\n\n```\ncode\n```\n\nhttps://example.dev/very/long/url/only\n"


def one_to_one(source, target):
    return [Pair(i, (s,), (t,), None) for i, (s, t) in enumerate(zip(source.segments, target.segments, strict=True))]


def test_scores_prose_pairs_and_skips_short_headings_code_and_urls():
    pairs = one_to_one(doc(EN), doc(ZH))
    source_vectors = np.eye(4, 3, dtype=np.float32)
    target_vectors = source_vectors.copy()
    target_vectors[1] = [0.0, 0.8, 0.6]  # cosine 0.8 with the English paragraph
    scores = score_pairs(pairs, source_vectors, target_vectors)
    assert [s.drift for s in scores] == [None, 0.2, None, None]


def test_empty_side_gets_no_score():
    source = doc("A paragraph that is long enough to score.\n")
    scores = score_pairs([Pair(0, source.segments, (), None)], np.ones((1, 2), np.float32), np.zeros((0, 2)))
    assert scores[0].drift is None
