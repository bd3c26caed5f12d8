"""Long blocks reach the encoder as bounded windows; short ones exactly as before."""

from __future__ import annotations

import numpy as np

from qa.embed import windows
from qa.embed.cache import EMBEDDINGS_FILE, CachedEncoder, EmbeddingStore, text_key
from qa.embed.windows import MAX_WINDOWS, WINDOW_CHARS, block_windows, encode_blocks, pool, split, window_texts
from tests.conftest import HashEncoder, doc


def english(sentences: int) -> str:
    """Distinct sentences of 40-odd characters: 'Sentence 12 says the model fits well.'"""
    return " ".join(f"Sentence {i} says the model number {i * 7} fits well." for i in range(sentences))


def test_a_block_up_to_the_window_size_is_its_own_window_untouched():
    text = "  A paragraph with spaces at both ends.  "
    assert block_windows(text) == windows.BlockWindows((text,), 1)
    edge = "x" * WINDOW_CHARS
    assert block_windows(edge).windows == (edge,) and not block_windows(edge).windowed


def test_windows_cut_at_sentence_ends_and_cover_the_text_in_order():
    text = english(200)
    parts = split(text, 300)
    assert len(parts) > 1 and all(len(p) <= 300 for p in parts)
    assert all(p.endswith("well.") for p in parts)  # every cut after a full sentence
    assert " ".join(parts) == text


def test_chinese_windows_cut_after_chinese_punctuation():
    text = "".join(f"第{i}句话说模型很好。" for i in range(300))
    parts = split(text, 100)
    assert all(len(p) <= 100 and p.endswith("。") for p in parts)
    assert "".join(parts) == text


def test_without_sentence_ends_a_window_cuts_at_a_space_then_anywhere():
    words = " ".join(f"word{i}" for i in range(500))
    parts = split(words, 64)
    assert all(len(p) <= 64 for p in parts) and " ".join(parts) == words
    assert all(part.split(" ")[-1] in words.split(" ") for part in parts)  # no word cut in two
    solid = "模" * 1000
    assert [len(p) for p in split(solid, 300)] == [300, 300, 300, 100]


def test_a_very_long_block_is_sampled_evenly_and_says_how_many_windows_it_has():
    text = "".join(f"第{i}句。" for i in range(20000))
    block = block_windows(text, size=50)
    whole = split(text, 50)
    assert block.sampled and block.total == len(whole) > MAX_WINDOWS
    assert len(block.windows) == MAX_WINDOWS
    positions = [whole.index(w) for w in block.windows]
    assert positions == sorted(positions)
    gaps = np.diff(positions)
    assert gaps.max() - gaps.min() <= 1  # evenly spread
    assert positions[0] < len(whole) / MAX_WINDOWS and positions[-1] > len(whole) * (1 - 1 / MAX_WINDOWS)
    assert block_windows(text, size=50) == block  # deterministic: same vector, same cache keys


def test_short_blocks_reach_the_encoder_exactly_as_given_in_one_call():
    texts = ["First.", "第二段。", "First.", "Third one."]
    encoder = HashEncoder()
    vectors = encode_blocks(encoder, texts)
    assert encoder.calls == [texts]
    assert np.array_equal(vectors, HashEncoder().encode(texts))


def test_a_long_block_is_the_length_weighted_mean_of_its_windows_and_the_encoder_sees_no_long_text():
    long_text = english(400)  # ~20,000 characters
    assert len(long_text) > 4 * WINDOW_CHARS
    encoder = HashEncoder()
    vectors = encode_blocks(encoder, ["Short.", long_text])
    assert encoder.longest <= WINDOW_CHARS
    parts = block_windows(long_text).windows
    assert encoder.calls == [["Short.", *parts]]
    expected = pool(HashEncoder().encode(parts), parts)
    assert np.allclose(vectors[1], expected) and np.isclose(np.linalg.norm(vectors[1]), 1.0)
    assert np.array_equal(vectors[0], HashEncoder().encode(["Short."])[0])


def test_pooling_weights_each_window_by_its_length():
    vectors = np.eye(2, dtype=np.float32)
    pooled = pool(vectors, ["x" * 300, "y" * 100])
    assert np.allclose(pooled, np.array([3, 1]) / np.sqrt(10))


def test_each_encoder_call_carries_at_most_call_texts(monkeypatch):
    monkeypatch.setattr(windows, "CALL_TEXTS", 3)
    encoder = HashEncoder()
    texts = [f"Block {i}." for i in range(7)]
    vectors = encode_blocks(encoder, texts)
    assert [len(c) for c in encoder.calls] == [3, 3, 1]
    assert np.array_equal(vectors, HashEncoder().encode(texts))


def test_the_cache_keeps_window_vectors_under_the_window_text(tmp_path):
    """A cached vector is always the model's vector of exactly its text: an edit to one part
    of a long block re-embeds the windows it touched, not the block."""
    store = EmbeddingStore(tmp_path / EMBEDDINGS_FILE)
    model = HashEncoder()
    first = encode_blocks(CachedEncoder(model, store, "hash/v1"), [english(400)])
    parts = block_windows(english(400)).windows
    assert set(store.get("hash/v1", parts, 6)) == {text_key(p) for p in parts}
    assert text_key(english(400)) not in store.get("hash/v1", [english(400)], 6)

    edited = english(400).replace("Sentence 399 says", "Sentence 399 now says")
    again = HashEncoder()
    encode_blocks(CachedEncoder(again, store, "hash/v1"), [english(400)])
    assert again.calls == []  # all windows cached
    second = encode_blocks(CachedEncoder(again, store, "hash/v1"), [edited])
    assert again.calls == [[block_windows(edited).windows[-1]]]
    assert not np.allclose(first, second)


def test_window_texts_are_what_encode_blocks_sends():
    texts = ["Short.", english(400), "Short."]
    encoder = HashEncoder()
    encode_blocks(encoder, texts)
    assert window_texts(texts) == encoder.calls[0]


def test_notes_name_windowed_and_sampled_blocks_by_line():
    long_text = english(400)
    huge = "".join(f"第{i}句话说模型很好。" for i in range(40000))
    document = doc(f"Short.\n\n{long_text}\n\n{huge}\n", path="a.en.md")
    (note,) = windows.notes([document, doc("Short.\n", path="b.zh.md")])
    assert note.startswith("a.en.md: 2 block(s) over 2,000 characters (lines 3, 5)")
    assert f"1 block(s) of more than {MAX_WINDOWS} windows (line 5) were sampled" in note
    assert f"line 5: {MAX_WINDOWS} of {block_windows(huge).total}" in note
    assert windows.notes([doc("Short.\n")]) == []
