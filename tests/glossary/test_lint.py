import codecs
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.errors import QaInputError
from qa.glossary.lint import lint_glossaries, lint_sources
from tests.conftest import REPO

HEADER = "term,zh,forbidden,forbidden_always,keep_english,case_sensitive,variants,note\n"


def lint(body: str, header: str = HEADER, name: str = "g.csv") -> list[str]:
    return [str(p) for p in lint_sources([(name, (header + body).encode("utf-8"))])]


def test_clean_file_has_no_problems():
    assert lint("Transformer,,变压器,变形金刚,true,false,,Keep it.\nself-attention,自注意力,,,false,false,,\n") == []


@pytest.mark.parametrize(
    ("header", "body", "expected"),
    [
        ("zh,note\n", "x,y\n", "g.csv:1:1: missing required column 'term' in the header"),
        ("term,zh,colour\n", "x,y,z\n", "g.csv:1:9: unknown column 'colour'"),
        ("term,zh,zh\n", "x,y,z\n", "g.csv:1:9: column 'zh' appears twice in the header"),
        (HEADER, ",剪辑,,,false,false,,\n", "g.csv:2:1: empty 'term' cell"),
        (HEADER, "CLIP,,,,false,false,,\n", "g.csv:2:6: term 'CLIP' has no approved rendering"),
        (HEADER, "CLIP,,,,maybe,false,,\n", "g.csv:2:9: column 'keep_english': 'maybe' is not true or false"),
        (HEADER, "CLIP ,,,,true,true,,\n", "g.csv:2:5: stray whitespace in 'term'"),
        (HEADER, "GAN,生成对抗网络| 生成式对抗网络,,,true,true,,\n", "g.csv:2:12: stray whitespace in 'zh'"),
        (HEADER, "GAN,生成对抗网络||x,,,true,true,,\n", "g.csv:2:12: empty item in 'zh'"),
        (HEADER, "GAN,生成对抗\u00a0网络,,,true,true,,\n", "g.csv:2:9: a no-break space in 'zh'"),
        (HEADER, "CLIP,,剪辑,,true,true,,,extra\n", "g.csv:2:23: row has 9 cells, the header 8"),
        (HEADER, 'CLIP,,"剪辑,,true,true,,\n', "g.csv:2:7: unterminated quoted cell"),
        (HEADER, "CLIP,,剪辑|剪辑,,true,true,,\n", "g.csv:2:10: '剪辑' is listed twice for 'CLIP' (in 'forbidden')"),
        (HEADER, "CLIP,,CLIP,,true,true,,\n", "g.csv:2:7: 'CLIP' is both an approved and a wrong rendering"),
        (HEADER, "Transformer,,,[变压器],true,false,,\n", "g.csv:2:15: '[变压器]' in 'forbidden_always': write one"),
        (HEADER, "GAN,[甘],,,true,true,,\n", "g.csv:2:5: '[甘]' in 'zh': [brackets] mark context only"),
        (HEADER, "GAN,生成对抗网络,,,true,true,gan,\n", ""),  # case-sensitive: gan is another form
        (HEADER, "MixUp,,,,true,false,mixup,\n", "g.csv:2:21: variant 'mixup' repeats the term"),
    ],
)
def test_each_problem_is_one_line_with_line_and_column(header, body, expected):
    problems = lint(body, header)
    if not expected:
        assert problems == []
    else:
        assert any(p.startswith(expected) for p in problems), problems


def test_across_rows_and_files():
    a = (HEADER + "GAN,生成对抗网络,甘,,true,true,,\nMixUp,混合,,,true,false,,\n").encode()
    b = (HEADER + "gan,甘,,,false,false,,\nCutMix,,混合,,true,false,,\nViT,,,,true,false,,\n").encode()
    c = (HEADER + "Vision Transformer,,,,true,false,ViT,\n").encode()
    problems = [str(p) for p in lint_sources([("a.csv", a), ("b.csv", b), ("c.csv", c)])]
    assert "b.csv:2:1: term 'gan' is already defined at a.csv:2" in problems
    assert (
        "b.csv:3:9: '混合' is a wrong rendering of 'CutMix' but an approved rendering of 'MixUp' at a.csv:3" in problems
    )
    assert "c.csv:2:34: variant 'ViT' of 'Vision Transformer' is the term of the entry at b.csv:4" in problems


def test_bom_and_bad_bytes_are_reported_and_linting_goes_on():
    data = codecs.BOM_UTF8 + HEADER.encode() + "CLIP,,剪辑,,maybe,true,,\n".encode() + b"GAN,\xff,,,true,true,,\n"
    problems = [str(p) for p in lint_sources([("g.csv", data)])]
    assert problems[0] == "g.csv:1:1: UTF-8 byte order mark: save the file as UTF-8 without BOM"
    assert "g.csv:3:5: byte 0xff is not UTF-8: save the file as UTF-8" in problems
    assert any(p.startswith("g.csv:2:11: column 'keep_english'") for p in problems)


def test_empty_file_and_missing_file():
    assert lint("", header="") == ["g.csv:1:1: empty glossary: expected a header row with at least 'term'"]
    with pytest.raises(QaInputError, match="no such glossary file"):
        lint_glossaries([Path("/nonexistent/g.csv")])


def test_bundled_glossaries_are_clean():
    assert lint_glossaries(sorted((REPO / "glossaries").glob("*.csv"))).problems == []


def test_five_thousand_entries_lint_in_a_pre_commit_budget(tmp_path):
    rows = "".join(f"Term{i}Net,术语{i},错{i}|误{i},,false,false,,note {i}\n" for i in range(5000))
    path = tmp_path / "big.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "qa", "glossary", "lint", str(path)], capture_output=True, text=True, cwd=REPO
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < 2.0  # measured ~0.4 s wall, interpreter start included; slack for a busy CI


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("=cmd,,,,true,false,,\n", ["g.csv:2:1: 'term' starts with '='"]),
        ('GAN,"+生成对抗网络",,,true,true,,\n', ["g.csv:2:6: 'zh' starts with '+'"]),
        ("GAN,生成对抗网络,-甘,,true,true,,\n", ["g.csv:2:12: 'forbidden' starts with '-'"]),
        ("GAN,生成对抗网络,,,true,true,,@x\n", ["g.csv:2:25: 'note' starts with '@'"]),
        ("GAN,生成对抗网络,,,true,true,,ok,=x\n", ["g.csv:2:28: cell 9 starts with '='"]),
        ("GAN,生成对抗网络,,,true,true,,'=x (text)\n", []),  # the quote a spreadsheet reads as text
        ("GPT-4,,,,true,true,GPT-4o|-,\n", []),  # a hyphen inside a cell is no formula
    ],
)
def test_formula_cells_are_reported_at_their_first_character(body, expected):
    found = [p.split(": a spreadsheet")[0] for p in lint(body) if "starts with" in p]
    assert found == expected


def test_a_tab_or_carriage_return_start_is_a_formula_start_too():
    problems = lint('GAN,生成对抗网络,,,true,true,,"\tnote"\n') + lint('GAN,生成对抗网络,,,true,true,,"\rnote"\n')
    assert [p for p in problems if "starts with" in p] == [
        "g.csv:2:26: 'note' starts with '\\t': a spreadsheet would run the cell as a formula; "
        "start it with another character (or ' to mark it as text)",
        "g.csv:2:26: 'note' starts with '\\r': a spreadsheet would run the cell as a formula; "
        "start it with another character (or ' to mark it as text)",
    ]


def test_a_cell_over_the_limit_is_reported_at_its_line():
    long = "长" * 131_073
    assert lint(f"GAN,生成对抗网络,,,true,true,,\nBERT,,,,true,true,,{long}\n") == [
        "g.csv:3:20: a cell of 131,073 characters; a glossary cell holds at most 131,072"
    ]
