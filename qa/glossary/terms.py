"""Term alignment: where in an aligned Chinese block an English term is rendered.

`missing-term` knows from the English that a term is there and from the Chinese that none of
its approved renderings is; this module finds the Chinese span that stands for it instead, so
a finding (and `qa fix`) can name and replace it. Three kinds of evidence, tried in order, each
a way the MT renders names and terms (glossaries/README.md):

- **word by word**: a Chinese word that CC-CEDICT gives for an English word of the term
  (茎 for stem; 高效 and 网 for EfficientNet), the run of such words that covers most of the
  term's words;
- **by sound**: a run of Han characters whose pypinyin reading spells the name closely (伯特
  for BERT: "bote" against "bert"), `_SOUND_SIMILARITY` or more;
- **position**: among equals, the span whose place in the Chinese block is nearest the term's
  place in the English one (MT keeps the order of a sentence's parts more often than not).

A term kept in English needs no rendering and is never looked for here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from qa.glossary.candidates import _CAMEL_PART, _lemmas, _reverse_cedict
from qa.glossary.match import HAN_RUN, stands_as_word
from qa.model import Segment, Span

_SOUND_SIMILARITY = 0.6
_MAX_SOUND_CHARS = 6
_MIN_WORD_CHARS = 3
"""English words shorter than this (of, to, a) carry no term."""


@dataclass(frozen=True)
class Located:
    """The Chinese span that renders a term."""

    segment: Segment
    start: int
    end: int
    how: str
    """"words" (a word-by-word translation) or "sound" (a transliteration)."""
    score: float

    @property
    def text(self) -> str:
        return self.segment.raw[self.start : self.end]


def term_words(term: str) -> tuple[str, ...]:
    """The English words of a term that can be translated: words and CamelCase parts, lower
    case, three letters or more (EfficientNet -> efficient, net)."""
    words: list[str] = []
    for word in re.split(r"[^A-Za-z0-9]+", term):
        words += [p.lower() for p in _CAMEL_PART.findall(word) if len(p) >= _MIN_WORD_CHARS]
    return tuple(dict.fromkeys(w for w in words if w.isalpha()))


@cache
def _renderings_of(word: str) -> frozenset[str]:
    """Every Chinese word CC-CEDICT gives for an English word or its plain form."""
    dictionary = _reverse_cedict()
    return frozenset(chinese for form in _lemmas(word) for _, _, chinese in dictionary.get(form, ()))


def locate(
    term: str, target: Sequence[Segment], place: float, avoid: Sequence[tuple[Segment, int, int]] = ()
) -> Located | None:
    """The span of `target` (a pair's Chinese segments) that renders `term`, or None.

    `place`: where the term stands in the English block, 0 (start) to 1 (end); `avoid`: spans
    already taken by other terms' renderings (segment, start, end), never chosen."""
    words = term_words(term)
    best: tuple[tuple[float, int, float], Located] | None = None
    total = sum(len(s.raw) for s in target) or 1
    offset = 0
    for segment in target:
        for run in HAN_RUN.finditer(segment.raw):
            if _overlaps(run.start(), run.end(), segment.protected):
                continue
            for found in (*_by_words(segment, run, words), *_by_sound(segment, run, term)):
                if any(s is segment and found.start < e and b < found.end for s, b, e in avoid):
                    continue
                # Only a word of its own (网 inside 网络 renders no "net").
                if not stands_as_word(segment.raw, found.start, found.end, whole=True):
                    continue
                distance = abs((offset + found.start) / total - place)
                key = (found.score, found.end - found.start, -distance)
                if best is None or key > best[0]:
                    best = (key, found)
        offset += len(segment.raw)
    return best[1] if best is not None else None


def _by_words(segment: Segment, run: re.Match[str], words: Sequence[str]) -> list[Located]:
    """Spans made of dictionary renderings of the term's words, scored by the share of the
    words they cover."""
    if not words:
        return []
    text = run.group()
    hits: list[tuple[int, int, str]] = []
    for word in words:
        for chinese in _renderings_of(word):
            at = text.find(chinese)
            while at >= 0:
                hits.append((at, at + len(chinese), word))
                at = text.find(chinese, at + 1)
    if not hits:
        return []
    hits.sort()
    found = []
    for i, (start, end, word) in enumerate(hits):
        covered = {word}
        stop = end
        # Extend over renderings of the other words that follow at once (高效|网).
        for next_start, next_end, next_word in hits[i + 1 :]:
            if next_start > stop:
                break
            if next_start == stop and next_word not in covered:
                covered.add(next_word)
                stop = next_end
        share = len(covered) / len(words)
        found.append(Located(segment, run.start() + start, run.start() + stop, "words", share))
    return found


def _by_sound(segment: Segment, run: re.Match[str], term: str) -> list[Located]:
    """Substrings of the run whose reading spells the term, `_SOUND_SIMILARITY` or more."""
    letters = re.sub(r"[^a-z]", "", term.lower())
    if len(letters) < 3:
        return []
    text = run.group()
    readings = _readings(text)
    found = []
    for start in range(len(text)):
        for end in range(start + 2, min(len(text), start + _MAX_SOUND_CHARS) + 1):
            similarity = sound_similarity(letters, "".join(readings[start:end]))
            if similarity >= _SOUND_SIMILARITY:
                found.append(Located(segment, run.start() + start, run.start() + end, "sound", similarity))
    return found


def _readings(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.NORMAL)


_SPELLING = str.maketrans({"v": "f", "w": "f", "r": "l", "c": "k", "q": "k", "x": "s", "y": "i", "j": "z"})


def sound_similarity(letters: str, reading: str) -> float:
    """How closely a pinyin reading spells an English name (0 to 1): both written with the
    sounds the transliteration table merges (r as l; v, w and f as one; c as k), vowels compared loosely
    (the consonant skeleton counts double), a final r after a vowel silent (Grover: 格罗弗)."""
    name, chinese = re.sub(r"(?<=[aeiou])r$", "", letters).translate(_SPELLING), reading.translate(_SPELLING)
    whole = difflib.SequenceMatcher(None, name, chinese).ratio()
    skeleton = difflib.SequenceMatcher(None, _consonants(name), _consonants(chinese)).ratio()
    return (whole + 2 * skeleton) / 3


def _consonants(text: str) -> str:
    return re.sub(r"[aeiou]+", "", text)


def _overlaps(start: int, end: int, spans: Sequence[Span]) -> bool:
    return any(start < span.end and span.start < end for span in spans)
