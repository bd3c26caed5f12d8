"""Batch embedding: every distinct block once, served from memory with the same vectors."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from qa.batchembed import (
    EmbeddedTexts,
    MemoryEncoder,
    documents_to_embed,
    embed_documents,
    embed_texts,
    segment_texts,
)
from qa.embed.cache import CachedEncoder, EmbeddingStore
from qa.embed.windows import WINDOW_CHARS
from qa.errors import QaInputError
from qa.executors import plan_tasks
from qa.pipeline import CheckOptions, run_check
from qa.report.json import render
from tests.conftest import EXAMPLES, KeywordEncoder, doc

KEYWORDS = {"Transformer": 0, "CLIP": 1, "GAN": 2, "模型": 3, "model": 3, "数据": 4, "data": 4}


class CountingEncoder(KeywordEncoder):
    """Records every call, to see what reaches the model."""

    def __init__(self) -> None:
        super().__init__(KEYWORDS)
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        return super().encode(texts)


def test_embedded_texts_serve_rows_in_order_with_repeats():
    vectors = EmbeddedTexts(("a", "b", "c"), np.arange(6, dtype=np.float32).reshape(3, 2))
    assert vectors.rows(["c", "a", "c"]).tolist() == [[4, 5], [0, 1], [4, 5]]
    assert vectors.rows([]).shape == (0, 2)
    assert "b" in vectors and "z" not in vectors
    with pytest.raises(KeyError):
        vectors.rows(["z"])
    part = vectors.subset(["c", "z", "c", "a"])
    assert part.texts == ("c", "a") and part.rows(["a"]).tolist() == [[0, 1]]


def test_embedded_texts_pickle_without_their_index_and_rebuild_it():
    vectors = EmbeddedTexts(("a", "b"), np.eye(2, dtype=np.float32), problems=("cache note",))
    data = pickle.dumps(vectors)
    again = pickle.loads(data)
    assert again.rows(["b"]).tolist() == [[0, 1]] and again.problems == ("cache note",)
    assert b"_row" not in data


def test_embedded_texts_refuse_a_matrix_of_another_length():
    with pytest.raises(ValueError, match="2 texts but a matrix of shape"):
        EmbeddedTexts(("a", "b"), np.zeros((3, 4), dtype=np.float32))


def test_embed_texts_sends_each_distinct_text_once_in_batches():
    encoder = CountingEncoder()
    vectors = embed_texts(encoder, ["x model", "y data", "x model", "z GAN", "w"], batch=2)
    assert encoder.calls == [["x model", "y data"], ["z GAN", "w"]]
    assert vectors.texts == ("x model", "y data", "z GAN", "w")
    assert np.array_equal(vectors.rows(["z GAN"]), KeywordEncoder(KEYWORDS).encode(["z GAN"]))


def test_embed_texts_of_nothing_has_the_encoders_dimension():
    vectors = embed_texts(CountingEncoder(), [])
    assert vectors.matrix.shape == (0, 8)


def test_segment_texts_are_distinct_non_blank_block_texts_in_order():
    first = doc("# Title\n\nSame paragraph.\n\n```\n\n```\n")
    second = doc("Same paragraph.\n\nOther one.\n")
    assert segment_texts([first, second]) == ["Title", "Same paragraph.", "Other one."]


def test_documents_to_embed_are_what_run_check_embeds(tmp_path):
    target, source = EXAMPLES / "issue13.zh.md", EXAMPLES / "issue13.en.md"
    assert documents_to_embed(CheckOptions(target, None, "m")) == []
    assert documents_to_embed(CheckOptions(target, source, None)) == []
    paths = [d.path for d in documents_to_embed(CheckOptions(target, source, "m", reference=target))]
    assert paths == [str(source), str(target), str(target)]
    bad = tmp_path / "bad.en.md"
    bad.write_bytes(b"\xff\n")
    with pytest.raises(QaInputError, match="not valid UTF-8"):
        documents_to_embed(CheckOptions(target, bad, "m"))


def test_memory_encoder_serves_vectors_without_a_model():
    vectors = embed_texts(KeywordEncoder(KEYWORDS), ["a model", "data"])
    encoder = MemoryEncoder("m", vectors)
    assert np.array_equal(encoder.encode(["data", "a model"]), vectors.rows(["data", "a model"]))
    with pytest.raises(KeyError, match="not embedded beforehand"):
        encoder.encode(["a GAN"])


def test_memory_encoder_loads_its_fallback_once_and_only_for_missing_texts():
    vectors = embed_texts(KeywordEncoder(KEYWORDS), ["a model"])
    fallback = CountingEncoder()
    loads = []

    def load():
        loads.append(1)
        return fallback

    encoder = MemoryEncoder("m", vectors, fallback=load)
    assert encoder.encode(["a model"]).shape == (1, 8) and loads == []
    mixed = encoder.encode(["a GAN", "a model", "a GAN", "data"])
    encoder.encode(["more data"])
    assert loads == [1] and fallback.calls == [["a GAN", "data"], ["more data"]]
    assert np.array_equal(mixed, KeywordEncoder(KEYWORDS).encode(["a GAN", "a model", "a GAN", "data"]))


def test_reports_from_batch_vectors_equal_reports_embedded_file_by_file(glossary, tmp_path):
    """Through the same on-disk cache: the batch path changes where vectors come from, not them."""
    model = KeywordEncoder.name
    options = CheckOptions(EXAMPLES / "issue13.zh.md", EXAMPLES / "issue13.en.md", model)
    store = EmbeddingStore(tmp_path / "embeddings.sqlite3")
    cached = CachedEncoder(KeywordEncoder(KEYWORDS), store, model)
    expected = render(run_check(options, glossary, lambda _: cached))
    vectors = embed_documents(cached, documents_to_embed(options))
    batched = render(run_check(options, glossary, lambda _: MemoryEncoder(model, vectors)))
    assert batched == expected
    assert any(pair["cosine"] is not None for pair in json.loads(batched)["pairs"])


def test_a_long_block_is_embedded_beforehand_as_the_windows_run_check_asks_for(glossary, tmp_path):
    """A long paragraph's windows, not its text, are what the batch embeds and serves."""
    long_english = " ".join(f"Sentence {i} is about the model and its data." for i in range(300))
    long_chinese = "".join(f"第 {i} 句讲模型和数据。" for i in range(300))
    (tmp_path / "a.en.md").write_text(f"A GAN.\n\n{long_english}\n\nCLIP data.\n", encoding="utf-8")
    (tmp_path / "a.zh.md").write_text(f"一个 GAN。\n\n{long_chinese}\n\nCLIP 数据。\n", encoding="utf-8")
    options = CheckOptions(tmp_path / "a.zh.md", tmp_path / "a.en.md", KeywordEncoder.name)
    texts = segment_texts(documents_to_embed(options))
    assert long_english not in texts and max(len(t) for t in texts) <= WINDOW_CHARS
    expected = render(run_check(options, glossary, lambda _: KeywordEncoder(KEYWORDS)))
    vectors = embed_documents(KeywordEncoder(KEYWORDS), documents_to_embed(options))
    assert render(run_check(options, glossary, lambda _: MemoryEncoder(KeywordEncoder.name, vectors))) == expected
    assert "were embedded as windows" in expected


def test_plan_tasks_embeds_every_file_once_and_gives_each_only_its_rows(tmp_path):
    shared = "A paragraph about the model and its data."
    for name, extra in (("one", "Only in one: CLIP."), ("two", "Only in two: a GAN.")):
        (tmp_path / f"{name}.en.md").write_text(f"{shared}\n\n{extra}\n", encoding="utf-8")
        (tmp_path / f"{name}.zh.md").write_text("关于模型和数据的一段。\n\n另一段。\n", encoding="utf-8")
    (tmp_path / "alone.zh.md").write_text("没有英文。\n", encoding="utf-8")
    encoder = CountingEncoder()
    options = [
        CheckOptions(tmp_path / "one.zh.md", tmp_path / "one.en.md", encoder.name),
        CheckOptions(tmp_path / "alone.zh.md", None, encoder.name),
        CheckOptions(tmp_path / "two.zh.md", tmp_path / "two.en.md", encoder.name),
    ]
    tasks = plan_tasks(options, encoder)
    assert len(encoder.calls) == 1 and len(encoder.calls[0]) == len(set(encoder.calls[0])) == 5
    assert tasks[1].vectors is None
    assert set(tasks[0].vectors.texts) == {shared, "Only in one: CLIP.", "关于模型和数据的一段。", "另一段。"}
    assert "Only in one: CLIP." not in tasks[2].vectors
    assert [t.options for t in tasks] == options


def test_plan_tasks_refuses_an_encoder_of_another_model():
    options = [CheckOptions(EXAMPLES / "issue13.zh.md", EXAMPLES / "issue13.en.md", "use-multilingual")]
    with pytest.raises(ValueError, match="tasks for model 'use-multilingual' but the encoder is"):
        plan_tasks(options, CountingEncoder())
