"""The fast paths of qa.read.markdown against the markdown-it code they stand in for."""

import random
import re

import markdown_it
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt, helpers
from markdown_it.helpers.parse_link_destination import parseLinkDestination
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import normalize

import qa.read.markdown
from qa.read.markdown import (
    _CARD_LINK,
    _INLINE_MARKUP,
    _PARSER,
    _PROTECTED_FORMS,
    _card_links,
    _children_parts,
    _fast_paths_fit,
    _inline_parts,
    _parse_link_destination,
    _text_and_breaks,
    parse_document,
    protected_matches,
    with_components,
)
from tests.conftest import EXAMPLES, SHARED

STOCK = with_components(MarkdownIt("commonmark").enable("table"))
DOCUMENTS = sorted([*EXAMPLES.glob("*.md"), *(SHARED / "corpus").rglob("*.md")])

# Pieces of Markdown, most of them markup, to build documents markdown-it must read the same way.
PIECES = st.sampled_from(
    [
        *"ab 中文。\t\n#*_[]()!<>&;\\`~-:=|./\x00\x7f",
        "  \n",
        "\n\n",
        "\r\n",
        "\r",
        "    ",
        "> ",
        "- ",
        "1. ",
        "# ",
        "**",
        "https://a.b/c",
        "](",
        "![",
        "&amp;",
        "&#40;",
        "<http://a.b>",
        "<b>",
        "```",
        "~~~",
        "***",
        "+ ",
        "2) ",
        "<!-- a -->",
        "| a | b |\n|---|---|\n",
        "[r]: ",
        "\\(",
        "<Tip>",
        "{:else}",
        "<Q a={[\n",
    ]
)
MARKDOWN = st.lists(PIECES, max_size=40).map("".join)
# Everything but inline markup: what _text_and_breaks gets.
PLAIN = st.lists(st.sampled_from([*"ab 中。\t\n#:-=+%$@{}^>|/]!~", "  \n"]), max_size=60).map("".join)


def destination(result):
    return result.ok, result.pos, result.str


DESTINATIONS = [
    "https://a.b/c d",
    "https://a.b/c)d",
    "https://en.wikipedia.org/wiki/Go_(game))",
    "a(b",
    "a)b",
    "a\\)b",
    "a\\ b",
    "a\\",
    "<a b>",
    "<a>b",
    "<a\nb>",
    "a&amp;b",
    "a&#40;b",
    "a&b",
    "a\x01b",
    "a\x7fb",
    "a\tb",
    "a\nb",
    "",
    ")",
    "(" * 33 + ")" * 33,
    "(" * 32 + "x" + ")" * 32,
    "中文/路径",
    "a<b",
    "[a](b" * 12,
    "(" * 40,
    "a\\(b(c)\\)",
    "\\",
    "a\\\x01b",
    "(a) b",
    "()(()())",
    # Past the characters found by a search each: escapes, spaces and ends among the others.
    "(" * 9 + "a\\(b\\)" + ")" * 9 + "\\",
    "a(b)" * 5 + "\\ x",
    "(a)" * 6 + "\x01" + ")",
    "((" * 5 + "\\\\)" + "))" * 5,
]


@pytest.mark.parametrize("string", DESTINATIONS)
def test_link_destinations_are_those_of_markdown_it(string):
    for pos in range(len(string) + 1):
        for maximum in range(pos, len(string) + 2):
            assert destination(_parse_link_destination(string, pos, maximum)) == destination(
                helpers.parseLinkDestination(string, pos, maximum)
            ), (string, pos, maximum)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"a中/ ()<>\\&;#\n\x01\x7f", "&amp;", "http://"])).map("".join), st.data())
def test_generated_link_destinations_are_those_of_markdown_it(string, data):
    pos = data.draw(st.integers(0, len(string)))
    maximum = data.draw(st.integers(pos, len(string)))
    expected = helpers.parseLinkDestination(string, pos, maximum)
    assert destination(_parse_link_destination(string, pos, maximum)) == destination(expected)


def test_long_destinations_among_parentheses_are_those_of_markdown_it():
    # Past the characters found by a search each, balanced groups are passed in one step:
    # groups back to back, nested, cut by the end, escaped, and `(` that nothing closes.
    pieces = ["(", ")", "()", "(())", "()()", "((()))", "(" * 10, ")" * 10, "(" * 30 + ")" * 30]
    pieces += ["a", "\\", "\\(", "\\)", " ", "\x01", "[a](b"]
    rng = random.Random(5)
    strings = ["".join(rng.choice(pieces) for _ in range(rng.randrange(40))) for _ in range(300)]
    # A walk that comes to groups at every level up to the limit and past it.
    strings += [
        "x" + "(" * unclosed + "(" * depth + ")" * depth + "()" * 3 + ")" * closed
        for unclosed in (0, 1, 7, 8, 9, 20)
        for depth in (1, 2, 24, 25, 26, 32, 33)
        for closed in (0, unclosed)
    ]
    # `(` that nothing in their run closes, closed after an escape: too deep, or not.
    strings += [
        "(" * before + "(" + "()" * inside + ")" + "(" * after + "\\a" + ")" * (before + after)
        for before in (0, 5, 30)
        for inside in (0, 1, 2)
        for after in (0, 1, 2, 3)
    ]
    for string in strings:
        for pos in sorted(rng.sample(range(len(string) + 1), min(len(string) + 1, 4))):
            for maximum in range(pos, len(string) + 2):
                expected = helpers.parseLinkDestination(string, pos, maximum)
                assert destination(_parse_link_destination(string, pos, maximum)) == destination(expected), (
                    string,
                    pos,
                    maximum,
                )


@pytest.mark.skipif(not DOCUMENTS, reason="no documents")
def test_tokens_of_real_documents_are_those_of_markdown_it():
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        assert _PARSER.parse(text) == STOCK.parse(text), path


@settings(max_examples=400, deadline=None)
@given(MARKDOWN)
def test_tokens_are_those_of_markdown_it(text):
    assert _PARSER.parse(text) == STOCK.parse(text)


@settings(max_examples=300, deadline=None)
@given(PLAIN)
def test_text_and_breaks_are_those_of_the_inline_parser(content):
    assert not _INLINE_MARKUP.search(content)
    assert list(_text_and_breaks(content)) == STOCK.inline.parse(content, STOCK, {}, [])


def inline_tokens(text):
    return [token for token in _PARSER.parse(text) if token.type == "inline"]


@pytest.mark.skipif(not DOCUMENTS, reason="no documents")
def test_inline_parts_of_real_documents_are_those_of_their_tokens():
    for path in DOCUMENTS:
        for token in inline_tokens(path.read_text(encoding="utf-8")):
            assert _inline_parts(token) == _children_parts(token.children or []), (path, token.content)


@settings(max_examples=300, deadline=None)
@given(st.one_of(MARKDOWN, PLAIN))
def test_inline_parts_are_those_of_their_tokens(text):
    for token in inline_tokens(text):
        assert _inline_parts(token) == _children_parts(token.children or [])


PROTECTED_PIECES = [
    *"]) (<>`!hftps:/，x\n[。）\t",
    "http://",
    "https://",
    "ftp://",
    "![",
    "``",
    "```",
    "](",
    "] (",
    "<http://",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PROTECTED_PIECES), max_size=30).map("".join))
def test_protected_spans_are_those_of_the_plain_forms(raw):
    assert protected_matches(raw) == [match.span() for match in re.finditer(_PROTECTED_FORMS, raw)]


@pytest.mark.skipif(not DOCUMENTS, reason="no documents")
def test_protected_spans_of_real_documents_are_those_of_the_plain_forms():
    for path in DOCUMENTS:
        raw = path.read_text(encoding="utf-8")
        assert protected_matches(raw) == [match.span() for match in re.finditer(_PROTECTED_FORMS, raw)], path


def test_other_markdown_it_parsers_are_untouched():
    fresh = MarkdownIt("commonmark").enable("table")
    assert fresh.helpers is helpers
    assert helpers.parseLinkDestination is parseLinkDestination
    assert fresh.core.ruler.getRules("")[0] is normalize
    assert "first_char" not in fresh.inline.ruler.get_all_rules()
    assert fresh.inline.ruler.get_active_rules() == STOCK.inline.ruler.get_active_rules()
    assert fresh.block.ruler.getRules("") == MarkdownIt("commonmark").enable("table").block.ruler.getRules("")
    assert "component_block" not in fresh.block.ruler.get_all_rules()


def test_the_fast_paths_are_taken_on_the_markdown_it_they_fit_only():
    # 4.x (what pip installs within the declared range); 3.x keeps the stock rules: slower, same tokens.
    fits = _fast_paths_fit(MarkdownIt("commonmark").enable("table"))
    assert fits == markdown_it.__version__.startswith("4.")
    assert (_PARSER.block.ruler.getRules("") != STOCK.block.ruler.getRules("")) == fits
    assert (_PARSER.helpers is not helpers) == fits


# Lines for the one-line paragraph rule: some start a block of another kind, some end with a
# blank line after them, in quotes and lists, indented or not.
LINE_STARTS = ["", "  ", "    ", "\t", "> ", "- ", "  - ", "1. ", "2) ", "> - ", "   "]
LINE_BODIES = ["a", "Para 1.", "中文。", "#", "# a", "<b>a</b>", "<!-- a", "{#if a}", "[a]: /u", "[a]", "="]
LINE_BODIES += ["---", "***", "| a |", "|---|", "```", "~~~", "*a*", "+ a", "_ _ _", "a  ", "\\", "&amp;", ""]
LINES = st.lists(st.tuples(st.sampled_from(LINE_STARTS), st.sampled_from(LINE_BODIES), st.booleans()), max_size=20)


def _lines(lines):
    return "".join(start + body + "\n" + ("\n" if blank else "") for start, body, blank in lines)


@settings(max_examples=600, deadline=None)
@given(LINES.map(_lines))
def test_one_line_paragraphs_are_those_of_markdown_it(text):
    assert _PARSER.parse(text) == STOCK.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "a\n",
        "a\n\n\n",
        "a\n\n2. b\n",  # after a paragraph a list starts with 1 only when it interrupts one
        "a\n\n- \n",
        "> a\n\nb",
        "> a\nb\n\nc",
        "- a\n\n  b\n\n c",
        "    a\n\nb",
        "a\n    b\n\nc",
        "[a]\n\n[a]: /u",
        "<b>x</b>\n\ny",
        "{x}\n\ny",
        "a\n=\n",
        "a\n\n=\n",
        "| a |\n\nb",
        "| a |\n|---|\n\nb",
        "1. a\n\n   b\n\n2. c",
    ],
)
def test_one_line_paragraphs_around_other_blocks_are_those_of_markdown_it(text):
    assert _PARSER.parse(text) == STOCK.parse(text)


@pytest.mark.parametrize("text", ["a\n", "a\n\nb\n", "> a\n", "- a\n\n  b\n", "a\nb\n", "# a\n"])
def test_one_line_paragraphs_leave_the_block_state_as_markdown_it_does(text):
    # `lheading` leaves `parentType` at "paragraph" as it fails, and `paragraph` keeps it.
    def state_after(md):
        state = StateBlock(text, md, {}, [])
        md.block.tokenize(state, state.line, state.lineMax)
        return state.parentType, state.line, state.level, state.tokens

    assert state_after(_PARSER) == state_after(STOCK)


def test_the_one_line_paragraph_rule_comes_first_where_the_fast_paths_fit():
    rules = _PARSER.block.ruler.get_active_rules()
    assert (rules[0] == "one_line_paragraph") == _fast_paths_fit(MarkdownIt("commonmark").enable("table"))


@pytest.mark.skipif(not DOCUMENTS, reason="no documents")
def test_documents_without_a_card_opener_skip_the_card_merge(monkeypatch):
    texts = [path.read_text(encoding="utf-8") for path in DOCUMENTS]
    fast = [parse_document("x.md", text) for text in texts]
    # The document-level test always passes: every document goes through _merge_link_cards.
    monkeypatch.setattr(qa.read.markdown, "_LINK_CARD_OPEN", _AlwaysOpens(qa.read.markdown._LINK_CARD_OPEN))
    assert [parse_document("x.md", text) for text in texts] == fast


@pytest.mark.skipif(not DOCUMENTS, reason="no documents")
def test_documents_parse_alike_without_the_children_of_plain_content(monkeypatch):
    # parse_document's parser gives content without inline markup no children: it reads its
    # words from the content. With every child built, the segments are the same.
    texts = [path.read_text(encoding="utf-8") for path in DOCUMENTS]
    texts += ["a  \nb\n  c\\\nd", "| a | b |\n|---|---|\n| x  y | `z` |", "**## T**\n\n- a\n  b", *PATHOLOGICAL]
    fast = [parse_document("x.md", text) for text in texts]
    monkeypatch.setattr(qa.read.markdown, "_DOCUMENT_PARSER", _PARSER)
    assert [parse_document("x.md", text) for text in texts] == fast


class _AlwaysOpens:
    def __init__(self, pattern):
        self.finditer = pattern.finditer

    def search(self, text):
        return True


# Inputs markdown-it walks over many times (link labels, destinations, emphasis), small enough
# for the stock parser; the shortcuts of _parse_link_label and _parse_link_destination apply.
PATHOLOGICAL = [
    "![" * 300,
    "![" * 300 + "]",
    "![" * 30 + "a" + "]" * 30 + "(b)",
    "[" * 300 + "a" + "]" * 300,
    "[" * 21 + "foo" + "]" * 21 + "()",
    "[a](b" * 100,
    "[a](<b" * 100,
    "[ (](" * 100,
    "[ a_" * 100,
    "`a[`" * 50 + "]",
    "[a" * 50 + "](b)" + "]" * 10,
    "![a](b)![" * 40 + "]",
    "[x]: y\n\n" + "[x] [x][x] [[x]]" * 30,
    "[](b) ![](c) [d]() x[]",
    "x [](y)",
    "[" * 15 + "a" + "]" * 15 + "(b)",
    "[[a]](b) " * 20 + "[" * 25 + "a" + "]" * 25 + "(b)",
    "![" * 8 + "a" + "]" * 8 + "(b) " + "![[" * 30,
    # The last `]` of the text, reached above level 1, or closing a label at the nesting limit.
    "![" * 30 + "a]" + "![" * 30 + "]",
    "[" * 25 + "]" + "[a](b) [c]",
    "![" * 40 + "](x)",
    "![](a)" + "[" * 30 + "] x",
    "[x]: y\n\n" + "![" * 25 + "[x]" + "![" * 25 + "]",
    "[" * 19 + "a" + "]" * 19 + "(b)" + "[" * 21 + "]",
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_tokens_of_pathological_input_are_those_of_markdown_it(text):
    for document in (text, f"# t\n\n{text}\n\n> {text}\n\n- {text}"):
        assert _PARSER.parse(document) == STOCK.parse(document)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"[]()!`<> a\\*_\n", "](", "![", "[a]", "(b)", "``"]), max_size=60).map("".join))
def test_tokens_of_bracket_soup_are_those_of_markdown_it(text):
    assert _PARSER.parse(text) == STOCK.parse(text)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"*_ a.!,\n\t中，（", "**", "__", "  \n", "a_b", "**a ", "\u3000", "\u00a0", "'", "*a*"]),
        max_size=40,
    ).map("".join)
)
def test_tokens_of_emphasis_soup_are_those_of_markdown_it(text):
    # Runs of `*` and `_` that cannot close are kept as text without markdown-it's delimiters.
    for document in (text, f"- {text}", f"> {text}"):
        assert _PARSER.parse(document) == STOCK.parse(document)


def test_emphasis_runs_that_cannot_close_are_text():
    from qa.read.markdown import _may_close_emphasis

    assert not _may_close_emphasis("**a **a **a ")
    assert not _may_close_emphasis("snake_case_name and a_b")
    assert _may_close_emphasis("**bold**") and _may_close_emphasis("_a_") and _may_close_emphasis("a* b")
    assert parse_document("x.md", "**a " * 50).segments[0].text == " ".join(["a"] * 50)


def test_tokens_of_long_bracket_soup_are_those_of_markdown_it():
    # Runs of openers past the nesting limit, and few `]`: label scans that stop at the last
    # `]`, and openers whose labels are known to fail from the places scanned before.
    pieces = ["![" * 12, "[" * 12, "![", "[", "]", "](b)", "(b)", "a", " ", "`", "[x]", "\n\n"]
    rng = random.Random(11)
    for _ in range(150):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(40)))
        for document in (text, "[x]: y\n\n" + text):
            assert _PARSER.parse(document) == STOCK.parse(document), document


def test_card_links_are_the_matches_of_their_pattern():
    rng = random.Random(8)
    pieces = ["](", "http://", "https://", ")", " ", "\n", "a", "](http://", "](https://x)", "(", "]"]
    for _ in range(20_000):
        raw = "".join(rng.choice(pieces) for _ in range(rng.randrange(12)))
        position = rng.randrange(len(raw) + 1)
        expected = [(m.start(), m.end(), m.start(1), m.end(1)) for m in _CARD_LINK.finditer(raw, position)]
        assert list(_card_links(raw, position)) == expected, (raw, position)
