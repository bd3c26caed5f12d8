"""Blocks -> what the encoder sees: a long block as windows, their vectors pooled into one.

Why: an encoder holds every token of a text in memory at once. USE builds a 1,280-float
row per token, so one huge paragraph asked for an array of gigabytes (bench/longblock.py
measures a 9 MB one); e5 reads only its first 512 tokens but tokenizes the whole text
first. So a block longer than WINDOW_CHARS is cut into windows of at most WINDOW_CHARS
characters, at sentence ends where it can be (else at a space, else anywhere), each window
is embedded as a text of its own, and the block's vector is the mean of its windows'
vectors weighted by their length, normalised. A block of more
than MAX_WINDOWS windows is sampled: MAX_WINDOWS windows spread evenly across it, so no
block costs more than MAX_WINDOWS windows of time, whatever its size.

What that means for a score: a pooled vector stands for the block as a whole, so its drift
says whether the two blocks are about the same things, and one drifted sentence inside a
long block barely moves it. The report says which blocks were windowed or sampled (`notes`).

Every block of shared/corpus is under 900 characters: blocks up to WINDOW_CHARS are their
own single window and embed exactly as before (same text, same encoder call). The encoder,
and the embedding cache behind it, only ever see window texts: a cached vector is always
the model's vector of exactly the text it is keyed by, never a pooled one, so the cache
needs no new key and a window shared by two blocks or two runs is embedded once.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.model import Document

WINDOW_CHARS = 2000
"""Characters per window: twice the longest block of shared/corpus (835), so real blocks are
never split; USE then holds at most ~2,000 tokens at once, whatever the block."""
MAX_WINDOWS = 16
"""Windows embedded per block at most (32,000 characters): a bound on the time one block can
cost, longest under multilingual-e5-small, where each window fills its 512 tokens
(bench/longblock.py measures a huge block under either encoder). A mean of 16 windows
spread over the block is a fair estimate of the mean of all of them, and the drift of a
pooled block is coarse anyway."""
CALL_TEXTS = 4096
"""Texts per encoder call: with windows this bounds one call to ~8 M characters (the encoders
batch further inside: USE by 384 tokens, sentence-transformers by its batch size)."""

# A sentence end: Latin punctuation followed by space, or CJK punctuation (no space follows
# it in Chinese). Each part is one character class, and neighbouring classes do not
# overlap, so matching stays linear on any input.
_SENTENCE_END = re.compile(r"[.!?;]+[\"'”’)\]]*\s+|[。！？；…]+[”’」』）\"']*\s*")


@dataclass(frozen=True)
class BlockWindows:
    """What the encoder sees for one block: `windows` (the block's text itself when short)."""

    windows: tuple[str, ...]
    total: int
    """How many windows the whole block makes: more than len(windows) when sampled."""

    @property
    def windowed(self) -> bool:
        return self.total > 1

    @property
    def sampled(self) -> bool:
        return self.total > len(self.windows)


def block_windows(text: str, size: int = WINDOW_CHARS, limit: int = MAX_WINDOWS) -> BlockWindows:
    """The windows of one block's text, sampled down to `limit` (evenly spread) when longer."""
    if len(text) <= size:
        return BlockWindows((text,), 1)  # untouched: embeds exactly as it always did
    windows = split(text, size)
    if len(windows) <= limit:
        return BlockWindows(windows, len(windows))
    # The middle window of each of `limit` equal strata: even coverage, and deterministic,
    # so the same block always gets the same vector (and the same cache entries).
    count = len(windows)
    chosen = tuple(windows[(2 * i + 1) * count // (2 * limit)] for i in range(limit))
    return BlockWindows(chosen, count)


def split(text: str, size: int = WINDOW_CHARS) -> tuple[str, ...]:
    """Non-blank windows of at most `size` characters covering `text`, cut after the last
    sentence end that fits, else after the last space, else at `size`; stripped."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    windows: list[str] = []
    start = 0
    while start < len(text):
        stop = len(text) if len(text) - start <= size else _cut(text, start, start + size, ends)
        window = text[start:stop].strip()
        if window:
            windows.append(window)
        start = stop
    return tuple(windows)


def _cut(text: str, start: int, limit: int, ends: list[int]) -> int:
    """Where the window starting at `start` ends: never at `start` itself, never after `limit`."""
    at = bisect_right(ends, limit)
    if at and ends[at - 1] > start:
        return ends[at - 1]
    space = max(text.rfind(" ", start + 1, limit), text.rfind("\n", start + 1, limit))
    return space + 1 if space > start else limit


def encode_blocks(encoder, texts: Sequence[str]) -> np.ndarray:
    """One L2-normalised row per text (none blank), through `encoder` as windows.

    Without a long text the encoder gets exactly the list of texts, in one call when there are
    at most CALL_TEXTS of them: the vectors are bit for bit those of encoding them directly.
    """
    blocks = [block_windows(text) for text in texts]
    flat = [window for block in blocks for window in block.windows]
    parts = [
        np.asarray(encoder.encode(flat[i : i + CALL_TEXTS]), dtype=np.float32) for i in range(0, len(flat), CALL_TEXTS)
    ]
    if not parts:
        return np.asarray(encoder.encode([]), dtype=np.float32)
    vectors = parts[0] if len(parts) == 1 else np.concatenate(parts)
    if len(flat) == len(blocks):
        return vectors  # no block was windowed: nothing to pool
    rows = np.empty((len(blocks), vectors.shape[1]), dtype=np.float32)
    at = 0
    for row, block in enumerate(blocks):
        count = len(block.windows)
        rows[row] = vectors[at] if count == 1 else pool(vectors[at : at + count], block.windows)
        at += count
    return rows


def pool(vectors: np.ndarray, windows: Sequence[str]) -> np.ndarray:
    """The mean of window vectors weighted by the windows' lengths (a short last window counts
    for what it holds), normalised to unit length; zero if they cancel out."""
    weights = np.asarray([len(w) for w in windows], dtype=np.float32)
    mean = weights @ vectors
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def window_texts(texts: Iterable[str]) -> list[str]:
    """Every window these block texts are embedded as, in order (repeats kept)."""
    return [window for text in texts for window in block_windows(text).windows]


def notes(documents: Iterable[Document]) -> list[str]:
    """One note per document with a windowed block: which blocks, and which were sampled."""
    found = []
    for document in documents:
        windowed = [(s, block_windows(s.text)) for s in document.segments if len(s.text) > WINDOW_CHARS]
        if windowed:
            found.append(_note(document.path, windowed))
    return found


def _note(path: str, windowed: list) -> str:
    lines = _lines([segment.start_line for segment, _ in windowed])
    text = (
        f"{path}: {len(windowed)} block(s) over {WINDOW_CHARS:,} characters ({lines}) were embedded as windows "
        f"of up to {WINDOW_CHARS:,} characters cut at sentence ends, the block's vector the length-weighted "
        "mean of theirs: their drift judges each block as a whole, and one drifted sentence inside barely moves it"
    )
    sampled = [(segment, block) for segment, block in windowed if block.sampled]
    if sampled:
        text += (
            f"; {len(sampled)} block(s) of more than {MAX_WINDOWS} windows "
            f"({_lines([segment.start_line for segment, _ in sampled])}) were sampled: "
            f"{MAX_WINDOWS} windows spread evenly across each were embedded, not all "
            f"(e.g. line {sampled[0][0].start_line}: {MAX_WINDOWS} of {sampled[0][1].total})"
        )
    return text


def _lines(numbers: list[int], shown: int = 5) -> str:
    listed = ", ".join(str(n) for n in numbers[:shown])
    more = f" and {len(numbers) - shown} more" if len(numbers) > shown else ""
    return f"line{'s' if len(numbers) > 1 else ''} {listed}{more}"
