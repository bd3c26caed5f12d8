import numpy as np
import pytest

from qa.model import Pair, Segment
from qa.score.drift import (
    MIN_PAIRS,
    Calibration,
    _mean_vectors,
    _too_few,
    calibrated,
    calibration_for,
    components,
    score_pairs,
    scoreable,
    too_few_scored,
)
from tests.conftest import doc


def _mean_vector(segments: tuple[Segment, ...], vectors: np.ndarray) -> np.ndarray:
    """The one-side computation `_mean_vectors` replaced: the reference it is held to."""
    summed = vectors[[s.index for s in segments]].sum(axis=0)
    norm = float(np.linalg.norm(summed))
    return summed / norm if norm > 0 else summed


def too_few_pairs(pairs) -> str | None:
    """The note judged from the pairs themselves: the reference `too_few_scored` is held to."""
    return _too_few(sum(1 for pair in pairs if scoreable(pair)))


EN = "# Hi\n\nThe model reads papers quickly and well.\n\n```\ncode\n```\n\nhttps://example.dev/very/long/url/only\n"
ZH = "# 你好\n\n该模型快速而准确地阅读论文。\n\n```\ncode\n```\n\nhttps://example.dev/very/long/url/only\n"

CALIBRATION = Calibration("test", good_relative=0.2, good_margin=0.4, threshold=0.5)


def one_to_one(source, target):
    return [Pair(i, (s,), (t,), None) for i, (s, t) in enumerate(zip(source.segments, target.segments, strict=True))]


def paragraphs(count: int):
    en = "\n\n".join(f"English paragraph number {k} about a topic." for k in range(count))
    zh = "\n\n".join(f"关于某个主题的第 {k} 个中文段落。" for k in range(count))
    return one_to_one(doc(en), doc(zh))


def similarity_matrix(diagonal, off_diagonal: float) -> np.ndarray:
    matrix = np.full((len(diagonal), len(diagonal)), off_diagonal)
    np.fill_diagonal(matrix, diagonal)
    return matrix


def test_short_headings_code_and_urls_get_no_score():
    pairs = one_to_one(doc(EN), doc(ZH))
    vectors = np.eye(4, 3, dtype=np.float32)
    scores = score_pairs(pairs, vectors, vectors.copy(), CALIBRATION)
    assert [s.drift for s in scores] == [None, None, None, None]  # one scoreable pair: too few to calibrate
    assert [s.cosine for s in scores] == [None, 1.0, None, None]
    assert too_few_pairs(pairs) is not None and str(MIN_PAIRS) in too_few_pairs(pairs)
    assert too_few_scored(scores) == too_few_pairs(pairs)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5])
def test_too_few_scored_counts_the_pairs_too_few_pairs_judges_scoreable(count):
    """The pipeline's note comes from the scores; it must say what judging the pairs says."""
    pairs = one_to_one(
        doc(EN + "\n" * 2 + "\n\n".join(f"A paragraph long enough, number {k}." for k in range(count))),
        doc(ZH + "\n" * 2 + "\n\n".join(f"足够长的第 {k} 个段落。" for k in range(count))),
    )
    rng = np.random.default_rng(count)
    vectors = rng.standard_normal((len(pairs), 8)).astype(np.float32)
    vectors[2] = 0.0  # a zero vector still gets a cosine: scoreable is about text, not vectors
    scores = score_pairs(pairs, vectors, vectors.copy(), CALIBRATION)
    assert too_few_scored(scores) == too_few_pairs(pairs)


def test_empty_side_gets_no_score():
    source = doc("A paragraph that is long enough to score.\n")
    scores = score_pairs([Pair(0, source.segments, (), None)], np.ones((1, 2), np.float32), np.zeros((0, 2)))
    assert scores[0].drift is None and scores[0].cosine is None


def test_a_pair_as_alike_as_the_mismatched_pairs_scores_1_and_a_typical_good_one_0():
    # Off-diagonal cosines 0.2 everywhere: a pair at cosine 0.2 is "as unrelated as the rest".
    good = 1 - (1 - 0.2) * CALIBRATION.good_relative  # relative distance exactly good_relative
    parts = components(similarity_matrix([good, good, good, good, 0.2], 0.2))
    drift = calibrated(parts, CALIBRATION)
    assert drift[-1] == pytest.approx(1.0)
    assert drift[0] == pytest.approx(0.5 * max(0.0, (CALIBRATION.good_margin - parts.margin[0])) / 0.6, abs=0.05)
    assert all(0.0 <= d <= 1.0 for d in drift)


def test_the_same_relative_position_means_the_same_drift_in_every_document():
    """Two documents whose unrelated blocks are 0.1 and 0.4 alike: a pair halfway between a
    good translation and unrelated text scores the same in both."""
    drifts = []
    for mismatched in (0.1, 0.4):
        spread = 1 - mismatched
        good = 1 - 0.2 * spread  # relative distance 0.2 in both documents
        halfway = 1 - 0.6 * spread
        matrix = similarity_matrix([good] * 6 + [halfway], mismatched)
        drifts.append(calibrated(components(matrix), CALIBRATION)[-1])
    assert drifts[0] == pytest.approx(drifts[1], abs=1e-6)
    # distance: (0.6 - 0.2) / (1 - 0.2) = 0.5; margin: 0.4, exactly the good margin, so 0
    assert drifts[0] == pytest.approx((0.5 + 0.0) / 2)


def test_margin_catches_a_target_that_fits_other_sources_better():
    """The same own cosine is more suspicious when the Chinese fits other English blocks better."""
    calibration = calibration_for("use-multilingual")
    alone = similarity_matrix([0.8, 0.8, 0.55, 0.8, 0.8, 0.8, 0.8, 0.8], 0.2)
    competing = alone.copy()
    competing[[0, 1, 3, 4], 2] = 0.6  # the Chinese of pair 2 matches four other English blocks
    parts_alone, parts_competing = components(alone), components(competing)
    assert parts_competing.margin[2] < parts_alone.margin[2] - 0.2
    drift_alone, drift_competing = calibrated(parts_alone, calibration), calibrated(parts_competing, calibration)
    assert drift_competing[2] > drift_alone[2] + 0.1
    assert drift_competing[2] == max(drift_competing) > calibration.threshold


def test_score_pairs_flags_the_unrelated_paragraph_in_a_real_layout():
    pairs = paragraphs(6)
    rng = np.random.default_rng(0)
    topics = rng.normal(size=(6, 16)).astype(np.float32)
    source = topics / np.linalg.norm(topics, axis=1, keepdims=True)
    target = source + 0.3 * rng.normal(size=source.shape).astype(np.float32)
    target[4] = rng.normal(size=16)  # the Chinese of pair 4 is about something else
    target /= np.linalg.norm(target, axis=1, keepdims=True)
    scores = score_pairs(pairs, source, target, calibration_for("use-multilingual"))
    drift = [s.drift for s in scores]
    assert drift.index(max(drift)) == 4
    assert drift[4] > calibration_for("use-multilingual").threshold
    assert all(d < drift[4] for k, d in enumerate(drift) if k != 4)


def test_unmeasured_models_anchor_0_at_the_documents_median_pair():
    calibration = calibration_for("some/other-model")
    assert not calibration.measured and "unmeasured" in calibration.describe()
    parts = components(similarity_matrix([0.9, 0.8, 0.7, 0.85, 0.3], 0.2))
    drift = calibrated(parts, calibration)
    assert drift[1] == 0.0  # the median pair
    assert drift[4] == max(drift) > 0.5


def test_threshold_override_keeps_the_calibration():
    overridden = calibration_for("use-multilingual", threshold=0.9)
    assert overridden.threshold == 0.9
    assert overridden.good_relative == calibration_for("use-multilingual").good_relative


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mean_vectors_in_bulk_are_the_mean_vector_of_each_side_bit_for_bit(dtype):
    # Sides of one block and of several, a zero vector alone and among others, tiny and
    # huge values: every row must be exactly `_mean_vector`'s, as drift is rounded from it.
    segments = doc("\n\n".join(f"Paragraph {k}." for k in range(40))).segments
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(len(segments), 512)).astype(dtype)
    vectors[3] = 0
    vectors[5] *= 1e-20
    vectors[6] *= 1e15
    sides = [(segments[k],) for k in range(len(segments))]
    sides += [(segments[3],), (segments[3], segments[4]), (segments[0], segments[1], segments[2])]
    sides += [(segments[5], segments[6])] + [(segments[k], segments[k + 1]) for k in range(7, 30)]
    expected = np.stack([_mean_vector(side, vectors) for side in sides])
    bulk = _mean_vectors(sides, vectors)
    assert bulk.dtype == expected.dtype
    assert bulk.tobytes() == expected.tobytes()
