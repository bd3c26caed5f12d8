from pathlib import Path

import pytest

from qa.batch import Summary, expand_targets, index_markdown, report_paths, summary_table
from qa.errors import QaInputError


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
