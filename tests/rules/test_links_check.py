"""links/*: snapshot per rule."""

from __future__ import annotations

import random

import pytest

from qa.read.inline import Part, PartKind
from qa.rules import links
from qa.rules.pairwise import Located
from tests.conftest import doc
from tests.rules.snapshots import assert_snapshot, paired


@pytest.mark.parametrize("rule", links.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(rule, lambda english, chinese: links.check_alignment(paired(english, chinese)))


def test_a_damaged_url_is_broken_not_missing_and_suggests_the_english_url():
    english = doc("See [CLIP](https://cdn.openai.com/papers/CLIP_Supervision.pdf).\n")
    chinese = doc("见 [CLIP](https://cdn.openai.com/papers/CLIP_Supervision. pdf))。\n")
    (finding,) = links.check_alignment(paired(english, chinese))
    assert finding.rule == links.BROKEN_SYNTAX.id
    assert finding.text == "https://cdn.openai.com/papers/CLIP_Supervision. pdf"
    assert finding.suggestion == "https://cdn.openai.com/papers/CLIP_Supervision.pdf"


def _find_damaged_by_search(url: str, segments) -> tuple[int, int, int] | None:
    """What links._find_damaged_each finds for one URL, by a search of each block for its pattern."""
    if len(url) < 8:
        return None
    pattern = links._damaged_pattern(url)
    for segment in segments:
        match = pattern.search(segment.raw)
        if match is not None and match.group() != url:
            return segment.index, match.start(), match.end()
    return None


def test_damaged_urls_are_found_where_a_search_per_url_finds_them():
    rng = random.Random(7)
    urls = ["https://x.org/a.pdf", "https://x.org/a", "http://a.b/c?d=1", "https://x.org/a.pdf#2", "x.org/。a/b"]
    urls += ["https://x.org/a b.pdf", "https://x.org/a\tb/c"]  # a space in the URL itself (`[a](<…>)`)

    def damaged(url: str) -> str:
        # "。" of the URL itself as "." or "．": the same once squeezed, but not the URL's pattern.
        variants = {".": "。．", ":": "：", "/": "／", "?": "？", "=": "＝", "#": "＃", "。": ".．"}
        chars = [rng.choice(variants[c]) if c in variants and rng.random() < 0.2 else c for c in url]
        return "".join(c + (rng.choice(" \t") if rng.random() < 0.1 else "") for c in chars)

    noise = ["中", " ", "\n", "x", "a", ".", "/"]
    for _ in range(3_000):
        blocks = [
            "".join(rng.choice([*noise, damaged(rng.choice(urls))]) for _ in range(rng.randrange(6))) for _ in range(2)
        ]
        segments = doc("\n\n".join(blocks)).segments
        wanted = rng.sample(urls, rng.randrange(1, len(urls)))
        found = links._find_damaged_each(wanted, segments)
        for url in wanted:
            where = found.get(url)
            assert (where and (where.segment.index, where.start, where.end)) == _find_damaged_by_search(url, segments)


def test_overlapping_and_touching_places_are_those_a_test_of_each_finds():
    segments = doc("a\n\nb").segments
    rng = random.Random(8)
    for _ in range(3_000):
        places = [Located(rng.choice(segments), start, start + rng.randrange(4)) for start in rng.sample(range(12), 4)]
        spans = links._Spans(places)
        place = Located(rng.choice(segments), rng.randrange(12), 0)
        place = Located(place.segment, place.start, place.start + rng.randrange(3))
        assert spans.overlapping(place) == any(links._overlaps(place, p) for p in places)
        assert spans.touching(place) == any(links._overlaps(place, p) or links._next_to(place, p) for p in places)


def test_changed_urls_pair_by_host_then_in_order_as_before():
    def by_search(source, target):
        pairs, target = [], list(target)
        for english in source:
            chinese = next((t for t in target if links._host(t) == links._host(english)), None)
            if chinese is not None:
                pairs.append((english, chinese))
                target.remove(chinese)
        rest = [s for s in source if all(s is not p[0] for p in pairs)]
        if rest and len(rest) == len(target):
            pairs += list(zip(rest, target, strict=True))
        return pairs

    rng = random.Random(9)
    segment = doc("x").segments[0]
    hosts = ["https://a.org/", "https://b.org/", "http://c.net/", "x"]
    for _ in range(2_000):
        source, target = (
            [
                links._Url(Part(PartKind.BARE_URL, i, i + 1, rng.choice(hosts) + str(i), i, i + 1), segment)
                for i in range(rng.randrange(5))
            ]
            for _ in range(2)
        )
        assert links._pair_changed(source, target) == by_search(source, target)


def _findings(english: str, chinese: str, english_path: str = "en.md", chinese_path: str = "zh.md"):
    return links.check_alignment(paired(doc(english, english_path), doc(chinese, chinese_path)))


def _url(value: str, segment=None) -> links._Url:
    segment = segment or doc("x").segments[0]
    return links._Url(Part(PartKind.LINK, 0, 1, value, 0, 1), segment)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("https://x.org/course/en/ch1/s2.ipynb", "https://x.org/course/zh-CN/ch1/s2.ipynb"),  # locale swapped
        ("https://x.org/docs/lib/page", "https://x.org/docs/lib/zh/page"),  # locale added
        ("https://x.org/en/page", "https://x.org/zh/page"),
        ("https://x.org/page?lang=en", "https://x.org/page?lang=zh_CN"),
        ("https://d2l.ai/intro.html", "https://zh.d2l.ai/intro.html"),  # locale in the host
        ("https://x.org/docs/lib/load#files", "https://x.org/docs/lib/v2.1.0/en/load#files"),  # release pinned
        ("https://x.org/docs/q#install", "https://x.org/docs/zh/q#安装"),  # translated anchor, Chinese page
        ("https://huggingface.co/gpt2", "https://hf.co/gpt2"),  # one site, two hosts
        ("http://x.org/a", "https://www.x.org/a"),
        ("https://x.org/a/", "https://x.org/a"),  # trailing slash
        ("https://x.org/", "https://x.org"),
        ("https://x.org/ref/main.html#Sort", "https://x.org/ref/main#Sort"),
        ("https://github.com/o/r/blob/master/README.md", "https://github.com/o/r/blob/main/README.md"),
        ("https://raw.githubusercontent.com/o/r/main/a.py", "https://raw.githubusercontent.com/o/r/master/a.py"),
        ("https://x.org/bench/>", "https://x.org/bench/"),  # the English URL's stray end
        ("https://x.org/a).", "https://x.org/a"),
        ("https://x.org/wiki/A_(b)", "https://x.org/wiki/A_(b)"),
        ("guide/quickstart#install", "guide/quickstart#安装"),  # relative: the translation's own page
    ],
)
def test_a_localised_or_rewritten_url_is_the_same_link(english, chinese):
    assert links._Links(paired(doc("x"), doc("x"))).same(_url(english), _url(chinese))
    assert _findings(f"[a]({english})\n", f"[甲]({chinese})\n") == []


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("https://arxiv.org/abs/2103.12731", "https://arxiv.org/abs/2103.12713"),  # another paper
        ("/course/chapter6/7", "/course/chapter7/7"),  # another chapter
        ("/course/chapter2/1", "/course/chapters/zh-CN/chapter2/1"),  # more than a locale added
        ("https://x.org/course/en/ch8/s2.ipynb", "https://x.org/course/ch8/s2.ipynb"),  # locale dropped
        ("https://x.org/en/page", "https://x.org/fr/page"),  # not a Chinese locale
        ("https://x.org/docs/v1.0/page", "https://x.org/docs/v2.0/page"),  # another release
        ("https://x.org/page?lang=en", "https://x.org/page?lang=en&x=1"),
        ("https://x.org/docs/q#install", "https://x.org/docs/q#安装"),  # translated anchor, English page
        ("https://x.org/docs/q#install", "https://x.org/docs/zh/q#setup"),  # another anchor
        ("https://x.org/docs/q", "https://x.org/docs/q#setup"),
        ("https://x.org/a", "ftp://x.org/a"),
        ("https://x.org/a/b", "https://x.org/a/c"),
        ("https://x.org/bench", "https://x.org/bench/>"),  # a stray end in the Chinese is damage
        ("https://x.org/a.pdf", "https://x.org/a"),
        ("glossary#token", "/glossary#token"),  # relative and root-relative
        ("https://x.org/en-us/page", "https://y.org/zh-cn/page"),  # another host
    ],
)
def test_a_url_that_leads_elsewhere_is_still_changed(english, chinese):
    assert not links._Links(paired(doc("x"), doc("x"))).same(_url(english), _url(chinese))
    (finding,) = _findings(f"[a]({english})\n", f"[甲]({chinese})\n")
    assert finding.rule == links.CHANGED_URL.id
    assert finding.text == chinese


def test_a_relative_path_is_the_same_link_when_it_reaches_the_same_file_from_the_chinese_folder():
    english = "See [the table](../assets/table.pdf) and [the figure](img/fig.png).\n"

    def check(chinese: str):
        return _findings(english, chinese, "docs/en/guide.md", "docs/zh/guide.md")

    assert check("见[表](../assets/table.pdf)和[图](../en/img/fig.png)。\n") == []
    assert check("见[表](../../docs/assets/table.pdf)和[图](img/fig.png)。\n") == []  # a localised copy
    (finding,) = check("见[表](../assets/table.pdf)和[图](../img/fig.png)。\n")
    assert (finding.rule, finding.text) == (links.CHANGED_URL.id, "../img/fig.png")
    # From one folder, the same relative path is the same file.
    assert _findings(english, "见[表](./../assets/table.pdf)和[图](img/fig.png)。\n", "a/en.md", "a/zh.md") == []


def test_an_in_page_anchor_to_the_translated_heading_is_the_same_link():
    english = "## What is attention?\n\n## Results[[results]]\n\n"
    english += "See [attention](#what-is-attention) and [results](#results).\n"
    chinese = "## 什么是注意力？\n\n## 结果[[results]]\n\n见[注意力](#什么是注意力)和[结果](#结果)。\n"
    assert _findings(english, chinese) == []
    # The Chinese anchor leads to another heading, or to none.
    english = "## What is attention?\n\n## Results[[results]]\n\nSee [attention](#what-is-attention).\n"
    for anchor in ("#结果", "#评测"):
        chinese = f"## 什么是注意力？\n\n## 结果[[results]]\n\n见[注意力]({anchor})。\n"
        assert [(f.rule, f.text) for f in _findings(english, chinese)] == [(links.CHANGED_URL.id, anchor)]


def test_the_url_of_a_link_is_not_plain_text_where_it_is_the_text_of_a_link():
    english = "Open **[http://localhost:7860](http://localhost:7860/)** in a browser.\n"
    chinese = "在浏览器中打开 **[http://localhost:7860](http://localhost:7860)**。\n"
    assert _findings(english, chinese) == []
    # Plain text it is when there is no link around it.
    findings = _findings("Open [the demo](http://localhost:7860/).\n", "打开 http://localhost:7860 。\n")
    assert [(f.rule, f.text) for f in findings] == [(links.BROKEN_SYNTAX.id, "http://localhost:7860")]


def test_an_image_address_read_as_a_bare_url_is_neither_missing_nor_changed():
    # A code span in an `<img>`'s alt makes the inline parts read its src as a bare URL.
    english = '<img src="https://x.org/a.png" alt="The `tool` app"/> see [docs](https://x.org/p)\n'
    chinese = '<img src="https://x.org/a.png" alt="tool 应用"/> 见[文档](https://x.org/p)\n'
    assert _findings(english, chinese) == []
    english = '<img src="https://x.org/a.png" alt="The tool app"/> see [docs](https://x.org/p)\n'
    chinese = '<img src="https://x.org/a.png" alt="`tool` 应用"/> 见[文档](https://x.org/q)\n'
    (finding,) = _findings(english, chinese)
    assert (finding.rule, finding.text) == (links.CHANGED_URL.id, "https://x.org/q")


def test_localised_links_pair_as_a_test_of_every_pair_finds():
    """pair_same looks among the Chinese URLs of the same loose key only: each pair `same`
    accepts shares one, so it pairs what a test of every Chinese URL in turn pairs."""
    rng = random.Random(10)
    hosts = ["https://x.org", "http://www.x.org", "https://zh.x.org", "https://hf.co", "https://huggingface.co", ""]
    pieces = ["en", "zh-CN", "v1.2", "master", "main", "a", "b.html", "b", "zh"]
    ends = ["", "/", ">", "?hl=en", "?hl=zh", "#s", "#安装", "#t", "/#s"]
    rewrites = [
        ("/en/", "/zh-CN/"),
        ("/en/", "/"),
        ("/a/", "/a/zh/"),
        ("/a/", "/v1.2/a/"),
        ("master", "main"),
        ("https://x.org", "http://www.x.org"),
        ("https://huggingface.co", "https://hf.co"),
        ("https://x.org", "https://zh.x.org"),
        (".html", ""),
        ("#s", "#安装"),
        ("hl=en", "hl=zh"),
        (">", ""),
        ("/", ""),
    ]

    def url() -> str:
        return (
            rng.choice(hosts) + "/" + "/".join(rng.choice(pieces) for _ in range(rng.randrange(4))) + rng.choice(ends)
        )

    def rewritten(value: str) -> str:
        for old, new in rng.sample(rewrites, rng.randrange(1, 4)):
            value = value.replace(old, new, 1)
        return value

    context = links._Links(paired(doc("x"), doc("x")))
    accepted = 0
    for _ in range(3_000):
        source = [_url(url()) for _ in range(rng.randrange(4))]
        target = [_url(rewritten(s.part.value) if rng.random() < 0.7 else url()) for s in source]
        target += [_url(url()) for _ in range(rng.randrange(2))]
        rng.shuffle(target)
        expected, left = [], list(target)
        for english in source:
            chinese = next((c for c in left if c.key == english.key), None) or next(
                (c for c in left if context.same(english, c)), None
            )
            if chinese is not None:
                accepted += chinese.key != english.key
                expected.append((english, chinese))
                left.remove(chinese)
        assert context.pair_same(source, target) == expected
    assert accepted > 300  # the test tries many pairs that are the same link written otherwise


def test_pairing_localised_links_tries_few_candidates_per_url(monkeypatch):
    """Thousands of Chinese URLs alike but for a locale or release: each English URL is tried
    against a few of them, not all."""
    english = [_url(f"https://x.org/en/p{i % 3}") for i in range(2_000)]
    chinese = [_url(f"https://x.org/v{i}/p{i % 3}") for i in range(2_000)]  # the English locale dropped
    calls = []
    same = links._Links.same
    monkeypatch.setattr(links._Links, "same", lambda self, e, c: calls.append(1) or same(self, e, c))
    assert links._Links(paired(doc("x"), doc("x"))).pair_same(english, chinese) == []
    assert len(calls) <= len(english) * links._MOST_VARIANTS * 2


CARD_EN = "[](https://a.org/x) [## Title\n\n### Description…\n\na.org](https://a.org/x)\n\nNext.\n"


def test_a_link_card_that_lost_its_closing_line_misses_one_of_its_two_links():
    lost = "[](https://a.org/x) [## 标题\n\n### 描述…\n\n下一段。\n"
    found = links.check_alignment(paired(doc(CARD_EN, "en.md"), doc(lost)))
    assert [(f.rule, f.line) for f in found] == [("links/missing-url", 1)]
    assert "linked 2 times in the English and 1 here" in found[0].message


def test_a_link_card_closed_with_another_articles_url_changes_its_url():
    replaced = "[](https://a.org/x) [## 标题\n\n### 描述…\n\nb.org](https://b.org/y)\n\n下一段。\n"
    found = links.check_alignment(paired(doc(CARD_EN, "en.md"), doc(replaced)))
    assert [(f.rule, f.text) for f in found] == [("links/changed-url", "https://b.org/y")]
