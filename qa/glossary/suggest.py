"""`qa glossary suggest`: mine aligned English/Chinese documents for candidate glossary entries.

For every aligned pair the English side yields technical terms (CamelCase names such as
EfficientNet, acronyms such as GAN or GPT-3, capitalised multiword names such as Hugging
Face, capitalised words in mid-sentence such as Transformer); the Chinese side either
keeps the term in English or renders it. A Chinese word sequence (jieba tokens, one to
three of them) that recurs in the pairs of a term and
rarely elsewhere is a candidate rendering: association is the Dice coefficient between
"the English has the term" and "the Chinese has the sequence" over the pairs. The result
is a glossary CSV (it passes `qa glossary lint`) whose notes carry the evidence, for a
maintainer to review: a recurring rendering in MT output is as likely an error (变压器)
as an approved term, so every suggestion says how often it was seen.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QaInputError
from qa.glossary.load import Glossary, term_key
from qa.glossary.match import Occurrences
from qa.glossary.schema import COLUMNS
from qa.glossary.table import spreadsheet_safe
from qa.model import Document, Segment

_CAMEL = r"[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*"  # PyTorch, EfficientNet, CutMix, wav2Vec, iPhone
_ACRONYM = r"[A-Z][A-Z0-9]*[A-Z][A-Za-z0-9]*|[A-Z]+[0-9][A-Za-z0-9]*"  # GAN, BERT, GPT3, T5, YOLOv4
_NAME = r"[A-Z][a-z]+[A-Za-z0-9]*"  # Hugging, Face, Lightning
# The patterns below match what these did, in time linear in the text:
#   _TECH      (?<![\w-])(?:CAMEL|ACRONYM)(?:-[A-Za-z0-9]+)*(?![\w-])
#   _MULTIWORD (?<![\w-])(?:WORD|NAME)(?:[ -](?:WORD|NAME))+(?![\w-]), WORD = _TECH's middle
# (tests/glossary/test_suggest.py compares them on short texts). Those nest quantifiers over the same
# letters: a run of capitals splits between `[A-Z0-9]*` and `[A-Za-z0-9]*` in as many ways as
# it is long, and in GPT-XL-XL-… each `-XL` is either a hyphenated part of a WORD or a new
# word after the separator, 2^n parses to try before failing at `_v2` (bench/adversarial.py
# times `qa glossary suggest` on inputs built against such patterns).
#
# What they match is made of runs: maximal [A-Za-z0-9]+. A match ends where no word character
# or hyphen follows, so every part of it ends at the end of a run; a "group" is runs joined by
# single hyphens, as far as they go (a match cannot end inside one either). Each run is read
# once, atomically: _TERM_RUN is a run that CAMEL or ACRONYM matches whole, _WORD_RUN one that
# CAMEL, ACRONYM or NAME does. Then:
# - _TECH is a _TERM_RUN followed by any hyphenated runs: one group.
# - _MULTIWORD is groups joined by single spaces, each one that WORDs and NAMEs can parse
#   (_GROUP), with two words or more: two groups, or one group that holds two words (_GROUP2).
#   A group parses when no run that is no word comes before its first _TERM_RUN (a WORD takes
#   any hyphenated run after it; a NAME only a next word). It holds two words when it starts
#   with a NAME-only run and has a second run, or starts with a _TERM_RUN and has another
#   _TERM_RUN, or ends with a word run. The old pattern's backtracking found the furthest
#   group end where no word character or hyphen follows; `( G)*` backtracks one group at a
#   time to the same place.
_RUN_END = r"(?![A-Za-z0-9])"
_TERM_RUN = rf"(?>(?:{_CAMEL}|{_ACRONYM}){_RUN_END})"
_WORD_RUN = rf"(?>(?:{_CAMEL}|{_ACRONYM}|{_NAME}){_RUN_END})"
_GROUP_END = r"(?![A-Za-z0-9]|-[A-Za-z0-9])"
_GROUP = rf"(?>(?:{_WORD_RUN}-)*?{_TERM_RUN}(?:-[A-Za-z0-9]++)*+|{_WORD_RUN}(?:-{_WORD_RUN})*+{_GROUP_END})"
_GROUP2 = (
    rf"(?>(?!{_TERM_RUN}){_WORD_RUN}-{_GROUP}"
    rf"|{_TERM_RUN}(?:-[A-Za-z0-9]++)*?-{_TERM_RUN}(?:-[A-Za-z0-9]++)*+"
    rf"|{_TERM_RUN}(?:-[A-Za-z0-9]++)*-{_WORD_RUN}{_GROUP_END})"
)
_TECH = re.compile(rf"(?<![\w-]){_TERM_RUN}(?:-[A-Za-z0-9]++)*+(?![\w-])")
_MULTIWORD = re.compile(rf"(?<![\w-])(?:{_GROUP2}(?: {_GROUP})*|{_GROUP}(?: {_GROUP})+)(?![\w-])")
# Capitalised words that start sentences or headings rather than names.
_STOP = frozenset(
    {
        *("A", "An", "The", "This", "That", "These", "Those", "We", "Our", "It", "Its", "In", "On", "At"),
        *("For", "With", "From", "By", "Of", "And", "Or", "But", "If", "When", "While", "After", "Before"),
        *("As", "Is", "Are", "Was", "Were", "Be", "Can", "How", "What", "Why", "Which", "Who", "Here"),
        *("There", "Week", "Weekly", "Part", "Figure", "Table", "Section", "Chapter", "Step", "Note"),
        "Example",
    }
)
_CAPITALISED = re.compile(r"(?<![\w-])[A-Z][a-z]+[0-9]*(?![\w-])")
_SENTENCE_START = ".!?:;#*>|([\"'“‘•–—"
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_MAX_TOKENS = 3
_MIN_DICE = 0.25


@dataclass(frozen=True)
class Candidate:
    term: str
    pairs: int
    """Aligned pairs whose English has the term."""
    kept: int
    """Of those, pairs whose Chinese keeps the term in English."""
    renderings: tuple[tuple[str, int], ...]
    """Chinese sequences associated with the term, with the pairs they share, best first."""


def pair_paths(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """EN_DIR ZH_DIR (matched by name), or EN ZH EN ZH … files in order."""
    if len(paths) == 2 and all(p.is_dir() for p in paths):
        return _pair_dirs(paths[0], paths[1])
    for path in paths:
        if not path.is_file():
            raise QaInputError(str(path), "no such file (give EN_DIR ZH_DIR, or EN ZH file pairs)")
    if len(paths) % 2:
        raise QaInputError(str(paths[-1]), "has no partner: give English and Chinese files in pairs")
    return [(paths[i], paths[i + 1]) for i in range(0, len(paths), 2)]


def _pair_dirs(en_dir: Path, zh_dir: Path) -> list[tuple[Path, Path]]:
    pairs = []
    for zh in sorted([*zh_dir.glob("*.md"), *zh_dir.glob("*.mdx")]):
        extension = zh.suffix  # NAME.zh.mdx pairs with NAME.en.mdx as .md with .md
        stem = zh.name.removesuffix(extension).removesuffix(".zh")
        if zh.name == f"{stem}{extension}" and en_dir == zh_dir:
            continue  # in a shared folder only NAME.zh.md files are translations
        for name in (f"{stem}.en{extension}", f"{stem}{extension}"):
            en = en_dir / name
            if en.is_file() and en != zh:
                pairs.append((en, zh))
                break
    if not pairs:
        raise QaInputError(str(zh_dir), f"no Chinese file has an English partner in {en_dir} (NAME.zh.md ~ NAME.en.md)")
    return pairs


def english_terms(text: str) -> set[str]:
    """Technical terms of an English text: CamelCase, acronyms, capitalised multiword names,
    and capitalised words in mid-sentence (Transformer, Kaggle), where English capitalises names."""
    terms = {m.group() for m in _TECH.finditer(text)}
    for match in _CAPITALISED.finditer(text):
        before = _last_non_space(text, match.start())
        if before and before not in _SENTENCE_START:
            terms.add(match.group())
    for match in _MULTIWORD.finditer(text):
        words = match.group().replace("-", " - ").split()
        while words and (words[0] in _STOP or words[0] == "-"):
            words = words[1:]
        while words and (words[-1] in _STOP or words[-1] == "-"):
            words = words[:-1]
        if len([w for w in words if w != "-"]) >= 2:
            terms.add(" ".join(words).replace(" - ", "-"))
    return {t for t in terms if t not in _STOP and len(t) > 1}


def technical_names(text: str) -> set[str]:
    """The CamelCase names and acronyms of an English text (EfficientNet, GAN, GPT-3): names
    that stay in English in Chinese, unlike capitalised words and multiword names, which a
    translation may render (Model Hub: 模型中心)."""
    return {m.group() for m in _TECH.finditer(text)}


def _last_non_space(text: str, end: int) -> str:
    """The last character of `text[:end]` that is not whitespace ("" if none): what
    `text[:end].rstrip()[-1:]` is, without copying the text before every capitalised word.
    The whitespace walked over lies between two words, so the walks add up to the text."""
    at = end
    while at > 0 and text[at - 1].isspace():
        at -= 1
    return text[at - 1] if at else ""


def mine(
    pairs: Iterable[tuple[Sequence[Segment], Sequence[Segment]]],
    glossary: Glossary | None = None,
    min_count: int = 2,
) -> list[Candidate]:
    """Candidates seen in at least `min_count` pairs, most frequent first; known terms left out."""
    import jieba

    jieba.setLogLevel(60)  # its "Building prefix dict" chatter goes to stderr otherwise
    term_pairs: dict[str, list[int]] = {}
    kept: dict[str, set[int]] = {}
    sequences_of: list[set[str]] = []
    for index, (english, chinese) in enumerate(pairs):
        english_text = " ".join(s.text for s in english)
        chinese_text = " ".join(s.text for s in chinese)
        sequences_of.append(_sequences(jieba.lcut(chinese_text)))
        terms = english_terms(english_text)
        in_chinese = kept_in(terms, term_key(chinese_text))
        for term in terms:
            term_pairs.setdefault(term, []).append(index)
            if term in in_chinese:
                kept.setdefault(term, set()).add(index)
    document_frequency: Counter[str] = Counter(seq for sequences in sequences_of for seq in sequences)
    known = set(glossary.by_key) if glossary is not None else set()
    candidates = []
    for term, indices in term_pairs.items():
        if len(indices) < min_count or term_key(term) in known:
            continue
        # Renderings come from the pairs where the Chinese did not keep the English term:
        # where it did, the words around it say nothing about how the term is rendered.
        rendered = [i for i in indices if i not in kept.get(term, set())]
        shared: Counter[str] = Counter(seq for i in rendered for seq in sequences_of[i])
        scored = [
            (seq, count)
            for seq, count in shared.items()
            if count >= min_count and 2 * count / (len(rendered) + document_frequency[seq]) >= _MIN_DICE
        ]
        candidates.append(Candidate(term, len(indices), len(kept.get(term, ())), _best(scored)))
    return sorted(candidates, key=lambda c: (-c.pairs, c.term.casefold()))


def kept_in(terms: Iterable[str], folded_chinese: str) -> set[str]:
    """The terms whose `term_key` stands in `folded_chinese` (a `term_key` too) as words of
    their own: no Latin letter or digit on either side.

    One scan for all of them (qa.glossary.match.Occurrences): a search per term costs the text's
    length per term, and a long English block has as many terms as it has capitalised words."""
    by_key: dict[str, list[str]] = {}
    for term in terms:
        by_key.setdefault(term_key(term), []).append(term)
    by_key.pop("", None)
    if not by_key or not folded_chinese:
        return set()
    found: set[str] = set()
    for start, key in Occurrences(by_key)(folded_chinese):
        if by_key[key][0] in found:
            continue
        if not _latin_word_char(folded_chinese, start - 1) and not _latin_word_char(folded_chinese, start + len(key)):
            found.update(by_key[key])
    return found


def _latin_word_char(text: str, at: int) -> bool:
    """Whether text[at] is an ASCII lower-case letter or digit (`term_key` lower-cases)."""
    return 0 <= at < len(text) and text[at] in _LOWER_LATIN_WORD


_LOWER_LATIN_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _sequences(tokens: list[str]) -> set[str]:
    """Runs of one to three consecutive Chinese tokens, two characters or more."""
    found = set()
    for start in range(len(tokens)):
        text = ""
        for token in tokens[start : start + _MAX_TOKENS]:
            if not _HAN.fullmatch(token):
                break
            text += token
            if len(text) >= 2:
                found.add(text)
    return found


def _best(scored: list[tuple[str, int]], limit: int = 3) -> tuple[tuple[str, int], ...]:
    """Longest first among equals: drop a sequence inside a longer one seen as often (生成对抗 ⊂ 生成对抗网络)."""
    kept = [
        (seq, count)
        for seq, count in scored
        if not any(seq != other and seq in other and count <= other_count for other, other_count in scored)
    ]
    return tuple(sorted(kept, key=lambda item: (-item[1], -len(item[0]), item[0]))[:limit])


def to_csv(candidates: Sequence[Candidate]) -> tuple[str, int]:
    """A glossary CSV of the candidates that can be written as valid entries, and how many could not."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    skipped = 0
    for candidate in candidates:
        keep = candidate.kept * 2 >= candidate.pairs
        zh = "|".join(seq for seq, _ in candidate.renderings)
        if not keep and not zh:
            skipped += 1  # nothing recurring to suggest: a row without renderings would not lint
            continue
        note = f"suggested from {candidate.pairs} aligned pairs; kept in English in {candidate.kept}"
        if candidate.renderings:
            seen = ", ".join(f"{seq} ×{count}" for seq, count in candidate.renderings)
            note += f"; rendered {seen}. Review: move wrong renderings to forbidden"
        row = {"term": candidate.term, "zh": zh, "keep_english": "true" if keep else "false", "note": note}
        # Text mined from documents must not become a formula in a maintainer's spreadsheet.
        writer.writerow([spreadsheet_safe(row.get(column, "")) for column in COLUMNS])
    return buffer.getvalue(), skipped


def aligned_segments(
    pairs: Sequence[tuple[Document, Document]],
) -> list[tuple[tuple[Segment, ...], tuple[Segment, ...]]]:
    """Structure-and-length alignment (no model) of each document pair; only pairs with both sides."""
    from qa.align.pairs import align

    found = []
    for english, chinese in pairs:
        for pair in align(english, chinese).pairs:
            if pair.source and pair.target:
                found.append((pair.source, pair.target))
    return found
