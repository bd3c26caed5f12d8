"""The maintainers' commands and `qa fix`, through the real CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli.main import app
from tests.cli.test_process import needs_private_mounts, read_only
from tests.conftest import EXAMPLES, REPO, in_fresh_python

HEADER = "term,zh,forbidden,forbidden_always,keep_english,case_sensitive,variants,note\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "glossaries").mkdir()
    (tmp_path / "glossaries" / "ml.csv").write_text(
        HEADER + "Transformer,,变压器,变形金刚,true,false,,\nCLIP,,剪辑,,true,true,,\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_lint_clean_prints_one_line_with_the_counts(project):
    result = invoke("glossary", "lint", "glossaries/ml.csv")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "1 file, 2 entries: ok\n", "")


def test_lint_clean_by_default_counts_the_bundled_and_the_project_files(project):
    from qa.glossary.load import bundled_glossaries, load_glossaries

    bundled = bundled_glossaries()
    result = invoke("glossary", "lint")
    expected = f"{len(bundled) + 1} files, {len(load_glossaries(bundled).entries) + 2} entries: ok\n"
    assert (result.exit_code, result.stdout) == (0, expected)


def test_lint_prints_one_line_per_problem_and_exits_2(project):
    bad = project / "bad.csv"
    bad.write_text(HEADER + "CLIP ,,,,maybe,true,,\n", encoding="utf-8")
    result = invoke("glossary", "lint", str(bad), "glossaries/ml.csv")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{bad}:2:5: stray whitespace in 'term'",
        f"{bad}:2:7: term 'CLIP' has no approved rendering: fill 'zh' or set keep_english",
        f"{bad}:2:10: column 'keep_english': 'maybe' is not true or false (true/false, yes/no, 1/0)",
        f"glossaries/ml.csv:3:1: term 'CLIP' is already defined at {bad}:2",
    ]


def test_lint_of_a_missing_file_is_a_clean_error(project):
    result = invoke("glossary", "lint", "nope.csv")
    assert result.exit_code == 2
    assert result.stderr.strip() == "qa: error: nope.csv: no such glossary file or folder"


def test_show_add_remove_round_trip(project):
    before = (project / "glossaries" / "ml.csv").read_bytes()
    added = invoke("glossary", "add", "GAN", "--zh", "生成对抗网络", "--forbidden", "甘", "--keep-english")
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "glossaries/ml.csv:4: added GAN,生成对抗网络,甘,,true,,,"
    shown = invoke("glossary", "show", "甘")
    assert shown.exit_code == 0 and shown.stdout.startswith("GAN  (glossaries/ml.csv:4)")
    duplicate = invoke("glossary", "add", "gan", "--keep-english")
    assert duplicate.exit_code == 2
    assert "term 'gan' is already defined at glossaries/ml.csv:4" in duplicate.stderr
    removed = invoke("glossary", "remove", "GAN")
    assert removed.stdout.strip() == "glossaries/ml.csv:4: removed GAN,生成对抗网络,甘,,true,,,"
    assert (project / "glossaries" / "ml.csv").read_bytes() == before
    assert invoke("glossary", "show", "GAN", "--no-bundled-glossary").exit_code == 1
    # The bundled glossary still defines GAN: with the project's entry gone, that one is shown.
    assert invoke("glossary", "show", "GAN").stdout.startswith("GAN  (bundled:ml-terms.csv:")


def test_add_needs_a_file_when_there_are_several(project):
    (project / "glossaries" / "more.csv").write_text(HEADER, encoding="utf-8")
    result = invoke("glossary", "add", "GAN", "--keep-english")
    assert result.exit_code == 2 and "several glossary files: choose one with --file" in result.stderr
    result = invoke("glossary", "add", "GAN", "--keep-english", "--file", "glossaries/more.csv")
    assert result.exit_code == 0, result.output


def test_suggest_writes_a_reviewable_csv(project):
    for name, en, zh in [("a", "A Zorblax model.", "一个佐布拉模型。"), ("b", "The Zorblax wins.", "佐布拉赢了。")]:
        (project / f"{name}.en.md").write_text(en + "\n", encoding="utf-8")
        (project / f"{name}.zh.md").write_text(zh + "\n", encoding="utf-8")
    result = invoke("glossary", "suggest", str(project), str(project), "-o", "new.csv")
    assert result.exit_code == 0, result.output
    rows = (project / "new.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("Zorblax,佐布拉,,,,,false,")
    assert invoke("glossary", "lint", "new.csv").exit_code == 0


def test_fix_prints_a_diff_and_writes_the_fixed_copy(tmp_path):
    shutil.copy(EXAMPLES / "issue13.zh.md", tmp_path / "issue13.zh.md")
    shutil.copy(EXAMPLES / "issue13.en.md", tmp_path / "issue13.en.md")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa",
            "fix",
            str(tmp_path / "issue13.zh.md"),
            "-g",
            str(REPO / "glossaries/ml-terms.csv"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "-## [**实施剪辑**]" in result.stdout and "+## [**实施 CLIP**]" in result.stdout
    fixed = (tmp_path / "issue13.zh.fixed.md").read_text(encoding="utf-8")
    assert "变压器" not in fixed and "抱抱脸" not in fixed and "https://example-blog.dev/post/clip" in fixed
    assert (tmp_path / "issue13.zh.md").read_bytes() == (EXAMPLES / "issue13.zh.md").read_bytes()
    assert result.stderr.strip().endswith(f"wrote {tmp_path / 'issue13.zh.fixed.md'}")


def test_check_several_files_judges_consistency_over_the_run(project):
    for name, zh in [("a", "批归一化。\n\n批量归一化。\n"), ("b", "批量归一化。\n\n批量归一化。\n")]:
        (project / f"{name}.en.md").write_text("Batch normalization.\n\nBatch normalization.\n", encoding="utf-8")
        (project / f"{name}.zh.md").write_text(zh, encoding="utf-8")
    shutil.copy(REPO / "glossaries" / "ml-terms.csv", project / "glossaries" / "ml.csv")
    # Off by default (its precision on human translations): turned on as a user would.
    on = ("--extend-select", "glossary/inconsistent-rendering")
    result = invoke("check", "a.zh.md", "b.zh.md", "--no-drift", *on, "--report-dir", "r", "--output-format", "full")
    assert result.exit_code == 0, result.output
    assert "a.zh.md:1:1: warning [glossary/inconsistent-rendering] '批归一化'" in result.stdout
    default = invoke("check", "a.zh.md", "b.zh.md", "--no-drift", "--report-dir", "r", "--output-format", "full")
    assert "inconsistent-rendering" not in default.stdout
    assert (project / "r" / "a.review.md").exists() and (project / "r" / "b.review.md").exists()
    refused = invoke("check", "a.zh.md", "b.zh.md", "--no-drift", "--output", "-")
    assert refused.exit_code == 2 and "--output takes a single TARGET" in refused.stderr


def test_maintainer_commands_import_no_model():
    code = (
        "import sys; from typer.testing import CliRunner; from qa.cli.main import app; "
        "r = CliRunner().invoke(app, ['glossary', 'lint']); "
        "print(r.exit_code, [m for m in ('torch', 'sentence_transformers', 'jieba') if m in sys.modules])"
    )
    result = in_fresh_python(code)
    assert result.stdout.strip() == "0 []", result.stderr


def _qa(*args: str, cwd) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "qa", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_concurrent_adds_through_the_cli_all_land_and_all_exit_0(project):
    runs = [
        _qa("glossary", "add", f"Zq{i}", "--keep-english", "-f", "glossaries/ml.csv", cwd=project) for i in range(8)
    ]
    outcomes = [(run.wait(timeout=120), run.stderr.read()) for run in runs]
    assert outcomes == [(0, "")] * 8
    lint = invoke("glossary", "lint", "glossaries/ml.csv")
    assert (lint.exit_code, lint.stdout) == (0, "1 file, 10 entries: ok\n")


def test_edits_and_fix_in_place_through_a_symlink_change_the_linked_file(project):
    shared = project / "shared"
    shared.mkdir()
    (project / "glossaries" / "ml.csv").rename(shared / "ml.csv")
    (project / "glossaries" / "ml.csv").symlink_to(Path("..") / "shared" / "ml.csv")
    assert invoke("glossary", "add", "Zorblax", "--keep-english").exit_code == 0
    assert "Zorblax" in (shared / "ml.csv").read_text(encoding="utf-8")
    assert invoke("glossary", "remove", "CLIP").exit_code == 0
    assert "CLIP" not in (shared / "ml.csv").read_text(encoding="utf-8")
    assert (project / "glossaries" / "ml.csv").is_symlink()
    (shared / "p.zh.md").write_text("这里的变形金刚很好。\n", encoding="utf-8")
    (project / "p.zh.md").symlink_to(Path("shared") / "p.zh.md")
    fixed = _qa("fix", "p.zh.md", "--in-place", "-g", "glossaries/ml.csv", "--no-bundled-glossary", cwd=project)
    assert fixed.wait(timeout=120) == 0, fixed.stderr.read()
    assert (project / "p.zh.md").is_symlink()
    assert (shared / "p.zh.md").read_text(encoding="utf-8") == "这里的 Transformer 很好。\n"
    assert (project / "p.zh.md.bak").read_text(encoding="utf-8") == "这里的变形金刚很好。\n"
    assert sorted(p.name for p in shared.iterdir()) == ["ml.csv", "p.zh.md"]


def test_add_refuses_a_formula_cell_in_one_line(project):
    before = (project / "glossaries" / "ml.csv").read_bytes()
    result = invoke("glossary", "add", "BERT", "--keep-english", "--note", "=IMPORTXML(1)")
    assert result.exit_code == 2
    assert result.stderr == (
        "qa: error: glossaries/ml.csv:4: the edit is refused: 'note' starts with '=': a spreadsheet would run "
        "the cell as a formula; start it with another character (or ' to mark it as text)\n"
    )
    assert (project / "glossaries" / "ml.csv").read_bytes() == before


@needs_private_mounts
@pytest.mark.parametrize("read_only_part", ["folder", "file"])
def test_add_on_a_read_only_file_system_is_exit_2_in_one_line_and_changes_nothing(project, read_only_part):
    import os

    csv = project / "glossaries" / "ml.csv"
    before = csv.read_bytes()
    add = [sys.executable, "-m", "qa", "glossary", "add", "Zorblax", "--keep-english", "-f", "glossaries/ml.csv"]
    done = subprocess.run(
        read_only(csv.parent if read_only_part == "folder" else csv, add),
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "qa: error: glossaries/ml.csv: is on a read-only file system: the glossary cannot be written there\n"
    )
    assert csv.read_bytes() == before
