from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from qa.glossary.load import Glossary, load_glossaries
from qa.model import Document
from qa.read.markdown import parse_document

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared"


def in_fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new interpreter from the repo root: what a fresh `qa` process imports or loads."""
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Embeddings and built models go to a temporary cache, never the user's (subprocesses inherit it)."""
    previous = os.environ.get("QA_CACHE_DIR")
    cache = tmp_path_factory.mktemp("qa-cache")
    os.environ["QA_CACHE_DIR"] = str(cache)
    yield
    shutil.rmtree(cache, ignore_errors=True)  # the e5 build is 470 MB; pytest keeps old temp dirs
    if previous is None:
        os.environ.pop("QA_CACHE_DIR", None)
    else:
        os.environ["QA_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def glossary() -> Glossary:
    return load_glossaries([REPO / "glossaries" / "ml-terms.csv"])


def doc(text: str, path: str = "doc.md") -> Document:
    return parse_document(path, text)


class KeywordEncoder:
    """A deterministic stand-in for unit tests: texts sharing a keyword get the same vector."""

    name = "keyword-test-encoder"

    def __init__(self, keywords: dict[str, int], dimension: int = 8) -> None:
        self.keywords = keywords
        self.dimension = dimension

    def encode(self, texts):
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            axes = [axis for word, axis in self.keywords.items() if word in text]
            vectors[row, axes or [self.dimension - 1]] = 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class FolderModel(KeywordEncoder):
    """Stands for a sentence-transformers model in a local folder (`name`): its cache key is
    the one SentenceTransformerEncoder reports for that folder."""

    def __init__(self, name: str) -> None:
        super().__init__({"attention": 0, "注意力": 0, "GAN": 1, "Transformer": 1}, dimension=8)
        self.name = name

    @property
    def cache_key(self) -> str:
        from qa.embed.encoders import SentenceTransformerEncoder

        fields = SimpleNamespace(key=None, name=self.name, path=None, prompt=None)
        return SentenceTransformerEncoder.cache_key.fget(fields)


class HashEncoder:
    """A distinct unit vector per text, from its hash (the same text, the same vector, in any
    process); records every call, so a test can tell what reached the encoder."""

    name = "hash-test-encoder"

    def __init__(self, dimension: int = 6) -> None:
        self.dimension = dimension
        self.calls: list[list[str]] = []

    def encode(self, texts):
        from qa.embed.cache import text_key

        texts = list(texts)
        if texts:
            self.calls.append(texts)
        rows = [np.random.default_rng(int(text_key(t)[:8], 16)).normal(size=self.dimension) for t in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), self.dimension)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)

    @property
    def longest(self) -> int:
        """The longest text it was asked to embed."""
        return max(len(t) for call in self.calls for t in call)
