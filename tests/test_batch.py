import os
from pathlib import Path

import pytest

from qa.batch import Summary, expand_targets, index_markdown, report_paths, resolve_source, summary_table
from qa.errors import QaInputError
from qa.pipeline import english_source_for


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# 标题\n", encoding="utf-8")
    return path


def test_folders_globs_and_files_expand_in_order(tmp_path: Path):
    a = touch(tmp_path / "2021" / "issue-13.zh.md")
    b = touch(tmp_path / "2021" / "issue-14.zh.md")
    touch(tmp_path / "2021" / "issue-13.en.md")
    touch(tmp_path / ".git" / "x.zh.md")
    c = touch(tmp_path / "notes.md")
    assert expand_targets([str(tmp_path)]) == [a, b]
    assert expand_targets([str(tmp_path / "2021" / "*.zh.md"), str(c), str(a)]) == [a, b, c]
    (tmp_path / "2021" / "empty").mkdir()
    with pytest.raises(QaInputError, match=r"no \*.zh.md files in this folder"):
        expand_targets([str(tmp_path / "2021" / "empty")])
    with pytest.raises(QaInputError, match="no file matches this pattern"):
        expand_targets([str(tmp_path / "*.xx.md")])


def test_report_paths_never_collide_nor_leave_the_report_folder(tmp_path: Path):
    one = tmp_path / "a" / "issue13.zh.md"
    two = tmp_path / "b" / "issue13.zh.md"
    reports = tmp_path / "reports"
    assert report_paths([one], reports, "md") == [reports / "issue13.review.md"]
    assert report_paths([one, two], reports, "md") == [
        reports / "a" / "issue13.review.md",
        reports / "b" / "issue13.review.md",
    ]
    for path in report_paths([one, two, tmp_path / ".zh.md"], reports, "json"):
        assert path.resolve().is_relative_to(reports.resolve())


def test_summary_table_and_index(tmp_path: Path):
    rows = [
        Summary("a.zh.md", str(tmp_path / "r" / "a.review.md"), 2, 1, 0, 10, 0.12),
        Summary("b.zh.md", str(tmp_path / "r" / "b.review.md"), 0, 3, 4, 0, None),
    ]
    table = summary_table(rows).splitlines()
    assert table[0].split() == ["file", "errors", "warnings", "info", "pairs", "drift", "report"]
    assert table[-1].split()[:6] == ["2", "files", "2", "4", "4", "10"]
    index = index_markdown(rows, tmp_path / "r" / "index.md")
    assert "| `a.zh.md` | 2 | 1 | 0 | 10 | 0.12 | [a.review.md](a.review.md) |" in index


def test_mdx_pages_are_found_and_paired_like_markdown(tmp_path: Path):
    md = touch(tmp_path / "docs" / "quicktour.zh.md")
    mdx = touch(tmp_path / "docs" / "quicktour.zh.mdx")
    touch(tmp_path / "docs" / "quicktour.en.mdx")
    touch(tmp_path / "docs" / "index.mdx")  # no language in the name: not a translation
    assert expand_targets([str(tmp_path)]) == [md, mdx]
    assert expand_targets([str(mdx)]) == [mdx]
    assert resolve_source(mdx, None) == (tmp_path / "docs" / "quicktour.en.mdx", None)
    assert resolve_source(md, None) == (None, f"no English source at {tmp_path / 'docs' / 'quicktour.en.md'}")
    assert english_source_for(Path("a/x.zh-CN.mdx")) == Path("a/x.en.mdx")
    assert english_source_for(Path("a/x.zh.markdown")) == Path("a/x.en.markdown")
    with pytest.raises(QaInputError, match=r"no \*.zh.md files in this folder \(nor \*.zh.mdx\)"):
        expand_targets([str((tmp_path / "empty").mkdir() or tmp_path / "empty")])


def test_reports_of_an_mdx_page_and_a_markdown_page_of_one_name_do_not_collide(tmp_path: Path):
    md, mdx = tmp_path / "quicktour.zh.md", tmp_path / "quicktour.zh.mdx"
    reports = tmp_path / "reports"
    assert report_paths([md, mdx], reports, "json") == [
        reports / "quicktour.review.json",
        reports / "quicktour.mdx.review.json",
    ]
    assert report_paths([mdx], reports, "md") == [reports / "quicktour.mdx.review.md"]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("names.csv", "; did you mean --glossary {path}?"),
        ("notes.txt", "; qa checks Chinese Markdown pages (NAME.zh.md, NAME.zh.mdx)"),
        ("README", "; qa checks Chinese Markdown pages (NAME.zh.md, NAME.zh.mdx)"),
    ],
)
def test_a_file_that_is_not_markdown_is_refused_with_a_hint(tmp_path: Path, name: str, hint: str):
    page = touch(tmp_path / "page.zh.md")
    other = touch(tmp_path / name)
    with pytest.raises(QaInputError) as refused:
        expand_targets([str(page), str(other)])
    message = "is not a Markdown file (.md, .mdx or .markdown)" + hint.format(path=other)
    assert str(refused.value) == f"{other}: {message}"


def test_markdown_files_are_taken_whatever_their_extension_and_globs_keep_only_them(tmp_path: Path):
    pages = [touch(tmp_path / name) for name in ("a.markdown", "b.MD", "c.mdx", "d.zh.md")]
    touch(tmp_path / "names.csv")
    assert expand_targets([str(p) for p in pages]) == pages
    assert expand_targets([str(tmp_path / "*")]) == pages
    with pytest.raises(QaInputError, match=r"no Markdown file \(.md, .mdx, .markdown\) matches this pattern"):
        expand_targets([str(tmp_path / "*.csv")])


def test_report_paths_mirror_the_folders_below_the_working_directory(tmp_path: Path):
    here = tmp_path / "work"
    a, b = here / "a" / "issue13.zh.md", here / "b" / "issue13.zh.md"
    outside = tmp_path / "elsewhere" / "deep" / "issue13.zh.md"
    reports = Path("reports")
    # One file at a time, as a translator runs it: two runs never share a report.
    assert report_paths([a], reports, "md", cwd=here) == [reports / "a" / "issue13.review.md"]
    assert report_paths([b], reports, "md", cwd=here) == [reports / "b" / "issue13.review.md"]
    # The same file gets the same report alone or in a folder run.
    assert report_paths([a, b], reports, "md", cwd=here)[0] == reports / "a" / "issue13.review.md"
    # Outside the working directory: from the folder those files share, never above the reports.
    assert report_paths([outside], reports, "md", cwd=here) == [reports / "issue13.review.md"]
    assert report_paths([a, outside], reports, "md", cwd=here)[1] == reports / "issue13.review.md"


def test_the_index_links_every_review_and_shows_every_name_as_text_whatever_the_name(tmp_path: Path):
    from urllib.parse import unquote

    from markdown_it import MarkdownIt

    names = [
        "a b",
        "pipe|name",
        "<img src=x onerror=alert(1)>",
        "back`tick``s",
        "`edge`",
        "[x](y)",
        "*star* _under_ ~strike~ $x$",
        "&amp; <b>bold<b> &lt;",
        "percent%20 (paren",
        "中文 名",
        "new\nline",
    ]
    reports = tmp_path / "reports"
    summaries = []
    for name in names:
        report = reports / "a folder" / f"{name}.review.md"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text("# review\n", encoding="utf-8")
        summaries.append(Summary(f"{name}.zh.md", str(report), 1, 0, 0, 2, None))
    index = index_markdown(summaries, reports / "index.md")

    # Raw HTML on: a name that became markup would show up as an html token.
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(index)
    inline = [child for token in tokens if token.type == "inline" for child in token.children or ()]
    assert not [t for t in [*tokens, *inline] if t.type.startswith("html")]
    assert sum(t.type == "tr_open" for t in tokens) == 1 + len(names)  # no row split or merged
    assert sum(t.type == "td_open" for t in tokens) == 7 * len(names)  # no cell split by a `|`
    shown = [name.replace("\n", "\\n") for name in names]  # a newline would end the row
    assert [t.content for t in inline if t.type == "code_inline"] == [f"{name}.zh.md" for name in shown]
    targets = [(reports / unquote(t.attrGet("href"))) for t in inline if t.type == "link_open"]
    assert targets == [Path(s.report) for s in summaries] and all(t.is_file() for t in targets)
    texts, inside = [], None
    for token in inline:
        if token.type == "link_open":
            inside = []
        elif token.type == "link_close":
            texts.append("".join(inside))
            inside = None
        elif inside is not None:
            inside.append(token.content)
    assert texts == [f"{name}.review.md" for name in shown]


def test_a_folder_stands_for_its_regular_files_only(tmp_path: Path):
    page = touch(tmp_path / "page.zh.md")
    os.mkfifo(tmp_path / "pipe.zh.md")  # reading it would wait for ever
    (tmp_path / "zero.zh.md").symlink_to("/dev/zero")  # reading it would never end
    (tmp_path / "folder.zh.md").mkdir()
    (tmp_path / "link.zh.md").symlink_to(page)  # a symlink to a file is that file
    assert expand_targets([str(tmp_path)]) == [tmp_path / "link.zh.md", page]
