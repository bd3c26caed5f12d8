"""Link checks: link targets and URLs the translation lost, changed or broke, and link texts
left empty.

Every URL of an aligned pair (link targets, autolinks and bare URLs) is compared with the
other side's. A URL the MT damaged (a space inside it, full-width punctuation) is found by
matching the English URL loosely, and reported as broken rather than missing. Link syntax
the MT broke (`] (`, `【text】(url)`, `[text]（url）`) is found in the Chinese alone.

A URL a translator localised is the same link, not a changed one (`_Links.same`): a Chinese
locale in its path or host, an anchor to the translated heading, the site under its other
host name, and the like. Only what is left after that is paired as changed.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from qa.glossary.match import Occurrences
from qa.model import Alignment, Applicability, Document, Finding, Fix, Pair, Segment, SegmentKind, Severity
from qa.read.inline import Part, PartKind, parts, urls
from qa.rules.pairwise import (
    Located,
    each_translated_pair,
    finding_at,
    finding_at_block,
    replacement,
    source_place,
    squeeze,
)
from qa.rules.rule import Check, Rule, Scope

MISSING_URL = Rule.define(
    "links/missing-url",
    Severity.ERROR,
    """A URL of the English (a link target, an autolink or a bare URL) is not in the Chinese.

    What it does: collects the URLs of both sides of an aligned pair, outside code, and
    reports each English URL that the Chinese has neither as it is (or localised, see
    links/changed-url), nor as an image's address, nor damaged (that is
    links/broken-syntax), nor replaced by another URL (that is links/changed-url). The
    finding is an empty range at the start of the Chinese block. URLs are counted: a
    Medium link card links its article twice (`[](url) [## title` … `site](url)`), and a
    card whose closing line the MT lost still has the first; the message then says how
    many times each side links it.

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

    A translator's localised link is the same link and is not reported: a Chinese locale
    put in the path or the host, or put for the English one (`/docs/x` -> `/docs/zh/x`,
    `course/en/` -> `course/zh-CN/`, `zh.d2l.ai`), a release pinned in the path
    (`/v2.12.0/`), an in-page anchor to the Chinese heading aligned with the English one
    (`#什么是注意力` for `#what-is-attention`), a translated anchor on a localised or relative
    link, the other host of one site (`hf.co`, `www.`), `https` for `http`, a trailing
    slash or `.html`, `main` for `master`, a relative path that reaches the same file from
    the Chinese file's folder, and an English URL's stray end (`/benchmark/>`) left out.
    Still reported: any other change, and a locale the Chinese drops (`course/en/chapter7`
    -> `course/chapter7`).

    Why is this bad: MT and careless edits translate URL paths, drop query strings or
    renumber arXiv ids; the link then leads elsewhere or nowhere.

    Example: English "(https://arxiv.org/abs/2103.12731)", Chinese
    "(https://arxiv.org/abs/2103.12713)".
    """,
    fix=Applicability.UNSAFE,
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
    fix=Applicability.SAFE,
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
    links = _Links(alignment)
    return each_translated_pair(alignment, lambda alignment, pair: _check_pair(alignment, pair, links))


def _check_pair(alignment: Alignment, pair: Pair, links: _Links) -> list[Finding]:
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
            suggestion=_repair(where.text, source_urls)[0],
            fix=_repair_fix(where, source_urls),
        )
        for where in broken
    ]
    broken_spans = _Spans(broken)
    target_urls = list(_urls(pair.target))
    every_target_key = Counter(url.key for url in target_urls)
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
                fix=Applicability.SAFE,  # the damaged text squeezes back to exactly this URL
            )
        )
    if all_damaged:
        damaged_spans = _Spans(all_damaged)
        target_urls = [t for t in target_urls if not damaged_spans.overlapping(t.where)]
    if left_source and target_urls:
        # Localised links: the same link, written as the translation's readers need it.
        localised = links.pair_same(left_source, target_urls)
        for english, chinese in localised:
            findings += _compare_forms(alignment, pair, english, chinese, broken_spans)
        left_source, target_urls = _without(left_source, target_urls, localised)
    if left_source:
        # An English URL that the Chinese has as an image's address (an `<img src>` that the
        # English side's inline parts read as a bare URL): not lost.
        images = list(_images(pair.target))
        if images:
            left_source = _without(left_source, [], links.pair_same(left_source, images))[0]
    if left_source and target_urls:
        # A Chinese URL that is an image of the English: not a changed link.
        images = list(_images(pair.source))
        if images:
            target_urls = _without([], target_urls, links.pair_same(images, target_urls))[1]
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
                fix=Applicability.UNSAFE,  # a localised page may be meant
            )
        )
    for english in left_source:
        findings.append(
            finding_at_block(
                MISSING_URL,
                path,
                pair.target[0],
                _missing_message(alignment, english, source_urls, every_target_key),
                pair=pair.id,
            )
        )
    return findings


def _missing_message(alignment: Alignment, english: _Url, source_urls: list[_Url], target_keys: Counter[str]) -> str:
    """Says how many times the Chinese block still links the URL, when it does (a link card
    whose closing `site](url)` line is lost keeps its thumbnail's `[](url)`)."""
    place = source_place(alignment, english.where)
    here = target_keys[english.key]
    if not here:
        return f"{english.part.value!r} ({place}) is not in this Chinese block"
    there = sum(1 for url in source_urls if url.key == english.key)
    return f"{english.part.value!r} is linked {there} times in the English and {here} here: the link at {place} is lost"


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
        if _in_link_text(chinese):
            return []  # `[http://x.org](http://x.org/)`: the text of a link, not plain text
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
                fix=Applicability.SAFE,
            )
        ]
    return []


def _urls(segments: Iterable[Segment]) -> Iterable[_Url]:
    for segment in segments:
        for part in urls(segment):
            yield _Url(part, segment)


def _in_link_text(url: _Url) -> bool:
    """Whether a bare URL is (in) the text of a link."""
    return any(
        part.kind is PartKind.LINK and part.label_start <= url.part.start and url.part.end <= part.label_end
        for part in parts(url.segment)
    )


def _images(segments: Iterable[Segment]) -> Iterable[_Url]:
    for segment in segments:
        if "](" in segment.raw or "<" in segment.raw:  # `![alt](path)` or `<img src=…>`
            for part in parts(segment):
                if part.kind is PartKind.IMAGE:
                    yield _Url(part, segment)


def _without(source: list[_Url], target: list[_Url], pairs: list[tuple[_Url, _Url]]) -> tuple[list[_Url], list[_Url]]:
    """`source` and `target` without the URLs of `pairs`."""
    taken = {id(url) for pair in pairs for url in pair}
    return [s for s in source if id(s) not in taken], [t for t in target if id(t) not in taken]


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


def _repair(broken: str, source_urls: list[_Url]) -> tuple[str, bool]:
    """The broken text with ASCII brackets, no space before `(`, and the English URL if the
    MT damaged it too: `【论文】 （https://x. pdf）` -> `[论文](https://x.pdf)`; and whether the
    repair is certain: its destination is an English URL of the pair, or a link target as the
    Chinese wrote it (no space squeezed out of it) that looks like one. A destination that is
    neither (`[1]（见下文）`: a Chinese aside after a bracket) is a guess."""
    fixed = broken.translate(_ASCII_BRACKETS)
    fixed = re.sub(r"\]\s+\(", "](", fixed)
    destination = re.search(r"\]\((.*?)\)?$", fixed, re.DOTALL)
    if destination is None:
        return fixed, False
    written = destination.group(1).strip()
    flat = re.sub(r"\s+", "", written)
    english = next((u.part.value for u in source_urls if _url_key(u.part.value) == _url_key(flat)), None)
    certain = english is not None or (flat == written and _LINK_TARGET.match(flat) is not None)
    return fixed[: destination.start(1)] + (english or flat) + ")", certain


_LINK_TARGET = re.compile(r"(?:https?://|www\.|\.{0,2}/|#)\S")


def _repair_fix(where: Located, source_urls: list[_Url]) -> Fix:
    repaired, certain = _repair(where.text, source_urls)
    return replacement(where, repaired, Applicability.SAFE if certain else Applicability.UNSAFE)


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
    """Each English URL (those found) as the MT left it in the Chinese: its leftmost match of
    `_damaged_pattern` in the first block that has one other than the URL itself; from one scan
    per block for all of them (qa.glossary.match.Occurrences): a search of every block per URL
    made thousands of changed links in a paragraph quadratic.

    Every match of a URL's `_damaged_pattern` is, once spaces and tabs are squeezed out and
    variants mapped to the URL's own characters, the URL itself (squeezed the same way, in
    case it holds a variant); the scan finds those places in order, and the pattern, tried
    at each in turn, keeps the first it matches at, its leftmost match (`_damaged_span`)."""
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
        squeezed_raw, offsets = squeeze(segment.raw, _SQUEEZED_OUT, _SQUEEZED)
        leftmost: dict[str, tuple[int, int]] = {}
        for first, squeezed in occurrences(squeezed_raw):
            for url in by_squeezed[squeezed]:
                if url not in found and url not in leftmost:
                    span = _damaged_span(url, segment.raw, offsets, first)
                    if span is not None:
                        leftmost[url] = span
        for url, (start, end) in leftmost.items():
            if segment.raw[start:end] != url:  # the URL as it is: this block has no damaged one
                found[url] = Located(segment, start, end)
        if len(found) == len(wanted):
            break
    return found


def _damaged_span(url: str, raw: str, offsets: list[int], first: int) -> tuple[int, int] | None:
    """The span of `_damaged_pattern(url)`'s match in `raw` at the place of character `first`
    of its squeezed form (`_squeezed`), if it matches there.

    Compiling that pattern took a millisecond per URL: seconds for the thousands of distinct
    URLs of a long paragraph. Unless the URL holds a space or a tab itself, the pattern is one
    character class per character of the URL with only spaces and tabs between, none of them
    in a class: it matches where each squeezed character came from a character of its class,
    which is told from the offsets without it."""
    if " " in url or "\t" in url:
        match = _damaged_pattern(url).match(raw, offsets[first])
        return None if match is None else match.span()
    places = offsets[first : first + len(url)]
    if all(raw[place] in _URL_CHAR_VARIANTS.get(c, c) for place, c in zip(places, url, strict=True)):
        return places[0], places[-1] + 1
    return None


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


# What a translator changes in a URL without changing where it leads (see CHANGED_URL).
_ENGLISH_LOCALE = re.compile(r"en(?:[-_](?:us|gb))?", re.IGNORECASE)
_CHINESE_LOCALE = re.compile(r"zh(?:[-_]hans|[-_]hant)?(?:[-_](?:cn|tw|hk|sg|mo))?|cn", re.IGNORECASE)
_RELEASE = re.compile(r"v\d+(?:\.\d+){0,3}|\d{1,3}(?:\.\d{1,3}){1,3}|latest|stable|main|master", re.IGNORECASE)
"""A path segment that pins a release of docs: `/docs/datasets/v2.12.0/en/loading` (not an
arXiv id: `2103.12731`)."""
_DEFAULT_BRANCH = frozenset({"master", "main"})
"""A repository's default branch under its old and its new name (`blob/master/`, `blob/main/`)."""
_HOST_ALIASES = {"hf.co": "huggingface.co", "x.com": "twitter.com", "mobile.twitter.com": "twitter.com"}
"""One site under two host names (besides `www.`, which is dropped from every host)."""
_PAGE_SUFFIX = re.compile(r"\.html?$", re.IGNORECASE)
_STRAY_START = '<"`'
_STRAY_END = '<>"`.,;:!?'
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_EXPLICIT_ANCHOR = re.compile(
    r"\[\[([^\[\]\n]+)\]\]|\{#([^{}\s]+)\}|<[A-Za-z][^<>]*?\b(?:id|name)\s*=\s*[\"']([^\"'<>]+)[\"']"
)
"""An anchor a document names itself: `## Title[[id]]` (MDX), `## Title {#id}`, `<a id="id">`."""
_MOST_VARIANTS = 8
"""Most Chinese URLs of one loose key that `_Links.pair_same` tries per English URL: real
pairs have one or two; thousands of near-identical URLs in a block would make it quadratic."""


@dataclass(frozen=True)
class _Address:
    """A URL read for comparison: http and https alike, `www.` and host aliases dropped, the
    path in segments (no empty ones: a trailing slash is none) and `.html` off the last one."""

    form: str
    """"web" (http, https or `//host`), another scheme, "root" (`/path`), "relative" (the path
    resolved against the document's folder), or "page" (only `#anchor` and/or `?query`)."""
    host: tuple[str, ...]
    path: tuple[str, ...]
    query: tuple[tuple[str, str], ...]
    fragment: str


@lru_cache(maxsize=4096)
def _address(url: str, document: str) -> _Address | None:
    try:
        split = urlsplit(url)
    except ValueError:
        return None
    scheme, netloc, path = split.scheme.lower(), split.netloc.lower(), split.path
    if scheme in ("http", "https") or (not scheme and netloc):
        form = "web"
    elif scheme:
        form = scheme
    elif path.startswith("/"):
        form = "root"
    elif path:
        form = "relative"
        path = posixpath.join(posixpath.dirname(document.replace("\\", "/")), path)
    else:
        form = "page"
    netloc = netloc.removeprefix("www.")
    netloc = _HOST_ALIASES.get(netloc, netloc)
    segments = [segment for segment in posixpath.normpath(path).split("/") if segment not in ("", ".")] if path else []
    if segments:
        segments[-1] = _PAGE_SUFFIX.sub("", segments[-1]) or segments[-1]
    query = tuple((name, value) for name, _, value in (p.partition("=") for p in split.query.split("&") if p))
    return _Address(form, tuple(netloc.split(".")) if netloc else (), tuple(segments), query, split.fragment)


def _is_locale(part: str) -> bool:
    return bool(_ENGLISH_LOCALE.fullmatch(part) or _CHINESE_LOCALE.fullmatch(part))


def _is_locale_or_release(part: str) -> bool:
    return _is_locale(part) or bool(_RELEASE.fullmatch(part))


def _localised(english: tuple[str, ...], chinese: tuple[str, ...], insertable: Callable[[str], bool]) -> bool | None:
    """Whether the Chinese parts (host labels or path segments) are the English ones with a
    Chinese locale put in: None when they are not the same; otherwise True if a Chinese locale
    was put in or put for an English one, False if not. Same: part by part equal (or both a
    default branch name), but for a part the Chinese adds (`insertable`: a locale, a release)
    and an English locale the Chinese has as a Chinese one. A part the Chinese drops (an
    English locale: `course/en/x` -> `course/x`) is not the same."""
    if english == chinese:
        return False
    i = j = 0
    localised = False
    while j < len(chinese):
        here = chinese[j]
        if i < len(english) and (english[i] == here or {english[i], here} <= _DEFAULT_BRANCH):
            i += 1
        elif i < len(english) and _ENGLISH_LOCALE.fullmatch(english[i]) and _CHINESE_LOCALE.fullmatch(here):
            localised = True
            i += 1
        elif insertable(here):
            localised = localised or bool(_CHINESE_LOCALE.fullmatch(here))
        else:
            return None
        j += 1
    return localised if i == len(english) else None


def _query_localised(english: tuple[tuple[str, str], ...], chinese: tuple[tuple[str, str], ...]) -> bool | None:
    """`_localised` for query parameters: the same names and values, but for an English locale
    value the Chinese has as a Chinese one (`?hl=en` -> `?hl=zh-CN`)."""
    if english == chinese:
        return False
    if len(english) != len(chinese):
        return None
    for (name, value), (chinese_name, chinese_value) in zip(english, chinese, strict=True):
        if name != chinese_name or (
            value != chinese_value
            and not (_ENGLISH_LOCALE.fullmatch(value) and _CHINESE_LOCALE.fullmatch(chinese_value))
        ):
            return None
    return True


def _without_stray_ends(url: str) -> str:
    """The URL without characters no URL starts or ends with (`<`, `>`, a quote, sentence
    punctuation, a closing bracket it does not open): an English URL the author mistyped
    (`…/benchmark/>`), which the translator wrote right."""
    start, end = 0, len(url)
    while start < end and url[start] in _STRAY_START:
        start += 1
    while end > start:
        last = url[end - 1]
        opener = _CLOSERS.get(last)
        if last not in _STRAY_END and (opener is None or url.count(opener, start, end) >= url.count(last, start, end)):
            break
        end -= 1
    return url[start:end]


def _anchor_key(name: str) -> str:
    """An anchor or a heading as slug makers agree on it: letters and digits, case folded."""
    return "".join(c for c in name.casefold() if c.isalnum())


class _Links:
    """What the link checks of one alignment share: whether an English URL and a Chinese one
    are the same link (`same`), with the anchors of each document, read once and only when
    an in-page link asks."""

    def __init__(self, alignment: Alignment) -> None:
        self.alignment = alignment
        self._anchors: dict[int, dict[str, list[Segment]]] = {}
        self._pair_of: dict[int, int] | None = None

    def same(self, english: _Url, chinese: _Url) -> bool:
        """Whether the Chinese URL is the English one, localised or written otherwise but
        leading to the same place (see CHANGED_URL)."""
        theirs = _address(chinese.key, self.alignment.target.path)
        if theirs is None:
            return False
        for reading in self._readings(english):
            ours = _address(reading, self.alignment.source.path)
            if ours is not None and self._same_address(ours, theirs):
                return True
        return False

    @staticmethod
    def _readings(english: _Url) -> tuple[str, ...]:
        stripped = _without_stray_ends(english.key)
        return (english.key, stripped) if stripped and stripped != english.key else (english.key,)

    def _same_address(self, english: _Address, chinese: _Address) -> bool:
        if english.form != chinese.form:
            return False
        if english.form == "page":
            return english.query == chinese.query and self._same_anchor(english.fragment, chinese.fragment)
        host = _localised(english.host, chinese.host, _is_locale)
        path = _localised(english.path, chinese.path, _is_locale_or_release)
        query = _query_localised(english.query, chinese.query)
        if host is None or path is None or query is None:
            return False
        if english.fragment == chinese.fragment:
            return True
        # A translated anchor is right on a page in Chinese: a localised link, or a relative
        # one (into the translation's own files).
        into_chinese = host or path or query or english.form == "relative"
        return bool(english.fragment) and not chinese.fragment.isascii() and into_chinese

    def _same_anchor(self, english: str, chinese: str) -> bool:
        """Two in-page anchors: the same name, or names of blocks the alignment pairs (the
        Chinese heading of the English one: `#什么是注意力` for `#what-is-attention`)."""
        if english == chinese:
            return True
        return bool(
            self._anchor_pairs(english, self.alignment.source) & self._anchor_pairs(chinese, self.alignment.target)
        )

    def _anchor_pairs(self, name: str, document: Document) -> set[int]:
        """The ids of the pairs that hold the blocks `#name` leads to in `document`."""
        anchors = self._anchors.get(id(document))
        if anchors is None:
            anchors = self._anchors[id(document)] = _anchor_blocks(document)
        blocks = anchors.get(_anchor_key(name))
        if blocks is None and (numbered := re.fullmatch(r"(.+)-\d+", name)):
            blocks = anchors.get(_anchor_key(numbered.group(1)))  # a repeated heading's `-1`
        if not blocks:
            return set()
        if self._pair_of is None:
            self._pair_of = {
                id(segment): pair.id for pair in self.alignment.pairs for segment in (*pair.source, *pair.target)
            }
        return {self._pair_of[id(block)] for block in blocks if id(block) in self._pair_of}

    def pair_same(self, source: list[_Url], target: list[_Url]) -> list[tuple[_Url, _Url]]:
        """Each English URL with the first Chinese one not yet taken that is the same link: one
        of the same key, else the first that `same` accepts. Same links share a loose key
        (`_loose_keys`), so each English URL is tried against the few Chinese ones of its
        loose keys, not all of them (thousands of changed links in a paragraph)."""
        exact: dict[str, deque[_Url]] = {}
        loose: dict[tuple[object, ...], dict[str, deque[_Url]]] = {}
        order: dict[int, int] = {}
        for index, chinese in enumerate(target):
            order[id(chinese)] = index
            exact.setdefault(chinese.key, deque()).append(chinese)
            for key, variant in self._loose_keys(chinese.key, self.alignment.target, chinese=True):
                loose.setdefault(key, {}).setdefault(variant, deque()).append(chinese)
        taken: set[int] = set()
        pairs: list[tuple[_Url, _Url]] = []
        for english in source:
            match = _first_free(exact.get(english.key), taken)
            if match is None:
                accepted = self._loose_matches(english, loose, taken)
                match = min(accepted, key=lambda url: order[id(url)], default=None)
            if match is not None:
                taken.add(id(match))
                pairs.append((english, match))
        return pairs

    def _loose_matches(
        self, english: _Url, loose: dict[tuple[object, ...], dict[str, deque[_Url]]], taken: set[int]
    ) -> list[_Url]:
        """Of each group of Chinese URLs that share a loose key with the English one and that
        `same` cannot tell apart (a variant), the first not taken, if `same` accepts it; at
        most `_MOST_VARIANTS` groups tried per loose key."""
        accepted: list[_Url] = []
        for reading in self._readings(english):
            for key, _ in self._loose_keys(reading, self.alignment.source, chinese=False):
                variants = loose.get(key, {})
                tried = 0
                spent: list[str] = []
                for variant, waiting in variants.items():
                    candidate = _first_free(waiting, taken)
                    if candidate is None:
                        spent.append(variant)  # all taken: not looked at again
                        continue
                    if self.same(english, candidate):
                        accepted.append(candidate)
                    tried += 1
                    if tried == _MOST_VARIANTS:
                        break
                for variant in spent:
                    del variants[variant]
        return accepted

    def _loose_keys(self, url: str, document: Document, *, chinese: bool) -> list[tuple[tuple[object, ...], str]]:
        """(loose key, variant) of a URL: what `same` leaves of it when it drops every part a
        translator may put in or change (locales, releases, the branch name, a translated
        anchor); a Chinese URL is the same link as an English one only if they share one. The
        variant groups Chinese URLs that `same` cannot tell apart (they differ only in a
        translated anchor)."""
        address = _address(url, document.path)
        if address is None:
            return []
        if address.form == "page":
            return [(("page", address.query, pair), url) for pair in self._anchor_pairs(address.fragment, document)]
        host = tuple("main" if label in _DEFAULT_BRANCH else label for label in address.host if not _is_locale(label))
        path = tuple(segment for segment in address.path if not _is_locale_or_release(segment))  # branch names too
        query = tuple((name, "*" if _is_locale(value) else value) for name, value in address.query)
        base = (address.form, host, path, query)
        fragment = address.fragment
        if chinese:
            translated = not fragment.isascii()
            return [((*base, "*" if translated else fragment), url.split("#", 1)[0] if translated else url)]
        keys = [((*base, fragment), url)]
        if fragment:
            keys.append(((*base, "*"), url))
        return keys


def _first_free(waiting: deque[_Url] | None, taken: set[int]) -> _Url | None:
    """The first URL of `waiting` not taken (those taken are dropped from its front)."""
    while waiting and id(waiting[0]) in taken:
        waiting.popleft()
    return waiting[0] if waiting else None


def _anchor_blocks(document: Document) -> dict[str, list[Segment]]:
    """The blocks of a document by the anchors that lead to them: each heading's text and
    each anchor a block names (`_EXPLICIT_ANCHOR`), as `_anchor_key` has them."""
    anchors: dict[str, list[Segment]] = {}
    for segment in document.segments:
        names: list[str] = []
        if segment.kind is SegmentKind.HEADING:
            names.append(_EXPLICIT_ANCHOR.sub("", segment.text))
        if "[[" in segment.raw or "{#" in segment.raw or "=" in segment.raw:
            names += [next(g for g in match.groups() if g) for match in _EXPLICIT_ANCHOR.finditer(segment.raw)]
        for name in names:
            key = _anchor_key(name)
            if key:
                anchors.setdefault(key, []).append(segment)
    return anchors


def _overlaps(a: Located, b: Located) -> bool:
    return a.segment is b.segment and a.start < b.end and b.start < a.end


def _next_to(a: Located, b: Located) -> bool:
    return a.segment is b.segment and (a.start <= b.end <= a.end or b.start <= a.end <= b.end)


def _label_excerpt(label: str, limit: int = 40) -> str:
    flat = " ".join(label.replace("*", "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


CHECKS = (Check("links", RULES, Scope.PAIR, run=lambda given: check_alignment(given.alignment)),)
