"""Link checks: link targets and URLs the translation lost, changed or broke, and link texts
left empty.

Every URL of an aligned pair (link targets, autolinks and bare URLs) is compared with the
other side's. A URL the MT damaged (a space inside it, full-width punctuation) is found by
matching the English URL loosely, and reported as broken rather than missing. Link syntax
the MT broke (`] (`, `【text】(url)`, `[text]（url）`) is found in the Chinese alone.
"""

from __future__ import annotations

import bisect
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from qa.checks.pairwise import Located, each_translated_pair, finding_at, finding_at_block, source_place
from qa.inline import Part, PartKind, parts, urls
from qa.matching import Occurrences
from qa.model import Alignment, Finding, Pair, Segment, Severity
from qa.rules import Rule

MISSING_URL = Rule.define(
    "links/missing-url",
    Severity.ERROR,
    """A URL of the English (a link target, an autolink or a bare URL) is not in the Chinese.

    What it does: collects the URLs of both sides of an aligned pair, outside code, and
    reports each English URL that the Chinese has neither as it is, nor damaged (that is
    links/broken-syntax), nor replaced by another URL (that is links/changed-url). The
    finding is an empty range at the start of the Chinese block.

    Why is this bad: a reader of the translation can no longer reach the paper or post the
    sentence is about.

    Example: English "[the paper](https://arxiv.org/abs/2103.12731)", Chinese 这篇论文
    (the link dropped).
    """,
)

CHANGED_URL = Rule.define(
    "links/changed-url",
    Severity.ERROR,
    """A URL of the English stands changed in the Chinese.

    What it does: when an aligned pair has an English URL the Chinese lacks and a Chinese
    URL the English lacks, pairs them (same host first, then in order when the counts
    agree) and marks the Chinese URL, suggesting the English one.

    Why is this bad: MT and careless edits translate URL paths, drop query strings or
    renumber arXiv ids; the link then leads elsewhere or nowhere.

    Example: English "(https://arxiv.org/abs/2103.12731)", Chinese
    "(https://arxiv.org/abs/2103.12713)".
    """,
)

BROKEN_SYNTAX = Rule.define(
    "links/broken-syntax",
    Severity.ERROR,
    """The MT broke a link: `] (`, full-width brackets, or a space inside the URL.

    What it does: reports link syntax that no longer parses as a link: a space between
    `]` and `(` (`[text] (url)`), full-width brackets in place of ASCII ones
    (`【text】(url)`, `[text]（url）`), an English link that is only a bare URL in the
    Chinese, and an English URL that the Chinese has with spaces or full-width
    punctuation inside (`Supervision. pdf`). The suggestion is the English URL where there
    is one.

    Why is this bad: the page shows brackets and a raw URL instead of a link, or a link to
    an address that does not exist (Weblate #3649).

    Example: English "[OpenAI's CLIP](https://cdn.openai.com/papers/CLIP.pdf)", Chinese
    "[OpenAI 的 CLIP](https://cdn.openai.com/papers/CLIP. pdf)".
    """,
)

EMPTY_TEXT = Rule.define(
    "links/empty-text",
    Severity.ERROR,
    """A link that has text in the English has none in the Chinese: `[](url)`.

    What it does: for each URL linked in both languages, reports the Chinese link whose
    text is empty (or only emphasis markers) while the English link's is not. Empty links
    that are empty in the English too (the thumbnails of Medium link cards) are left alone.

    Why is this bad: an empty link is invisible; the text the MT moved out of the brackets
    is no longer clickable.

    Example: English "[**GPT-3 use cases**](https://openai.com/blog/gpt-3-apps/)",
    Chinese "[](https://openai.com/blog/gpt-3-apps/)**GPT-3 用例**".
    """,
)

RULES = (MISSING_URL, CHANGED_URL, BROKEN_SYNTAX, EMPTY_TEXT)

# MT-broken link syntax, found in the Chinese alone.
_BROKEN = re.compile(
    r"\][ \t]+\(\s*(?:https?://|www\.|[./#])[^)\s]*\)?"  # [text] (url)
    r"|\][ \t]*（[^）\n]*）?"  # [text]（url）
    r"|【[^【】\n]*】[ \t]*[(（][^)）\n]*[)）]?"  # 【text】(url)
)
# What the MT writes for URL characters when it "translates" them.
_URL_CHAR_VARIANTS = {".": ".。．", ":": ":：", "/": "/／", "?": "?？", "=": "=＝", "&": "&＆", "#": "#＃", "%": "%％"}
_EMPTY_LABEL = re.compile(r"^[\s*_]*$")
_ASCII_BRACKETS = str.maketrans("【】（）", "[]()")


@dataclass(frozen=True)
class _Url:
    part: Part
    segment: Segment

    @property
    def key(self) -> str:
        return _url_key(self.part.value)

    @property
    def where(self) -> Located:
        return Located(self.segment, self.part.value_start, self.part.value_end)


def check_alignment(alignment: Alignment) -> list[Finding]:
    return each_translated_pair(alignment, _check_pair)


def _check_pair(alignment: Alignment, pair: Pair) -> list[Finding]:
    path = alignment.target.path
    findings: list[Finding] = []
    broken = [Located(segment, m.start(), m.end()) for segment in pair.target for m in _broken_syntax(segment)]
    source_urls = list(_urls(pair.source))
    findings += [
        finding_at(
            BROKEN_SYNTAX,
            path,
            where,
            f"broken link syntax {where.text!r}: write [text](url) with ASCII brackets and no space",
            pair=pair.id,
            suggestion=_repair(where.text, source_urls),
        )
        for where in broken
    ]
    broken_spans = _Spans(broken)
    target_urls = list(_urls(pair.target))
    left_source: list[_Url] = []
    paired: set[int] = set()
    for english, chinese in _same_urls(source_urls, target_urls):
        if chinese is None:
            left_source.append(english)
            continue
        paired.add(id(chinese))
        findings += _compare_forms(alignment, pair, english, chinese, broken_spans)
    target_urls = [t for t in target_urls if id(t) not in paired]
    damaged_at = _find_damaged_each([english.part.value for english in left_source], pair.target)
    all_damaged: list[Located] = []
    for english in list(left_source):
        damaged = damaged_at.get(english.part.value)
        if damaged is None:
            continue
        left_source.remove(english)
        all_damaged.append(damaged)
        if broken_spans.overlapping(damaged):
            continue
        findings.append(
            finding_at(
                BROKEN_SYNTAX,
                path,
                damaged,
                f"the URL is broken ({_describe_damage(damaged.text)}); the English "
                f"({source_place(alignment, english.where)}) has {english.part.value!r}",
                pair=pair.id,
                suggestion=english.part.value,
            )
        )
    if all_damaged:
        damaged_spans = _Spans(all_damaged)
        target_urls = [t for t in target_urls if not damaged_spans.overlapping(t.where)]
    for english, chinese in _pair_changed(left_source, target_urls):
        left_source.remove(english)
        findings.append(
            finding_at(
                CHANGED_URL,
                path,
                chinese.where,
                f"the English ({source_place(alignment, english.where)}) links {english.part.value!r} here",
                pair=pair.id,
                suggestion=english.part.value,
            )
        )
    for english in left_source:
        findings.append(
            finding_at_block(
                MISSING_URL,
                path,
                pair.target[0],
                f"{english.part.value!r} ({source_place(alignment, english.where)}) is not in this Chinese block",
                pair=pair.id,
            )
        )
    return findings


def _compare_forms(alignment: Alignment, pair: Pair, english: _Url, chinese: _Url, broken: _Spans) -> list[Finding]:
    """The same URL on both sides: is it still a link, and does the link still have text?"""
    path = alignment.target.path
    raw_english, raw_chinese = english.segment.raw, chinese.segment.raw
    if english.part.kind is PartKind.LINK and chinese.part.kind is PartKind.LINK:
        english_label = raw_english[english.part.label_start : english.part.label_end]
        chinese_label = raw_chinese[chinese.part.label_start : chinese.part.label_end]
        if not _EMPTY_LABEL.match(english_label) and _EMPTY_LABEL.match(chinese_label):
            brackets = Located(chinese.segment, chinese.part.start, chinese.part.label_end + 1)
            return [
                finding_at(
                    EMPTY_TEXT,
                    path,
                    brackets,
                    f"this link has no text; the English ({source_place(alignment, english.where)}) "
                    f"links {_label_excerpt(english_label)!r}",
                    pair=pair.id,
                )
            ]
    elif english.part.kind is PartKind.LINK and chinese.part.kind is PartKind.BARE_URL:
        if broken.touching(chinese.where):
            return []  # reported as broken syntax already
        return [
            finding_at(
                BROKEN_SYNTAX,
                path,
                chinese.where,
                f"the English ({source_place(alignment, english.where)}) links this URL as "
                f"[{_label_excerpt(raw_english[english.part.label_start : english.part.label_end])}](…); "
                "here it is plain text",
                pair=pair.id,
            )
        ]
    elif english.part.kind is PartKind.AUTOLINK and chinese.part.kind is PartKind.BARE_URL:
        return [
            finding_at(
                BROKEN_SYNTAX,
                path,
                chinese.where,
                "the English has this URL in <…>, which makes it a link; here it is plain text",
                pair=pair.id,
                severity=Severity.WARNING,
                suggestion=f"<{chinese.part.value}>",
            )
        ]
    return []


def _urls(segments: Iterable[Segment]) -> Iterable[_Url]:
    for segment in segments:
        for part in urls(segment):
            yield _Url(part, segment)


def _url_key(url: str) -> str:
    return unquote(url.strip())


def _broken_syntax(segment: Segment) -> Iterable[re.Match[str]]:
    code: list[Part] | None = None  # read only for a block with broken syntax to check: few
    code_starts: list[int] = []
    for match in _BROKEN.finditer(segment.raw):
        if code is None:
            # Code spans do not overlap: the one starting last at or before a place is the only
            # one that can hold it.
            code = [p for p in parts(segment) if p.kind is PartKind.CODE]
            code_starts = [p.start for p in code]
        holder = bisect.bisect_right(code_starts, match.start()) - 1
        if holder < 0 or match.start() >= code[holder].end:
            yield match


def _same_urls(source: list[_Url], target: list[_Url]) -> Iterator[tuple[_Url, _Url | None]]:
    """Each English URL with the first Chinese URL of the same key not yet taken (or None)."""
    waiting: dict[str, deque[_Url]] = {}
    for chinese in target:
        waiting.setdefault(chinese.key, deque()).append(chinese)
    for english in source:
        same = waiting.get(english.key)
        yield english, same.popleft() if same else None


class _Spans:
    """Places in the Chinese blocks, asked whether any overlaps or touches a given place: a
    lookup among those of its block sorted by start, with the furthest end so far, rather
    than a test of each place (thousands of links in one paragraph made that quadratic)."""

    def __init__(self, places: Iterable[Located]) -> None:
        self._by_segment: dict[int, tuple[list[int], list[int]]] = {}
        for place in sorted(places, key=lambda p: p.start):
            starts, furthest = self._by_segment.setdefault(id(place.segment), ([], []))
            starts.append(place.start)
            furthest.append(max(place.end, furthest[-1]) if furthest else place.end)

    def _furthest_end(self, place: Located, start_at_most: int) -> int:
        """The furthest end of the places of `place`'s block that start at or before
        `start_at_most` (-1 if none)."""
        starts, furthest = self._by_segment.get(id(place.segment), ([], []))
        index = bisect.bisect_right(starts, start_at_most) - 1
        return furthest[index] if index >= 0 else -1

    def overlapping(self, place: Located) -> bool:
        """Whether one of them shares a character with `place`, as `_overlaps` tells."""
        return self._furthest_end(place, place.end - 1) > place.start

    def touching(self, place: Located) -> bool:
        """Whether one of them overlaps `place` or meets it at an end (`_overlaps` or
        `_next_to`: together, the two ranges have a point in common, ends included)."""
        return self._furthest_end(place, place.end) >= place.start


def _repair(broken: str, source_urls: list[_Url]) -> str:
    """The broken text with ASCII brackets, no space before `(`, and the English URL if the
    MT damaged it too: `【论文】 （https://x. pdf）` -> `[论文](https://x.pdf)`."""
    fixed = broken.translate(_ASCII_BRACKETS)
    fixed = re.sub(r"\]\s+\(", "](", fixed)
    destination = re.search(r"\]\((.*?)\)?$", fixed, re.DOTALL)
    if destination is not None:
        flat = re.sub(r"\s+", "", destination.group(1))
        english = next((u.part.value for u in source_urls if _url_key(u.part.value) == _url_key(flat)), flat)
        fixed = fixed[: destination.start(1)] + english + ")"
    return fixed


@lru_cache(maxsize=1024)
def _damaged_pattern(url: str) -> re.Pattern[str]:
    pieces = [f"[{re.escape(_URL_CHAR_VARIANTS.get(c, c))}]" if c in _URL_CHAR_VARIANTS else re.escape(c) for c in url]
    return re.compile(r"[ \t]*".join(pieces))


# What the damage can change in a URL: a space or tab put between two of its characters, a
# character written as one of its variants. Squeezed out and mapped back, the damaged URL is
# the URL again.
_SQUEEZED = {ord(" "): None, ord("\t"): None} | {
    ord(variant): ascii for ascii, variants in _URL_CHAR_VARIANTS.items() for variant in variants if variant != ascii
}
_SQUEEZED_OUT = re.compile(r"[ \t]+")


def _find_damaged_each(urls: list[str], segments: tuple[Segment, ...]) -> dict[str, Located]:
    """Where the MT left each English URL (those found) damaged in the Chinese: its leftmost
    match of `_damaged_pattern` in the first block that has one other than the URL itself.
    One scan per block for all URLs (qa.matching.Occurrences): a search of every block per URL
    made thousands of changed links in a paragraph quadratic.

    Every match of a URL's `_damaged_pattern` is, once spaces and tabs are squeezed out and
    variants mapped to the URL's own characters, the URL itself (squeezed the same way, in
    case it holds a variant); the scan finds those places in order, and the pattern, tried
    at each in turn, keeps the first it matches at, its leftmost match."""
    # Too short to tell damage from coincidence.
    wanted = {url for url in urls if len(url) >= 8}
    if not wanted:
        return {}
    by_squeezed: dict[str, list[str]] = {}
    for url in wanted:
        by_squeezed.setdefault(url.translate(_SQUEEZED), []).append(url)
    occurrences = Occurrences(by_squeezed)
    found: dict[str, Located] = {}
    for segment in segments:
        squeezed_raw, offsets = _squeezed(segment.raw)
        leftmost: dict[str, re.Match[str]] = {}
        for first, squeezed in occurrences(squeezed_raw):
            start = offsets[first]
            for url in by_squeezed[squeezed]:
                if url not in found and url not in leftmost:
                    match = _damaged_pattern(url).match(segment.raw, start)
                    if match is not None:
                        leftmost[url] = match
        for url, match in leftmost.items():
            if match.group() != url:  # the URL as it is: this block has no damaged one
                found[url] = Located(segment, match.start(), match.end())
        if len(found) == len(wanted):
            break
    return found


def _squeezed(raw: str) -> tuple[str, list[int]]:
    """`raw` without spaces and tabs, variants mapped (see _SQUEEZED), and for each of its
    characters the offset in `raw` it came from."""
    offsets: list[int] = []
    at = 0
    for gap in _SQUEEZED_OUT.finditer(raw):
        offsets.extend(range(at, gap.start()))
        at = gap.end()
    offsets.extend(range(at, len(raw)))
    return raw.translate(_SQUEEZED), offsets


def _describe_damage(text: str) -> str:
    if any(c.isspace() for c in text):
        return "a space inside it"
    return "full-width characters inside it"


def _pair_changed(source: list[_Url], target: list[_Url]) -> list[tuple[_Url, _Url]]:
    """Each English URL with the first Chinese one of the same host not yet taken; then, when
    as many are left on each side, the rest in order."""
    waiting: dict[str, deque[_Url]] = {}
    for chinese in target:
        waiting.setdefault(_host(chinese), deque()).append(chinese)
    pairs: list[tuple[_Url, _Url]] = []
    for english in source:
        same = waiting.get(_host(english))
        if same:
            pairs.append((english, same.popleft()))
    taken = {id(url) for pair in pairs for url in pair}
    rest = [s for s in source if id(s) not in taken]
    left = [t for t in target if id(t) not in taken]
    if rest and len(rest) == len(left):
        pairs += list(zip(rest, left, strict=True))
    return pairs


def _host(url: _Url) -> str:
    try:
        return urlsplit(url.key).netloc.lower()
    except ValueError:
        return ""


def _overlaps(a: Located, b: Located) -> bool:
    return a.segment is b.segment and a.start < b.end and b.start < a.end


def _next_to(a: Located, b: Located) -> bool:
    return a.segment is b.segment and (a.start <= b.end <= a.end or b.start <= a.end <= b.end)


def _label_excerpt(label: str, limit: int = 40) -> str:
    flat = " ".join(label.replace("*", "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
