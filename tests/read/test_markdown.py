import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink

from qa.model import SegmentKind, Span
from qa.read.markdown import _PARSER, _PLAIN_LINK
from tests.conftest import SHARED, doc

SAMPLE = """# 标题 **x**

*   [链接](https://arxiv.org/abs/2103.12731) 第一项
    续行
*   第二项

**![](img/a.png)**

— — — — — — —

| a | b |
|---|---|
| 1 | 2 |

```python
x = 1
```

[](https://blog.dev/p) [## 卡片标题

### 卡片描述…

blog.dev](https://blog.dev/p)

> 引用
"""


def kinds_and_lines(text):
    return [(s.kind, s.start_line, s.end_line) for s in doc(text).segments]


def test_block_kinds_and_line_ranges():
    assert kinds_and_lines(SAMPLE) == [
        (SegmentKind.HEADING, 1, 1),
        (SegmentKind.LIST_ITEM, 3, 4),
        (SegmentKind.LIST_ITEM, 5, 5),
        (SegmentKind.IMAGE, 7, 7),
        (SegmentKind.RULE, 9, 9),
        (SegmentKind.TABLE_ROW, 11, 11),
        (SegmentKind.TABLE_ROW, 13, 13),
        (SegmentKind.CODE, 15, 17),
        (SegmentKind.LINK_CARD, 19, 23),
        (SegmentKind.QUOTE, 25, 25),
    ]


def test_inline_parts_and_prose_text():
    segments = doc(SAMPLE).segments
    assert segments[0].text == "标题 x"
    assert segments[0].heading_level == 1
    assert segments[1].links == ("https://arxiv.org/abs/2103.12731",)
    assert segments[1].text == "链接 第一项 续行"
    assert segments[3].images == ("img/a.png",)
    assert segments[8].links == ("https://blog.dev/p",)
    assert "卡片标题" in segments[8].text and "https" not in segments[8].text


def test_stray_bold_does_not_change_the_kind():
    # As in real MT output: bold around headings, images and whole paragraphs.
    text = "# **5.其他主题**\n\n**![](img/x.png)**\n\n**[2103.11955]改进和简化**\n\n## [**标题**](https://x.dev)\n"
    assert [s.kind for s in doc(text).segments] == [
        SegmentKind.HEADING,
        SegmentKind.IMAGE,
        SegmentKind.PARAGRAPH,
        SegmentKind.HEADING,
    ]
    assert doc(text).segments[0].text == "5.其他主题"


def test_bold_wrapped_heading_marker_is_still_a_heading():
    segment = doc("**## 论文**\n\n**##没有空格不是标题**\n").segments
    assert [(s.kind, s.heading_level, s.text) for s in segment] == [
        (SegmentKind.HEADING, 2, "论文"),
        (SegmentKind.PARAGRAPH, 0, "##没有空格不是标题"),
    ]


def test_urls_and_code_are_protected():
    segment = doc("用 `剪辑` 见 [剪辑](https://x.dev/剪辑) 和 https://y.dev/剪辑 以及剪辑\n").segments[0]
    prose = [i for i in range(len(segment.raw)) if not any(s.start <= i < s.end for s in segment.protected)]
    visible = "".join(segment.raw[i] for i in prose)
    assert visible.count("剪辑") == 2  # the link text and the last word, not code or URLs


def test_position_maps_offsets_to_file_lines_and_columns():
    segment = doc("标题\n\n*   第一行\n    第二行变压器\n").segments[1]
    offset = segment.raw.index("变压器")
    assert segment.position(offset) == (4, 8)


def test_empty_document_has_no_segments():
    assert doc("").segments == ()
    assert doc("\n\n  \n").segments == ()


def test_front_matter_is_one_block_and_keeps_line_numbers():
    segments = doc("---\ntitle: 变压器\ntags: [a]\n---\n\n# 标题\n").segments
    assert [(s.kind, s.start_line, s.end_line) for s in segments] == [
        (SegmentKind.FRONT_MATTER, 1, 4),
        (SegmentKind.HEADING, 6, 6),
    ]
    assert segments[0].protected and segments[0].text == ""
    assert doc("---\nno closing fence\n").segments[0].kind is SegmentKind.RULE


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("![](a.png)\n![](b.png) \n", SegmentKind.IMAGE),
        ("&nbsp;![](a.png)\n", SegmentKind.IMAGE),  # a no-break space shows nothing either
        ("![](a.png)  \n![](b.png)\n", SegmentKind.PARAGRAPH),  # a hard break is not an image
        ("![](a.png)\\\n![](b.png)\n", SegmentKind.PARAGRAPH),
        ("[![](a.png)](https://x.dev)\n", SegmentKind.PARAGRAPH),
        ("**![](a.png)** <br>\n", SegmentKind.PARAGRAPH),
        ("_![](a.png)_ `c`\n", SegmentKind.PARAGRAPH),
    ],
)
def test_only_images_make_an_image_line(text, kind):
    assert [s.kind for s in doc(text).segments] == [kind]


def test_markup_is_taken_out_of_text_but_not_out_of_words():
    assert [s.text for s in doc("- a_b_ *c* 2*3*4 __d__\n").segments] == ["a_b c 234 d"]


NESTED = """- top
  1. numbered
     - deep *x*

       second paragraph
  2. back

> - quoted item
>   > quote in item

1) loose

   second

| a |
|---|
| - not a list |
"""


def test_list_items_carry_depth_and_type():
    segments = doc(NESTED).segments
    assert [(s.text, s.kind, s.list_depth, s.list_ordered) for s in segments] == [
        ("top", SegmentKind.LIST_ITEM, 1, False),
        ("numbered", SegmentKind.LIST_ITEM, 2, True),
        ("deep x", SegmentKind.LIST_ITEM, 3, False),
        ("second paragraph", SegmentKind.LIST_ITEM, 3, False),
        ("back", SegmentKind.LIST_ITEM, 2, True),
        ("quoted item", SegmentKind.LIST_ITEM, 1, False),
        ("quote in item", SegmentKind.LIST_ITEM, 1, False),
        ("loose", SegmentKind.LIST_ITEM, 1, True),
        ("second", SegmentKind.LIST_ITEM, 1, True),
        ("a", SegmentKind.TABLE_ROW, 0, False),
        ("- not a list", SegmentKind.TABLE_ROW, 0, False),
    ]


def test_indices_follow_the_order_of_blocks_after_link_cards_are_joined():
    segments = doc(SAMPLE).segments
    assert [s.index for s in segments] == list(range(len(segments)))
    assert doc("---\na: 1\n---\n\n" + SAMPLE).segments[9].kind is SegmentKind.LINK_CARD


@settings(max_examples=500, deadline=None)
@given(st.from_regex(_PLAIN_LINK, fullmatch=True))
def test_plain_links_are_what_markdown_it_leaves_unchanged(url):
    assert normalizeLink(url) == url


LINKS = [
    "https://例子.cn/路径",
    "http://xn--fsq.com/a b",
    "HTTPS://Example.COM/A",
    "https://a.com:8080/x",
    "https://user@a.com/x",
    "http://[::1]/x",
    "//host/path",
    "mailto:a@b.c",
    "a%zzb%2",
    "img/a%20b.png",
    "https://" + "a" * 64 + ".com/x",
    "https://a.b.c.d.e/x",
    "https://" + ".".join(["h" * 63] * 5) + "/x",  # over mdurl's 255: the host is dropped
    "javascript:alert(1)",
    "https://a.com/?q=a'b;c,d",
    "https://a.com/x#frag?y",
]


def hrefs(parser, text):
    return [
        child.attrs.get("href") or child.attrs.get("src")
        for token in parser.parse(text)
        for child in token.children or ()
        if child.type in ("link_open", "image")
    ]


@pytest.mark.parametrize("url", LINKS)
def test_link_targets_are_those_of_markdown_it(url):
    text = f"[a]({url}) ![b](<{url}>) <{url}>\n\n[c][r]\n\n[r]: <{url}>\n"
    assert hrefs(_PARSER, text) == hrefs(MarkdownIt("commonmark").enable("table"), text)


MDX = """<Switch {fw} />

# 标题

{#if fw === 'pt'}

<Banner chapter={1}
  classNames="a b"
  notebooks={[
    {label: "Colab", value: "https://x.dev/a.ipynb"},
]} />

{:else}
文字在这里。
<Video id="abc"/>
{/if}

<Tip warning={true}>
提示的内容要检查。
</Tip>

正文有 <b>粗体</b> 和 <Tip>内联</Tip> 标签，
<br>
还有一行。

```jsx
<Tip>
{#if x}
```
"""


def test_mdx_component_lines_are_structure_and_the_text_between_them_prose():
    assert kinds_and_lines(MDX) == [
        (SegmentKind.HTML, 1, 1),
        (SegmentKind.HEADING, 3, 3),
        (SegmentKind.HTML, 5, 5),
        (SegmentKind.HTML, 7, 11),
        (SegmentKind.HTML, 13, 13),
        (SegmentKind.PARAGRAPH, 14, 14),
        (SegmentKind.HTML, 15, 15),
        (SegmentKind.HTML, 16, 16),
        (SegmentKind.HTML, 18, 18),
        (SegmentKind.PARAGRAPH, 19, 19),
        (SegmentKind.HTML, 20, 20),
        (SegmentKind.PARAGRAPH, 22, 24),  # inline HTML, even a component's, stays in the prose
        (SegmentKind.CODE, 26, 29),
    ]
    segments = doc(MDX).segments
    for segment in segments:
        if segment.kind is SegmentKind.HTML:
            # What keeps them out of every prose check: no text, all of it protected.
            assert segment.text == "" and segment.protected == (Span(0, len(segment.raw)),)
    assert segments[9].text == "提示的内容要检查。"
    assert segments[11].text == "正文有 粗体 和 内联 标签， 还有一行。"
    assert segments[12].code_spans == ("<Tip>\n{#if x}\n",)


@pytest.mark.parametrize(
    "text",
    [
        "<Banner a={1}\n\n后面的文字。\n",  # never closed before the blank line
        "<Tip>提示就在这一行。\n",  # text after the tag on its line
        "<Tip> 和文字 </Tip>\n",
        "{#if x} 文字\n",
        "<Tip a=1 <b>\n",
        "<tip>\n文字。\n",  # lowercase: an HTML element, as CommonMark reads it
    ],
)
def test_lines_that_are_not_only_component_tags_are_read_as_before(text):
    stock = MarkdownIt("commonmark").enable("table").parse(text)
    assert not any(token.type == "component_block" for token in _PARSER.parse(text))
    assert [t.type for t in _PARSER.parse(text)] == [t.type for t in stock]


def test_components_inside_lists_and_quotes():
    text = '- 第一项\n<Video id="a"/>\n\n> 引用的文字\n> </Tip>\n'
    assert kinds_and_lines(text) == [
        (SegmentKind.LIST_ITEM, 1, 1),
        (SegmentKind.HTML, 2, 2),
        (SegmentKind.QUOTE, 4, 4),
        (SegmentKind.HTML, 5, 5),
    ]


COURSE = SHARED / "corpus" / "parallel" / "hf-course"
_COMPONENT_LINE = re.compile(r"^ {0,3}(?:</?[A-Z]\w*|\{[#:/])")


@pytest.mark.skipif(not COURSE.is_dir(), reason="no Hugging Face course pages in ../shared")
def test_every_component_line_of_the_course_pages_is_structure():
    for path in sorted(COURSE.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        document = doc(text, str(path))
        kinds = {line: s.kind for s in document.segments for line in range(s.start_line, s.end_line + 1)}
        in_fence = False
        for number, line in enumerate(text.split("\n"), start=1):
            in_fence ^= line.lstrip().startswith("```")
            if not in_fence and _COMPONENT_LINE.match(line):
                assert kinds.get(number) is SegmentKind.HTML, (path.name, number, line)


def _blocks(text):
    return [(s.kind.value, s.start_line, s.end_line) for s in doc(text).segments]


def test_an_unclosed_comment_ends_at_its_first_blank_line_and_the_rest_is_read():
    text = "# 标题\n\n<!-- 版权声明 -- >\n第二行\n\n第一段。\n\n## 小节\n\n第二段。\n"
    assert _blocks(text) == [
        ("heading", 1, 1),
        ("html", 3, 4),
        ("paragraph", 6, 6),
        ("heading", 8, 8),
        ("paragraph", 10, 10),
    ]


def test_an_unclosed_comment_does_not_run_to_a_later_comments_end():
    text = "<!-- 坏的注释\n\n正文。\n\n<!-- 好的注释 -->\n\n结尾。\n"
    assert _blocks(text) == [("html", 1, 1), ("paragraph", 3, 3), ("html", 5, 5), ("paragraph", 7, 7)]


def test_closed_comments_and_code_are_read_as_before_and_an_unclosed_comment_in_a_list_ends_too():
    text = "<!-- 一\n\n二 -->\n\n```html\n<!-- 代码里\n```\n\n- 项\n\n  <!-- 列表里\n\n  续\n"
    assert _blocks(text) == [
        ("html", 1, 3),
        ("code", 5, 7),
        ("list_item", 9, 9),
        ("html", 11, 11),
        ("list_item", 13, 13),
    ]
    assert doc(text).segments[1].code_spans == ("<!-- 代码里\n",)


def test_a_link_card_whose_closing_line_is_lost_ends_with_the_headings_under_its_title():
    lost = "[](https://a.org/x) [## 标题\n\n### 描述…\n\n下一段。\n"
    kinds = [(s.kind, s.start_line, s.end_line) for s in doc(lost).segments]
    assert kinds == [(SegmentKind.LINK_CARD, 1, 3), (SegmentKind.PARAGRAPH, 5, 5)]
    # An opener with no heading after it is left as markdown-it reads it.
    alone = "[](https://a.org/x) [## 标题\n\n下一段。\n"
    assert [s.kind for s in doc(alone).segments] == [SegmentKind.PARAGRAPH, SegmentKind.PARAGRAPH]
