"""Numbers as a reader understands them, in English and in Chinese, with their offsets.

`find_numbers(text, "zh")` reads 45 亿 as 4.5 billion, 3 万 as 30,000, 百分之三 as 3%, 3 月 as
the month March, ３２ as 32, and GPT-3 / ResNet50 / 2103.12731 as names that must be kept
whole; `find_numbers(text, "en")` reads 4.5 billion, 30,000, 3%, March 28 and "nine" the same
way, so the two sides compare by value. Chinese numerals (四十五亿, 两, 三点五) are converted
by cn2an; digits with a scale word are computed here with Decimal, exactly.

Numbers spelled in words (nine, 九) are *weak*: they can match a number on the other side,
but an unmatched one is never reported, because 一 and "one" are as often "a" as a count.
`text` is normally `qa.read.inline.prose_mask(segment)`: URLs, code and markers already blanked.
"""

from __future__ import annotations

import enum
import re
import warnings
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Literal, NamedTuple

Language = Literal["en", "zh"]


class NumberKind(enum.StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    MONTH = "month"
    NAME = "name"
    """A name with a number in it (GPT-3, ResNet50, H7), an arXiv id or a dotted version."""


class Number(NamedTuple):
    """A number with its offsets (a named tuple: a long block has hundreds of thousands)."""

    kind: NumberKind
    key: str
    """What compares equal across languages: a normalised Decimal, or a normalised name."""
    start: int
    end: int
    strong: bool
    """Written with digits (or a name); False for number words, which are only matched."""

    @property
    def stem(self) -> str:
        """A name's letters (gptb for GPT-B5): two names with one stem are one thing renumbered."""
        return _DIGIT_RUN.sub("#", self.key) if self.kind is NumberKind.NAME else ""


_DIGIT_RUN = re.compile(r"\d+")


# Full-width digits, letters, point and percent map one to one onto ASCII, so offsets survive.
_FULL_WIDTH = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
_FULL_WIDTH |= {0xFF0E: ord("."), 0xFF05: ord("%")}
_FULL_WIDTH_CHAR = re.compile("[" + "".join(map(chr, _FULL_WIDTH)) + "]")

_ARXIV = re.compile(r"(?<![\w.])\d{4}\.\d{4,5}(?:v\d+)?(?![\w]|\.\d)")
_VERSION = re.compile(r"(?<![\w.])[vV]?\d+(?:\.\d+){2,}(?!\w)")
# A name that starts with a letter and has a digit: GPT-3, ResNet50, EfficientNet-B7, top-1:
# a letter, then letters, digits and single - _ . between them, as far as they go. Written so
# that only names with a digit match, letters (and separators) up to the first digit, rest
# after it: a scan over every word, each tested for a digit in Python, found the same.
_NAME_CHAR = r"(?:[A-Za-z0-9]|[-_.](?=[A-Za-z0-9]))"
_NAME_LETTER = r"(?:[A-Za-z]|[-_.](?=[A-Za-z0-9]))"
# Group 1 is the name. The second alternative matches what the first fails on after a scan
# to the end of a letter chain with separators (a-b-c…): every start after a separator in
# that chain would scan to the same end and fail too, so the chain is consumed (and skipped
# by the caller) instead of rescanned from each of its words, which made `a-` * n quadratic.
# Single words need no such help: the lookbehind stops a scan at each of their letters.
_NAME = re.compile(
    rf"(?<![A-Za-z0-9])(?:([A-Za-z]{_NAME_LETTER}*+[0-9]{_NAME_CHAR}*+)|[A-Za-z]++(?:[-_.][A-Za-z]++)++)"
)
_ANY_DIGIT = re.compile(r"\d")
"""What every pattern with a `\\d` (and a name with a number) needs somewhere in the text."""
_DIGITS = r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?![\d])|\d+)(\.\d+)?"
_EN_NUMBER = re.compile(
    _DIGITS
    + r"(?:\s*(%|\s(?:percent|per cent)\b)"  # 3% / 3 percent
    + r"|\s*\b(thousand|million|billion|trillion)\b"  # 4.5 billion
    + r"|([KMBk])(?![A-Za-z]))?"  # 175B, 8K
)
_ZH_NUMBER = re.compile(_DIGITS + r"(?:\s*(%)|\s*(万亿|千万|百万|亿|万|千)|([KMBk])(?![A-Za-z]))?")
_EN_SCALE = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12, "k": 3, "K": 3, "M": 6, "B": 9}
_ZH_SCALE = {"千": 3, "万": 4, "百万": 6, "千万": 7, "亿": 8, "万亿": 12}

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_NAMES = (
    {name: i + 1 for i, name in enumerate(_MONTHS)} | {name[:3]: i + 1 for i, name in enumerate(_MONTHS)} | {"sept": 9}
)
# A full month name is a month anywhere, except May (a verb); short names and May only next
# to a day or a year: "May 2015", "Oct 31", "28 March".
# (The lookahead on the initials matches nothing more or less: it lets the scan skip other words fast.)
_EN_MONTH_ANYWHERE = re.compile(
    r"(?=[ADFJMNOS])\b(January|February|March|April|June|July|August|September|October|November|December)\b"
)
_EN_MONTH_DATED = re.compile(
    r"\b(May|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?(?=\s+\d{1,4}\b)|(?<=\d\s)(May)\b"
)
_ZH_MONTH = re.compile(r"(?<![\d.])(\d{1,2})\s*月")
_ZH_PERCENT = re.compile(r"百分之\s*(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千点]+)")
_ZH_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?")
_ZH_NUMERAL_DIGIT = re.compile(r"[零〇一二两三四五六七八九十]")


def _words(text: str) -> list[str]:
    return text.split()


_EN_UNITS = {
    word: value
    for value, word in enumerate(
        _words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen"
        )
    )
}
_EN_TENS = {
    word: 10 * (i + 2) for i, word in enumerate(_words("twenty thirty forty fifty sixty seventy eighty ninety"))
}
_EN_ORDINALS = {
    word: i + 1 for i, word in enumerate(_words("first second third fourth fifth sixth seventh eighth ninth tenth"))
}
_EN_MULTIPLIERS = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_EN_WORD = "|".join(sorted([*_EN_UNITS, *_EN_TENS, *_EN_ORDINALS, *_EN_MULTIPLIERS], key=len, reverse=True))
# The lookahead on the first letters changes nothing matched; it only lets the scan skip,
# at little cost, the many words that cannot start a number word.
_EN_WORD_INITIALS = "".join(sorted({word[0] for word in _EN_WORD.split("|")}))
_EN_WORDS = re.compile(
    rf"(?=[{_EN_WORD_INITIALS}])\b(?:{_EN_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_EN_WORD}))*\b", re.IGNORECASE
)


def find_numbers(text: str, language: Language, *, words: bool = True) -> list[Number]:
    """Every number of `text` in order of position; offsets index `text`.

    `words=False` leaves out the numbers spelled in words (the weak ones): they are read
    last, so the others are the same either way."""
    if not text.isascii() and _FULL_WIDTH_CHAR.search(text):
        text = text.translate(_FULL_WIDTH)
    # Most blocks have no digit at all: the patterns that need one are not run on them.
    digits = _ANY_DIGIT.search(text) is not None
    if not digits and not words and _WITHOUT_DIGITS_OR_WORDS[language].search(text) is None:
        return []  # nothing else could match: most blocks
    return _find(text, language, digits=digits, words=words)


_WITHOUT_DIGITS_OR_WORDS = {"en": _EN_MONTH_ANYWHERE, "zh": _ZH_PERCENT}
"""Per language, the one pattern that matches with no digit and no number word read."""


def may_have_numbers(text: str, language: Language) -> bool:
    """False when `find_numbers(mask, language, words=False)` is [] for `text` and for any
    mask of it (`text` with characters blanked to spaces, as `qa.read.inline.prose_mask` does).

    Exact: without words, a number needs a digit (full-width digits are `\\d` too), or the
    one pattern of `_WITHOUT_DIGITS_OR_WORDS`, which needs a full month name (English) or
    百分之 (Chinese). Blanking adds no digit and no letter, so a mask has a digit or one of
    those words only where `text` has it; only full-width letters could become a month name
    by `_FULL_WIDTH`, and an English text with any of them is tested in full."""
    if _ANY_DIGIT.search(text):
        return True
    if language == "zh":
        return "百分之" in text
    # Separate searches are faster than one alternation of them all.
    return (not text.isascii() and _FULL_WIDTH_LETTER.search(text) is not None) or _MONTH_NAME.search(text) is not None


_FULL_WIDTH_LETTER = re.compile(r"[\uff21-\uff3a\uff41-\uff5a]")
_MONTH_NAME = re.compile("|".join(name.capitalize() for name in _MONTHS))
"""A full month name as `_EN_MONTH_ANYWHERE` matches it, anywhere, even inside a word."""


def find_number_words(text: str, language: Language, numbers: list[Number]) -> list[Number]:
    """What `find_numbers(text, language)` adds to `numbers`, its result with `words=False`:
    the numbers spelled in words. They are read last, where no other number stands, so the
    two calls together find what one with words does, and the first need not be repeated."""
    if not text.isascii() and _FULL_WIDTH_CHAR.search(text):
        text = text.translate(_FULL_WIDTH)
    found: list[Number] = []
    taken = bytearray(len(text))
    for number in numbers:
        taken[number.start : number.end] = b"\x01" * (number.end - number.start)
    take = _taker(found, taken)
    if language == "zh":
        _find_chinese_words(text, take)
    else:
        _find_english_words(text, take)
    return found


class _Taker:
    """`take(kind, key, start, end, strong=True)`: a number found, unless another was found
    where it stands; `take.free(start, end)`: whether none was (then a number's value need
    not be read where it would not be taken)."""

    __slots__ = ("found", "taken")

    def __init__(self, found: list[Number], taken: bytearray) -> None:
        self.found, self.taken = found, taken

    def free(self, start: int, end: int) -> bool:
        return self.taken.find(1, start, end) < 0

    def __call__(self, kind: NumberKind, key: str, start: int, end: int, *, strong: bool = True) -> None:
        if self.taken.find(1, start, end) >= 0:
            return
        self.taken[start:end] = b"\x01" * (end - start)
        self.found.append(Number(kind, key, start, end, strong))


def _taker(found: list[Number], taken: bytearray) -> _Taker:
    return _Taker(found, taken)


def _find(text: str, language: Language, *, digits: bool, words: bool = True) -> list[Number]:
    """The numbers of `text` (full-width forms already mapped); `digits`: whether to run the
    patterns that only match where there is a digit; `words`: whether to read number words."""
    found: list[Number] = []
    take = _taker(found, bytearray(len(text)))
    if digits:
        if "." in text:  # every match of both has one: most blocks need not be scanned twice more
            for pattern in (_ARXIV, _VERSION):
                for match in pattern.finditer(text):
                    take(NumberKind.NAME, match.group().lower().lstrip("v"), match.start(), match.end())
        for match in names(text):
            take(NumberKind.NAME, _name_key(match.group()), match.start(), match.end())
    if language == "zh":
        _find_chinese(text, take, digits, words)
    else:
        _find_english(text, take, digits, words)
    return sorted(found, key=_start) if len(found) > 1 else found


def _start(number: Number) -> int:
    return number.start


def names(text: str) -> Iterator[re.Match[str]]:
    """The names with a digit in `text` (GPT-3, ResNet50, top-1), in order: `_NAME`'s matches
    that are names, not the letter chains it consumes to skip them."""
    return (match for match in _NAME.finditer(text) if match.start(1) >= 0)


def name_pattern(name_key: str) -> re.Pattern[str]:
    """A loose pattern for a name: its letters and digits with any separators between, so
    `GPT 3` is found for GPT-3 (and reported as rewritten rather than lost)."""
    pieces = re.findall(r"[a-z]+|\d+", name_key)
    return re.compile(r"(?<![A-Za-z0-9])" + r"[\s\-_.]*".join(map(re.escape, pieces)) + r"(?![0-9])", re.IGNORECASE)


def _name_key(name: str) -> str:
    return name.lower().translate(_NAME_SEPARATORS)


_NAME_SEPARATORS = str.maketrans("", "", "-_.")


def _decimal_key(value: Decimal) -> str:
    return str(value.normalize())


def _digits(whole: str, fraction: str | None) -> Decimal:
    return Decimal(whole.replace(",", "") + (fraction or ""))


@lru_cache(maxsize=4096)
def _digits_key(whole: str, fraction: str | None, exponent: int) -> str:
    """The key of digits (`whole`, `fraction`) times 10 ** `exponent` (0: no scale word).
    Cached: the same numbers (1, 2, 10, 2020) come again and again."""
    value = _digits(whole, fraction)
    return _decimal_key(value.scaleb(exponent) if exponent else value)


def _find_english(text: str, take, digits: bool, words: bool) -> None:
    months = (_EN_MONTH_ANYWHERE, _EN_MONTH_DATED) if digits else (_EN_MONTH_ANYWHERE,)
    for pattern in months:
        for match in pattern.finditer(text):
            group = next(g for g in range(1, (pattern.groups or 0) + 1) if match.group(g))
            take(NumberKind.MONTH, str(_MONTH_NAMES[match.group(group).lower()]), match.start(group), match.end(group))
    if digits:
        for match in _EN_NUMBER.finditer(text):
            start, end = match.span()
            if not take.free(start, end):
                continue  # inside a name, a version, an arXiv id
            whole, fraction, percent, word, letter = match.groups()
            scale = word or letter
            kind = NumberKind.PERCENT if percent else NumberKind.NUMBER
            take(kind, _digits_key(whole, fraction, _EN_SCALE[scale] if scale else 0), start, end)
    if words:
        _find_english_words(text, take)


def _find_english_words(text: str, take) -> None:
    for match in _EN_WORDS.finditer(text):
        value = _english_words_value(match.group())
        if value is not None:
            take(NumberKind.NUMBER, _decimal_key(Decimal(value)), match.start(), match.end(), strong=False)


def _english_words_value(words: str) -> int | None:
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+", words.lower()):
        if word == "and":
            continue
        if word in _EN_UNITS or word in _EN_TENS or word in _EN_ORDINALS:
            current += _EN_UNITS.get(word, _EN_TENS.get(word, _EN_ORDINALS.get(word, 0)))
            seen = True
        elif word == "hundred":
            current = (current or 1) * 100
            seen = True
        elif word in _EN_MULTIPLIERS:
            total += (current or 1) * _EN_MULTIPLIERS[word]
            current = 0
            seen = True
    return total + current if seen else None


def _find_chinese(text: str, take, digits: bool, words: bool) -> None:
    # _ZH_PERCENT and _ZH_MONTH match only where 百分之 or 月 stands: a `in` test first spares
    # most blocks a scan each.
    for match in _ZH_PERCENT.finditer(text) if "百分之" in text else ():
        value = _chinese_value(match.group(1))
        if value is not None:
            # 百分之三 is a percentage however it is spelled: no "a"/"one" ambiguity here.
            take(NumberKind.PERCENT, _decimal_key(value), match.start(), match.end())
    if digits:
        for match in _ZH_MONTH.finditer(text) if "月" in text else ():
            if 1 <= int(match.group(1)) <= 12:
                take(NumberKind.MONTH, str(int(match.group(1))), match.start(), match.end())
        for match in _ZH_NUMBER.finditer(text):
            start, end = match.span()
            if not take.free(start, end):
                continue  # inside a name, a month, a percentage
            whole, fraction, percent, word, letter = match.groups()
            exponent = _ZH_SCALE[word] if word else _EN_SCALE[letter] if letter else 0
            kind = NumberKind.PERCENT if percent else NumberKind.NUMBER
            take(kind, _digits_key(whole, fraction, exponent), start, end)
    if words:
        _find_chinese_words(text, take)


def _find_chinese_words(text: str, take) -> None:
    for match in _ZH_NUMERAL.finditer(text):
        if not _ZH_NUMERAL_DIGIT.search(match.group()):
            continue  # 万, 千万 alone: "ten thousand" as often as "by all means"
        value = _chinese_value(match.group())
        if value is None:
            continue
        after = text[match.end() : match.end() + 1]
        if after == "月" and 1 <= value <= 12 and value == value.to_integral_value():
            take(NumberKind.MONTH, str(int(value)), match.start(), match.end() + 1, strong=False)
        else:
            take(NumberKind.NUMBER, _decimal_key(value), match.start(), match.end(), strong=False)


@cache
def _cn2an():
    # Imported on first use (it loads rule tables), so that `qa --version` and a
    # run without Chinese numerals do not pay for it; `preload` imports it up front.
    import cn2an

    return cn2an.cn2an


def preload() -> None:
    """Import cn2an now: in a process that forks workers, once for all of them."""
    _cn2an()


@lru_cache(maxsize=1024)
def _chinese_value(numeral: str) -> Decimal | None:
    # Cached: the same few numerals (一, 两, 十) recur in every document, and cn2an is slow.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cn2an warns on input it then rejects
            value = _cn2an()(numeral, "smart")
        return Decimal(str(value))
    except (ValueError, KeyError, IndexError, InvalidOperation):
        return None
