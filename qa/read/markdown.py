"""text -> Document: Markdown blocks as typed Segments with their line ranges, via markdown-it-py."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import TYPE_CHECKING, NamedTuple

from markdown_it import MarkdownIt, helpers
from markdown_it import __version__ as _MARKDOWN_IT_VERSION
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace, mdTrim, unescapeAll
from markdown_it.parser_block import RuleFuncBlockType
from markdown_it.parser_inline import RuleFuncInlineType
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import normalize
from markdown_it.rules_core.state_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from qa.gcpause import collector_paused
from qa.model import Document, Segment, SegmentKind, Span

if TYPE_CHECKING:
    from markdown_it.helpers.parse_link_destination import _Result

# Not prose, wherever they stand: link targets `](...)`, autolinks `<http...>`, bare URLs,
# inline code. MT-broken forms (`] (url)`, a space inside a URL) are matched too, because a
# glossary fix must never rewrite part of a URL.
_PROTECTED_FORMS = (
    r"\]\s?\([^)\n]*\)"
    r"|<(?:https?|ftp)://[^>\s]*>"
    r"|(?:https?|ftp)://[^\s)\]>，。）]+"
    r"|(`+)[^`]*?\1"
    r"|!\[[^\]]*\]"  # image alt text is rarely translated prose; its path follows in `](...)`
)
# The same forms are found by `protected_matches`, a scan in time linear in the text (tests/
# test_markdown_fast.py compares the two). The regex rescans: `](` with no `)` left on its line
# reads to the line's end, and so does every later `](` on it ("](" * n was quadratic); so do
# `<http://` with no `>` before a space, and `![` with no `]`; and a run of t backticks tries
# every length of `(`*)` below t before it pairs with itself.
_PROTECTED_START = re.compile(r"\]\s?\(|<(?:https?|ftp)://|https?://|ftp://|`|!\[")
"""Where each form starts: the literal part in front of its first repetition. The forms start
with different characters, so at most one of them can match at any place."""
_LINK_TARGET_END = re.compile(r"[)\n]")
_AUTOLINK_END = re.compile(r"[>\s]")
_BARE_URL_END = re.compile(r"[\s)\]>，。）]")
_IMAGE_ALT_END = re.compile(r"\]")
_BACKTICK_RUN = re.compile(r"`+")


class _Horizon:
    """The first match of `stop` at or after a position, for positions that only grow: where
    a search found it, it stays the answer for every position up to it, so a line of many
    unclosed `](` is read once, not once per `](`."""

    def __init__(self, text: str, stop: re.Pattern[str]) -> None:
        self.text, self.stop = text, stop
        self.checked_from, self.found_at = 0, -1

    def first(self, at: int) -> int:
        """Offset of the first match of `stop` at or after `at`, or len(text) if none."""
        if not self.checked_from <= at <= self.found_at:
            match = self.stop.search(self.text, at)
            self.checked_from, self.found_at = at, match.start() if match else len(self.text)
        return self.found_at


def protected_matches(raw: str) -> list[tuple[int, int]]:
    """The (start, end) of each match of `_PROTECTED_FORMS` in `raw`, as `finditer` gives them.

    Each form is read from its start: a link target to the first `)` or line end, an autolink
    to the first `>` or space, a bare URL to the first character that ends one, an image's
    alt text to the first `]`, and a code span from a backtick to the next run of backticks
    (see `_code_span_end`). Where a form fails, the regex moves one character on, as here."""
    if _PROTECTED_START.search(raw) is None:
        return []  # most blocks
    found: list[tuple[int, int]] = []
    horizons: dict[str, _Horizon] = {}

    def first(stop: re.Pattern[str], at: int) -> int:
        horizon = horizons.get(stop.pattern)
        if horizon is None:
            horizon = horizons[stop.pattern] = _Horizon(raw, stop)
        return horizon.first(at)

    runs: list[tuple[int, int]] | None = None
    run = 0  # the backtick run a code span is looked for in; candidates only move forward
    position = 0
    while (start := _PROTECTED_START.search(raw, position)) is not None:
        at, after = start.start(), start.end()
        char = raw[at]
        end = -1
        if char == "]":  # ](target) or ] (target)
            close = first(_LINK_TARGET_END, after)
            end = close + 1 if close < len(raw) and raw[close] == ")" else -1
        elif char == "<":  # <https://…>
            close = first(_AUTOLINK_END, after)
            end = close + 1 if close < len(raw) and raw[close] == ">" else -1
        elif char in "hf":  # a bare URL: one character or more
            if after < len(raw) and not _BARE_URL_END.match(raw, after):
                stop = _BARE_URL_END.search(raw, after)
                end = stop.start() if stop else len(raw)
        elif char == "!":  # ![alt]
            close = first(_IMAGE_ALT_END, after)
            end = close + 1 if close < len(raw) else -1
        else:  # a backtick
            if runs is None:
                runs = [match.span() for match in _BACKTICK_RUN.finditer(raw)]
            while runs[run][1] <= at:
                run += 1
            end = _code_span_end(runs, run, at)
        if end < 0:
            position = at + 1
        else:
            found.append((at, end))
            position = end
    return found


def _code_span_end(runs: list[tuple[int, int]], run: int, at: int) -> int:
    """Where `` `(`*)[^`]*?`\\1 `` matching at `at` (a backtick of `runs[run]`) ends, or -1.

    With t backticks from `at` to the run's end, `(`*)` takes t - 1 of them first: then the
    next run must open with t backticks (it may have more). Failing that, the only way left
    is within the run: the longest j with 2j + 2 <= t, the run's first t or t - 1 backticks."""
    tail = runs[run][1] - at
    if run + 1 < len(runs):
        next_start, next_end = runs[run + 1]
        if next_end - next_start >= tail:
            return next_start + tail
    return at + tail - tail % 2 if tail >= 2 else -1


_BOLD_HEADING = re.compile(r"^\*\*\s*(#{1,6})\s+\S")
_RULE_TEXT = re.compile(r"^[\s*_\-—–=·.]+$")
_LINK_CARD_OPEN = re.compile(r"\[\s*#{1,6}\s")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?!\s)|(?<!\s)[*_](?!\w)")
_CARD_LINK = re.compile(r"\]\((https?://[^)\s]*)\)")
"""A card's link target, and the `](http…)` that closes a card. Found by `_card_links`: from
each `](http` the pattern reads to the first `)` or space, and so does every next `](http`
before it, each time ("](http://" * n was quadratic)."""
_CARD_LINK_START = re.compile(r"\]\(https?://")
_CARD_LINK_END = re.compile(r"[)\s]")
_MAX_LINK_CARD_BLOCKS = 4
# A link target that markdown-it's normalizeLink leaves as it is: http(s) with an ASCII host
# of at most 4 labels (so within mdurl's length limits), or a relative path, followed by
# characters it never encodes and %-escapes it keeps. No `:` after the scheme, no `@`, no `//`
# without a scheme: mdurl would read a port, a user or a host there.
_PLAIN_LINK = re.compile(
    r"(?:https?://[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,3}(?=[/?#]|\Z)|(?!//))"
    r"(?:[A-Za-z0-9/._~?#=&+-]|%[0-9A-Fa-f]{2})*"
)


# What markdown-it's parseLinkDestination walks over one char at a time: it stops at a space or
# control char (or a `)` outside parentheses), and only `(`, `)` and `\\` need more than a step.
_DESTINATION_STEP = re.compile(r"[\x00-\x20\x7f()\\]")
_MAX_DESTINATION_PARENTHESES = 32
"""markdown-it's nesting limit for parentheses in a link destination."""


def _parse_link_destination(string: str, pos: int, maximum: int) -> _Result:
    """markdown-it's parseLinkDestination, jumping in C from one character that matters to the
    next instead of a Python step per character: a per-character loop over every link target
    is a tenth of markdown-it's time. Past a few such characters the walk goes on among all
    of them, found once per text, and passes a run of balanced parentheses in one step
    (`_Parentheses`): `[a](b` * n made every destination walk 32 `(` deep, and a destination
    may walk over any number of `()` first.
    Exact: a destination that opens with `<` takes markdown-it's own path (tests/
    test_markdown_fast.py compares both)."""
    if string[pos : pos + 1] == "<":
        return helpers.parseLinkDestination(string, pos, maximum)
    start, level, end = pos, 0, min(maximum, len(string))
    result = helpers.parse_link_destination._Result()
    searched = 0
    # Found for this text already (by an earlier destination that walked far), or not yet.
    parentheses = _parentheses.found if _parentheses.text is string else None
    index = 0 if parentheses is None else bisect.bisect_left(parentheses.steps, pos)
    # `index`, with `parentheses`: the first of its steps at or after `pos`
    while pos < end:
        if parentheses is None:
            searched += 1
            if searched > _SEARCHED_STEPS:
                parentheses = _parentheses(string)
                index = bisect.bisect_left(parentheses.steps, pos)
                continue
            match = _DESTINATION_STEP.search(string, pos, end)
            step = end if match is None else match.start()
        else:
            step = parentheses.steps[index] if index < len(parentheses.steps) else end
        if step >= end:
            pos = end
            break
        pos = step
        char = string[pos]
        if char == "(" and parentheses is not None and (index in parentheses.groups or index in parentheses.climbs):
            if index in parentheses.groups:
                # Balanced groups, and those right after them, as far as they lie before
                # `end`: the level comes back to where it was, after rising by their depth.
                group_end, group_depth, chain_end, chain_depth = parentheses.groups[index]
                steps_end = parentheses.steps[chain_end - 1]
                after, depth = (chain_end, chain_depth) if steps_end < end else (group_end, group_depth)
                rise = 0
            else:
                # The rest of the run: `(` that nothing closes, and groups between them.
                after, rise, depth = parentheses.climbs[index]
            if parentheses.steps[after - 1] >= end or level + depth > _MAX_DESTINATION_PARENTHESES:
                return result  # too deep, or cut by the end: the level is above 0 there
            level += rise
            index = after
            pos = parentheses.steps[after - 1] + 1
            continue
        if char == "\\" and pos + 1 < maximum:
            if string[pos + 1 : pos + 2] == " ":
                break
            pos += 2  # an escaped character, whatever it is (past the end: markdown-it's pos too)
        elif char == "(":
            level += 1
            if level > _MAX_DESTINATION_PARENTHESES:
                return result
            pos += 1
        elif char == ")":
            if level == 0:
                break
            level -= 1
            pos += 1
        elif char == "\\":
            pos += 1  # a backslash at the end: an ordinary character
        else:
            break  # a space or a control character
        if parentheses is not None:
            index = bisect.bisect_left(parentheses.steps, pos, index)
    if start == pos or level != 0:
        return result
    result.ok, result.pos, result.str = True, pos, unescapeAll(string[start:pos])
    return result


_SEARCHED_STEPS = 4
"""Characters of a destination that matter found by a search each, in a text where no
destination walked past as many before; most have fewer."""
_PARENTHESIS_RUN = re.compile(r"[()]{2,}")


@dataclass(frozen=True)
class _Parentheses:
    """The characters `_DESTINATION_STEP` matches in a text (`steps`, their offsets), and
    where a destination's walk can pass many parentheses among them in one go.

    A run is a sequence of steps that are all parentheses. In a run, each `(` that a later
    `)` of the run closes (as a stack pairs them) opens a group: `groups[k]` is (the step
    after the group, its depth, the step after the groups that follow it back to back, their
    greatest depth) for the group opened at step k. A walk at level L that comes to such a
    `(` rises to at most L + depth and is back at L after the group: no `)` in it can find
    the walk at level 0. A `(` of the run that nothing closes is followed, to the run's end,
    only by more such `(` and groups (a `)` there would close it): `climbs[k]` is (the run's
    end, how many such `(` it has from step k, the most the level rises on the way)."""

    steps: list[int]
    groups: dict[int, tuple[int, int, int, int]]
    climbs: dict[int, tuple[int, int, int]]


def _find_parentheses(text: str) -> _Parentheses:
    steps = [match.start() for match in _DESTINATION_STEP.finditer(text)]
    kinds = "".join(text[step] for step in steps)
    groups: dict[int, tuple[int, int, int, int]] = {}
    climbs: dict[int, tuple[int, int, int]] = {}
    for run in _PARENTHESIS_RUN.finditer(kinds):
        closed: dict[int, tuple[int, int]] = {}  # opening step -> (step after, depth)
        stack: list[list[int]] = []  # [opening step, greatest depth inside]
        top = run.start()  # where the run's outermost level starts for the last time
        for k in range(run.start(), run.end()):
            if kinds[k] == "(":
                stack.append([k, 0])
            elif stack:
                opening, inside = stack.pop()
                closed[opening] = (k + 1, inside + 1)
                if stack:
                    stack[-1][1] = max(stack[-1][1], inside + 1)
            else:
                top = k + 1  # a `)` that closes nothing of the run
        for opening in sorted(closed, reverse=True):
            after, depth = closed[opening]
            chain_end, chain_depth = after, depth
            if after in closed:  # a group right after this one
                chain_end, chain_depth = groups[after][2], max(depth, groups[after][3])
            groups[opening] = (after, depth, chain_end, chain_depth)
        # After the last `)` that closes nothing: `(` that nothing closes, and groups.
        items: list[tuple[int, bool]] = []  # (step, whether it is a `(` that nothing closes)
        k = top
        while k < run.end():
            items.append((k, k not in closed))
            k = k + 1 if k not in closed else closed[k][0]
        rise = most = 0
        for k, unclosed in reversed(items):
            if unclosed:
                rise, most = rise + 1, 1 + most
                climbs[k] = (run.end(), rise, most)
            else:
                most = max(closed[k][1], most)
    return _Parentheses(steps, groups, climbs)


class _CachedParentheses:
    """`_find_parentheses` of the text being parsed inline, found once per text (as
    `_LastClose` does)."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.found = _Parentheses([], {}, {})

    def __call__(self, text: str) -> _Parentheses:
        if text is not self.text:
            self.text, self.found = text, _find_parentheses(text)
        return self.found


_parentheses = _CachedParentheses()


class _LastClose:
    """The offset of the last `]` in the text being parsed inline, found once per text."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.offset = -1

    def __call__(self, text: str) -> int:
        if text is not self.text:
            self.text, self.offset = text, text.rfind("]")
        return self.offset


_last_close = _LastClose()


class _CachedRuns:
    """Where a label scan that reaches a place of `state.cache` stops again, and how many
    `[` (text, each a level up) it passes on the way: the scan goes from cached place to
    cached place until one that is not cached, a `]` (a level down), or a `[` that opens a
    token (which a scan with `disableNested` stops at). Cached places never change, so the
    stops are remembered along the way (path compression): a place is walked over once, not
    once per label that crosses it ("![" * n + "]": every opener crossed the ~40 places to
    the one its nested attempts cut off at the nesting limit)."""

    def __init__(self) -> None:
        self.cache: dict[int, int] | None = None
        self.stops: dict[int, tuple[int, int]] = {}
        self.rules: list[RuleFuncInlineType] = []
        self.max_nesting = 0

    def of(self, state: StateInline) -> _CachedRuns:
        """These runs for the inline parse `state` belongs to (its own `cache`), with the
        rules and nesting limit its token skips use, looked up once per parse."""
        if state.cache is not self.cache:
            self.cache, self.stops = state.cache, {}
            self.rules, self.max_nesting = state.md.inline.ruler.getRules(""), state.md.options["maxNesting"]
        return self

    def follow(self, src: str, cache: dict[int, int], pos: int) -> tuple[int, int]:
        """(the first place from `pos` the scan must look at itself, `[` passed to get there),
        `cache` being the one `of` was last given."""
        stops = self.stops
        trail: list[tuple[int, int]] = []
        opens = 0
        while True:
            stop = stops.get(pos)
            if stop is not None:
                trail.append((pos, opens))
                pos, passed = stop
                opens += passed
                continue
            after = cache.get(pos)
            if after is None or pos >= len(src):
                break
            marker = src[pos]
            if marker == "]" or (marker == "[" and after != pos + 1):
                break
            trail.append((pos, opens))
            opens += marker == "["
            pos = after
        for place, before in trail:
            stops[place] = (pos, opens - before)
        return pos, opens


_cached_runs = _CachedRuns()


def _parse_link_label(state: StateInline, start: int, disable_nested: bool = False) -> int:
    """markdown-it's parseLinkLabel, with shortcuts that change no token:

    - A `[` with no `]` after it opens no label. markdown-it finds that out by skipping every
      token up to the paragraph's end; each `[` on the way is tried as a link in turn, and an
      image or link opener after the last `]` costs a walk as long as the nesting limit
      ("![" * n took ~40 token skips per character). The walk only fills `state.cache` at
      places after the last `]`, where a label scan can only fail, whatever the cache says.
      So does a scan that comes to the last `]` above level 1: it stops there.
    - Places already in `state.cache` are skipped by lookups (`_CachedRuns`), not by calls of
      skipToken: what it does for a cached place, without side effects. Only `]` brings the
      level down, so passing other places in one go loses no end of the label.
    """
    last = _last_close(state.src)
    if last <= start:
        return -1
    src, maximum, cache = state.src, state.posMax, state.cache
    old_pos = state.pos
    runs = _cached_runs.of(state)
    pos, level = start + 1, 1
    found = False
    while pos < maximum:
        if pos in cache:
            pos, opens = runs.follow(src, cache, pos)
            level += opens
            if pos >= maximum:
                break
        marker = src[pos]
        if marker == "]":
            level -= 1
            if level == 0:
                found = True
                break
            if pos == last:
                break  # no `]` left to bring the level to 0
        previous = pos
        skipped = cache.get(pos)
        if skipped is None:
            # markdown-it's ParserInline.skipToken at a place not cached, its rules and
            # nesting limit looked up once per parse (`_CachedRuns.of`).
            state.pos = pos
            ok = False
            if state.level < runs.max_nesting:
                for rule in runs.rules:
                    state.level += 1
                    ok = rule(state, True)
                    state.level -= 1
                    if ok:
                        if state.pos <= pos:
                            raise RuntimeError("inline rule didn't increment state.pos")
                        break
            else:
                state.pos = state.posMax  # too much nesting: markdown-it skips to the end
            if not ok:
                state.pos += 1
            cache[pos] = skipped = state.pos
        pos = skipped
        if marker == "[":
            if previous == pos - 1:
                level += 1  # a `[` that is text, not the start of a token
            elif disable_nested:
                state.pos = old_pos
                return -1
    state.pos = old_pos
    return pos if found else -1


def _failing_openers(state: StateInline, pos: int) -> int:
    """Where the run of `[` and `!` from `pos` ends whose link and image rules are known to
    fail: `pos` when the first is not known to. `!` without `[` fails at once; a link or image
    label fails when `_parse_link_label` would return -1 on what it has looked at before,
    calling no rule: there is no `]` after the opener, or the places `state.cache` holds
    from it lead past the end, or to the last `]` with a `[` passed (see _CachedRuns)."""
    src, maximum, cache = state.src, state.posMax, state.cache
    last = _last_close(src)
    runs = _cached_runs.of(state)
    while pos < maximum:
        char = src[pos]
        if char == "!" and src[pos + 1 : pos + 2] != "[":
            pos += 1
            continue
        if char != "[" and char != "!":
            break
        start = pos if char == "[" else pos + 1
        if last > start:
            if start + 1 not in cache:
                break
            # Where a scan from here stopped before, if it did: cached places never change,
            # so the scan gets there again (and may go further).
            stop = runs.stops.get(start + 1)
            if stop is None or stop[0] < maximum:
                stop = runs.follow(src, cache, start + 1)
            if stop[0] < maximum and not (stop[0] == last and stop[1] > 0):
                break
        pos += 1
    return pos


# Content without these is text to the commonmark inline rules (`\n` aside): each returns False
# at once at any other character, `!` starts an image only before a `[`, and a `]` only closes
# what a `[` opened (there is no `~` strikethrough in the preset).
_INLINE_MARKUP = re.compile(r"[\\`*_\[<&]")


def _normalize_rule(state: StateCore) -> None:
    """markdown-it's core `normalize` rule (CR and CRLF to LF, NUL to U+FFFD), which rewrites
    every `\\n` of the text even when there is nothing to change."""
    if "\r" in state.src or "\0" in state.src:
        normalize(state)


def _inline_rule(state: StateCore, *, plain_children: bool = True) -> None:
    """markdown-it's core `inline` rule, but for content without _INLINE_MARKUP (half of it)
    the tokens its inline parser makes are built without running the parser's rules. With
    `plain_children=False` (parse_document's parser, which reads the words of such content
    from the content itself: `_inline_parts`) such content gets no children, rather than a
    text token and a break per line that nothing reads."""
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            content = token.content
            if not _INLINE_MARKUP.search(content):
                if plain_children:
                    token.children.extend(_text_and_breaks(content))
            elif _MARKUP_BUT_EMPHASIS.search(content) is None and not _may_close_emphasis(content):
                # Runs of `*` and `_` only, none of which can close emphasis: they stay text,
                # which markdown-it joins with the text around them (fragments_join).
                token.children.extend(_text_and_breaks(content))
            else:
                state.md.inline.parse(content, state.md, state.env, token.children)


_MARKUP_BUT_EMPHASIS = re.compile(r"[\\`\[<&]")
"""_INLINE_MARKUP but `*` and `_`."""
_DELIMITER_RUN = re.compile(r"\*+|_+")


def _may_close_emphasis(content: str) -> bool:
    """Whether a run of `*` or `_` in `content` can close emphasis, as markdown-it's
    `StateInline.scanDelims` tells (the start and end of the text count as spaces). Where
    none can, no emphasis forms ("**a " * n: markdown-it's delimiters and a text token
    per marker, for nothing)."""
    for run in _DELIMITER_RUN.finditer(content):
        start, end = run.span()
        last = content[start - 1] if start > 0 else " "
        after = content[end] if end < len(content) else " "
        last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
        after_punct = isMdAsciiPunct(ord(after)) or isPunctChar(after)
        last_space, after_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(after))
        left_flanking = not (after_space or (after_punct and not (last_space or last_punct)))
        right_flanking = not (last_space or (last_punct and not (after_space or after_punct)))
        if right_flanking and (content[start] == "*" or not left_flanking or after_punct):
            return True
    return False


def _text_and_breaks(content: str) -> Iterator[Token]:
    """The inline tokens of plain `content`, as markdown-it's `newline` rule makes them: a
    line's trailing spaces and the next line's leading spaces and tabs are dropped; two or
    more trailing spaces make a hard break, else a soft one."""
    first, *rest = content.split("\n")
    pending = first
    for line in rest:
        hard = pending.endswith("  ")
        pending = pending.rstrip(" ") if hard else pending.removesuffix(" ")
        if pending:
            yield _text_token(pending)
        yield Token("hardbreak" if hard else "softbreak", "br", 0)
        pending = line.lstrip(" \t")
    if pending:
        yield _text_token(pending)


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


# The characters at which each inline rule of the commonmark preset (in its order) can match:
# each one returns False on its first line anywhere else. `text` takes all other characters and
# returns False at these, which all stop it.
_RULE_CHARS = {
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "emphasis": "*_",
    "link": "[",
    "image": "!",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
}


def _first_char_rule(rules: dict[str, RuleFuncInlineType]) -> RuleFuncInlineType:
    """One inline rule that runs only the rules that can match at the current character.

    markdown-it's inline parser tries its ten rules in turn at each stop of the text rule (at
    every `:`, `-`, `#`, … and markup character), and at every character of a link's text."""
    if list(rules) != ["text", *_RULE_CHARS]:
        raise RuntimeError(f"unexpected markdown-it inline rules: {list(rules)}")
    by_char: dict[str, list[RuleFuncInlineType]] = {}
    for name, chars in _RULE_CHARS.items():
        for char in chars:
            by_char.setdefault(char, []).append(rules[name])
    text = rules["text"]

    def rule(state: StateInline, silent: bool) -> bool:
        char = state.src[state.pos]
        candidates = by_char.get(char)
        if candidates is None:
            return text(state, silent)
        # An opener without a label: the link rule (`[`) or the image rule (`![`; `!` alone
        # fails by itself) returns False before anything else. Inside a label scan (silent),
        # known from a scan of its own (the rule repeats it only when it finds a label, which
        # is rare there). Otherwise known from what the label scans cached before, for this
        # opener and those right after it: each would be a character of text, and they are
        # taken as text together, as the parser takes each when every rule fails.
        if char == "[" or char == "!":
            if silent:
                if char == "[" or state.src[state.pos + 1 : state.pos + 2] == "[":
                    start = state.pos if char == "[" else state.pos + 1
                    if _parse_link_label(state, start, char == "[") < 0:
                        return False
            else:
                end = _failing_openers(state, state.pos)
                if end > state.pos:
                    state.append_pending(state.src[state.pos : end])
                    state.pos = end
                    return True
        for candidate in candidates:  # noqa: SIM110 (any() and a generator: slower here)
            if candidate(state, silent):
                return True
        return False

    return rule


# The characters a line (after its indent) must start with for these block rules of the
# commonmark preset to match: each returns False before it does anything else otherwise.
_BLOCK_RULE_CHARS = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}


def _first_char_guard(rule: RuleFuncBlockType, chars: str) -> RuleFuncBlockType:
    """`rule`, not called at a line it cannot start at: markdown-it tries each block rule in
    turn at every block and each paragraph line, and every call logs a debug message."""
    starts = frozenset(chars)

    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        pos = state.bMarks[start_line] + state.tShift[start_line]
        return state.src[pos : pos + 1] in starts and rule(state, start_line, end_line, silent)

    return guarded


_BLOCK_RULES = [
    "table",
    "code",
    "fence",
    "blockquote",
    "hr",
    "list",
    "reference",
    "component_block",
    "unterminated_comment",
    "html_block",
    "heading",
    "lheading",
    "paragraph",
]
"""The block rules of _Parser, in order, that `_one_line_paragraph` was written against."""
_NOT_PARAGRAPH_STARTS = frozenset("".join(_BLOCK_RULE_CHARS.values()) + "<{")
"""The characters a line must start with for a rule before `paragraph` to read it, when the
line after it is blank: the guarded rules' (_BLOCK_RULE_CHARS), and MDX components' and
HTML's (`<`, `{`)."""


def _one_line_paragraph(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A block rule tried before all others: a line with a blank line (or the end) after it,
    that no other rule reads, is the paragraph markdown-it's `paragraph` rule makes of it, the
    same tokens and the same state after. Most blocks of a document are such a paragraph, and
    markdown-it tries twelve rules on each before `paragraph` takes it.

    The rules before `paragraph` all fail there: `code` on a line indented less than 4,
    `table` and `lheading` for want of a second line, the others for want of their first
    character. `lheading` sets `state.parentType` to "paragraph" as it fails, and
    `paragraph` puts back what it found: this rule leaves it so too."""
    next_line = start_line + 1
    if silent or (next_line < state.lineMax and not state.isEmpty(next_line)) or state.is_code_block(start_line):
        return False
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[pos : pos + 1] in _NOT_PARAGRAPH_STARTS:
        return False
    state.line = next_line
    token = state.push("paragraph_open", "p", 1)
    token.map = [start_line, next_line]
    token = state.push("inline", "", 0)
    token.content = mdTrim(state.getLines(start_line, next_line, state.blkIndent, False))
    token.map = [start_line, next_line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    state.parentType = "paragraph"
    return True


# MDX pages (the Hugging Face docs and course) put JSX components and Svelte block tags on lines
# of their own: `<Tip>`, `</Tip>`, `<Youtube id="…"/>`, `<CourseFloatingBanner chapter={1}` …
# `/>` over several lines, `{#if fw === 'pt'}`, `{:else}`, `{/if}`. They are structure, not
# prose: markdown-it reads most as paragraph text, and a `<Tip>` line as an HTML block that
# takes in the text below it up to a blank line. A component is named with a capital letter
# (JSX's rule: a lowercase tag is an HTML element) and its tags must fill the line, so HTML in
# prose (`<b>`, `<a href>`, `<Tip>text`) stays inline.
_SVELTE_BLOCK_TAG = re.compile(r"\{[#:/][^{}\n]*\}[ \t]*")
_COMPONENT_NAME = re.compile(r"<(?:/?[A-Z][\w.:-]*(?=[\s/>{]|$)|/?(?=>))")
_MAX_COMPONENT_LINES = 200


def _component_lines(lines: Iterator[str]) -> int:
    """How many of `lines` (from the first) the component tags opening them fill: 0 when they
    do not open with one, or a tag is not closed (before a blank line outside `{…}`), or
    anything but tags follows on its line."""
    count = 0
    closed = 0  # tags closed so far
    in_tag, depth, quote = False, 0, ""
    for line in lines:
        count += 1
        if count > _MAX_COMPONENT_LINES or (not line.strip() and in_tag and not depth and not quote):
            return 0
        if count == 1 and _SVELTE_BLOCK_TAG.fullmatch(line):
            return 1
        pos = 0
        while pos < len(line):
            char = line[pos]
            if not in_tag:
                if char in " \t":
                    pos += 1
                    continue
                name = _COMPONENT_NAME.match(line, pos)
                if name is None:
                    return 0
                in_tag, pos = True, name.end()
                continue
            if quote:
                if char == "\\" and depth:
                    pos += 1
                elif char == quote:
                    quote = ""
            elif char in "\"'" or (char == "`" and depth):
                quote = char
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth < 0:
                    return 0
            elif not depth and char == "<":
                return 0
            elif not depth and char == ">":
                in_tag = False
                closed += 1
            pos += 1
        if not in_tag:
            return count if closed else 0
    return 0


def _component_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A block rule: lines filled by MDX component tags (see _component_lines) make a
    `component_block` token. It ends a paragraph, so `</Tip>` right below the text of a tip is
    not read as part of that text."""
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[pos : pos + 1] not in ("<", "{") or state.is_code_block(start_line):
        return False

    def lines() -> Iterator[str]:
        yield state.src[pos : state.eMarks[start_line]]
        for line in range(start_line + 1, end_line):
            if state.sCount[line] < state.blkIndent and not state.isEmpty(line):
                return
            yield state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]

    count = _component_lines(lines())
    if not count:
        return False
    if silent:
        return True
    state.line = start_line + count
    token = state.push("component_block", "", 0)
    token.map = [start_line, state.line]
    token.content = state.getLines(start_line, state.line, state.blkIndent, True)
    return True


def _unterminated_comment(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A block rule: an `<!--` with no `-->` after it before the next `<!--` (the MT broke it)
    is an HTML block up to its first blank line, as an HTML block with no end marker is.
    markdown-it would read the rest of the document (or up to a later comment's `-->`) into it."""
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("<!--", pos) or state.is_code_block(start_line):
        return False
    horizons = state.env.setdefault("_comment_horizons", {})
    closing = horizons.setdefault("-->", _Horizon(state.src, _COMMENT_CLOSE))
    opening = horizons.setdefault("<!--", _Horizon(state.src, _COMMENT_OPEN))
    if closing.first(pos + 4) < opening.first(pos + 4):
        return False  # a comment markdown-it reads as it should
    if silent:
        return True
    line = start_line + 1
    while line < end_line and not state.isEmpty(line):
        line += 1
    state.line = line
    token = state.push("html_block", "", 0)
    token.map = [start_line, line]
    token.content = state.getLines(start_line, line, state.blkIndent, True)
    return True


_COMMENT_CLOSE = re.compile("-->")
_COMMENT_OPEN = re.compile("<!--")


def with_components(md: MarkdownIt) -> MarkdownIt:
    """`md` with the MDX component rule and the unterminated comment rule (before its HTML
    blocks): _Parser's block rules."""
    ends = ["paragraph", "reference", "blockquote"]  # the blocks it may end, as an HTML block does
    md.block.ruler.before("html_block", "component_block", _component_block, {"alt": ends})
    md.block.ruler.before("html_block", "unterminated_comment", _unterminated_comment, {"alt": ends})
    return md


def _fast_paths_fit(md: MarkdownIt) -> bool:
    """Whether `md` is the markdown-it-py the fast paths were written and tested against
    (4.x): the same rules in the same order, the same helper. Any other keeps markdown-it's own
    rules, so its tokens are those of the stock parser either way; only the speed differs."""
    return (
        _MARKDOWN_IT_VERSION.split(".")[0] == "4"
        and hasattr(helpers.parse_link_destination, "_Result")
        and md.inline.ruler.get_active_rules() == ["text", *_RULE_CHARS]
        and set(_BLOCK_RULE_CHARS) <= set(md.block.ruler.get_active_rules())
        and {"normalize", "inline"} <= set(md.core.ruler.get_active_rules())
    )


class _Parser(MarkdownIt):
    """markdown-it's commonmark preset with tables and MDX components, whose tokens are those of
    `with_components(MarkdownIt("commonmark").enable("table"))` (tests/read/test_markdown_fast.py checks), faster
    where our documents spend its time. Nothing is patched in markdown-it itself."""

    def __init__(self, *, plain_children: bool = True) -> None:
        """`plain_children=False`: content without inline markup gets no children (see
        `_inline_rule`), for parse_document only."""
        super().__init__("commonmark")
        self.enable("table")
        with_components(self)
        self.plain_children = plain_children
        if _fast_paths_fit(self):
            self._take_fast_paths()

    def _take_fast_paths(self) -> None:
        # Its rules call the helpers through the instance (`state.md.helpers`).
        self.helpers = SimpleNamespace(
            parseLinkDestination=_parse_link_destination,
            parseLinkLabel=_parse_link_label,
            parseLinkTitle=helpers.parseLinkTitle,
        )
        self.core.ruler.at("normalize", _normalize_rule)
        self.core.ruler.at("inline", partial(_inline_rule, plain_children=self.plain_children))
        # The inline rules, all of them behind one that picks by character.
        inline = self.inline.ruler
        rules = dict(zip(inline.get_active_rules(), inline.getRules(""), strict=True))
        inline.disable(list(rules))
        inline.push("first_char", _first_char_rule(rules))
        # Block rules keep their place and the rule chains they end (`alt`).
        block = {rule.name: rule for rule in self.block.ruler.__rules__}
        for name, chars in _BLOCK_RULE_CHARS.items():
            self.block.ruler.at(name, _first_char_guard(block[name].fn, chars), {"alt": block[name].alt})
        if self.block.ruler.get_active_rules() == _BLOCK_RULES:
            self.block.ruler.before("table", "one_line_paragraph", _one_line_paragraph)

    def normalizeLink(self, url: str) -> str:
        # markdown-it parses, punycodes and percent-encodes every link target: a tenth of the
        # parse. What _PLAIN_LINK matches comes out unchanged (tests/read/test_markdown.py checks).
        return url if _PLAIN_LINK.fullmatch(url) else super().normalizeLink(url)


_PARSER = _Parser()
_DOCUMENT_PARSER = _Parser(plain_children=False)


class _InlineParts(NamedTuple):
    """What a block shows a reader (named tuples, these and `_Block`: one or two per block of
    a document of 100,000 blocks)."""

    text: str
    links: tuple[str, ...]
    images: tuple[str, ...]
    code_spans: tuple[str, ...]
    images_only: bool = False
    """Images are all a reader sees: no other text, code, link or break."""


_NO_PARTS = _InlineParts("", (), (), ())
# Blocks whose raw text is no prose at all: no `text`, nothing in them to match or fix.
_OPAQUE = frozenset({SegmentKind.CODE, SegmentKind.RULE, SegmentKind.HTML, SegmentKind.FRONT_MATTER})
# Inline tokens that show nothing by themselves, so `**![](a.png)**` is still an image line.
_UNSEEN = frozenset({"strong_open", "strong_close", "em_open", "em_close", "softbreak"})


class _Block(NamedTuple):
    """A block as the token walk finds it: a Segment before link cards are joined and blocks
    numbered, so that each Segment is built once."""

    kind: SegmentKind
    start: int
    """0-based first line."""
    raw: str
    parts: _InlineParts
    level: int = 0
    list_depth: int = 0
    list_ordered: bool = False


@collector_paused()
def parse_document(path: str, text: str) -> Document:
    """Parse Markdown into block segments; every non-blank line belongs to at most one segment.
    The garbage collector is paused meanwhile (qa.gcpause): a token, block and segment per
    line of a long document, none of them in a cycle."""
    # markdown-it treats a lone CR as a line break too; so must the line map.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    front = _front_matter_end(lines)
    # Front matter is parsed as blank lines, so line numbers stay those of the file.
    body = "\n" * front + "\n".join(lines[front:]) if front else text
    blocks = list(_walk(_DOCUMENT_PARSER.parse(body), lines))
    # Each block's raw text is a slice of `text`: without an opening `[## ` in it (half the
    # corpus), no block opens a link card.
    if _LINK_CARD_OPEN.search(text):
        blocks = _merge_link_cards(blocks, lines)
    if front:
        blocks.insert(0, _block(SegmentKind.FRONT_MATTER, [0, front], lines, _NO_PARTS))
    segments = tuple(_segment(index, block) for index, block in enumerate(blocks))
    return Document(path=path, text=text, segments=segments)


def _front_matter_end(lines: list[str]) -> int:
    """Number of lines of a YAML/TOML front matter block at the top of the file, or 0."""
    if not lines or lines[0].strip() not in ("---", "+++"):
        return 0
    fence = lines[0].strip()
    for number, line in enumerate(lines[1:200], start=1):
        if line.strip() == fence or (fence == "---" and line.strip() == "..."):
            return number + 1
    return 0


def _walk(tokens: list[Token], lines: list[str]) -> Iterator[_Block]:
    """The blocks of markdown-it's token stream, in order, with the lists and quotes around them."""
    lists: list[bool] = []  # the lists the walk is in, innermost last: True for a numbered one
    quotes = 0
    heading_level = 0
    parent = ""
    for position, token in enumerate(tokens):
        kind = token.type
        if kind == "inline":
            if token.map and parent not in ("th_open", "td_open"):
                yield _inline_block(token, parent, lines, heading_level, lists, quotes)
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "blockquote_open":
            quotes += 1
        elif kind == "blockquote_close":
            quotes -= 1
        elif kind == "heading_open":
            heading_level = int(token.tag[1:])
        elif not token.map:
            pass
        elif kind == "tr_open":
            cells = [_inline_parts(cell) for cell in _row_cells(tokens, position)]
            yield _block(SegmentKind.TABLE_ROW, token.map, lines, _merge_parts(cells, separator=" | "))
        elif kind in ("fence", "code_block"):
            yield _block(SegmentKind.CODE, token.map, lines, _InlineParts("", (), (), (token.content,)))
        elif kind == "hr":
            yield _block(SegmentKind.RULE, token.map, lines, _NO_PARTS)
        elif kind in ("html_block", "component_block"):
            yield _block(SegmentKind.HTML, token.map, lines, _NO_PARTS)
        parent = kind


def _inline_block(
    token: Token, parent: str, lines: list[str], heading_level: int, lists: list[bool], quotes: int
) -> _Block:
    """The heading or paragraph-like block whose text is `token` (an `inline` token)."""
    assert token.map is not None
    parts = _inline_parts(token)
    if parent == "heading_open":
        return _block(SegmentKind.HEADING, token.map, lines, parts, level=heading_level)
    bold_heading = _BOLD_HEADING.match(token.content) if parent == "paragraph_open" else None
    if bold_heading and not lists and not quotes:
        # MT wrapped a whole heading, marker included, in bold: `**## Title**`.
        parts = parts._replace(text=parts.text.lstrip("#").strip())
        return _block(SegmentKind.HEADING, token.map, lines, parts, level=len(bold_heading.group(1)))
    if parts.images_only:
        kind = SegmentKind.IMAGE
    elif _RULE_TEXT.match(token.content) and sum(ch in "-—–_=" for ch in token.content) >= 3:
        kind = SegmentKind.RULE
    elif lists:
        return _block(SegmentKind.LIST_ITEM, token.map, lines, parts, list_depth=len(lists), list_ordered=lists[-1])
    else:
        kind = SegmentKind.QUOTE if quotes else SegmentKind.PARAGRAPH
    return _block(kind, token.map, lines, parts)


def _row_cells(tokens: list[Token], position: int) -> Iterator[Token]:
    """The `inline` tokens of the table row that opens at `position`."""
    for index in range(position + 1, len(tokens)):  # not a slice: a copy of the rest per row
        if tokens[index].type == "tr_close":
            return
        if tokens[index].type == "inline":
            yield tokens[index]


def _block(
    kind: SegmentKind,
    line_map: list[int],
    lines: list[str],
    parts: _InlineParts,
    *,
    level: int = 0,
    list_depth: int = 0,
    list_ordered: bool = False,
) -> _Block:
    start, end = line_map
    raw = "\n".join(lines[start:end]).rstrip("\n")
    return _Block(kind, start, raw, parts, level, list_depth, list_ordered)


def _segment(index: int, block: _Block) -> Segment:
    raw, parts, opaque = block.raw, block.parts, block.kind in _OPAQUE
    return Segment(
        index=index,
        kind=block.kind,
        start_line=block.start + 1,
        end_line=block.start + 1 + raw.count("\n"),
        raw=raw,
        text="" if opaque else parts.text,
        heading_level=block.level,
        links=parts.links,
        images=parts.images,
        code_spans=parts.code_spans,
        protected=(Span(0, len(raw)),) if opaque else _protected_spans(raw),
        list_depth=block.list_depth,
        list_ordered=block.list_ordered,
    )


def _inline_parts(token: Token) -> _InlineParts:
    if not _INLINE_MARKUP.search(token.content):
        # Only text and line breaks (see _text_and_breaks), no `*` or `_` for _MARKUP: the
        # words are those of the content.
        return _InlineParts(" ".join(token.content.split()), (), (), ())
    return _children_parts(token.children or [])


def _children_parts(children: list[Token]) -> _InlineParts:
    text: list[str] = []
    links: list[str] = []
    images: list[str] = []
    code: list[str] = []
    seen = False  # anything visible but images
    for child in children:
        kind = child.type
        if kind == "text":
            content = child.content
            # Every _MARKUP match has a `*` or `_`; most text has neither.
            text.append(_MARKUP.sub("", content) if "*" in content or "_" in content else content)
            seen = seen or bool(content.strip())
        elif kind == "code_inline":
            text.append(child.content)
            code.append(child.content)
            seen = True
        elif kind == "image":
            images.append(str(child.attrs.get("src", "")))
        elif kind in _UNSEEN:
            if kind == "softbreak":
                text.append(" ")
        else:
            seen = True
            if kind == "hardbreak":
                text.append(" ")
            elif kind == "link_open":
                links.append(str(child.attrs.get("href", "")))
    return _InlineParts(
        " ".join("".join(text).split()), tuple(links), tuple(images), tuple(code), images_only=bool(images) and not seen
    )


def _merge_parts(parts: list[_InlineParts], separator: str) -> _InlineParts:
    return _InlineParts(
        separator.join(p.text for p in parts if p.text),
        tuple(link for p in parts for link in p.links),
        tuple(image for p in parts for image in p.images),
        tuple(span for p in parts for span in p.code_spans),
    )


def _protected_spans(raw: str) -> tuple[Span, ...]:
    return tuple(Span(start, end) for start, end in protected_matches(raw))


def _without_protected(raw: str) -> str:
    """`raw` with each protected form replaced by one space (what `re.sub` of the forms gives)."""
    pieces: list[str] = []
    at = 0
    for start, end in protected_matches(raw):
        pieces += (raw[at:start], " ")
        at = end
    pieces.append(raw[at:])
    return "".join(pieces)


def _card_links(raw: str, position: int = 0) -> Iterator[tuple[int, int, int, int]]:
    """(start, end, target start, target end) of each match of `_CARD_LINK` in `raw` from
    `position`, as `finditer` gives them: every `](http` before the same `)` or space shares
    its end, so the end is looked for once, and a failure skips to it."""
    while (start := _CARD_LINK_START.search(raw, position)) is not None:
        end = _CARD_LINK_END.search(raw, start.end())
        if end is not None and end.group() == ")":
            yield start.start(), end.end(), start.start() + 2, end.start()
            position = end.end()
        else:  # no `](http` before that end matches either
            position = end.start() if end is not None else len(raw)


def _merge_link_cards(blocks: list[_Block], lines: list[str]) -> list[_Block]:
    """Join the blocks of a Medium-style link card (`[](url) [## title` … `site](url)`) into one.

    Markdown-it sees a paragraph, a heading and a paragraph; a reader sees one card, and the
    MT keeps or drops it as one unit, so it must align as one.
    """
    merged: list[_Block] = []
    i = 0
    while i < len(blocks):
        last = _link_card_end(blocks, i) if _opens_link_card(blocks[i].raw) else None
        if last is None:
            merged.append(blocks[i])
            i += 1
        else:
            merged.append(_link_card(blocks[i : last + 1], lines))
            i = last + 1
    return merged


def _link_card_end(blocks: list[_Block], first: int) -> int | None:
    """Index of the block that closes the card opened at `first`; cards may chain. A card
    whose closing `site](url)` line the MT lost ends with the headings under its title."""
    opened_at = first
    for last in range(first + 1, len(blocks)):
        if last - opened_at >= _MAX_LINK_CARD_BLOCKS:
            break
        raw = blocks[last].raw
        close = next(_card_links(raw), None)
        if close is None:
            continue
        if _opens_link_card(raw[close[1] :]):
            opened_at = last
            continue
        return last
    return _unclosed_card_end(blocks, opened_at)


def _unclosed_card_end(blocks: list[_Block], opened_at: int) -> int | None:
    """The last of the headings right after an unclosed card's opening block (its `### …`
    description): without them the card's parts align apart from the English card."""
    last = opened_at
    while last + 1 < len(blocks) and last + 1 - opened_at < _MAX_LINK_CARD_BLOCKS:
        if blocks[last + 1].kind is not SegmentKind.HEADING:
            break
        last += 1
    return last if last > opened_at else None


def _opens_link_card(raw: str) -> bool:
    """True when an unclosed `[## ` starts a card whose closing `](url)` is in a later block."""
    opening = [m.end() for m in _LINK_CARD_OPEN.finditer(raw)]
    return bool(opening) and next(_card_links(raw, opening[-1]), None) is None


def _link_card(blocks: list[_Block], lines: list[str]) -> _Block:
    start, end = blocks[0].start, blocks[-1].start + 1 + blocks[-1].raw.count("\n")
    raw = "\n".join(lines[start:end])
    prose = _without_protected(raw)
    parts = _InlineParts(
        text=" ".join(re.sub(r"[\[\]#*]+", " ", prose).split()),
        links=tuple(dict.fromkeys(raw[start:end] for _, _, start, end in _card_links(raw))),
        images=tuple(image for b in blocks for image in b.parts.images),
        code_spans=tuple(span for b in blocks for span in b.parts.code_spans),
    )
    return _Block(SegmentKind.LINK_CARD, start, raw, parts)
