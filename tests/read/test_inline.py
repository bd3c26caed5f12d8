import random
import re

import pytest

from qa.model import SegmentKind
from qa.read import inline

BLOCKS = [
    "见 [链接](https://example.com/a_(b)) 和 `code`，以及 https://x.org/y:z.",
    "![图](img/a.png) <img src='b.png'> <https://auto.link/x> <b>粗</b>",
    "[http://github.com/x](https://t.co/y) and [`code` in a label](u)",
    "no link ( here ) nor [brackets] nor ` a lone backtick",
    "> 1. 引用里的列表 [a](b)\n> # 标题",
    "```不是代码块``` and ``double `tick` span``",
]


@pytest.mark.parametrize("raw", BLOCKS)
def test_substring_guards_change_no_part(monkeypatch, raw):
    guarded = inline._parts.__wrapped__(raw, False)
    monkeypatch.setattr(inline, "_scan", lambda pattern, text, needs: pattern.finditer(text))
    assert inline._parts.__wrapped__(raw, False) == guarded


@pytest.mark.parametrize("raw", BLOCKS)
def test_prose_mask_keeps_offsets_and_link_text(raw):
    mask = inline._prose_mask.__wrapped__(raw, SegmentKind.PARAGRAPH)
    assert len(mask) == len(raw)
    assert all(m in (c, " ") for m, c in zip(mask, raw, strict=True))


def test_blanked_matches_blanking_character_by_character():
    rng = random.Random(0)
    for _ in range(500):
        text = "".join(rng.choice("ab 中") for _ in range(rng.randint(0, 12)))
        spans = [
            tuple(sorted((rng.randint(0, len(text)), rng.randint(0, len(text))))) for _ in range(rng.randint(0, 4))
        ]
        chars = list(text)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        assert inline.blanked(text, spans) == "".join(chars)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Code in the link text: still a link (HF docs write [`pipeline`](url) everywhere).
        ("See [`pipeline`](https://hf.co/x) now.", [("link", "https://hf.co/x"), ("code", "pipeline")]),
        ("![`alt`](img.png)", [("image", "img.png"), ("code", "alt")]),
        # Code spans bind tighter than links: link syntax inside code, or code over the brackets, is code.
        ("a `[x](y)` b", [("code", "[x](y)")]),
        ("[a `b](c)` d", [("code", "b](c)")]),
    ],
)
def test_links_may_hold_code_in_their_text_but_code_hides_link_syntax(raw, expected):
    assert [(p.kind.value, p.value) for p in inline._parts(raw, False)] == expected


@pytest.mark.parametrize(
    "raw",
    [*BLOCKS, "<ftp://files.org/a> and <b>tag</b>", "[text] (https://x.org) 和 【链接】（https://y.org）", "]( alone"],
)
def test_urls_skip_only_blocks_without_a_link_or_url(raw):
    from tests.conftest import doc

    for segment in doc(raw + "\n").segments:
        every = tuple(p for p in inline.parts(segment) if p.kind in inline._URL_KINDS)
        assert inline.urls(segment) == every


CODE_PIECES = ["`", "`", "``", "```", "a", " ", "\n", "中"]


def test_code_spans_are_the_matches_of_their_pattern():
    pattern = re.compile(inline._CODE_SPAN_FORM, re.DOTALL)
    rng = random.Random(1)
    for _ in range(20_000):
        raw = "".join(rng.choice(CODE_PIECES) for _ in range(rng.randrange(20)))
        expected = [(m.start(), m.end(), m.start(2), m.end(2)) for m in pattern.finditer(raw)]
        assert list(inline._code_spans(raw)) == expected, raw


IMG_PIECES = ["<img", "<IMG", " src=", "'a'", '"b"', ">", " ", "<", "x", "src", "=", "'", "<imgx"]


def test_html_images_are_the_matches_of_their_pattern():
    rng = random.Random(2)
    for _ in range(20_000):
        raw = "".join(rng.choice(IMG_PIECES) for _ in range(rng.randrange(16)))
        expected = [(m.span(), m.span(1)) for m in inline._HTML_IMG.finditer(raw)]
        assert [(m.span(), m.span(1)) for m in inline._html_images(raw)] == expected, raw


LINK_PIECES = ["[", "]", "(", ")", "](", "![", "a", " ", "\n", "<", ">", '"', "'", "\u3000", '"t"', "'t'", ' "a b" ']
LINK_PIECES += ["(b)", "](<a>", "](a", "((", "))", "`", "\\"]


def test_links_and_images_are_the_matches_of_their_patterns():
    rng = random.Random(3)
    for _ in range(20_000):
        raw = "".join(rng.choice(LINK_PIECES) for _ in range(rng.randrange(16)))
        for pattern in (inline._IMAGE, inline._LINK):
            expected = [
                (m.start(), m.end(), m.span(1), m.span(2 if m.group(2) is not None else 3))
                for m in pattern.finditer(raw)
            ]
            assert list(inline._links(pattern, raw)) == expected, raw
