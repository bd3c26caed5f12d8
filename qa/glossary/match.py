"""Multi-pattern phrase matching that works on Chinese and English alike.

CJK text has no word boundaries (Okapi #442), so a regex `\\b` cannot find 变压器 inside
基于变压器的模型. We scan with one Aho-Corasick automaton over a length-preserving
normalisation of the text (full-width ASCII folded, hyphens as spaces, optionally lower
case) and apply word boundaries only where both the pattern's edge and its neighbour are
Latin letters or digits: "CLIP" must not match inside "CLIPPED", but 剪辑 matches
anywhere. A Latin pattern may take a plural "s"/"es" (Transformers, GANs).
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import operator
import os
import re
import sqlite3
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import ahocorasick

from qa.model import Span
from qa.tempcache import is_private, temp_cache_path

Key = TypeVar("Key", bound=Hashable)

_FOLD = {0x3000: " ", 0x2010: " ", 0x2011: " ", 0x2012: " ", 0x2013: " ", ord("-"): " ", ord("_"): " "}
_FOLD.update({code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)})
_FOLD[0xFF0D] = " "  # full-width hyphen-minus folds like "-"
_FOLD_CHARS = {chr(code): folded for code, folded in _FOLD.items()}

_LATIN_WORD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def normalise(text: str, *, case_sensitive: bool) -> str:
    """Fold text for matching without changing its length, so offsets stay valid."""
    folded = text.translate(_FOLD)  # short phrases: faster than a _Folder
    return folded if case_sensitive else _lower(folded)


@dataclass(frozen=True)
class _Folder:
    """Applies part of the fold table. Not str.translate: on non-ASCII text that looks every
    character up in the table, slower than replacing only what is there."""

    ascii: tuple[tuple[str, str], ...]
    """The ASCII ones ("-", "_"): str.replace, one pass in C each."""
    others: re.Pattern[str] | None
    """The rest, rare in text: a regex visits only them."""

    @classmethod
    def of(cls, chars: Iterable[str]) -> _Folder:
        chosen = set(chars)
        others = sorted(ch for ch in chosen if not ch.isascii())
        return cls(
            tuple((ch, _FOLD_CHARS[ch]) for ch in sorted(chosen) if ch.isascii()),
            re.compile("[" + "".join(map(re.escape, others)) + "]") if others else None,
        )

    def __call__(self, text: str) -> str:
        for old, new in self.ascii:
            text = text.replace(old, new)
        return self.others.sub(_fold_match, text) if self.others is not None else text


def _fold_match(match: re.Match[str]) -> str:
    return _FOLD_CHARS[match.group()]


def _lower(folded: str) -> str:
    lowered = folded.lower()
    # No character lower-cases to nothing, so equal lengths mean every character mapped to
    # one: the fast path keeps offsets. Only a few (İ -> i̇) grow; fold those one by one.
    if len(lowered) == len(folded):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in folded)


@dataclass(frozen=True)
class Match(Generic[Key]):
    start: int
    end: int
    key: Key


class PhraseMatcher(Generic[Key]):
    """Finds every occurrence of many phrases at once; built once, then used on many texts."""

    def __init__(self, phrases: Iterable[tuple[str, Key, bool]]) -> None:
        """`phrases` are (phrase, key, case_sensitive); several keys may share a phrase."""
        self._automata: dict[bool, ahocorasick.Automaton] = {}
        grouped: dict[tuple[bool, str], list[Key]] = {}
        for phrase, key, case_sensitive in phrases:
            folded = " ".join(normalise(phrase, case_sensitive=case_sensitive).split())
            if folded:
                grouped.setdefault((case_sensitive, folded), []).append(key)
        # Folding a character can only change what matches if a phrase contains what it
        # folds to, or if that is a Latin letter or digit (word boundaries, plurals). The
        # rest (，：（）, most of what Chinese text has to fold) is left alone: no match
        # covers it and no boundary looks at it either way.
        every_phrase = "\n".join(folded for _, folded in grouped)
        self._fold = _Folder.of(ch for ch, to in _FOLD_CHARS.items() if to in _LATIN_WORD_CHARS or to in every_phrase)
        for (case_sensitive, folded), keys in grouped.items():
            automaton = self._automata.setdefault(case_sensitive, ahocorasick.Automaton())
            # Word boundaries (and plurals) apply only where the phrase has a Latin letter or
            # digit at an edge: CJK phrases, most of the Chinese side, skip those checks.
            bounded = folded[0] in _LATIN_WORD_CHARS or folded[-1] in _LATIN_WORD_CHARS
            automaton.add_word(_as_bytes(folded), (len(folded), tuple(dict.fromkeys(keys)), bounded))
        for automaton in self._automata.values():
            automaton.make_automaton()
        insensitive = "".join(folded for case_sensitive, folded in grouped if not case_sensitive)
        self._ascii_lowering = all(_caseless_or_ascii(ch) for ch in set(insensitive))
        """The case-insensitive phrases can be found over text whose ASCII letters alone are
        lower-cased (see _lowered_bytes)."""

    def find(self, text: str, protected: Sequence[Span] = (), *, nested: bool = False) -> list[Match[Key]]:
        """Matches outside the protected spans, left to right.

        By default only the longest of overlapping matches is kept (视觉变形金刚, not also
        变形金刚); with `nested`, every match is kept ("Vision Transformer" is also a
        "Transformer").
        """
        return self.find_each([(text, protected)], nested=nested)[0]

    def find_each(self, texts: Sequence[tuple[str, Sequence[Span]]], *, nested: bool = False) -> list[list[Match[Key]]]:
        """`find` for each (text, protected spans), in one scan of them all.

        A document's blocks are short and most have no term: scanned one by one, the calls
        around the automaton cost more than the scan. The texts are joined with "\n", which
        no phrase contains (phrases are whitespace-normalised) and which is no Latin word
        character: no match crosses it, and word boundaries see it as the end of a text.
        """
        # A text that one protected span covers from end to end (a code block, front matter)
        # can have no match: every match is non-empty and within its text, so it would overlap
        # that span. It is scanned as "" (the others' offsets follow from what is joined).
        # Testing the first span suffices for opaque blocks, whose one span is the whole text.
        strings = [
            "" if protected and protected[0].start <= 0 and protected[0].end >= len(text) else text
            for text, protected in texts
        ]
        # Where each text starts in the joined one: the lengths before it, plus one "\n" each.
        starts = list(map(operator.add, itertools.accumulate(map(len, strings[:-1]), initial=0), itertools.count()))
        folded = self._fold("\n".join(strings))
        candidates: list[list[tuple[int, int, tuple[Key, ...]]]] = [[] for _ in texts]
        for case_sensitive, automaton in self._automata.items():
            if case_sensitive:
                haystack, encoded = folded, _as_bytes(folded)
            elif self._ascii_lowering and _LOWERS_TO_ASCII[0] not in folded and _LOWERS_TO_ASCII[1] not in folded:
                # See _lowered_bytes: the boundary tests read the folded text, as they would
                # read the lower-cased one.
                haystack, encoded = folded, _lowered_bytes(folded)
            else:
                haystack = _lower_each(folded, strings, self._fold)
                encoded = _as_bytes(haystack)
            char_end = _char_ends(haystack, encoded)
            for last_byte, (length, keys, bounded) in automaton.iter(encoded):
                stop = char_end(last_byte)
                start = stop - length
                end = _word_end(haystack, start, stop) if bounded else stop
                if end is None:
                    continue
                index = bisect.bisect_right(starts, start) - 1
                offset = starts[index]
                start, end = start - offset, end - offset
                protected = texts[index][1]
                if not (protected and _inside(start, end, protected)):
                    candidates[index].append((start, end, keys))
        # Most texts have no match: skip the call for them.
        return [_chosen(found, nested=nested) if found else [] for found in candidates]


def _chosen(candidates: list[tuple[int, int, tuple[Key, ...]]], *, nested: bool) -> list[Match[Key]]:
    if len(candidates) == 1:
        # Half the texts with a match have one range: its keys are already distinct (the
        # automaton's values are deduplicated) and in order, and outermost keeps every match
        # of a single range, so _sorted_unique would return these, in this order.
        start, end, keys = candidates[0]
        return [Match(start, end, key) for key in keys]
    return _sorted_unique(candidates, nested=nested)


def _sorted_unique(candidates: list[tuple[int, int, tuple[Key, ...]]], *, nested: bool) -> list[Match[Key]]:
    # dict.fromkeys: drop duplicates but keep the automaton's (deterministic) order, so
    # ties sort stably without comparing keys.
    unique = dict.fromkeys((start, end, key) for start, end, keys in candidates for key in keys)
    matches = [Match(start, end, key) for start, end, key in sorted(unique, key=_RANGE)]
    return matches if nested else outermost(matches)


_RANGE = operator.itemgetter(0, 1)


def _lower_each(folded: str, strings: Sequence[str], fold: Callable[[str], str]) -> str:
    """`_lower` of each string, joined. Lower-casing the whole is the same when no string
    changes length: the one context rule (final sigma) stops at "\n". Otherwise (İ) each is
    folded and lowered on its own, as when it is scanned alone."""
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "\n".join(_lower(fold(text)) for text in strings)


def outermost(matches: Sequence[Match[Key]]) -> list[Match[Key]]:
    """Only the longest of overlapping matches, as `find` keeps by default: from what
    `find(..., nested=True)` returned, one scan serves a caller that needs both."""
    # Several keys may match the same range (剪辑 is wrong for CLIP and CutMix): keep them all.
    chosen: list[Match[Key]] = []
    taken_until = -1
    taken_range: tuple[int, int] | None = None
    for match in sorted(matches, key=lambda m: (m.start, -m.end)):
        if (match.start, match.end) == taken_range:
            chosen.append(match)
        elif match.start >= taken_until:
            chosen.append(match)
            taken_until, taken_range = match.end, (match.start, match.end)
    return chosen


_LOWERS_TO_ASCII = ("\u212a", "\u0130")
"""The non-ASCII characters whose lower case has an ASCII letter: the Kelvin sign (k), İ (i̇)."""


def _caseless_or_ascii(ch: str) -> bool:
    """ASCII, or neither changed by case mapping nor what another character lower-cases to:
    of the caseless characters only U+0307 is (from İ). tests/glossary/test_match.py checks both
    lists against every code point."""
    return ch.isascii() or (ch.lower() == ch == ch.upper() and ch != "\u0307")


def _lowered_bytes(folded: str) -> str:
    """`_as_bytes(_lower_each(folded, ...))` as far as matching can tell, without str.lower()
    (a Unicode table lookup per character, over all the Chinese text): the UTF-8 bytes with
    their ASCII letters lower-cased.

    Only for phrases that are all `_caseless_or_ascii` and text without _LOWERS_TO_ASCII.
    Where the two differ, the text has a non-ASCII character that str.lower() changes (É, Σ);
    its lower case is neither ASCII (that would be _LOWERS_TO_ASCII) nor in any phrase (it
    is cased, or U+0307), so no phrase matches there either way, no word boundary sees a
    Latin letter there either way, and a plural "s"/"es" is read from neither. The bytes of
    both decode to as many characters as the text has, so character offsets agree.
    """
    return folded.encode("utf-8").lower().decode("latin-1")


def _as_bytes(text: str) -> str:
    """The UTF-8 bytes of `text`, one character per byte (latin-1).

    pyahocorasick's unicode automaton searches a node's children one by one; with CJK
    patterns the root has thousands of them, so a scan slows with the size of the glossary.
    Over bytes no node has more than 256 children, whatever the glossary (`python
    bench/glossary.py` measures the throughput against 5,000 entries). UTF-8 is
    self-synchronising, so a pattern's bytes only ever match at character boundaries.
    """
    return text.encode("utf-8").decode("latin-1")


def _char_ends(text: str, encoded: str) -> Callable[[int], int]:
    """Maps the byte offset of a match's last byte to the character offset just after it.

    The automaton reports matches in the order of their ends, so each call decodes (in C)
    only the bytes since the previous one: linear in the text, however many matches."""
    if len(encoded) == len(text):  # ASCII: bytes are characters
        return lambda last_byte: last_byte + 1
    done_bytes = done_chars = 0

    def char_end(last_byte: int) -> int:
        nonlocal done_bytes, done_chars
        done_chars += len(encoded[done_bytes : last_byte + 1].encode("latin-1").decode("utf-8"))
        done_bytes = last_byte + 1
        return done_chars

    return char_end


def _word_end(text: str, start: int, end: int) -> int | None:
    """The match end after an optional plural, or None when it splits a Latin word."""
    word = _LATIN_WORD_CHARS
    if start > 0 and text[start - 1] in word and text[start] in word:
        return None
    if end == len(text) or text[end] not in word or text[end - 1] not in word:
        return end
    if text[end - 1].isdigit():
        return None
    # A letter followed by a letter or digit: only a plural "s"/"es" may end the word.
    for suffix in ("es", "s"):
        stop = end + len(suffix)
        if text[end:stop].lower() == suffix and (stop == len(text) or text[stop] not in word):
            return stop
    return None


def _inside(start: int, end: int, protected: Sequence[Span]) -> bool:
    # A loop, not any() over a generator: a block has one or two spans, and this runs for
    # every match in a block that has any.
    for span in protected:  # noqa: SIM110 (see above)
        if start < span.end and span.start < end:
            return True
    return False


_SHORT_KEY = 64
"""Longest string `Occurrences` looks for with its automaton; longer ones are searched alone."""


class Occurrences:
    """Every place in a text where any of many strings stands, overlapping places included.

    For strings taken from a document (URLs, code spans, names) to look up in another: one
    Aho-Corasick scan finds them all, where a search per string reads the text once each.
    pyahocorasick reports a match by walking the suffix links from where the scan stands, as
    deep as the longest string: a string of 10,000 `a` over a text of them costs 10,000 steps
    a character. So only strings up to `_SHORT_KEY` characters go into the automaton; each
    longer one (a few at most per text of that length) is searched for on its own by str.find.
    """

    def __init__(self, keys: Iterable[str]) -> None:
        distinct = {key for key in keys if key}
        self._long = sorted(key for key in distinct if len(key) > _SHORT_KEY)
        self._automaton: ahocorasick.Automaton | None = None
        short = [key for key in distinct if len(key) <= _SHORT_KEY]
        if short:
            self._automaton = ahocorasick.Automaton()
            for key in short:
                self._automaton.add_word(key, key)
            self._automaton.make_automaton()

    def __call__(self, text: str) -> Iterator[tuple[int, str]]:
        """(start, string) of each place: a string's places come in the order of their starts."""
        if self._automaton is not None:
            for last, key in self._automaton.iter(text):
                yield last + 1 - len(key), key
        for key in self._long:
            at = text.find(key)
            while at >= 0:
                yield at, key
                at = text.find(key, at + 1)

    def first(self, text: str) -> dict[str, int]:
        """Where each string that stands in `text` first does."""
        found: dict[str, int] = {}
        if self._automaton is not None:
            for last, key in self._automaton.iter(text):
                if key not in found:
                    found[key] = last + 1 - len(key)
        for key in self._long:
            at = text.find(key)
            if at >= 0:
                found[key] = at
        return found


# --- Is a Chinese match a word where it stands? ------------------------------------------
#
# The automaton finds a rendering anywhere, but Chinese has no spaces: 维特 (ViT, as the MT
# transliterates it) stands inside 维特根斯坦 (Wittgenstein) and across 高维|特征 (high-
# dimensional features), 微调整 (always wrong for fine-tuning) across 微调|整个 (fine-tune the
# whole), 一代 inside 下一代 (the next generation), 纸 inside 图纸 (a drawing). jieba's
# segmentation of the text around a match tells these apart.

_WORD_WINDOW = 8
"""Han characters read on each side of a match: enough context to segment it."""
_RARE_WORD = 10
"""jieba frequency under which a dictionary word is no evidence that a one-character match is
part of it: jieba lists many rare entries at frequency 3 (甘作, which is the MT's "GAN as")."""


def stands_as_word(text: str, start: int, end: int, approved: Collection[str] = (), *, whole: bool = False) -> bool:
    """Whether the Han text `text[start:end]` is one word or several whole ones in its
    context, as jieba segments the run of Han characters around it. Not when it lies inside a
    longer word (下一代, 维特根斯坦; for one character, a common one: 图纸), or begins inside
    one (逐渐|变长 for 渐变, 高维|特征 for 维特), or is an approved rendering (one of
    `approved`) followed by the first character of the next word (微调|整个 for 微调整).

    A match that runs on into the next word otherwise stays a match (拥抱面|部 for 拥抱面,
    图像网|上): the MT's wrong rendering is often longer than the glossary's. Text that is not
    all Han, or has no Han character beside it, is taken as it is; so is everything when
    jieba's dictionary cannot be read. With `whole` (a generated guess, not a listed rendering),
    a match must also end where a word ends: 库达 (CUDA by sound) is not in 词汇库|达到."""
    if start >= end or not all(_is_han(ch) for ch in text[start:end]):
        return True
    left = start
    while left > 0 and start - left < _WORD_WINDOW and _is_han(text[left - 1]):
        left -= 1
    right = end
    while right < len(text) and right - end < _WORD_WINDOW and _is_han(text[right]):
        right += 1
    if left == start and right == end:
        return True
    words = _words()
    if words is None:
        return True
    try:
        tokens, frequencies = words.cut(text[left:right])
    except sqlite3.Error:  # the copy went bad under us: decide nothing rather than fail the check
        return True
    bounds = list(itertools.accumulate(map(len, tokens), initial=0))
    s, e = start - left, end - left
    first = bisect.bisect_right(bounds, s) - 1  # the token holding the match's first character
    last = bisect.bisect_right(bounds, e - 1) - 1  # and its last

    def holds(token: str) -> bool:
        # A dictionary word holding the match is evidence that it is part of that word; for a
        # one-character match, only a common word is.
        return e - s > 1 or frequencies.get(token, 0) >= _RARE_WORD

    if bounds[first] < s:
        # Begins inside a word: inside that one word (下一代), or across it (高维|特征).
        return first == last and not holds(tokens[first])
    if bounds[last + 1] == e:
        return True
    if whole:
        return False
    if first == last:
        return not holds(tokens[first])  # the start of a longer word: 维特根斯坦
    # Runs into a word beyond it: not a word when what precedes that word is a correct rendering.
    return text[start : left + bounds[last]] not in approved


HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
"""A run of Han characters (CJK unified ideographs, extension A, compatibility ideographs),
the characters `_is_han` tells."""


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


class Words:
    """jieba's dictionary, looked up in a SQLite copy of it rather than loaded: jieba loads its
    350,000 words in about a second, more than the glossary check of a whole corpus takes,
    while a match needs the few dozen strings around it. `cut` segments as `jieba.cut(text,
    HMM=False)` does (its DAG and maximum-probability route), from those strings alone."""

    LONGEST = 16
    """Characters of jieba's longest dictionary word."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        (total,) = connection.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()
        self._log_total = math.log(total)
        self._known: dict[str, int] = {}
        """Strings looked up so far, 0 for those that are no word: the contexts of a wrong
        rendering repeat through a document and a run."""

    def frequencies(self, strings: Collection[str]) -> dict[str, int]:
        """The dictionary frequency of each of `strings` that is a word (frequency above 0)."""
        known = self._known
        unknown = [string for string in strings if string not in known]
        for at in range(0, len(unknown), 900):  # under SQLite's limit on bound parameters
            part = unknown[at : at + 900]
            known.update(dict.fromkeys(part, 0))
            query = f"SELECT word, freq FROM words WHERE freq > 0 AND word IN ({','.join('?' * len(part))})"
            known.update(self._connection.execute(query, part))
        return {string: known[string] for string in strings if known[string]}

    def cut(self, sentence: str) -> tuple[list[str], dict[str, int]]:
        """jieba.cut(sentence, HMM=False) for a sentence of Han characters, and the
        frequencies of the words in it."""
        n = len(sentence)
        candidates = {sentence[k:i] for k in range(n) for i in range(k + 1, min(n, k + self.LONGEST) + 1)}
        frequency = self.frequencies(candidates)
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for k in range(n - 1, -1, -1):
            ends = [i for i in range(k, min(n, k + self.LONGEST)) if sentence[k : i + 1] in frequency] or [k]
            route[k] = max(
                (math.log(frequency.get(sentence[k : i + 1]) or 1) - self._log_total + route[i + 1][0], i) for i in ends
            )
        tokens = []
        at = 0
        while at < n:
            stop = route[at][1] + 1
            tokens.append(sentence[at:stop])
            at = stop
        return tokens, frequency


_WORDS: tuple[int, Words | None] | None = None


def _words() -> Words | None:
    """The dictionary of this process (a forked worker opens its own), built at the first use
    on this machine; None when it cannot be read or built."""
    global _WORDS
    if _WORDS is None or _WORDS[0] != os.getpid():
        _WORDS = (os.getpid(), open_words())
    return _WORDS[1]


def open_words(folder: Path | None = None) -> Words | None:
    """jieba's dictionary as SQLite, in `folder` (the system's temporary folder, where jieba
    keeps its own cache: a run's empty QA_CACHE_DIR does not rebuild it), built from jieba's
    dict.txt the first time (about a second) and named by that file's size and time, so an
    upgraded jieba gets a new one. A file under that name that is not this user's own is
    never read: the copy is built again in a private folder for this run (qa.tempcache)."""
    import atexit
    import importlib.util
    import shutil
    import tempfile

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    try:
        stat = source.stat()
        path = temp_cache_path(f"jieba-words-{stat.st_size}-{stat.st_mtime_ns}.sqlite", folder)
        if not path.exists():
            _build_words(source, path)
        elif not is_private(path):
            folder = tempfile.mkdtemp(prefix="qa-")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)  # 6 MB a run otherwise
            path = Path(folder) / path.name
            _build_words(source, path)
        return Words(sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False))
    except (OSError, sqlite3.Error, ValueError):
        return None


def _build_words(source: Path, path: Path) -> None:
    """Write the SQLite copy beside `path` and move it in place: a process that builds it at
    the same time writes its own copy, and the last one in wins, whole."""
    rows: dict[str, int] = {}
    total = 0
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, rest = line.rstrip("\n").partition(" ")
            frequency = int(rest.split(" ", 1)[0]) if rest else 0
            rows[word] = frequency
            total += frequency
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        with contextlib.closing(sqlite3.connect(partial)) as connection, connection:
            connection.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER) WITHOUT ROWID")
            connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER)")
            connection.executemany("INSERT INTO words VALUES (?, ?)", sorted(rows.items()))
            connection.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
