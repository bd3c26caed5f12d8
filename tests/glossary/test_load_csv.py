"""The glossary loader reads CSV with the csv module, as pandas read it before (issue 19).

`qa check` loads glossaries on every run, and importing pandas cost more than reading them,
so the loader stopped using it. The pandas-based parser it replaced is kept here, verbatim, as
the reference: on generated files (quotes, commas, newlines, spaces, empty cells, BOM, CRLF,
short and long rows, blank lines, an unclosed quote) both must give the same cells, the same
entries with the same `file:line`, or the same error at the same line. Set QA_FUZZ_EXAMPLES
to run more examples.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa.errors import QaInputError
from qa.glossary.load import _check_header, _entry, _parse_csv, _read_rows, _refuse_long_cells
from qa.glossary.schema import COLUMNS
from qa.read.io import decode
from tests.conftest import EXAMPLES, REPO

FUZZ = int(os.environ.get("QA_FUZZ_EXAMPLES", "150"))
FAST = settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAME = "terms.csv"


# --- the reference: the pandas-based parser the loader used before (qa/glossary/load.py) ---


def _pandas_parse_csv(path, text):
    import pandas as pd

    name = str(path)
    if not text.strip():
        raise QaInputError(name, "empty glossary: expected a header row with at least 'term'", 1)
    try:
        header = next(csv.reader(io.StringIO(text)))
        _refuse_long_cells(header)
        line_of_row = _pandas_row_lines(name, text, len(header))
    except csv.Error as error:
        raise _pandas_csv_error(name, text, error) from None
    _check_header(name, header)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, ValueError) as error:
        raise _pandas_csv_error(name, text, error) from None
    columns = [str(c).strip() for c in frame.columns]
    grid = frame.values.tolist()
    # `phantom`: pandas saw a row the line finder skipped (a line of only U+3000, or `""`), so
    # this parser named a wrong line for that row's error (the row always has no term).
    phantom = len(line_of_row) != len(grid)
    entries = []
    for position, values in enumerate(grid):
        line = line_of_row[position] if position < len(line_of_row) else position + 2
        try:
            entries.append(_entry(name, line, dict(zip(columns, values, strict=True))))
        except QaInputError as error:
            error.phantom = phantom
            error.cells = (columns, grid)
            raise
    return entries, (columns, grid), phantom


def _pandas_csv_error(name, text, error):
    from qa.glossary.table import Positions, scan

    _, problems = scan(text)
    if problems:
        line, column = Positions(text)(problems[0].offset)
        return QaInputError(name, f"not a valid CSV file: {problems[0].message} (column {column})", line)
    message = str(error).splitlines()[0]
    where = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if where:
        expected, line, saw = (int(g) for g in where.groups())
        return QaInputError(name, f"not a valid CSV file: the row has {saw} cells, the header {expected}", line)
    return QaInputError(name, f"not a valid CSV file: {message}", 1)


def _pandas_row_lines(name, text, columns):
    reader = csv.reader(io.StringIO(text))
    lines = []
    next(reader, None)
    start = reader.line_num + 1
    for row in reader:
        _refuse_long_cells(row)
        if len(row) > 1 or (row and row[0].strip()):
            if len(row) > columns:
                raise QaInputError(
                    name, f"not a valid CSV file: the row has {len(row)} cells, the header {columns}", start
                )
            lines.append(start)
        start = reader.line_num + 1
    return lines


# --- generated files ---

VALUES = st.sampled_from(
    [
        "",
        " ",
        "  ",
        "\t",
        "\u3000",
        "GAN",
        " GAN ",
        "生成对抗网络",
        "变压器|变换器",
        "基于[变压器]",
        "true",
        "FALSE",
        " yes ",
        "0",
        "maybe",
        "nan",
        "NA",
        "None",
        "1.0",
        "a,b",
        'say "hi"',
        '"',
        '""',
        "line\nbreak",
        "two\r\nlines",
        "=SUM(A1)",
        "+1",
        "@x",
        "\ufeff",
        "x" * 300,
    ]
)
QUOTING = st.sampled_from(["plain", "quoted", "spaced", "raw"])


def _cell(value: str, how: str) -> str:
    quoted = '"' + value.replace('"', '""') + '"'
    if how == "quoted":
        return quoted
    if how == "spaced":  # text after the closing quote, or a space before the opening one
        return quoted + " " if len(value) % 2 else " " + quoted
    if how == "plain" and not any(c in value for c in ',"\r\n'):
        return value
    return value if how == "raw" else quoted  # raw: written as is, malformed or not


CELLS = st.tuples(VALUES, QUOTING).map(lambda pair: _cell(*pair))
HEADERS = st.one_of(
    st.permutations(COLUMNS[2:]).flatmap(
        lambda cols: st.integers(0, len(cols)).map(lambda n: ["term", "zh", *cols[:n]])
    ),
    st.permutations(COLUMNS).flatmap(lambda cols: st.integers(1, len(cols)).map(lambda n: list(cols[:n]))),
    st.sampled_from(
        [
            ["term", "zh"],
            ["term", "zh", "keep_english"],
            [" term ", "zh "],
            ['"term"', "zh"],
            ['"term" ', "zh"],
            ["term", "zh", "zh"],
            ["zh", "note"],
            ["term", "zh", ""],
            ["term", "colour"],
        ]
    ),
)
SPECIAL_LINES = st.sampled_from(
    ["", " ", "\t ", "\u3000", '""', '"" ', ",", ",,", ",,,,,,,,,,,,", '"open', 'a,"b""', "GAN,x,y,z,w,v,u,t,s,r,q,p,o"]
)
FLAGS = st.sampled_from(["", "true", "false", " Yes ", "n", "1", '"false"', " ", "TRUE "])
TERMS = st.sampled_from(["GAN", " BERT ", "self-attention", '"a, b"', '"say ""hi"""', '"multi\nline"', "=1+1"])
RENDERINGS = st.sampled_from(
    ["生成对抗网络", " 注意力 | 自注意力 ", '"变压器,变换器"', "基于[变压器]", '"x\r\ny"', "甘"]
)


@st.composite
def _valid_row(draw, header: list[str], number: int) -> str:
    """A row likely to load, so that entries (not only errors) are compared."""
    cells = []
    for column in header:
        name = column.strip().strip('"').strip()
        if name == "term":
            term = draw(TERMS)
            cells.append(term[:-1] + f' {number}"' if term.startswith('"') else f"{term}{number}")
        elif name in ("keep_english", "case_sensitive", "report_missing"):
            cells.append(draw(FLAGS))
        elif name in ("zh", "forbidden", "forbidden_always", "forbidden_with_source", "exceptions"):
            cells.append(draw(RENDERINGS))
        else:
            cells.append(draw(CELLS))
    short = draw(st.integers(1, 4)) == 1  # a short row: pandas padded it with empty cells
    return ",".join(cells[: draw(st.integers(1, len(cells)))] if short else cells)


@st.composite
def glossary_bytes(draw) -> bytes:
    header = draw(HEADERS)
    lines = [",".join(header)]
    for number in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["valid"] * 6 + ["cells", "special"]))
        if kind == "valid":
            lines.append(draw(_valid_row(header, number)))
        elif kind == "cells":
            lines.append(",".join(draw(st.lists(CELLS, min_size=1, max_size=len(header)))))
        else:
            lines.append(draw(SPECIAL_LINES))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 2, newline + "  "]))
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8")


RAW = st.lists(st.sampled_from([*'ab ,"\n\r\t\u3000', "GAN", "true"]), max_size=40).map("".join)


def _outcome(parse, text: str):
    try:
        return "ok", parse(NAME, text)
    except QaInputError as error:
        return "error", str(error)


def _same_as_pandas(text: str) -> None:
    new = _outcome(_parse_csv, text)
    try:
        entries, cells, phantom = _pandas_parse_csv(NAME, text)
        old = ("ok", entries)
    except QaInputError as error:
        old = ("error", str(error))
        cells, phantom = getattr(error, "cells", None), getattr(error, "phantom", False)
    if cells is not None:  # pandas read the file: the csv reader's cells, padded, are its cells
        columns, grid = cells
        header, rows, _ = _read_rows(NAME, text)
        assert [c.strip() for c in header] == columns
        assert [[*row, *[""] * (len(header) - len(row))] for _, row in rows] == grid
    if new != old:  # only where the old parser named the next row's line: the row's own now
        assert phantom and old[0] == new[0] == "error" and old[1].endswith("empty 'term' cell")
        assert re.sub(r":\d+:", ":", new[1]) == re.sub(r":\d+:", ":", old[1])


@FAST
@given(glossary_bytes())
@example(b'term,zh\nGAN,"unclosed\n')
@example(b'term,zh\nGAN,"a""')
@example(b'term,zh\nGAN,"a"""\n')
@example(b"term,zh,note\n \t \nGAN,x\n\n")
@example("term,zh\n\u3000\nGAN,x\n".encode())
def test_the_csv_reader_reads_what_pandas_read(data):
    _same_as_pandas(decode(data, NAME))


@FAST
@given(st.sampled_from(["term,zh\n", "term,zh,keep_english\n", "term\n", "zh,term\n"]), RAW)
def test_the_csv_reader_reads_what_pandas_read_on_raw_text(header, body):
    _same_as_pandas(decode((header + body).encode("utf-8"), NAME))


@pytest.mark.parametrize("path", sorted((REPO / "glossaries").glob("*.csv")), ids=lambda p: p.name)
def test_the_bundled_glossaries_load_as_with_pandas(path):
    text = decode(path.read_bytes(), str(path))
    entries, _, phantom = _pandas_parse_csv(path, text)
    assert _parse_csv(path, text) == entries and not phantom


def test_check_never_imports_pandas(tmp_path):
    """`qa check` loads glossaries on every run: pandas (0.3 s or more to import) stays out."""
    (tmp_path / "project.csv").write_text(
        'term,zh,forbidden,keep_english\n"GAN",生成对抗网络,"甘",true\n"multi, line","x\ny",,\n', encoding="utf-8"
    )
    report = tmp_path / "report.json"
    arguments = [str(EXAMPLES / "issue13.zh.md"), "--no-drift", "--glossary", str(tmp_path / "project.csv")]
    script = (
        "import json, sys\n"
        "from qa.cli.main import app\n"
        "try:\n"
        "    app(sys.argv[1:], prog_name='qa')\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "else:\n"
        "    code = 0\n"
        "print(json.dumps({'code': code, 'pandas': sorted(m for m in sys.modules if m.split('.')[0] == 'pandas')}),"
        " file=sys.stderr)\n"
    )
    command = [sys.executable, "-c", script, "check", *arguments, "--format", "json", "--output", str(report)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    status = json.loads(result.stderr.strip().splitlines()[-1])
    assert status["code"] in (0, 1), result.stderr
    glossaries = json.loads(report.read_text(encoding="utf-8"))["signature"]["glossaries"]
    assert str(tmp_path / "project.csv") in glossaries and any(g.startswith("bundled:") for g in glossaries)
    assert status["pandas"] == []


def test_a_quote_left_open_is_refused_where_it_opens(tmp_path):
    for body in ['GAN,"a""\n', 'GAN,"a""', 'GAN,x\nBERT,"y\n\nz']:
        text = "term,zh\n" + body
        with pytest.raises(QaInputError, match="unterminated quoted cell") as raised:
            _parse_csv(NAME, text)
        assert str(raised.value) == str(_outcome(_pandas_parse_csv, text)[1])
    assert _parse_csv(NAME, 'term,zh\nGAN,"a"""\n')[0].approved == ('a"',)


def test_a_line_of_other_white_space_is_a_row_named_at_its_own_line():
    # pandas skipped only lines of spaces and tabs; the old parser then named the next line.
    with pytest.raises(QaInputError) as raised:
        _parse_csv(NAME, "term,zh\nGAN,甘\n\u3000\nBERT,x\n")
    assert str(raised.value) == f"{NAME}:3: empty 'term' cell"
