"""Embed the blocks of many files at once, then serve each file's vectors from memory.

A batch run (`qa check DIR`) would otherwise embed file by file: one cache lookup and one
model call per file, and every worker process loading the model. Instead the process that
holds the model reads and parses every file, embeds each distinct block text once — one
cache lookup for all of them, the misses in large batches — and hands each file's check its
own rows (`EmbeddedTexts`) and a `MemoryEncoder` that serves them. Workers then need no model
(no torch, no copy of the weights each: docs/benchmarks.md, Encoder cost), and a block
repeated across an archive (a footer, a sign-up blurb) is embedded once.

The vectors are exactly the ones `qa.pipeline.run_check` would get from the same encoder
(the same cached encoder, the same texts), so a report does not depend on which path ran it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from qa.embed.windows import window_texts
from qa.model import Document
from qa.pipeline import CheckOptions
from qa.read.io import read_text
from qa.read.markdown import parse_document

BATCH_TEXTS = 4096
"""Texts per model call: large enough that per-call overhead vanishes (the encoders batch
internally: USE by 384 tokens, sentence-transformers by its batch size), small enough that
the inputs and outputs of one call stay a few MB."""


@dataclass(frozen=True, eq=False)
class EmbeddedTexts:
    """Texts and their vectors, one L2-normalised float32 row per distinct text.

    One matrix instead of a dict of arrays: it pickles as one buffer when a task carries it
    to a worker process.
    """

    texts: tuple[str, ...]
    matrix: np.ndarray
    problems: tuple[str, ...] = ()
    """Notes from the embedding cache (damaged, read-only) that each report must still carry."""
    _row: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.matrix.ndim != 2 or self.matrix.shape[0] != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but a matrix of shape {self.matrix.shape}")
        object.__setattr__(self, "_row", {text: i for i, text in enumerate(self.texts)})

    def __getstate__(self) -> dict:
        # The index is rebuilt on arrival rather than pickled beside the texts it repeats.
        return {"texts": self.texts, "matrix": self.matrix, "problems": self.problems}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.__post_init__()

    @property
    def dimension(self) -> int:
        return int(self.matrix.shape[1])

    def __contains__(self, text: object) -> bool:
        return text in self._row

    def rows(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of these texts, in order; KeyError for a text that was not embedded."""
        return self.matrix[[self._row[text] for text in texts]].reshape(len(texts), self.dimension)

    def subset(self, texts: Iterable[str]) -> EmbeddedTexts:
        """Only these texts (those embedded; duplicates once): what one file's task needs."""
        wanted = tuple(dict.fromkeys(t for t in texts if t in self._row))
        return EmbeddedTexts(wanted, self.rows(wanted), self.problems)


def documents_to_embed(options: CheckOptions) -> list[Document]:
    """The documents `run_check` embeds for these options: none without a source or a model,
    else source, target and reference, read and parsed exactly as the pipeline reads them."""
    if options.source is None or options.model is None:
        return []
    paths = [options.source, options.target] + ([options.reference] if options.reference is not None else [])
    return [parse_document(str(path), read_text(path)) for path in paths]


def segment_texts(documents: Iterable[Document]) -> list[str]:
    """Distinct texts the pipeline sends the encoder for these documents' blocks (blank ones
    get a zero vector, not a model call; a long one is sent as its windows, qa/embed/windows.py),
    in first-seen order so the batches are reproducible."""
    blocks = (s.text for d in documents for s in d.segments if s.text.strip())
    return list(dict.fromkeys(window_texts(blocks)))


def embed_texts(encoder, texts: Sequence[str], batch: int = BATCH_TEXTS) -> EmbeddedTexts:
    """Every distinct text through `encoder` (normally `qa.embed.encoders.load_encoder`'s cached one:
    cached vectors are looked up, only the misses reach the model) in batches of `batch`."""
    distinct = tuple(dict.fromkeys(texts))
    parts = [
        np.asarray(encoder.encode(list(distinct[i : i + batch])), dtype=np.float32)
        for i in range(0, len(distinct), batch)
    ]
    dimension = parts[0].shape[1] if parts else int(np.asarray(encoder.encode([])).shape[1])
    matrix = np.concatenate(parts) if parts else np.zeros((0, dimension), dtype=np.float32)
    problems = tuple(getattr(encoder, "problems", ()))
    return EmbeddedTexts(distinct, matrix, problems)


def embed_documents(encoder, documents: Iterable[Document]) -> EmbeddedTexts:
    """All blocks of all these documents, each distinct text embedded once."""
    return embed_texts(encoder, segment_texts(documents))


class MemoryEncoder:
    """An Encoder that serves vectors embedded beforehand.

    A text it was not given (nothing in qa asks for one today; a future check might) goes to
    `fallback()`, the real encoder, loaded on first need only — so a worker that is given
    every vector never loads a model.
    """

    def __init__(self, name: str, vectors: EmbeddedTexts, fallback: Callable[[], object] | None = None) -> None:
        self.name = name
        self.vectors = vectors
        self._fallback = fallback
        self._encoder = None

    @property
    def problems(self) -> list[str]:
        return list(self.vectors.problems) + list(getattr(self._encoder, "problems", []))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if not missing:
            return self.vectors.rows(texts)
        if self._fallback is None:
            raise KeyError(f"{len(missing)} text(s) were not embedded beforehand, e.g. {missing[0][:60]!r}")
        if self._encoder is None:
            self._encoder = self._fallback()
        fresh = np.asarray(self._encoder.encode(missing), dtype=np.float32)
        found = {t: v for t, v in zip(missing, fresh, strict=True)}
        return np.stack([found[t] if t in found else self.vectors.rows([t])[0] for t in texts])
