"""Property tests and bounded fuzzing of read -> parse -> align -> check -> report.

Hypothesis builds Markdown from the block shapes real MT output has (headings with stray
bold, lists, link cards, code, tables, images, raw HTML) and from raw text and bytes. Set
QA_FUZZ_EXAMPLES to run more examples (CI runs the default bound).
"""

from __future__ import annotations

import os

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.align.pairs import align
from qa.errors import QaInputError
from qa.glossary.load import load_glossaries
from qa.model import Report, SegmentKind, Signature
from qa.read.io import decode
from qa.read.markdown import _PARSER, parse_document
from qa.report.json import schema, to_dict
from qa.rules import alignment as alignment_checks
from qa.rules import glossary as glossary_checks
from tests.conftest import REPO

EXAMPLES = int(os.environ.get("QA_FUZZ_EXAMPLES", "150"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GLOSSARY = load_glossaries([REPO / "glossaries" / "ml-terms.csv"])
VALIDATOR = jsonschema.Draft202012Validator(schema())

WORDS = st.sampled_from(
    [
        "变压器",
        "Transformer",
        "剪辑",
        "CLIP",
        "自我关注",
        "模型",
        "论文",
        "报纸",
        "the",
        "model",
        "84.1%",
        "GPT-3",
        "self-attention",
        "，",
        "。",
        "`code`",
        "**",
        "[链接](https://x.dev/a)",
        "![](img/a.png)",
        "<b>",
        "\\",
        "|",
        "#",
    ]
)
LINE = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)
BLOCK = st.one_of(
    LINE,
    st.tuples(st.integers(1, 6), LINE).map(lambda t: "#" * t[0] + " " + t[1]),
    LINE.map(lambda text: f"**{text}**"),
    st.lists(LINE, min_size=1, max_size=4).map(lambda items: "\n".join(f"*   {i}" for i in items)),
    st.lists(LINE, min_size=1, max_size=3).map(lambda items: "\n".join(f"{k + 1}. {i}" for k, i in enumerate(items))),
    LINE.map(lambda text: f"```\n{text}\n```"),
    LINE.map(lambda text: f"[](https://c.dev/p) [## {text}\n\n### {text}\n\nc.dev](https://c.dev/p)"),
    st.tuples(LINE, LINE).map(lambda t: f"| {t[0]} | x |\n|---|---|\n| {t[1]} | y |"),
    LINE.map(lambda text: f"> {text}"),
    st.just("— — — — — —"),
    st.just("<div>\n<p>html</p>\n</div>"),
)
DOCUMENT = st.lists(BLOCK, max_size=25).map(lambda blocks: "\n\n".join(blocks) + "\n")


@FAST
@given(DOCUMENT, DOCUMENT)
def test_pipeline_pairs_every_block_once_and_reports_valid_json(en, zh):
    source, target = parse_document("a.en.md", en), parse_document("a.zh.md", zh)
    alignment = align(source, target)
    assert [s.index for p in alignment.pairs for s in p.source] == list(range(len(source.segments)))
    assert [t.index for p in alignment.pairs for t in p.target] == list(range(len(target.segments)))
    assert all(p.source or p.target for p in alignment.pairs)
    findings = alignment_checks.check_alignment(alignment) + glossary_checks.check_alignment(alignment, GLOSSARY)
    report = Report("a.zh.md", "a.en.md", Signature("0", GLOSSARY.files, None), alignment.pairs, (), tuple(findings))
    data = to_dict(report)
    VALIDATOR.validate(data)
    lines = zh.split("\n")
    for finding in data["findings"]:
        if finding["text"]:
            line = lines[finding["line"] - 1]
            assert line[finding["column"] - 1 : finding["end_column"] - 1] == finding["text"]


@FAST
@given(st.text(max_size=2000))
def test_parser_takes_any_text(text):
    document = parse_document("x.md", text)
    lines = document.text.split("\n")
    for segment in document.segments:
        assert 1 <= segment.start_line <= segment.end_line <= len(lines)
        # Positions of findings are computed from `raw`: it must be exactly those file lines.
        assert segment.raw == "\n".join(lines[segment.start_line - 1 : segment.end_line])


MARKER = st.sampled_from(["*   ", "- ", "+ ", "1. ", "2) ", "> ", "> - ", ""])
NESTED_LINE = st.tuples(st.integers(0, 8), MARKER, LINE).map(lambda t: " " * t[0] + t[1] + t[2])
NESTED = st.lists(st.one_of(NESTED_LINE, st.just("")), max_size=30).map("\n".join)


def lists_from_tokens(text: str) -> dict[int, tuple[int, bool]]:
    """First line of each block inside a list -> (lists around it, innermost is numbered), read
    straight from markdown-it's tokens: what `markdown/list-structure` used to parse again."""
    items: dict[int, tuple[int, bool]] = {}
    lists: list[bool] = []
    for token in _PARSER.parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(token.type == "ordered_list_open")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "inline" and lists and token.map:
            items.setdefault(token.map[0] + 1, (len(lists), lists[-1]))
    return items


@FAST
@given(NESTED)
def test_list_items_carry_the_lists_around_them(text):
    expected = lists_from_tokens(text)
    for segment in parse_document("x.md", text).segments:
        if segment.kind is SegmentKind.LIST_ITEM:
            assert (segment.list_depth, segment.list_ordered) == expected[segment.start_line]
        else:
            assert (segment.list_depth, segment.list_ordered) == (0, False)


@FAST
@given(st.binary(max_size=2000))
def test_reader_decodes_or_refuses_with_a_line(data):
    try:
        text = decode(data, "x.md")
    except QaInputError as error:
        assert error.line is not None and error.line >= 1
    else:
        assert "\r" not in text


HEADER = "term,zh,forbidden,forbidden_always,keep_english,case_sensitive,variants,note\n"
CELL = st.text(alphabet=st.sampled_from(list('ab变压器,"\n |=+-@true')), max_size=12)


@FAST
@given(st.lists(st.lists(CELL, min_size=1, max_size=9), max_size=8), st.booleans())
def test_glossary_loader_loads_or_refuses_with_file_and_line(tmp_path_factory, rows, with_header):
    text = (HEADER if with_header else "") + "\n".join(",".join(row) for row in rows) + "\n"
    path = tmp_path_factory.mktemp("csv") / "g.csv"
    path.write_text(text, encoding="utf-8")
    try:
        glossary = load_glossaries([path])
    except QaInputError as error:
        assert error.path == str(path) and error.line is not None and error.line >= 1
    else:
        assert all(entry.term for entry in glossary.entries)
        glossary.wrong_matcher.find("变压器 Transformer")


def test_schema_rejects_a_broken_report():
    report = to_dict(Report("a.zh.md", None, Signature("0", (), None), (), (), ()))
    VALIDATOR.validate(report)
    report["summary"]["errors"] = -1
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(report)
