"""Bad input end to end: each case gets a correct report, or exit 2 with one `file:line:` line.

Never a traceback, never a half-written report. Runs the CLI in-process with `--no-drift`
(the reading, parsing and checking paths are the same with the encoder).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli.main import app
from tests.conftest import EXAMPLES, REPO

EN = (EXAMPLES / "issue13.en.md").read_text(encoding="utf-8")
ZH = (EXAMPLES / "issue13.zh.md").read_text(encoding="utf-8")
GLOSSARY = REPO / "glossaries" / "ml-terms.csv"
HEADER = "term,zh,forbidden,forbidden_always,keep_english,case_sensitive,variants,note\n"


@pytest.fixture(autouse=True)
def _outside_the_repo(tmp_path, monkeypatch):
    """Run where no glossaries/ folder is found, so each case names exactly its glossary."""
    monkeypatch.chdir(tmp_path)


def write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def run(tmp_path: Path, target: Path, *extra: str):
    report = tmp_path / "out" / "report.json"
    args = ["check", str(target), "--no-drift", "--format", "json", "--output", str(report), *extra]
    if "--glossary" not in extra:
        args += ["--glossary", str(GLOSSARY)]
    result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"crashed: {result.exception!r}") from result.exception
    return result, report


def assert_clean_error(result, report: Path, where: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"qa: error: {where}"), lines[0]
    assert "Traceback" not in result.output
    assert not report.parent.exists() or not any(report.parent.iterdir())


def assert_report(result, report: Path) -> dict:
    assert result.exit_code in (0, 1), result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["qa_report_version"] == 1
    return data


def pair_of_files(tmp_path: Path, zh: str | bytes, en: str | bytes = EN) -> Path:
    write(tmp_path / "doc.en.md", en)
    return write(tmp_path / "doc.zh.md", zh)


# Cases that must produce a report. Each returns the target path; `expect` checks the report.
REPORTED: dict[str, tuple[Callable[[Path], Path], Callable[[dict], bool]]] = {
    "empty target": (lambda d: pair_of_files(d, ""), lambda r: r["summary"]["errors"] >= 1),
    "whitespace-only target": (lambda d: pair_of_files(d, " \n\n\t\n"), lambda r: r["summary"]["errors"] >= 1),
    "GB18030 Chinese": (lambda d: pair_of_files(d, ZH.encode("gb18030")), lambda r: r["summary"]["errors"] >= 10),
    "UTF-16 with BOM": (lambda d: pair_of_files(d, ZH.encode("utf-16")), lambda r: r["summary"]["errors"] >= 10),
    "CRLF": (lambda d: pair_of_files(d, ZH.replace("\n", "\r\n")), lambda r: _has_line(r, 86, "变压器")),
    "lone CR": (lambda d: pair_of_files(d, ZH.replace("\n", "\r")), lambda r: _has_line(r, 86, "变压器")),
    "100,000-character line": (
        lambda d: pair_of_files(d, "变压器和注意力。" * 12_500),
        lambda r: r["pairs"] and r["summary"]["pairs"] >= 1,
    ),
    "unclosed code fence": (
        lambda d: pair_of_files(d, ZH[:2000] + "\n```python\nx = 1  # 变压器\n"),
        lambda r: not any(f["text"] == "变压器" and f["line"] > 40 for f in r["findings"]),
    ),
    "raw HTML block": (
        lambda d: pair_of_files(d, "<div onclick=alert(1)>\n<script>alert('变压器')</script>\n</div>\n\n" + ZH),
        lambda r: _has_line(r, 90, "变压器"),
    ),
    "broken table": (
        lambda d: pair_of_files(d, "| a | b |\n|---|\n| 变压器 | 2 | 3 |\n\n" + ZH),
        lambda r: r["summary"]["pairs"] > 40,
    ),
    "front matter": (
        lambda d: pair_of_files(d, "---\ntitle: 变压器\n---\n\n" + ZH),
        lambda r: _has_line(r, 90, "变压器") and not _has_line(r, 2, "变压器"),
    ),
    "deeply nested list": (
        lambda d: pair_of_files(d, "".join("  " * k + f"* 第 {k} 层\n" for k in range(200))),
        lambda r: r["summary"]["pairs"] >= 1,
    ),
    "source and target swapped": (
        lambda d: pair_of_files(d, EN, en=ZH),
        lambda r: _rules(r) >= {"language/target-not-chinese", "language/source-not-english"},
    ),
    "source identical to target": (
        lambda d: pair_of_files(d, EN),
        lambda r: "language/target-not-chinese" in _rules(r),
    ),
    "a different article": (
        lambda d: pair_of_files(
            d, "\n\n".join(f"今天第 {k} 次去公园散步，看到很多花和树，天气很好。" for k in range(30))
        ),
        lambda r: "alignment/unrelated-documents" in _rules(r),
    ),
    "glossary with a BOM": (
        lambda d: _with_glossary(d, b"\xef\xbb\xbf" + (HEADER + "Transformer,,变压器,,true,false,,\n").encode()),
        lambda r: _has_line(r, 86, "变压器"),
    ),
    "glossary in GBK": (
        lambda d: _with_glossary(d, (HEADER + "Transformer,,变压器,,true,false,,\n").encode("gbk")),
        lambda r: _has_line(r, 86, "变压器"),
    ),
    "glossary with a formula-like cell": (
        lambda d: _with_glossary(d, HEADER + '"=HYPERLINK(""http://x"")",公式,,,false,false,,\n'),
        lambda r: r["summary"]["errors"] >= 1,
    ),
}


def _has_line(report: dict, line: int, text: str) -> bool:
    return any(f["line"] == line and f["text"] == text for f in report["findings"])


def _rules(report: dict) -> set[str]:
    return {f["rule"] for f in report["findings"]}


def _with_glossary(d: Path, data: str | bytes) -> Path:
    write(d / "terms.csv", data)
    return pair_of_files(d, ZH)


@pytest.mark.parametrize("case", list(REPORTED))
def test_bad_input_still_gets_a_correct_report(tmp_path, case):
    make, expect = REPORTED[case]
    target = make(tmp_path)
    extra = ("--glossary", str(tmp_path / "terms.csv")) if (tmp_path / "terms.csv").exists() else ()
    result, report = run(tmp_path, target, *extra)
    data = assert_report(result, report)
    assert expect(data), json.dumps(data["summary"])


def _big_file(d: Path) -> Path:
    target = pair_of_files(d, "")
    with target.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing 50 MB
    return target


# Cases that must stop with exit 2 and name the file (and line where there is one).
REFUSED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "binary data": (
        lambda d: pair_of_files(d, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(64)),
        "doc.zh.md:3: contains NUL bytes",
    ),
    "invalid UTF-8": (lambda d: pair_of_files(d, b"# ok\n\nfine\n\xff\xfe\xfa\n"), "doc.zh.md:4: not valid UTF-8"),
    "a 50 MB file": (_big_file, "doc.zh.md: is 50.0 MiB"),
    "a missing path": (lambda d: d / "absent.zh.md", "absent.zh.md: no such file"),
    "a directory": (
        lambda d: (d / "dir.zh.md").mkdir() or d / "dir.zh.md",
        "dir.zh.md: no *.zh.md files in this folder",
    ),
    "a missing --source": (lambda d: write(d / "doc.zh.md", ZH), "nope.en.md: no such file"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_input_exits_2_with_one_line(tmp_path, case):
    make, where = REFUSED[case]
    target = make(tmp_path)
    extra = ("--source", str(tmp_path / "nope.en.md")) if case == "a missing --source" else ()
    result, report = run(tmp_path, target, *extra)
    assert_clean_error(result, report, str(tmp_path / where.split(":")[0]) + where[len(where.split(":")[0]) :])


def test_unreadable_file_exits_2(tmp_path, monkeypatch):
    target = pair_of_files(tmp_path, ZH)
    original = os.open

    def deny(path, flags, *args, **kwargs) -> int:
        if Path(path).name == "doc.zh.md":
            raise PermissionError(13, "Permission denied")
        return original(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)  # root ignores chmod 000, so deny the open itself
    result, report = run(tmp_path, target)
    assert_clean_error(result, report, f"{target}: cannot read: Permission denied")


BAD_GLOSSARIES = {
    "wrong delimiter": (
        HEADER.replace(",", ";") + "Transformer;;变压器;;true;false;;\n",
        ":1: missing required column 'term'",
    ),
    "no header": ("Transformer,,变压器,,true,false,,\n", ":1: missing required column 'term'"),
    "duplicate columns": ("term,zh,zh\nTransformer,变换器,变压器\n", ":1: column 'zh' appears twice"),
    "unbalanced quotes": (HEADER + 'Transformer,"变压器,,,true,false,,\nCLIP,,剪辑,,true,true,,\n', ":2:"),
    "bytes that are no text encoding": (
        HEADER.encode() + b"Transformer,,\xff\xfe\xfa,,true,false,,\n",
        ":2: not valid",
    ),
}


@pytest.mark.parametrize("case", list(BAD_GLOSSARIES))
def test_bad_glossary_exits_2_naming_file_and_line(tmp_path, case):
    data, where = BAD_GLOSSARIES[case]
    glossary = write(tmp_path / "terms.csv", data)
    target = pair_of_files(tmp_path, ZH)
    result, report = run(tmp_path, target, "--glossary", str(glossary))
    assert_clean_error(result, report, f"{glossary}{where}")


def _fifo(path: Path) -> Path:
    os.mkfifo(path)  # nobody ever writes to it: a blocking open or read waits for ever
    return path


def _to_dev_zero(path: Path) -> Path:
    path.symlink_to("/dev/zero")  # a size of 0 by stat, endless by read
    return path


def _qa(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`qa` in its own process, under a time and a memory limit: a reader that waits on a FIFO
    or reads /dev/zero fails the test (TimeoutExpired, or exit by MemoryError) instead of
    hanging the suite or taking the machine's memory."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    command = [sys.executable, "-m", "qa", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's qa, whatever is installed
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, preexec_fn=limit_memory, check=False
    )


# Each special file stands where a user file is read: (what to make, the arguments that read it).
SPECIAL_FILES: dict[str, tuple[Callable[[Path], Path], Callable[[Path, Path], list[str]]]] = {
    "FIFO target": (lambda d: _fifo(d / "doc.zh.md"), lambda d, special: [str(special)]),
    "FIFO --source": (
        lambda d: _fifo(d / "fifo.en.md"),
        lambda d, special: [str(d / "doc.zh.md"), "--source", str(special)],
    ),
    "FIFO --reference": (
        lambda d: _fifo(d / "ref.zh.md"),
        lambda d, special: [str(d / "doc.zh.md"), "--reference", str(special)],
    ),
    "FIFO glossary": (
        lambda d: _fifo(d / "terms.csv"),
        lambda d, special: [str(d / "doc.zh.md"), "--glossary", str(special)],
    ),
    "FIFO baseline": (
        lambda d: _fifo(d / "baseline.json"),
        lambda d, special: [str(d / "doc.zh.md"), "--baseline", str(special)],
    ),
    "/dev/zero target": (lambda d: _to_dev_zero(d / "zero.zh.md"), lambda d, special: [str(special)]),
    "/dev/zero glossary": (
        lambda d: _to_dev_zero(d / "terms.csv"),
        lambda d, special: [str(d / "doc.zh.md"), "--glossary", str(special)],
    ),
}


@pytest.mark.parametrize("case", list(SPECIAL_FILES))
def test_a_special_file_is_refused_at_once_naming_it(tmp_path, case):
    make, arguments = SPECIAL_FILES[case]
    (tmp_path / "doc.en.md").write_text(EN, encoding="utf-8")
    if case != "FIFO target":
        (tmp_path / "doc.zh.md").write_text(ZH, encoding="utf-8")
    special = make(tmp_path)
    glossary = [] if "glossary" in case else ["--glossary", str(GLOSSARY)]
    out = tmp_path / "out.json"
    result = _qa(
        tmp_path, "check", *arguments(tmp_path, special), *glossary, "--no-drift", "--format", "json", "-o", str(out)
    )
    kind = "a named pipe (FIFO)" if case.startswith("FIFO") else "a character device"
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"qa: error: {special}: is {kind}, not a regular file; " + (
        "expected a CSV glossary" if "glossary" in case else "expected a file"
    )
    assert not out.exists()


def test_a_folder_check_does_not_take_a_fifo_for_a_target(tmp_path):
    (tmp_path / "doc.en.md").write_text(EN, encoding="utf-8")
    (tmp_path / "doc.zh.md").write_text(ZH, encoding="utf-8")
    _fifo(tmp_path / "pipe.zh.md")
    _to_dev_zero(tmp_path / "zero.zh.md")
    result = _qa(tmp_path, "check", str(tmp_path), "--no-drift", "--glossary", str(GLOSSARY), "--report-dir", "reports")
    assert result.returncode in (0, 1), result.stderr
    assert "pipe.zh.md" not in result.stdout + result.stderr and "zero.zh.md" not in result.stdout + result.stderr


def test_cache_info_on_a_crafted_cache_reports_it_at_once(tmp_path):
    """A `vectors` view over an endless recursive query made `qa cache info` run for ever."""
    import sqlite3

    cache = tmp_path / "cache"
    cache.mkdir()
    connection = sqlite3.connect(cache / "embeddings.sqlite3")
    connection.execute(
        "CREATE VIEW vectors(model, text_sha256, dimension, vector) AS WITH RECURSIVE n(i) AS "
        "(SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT 'use-multilingual', hex(i), 512, x'00' FROM n"
    )
    connection.commit()
    connection.close()
    result = subprocess.run(
        [sys.executable, "-m", "qa", "cache", "info"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QA_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert "('vectors' is a view, not a table); `qa cache clear` removes it" in result.stdout, result.stderr


@pytest.mark.parametrize("where", ["English beside the target", "--config"])
def test_a_fifo_found_by_name_is_refused_not_taken_for_missing(tmp_path, where):
    (tmp_path / "doc.zh.md").write_text(ZH, encoding="utf-8")
    if where == "--config":
        (tmp_path / "doc.en.md").write_text(EN, encoding="utf-8")
        special = _fifo(tmp_path / "qa.toml")
        extra = ["--config", str(special)]
    else:
        special = _fifo(tmp_path / "doc.en.md")
        extra = []
    result = _qa(tmp_path, "check", "doc.zh.md", "--glossary", str(GLOSSARY), "--no-drift", *extra)
    assert result.returncode == 2, result.stderr
    shown = special.name if where != "--config" else str(special)  # as the user named it, or as found
    assert result.stderr.strip().startswith(f"qa: error: {shown}: is a named pipe (FIFO), not a regular file")
