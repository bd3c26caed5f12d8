import csv
import io

import pytest

from qa.glossary.table import MAX_CELL_CHARS, Positions, scan, spreadsheet_safe, starts_formula


def values(text):
    rows, problems = scan(text)
    assert problems == []
    return [row.values for row in rows if not row.is_blank()]


@pytest.mark.parametrize(
    "text",
    [
        "a,b,c\n1,2,3\n",
        'a,"b,c",d\r\n"x ""y""",,\r\n',
        'term,note\nGAN,"two\nlines"\n',
        "a,b\n,\n",
        "no,final,newline",
    ],
)
def test_reads_what_the_csv_module_reads(text):
    assert values(text) == [tuple(r) for r in csv.reader(io.StringIO(text, newline="")) if r]


def test_cells_know_their_offsets_and_rows_their_exact_bytes():
    text = 'term,zh\nCLIP,"剪,辑"\r\nGAN,甘\n'
    rows, _ = scan(text)
    clip = rows[1]
    assert text[clip.start : clip.end] == 'CLIP,"剪,辑"\r\n'
    cell = clip.cells[1]
    assert cell.quoted and cell.value == "剪,辑"
    assert Positions(text)(cell.offset_of(text, 2)) == (2, 9)  # the 辑 after the comma


def test_offset_of_skips_doubled_quotes():
    text = '"a""b"'
    (row,), _ = scan(text)
    assert text[row.cells[0].offset_of(text, 2)] == "b"


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ('a,"open\n', 2, "unterminated quoted cell"),
        ('a,"b"c\n', 5, "text after a closing quote"),
        ('a,b"c\n', 3, "a quote inside an unquoted cell"),
    ],
)
def test_problems_point_at_the_cause(text, offset, message):
    _, problems = scan(text)
    assert [(p.offset, p.message.split(":")[0]) for p in problems] == [(offset, message)]


def test_scanning_resumes_after_a_bad_row():
    rows, problems = scan('a,b"c\nd,e\n')
    assert len(problems) == 1 and rows[-1].values == ("d", "e")


def test_positions_count_code_points_and_all_line_endings():
    positions = Positions("一\r\n二\r三\n四")
    assert [positions(i) for i in (0, 3, 5, 7)] == [(1, 1), (2, 1), (3, 1), (4, 1)]


def test_a_cell_over_the_limit_is_a_problem_at_its_start_and_scanning_goes_on():
    long = "x" * (MAX_CELL_CHARS + 1)
    text = f'term,note\nA,"{long}"\nB,{long}\nC,{"y" * MAX_CELL_CHARS}\n'
    rows, problems = scan(text)
    assert [Positions(text)(p.offset) for p in problems] == [(2, 3), (3, 3)]
    assert problems[0].message == "a cell of 131,073 characters; a glossary cell holds at most 131,072"
    assert [row.values[0] for row in rows[1:]] == ["A", "B", "C"]


@pytest.mark.parametrize("cell", ["=1+1", "+49 30", "-x", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_what_owasp_lists_and_safe_cells_start_with_a_quote(cell):
    assert starts_formula(cell) and spreadsheet_safe(cell) == "'" + cell
    assert not starts_formula(spreadsheet_safe(cell))


@pytest.mark.parametrize("cell", ["", "GPT-4", "a=b", " =x", "'=x", "变压器", "x@y"])
def test_other_cells_are_left_as_they_are(cell):
    assert not starts_formula(cell) and spreadsheet_safe(cell) == cell
