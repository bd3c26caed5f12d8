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

Term alignment (qa.glossary.terms.locate, what places missing-term findings) adds the
renderings that look wrong: where the English of a pair has a glossary term or a technical
name and the Chinese has neither an approved rendering, nor the English, nor a rendering the
glossary already lists as wrong, the span that renders it by sound (伯特 for BERT) or word
by word (高效网 for EfficientNet; 时期 for epoch) is reported with its count and example
lines, in the column of wrong renderings it belongs in. A glossary term's row is then the
entry as it stands with those renderings added, to replace its row.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import QaInputError
from qa.gcpause import collector_paused
from qa.glossary.candidates import _COMMON_WORD
from qa.glossary.load import Entry, Glossary, WrongRendering, plain, term_key
from qa.glossary.match import HAN_RUN, Match, Occurrences, PhraseMatcher, open_words, outermost
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
_MAX_TOKENS = 3
_MIN_DICE = 0.25


_EXAMPLES = 3
"""Example lines listed per rendering found."""


@dataclass(frozen=True)
class Seen:
    """A rendering of a term found by term alignment, that looks wrong."""

    text: str
    verdict: str
    """"by sound" or "word by word" (a name that stays in English), or "not approved" (a
    translated term rendered by another word, 时期 for epoch)."""
    column: str
    """The column of wrong renderings it is proposed for."""
    count: int
    examples: tuple[str, ...]
    """`file:line` of the first places it was seen."""


@dataclass(frozen=True)
class Candidate:
    term: str
    pairs: int
    """Aligned pairs whose English has the term."""
    kept: int
    """Of those, pairs whose Chinese keeps the term in English."""
    renderings: tuple[tuple[str, int], ...]
    """Chinese sequences associated with the term, with the pairs they share, best first."""
    found: tuple[Seen, ...] = ()
    """Renderings term alignment found that look wrong, most often seen first."""
    entry: Entry | None = None
    """The glossary entry of the term, when it has one: its row is suggested with `found` added."""


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


@collector_paused()
def mine(
    pairs: Iterable[tuple[Sequence[Segment], Sequence[Segment]]],
    glossary: Glossary | None = None,
    min_count: int = 2,
    where: Sequence[str] = (),
) -> list[Candidate]:
    """Candidates seen in at least `min_count` pairs, most frequent first: terms the glossary
    lacks, and glossary terms for which term alignment found a rendering it does not list.
    `where`: the Chinese file of each pair, for the example lines. The garbage collector is
    paused meanwhile (qa.gcpause): sets of terms and sequences and lists of matches per pair."""
    import jieba

    jieba.setLogLevel(60)  # its "Building prefix dict" chatter goes to stderr otherwise
    pairs = list(pairs)
    term_pairs: dict[str, list[int]] = {}
    kept: dict[str, set[int]] = {}
    sequences_of: list[set[str]] = []
    for index, (english, chinese) in enumerate(pairs):
        english_text = " ".join(s.text for s in english)
        chinese_text = " ".join(s.text for s in chinese)
        # Only runs of Han tokens are kept: a Chinese side without a Han character (code, a
        # list left in English) has none, and jieba, whose dictionary takes half a second to
        # load, need not read it.
        sequences_of.append(_sequences(jieba.lcut(chinese_text)) if HAN_RUN.search(chinese_text) else set())
        terms = english_terms(english_text)
        in_chinese = kept_in(terms, term_key(chinese_text)) if terms else set()
        for term in terms:
            term_pairs.setdefault(term, []).append(index)
            if term in in_chinese:
                kept.setdefault(term, set()).add(index)
    document_frequency: Counter[str] = Counter(seq for sequences in sequences_of for seq in sequences)
    known = set(glossary.by_key) if glossary is not None else set()
    # Only names seen often enough to be reported are aligned: locating costs a scan of the
    # pair's Chinese per name.
    names = {t for t, indices in term_pairs.items() if len(indices) >= min_count and term_key(t) not in known}
    located = _located(pairs, glossary, names, where)
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
        found = _seen(located.names.get(term, []), None)
        candidates.append(Candidate(term, len(indices), len(kept.get(term, ())), _best(scored), found))
    candidates += _known_candidates(located, glossary, min_count)
    return sorted(candidates, key=lambda c: (-c.pairs, c.term.casefold()))


@dataclass(frozen=True)
class _Located:
    """One place term alignment found a rendering of a term."""

    text: str
    how: str
    """"sound", "words", or "not approved"."""
    where: str


@dataclass(frozen=True)
class _Alignment:
    """What term alignment found over all pairs."""

    names: dict[str, list[_Located]]
    """Technical names no entry has -> their renderings."""
    entries: dict[int, list[_Located]]
    """Glossary entries -> renderings the entry does not list."""
    entry_pairs: Counter[int]
    """Pairs whose English has the entry."""
    entry_rendered: Counter[int]
    """Of those, pairs whose Chinese has an approved rendering or keeps the English."""


def _located(
    pairs: Sequence[tuple[Sequence[Segment], Sequence[Segment]]],
    glossary: Glossary | None,
    names: set[str],
    where: Sequence[str],
) -> _Alignment:
    """Per pair, the span of the Chinese that renders each glossary term and each of `names`
    the Chinese neither renders as the glossary approves nor keeps in English: placed and
    accepted exactly as missing-term places its findings."""
    # The rule's own thresholds and placement, so that suggest and missing-term agree; imported
    # here because qa.rules.glossary imports this module.
    from qa.glossary.terms import locate
    from qa.rules.glossary import _place, _renders_name, rendering_of

    found = _Alignment({}, {}, Counter(), Counter())
    english_entries: list[set[int]] = [set()] * len(pairs)
    target_matches: list[tuple[set[int], set[int], list[list[Match[int]]]]] = []
    if glossary is not None:
        english_entries = _english_entries([english for english, _ in pairs], glossary)
        target_matches = _target_matches([chinese for _, chinese in pairs], glossary)
    for index, (english, chinese) in enumerate(pairs):
        english_text = " ".join(s.text for s in english)
        entries = sorted(english_entries[index])
        local = technical_names(english_text) & names if names else set()
        if not entries and not local:
            continue  # most pairs: no glossary term and no name to place
        folded = term_key(" ".join(s.raw for s in chinese))
        file = where[index] if index < len(where) else "?"
        taken: list[tuple[Segment, int, int]] = []
        if glossary is not None:
            accepted, wrong, approved = target_matches[index]
            for entry_index in entries:
                entry = glossary.entries[entry_index]
                found.entry_pairs[entry_index] += 1
                if entry_index in accepted or kept_in(entry.kept_in_target, folded):
                    found.entry_rendered[entry_index] += 1
                    continue
                if entry_index in wrong:
                    continue  # a wrong rendering the glossary knows: already reported
                span = rendering_of(entry_index, english, chinese, glossary, approved, taken)
                if span is None:
                    continue
                taken.append((span.segment, span.start, span.end))
                how = span.how if entry.keep_english else "not approved"
                line = span.segment.position(span.start)[0]
                found.entries.setdefault(entry_index, []).append(_Located(span.text, how, f"{file}:{line}"))
        for name in sorted(local - kept_in(local, folded)):
            span = locate(name, chinese, _place(english_text, (name,)), taken)
            if span is None or not _renders_name(span, name):
                continue
            taken.append((span.segment, span.start, span.end))
            line = span.segment.position(span.start)[0]
            found.names.setdefault(name, []).append(_Located(span.text, span.how, f"{file}:{line}"))
    return found


def _english_entries(sides: Sequence[Sequence[Segment]], glossary: Glossary) -> list[set[int]]:
    """The entries of each English side, the longest of overlapping ones ("Vision Transformer",
    not also "Transformer", which its own rendering holds)."""
    return [
        {match.key for segment_matches in side for match in outermost(segment_matches)}
        for side in _each_side(glossary.english_matcher, sides)
    ]


def _target_matches(
    sides: Sequence[Sequence[Segment]], glossary: Glossary
) -> list[tuple[set[int], set[int], list[list[Match[int]]]]]:
    """For each Chinese side, the entries an approved rendering stands for in it, those a
    wrong rendering the glossary lists or generates stands for, and the approved renderings'
    matches in each of its segments (where term alignment must not place another term)."""
    accepted = _each_side(glossary.accepted_matcher, sides)
    wrong = _each_side(glossary.wrong_matcher, sides)
    return [
        (
            {match.key for segment_matches in side_accepted for match in segment_matches},
            {
                match.key.entry
                for segment_matches in side_wrong
                for match in segment_matches
                if isinstance(match.key, WrongRendering)
            },
            side_accepted,
        )
        for side_accepted, side_wrong in zip(accepted, wrong, strict=True)
    ]


def _each_side(matcher: PhraseMatcher[Any], sides: Sequence[Sequence[Segment]]) -> list[list[list[Match[Any]]]]:
    """`matcher.find(segment.raw, segment.protected, nested=True)` of every segment of each
    side, found in one scan of them all (`find_each`): 100,000 pairs were 300,000 calls, and
    the calls around the automaton cost more than the scans of short blocks."""
    matches = iter(matcher.find_each([(s.raw, s.protected) for side in sides for s in side], nested=True))
    return [[next(matches) for _ in side] for side in sides]


def _known_candidates(found: _Alignment, glossary: Glossary | None, min_count: int) -> list[Candidate]:
    """Glossary terms seen in `min_count` pairs or more with a rendering their entry lacks."""
    if glossary is None:
        return []
    approved = {plain(r) for entry in glossary.entries for r in entry.approved}
    candidates = []
    for index, places in found.entries.items():
        # An approved rendering of another entry (模型) is that entry's, not a wrong one of this.
        places = [p for p in places if p.text not in approved]
        if found.entry_pairs[index] < min_count or not places:
            continue
        entry = glossary.entries[index]
        seen = _seen(places, entry)
        candidates.append(Candidate(entry.term, found.entry_pairs[index], found.entry_rendered[index], (), seen, entry))
    return candidates


def _seen(places: Sequence[_Located], entry: Entry | None) -> tuple[Seen, ...]:
    """The renderings of one term grouped, with counts and example lines, most often first."""
    groups: dict[tuple[str, str], list[str]] = {}
    for place in places:
        groups.setdefault((place.text, place.how), []).append(place.where)
    listed = {plain(w) for w, _ in entry.wrong()} if entry is not None else set()
    groups = {key: value for key, value in groups.items() if key[0] not in listed}
    if not groups:
        return ()
    frequency = _frequencies({text for text, _ in groups})
    seen = [
        Seen(text, _VERDICTS[how], _column(how, frequency.get(text, 0)), len(lines), tuple(lines[:_EXAMPLES]))
        for (text, how), lines in groups.items()
    ]
    return tuple(sorted(seen, key=lambda s: (-s.count, s.text)))


_VERDICTS = {"sound": "by sound", "words": "word by word", "not approved": "not approved"}


def _frequencies(texts: set[str]) -> dict[str, int]:
    words = open_words()
    return words.frequencies(texts) if words is not None else {}


def _column(how: str, frequency: int) -> str:
    """Where a wrong rendering goes: an ordinary word (时期, 开始) or a term's unapproved
    rendering only where the English confirms it; a transliteration (伯特) in any ML text; a
    rarer word-by-word rendering (闪电) as a warning without English. The same split as the
    generated candidates (qa.glossary.candidates)."""
    if how == "not approved" or frequency >= _COMMON_WORD:
        return "forbidden_with_source"
    return "forbidden_always" if how == "sound" else "forbidden"


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
            if not HAN_RUN.fullmatch(token):
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
        row = _new_row(candidate) if candidate.entry is None else _entry_row(candidate, candidate.entry)
        if row is None:
            skipped += 1  # nothing recurring to suggest: a row without renderings would not lint
            continue
        # Text mined from documents must not become a formula in a maintainer's spreadsheet.
        writer.writerow([spreadsheet_safe(row.get(column, "")) for column in COLUMNS])
    return buffer.getvalue(), skipped


def _new_row(candidate: Candidate) -> dict[str, str] | None:
    """A term the glossary lacks: its recurring renderings as approved, the ones term alignment
    found by sound or word by word as wrong (a technical name stays in English)."""
    wrong = {seen.text for seen in candidate.found}
    renderings = [(seq, count) for seq, count in candidate.renderings if seq not in wrong]
    keep = candidate.kept * 2 >= candidate.pairs or bool(candidate.found)
    zh = "|".join(seq for seq, _ in renderings)
    if not keep and not zh:
        return None
    note = f"suggested from {candidate.pairs} aligned pairs; kept in English in {candidate.kept}"
    if renderings:
        seen = ", ".join(f"{seq} ×{count}" for seq, count in renderings)
        note += f"; rendered {seen}. Review: move wrong renderings to forbidden"
    if candidate.found:
        note += f"; {_found_note(candidate.found)}"
    row = {"term": candidate.term, "zh": zh, "keep_english": "true" if keep else "false", "note": note}
    return row | _wrong_cells(candidate.found, {})


def _entry_row(candidate: Candidate, entry: Entry) -> dict[str, str]:
    """A glossary term: its entry as it stands, with the renderings found added to the column
    each belongs in, to replace the entry's row."""
    listed = {
        "forbidden": entry.forbidden,
        "forbidden_always": entry.forbidden_always,
        "forbidden_with_source": entry.forbidden_with_source,
    }
    note = (
        f"{entry.note + ' ' if entry.note else ''}[suggest: replaces the row at {entry.origin}; "
        f"in {candidate.pairs} aligned pairs, approved or kept in English in {candidate.kept}; "
        f"{_found_note(candidate.found)}]"
    )
    row = {
        "term": entry.term,
        "zh": "|".join(entry.approved),
        "exceptions": "|".join(entry.exceptions),
        "keep_english": _flag(entry.keep_english),
        "case_sensitive": _flag(entry.case_sensitive),
        "report_missing": _flag(entry.report_missing),
        "variants": "|".join(entry.variants),
        "note": note,
    }
    return row | _wrong_cells(candidate.found, listed)


def _wrong_cells(found: Sequence[Seen], listed: dict[str, tuple[str, ...]]) -> dict[str, str]:
    cells = {column: list(values) for column, values in listed.items()}
    for seen in found:
        if seen.text not in cells.setdefault(seen.column, []):
            cells[seen.column].append(seen.text)
    return {column: "|".join(values) for column, values in cells.items()}


def _found_note(found: Sequence[Seen]) -> str:
    """伯特 ×2 by sound (a.zh.md:3, b.zh.md:9)."""
    parts = [f"{s.text} ×{s.count} {s.verdict} ({', '.join(s.examples)}) -> {s.column}" for s in found]
    return "found by term alignment: " + "; ".join(parts) + ". Review each in context"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def aligned_segments(
    pairs: Sequence[tuple[Document, Document]],
) -> tuple[list[tuple[tuple[Segment, ...], tuple[Segment, ...]]], list[str]]:
    """Structure-and-length alignment (no model) of each document pair; only pairs with both
    sides, and the Chinese file of each."""
    from qa.align.pairs import align

    found = []
    files = []
    for english, chinese in pairs:
        for pair in align(english, chinese).pairs:
            if pair.source and pair.target:
                found.append((pair.source, pair.target))
                files.append(chinese.path)
    return found, files
